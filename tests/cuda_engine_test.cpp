// The batched engine on the GPU (cuda/cuda_backend.cuh): the same engine and step functors as
// the CPU backend (tests/batch_engine_test.cpp), launched as kernels. On a device: the posterior
// agrees with the quadrature references and with the CPU backend within MCSE-derived
// tolerances, for HMC and Gibbs, single-arm and two-arm, with one thread and with 8 or 32 lanes
// per chain (and a warp per chain chosen by the engine at K = 210); the same seed gives the same
// GPU output twice, and the same draws with the study data in shared or global memory. Skipped, saying why, without a CUDA build or device.
// Divergences: the rate the CPU tests allow (allowed_divergences), not zero.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

#include "host/io/csv_reader.hpp"
#include "host/fit/outcome_fit.hpp"
#include "support/mcse.hpp"
#include "support/mini_json.hpp"
#ifdef HBMETA_HAVE_CUDA
#include "cuda/device_engine.hpp"
#endif

namespace {

using hbm::test::Json;

// Skips without a device, unless HBMETA_REQUIRE_GPU is set (scripts/gpu-check.sh): then it fails.
#define SKIP_WITHOUT_DEVICE()                                                     \
  do {                                                                            \
    if (!have_device()) {                                                         \
      if (std::getenv("HBMETA_REQUIRE_GPU")) FAIL() << skip_reason();             \
      GTEST_SKIP() << skip_reason();                                              \
    }                                                                             \
  } while (0)

bool have_device() {
#ifdef HBMETA_HAVE_CUDA
  return hbm::cuda::device_count() > 0;
#else
  return false;
#endif
}

std::string skip_reason() {
#ifdef HBMETA_HAVE_CUDA
  std::string why;
  hbm::cuda::device_count(&why);
  return "no usable CUDA device (" + why + "): GPU test skipped";
#else
  return "built without CUDA (nvcc not found at configure time): GPU test skipped";
#endif
}

// The quadrature references (tests/fixtures/reference/*.json) are for mu ~ normal(0, 10), not
// the default normal(0, 2.5): every run here uses theirs, as tests/sampler_reference_test.cpp does.
hbm::FitOptions gpu_options(int chains, int warmup, int draws) {
  hbm::FitOptions opt;
  opt.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};
  opt.device = hbm::Device::Cuda;
  opt.sampler.chains = chains;
  opt.sampler.warmup = warmup;
  opt.sampler.draws = draws;
  opt.sampler.seed = 2024;
  opt.frequentist = hbm::FrequentistLevel::None;
  return opt;
}

// Post-warmup divergences a correct GPU run may show: the rate the CPU tests allow, not zero.
// tests/sampler_reference_test.cpp requires none in 32 x 1500 = 48,000 transitions on the same
// posteriors; a zero count there is consistent (95%, the rule of three) with a rate up to
// 3 / 48,000. At that rate a run of n transitions expects n / 16,000, and the bound is the
// Poisson quantile that a correct run exceeds with probability below 1e-3 (204,800 transitions:
// mean 12.8, bound 25). A sampler bug (a wrong gradient, a broken metric) diverges by hundreds.
long long allowed_divergences(long long transitions) {
  const double mean = 3.0 * static_cast<double>(transitions) / 48000.0;
  double term = std::exp(-mean), cdf = term;
  long long k = 0;
  while (1.0 - cdf > 1e-3) {
    ++k;
    term *= mean / static_cast<double>(k);
    cdf += term;
  }
  return k;
}
long long allowed_divergences(const hbm::OutcomeResult& r) {
  return allowed_divergences(static_cast<long long>(r.chains) * r.draws);
}

