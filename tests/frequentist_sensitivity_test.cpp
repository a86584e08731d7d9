// Classical sensitivity analyses (host/frequentist/sensitivity.hpp) against metafor 3.8-1.
//
// tests/fixtures/frequentist/sensitivity_DATASET.json hold metafor's leave1out(), influence(),
// cumul(), per-subgroup rma() and rma(mods = ~ factor(g)), regtest() ("sei", "ninv"),
// trimfill() and funnel() regions on rma(yi, vi, method = "REML"), written by
// scripts/reference/sensitivity_fixtures.R (see tests/fixtures/frequentist/README.md) for
// bcg (two-arm, k = 13), nielweise2007 (two-arm, single-zero tables and a double-zero table,
// REML fits that do not converge), pritz1997 (single-arm, studies with all events) and hine1989
// (two-arm, k = 6 < 10, tau^2 = 0, a subgroup with one study).
//
// Tolerance: every number within 1e-6 relative, |ours - metafor| <= 1e-6 max(|metafor|, 1e-6),
// i.e. absolute 1e-12 where metafor's value is below 1e-6 in magnitude (exact zeros: tau^2 at
// the boundary, QE of an exact fit). Why 1e-6: the REML estimates come from metafor's Fisher
// scoring with its stopping rule (change in tau^2 < 1e-5), which hbmeta reproduces step for
// step (host/frequentist/tau2_estimators.cpp); an extra or a missing iteration would move
// tau^2 by up to ~1e-5 and everything derived from it by more than 1e-6, while the fixtures
// carry 15 significant digits (rounding 5e-15). Observed: below 1e-12 everywhere (the test
// prints the largest error per analysis). NaN must meet metafor's NA (a fit metafor cannot
// make), and flags, counts, sides and orders must be equal.
//
// A test that cannot fail is a defect: WrongVariantsFailTheComparison runs the same
// comparisons on deliberate mistakes (ML instead of REML, escalc adding 1/2 to every study,
// the cumulative order ignored, trim and fill on the other side, the funnel at p instead of
// p/2) and requires each to miss metafor by far more than the tolerance on at least one dataset.
#include "host/frequentist/sensitivity.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "host/frequentist/frequentist.hpp"
#include "host/io/csv_reader.hpp"
#include "support/mini_json.hpp"

namespace {

using hbm::freq::EffectData;
using hbm::freq::MethodResult;
using hbm::freq::Tau2Method;
using hbm::test::Json;

const std::string kDir = std::string(HBMETA_FIXTURES) + "/frequentist/";
const std::vector<std::string> kDatasets = {"bcg", "nielweise2007", "pritz1997", "hine1989"};

constexpr double kTol = 1e-6;    // relative, see the header comment
constexpr double kFloor = 1e-6;  // below this |metafor| the comparison is absolute (kTol * kFloor)

// ------------------------------------------------------------------------- data --------------

struct Data {
  EffectData es;
  std::vector<double> ni;
};

// The dataset's CSV as hbmeta reads studies: escalc "PLO" for single-arm, "OR" for two-arm
// counts with metafor's defaults (or 1/2 added to every study: the deliberate mistake below).
Data load(const std::string& name, bool add_half_everywhere = false) {
  const hbm::CsvTable t = hbm::read_csv(kDir + name + ".csv");
  std::map<std::string, std::size_t> col;
  for (std::size_t c = 0; c < t.header.size(); ++c) col[t.header[c]] = c;
  Data d;
  auto count = [&](const std::vector<std::string>& row, const char* name) { return std::stoll(row[col.at(name)]); };
  if (col.count("events")) {
    std::vector<long long> x, n;
    for (const auto& row : t.rows) {
      x.push_back(count(row, "events"));
      n.push_back(count(row, "total"));
      d.ni.push_back(static_cast<double>(n.back()));
    }
    d.es = hbm::freq::escalc_plo(x, n);
    if (add_half_everywhere)
      for (std::size_t i = 0; i < x.size(); ++i)
        if (x[i] != 0 && x[i] != n[i]) {
          const double a = x[i] + 0.5, b = n[i] - x[i] + 0.5;
          d.es.yi[i] = std::log(a / b);
          d.es.vi[i] = 1 / a + 1 / b;
        }
  } else {
    hbm::freq::TwoArmCounts c;
    for (const auto& row : t.rows) {
      c.et.push_back(count(row, "events_t"));
      c.nt.push_back(count(row, "total_t"));
      c.ec.push_back(count(row, "events_c"));
      c.nc.push_back(count(row, "total_c"));
      d.ni.push_back(static_cast<double>(c.nt.back() + c.nc.back()));
    }
    d.es = hbm::freq::escalc_or(c);
    if (add_half_everywhere)
      for (std::size_t i = 0; i < c.size(); ++i) {
        const double a = c.et[i] + 0.5, b = c.nt[i] - c.et[i] + 0.5, cc = c.ec[i] + 0.5, dd = c.nc[i] - c.ec[i] + 0.5;
        d.es.yi[i] = std::log(a * dd / (b * cc));
        d.es.vi[i] = 1 / a + 1 / b + 1 / cc + 1 / dd;
      }
  }
  return d;
}

const Json& fixture(const std::string& name) {
  static std::map<std::string, Json> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, Json::parse_file(kDir + "sensitivity_" + name + ".json")).first;
  return it->second;
}

