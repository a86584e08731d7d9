// hbmeta design's beta mixtures (host/design/beta_mixture.hpp) and their EM fit
// (host/design/mixture_em.hpp), against closed forms, brute-force integration on a grid, and
// draws of a known mixture.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "host/design/beta_mixture.hpp"
#include "host/design/mixture_em.hpp"

namespace hbm::design {
namespace {

// Simpson's rule on 20,000 intervals: error O(h^4 f''''), ~1e-10 for these densities (sd >= 0.04),
// far below the tolerances used (1e-8).
template <class F>
double grid_integral(const F& f, double lo, double hi, int n = 20000) {
  const double h = (hi - lo) / n;
  double s = f(lo) + f(hi);
  for (int i = 1; i < n; ++i) s += (i % 2 ? 4 : 2) * f(lo + i * h);
  return s * h / 3;
}

std::vector<double> mixture_draws(const BetaMixture& mix, std::size_t N, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> out(N);
  for (auto& x : out) {
    double r = u(rng), acc = 0;
    std::size_t k = 0;
    while (k + 1 < mix.size() && r > (acc += mix[k].w)) ++k;
    std::gamma_distribution<double> ga(mix[k].a, 1.0), gb(mix[k].b, 1.0);
    const double g1 = ga(rng), g2 = gb(rng);
    x = g1 / (g1 + g2);
  }
  return out;
}

const BetaMixture kTwo = {{0.6, 20, 60}, {0.4, 30, 15}};

TEST(BetaMixture, MomentsCdfAndQuantileMatchTheirDefinitions) {
  const BetaMixture single = {{1.0, 2, 5}};
  EXPECT_NEAR(mixture_mean(single), 2.0 / 7, 1e-15);
  EXPECT_NEAR(mixture_variance(single), 10.0 / (49 * 8), 1e-15);  // ab / ((a+b)^2 (a+b+1))
  // Mean, variance and cdf of a two-component mixture by integrating its density on a grid.
  const auto pdf = [&](double p) { return mixture_pdf(kTwo, p); };
  const double m = grid_integral([&](double p) { return p * pdf(p); }, 0, 1);
  const double v = grid_integral([&](double p) { return (p - m) * (p - m) * pdf(p); }, 0, 1);
  EXPECT_NEAR(grid_integral(pdf, 0, 1), 1.0, 1e-9);
  EXPECT_NEAR(mixture_mean(kTwo), m, 1e-9);
  EXPECT_NEAR(mixture_variance(kTwo), v, 1e-9);
  for (double x : {0.1, 0.25, 0.4, 0.6, 0.8}) {
    EXPECT_NEAR(mixture_cdf(kTwo, x), grid_integral(pdf, 0, x), 1e-8) << x;
    EXPECT_NEAR(mixture_cdf(kTwo, x) + mixture_survival(kTwo, x), 1.0, 1e-14);
  }
  for (double q : {1e-6, 0.025, 0.3, 0.5, 0.975, 1 - 1e-6}) EXPECT_NEAR(mixture_cdf(kTwo, mixture_quantile(kTwo, q)), q, 1e-12) << q;
}

TEST(BetaMixture, ConjugateUpdateEqualsPriorTimesLikelihoodOnAGrid) {
  const BetaMixture prior = {{0.7, 12, 30}, {0.3, 1, 1}};
  for (const auto& [y, n] : {std::pair<int, int>{3, 40}, {25, 40}, {0, 10}}) {
    const auto unnorm = [&](double p) { return mixture_pdf(prior, p) * std::pow(p, y) * std::pow(1 - p, n - y); };
    const double z = grid_integral(unnorm, 0, 1);
    const BetaMixture post = posterior(prior, y, n);
    double wsum = 0;
    for (const auto& c : post) wsum += c.w;
    EXPECT_NEAR(wsum, 1.0, 1e-14);
    for (double p : {0.05, 0.2, 0.3, 0.5, 0.7}) EXPECT_NEAR(mixture_pdf(post, p), unnorm(p) / z, 1e-6 * (1 + unnorm(p) / z)) << y << " " << p;
    // The predictive probability of y is the normalising constant times the binomial coefficient.
    const double choose = std::exp(std::lgamma(n + 1.0) - std::lgamma(y + 1.0) - std::lgamma(n - y + 1.0));
    EXPECT_NEAR(predictive_pmf(prior, y, n), choose * z, 1e-8);
  }
  double total = 0;
  for (int y = 0; y <= 40; ++y) total += predictive_pmf(prior, y, 40);
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST(BetaMixture, RobustifyAddsTheWeightedUnitInformationComponent) {
  const BetaMixture rob = robustify(kTwo, 0.2, 0.5, 1);
  ASSERT_EQ(rob.size(), 3u);
  EXPECT_NEAR(rob[0].w, 0.48, 1e-15);
  EXPECT_NEAR(rob[1].w, 0.32, 1e-15);
  EXPECT_DOUBLE_EQ(rob[2].w, 0.2);
  EXPECT_DOUBLE_EQ(rob[2].a, 1.0);  // RBesT's robustify(mean = 1/2, n = 1): Beta(1, 1)
  EXPECT_DOUBLE_EQ(rob[2].b, 1.0);
  const BetaMixture centred = robustify(kTwo, 0.2, mixture_mean(kTwo), 1);
  EXPECT_NEAR(mixture_mean(centred), mixture_mean(kTwo), 1e-15);
  EXPECT_THROW(robustify(kTwo, 1.0, 0.5, 1), std::invalid_argument);
  EXPECT_THROW(normalised({{1, -1, 2}}), std::invalid_argument);
}

// EM on 10,000 draws of 0.6 Beta(20, 60) + 0.4 Beta(30, 15). Tolerances are 4 sampling sd of
// the estimates from N draws (the components barely overlap, so they behave as if labelled):
// weight sqrt(w (1 - w) / N) = 0.0049 -> 0.02; a component's mean sd_k / sqrt(N w_k)
// (0.048 / sqrt(6000) = 0.00062, 0.070 / sqrt(4000) = 0.0011) -> 0.0045; its a + b, whose
// MLE has relative sd about sqrt(2 / (N w_k)) (0.018, 0.022) -> 9% relative.
TEST(MixtureEm, RecoversAKnownTwoComponentMixtureAndAicPicksTwo) {
  const std::vector<double> draws = mixture_draws(kTwo, 10000, 20251203);
  std::vector<MixtureFit> all;
  const MixtureFit best = auto_mixture_fit(draws, 4, &all);
  ASSERT_EQ(all.size(), 4u);
  ASSERT_EQ(best.mix.size(), 2u) << "AIC: " << all[0].aic << " " << all[1].aic << " " << all[2].aic << " " << all[3].aic;
  EXPECT_TRUE(best.converged);
  EXPECT_GT(all[0].aic - all[1].aic, 100.0);  // one beta is far worse
  for (const auto& truth : kTwo) {
    const double mean = truth.a / (truth.a + truth.b);
    const auto it = std::min_element(best.mix.begin(), best.mix.end(), [&](const BetaComponent& x, const BetaComponent& y) {
      return std::abs(x.a / (x.a + x.b) - mean) < std::abs(y.a / (y.a + y.b) - mean);
    });
    EXPECT_NEAR(it->w, truth.w, 0.02);
    EXPECT_NEAR(it->a / (it->a + it->b), mean, 0.0045);
    EXPECT_NEAR((it->a + it->b) / (truth.a + truth.b), 1.0, 0.09);
  }
  // The fitted mixture is as close to the draws as the truth is: KS below the 1% critical value
  // 1.63 / sqrt(N), quantiles within 4 sampling sd of the draws' own.
  const MixtureAccuracy acc = mixture_accuracy(draws, best.mix);
  EXPECT_LT(acc.ks, 1.63 / std::sqrt(10000.0));
  EXPECT_NEAR(acc.mixture_q[1], mixture_quantile(kTwo, 0.5), 4 * 0.5 / mixture_pdf(kTwo, mixture_quantile(kTwo, 0.5)) / std::sqrt(10000.0));
}

TEST(MixtureEm, OneBetaIsItsMaximumLikelihoodFitAndEdgesAreHandled) {
  const BetaMixture truth = {{1.0, 3.5, 9}};
  const std::vector<double> draws = mixture_draws(truth, 10000, 7);
  const MixtureFit f = fit_beta_mixture(draws, 1);
  // The one-component EM is the beta MLE: its score is zero at the fit.
  double s1 = 0, s2 = 0;
  for (double x : draws) s1 += std::log(x), s2 += std::log1p(-x);
  s1 /= draws.size(), s2 /= draws.size();
  const double a = f.mix[0].a, b = f.mix[0].b;
  const auto dig = [](double x) {  // digamma by central difference of lgamma (1e-6 step, error ~1e-10)
    return (std::lgamma(x + 1e-6) - std::lgamma(x - 1e-6)) / 2e-6;
  };
  EXPECT_NEAR(dig(a + b) - dig(a) + s1, 0.0, 1e-6);
  EXPECT_NEAR(dig(a + b) - dig(b) + s2, 0.0, 1e-6);
  // A draw at exactly 0 or 1 (p_new rounds there for extreme logits) does not break the fit.
  std::vector<double> edged = draws;
  edged[0] = 0.0;
  edged[1] = 1.0;
  EXPECT_TRUE(std::isfinite(fit_beta_mixture(edged, 2).log_lik));
  EXPECT_THROW(fit_beta_mixture({0.1, 0.2}, 1), std::invalid_argument);
}

}  // namespace
}  // namespace hbm::design
