// A sampler step that produces a non-finite value is reported, never silently averaged in
// (issue 9, "numerical safety"). Real data rarely make the samplers overflow, so the handling is
// tested through tiny fake models that do so on purpose, run by the real engine on the CPU
// backend (host/engine/batch_engine.hpp: run_gibbs, run_hmc; the step functors of models/batch_steps.hpp
// that the GPU runs too) and the real reporting code (host/fit/fit_common.cpp: fill_diagnostics,
// add_common_warnings; host/io/output_writer.cpp):
//
//  * Gibbs: a one-coordinate "model" whose sweep draws x ~ N(0, 1) but, with probability 0.05
//    per sweep (decided by the sweep's own counter-based stream), writes NaN or +-Inf instead.
//    The test replays the same streams to know exactly which sweeps were bad, and checks that
//    the sampler counted exactly those (warmup and sampling separately), kept the chain on its
//    last finite state (the draw equals the previous one), and that the count reaches
//    diagnostics, the warning and summary.json, with every summary finite.
//  * HMC: a standard normal whose log density and gradient are NaN above x = 2. Trajectories
//    that enter that region are divergent and rejected, which leaves a valid sampler of the
//    normal truncated to x <= 2: every draw is finite and <= 2, divergences are counted and
//    warned about, and the draws' mean is within 4 MCSE of the truncated normal's,
//    -phi(2) / Phi(2).
// Fixed seeds: deterministic.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "host/engine/batch_data.hpp"
#include "host/engine/batch_engine.hpp"
#include "host/engine/cpu_backend.hpp"
#include "host/fit/fit_common.hpp"
#include "host/io/output_writer.hpp"
#include "host/support/thread_pool.hpp"
#include "models/philox.hpp"
#include "support/mcse.hpp"
#include "support/mini_json.hpp"
#include "support/summary_checks.hpp"

