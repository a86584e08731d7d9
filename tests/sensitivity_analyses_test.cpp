// The Bayesian side of the sensitivity, subgroup and small-study analyses
// (host/fit/sensitivity_fit.hpp) and the posterior predictive checks
// (host/fit/predictive_checks.hpp). The classical side is tests/frequentist_sensitivity_test.cpp.
//
// - Each variant is a unit of the batched engine with its own data subset and priors: its
//   posterior must equal a separate fit of that subset under those priors (within 4 combined
//   MCSEs of the mean; different RNG streams), and, for single-arm data, the quadrature posterior
//   (tests/support/quadrature.hpp) for a study left out and for two further tau priors.
//   The tests can fail: the variants differ from the full-data fit by many MCSEs (checked).
// - The mixed predictive p-values are close to uniform on data simulated from the model
//   (Kolmogorov-Smirnov distance below its 1% critical value 1.63 / sqrt(K)); the conditional
//   ones are not (they are conservative), so the check is not vacuous.
// - The noncentral hypergeometric sampler inverts the exact cdf (quantile function on a grid
//   equals the one from the pmf computed by direct summation).
// - End to end on BCG: summary.json's classical blocks equal metafor (the fixture of
//   tests/frequentist_sensitivity_test.cpp) and the cumulative order is R's order(year).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "host/fit/outcome_fit.hpp"
#include "host/fit/predictive_checks.hpp"
#include "host/fit/sensitivity_fit.hpp"
#include "models/binomial_rng.hpp"
#include "models/philox.hpp"
#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"
#include "support/quadrature.hpp"

namespace {

using namespace hbm;

OutcomeData single_arm(const std::string& name, const std::vector<std::pair<long long, long long>>& counts) {
  OutcomeData d;
  d.name = name;
  d.kind = OutcomeKind::SingleArm;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    StudyCounts s;
    s.name = "S" + std::to_string(i + 1);
    s.events = counts[i].first;
    s.total = counts[i].second;
    s.study_column_text = {std::to_string(2000 + static_cast<int>((i * 7) % counts.size())), i % 2 ? "a" : "b"};
    d.studies.push_back(s);
  }
  d.study_columns = {"year", "group"};
  return d;
}

// Six studies, the last an outlier (its rate far above the others), so that leaving it out
// moves the posterior by many MCSEs.
const std::vector<std::pair<long long, long long>> kCounts = {{12, 80}, {20, 110}, {9, 70}, {30, 150}, {14, 95}, {45, 90}};

FitOptions quick_options() {
  FitOptions o;
  o.sampler.chains = 8;
  o.sampler.warmup = 400;
  o.sampler.draws = 1000;
  o.frequentist = FrequentistLevel::None;
  o.sensitivity.warmup = 400;
  o.sensitivity.draws = 1000;
  return o;
}

// |a - b| within 4 combined MCSEs of the mean.
void expect_same_mean(const ParamSummary& a, const ParamSummary& b, const std::string& what) {
  const double tol = 4 * std::hypot(a.mcse_mean, b.mcse_mean);
  EXPECT_NEAR(a.mean, b.mean, tol) << what;
}

test::QuadOptions quad_options(const Prior& tau_prior) {
  test::QuadOptions q;
  q.mu_prior_mean = 0;
  q.mu_prior_sd = 2.5;  // FitOptions' default normal(0, 2.5)
  q.n_mu = 161;
  q.n_tau = 160;
  q.log_prior_tau = [tau_prior](double t) {
    double d = 0;
    return prior_lpdf_grad(tau_prior, t, &d);
  };
  return q;
}