// ------------------------------------------------------------------ comparison ---------------

// The largest error of one comparison, where it occurred, and whether anything was compared.
struct Check {
  double worst = 0;
  double worst_finite = 0;  // the largest error between two finite values (NaN/count mismatches aside)
  std::string where;
  int compared = 0;

  void fail(const std::string& what) { note(std::numeric_limits<double>::infinity(), what); }
  void note(double err, const std::string& what) {
    ++compared;
    if (std::isfinite(err)) worst_finite = std::max(worst_finite, err);
    if (err > worst || std::isnan(err)) {
      worst = std::isnan(err) ? std::numeric_limits<double>::infinity() : err;
      where = what;
    }
  }
  // metafor's NA (JSON null) must meet NaN; otherwise the relative error with the floor.
  void num(double ours, const Json& ref, const std::string& what) {
    if (ref.is_null()) {
      if (!std::isnan(ours)) fail(what + ": ours " + std::to_string(ours) + ", metafor NA");
      else ++compared;
      return;
    }
    const double r = ref.num();
    if (!std::isfinite(ours)) {
      fail(what + ": ours " + std::to_string(ours) + ", metafor " + std::to_string(r));
      return;
    }
    note(std::fabs(ours - r) / std::max(std::fabs(r), kFloor), what);
  }
  void same(bool equal, const std::string& what) {
    if (equal) ++compared;
    else fail(what);
  }
};

// The fields leave1out()/cumul() report (+ predict()'s PI), under the fixture's names.
struct Field {
  const char* name;
  double MethodResult::*member;
};
constexpr Field kFitFields[] = {
    {"estimate", &MethodResult::estimate}, {"se", &MethodResult::se},       {"zval", &MethodResult::zval},
    {"pval", &MethodResult::pval},         {"ci_lb", &MethodResult::ci_lb}, {"ci_ub", &MethodResult::ci_ub},
    {"Q", &MethodResult::Q},               {"Qp", &MethodResult::Q_p},      {"tau2", &MethodResult::tau2},
    {"I2", &MethodResult::I2},             {"H2", &MethodResult::H2},       {"pi_lb", &MethodResult::pi_lb},
    {"pi_ub", &MethodResult::pi_ub}};

// Entry i of the fixture's per-row arrays (leave1out, cumul).
void compare_fit(const MethodResult& m, const Json& ref, std::size_t i, const std::string& what, Check& c) {
  for (const Field& f : kFitFields) c.num(m.*f.member, ref[f.name][i], what + " " + f.name);
}

// A single fit stored as an object (subgroup levels).
void compare_fit(const MethodResult& m, const Json& ref, const std::string& what, Check& c) {
  for (const Field& f : kFitFields) c.num(m.*f.member, ref[f.name], what + " " + f.name);
  c.same(m.k == static_cast<int>(ref["k"].num()), what + " k");
}

Check check_leave_one_out(const Data& d, const Json& fx, Tau2Method method) {
  Check c;
  const auto l1 = hbm::freq::leave_one_out(d.es, method);
  const Json& ref = fx["leave1out"];
  c.same(l1.rows.size() == ref["estimate"].size(), "number of rows");
  for (std::size_t i = 0; i < std::min(l1.rows.size(), ref["estimate"].size()); ++i) {
    c.same(l1.rows[i].study == static_cast<int>(i), "study index " + std::to_string(i));
    compare_fit(l1.rows[i].fit, ref, i, "without study " + std::to_string(i), c);
  }
  return c;
}

