// Extreme but valid data converge and agree with quadrature:
//  - large n: 8 studies of 85,000-380,000 (tests/fixtures/large_n.csv), where a purely
//    non-centred parametrisation mixes badly; hbmeta centres these studies;
//  - rare events: 12 studies of 38-270 with 8 zero-event studies (tests/fixtures/rare_events.csv).
// Requirements from the issue: R-hat < 1.01, bulk ESS > 400 for mu and tau, no divergences.
// Agreement with tests/support/quadrature.cpp within 4 MCSE (see sampler_reference_test.cpp for
// the reasoning behind the tolerance).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "host/io/csv_reader.hpp"
#include "host/fit/outcome_fit.hpp"
#include "support/mcse.hpp"
#include "support/quadrature.hpp"

namespace {

constexpr double kZ = 4.0;


void fit_and_compare(const std::string& file, int expect_centred_at_least, int expect_centred_at_most,
                     hbm::Algorithm algorithm = hbm::Algorithm::Hmc) {
  const auto outcomes = hbm::read_outcomes(std::string(HBMETA_FIXTURES) + "/" + file);
  ASSERT_EQ(outcomes.size(), 1u);
  hbm::FitOptions opt;  // defaults (tau ~ half-normal(1), 16 chains x 1000) but the quadrature's mu prior
  opt.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};  // the quadrature's (the default is normal(0,2.5))
  opt.sampler.seed = 777;
  opt.sampler.algorithm = algorithm;
  if (algorithm == hbm::Algorithm::Gibbs) {
    // Gibbs draws are cheaper but more autocorrelated on rare events: more of them.
    opt.sampler.chains = 32;
    opt.sampler.draws = 2000;
  }
  hbm::ThreadPool pool(2);
  const hbm::OutcomeResult r = hbm::fit_single_arm(outcomes[0], opt, pool);

  EXPECT_EQ(r.diagnostics.divergences, 0);
  EXPECT_LT(r.diagnostics.max_rhat, 1.01);
  EXPECT_GT(r.find("mu")->ess_bulk, 400);
  EXPECT_GT(r.find("tau")->ess_bulk, 400);
  EXPECT_GE(r.diagnostics.centred_studies, expect_centred_at_least);
  EXPECT_LE(r.diagnostics.centred_studies, expect_centred_at_most);

  std::vector<hbm::test::QuadStudy> st;
  for (const auto& s : outcomes[0].studies) st.push_back({s.events, s.total});
  hbm::test::QuadOptions qo;
  qo.log_prior_tau = [](double t) { return -0.5 * t * t; };
  const auto q = hbm::test::single_arm_quadrature(st, qo);

  const std::size_t C = static_cast<std::size_t>(r.chains);
  // Predictive quantities (moments false: theta_new's quantiles too): the quantiles' MCSE is the
  // larger of the ESS-based one and the chains' spread (tests/support/mcse.hpp says why).
  auto check = [&](const char* name, const hbm::test::QuadSummary& ref, bool moments, bool predictive = false) {
    const hbm::ParamSummary* s = r.find(name);
    const std::vector<double> draws = hbm::test::draws_of(r, name);
    auto m = hbm::test::mcse_of(draws, C);
    if (predictive) {
      m.q025 = std::max(m.q025, hbm::test::chain_spread_mcse_quantile(draws, C, 0.025));
      m.q50 = std::max(m.q50, hbm::test::chain_spread_mcse_quantile(draws, C, 0.5));
      m.q975 = std::max(m.q975, hbm::test::chain_spread_mcse_quantile(draws, C, 0.975));
    }
    EXPECT_NEAR(s->q[0], ref.q025, kZ * m.q025) << name;
    EXPECT_NEAR(s->q[3], ref.q50, kZ * m.q50) << name;
    EXPECT_NEAR(s->q[6], ref.q975, kZ * m.q975) << name;
    if (moments) {
      EXPECT_NEAR(s->mean, ref.mean, kZ * m.mean) << name;
      EXPECT_NEAR(s->sd, ref.sd, kZ * m.sd) << name;
    }
  };
  check("mu", q.mu, true);
  check("tau", q.tau, true);
  check("theta_new", q.theta_new, true, true);
  check("p_new", q.p_new, false, true);
  for (std::size_t i = 0; i < r.studies.size(); ++i)
    EXPECT_NEAR(r.studies[i].natural.mean, q.study_p_mean[i], kZ * r.studies[i].natural.mcse_mean) << "study " << i;
}

