// The two-arm binomial-normal model (models/two_arm.hpp): the analytic gradient equals central
// finite differences at random points, for independent and random baselines, P = 0 and P = 2
// covariates, every tau (and sigma_alpha) prior, mixed centred / non-centred studies, and
// extreme data (zero-event arms, double-zero studies, all-event arms, n = 1e9); the
// gradient-only path equals log_density_grad's gradient; the value equals a direct naive
// computation including every constant; values stay finite at extreme points.
//
// Finite-difference tolerance. The central difference (f(q + h e_j) - f(q - h e_j)) / 2h with
// h = 1e-5 max(1, |q_j|) has truncation error h^2 |f'''| / 6 and rounding error about
// eps |f| / h (each value carries a relative error of a few eps = 2.2e-16).
//  - Truncation: a binomial-logit term's third derivative is n s (1 - s)(1 - 2 s), at most
//    n / (6 sqrt 3) ~ 0.1 n, times the cube of the logit's sensitivity to q_j (1 for mu and the
//    alpha / delta coordinates, |x_ij| for beta_j, tau |z| or sigma_alpha |a| for the scales:
//    O(1) at these points; where it is larger, |g| carries the same factor); the priors' third
//    derivatives are O(1). With |q_j| <= ~6 (h <= 6e-5) and sum n <= ~1e3 on the small data
//    sets this is ~(3.6e-9 / 6) * 0.1 * 1e3 ~ 6e-8 absolute, inside 1e-6 (1 + |g|). On the
//    n = 1e9 data it is ~(1e-10 / 6) * 0.1 * 4e9 ~ 1e-2, while |g| at a random point is
//    ~1e8-1e9 (the posterior sd there is ~1e-5, so a random point is thousands of sds from the
//    mode) and 1e-6 |g| ~ 1e2-1e3 covers it.
//  - Rounding: each value is a sum of O(K) terms of size up to |lp|, so it carries an error of a
//    few eps |lp|, and the difference over 2h an error of ~c eps |lp| / h with c of a few; we
//    allow 1e-15 |lp| / h (c ~ 4.5). With n = 1e9, |lp| ~ 1e10 gives ~1: far below 1e-6 |g|
//    except where a coordinate's gradient is O(1) (mu when every delta_i is centred, say), where
//    this term is what applies; observed errors there reach ~0.25, i.e. c ~ 1.2.
// So tol = 1e-6 (1 + |g|) + 1e-15 |lp| / h (single_arm_gradient_test.cpp uses 4e-16); a wrong
// derivative (an error of order |g|, or of order 1 on the small data sets) still fails: every
// hand-made mutation of the gradient (dropped chain-rule factor, Jacobian or centring term) is
// caught.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "models/hmc.hpp"
#include "models/two_arm.hpp"
#include "support/naive_densities.hpp"

namespace {

using hbm::BaselineModel;
using hbm::Prior;
using hbm::PriorKind;
using hbm::TwoArmModel;
using hbm::test::naive_log_binom;
using hbm::test::naive_log_normal;
using hbm::test::naive_log_scale_prior;
using hbm::test::naive_scale;
using hbm::test::NaiveEffect;
using hbm::test::naive_empirical_log_or;
using hbm::test::naive_empirical_log_or_lambda;
using hbm::test::naive_empirical_logit;
using hbm::test::naive_empirical_logit_lambda;
using hbm::test::naive_scaled_effect;

// The model's interface is the one hmc_transition() expects (instantiated, not run).
[[maybe_unused]] const auto kTransition = &hbm::hmc_transition<TwoArmModel>;

struct TwoArmData {
  std::vector<double> yt, nt, yc, nc;
  int K() const { return static_cast<int>(yt.size()); }
};

const Prior kTauPriors[] = {
    {PriorKind::HalfNormal, 0, 1.0}, {PriorKind::HalfCauchy, 0, 0.5}, {PriorKind::HalfT, 3, 1.0},
    {PriorKind::Uniform, 0, 5.0},    {PriorKind::LogNormal, -1, 1.0},
};

// Owns everything a TwoArmModel points to.
struct TwoArmFixture {
  TwoArmData data;
  int P = 0;
  std::vector<double> x;
  std::vector<std::uint8_t> centred, centred_alpha;
  std::vector<Prior> prior_beta;
  TwoArmModel m;

