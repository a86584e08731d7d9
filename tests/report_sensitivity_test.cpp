// The report's "Sensitivity analyses" figures (host/report/report_plots.hpp, issue 19).
//
// Most checks read a hand-written sensitivity block whose numbers are chosen here, so that each
// figure's geometry can be recomputed from them: the funnel's regions and points, the
// predictive checks' intervals and observed counts, the leave-one-out rows. The SVG writes
// coordinates to 0.1 px, so positions agree to 0.05 px plus the rounding of the references
// taken from the same file (0.15 px is the tolerance). Then one small `hbmeta fit --sensitivity
// all --report` run checks that the section and its figure files come out of a real fit, and that
// a part is absent when its block is.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "host/io/json_reader.hpp"
#include "host/report/report_plots.hpp"
#include "host/support/input_error.hpp"
#include "support/cli_runner.hpp"

namespace fs = std::filesystem;
using hbm::Json;
using namespace hbm::report;

namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

std::string stats(double q50, double lo, double hi) {
  return "{\"mean\": " + std::to_string(q50) + ", \"sd\": 0.1, \"q2.5\": " + std::to_string(lo) +
         ", \"q50\": " + std::to_string(q50) + ", \"q97.5\": " + std::to_string(hi) + "}";
}

std::string posterior(double mu, double tau) {
  return "\"posterior\": {\"mu\": " + stats(mu, mu - 0.5, mu + 0.5) + ", \"tau\": " + stats(tau, 0.05, tau + 0.4) +
         ", \"theta_new\": " + stats(mu, mu - 1.5, mu + 1.5) + ", \"divergences\": 0}";
}

std::string reml(double est) {
  return "\"REML\": {\"estimate\": " + std::to_string(est) + ", \"ci_lb\": " + std::to_string(est - 0.4) +
         ", \"ci_ub\": " + std::to_string(est + 0.4) + ", \"tau2\": 0.09, \"k\": 4, \"note\": \"\"}";
}

// Five single-arm studies; C is influential and falls outside its predictive interval; trim and
// fill imputes two studies; the funnel's regions are those of se_max = 0.8 (z = 1.645, 1.960,
// 2.576 times 0.8) and the pooled region is -1 +- 1.96 * 0.8.
const char* const kStudies[] = {"A", "B", "C", "D", "E"};
const double kYi[] = {-1.2, -0.8, -1.5, -0.2, -1.0}, kSei[] = {0.3, 0.5, 0.2, 0.7, 0.4};
const long long kEvents[] = {10, 20, 30, 5, 12}, kTotal[] = {40, 60, 60, 50, 48};
const double kObserved[] = {10, 20, 30, 5, 12}, kLo[] = {3, 6, 2, 1, 4}, kHi[] = {18, 30, 20, 12, 20};