TEST(SensitivityAnalyses, VariantsEqualSeparateFitsAndQuadrature) {
  const OutcomeData data = single_arm("rate", kCounts);
  FitOptions opt = quick_options();
  opt.sensitivity.leave_one_out = true;
  opt.sensitivity.cumulative_by = "year";
  opt.sensitivity.subgroups_by = "group";
  const Prior hn05{PriorKind::HalfNormal, 0, 0.5}, hc1{PriorKind::HalfCauchy, 0, 1.0};
  opt.sensitivity.tau_priors = {hn05, hc1};
  ThreadPool pool(2);
  std::vector<OutcomeResult> results = {fit_outcome(data, opt, pool)};
  add_sensitivity({data}, results, opt, pool);
  const SensitivityResult& s = results[0].sensitivity;
  ASSERT_EQ(s.leave_one_out.size(), 6u);
  ASSERT_EQ(s.cumulative.size(), 6u);
  ASSERT_EQ(s.priors.size(), 3u);  // the fit's own, then the two
  ASSERT_EQ(s.groups.size(), 2u);
  ASSERT_EQ(s.differences.size(), 1u);
  EXPECT_TRUE(s.priors[0].fit_priors);

  // Separate fits of the same subsets and priors (their own RNG streams).
  const auto subset = [&](const std::vector<int>& idx, const std::string& name) {
    OutcomeData d = data;
    d.name = name;
    d.studies.clear();
    for (int i : idx) d.studies.push_back(data.studies[i]);
    return d;
  };
  const OutcomeResult loo = fit_outcome(subset({0, 1, 2, 3, 4}, "separate leave out 6"), opt, pool);
  expect_same_mean(s.leave_one_out[5].posterior.mu, *loo.find("mu"), "leave out S6: mu");
  expect_same_mean(s.leave_one_out[5].posterior.tau, *loo.find("tau"), "leave out S6: tau");
  // The test has power: leaving the outlier out moves mu and tau by far more than the tolerance.
  EXPECT_GT(std::fabs(s.leave_one_out[5].posterior.mu.mean - results[0].find("mu")->mean),
            20 * std::hypot(s.leave_one_out[5].posterior.mu.mcse_mean, results[0].find("mu")->mcse_mean));

  const std::vector<int> order = cumulative_order(data, "year");
  const OutcomeResult cum3 = fit_outcome(subset({order[0], order[1], order[2]}, "separate first 3"), opt, pool);
  expect_same_mean(s.cumulative[2].posterior.mu, *cum3.find("mu"), "first 3 studies: mu");
  EXPECT_EQ(s.cumulative[2].k, 3);
  EXPECT_EQ(s.cumulative[2].study, data.studies[order[2]].name);

  FitOptions with_hc1 = opt;
  with_hc1.prior_tau = hc1;
  const OutcomeResult pr = fit_outcome(subset({0, 1, 2, 3, 4, 5}, "separate half-cauchy"), with_hc1, pool);
  expect_same_mean(s.priors[2].posterior.tau, *pr.find("tau"), "half-cauchy(1): tau");
  EXPECT_EQ(s.priors[2].prior_tau, "half-cauchy(1)");

  const OutcomeResult grp = fit_outcome(subset({1, 3, 5}, "separate group a"), opt, pool);
  ASSERT_EQ(s.groups[0].level, "a");
  expect_same_mean(s.groups[0].posterior.mu, *grp.find("mu"), "subgroup a: mu");
  // The difference of the subgroup means: mean(mu_a - mu_b) = mean(mu_a) - mean(mu_b).
  EXPECT_NEAR(s.differences[0].posterior.mean, s.groups[0].posterior.mu.mean - s.groups[1].posterior.mu.mean, 1e-9);

  // Quadrature: a study left out under the fit's priors, and the full data under two tau priors.
  std::vector<test::QuadStudy> all, without6;
  for (std::size_t i = 0; i < kCounts.size(); ++i) {
    all.push_back({kCounts[i].first, kCounts[i].second});
    if (i != 5) without6.push_back({kCounts[i].first, kCounts[i].second});
  }
  const auto check = [&](const VariantPosterior& p, const test::QuadResult& q, const std::string& what) {
    EXPECT_NEAR(p.mu.mean, q.mu.mean, 4 * p.mu.mcse_mean) << what << ": mu";
    EXPECT_NEAR(p.tau.mean, q.tau.mean, 4 * p.tau.mcse_mean) << what << ": tau";
  };
  check(s.leave_one_out[5].posterior, test::single_arm_quadrature(without6, quad_options(opt.prior_tau)),
        "leave out S6");
  check(s.priors[1].posterior, test::single_arm_quadrature(all, quad_options(hn05)), "half-normal(0.5)");
  check(s.priors[2].posterior, test::single_arm_quadrature(all, quad_options(hc1)), "half-cauchy(1)");
}

