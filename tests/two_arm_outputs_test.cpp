// Value tests of the outputs built on top of the samplers: the two-arm study-level shrunken log
// odds ratios and odds ratios (summary.json studies[].theta / .or), the predictive quantities for
// a new clinic (theta_new = fitted_new + tau z, single-arm meta-regression) and the treatment-arm
// rates at a given control-arm rate (--baseline-rate p0: p_treat_new, p_treat_pooled).
//
// 1. Study effects, two independent samplers. The many-chain HMC sampler and the Pólya-Gamma
//    Gibbs sampler share no transition code, so their study-level posteriors (mean, sd, 2.5/50/
//    97.5% quantiles of each study's log OR) agreeing within 4 * sqrt(mcse_hmc^2 + mcse_gibbs^2)
//    (each run's own MCSE, tests/support/mcse.hpp) is a strong check of the study columns: a
//    wrong output column (alpha_i instead of delta_i, a shifted index), a wrong parametrisation
//    transform or a wrong likelihood in either sampler moves a study by many MCSE. Both are
//    also held to a long rstan run that keeps delta_i (tests/fixtures/reference/
//    *__hn05_studies.json, scripts/reference/two_arm_study_effects.R), with the tolerance of
//    tests/two_arm_reference_test.cpp (the reference's MCSE from its ESS). 5 statistics x
//    (13 + 18) studies x 3 pairs = 465 comparisons at 4 MCSE: correct samplers fail one with
//    probability ~3% (465 x 6.3e-5); each study needs bulk and tail ESS > 400 on both runs so
//    the MCSEs are trustworthy. The seeds are fixed, so the result is deterministic.
// 2. Exact identities, through the command line and the files it writes: the study `or` summary
//    is the exp-transform of `theta` (quantiles commute with monotone maps; with N - 1 draws a
//    multiple of 40 every type-7 quantile at 2.5..97.5% is an order statistic, so the identity is
//    exact up to the rounding of exp), the draws CSV's theta[i] columns reproduce summary.json's
//    numbers, or_* = exp(.), p_treat_new = inv_logit(logit(p0) + theta_new) and p_treat_pooled =
//    inv_logit(logit(p0) + mu) draw by draw.
// 3. The new clinic's predictive draws: theta_new - fitted_new = tau * z with z iid N(0, 1)
//    independent of the posterior draws. Given the posterior draws (f_k, tau_k), the sums below
//    are sums of independent terms, so their standard errors are exact (no ESS estimate):
//      mean(theta_new) - mean(fitted_new) = mean(tau z),        se = sqrt(sum tau_k^2) / N,
//      var(theta_new) - var(fitted_new) - E[tau^2]  (E over the draws),
//                                            se = sqrt(4 sum a_k^2 tau_k^2 + 2 sum tau_k^4) / N,
//    a_k = f_k - mean(f). Tolerance 4 se. z itself is checked for mean 0, variance 1, no
//    correlation with tau, with fitted_new, with the previous iteration of its chain or with
//    the next chain (a z reused across iterations or chains fails), and by Kolmogorov-Smirnov
//    against N(0, 1) at level 0.001.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "host/io/csv_reader.hpp"
#include "host/stats/diagnostics.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/stats/posterior_summary.hpp"
#include "support/cli_runner.hpp"
#include "support/mcse.hpp"
#include "support/mini_json.hpp"

namespace fs = std::filesystem;
using hbm::test::Json;