// influence() of the effects `es` against metafor's columns in `ref`.
Check check_influence(const EffectData& es, const Json& ref, Tau2Method method) {
  Check c;
  const auto inf = hbm::freq::influence(es, method);
  c.same(inf.rows.size() == ref["hat"].size(), "number of rows");
  for (std::size_t i = 0; i < std::min(inf.rows.size(), ref["hat"].size()); ++i) {
    const auto& r = inf.rows[i];
    const std::string s = "study " + std::to_string(i) + " ";
    c.num(r.rstudent, ref["rstudent"][i], s + "rstudent");
    c.num(r.dffits, ref["dffits"][i], s + "dffits");
    c.num(r.cook_d, ref["cook_d"][i], s + "cook_d");
    c.num(r.cov_r, ref["cov_r"][i], s + "cov_r");
    c.num(r.tau2_del, ref["tau2_del"][i], s + "tau2_del");
    c.num(r.QE_del, ref["QE_del"][i], s + "QE_del");
    c.num(r.hat, ref["hat"][i], s + "hat");
    c.num(r.weight, ref["weight"][i], s + "weight");
    c.num(r.dfbs, ref["dfbs"][i], s + "dfbs");
    c.same(r.influential == ref["inf"][i].boolean(), s + "influential flag");
  }
  return c;
}
Check check_influence(const Data& d, const Json& fx, Tau2Method method) {
  return check_influence(d.es, fx["influence"], method);
}

Check check_cumulative(const Data& d, const Json& fx, Tau2Method method, bool use_order = true) {
  Check c;
  const Json& ref = fx["cumulative"];
  std::vector<double> key;
  for (std::size_t i = 0; i < ref["key"].size(); ++i) key.push_back(ref["key"][i].num());
  const auto cu = use_order ? hbm::freq::cumulative(d.es, key, method) : hbm::freq::cumulative(d.es, method);
  c.same(cu.steps.size() == ref["estimate"].size(), "number of steps");
  for (std::size_t i = 0; i < std::min(cu.steps.size(), ref["estimate"].size()); ++i) {
    c.same(cu.steps[i].study + 1 == static_cast<int>(ref["permutation"][i].num()),
           "study added at step " + std::to_string(i + 1));
    compare_fit(cu.steps[i].fit, ref, i, "step " + std::to_string(i + 1), c);
  }
  return c;
}

Check check_subgroups(const Data& d, const Json& fx, Tau2Method method) {
  Check c;
  const Json& ref = fx["subgroups"];
  std::vector<std::string> g;
  for (std::size_t i = 0; i < ref["group"].size(); ++i) g.push_back(ref["group"][i].str());
  const auto sg = hbm::freq::subgroups(d.es, g, method);
  c.same(sg.levels.size() == ref["levels"].size(), "number of levels");
  for (const auto& lv : sg.levels) {
    if (!ref["levels"].contains(lv.level)) {
      c.fail("level " + lv.level + " not in metafor's");
      continue;
    }
    compare_fit(lv.fit, ref["levels"][lv.level], "level " + lv.level, c);
  }
  const Json& t = ref["test"];
  c.num(sg.test.QM, t["QM"], "QM");
  c.num(sg.test.QM_p, t["QMp"], "QMp");
  c.same(sg.test.df == static_cast<int>(t["df"].num()), "QM df");
  c.num(sg.test.QE, t["QE"], "QE");
  c.num(sg.test.QE_p, t["QEp"], "QEp");
  c.num(sg.test.tau2, t["tau2"], "residual tau2");
  c.same(sg.test.k == static_cast<int>(t["k"].num()), "test k");
  return c;
}

