// Extreme but valid single-arm data give finite, correct results and say where the prior rules:
// one study, two studies, zero events everywhere, events everywhere, n = 1e9 per study, a tiny
// and a huge tau prior, each fitted by both samplers and compared with numerical quadrature
// (tests/support/quadrature.cpp) within 4 MCSE (the tolerance argued in
// sampler_reference_test.cpp); and 5,000 studies (HMC), checked for finite results, recovery
// of the simulated truth and a warning whenever the chains have not mixed. docs/reliability.md lists these cases with their results.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "host/io/csv_reader.hpp"
#include "host/fit/outcome_fit.hpp"
#include "models/binomial_rng.hpp"
#include "models/logistic.hpp"
#include "models/philox.hpp"
#include "support/mcse.hpp"
#include "support/quadrature.hpp"

namespace {

constexpr double kZ = 4.0;

struct ExtremeCase {
  const char* name;
  std::vector<long long> events, totals;
  hbm::Prior tau_prior;
  const char* warning;  // a warning the fit must give ("" for none required)
};

void PrintTo(const ExtremeCase& c, std::ostream* os) { *os << c.name; }

hbm::OutcomeData outcome_of(const std::string& name, const std::vector<long long>& y, const std::vector<long long>& n) {
  hbm::OutcomeData d;
  d.name = name;
  for (std::size_t i = 0; i < y.size(); ++i) {
    hbm::StudyCounts s;
    s.name = "s" + std::to_string(i + 1);
    s.events = y[i];
    s.total = n[i];
    d.studies.push_back(s);
  }
  return d;
}

double log_prior(const hbm::Prior& p, double t) {
  double unused;
  return hbm::prior_lpdf_grad(p, t, &unused);
}

bool finite(const hbm::ParamSummary& s) {
  bool ok = std::isfinite(s.mean) && std::isfinite(s.sd);
  for (double q : s.q) ok = ok && std::isfinite(q);
  return ok;
}

class ExtremeInputs : public ::testing::TestWithParam<std::tuple<ExtremeCase, hbm::Algorithm>> {};

TEST_P(ExtremeInputs, FiniteAndMatchQuadrature) {
  const auto& [c, algorithm] = GetParam();
  const hbm::OutcomeData d = outcome_of(c.name, c.events, c.totals);
  hbm::FitOptions opt;
  opt.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};  // the quadrature's (the default is normal(0,2.5))
  opt.prior_tau = c.tau_prior;
  opt.sampler.algorithm = algorithm;
  opt.sampler.chains = 32;
  opt.sampler.draws = 1500;
  opt.sampler.seed = 515;
  hbm::ThreadPool pool(2);
  const hbm::OutcomeResult r = hbm::fit_outcome(d, opt, pool);

  for (const auto& p : r.parameters) EXPECT_TRUE(finite(p.s)) << p.name;
  for (const auto& s : r.studies) EXPECT_TRUE(finite(s.theta) && finite(s.natural)) << s.name;
  EXPECT_EQ(r.diagnostics.divergences, 0);
  EXPECT_LT(r.diagnostics.max_rhat, 1.01);
  if (*c.warning) {
    bool found = false;
    for (const auto& w : r.warnings) found = found || w.find(c.warning) != std::string::npos;
    EXPECT_TRUE(found) << "no warning containing '" << c.warning << "'";
  }

  std::vector<hbm::test::QuadStudy> st;
  for (std::size_t i = 0; i < c.events.size(); ++i) st.push_back({c.events[i], c.totals[i]});
  hbm::test::QuadOptions qo;
  const hbm::Prior prior = c.tau_prior;
  qo.log_prior_tau = [prior](double t) { return log_prior(prior, t); };
  const auto q = hbm::test::single_arm_quadrature(st, qo);
  const std::size_t C = static_cast<std::size_t>(r.chains);
  auto check = [&](const char* name, const hbm::test::QuadSummary& ref) {
    const hbm::ParamSummary* s = r.find(name);
    const auto m = hbm::test::mcse_of(hbm::test::draws_of(r, name), C);
    EXPECT_NEAR(s->q[0], ref.q025, kZ * m.q025) << name << " q2.5";
    EXPECT_NEAR(s->q[3], ref.q50, kZ * m.q50) << name << " q50";
    EXPECT_NEAR(s->q[6], ref.q975, kZ * m.q975) << name << " q97.5";
    EXPECT_NEAR(s->mean, ref.mean, kZ * m.mean) << name << " mean";
  };
  check("mu", q.mu);
  check("tau", q.tau);
  check("theta_new", q.theta_new);
}

const hbm::Prior kHalfNormal1{hbm::PriorKind::HalfNormal, 0, 1.0};

