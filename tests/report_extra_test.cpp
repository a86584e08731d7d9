// More checks of the HTML report (host/report/html_report.hpp) and its figures:
//  - `hbmeta report DIR [--threshold T]` on an existing output folder (the CLI path);
//  - the priors are drawn over the posterior densities;
//  - the many-short-chains regime of the GPU (hundreds of chains of a few dozen draws): the chains the
//    traces and rank plots show are named, the rank plots use fewer bins, nested R-hat is in
//    summary.json and the tables, and the R-hat check (warning and flags) uses it;
//  - a rare rate with a threshold far outside the predictive mass: the axis is not stretched,
//    the threshold is marked at the edge and stated in the caption;
//  - axis ticks: the tick-count rule (fitting_linear_ticks) and, in every figure of the reports
//    made here, x-axis tick labels that do not overlap.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "host/report/html_report.hpp"
#include "host/io/json_reader.hpp"
#include "host/report/report_format.hpp"
#include "host/report/report_stats.hpp"
#include "host/report/svg_plot.hpp"
#include "support/cli_runner.hpp"

namespace fs = std::filesystem;
using hbm::test::read_text;

namespace {

std::string fixture(const std::string& name) { return std::string(HBMETA_FIXTURES) + "/reference/" + name; }

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// The points of every polyline with the given class in an SVG.
std::vector<std::vector<std::pair<double, double>>> polylines(const std::string& svg, const std::string& cls) {
  std::vector<std::vector<std::pair<double, double>>> out;
  const std::regex line("<polyline[^>]*points=\"([^\"]*)\"[^>]*class=\"" + cls + "\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), line); it != std::sregex_iterator(); ++it) {
    std::vector<std::pair<double, double>> pts;
    std::stringstream ss((*it)[1].str());
    std::string pair;
    while (ss >> pair) {
      const auto comma = pair.find(',');
      pts.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
    }
    out.push_back(pts);
  }
  return out;
}

// x-axis tick labels: 11 px, centred, grey text; grouped by their baseline y.
std::map<std::string, std::vector<std::pair<double, std::string>>> tick_labels(const std::string& svg) {
  std::map<std::string, std::vector<std::pair<double, std::string>>> by_y;
  const std::regex label(
      "<text x=\"([-0-9.]+)\" y=\"([-0-9.]+)\" font-size=\"11.0\" text-anchor=\"middle\" fill=\"#333333\">([^<]*)</text>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator(); ++it)
    by_y[(*it)[2].str()].emplace_back(std::stod((*it)[1].str()), (*it)[3].str());
  return by_y;
}

// No two tick labels of one axis overlap (widths as the layout estimates them, 2 px slack).
void expect_ticks_apart(const std::string& svg, const std::string& what) {
  for (auto& [y, labels] : tick_labels(svg)) {
    std::sort(labels.begin(), labels.end());
    for (std::size_t i = 1; i < labels.size(); ++i) {
      const double need =
          0.5 * (hbm::svg::text_width(labels[i].second, 11) + hbm::svg::text_width(labels[i - 1].second, 11));
      EXPECT_GE(labels[i].first - labels[i - 1].first + 2, need)
          << what << ": tick labels '" << labels[i - 1].second << "' and '" << labels[i].second << "' collide";
    }
  }
}

const std::vector<std::string> kFigures = {"forest",   "mu_density", "tau_density", "predictive",
                                           "trace_mu", "trace_tau",  "rank_mu",     "rank_tau", "ppc"};

}  // namespace

// --threshold is shown only in the report, so on `fit` it implies --report (it was silently
// ignored without it).
TEST(ReportCli, ThresholdOnFitImpliesTheReport) {
  const fs::path dir = hbm::test::fresh_temp_dir("report-threshold");
  const fs::path out = dir / "o";
  auto r = hbm::test::run_hbmeta("fit " + fixture("pritz1997.csv") + " --out " + out.string() +
                                 " --chains 2 --warmup 100 --draws 100 --quiet --threshold 0.3");
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_TRUE(fs::exists(out / "report.html"));
  EXPECT_NE(read_text(out / "report.html").find("P(rate at a new study &gt; 0.3) = "), std::string::npos);
  fs::remove_all(dir);
}

TEST(ReportCli, ReportCommandOnAnExistingOutputFolder) {
  const fs::path dir = hbm::test::fresh_temp_dir("report-cli");
  const fs::path out = dir / "o";
  auto r = hbm::test::run_hbmeta("fit " + fixture("pritz1997.csv") + " --out " + out.string() +
                                 " --chains 2 --warmup 100 --draws 100 --quiet");
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_FALSE(fs::exists(out / "report.html"));  // no --report: nothing yet

  r = hbm::test::run_hbmeta("report " + out.string() + " --threshold 0.3");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("report.html"), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(out / "report.html"));
  const std::string html = read_text(out / "report.html");
  EXPECT_NE(html.find("P(rate at a new study &gt; 0.3) = "), std::string::npos);
  EXPECT_NE(html.find("above-threshold"), std::string::npos);
  for (const auto& f : kFigures) EXPECT_TRUE(fs::exists(out / "figures" / ("pritz1997_" + f + ".svg"))) << f;

