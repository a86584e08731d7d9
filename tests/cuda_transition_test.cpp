// The CUDA kernel runs the same HMC transition as the CPU: from the same state, seed and
// counters, GPU and CPU chains end at the same point (up to floating-point differences of
// transcendental functions between the two sides, far below 1e-9 here). Skipped cleanly when
// no CUDA device (or no CUDA build) is available.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "models/hmc.hpp"
#include "models/single_arm.hpp"
#include "models/two_arm.hpp"
#ifdef HBMETA_HAVE_CUDA
#include "cuda/batch_gibbs.hpp"
#include "cuda/batch_hmc.hpp"
#include "models/gibbs_single_arm.hpp"
#include "models/gibbs_two_arm.hpp"
#endif

TEST(CudaBackend, TransitionsMatchTheCpuReference) {
#ifndef HBMETA_HAVE_CUDA
  GTEST_SKIP() << "built without CUDA (nvcc not found at configure time)";
#else
  if (hbm::cuda::device_count() == 0) GTEST_SKIP() << "no CUDA device present: GPU test skipped";
  hbm::cuda::BatchInput in;
  in.offset = {0, 4, 7};
  in.y = {16, 10, 4, 43, 0, 1, 2};
  in.n = {17, 12, 8, 58, 50, 80, 40};
  in.centred = {0, 0, 1, 1, 0, 0, 0};
  in.stream = {11, 12};
  in.prior_mu = {hbm::PriorKind::Normal, 0, 10};
  in.prior_tau = {hbm::PriorKind::HalfNormal, 0, 1};
  hbm::cuda::BatchState st;
  st.chains = 64;
  for (int o = 0; o < 2; ++o) {
    const int D = in.offset[o + 1] - in.offset[o] + 2;
    for (int c = 0; c < st.chains; ++c)
      for (int j = 0; j < D; ++j) st.q.push_back(0.1 * ((c + j) % 7) - 0.3);
    for (int j = 0; j < D; ++j) st.inv_metric.push_back(0.5);
    st.eps.push_back(0.2);
    st.n_steps.push_back(8);
  }
  std::vector<double> q_cpu = st.q;
  hbm::cuda::BatchStepOutput out;
  std::string err;
  ASSERT_TRUE(hbm::cuda::run_transitions(in, st, 7, 0, 25, out, err)) << err;

  int qoff = 0, moff = 0;
  for (int o = 0; o < 2; ++o) {
    hbm::SingleArmModel m;
    m.K = in.offset[o + 1] - in.offset[o];
    m.y = in.y.data() + in.offset[o];
    m.n = in.n.data() + in.offset[o];
    m.centred = in.centred.data() + in.offset[o];
    m.prior_mu = in.prior_mu;
    m.prior_tau = in.prior_tau;
    const int D = m.dim();
    for (int c = 0; c < st.chains; ++c) {
      double* q = &q_cpu[qoff + c * D];
      std::vector<double> g(D), p(D), qp(D), gp(D);
      double lp = m.log_density_grad(q, g.data());
      for (int it = 0; it < 25; ++it)
        hbm::hmc_transition(m, q, g.data(), lp, &st.inv_metric[moff], st.eps[o], st.n_steps[o], 7, in.stream[o],
                            static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it),
                            hbm::HmcWork{p.data(), qp.data(), gp.data()});
      for (int j = 0; j < D; ++j) EXPECT_NEAR(st.q[qoff + c * D + j], q[j], 1e-9) << "outcome " << o << " chain " << c;
    }
    qoff += st.chains * D;
    moff += D;
  }
#endif
}