INSTANTIATE_TEST_SUITE_P(
    Cases, ExtremeInputs,
    ::testing::Combine(
        ::testing::Values(
            ExtremeCase{"one_study", {7}, {40}, kHalfNormal1, "only one study"},
            ExtremeCase{"two_studies", {7, 30}, {40, 60}, kHalfNormal1, "only 2 studies"},
            ExtremeCase{"all_zero", {0, 0, 0, 0, 0}, {20, 45, 80, 33, 150}, kHalfNormal1, "every study has zero events"},
            ExtremeCase{"all_events", {20, 45, 80, 33, 150}, {20, 45, 80, 33, 150}, kHalfNormal1,
                        "every study has all events"},
            ExtremeCase{"n_1e9", {300000000, 310000000, 295000000, 302000000},
                        {1000000000, 1000000000, 1000000000, 1000000000}, kHalfNormal1, "only 4 studies"},
            ExtremeCase{"tiny_tau_prior", {3, 8, 12, 5, 9, 15}, {40, 52, 61, 35, 70, 80},
                        {hbm::PriorKind::HalfNormal, 0, 0.01}, "the data barely update tau"},
            // Before the data-scaled non-centred form (models/random_effect.hpp) this prior gave
            // divergences at the default target 0.8 (the classic form's funnel at large tau).
            ExtremeCase{"huge_tau_prior", {3, 8, 12, 5, 9, 15}, {40, 52, 61, 35, 70, 80},
                        {hbm::PriorKind::HalfCauchy, 0, 100.0}, ""}),
        ::testing::Values(hbm::Algorithm::Hmc, hbm::Algorithm::Gibbs)),
    [](const ::testing::TestParamInfo<std::tuple<ExtremeCase, hbm::Algorithm>>& i) {
      return std::string(std::get<0>(i.param).name) +
             (std::get<1>(i.param) == hbm::Algorithm::Gibbs ? "_gibbs" : "_hmc");
    });

// Divergent transitions are reported with the remedy. Forcing the centred form on rare events
// puts the chains in the funnel at small tau (ExtremeData.AutomaticParametrisationBeatsEitherFixedForm).
TEST(ExtremeInputsLarge, DivergencesWarnWithTheRemedy) {
  const auto outcomes = hbm::read_outcomes(std::string(HBMETA_FIXTURES) + "/rare_events.csv");
  hbm::FitOptions opt;
  opt.sampler.seed = 777;
  opt.sampler.parametrisation = hbm::Parametrisation::Centred;
  hbm::ThreadPool pool(2);
  const hbm::OutcomeResult r = hbm::fit_outcome(outcomes[0], opt, pool);
  ASSERT_GT(r.diagnostics.divergences, 0);  // the situation the warning is for
  bool found = false;
  for (const auto& w : r.warnings) found = found || w.find("--target-accept 0.9") != std::string::npos;
  EXPECT_TRUE(found);
}

// 5,000 studies (HMC): finite, covers the simulated mu and tau, warns if not converged.
TEST(ExtremeInputsLarge, FiveThousandStudies) {
  const int K = 5000;
  const double mu = -1.2, tau = 0.6;
  std::vector<long long> y(K), n(K);
  hbm::RngStream rng(99, 1, 0, 0, hbm::RngPurpose::Init);
  for (int i = 0; i < K; ++i) {
    double z, u;
    rng.normal2(z, u);
    n[i] = 20 + static_cast<long long>(200 * rng.uniform());
    y[i] = static_cast<long long>(hbm::binomial_draw(static_cast<double>(n[i]), hbm::inv_logit(mu + tau * z), rng));
  }
  hbm::FitOptions opt;
  opt.sampler.draws = 500;
  opt.frequentist = hbm::FrequentistLevel::Basic;
  hbm::ThreadPool pool(2);
  const hbm::OutcomeResult r = hbm::fit_outcome(outcome_of("k5000", y, n), opt, pool);
  // At this size 16 chains x 500 draws are at the edge of convergence: R-hat of mu and tau is
  // 1.00-1.03 depending on the seed (1.03 at the default seed, docs/reliability.md). What must
  // hold whatever the seed: no gross failure, and a warning whenever R-hat exceeds 1.01.
  EXPECT_LT(r.find("mu")->rhat, 1.05);
  EXPECT_LT(r.find("tau")->rhat, 1.05);
  EXPECT_LT(r.diagnostics.max_rhat, 1.05);
  if (r.diagnostics.max_rhat > 1.01) {
    bool warned = false;
    for (const auto& w : r.warnings) warned = warned || w.find("chains have not mixed") != std::string::npos;
    EXPECT_TRUE(warned);
  }
  EXPECT_EQ(r.diagnostics.divergences, 0);
  EXPECT_GT(r.find("mu")->ess_bulk, 100);
  EXPECT_GT(r.find("tau")->ess_bulk, 100);
  // The truth within 4 posterior sd (the posterior sd of mu is ~0.01 here).
  EXPECT_NEAR(r.find("mu")->mean, mu, 4 * r.find("mu")->sd);
  EXPECT_NEAR(r.find("tau")->mean, tau, 4 * r.find("tau")->sd);
  for (const auto& m : r.frequentist) EXPECT_TRUE(std::isfinite(m.estimate)) << m.name;
}

}  // namespace
