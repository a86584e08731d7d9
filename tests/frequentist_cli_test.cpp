// `hbmeta fit --frequentist all` end to end: every classical method appears in summary.json with
// the documented fields and the library's (and metafor's) values, the meta-regression entries
// (REML and REML_knha) match metafor, summary.csv carries them, and the stdout comparison table
// prints the same numbers on both scales (natural and model).
//
// References: tests/fixtures/frequentist/frequentist.json and frequentist_extra.json (metafor
// 3.8-1; see the README there). The library itself is validated in tests/frequentist_test.cpp;
// here the point is that the pipeline carries every method through unchanged, so values are
// compared with the library to 1e-12 and with metafor at the library tests' tolerances.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "host/io/csv_reader.hpp"
#include "host/frequentist/frequentist.hpp"
#include "models/logistic.hpp"
#include "support/method_fields.hpp"
#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace fs = std::filesystem;
using hbm::freq::MethodResult;
using hbm::test::Json;
using hbm::test::read_text;
using hbm::test::run_hbmeta;

namespace {

const std::string kFixtures = HBMETA_FIXTURES;
const std::string kFreq = kFixtures + "/frequentist/";
const std::string kRun = " --chains 4 --warmup 200 --draws 100 --seed 7 --frequentist all";

const std::vector<std::string> kRma = {"FE",        "DL",        "REML",      "ML",      "PM",     "SJ",
                                       "HS",        "EB",        "DL_knha",   "REML_knha", "ML_knha", "PM_knha",
                                       "SJ_knha",   "HS_knha",   "EB_knha"};
// The documented fields of every entry (README "summary.json"), and the GLMMs' extra tests.
const std::vector<std::string> kFields = {"estimate", "se",   "ci_lb", "ci_ub", "tau2", "tau",   "tau2_ci_lb", "tau2_ci_ub",
                                          "I2",       "H2",   "Q",     "Q_p",   "pi_lb", "pi_ub", "k",          "note"};
const std::vector<std::string> kGlmmFields = {"Q_lrt", "Q_lrt_p", "tau2_lrt", "tau2_lrt_p"};

// Counts of a fixture CSV (its one outcome, single-arm or two-arm), in file order, read by the
// project's CSV reader.
struct Counts {
  bool two_arm = false;
  std::vector<long long> e, n;
  hbm::freq::TwoArmCounts c;
};

Counts load_counts(const std::string& path) {
  const hbm::OutcomeData o = hbm::read_outcomes(path).at(0);
  Counts d;
  d.two_arm = o.kind == hbm::OutcomeKind::TwoArm;
  for (const auto& st : o.studies) {
    if (d.two_arm) {
      d.c.et.push_back(st.events);
      d.c.nt.push_back(st.total);
      d.c.ec.push_back(st.events_c);
      d.c.nc.push_back(st.total_c);
    } else {
      d.e.push_back(st.events);
      d.n.push_back(st.total);
    }
  }
  return d;
}

double value(const Json& j) { return j.is_null() ? NAN : j.num(); }


void expect_rel(double got, double want, double tol, const std::string& what) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what << ": " << got;
    return;
  }
  EXPECT_NEAR(got, want, tol * std::fabs(want) + 1e-12) << what;
}