  // Again without a threshold: replaced, no statement.
  r = hbm::test::run_hbmeta("report " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string plain = read_text(out / "report.html");
  EXPECT_EQ(plain.find("P(rate at a new study"), std::string::npos);
  EXPECT_EQ(plain.find("above-threshold"), std::string::npos);
  EXPECT_EQ(count(plain, "<svg"), kFigures.size());

  // Not an output folder, or no folder at all: an error, and nothing written.
  r = hbm::test::run_hbmeta("report " + dir.string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("summary.json"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "report.html"));
  r = hbm::test::run_hbmeta("report");
  EXPECT_NE(r.status, 0);
  r = hbm::test::run_hbmeta("report " + out.string() + " --threshold abc");
  EXPECT_NE(r.status, 0);
  fs::remove_all(dir);
}

TEST(ReportFigures, PriorIsOverlaidOnTheDensities) {
  const fs::path dir = hbm::test::fresh_temp_dir("report-prior");
  const fs::path out = dir / "o";
  auto r = hbm::test::run_hbmeta("fit " + fixture("pritz1997.csv") + " --out " + out.string() +
                                 " --chains 2 --warmup 100 --draws 200 --quiet --report --prior-tau 'half-normal(0.5)'");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* fig : {"mu_density", "tau_density"}) {
    SCOPED_TRACE(fig);
    const std::string svg = read_text(out / "figures" / (std::string("pritz1997_") + fig + ".svg"));
    const auto prior = polylines(svg, "prior"), post = polylines(svg, "posterior");
    ASSERT_EQ(prior.size(), 1u) << "no prior curve";
    ASSERT_EQ(post.size(), 1u);
    EXPECT_GE(prior[0].size(), 100u);
    // A drawn curve, not a flat line on the x axis: its heights vary.
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& [x, y] : prior[0]) lo = std::min(lo, y), hi = std::max(hi, y);
    EXPECT_GT(hi - lo, 2.0) << "the prior curve is flat";
    // Dashed, in the prior's colour, and named in the legend.
    EXPECT_TRUE(std::regex_search(svg, std::regex("<polyline[^>]*stroke=\"#D55E00\"[^>]*stroke-dasharray[^>]*class=\"prior\"")));
  }
  EXPECT_NE(read_text(out / "figures" / "pritz1997_tau_density.svg").find("prior: half-normal(0.5)"), std::string::npos);
  EXPECT_NE(read_text(out / "figures" / "pritz1997_mu_density.svg").find("prior of mu: normal(0,2.5)"), std::string::npos);
  // The tau prior half-normal(0.5) has its mode at 0: its curve's highest point is at the left.
  const auto tau_prior = polylines(read_text(out / "figures" / "pritz1997_tau_density.svg"), "prior")[0];
  const auto top = std::min_element(tau_prior.begin(), tau_prior.end(),
                                    [](const auto& a, const auto& b) { return a.second < b.second; });
  EXPECT_LE(top->first, tau_prior.front().first + 1.0);
  fs::remove_all(dir);
}