Check check_regtest(const Data& d, const Json& fx, Tau2Method method) {
  Check c;
  for (const auto& [name, pred] : {std::pair{"sei", hbm::freq::RegtestPredictor::SEI},
                                   std::pair{"ninv", hbm::freq::RegtestPredictor::NINV}}) {
    const auto r = hbm::freq::regtest(d.es, pred, d.ni, method);
    const Json& ref = fx["regtest"][name];
    const std::string s = std::string(name) + " ";
    c.same(r.predictor == name, s + "predictor name");
    c.num(r.zval, ref["zval"], s + "zval");
    c.num(r.pval, ref["pval"], s + "pval");
    c.num(r.est, ref["est"], s + "limit estimate");
    c.num(r.ci_lb, ref["ci_lb"], s + "ci_lb");
    c.num(r.ci_ub, ref["ci_ub"], s + "ci_ub");
    c.num(r.slope, ref["slope"], s + "slope");
    c.num(r.slope_se, ref["slope_se"], s + "slope se");
    c.num(r.tau2, ref["tau2"], s + "tau2");
    c.same(r.k == static_cast<int>(ref["k"].num()), s + "k");
  }
  return c;
}

Check check_trimfill(const Data& d, const Json& fx, Tau2Method method,
                     hbm::freq::TrimfillSide side = hbm::freq::TrimfillSide::Auto) {
  Check c;
  const auto tf = hbm::freq::trimfill(d.es, method, side);
  const Json& ref = fx["trimfill"];
  c.same(tf.k0 == static_cast<int>(ref["k0"].num()), "k0 " + std::to_string(tf.k0));
  c.same(tf.side == ref["side"].str(), "side " + tf.side);
  c.num(tf.se_k0, ref["se_k0"], "se_k0");
  const MethodResult& m = tf.fit;
  c.num(m.estimate, ref["estimate"], "estimate");
  c.num(m.se, ref["se"], "se");
  c.num(m.zval, ref["zval"], "zval");
  c.num(m.pval, ref["pval"], "pval");
  c.num(m.ci_lb, ref["ci_lb"], "ci_lb");
  c.num(m.ci_ub, ref["ci_ub"], "ci_ub");
  c.num(m.tau2, ref["tau2"], "tau2");
  c.num(m.Q, ref["Q"], "Q");
  c.num(m.Q_p, ref["Qp"], "Qp");
  c.num(m.I2, ref["I2"], "I2");
  c.num(m.H2, ref["H2"], "H2");
  c.same(m.k == static_cast<int>(ref["k"].num()), "k");
  c.same(tf.filled_yi.size() == ref["filled_yi"].size(), "number of filled studies");
  for (std::size_t i = 0; i < std::min(tf.filled_yi.size(), ref["filled_yi"].size()); ++i) {
    c.num(tf.filled_yi[i], ref["filled_yi"][i], "filled yi " + std::to_string(i));
    c.num(tf.filled_vi[i], ref["filled_vi"][i], "filled vi " + std::to_string(i));
  }
  return c;
}

// funnel(): the fixture's regions are metafor's own polygon() calls (x at the top, se = 0, and
// at the bottom, se_max). `halve` = false is the deliberate mistake z_{1-p} for z_{1-p/2}.
Check check_funnel(const Data& d, const Json& fx, bool halve = true) {
  Check c;
  const Json& full = fx["full"];
  const auto f = hbm::freq::funnel(d.es, full["estimate"].num());
  const Json& ref = fx["funnel"];
  auto region = [&](double center, double p, const Json& r, const std::string& what) {
    c.num(f.se_max, r["se_max"], what + " se_max");
    c.same(r["se_min"].num() == 0, what + " metafor's top is se = 0");
    const auto at_max = halve ? hbm::freq::funnel_bounds(center, p, f.se_max)
                              : hbm::freq::funnel_bounds(center, 2 * p, f.se_max);
    const auto at_0 = hbm::freq::funnel_bounds(center, p, 0.0);
    c.num(at_max.lb, r["x_lb_at_se_max"], what + " lb at se_max");
    c.num(at_max.ub, r["x_ub_at_se_max"], what + " ub at se_max");
    c.num(at_0.lb, r["x_lb_at_se_min"], what + " lb at se 0");
    c.num(at_0.ub, r["x_ub_at_se_min"], what + " ub at se 0");
  };
  for (std::size_t j = 0; j < ref["contours_p"].size(); ++j) {
    const double p = ref["contours_p"][j].num();
    region(0.0, p, ref["contours_at_0"][j], "p = " + std::to_string(p));
    // the struct's own regions (p = 0.10, 0.05, 0.01) must be the same numbers
    bool found = false;
    for (const auto& s : f.significance)
      if (std::fabs(s.p - p) < 1e-12) {
        found = true;
        c.num(s.at_se_max.lb, ref["contours_at_0"][j]["x_lb_at_se_max"], "Funnel.significance lb");
        c.num(s.at_se_max.ub, ref["contours_at_0"][j]["x_ub_at_se_max"], "Funnel.significance ub");
      }
    c.same(found, "Funnel.significance has p = " + std::to_string(p));
  }
  region(full["estimate"].num(), 0.05, ref["pooled"][0], "pooled 95%");
  c.num(f.pooled.at_se_max.lb, ref["pooled"][0]["x_lb_at_se_max"], "Funnel.pooled lb");
  c.num(f.pooled.at_se_max.ub, ref["pooled"][0]["x_ub_at_se_max"], "Funnel.pooled ub");
  return c;
}

