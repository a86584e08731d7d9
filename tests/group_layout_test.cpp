// Several lanes per chain (models/group.hpp), the GPU layout for large K (a warp per chain,
// studies across its lanes), checked on the CPU with lanes as threads in lockstep
// (tests/support/lockstep_group.hpp, which sums in the warp's butterfly order):
//   - each model's log density and gradient with 2, 4, 8 lanes equal the serial ones to
//     rounding, for K below, at and above the lane count, with covariates, mixed centring, both
//     baseline models, and in non-finite regions;
//   - the HMC transition with lanes takes the same accept decisions and ends where the serial
//     one ends;
//   - every group-aware step functor of the batched engine (syncs and lane-0 writes included)
//     on the lockstep backend leaves the engine's arrays as the one-lane CPU backend does, to
//     rounding, and a whole run with lanes samples the one-lane run's posterior;
//   - lanes_for() picks the layout as documented.
// The serial path is the plain loop, so the CPU results are unchanged by groups; the CUDA
// backend runs the same functors with WarpGroup (cuda/warp_group.cuh), tested on a device by
// tests/cuda_engine_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "host/engine/batch_data.hpp"
#include "host/engine/batch_engine.hpp"
#include "host/engine/cpu_backend.hpp"
#include "host/support/thread_pool.hpp"
#include "models/hmc.hpp"
#include "models/philox.hpp"
#include "models/single_arm.hpp"
#include "models/two_arm.hpp"
#include "support/lockstep_group.hpp"
#include "support/random_studies.hpp"
#include "support/mcse.hpp"