std::string block_text() {
  std::string s = "{\n\"leave_one_out\": [\n";
  for (int i = 0; i < 5; ++i)
    s += std::string(i ? ",\n" : "") + "{\"study\": \"" + kStudies[i] + "\", " + posterior(-1 + 0.1 * i, 0.3) + ", " +
         reml(-1 + 0.1 * i) + ", \"influence\": {\"cook_d\": " + (i == 2 ? "1.2" : "0.1") +
         ", \"hat\": 0.2, \"influential\": " + (i == 2 ? "true" : "false") + "}}";
  s += "],\n\"cumulative\": {\"by\": \"year\", \"steps\": [\n";
  for (int i = 0; i < 5; ++i)
    s += std::string(i ? ",\n" : "") + "{\"study\": \"" + kStudies[i] + "\", \"key\": \"" + std::to_string(1990 + i) +
         "\", \"k\": " + std::to_string(i + 1) + ", " + posterior(-1, 0.3) + ", " + reml(-1) + "}";
  s += "]},\n\"priors\": [{\"prior_mu\": \"normal(0,2.5)\", \"prior_tau\": \"half-normal(1)\", \"fit_priors\": true, " +
       posterior(-1, 0.3) + "}, {\"prior_mu\": \"normal(0,2.5)\", \"prior_tau\": \"half-normal(0.5)\", " +
       "\"fit_priors\": false, " + posterior(-1.05, 0.25) + "}],\n";
  s += "\"priors_statement\": \"the pooled estimate moves by less than half a posterior sd\",\n";
  s += "\"subgroups\": {\"by\": \"region\", \"groups\": [{\"level\": \"north\", \"k\": 3, " + posterior(-1.2, 0.2) + ", " +
       reml(-1.2) + "}, {\"level\": \"south\", \"k\": 2, " + posterior(-0.6, 0.4) + ", " + reml(-0.6) +
       "}], \"test\": {\"QM\": 4.1, \"df\": 1, \"p\": 0.043, \"note\": \"\"}, \"differences\": [{\"a\": \"north\", "
       "\"b\": \"south\", \"posterior\": " +
       stats(-0.6, -1.3, 0.1) + ", \"prob_greater\": 0.04}]},\n";
  s += "\"small_study\": {\"egger\": {\"z\": -2.1, \"p\": 0.036, \"k\": 5, \"note\": \"\"}, \"peters\": {\"z\": -1.7, "
       "\"p\": 0.089, \"k\": 5, \"note\": \"\"},\n\"trimfill\": {\"k0\": 2, \"side\": \"right\", \"estimate\": -0.9, "
       "\"ci_lb\": -1.3, \"ci_ub\": -0.5, \"filled\": [{\"yi\": -1.8, \"vi\": 0.49, \"mirrors\": \"D\"}, {\"yi\": -2.0, "
       "\"vi\": 0.25, \"mirrors\": \"B\"}], \"note\": \"\"},\n\"funnel\": {\"studies\": [";
  for (int i = 0; i < 5; ++i)
    s += std::string(i ? ", " : "") + "{\"study\": \"" + kStudies[i] + "\", \"yi\": " + std::to_string(kYi[i]) +
         ", \"sei\": " + std::to_string(kSei[i]) + "}";
  s += "], \"se_max\": 0.8, \"significance\": [{\"p\": 0.1, \"center\": 0, \"lb\": -1.31588, \"ub\": 1.31588}, "
       "{\"p\": 0.05, \"center\": 0, \"lb\": -1.56797, \"ub\": 1.56797}, {\"p\": 0.01, \"center\": 0, \"lb\": -2.06066, "
       "\"ub\": 2.06066}], \"pooled\": {\"p\": 0.05, \"center\": -1, \"lb\": -2.56797, \"ub\": 0.56797}},\n"
       "\"note\": \"fewer than 10 studies: the tests have little power\"},\n\"ppc\": [";
  for (int i = 0; i < 5; ++i)
    s += std::string(i ? ",\n" : "") + "{\"study\": \"" + kStudies[i] + "\", \"observed\": " +
         std::to_string(kObserved[i]) + ", \"q2.5\": " + std::to_string(kLo[i]) + ", \"q97.5\": " +
         std::to_string(kHi[i]) + ", \"p_value\": " + (i == 2 ? "0.996" : "0.5") + ", \"outside\": " +
         (i == 2 ? "true" : "false") + ", \"conditional\": {\"q2.5\": 1, \"q97.5\": 25, \"p_value\": 0.6}}";
  return s + "]\n}\n";
}

OutcomeData outcome() {
  OutcomeData o;
  o.name = "rates";
  o.file_base = "rates";
  for (int i = 0; i < 5; ++i) {
    StudyRow r;
    r.name = kStudies[i];
    r.events = kEvents[i];
    r.total = kTotal[i];
    o.studies.push_back(r);
  }
  Summ mu;
  mu.q50 = -1, mu.q025 = -1.5, mu.q975 = -0.5;
  o.params.emplace_back("mu", mu);
  Summ tau;
  tau.q50 = 0.3, tau.q025 = 0.05, tau.q975 = 0.7;
  o.params.emplace_back("tau", tau);
  FreqRow reml;
  reml.method = "REML";
  reml.est = -1.02, reml.ci_lb = -1.4, reml.ci_ub = -0.6, reml.tau = 0.28;
  o.freq.push_back(reml);
  o.sensitivity = read_sensitivity(Json::parse(block_text()), "summary.json", "rates");
  return o;
}