// Data simulated from the model: logit p_i ~ N(mu, tau^2), y_i ~ Bin(n_i, p_i).
OutcomeData simulated(int K, bool two_arm, std::uint64_t seed) {
  OutcomeData d;
  d.name = two_arm ? "sim2" : "sim1";
  d.kind = two_arm ? OutcomeKind::TwoArm : OutcomeKind::SingleArm;
  RngStream rng(seed, 7, 0, 0, RngPurpose::Init);
  for (int i = 0; i < K; ++i) {
    double z1, z2;
    rng.normal2(z1, z2);
    StudyCounts s;
    s.name = "S" + std::to_string(i + 1);
    s.total = 30 + static_cast<long long>(170 * rng.uniform());
    if (two_arm) {
      const double alpha = -1.0 + 0.5 * z2, delta = -0.5 + 0.6 * z1;
      s.total_c = 30 + static_cast<long long>(170 * rng.uniform());
      s.events_c = static_cast<long long>(binomial_draw(static_cast<double>(s.total_c), 1 / (1 + std::exp(-alpha)), rng));
      s.events = static_cast<long long>(binomial_draw(static_cast<double>(s.total), 1 / (1 + std::exp(-(alpha + delta))), rng));
    } else {
      s.events = static_cast<long long>(binomial_draw(static_cast<double>(s.total), 1 / (1 + std::exp(-(-1.0 + 0.6 * z1))), rng));
    }
    d.studies.push_back(s);
  }
  return d;
}

double ks_uniform(std::vector<double> p) {
  std::sort(p.begin(), p.end());
  const double n = static_cast<double>(p.size());
  double d = 0;
  for (std::size_t i = 0; i < p.size(); ++i)
    d = std::max({d, std::fabs((i + 1) / n - p[i]), std::fabs(p[i] - i / n)});
  return d;
}

TEST(PredictiveChecks, MixedPValuesAreCalibratedOnDataFromTheModel) {
  FitOptions opt = quick_options();
  opt.sampler.warmup = 300;
  opt.sampler.draws = 250;
  ThreadPool pool(2);
  for (bool two_arm : {false, true}) {
    const int K = 200;
    const OutcomeResult r = fit_outcome(simulated(K, two_arm, two_arm ? 11 : 12), opt, pool);
    ASSERT_EQ(r.predictive_checks.size(), static_cast<std::size_t>(K));
    std::vector<double> mixed, cond;
    int outside = 0;
    for (const auto& c : r.predictive_checks) {
      mixed.push_back(c.p_value);
      cond.push_back(c.cond_p_value);
      outside += c.outside();
      EXPECT_LE(c.lo, c.hi);
      EXPECT_LE(c.cond_hi - c.cond_lo, c.hi - c.lo + 1) << "the conditional interval is the narrower";
    }
    const double critical = 1.63 / std::sqrt(static_cast<double>(K));  // KS, 1% level
    std::printf("%s: KS distance from uniform, mixed %.3f, conditional %.3f (1%% critical value %.3f); %d outside\n",
                two_arm ? "two-arm" : "single-arm", ks_uniform(mixed), ks_uniform(cond), critical, outside);
    EXPECT_LT(ks_uniform(mixed), critical) << (two_arm ? "two-arm" : "single-arm");
    // The conditional replicate reuses each study's data: far from uniform, so the KS check above
    // would catch a mixed replicate that used theta_i.
    EXPECT_GT(ks_uniform(cond), critical) << (two_arm ? "two-arm" : "single-arm");
    // About 5% outside their 95% intervals: below the 99.9% point of Binomial(200, 0.05) = 22.
    EXPECT_LE(outside, 22);
    EXPECT_TRUE(predictive_check_warning(r.predictive_checks, "study").empty() || outside >= 2);
  }
}