namespace {

constexpr double kBadRate = 0.05;

// What the fake sweep draws from its stream: (x, bad, which non-finite value).
struct FakeSweepDraw {
  double x;
  bool bad;
  double bad_value;
};
FakeSweepDraw fake_sweep_draw(hbm::RngStream& rng) {
  double z, unused;
  rng.normal2(z, unused);
  const double u = rng.uniform();
  const double v = rng.uniform();
  const double bad_value = v < 1.0 / 3 ? std::numeric_limits<double>::quiet_NaN()
                                       : (v < 2.0 / 3 ? std::numeric_limits<double>::infinity()
                                                      : -std::numeric_limits<double>::infinity());
  return {z, u < kBadRate, bad_value};
}

// A batch of one fake outcome for the engine: the view hands out `Model` (HMC) and `Gibbs`
// (the sweep), with no study effects (K = 0) and `Hyper` outputs per draw.
template <class Model, class Gibbs, int Hyper>
struct FakeView {
  static constexpr int kBlocks = 1;
  static constexpr int kStudyArrays = 0;
  std::uint8_t* centred = nullptr;
  std::uint8_t* flags(int) const { return centred; }
  Model at(int) const { return {}; }
  Gibbs gibbs_at(int) const { return {}; }
  static int gibbs_hyper(const Gibbs&) { return Hyper; }
  static void gibbs_outputs(const Gibbs&, const double* s, double* out) {
    for (int r = 0; r < Hyper; ++r) out[r] = s[r];
  }
};
template <class V>
struct FakeBatch {
  using View = V;
  hbm::batch::IndexHost index;
  FakeBatch() { index.add(0, 0, 0, 0); }
  template <class Backend>
  struct Device {
    Device(Backend&, const FakeBatch&) {}
    View view(std::uint8_t* flags) const { return View{flags}; }
  };
};

// The parts of a model the engine asks of one without study effects.
struct NoBlocks {
  int K = 0;
  int n_blocks() const { return 0; }
  int block_offset(int) const { return 0; }
  double effect_loc(hbm::CVec, int, int) const { return 0.0; }
  double effect_scale(hbm::CVec, int) const { return 1.0; }
  bool flag(int, int) const { return false; }
  hbm::EffectData effect_data(int, int) const { return {}; }
  int location_index(int) const { return 0; }
  hbm::Prior location_prior(int) const { return {}; }
  int scale_index(int) const { return 0; }
  hbm::Prior scale_prior(int) const { return {}; }
  // No effects, so no slopes; the engine never moves a model without blocks.
  template <class G>
  void likelihood_slopes(hbm::CVec, hbm::CVec, hbm::Vec, const G&) const {}
  template <class G>
  bool gradient_with_slopes(hbm::CVec, hbm::Vec, hbm::CVec, const G&) const { return false; }
};

// Gibbs: s[0] = x, s[1] = a constant 1 (a second output).
struct FakeGibbsModel {
  int K = 0;
  int state_dim() const { return 2; }
  void sweep(double* s, double*, hbm::RngStream& rng) const {
    const FakeSweepDraw d = fake_sweep_draw(rng);
    s[0] = d.bad ? d.bad_value : d.x;
    s[1] = 1.0;
  }
};

using hbm::test::finite;
using hbm::test::has_warning;

// The result the fits build from a run, through the same functions (parameters mu = output 0,
// tau = |output 0| + 1 so that the tau-based warnings have something to read).
hbm::OutcomeResult report_of(const hbm::HmcRun& run, hbm::ThreadPool& pool) {
  hbm::OutcomeResult r;
  r.name = "fake";
  r.k = 10;
  r.chains = run.chains;
  r.draws = run.draws;
  std::vector<double> mu = run.column(0), tau(mu.size());
  for (std::size_t i = 0; i < mu.size(); ++i) tau[i] = std::fabs(mu[i]) + 1.0;
  hbm::add_parameters(r, {{"mu", mu}, {"tau", tau}}, pool);
  hbm::fill_diagnostics(r, run);
  hbm::add_common_warnings(r, {}, 0, hbm::Prior{hbm::PriorKind::HalfNormal, 0, 1});
  return r;
}

TEST(NonFinite, GibbsSweepWithNonFiniteValueIsRejectedCountedAndWarned) {
  hbm::SamplerConfig cfg;
  cfg.algorithm = hbm::Algorithm::Gibbs;
  cfg.chains = 8;
  cfg.warmup = 200;
  cfg.draws = 1000;
  cfg.seed = 31;
  const std::uint32_t stream = 7;
  hbm::ThreadPool pool(2);
  hbm::CpuBackend be(pool);
  hbm::batch::OutcomeStart start;
  start.stream = stream;
  start.dim = 2;
  start.hyper = 2;
  start.q0.assign(2 * cfg.chains, 0.0);  // every chain starts at x = 0 (and the constant 1)
  for (int c = 0; c < cfg.chains; ++c) start.q0[2 * c + 1] = 1.0;
  const FakeBatch<FakeView<NoBlocks, FakeGibbsModel, 2>> data;
  const hbm::HmcRun run = hbm::batch::run_gibbs(be, data, {start}, cfg, 1)[0];

  // Replay the sweeps' streams: which were bad, and what a correct sampler must output.
  long long expect_warmup_bad = 0, expect_bad = 0;
  std::vector<double> expect_x(static_cast<std::size_t>(cfg.chains) * cfg.draws);
  std::vector<int> expect_flag(expect_x.size());
  for (int c = 0; c < cfg.chains; ++c) {
    double last = 0.0;  // the initial state
    for (int it = 0; it < cfg.warmup + cfg.draws; ++it) {
      hbm::RngStream rng(cfg.seed, stream, static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it),
                         hbm::RngPurpose::Gibbs);
      const FakeSweepDraw d = fake_sweep_draw(rng);
      if (!d.bad) last = d.x;
      if (it < cfg.warmup) {
        expect_warmup_bad += d.bad;
        continue;
      }
      const std::size_t idx = static_cast<std::size_t>(c) * cfg.draws + (it - cfg.warmup);
      expect_x[idx] = last;
      expect_flag[idx] = d.bad;
      expect_bad += d.bad;
    }
  }
  ASSERT_GT(expect_bad, 0);          // the test exercises what it claims
  ASSERT_GT(expect_warmup_bad, 0);
  EXPECT_EQ(run.warmup_divergences, expect_warmup_bad);
  long long flagged = 0;
  for (std::size_t idx = 0; idx < expect_x.size(); ++idx) {
    flagged += run.divergent[idx];
    EXPECT_EQ(run.divergent[idx], expect_flag[idx]) << idx;
    // The chain stays on its last finite state: the output is that state, bit for bit.
    EXPECT_EQ(run.outputs[idx * run.n_outputs], expect_x[idx]) << idx;
    EXPECT_TRUE(std::isfinite(run.outputs[idx * run.n_outputs]) && std::isfinite(run.outputs[idx * run.n_outputs + 1]));
  }
  EXPECT_EQ(flagged, expect_bad);

  const hbm::OutcomeResult r = report_of(run, pool);
  EXPECT_EQ(r.diagnostics.sampler, "gibbs");
  EXPECT_EQ(r.diagnostics.divergences, expect_bad);
  EXPECT_EQ(r.diagnostics.warmup_divergences, expect_warmup_bad);
  EXPECT_TRUE(has_warning(r, std::to_string(expect_bad) + " Gibbs sweeps produced a non-finite value and were rejected"))
      << (r.warnings.empty() ? std::string("no warnings") : r.warnings[0]);
  for (const auto& p : r.parameters) EXPECT_TRUE(finite(p.s)) << p.name;
  // The draws are N(0, 1) with repeats (a bad sweep is independent of the state, so the chain
  // still targets N(0, 1)): the mean is 0 within 4 MCSE.
  const auto m = hbm::test::mcse_of(hbm::test::draws_of(r, "mu"), static_cast<std::size_t>(r.chains));
  EXPECT_NEAR(r.find("mu")->mean, 0.0, 4 * m.mean);