struct Pt {
  double x, y;
};

// The points of every <polygon> whose attributes contain `marker`.
std::vector<std::vector<Pt>> polygons(const std::string& svg, const std::string& marker) {
  std::vector<std::vector<Pt>> out;
  static const std::regex poly("<polygon[^>]*>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), poly); it != std::sregex_iterator(); ++it) {
    const std::string tag = it->str();
    if (tag.find(marker) == std::string::npos) continue;
    const auto a = tag.find("points=\"") + 8, b = tag.find('"', a);
    std::vector<Pt> pts;
    static const std::regex num_pair("(-?[0-9.]+),(-?[0-9.]+)");
    const std::string p = tag.substr(a, b - a);
    for (auto jt = std::sregex_iterator(p.begin(), p.end(), num_pair); jt != std::sregex_iterator(); ++jt)
      pts.push_back({std::stod((*jt)[1]), std::stod((*jt)[2])});
    out.push_back(pts);
  }
  return out;
}

double attr(const std::string& tag, const std::string& name) {
  const auto a = tag.find(" " + name + "=\"");
  if (a == std::string::npos) return NAN;
  return std::stod(tag.substr(a + name.size() + 3));
}

// The first tag `<kind ...>` after each <g class="CLASS"...>, in order.
std::vector<std::string> first_in_groups(const std::string& svg, const std::string& cls, const std::string& kind) {
  std::vector<std::string> out;
  const std::string open = "<g class=\"" + cls;
  for (auto a = svg.find(open); a != std::string::npos; a = svg.find(open, a + 1)) {
    const auto end = svg.find("</g>", a);
    const auto t = svg.find("<" + kind + " ", a);
    if (t == std::string::npos || t > end) {
      out.emplace_back();
      continue;
    }
    out.push_back(svg.substr(t, svg.find('>', t) - t + 1));
  }
  return out;
}

// The rows' groups (<g class="sens-row...">...</g>).
std::vector<std::string> row_groups(const std::string& svg) {
  std::vector<std::string> out;
  for (auto a = svg.find("<g class=\"sens-row"); a != std::string::npos; a = svg.find("<g class=\"sens-row", a + 1))
    out.push_back(svg.substr(a, svg.find("</g>", a) - a));
  return out;
}

constexpr double kPx = 0.15;  // coordinates are written to 0.1 px (see the file's comment)

}  // namespace

TEST(ReportSensitivity, ReadsEveryPartOfTheBlock) {
  const OutcomeData o = outcome();
  const SensitivityData& s = o.sensitivity;
  ASSERT_TRUE(s.present);
  ASSERT_EQ(s.leave_one_out.size(), 5u);
  EXPECT_TRUE(s.leave_one_out[2].influential);
  EXPECT_FALSE(s.leave_one_out[1].influential);
  EXPECT_DOUBLE_EQ(s.leave_one_out[3].post.mu.q50, -0.7);
  EXPECT_DOUBLE_EQ(s.leave_one_out[3].reml.ci_ub, -0.3);
  EXPECT_EQ(s.cumulative_by, "year");
  ASSERT_EQ(s.cumulative.size(), 5u);
  EXPECT_EQ(s.cumulative[4].k, 5);
  EXPECT_EQ(s.cumulative[4].key, "1994");
  ASSERT_EQ(s.priors.size(), 2u);
  EXPECT_TRUE(s.priors[0].fit_priors);
  EXPECT_EQ(s.priors[1].prior_tau, "half-normal(0.5)");
  EXPECT_TRUE(s.has_subgroups);
  EXPECT_DOUBLE_EQ(s.test.QM, 4.1);
  ASSERT_EQ(s.differences.size(), 1u);
  EXPECT_DOUBLE_EQ(s.differences[0].prob_greater, 0.04);
  EXPECT_TRUE(s.has_small_study);
  EXPECT_DOUBLE_EQ(s.egger.p, 0.036);
  EXPECT_EQ(s.trimfill.filled.size(), 2u);
  EXPECT_EQ(s.funnel.studies.size(), 5u);
  EXPECT_EQ(s.funnel.significance.size(), 3u);
  EXPECT_DOUBLE_EQ(s.funnel.pooled.center, -1);
  ASSERT_EQ(s.ppc.size(), 5u);
  EXPECT_TRUE(s.ppc[2].outside);
  EXPECT_DOUBLE_EQ(s.ppc[2].cond_hi, 25);
}

