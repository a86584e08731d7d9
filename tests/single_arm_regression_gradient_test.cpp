// The single-arm meta-regression model (models/single_arm.hpp): the analytic
// gradient equals central finite differences at random points, for P = 0, 1 and 3 covariates,
// every tau prior, mixed centred / non-centred studies and extreme data (y = 0, y = n,
// n = 1e9); the gradient-only path equals log_density_grad's gradient; the value equals a
// direct naive computation including every
// constant; values stay finite at extreme points.
//
// Finite-difference tolerance, as in single_arm_gradient_test.cpp: the central difference with
// h = 1e-5 max(1, |q_j|) has truncation error h^2 |f'''| / 6 (~1e-10 |g| here, |f'''| being of
// the order of |f'| times the cube of the logit's O(1) sensitivity to q_j) and rounding error
// ~c eps |lp| / h, each value being a sum of O(K) terms of size up to |lp| (c of a few); we
// allow 1e-6 (1 + |g|) + 1e-15 |lp| / h (c ~ 4.5; tests/two_arm_gradient_test.cpp has the
// derivation in full). With n = 1e9, |lp| ~1e10 and |g| ~1e9, so the rounding term (~1) stays
// far below the relative term except for a coordinate whose gradient is O(1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "models/hmc.hpp"
#include "models/single_arm.hpp"
#include "support/naive_densities.hpp"

namespace {

using hbm::Prior;
using hbm::PriorKind;
using hbm::SingleArmModel;
using hbm::test::naive_log_binom;
using hbm::test::naive_log_normal;
using hbm::test::naive_log_scale_prior;
using hbm::test::naive_scale;
using hbm::test::NaiveEffect;
using hbm::test::naive_empirical_logit;
using hbm::test::naive_empirical_logit_lambda;
using hbm::test::naive_scaled_effect;

// The model's interface is the one hmc_transition() expects (instantiated, not run).
[[maybe_unused]] const auto kTransition = &hbm::hmc_transition<SingleArmModel>;

struct Data {
  std::vector<double> y, n;
  int K() const { return static_cast<int>(y.size()); }
};

const Prior kTauPriors[] = {
    {PriorKind::HalfNormal, 0, 1.0}, {PriorKind::HalfCauchy, 0, 0.5}, {PriorKind::HalfT, 3, 1.0},
    {PriorKind::Uniform, 0, 5.0},    {PriorKind::LogNormal, -1, 1.0},
};

// Owns everything a SingleArmModel points to.
struct RegressionFixture {
  Data data;
  int P = 0;
  std::vector<double> x;
  std::vector<std::uint8_t> centred;
  std::vector<Prior> prior_beta;
  SingleArmModel m;

  RegressionFixture(const RegressionFixture&) = delete;  // m points into this object's vectors
  RegressionFixture& operator=(const RegressionFixture&) = delete;
  RegressionFixture(const Data& d, int P_, const Prior& tau_prior, std::mt19937& gen) : data(d), P(P_) {
    const int K = data.K();
    std::normal_distribution<double> N01;
    x.resize(static_cast<std::size_t>(K) * P);
    for (int i = 0; i < K; ++i)
      for (int j = 0; j < P; ++j)
        // Column 1 a 0/1 indicator, the others continuous (column 2 on a wider scale).
        x[i * P + j] = j == 1 ? static_cast<double>((gen() >> 5) & 1) : (j == 2 ? 3.0 : 1.0) * N01(gen);
    centred.resize(K);
    for (int i = 0; i < K; ++i) centred[i] = (gen() >> 3) & 1;
    for (int j = 0; j < P; ++j) prior_beta.push_back(Prior{PriorKind::Normal, -0.2 * j, 1.5 + j});
    m.K = K;
    m.P = P;
    m.y = data.y.data();
    m.n = data.n.data();
    m.x = P > 0 ? x.data() : nullptr;
    m.centred = centred.data();
    m.prior_mu = Prior{PriorKind::Normal, 0.0, 10.0};
    m.prior_tau = tau_prior;
    m.prior_beta = P > 0 ? prior_beta.data() : nullptr;
  }