  // summary.json carries the count and no NaN / Inf.
  hbm::RunInfo info;
  info.options.sampler = cfg;
  const std::string json = hbm::summary_json(info, {r});
  const hbm::test::Json parsed = hbm::Json::parse(json);
  const hbm::test::Json& d = parsed["outcomes"]["fake"]["diagnostics"];
  EXPECT_EQ(d["divergences"].num(), static_cast<double>(expect_bad));
  EXPECT_EQ(d["warmup_divergences"].num(), static_cast<double>(expect_warmup_bad));
  EXPECT_EQ(json.find("nan"), std::string::npos);
  EXPECT_EQ(json.find("inf"), std::string::npos);
  EXPECT_EQ(json.find("NaN"), std::string::npos);
  EXPECT_EQ(json.find("Infinity"), std::string::npos);
}

// Standard normal with a NaN log density (and gradient) above x = 2.
struct NanAboveModel : NoBlocks {
  static constexpr double kEdge = 2.0;
  int dim() const { return 1; }
  template <class G>
  double log_density_grad(hbm::CVec q, hbm::Vec g, const G&) const {
    if (q[0] > kEdge) {
      g[0] = std::numeric_limits<double>::quiet_NaN();
      return std::numeric_limits<double>::quiet_NaN();
    }
    g[0] = -q[0];
    return -0.5 * q[0] * q[0];
  }
  double log_density_grad(hbm::CVec q, hbm::Vec g) const { return log_density_grad(q, g, hbm::SerialGroup{}); }
  bool gradient(hbm::CVec q, hbm::Vec g) const {
    double lp = log_density_grad(q, g);
    return std::isfinite(lp) && std::isfinite(g[0]);
  }
  int n_hyper() const { return 1; }
  template <class G>
  void outputs(hbm::CVec q, hbm::Vec out, const G&) const { out[0] = q[0]; }
};

TEST(NonFinite, HmcTrajectoryIntoNonFiniteRegionIsDivergentRejectedAndWarned) {
  hbm::SamplerConfig cfg;
  cfg.chains = 16;
  cfg.warmup = 500;
  cfg.draws = 2000;
  cfg.seed = 32;
  hbm::ThreadPool pool(2);
  hbm::CpuBackend be(pool);
  hbm::batch::OutcomeStart start;
  start.stream = 9;
  start.dim = 1;
  start.hyper = 1;
  start.inv_metric = {1.0};
  for (int c = 0; c < cfg.chains; ++c) {
    hbm::RngStream rng(cfg.seed, start.stream, static_cast<std::uint32_t>(c), 0, hbm::RngPurpose::Init);
    double z, unused;
    rng.normal2(z, unused);
    start.q0.push_back(std::fmin(0.3 * z, 1.0));
  }
  const FakeBatch<FakeView<NanAboveModel, FakeGibbsModel, 1>> data;
  hbm::HmcRun run = hbm::batch::run_hmc(be, data, {start}, cfg, 1)[0];

  long long flagged = 0;
  double max_x = -INFINITY;
  for (std::size_t idx = 0; idx < run.divergent.size(); ++idx) {
    flagged += run.divergent[idx];
    const double x = run.outputs[idx];
    ASSERT_TRUE(std::isfinite(x)) << idx;
    max_x = std::fmax(max_x, x);
    if (run.divergent[idx]) EXPECT_EQ(run.accept_prob[idx], 0.0);
  }
  EXPECT_LE(max_x, NanAboveModel::kEdge);
  ASSERT_GT(flagged, 0);  // trajectories do reach the NaN region

  const hbm::OutcomeResult r = report_of(run, pool);
  EXPECT_EQ(r.diagnostics.sampler, "hmc");
  EXPECT_EQ(r.diagnostics.divergences, flagged);
  EXPECT_TRUE(has_warning(r, std::to_string(flagged) + " divergent transitions after warmup"));
  for (const auto& p : r.parameters) EXPECT_TRUE(finite(p.s)) << p.name;
  // Rejecting every trajectory that meets a NaN is still a valid sampler, of N(0, 1) truncated
  // to x <= 2: mean -phi(2) / Phi(2).
  const double e = NanAboveModel::kEdge;
  const double phi = std::exp(-0.5 * e * e) / std::sqrt(2 * M_PI), Phi = 0.5 * std::erfc(-e / std::sqrt(2.0));
  const auto m = hbm::test::mcse_of(hbm::test::draws_of(r, "mu"), static_cast<std::size_t>(r.chains));
  EXPECT_NEAR(r.find("mu")->mean, -phi / Phi, 4 * m.mean);
  std::printf("HMC NaN region: %lld divergent of %zu, mean %.4f vs %.4f (MCSE %.4f), eps %.3g T %.3g ess %.1f\n", flagged,
              run.divergent.size(), r.find("mu")->mean, -phi / Phi, m.mean, run.step_size, run.trajectory_length, r.find("mu")->ess_bulk);
}

}  // namespace