namespace {

using hbm::test::LockstepGroup;
using hbm::test::LockstepShared;
using Data = hbm::test::RandomStudies;
using hbm::test::start_for;

std::vector<double> random_point(int D, std::uint64_t seed) {
  hbm::RngStream rng(seed, 2, 0, 0, hbm::RngPurpose::Init);
  std::vector<double> q(D);
  rng.normals(q.data(), D);
  for (double& v : q) v *= 0.7;
  return q;
}

// Serial value and gradient against `lanes` lockstep lanes writing one shared gradient; every
// lane must return the same value. Tolerance: rounding of sums in another order, 1e-12 of the
// sum of the terms' sizes (bounded here by 1e3 per study and coordinate).
template <class Model>
void expect_lanes_match_serial(const Model& m, const std::vector<double>& q, int lanes, const char* what) {
  const int D = m.dim();
  std::vector<double> g1(D), gl(D, std::numeric_limits<double>::quiet_NaN()), gg(D), gs(D);
  const double lp1 = m.log_density_grad(q.data(), g1.data());
  std::vector<double> lp_lane(lanes);
  std::vector<char> ok_lane(lanes);
  LockstepShared shared(lanes);
  hbm::test::run_lanes(lanes, [&](int r) {
    const LockstepGroup grp(shared, r);
    lp_lane[r] = m.log_density_grad(q.data(), gl.data(), grp);
  });
  hbm::test::run_lanes(lanes, [&](int r) {
    const LockstepGroup grp(shared, r);
    ok_lane[r] = m.gradient(q.data(), gg.data(), grp);
  });
  const bool ok1 = m.gradient(q.data(), gs.data());
  const double tol = 1e-12 * (1e3 * (m.K + D));
  for (int r = 0; r < lanes; ++r) {
    EXPECT_EQ(lp_lane[r], lp_lane[0]) << what << " lane " << r;
    EXPECT_EQ(ok_lane[r], ok1) << what << " lane " << r;
  }
  if (std::isfinite(lp1)) {
    EXPECT_NEAR(lp_lane[0], lp1, tol) << what;
  } else {
    EXPECT_EQ(lp_lane[0], lp1) << what;
  }
  for (int j = 0; j < D; ++j) {
    EXPECT_NEAR(gl[j], g1[j], tol) << what << " coordinate " << j;
    if (ok1) EXPECT_NEAR(gg[j], gs[j], tol) << what << " gradient() coordinate " << j;
  }
}

TEST(GroupLayout, SingleArmGradientWithLanesEqualsSerial) {
  for (int K : {1, 3, 8, 38, 101}) {
    for (int P : {0, 2}) {
      const Data d(K, P, 100 + K);
      const hbm::SingleArmModel m = d.single_arm(K, P);
      const auto q = random_point(m.dim(), 7 * K + P);
      for (int lanes : {2, 4, 8}) {
        const std::string what = "K=" + std::to_string(K) + " P=" + std::to_string(P) + " lanes=" + std::to_string(lanes);
        expect_lanes_match_serial(m, q, lanes, what.c_str());
      }
    }
  }
}

TEST(GroupLayout, TwoArmGradientWithLanesEqualsSerialForBothBaselineModels) {
  for (auto b : {hbm::BaselineModel::Independent, hbm::BaselineModel::Random}) {
    for (int K : {1, 5, 13, 40}) {
      for (int P : {0, 3}) {
        const Data d(K, P, 200 + K);
        const hbm::TwoArmModel m = d.two_arm(K, P, b);
        const auto q = random_point(m.dim(), 11 * K + P);
        for (int lanes : {2, 4, 8}) {
          const std::string what = std::string(b == hbm::BaselineModel::Random ? "random" : "independent") +
                                   " K=" + std::to_string(K) + " P=" + std::to_string(P) +
                                   " lanes=" + std::to_string(lanes);
          expect_lanes_match_serial(m, q, lanes, what.c_str());
        }
      }
    }
  }
}

// Where tau overflows (q[1] far out) the value is -inf with a zero gradient, on every lane.
TEST(GroupLayout, NonFiniteRegionIsMinusInfinityOnEveryLane) {
  const Data d(9, 1, 5);
  const hbm::SingleArmModel m = d.single_arm(9, 1);
  auto q = random_point(m.dim(), 3);
  q[1] = 800.0;  // tau = exp(800) = inf
  std::vector<double> g1(m.dim());
  ASSERT_EQ(m.log_density_grad(q.data(), g1.data()), -INFINITY);
  expect_lanes_match_serial(m, q, 4, "tau = inf");
}

// 300 transitions of one chain: the lanes take the serial chain's accept decisions and end at
// its state (rounding only: the chains are coupled by their common random numbers).
TEST(GroupLayout, HmcTransitionWithLanesFollowsTheSerialChain) {
  const int K = 21, P = 1;
  const Data d(K, P, 42);
  const hbm::SingleArmModel m = d.single_arm(K, P);
  const int D = m.dim();
  const std::vector<double> im(D, 0.5);
  auto run = [&](int lanes, std::vector<int>& accepted) {
    std::vector<double> q = random_point(D, 9), g(D), p(D), qp(D), gp(D);
    const double lp0 = m.log_density_grad(q.data(), g.data());
    accepted.assign(300, -1);
    auto body = [&](const auto& grp) {
      double lp = lp0;
      for (int it = 0; it < 300; ++it) {
        const auto info = hbm::hmc_transition(m, q.data(), g.data(), lp, im.data(), 0.03, 10, 77, 3, 0,
                                              static_cast<std::uint32_t>(it), hbm::HmcWork{p.data(), qp.data(), gp.data()},
                                              grp);
        if (grp.rank() == 0) accepted[it] = info.accepted;
      }
    };
    if (lanes == 1) {
      body(hbm::SerialGroup{});
    } else {
      LockstepShared shared(lanes);
      hbm::test::run_lanes(lanes, [&](int r) { body(LockstepGroup(shared, r)); });
    }
    return q;
  };
  std::vector<int> a1, a4;
  const auto q1 = run(1, a1);
  const auto q4 = run(4, a4);
  EXPECT_EQ(a1, a4);
  const int n_acc = static_cast<int>(std::count(a1.begin(), a1.end(), 1));
  EXPECT_GT(n_acc, 150);  // the chain moves: the comparison is not between two stuck chains
  EXPECT_LT(n_acc, 300);
  for (int j = 0; j < D; ++j) EXPECT_NEAR(q4[j], q1[j], 1e-9) << "coordinate " << j;
}


// Every group-aware step functor of the engine, one launch after another from the same state:
// the log density at the start, two warmup transitions inside a metric window (the window
// statistics), five sampling draws (the store), the gradient probe; the lockstep lanes must
// leave every array as the one-lane CPU backend does, to rounding. (A long run cannot be
// compared this way: nearby HMC trajectories separate, so rounding grows into different
// draws; the posterior they sample is compared below.)
struct StepArrays {
  std::vector<double> q, g, lp, accept, x0, x1, v1, wa_mean, wa_m2, wz_mean, wz_m2, ws_mean, ws_m2;
  std::vector<double> hyper, study, energy, draw_accept, probe;
  std::vector<int> warm_div;
};

template <class Backend, class Data>
StepArrays run_steps(Backend& be, const Data& data, const std::vector<hbm::batch::OutcomeStart>& starts, int C,
                     int lanes) {
  using View = typename Data::View;
  namespace B = hbm::batch;
  B::detail::Batch<Backend, Data> b(be, data, starts, C, 1024, true, 1);
  const int O = b.O;
  const std::int64_t OC = b.OC;
  b.st.eps.upload(std::vector<double>(O, 0.04));
  b.st.T.upload(std::vector<double>(O, 0.4));
  b.st.n_steps.upload(std::vector<int>(O, 10));
  b.st.warm_div.fill_zero();
  for (auto* x : {&b.st.wa_mean, &b.st.wa_m2, &b.st.wz_mean, &b.st.wz_m2, &b.st.ws_mean, &b.st.ws_m2}) x->fill_zero();
  be.for_each_group(OC, lanes, B::InitLogDensity<View>{b.view, b.a});
  for (int it = 0; it < 2; ++it)
    be.for_each_group(OC, lanes, B::WarmupTransition<View>{b.view, b.a, 77, it, it + 1.0});
  StepArrays r;
  b.st.x0.download(r.x0);  // before the sampling draws use x0 as their scratch
  B::detail::Store<Backend> store(be, starts, C, 5, 1);
  be.for_each_group(OC, lanes, B::SampleChunk<View>{b.view, b.a, store.view(), 77, 2, 0, 5});
  b.st.q.download(r.q);
  b.st.g.download(r.g);
  b.st.lp.download(r.lp);
  b.st.accept.download(r.accept);
  b.st.x1.download(r.x1);
  b.st.v1.download(r.v1);
  b.st.wa_mean.download(r.wa_mean);
  b.st.wa_m2.download(r.wa_m2);
  b.st.wz_mean.download(r.wz_mean);
  b.st.wz_m2.download(r.wz_m2);
  b.st.ws_mean.download(r.ws_mean);
  b.st.ws_m2.download(r.ws_m2);
  b.st.warm_div.download(r.warm_div);
  store.hyper.download(r.hyper);
  store.study.download(r.study);
  store.energy.download(r.energy);
  store.accept.download(r.draw_accept);
  be.for_each_group(OC, lanes, B::GradientProbe<View>{b.view, b.a, 3});
  b.st.lp.download(r.probe);
  return r;
}

void expect_close(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-9 * (1 + std::abs(a[k]))) << what << "[" << k << "]";
}

