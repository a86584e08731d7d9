// The many-chain HMC posterior of the single-arm model agrees with independent numerical
// quadrature (tests/fixtures/reference/, copied from the project's validation references) on
// pritz1997 (14 studies) and hannum2020 (35 studies), with tau ~ half-normal(1) and
// half-Cauchy(0.5), mu ~ normal(0, 10).
//
// Tolerance: |hbmeta - reference| <= 4 * MCSE of that statistic in this run (mean: sd/sqrt(ESS);
// sd: delta method on the squared deviations; quantiles: posterior's mcse_quantile). The
// quadrature's own error is far below that. With ~40 comparisons per dataset, 4 MCSE makes a
// false alarm of a correct sampler unlikely (two-sided normal tail 6e-5 each), while a bias of a
// few MCSE (e.g. a missing Jacobian, a wrong prior scale, a funnel the sampler cannot enter)
// fails. The seed is fixed, so the test is deterministic.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "host/io/csv_reader.hpp"
#include "host/fit/outcome_fit.hpp"
#include "support/mcse.hpp"
#include "support/mini_json.hpp"

namespace {

using hbm::test::Json;

constexpr double kZ = 4.0;

struct RefCase {
  const char* dataset;
  const char* prior_file;  // suffix of the json
  hbm::Prior tau_prior;
  hbm::Algorithm algorithm = hbm::Algorithm::Hmc;
};

void PrintTo(const RefCase& c, std::ostream* os) {
  *os << c.dataset << "__" << c.prior_file << (c.algorithm == hbm::Algorithm::Gibbs ? " (gibbs)" : "");
}

class SamplerMatchesQuadrature : public ::testing::TestWithParam<RefCase> {};

TEST_P(SamplerMatchesQuadrature, PosteriorSummariesWithinMcse) {
  const RefCase& rc = GetParam();
  const std::string dir = std::string(HBMETA_FIXTURES) + "/reference/";
  const auto outcomes = hbm::read_outcomes(dir + rc.dataset + ".csv");
  ASSERT_EQ(outcomes.size(), 1u);
  const Json ref = Json::parse_file(dir + rc.dataset + "__" + rc.prior_file + ".json");

  hbm::FitOptions opt;
  opt.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};
  opt.prior_tau = rc.tau_prior;
  opt.sampler.chains = 32;
  opt.sampler.warmup = 1000;
  opt.sampler.draws = 1500;
  opt.sampler.seed = 4242;
  opt.sampler.algorithm = rc.algorithm;
  hbm::ThreadPool pool(2);
  const hbm::OutcomeResult r = hbm::fit_single_arm(outcomes[0], opt, pool);
  const std::size_t C = static_cast<std::size_t>(r.chains);

  EXPECT_EQ(r.diagnostics.divergences, 0);
  EXPECT_LT(r.diagnostics.max_rhat, 1.01);
  // E-BFMI (HMC only; Gibbs has no energy): well above Betancourt's 0.3 on these posteriors.
  if (rc.algorithm == hbm::Algorithm::Hmc) EXPECT_GT(r.diagnostics.min_ebfmi, 0.3);
  else EXPECT_TRUE(std::isnan(r.diagnostics.min_ebfmi));

  auto check = [&](const char* param, const char* ref_key, bool has_mean, bool has_sd, double ref_sd) {
    const hbm::ParamSummary* s = r.find(param);
    ASSERT_NE(s, nullptr) << param;
    const auto m = hbm::test::mcse_of(hbm::test::draws_of(r, param), C);
    const Json& q = ref[ref_key]["quantiles"];
    EXPECT_NEAR(s->q[0], q["0.025"].num(), kZ * m.q025) << param << " q2.5";
    EXPECT_NEAR(s->q[3], q["0.5"].num(), kZ * m.q50) << param << " q50";
    EXPECT_NEAR(s->q[6], q["0.975"].num(), kZ * m.q975) << param << " q97.5";
    if (has_mean) EXPECT_NEAR(s->mean, ref[ref_key]["mean"].num(), kZ * m.mean) << param << " mean";
    if (has_sd) EXPECT_NEAR(s->sd, ref_sd, kZ * m.sd) << param << " sd";
  };
  const double mu_sd = ref["mu"]["sd"].num(), tau_sd = ref["tau"]["sd"].num(), tau_mean = ref["tau"]["mean"].num();
  check("mu", "mu", true, true, mu_sd);
  check("tau", "tau", true, true, tau_sd);
  // Var(theta_new) = Var(mu) + E[tau^2] (law of total variance), from the reference's moments.
  check("theta_new", "theta_new", true, true, std::sqrt(mu_sd * mu_sd + tau_sd * tau_sd + tau_mean * tau_mean));
  check("p_pooled", "pooled_p", true, false, 0);
  check("p_new", "p_new", false, false, 0);

  const Json& studies = ref["studies"];
  ASSERT_EQ(studies.size(), r.studies.size());
  for (std::size_t i = 0; i < r.studies.size(); ++i) {
    EXPECT_NEAR(r.studies[i].natural.mean, studies[i]["p_mean"].num(), kZ * r.studies[i].natural.mcse_mean) << "study " << i;
    EXPECT_NEAR(r.studies[i].theta.mean, studies[i]["theta_mean"].num(), kZ * r.studies[i].theta.mcse_mean) << "study " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Reference, SamplerMatchesQuadrature,
    ::testing::Values(RefCase{"pritz1997", "hn1", {hbm::PriorKind::HalfNormal, 0, 1.0}},
                      RefCase{"pritz1997", "hc05", {hbm::PriorKind::HalfCauchy, 0, 0.5}},
                      RefCase{"hannum2020", "hn1", {hbm::PriorKind::HalfNormal, 0, 1.0}},
                      RefCase{"hannum2020", "hc05", {hbm::PriorKind::HalfCauchy, 0, 0.5}},
                      // The Gibbs sampler (Pólya-Gamma augmentation) against the same references.
                      RefCase{"pritz1997", "hn1", {hbm::PriorKind::HalfNormal, 0, 1.0}, hbm::Algorithm::Gibbs},
                      RefCase{"pritz1997", "hc05", {hbm::PriorKind::HalfCauchy, 0, 0.5}, hbm::Algorithm::Gibbs},
                      RefCase{"hannum2020", "hn1", {hbm::PriorKind::HalfNormal, 0, 1.0}, hbm::Algorithm::Gibbs},
                      RefCase{"hannum2020", "hc05", {hbm::PriorKind::HalfCauchy, 0, 0.5}, hbm::Algorithm::Gibbs}),
    [](const ::testing::TestParamInfo<RefCase>& i) {
      return std::string(i.param.dataset) + "_" + i.param.prior_file +
             (i.param.algorithm == hbm::Algorithm::Gibbs ? "_gibbs" : "");
    });

}  // namespace
