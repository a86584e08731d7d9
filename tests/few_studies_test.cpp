// One to three studies under a heavy-tailed and a light-tailed tau prior: the posterior of
// (mu, tau) is close to the prior and shaped like a funnel with long tails, the hardest case for
// HMC with one step size (models/random_effect.hpp and models/block_gibbs.hpp say what the engine
// does about it). Against numerical quadrature (tests/support/quadrature.cpp), at default settings
// (16 chains x 500 warmup + 1000 draws), on five seeds, for every quantile (2.5, 5, 25, 50, 75,
// 95, 97.5%) of mu, tau and theta_new:
//  - no bias: the error averaged over the five seeds is within 0.1 posterior sd of the reference
//    (the project's goal for these cases; the engine before this change was 0.15-0.3 sd off in
//    the tails, consistently across seeds) and within 4 of its own MCSE;
//  - each seed's error is within 4 MCSE of that run. The MCSE is the larger of the ESS-based one
//    (posterior's mcse_quantile) and the chains' spread (tests/support/mcse.hpp): the spread
//    follows the slow mixing of heavy tails better, but from 16 chains it is itself noisy (a
//    t distribution with 15 degrees of freedom: alone it made 4 "MCSE" a 1-in-800 event, nearly
//    one false alarm in the 630 comparisons here). With 16,000 draws the MCSE is up to ~0.1 sd
//    for the outer quantiles of tau and theta_new under half-Cauchy: one run cannot be held to
//    0.1 sd there, so the 0.1 sd goal is checked on the average, where the MCSE is sqrt(5) times
//    smaller;
//  - the step size does not collapse in warmup (it did: 0.025-0.11 under half-Cauchy(0.5), mean
//    acceptance 0.96-0.99) and at most 16 of the 16,000 transitions diverge (0.1%; the engine with
//    the exact intercept draw but without the data-scaled parametrisation had up to 62).
// For one study under half-Cauchy, tau's posterior (tails ~ tau^-3) has no finite variance: the
// quadrature's sd is the one of its grid (tau up to ~2e4), so that case also checks the averaged
// errors against 0.15 of the narrower scale (q97.5 - q2.5) / 3.92, the sd of a normal with the
// same 95% range.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "host/stats/diagnostics.hpp"
#include "host/fit/outcome_fit.hpp"
#include "support/mcse.hpp"
#include "support/quadrature.hpp"

namespace {

struct FewCase {
  int K;
  hbm::Prior tau_prior;
  const char* prior_name;
};

void PrintTo(const FewCase& c, std::ostream* os) { *os << c.K << " studies, tau ~ " << c.prior_name; }

// Rescue-IVF-like rates: 7/40, 30/60, 12/85 (the first K of them).
const long long kEvents[] = {7, 30, 12}, kTotals[] = {40, 60, 85};

hbm::OutcomeData outcome_of(int K) {
  hbm::OutcomeData d;
  d.name = "few";
  for (int i = 0; i < K; ++i) d.studies.push_back({"s" + std::to_string(i + 1), kEvents[i], kTotals[i]});
  return d;
}

double quantile_of(std::vector<double> v, double p) {  // R's type 7, as the summaries
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1) * p;
  const std::size_t lo = static_cast<std::size_t>(h);
  return v[lo] + (h - lo) * (v[std::min(lo + 1, v.size() - 1)] - v[lo]);
}

class FewStudies : public ::testing::TestWithParam<FewCase> {};