void expect_same_steps(const StepArrays& a, const StepArrays& b) {
  expect_close(a.q, b.q, "q");
  expect_close(a.g, b.g, "gradient");
  expect_close(a.lp, b.lp, "log density");
  expect_close(a.accept, b.accept, "acceptance");
  expect_close(a.x0, b.x0, "start point");
  expect_close(a.x1, b.x1, "proposal");
  expect_close(a.v1, b.v1, "velocity");
  expect_close(a.wa_mean, b.wa_mean, "window mean");
  expect_close(a.wa_m2, b.wa_m2, "window m2");
  expect_close(a.wz_mean, b.wz_mean, "window z mean");
  expect_close(a.wz_m2, b.wz_m2, "window z m2");
  expect_close(a.ws_mean, b.ws_mean, "window log-scale mean");
  expect_close(a.ws_m2, b.ws_m2, "window log-scale m2");
  expect_close(a.hyper, b.hyper, "stored hyperparameters");
  expect_close(a.study, b.study, "stored study effects");
  expect_close(a.energy, b.energy, "stored energy");
  expect_close(a.draw_accept, b.draw_accept, "stored acceptance");
  expect_close(a.probe, b.probe, "gradient probe");
  EXPECT_EQ(a.warm_div, b.warm_div);
  // The steps did something: most transitions were accepted, the window statistics are set.
  int moved = 0;
  for (double x : a.draw_accept) moved += x > 0.5;
  EXPECT_GT(moved, static_cast<int>(a.draw_accept.size()) / 2);
  EXPECT_GT(*std::max_element(a.wa_m2.begin(), a.wa_m2.end()), 0.0);
}