void expect_within(const Check& c, const std::string& dataset, const char* analysis) {
  EXPECT_GT(c.compared, 0) << dataset << " " << analysis << ": nothing compared";
  EXPECT_LE(c.worst, kTol) << dataset << " " << analysis << ": worst at " << c.where;
  std::printf("  %-14s %-14s %3d values, max relative error %.1e\n", dataset.c_str(), analysis, c.compared, c.worst);
}

// ------------------------------------------------------------------------ tests --------------

TEST(FrequentistSensitivity, EffectSizesAreEscalcDefaults) {
  // The inputs themselves: yi, vi of escalc (1/2 added only to tables with a zero cell, double-
  // zero tables kept) and metafor's "ni" attribute, to machine precision (closed forms).
  for (const auto& name : kDatasets) {
    const Data d = load(name);
    const Json& fx = fixture(name);
    ASSERT_EQ(d.es.yi.size(), fx["yi"].size()) << name;
    Check c;
    for (std::size_t i = 0; i < d.es.yi.size(); ++i) {
      c.num(d.es.yi[i], fx["yi"][i], "yi " + std::to_string(i));
      c.num(d.es.vi[i], fx["vi"][i], "vi " + std::to_string(i));
      c.num(d.ni[i], fx["ni"][i], "ni " + std::to_string(i));
    }
    EXPECT_LE(c.worst, 1e-12) << name << ": " << c.where;
    std::printf("  %-14s escalc yi, vi, ni: max relative error %.1e\n", name.c_str(), c.worst);
  }
}

TEST(FrequentistSensitivity, LeaveOneOutEqualsMetafor) {
  for (const auto& name : kDatasets) expect_within(check_leave_one_out(load(name), fixture(name), Tau2Method::REML), name, "leave1out");
}

TEST(FrequentistSensitivity, InfluenceEqualsMetafor) {
  for (const auto& name : kDatasets) expect_within(check_influence(load(name), fixture(name), Tau2Method::REML), name, "influence");
  // nielweise2007: metafor flags study 14 (0-based 13, Leon 2004): the flag is exercised
  const auto inf = hbm::freq::influence(load("nielweise2007").es);
  int flagged = 0;
  for (const auto& r : inf.rows) flagged += r.influential;
  EXPECT_EQ(flagged, 1);
}

TEST(FrequentistSensitivity, CumulativeEqualsMetafor) {
  // nielweise2007 has REML fits that do not converge at steps 7, 8 and 12 (metafor: NA), and
  // ties in the order key; hine1989's first step is a single study (tau^2 = 0, PI = CI).
  for (const auto& name : kDatasets) expect_within(check_cumulative(load(name), fixture(name), Tau2Method::REML), name, "cumul");
}

TEST(FrequentistSensitivity, SubgroupsEqualMetafor) {
  // nielweise2007: the level "before2000" does not converge under REML (metafor stops: all NA);
  // hine1989: level C has one study.
  for (const auto& name : kDatasets) expect_within(check_subgroups(load(name), fixture(name), Tau2Method::REML), name, "subgroups");
  const auto sg = hbm::freq::subgroups(load("nielweise2007").es, [] {
    std::vector<std::string> g;
    const Json& r = fixture("nielweise2007")["subgroups"]["group"];
    for (std::size_t i = 0; i < r.size(); ++i) g.push_back(r[i].str());
    return g;
  }());
  ASSERT_EQ(sg.levels.size(), 2u);
  EXPECT_NE(sg.levels[0].fit.note.find("did not converge"), std::string::npos) << sg.levels[0].fit.note;
}