namespace {

constexpr double kZ = 4.0;
const std::string kRefDir = std::string(HBMETA_FIXTURES) + "/reference/";

double inv_logit(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double logit(double p) { return std::log(p / (1.0 - p)); }

// ---- shared numerical helpers ----------------------------------------------------------------

struct Moments {
  double mean = 0, var = 0;
};
Moments moments(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= static_cast<double>(v.size() - 1);
  return m;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const Moments ma = moments(a), mb = moments(b);
  double c = 0;
  for (std::size_t k = 0; k < a.size(); ++k) c += (a[k] - ma.mean) * (b[k] - mb.mean);
  return c / static_cast<double>(a.size() - 1) / std::sqrt(ma.var * mb.var);
}

// Type-7 quantiles at the summary's levels, from unsorted draws.
std::vector<double> quantiles7(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::vector<double> q;
  for (double p : hbm::kQuantileLevels) q.push_back(hbm::quantile_sorted(v, p));
  return q;
}

// Kolmogorov-Smirnov statistic sqrt(N) * D of the draws against N(0, 1).
double ks_normal(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  double d = 0;
  for (std::size_t k = 0; k < v.size(); ++k) {
    const double F = 0.5 * std::erfc(-v[k] / std::sqrt(2.0));
    d = std::max({d, F - static_cast<double>(k) / n, static_cast<double>(k + 1) / n - F});
  }
  return std::sqrt(n) * d;
}

// A draws CSV (.chain,.iteration,.draw,NAME...) as named numeric columns.
std::map<std::string, std::vector<double>> read_draws(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string f; std::getline(hs, f, ',');) header.push_back(f);
  std::map<std::string, std::vector<double>> cols;
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::string f;
    for (std::size_t c = 0; c < header.size() && std::getline(ls, f, ','); ++c) cols[header[c]].push_back(std::stod(f));
  }
  return cols;
}

const std::vector<double>& column(const std::map<std::string, std::vector<double>>& d, const std::string& name) {
  static const std::vector<double> empty;
  auto it = d.find(name);
  EXPECT_NE(it, d.end()) << "draws CSV has no column " << name;
  return it == d.end() ? empty : it->second;
}

// Tracks the largest |difference| / (tolerance / kZ) over a set of comparisons, for the report.
struct ZTracker {
  double max_z = 0;
  std::string where;
  int n = 0;
  void add(double diff, double tol, const std::string& what) {
    ++n;
    const double z = std::fabs(diff) / (tol / kZ);
    if (z > max_z) {
      max_z = z;
      where = what;
    }
  }
};

// ---- 1. study effects: HMC vs Gibbs vs rstan ---------------------------------------------------

const Json* find_row(const Json& summary, const std::string& variable) {
  for (std::size_t k = 0; k < summary.size(); ++k)
    if (summary[k]["variable"].str() == variable) return &summary[k];
  return nullptr;
}

hbm::OutcomeResult fit_reference_model(const hbm::OutcomeData& data, hbm::Algorithm algorithm, int chains,
                                       int warmup, int draws, std::uint64_t seed) {
  hbm::FitOptions opt;  // the priors of the *__hn05 references
  opt.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};
  opt.prior_tau = {hbm::PriorKind::HalfNormal, 0.0, 0.5};
  opt.prior_baseline = {hbm::PriorKind::Normal, 0.0, 10.0};
  opt.baseline = hbm::BaselineModel::Independent;
  opt.frequentist = hbm::FrequentistLevel::None;
  opt.study_draws = hbm::FitOptions::StudyDraws::Yes;
  opt.sampler.algorithm = algorithm;
  opt.sampler.chains = chains;
  opt.sampler.warmup = warmup;
  opt.sampler.draws = draws;
  opt.sampler.seed = seed;
  hbm::ThreadPool pool(2);
  return hbm::fit_outcome(data, opt, pool);
}

struct StudyCase {
  const char* dataset;
};
void PrintTo(const StudyCase& c, std::ostream* os) { *os << c.dataset; }

class StudyEffects : public ::testing::TestWithParam<StudyCase> {};