// Every entry: the documented fields, equal to the library's values; then against metafor.
void check_block(const Json& block, const std::vector<MethodResult>& lib, const std::vector<std::string>& names,
                 const std::string& dataset) {
  ASSERT_EQ(block.keys(), names);
  ASSERT_EQ(lib.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Json& e = block[names[i]];
    const bool glmm = names[i].rfind("GLMM", 0) == 0;
    std::vector<std::string> want = kFields;
    if (glmm) want.insert(want.begin() + 12, kGlmmFields.begin(), kGlmmFields.end());  // after Q_p
    EXPECT_EQ(e.keys(), want) << names[i];
    EXPECT_EQ(lib[i].name, names[i]);
    for (const std::string& f : want) {
      if (f == "note") {
        EXPECT_EQ(e[f].str(), lib[i].note) << names[i];
        continue;
      }
      expect_rel(value(e[f]), hbm::test::method_field(lib[i], f), 1e-12, dataset + " " + names[i] + " " + f + " (library)");
    }
  }
  // metafor: the base entries (frequentist.json), the other Knapp-Hartung variants and the
  // Q-profile intervals (frequentist_extra.json); closed forms 1e-8, iterative 1e-6, GLMMs 1e-4
  // (nielweise2007's UM.FS and bcg's UM.RS need the wider bounds explained in frequentist_test.cpp).
  const Json base = Json::parse_file(kFreq + "frequentist.json")[dataset];
  const Json extra = Json::parse_file(kFreq + "frequentist_extra.json")[dataset];
  for (const std::string& m : names) {
    const Json& got = block[m];
    const bool closed = m == "FE" || m.rfind("DL", 0) == 0 || m.rfind("HS", 0) == 0 || m.rfind("SJ", 0) == 0 ||
                        m == "MH" || m == "Peto";
    if (m.rfind("GLMM", 0) == 0) {
      const Json& r = base[m];
      const double scale = std::max(std::fabs(r["estimate"].num()), r["se"].num());
      EXPECT_NEAR(got["estimate"].num(), r["estimate"].num(), 2e-3 * scale) << m;
      EXPECT_NEAR(got["tau2"].num(), r["tau2"].num(), 2e-3 * std::max(r["tau2"].num(), 1e-4)) << m;
      EXPECT_NEAR(got["se"].num(), r["se"].num(), 5e-3 * r["se"].num()) << m;
      const Json& h = extra["glmm"][m];
      // (UM.RS's Wald test rests on lme4's finite-difference vcov: 5e-3, see frequentist_test.cpp)
      expect_rel(got["Q"].num(), h["QE_Wld"].num(), m == "GLMM_UM.RS" ? 5e-3 : 1e-4,
                 dataset + " " + m + " QE.Wld (metafor)");
      expect_rel(got["Q_lrt"].num(), h["QE_LRT"].num(), 1e-4, dataset + " " + m + " QE.LRT (metafor)");
      expect_rel(got["I2"].num(), h["I2"].num(), 2e-3, dataset + " " + m + " I2 (metafor)");
      continue;
    }
    const Json& r = base.contains(m) ? base[m] : extra["knha"][m];
    const double tol = closed ? 1e-8 : 1e-6;
    for (const char* f : {"estimate", "se", "ci_lb", "ci_ub", "tau2", "I2", "H2", "Q", "Q_p", "pi_lb", "pi_ub", "k"}) {
      if (!r.contains(f)) continue;
      const double want = r[f].is_object() || r[f].is_null() ? NAN : r[f].num();
      expect_rel(value(got[f]), want, tol, dataset + " " + m + " " + f + " (metafor)");
    }
    const std::string method = m.substr(0, m.find('_'));
    if (extra["qprofile"].contains(method)) {
      const Json& q = extra["qprofile"][method];
      expect_rel(got["tau2_ci_lb"].num(), q["tau2_ci_lb"].num(), 1e-6, dataset + " " + m + " tau2_ci_lb (metafor)");
      expect_rel(got["tau2_ci_ub"].num(), q["tau2_ci_ub"].num(), 1e-6, dataset + " " + m + " tau2_ci_ub (metafor)");
    }
  }
}

// The row of `method` in the stdout block whose title line starts with `title`: the five
// columns as printed (method, pooled, "[lo, hi]", tau, "[lo, hi]").
std::vector<std::string> table_row(const std::string& out, const std::string& title, const std::string& method) {
  const std::size_t block = out.find("  " + title);
  EXPECT_NE(block, std::string::npos) << title << "\n" << out;
  if (block == std::string::npos) return {};
  std::istringstream in(out.substr(block));
  std::string line;
  std::getline(in, line);  // the title line
  while (std::getline(in, line)) {
    if (line.rfind("  " + method + " ", 0) != 0) continue;
    // fixed layout: "  %-22s %7s %-18s %7s  %-18s"
    auto trim = [](std::string s) {
      const auto a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
      return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
    };
    return {trim(line.substr(2, 22)), trim(line.substr(25, 7)), trim(line.substr(33, 18)), trim(line.substr(52, 7)),
            trim(line.substr(61))};
  }
  ADD_FAILURE() << "no row " << method << " under " << title << "\n" << out;
  return {};
}

std::string fmt(double x) {
  if (!std::isfinite(x)) return "NA";
  char b[64];
  std::snprintf(b, sizeof b, "%.3f", x);
  return b;
}
std::string fmt_interval(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return "-";
  return "[" + fmt(lo) + ", " + fmt(hi) + "]";
}