  TwoArmFixture(const TwoArmFixture&) = delete;  // m points into this object's vectors
  TwoArmFixture& operator=(const TwoArmFixture&) = delete;
  TwoArmFixture(const TwoArmData& d, BaselineModel baseline, int P_, const Prior& tau_prior, const Prior& sigma_prior,
        std::mt19937& gen, bool use_centred_alpha)
      : data(d), P(P_) {
    const int K = data.K();
    std::normal_distribution<double> N01;
    x.resize(static_cast<std::size_t>(K) * P);
    for (int i = 0; i < K; ++i)
      for (int j = 0; j < P; ++j)
        // Column 0 continuous, column 1 a 0/1 indicator (a typical subgroup covariate).
        x[i * P + j] = j == 1 ? static_cast<double>((gen() >> 5) & 1) : N01(gen);
    centred.resize(K);
    centred_alpha.resize(K);
    for (int i = 0; i < K; ++i) {
      centred[i] = (gen() >> 3) & 1;
      centred_alpha[i] = (gen() >> 7) & 1;
    }
    for (int j = 0; j < P; ++j) prior_beta.push_back(Prior{PriorKind::Normal, 0.3 * j, 2.0 + j});
    m.K = K;
    m.P = P;
    m.yt = data.yt.data();
    m.nt = data.nt.data();
    m.yc = data.yc.data();
    m.nc = data.nc.data();
    m.x = P > 0 ? x.data() : nullptr;
    m.centred = centred.data();
    m.centred_alpha = use_centred_alpha ? centred_alpha.data() : nullptr;
    m.baseline = baseline;
    m.prior_mu = Prior{PriorKind::Normal, 0.0, 10.0};
    m.prior_tau = tau_prior;
    m.prior_beta = P > 0 ? prior_beta.data() : nullptr;
    m.prior_alpha = Prior{PriorKind::Normal, -1.0, 3.0};
    m.prior_mu_alpha = Prior{PriorKind::Normal, 0.0, 5.0};
    m.prior_sigma_alpha = sigma_prior;
  }