TEST_P(StudyEffects, HmcGibbsAndStanAgreeWithinMcse) {
  const std::string ds = GetParam().dataset;
  const auto outcomes = hbm::read_outcomes(kRefDir + ds + ".csv");
  ASSERT_EQ(outcomes.size(), 1u);
  ASSERT_EQ(outcomes[0].kind, hbm::OutcomeKind::TwoArm);
  const int K = static_cast<int>(outcomes[0].studies.size());
  const hbm::OutcomeResult h = fit_reference_model(outcomes[0], hbm::Algorithm::Hmc, 16, 500, 1000, 7101);
  const hbm::OutcomeResult g = fit_reference_model(outcomes[0], hbm::Algorithm::Gibbs, 16, 500, 1500, 7102);
  ASSERT_EQ(static_cast<int>(h.studies.size()), K);
  ASSERT_EQ(static_cast<int>(g.studies.size()), K);
  EXPECT_EQ(h.diagnostics.divergences, 0);
  EXPECT_EQ(g.diagnostics.divergences, 0);
  EXPECT_LT(h.diagnostics.max_rhat, 1.01);
  EXPECT_LT(g.diagnostics.max_rhat, 1.01);

  // The optional long-run rstan reference with every study's delta_i.
  const std::string ref_path = kRefDir + ds + "__hn05_studies.json";
  ASSERT_TRUE(std::ifstream(ref_path).good()) << "missing reference " << ref_path;
  const Json ref = Json::parse_file(ref_path);
  EXPECT_EQ(ref["divergences"].num(), 0);

  ZTracker hg, hs, gs;
  for (int i = 0; i < K; ++i) {
    const std::string col = "theta[" + std::to_string(i + 1) + "]";
    const std::string study = outcomes[0].studies[i].name;
    const hbm::ParamSummary &a = h.studies[i].theta, &b = g.studies[i].theta;
    // The MCSE estimates are only trustworthy with enough effective draws.
    ASSERT_GT(std::min(a.ess_bulk, a.ess_tail), 400) << study << " (hmc)";
    ASSERT_GT(std::min(b.ess_bulk, b.ess_tail), 400) << study << " (gibbs)";
    const auto ma = hbm::test::mcse_of(hbm::test::draws_of(h, col), static_cast<std::size_t>(h.chains));
    const auto mb = hbm::test::mcse_of(hbm::test::draws_of(g, col), static_cast<std::size_t>(g.chains));
    auto both = [&](double x, double y) { return kZ * std::hypot(x, y); };
    struct Stat {
      const char* name;
      double va, vb, ea, eb;
    } stats[] = {{"mean", a.mean, b.mean, ma.mean, mb.mean},
                 {"sd", a.sd, b.sd, ma.sd, mb.sd},
                 {"q2.5", a.q[0], b.q[0], ma.q025, mb.q025},
                 {"q50", a.q[3], b.q[3], ma.q50, mb.q50},
                 {"q97.5", a.q[6], b.q[6], ma.q975, mb.q975}};
    for (const Stat& s : stats) {
      const double tol = both(s.ea, s.eb);
      EXPECT_NEAR(s.va, s.vb, tol) << study << " theta " << s.name << " (hmc vs gibbs)";
      hg.add(s.va - s.vb, tol, study + " " + s.name);
    }

    // Against rstan: delta[i] of the same study (the reference lists the study's name).
    const Json* row = find_row(ref["summary"], "delta[" + std::to_string(i + 1) + "]");
    ASSERT_NE(row, nullptr) << "delta[" << i + 1 << "]";
    ASSERT_EQ((*row)["study"].str(), study);
    auto vs_stan = [&](const hbm::ParamSummary& ours, const hbm::test::Mcse& m, ZTracker& zt, const char* who) {
      const double bulk = std::sqrt(ours.ess_bulk / (*row)["ess_bulk"].num());
      const double tail = std::sqrt(ours.ess_tail / (*row)["ess_tail"].num());
      auto tol = [&](double e, double ratio) { return kZ * e * std::sqrt(1.0 + ratio * ratio); };
      const struct {
        const char* name;
        double ours, theirs, tol;
      } cmp[] = {{"mean", ours.mean, (*row)["mean"].num(), tol(m.mean, bulk)},
                 {"sd", ours.sd, (*row)["sd"].num(), tol(m.sd, bulk)},
                 {"q2.5", ours.q[0], (*row)["2.5%"].num(), tol(m.q025, tail)},
                 {"q50", ours.q[3], (*row)["50%"].num(), tol(m.q50, bulk)},
                 {"q97.5", ours.q[6], (*row)["97.5%"].num(), tol(m.q975, tail)}};
      for (const auto& c : cmp) {
        EXPECT_NEAR(c.ours, c.theirs, c.tol) << study << " theta " << c.name << " (" << who << " vs rstan)";
        zt.add(c.ours - c.theirs, c.tol, study + " " + c.name);
      }
    };
    vs_stan(a, ma, hs, "hmc");
    vs_stan(b, mb, gs, "gibbs");
  }
  std::printf("[ %s ] study theta: hmc vs gibbs %d comparisons, max |z| %.2f (%s); hmc vs rstan max |z| %.2f (%s); "
              "gibbs vs rstan max |z| %.2f (%s)\n",
              ds.c_str(), hg.n, hg.max_z, hg.where.c_str(), hs.max_z, hs.where.c_str(), gs.max_z, gs.where.c_str());
}

