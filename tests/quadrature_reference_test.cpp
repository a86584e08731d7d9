// The quadrature test helper (tests/support/quadrature.*) against the project's independent
// quadrature references (tests/fixtures/reference, copied from the shared validation set), and
// its stability on large-n and rare-event data.
//
// Tolerance: 1e-3 absolute on means, sds and quantiles. Both sides are deterministic
// quadratures of the same posterior (no Monte Carlo error); they differ only in the grid
// (ranges, spacing, tau map) and in the interpolation used for quantiles, and each is converged
// to well below 1e-4 (see GridConvergence below), so a 1e-3 disagreement would mean a real bug
// in one of them, while the tolerance stays far tighter than anything a sampler is tested to.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/mini_json.hpp"
#include "support/quadrature.hpp"

#ifndef HBMETA_FIXTURES
#error "HBMETA_FIXTURES (path to tests/fixtures) must be defined"
#endif

namespace {

using hbm::test::Json;
using hbm::test::QuadOptions;
using hbm::test::QuadResult;
using hbm::test::QuadStudy;
using hbm::test::QuadSummary;

std::string ref_path(const std::string& name) { return std::string(HBMETA_FIXTURES) + "/reference/" + name; }

// Split one CSV line (double-quoted fields may contain commas and "" escapes).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<QuadStudy> read_single_arm_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string line;
  std::getline(in, line);
  const auto header = csv_fields(line);
  int ie = -1, it = -1;
  for (size_t k = 0; k < header.size(); ++k) {
    if (header[k] == "events") ie = static_cast<int>(k);
    if (header[k] == "total") it = static_cast<int>(k);
  }
  if (ie < 0 || it < 0) throw std::runtime_error("no events/total columns in " + path);
  std::vector<QuadStudy> out;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    const auto f = csv_fields(line);
    out.push_back({std::stoll(f.at(ie)), std::stoll(f.at(it))});
  }
  return out;
}

QuadOptions options_for(const std::string& prior) {
  QuadOptions opt;
  opt.mu_prior_mean = 0.0;
  opt.mu_prior_sd = 10.0;
  if (prior == "hn1") {
    opt.log_prior_tau = [](double t) { return -0.5 * t * t; };
  } else if (prior == "hc05") {
    opt.log_prior_tau = [](double t) { return -std::log1p((t / 0.5) * (t / 0.5)); };
  } else {
    throw std::runtime_error("unknown prior " + prior);
  }
  return opt;
}

const char* kQuantileKeys[7] = {"0.025", "0.05", "0.25", "0.5", "0.75", "0.95", "0.975"};

std::vector<double> quantiles_of(const QuadSummary& s) {
  return {s.q025, s.q05, s.q25, s.q50, s.q75, s.q95, s.q975};
}

// Tracks the largest absolute error per quantity group and checks each entry.
struct ErrorTable {
  double tol;
  std::map<std::string, double> max_err;
  void check(const std::string& group, const std::string& what, double got, double want) {
    const double e = std::fabs(got - want);
    double& m = max_err[group];
    m = std::max(m, e);
    EXPECT_TRUE(std::isfinite(got)) << what;
    EXPECT_NEAR(got, want, tol) << what;
  }
  void print(const std::string& title) const {
    std::printf("[ %s ] max |quadrature - reference|:\n", title.c_str());
    for (const auto& [k, v] : max_err) std::printf("    %-22s %.3e\n", k.c_str(), v);
  }
};