TEST(FrequentistSensitivity, RegtestEqualsMetafor) {
  for (const auto& name : kDatasets) {
    const Data d = load(name);
    expect_within(check_regtest(d, fixture(name), Tau2Method::REML), name, "regtest");
    // the small-k warning exactly below 10 studies (hine1989: k = 6)
    const auto r = hbm::freq::regtest(d.es, hbm::freq::RegtestPredictor::SEI);
    const bool warned = r.note.find("fewer than 10 studies") != std::string::npos;
    EXPECT_EQ(warned, d.es.yi.size() < 10) << name << ": " << r.note;
  }
}

TEST(FrequentistSensitivity, TrimfillEqualsMetafor) {
  // k0 = 0 (bcg, hine1989), 7 on the right (nielweise2007), 4 on the left (pritz1997)
  for (const auto& name : kDatasets) expect_within(check_trimfill(load(name), fixture(name), Tau2Method::REML), name, "trimfill");
}

TEST(FrequentistSensitivity, FunnelRegionsEqualMetafor) {
  for (const auto& name : kDatasets) expect_within(check_funnel(load(name), fixture(name)), name, "funnel");
}

TEST(FrequentistSensitivity, InfluentialFlagFollowsEachOfMetaforsCriteria) {
  // Four small effect-size sets, each with a study that exactly one criterion flags (|DFFITS|,
  // Cook's distance, hat value, |DFBETAS|): a missing criterion or a wrong threshold fails here.
  const Json fx = Json::parse_file(kDir + "sensitivity_influence_flags.json");
  for (const std::string name : {"dffits", "cook_d", "hat", "dfbs"}) {
    const Json& set = fx[name];
    EffectData es;
    for (std::size_t i = 0; i < set["yi"].size(); ++i) {
      es.yi.push_back(set["yi"][i].num());
      es.vi.push_back(set["vi"][i].num());
    }
    expect_within(check_influence(es, set, Tau2Method::REML), name, "flags");
    const auto inf = hbm::freq::influence(es);
    for (std::size_t j = 0; j < set["only_this_criterion"].size(); ++j) {
      const auto row = static_cast<std::size_t>(set["only_this_criterion"][j].num()) - 1;  // R is 1-based
      ASSERT_LT(row, inf.rows.size());
      EXPECT_TRUE(inf.rows[row].influential) << name << ": study " << row << " is flagged by metafor";
    }
  }
}

TEST(FrequentistSensitivity, TrimfillFillsMirrorTheMostExtremeStudiesAboutOneCentre) {
  // Beyond metafor's numbers: each filled study is the mirror image of the input study it names,
  // about the same centre (the trimmed estimate), and those are the k0 most extreme studies on
  // the side opposite the imputed one.
  for (const auto& name : kDatasets) {
    const Data d = load(name);
    const auto tf = hbm::freq::trimfill(d.es);
    ASSERT_EQ(tf.filled_from.size(), static_cast<std::size_t>(tf.k0)) << name;
    if (tf.k0 == 0) continue;
    const double centre = (tf.filled_yi[0] + d.es.yi[tf.filled_from[0]]) / 2;
    std::vector<double> sorted = d.es.yi;
    std::sort(sorted.begin(), sorted.end());
    const double sign = tf.side == "left" ? 1 : -1;  // missing on the left: the largest are mirrored
    for (int j = 0; j < tf.k0; ++j) {
      const int from = tf.filled_from[j];
      EXPECT_NEAR((tf.filled_yi[j] + d.es.yi[from]) / 2, centre, 1e-12) << name;
      EXPECT_EQ(tf.filled_vi[j], d.es.vi[from]) << name;
      const double extreme = sign > 0 ? sorted[sorted.size() - tf.k0] : sorted[tf.k0 - 1];
      EXPECT_GE(sign * d.es.yi[from], sign * extreme) << name << ": mirrored study " << from;
    }
  }
}