// The two-arm model through the same kernel template: independent and random baselines, with
// zero-event arms and a double-zero study, GPU against CPU from the same state and counters.
TEST(CudaBackend, TwoArmTransitionsMatchTheCpuReference) {
#ifndef HBMETA_HAVE_CUDA
  GTEST_SKIP() << "built without CUDA (nvcc not found at configure time)";
#else
  if (hbm::cuda::device_count() == 0) GTEST_SKIP() << "no CUDA device present: GPU test skipped";
  for (const hbm::BaselineModel baseline : {hbm::BaselineModel::Independent, hbm::BaselineModel::Random}) {
    hbm::cuda::TwoArmBatchInput in;
    in.offset = {0, 3, 7};
    in.yt = {4, 0, 6, 0, 12, 3, 180};
    in.nt = {123, 40, 306, 50, 60, 231, 1541};
    in.yc = {11, 3, 29, 0, 9, 11, 372};
    in.nc = {139, 42, 303, 48, 61, 220, 1451};
    in.centred = {0, 0, 1, 0, 0, 0, 1};
    in.centred_alpha = {0, 1, 0, 0, 0, 1, 1};
    in.stream = {21, 22};
    in.baseline = baseline;
    in.prior_mu = {hbm::PriorKind::Normal, 0, 10};
    in.prior_tau = {hbm::PriorKind::HalfNormal, 0, 0.5};
    in.prior_alpha = {hbm::PriorKind::Normal, 0, 10};
    in.prior_mu_alpha = {hbm::PriorKind::Normal, 0, 10};
    in.prior_sigma_alpha = {hbm::PriorKind::HalfNormal, 0, 2};
    auto model_of = [&](int o) {
      hbm::TwoArmModel m;
      const int b = in.offset[o];
      m.K = in.offset[o + 1] - b;
      m.yt = in.yt.data() + b;
      m.nt = in.nt.data() + b;
      m.yc = in.yc.data() + b;
      m.nc = in.nc.data() + b;
      m.centred = in.centred.data() + b;
      m.centred_alpha = baseline == hbm::BaselineModel::Random ? in.centred_alpha.data() + b : nullptr;
      m.baseline = baseline;
      m.prior_mu = in.prior_mu;
      m.prior_tau = in.prior_tau;
      m.prior_alpha = in.prior_alpha;
      m.prior_mu_alpha = in.prior_mu_alpha;
      m.prior_sigma_alpha = in.prior_sigma_alpha;
      return m;
    };
    hbm::cuda::BatchState st;
    st.chains = 48;
    for (int o = 0; o < 2; ++o) {
      const int D = model_of(o).dim();
      for (int c = 0; c < st.chains; ++c)
        for (int j = 0; j < D; ++j) st.q.push_back(0.1 * ((c + 2 * j) % 9) - 0.4);
      for (int j = 0; j < D; ++j) st.inv_metric.push_back(0.3);
      st.eps.push_back(0.1);
      st.n_steps.push_back(10);
    }
    std::vector<double> q_cpu = st.q;
    hbm::cuda::BatchStepOutput out;
    std::string err;
    ASSERT_TRUE(hbm::cuda::run_transitions(in, st, 9, 0, 20, out, err)) << err;
    int qoff = 0, moff = 0;
    for (int o = 0; o < 2; ++o) {
      const hbm::TwoArmModel m = model_of(o);
      const int D = m.dim();
      for (int c = 0; c < st.chains; ++c) {
        double* q = &q_cpu[qoff + c * D];
        std::vector<double> g(D), p(D), qp(D), gp(D);
        double lp = m.log_density_grad(q, g.data());
        for (int it = 0; it < 20; ++it)
          hbm::hmc_transition(m, q, g.data(), lp, &st.inv_metric[moff], st.eps[o], st.n_steps[o], 9, in.stream[o],
                              static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it),
                              hbm::HmcWork{p.data(), qp.data(), gp.data()});
        for (int j = 0; j < D; ++j)
          EXPECT_NEAR(st.q[qoff + c * D + j], q[j], 1e-9) << "outcome " << o << " chain " << c << " coord " << j;
      }
      qoff += st.chains * D;
      moff += D;
    }
  }
#endif
}