// The table rows of every method equal summary.json's values, formatted, on both scales; the
// posterior row equals the posterior medians and quantiles.
void check_table(const std::string& out, const Json& outcome, bool two_arm) {
  const char* nat_title = two_arm ? "method (odds ratio)" : "method (rate scale)";
  const char* mod_title = two_arm ? "method (log odds ratio)" : "method (logit scale)";
  double (*nat)(double) = two_arm ? static_cast<double (*)(double)>(std::exp)
                                  : static_cast<double (*)(double)>(hbm::inv_logit);
  const Json& fq = outcome["frequentist"];
  int rows = 0;
  for (const std::string& m : fq.keys()) {
    const Json& e = fq[m];
    const double est = value(e["estimate"]), lb = value(e["ci_lb"]), ub = value(e["ci_ub"]), tau = value(e["tau"]),
                 plb = value(e["pi_lb"]), pub = value(e["pi_ub"]);
    const auto n = table_row(out, nat_title, m);
    ASSERT_EQ(n.size(), 5u) << m;
    EXPECT_EQ(n[1], fmt(nat(est))) << m;
    EXPECT_EQ(n[2], fmt_interval(nat(lb), nat(ub))) << m;
    EXPECT_EQ(n[3], fmt(tau)) << m;
    EXPECT_EQ(n[4], fmt_interval(nat(plb), nat(pub))) << m;
    const auto l = table_row(out, mod_title, m);
    ASSERT_EQ(l.size(), 5u) << m;
    EXPECT_EQ(l[1], fmt(est)) << m;
    EXPECT_EQ(l[2], fmt_interval(lb, ub)) << m;
    EXPECT_EQ(l[3], fmt(tau)) << m;
    EXPECT_EQ(l[4], fmt_interval(plb, pub)) << m;
    ++rows;
  }
  EXPECT_EQ(rows, static_cast<int>(fq.size()));
  const Json& p = outcome["parameters"];
  const auto bn = table_row(out, nat_title, "Bayesian (posterior)");
  ASSERT_EQ(bn.size(), 5u);
  const Json& pooled = p[two_arm ? "or_pooled" : "p_pooled"];
  const Json& pnew = p[two_arm ? "or_new" : "p_new"];
  EXPECT_EQ(bn[1], fmt(pooled["q50"].num()));
  EXPECT_EQ(bn[2], fmt_interval(pooled["q2.5"].num(), pooled["q97.5"].num()));
  EXPECT_EQ(bn[3], fmt(p["tau"]["q50"].num()));
  EXPECT_EQ(bn[4], fmt_interval(pnew["q2.5"].num(), pnew["q97.5"].num()));
  const auto bl = table_row(out, mod_title, "Bayesian (posterior)");
  ASSERT_EQ(bl.size(), 5u);
  EXPECT_EQ(bl[1], fmt(p["mu"]["q50"].num()));
  EXPECT_EQ(bl[2], fmt_interval(p["mu"]["q2.5"].num(), p["mu"]["q97.5"].num()));
  EXPECT_EQ(bl[4], fmt_interval(p["theta_new"]["q2.5"].num(), p["theta_new"]["q97.5"].num()));
}

}  // namespace

TEST(FrequentistCli, AllMethodsSingleArmMatchLibraryMetaforAndTable) {
  const auto dir = hbm::test::fresh_temp_dir("freq_all1");
  const std::string data = kFreq + "pritz1997.csv";
  auto r = run_hbmeta("fit " + data + " --out " + (dir / "o").string() + kRun);
  ASSERT_EQ(r.status, 0) << r.err;
  const Json s = Json::parse_file((dir / "o" / "summary.json").string());
  EXPECT_EQ(s["config"]["frequentist"].str(), "all");
  const Json& o = s["outcomes"]["pritz1997"];
  const Counts d = load_counts(data);
  std::vector<std::string> names = kRma;
  names.push_back("GLMM_ML");
  check_block(o["frequentist"], hbm::freq::all_methods_single_arm(d.e, d.n), names, "pritz1997");
  check_table(r.out, o, false);
  const std::string csv = read_text(dir / "o" / "summary.csv");
  for (const std::string& m : names)
    for (const char* p : {"mu", "tau", "p_pooled", "theta_new", "p_new"})
      EXPECT_NE(csv.find("pritz1997," + m + "," + p + ",,"), std::string::npos) << m << " " << p;
  fs::remove_all(dir);
}

