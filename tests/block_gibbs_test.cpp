// The exact updates of each random-effect block's intercept and scale (models/block_gibbs.hpp)
// are Gibbs steps in the centred representation: they must leave every study effect where it is
// (the non-centred coordinates follow the new intercept and scale), change the log density by
// exactly what they report (the engine adds that and evaluates the gradient alone), draw the
// intercept from its
// full conditional N(V (m0 / s0^2 + sum_i (e_i - c_i) / s^2), V), V = 1 / (1 / s0^2 + K / s^2),
// written here from the effects directly, and move the scale by the slice sampler of
// models/gibbs_updates.hpp, whose stationary density is checked against numerical integration.
// Single-arm with covariates and mixed parametrisations; two-arm with random baselines (two
// blocks: mu with the log odds ratios, mu_alpha with the baselines).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "models/block_gibbs.hpp"
#include "models/gibbs_updates.hpp"
#include "models/single_arm.hpp"
#include "models/two_arm.hpp"

namespace {

struct SingleArmCase {
  std::vector<double> y{3, 0, 7, 2, 9, 40}, n{10, 8, 7, 15, 30, 90}, x{0.3, -1.0, 1.2, 0.1, -0.4, 2.0};
  std::vector<std::uint8_t> centred{0, 1, 0, 0, 1, 1};
  std::vector<hbm::Prior> prior_beta{{hbm::PriorKind::Normal, 0.2, 1.5}};
  hbm::SingleArmModel m;
  SingleArmCase() {
    m.K = 6;
    m.P = 1;
    m.y = y.data();
    m.n = n.data();
    m.x = x.data();
    m.centred = centred.data();
    m.prior_mu = {hbm::PriorKind::Normal, 0.5, 2.0};
    m.prior_tau = {hbm::PriorKind::HalfCauchy, 0, 0.5};
    m.prior_beta = prior_beta.data();
  }
};

struct TwoArmCase {
  std::vector<double> yt{16, 10, 4, 43, 0}, nt{17, 12, 8, 58, 30}, yc{12, 3, 1, 30, 0}, nc{19, 11, 9, 60, 31};
  std::vector<std::uint8_t> centred{1, 0, 0, 1, 0}, centred_alpha{0, 1, 0, 1, 0};
  hbm::TwoArmModel m;
  TwoArmCase() {
    m.K = 5;
    m.yt = yt.data();
    m.nt = nt.data();
    m.yc = yc.data();
    m.nc = nc.data();
    m.centred = centred.data();
    m.centred_alpha = centred_alpha.data();
    m.baseline = hbm::BaselineModel::Random;
    m.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};
    m.prior_tau = {hbm::PriorKind::HalfNormal, 0, 1.0};
    m.prior_mu_alpha = {hbm::PriorKind::Normal, -1.0, 3.0};
    m.prior_sigma_alpha = {hbm::PriorKind::HalfNormal, 0, 2.0};
  }
};

template <class Model>
std::vector<double> random_state(const Model& m, std::mt19937& gen) {
  std::normal_distribution<double> N01;
  std::vector<double> q(m.dim());
  for (double& v : q) v = N01(gen);
  q[1] = 0.7 * N01(gen) - 0.3;  // log tau
  return q;
}

template <class Model>
std::vector<double> effects(const Model& m, const std::vector<double>& q) {
  std::vector<double> e;
  for (int b = 0; b < m.n_blocks(); ++b)
    for (int i = 0; i < m.K; ++i) e.push_back(hbm::block_effect(m, q.data(), b, i, m.effect_scale(q.data(), b)));
  return e;
}

template <class Model>
void check_effects_kept_and_density_change(const Model& m) {
  std::mt19937 gen(11);
  std::vector<double> g(m.dim());
  int scale_moved = 0;
  for (int rep = 0; rep < 200; ++rep) {
    std::vector<double> q = random_state(m, gen);
    const double lp0 = m.log_density_grad(q.data(), g.data());
    const std::vector<double> e0 = effects(m, q);
    const std::vector<double> q0 = q;
    std::vector<double> slopes(2 * m.K);
    m.likelihood_slopes(q.data(), g.data(), slopes.data());
    hbm::RngStream rng(5, 7, 0, static_cast<std::uint32_t>(rep), hbm::RngPurpose::BlockGibbs);
    std::vector<double> scratch(m.K);
    const hbm::BlockGibbsMove mv = hbm::block_gibbs_updates(m, q.data(), scratch.data(), rng, hbm::SerialGroup{});
    ASSERT_TRUE(mv.moved);
    EXPECT_NE(q[0], q0[0]);
    scale_moved += q[1] != q0[1];
    const std::vector<double> e1 = effects(m, q);
    for (std::size_t k = 0; k < e0.size(); ++k) EXPECT_NEAR(e1[k], e0[k], 1e-11 * (1 + std::fabs(e0[k]))) << k;
    std::vector<double> g_slopes(m.dim());
    ASSERT_TRUE(m.gradient_with_slopes(q.data(), g_slopes.data(), slopes.data()));
    const double lp1 = m.log_density_grad(q.data(), g.data());
    EXPECT_NEAR(lp0 + mv.d_log_density, lp1, 1e-9 * (1 + std::fabs(lp1))) << "rep " << rep;
    // The gradient from the slopes before the move is the gradient after it (the engine's
    // shortcut, models/batch_steps.hpp): relative to the gradient's scale, 1e-9.
    double scale = 1;
    for (double v : g) scale = std::max(scale, std::fabs(v));
    for (int j = 0; j < m.dim(); ++j) EXPECT_NEAR(g_slopes[j], g[j], 1e-9 * scale) << "rep " << rep << " coordinate " << j;
  }
  EXPECT_GT(scale_moved, 190);
}