// Single-arm with covariates, K = 3 (fewer studies than lanes) and K = 30 in one batch.
TEST(GroupLayout, EngineStepFunctorsWithLanesMatchOneLaneSingleArm) {
  const int C = 5, P = 2;
  const Data d3(3, P, 1), d30(30, P, 2);
  hbm::batch::SingleArmBatch data;
  data.add(d3.single_arm(3, P));
  data.add(d30.single_arm(30, P));
  const std::vector<hbm::batch::OutcomeStart> starts = {start_for(3 + P + 2, 3, 2 + P, 1, C, d3.centred, 11),
                                                        start_for(30 + P + 2, 30, 2 + P, 1, C, d30.centred, 12)};
  hbm::ThreadPool pool(2);
  hbm::CpuBackend one(pool);
  hbm::test::LockstepBackend lock(pool);
  const StepArrays a = run_steps(one, data, starts, C, 1);
  for (int lanes : {4, 8}) {
    SCOPED_TRACE("lanes " + std::to_string(lanes));
    expect_same_steps(a, run_steps(lock, data, starts, C, lanes));
  }
}

// Two-arm with random baselines (two effect blocks, four hyperparameters) and a covariate.
TEST(GroupLayout, EngineStepFunctorsWithLanesMatchOneLaneTwoArmRandomBaselines) {
  const int C = 5, P = 1, K = 12;
  const Data d(K, P, 3);
  hbm::batch::TwoArmBatch data;
  data.add(d.two_arm(K, P, hbm::BaselineModel::Random));
  std::vector<std::uint8_t> flags = d.centred;
  flags.insert(flags.end(), d.centred_alpha.begin(), d.centred_alpha.end());
  const hbm::TwoArmModel m = d.two_arm(K, P, hbm::BaselineModel::Random);
  const std::vector<hbm::batch::OutcomeStart> starts = {start_for(m.dim(), K, m.n_hyper(), 2, C, flags, 21)};
  hbm::ThreadPool pool(2);
  hbm::CpuBackend one(pool);
  hbm::test::LockstepBackend lock(pool);
  expect_same_steps(run_steps(one, data, starts, C, 1), run_steps(lock, data, starts, C, 8));
}

// A whole run with lanes (warmup with its windows and re-parametrisations, then sampling)
// samples the posterior of the one-lane run: mean, sd and median of mu, tau and two study
// effects within 4 combined MCSE (tests/sampler_reference_test.cpp explains 4).
TEST(GroupLayout, EngineWithLanesSamplesTheOneLanePosterior) {
  const int C = 8, K = 30;
  const Data d(K, 0, 4);
  hbm::batch::SingleArmBatch data;
  data.add(d.single_arm(K, 0));
  const std::vector<hbm::batch::OutcomeStart> starts = {start_for(K + 2, K, 2, 1, C, d.centred, 31)};
  hbm::SamplerConfig cfg;
  cfg.chains = C;
  cfg.warmup = 300;
  cfg.draws = 500;
  cfg.seed = 41;
  hbm::ThreadPool pool(2);
  hbm::CpuBackend one(pool);
  const auto r1 = hbm::batch::run_hmc(one, data, starts, cfg, 1);
  hbm::test::LockstepBackend lock(pool);
  cfg.lanes = 4;
  const auto r4 = hbm::batch::run_hmc(lock, data, starts, cfg, 1);
  ASSERT_EQ(r1.size(), 1u);
  EXPECT_EQ(r1[0].lanes, 1);
  EXPECT_EQ(r4[0].lanes, 4);
  auto column = [](const hbm::HmcRun& r, int which) {  // 0 = mu, 1 = tau, 2 + i = study i
    if (which < 2) return r.column(which);
    int per_chain = 0;
    return r.study_column(which - 2, &per_chain);
  };
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  for (int which : {0, 1, 2, 2 + K - 1}) {
    const auto a = column(r1[0], which), b = column(r4[0], which);
    const auto ma = hbm::test::mcse_of(a, C), mb = hbm::test::mcse_of(b, C);
    double mean_a = 0, mean_b = 0, sa = 0, sb = 0;
    for (double x : a) mean_a += x / a.size();
    for (double x : b) mean_b += x / b.size();
    for (double x : a) sa += (x - mean_a) * (x - mean_a) / (a.size() - 1);
    for (double x : b) sb += (x - mean_b) * (x - mean_b) / (b.size() - 1);
    EXPECT_NEAR(mean_a, mean_b, 4 * std::hypot(ma.mean, mb.mean)) << "quantity " << which;
    EXPECT_NEAR(std::sqrt(sa), std::sqrt(sb), 4 * std::hypot(ma.sd, mb.sd)) << "quantity " << which;
    EXPECT_NEAR(median(a), median(b), 4 * std::hypot(ma.q50, mb.q50)) << "quantity " << which;
  }
}