  // A random point near where the posterior could be: centred coordinates near their means.
  std::vector<double> random_point(std::mt19937& gen) const {
    std::normal_distribution<double> N01;
    const int K = data.K();
    std::vector<double> q(m.dim());
    q[0] = N01(gen);
    q[1] = 0.8 * N01(gen) - 0.5;
    for (int j = 0; j < P; ++j) q[2 + j] = 0.5 * N01(gen);
    if (m.baseline == BaselineModel::Random) {
      q[2 + P] = -1.0 + N01(gen);
      q[3 + P] = 0.8 * N01(gen) - 0.5;
    }
    const int A = m.alpha_offset(), D = m.delta_offset();
    for (int i = 0; i < K; ++i) {
      if (m.baseline == BaselineModel::Independent) {
        q[A + i] = -1.0 + 1.5 * N01(gen);
      } else {
        q[A + i] = m.alpha_centred(i) ? q[2 + P] + N01(gen) : N01(gen);
      }
      q[D + i] = centred[i] ? m.linear_predictor(q.data(), i) + N01(gen) : N01(gen);
    }
    return q;
  }
};

void check_gradient_at(const TwoArmModel& m, const std::vector<double>& q, const char* what) {
  const int D = m.dim();
  std::vector<double> g(D), gd(D), g_only(D);
  const double lp = m.log_density_grad(q.data(), g.data());
  ASSERT_TRUE(std::isfinite(lp)) << what;
  // The gradient-only path used by the leapfrog steps gives the same gradient.
  ASSERT_TRUE(m.gradient(q.data(), g_only.data())) << what;
  for (int j = 0; j < D; ++j) EXPECT_NEAR(g_only[j], g[j], 1e-12 * (1 + std::fabs(g[j]))) << what << " coordinate " << j;
  for (int j = 0; j < D; ++j) {
    const double h = 1e-5 * std::max(1.0, std::fabs(q[j]));
    std::vector<double> qp = q, qm = q;
    qp[j] += h;
    qm[j] -= h;
    const double fd = (m.log_density_grad(qp.data(), gd.data()) - m.log_density_grad(qm.data(), gd.data())) / (2 * h);
    const double tol = 1e-6 * (1.0 + std::fabs(g[j])) + 1e-15 * std::fabs(lp) / h;
    EXPECT_NEAR(g[j], fd, tol) << what << " coordinate " << j << " of " << D;
  }
}

// Every tau prior (sigma_alpha's prior cycles through the kinds too), 20 random points each,
// fresh centred flags per point; random baselines alternate between all-non-centred a_i
// (centred_alpha = null) and mixed flags.
void check_gradient(const TwoArmData& data, BaselineModel baseline, int P, std::uint32_t seed) {
  std::mt19937 gen(seed);
  for (int k = 0; k < 5; ++k) {
    for (int rep = 0; rep < 20; ++rep) {
      TwoArmFixture s(data, baseline, P, kTauPriors[k], kTauPriors[(k + 2) % 5], gen, rep % 2 == 1);
      const std::vector<double> q = s.random_point(gen);
      const std::string what = std::string(baseline == BaselineModel::Random ? "random" : "independent") +
                               " baselines, P = " + std::to_string(P) + ", tau prior kind " +
                               std::to_string(k) + ", rep " + std::to_string(rep);
      check_gradient_at(s.m, q, what.c_str());
    }
  }
}

const TwoArmData kTypical{{16, 10, 4, 43, 10, 25}, {17, 12, 8, 58, 10, 42},
                          {12, 6, 5, 30, 8, 20},   {18, 13, 9, 60, 11, 40}};
// Zero-event arms (either side), double-zero studies (0/10 vs 0/12, 0/1 vs 0/1) and a lone
// event.
const TwoArmData kZeros{{0, 0, 3, 0, 5, 1, 0}, {10, 25, 30, 1, 50, 1, 400},
                        {0, 2, 0, 0, 0, 0, 0}, {12, 20, 30, 1, 60, 1, 350}};
// All-event arms (either side), double-all studies (every patient an event in both arms).
const TwoArmData kAllEvents{{10, 25, 3, 1, 50, 7}, {10, 25, 30, 1, 50, 9},
                            {12, 19, 30, 1, 0, 9}, {12, 20, 30, 1, 60, 9}};
// n up to 1e9, with zero-event and all-event arms among them.
const TwoArmData kBillion{{3e8, 0, 1e9, 123456789, 5}, {1e9, 1e9, 1e9, 987654321, 1e9},
                          {2.9e8, 0, 1e9, 100000000, 0}, {1e9, 1e9, 1e9, 999999999, 1e9}};

TEST(TwoArmGradient, MatchesFiniteDifferencesWithIndependentBaselines) {
  check_gradient(kTypical, BaselineModel::Independent, 0, 1);
  check_gradient(kTypical, BaselineModel::Independent, 2, 2);
}

TEST(TwoArmGradient, MatchesFiniteDifferencesWithRandomBaselines) {
  check_gradient(kTypical, BaselineModel::Random, 0, 3);
  check_gradient(kTypical, BaselineModel::Random, 2, 4);
}

TEST(TwoArmGradient, MatchesFiniteDifferencesWithZeroEventArmsAndDoubleZeroStudies) {
  for (BaselineModel b : {BaselineModel::Independent, BaselineModel::Random})
    for (int P : {0, 2}) check_gradient(kZeros, b, P, 10 + P + 5 * static_cast<int>(b));
}

TEST(TwoArmGradient, MatchesFiniteDifferencesWithAllEventArms) {
  for (BaselineModel b : {BaselineModel::Independent, BaselineModel::Random})
    for (int P : {0, 2}) check_gradient(kAllEvents, b, P, 20 + P + 5 * static_cast<int>(b));
}

TEST(TwoArmGradient, MatchesFiniteDifferencesWithBillionSizedStudies) {
  for (BaselineModel b : {BaselineModel::Independent, BaselineModel::Random})
    for (int P : {0, 2}) check_gradient(kBillion, b, P, 30 + P + 5 * static_cast<int>(b));
}

TEST(TwoArmGradient, MatchesFiniteDifferencesWithOneStudy) {
  const TwoArmData one{{3}, {20}, {7}, {21}};
  for (BaselineModel b : {BaselineModel::Independent, BaselineModel::Random})
    for (int P : {0, 2}) check_gradient(one, b, P, 40 + P + 5 * static_cast<int>(b));
}

// ---------------------------------------------------------------- naive log density ----------

// The full log posterior density (every normalising constant included), written directly from
// the model's definition and the parameter layout, not through the model's helpers.
double naive_two_arm(const TwoArmFixture& s, const std::vector<double>& q, std::vector<double>* alpha_out = nullptr,
                     std::vector<double>* delta_out = nullptr) {
  const TwoArmModel& m = s.m;
  const int K = s.data.K(), P = s.P;
  const bool rnd = m.baseline == BaselineModel::Random;
  double lp = 0.0;
  const double mu = q[0];
  double tau, jac;
  naive_scale(m.prior_tau, q[1], &tau, &jac);
  lp += naive_log_normal(mu, m.prior_mu.a, m.prior_mu.b) + naive_log_scale_prior(m.prior_tau, tau) + jac;
  for (int j = 0; j < P; ++j) lp += naive_log_normal(q[2 + j], s.prior_beta[j].a, s.prior_beta[j].b);
  double mu_a = 0, sig = 0;
  if (rnd) {
    mu_a = q[2 + P];
    double jac_s;
    naive_scale(m.prior_sigma_alpha, q[3 + P], &sig, &jac_s);
    lp += naive_log_normal(mu_a, m.prior_mu_alpha.a, m.prior_mu_alpha.b) +
          naive_log_scale_prior(m.prior_sigma_alpha, sig) + jac_s;
  }
  const int A = 2 + P + (rnd ? 2 : 0);
  for (int i = 0; i < K; ++i) {
    const double va = q[A + i], vd = q[A + K + i];
    double alpha;
    if (!rnd) {
      alpha = va;
      lp += naive_log_normal(va, m.prior_alpha.a, m.prior_alpha.b);
    } else if (m.centred_alpha != nullptr && m.centred_alpha[i]) {
      alpha = va;
      lp += naive_log_normal(va, mu_a, sig);
    } else {
      const double yc = s.data.yc[i], nc = s.data.nc[i];
      const NaiveEffect ef = naive_scaled_effect(va, mu_a, sig, naive_empirical_logit(yc, nc), naive_empirical_logit_lambda(yc, nc));
      alpha = ef.e;
      lp += ef.log_density;
    }
    double xb = 0.0;
    for (int j = 0; j < P; ++j) xb += s.x[i * P + j] * q[2 + j];
    double delta;
    if (s.centred[i]) {
      delta = vd;
      lp += naive_log_normal(vd, mu + xb, tau);
    } else {
      const double yt = s.data.yt[i], nt = s.data.nt[i], yc = s.data.yc[i], nc = s.data.nc[i];
      const NaiveEffect ef = naive_scaled_effect(vd, mu + xb, tau, naive_empirical_log_or(yt, nt, yc, nc),
                                                 naive_empirical_log_or_lambda(yt, nt, yc, nc));
      delta = ef.e;
      lp += ef.log_density;
    }
    lp += naive_log_binom(s.data.yc[i], s.data.nc[i], alpha) + naive_log_binom(s.data.yt[i], s.data.nt[i], alpha + delta);
    if (alpha_out) alpha_out->push_back(alpha);
    if (delta_out) delta_out->push_back(delta);
  }
  return lp;
}

// The constant that log_density_grad leaves out: binomial coefficients, the normal and scale
// priors' normalisers, and N(0,1)'s or N(m, s^2)'s 1/sqrt(2 pi) per study coordinate.
double dropped_constant(const TwoArmFixture& s) {
  const double pi = 3.14159265358979323846;
  const double half_log_2pi = 0.5 * std::log(2 * pi);
  const TwoArmModel& m = s.m;
  const int K = s.data.K();
  double c = 0.0;
  for (int i = 0; i < K; ++i)
    for (auto [y, n] : {std::pair{s.data.yc[i], s.data.nc[i]}, std::pair{s.data.yt[i], s.data.nt[i]}})
      c += std::lgamma(n + 1) - std::lgamma(y + 1) - std::lgamma(n - y + 1);
  c += -half_log_2pi - std::log(m.prior_mu.b);
  // The scale prior's normaliser: its density at v minus its unnormalised log density at v.
  auto scale_norm = [&](const Prior& p) {
    double d;
    return naive_log_scale_prior(p, 0.37 * (p.kind == PriorKind::Uniform ? p.b : 1.0)) -
           hbm::prior_lpdf_grad(p, 0.37 * (p.kind == PriorKind::Uniform ? p.b : 1.0), &d);
  };
  c += scale_norm(m.prior_tau);
  for (int j = 0; j < s.P; ++j) c += -half_log_2pi - std::log(s.prior_beta[j].b);
  if (m.baseline == BaselineModel::Independent) {
    c += K * (-half_log_2pi - std::log(m.prior_alpha.b));
  } else {
    c += -half_log_2pi - std::log(m.prior_mu_alpha.b) + scale_norm(m.prior_sigma_alpha);
    c += K * -half_log_2pi;
  }
  c += K * -half_log_2pi;  // delta coordinates
  return c;
}

TEST(TwoArmLogDensity, EqualsNaiveComputation) {
  // Small counts and moderate logits, so the textbook formulas are accurate.
  const TwoArmData small{{3, 0, 7, 2}, {10, 8, 7, 15}, {1, 0, 5, 9}, {12, 9, 6, 15}};
  std::mt19937 gen(7);
  for (BaselineModel b : {BaselineModel::Independent, BaselineModel::Random}) {
    for (int P : {0, 2}) {
      for (int k = 0; k < 5; ++k) {
        for (int rep = 0; rep < 6; ++rep) {
          TwoArmFixture s(small, b, P, kTauPriors[k], kTauPriors[(k + 1) % 5], gen, rep % 2 == 1);
          const std::vector<double> q = s.random_point(gen);
          std::vector<double> g(s.m.dim()), alpha, delta;
          const double lp = s.m.log_density_grad(q.data(), g.data());
          const double naive = naive_two_arm(s, q, &alpha, &delta);
          EXPECT_NEAR(lp + dropped_constant(s), naive, 1e-10 * (1 + std::fabs(naive)))
              << "baseline " << static_cast<int>(b) << " P " << P << " prior " << k << " rep " << rep;
          // The accessors give the same alpha_i and delta_i as the definition.
          for (int i = 0; i < small.K(); ++i) {
            EXPECT_NEAR(s.m.alpha(q.data(), i), alpha[i], 1e-13 * (1 + std::fabs(alpha[i])));
            EXPECT_NEAR(s.m.delta(q.data(), i), delta[i], 1e-13 * (1 + std::fabs(delta[i])));
          }
        }
      }
    }
  }
}

TEST(TwoArmModelLayout, DimensionAndOffsets) {
  std::mt19937 gen(1);
  const TwoArmFixture ind(kTypical, BaselineModel::Independent, 2, kTauPriors[0], kTauPriors[0], gen, false);
  EXPECT_EQ(ind.m.dim(), 2 + 2 + 2 * 6);
  EXPECT_EQ(ind.m.alpha_offset(), 4);
  EXPECT_EQ(ind.m.delta_offset(), 10);
  const TwoArmFixture rnd(kTypical, BaselineModel::Random, 0, kTauPriors[0], kTauPriors[0], gen, false);
  EXPECT_EQ(rnd.m.dim(), 2 + 2 + 2 * 6);
  EXPECT_EQ(rnd.m.baseline_offset(), 2);
  EXPECT_EQ(rnd.m.alpha_offset(), 4);
  EXPECT_EQ(rnd.m.delta_offset(), 10);
  std::vector<double> q(rnd.m.dim(), 0.0);
  q[2] = -0.7;          // mu_alpha
  q[3] = std::log(2.0); // sigma_alpha = 2 (half-normal prior: exp transform)
  q[4 + 1] = 0.5;       // a_1
  EXPECT_DOUBLE_EQ(rnd.m.sigma_alpha(q.data()), 2.0);
  // a_1 is non-centred: alpha_1 = mean + sd a_1 of the data-scaled form (models/random_effect.hpp).
  const double yc = kTypical.yc[1], nc = kTypical.nc[1];
  EXPECT_NEAR(rnd.m.alpha(q.data(), 1),
              naive_scaled_effect(0.5, -0.7, 2.0, naive_empirical_logit(yc, nc), naive_empirical_logit_lambda(yc, nc)).e,
              1e-14);
}

TEST(TwoArmLogDensity, DoubleZeroStudyLeavesDeltaToItsPrior) {
  // One double-zero study with a very low baseline: the likelihood is flat in delta, so the
  // delta-coordinate's gradient is the random-effect prior's alone.
  const TwoArmData dz{{0}, {50}, {0}, {50}};
  std::mt19937 gen(3);
  TwoArmFixture s(dz, BaselineModel::Independent, 0, kTauPriors[0], kTauPriors[0], gen, false);
  s.centred[0] = 1;
  const double tau = 0.8, m = 0.3, d = 1.1;
  const std::vector<double> q{m, std::log(tau), -60.0, d};
  std::vector<double> g(4);
  const double lp = s.m.log_density_grad(q.data(), g.data());
  ASSERT_TRUE(std::isfinite(lp));
  EXPECT_NEAR(g[3], -(d - m) / (tau * tau), 1e-12);
}

TEST(TwoArmLogDensity, IsFiniteAtExtremePoints) {
  // Extreme logits and scales: the stable log-sigmoid forms never produce log(0) or inf - inf.
  const TwoArmData d{{0, 1e9, 7, 0}, {1e9, 1e9, 7, 3}, {1e9, 0, 0, 0}, {1e9, 1e9, 9, 3}};
  std::mt19937 gen(5);
  for (BaselineModel b : {BaselineModel::Independent, BaselineModel::Random}) {
    for (int P : {0, 2}) {
      for (int k = 0; k < 5; ++k) {
        TwoArmFixture s(d, b, P, kTauPriors[k], kTauPriors[(k + 3) % 5], gen, true);
        for (double t : {-700.0, -40.0, 40.0, 700.0}) {
          for (double sc : {-20.0, 0.0, 5.0}) {
            std::vector<double> q = s.random_point(gen), g(s.m.dim()), g2(s.m.dim());
            q[1] = sc;
            if (b == BaselineModel::Random) q[3 + P] = -sc;
            for (int i = 0; i < d.K(); ++i) {
              q[s.m.alpha_offset() + i] = i % 2 ? t : -t;
              q[s.m.delta_offset() + i] = i % 3 ? -t : t;
            }
            const double lp = s.m.log_density_grad(q.data(), g.data());
            EXPECT_TRUE(std::isfinite(lp)) << t << " " << sc;
            for (double v : g) EXPECT_TRUE(std::isfinite(v)) << t << " " << sc;
            EXPECT_TRUE(s.m.gradient(q.data(), g2.data()));
          }
        }
      }
    }
  }
}

TEST(TwoArmLogDensity, NonFinitePointGivesMinusInfinityAndZeroGradient) {
  std::mt19937 gen(6);
  TwoArmFixture s(kTypical, BaselineModel::Random, 2, kTauPriors[0], kTauPriors[1], gen, false);
  for (int j : {0, 1, 2, 4, 5, 9, 15}) {
    std::vector<double> q = s.random_point(gen), g(s.m.dim(), 1.0);
    q[j] = NAN;
    EXPECT_EQ(s.m.log_density_grad(q.data(), g.data()), -INFINITY) << j;
    for (double v : g) EXPECT_EQ(v, 0.0) << j;
    EXPECT_FALSE(s.m.gradient(q.data(), g.data())) << j;
  }
}

}  // namespace