// The Gibbs sweeps (Pólya-Gamma augmentation) through the CUDA kernel template: GPU against
// CPU from the same states and counters, both models (random baselines for the two-arm one).
TEST(CudaBackend, GibbsSweepsMatchTheCpuReference) {
#ifndef HBMETA_HAVE_CUDA
  GTEST_SKIP() << "built without CUDA (nvcc not found at configure time)";
#else
  if (hbm::cuda::device_count() == 0) GTEST_SKIP() << "no CUDA device present: GPU test skipped";
  std::string err;
  // Single-arm: two outcomes, counts from 0 events to n = 1e6 (the series PG method).
  hbm::cuda::BatchInput in;
  in.offset = {0, 4, 7};
  in.y = {16, 10, 0, 43, 0, 1, 250000};
  in.n = {17, 12, 8, 58, 50, 80, 1000000};
  in.centred = std::vector<std::uint8_t>(7, 1);
  in.stream = {31, 32};
  in.prior_mu = {hbm::PriorKind::Normal, 0, 10};
  in.prior_tau = {hbm::PriorKind::HalfNormal, 0, 1};
  hbm::cuda::GibbsBatchState st;
  st.chains = 32;
  for (int o = 0; o < 2; ++o) {
    const int K = in.offset[o + 1] - in.offset[o];
    for (int c = 0; c < st.chains; ++c) {
      st.s.push_back(0.1 * (c % 5) - 0.2);  // mu
      st.s.push_back(0.5 + 0.05 * (c % 3));  // tau
      for (int i = 0; i < K; ++i) st.s.push_back(-0.5 + 0.1 * ((c + i) % 7));
    }
  }
  std::vector<double> cpu = st.s;
  ASSERT_TRUE(hbm::cuda::run_gibbs_sweeps(in, st, 13, 0, 15, err)) << err;
  int off = 0;
  for (int o = 0; o < 2; ++o) {
    hbm::SingleArmGibbs g;
    g.K = in.offset[o + 1] - in.offset[o];
    g.y = in.y.data() + in.offset[o];
    g.n = in.n.data() + in.offset[o];
    g.prior_mu = in.prior_mu;
    g.prior_tau = in.prior_tau;
    const int D = g.state_dim();
    std::vector<double> scratch(g.scratch_dim());
    for (int c = 0; c < st.chains; ++c) {
      for (int it = 0; it < 15; ++it) {
        hbm::RngStream rng(13, in.stream[o], static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it),
                           hbm::RngPurpose::Gibbs);
        g.sweep(&cpu[off + c * D], scratch.data(), rng);
      }
      for (int j = 0; j < D; ++j) EXPECT_NEAR(st.s[off + c * D + j], cpu[off + c * D + j], 1e-8) << o << " " << c;
    }
    off += st.chains * D;
  }

  // Two-arm, random baselines.
  hbm::cuda::TwoArmBatchInput tin;
  tin.offset = {0, 3};
  tin.yt = {4, 0, 6};
  tin.nt = {123, 40, 306};
  tin.yc = {11, 0, 29};
  tin.nc = {139, 42, 303};
  tin.centred = {1, 1, 1};
  tin.centred_alpha = {1, 1, 1};
  tin.stream = {41};
  tin.baseline = hbm::BaselineModel::Random;
  tin.prior_mu = {hbm::PriorKind::Normal, 0, 10};
  tin.prior_tau = {hbm::PriorKind::HalfNormal, 0, 0.5};
  tin.prior_alpha = {hbm::PriorKind::Normal, 0, 10};
  tin.prior_mu_alpha = {hbm::PriorKind::Normal, 0, 10};
  tin.prior_sigma_alpha = {hbm::PriorKind::HalfNormal, 0, 2};
  hbm::cuda::GibbsBatchState ts;
  ts.chains = 16;
  for (int c = 0; c < ts.chains; ++c)
    for (double v : {-0.5, 0.4, -3.0, 1.0, -2.5, -3.5, -2.0, -0.4, -0.6, -0.8}) ts.s.push_back(v + 0.01 * c);
  std::vector<double> tcpu = ts.s;
  ASSERT_TRUE(hbm::cuda::run_gibbs_sweeps(tin, ts, 17, 0, 10, err)) << err;
  hbm::TwoArmGibbs g;
  g.K = 3;
  g.yt = tin.yt.data();
  g.nt = tin.nt.data();
  g.yc = tin.yc.data();
  g.nc = tin.nc.data();
  g.baseline = tin.baseline;
  g.prior_mu = tin.prior_mu;
  g.prior_tau = tin.prior_tau;
  g.prior_alpha = tin.prior_alpha;
  g.prior_mu_alpha = tin.prior_mu_alpha;
  g.prior_sigma_alpha = tin.prior_sigma_alpha;
  const int D = g.state_dim();
  ASSERT_EQ(D, 10);
  std::vector<double> scratch(g.scratch_dim());
  for (int c = 0; c < ts.chains; ++c) {
    for (int it = 0; it < 10; ++it) {
      hbm::RngStream rng(17, 41, static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it), hbm::RngPurpose::Gibbs);
      g.sweep(&tcpu[c * D], scratch.data(), rng);
    }
    for (int j = 0; j < D; ++j) EXPECT_NEAR(ts.s[c * D + j], tcpu[c * D + j], 1e-8) << c << " " << j;
  }
#endif
}
