// Calibration of both samplers on both models, with meta-regression. Two checks on the same
// simulations: interval coverage and simulation-based calibration (SBC) rank histograms.
//
// Meta-regression recovers known coefficients: data simulated from the model, with parameters
// drawn from the same priors the fit uses, so the posterior's 95% and 50% intervals cover the
// true values with probability exactly 0.95 and 0.5 over the repetitions (Cook, Gelman & Rubin
// 2006; the basis of simulation-based calibration). A biased sampler, a sign error in the
// covariate gradient or a mixed-up coefficient order shows up as under- or over-coverage.
//
// Per model: kReps datasets of K studies with two covariates (one continuous, one binary), each
// fitted with 8 chains x 400 draws, by HMC (200 datasets) and by the Gibbs sampler (100). The
// coverage counts are Binomial(reps, level) when all is well; the test allows 3.5 binomial
// standard deviations (false alarm ~5e-4 per count), about +/-11 of 200 at 95% and +/-25 at 50%
// (+/-8 and +/-18 of 100). SBC: each parameter's rank histogram (10 bins) must pass a
// chi-square test at the 0.1% level (16 histograms: a correct sampler fails one with
// probability ~1.6%). A longer run (HBMETA_SBC_REPS=1000): scripts/sbc.sh. Fixed seeds:
// deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "host/fit/outcome_fit.hpp"
#include "support/mcse.hpp"
#include "models/binomial_rng.hpp"
#include "models/logistic.hpp"
#include "models/philox.hpp"