TEST(ExtremeData, LargeStudiesConvergeAndMatchQuadrature) { fit_and_compare("large_n.csv", 8, 8); }

TEST(ExtremeData, RareEventsConvergeAndMatchQuadrature) { fit_and_compare("rare_events.csv", 0, 0); }

// The Gibbs sampler on the same data (every study is "centred" in its report: Gibbs works in
// the centred coordinates and interweaves the non-centred ones).
TEST(ExtremeData, GibbsLargeStudiesMatchQuadrature) { fit_and_compare("large_n.csv", 8, 8, hbm::Algorithm::Gibbs); }

TEST(ExtremeData, GibbsRareEventsMatchQuadrature) { fit_and_compare("rare_events.csv", 12, 12, hbm::Algorithm::Gibbs); }

}  // namespace

namespace {

struct Efficiency {
  double ess_tau_per_gradient;
  long long divergences;
  double max_rhat;
};

Efficiency run_with(const std::string& file, hbm::Parametrisation par) {
  const auto outcomes = hbm::read_outcomes(std::string(HBMETA_FIXTURES) + "/" + file);
  hbm::FitOptions opt;
  opt.sampler.seed = 777;
  opt.sampler.parametrisation = par;
  hbm::ThreadPool pool(2);
  const hbm::OutcomeResult r = hbm::fit_single_arm(outcomes[0], opt, pool);
  return {r.find("tau")->ess_bulk / r.diagnostics.mean_leapfrog_steps, r.diagnostics.divergences, r.diagnostics.max_rhat};
}

}  // namespace

// Why the per-study choice matters, and what the data-scaled non-centred form changed
// (models/random_effect.hpp). With studies of ~10^5, the classic non-centred form (e = m + s v)
// forced a tiny step size, its coordinates tied to mu and tau by the likelihood: at seed 777 with
// the defaults, ESS of tau 112 at 10.4 steps per iteration with R-hat 1.10, against 14,035 at 6.3
// steps for the automatic choice, which centres all eight. The data-scaled form centres itself
// on the data where they pin the effect, so it is now about as efficient as centring there
// (checked: within a factor of 2 of the automatic choice in ESS of tau per gradient, no
// divergence, R-hat < 1.01). With rare events the centred form has the funnel at small tau
// (divergences), which the automatic choice (all non-centred) avoids.
TEST(ExtremeData, AutomaticParametrisationBeatsEitherFixedForm) {
  const Efficiency auto_large = run_with("large_n.csv", hbm::Parametrisation::Auto);
  const Efficiency nc_large = run_with("large_n.csv", hbm::Parametrisation::NonCentred);
  EXPECT_EQ(auto_large.divergences, 0);
  EXPECT_EQ(nc_large.divergences, 0);
  EXPECT_LT(nc_large.max_rhat, 1.01);
  EXPECT_GT(nc_large.ess_tau_per_gradient, 0.5 * auto_large.ess_tau_per_gradient);

  const Efficiency auto_rare = run_with("rare_events.csv", hbm::Parametrisation::Auto);
  const Efficiency c_rare = run_with("rare_events.csv", hbm::Parametrisation::Centred);
  EXPECT_EQ(auto_rare.divergences, 0);
  EXPECT_GT(c_rare.divergences, 0);
  EXPECT_LT(auto_rare.max_rhat, 1.01);
}