TEST(BlockGibbs, SingleArmKeepsEveryEffectAndReportsTheExactDensityChange) {
  SingleArmCase c;
  check_effects_kept_and_density_change(c.m);
  c.m.prior_tau = {hbm::PriorKind::Uniform, 0, 5.0};  // the other transform of tau
  check_effects_kept_and_density_change(c.m);
}

TEST(BlockGibbs, TwoArmRandomBaselinesKeepsEveryEffectAndReportsTheExactDensityChange) {
  TwoArmCase c;
  check_effects_kept_and_density_change(c.m);
}

TEST(BlockGibbs, TwoArmIndependentBaselinesWithCovariateKeepsEveryEffectAndTheGradient) {
  TwoArmCase c;
  std::vector<double> x{1.5, -0.2, 0.0, 2.4, -1.1};
  std::vector<hbm::Prior> prior_beta{{hbm::PriorKind::Normal, 0.0, 2.0}};
  c.m.baseline = hbm::BaselineModel::Independent;
  c.m.prior_alpha = {hbm::PriorKind::Normal, 0.0, 5.0};
  c.m.P = 1;
  c.m.x = x.data();
  c.m.prior_beta = prior_beta.data();
  check_effects_kept_and_density_change(c.m);
}

// From one state, 40,000 draws (independent counters; the intercept is drawn before the scale
// moves, at the state's scale): mean and variance of the new intercept
// against the full conditional computed from the effects; 4 standard errors (mean: sqrt(V / N);
// variance: V sqrt(2 / N), the normal's).
template <class Model>
void check_conditional(const Model& m, int b, const std::vector<double>& q) {
  const double s = m.effect_scale(q.data(), b), a = q[m.location_index(b)];
  const hbm::Prior p = m.location_prior(b);
  double sum = 0;
  for (int i = 0; i < m.K; ++i) sum += hbm::block_effect(m, q.data(), b, i, s) - (m.effect_loc(q.data(), b, i) - a);
  const double V = 1.0 / (1.0 / (p.b * p.b) + m.K / (s * s));
  const double mean = V * (p.a / (p.b * p.b) + sum / (s * s));
  const int N = 40000;
  double m1 = 0, m2 = 0;
  for (int r = 0; r < N; ++r) {
    std::vector<double> qq = q;
    hbm::RngStream rng(9, 3, static_cast<std::uint32_t>(r), 1, hbm::RngPurpose::BlockGibbs);
    std::vector<double> scratch(m.K);
    hbm::block_gibbs_updates(m, qq.data(), scratch.data(), rng, hbm::SerialGroup{});
    const double v = qq[m.location_index(b)];
    m1 += v;
    m2 += v * v;
  }
  m1 /= N;
  const double var = m2 / N - m1 * m1;
  EXPECT_NEAR(m1, mean, 4 * std::sqrt(V / N)) << "block " << b;
  EXPECT_NEAR(var, V, 4 * V * std::sqrt(2.0 / N)) << "block " << b;
}

TEST(BlockGibbs, DrawsTheInterceptFromItsFullConditional) {
  std::mt19937 gen(4);
  SingleArmCase c;
  check_conditional(c.m, 0, random_state(c.m, gen));
  TwoArmCase t;
  const std::vector<double> q = random_state(t.m, gen);
  check_conditional(t.m, 0, q);
  check_conditional(t.m, 1, q);
}

// The scale update's slice sampler, iterated on its own for K = 4 effects with residual sum
// of squares S = 2.3 under half-Cauchy(0.5) and uniform(0, 3): the mean and sd of 200,000 draws
// against the density prior(s) s^-K exp(-S / (2 s^2)) integrated on a fine grid. MCSE from
// batch means (400 batches of 500).
TEST(BlockGibbs, ScaleSliceSamplerTargetsItsConditional) {
  for (const hbm::Prior prior : {hbm::Prior{hbm::PriorKind::HalfCauchy, 0, 0.5}, hbm::Prior{hbm::PriorKind::Uniform, 0, 3.0}}) {
    const int K = 4;
    const double S = 2.3;
    auto log_density = [&](double s) {
      double unused;
      return hbm::prior_lpdf_grad(prior, s, &unused) - K * std::log(s) - 0.5 * S / (s * s);
    };
    double w = 0, m1 = 0, m2 = 0;
    const double hi = prior.kind == hbm::PriorKind::Uniform ? prior.b : 200.0;
    for (int k = 1; k <= 400000; ++k) {
      const double s = hi * (k - 0.5) / 400000, p = std::exp(log_density(s));
      w += p;
      m1 += p * s;
      m2 += p * s * s;
    }
    const double mean = m1 / w, sd = std::sqrt(m2 / w - mean * mean);
    double s = 1.0, sum = 0, sum2 = 0, batch = 0;
    std::vector<double> batches;
    const int N = 200000;
    for (int t = 0; t < N; ++t) {
      hbm::RngStream rng(21, 4, 0, static_cast<std::uint32_t>(t), hbm::RngPurpose::BlockGibbs);
      s = hbm::draw_scale_centred(prior, K, S, s, rng);
      sum += s;
      sum2 += s * s;
      batch += s;
      if ((t + 1) % 500 == 0) {
        batches.push_back(batch / 500);
        batch = 0;
      }
    }
    const double est = sum / N, est_sd = std::sqrt(sum2 / N - est * est);
    double bv = 0;
    for (double b : batches) bv += (b - est) * (b - est);
    const double mcse = std::sqrt(bv / (batches.size() - 1) / batches.size());
    EXPECT_NEAR(est, mean, 4 * mcse) << static_cast<int>(prior.kind);
    EXPECT_NEAR(est_sd, sd, 0.02 * sd) << static_cast<int>(prior.kind);  // a loose check of the spread
  }
}

}  // namespace