TEST(FrequentistSensitivity, WrongVariantsFailTheComparison) {
  // Each deliberate mistake must miss metafor by at least 100x the tolerance on some dataset,
  // so the comparisons above can fail.
  std::map<std::string, double> worst, worst_finite;
  for (const auto& name : kDatasets) {
    const Data d = load(name), wrong_es = load(name, true);
    const Json& fx = fixture(name);
    auto keep = [&](const std::string& what, const Check& c) {
      worst[what] = std::max(worst[what], c.worst);
      worst_finite[what] = std::max(worst_finite[what], c.worst_finite);
    };
    keep("leave1out ML", check_leave_one_out(d, fx, Tau2Method::ML));
    keep("influence ML", check_influence(d, fx, Tau2Method::ML));
    keep("cumul ML", check_cumulative(d, fx, Tau2Method::ML));
    keep("cumul input order", check_cumulative(d, fx, Tau2Method::REML, false));
    keep("subgroups ML", check_subgroups(d, fx, Tau2Method::ML));
    keep("regtest ML", check_regtest(d, fx, Tau2Method::ML));
    keep("trimfill ML", check_trimfill(d, fx, Tau2Method::ML));
    keep("trimfill other side",
         check_trimfill(d, fx, Tau2Method::REML,
                        fx["trimfill"]["side"].str() == "left" ? hbm::freq::TrimfillSide::Right
                                                               : hbm::freq::TrimfillSide::Left));
    keep("funnel p not halved", check_funnel(d, fx, false));
    keep("leave1out 1/2 added everywhere", check_leave_one_out(wrong_es, fx, Tau2Method::REML));
  }
  for (const auto& [what, err] : worst) {
    EXPECT_GT(err, 100 * kTol) << what << " passes the comparison: it cannot catch this mistake";
    std::printf("  wrong variant %-32s worst error %.2g (between finite values %.2g)\n", what.c_str(), err,
                worst_finite[what]);
  }
}

// ----------------------------------------------------------------- edge cases ----------------

TEST(FrequentistSensitivity, StudiesWithoutEffectAreLeftOutAndNamedByInputIndex) {
  // A study with no effect (NaN, as escalc gives for impossible counts) in the middle: every
  // analysis equals the one without it, and rows keep the input indices of the others.
  const Data d = load("bcg");
  EffectData with = d.es;
  with.yi.insert(with.yi.begin() + 3, std::nan(""));
  with.vi.insert(with.vi.begin() + 3, std::nan(""));
  auto input_index = [](int clean) { return clean < 3 ? clean : clean + 1; };
  const auto a = hbm::freq::leave_one_out(d.es), b = hbm::freq::leave_one_out(with);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(b.rows[i].study, input_index(a.rows[i].study));
    EXPECT_EQ(b.rows[i].fit.estimate, a.rows[i].fit.estimate);
  }
  EXPECT_NE(b.note.find("1 study without a finite effect"), std::string::npos) << b.note;
  const auto ia = hbm::freq::influence(d.es), ib = hbm::freq::influence(with);
  ASSERT_EQ(ia.rows.size(), ib.rows.size());
  for (std::size_t i = 0; i < ia.rows.size(); ++i) {
    EXPECT_EQ(ib.rows[i].study, input_index(ia.rows[i].study));
    EXPECT_EQ(ib.rows[i].cook_d, ia.rows[i].cook_d);
  }
  std::vector<double> key(with.yi.size());
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = -static_cast<double>(i);
  const auto cb = hbm::freq::cumulative(with, key);
  ASSERT_EQ(cb.steps.size(), d.es.yi.size());
  EXPECT_EQ(cb.steps.front().study, static_cast<int>(with.yi.size()) - 1);  // descending input order
  const auto ta = hbm::freq::trimfill(d.es), tb = hbm::freq::trimfill(with);
  EXPECT_EQ(ta.fit.estimate, tb.fit.estimate);
  EXPECT_EQ(ta.k0, tb.k0);
}

