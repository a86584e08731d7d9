// The analytic gradient of the single-arm log density equals central finite differences, at
// random points, for every tau prior, both parametrisations, and extreme data (y = 0, y = n,
// n = 1e9). Tolerance: central differences with step h have error O(h^2 * f''') plus rounding
// O(eps * |f| / h); with h = 1e-5 relative and |f| up to ~1e10 for n = 1e9 we allow
// 1e-6 * (1 + |g|) relative to the larger of the two scales, checked against the exact value.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "models/single_arm.hpp"

namespace {

using hbm::Prior;
using hbm::PriorKind;
using hbm::SingleArmModel;

struct Case {
  std::vector<double> y, n;
};

void check_gradient(const Case& data, const Prior& tau_prior, std::uint32_t seed) {
  const int K = static_cast<int>(data.y.size());
  std::mt19937 gen(seed);
  std::normal_distribution<double> N01;
  for (int rep = 0; rep < 20; ++rep) {
    std::vector<std::uint8_t> centred(K);
    for (int i = 0; i < K; ++i) centred[i] = (gen() >> 3) & 1;
    SingleArmModel m;
    m.K = K;
    m.y = data.y.data();
    m.n = data.n.data();
    m.centred = centred.data();
    m.prior_mu = Prior{PriorKind::Normal, 0.0, 10.0};
    m.prior_tau = tau_prior;
    std::vector<double> q(K + 2), g(K + 2), gd(K + 2);
    q[0] = N01(gen);
    q[1] = 0.8 * N01(gen) - 0.5;
    for (int i = 0; i < K; ++i) q[2 + i] = centred[i] ? q[0] + N01(gen) : N01(gen);
    const double lp = m.log_density_grad(q.data(), g.data());
    ASSERT_TRUE(std::isfinite(lp));
    // The gradient-only path used by the leapfrog steps gives the same gradient.
    std::vector<double> g_only(K + 2);
    ASSERT_TRUE(m.gradient(q.data(), g_only.data()));
    for (int j = 0; j < K + 2; ++j) EXPECT_NEAR(g_only[j], g[j], 1e-12 * (1 + std::fabs(g[j])));
    for (int j = 0; j < K + 2; ++j) {
      const double h = 1e-5 * std::max(1.0, std::fabs(q[j]));
      std::vector<double> qp = q, qm = q;
      qp[j] += h;
      qm[j] -= h;
      const double fd = (m.log_density_grad(qp.data(), gd.data()) - m.log_density_grad(qm.data(), gd.data())) / (2 * h);
      // Rounding in the difference of two values of size |lp|: eps * |lp| / h.
      const double tol = 1e-6 * (1.0 + std::fabs(g[j])) + 4e-16 * std::fabs(lp) / h;
      EXPECT_NEAR(g[j], fd, tol) << "coordinate " << j << " rep " << rep << " prior kind "
                                 << static_cast<int>(tau_prior.kind);
    }
  }
}

const Prior kTauPriors[] = {
    {PriorKind::HalfNormal, 0, 1.0}, {PriorKind::HalfCauchy, 0, 0.5}, {PriorKind::HalfT, 3, 1.0},
    {PriorKind::Uniform, 0, 5.0},    {PriorKind::LogNormal, -1, 1.0},
};

TEST(SingleArmGradient, MatchesFiniteDifferencesOnTypicalData) {
  const Case c{{16, 10, 4, 43, 10, 25}, {17, 12, 8, 58, 10, 42}};
  for (const auto& p : kTauPriors) check_gradient(c, p, 1);
}

TEST(SingleArmGradient, MatchesFiniteDifferencesWithZeroAndAllEvents) {
  const Case c{{0, 0, 5, 5, 0, 1}, {10, 1, 5, 7, 300, 1}};
  for (const auto& p : kTauPriors) check_gradient(c, p, 2);
}

TEST(SingleArmGradient, MatchesFiniteDifferencesWithBillionSizedStudies) {
  const Case c{{3e8, 0, 1e9, 123456789}, {1e9, 1e9, 1e9, 987654321}};
  for (const auto& p : kTauPriors) check_gradient(c, p, 3);
}

TEST(SingleArmGradient, LogDensityIsFiniteFarFromTheData) {
  // Extreme logits: the stable log-sigmoid forms never produce log(0) or inf - inf.
  const std::vector<double> y{0, 1e9, 7}, n{1e9, 1e9, 7};
  const std::vector<std::uint8_t> centred{1, 1, 0};
  SingleArmModel m;
  m.K = 3;
  m.y = y.data();
  m.n = n.data();
  m.centred = centred.data();
  m.prior_tau = Prior{PriorKind::HalfNormal, 0, 1};
  m.prior_mu = Prior{PriorKind::Normal, 0, 10};
  for (double t : {-700.0, -40.0, 40.0, 700.0}) {
    std::vector<double> q{0.0, -1.0, t, -t, t}, g(5);
    const double lp = m.log_density_grad(q.data(), g.data());
    EXPECT_TRUE(std::isfinite(lp)) << t;
    for (double v : g) EXPECT_TRUE(std::isfinite(v)) << t;
  }
}

TEST(BinomialLogit, ValueIsExactForSmallCases) {
  // y log p + (n - y) log(1 - p) at p = inv_logit(t), computed directly.
  for (double t : {-3.0, -0.2, 0.0, 1.5}) {
    const double p = 1 / (1 + std::exp(-t));
    double d;
    const double v = hbm::binomial_logit_lpmf_grad(3, 10, t, &d);
    EXPECT_NEAR(v, 3 * std::log(p) + 7 * std::log1p(-p), 1e-12);
    EXPECT_NEAR(d, 3 - 10 * p, 1e-12);
  }
}

}  // namespace
