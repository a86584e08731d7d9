// The CPU half of the GPU parity tests (tests/cuda_parity_test.cpp), checked without a GPU:
//   - each probe of host/engine/parity_probe.hpp on the CPU backend equals, bit for bit, an
//     independent serial evaluation of the same step (the models built from the studies, not
//     the batch's view; every chain's state, stream, step size and step count addressed by
//     hand): log density and gradient, one HMC transition with the block updates, one Gibbs
//     sweep, segmented sums; so the reference the GPU is held to is the right one;
//   - the lockstep backend (tests/support/lockstep_group.hpp: 4 lanes per chain as CPU threads
//     in a warp's order, study data staged per block of 2 chains, blocks straddling outcomes)
//     passes the GPU tests' comparisons, tolerances included: the several-lanes and staged
//     paths of the probes run, and differ from the one-lane reference only by rounding;
//   - the comparisons catch a difference just above each tolerance (they can fail).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "host/engine/cpu_backend.hpp"
#include "host/engine/parity_probe.hpp"
#include "host/support/thread_pool.hpp"
#include "models/gibbs_single_arm.hpp"
#include "models/gibbs_two_arm.hpp"
#include "models/hmc.hpp"
#include "support/lockstep_group.hpp"
#include "support/parity_cases.hpp"