namespace {

constexpr int kReps = 200;
constexpr int kGibbsReps = 100;
constexpr int kStudies = 12;

struct Truth {
  double mu, tau, beta[2];
};

// Simulation-based calibration (Talts et al. 2018): the rank of the true value among
// kSbcDraws posterior draws spread evenly over all chains (so nearly independent) is uniform on
// 0..kSbcDraws when the sampler is right; ranks are binned into kSbcBins equal bins.
constexpr int kSbcDraws = 99;
constexpr int kSbcBins = 10;
// Chi-square with kSbcBins - 1 = 9 degrees of freedom: 0.1% upper quantile.
constexpr double kChi2Crit9 = 27.877;

struct Coverage {
  int reps = 0;
  int in95[4] = {0, 0, 0, 0}, in50[4] = {0, 0, 0, 0};  // mu, tau, beta_1, beta_2
  int rank_bins[4][kSbcBins] = {};
};

// Repetitions: the default, or HBMETA_SBC_REPS for the longer run of scripts/sbc.sh.
int reps_or_env(int fallback) {
  const char* v = std::getenv("HBMETA_SBC_REPS");
  return v ? std::max(10, std::atoi(v)) : fallback;
}

hbm::FitOptions calibrated_options(std::uint64_t seed, hbm::Algorithm algorithm) {
  hbm::FitOptions opt;
  opt.prior_mu = {hbm::PriorKind::Normal, -0.5, 0.5};
  opt.prior_tau = {hbm::PriorKind::HalfNormal, 0.0, 0.5};
  opt.prior_beta = {hbm::PriorKind::Normal, 0.5, 0.5};
  opt.prior_baseline = {hbm::PriorKind::Normal, -1.0, 1.0};
  opt.frequentist = hbm::FrequentistLevel::None;
  opt.study_draws = hbm::FitOptions::StudyDraws::No;
  opt.sampler.chains = 8;
  opt.sampler.warmup = 300;
  opt.sampler.draws = 400;
  opt.sampler.seed = seed;
  opt.sampler.algorithm = algorithm;
  return opt;
}

// Parameters from the priors above, covariates and counts from the model.
hbm::OutcomeData simulate(bool two_arm, int rep, Truth* truth) {
  hbm::RngStream rng(20261122, two_arm ? 2 : 1, static_cast<std::uint32_t>(rep), 0, hbm::RngPurpose::Init);
  double z[2];
  rng.normal2(z[0], z[1]);
  truth->mu = -0.5 + 0.5 * z[0];
  truth->tau = 0.5 * std::fabs(z[1]);
  rng.normal2(z[0], z[1]);
  truth->beta[0] = 0.5 + 0.5 * z[0];
  truth->beta[1] = 0.5 + 0.5 * z[1];

  hbm::OutcomeData d;
  d.name = "sim" + std::to_string(rep);
  d.kind = two_arm ? hbm::OutcomeKind::TwoArm : hbm::OutcomeKind::SingleArm;
  d.x_names = {"dose", "group=b"};
  for (int i = 0; i < kStudies; ++i) {
    double e[2], u[2];
    rng.normal2(e[0], e[1]);
    rng.uniform2(u[0], u[1]);
    const double x1 = e[0], x2 = i % 2;  // continuous, and a balanced binary indicator
    const double theta = truth->mu + truth->beta[0] * x1 + truth->beta[1] * x2 + truth->tau * e[1];
    hbm::StudyCounts s;
    s.name = "s" + std::to_string(i);
    s.total = 30 + static_cast<long long>(170 * u[0]);
    if (two_arm) {
      double a, unused;
      rng.normal2(a, unused);
      const double alpha = -1.0 + a;
      s.total_c = 30 + static_cast<long long>(170 * u[1]);
      s.events_c = static_cast<long long>(hbm::binomial_draw(static_cast<double>(s.total_c), hbm::inv_logit(alpha), rng));
      s.events = static_cast<long long>(hbm::binomial_draw(static_cast<double>(s.total), hbm::inv_logit(alpha + theta), rng));
    } else {
      s.events = static_cast<long long>(hbm::binomial_draw(static_cast<double>(s.total), hbm::inv_logit(theta), rng));
    }
    d.studies.push_back(s);
    d.x.push_back(x1);
    d.x.push_back(x2);
  }
  return d;
}

Coverage run_calibration(bool two_arm, hbm::Algorithm algorithm, int reps) {
  Coverage cov;
  cov.reps = reps;
  hbm::ThreadPool pool(2);
  for (int rep = 0; rep < reps; ++rep) {
    Truth t;
    const hbm::OutcomeData d = simulate(two_arm, rep, &t);
    const hbm::OutcomeResult r = hbm::fit_outcome(d, calibrated_options(1000 + rep, algorithm), pool);
    const char* names[4] = {"mu", "tau", "beta[dose]", "beta[group=b]"};
    const double truth[4] = {t.mu, t.tau, t.beta[0], t.beta[1]};
    for (int k = 0; k < 4; ++k) {
      const hbm::ParamSummary* s = r.find(names[k]);
      if (!s) {
        ADD_FAILURE() << "no " << names[k];
        continue;
      }
      cov.in95[k] += s->q[0] <= truth[k] && truth[k] <= s->q[6];
      cov.in50[k] += s->q[2] <= truth[k] && truth[k] <= s->q[4];
      const std::vector<double> draws = hbm::test::draws_of(r, names[k]);
      int rank = 0;
      for (int j = 0; j < kSbcDraws; ++j)
        rank += draws[static_cast<std::size_t>((j + 0.5) * draws.size() / kSbcDraws)] < truth[k];
      ++cov.rank_bins[k][rank * kSbcBins / (kSbcDraws + 1)];
    }
  }
  return cov;
}

void expect_calibrated(const Coverage& cov) {
  const char* names[4] = {"mu", "tau", "beta[dose]", "beta[group=b]"};
  const int n = cov.reps;
  const double sd95 = std::sqrt(n * 0.95 * 0.05), sd50 = std::sqrt(n * 0.5 * 0.5);
  for (int k = 0; k < 4; ++k) {
    std::printf("  %-14s covered by 95%%: %3d / %d, by 50%%: %3d / %d\n", names[k], cov.in95[k], n, cov.in50[k], n);
    EXPECT_NEAR(cov.in95[k], 0.95 * n, 3.5 * sd95) << names[k] << " 95% interval coverage";
    EXPECT_NEAR(cov.in50[k], 0.50 * n, 3.5 * sd50) << names[k] << " 50% interval coverage";
    // SBC: chi-square of the rank histogram against the uniform.
    double chi2 = 0;
    const double expected = static_cast<double>(n) / kSbcBins;
    std::string hist;
    for (int b = 0; b < kSbcBins; ++b) {
      chi2 += (cov.rank_bins[k][b] - expected) * (cov.rank_bins[k][b] - expected) / expected;
      hist += " " + std::to_string(cov.rank_bins[k][b]);
    }
    std::printf("  %-14s SBC rank histogram:%s  chi2(9) = %.1f\n", names[k], hist.c_str(), chi2);
    EXPECT_LT(chi2, kChi2Crit9) << names[k] << " SBC ranks not uniform:" << hist;
  }
}

TEST(RegressionCalibration, SingleArmIntervalsCoverTheTruth) {
  expect_calibrated(run_calibration(false, hbm::Algorithm::Hmc, reps_or_env(kReps)));
}

TEST(RegressionCalibration, TwoArmIntervalsCoverTheTruth) {
  expect_calibrated(run_calibration(true, hbm::Algorithm::Hmc, reps_or_env(kReps)));
}

// The Gibbs sampler, with covariates, on the same simulations (fewer: each fit costs more).
TEST(RegressionCalibration, GibbsSingleArmIntervalsCoverTheTruth) {
  expect_calibrated(run_calibration(false, hbm::Algorithm::Gibbs, reps_or_env(kGibbsReps)));
}

TEST(RegressionCalibration, GibbsTwoArmIntervalsCoverTheTruth) {
  expect_calibrated(run_calibration(true, hbm::Algorithm::Gibbs, reps_or_env(kGibbsReps)));
}

}  // namespace