TEST(ReportSensitivity, FunnelRegionsAndStudiesWhereTheNumbersPutThem) {
  const OutcomeData o = outcome();
  const std::string svg = funnel_plot(o).str();
  const auto regions = polygons(svg, "class=\"funnel-region\"");
  ASSERT_EQ(regions.size(), 3u);
  // Drawn widest first (p = 0.01, 0.05, 0.10), each a triangle from (0, se = 0) to its bounds at se_max.
  for (const char* p : {"data-p=\"0.01\"", "data-p=\"0.05\"", "data-p=\"0.1\""})
    EXPECT_EQ(count(svg, p), 1u) << p;
  EXPECT_LT(svg.find("data-p=\"0.01\""), svg.find("data-p=\"0.05\""));
  EXPECT_LT(svg.find("data-p=\"0.05\""), svg.find("data-p=\"0.1\""));
  const Pt apex = regions[0][0];
  const double bottom = regions[0][1].y;
  // The pixel scale from the widest region: x(v) = apex.x + v * (x(ub) - apex.x) / ub.
  const double px_per_unit = (regions[0][2].x - apex.x) / 2.06066;
  auto x_of = [&](double v) { return apex.x + v * px_per_unit; };
  const double bounds[] = {2.06066, 1.56797, 1.31588};
  for (int r = 0; r < 3; ++r) {
    ASSERT_EQ(regions[r].size(), 3u);
    EXPECT_NEAR(regions[r][0].x, apex.x, kPx);
    EXPECT_NEAR(regions[r][0].y, apex.y, kPx);
    EXPECT_NEAR(regions[r][1].x, x_of(-bounds[r]), 2 * kPx) << "region " << r;
    EXPECT_NEAR(regions[r][2].x, x_of(bounds[r]), 2 * kPx) << "region " << r;
    EXPECT_NEAR(regions[r][1].y, bottom, kPx);
  }
  // The regions are shaded as metafor's: white inside the 90% region, darker beyond.
  EXPECT_NE(svg.find("fill=\"#ffffff\" points=\"" + std::string()), std::string::npos);

  // Each study at (yi, sei): se grows downwards from the apex (se = 0) to the base (se = 0.8).
  const auto studies = first_in_groups(svg, "funnel-study", "circle");
  ASSERT_EQ(studies.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(attr(studies[i], "cx"), x_of(kYi[i]), 2 * kPx) << kStudies[i];
    EXPECT_NEAR(attr(studies[i], "cy"), apex.y + kSei[i] / 0.8 * (bottom - apex.y), 2 * kPx) << kStudies[i];
    EXPECT_NE(studies[i].find("fill=\"#000000\""), std::string::npos);
  }
  // Trim and fill's studies open (white fill, black edge) at (yi, sqrt(vi)).
  const auto filled = first_in_groups(svg, "funnel-filled", "circle");
  ASSERT_EQ(filled.size(), 2u);
  EXPECT_NEAR(attr(filled[0], "cx"), x_of(-1.8), 2 * kPx);
  EXPECT_NEAR(attr(filled[0], "cy"), apex.y + 0.7 / 0.8 * (bottom - apex.y), 2 * kPx);
  EXPECT_NE(filled[1].find("fill=\"#ffffff\" stroke=\"#000000\""), std::string::npos);
  // The pooled region: a solid line at -1 and dashed lines from (-1, 0) to (-1 -+ 1.96 * 0.8, se_max).
  static const std::regex pooled_line("<line x1=\"([-0-9.]+)\" y1=\"([-0-9.]+)\" x2=\"([-0-9.]+)\" y2=\"([-0-9.]+)\"[^>]*funnel-pooled");
  std::vector<std::vector<double>> lines;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), pooled_line); it != std::sregex_iterator(); ++it)
    lines.push_back({std::stod((*it)[1]), std::stod((*it)[2]), std::stod((*it)[3]), std::stod((*it)[4])});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NEAR(lines[0][0], x_of(-1), 2 * kPx);
  EXPECT_NEAR(lines[1][2], x_of(-2.56797), 2 * kPx);
  EXPECT_NEAR(lines[2][2], x_of(0.56797), 2 * kPx);
  EXPECT_NEAR(lines[2][3], bottom, kPx);
  // The tests and the k < 10 note under the plot.
  EXPECT_NE(svg.find("Egger&#39;s test (metafor regtest, predictor sei): z = -2.10, p = 0.036"), std::string::npos);
  EXPECT_NE(svg.find("Peters&#39; test (predictor 1/n): z = -1.70, p = 0.089"), std::string::npos);
  EXPECT_NE(svg.find("fewer than 10 studies"), std::string::npos);
  EXPECT_NE(svg.find("logit rate"), std::string::npos);
}