namespace {

namespace B = hbm::batch;
namespace T = hbm::test;

constexpr int kChains = 7;

// The three outcomes every harness test uses: K = 3, 5, 4 with 2, 0, 1 covariates.
const std::vector<int> kK = {3, 5, 4}, kP = {2, 0, 1};

std::size_t chain_at(const std::vector<int>& dims, int chains, int o, int c) {
  std::size_t base = 0;
  for (int k = 0; k < o; ++k) base += static_cast<std::size_t>(dims[k]) * chains;
  return base + static_cast<std::size_t>(c) * dims[o];
}

// Serial log density and gradient of every chain, from the models built directly.
template <class Data>
B::DensityProbe serial_density(const T::ParityCase<Data>& pc) {
  const std::vector<int> dims = pc.dims();
  B::DensityProbe r;
  for (std::size_t o = 0; o < pc.starts.size(); ++o) {
    const auto m = T::parity_model(pc, static_cast<int>(o));
    for (int c = 0; c < pc.chains; ++c) {
      std::vector<double> q(pc.starts[o].q0.begin() + static_cast<std::ptrdiff_t>(c) * dims[o],
                            pc.starts[o].q0.begin() + static_cast<std::ptrdiff_t>(c + 1) * dims[o]);
      std::vector<double> g(dims[o]);
      r.lp.push_back(m.log_density_grad(q.data(), g.data()));
      r.grad.insert(r.grad.end(), g.begin(), g.end());
    }
  }
  return r;
}

template <class Data>
void expect_density_probe_is_serial(const T::ParityCase<Data>& pc) {
  hbm::ThreadPool pool(2);
  hbm::CpuBackend be(pool);
  const B::DensityProbe probe = B::probe_log_density(be, pc.data, pc.starts, pc.chains, B::ProbeLayout{});
  const B::DensityProbe serial = serial_density(pc);
  EXPECT_EQ(probe.lp, serial.lp);
  EXPECT_EQ(probe.grad, serial.grad);
  EXPECT_EQ(probe.used.lanes, 1);
  EXPECT_STREQ(probe.used.study_data, "host");
}

TEST(ParityHarness, DensityProbeEqualsSerialEvaluation) {
  T::ParityCase<B::SingleArmBatch> single;
  T::single_arm_case(single, kK, kP, kChains, false);
  expect_density_probe_is_serial(single);
  T::ParityCase<B::TwoArmBatch> two;
  T::two_arm_case(two, kK, kP, hbm::BaselineModel::Random, kChains, false);
  expect_density_probe_is_serial(two);
}

// One serial transition per chain: the HMC transition and the block updates, with the chain's
// own stream, step size and steps; the state, gradient, log density and acceptance after.
template <class Data>
void expect_transition_probe_is_serial(const T::ParityCase<Data>& pc) {
  const T::TransitionInputs in = T::transition_inputs(static_cast<int>(pc.starts.size()));
  hbm::ThreadPool pool(2);
  hbm::CpuBackend be(pool);
  const B::TransitionProbe probe =
      B::probe_transition(be, pc.data, pc.starts, pc.chains, in.eps, in.n_steps, in.seed, in.iteration, B::ProbeLayout{});
  const std::vector<int> dims = pc.dims();
  int moved = 0;
  for (std::size_t o = 0; o < pc.starts.size(); ++o) {
    const auto m = T::parity_model(pc, static_cast<int>(o));
    const int D = dims[o];
    for (int c = 0; c < pc.chains; ++c) {
      SCOPED_TRACE("outcome " + std::to_string(o) + " chain " + std::to_string(c));
      std::vector<double> q(pc.starts[o].q0.begin() + static_cast<std::ptrdiff_t>(c) * D,
                            pc.starts[o].q0.begin() + static_cast<std::ptrdiff_t>(c + 1) * D);
      const std::vector<double> q_start = q;
      std::vector<double> g(D), p(D), qp(D), gp(D);
      double lp = m.log_density_grad(q.data(), g.data());
      hbm::HmcWork w{p.data(), qp.data(), gp.data()};
      const hbm::HmcStepInfo info =
          hbm::hmc_transition(m, q.data(), g.data(), lp, pc.starts[o].inv_metric.data(), in.eps[o], in.n_steps[o],
                              in.seed, pc.starts[o].stream, static_cast<std::uint32_t>(c),
                              static_cast<std::uint32_t>(in.iteration), w);
      B::block_updates(m, q.data(), g.data(), lp, w, in.seed, pc.starts[o].stream, c, in.iteration,
                       hbm::SerialGroup{});
      const std::size_t at = chain_at(dims, pc.chains, static_cast<int>(o), c);
      const std::size_t s = o * pc.chains + c;
      EXPECT_EQ(std::vector<double>(probe.q.begin() + at, probe.q.begin() + at + D), q);
      EXPECT_EQ(std::vector<double>(probe.grad.begin() + at, probe.grad.begin() + at + D), g);
      EXPECT_EQ(probe.lp[s], lp);
      EXPECT_EQ(probe.accept[s], info.accept_prob);
      EXPECT_EQ(probe.divergent[s], info.divergent);
      moved += q != q_start;
    }
  }
  // The transitions did something (most chains moved), so the comparison above has content.
  EXPECT_GT(moved, static_cast<int>(pc.starts.size()) * pc.chains / 2);
}

TEST(ParityHarness, TransitionProbeEqualsSerialTransition) {
  T::ParityCase<B::SingleArmBatch> single;
  T::single_arm_case(single, kK, kP, kChains, false);
  expect_transition_probe_is_serial(single);
  T::ParityCase<B::TwoArmBatch> two;
  T::two_arm_case(two, kK, kP, hbm::BaselineModel::Random, kChains, false);
  expect_transition_probe_is_serial(two);
}

// The backend's segmented sums (and of the absolute values) equal the serial sums in index
// order, for every length the GPU tests use; and the engine's acceptance sums in the transition
// probe are those of the probe's own acceptances.
TEST(ParityHarness, SegmentedSumProbeEqualsSerialSums) {
  hbm::ThreadPool pool(2);
  hbm::CpuBackend be(pool);
  const int segments = 5;
  for (int len : T::sum_lengths()) {
    SCOPED_TRACE("length " + std::to_string(len));
    const std::vector<double> v = T::sum_values(segments, len);
    const B::SumProbe probe = B::probe_segmented_sums(be, v, segments, len);
    ASSERT_EQ(probe.sum.size(), 2u * segments);
    for (int s = 0; s < segments; ++s)
      for (int k = 0; k < 2; ++k) {
        double sum = 0, abs_sum = 0;
        for (int e = 0; e < len; ++e) {
          const double x = v[2 * (static_cast<std::size_t>(s) * len + e) + k];
          sum += x;
          abs_sum += std::fabs(x);
        }
        EXPECT_EQ(probe.sum[k * segments + s], sum);
        EXPECT_EQ(probe.abs_sum[k * segments + s], abs_sum);
      }
  }
  T::ParityCase<B::SingleArmBatch> pc;
  T::single_arm_case(pc, kK, kP, kChains, false);
  const T::TransitionInputs in = T::transition_inputs(3);
  const B::TransitionProbe tp =
      B::probe_transition(be, pc.data, pc.starts, pc.chains, in.eps, in.n_steps, in.seed, in.iteration, B::ProbeLayout{});
  for (int o = 0; o < 3; ++o) {
    double sum = 0;
    for (int c = 0; c < kChains; ++c) sum += std::max(tp.accept[o * kChains + c], 0.0);
    EXPECT_EQ(tp.accept_sums.sum[o], sum);
  }
}

// One serial Gibbs sweep per chain with the chain's own stream, from the Gibbs models built
// directly.
hbm::SingleArmGibbs gibbs_of(const hbm::SingleArmModel& m) {
  hbm::SingleArmGibbs g;
  g.K = m.K;
  g.P = m.P;
  g.y = m.y;
  g.n = m.n;
  g.x = m.x;
  g.prior_mu = m.prior_mu;
  g.prior_tau = m.prior_tau;
  g.prior_beta = m.prior_beta;
  return g;
}
hbm::TwoArmGibbs gibbs_of(const hbm::TwoArmModel& m) {
  hbm::TwoArmGibbs g;
  g.K = m.K;
  g.P = m.P;
  g.yt = m.yt;
  g.nt = m.nt;
  g.yc = m.yc;
  g.nc = m.nc;
  g.x = m.x;
  g.baseline = m.baseline;
  g.prior_mu = m.prior_mu;
  g.prior_tau = m.prior_tau;
  g.prior_beta = m.prior_beta;
  g.prior_alpha = m.prior_alpha;
  g.prior_mu_alpha = m.prior_mu_alpha;
  g.prior_sigma_alpha = m.prior_sigma_alpha;
  return g;
}

template <class Data>
void expect_gibbs_probe_is_serial(const T::ParityCase<Data>& pc) {
  const std::uint64_t seed = 99;
  const int iteration = 5;
  hbm::ThreadPool pool(2);
  hbm::CpuBackend be(pool);
  const B::GibbsProbe probe = B::probe_gibbs_sweep(be, pc.data, pc.starts, pc.chains, seed, iteration, false);
  const std::vector<int> dims = pc.dims();
  for (std::size_t o = 0; o < pc.starts.size(); ++o) {
    const auto g = gibbs_of(T::parity_model(pc, static_cast<int>(o)));
    const int S = g.state_dim();
    for (int c = 0; c < pc.chains; ++c) {
      SCOPED_TRACE("outcome " + std::to_string(o) + " chain " + std::to_string(c));
      std::vector<double> s(pc.starts[o].q0.begin() + static_cast<std::ptrdiff_t>(c) * dims[o],
                            pc.starts[o].q0.begin() + static_cast<std::ptrdiff_t>(c) * dims[o] + S);
      const std::vector<double> before = s;
      std::vector<double> scratch(g.scratch_dim());
      hbm::RngStream rng(seed, pc.starts[o].stream, static_cast<std::uint32_t>(c), iteration, hbm::RngPurpose::Gibbs);
      g.sweep(s.data(), scratch.data(), rng);
      const std::size_t at = chain_at(dims, pc.chains, static_cast<int>(o), c);
      EXPECT_EQ(std::vector<double>(probe.state.begin() + at, probe.state.begin() + at + S), s);
      EXPECT_NE(s, before);
      EXPECT_EQ(probe.not_finite[o * pc.chains + c], 0);
    }
  }
}

TEST(ParityHarness, GibbsProbeEqualsSerialSweep) {
  T::ParityCase<B::SingleArmBatch> single;
  T::single_arm_case(single, kK, kP, kChains, true);
  expect_gibbs_probe_is_serial(single);
  T::ParityCase<B::TwoArmBatch> two;
  T::two_arm_case(two, kK, kP, hbm::BaselineModel::Random, kChains, true);
  expect_gibbs_probe_is_serial(two);
}

// The lockstep backend as the device under test, with the GPU tests' comparisons.
template <class Data>
void expect_lockstep_within_tolerances(const T::ParityCase<Data>& pc) {
  hbm::ThreadPool pool(2);
  hbm::CpuBackend cpu(pool);
  hbm::test::LockstepBackend lock(pool);
  lock.chains_per_block = 2;  // 3 chains per outcome: blocks straddle outcomes
  const B::ProbeLayout ref_layout{}, lanes{4, true};
  const std::vector<int> dims = pc.dims();
  const B::DensityProbe d_ref = B::probe_log_density(cpu, pc.data, pc.starts, pc.chains, ref_layout);
  const B::DensityProbe d_lock = B::probe_log_density(lock, pc.data, pc.starts, pc.chains, lanes);
  EXPECT_EQ(d_lock.used.lanes, 4);
  EXPECT_STREQ(d_lock.used.study_data, "shared");
  EXPECT_EQ(T::density_differences(d_lock, d_ref, dims, pc.chains), "");
  const T::TransitionInputs in = T::transition_inputs(static_cast<int>(pc.starts.size()));
  const B::TransitionProbe t_ref =
      B::probe_transition(cpu, pc.data, pc.starts, pc.chains, in.eps, in.n_steps, in.seed, in.iteration, ref_layout);
  const B::TransitionProbe t_lock =
      B::probe_transition(lock, pc.data, pc.starts, pc.chains, in.eps, in.n_steps, in.seed, in.iteration, lanes);
  EXPECT_EQ(T::transition_differences(t_lock, t_ref, dims, pc.chains), "");
}

// Three chains per outcome: lanes as threads meeting at barriers are slow on a loaded machine,
// and the paths do not depend on the number of chains.
TEST(ParityHarness, LockstepLanesAndStagingPassTheGpuComparisons) {
  T::ParityCase<B::SingleArmBatch> single;
  T::single_arm_case(single, kK, kP, 3, false);
  expect_lockstep_within_tolerances(single);
  T::ParityCase<B::TwoArmBatch> two;
  T::two_arm_case(two, kK, kP, hbm::BaselineModel::Random, 3, false);
  expect_lockstep_within_tolerances(two);
}

// Each comparison reports a difference a little above its tolerance (and none at zero).
TEST(ParityHarness, ComparisonsCatchADifferenceAboveTheirTolerance) {
  T::ParityCase<B::SingleArmBatch> pc;
  T::single_arm_case(pc, kK, kP, kChains, false);
  hbm::ThreadPool pool(2);
  hbm::CpuBackend be(pool);
  const std::vector<int> dims = pc.dims();
  const B::DensityProbe d = B::probe_log_density(be, pc.data, pc.starts, pc.chains, B::ProbeLayout{});
  EXPECT_EQ(T::density_differences(d, d, dims, pc.chains), "");
  B::DensityProbe bad = d;
  const std::size_t at = chain_at(dims, kChains, 2, 4) + 3;  // outcome 2, chain 4, coordinate 3
  double norm = 0;
  for (int j = 0; j < dims[2]; ++j) norm = std::max(norm, std::fabs(d.grad[at - 3 + j]));
  bad.grad[at] += 10 * T::kDensityTol * norm;
  EXPECT_NE(T::density_differences(bad, d, dims, pc.chains).find("outcome 2, chain 4, coordinate 3"),
            std::string::npos);
  bad = d;
  bad.lp[5] *= 1 + 10 * T::kDensityTol;
  EXPECT_NE(T::density_differences(bad, d, dims, pc.chains), "");

  const std::vector<double> v = T::sum_values(4, 100);
  const B::SumProbe s = B::probe_segmented_sums(be, v, 4, 100);
  B::SumProbe s_bad = s;
  s_bad.sum[6] += 10 * T::kSumTol * s.abs_sum[6];
  EXPECT_EQ(T::compare_sums("sums", s, s, T::kSumTol), "");
  EXPECT_NE(T::compare_sums("sums", s_bad, s, T::kSumTol), "");

  T::ParityCase<B::SingleArmBatch> gc;
  T::single_arm_case(gc, kK, kP, kChains, true);
  const B::GibbsProbe g = B::probe_gibbs_sweep(be, gc.data, gc.starts, gc.chains, 3, 1, false);
  B::GibbsProbe g_bad = g;
  g_bad.state[chain_at(dims, kChains, 1, 2)] += 1e-2;  // what a different decision does (O(sd))
  EXPECT_EQ(T::gibbs_differences(g, g, dims, kChains), "");
  EXPECT_NE(T::gibbs_differences(g_bad, g, dims, kChains), "");
  g_bad = g;
  g_bad.not_finite[3] = 1;
  EXPECT_NE(T::gibbs_differences(g_bad, g, dims, kChains), "");
}

}  // namespace