void compare_with_reference(const std::string& dataset, const std::string& prior) {
  const auto studies = read_single_arm_csv(ref_path(dataset + ".csv"));
  const Json ref = Json::parse_file(ref_path(dataset + "__" + prior + ".json"));
  ASSERT_EQ(ref["studies"].size(), studies.size());
  for (size_t i = 0; i < studies.size(); ++i) {
    ASSERT_EQ(static_cast<long long>(ref["studies"][i]["events"].num()), studies[i].events) << i;
    ASSERT_EQ(static_cast<long long>(ref["studies"][i]["total"].num()), studies[i].total) << i;
  }

  const auto t0 = std::chrono::steady_clock::now();
  const QuadResult r = hbm::test::single_arm_quadrature(studies, options_for(prior));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  ErrorTable et{1e-3, {}};
  auto summary = [&](const std::string& name, const Json& j, const QuadSummary& s, bool moments) {
    if (moments) {
      et.check(name + ".mean", name + ".mean", s.mean, j["mean"].num());
      et.check(name + ".sd", name + ".sd", s.sd, j["sd"].num());
    } else if (j.contains("mean")) {
      et.check(name + ".mean", name + ".mean", s.mean, j["mean"].num());
    }
    const auto q = quantiles_of(s);
    for (int k = 0; k < 7; ++k)
      et.check(name + ".quantiles", name + " q" + kQuantileKeys[k], q[k], j["quantiles"][kQuantileKeys[k]].num());
  };
  summary("mu", ref["mu"], r.mu, true);
  summary("tau", ref["tau"], r.tau, true);
  summary("theta_new", ref["theta_new"], r.theta_new, false);
  summary("pooled_p", ref["pooled_p"], r.p_pooled, false);
  summary("p_new", ref["p_new"], r.p_new, false);
  for (size_t i = 0; i < studies.size(); ++i) {
    const Json& s = ref["studies"][i];
    const std::string id = "study " + std::to_string(i);
    et.check("study.theta_mean", id + " theta_mean", r.study_theta_mean[i], s["theta_mean"].num());
    et.check("study.theta_sd", id + " theta_sd", r.study_theta_sd[i], s["theta_sd"].num());
    et.check("study.p_mean", id + " p_mean", r.study_p_mean[i], s["p_mean"].num());
    et.check("study.p_sd", id + " p_sd", r.study_p_sd[i], s["p_sd"].num());
  }
  EXPECT_LT(r.edge_log_density, -15.0);
  et.print(dataset + "__" + prior);
  std::printf("    grid mu [%.4g, %.4g] x tau [%.4g, %.4g] (c = %.4g), %d x %d, %.2f s\n", r.grid_mu_lo,
              r.grid_mu_hi, r.grid_tau_lo, r.grid_tau_hi, r.grid_tau_scale, r.grid_n_mu, r.grid_n_tau, secs);
}

void expect_sane(const QuadSummary& s, const std::string& what) {
  const auto q = quantiles_of(s);
  EXPECT_TRUE(std::isfinite(s.mean)) << what;
  EXPECT_TRUE(std::isfinite(s.sd) && s.sd >= 0) << what;
  for (int k = 0; k < 7; ++k) {
    EXPECT_TRUE(std::isfinite(q[k])) << what << " q" << kQuantileKeys[k];
    if (k > 0) {
      EXPECT_LE(q[k - 1], q[k]) << what << " quantiles not ordered";
    }
  }
}

void expect_all_finite(const QuadResult& r, size_t k) {
  expect_sane(r.mu, "mu");
  expect_sane(r.tau, "tau");
  expect_sane(r.theta_new, "theta_new");
  expect_sane(r.p_new, "p_new");
  expect_sane(r.p_pooled, "p_pooled");
  ASSERT_EQ(r.study_theta_mean.size(), k);
  for (size_t i = 0; i < k; ++i) {
    EXPECT_TRUE(std::isfinite(r.study_theta_mean[i])) << i;
    EXPECT_TRUE(std::isfinite(r.study_theta_sd[i]) && r.study_theta_sd[i] > 0) << i;
    EXPECT_TRUE(std::isfinite(r.study_p_mean[i]) && r.study_p_mean[i] >= 0 && r.study_p_mean[i] <= 1) << i;
    EXPECT_TRUE(std::isfinite(r.study_p_sd[i]) && r.study_p_sd[i] >= 0) << i;
  }
  EXPECT_GE(r.tau.q025, 0.0);
  EXPECT_GT(r.p_new.q025, 0.0);
  EXPECT_LE(r.p_new.q975, 1.0);
  // no posterior mass on the grid edge (tau = 0 is the natural end and is excluded)
  EXPECT_LT(r.edge_log_density, -15.0);
}

}  // namespace

TEST(Quadrature, ReproducesReferenceOnPritz1997Hn1) { compare_with_reference("pritz1997", "hn1"); }
TEST(Quadrature, ReproducesReferenceOnPritz1997Hc05) { compare_with_reference("pritz1997", "hc05"); }
TEST(Quadrature, ReproducesReferenceOnHannum2020Hn1) { compare_with_reference("hannum2020", "hn1"); }
TEST(Quadrature, ReproducesReferenceOnHannum2020Hc05) { compare_with_reference("hannum2020", "hc05"); }