TEST(ReportSensitivity, PredictiveChecksMarkTheStudyOutsideItsInterval) {
  const OutcomeData o = outcome();
  const std::string svg = ppc_plot(o).str();
  const auto rows = row_groups(svg);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(count(svg, "class=\"sens-row ppc-outside\""), 1u);
  // On a shared axis of count / n: the interval's ends and the observed diamond's centre, taken
  // from the file, must stand in the ratios of the numbers (x is linear in count / n).
  std::vector<double> lo_px, hi_px, obs_px;
  for (const auto& r : rows) {
    static const std::regex line("<line x1=\"([-0-9.]+)\" y1=\"[-0-9.]+\" x2=\"([-0-9.]+)\"");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r, m, line)) << r;
    lo_px.push_back(std::stod(m[1]));
    hi_px.push_back(std::stod(m[2]));
    const auto d = polygons(r, "class=\"second\"");
    ASSERT_EQ(d.size(), 1u);
    obs_px.push_back((d[0][0].x + d[0][2].x) / 2);
  }
  // Pixel scale from study A's interval: x = a + b * fraction.
  const double b = (hi_px[0] - lo_px[0]) / ((kHi[0] - kLo[0]) / kTotal[0]), a = lo_px[0] - b * kLo[0] / kTotal[0];
  for (int i = 0; i < 5; ++i) {
    const double n = static_cast<double>(kTotal[i]);
    EXPECT_NEAR(lo_px[i], a + b * kLo[i] / n, 3 * kPx) << kStudies[i];
    EXPECT_NEAR(hi_px[i], a + b * kHi[i] / n, 3 * kPx) << kStudies[i];
    EXPECT_NEAR(obs_px[i], a + b * kObserved[i] / n, 3 * kPx) << kStudies[i];
    const bool outside = obs_px[i] < lo_px[i] || obs_px[i] > hi_px[i];
    EXPECT_EQ(outside, i == 2) << kStudies[i];
  }
  const std::regex vermillion("<polygon fill=\"#D55E00\"[^>]*class=\"second\""),
      black("<polygon fill=\"#000000\"[^>]*class=\"second\"");
  EXPECT_TRUE(std::regex_search(rows[2], vermillion)) << "outside: vermillion";
  EXPECT_TRUE(std::regex_search(rows[0], black));
  EXPECT_FALSE(std::regex_search(rows[0], vermillion));
  EXPECT_NE(svg.find("1 of 5 outside their 95% intervals"), std::string::npos);
  EXPECT_NE(svg.find("30 of 60: [2, 20], p = 0.996"), std::string::npos);
}

