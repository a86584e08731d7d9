// Decision rules and exact operating characteristics of hbmeta design
// (host/design/decision_rule.hpp, host/design/operating_characteristics.hpp): the posterior
// probability against an independent integral, the boundary against every outcome decided one
// by one, the exact OC and assurance against brute-force Monte Carlo of the rule (2e5 simulated
// trials here; scripts/reference/design_oc_mc.R runs 1e6 of them, tests/fixtures/design/README.md),
// and closed-form boundary cases.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "host/design/beta_mixture.hpp"
#include "host/design/decision_rule.hpp"
#include "host/design/operating_characteristics.hpp"

namespace hbm::design {
namespace {

// P(p_t - p_c > delta) the other way round from the code: integral over p_t of f_t(x) F_c(x - delta)
// (log OR: F_c(h^-1(x))), Simpson's rule on 20,000 intervals (error O(h^4 f''''), ~1e-9 for these
// densities, whose sd is at least 0.05).
double prob_by_grid(const BetaMixture& t, const BetaMixture& c, double delta, EffectScale scale) {
  const int n = 20000;
  const auto g = [&](double x) { return mixture_pdf(t, x) * mixture_cdf(c, shifted_rate(x, -delta, scale)); };
  double s = g(0) + g(1);
  for (int i = 1; i < n; ++i) s += (i % 2 ? 4 : 2) * g(static_cast<double>(i) / n);
  return s / (3.0 * n);
}

const BetaMixture kMap = {{0.55, 18, 52}, {0.25, 7, 9}, {0.2, 1, 1}};  // a robust 2-component MAP
const BetaMixture kFlat = {{1.0, 1, 1}};

TEST(DesignDecision, PosteriorProbabilityEqualsAnIndependentIntegral) {
  for (const auto& [y_t, y_c] : {std::pair<int, int>{12, 8}, {3, 9}}) {
    const BetaMixture pt = posterior(kFlat, y_t, 30), pc = posterior(kMap, y_c, 30);
    for (double delta : {0.0, 0.1}) {
      EXPECT_NEAR(prob_effect_exceeds(pt, pc, delta, EffectScale::Difference),
                  prob_by_grid(pt, pc, delta, EffectScale::Difference), 1e-7)
          << y_t << " " << y_c << " " << delta;
    }
    EXPECT_NEAR(prob_effect_exceeds(pt, pc, 0.5, EffectScale::LogOddsRatio),
                prob_by_grid(pt, pc, 0.5, EffectScale::LogOddsRatio), 1e-7);
  }
}

// Same flat prior on both arms, n_t = n_c, delta = 0: by symmetry P(p_t > p_c | data) > 1/2
// exactly when y_t > y_c, so the boundary is y_c + 1 and P(success) = (1 - P(Y_t = Y_c)) / 2 when
// p_t = p_c. c = 1/2 + 1e-6 keeps the tie (P = 1/2 exactly) on the failing side.
TEST(DesignOc, SymmetricPriorsAtOneHalfGiveTheClosedFormBoundary) {
  const int n = 25;
  for (EffectScale scale : {EffectScale::Difference, EffectScale::LogOddsRatio}) {
    const DecisionRule rule{scale, {{0.0, 0.5 + 1e-6}}};
    const std::vector<int> b = decision_boundary(n, n, mixture_success(kFlat, kFlat, rule, n, n));
    for (int y = 0; y <= n; ++y) EXPECT_EQ(b[y], y + 1) << y;
    for (double p : {0.1, 0.35, 0.5}) {
      double tie = 0;
      for (int y = 0; y <= n; ++y) tie += binomial_pmf(y, n, p) * binomial_pmf(y, n, p);
      EXPECT_NEAR(prob_success(b, n, p, p), (1 - tie) / 2, 1e-12);
    }
  }
}

// n_t = n_c = 0: the priors alone decide, the same way for every true rate.
TEST(DesignOc, WithoutDataThePriorsAloneDecide) {
  const BetaMixture high = {{1.0, 30, 10}}, low = {{1.0, 10, 30}};
  const DecisionRule rule;
  const auto yes = decision_boundary(0, 0, mixture_success(high, low, rule, 0, 0));
  const auto no = decision_boundary(0, 0, mixture_success(low, high, rule, 0, 0));
  EXPECT_EQ(yes[0], 0);
  EXPECT_EQ(no[0], 1);
  for (double p : {0.0, 0.3, 1.0}) {
    EXPECT_DOUBLE_EQ(prob_success(yes, 0, p, 0.5), 1.0);
    EXPECT_DOUBLE_EQ(prob_success(no, 0, p, 0.5), 0.0);
  }
}

// Every (y_t, y_c) decided on its own, then 2e5 simulated trials looked up in that table:
// the exact OC within 4 binomial MCSE, sqrt(P (1 - P) / 2e5) (at most 0.0045), of the simulated
// frequency; assurance likewise with the rates drawn from the design priors.
TEST(DesignOc, ExactOcAndAssuranceEqualBruteForceMonteCarlo) {
  const int n_t = 24, n_c = 16;
  const DecisionRule rule{EffectScale::Difference, {{0.0, 0.95}, {0.1, 0.5}}};  // dual criteria
  const SuccessFn success = mixture_success(kFlat, kMap, rule, n_t, n_c);
  std::vector<std::vector<char>> table(n_c + 1, std::vector<char>(n_t + 1));
  for (int yc = 0; yc <= n_c; ++yc)
    for (int yt = 0; yt <= n_t; ++yt) table[yc][yt] = success(yt, yc);
  const std::vector<int> b = decision_boundary(n_t, n_c, success);
  for (int yc = 0; yc <= n_c; ++yc)  // the boundary is the table's, and success is monotone in y_t
    for (int yt = 0; yt <= n_t; ++yt) EXPECT_EQ(table[yc][yt] != 0, yt >= b[yc]) << yt << " " << yc;

  std::mt19937_64 rng(42);
  const int sims = 200000;
  const auto mc = [&](auto draw_rates) {
    long hits = 0;
    for (int s = 0; s < sims; ++s) {
      const auto [pt, pc] = draw_rates();
      std::binomial_distribution<int> bt(n_t, pt), bc(n_c, pc);
      const int yt = bt(rng), yc = bc(rng);
      hits += table[yc][yt];
    }
    return static_cast<double>(hits) / sims;
  };
  const auto tol = [&](double p) { return 4 * std::sqrt(std::max(p * (1 - p), 1e-6) / sims); };
  for (const auto& [pt, pc] : {std::pair<double, double>{0.26, 0.26}, {0.5, 0.26}, {0.6, 0.3}}) {
    const double exact = prob_success(b, n_t, pt, pc);
    EXPECT_NEAR(mc([&] { return std::pair<double, double>{pt, pc}; }), exact, tol(exact)) << pt << " " << pc;
  }
  const BetaMixture design_t = {{1.0, 25, 25}};
  std::gamma_distribution<double> g;
  const auto beta_draw = [&](const BetaMixture& mix) {
    std::uniform_real_distribution<double> u(0, 1);
    double r = u(rng), acc = 0;
    std::size_t k = 0;
    while (k + 1 < mix.size() && r > (acc += mix[k].w)) ++k;
    std::gamma_distribution<double> ga(mix[k].a), gb(mix[k].b);
    const double x = ga(rng), y = gb(rng);
    return x / (x + y);
  };
  const double ind = assurance_independent(b, n_t, design_t, kMap);
  EXPECT_NEAR(mc([&] { return std::pair<double, double>{beta_draw(design_t), beta_draw(kMap)}; }), ind, tol(ind));
  const double shifted = assurance_shifted(b, n_t, kMap, 0.2, EffectScale::Difference);
  EXPECT_NEAR(mc([&] {
                const double pc = beta_draw(kMap);
                return std::pair<double, double>{std::min(1.0, pc + 0.2), pc};
              }),
              shifted, tol(shifted));
}

TEST(DesignOc, TypeOneErrorAtEqualRatesIsSmallAndPowerGrowsWithTheEffect) {
  const int n = 60;
  const DecisionRule rule;  // 0:0.975 on the difference
  const std::vector<int> b = decision_boundary(n, n, mixture_success(kFlat, kFlat, rule, n, n));
  for (double p : {0.1, 0.3, 0.5}) EXPECT_LT(prob_success(b, n, p, p), 0.035) << p;  // about 2.5%, discreteness
  double last = 0;
  for (double d : {0.0, 0.1, 0.2, 0.3}) {
    const double power = prob_success(b, n, 0.3 + d, 0.3);
    EXPECT_GT(power, last);
    last = power;
  }
}

TEST(DesignOc, SmallestNFindsTheFirstNReachingTheTarget) {
  const auto metric = [](int n) { return 1 - std::exp(-n / 50.0); };
  EXPECT_EQ(smallest_n(10, 5000, 0.8, metric), static_cast<int>(std::ceil(50 * std::log(5.0))));
  EXPECT_EQ(smallest_n(1000, 5000, 0.8, metric), 81);
  EXPECT_EQ(smallest_n(10, 60, 0.8, metric), -1);
}

}  // namespace
}  // namespace hbm::design