TEST(Quadrature, GaussHermiteRuleIntegratesPolynomialsAndGaussians) {
  for (int n : {1, 2, 5, 20, 40, 64}) {
    std::vector<double> x, w;
    hbm::test::gauss_hermite(n, x, w);
    ASSERT_EQ(x.size(), static_cast<size_t>(n));
    const double sqpi = std::sqrt(3.14159265358979323846);
    // int x^{2k} e^{-x^2} = Gamma(k + 1/2), exact for 2k <= 2n - 1
    for (int k = 0; 2 * k <= 2 * n - 1; ++k) {
      double s = 0.0;
      for (int j = 0; j < n; ++j) s += w[j] * std::pow(x[j], 2 * k);
      const double exact = std::tgamma(k + 0.5);
      EXPECT_NEAR(s / exact, 1.0, 1e-11) << "n=" << n << " k=" << k;
    }
    for (int j = 1; j < n; ++j) EXPECT_LT(x[j - 1], x[j]);
    double s = 0.0;
    for (int j = 0; j < n; ++j) s += w[j] * std::cos(x[j]);  // int cos(x) e^{-x^2} = sqrt(pi) e^{-1/4}
    if (n >= 20) {
      EXPECT_NEAR(s, sqpi * std::exp(-0.25), 1e-13);
    }
  }
}

TEST(Quadrature, MiniJsonParsesNestedDocuments) {
  const Json j = Json::parse(
      R"({"a": [1, -2.5e-3, {"b": "x\"y\u00e9\n"}], "c": true, "d": null, "e": NaN, "f": -Infinity,
          "g": {}, "h": [], "0.025": 7})");
  EXPECT_EQ(j.size(), 8u);
  EXPECT_EQ(j["a"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["a"][0].num(), 1.0);
  EXPECT_DOUBLE_EQ(j["a"][1].num(), -2.5e-3);
  EXPECT_EQ(j["a"][2]["b"].str(), "x\"y\xc3\xa9\n");
  EXPECT_TRUE(j["c"].boolean());
  EXPECT_TRUE(j["d"].is_null());
  EXPECT_TRUE(std::isnan(j["e"].num()));
  EXPECT_EQ(j["f"].num(), -INFINITY);
  EXPECT_EQ(j["g"].size(), 0u);
  EXPECT_EQ(j["h"].size(), 0u);
  EXPECT_DOUBLE_EQ(j["0.025"].num(), 7.0);
  EXPECT_TRUE(j.contains("g"));
  EXPECT_FALSE(j.contains("zz"));
  EXPECT_THROW(j["zz"], std::runtime_error);
  EXPECT_THROW(j["a"][3], std::runtime_error);
  EXPECT_THROW(j["a"][0].str(), std::runtime_error);
  EXPECT_THROW(Json::parse("{\"a\": 1,}"), std::runtime_error);
  EXPECT_THROW(Json::parse("[1 2]"), std::runtime_error);
  EXPECT_THROW(Json::parse("{\"a\": 1} x"), std::runtime_error);
}

// Halving the grid (in both directions) changes nothing at the 1e-4 level: the quadrature error
// is far below the 1e-3 reference tolerance (and below any Monte Carlo error).
TEST(Quadrature, GridConvergence) {
  const auto studies = read_single_arm_csv(ref_path("pritz1997.csv"));
  QuadOptions fine = options_for("hc05");
  QuadOptions coarse = fine;
  coarse.n_mu = 201;
  coarse.n_tau = 200;
  coarse.gh_nodes = 20;
  const QuadResult a = hbm::test::single_arm_quadrature(studies, fine);
  const QuadResult b = hbm::test::single_arm_quadrature(studies, coarse);
  double worst = 0.0;
  auto cmp = [&](const QuadSummary& x, const QuadSummary& y, const char* what) {
    const auto qx = quantiles_of(x), qy = quantiles_of(y);
    worst = std::max({worst, std::fabs(x.mean - y.mean), std::fabs(x.sd - y.sd)});
    EXPECT_NEAR(x.mean, y.mean, 1e-4) << what;
    EXPECT_NEAR(x.sd, y.sd, 1e-4) << what;
    for (int k = 0; k < 7; ++k) {
      worst = std::max(worst, std::fabs(qx[k] - qy[k]));
      EXPECT_NEAR(qx[k], qy[k], 1e-4) << what << " q" << kQuantileKeys[k];
    }
  };
  cmp(a.mu, b.mu, "mu");
  cmp(a.tau, b.tau, "tau");
  cmp(a.theta_new, b.theta_new, "theta_new");
  cmp(a.p_new, b.p_new, "p_new");
  for (size_t i = 0; i < studies.size(); ++i) {
    EXPECT_NEAR(a.study_theta_mean[i], b.study_theta_mean[i], 1e-4);
    EXPECT_NEAR(a.study_theta_sd[i], b.study_theta_sd[i], 1e-4);
    worst = std::max({worst, std::fabs(a.study_theta_mean[i] - b.study_theta_mean[i]),
                      std::fabs(a.study_theta_sd[i] - b.study_theta_sd[i])});
  }
  std::printf("    401x400/40 GH vs 201x200/20 GH: max |difference| %.3e\n", worst);
}

