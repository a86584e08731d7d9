// The interleaved layout of the per-chain vectors (models/strided.hpp; the GPU's one-thread-per-
// chain launches) gives the same bits as the chain-major one: the arithmetic is the same, only the
// addresses change. Run on the CPU backend with its test switch (CpuBackend::interleave_one_lane),
// so the GPU's layout is checked here without a device:
//   - whole HMC runs (warmup through every metric window, parametrisation switches, sampling,
//     the draw store) equal, for single-arm with covariates and two-arm with independent and
//     random baselines;
//   - one probed warmup transition's every per-chain vector and sum equals, with the probe saying
//     the interleaved layout was used (so the comparison is of two layouts, not one with itself);
//   - the permutation between the layouts is a true permutation (not the identity) and inverts.
#include <gtest/gtest.h>

#include <vector>

#include "host/engine/cpu_backend.hpp"
#include "host/engine/parity_probe.hpp"
#include "host/support/thread_pool.hpp"
#include "support/parity_cases.hpp"
#include "support/same_runs.hpp"

namespace {

namespace B = hbm::batch;
namespace T = hbm::test;

const std::vector<int> kK = {3, 6, 4}, kP = {2, 0, 1};
constexpr int kChains = 6;

hbm::SamplerConfig short_config() {
  hbm::SamplerConfig cfg;
  cfg.chains = kChains;
  cfg.warmup = 70;  // every metric window ends (at 4, 7, 14, 25, 39, 56) and the step size settles
  cfg.draws = 15;
  cfg.seed = 424242;
  return cfg;
}

template <class Data>
void expect_runs_equal(const T::ParityCase<Data>& pc) {
  hbm::ThreadPool pool(2);
  hbm::CpuBackend chain_major(pool), interleaved(pool);
  interleaved.interleave_one_lane = true;
  const auto cm = B::run_hmc(chain_major, pc.data, pc.starts, short_config(), 1);
  const auto il = B::run_hmc(interleaved, pc.data, pc.starts, short_config(), 1);
  T::expect_same_runs(il, cm);
}

TEST(InterleavedLayout, SingleArmRunsEqualChainMajorBitForBit) {
  T::ParityCase<B::SingleArmBatch> pc;
  T::single_arm_case(pc, kK, kP, kChains, false);
  expect_runs_equal(pc);
}

TEST(InterleavedLayout, TwoArmRunsEqualChainMajorBitForBit) {
  for (auto baseline : {hbm::BaselineModel::Independent, hbm::BaselineModel::Random}) {
    SCOPED_TRACE(baseline == hbm::BaselineModel::Random ? "random baselines" : "independent baselines");
    T::ParityCase<B::TwoArmBatch> pc;
    T::two_arm_case(pc, kK, kP, baseline, kChains, false);
    expect_runs_equal(pc);
  }
}

TEST(InterleavedLayout, ProbedTransitionEqualsChainMajor) {
  T::ParityCase<B::TwoArmBatch> pc;
  T::two_arm_case(pc, kK, kP, hbm::BaselineModel::Random, kChains, false);
  const T::TransitionInputs in = T::transition_inputs(static_cast<int>(kK.size()));
  hbm::ThreadPool pool(2);
  hbm::CpuBackend chain_major(pool), interleaved(pool);
  interleaved.interleave_one_lane = true;
  const B::ProbeLayout pl;
  const auto cm = B::probe_transition(chain_major, pc.data, pc.starts, kChains, in.eps, in.n_steps, in.seed,
                                      in.iteration, pl);
  const auto il = B::probe_transition(interleaved, pc.data, pc.starts, kChains, in.eps, in.n_steps, in.seed,
                                      in.iteration, pl);
  EXPECT_FALSE(cm.used.interleaved);
  ASSERT_TRUE(il.used.interleaved);
  EXPECT_EQ(il.q, cm.q);
  EXPECT_EQ(il.grad, cm.grad);
  EXPECT_EQ(il.lp, cm.lp);
  EXPECT_EQ(il.accept, cm.accept);
  EXPECT_EQ(il.x0, cm.x0);
  EXPECT_EQ(il.x1, cm.x1);
  EXPECT_EQ(il.v1, cm.v1);
  EXPECT_EQ(il.wa_mean, cm.wa_mean);
  EXPECT_EQ(il.wz_mean, cm.wz_mean);
  EXPECT_EQ(il.ws_mean, cm.ws_mean);
  for (auto [a, b] : {std::pair{&il.centres, &cm.centres}, {&il.chees, &cm.chees}, {&il.win_mean, &cm.win_mean},
                      {&il.win_sq, &cm.win_sq}, {&il.accept_sums, &cm.accept_sums}}) {
    EXPECT_EQ(a->sum, b->sum);
  }
  const auto d_cm = B::probe_log_density(chain_major, pc.data, pc.starts, kChains, pl);
  const auto d_il = B::probe_log_density(interleaved, pc.data, pc.starts, kChains, pl);
  EXPECT_EQ(d_il.lp, d_cm.lp);
  EXPECT_EQ(d_il.grad, d_cm.grad);
}

TEST(InterleavedLayout, PermutationMovesEveryChainAndInverts) {
  const std::vector<int> doff = {0, 3, 7};  // outcomes of dimension 3 and 4
  const int C = 5;
  std::vector<double> v(static_cast<std::size_t>(C) * doff.back());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  const auto il = B::detail::permute_chains(v, doff, C, true);
  EXPECT_NE(il, v);
  // Outcome 1 (first index C * 3 = 15), chain 2, coordinate 1: chain-major 15 + 2 * 4 + 1,
  // interleaved 15 + 1 * C + 2.
  EXPECT_EQ(il[15 + 1 * C + 2], v[15 + 2 * 4 + 1]);
  EXPECT_EQ(B::detail::permute_chains(il, doff, C, false), v);
}

}  // namespace