TEST(FrequentistCli, AllMethodsTwoArmMatchLibraryMetaforAndTable) {
  const auto dir = hbm::test::fresh_temp_dir("freq_all2");
  const std::string data = kFreq + "bcg.csv";
  auto r = run_hbmeta("fit " + data + " --out " + (dir / "o").string() + kRun);
  ASSERT_EQ(r.status, 0) << r.err;
  const Json s = Json::parse_file((dir / "o" / "summary.json").string());
  const Json& o = s["outcomes"]["bcg"];
  const Counts d = load_counts(data);
  std::vector<std::string> names = kRma;
  for (const char* m : {"MH", "Peto", "GLMM_UM.FS", "GLMM_UM.RS"}) names.push_back(m);
  check_block(o["frequentist"], hbm::freq::all_methods_two_arm(d.c), names, "bcg");
  check_table(r.out, o, true);
  const std::string csv = read_text(dir / "o" / "summary.csv");
  for (const std::string& m : names) EXPECT_NE(csv.find("bcg," + m + ",or_pooled,,"), std::string::npos) << m;
  fs::remove_all(dir);
}

// bcg log OR ~ ablat (metadat's dat.bcg; tests/fixtures/frequentist/bcg_ablat.csv): summary.json's
// frequentist_regression (REML) and, with --frequentist all, frequentist_regression_knha against
// metafor's rma(yi, vi, mods = ~ ablat, method = "REML"[, test = "knha"]), iterative: 1e-6.
TEST(FrequentistCli, MetaRegressionAndKnappHartungRegressionMatchMetafor) {
  const auto dir = hbm::test::fresh_temp_dir("freq_reg");
  auto r = run_hbmeta("fit " + kFreq + "bcg_ablat.csv --covariates ablat --out " + (dir / "o").string() + kRun);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("classical meta-regression (REML): intercept"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("classical meta-regression (REML_knha): intercept"), std::string::npos) << r.out;
  const Json s = Json::parse_file((dir / "o" / "summary.json").string());
  const Json& o = s["outcomes"]["bcg"];
  // The intercept is where the posterior's mu is, at the mean latitude: metafor's fit on the
  // centred column (the slope, tau^2, Q, I^2, R^2 are those of the uncentred fit).
  const Json ref = Json::parse_file(kFreq + "frequentist_extra.json")["bcg_ablat_regression_centred"];
  EXPECT_NEAR(o["mu_at"]["ablat"].num(), ref["ablat_mean"].num(), 1e-13);
  for (const char* key : {"frequentist_regression", "frequentist_regression_knha"}) {
    ASSERT_TRUE(o.contains(key)) << key;
    const Json& g = o[key];
    const std::string method = g["method"].str();
    EXPECT_EQ(method, std::string(key) == "frequentist_regression" ? "REML" : "REML_knha");
    const Json& w = ref[method];
    ASSERT_EQ(g["coefficients"].size(), 2u);
    EXPECT_EQ(g["coefficients"][0]["name"].str(), "intercept");
    EXPECT_EQ(g["coefficients"][1]["name"].str(), "ablat");
    for (std::size_t j = 0; j < 2; ++j) {
      const Json& c = g["coefficients"][j];
      for (const char* f : {"estimate", "se", "ci_lb", "ci_ub", "pval"}) {
        const std::string rf = std::string(f) == "estimate" ? "beta" : f;
        expect_rel(c[f].num(), w[rf][j].num(), 1e-6, method + " " + f + "[" + std::to_string(j) + "]");
      }
    }
    for (const char* f : {"tau2", "I2", "H2", "R2", "QE", "QE_p", "QM", "QM_p"})
      expect_rel(g[f].num(), w[f].num(), 1e-6, method + " " + f);
    EXPECT_EQ(g["k"].num(), 13);
    if (method == "REML_knha") EXPECT_EQ(g["df"].num(), 11);
  }
  const std::string csv = read_text(dir / "o" / "summary.csv");
  EXPECT_NE(csv.find("bcg,REML_regression,beta[ablat],,"), std::string::npos);
  EXPECT_NE(csv.find("bcg,REML_knha_regression,beta[ablat],,"), std::string::npos);
  // with the default (basic) set there is no Knapp-Hartung regression entry
  auto b = run_hbmeta("fit " + kFreq + "bcg_ablat.csv --covariates ablat --out " + (dir / "b").string() +
                      " --chains 4 --warmup 200 --draws 100 --quiet");
  ASSERT_EQ(b.status, 0) << b.err;
  const Json sb = Json::parse_file((dir / "b" / "summary.json").string());
  EXPECT_TRUE(sb["outcomes"]["bcg"].contains("frequentist_regression"));
  EXPECT_FALSE(sb["outcomes"]["bcg"].contains("frequentist_regression_knha"));
  fs::remove_all(dir);
}
