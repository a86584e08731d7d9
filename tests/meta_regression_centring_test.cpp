// Meta-regression puts --prior-mu where the data are: every numeric covariate is centred at the
// studies' mean inside the model (host/fit/covariate_design.hpp), so mu is the effect there and its
// normal(0,10) prior cannot pin the slope, and the sampler sees each numeric covariate scaled
// by its sd, so a covariate in the millions samples as well as one in years. Coefficients come
// back on the user's scale and their priors mean what they say on that scale.
//
// Data: the BCG trials (metadat's dat.bcg) with publication year 1948-1980
// (tests/fixtures/reference/bcg_year.csv, scripts/reference/bcg_year_data.R). With the
// intercept at year 0 this fit did not converge at default settings and, run longer, gave
// beta[year] 0.002 [-0.008, 0.012] (prior-pinned) against metafor's 0.031 [-0.002, 0.063].
// Reference: rstan, 4 x 25,000 draws of the same model with the intercept at the mean year
// (tests/fixtures/reference/bcg_year__regression.json, scripts/reference/two_arm_regression.R),
// and metafor's REML fit on the centred year in the same file. Tolerances as in
// two_arm_reference_test.cpp: 4 sqrt(mcse_ours^2 + mcse_ref^2), mcse_ref from the ESS ratio.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "host/io/csv_reader.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/support/thread_pool.hpp"
#include "support/mcse.hpp"
#include "support/mini_json.hpp"

namespace {

using hbm::test::Json;

constexpr double kZ = 4.0;
const std::string kRef = std::string(HBMETA_FIXTURES) + "/reference/";

const Json* find_row(const Json& summary, const std::string& variable) {
  for (std::size_t k = 0; k < summary.size(); ++k)
    if (summary[k]["variable"].str() == variable) return &summary[k];
  return nullptr;
}

hbm::OutcomeData bcg_year() {
  auto outcomes = hbm::read_outcomes(kRef + "bcg_year.csv", {"year"}, {"ablat"});
  EXPECT_EQ(outcomes.size(), 1u);
  return outcomes.at(0);
}

// The posterior of `param` (draws multiplied by `factor`) against the Stan row `ref_name`.
void expect_matches_stan(const hbm::OutcomeResult& r, const std::string& param, const std::string& ref_name,
                         double factor = 1.0) {
  const Json ref = Json::parse_file(kRef + "bcg_year__regression.json");
  const Json* row = find_row(ref["summary"], ref_name);
  ASSERT_NE(row, nullptr) << ref_name;
  const hbm::ParamSummary* s = r.find(param);
  ASSERT_NE(s, nullptr) << param;
  const auto m = hbm::test::mcse_of(hbm::test::draws_of(r, param), static_cast<std::size_t>(r.chains));
  const double bulk = std::sqrt(s->ess_bulk / (*row)["ess_bulk"].num());
  const double tail = std::sqrt(s->ess_tail / (*row)["ess_tail"].num());
  auto tol = [&](double ours, double ratio) { return kZ * factor * ours * std::sqrt(1.0 + ratio * ratio); };
  EXPECT_NEAR(factor * s->mean, (*row)["mean"].num(), tol(m.mean, bulk)) << param << " mean";
  EXPECT_NEAR(factor * s->sd, (*row)["sd"].num(), tol(m.sd, bulk)) << param << " sd";
  EXPECT_NEAR(factor * s->q[0], (*row)["2.5%"].num(), tol(m.q025, tail)) << param << " q2.5";
  EXPECT_NEAR(factor * s->q[3], (*row)["50%"].num(), tol(m.q50, bulk)) << param << " q50";
  EXPECT_NEAR(factor * s->q[6], (*row)["97.5%"].num(), tol(m.q975, tail)) << param << " q97.5";
}

hbm::OutcomeResult fit(const hbm::OutcomeData& data, const hbm::FitOptions& opt) {
  hbm::ThreadPool pool(2);
  return hbm::fit_outcome(data, opt, pool);
}

TEST(MetaRegressionCentring, YearCovariateConvergesAtDefaultsAndMatchesStanAndMetafor) {
  const hbm::OutcomeData data = bcg_year();
  hbm::FitOptions opt;  // the command line's sampler defaults: 16 x (500 + 1000)
  opt.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};  // the reference's (the default is normal(0,2.5))
  opt.sampler.seed = 20261202;
  const hbm::OutcomeResult r = fit(data, opt);
  EXPECT_LT(r.diagnostics.max_rhat, 1.01);
  ASSERT_EQ(r.mu_at.size(), 1u);
  EXPECT_EQ(r.mu_at[0].column, "year");
  const Json ref = Json::parse_file(kRef + "bcg_year__regression.json");
  EXPECT_NEAR(r.mu_at[0].value, ref["covariate_mean"].num(), 1e-12);
  expect_matches_stan(r, "mu", "mu");
  expect_matches_stan(r, "beta[year]", "beta");
  expect_matches_stan(r, "tau", "tau");
  // The classical regression beside it has its intercept at the same mean year: metafor's REML
  // on the centred column (the slope is the uncentred fit's).
  const Json& w = ref["metafor_reml"];
  ASSERT_TRUE(r.has_regression);
  for (int j = 0; j < 2; ++j) {
    EXPECT_NEAR(r.regression.beta[j], w["beta"][j].num(), 1e-6 * std::fabs(w["beta"][j].num())) << j;
    EXPECT_NEAR(r.regression.se[j], w["se"][j].num(), 1e-6 * w["se"][j].num()) << j;
    EXPECT_NEAR(r.regression.ci_lb[j], w["ci_lb"][j].num(), 1e-6 * std::fabs(w["ci_lb"][j].num())) << j;
    EXPECT_NEAR(r.regression.ci_ub[j], w["ci_ub"][j].num(), 1e-6 * std::fabs(w["ci_ub"][j].num())) << j;
  }
  EXPECT_NEAR(r.regression.tau2, w["tau2"].num(), 1e-6 * w["tau2"].num());
}

