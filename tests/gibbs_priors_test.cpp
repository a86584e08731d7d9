// The Gibbs sampler under the tau priors the other tests do not cover (half-t, uniform(0, u),
// log-normal; half-normal and half-Cauchy are in sampler_reference_test.cpp), against the exact
// posterior by numerical quadrature (tests/support/quadrature.cpp, which takes any log prior
// for tau) on a small dataset (K = 6), where the tau prior visibly shapes the posterior.
//
// Tolerance: |Gibbs - quadrature| <= 4 MCSE of that statistic in this run (mean, sd, 2.5/50/97.5%
// quantiles; see sampler_reference_test.cpp for why 4). Two checks keep the comparison honest:
//  * the reference's own error is small: the reference is the quadrature on a grid twice as fine
//    in each direction as the default, and the default grid agrees with it to within 0.25 of the
//    tolerance. The error is at worst first order in the grid step (uniform(0, u), whose density
//    jumps to 0 at u inside the grid), so the fine grid's error is at most about that difference;
//    for the smooth priors it is far smaller;
//  * the test can fail: for each prior, the quadrature posterior under half-normal(1) (the
//    default prior) differs from this prior's in at least one tau statistic by more than 4 times
//    the tolerance, so a sampler that ignored or mis-coded the prior would fail.
// Also: no non-finite sweeps, R-hat < 1.01, and uniform(0, u) draws never exceed u.
// 32 chains x 1,500 draws after 500 burn-in, seed 2718: deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "host/fit/outcome_fit.hpp"
#include "support/mcse.hpp"
#include "support/quadrature.hpp"

namespace {

constexpr double kZ = 4.0;

const std::vector<long long> kEvents = {3, 7, 12, 9, 20, 5};
const std::vector<long long> kTotals = {40, 52, 61, 35, 70, 45};

struct PriorCase {
  const char* name;
  hbm::Prior prior;
};

void PrintTo(const PriorCase& c, std::ostream* os) { *os << c.name; }

double log_prior(const hbm::Prior& p, double t) {
  if (!(t > 0)) return -INFINITY;
  if (p.kind == hbm::PriorKind::Uniform && !(t < p.b)) return -INFINITY;
  double unused;
  return hbm::prior_lpdf_grad(p, t, &unused);
}

hbm::test::QuadResult quadrature(const hbm::Prior& prior, int refine) {
  std::vector<hbm::test::QuadStudy> st;
  for (std::size_t i = 0; i < kEvents.size(); ++i) st.push_back({kEvents[i], kTotals[i]});
  hbm::test::QuadOptions qo;
  qo.log_prior_tau = [prior](double t) { return log_prior(prior, t); };
  qo.n_mu = (qo.n_mu - 1) * refine + 1;
  qo.n_tau = qo.n_tau * refine;
  return hbm::test::single_arm_quadrature(st, qo);
}

// mean, sd, q2.5, q50, q97.5 of a quadrature summary.
std::vector<double> stats_of(const hbm::test::QuadSummary& s) { return {s.mean, s.sd, s.q025, s.q50, s.q975}; }

class GibbsPriors : public ::testing::TestWithParam<PriorCase> {};

TEST_P(GibbsPriors, PosteriorMatchesQuadrature) {
  const PriorCase& pc = GetParam();
  hbm::OutcomeData d;
  d.name = "small";
  for (std::size_t i = 0; i < kEvents.size(); ++i) {
    hbm::StudyCounts s;
    s.name = "s" + std::to_string(i + 1);
    s.events = kEvents[i];
    s.total = kTotals[i];
    d.studies.push_back(s);
  }
  hbm::FitOptions opt;
  opt.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};  // the quadrature's (the default is normal(0,2.5))
  opt.prior_tau = pc.prior;
  opt.frequentist = hbm::FrequentistLevel::None;
  opt.sampler.algorithm = hbm::Algorithm::Gibbs;
  opt.sampler.chains = 32;
  opt.sampler.warmup = 500;
  opt.sampler.draws = 1500;
  opt.sampler.seed = 2718;
  hbm::ThreadPool pool(2);
  const hbm::OutcomeResult r = hbm::fit_outcome(d, opt, pool);
  EXPECT_EQ(r.diagnostics.divergences, 0);  // Gibbs: sweeps with a non-finite value
  EXPECT_LT(r.diagnostics.max_rhat, 1.01);
  if (pc.prior.kind == hbm::PriorKind::Uniform) {
    const auto tau = hbm::test::draws_of(r, "tau");
    EXPECT_LT(*std::max_element(tau.begin(), tau.end()), pc.prior.b);
  }

  const auto q = quadrature(pc.prior, 2);       // the reference
  const auto q_coarse = quadrature(pc.prior, 1);  // its convergence check
  const auto q_default = quadrature(hbm::Prior{hbm::PriorKind::HalfNormal, 0, 1}, 1);

  const std::size_t C = static_cast<std::size_t>(r.chains);
  const char* labels[] = {"mean", "sd", "q2.5", "q50", "q97.5"};
  double max_z = 0;
  auto check = [&](const char* name, const hbm::test::QuadSummary& ref, const hbm::test::QuadSummary& coarse,
                   const hbm::test::QuadSummary* other_prior) {
    const hbm::ParamSummary* s = r.find(name);
    ASSERT_NE(s, nullptr) << name;
    const auto m = hbm::test::mcse_of(hbm::test::draws_of(r, name), C);
    const std::vector<double> got = {s->mean, s->sd, s->q[0], s->q[3], s->q[6]};
    const std::vector<double> mcse = {m.mean, m.sd, m.q025, m.q50, m.q975};
    const auto want = stats_of(ref), want_coarse = stats_of(coarse);
    double max_sep = 0;
    for (int k = 0; k < 5; ++k) {
      const double tol = kZ * mcse[k];
      EXPECT_NEAR(got[k], want[k], tol) << name << " " << labels[k];
      EXPECT_NEAR(want[k], want_coarse[k], 0.25 * tol) << name << " " << labels[k] << ": quadrature not converged";
      max_z = std::max(max_z, std::fabs(got[k] - want[k]) / mcse[k]);
      if (other_prior) max_sep = std::max(max_sep, std::fabs(stats_of(*other_prior)[k] - want[k]) / tol);
    }
    if (other_prior) EXPECT_GT(max_sep, 4.0) << name << ": this prior is not distinguishable from half-normal(1)";
  };
  check("mu", q.mu, q_coarse.mu, nullptr);
  check("tau", q.tau, q_coarse.tau, &q_default.tau);
  check("theta_new", q.theta_new, q_coarse.theta_new, nullptr);
  for (std::size_t i = 0; i < r.studies.size(); ++i)
    EXPECT_NEAR(r.studies[i].natural.mean, q.study_p_mean[i], kZ * r.studies[i].natural.mcse_mean) << "study " << i;
  std::printf("%s: max |z| over mu, tau, theta_new (mean, sd, 2.5/50/97.5%%) = %.2f\n", pc.name, max_z);
}

INSTANTIATE_TEST_SUITE_P(Priors, GibbsPriors,
                         ::testing::Values(PriorCase{"half_t_3_03", {hbm::PriorKind::HalfT, 3.0, 0.3}},
                                           PriorCase{"uniform_0_1", {hbm::PriorKind::Uniform, 0.0, 1.0}},
                                           PriorCase{"log_normal_m1_1", {hbm::PriorKind::LogNormal, -1.0, 1.0}}),
                         [](const ::testing::TestParamInfo<PriorCase>& i) { return std::string(i.param.name); });

}  // namespace
