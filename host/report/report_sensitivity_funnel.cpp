// The contour-enhanced funnel plot of the small-study analyses (declared in
// host/report/report_plots.hpp), drawn as metafor's funnel(res, level = c(90, 95, 99),
// shade = c("white", "gray55", "gray75"), refline = 0) draws it, from the regions hbmeta
// computed (summary.json small_study.funnel): nothing here recomputes a statistic.
#include <algorithm>
#include <cmath>

#include "host/report/report_format.hpp"
#include "host/report/report_plots.hpp"
#include "host/report/report_sensitivity_rows.hpp"

namespace hbm::report {
namespace {

// metafor's shades: inside the 90% region white, then gray55 and gray75, the plot's background
// (beyond the 99% region) lightgray.
std::string shade(double p) {
  if (p >= 0.1 - 1e-9) return "#ffffff";
  if (p >= 0.05 - 1e-9) return "#8c8c8c";
  return "#bfbfbf";
}
const char* const kBeyond = "#d3d3d3";

std::string p_words(double p) { return fmt_plain(p); }

}  // namespace

svg::Canvas funnel_plot(const OutcomeData& o) {
  const FunnelData& fu = o.sensitivity.funnel;
  const SensitivityData& s = o.sensitivity;
  // Regions from the widest (smallest p) to the narrowest, so that each paints over the last.
  std::vector<FunnelRegion> regions = fu.significance;
  std::sort(regions.begin(), regions.end(), [](const FunnelRegion& a, const FunnelRegion& b) { return a.p < b.p; });

  double lo = INFINITY, hi = -INFINITY, se_top = 0;
  auto take = [&](double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  };
  for (const auto& g : regions) take(g.lb), take(g.ub), take(g.center);
  take(fu.pooled.lb), take(fu.pooled.ub);
  for (const auto& p : fu.studies) take(p.yi), se_top = std::max(se_top, std::isfinite(p.sei) ? p.sei : 0.0);
  for (const auto& f : s.trimfill.filled) take(f.yi), se_top = std::max(se_top, std::sqrt(f.vi));
  if (!std::isfinite(lo)) lo = -1, hi = 1;
  const double se_max = std::isfinite(fu.se_max) && fu.se_max > 0 ? fu.se_max : std::max(se_top, 1e-3);

  // Layout: the plot on the left, the legend on its right, the tests below.
  std::vector<std::string> lines;
  // The tests' own notes repeat the small-study note (too few studies) when there is one.
  const bool own_notes = s.small_study_note.empty();
  lines.push_back("Egger's test (metafor regtest, predictor sei): z = " + fmt_sig(s.egger.z, 3) + ", p = " +
                  fmt_sig(s.egger.p, 2) + (own_notes && !s.egger.note.empty() ? "; " + s.egger.note : ""));
  lines.push_back("Peters' test (predictor 1/n): z = " + fmt_sig(s.peters.z, 3) + ", p = " + fmt_sig(s.peters.p, 2) +
                  (own_notes && !s.peters.note.empty() ? "; " + s.peters.note : ""));
  const TrimfillSumm& tf = s.trimfill;
  lines.push_back("Trim and fill (REML): k0 = " + fmt_int(tf.k0) + " imputed" +
                  (tf.side.empty() ? "" : " on the " + tf.side) + "; adjusted " + rows::pooled_words(o) + " " +
                  fmt_interval(rows::natural(o, tf.est), rows::natural(o, tf.ci_lb), rows::natural(o, tf.ci_ub)) +
                  (tf.note.empty() ? "" : "; " + tf.note));
  if (!s.small_study_note.empty()) lines.push_back("Note: " + s.small_study_note);

  const double width = 980, left = 76, plot_w = 560, top = 46, plot_h = 380;
  const double right = left + plot_w, bottom = top + plot_h;
  // The notes wrap at the figure's width (about 150 characters of 12 px text).
  std::vector<std::string> wrapped;
  for (const auto& l : lines) {
    std::string rest = l;
    const std::size_t max_chars = static_cast<std::size_t>((width - 24) / (0.6 * 12));
    while (rest.size() > max_chars) {
      std::size_t cut = rest.rfind(' ', max_chars);
      if (cut == std::string::npos || cut == 0) cut = max_chars;
      wrapped.push_back(rest.substr(0, cut));
      rest = "    " + rest.substr(cut + 1);
    }
    wrapped.push_back(rest);
  }
  const double height = bottom + 50 + 18 * static_cast<double>(wrapped.size()) + 8;
  svg::Canvas c(width, height, o.name + ": funnel plot");
  c.text(12, 20,
         o.name + ": funnel plot, contour-enhanced (significance of each study's effect against " +
             (o.two_arm ? "0)" : "logit 0, a rate of 0.5)"),
         "start", 14, "font-weight=\"bold\"");

  const auto [x0, x1] = svg::nice_range(lo, hi, 6);
  const svg::Scale x{x0, x1, left, right, false};
  const svg::Scale y{0, se_max, top, bottom, false};  // se = 0 at the top, as metafor
  c.rect(left, top, plot_w, plot_h, kBeyond, "class=\"funnel-background\"");
  for (const auto& g : regions) {
    if (!std::isfinite(g.center) || !std::isfinite(g.lb) || !std::isfinite(g.ub)) continue;
    c.polygon({{x(g.center), y(0)}, {x(g.lb), y(se_max)}, {x(g.ub), y(se_max)}}, shade(g.p),
              "class=\"funnel-region\" data-p=\"" + p_words(g.p) + "\"");
  }
  c.rect(left, top, plot_w, plot_h, "none", "stroke=\"#333333\" stroke-width=\"1\"");
  svg::x_axis(c, x, svg::fitting_linear_ticks(x, 7), bottom,
              o.two_arm ? "log odds ratio (treatment vs control)" : "logit rate, log(y / (n - y))");
  svg::y_axis(c, y, svg::linear_ticks(0, se_max, 5), left, "standard error");
  if (x0 <= 0 && x1 >= 0) c.line(x(0), top, x(0), bottom, "#555555", 1, "class=\"funnel-zero\"");

  const FunnelRegion& pr = fu.pooled;
  if (std::isfinite(pr.center)) {
    c.line(x(pr.center), top, x(pr.center), bottom, "#0072B2", 1.5, "class=\"funnel-pooled\"");
    if (std::isfinite(pr.lb) && std::isfinite(pr.ub)) {
      c.line(x(pr.center), y(0), x(pr.lb), y(se_max), "#0072B2", 1.2, "stroke-dasharray=\"5,3\" class=\"funnel-pooled\"");
      c.line(x(pr.center), y(0), x(pr.ub), y(se_max), "#0072B2", 1.2, "stroke-dasharray=\"5,3\" class=\"funnel-pooled\"");
    }
  }
  for (const auto& f : tf.filled) {
    if (!std::isfinite(f.yi) || !std::isfinite(f.vi)) continue;
    c.begin_group("class=\"funnel-filled\"");
    c.raw("<title>" + svg::escape("filled by trim and fill (mirrors " + f.mirrors + "): " + fmt_sig(f.yi, 3) +
                                  ", se " + fmt_sig(std::sqrt(f.vi), 3)) +
          "</title>");
    c.circle(x(x.clamp(f.yi)), y(y.clamp(std::sqrt(f.vi))), 4.5, "#ffffff", "stroke=\"#000000\" stroke-width=\"1.5\"");
    c.end_group();
  }
  for (const auto& p : fu.studies) {
    if (!std::isfinite(p.yi) || !std::isfinite(p.sei)) continue;
    c.begin_group("class=\"funnel-study\"");
    c.raw("<title>" + svg::escape(p.study + ": " + fmt_sig(p.yi, 3) + ", se " + fmt_sig(p.sei, 3)) + "</title>");
    c.circle(x(x.clamp(p.yi)), y(y.clamp(p.sei)), 4.5, "#000000");
    c.end_group();
  }

  // Legend, right of the plot.
  double ly = top + 12;
  const double lx = right + 24;
  c.text(lx, ly, "Significance against 0", "start", 12, "font-weight=\"bold\"");
  ly += 20;
  std::vector<std::pair<std::string, std::string>> keys;  // colour, label
  std::vector<FunnelRegion> narrow_first(regions.rbegin(), regions.rend());
  double upper = 1;
  for (const auto& g : narrow_first) {
    keys.push_back({shade(g.p), upper < 1 ? p_words(g.p) + " < p <= " + p_words(upper) : "p > " + p_words(g.p)});
    upper = g.p;
  }
  if (!regions.empty()) keys.push_back({kBeyond, "p <= " + p_words(regions.front().p)});
  for (const auto& [colour, label] : keys) {
    c.rect(lx, ly - 10, 22, 12, colour, "stroke=\"#555555\" stroke-width=\"0.8\"");
    c.text(lx + 30, ly, label, "start", 12);
    ly += 20;
  }
  ly += 6;
  c.circle(lx + 11, ly - 4, 4.5, "#000000");
  c.text(lx + 30, ly, "study (effect, se)", "start", 12);
  ly += 20;
  c.circle(lx + 11, ly - 4, 4.5, "#ffffff", "stroke=\"#000000\" stroke-width=\"1.5\"");
  c.text(lx + 30, ly, "filled by trim and fill (k0 = " + fmt_int(tf.k0) + ")", "start", 12);
  ly += 20;
  c.line(lx, ly - 4, lx + 22, ly - 4, "#0072B2", 1.5);
  c.text(lx + 30, ly, "REML pooled estimate", "start", 12);
  ly += 20;
  c.line(lx, ly - 4, lx + 22, ly - 4, "#0072B2", 1.2, "stroke-dasharray=\"5,3\"");
  c.text(lx + 30, ly, "its 95% region (estimate \u00b1 1.96 se)", "start", 12);

  double ty = bottom + 50;
  for (const auto& l : wrapped) {
    c.text(12, ty + 12, l, "start", 12, "class=\"funnel-note\"");
    ty += 18;
  }
  return c;
}

}  // namespace hbm::report