// Studies with n = 50,000 .. 200,000: very sharp likelihoods, theta_i pinned to their MLEs.
TEST(Quadrature, StableOnLargeN) {
  const std::vector<QuadStudy> studies = {
      {14877, 50000},  {21934, 80000},  {43980, 120000}, {70811, 200000}, {19033, 65000},
      {37602, 150000}, {28761, 90000},  {61245, 175000}, {30100, 100000}, {45999, 160000},
  };
  QuadOptions opt = options_for("hn1");
  const QuadResult r = hbm::test::single_arm_quadrature(studies, opt);
  expect_all_finite(r, studies.size());
  for (size_t i = 0; i < studies.size(); ++i) {
    const double y = static_cast<double>(studies[i].events), n = static_cast<double>(studies[i].total);
    const double mle = std::log(y / (n - y));
    const double se = std::sqrt(1.0 / y + 1.0 / (n - y));
    // essentially no shrinkage: the posterior of theta_i is the likelihood's
    EXPECT_NEAR(r.study_theta_mean[i], mle, 0.05 * se) << i;
    EXPECT_NEAR(r.study_theta_sd[i], se, 0.05 * se) << i;
    EXPECT_NEAR(r.study_p_mean[i], y / n, 0.05 * std::sqrt(y * (n - y) / n) / n) << i;
  }
  EXPECT_GT(r.tau.q025, 0.05);  // heterogeneous data: tau well away from 0
}

// Mostly zero events: y = 0 integrands are one-sided, tau's posterior reaches down to 0.
TEST(Quadrature, StableOnRareEvents) {
  const std::vector<QuadStudy> studies = {
      {0, 227}, {0, 39}, {0, 99}, {1, 136}, {0, 98}, {0, 55}, {0, 65},
      {1, 180}, {0, 270}, {1, 61}, {0, 38}, {2, 168}, {0, 120}, {0, 80},
  };
  for (const char* prior : {"hn1", "hc05"}) {
    const QuadResult r = hbm::test::single_arm_quadrature(studies, options_for(prior));
    expect_all_finite(r, studies.size());
    EXPECT_LT(r.mu.q975, -3.0) << prior;
    EXPECT_EQ(r.grid_tau_lo, 0.0) << prior;  // tau = 0 is inside the posterior's support
    for (size_t i = 0; i < studies.size(); ++i) EXPECT_LT(r.study_p_mean[i], 0.05) << prior << " " << i;
  }
}

// Extremes: n up to 1e9, y = 0 and y = n, and near-homogeneous huge studies where tau's
// posterior sits at ~1e-5 (very sharp integrands at tiny tau).
TEST(Quadrature, StableOnExtremeCounts) {
  {
    const std::vector<QuadStudy> studies = {{0, 1000000000LL}, {5, 10}, {10, 10}, {0, 3}, {999999999LL, 1000000000LL}};
    const QuadResult r = hbm::test::single_arm_quadrature(studies, options_for("hc05"));
    expect_all_finite(r, studies.size());
    EXPECT_LT(r.study_theta_mean[0], -15.0);
    EXPECT_GT(r.study_theta_mean[4], 15.0);
  }
  {
    const std::vector<QuadStudy> studies = {{300000000LL, 1000000000LL}, {300010000LL, 1000000000LL},
                                            {299990000LL, 1000000000LL}, {150003000LL, 500000000LL}};
    const QuadResult r = hbm::test::single_arm_quadrature(studies, options_for("hn1"));
    expect_all_finite(r, studies.size());
    EXPECT_LT(r.tau.q975, 1e-3);
    EXPECT_NEAR(r.p_pooled.q50, 0.3, 1e-4);
  }
}
