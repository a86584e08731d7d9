// Power-scaling prior sensitivity (host/fit/prior_sensitivity.hpp) and the warnings built on it.
//
// 1. Against the closed form of a conjugate normal model: prior mu ~ N(0, 1), one observation
//    y = 2 with unit variance, posterior N(2 / (1 + alpha), 1 / (1 + alpha)) when the prior is
//    raised to the power alpha. The estimate (importance weights on iid posterior draws) must
//    equal the exact central difference of the 2.5% and 97.5% quantiles at alpha = exp(+-0.1),
//    in posterior sd: within 4 standard errors over 8 independent draw sets.
// 2. On data: five studies with 0 of 60 events each: the lower bound of the pooled rate is the
//    prior's (sensitivity far above 0.5) and the warnings name both bounds and the exact interval
//    of all events, [0, 0.01222] (0 of 300: 1 - 0.025^(1/300)); pritz1997 (14 studies): the
//    pooled rate's bounds are the data's (sensitivity far below 0.5), tau's upper bound is flagged
//    (under half-normal(1) it moves from 1.21 to 1.59 to 1.84 as the prior scale goes 0.5, 1, 2).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "host/io/csv_reader.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/fit/prior_sensitivity.hpp"
#include "host/support/thread_pool.hpp"
#include "support/cli_runner.hpp"

namespace {

double normal_quantile_975() { return 1.959963984540054; }

TEST(PriorSensitivity, MatchesTheConjugateNormalClosedForm) {
  const double z = normal_quantile_975(), d = 0.1;
  const auto q = [&](double alpha, double sign) { return 2 / (1 + alpha) + sign * z / std::sqrt(1 + alpha); };
  const double sd = 1 / std::sqrt(2.0);
  const double want_lo = (q(std::exp(d), -1) - q(std::exp(-d), -1)) / (2 * d) / sd;
  const double want_hi = (q(std::exp(d), 1) - q(std::exp(-d), 1)) / (2 * d) / sd;
  // The derivative itself, f ((m0 - mean) / sd - z / 2) with f = 1/2 (header comment): the
  // difference above is within O(d^2) of it.
  EXPECT_NEAR(want_lo, 0.5 * (-1 / sd + z / 2), 0.01);
  EXPECT_NEAR(want_hi, 0.5 * (-1 / sd - z / 2), 0.01);
  const int sets = 8;
  double s_lo = 0, s_hi = 0, ss_lo = 0, ss_hi = 0;
  for (int k = 0; k < sets; ++k) {
    std::mt19937_64 gen(1000 + k);
    std::normal_distribution<double> post(1.0, sd);
    std::vector<double> mu(100000), lp(mu.size());
    for (std::size_t i = 0; i < mu.size(); ++i) {
      mu[i] = post(gen);
      lp[i] = -0.5 * mu[i] * mu[i];
    }
    const hbm::TailSensitivity s = hbm::power_scaling_sensitivity(mu, lp);
    s_lo += s.lower;
    s_hi += s.upper;
    ss_lo += s.lower * s.lower;
    ss_hi += s.upper * s.upper;
  }
  const double m_lo = s_lo / sets, m_hi = s_hi / sets;
  const double se_lo = std::sqrt((ss_lo / sets - m_lo * m_lo) / (sets - 1)),
               se_hi = std::sqrt((ss_hi / sets - m_hi * m_hi) / (sets - 1));
  EXPECT_NEAR(m_lo, want_lo, 4 * se_lo + 1e-3) << "se " << se_lo;
  EXPECT_NEAR(m_hi, want_hi, 4 * se_hi + 1e-3) << "se " << se_hi;
}

hbm::OutcomeResult fit_file(const std::string& path) {
  const auto outcomes = hbm::read_outcomes(path);
  EXPECT_EQ(outcomes.size(), 1u);
  hbm::FitOptions opt;
  opt.sampler.seed = 20261206;
  hbm::ThreadPool pool(2);
  return hbm::fit_outcome(outcomes.at(0), opt, pool);
}

const hbm::RunDiagnostics::Sensitivity* find(const hbm::OutcomeResult& r, const std::string& quantity) {
  for (const auto& s : r.diagnostics.prior_sensitivity)
    if (s.quantity == quantity) return &s;
  return nullptr;
}

bool warned(const hbm::OutcomeResult& r, const std::string& text) {
  for (const auto& w : r.warnings)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

TEST(PriorSensitivity, AllZeroDataWarnsOfBothBoundsAndNamesTheExactInterval) {
  const auto dir = hbm::test::fresh_temp_dir("prior-sens");
  const std::string path = (dir / "zero.csv").string();
  hbm::test::write_text(dir / "zero.csv", "study,events,total\nA,0,60\nB,0,60\nC,0,60\nD,0,60\nE,0,60\n");
  const hbm::OutcomeResult r = fit_file(path);
  const auto* mu = find(r, "mu");
  ASSERT_NE(mu, nullptr);
  EXPECT_GT(std::fabs(mu->lower), hbm::kPriorDrivenSensitivity);
  EXPECT_TRUE(warned(r, "both 95% bounds of the pooled rate reflect the mu prior normal(0,2.5)"));
  EXPECT_TRUE(warned(r, "[0, 0.01222] (0 of 300)"));
  EXPECT_TRUE(warned(r, "95% bounds set largely by the mu prior normal(0,2.5): the lower bound of the pooled rate"));
}

TEST(PriorSensitivity, Pritz1997PooledRateIsTheDatasAndTauUpperBoundThePriors) {
  const hbm::OutcomeResult r = fit_file(std::string(HBMETA_FIXTURES) + "/reference/pritz1997.csv");
  const auto *mu = find(r, "mu"), *tau = find(r, "tau");
  ASSERT_NE(mu, nullptr);
  ASSERT_NE(tau, nullptr);
  // Far below the threshold (0.04 and 0.14 under the default normal(0,2.5): the prior carries
  // about 2% of mu's precision, f ((m0 - mean) / sd -+ 0.98) with f = 0.02 and mean / sd = 4).
  EXPECT_LT(std::fabs(mu->lower), 0.25);
  EXPECT_LT(std::fabs(mu->upper), 0.25);
  EXPECT_GT(std::fabs(tau->upper), hbm::kPriorDrivenSensitivity);
  EXPECT_FALSE(warned(r, "by the mu prior"));
  EXPECT_TRUE(warned(r, "95% bounds set largely by the tau prior half-normal(1): the upper bound of tau"));
}

}  // namespace