TEST(ReportFigures, ManyShortChains) {
  const fs::path dir = hbm::test::fresh_temp_dir("report-many");
  const fs::path out = dir / "o";
  auto r = hbm::test::run_hbmeta("fit " + fixture("pritz1997.csv") + " --out " + out.string() +
                                 " --chains 256 --warmup 200 --draws 60 --quiet --report");
  ASSERT_EQ(r.status, 0) << r.err;
  const hbm::Json s = hbm::Json::parse_file((out / "summary.json").string());
  const hbm::Json& o = s["outcomes"]["pritz1997"];
  // Nested R-hat (64 superchains of 4) and the quantile MCSEs in every summary S.
  for (const auto& key : o["parameters"].keys()) {
    if (key == "events_new") continue;
    const hbm::Json& p = o["parameters"][key];
    for (const char* f : {"rhat_nested", "mcse_q5", "mcse_q95"}) {
      ASSERT_TRUE(p.contains(f)) << key << " " << f;
      EXPECT_TRUE(p[f].is_number()) << key << " " << f;
    }
    EXPECT_GE(p["rhat_nested"].num(), 1.0) << key;
  }
  for (std::size_t i = 0; i < o["studies"].size(); ++i)
    EXPECT_TRUE(o["studies"][i]["theta"]["rhat_nested"].is_number());
  const hbm::Json& d = o["diagnostics"];
  ASSERT_TRUE(d["max_rhat_nested"].is_number());
  const double nested = d["max_rhat_nested"].num();
  EXPECT_GE(nested, 1.0);
  // With 256 chains of 60 draws the R-hat check is on nested R-hat: no warning from the split
  // R-hat of 30-draw halves (above 1.01 here: it reflects the autocorrelation of such short
  // chains), and a nested warning only if nested R-hat is in fact above 1.01.
  bool rhat_warning = false, nested_warning = false;
  for (std::size_t i = 0; i < o["warnings"].size(); ++i) {
    const std::string w = o["warnings"][i].str();
    rhat_warning |= w.rfind("max R-hat", 0) == 0;
    nested_warning |= w.rfind("max nested R-hat", 0) == 0;
  }
  EXPECT_FALSE(rhat_warning);
  EXPECT_EQ(nested_warning, nested > 1.01);
  EXPECT_GT(d["max_rhat"].num(), 1.01) << "this run no longer shows why split R-hat is not used here";
  EXPECT_LT(nested, 1.01) << "a healthy run of 256 x 60 draws should pass the nested R-hat check";

  const std::string html = read_text(out / "report.html");
  EXPECT_NE(html.find("<th>nested R-hat</th>"), std::string::npos);
  EXPECT_NE(html.find("64 superchains of 4 consecutive chains"), std::string::npos);
  EXPECT_NE(html.find("max nested R-hat"), std::string::npos);
  EXPECT_EQ(html.find("max R-hat 1."), std::string::npos);  // no split R-hat warning text
  // Chains spread over the run, named: 4 of 256 in traces and rank plots.
  for (const char* fig : {"trace_mu", "trace_tau", "rank_mu", "rank_tau"}) {
    const std::string svg = read_text(out / "figures" / (std::string("pritz1997_") + fig + ".svg"));
    EXPECT_NE(svg.find("chains 1, 65, 129, 193 of 256"), std::string::npos) << fig;
    EXPECT_EQ(count(svg, "class=\"" + std::string(fig[0] == 't' ? "trace" : "rank") + "\""), 4u) << fig;
  }
  // 60 draws per chain: 6 rank bins (12 points per step line), said on the axis.
  const std::string rank = read_text(out / "figures" / "pritz1997_rank_mu.svg");
  EXPECT_NE(rank.find("(6 bins)"), std::string::npos);
  const auto lines = polylines(rank, "rank");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].size(), 12u);
  for (const auto& f : kFigures) expect_ticks_apart(read_text(out / "figures" / ("pritz1997_" + f + ".svg")), f);
  fs::remove_all(dir);
}