// The layout rule: one lane on a one-lane backend; on the GPU (32 lanes) one lane below 64
// studies, a warp from 64, the requested count when given, one lane past 8 covariates.
TEST(GroupLayout, LanesForChoosesTheLayoutAsDocumented) {
  auto index = [](std::vector<int> Ks, int P) {
    hbm::batch::IndexHost idx;
    for (int K : Ks) idx.add(K, P, 0, 0);
    return idx;
  };
  EXPECT_EQ(hbm::batch::lanes_for(index({500}, 0), 0, 1), 1);
  EXPECT_EQ(hbm::batch::lanes_for(index({500}, 0), 32, 1), 1);
  EXPECT_EQ(hbm::batch::lanes_for(index({38, 12}, 0), 0, 32), 1);
  EXPECT_EQ(hbm::batch::lanes_for(index({63}, 0), 0, 32), 1);
  EXPECT_EQ(hbm::batch::lanes_for(index({12, 64}, 0), 0, 32), 32);
  EXPECT_EQ(hbm::batch::lanes_for(index({38}, 0), 8, 32), 8);
  EXPECT_EQ(hbm::batch::lanes_for(index({1000}, hbm::kMaxGroupCovariates), 0, 32), 32);
  EXPECT_EQ(hbm::batch::lanes_for(index({1000}, hbm::kMaxGroupCovariates + 1), 0, 32), 1);
  EXPECT_EQ(hbm::batch::lanes_for(index({1000}, hbm::kMaxGroupCovariates + 1), 16, 32), 1);
  EXPECT_EQ(hbm::batch::lanes_for(index({1000}, 0), 16, 8), 8);
}

// A batch split for lack of device memory keeps the whole batch's lanes (batched_run.hpp): the
// half with only small outcomes would otherwise get one lane and different sums. With the
// batch's lanes passed as the request, every part runs as the whole would.
TEST(GroupLayout, SplitBatchesKeepTheWholeBatchsLanes) {
  auto index = [](std::vector<int> Ks, int P) {
    hbm::batch::IndexHost idx;
    for (int K : Ks) idx.add(K, P, 0, 0);
    return idx;
  };
  const int whole = hbm::batch::lanes_of_whole_batch(index({12, 70, 9, 20}, 0), 0);
  EXPECT_EQ(whole, 32);
  EXPECT_EQ(hbm::batch::lanes_for(index({12, 70}, 0), whole, 32), 32);
  EXPECT_EQ(hbm::batch::lanes_for(index({9, 20}, 0), whole, 32), 32);
  EXPECT_EQ(hbm::batch::lanes_for(index({9, 20}, 0), 0, 32), 1);  // what the part would get on its own
  EXPECT_EQ(hbm::batch::lanes_of_whole_batch(index({9, 20}, 0), 4), 4);  // a requested count stays
  EXPECT_EQ(hbm::batch::lanes_of_whole_batch(index({9, 20}, 0), 0), 1);
}

}  // namespace
