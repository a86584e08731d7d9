// The study data staged per thread block, as the CUDA backend does in shared memory
// (cuda/cuda_backend.cuh, --gpu-study-data shared), checked on the CPU with the lockstep
// backend's staging (tests/support/lockstep_group.hpp: blocks of chains that each copy their
// outcomes' studies into a NaN-filled buffer of their own, with several simulated threads):
//   - a staged view reads every outcome of its block, studies and covariates, from the copy,
//     and the copy is complete and exactly as long as the view says (single- and two-arm, mixed
//     numbers of covariates, blocks within one outcome and across several);
//   - staged_doubles() sizes the buffer for the largest block and stages nothing on the CPU,
//     when told not to, or past the backend's limit;
//   - whole HMC runs (1 and 4 lanes per chain, both models) and Gibbs runs on staged data give
//     the same draws, bit for bit, as the same backend reading the data where they are (staging
//     copies values, so nothing may change), and say where they read the data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "host/engine/batch_data.hpp"
#include "host/engine/batch_engine.hpp"
#include "host/engine/cpu_backend.hpp"
#include "host/support/thread_pool.hpp"
#include "support/lockstep_group.hpp"
#include "support/random_studies.hpp"
#include "support/same_runs.hpp"

namespace {

namespace B = hbm::batch;

using hbm::test::RandomStudies;
using hbm::test::start_for;

// Three outcomes with 3, 5 and 4 studies and 2, 0 and 1 covariates.
constexpr int kK[3] = {3, 5, 4}, kP[3] = {2, 0, 1};
std::vector<RandomStudies> three_outcomes() {
  std::vector<RandomStudies> d;
  for (int o = 0; o < 3; ++o) d.emplace_back(kK[o], kP[o], o + 1);
  return d;
}

// The three outcomes as one batch, with engine starts for `chains` chains (Gibbs: centred
// studies and tau positive, the Gibbs state of models/gibbs_single_arm.hpp being mu, tau, beta,
// theta).
B::SingleArmBatch single_arm_batch(const std::vector<RandomStudies>& d, int chains, std::uint32_t stream,
                                   std::vector<B::OutcomeStart>* starts, bool gibbs = false) {
  B::SingleArmBatch data;
  for (int o = 0; o < 3; ++o) {
    const hbm::SingleArmModel m = d[o].single_arm(kK[o], kP[o]);
    data.add(m);
    if (starts)
      starts->push_back(start_for(m.dim(), m.K, 2 + m.P, 1, chains,
                                  gibbs ? std::vector<std::uint8_t>(m.K, 1) : d[o].centred, stream + o, gibbs ? 1 : -1));
  }
  return data;
}
B::TwoArmBatch two_arm_batch(const std::vector<RandomStudies>& d, int chains, std::uint32_t stream,
                             std::vector<B::OutcomeStart>* starts) {
  B::TwoArmBatch data;
  for (int o = 0; o < 3; ++o) {
    const hbm::TwoArmModel m = d[o].two_arm(kK[o], kP[o], hbm::BaselineModel::Random);
    data.add(m);
    std::vector<std::uint8_t> flags = d[o].centred;
    flags.insert(flags.end(), d[o].centred_alpha.begin(), d[o].centred_alpha.end());
    if (starts) starts->push_back(start_for(m.dim(), m.K, m.n_hyper(), 2, chains, flags, stream + o));
  }
  return data;
}

// Copies outcomes o0..o1 of `view` the way a block of `threads` threads does, into a buffer
// one longer than the view asks for, NaN-filled; checks that exactly the asked-for length was
// written and returns the buffer.
template <class View>
std::vector<double> stage_like_a_block(const View& view, int o0, int o1, int threads) {
  const int need = view.range(o0, o1).doubles(View::kStudyArrays);
  std::vector<double> buf(need + 1, std::numeric_limits<double>::quiet_NaN());
  for (int tid = 0; tid < threads; ++tid) view.stage(o0, o1, buf.data(), tid, threads);
  for (int k = 0; k < need; ++k) EXPECT_FALSE(std::isnan(buf[k])) << "staged value " << k << " not written";
  EXPECT_TRUE(std::isnan(buf[need])) << "the copy ran past its length";
  return buf;
}

// Every model field of `a` (the staged view's) reads from buf and equals `b`'s (the original's).
void expect_same_data(const double* a, const double* b, int count, const std::vector<double>& buf, const char* what) {
  if (count == 0) return;
  EXPECT_GE(a, buf.data()) << what;
  EXPECT_LE(a + count, buf.data() + buf.size() - 1) << what;
  for (int k = 0; k < count; ++k) EXPECT_EQ(a[k], b[k]) << what << "[" << k << "]";
}

TEST(StudyStaging, StagedSingleArmViewReadsItsBlocksOutcomesFromTheCopy) {
  const auto outcomes = three_outcomes();
  const B::SingleArmBatch data = single_arm_batch(outcomes, 1, 0, nullptr);
  hbm::ThreadPool pool(1);
  hbm::CpuBackend be(pool);
  B::SingleArmBatch::Device<hbm::CpuBackend> dev(be, data);
  std::vector<std::uint8_t> flags(data.index.studies(), 0);
  const hbm::SingleArmView view = dev.view(flags.data());
  for (int o0 = 0; o0 < 3; ++o0)
    for (int o1 = o0; o1 < 3; ++o1) {
      SCOPED_TRACE("outcomes " + std::to_string(o0) + ".." + std::to_string(o1));
      const std::vector<double> buf = stage_like_a_block(view, o0, o1, 7);
      const hbm::SingleArmView staged = view.staged(o0, o1, buf.data());
      for (int o = o0; o <= o1; ++o) {
        const hbm::SingleArmModel a = staged.at(o), b = view.at(o);
        ASSERT_EQ(a.K, b.K);
        ASSERT_EQ(a.P, b.P);
        expect_same_data(a.y, b.y, a.K, buf, "y");
        expect_same_data(a.n, b.n, a.K, buf, "n");
        expect_same_data(a.y_hat, b.y_hat, a.K, buf, "y_hat");
        expect_same_data(a.lambda, b.lambda, a.K, buf, "lambda");
        expect_same_data(a.x, b.x, a.K * a.P, buf, "x");
        EXPECT_EQ(a.centred, b.centred);  // the flags stay where the engine writes them
        EXPECT_EQ(a.prior_beta, b.prior_beta);
      }
    }
}

TEST(StudyStaging, StagedTwoArmViewReadsItsBlocksOutcomesFromTheCopy) {
  const auto outcomes = three_outcomes();
  const B::TwoArmBatch data = two_arm_batch(outcomes, 1, 0, nullptr);
  hbm::ThreadPool pool(1);
  hbm::CpuBackend be(pool);
  B::TwoArmBatch::Device<hbm::CpuBackend> dev(be, data);
  std::vector<std::uint8_t> flags(2 * data.index.studies(), 0);
  const hbm::TwoArmView view = dev.view(flags.data());
  for (int o0 = 0; o0 < 3; ++o0)
    for (int o1 = o0; o1 < 3; ++o1) {
      SCOPED_TRACE("outcomes " + std::to_string(o0) + ".." + std::to_string(o1));
      const std::vector<double> buf = stage_like_a_block(view, o0, o1, 4);
      const hbm::TwoArmView staged = view.staged(o0, o1, buf.data());
      for (int o = o0; o <= o1; ++o) {
        const hbm::TwoArmModel a = staged.at(o), b = view.at(o);
        ASSERT_EQ(a.K, b.K);
        ASSERT_EQ(a.P, b.P);
        expect_same_data(a.yt, b.yt, a.K, buf, "yt");
        expect_same_data(a.nt, b.nt, a.K, buf, "nt");
        expect_same_data(a.yc, b.yc, a.K, buf, "yc");
        expect_same_data(a.nc, b.nc, a.K, buf, "nc");
        expect_same_data(a.delta_hat, b.delta_hat, a.K, buf, "delta_hat");
        expect_same_data(a.delta_lambda, b.delta_lambda, a.K, buf, "delta_lambda");
        expect_same_data(a.alpha_hat, b.alpha_hat, a.K, buf, "alpha_hat");
        expect_same_data(a.alpha_lambda, b.alpha_lambda, a.K, buf, "alpha_lambda");
        expect_same_data(a.x, b.x, a.K * a.P, buf, "x");
        EXPECT_EQ(a.centred, b.centred);
        EXPECT_EQ(a.centred_alpha, b.centred_alpha);
      }
    }
}

// The buffer is the largest block's need, counted here block by block from the studies and
// covariates of the outcomes each block's chains belong to.
TEST(StudyStaging, BufferFitsTheLargestBlockAndStagingIsSkippedWhereItCannotBe) {
  const auto outcomes = three_outcomes();
  const B::SingleArmBatch data = single_arm_batch(outcomes, 1, 0, nullptr);
  const int C = 5;
  const std::int64_t OC = 3 * C;
  hbm::ThreadPool pool(1);
  hbm::test::LockstepBackend be(pool);
  // Per outcome: 4 K + K P doubles (y, n, y_hat, lambda; covariates) = 3 x 4 + 6 = 18, 5 x 4 = 20,
  // 4 x 4 + 4 = 20.
  const std::vector<int> need = {18, 20, 20};
  for (int per : {1, 3, 5, 7, 15}) {
    be.chains_per_block = per;
    std::size_t most = 0;
    for (std::int64_t first = 0; first < OC; first += per) {
      const std::int64_t last = std::min<std::int64_t>(OC, first + per) - 1;
      std::size_t block = 0;
      for (std::int64_t o = first / C; o <= last / C; ++o) block += need[o];
      most = std::max(most, block);
    }
    EXPECT_EQ((B::staged_doubles<hbm::test::LockstepBackend, hbm::SingleArmView>(be, data.index, C, OC, 1, true)),
              most)
        << per << " chains per block";
  }
  be.chains_per_block = 7;  // blocks 0-6 (outcomes 0, 1), 7-13 (1, 2), 14 (2): at most 40 doubles
  EXPECT_EQ((B::staged_doubles<hbm::test::LockstepBackend, hbm::SingleArmView>(be, data.index, C, OC, 1, true)), 40u);
  EXPECT_EQ((B::staged_doubles<hbm::test::LockstepBackend, hbm::SingleArmView>(be, data.index, C, OC, 1, false)), 0u);
  be.staged_limit = 40 * sizeof(double);
  EXPECT_EQ((B::staged_doubles<hbm::test::LockstepBackend, hbm::SingleArmView>(be, data.index, C, OC, 1, true)), 40u);
  be.staged_limit = 40 * sizeof(double) - 1;  // one byte short: read the data where they are
  EXPECT_EQ((B::staged_doubles<hbm::test::LockstepBackend, hbm::SingleArmView>(be, data.index, C, OC, 1, true)), 0u);
  hbm::CpuBackend cpu(pool);
  EXPECT_EQ((B::staged_doubles<hbm::CpuBackend, hbm::SingleArmView>(cpu, data.index, C, OC, 1, true)), 0u);
  EXPECT_STREQ(B::study_data_label(cpu, 0), "host");
  EXPECT_STREQ(B::study_data_label(be, 0), "global");
  EXPECT_STREQ(B::study_data_label(be, 22), "shared");
}

// Runs cfg on `be` twice, reading the data where they are and staged per block of 3 chains (so
// blocks straddle outcomes: 5 chains each), and expects the same draws.
template <class Data, class Run>
void expect_staging_changes_nothing(hbm::test::LockstepBackend& be, const Data& data,
                                    const std::vector<B::OutcomeStart>& starts, hbm::SamplerConfig cfg, const Run& run) {
  be.chains_per_block = 3;
  cfg.stage_studies = false;
  const std::vector<hbm::HmcRun> global = run(be, data, starts, cfg);
  EXPECT_EQ(be.staged_launches, 0);
  cfg.stage_studies = true;
  const std::vector<hbm::HmcRun> staged = run(be, data, starts, cfg);
  EXPECT_GT(be.staged_launches, 0);
  for (const auto& r : global) EXPECT_STREQ(r.study_data, "global");
  for (const auto& r : staged) EXPECT_STREQ(r.study_data, "shared");
  hbm::test::expect_same_runs(global, staged);
  // The runs did something: the chains moved.
  double spread = 0;
  for (std::size_t k = 1; k < staged[0].outputs.size(); ++k)
    spread = std::max(spread, std::abs(staged[0].outputs[k] - staged[0].outputs[0]));
  EXPECT_GT(spread, 0.01);
}

hbm::SamplerConfig short_run(int lanes) {
  hbm::SamplerConfig cfg;
  cfg.chains = 5;
  cfg.warmup = 60;
  cfg.draws = 40;
  cfg.seed = 17;
  cfg.lanes = lanes;
  cfg.max_steps = 64;  // bounded work even where a wrong copy makes the posterior nonsense
  return cfg;
}

const auto kHmc = [](auto& be, const auto& data, const auto& starts, const hbm::SamplerConfig& cfg) {
  return B::run_hmc(be, data, starts, cfg, 2);
};

TEST(StudyStaging, SingleArmHmcOnStagedStudiesGivesTheSameDraws) {
  const auto outcomes = three_outcomes();
  std::vector<B::OutcomeStart> starts;
  const B::SingleArmBatch data = single_arm_batch(outcomes, 5, 40, &starts);
  hbm::ThreadPool pool(2);
  for (int lanes : {1, 4}) {
    SCOPED_TRACE("lanes " + std::to_string(lanes));
    hbm::test::LockstepBackend be(pool);
    expect_staging_changes_nothing(be, data, starts, short_run(lanes), kHmc);
  }
}

TEST(StudyStaging, TwoArmRandomBaselinesHmcOnStagedStudiesGivesTheSameDraws) {
  const auto outcomes = three_outcomes();
  std::vector<B::OutcomeStart> starts;
  const B::TwoArmBatch data = two_arm_batch(outcomes, 5, 50, &starts);
  hbm::ThreadPool pool(2);
  hbm::test::LockstepBackend be(pool);
  expect_staging_changes_nothing(be, data, starts, short_run(1), kHmc);
}

TEST(StudyStaging, GibbsOnStagedStudiesGivesTheSameDraws) {
  const auto outcomes = three_outcomes();
  std::vector<B::OutcomeStart> starts;
  const B::SingleArmBatch data = single_arm_batch(outcomes, 5, 60, &starts, true);
  hbm::ThreadPool pool(2);
  hbm::test::LockstepBackend be(pool);
  hbm::SamplerConfig cfg = short_run(1);
  cfg.algorithm = hbm::Algorithm::Gibbs;
  expect_staging_changes_nothing(be, data, starts, cfg,
                                 [](auto& b, const auto& d, const auto& s, const hbm::SamplerConfig& c) {
                                   return B::run_gibbs(b, d, s, c, 1);
                                 });
}

// The gradient benchmark stages too, and says so.
TEST(StudyStaging, GradientTimingReportsWhereItReadTheStudies) {
  const auto outcomes = three_outcomes();
  std::vector<B::OutcomeStart> starts;
  const B::SingleArmBatch data = single_arm_batch(outcomes, 5, 70, &starts);
  hbm::ThreadPool pool(1);
  hbm::test::LockstepBackend be(pool);
  be.chains_per_block = 4;
  B::GradientLayout used;
  EXPECT_GT(B::time_gradients(be, data, starts, 5, 3, 1, true, &used), 0.0);
  EXPECT_STREQ(used.study_data, "shared");
  EXPECT_EQ(used.lanes, 1);
  EXPECT_GT(be.staged_launches, 0);
  B::time_gradients(be, data, starts, 5, 3, 1, false, &used);
  EXPECT_STREQ(used.study_data, "global");
}

}  // namespace
