// The HTML report (host/report/html_report.hpp) of real fits: one single-arm (pritz1997) and one
// two-arm (bcg) output folder made by the built hbmeta, checked for structure (every <svg>
// closed, one forest-plot row per study, every figure file written), for content (each outcome
// named, the threshold probability equal to the one counted here from the draws CSV, no
// "nan"/"inf" text, nothing fetched from the network) and for bad input. The exact intervals
// the forest plot draws are checked against known values.
#include "host/report/html_report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "host/io/draws_reader.hpp"
#include "host/support/input_error.hpp"
#include "host/io/json_reader.hpp"
#include "host/report/report_stats.hpp"
#include "support/cli_runner.hpp"

namespace fs = std::filesystem;
using hbm::test::read_text;

namespace {

// Runs hbmeta fit on a CSV into DIR/s and returns DIR/s.
fs::path fit(const std::string& csv, const std::string& tag) {
  const fs::path out = hbm::test::fresh_temp_dir(tag) / "s";
  const auto r =
      hbm::test::run_hbmeta("fit " + csv + " --out " + out.string() + " --chains 4 --warmup 200 --draws 200 --quiet");
  EXPECT_EQ(r.status, 0) << r.err;
  return out;
}

std::string fixture(const std::string& name) { return std::string(HBMETA_FIXTURES) + "/reference/" + name; }

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// The text of outcome NAME's section of report.html.
std::string section(const std::string& html, const std::string& file_base) {
  const auto start = html.find("<section class=\"outcome\" id=\"o-" + file_base + "\"");
  EXPECT_NE(start, std::string::npos) << file_base;
  if (start == std::string::npos) return "";
  const auto end = html.find("</section>", start);
  return html.substr(start, end - start);
}

// The first <svg>...</svg> of a text (the forest plot comes first in each section).
std::string first_svg(const std::string& s) {
  const auto a = s.find("<svg"), b = s.find("</svg>", a);
  return a == std::string::npos || b == std::string::npos ? "" : s.substr(a, b - a);
}

// Text as it appears in HTML/SVG (study names such as "Hart & Sutherland 1977").
std::string escaped(const std::string& s) {
  std::string r;
  for (char ch : s) {
    switch (ch) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      case '\'': r += "&#39;"; break;
      default: r += ch;
    }
  }
  return r;
}

void expect_no_nan_inf(const std::string& text, const std::string& what) {
  static const std::regex bad("\\b(nan|inf|infinity)\\b", std::regex::icase);
  std::smatch m;
  EXPECT_FALSE(std::regex_search(text, m, bad)) << what << " contains '" << m.str() << "'";
}

const std::vector<std::string> kFigures = {"forest",   "mu_density", "tau_density", "predictive",
                                           "trace_mu", "trace_tau",  "rank_mu",     "rank_tau", "ppc"};