TEST(FrequentistSensitivity, DataThatCannotBeAnalysedGiveNotesNotExceptions) {
  EffectData one;
  one.yi = {0.3};
  one.vi = {0.1};
  EXPECT_TRUE(hbm::freq::leave_one_out(one).rows.empty());
  EXPECT_NE(hbm::freq::leave_one_out(one).note.find("at least 2"), std::string::npos);
  EXPECT_TRUE(hbm::freq::influence(one).rows.empty());
  const auto tf = hbm::freq::trimfill(one);
  EXPECT_TRUE(std::isnan(tf.fit.estimate));
  EXPECT_NE(tf.note.find("at least 2"), std::string::npos);
  EXPECT_TRUE(std::isnan(hbm::freq::regtest(one, hbm::freq::RegtestPredictor::SEI).zval));
  // one study, one step: metafor's k = 1 fit (tau^2 = 0, PI = CI)
  const auto cu = hbm::freq::cumulative(one);
  ASSERT_EQ(cu.steps.size(), 1u);
  EXPECT_DOUBLE_EQ(cu.steps[0].fit.estimate, 0.3);
  EXPECT_EQ(cu.steps[0].fit.pi_lb, cu.steps[0].fit.ci_lb);

  const Data d = load("hine1989");
  // wrong-length inputs
  EXPECT_NE(hbm::freq::cumulative(d.es, std::vector<double>{1, 2}).note.find("2 values for 6 studies"), std::string::npos);
  const auto sg = hbm::freq::subgroups(d.es, {"a", "b"});
  EXPECT_TRUE(sg.levels.empty());
  EXPECT_NE(sg.note.find("2 labels for 6 studies"), std::string::npos);
  const auto peters = hbm::freq::regtest(d.es, hbm::freq::RegtestPredictor::NINV);
  EXPECT_TRUE(std::isnan(peters.zval));
  EXPECT_NE(peters.note.find("one sample size per study"), std::string::npos) << peters.note;
  // a single subgroup: fits, but no test
  const auto single = hbm::freq::subgroups(d.es, std::vector<std::string>(6, "all"));
  ASSERT_EQ(single.levels.size(), 1u);
  EXPECT_TRUE(std::isnan(single.test.QM));
  EXPECT_NE(single.test.note.find("one subgroup"), std::string::npos);
  // empty labels are missing values
  const auto partial = hbm::freq::subgroups(d.es, {"A", "", "B", "B", "", "A"});
  EXPECT_EQ(partial.test.k, 4);
  EXPECT_NE(partial.note.find("2 studies without a group label"), std::string::npos);
  // equal variances: no Egger test (the predictor is constant), as metafor refuses
  EffectData flat;
  flat.yi = {0.1, 0.5, -0.2, 0.3};
  flat.vi = {0.2, 0.2, 0.2, 0.2};
  const auto eg = hbm::freq::regtest(flat, hbm::freq::RegtestPredictor::SEI);
  EXPECT_TRUE(std::isnan(eg.zval));
  EXPECT_NE(eg.note.find("same for every study"), std::string::npos) << eg.note;
  const auto tfl = hbm::freq::trimfill(flat);  // the side cannot be chosen either
  EXPECT_TRUE(tfl.side.empty());
  EXPECT_NE(tfl.note.find("give the side explicitly"), std::string::npos) << tfl.note;
  EXPECT_FALSE(hbm::freq::trimfill(flat, Tau2Method::REML, hbm::freq::TrimfillSide::Left).side.empty());
}

TEST(FrequentistSensitivity, AllAnalysesOfAFewHundredStudiesAreFast) {
  // Every analysis above refits the model up to k times; 300 studies (k^2 work for leave-one-out,
  // influence, cumul) must still take well under a second, so summary.json stays cheap.
  EffectData big;
  for (int i = 0; i < 300; ++i) {
    big.vi.push_back(0.02 + 0.5 * ((i * 37) % 101) / 101.0);
    big.yi.push_back(-0.4 + 0.8 * std::sin(1.7 * i) * std::sqrt(big.vi.back() + 0.05));
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto l1 = hbm::freq::leave_one_out(big);
  const auto inf = hbm::freq::influence(big);
  const auto cu = hbm::freq::cumulative(big);
  const auto tf = hbm::freq::trimfill(big);
  const auto eg = hbm::freq::regtest(big, hbm::freq::RegtestPredictor::SEI);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(l1.rows.size(), 300u);
  EXPECT_EQ(inf.rows.size(), 300u);
  EXPECT_EQ(cu.steps.size(), 300u);
  EXPECT_TRUE(std::isfinite(tf.fit.estimate));
  EXPECT_TRUE(std::isfinite(eg.zval));
  std::printf("  300 studies: leave-one-out, influence, cumul, trimfill, regtest in %.3f s\n", s);
  EXPECT_LT(s, 2.0);
}

}  // namespace