TEST(PredictiveChecks, WarningOnlyWhenMoreStudiesFallOutsideThanChanceExplains) {
  std::vector<PredictiveCheck> checks(20);
  for (auto& c : checks) {
    c.study = "s";
    c.observed = 5;
    c.lo = 0;
    c.hi = 10;
  }
  checks[0].observed = 11;
  checks[1].observed = 12;
  // 2 of 20 outside: P(Bin(20, 0.05) >= 2) = 0.26, not warned.
  EXPECT_TRUE(predictive_check_warning(checks, "study").empty());
  checks[2].observed = 13;
  checks[3].observed = 14;
  // 4 of 20: P = 0.016.
  const std::string w = predictive_check_warning(checks, "study");
  EXPECT_NE(w.find("4 of 20 studies have"), std::string::npos) << w;
}

TEST(PredictiveChecks, NoncentralHypergeometricInvertsTheExactCdf) {
  // (nt, nc, m, psi): interior, an arm smaller than m, psi far from 1, a one-point support.
  const struct { long long nt, nc, m; double psi; } cases[] = {
      {30, 40, 20, 1.0}, {12, 50, 30, 2.5}, {200, 180, 90, 0.05}, {10, 10, 0, 3.0}, {25, 30, 55, 0.7}};
  for (const auto& c : cases) {
    const long long lo = std::max(0LL, c.m - c.nc), hi = std::min(c.nt, c.m);
    std::vector<double> logf;
    for (long long y = lo; y <= hi; ++y)
      logf.push_back(std::lgamma(c.nt + 1.0) - std::lgamma(y + 1.0) - std::lgamma(c.nt - y + 1.0) +
                     std::lgamma(c.nc + 1.0) - std::lgamma(c.m - y + 1.0) - std::lgamma(c.nc - c.m + y + 1.0) +
                     static_cast<double>(y) * std::log(c.psi));
    const double top = *std::max_element(logf.begin(), logf.end());
    double total = 0;
    for (double& v : logf) total += (v = std::exp(v - top));
    std::vector<double> cdf;
    double acc = 0;
    for (double v : logf) cdf.push_back(acc += v / total);
    for (int j = 0; j < 997; ++j) {
      const double u = (j + 0.5) / 997;
      long long expected = lo;
      while (expected < hi && cdf[expected - lo] < u) ++expected;
      EXPECT_EQ(noncentral_hypergeometric_draw(c.nt, c.nc, c.m, c.psi, u), expected)
          << c.nt << " " << c.nc << " " << c.m << " " << c.psi << " u=" << u;
    }
  }
}