TEST(ReportFigures, RareRateWithAFarThreshold) {
  const fs::path dir = hbm::test::fresh_temp_dir("report-rare");
  std::string csv = "outcome,study,events,total\n";
  const int events[] = {2, 4, 1, 5, 3, 2, 6, 3}, totals[] = {900, 1200, 650, 1500, 1000, 800, 1700, 1100};
  for (int i = 0; i < 8; ++i)
    csv += "malformation,S" + std::to_string(i + 1) + "," + std::to_string(events[i]) + "," + std::to_string(totals[i]) + "\n";
  hbm::test::write_text(dir / "rare.csv", csv);
  const fs::path out = dir / "o";
  auto r = hbm::test::run_hbmeta("fit " + (dir / "rare.csv").string() + " --out " + out.string() +
                                 " --chains 4 --warmup 200 --draws 200 --quiet --report --threshold 0.5");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string pred = read_text(out / "figures" / "malformation_predictive.svg");
  // Not stretched to 0.5: the axis ends well below it; the threshold is an arrow at the right edge.
  double top_tick = 0;
  for (const auto& [y, labels] : tick_labels(pred))
    for (const auto& [x, text] : labels) top_tick = std::max(top_tick, std::stod(text));
  EXPECT_LT(top_tick, 0.1) << "the x axis was stretched towards the threshold";
  EXPECT_NE(pred.find("class=\"threshold-offaxis\""), std::string::npos);
  EXPECT_NE(pred.find("threshold 0.5: far to the right"), std::string::npos);
  EXPECT_EQ(pred.find("above-threshold"), std::string::npos);
  EXPECT_NE(pred.find("P(rate &gt; 0.5) = 0.000 (0 of 800 draws)"), std::string::npos);
  // A rare rate: on a log axis (density per unit log rate), the mu density too.
  EXPECT_NE(pred.find("log scale for a rare rate"), std::string::npos);
  EXPECT_NE(pred.find("density per unit log rate"), std::string::npos);
  EXPECT_NE(read_text(out / "figures" / "malformation_mu_density.svg").find("log scale for a rare rate"),
            std::string::npos);
  const std::string html = read_text(out / "report.html");
  EXPECT_NE(html.find("P(rate at a new study &gt; 0.5) = 0.000 (0 of 800 draws); the threshold lies far above"),
            std::string::npos);
  // A threshold inside the predictive mass is still shaded, on a stretched axis where needed.
  ASSERT_NO_THROW(hbm::write_html_report(out.string(), 0.004));
  const std::string inside = read_text(out / "figures" / "malformation_predictive.svg");
  EXPECT_NE(inside.find("above-threshold"), std::string::npos);
  EXPECT_EQ(inside.find("threshold-offaxis"), std::string::npos);
  // Small rates make long tick labels ("0.0025"): none of them collide, in any figure.
  for (const auto& f : kFigures) expect_ticks_apart(read_text(out / "figures" / ("malformation_" + f + ".svg")), f);
  fs::remove_all(dir);
}

TEST(SvgAxis, FittingTicksThinOnNarrowAxes) {
  using hbm::svg::Scale;
  // Wide: the nice ticks as asked (0, 0.2, ..., 1).
  const Scale wide{0, 1, 0, 800, false};
  EXPECT_EQ(hbm::svg::fitting_linear_ticks(wide, 6), hbm::svg::linear_ticks(0, 1, 6));
  EXPECT_FALSE(hbm::svg::tick_labels_collide(wide, hbm::svg::linear_ticks(0, 1, 6)));
  // Narrow range with long labels on a small plot: 8 ticks would collide; the rule takes fewer
  // and coarser ones, still at least 2, each label clear of its neighbours.
  const Scale narrow{0, 0.0065, 0, 200, false};
  EXPECT_TRUE(hbm::svg::tick_labels_collide(narrow, hbm::svg::linear_ticks(0, 0.0065, 8)));
  const auto t = hbm::svg::fitting_linear_ticks(narrow, 8);
  EXPECT_GE(t.size(), 2u);
  EXPECT_LT(t.size(), hbm::svg::linear_ticks(0, 0.0065, 8).size());
  EXPECT_FALSE(hbm::svg::tick_labels_collide(narrow, t));
  for (std::size_t i = 1; i < t.size(); ++i) {
    const double spacing = narrow(t[i]) - narrow(t[i - 1]);
    const double need = 0.5 * (hbm::svg::text_width(hbm::svg::tick_label(t[i]), 11) +
                               hbm::svg::text_width(hbm::svg::tick_label(t[i - 1]), 11)) + 6;
    EXPECT_GE(spacing, need);
  }
  // A longer plot of the same range gets more ticks again.
  const Scale longer{0, 0.0065, 0, 900, false};
  EXPECT_GT(hbm::svg::fitting_linear_ticks(longer, 8).size(), t.size());
}

TEST(ReportStats, RankBinsAndShownChains) {
  EXPECT_EQ(hbm::report::rank_bins(20), 5);
  EXPECT_EQ(hbm::report::rank_bins(100), 10);
  EXPECT_EQ(hbm::report::rank_bins(1000), 20);
  EXPECT_EQ(hbm::report::rank_bins(3), 5);
  const auto four = hbm::report::shown_chains(2048, 4);
  EXPECT_EQ(four, (std::vector<std::size_t>{0, 512, 1024, 1536}));
  EXPECT_EQ(hbm::report::shown_chains_label(four, 2048), "chains 1, 513, 1025, 1537 of 2048");
  EXPECT_EQ(hbm::report::shown_chains(3, 4), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(hbm::report::shown_chains_label(hbm::report::shown_chains(3, 4), 3), "");
  // The histograms of the chains asked for, in that order.
  std::vector<double> v;
  for (int c = 0; c < 4; ++c)
    for (int t = 0; t < 10; ++t) v.push_back(c * 10 + t);  // chain c holds ranks 10c+1 .. 10c+10
  const auto h = hbm::report::rank_histograms(v, 4, 10, 4, std::vector<std::size_t>{3, 0});
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0], (std::vector<int>{0, 0, 0, 10}));
  EXPECT_EQ(h[1], (std::vector<int>{10, 0, 0, 0}));
}