TEST_P(FewStudies, QuantilesMatchQuadratureOnFiveSeedsWithoutStepSizeCollapse) {
  const FewCase& fc = GetParam();
  std::vector<hbm::test::QuadStudy> st;
  for (int i = 0; i < fc.K; ++i) st.push_back({kEvents[i], kTotals[i]});
  hbm::test::QuadOptions qo;
  const hbm::Prior prior = fc.tau_prior;
  qo.log_prior_tau = [prior](double t) {
    double unused;
    return hbm::prior_lpdf_grad(prior, t, &unused);
  };
  const hbm::test::QuadResult q = hbm::test::single_arm_quadrature(st, qo);
  const char* names[] = {"mu", "tau", "theta_new"};
  const hbm::test::QuadSummary* refs[] = {&q.mu, &q.tau, &q.theta_new};
  const double probs[] = {0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975};

  constexpr int kSeeds = 5;
  double sum_err[3][7] = {}, sum_var[3][7] = {};
  double min_eps = INFINITY, worst_z = 0;
  long long most_div = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    hbm::FitOptions opt;  // defaults: 16 chains x (500 + 1000); the quadrature's mu ~ normal(0, 10)
    opt.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};  // the quadrature's (the default is normal(0,2.5))
    opt.prior_tau = fc.tau_prior;
    opt.sampler.seed = 1000 + seed;
    opt.frequentist = hbm::FrequentistLevel::None;
    hbm::ThreadPool pool(2);
    const hbm::OutcomeResult r = hbm::fit_outcome(outcome_of(fc.K), opt, pool);
    EXPECT_LE(r.diagnostics.divergences, 16) << "seed " << seed;
    most_div = std::max(most_div, r.diagnostics.divergences);
    min_eps = std::min(min_eps, r.diagnostics.step_size);
    for (int k = 0; k < 3; ++k) {
      const hbm::test::QuadSummary& ref = *refs[k];
      const double rq[] = {ref.q025, ref.q05, ref.q25, ref.q50, ref.q75, ref.q95, ref.q975};
      const std::vector<double> d = hbm::test::draws_of(r, names[k]);
      for (int j = 0; j < 7; ++j) {
        const double err = quantile_of(d, probs[j]) - rq[j];
        const std::size_t C = static_cast<std::size_t>(r.chains);
        const double mcse = std::max(hbm::mcse_quantile(hbm::ChainDraws{d.data(), C, d.size() / C}, probs[j]),
                                     hbm::test::chain_spread_mcse_quantile(d, C, probs[j]));
        EXPECT_LE(std::fabs(err), 4 * mcse) << names[k] << " q" << 100 * probs[j] << " seed " << seed;
        worst_z = std::max(worst_z, std::fabs(err) / mcse);
        sum_err[k][j] += err;
        sum_var[k][j] += mcse * mcse;
      }
    }
  }
  double worst_sd = 0, worst_range = 0, worst_mcse = 0;
  for (int k = 0; k < 3; ++k) {
    const hbm::test::QuadSummary& ref = *refs[k];
    const double range_sd = (ref.q975 - ref.q025) / 3.92;
    for (int j = 0; j < 7; ++j) {
      const double bias = sum_err[k][j] / kSeeds, mcse = std::sqrt(sum_var[k][j]) / kSeeds;
      EXPECT_LE(std::fabs(bias), 0.1 * ref.sd) << names[k] << " q" << 100 * probs[j] << " averaged";
      EXPECT_LE(std::fabs(bias), 4 * mcse) << names[k] << " q" << 100 * probs[j] << " averaged";
      if (fc.K == 1) EXPECT_LE(std::fabs(bias), 0.15 * range_sd) << names[k] << " q" << 100 * probs[j] << " averaged";
      worst_sd = std::max(worst_sd, std::fabs(bias) / ref.sd);
      worst_range = std::max(worst_range, std::fabs(bias) / range_sd);
      worst_mcse = std::max(worst_mcse, mcse / ref.sd);
    }
  }
  // No collapse: at least 0.15 in every fit (measured 0.19-0.44; 0.025-0.11 before).
  EXPECT_GE(min_eps, 0.15);
  std::printf("%d studies, %s: averaged error at most %.3f sd (%.3f of the 95%%-range scale; its MCSE at most %.3f "
              "sd); largest per-seed |error| / MCSE %.2f; smallest step size %.3f; most divergences %lld\n",
              fc.K, fc.prior_name, worst_sd, worst_range, worst_mcse, worst_z, min_eps, most_div);
}

INSTANTIATE_TEST_SUITE_P(
    HeavyAndLightTails, FewStudies,
    ::testing::Values(FewCase{1, {hbm::PriorKind::HalfCauchy, 0, 0.5}, "half-cauchy(0.5)"},
                      FewCase{2, {hbm::PriorKind::HalfCauchy, 0, 0.5}, "half-cauchy(0.5)"},
                      FewCase{3, {hbm::PriorKind::HalfCauchy, 0, 0.5}, "half-cauchy(0.5)"},
                      FewCase{1, {hbm::PriorKind::HalfNormal, 0, 1.0}, "half-normal(1)"},
                      FewCase{2, {hbm::PriorKind::HalfNormal, 0, 1.0}, "half-normal(1)"},
                      FewCase{3, {hbm::PriorKind::HalfNormal, 0, 1.0}, "half-normal(1)"}),
    [](const ::testing::TestParamInfo<FewCase>& i) {
      return "K" + std::to_string(i.param.K) + (i.param.tau_prior.kind == hbm::PriorKind::HalfCauchy ? "_hc05" : "_hn1");
    });

}  // namespace