INSTANTIATE_TEST_SUITE_P(Reference, StudyEffects, ::testing::Values(StudyCase{"bcg"}, StudyCase{"nielweise2007"}),
                         [](const ::testing::TestParamInfo<StudyCase>& i) { return std::string(i.param.dataset); });

// ---- 3. theta_new = fitted_new + tau z ------------------------------------------------------------

// Checks the new-clinic draws against fitted (mu + x_new' beta, already verified by the caller)
// and tau: the z = (theta_new - fitted) / tau are iid N(0, 1), independent of the posterior.
void check_new_clinic_draws(const std::vector<double>& theta_new, const std::vector<double>& fitted,
                            const std::vector<double>& tau, int chains, const char* label) {
  const std::size_t N = theta_new.size();
  ASSERT_EQ(fitted.size(), N);
  ASSERT_EQ(tau.size(), N);
  ASSERT_EQ(N % static_cast<std::size_t>(chains), 0u);
  const std::size_t S = N / static_cast<std::size_t>(chains);
  const double n = static_cast<double>(N);

  const Moments mt = moments(theta_new), mf = moments(fitted);
  double s_tau2 = 0, s_tau4 = 0, s_a2tau2 = 0;
  for (std::size_t k = 0; k < N; ++k) {
    const double t2 = tau[k] * tau[k], a = fitted[k] - mf.mean;
    s_tau2 += t2;
    s_tau4 += t2 * t2;
    s_a2tau2 += a * a * t2;
  }
  const double e_tau2 = s_tau2 / (n - 1);
  const double se_mean = std::sqrt(s_tau2) / n, se_var = std::sqrt(4 * s_a2tau2 + 2 * s_tau4) / n;
  const double d_mean = mt.mean - mf.mean, d_var = mt.var - mf.var - e_tau2;
  EXPECT_NEAR(d_mean, 0.0, kZ * se_mean) << label << ": mean(theta_new) vs mean(fitted_new)";
  EXPECT_NEAR(d_var, 0.0, kZ * se_var) << label << ": var(theta_new) vs var(fitted_new) + E[tau^2]";
  // The check has power: theta_new = fitted_new (tau z dropped) would miss by E[tau^2] > 8 se.
  EXPECT_GT(e_tau2, 2 * kZ * se_var) << label;

  std::vector<double> z(N), z_prev, z_cur, z_a, z_b;
  for (std::size_t k = 0; k < N; ++k) z[k] = (theta_new[k] - fitted[k]) / tau[k];
  for (std::size_t c = 0; c < static_cast<std::size_t>(chains); ++c)
    for (std::size_t t = 1; t < S; ++t) {
      z_prev.push_back(z[c * S + t - 1]);
      z_cur.push_back(z[c * S + t]);
    }
  for (std::size_t c = 0; c + 1 < static_cast<std::size_t>(chains); ++c)
    for (std::size_t t = 0; t < S; ++t) {
      z_a.push_back(z[c * S + t]);
      z_b.push_back(z[(c + 1) * S + t]);
    }
  const Moments mz = moments(z);
  const double se_r = 1.0 / std::sqrt(n);  // sd of a sample correlation of independent variables
  EXPECT_NEAR(mz.mean, 0.0, kZ / std::sqrt(n)) << label;
  EXPECT_NEAR(mz.var, 1.0, kZ * std::sqrt(2.0 / n)) << label;
  const double r_tau = correlation(z, tau), r_fit = correlation(z, fitted);
  const double r_lag = correlation(z_prev, z_cur), r_chain = correlation(z_a, z_b);
  EXPECT_NEAR(r_tau, 0.0, kZ * se_r) << label << ": z vs tau";
  EXPECT_NEAR(r_fit, 0.0, kZ * se_r) << label << ": z vs fitted_new";
  EXPECT_NEAR(r_lag, 0.0, kZ / std::sqrt(static_cast<double>(z_cur.size()))) << label << ": z lag 1";
  EXPECT_NEAR(r_chain, 0.0, kZ / std::sqrt(static_cast<double>(z_a.size()))) << label << ": z across chains";
  const double ks = ks_normal(z);
  EXPECT_LT(ks, 1.949) << label << ": Kolmogorov-Smirnov sqrt(N) D of z vs N(0,1) (0.001 critical value 1.949)";
  std::printf("[ %s ] new clinic: z(mean diff) %.2f, z(var diff) %.2f, E[tau^2] %.4f, z mean %.4f var %.4f, "
              "corr(z,tau) %.4f corr(z,fitted) %.4f lag1 %.4f chains %.4f, KS sqrt(N)D %.3f (N %zu)\n",
              label, d_mean / se_mean, d_var / se_var, e_tau2, mz.mean, mz.var, r_tau, r_fit, r_lag, r_chain, ks, N);
}