TEST(ReportSensitivity, LeaveOneOutRowsInOrderWithTheInfluentialStudyMarked) {
  const OutcomeData o = outcome();
  const std::string svg = leave_one_out_plot(o).str();
  const auto rows = row_groups(svg);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(count(svg, "class=\"sens-row influential\""), 1u);
  EXPECT_NE(rows[2].find(">C *</text>"), std::string::npos);
  // The posterior medians -1, -0.9, ..., -0.6 are increasing rates: the circles move right by
  // the logistic's steps (a linear rate axis), the first circle of each row being the pooled one.
  std::vector<double> cx;
  for (const auto& r : rows) {
    const auto c = r.find("<circle ");
    ASSERT_NE(c, std::string::npos);
    cx.push_back(attr(r.substr(c, r.find('>', c) - c), "cx"));
  }
  auto rate = [](double v) { return 1 / (1 + std::exp(-v)); };
  for (int i = 2; i < 5; ++i) {
    const double want = (rate(-1 + 0.1 * i) - rate(-1)) / (rate(-0.9) - rate(-1));
    // Each difference of two coordinates is off by at most 0.1 px: the ratio by (1 + want) 0.1 / D.
    const double tol = (1 + want) * 0.1 / (cx[1] - cx[0]);
    EXPECT_NEAR((cx[i] - cx[0]) / (cx[1] - cx[0]), want, tol) << "row " << i;
  }
  // Dashed reference lines at the full data's posterior medians and REML estimates, both panels;
  // row A's median equals the full data's (-1), so its circle sits on the posterior line.
  EXPECT_EQ(count(svg, "class=\"reference\""), 4u);
  static const std::regex ref("<line x1=\"([-0-9.]+)\"[^>]*stroke=\"#0072B2\"[^>]*class=\"reference\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, ref));
  EXPECT_NEAR(std::stod(m[1]), cx[0], 0.1);
}

TEST(ReportSensitivity, SubgroupsCumulativeAndPriorsDrawEveryRow) {
  const OutcomeData o = outcome();
  const std::string sub = subgroup_plot(o).str();
  EXPECT_EQ(row_groups(sub).size(), 3u);  // two levels, one difference
  EXPECT_NE(sub.find("QM = 4.10, df = 1, p = 0.043"), std::string::npos);
  EXPECT_NE(sub.find(">0.040</text>"), std::string::npos) << "P(> 0) of north - south";
  EXPECT_NE(sub.find(">north - south</text>"), std::string::npos);
  const std::string cum = cumulative_plot(o).str();
  EXPECT_EQ(row_groups(cum).size(), 5u);
  EXPECT_NE(cum.find("+ E (year 1994)"), std::string::npos);
  const std::string pri = prior_sensitivity_plot(o).str();
  EXPECT_EQ(row_groups(pri).size(), 2u);
  EXPECT_EQ(count(pri, "class=\"band\""), 2u);  // the prediction intervals
  EXPECT_NE(pri.find("font-weight=\"bold\">tau ~ half-normal(1) (fit)</text>"), std::string::npos);
}

TEST(ReportSensitivity, SectionsOnlyForTheBlocksPresent) {
  OutcomeData o = outcome();
  SensitivitySection all = sensitivity_section(o);
  ASSERT_EQ(all.figures.size(), 6u);
  for (const char* f : {"rates_leave_one_out.svg", "rates_cumulative.svg", "rates_prior_sensitivity.svg",
                        "rates_subgroups.svg", "rates_funnel.svg", "rates_ppc.svg"}) {
    bool found = false;
    for (const auto& [name, svg] : all.figures) found = found || name == f;
    EXPECT_TRUE(found) << f;
  }
  EXPECT_EQ(count(all.html, "<svg"), 6u);
  EXPECT_NE(all.html.find("the pooled estimate moves by less than half a posterior sd."), std::string::npos);

  // A fit without the sensitivity options has only the predictive checks.
  o.sensitivity = read_sensitivity(Json::parse("{\"ppc\": [{\"study\": \"A\", \"observed\": 10, \"q2.5\": 3, "
                                               "\"q97.5\": 18, \"p_value\": 0.5, \"outside\": false}]}"),
                                   "summary.json", "rates");
  const SensitivitySection ppc = sensitivity_section(o);
  ASSERT_EQ(ppc.figures.size(), 1u);
  EXPECT_EQ(ppc.figures[0].first, "rates_ppc.svg");
  for (const char* absent : {"Leave one out", "Cumulative", "Prior sensitivity", "Subgroups", "funnel"})
    EXPECT_EQ(ppc.html.find(absent), std::string::npos) << absent;

  // No block at all (an older summary.json): nothing.
  o.sensitivity = SensitivityData{};
  const SensitivitySection none = sensitivity_section(o);
  EXPECT_TRUE(none.html.empty());
  EXPECT_TRUE(none.figures.empty());
}

TEST(ReportSensitivity, MalformedBlockIsAnErrorNamingFileLineAndPart) {
  try {
    read_sensitivity(Json::parse("{\n\"priors\": [],\n\"leave_one_out\": {\"study\": \"A\"}\n}"), "out/summary.json",
                     "rates");
    FAIL() << "no error";
  } catch (const hbm::InputError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("out/summary.json:3: outcomes.rates.sensitivity.leave_one_out must be a list", 0), 0u) << m;
    EXPECT_NE(m.find("rerun"), std::string::npos) << m;
  }
  EXPECT_THROW(read_sensitivity(Json::parse("{\"ppc\": [1, 2]}"), "s.json", "x"), hbm::InputError);
  EXPECT_THROW(read_sensitivity(Json::parse("[]"), "s.json", "x"), hbm::InputError);
}