// 4 MCSE of this run against an exact reference (tests/sampler_reference_test.cpp explains 4).
void expect_near_reference(const hbm::OutcomeResult& r, const Json& ref, const char* name) {
  const hbm::ParamSummary* s = r.find(name);
  ASSERT_NE(s, nullptr) << name;
  const auto m = hbm::test::mcse_of(hbm::test::draws_of(r, name), static_cast<std::size_t>(r.chains));
  EXPECT_NEAR(s->mean, ref[name]["mean"].num(), 4 * m.mean) << name;
  EXPECT_NEAR(s->sd, ref[name]["sd"].num(), 4 * m.sd) << name;
  EXPECT_NEAR(s->q[0], ref[name]["quantiles"]["0.025"].num(), 4 * m.q025) << name;
  EXPECT_NEAR(s->q[3], ref[name]["quantiles"]["0.5"].num(), 4 * m.q50) << name;
  EXPECT_NEAR(s->q[6], ref[name]["quantiles"]["0.975"].num(), 4 * m.q975) << name;
}

// Two runs with their own MCSE: |a - b| <= 4 sqrt(mcse_a^2 + mcse_b^2).
void expect_runs_agree(const hbm::OutcomeResult& a, const hbm::OutcomeResult& b, const char* name) {
  const auto ma = hbm::test::mcse_of(hbm::test::draws_of(a, name), static_cast<std::size_t>(a.chains));
  const auto mb = hbm::test::mcse_of(hbm::test::draws_of(b, name), static_cast<std::size_t>(b.chains));
  const hbm::ParamSummary *sa = a.find(name), *sb = b.find(name);
  ASSERT_TRUE(sa && sb) << name;
  EXPECT_NEAR(sa->mean, sb->mean, 4 * std::hypot(ma.mean, mb.mean)) << name;
  EXPECT_NEAR(sa->sd, sb->sd, 4 * std::hypot(ma.sd, mb.sd)) << name;
  EXPECT_NEAR(sa->q[3], sb->q[3], 4 * std::hypot(ma.q50, mb.q50)) << name;
}

// The bound above, against the Poisson quantiles computed independently (R: qpois(0.999, mean):
// 25 at mean 12.8, 10 at mean 3). Runs on the CPU: it is arithmetic, not a GPU test.
TEST(CudaEngineBounds, DivergenceBoundIsThePoissonQuantileAtTheCpuTestsRate) {
  EXPECT_EQ(allowed_divergences(204800), 25);
  EXPECT_EQ(allowed_divergences(48000), 10);
  EXPECT_EQ(allowed_divergences(0), 0);
}

TEST(CudaEngine, SingleArmMatchesQuadratureAndTheCpuBackend) {
  SKIP_WITHOUT_DEVICE();
  const std::string dir = std::string(HBMETA_FIXTURES) + "/reference/";
  for (const char* prior : {"hn1", "hc05"}) {
    const auto outcomes = hbm::read_outcomes(dir + "pritz1997.csv");
    const Json ref = Json::parse_file(dir + "pritz1997__" + prior + ".json");
    hbm::FitOptions opt = gpu_options(1024, 1000, 200);  // the CPU reference test's warmup
    opt.prior_tau = std::string(prior) == "hn1" ? hbm::Prior{hbm::PriorKind::HalfNormal, 0, 1}
                                                : hbm::Prior{hbm::PriorKind::HalfCauchy, 0, 0.5};
    for (const hbm::Algorithm alg : {hbm::Algorithm::Hmc, hbm::Algorithm::Gibbs}) {
      opt.sampler.algorithm = alg;
      hbm::ThreadPool pool(2);
      const hbm::OutcomeResult gpu = hbm::fit_single_arm(outcomes[0], opt, pool);
      EXPECT_LT(gpu.diagnostics.max_rhat, 1.01);
      EXPECT_LE(gpu.diagnostics.divergences, allowed_divergences(gpu));
      for (const char* p : {"mu", "tau"}) expect_near_reference(gpu, ref, p);
      hbm::FitOptions cpu_opt = opt;
      cpu_opt.device = hbm::Device::Cpu;
      cpu_opt.sampler.chains = 64;
      cpu_opt.sampler.draws = 500;
      const hbm::OutcomeResult cpu = hbm::fit_single_arm(outcomes[0], cpu_opt, pool);
      for (const char* p : {"mu", "tau", "theta_new"}) expect_runs_agree(gpu, cpu, p);
    }
  }
}