// Single-arm meta-regression on ten hand-made clinics with a numeric and a three-level
// categorical covariate, predicting at a new clinic with dose=1.5, region=c.
const char* kSingleArmRegression =
    "outcome,study,events,total,dose,region\n"
    "rate,s1,12,80,0.5,a\n"
    "rate,s2,25,110,1.0,a\n"
    "rate,s3,9,40,2.0,a\n"
    "rate,s4,30,95,1.5,b\n"
    "rate,s5,18,70,0.0,b\n"
    "rate,s6,41,120,2.5,b\n"
    "rate,s7,7,60,0.5,c\n"
    "rate,s8,22,75,1.0,c\n"
    "rate,s9,15,50,3.0,c\n"
    "rate,s10,33,140,2.0,a\n";

TEST(SingleArmNewClinic, ThetaNewIsFittedNewPlusTauTimesStandardNormal) {
  const auto dir = hbm::test::fresh_temp_dir("sa_newclinic");
  hbm::test::write_text(dir / "rate.csv", kSingleArmRegression);
  const int chains = 8, draws = 1000;
  auto r = hbm::test::run_hbmeta("fit " + (dir / "rate.csv").string() + " --out " + (dir / "o").string() +
                                 " --covariates dose,region --new-clinic 'dose=1.5,region=c' --prior-beta 'normal(0,2)'"
                                 " --chains " + std::to_string(chains) + " --warmup 400 --draws " +
                                 std::to_string(draws) + " --seed 31 --frequentist none --quiet");
  ASSERT_EQ(r.status, 0) << r.err;
  const Json out = Json::parse_file((dir / "o" / "summary.json").string())["outcomes"]["rate"];
  EXPECT_EQ(out["new_clinic"].str(), "dose=1.5, region=c");
  // mu is the logit rate at the studies' mean dose (1.4) and the reference region.
  EXPECT_NEAR(out["mu_at"]["dose"].num(), 1.4, 1e-15);
  EXPECT_EQ(out["mu_at"]["region"].str(), "a");
  const auto d = read_draws(dir / "o" / "draws" / "rate.csv");
  const auto &mu = column(d, "mu"), &tau = column(d, "tau"), &bd = column(d, "beta[dose]"),
             &bb = column(d, "beta[region=b]"), &bc = column(d, "beta[region=c]"), &fitted = column(d, "fitted_new"),
             &p_fitted = column(d, "p_fitted_new"), &theta_new = column(d, "theta_new"), &p_new = column(d, "p_new"),
             &p_pooled = column(d, "p_pooled");
  const std::size_t N = static_cast<std::size_t>(chains) * draws;
  ASSERT_EQ(mu.size(), N);
  ASSERT_EQ(bb.size(), N);
  // fitted_new = mu + (x_new - mu_at)' beta at x_new = (dose 1.5, region=b 0, region=c 1), draw by draw.
  std::size_t bad = 0;
  for (std::size_t k = 0; k < N; ++k) {
    const double f = mu[k] + (1.5 - 1.4) * bd[k] + bc[k];
    bad += std::fabs(fitted[k] - f) > 1e-12 * (1 + std::fabs(f));
    bad += std::fabs(p_fitted[k] - inv_logit(fitted[k])) > 1e-15;
    bad += std::fabs(p_new[k] - inv_logit(theta_new[k])) > 1e-15;
    bad += std::fabs(p_pooled[k] - inv_logit(mu[k])) > 1e-15;
  }
  EXPECT_EQ(bad, 0u) << "draws where fitted_new, p_fitted_new, p_new or p_pooled break their definition";
  check_new_clinic_draws(theta_new, fitted, tau, chains, "single-arm rate");
  // summary.json summarises those same columns.
  for (const char* name : {"fitted_new", "p_fitted_new", "theta_new", "p_new"}) {
    const Moments m = moments(column(d, name));
    const auto q = quantiles7(column(d, name));
    const Json& s = out["parameters"][name];
    EXPECT_NEAR(s["mean"].num(), m.mean, 1e-12 * (1 + std::fabs(m.mean))) << name;
    EXPECT_NEAR(s["sd"].num(), std::sqrt(m.var), 1e-12 * std::sqrt(m.var)) << name;
    EXPECT_NEAR(s["q2.5"].num(), q[0], 1e-14 * (1 + std::fabs(q[0]))) << name;
    EXPECT_NEAR(s["q97.5"].num(), q[6], 1e-14 * (1 + std::fabs(q[6]))) << name;
  }
  fs::remove_all(dir);
}