// The first line of `text` that starts with `start` (empty if none).
static std::string first_line_with(const std::string& text, const std::string& start) {
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    if (text.compare(at, start.size(), start) == 0) return text.substr(at, end - at);
    at = end + 1;
  }
  return "";
}

// With covariates every table compares like with like: the posterior's fitted value and
// prediction at the new clinic's covariates beside the REML meta-regression's (metafor's
// predict), not beside intercept-only estimators; and the report has one bubble plot per numeric
// covariate (13 studies, the posterior mean line and its band).
TEST(ReportCli, MetaRegressionComparesLikeWithLikeAndDrawsABubblePlot) {
  const fs::path dir = hbm::test::fresh_temp_dir("report-regression");
  const fs::path out = dir / "o";
  auto r = hbm::test::run_hbmeta("fit " + fixture("bcg_year.csv") + " --covariates year --ignore-columns ablat " +
                                 "--new-clinic year=1980 --chains 4 --warmup 300 --draws 300 --report --out " +
                                 out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  // stdout: the regression rows only, at the new clinic; no intercept-only DL row.
  EXPECT_NE(r.out.find("at the new study's covariates (year=1980):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  Bayesian regression "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  REML regression "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\n  DL "), std::string::npos) << r.out;
  const hbm::Json s = hbm::Json::parse_file((out / "summary.json").string());
  const hbm::Json& o = s["outcomes"]["bcg"];
  const hbm::Json& p = o["frequentist_regression"]["prediction"];
  EXPECT_EQ(p["at"].str(), "year=1980");
  char want[64];
  std::snprintf(want, sizeof want, "%.3f", std::exp(p["pred"].num()));  // the OR row's fitted column
  EXPECT_NE(first_line_with(r.out, "  REML regression ").find(std::string(" ") + want + " ["), std::string::npos)
      << want << "\n" << r.out;
  std::snprintf(want, sizeof want, "%.3f", o["parameters"]["or_fitted_new"]["q50"].num());
  EXPECT_NE(first_line_with(r.out, "  Bayesian regression ").find(std::string(" ") + want + " ["), std::string::npos)
      << want << "\n" << r.out;
  // The report: the same comparison, and the bubble plot.
  const std::string html = read_text(out / "report.html");
  EXPECT_NE(html.find("Bayesian meta-regression"), std::string::npos);
  EXPECT_NE(html.find("<td>REML regression</td>"), std::string::npos);
  EXPECT_EQ(html.find("<td>DL</td>"), std::string::npos);
  const std::string svg = read_text(out / "figures" / "bcg_regression_year.svg");
  std::size_t studies = 0;
  for (std::size_t at = svg.find("class=\"study\""); at != std::string::npos; at = svg.find("class=\"study\"", at + 1))
    ++studies;
  EXPECT_EQ(studies, 13u);
  EXPECT_NE(svg.find("class=\"band\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"posterior-mean\""), std::string::npos);
  fs::remove_all(dir);
}

// The report's words follow --unit: "clinic" -> the unit, "clinics" -> its plural, and names
// (new_clinic, --new-clinic-size) stay.
TEST(ReportWords, InUnitsRewritesClinicButNotNames) {
  using hbm::report::in_units;
  EXPECT_EQ(in_units("rate at a new clinic; between clinics", "study"), "rate at a new study; between studies");
  EXPECT_EQ(in_units("New clinic (95% PI)", "centre"), "New centre (95% PI)");
  EXPECT_EQ(in_units("between clinics", "day"), "between days");
  EXPECT_EQ(in_units("between clinics", "batch"), "between batches");
  EXPECT_EQ(in_units("new_clinic and --new-clinic-size", "study"), "new_clinic and --new-clinic-size");
  EXPECT_EQ(in_units("a new clinic", "clinic"), "a new clinic");
}