// The checks every report of one outcome gets; `quantity` is how the threshold line names it.
void check_report(const fs::path& out, const std::string& name, const std::string& new_column,
                  const std::string& quantity, double threshold) {
  ASSERT_NO_THROW(hbm::write_html_report(out.string(), threshold));
  const fs::path report = out / "report.html";
  ASSERT_TRUE(fs::exists(report));
  const std::string html = read_text(report);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);

  // Well-formed enough: every <svg> closed, one figure per kFigures name, every section closed.
  EXPECT_EQ(count(html, "<svg"), count(html, "</svg>"));
  EXPECT_EQ(count(html, "<svg"), kFigures.size());
  EXPECT_EQ(count(html, "<section"), count(html, "</section>"));
  EXPECT_NE(html.find(name), std::string::npos);

  // Self-contained: no scripts, no external resources (the SVG namespace URI is not fetched).
  EXPECT_EQ(html.find("<script"), std::string::npos);
  std::string stripped = html;
  for (auto at = stripped.find("http://www.w3.org/2000/svg"); at != std::string::npos;
       at = stripped.find("http://www.w3.org/2000/svg"))
    stripped.erase(at, 26);
  EXPECT_EQ(stripped.find("http"), std::string::npos);
  expect_no_nan_inf(html, "report.html");

  // One forest-plot row per study, inline and in the standalone figure.
  const hbm::Json summary = hbm::Json::parse_file((out / "summary.json").string());
  const std::size_t k = summary["outcomes"][name]["studies"].size();
  ASSERT_GT(k, 0u);
  const std::string sec = section(html, name);
  EXPECT_EQ(count(first_svg(sec), "class=\"study-row\""), k);
  const std::string forest_file = read_text(out / "figures" / (name + "_forest.svg"));
  EXPECT_EQ(count(forest_file, "class=\"study-row\""), k);
  for (std::size_t i = 0; i < k; ++i)
    EXPECT_NE(first_svg(sec).find(escaped(summary["outcomes"][name]["studies"][i]["study"].str())), std::string::npos)
        << "study " << i + 1 << " not labelled in the forest plot";

  for (const auto& f : kFigures) {
    const fs::path p = out / "figures" / (name + "_" + f + ".svg");
    ASSERT_TRUE(fs::exists(p)) << p;
    EXPECT_GT(fs::file_size(p), 500u) << p;
    const std::string svg = read_text(p);
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u) << p;
    EXPECT_EQ(count(svg, "<svg"), 1u) << p;
    EXPECT_EQ(count(svg, "</svg>"), 1u) << p;
    expect_no_nan_inf(svg, p.string());
  }

  // The threshold statement equals P(new > threshold) counted here from the draws CSV.
  const hbm::DrawsTable t = hbm::read_draws({(out / "draws" / (name + ".csv")).string()});
  std::size_t above = 0, n = 0;
  for (std::size_t q = 0; q < t.names.size(); ++q)
    if (t.names[q] == new_column)
      for (double v : t.values[q]) ++n, above += v > threshold;
  ASSERT_EQ(n, 800u);
  char thr[32];
  std::snprintf(thr, sizeof thr, "%g", threshold);
  const std::regex statement("P\\(" + quantity + " &gt; " + std::string(thr) +
                             "\\) = ([0-9.]+) \\(([0-9]+) of ([0-9]+) draws\\)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(sec, m, statement)) << "no threshold statement for " << quantity;
  EXPECT_EQ(std::stoul(m[2].str()), above);
  EXPECT_EQ(std::stoul(m[3].str()), n);
  EXPECT_NEAR(std::stod(m[1].str()), static_cast<double>(above) / n, 0.0005 + 1e-12);

  // Without a threshold there is no statement and nothing shaded.
  const std::string plain = hbm::html_report(out.string(), NAN);
  EXPECT_EQ(plain.find("P(" + quantity), std::string::npos);
  EXPECT_EQ(plain.find("above-threshold"), std::string::npos);
}

}  // namespace

TEST(HtmlReport, SingleArmPritz1997) {
  const fs::path out = fit(fixture("pritz1997.csv"), "report-pritz");
  check_report(out, "pritz1997", "p_new", "rate at a new study", 0.5);
  // The prior is stated in words, as the summary's canonical text and in plain words.
  const std::string html = read_text(out / "report.html");
  EXPECT_NE(html.find("half-normal(1)"), std::string::npos);
  EXPECT_NE(html.find("half-normal with scale 1"), std::string::npos);
  EXPECT_NE(html.find("normal with mean 0 and standard deviation 2.5"), std::string::npos);
  EXPECT_NE(html.find("rate (events / total)"), std::string::npos);
}

TEST(HtmlReport, TwoArmBcg) {
  const fs::path out = fit(fixture("bcg.csv"), "report-bcg");
  check_report(out, "bcg", "or_new", "OR at a new study", 1.0);
  const std::string forest = read_text(out / "figures" / "bcg_forest.svg");
  EXPECT_NE(forest.find("odds ratio (log scale)"), std::string::npos);
  // Aronson 1948: 4/123 vs 11/139 gives OR 0.39 [0.12, 1.26] (Wald, no zero cells).
  EXPECT_NE(forest.find("0.39 [0.12, 1.26]"), std::string::npos);
}

TEST(HtmlReport, OddOutcomeNamesAreEscapedAndSanitised) {
  const fs::path dir = hbm::test::fresh_temp_dir("report-odd");
  hbm::test::write_text(dir / "odd.csv",
                        "outcome,study,events,total\n"
                        "\"x<y & z\",A,3,20\n\"x<y & z\",B,0,15\n\"x<y & z\",C,7,30\n\"x<y & z\",D,5,25\n");
  const fs::path out = fit((dir / "odd.csv").string(), "report-odd-fit");
  ASSERT_NO_THROW(hbm::write_html_report(out.string(), NAN));
  const std::string html = read_text(out / "report.html");
  EXPECT_NE(html.find("x&lt;y &amp; z"), std::string::npos);
  EXPECT_EQ(html.find("x<y"), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "figures" / "x_y___z_forest.svg"));
  // Study B has 0 events: its exact interval starts at 0 and the plot still has its row.
  EXPECT_EQ(count(read_text(out / "figures" / "x_y___z_forest.svg"), "class=\"study-row\""), 4u);
  expect_no_nan_inf(html, "report.html");
}