TEST(SensitivityAnalyses, ClassicalBlocksEqualMetaforEndToEnd) {
  const auto dir = test::fresh_temp_dir("sensitivity_bcg");
  const std::string csv = std::string(HBMETA_FIXTURES) + "/sensitivity/bcg.csv";
  const test::CliResult r = test::run_hbmeta(
      "fit " + csv + " --out " + (dir / "out").string() +
      " --leave-one-out --cumulative year --subgroups alloc --small-study --chains 4 --warmup 150 --draws 100"
      " --sensitivity-warmup 100 --sensitivity-draws 50 --frequentist none --threads 2 --quiet");
  ASSERT_EQ(r.status, 0) << r.err;
  const test::Json out = test::Json::parse_file((dir / "out" / "summary.json").string());
  const test::Json& s = out["outcomes"]["tb"]["sensitivity"];
  const test::Json fx = test::Json::parse_file(std::string(HBMETA_FIXTURES) + "/frequentist/sensitivity_bcg.json");
  const auto near = [](double ours, double metafor, const std::string& what) {
    EXPECT_LE(std::fabs(ours - metafor), 1e-6 * std::max(std::fabs(metafor), 1e-6)) << what;
  };
  for (std::size_t i = 0; i < 13; ++i) {
    const test::Json& row = s["leave_one_out"][i];
    near(row["REML"]["estimate"].num(), fx["leave1out"]["estimate"][i].num(), "leave1out estimate " + std::to_string(i));
    near(row["REML"]["tau2"].num(), fx["leave1out"]["tau2"][i].num(), "leave1out tau2 " + std::to_string(i));
    near(row["influence"]["cook_d"].num(), fx["influence"]["cook_d"][i].num(), "cook.d " + std::to_string(i));
    EXPECT_EQ(row["study"].str(), fx["study"][i].str());
  }
  // cumul(): the permutation (1-based) of R's order(year), ties in input order.
  for (std::size_t j = 0; j < 13; ++j) {
    const int study = static_cast<int>(fx["cumulative"]["permutation"][j].num()) - 1;
    EXPECT_EQ(s["cumulative"]["steps"][j]["study"].str(), fx["study"][study].str()) << "step " << j;
    near(s["cumulative"]["steps"][j]["REML"]["estimate"].num(), fx["cumulative"]["estimate"][j].num(),
         "cumul estimate " + std::to_string(j));
  }
  near(s["subgroups"]["test"]["QM"].num(), fx["subgroups"]["test"]["QM"].num(), "QM");
  near(s["small_study"]["egger"]["z"].num(), fx["regtest"]["sei"]["zval"].num(), "Egger z");
  near(s["small_study"]["peters"]["z"].num(), fx["regtest"]["ninv"]["zval"].num(), "Peters z");
  EXPECT_EQ(static_cast<int>(s["small_study"]["trimfill"]["k0"].num()), static_cast<int>(fx["trimfill"]["k0"].num()));
  EXPECT_EQ(s["ppc"].size(), 13u);
}

TEST(SensitivityAnalyses, BadOptionsAndColumnsGetOneLineErrors) {
  const auto dir = test::fresh_temp_dir("sensitivity_errors");
  const std::string csv = std::string(HBMETA_FIXTURES) + "/sensitivity/bcg.csv";
  const auto run = [&](const std::string& extra) {
    return test::run_hbmeta("fit " + csv + " --out " + (dir / "o").string() + " --quiet --ignore-columns year,alloc " + extra);
  };
  test::CliResult r = test::run_hbmeta("fit " + csv + " --out " + (dir / "o").string() + " --quiet --ignore-columns year --subgroups region");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--subgroups names column 'region', which is not in the header"), std::string::npos) << r.err;
  r = test::run_hbmeta("fit " + csv + " --out " + (dir / "o").string() + " --quiet --ignore-columns alloc --cumulative alloc");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--cumulative: 'alloc' is also given to --ignore-columns"), std::string::npos) << r.err;
  r = run("--sensitivity some");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--sensitivity"), std::string::npos) << r.err;
  r = run("--prior-sensitivity 'half-normal(1);'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--prior-sensitivity: an empty prior"), std::string::npos) << r.err;
  // An empty subgroup value: file:line and the option.
  const auto bad = dir / "bad.csv";
  test::write_text(bad, "outcome,study,events,total,g\nr,A,1,10,x\nr,B,2,10,\n");
  r = test::run_hbmeta("fit " + bad.string() + " --out " + (dir / "o").string() + " --quiet --subgroups g");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.csv:3: column g is empty; --subgroups needs every study's value"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "o"));
}

}  // namespace