TEST(CudaEngine, TwoArmMatchesTheCpuBackend) {
  SKIP_WITHOUT_DEVICE();
  const std::string dir = std::string(HBMETA_FIXTURES) + "/reference/";
  const auto outcomes = hbm::read_outcomes(dir + "nielweise2007.csv");
  for (const hbm::BaselineModel bl : {hbm::BaselineModel::Independent, hbm::BaselineModel::Random}) {
    hbm::FitOptions opt = gpu_options(1024, 500, 200);
    opt.prior_tau = {hbm::PriorKind::HalfNormal, 0, 0.5};
    opt.baseline = bl;
    hbm::ThreadPool pool(2);
    const hbm::OutcomeResult gpu = hbm::fit_two_arm(outcomes[0], opt, pool);
    EXPECT_LT(gpu.diagnostics.max_rhat, 1.01);
    hbm::FitOptions cpu_opt = opt;
    cpu_opt.device = hbm::Device::Cpu;
    cpu_opt.sampler.chains = 32;
    cpu_opt.sampler.draws = 1000;
    const hbm::OutcomeResult cpu = hbm::fit_two_arm(outcomes[0], cpu_opt, pool);
    for (const char* p : {"mu", "tau", "theta_new"}) expect_runs_agree(gpu, cpu, p);
  }
}

// Several lanes per chain (models/group.hpp; tests/group_layout_test.cpp checks the layout's
// arithmetic on the CPU): with a warp (32) and with 8 lanes per chain the posterior still
// matches the quadrature reference and the one-lane GPU run.
TEST(CudaEngine, LanesPerChainMatchQuadratureAndOneLane) {
  SKIP_WITHOUT_DEVICE();
  const std::string dir = std::string(HBMETA_FIXTURES) + "/reference/";
  const auto outcomes = hbm::read_outcomes(dir + "pritz1997.csv");
  const Json ref = Json::parse_file(dir + "pritz1997__hn1.json");
  hbm::FitOptions opt = gpu_options(1024, 1000, 200);  // the CPU reference test's warmup
  opt.prior_tau = {hbm::PriorKind::HalfNormal, 0, 1};
  hbm::ThreadPool pool(2);
  opt.sampler.lanes = 1;
  const hbm::OutcomeResult one = hbm::fit_single_arm(outcomes[0], opt, pool);
  EXPECT_EQ(one.diagnostics.lanes_per_chain, 1);
  for (int lanes : {8, 32}) {
    opt.sampler.lanes = lanes;
    const hbm::OutcomeResult r = hbm::fit_single_arm(outcomes[0], opt, pool);
    EXPECT_EQ(r.diagnostics.lanes_per_chain, lanes);
    EXPECT_LT(r.diagnostics.max_rhat, 1.01);
    EXPECT_LE(r.diagnostics.divergences, allowed_divergences(r));
    for (const char* p : {"mu", "tau"}) expect_near_reference(r, ref, p);
    for (const char* p : {"mu", "tau", "theta_new"}) expect_runs_agree(r, one, p);
  }
}

// Large K: pritz1997's 14 studies repeated 15 times (K = 210), where the engine chooses a warp
// per chain; the GPU posterior agrees with the CPU backend's.
TEST(CudaEngine, LargeKUsesAWarpPerChainAndMatchesTheCpuBackend) {
  SKIP_WITHOUT_DEVICE();
  auto outcome = hbm::read_outcomes(std::string(HBMETA_FIXTURES) + "/reference/pritz1997.csv")[0];
  const auto once = outcome.studies;
  for (int r = 1; r < 15; ++r)
    for (auto st : once) {
      st.name += " #" + std::to_string(r);
      outcome.studies.push_back(st);
    }
  hbm::FitOptions opt = gpu_options(1024, 500, 200);
  hbm::ThreadPool pool(2);
  const hbm::OutcomeResult gpu = hbm::fit_single_arm(outcome, opt, pool);
  EXPECT_EQ(gpu.diagnostics.lanes_per_chain, 32);
  EXPECT_LT(gpu.diagnostics.max_rhat, 1.01);
  hbm::FitOptions cpu_opt = opt;
  cpu_opt.device = hbm::Device::Cpu;
  cpu_opt.sampler.chains = 32;
  cpu_opt.sampler.draws = 500;
  const hbm::OutcomeResult cpu = hbm::fit_single_arm(outcome, cpu_opt, pool);
  for (const char* p : {"mu", "tau", "theta_new"}) expect_runs_agree(gpu, cpu, p);
}