  std::vector<double> random_point(std::mt19937& gen) const {
    std::normal_distribution<double> N01;
    std::vector<double> q(m.dim());
    q[0] = N01(gen);
    q[1] = 0.8 * N01(gen) - 0.5;
    for (int j = 0; j < P; ++j) q[2 + j] = 0.5 * N01(gen);
    for (int i = 0; i < data.K(); ++i)
      q[2 + P + i] = centred[i] ? m.linear_predictor(q.data(), i) + N01(gen) : N01(gen);
    return q;
  }
};

void check_gradient(const Data& data, int P, std::uint32_t seed) {
  std::mt19937 gen(seed);
  for (int k = 0; k < 5; ++k) {
    for (int rep = 0; rep < 20; ++rep) {
      RegressionFixture f(data, P, kTauPriors[k], gen);
      const SingleArmModel& m = f.m;
      const std::vector<double> q = f.random_point(gen);
      const int D = m.dim();
      std::vector<double> g(D), gd(D), g_only(D);
      const double lp = m.log_density_grad(q.data(), g.data());
      ASSERT_TRUE(std::isfinite(lp));
      ASSERT_TRUE(m.gradient(q.data(), g_only.data()));
      for (int j = 0; j < D; ++j) EXPECT_NEAR(g_only[j], g[j], 1e-12 * (1 + std::fabs(g[j])));
      for (int j = 0; j < D; ++j) {
        const double h = 1e-5 * std::max(1.0, std::fabs(q[j]));
        std::vector<double> qp = q, qm = q;
        qp[j] += h;
        qm[j] -= h;
        const double fd = (m.log_density_grad(qp.data(), gd.data()) - m.log_density_grad(qm.data(), gd.data())) / (2 * h);
        const double tol = 1e-6 * (1.0 + std::fabs(g[j])) + 1e-15 * std::fabs(lp) / h;
        EXPECT_NEAR(g[j], fd, tol) << "P " << P << " coordinate " << j << " rep " << rep << " prior kind " << k;
      }
    }
  }
}

const Data kTypical{{16, 10, 4, 43, 10, 25}, {17, 12, 8, 58, 10, 42}};
const Data kZeroAndAll{{0, 0, 5, 5, 0, 1}, {10, 1, 5, 7, 300, 1}};
const Data kBillion{{3e8, 0, 1e9, 123456789}, {1e9, 1e9, 1e9, 987654321}};

TEST(SingleArmRegressionGradient, MatchesFiniteDifferencesOnTypicalData) {
  for (int P : {0, 1, 3}) check_gradient(kTypical, P, 1 + P);
}

TEST(SingleArmRegressionGradient, MatchesFiniteDifferencesWithZeroAndAllEvents) {
  for (int P : {0, 1, 3}) check_gradient(kZeroAndAll, P, 11 + P);
}

TEST(SingleArmRegressionGradient, MatchesFiniteDifferencesWithBillionSizedStudies) {
  for (int P : {0, 1, 3}) check_gradient(kBillion, P, 21 + P);
}

// ---------------------------------------------------------------- naive log density ----------

// The full log posterior density, every constant included, from the definition and the layout.
double naive_single_arm_regression(const RegressionFixture& f, const std::vector<double>& q,
                                   std::vector<double>* theta_out) {
  const int K = f.data.K(), P = f.P;
  const Prior& pt = f.m.prior_tau;
  double tau, jac;
  naive_scale(pt, q[1], &tau, &jac);
  double lp = naive_log_normal(q[0], f.m.prior_mu.a, f.m.prior_mu.b) + naive_log_scale_prior(pt, tau) + jac;
  for (int j = 0; j < P; ++j) lp += naive_log_normal(q[2 + j], f.prior_beta[j].a, f.prior_beta[j].b);
  for (int i = 0; i < K; ++i) {
    double m = q[0];
    for (int j = 0; j < P; ++j) m += f.x[i * P + j] * q[2 + j];
    const double u = q[2 + P + i];
    double theta;
    if (f.centred[i]) {
      theta = u;
      lp += naive_log_normal(u, m, tau);
    } else {
      const double y = f.data.y[i], n = f.data.n[i];
      const NaiveEffect ef = naive_scaled_effect(u, m, tau, naive_empirical_logit(y, n), naive_empirical_logit_lambda(y, n));
      theta = ef.e;
      lp += ef.log_density;
    }
    lp += naive_log_binom(f.data.y[i], f.data.n[i], theta);
    theta_out->push_back(theta);
  }
  return lp;
}

// What log_density_grad leaves out: binomial coefficients, prior normalisers, 1/sqrt(2 pi) per
// study coordinate.
double dropped_constant(const RegressionFixture& f) {
  const double half_log_2pi = 0.5 * std::log(2 * 3.14159265358979323846);
  double c = 0.0;
  for (int i = 0; i < f.data.K(); ++i) {
    const double y = f.data.y[i], n = f.data.n[i];
    c += std::lgamma(n + 1) - std::lgamma(y + 1) - std::lgamma(n - y + 1) - half_log_2pi;
  }
  c += -half_log_2pi - std::log(f.m.prior_mu.b);
  for (int j = 0; j < f.P; ++j) c += -half_log_2pi - std::log(f.prior_beta[j].b);
  // The scale prior's normaliser: its density minus its unnormalised log density, at one point.
  const double v = 0.37 * (f.m.prior_tau.kind == PriorKind::Uniform ? f.m.prior_tau.b : 1.0);
  double d;
  c += naive_log_scale_prior(f.m.prior_tau, v) - hbm::prior_lpdf_grad(f.m.prior_tau, v, &d);
  return c;
}

TEST(SingleArmRegressionLogDensity, EqualsNaiveComputation) {
  const Data small{{3, 0, 7, 2, 9}, {10, 8, 7, 15, 30}};
  std::mt19937 gen(8);
  for (int P : {0, 1, 3}) {
    for (int k = 0; k < 5; ++k) {
      for (int rep = 0; rep < 6; ++rep) {
        RegressionFixture f(small, P, kTauPriors[k], gen);
        const std::vector<double> q = f.random_point(gen);
        std::vector<double> g(f.m.dim()), theta;
        const double lp = f.m.log_density_grad(q.data(), g.data());
        const double naive = naive_single_arm_regression(f, q, &theta);
        EXPECT_NEAR(lp + dropped_constant(f), naive, 1e-10 * (1 + std::fabs(naive))) << "P " << P << " prior " << k;
        const double tau = f.m.tau(q.data());
        for (int i = 0; i < small.K(); ++i)
          EXPECT_NEAR(f.m.theta(q.data(), i, tau), theta[i], 1e-13 * (1 + std::fabs(theta[i])));
      }
    }
  }
}

TEST(SingleArmRegressionLogDensity, IsFiniteFarFromTheData) {
  const Data d{{0, 1e9, 7}, {1e9, 1e9, 7}};
  std::mt19937 gen(9);
  for (int P : {0, 2}) {
    for (int k = 0; k < 5; ++k) {
      RegressionFixture f(d, P, kTauPriors[k], gen);
      f.centred[0] = 1;  // m.centred points into f.centred
      f.centred[1] = 1;
      f.centred[2] = 0;
      for (double t : {-700.0, -40.0, 40.0, 700.0}) {
        for (double s : {-20.0, 0.0, 5.0}) {
          std::vector<double> q = f.random_point(gen), g(f.m.dim());
          q[1] = s;
          q[2 + P] = t;
          q[3 + P] = -t;
          q[4 + P] = t;
          const double lp = f.m.log_density_grad(q.data(), g.data());
          EXPECT_TRUE(std::isfinite(lp)) << t << " " << s;
          for (double v : g) EXPECT_TRUE(std::isfinite(v)) << t << " " << s;
          EXPECT_TRUE(f.m.gradient(q.data(), g.data()));
        }
      }
    }
  }
}

TEST(SingleArmRegressionLogDensity, NonFinitePointGivesMinusInfinityAndZeroGradient) {
  std::mt19937 gen(10);
  RegressionFixture f(kTypical, 2, kTauPriors[0], gen);
  for (int j = 0; j < f.m.dim(); ++j) {
    std::vector<double> q = f.random_point(gen), g(f.m.dim(), 1.0);
    q[j] = NAN;
    EXPECT_EQ(f.m.log_density_grad(q.data(), g.data()), -INFINITY) << j;
    for (double v : g) EXPECT_EQ(v, 0.0) << j;
    EXPECT_FALSE(f.m.gradient(q.data(), g.data())) << j;
  }
}

}  // namespace