TEST(HtmlReport, ClopperPearsonKnownValues) {
  // Exact binomial intervals (R: binom.test(x, n)$conf.int).
  auto ci = hbm::report::clopper_pearson(0, 10);
  EXPECT_EQ(ci.lo, 0.0);
  EXPECT_NEAR(ci.hi, 0.3084971, 1e-6);  // 1 - 0.025^(1/10)
  ci = hbm::report::clopper_pearson(5, 10);
  EXPECT_NEAR(ci.est, 0.5, 1e-15);
  EXPECT_NEAR(ci.lo, 0.1870860, 1e-6);
  EXPECT_NEAR(ci.hi, 0.8129140, 1e-6);
  ci = hbm::report::clopper_pearson(10, 10);
  EXPECT_NEAR(ci.lo, 0.6915029, 1e-6);  // 0.025^(1/10)
  EXPECT_EQ(ci.hi, 1.0);
}

TEST(HtmlReport, WaldOddsRatio) {
  hbm::report::Interval iv;
  ASSERT_TRUE(hbm::report::wald_odds_ratio(4, 123, 11, 139, &iv));
  EXPECT_NEAR(iv.est, 4.0 * 128 / (119.0 * 11), 1e-12);
  const double se = std::sqrt(1 / 4.0 + 1 / 119.0 + 1 / 11.0 + 1 / 128.0);
  EXPECT_NEAR(iv.lo, iv.est * std::exp(-1.959963984540054 * se), 1e-9);
  EXPECT_NEAR(iv.hi, iv.est * std::exp(1.959963984540054 * se), 1e-9);
  // A zero cell: 1/2 added to all four cells.
  ASSERT_TRUE(hbm::report::wald_odds_ratio(0, 10, 5, 10, &iv));
  EXPECT_NEAR(iv.est, 0.5 * 5.5 / (10.5 * 5.5), 1e-12);
  // Double-zero and double-full tables have no observed odds ratio.
  EXPECT_FALSE(hbm::report::wald_odds_ratio(0, 10, 0, 12, &iv));
  EXPECT_FALSE(hbm::report::wald_odds_ratio(10, 10, 12, 12, &iv));
}

TEST(HtmlReport, KernelDensityIntegratesToOne) {
  // A standard normal sample: the KDE integrates to ~1 and peaks near 0.4; the tau version
  // reflected at 0 keeps all its mass on [0, inf).
  std::vector<double> x, absx;
  for (int i = 1; i <= 4000; ++i) {
    // Deterministic normal scores: the (i - 1/2)/n quantiles, by bisection on the normal CDF.
    const double p = (i - 0.5) / 4000.0;
    double lo = -8, hi = 8;
    for (int it = 0; it < 80; ++it) {
      const double mid = 0.5 * (lo + hi);
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    x.push_back(0.5 * (lo + hi));
    absx.push_back(std::fabs(0.5 * (lo + hi)));
  }
  std::vector<double> grid;
  for (int i = 0; i <= 1600; ++i) grid.push_back(-8 + i * 0.01);
  const auto d = hbm::report::kde(x, grid);
  double mass = 0;
  for (double v : d) mass += v * 0.01;
  EXPECT_NEAR(mass, 1.0, 2e-3);
  EXPECT_NEAR(d[800], 0.3989, 0.02);
  std::vector<double> pos;
  for (int i = 0; i <= 800; ++i) pos.push_back(i * 0.01);
  const auto dr = hbm::report::kde(absx, pos, true);
  double mass_r = 0;
  for (std::size_t i = 0; i < dr.size(); ++i) mass_r += dr[i] * 0.01 * (i == 0 ? 0.5 : 1.0);
  EXPECT_NEAR(mass_r, 1.0, 5e-3);
  EXPECT_NEAR(dr[0], 2 * 0.3989, 0.05);  // the half-normal density at 0, not half of it
}

TEST(HtmlReport, RejectsAFolderThatIsNotAnOutputFolder) {
  const fs::path dir = hbm::test::fresh_temp_dir("report-empty");
  try {
    hbm::write_html_report(dir.string(), 0.5);
    ADD_FAILURE() << "no InputError";
  } catch (const hbm::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("summary.json"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "report.html"));
  EXPECT_THROW(hbm::write_html_report((dir / "missing").string(), NAN), hbm::InputError);
  hbm::test::write_text(dir / "summary.json", "{\"not\": \"hbmeta\"}");
  EXPECT_THROW(hbm::write_html_report(dir.string(), NAN), hbm::InputError);
  hbm::test::write_text(dir / "summary.json", "{broken");
  EXPECT_THROW(hbm::write_html_report(dir.string(), NAN), hbm::InputError);
  EXPECT_FALSE(fs::exists(dir / "report.html"));
}