// The classical side of the like-with-like comparison at a new clinic: metafor's
// predict(rma(...), newmods = 1980 - mean(year)) for test = "z" and "knha" (fitted value, its
// se and CI, the prediction interval), to 1e-6; and the posterior's fitted_new there is
// mu + (1980 - mean) beta, draw by draw.
TEST(MetaRegressionCentring, ClassicalPredictionAtTheNewClinicMatchesMetafor) {
  const hbm::OutcomeData data = bcg_year();
  hbm::FitOptions opt;
  opt.sampler.seed = 20261205;
  opt.sampler.chains = 4;
  opt.sampler.draws = 200;
  opt.frequentist = hbm::FrequentistLevel::All;
  opt.new_clinic = {{"year", "1980"}};
  const hbm::OutcomeResult r = fit(data, opt);
  const Json p = Json::parse_file(kRef + "bcg_year__regression.json")["metafor_predict"];
  ASSERT_EQ(p["at"].num(), 1980);
  const struct {
    const hbm::freq::RegressionPrediction& got;
    const char* test;
  } cases[] = {{r.regression_pred, "z"}, {r.regression_knha_pred, "knha"}};
  for (const auto& c : cases) {
    const Json& w = p[c.test];
    EXPECT_NEAR(c.got.pred, w["pred"].num(), 1e-6 * std::fabs(w["pred"].num())) << c.test;
    EXPECT_NEAR(c.got.se, w["se"].num(), 1e-6 * w["se"].num()) << c.test;
    for (const char* f : {"ci_lb", "ci_ub", "pi_lb", "pi_ub"}) {
      const double got = std::string(f) == "ci_lb"   ? c.got.ci_lb
                         : std::string(f) == "ci_ub" ? c.got.ci_ub
                         : std::string(f) == "pi_lb" ? c.got.pi_lb
                                                     : c.got.pi_ub;
      EXPECT_NEAR(got, w[f].num(), 1e-6 * std::fabs(w[f].num())) << c.test << " " << f;
    }
  }
  const auto mu = hbm::test::draws_of(r, "mu"), beta = hbm::test::draws_of(r, "beta[year]"),
             fitted = hbm::test::draws_of(r, "fitted_new");
  const double mean = r.mu_at[0].value;
  ASSERT_EQ(fitted.size(), mu.size());
  for (std::size_t k = 0; k < mu.size(); ++k)
    EXPECT_NEAR(fitted[k], mu[k] + (1980 - mean) * beta[k], 1e-12 * (1 + std::fabs(fitted[k]))) << k;
}

// The same trials with the covariate in units of 1e-4 year (values near 2e7): the same
// posterior, beta scaled by 1e4 (the normal(0,10) prior is negligible on both scales: the
// posterior sd of beta[year] is 0.019).
TEST(MetaRegressionCentring, CovariateInTheMillionsGivesTheSamePosterior) {
  hbm::OutcomeData data = bcg_year();
  for (double& v : data.x) v *= 1e4;
  hbm::FitOptions opt;
  opt.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};  // the reference's
  opt.sampler.seed = 20261203;
  opt.frequentist = hbm::FrequentistLevel::None;
  const hbm::OutcomeResult r = fit(data, opt);
  EXPECT_LT(r.diagnostics.max_rhat, 1.01);
  EXPECT_NEAR(r.mu_at[0].value, 1e4 * Json::parse_file(kRef + "bcg_year__regression.json")["covariate_mean"].num(),
              1e-3);
  expect_matches_stan(r, "mu", "mu");
  expect_matches_stan(r, "beta[year]", "beta", 1e4);
  expect_matches_stan(r, "tau", "tau");
}

// --prior-beta is a prior on the user's coefficient although the sampler sees beta sd(year):
// a tight normal(0.05, 0.001) dominates the likelihood (sd 0.019), so the posterior is close to
// the normal-normal update of the likelihood's normal approximation (mean 0.0318, sd 0.0186 from
// the Stan reference, a flat-prior proxy): mean 0.04995, sd 0.000999. The approximation error is
// far below the 2% of sd allowed on top of 4 MCSE; a prior applied on the sampler's scale (sd
// 10.9 years) would put beta near 0.0046.
TEST(MetaRegressionCentring, CoefficientPriorIsOnTheUsersScale) {
  const hbm::OutcomeData data = bcg_year();
  hbm::FitOptions opt;
  opt.sampler.seed = 20261204;
  opt.frequentist = hbm::FrequentistLevel::None;
  opt.prior_beta_named.emplace_back("year", hbm::Prior{hbm::PriorKind::Normal, 0.05, 0.001});
  const hbm::OutcomeResult r = fit(data, opt);
  const double lik_mean = 0.0318, lik_sd = 0.0186, p_mean = 0.05, p_sd = 0.001;
  const double prec = 1 / (lik_sd * lik_sd) + 1 / (p_sd * p_sd);
  const double want_mean = (lik_mean / (lik_sd * lik_sd) + p_mean / (p_sd * p_sd)) / prec, want_sd = std::sqrt(1 / prec);
  const hbm::ParamSummary* s = r.find("beta[year]");
  ASSERT_NE(s, nullptr);
  const auto m = hbm::test::mcse_of(hbm::test::draws_of(r, "beta[year]"), static_cast<std::size_t>(r.chains));
  EXPECT_NEAR(s->mean, want_mean, kZ * m.mean + 0.02 * want_sd);
  EXPECT_NEAR(s->sd, want_sd, kZ * m.sd + 0.02 * want_sd);
}

}  // namespace