// Study data staged in shared memory (the default) or read from global memory: the staged
// copy holds the same values, so the same seed gives the same draws bit for bit, for HMC (one
// thread and a warp per chain) and Gibbs, over all 13 bundled outcomes in one batch (blocks
// that straddle two outcomes included); the runs say where they read the data
// (tests/study_staging_test.cpp checks the same on the CPU).
TEST(CudaEngine, StudyDataInSharedMemoryGiveTheSameDrawsAsGlobalMemory) {
  SKIP_WITHOUT_DEVICE();
  const auto outcomes = hbm::read_outcomes(std::string(HBMETA_DATA_DIR) + "/rescue_simulated.csv");
  const std::pair<hbm::Algorithm, int> runs[] = {{hbm::Algorithm::Hmc, 1}, {hbm::Algorithm::Hmc, 32}, {hbm::Algorithm::Gibbs, 0}};
  for (const auto& [alg, lanes] : runs) {
    hbm::FitOptions opt = gpu_options(200, 150, 100);  // 200 chains: blocks of 128 straddle outcomes
    opt.sampler.algorithm = alg;
    opt.sampler.lanes = lanes;
    hbm::ThreadPool pool(2);
    opt.sampler.stage_studies = true;
    const auto shared = hbm::prefit_batched(outcomes, opt, pool);
    opt.sampler.stage_studies = false;
    const auto global = hbm::prefit_batched(outcomes, opt, pool);
    for (const auto& o : outcomes) {
      EXPECT_STREQ(shared.at(o.name).study_data, "shared") << o.name;
      EXPECT_STREQ(global.at(o.name).study_data, "global") << o.name;
      EXPECT_EQ(shared.at(o.name).outputs, global.at(o.name).outputs) << o.name << " lanes " << lanes;
      EXPECT_EQ(shared.at(o.name).study_outputs, global.at(o.name).study_outputs) << o.name << " lanes " << lanes;
    }
  }
}

TEST(CudaEngine, SameSeedGivesTheSameGpuOutputTwice) {
  SKIP_WITHOUT_DEVICE();
  const auto outcomes = hbm::read_outcomes(std::string(HBMETA_DATA_DIR) + "/rescue_simulated.csv");
  // (algorithm, lanes per chain): HMC with the engine's choice and with a warp per chain; Gibbs
  // runs one lane per chain.
  const std::pair<hbm::Algorithm, int> runs[] = {{hbm::Algorithm::Hmc, 0}, {hbm::Algorithm::Hmc, 32}, {hbm::Algorithm::Gibbs, 0}};
  for (const auto& [alg, lanes] : runs) {
    hbm::FitOptions opt = gpu_options(512, 200, 100);
    opt.sampler.algorithm = alg;
    opt.sampler.lanes = lanes;
    hbm::ThreadPool pool(2);
    const auto a = hbm::prefit_batched(outcomes, opt, pool);
    const auto b = hbm::prefit_batched(outcomes, opt, pool);
    ASSERT_EQ(a.size(), outcomes.size());
    for (const auto& o : outcomes) {
      EXPECT_EQ(a.at(o.name).outputs, b.at(o.name).outputs) << o.name << " lanes " << lanes;
      EXPECT_EQ(a.at(o.name).study_outputs, b.at(o.name).study_outputs) << o.name << " lanes " << lanes;
      EXPECT_EQ(a.at(o.name).step_size, b.at(o.name).step_size) << o.name << " lanes " << lanes;
    }
  }
}

}  // namespace