// ---- 2 and 4. the two-arm files: study or = exp(theta), p_treat_* ------------------------------

class TwoArmFiles : public ::testing::Test {
 protected:
  // 9 chains x 489 draws: N - 1 = 4400, a multiple of 40, so every type-7 quantile at the
  // summary's levels (2.5, 5, 25, 50, 75, 95, 97.5%) falls on an order statistic.
  static constexpr int kChains = 9, kDraws = 489;
  static constexpr double kP0 = 0.2;
  static_assert((kChains * kDraws - 1) % 40 == 0);

  static void SetUpTestSuite() {
    dir_ = new fs::path(hbm::test::fresh_temp_dir("twoarm_files"));
    auto r = hbm::test::run_hbmeta("fit " + kRefDir + "bcg.csv --out " + (*dir_ / "o").string() +
                                   " --prior-tau 'half-normal(0.5)' --baseline-rate 0.2 --chains " +
                                   std::to_string(kChains) + " --warmup 400 --draws " + std::to_string(kDraws) +
                                   " --seed 77 --frequentist none --quiet");
    status_ = r.status;
    err_ = new std::string(r.err);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete err_;
  }
  void SetUp() override {
    ASSERT_EQ(status_, 0) << *err_;
    summary_ = Json::parse_file((*dir_ / "o" / "summary.json").string())["outcomes"]["bcg"];
    draws_ = read_draws(*dir_ / "o" / "draws" / "bcg.csv");
  }

  static fs::path* dir_;
  static std::string* err_;
  static int status_;
  Json summary_;
  std::map<std::string, std::vector<double>> draws_;
};
fs::path* TwoArmFiles::dir_ = nullptr;
std::string* TwoArmFiles::err_ = nullptr;
int TwoArmFiles::status_ = -1;