// A real fit: two outcomes with year and region columns, every analysis asked for.
TEST(ReportSensitivityCli, FitWithSensitivityAllWritesEveryFigure) {
  const fs::path dir = hbm::test::fresh_temp_dir("report-sensitivity");
  hbm::test::write_text(dir / "s.csv",
                        "outcome,study,events,total,events_t,total_t,events_c,total_c,year,region\n"
                        "rate,A,30,41,,,,,1990,north\nrate,B,12,20,,,,,1994,north\nrate,C,55,70,,,,,1992,south\n"
                        "rate,D,9,25,,,,,1999,south\nrate,E,20,40,,,,,1997,north\n"
                        "or,A,,,12,50,20,52,1990,north\nor,B,,,4,30,6,31,1994,north\nor,C,,,7,44,9,40,1992,south\n"
                        "or,D,,,15,60,14,58,1999,south\n");
  const fs::path out = dir / "o";
  const auto r = hbm::test::run_hbmeta("fit " + (dir / "s.csv").string() + " --out " + out.string() +
                                       " --chains 4 --warmup 150 --draws 150 --sensitivity all --cumulative year "
                                       "--subgroups region --report --quiet");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string html = hbm::test::read_text(out / "report.html");
  EXPECT_EQ(count(html, "<h3>Sensitivity analyses</h3>"), 2u);
  for (const char* o : {"rate", "or"})
    for (const char* f : {"leave_one_out", "cumulative", "prior_sensitivity", "subgroups", "funnel", "ppc"}) {
      const fs::path p = out / "figures" / (std::string(o) + "_" + f + ".svg");
      ASSERT_TRUE(fs::exists(p)) << p;
      const std::string svg = hbm::test::read_text(p);
      EXPECT_EQ(svg.rfind("<?xml", 0), 0u) << p;
      EXPECT_EQ(svg.find("nan"), std::string::npos) << p;
    }
  EXPECT_EQ(count(hbm::test::read_text(out / "figures" / "or_funnel.svg"), "class=\"funnel-study\""), 4u);
  EXPECT_NE(hbm::test::read_text(out / "figures" / "or_funnel.svg").find("log odds ratio"), std::string::npos);
  EXPECT_EQ(count(hbm::test::read_text(out / "figures" / "rate_leave_one_out.svg"), "<g class=\"sens-row"), 5u);
  fs::remove_all(dir);
}