TEST_F(TwoArmFiles, StudyOddsRatiosAreExpOfThetaAndMatchTheDraws) {
  const Json& studies = summary_["studies"];
  ASSERT_EQ(studies.size(), 13u);
  const std::size_t N = static_cast<std::size_t>(kChains) * kDraws;
  double max_quantile_rel = 0;
  for (std::size_t i = 0; i < studies.size(); ++i) {
    const Json &th = studies[i]["theta"], &orr = studies[i]["or"];
    const std::string who = studies[i]["study"].str();
    // or's quantiles are exp of theta's (exact: order statistics, exp monotone).
    for (const char* q : hbm::kQuantileNames) {
      const double want = std::exp(th[q].num());
      EXPECT_NEAR(orr[q].num(), want, 4e-16 * want) << who << " " << q;
      max_quantile_rel = std::max(max_quantile_rel, std::fabs(orr[q].num() - want) / want);
    }
    // The mean is not (Jensen): it is the mean of exp(theta) over the draws.
    const auto& t = column(draws_, "theta[" + std::to_string(i + 1) + "]");
    ASSERT_EQ(t.size(), N);
    std::vector<double> e(N);
    for (std::size_t k = 0; k < N; ++k) e[k] = std::exp(t[k]);
    const Moments mt = moments(t), me = moments(e);
    const auto qt = quantiles7(t), qe = quantiles7(e);
    EXPECT_NEAR(th["mean"].num(), mt.mean, 1e-12 * (1 + std::fabs(mt.mean))) << who;
    EXPECT_NEAR(th["sd"].num(), std::sqrt(mt.var), 1e-12 * std::sqrt(mt.var)) << who;
    EXPECT_NEAR(orr["mean"].num(), me.mean, 1e-12 * me.mean) << who;
    EXPECT_NEAR(orr["sd"].num(), std::sqrt(me.var), 1e-12 * std::sqrt(me.var)) << who;
    EXPECT_GT(orr["mean"].num(), std::exp(th["mean"].num())) << who;
    for (std::size_t k = 0; k < hbm::kQuantileLevels.size(); ++k) {
      EXPECT_EQ(th[hbm::kQuantileNames[k]].num(), qt[k]) << who << " theta " << hbm::kQuantileNames[k];
      EXPECT_EQ(orr[hbm::kQuantileNames[k]].num(), qe[k]) << who << " or " << hbm::kQuantileNames[k];
    }
  }
  std::printf("[ bcg ] study or vs exp(theta) quantiles: max relative difference %.3g\n", max_quantile_rel);
}

TEST_F(TwoArmFiles, TreatmentRatesOddsRatiosAndNewClinicFollowTheirDefinitions) {
  const auto &mu = column(draws_, "mu"), &tau = column(draws_, "tau"), &theta_new = column(draws_, "theta_new"),
             &or_new = column(draws_, "or_new"), &or_pooled = column(draws_, "or_pooled"),
             &pt_new = column(draws_, "p_treat_new"), &pt_pooled = column(draws_, "p_treat_pooled");
  const std::size_t N = static_cast<std::size_t>(kChains) * kDraws;
  ASSERT_EQ(pt_new.size(), N);
  ASSERT_EQ(pt_pooled.size(), N);
  const double l0 = logit(kP0);
  std::size_t bad = 0;
  for (std::size_t k = 0; k < N; ++k) {
    bad += std::fabs(pt_new[k] - inv_logit(l0 + theta_new[k])) > 1e-15;
    bad += std::fabs(pt_pooled[k] - inv_logit(l0 + mu[k])) > 1e-15;
    bad += std::fabs(or_new[k] - std::exp(theta_new[k])) > 1e-15 * or_new[k];
    bad += std::fabs(or_pooled[k] - std::exp(mu[k])) > 1e-15 * or_pooled[k];
  }
  EXPECT_EQ(bad, 0u) << "draws where p_treat_*, or_* break their definition";
  // bcg's vaccine lowers the odds (mu < 0): the treatment rate at a clinic with control rate
  // p0 is below p0 for the typical clinic.
  EXPECT_LT(summary_["parameters"]["p_treat_pooled"]["q97.5"].num(), kP0);
  // Summaries: quantiles through the monotone maps are exact (order statistics).
  const Json& p = summary_["parameters"];
  for (const char* q : hbm::kQuantileNames) {
    EXPECT_NEAR(p["p_treat_new"][q].num(), inv_logit(l0 + p["theta_new"][q].num()), 1e-15) << q;
    EXPECT_NEAR(p["p_treat_pooled"][q].num(), inv_logit(l0 + p["mu"][q].num()), 1e-15) << q;
    EXPECT_NEAR(p["or_new"][q].num(), std::exp(p["theta_new"][q].num()), 4e-16 * p["or_new"][q].num()) << q;
  }
  // theta_new = mu + tau z (no covariates: fitted_new = mu).
  check_new_clinic_draws(theta_new, mu, tau, kChains, "two-arm bcg");
}

}  // namespace
