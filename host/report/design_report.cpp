#include "host/report/design_report.hpp"
#include "host/report/report_style.hpp"

#include <algorithm>
#include <cmath>

#include "host/report/report_format.hpp"
#include "host/report/svg_plot.hpp"

namespace hbm {
namespace {


constexpr double kW = 640, kH = 340, kLeft = 70, kRight = 20, kTop = 56, kBottom = 52;

std::string esc(const std::string& s) { return svg::escape(s); }

// A line plot of curves (optionally over a histogram), y from 0; the legend above the plot area.
svg::Canvas line_plot(const std::string& title, const std::string& x_label, const std::string& y_label,
                      const std::vector<DesignCurve>& curves, const std::vector<double>& hist_edges = {},
                      const std::vector<double>& hist_height = {}, double y_max_fixed = NAN, double mark_x = NAN) {
  svg::Canvas c(kW, kH, title);
  double x0 = INFINITY, x1 = -INFINITY, y1 = 0;
  for (const auto& cv : curves)
    for (std::size_t i = 0; i < cv.x.size(); ++i) {
      if (!std::isfinite(cv.x[i]) || !std::isfinite(cv.y[i])) continue;
      x0 = std::min(x0, cv.x[i]), x1 = std::max(x1, cv.x[i]), y1 = std::max(y1, cv.y[i]);
    }
  if (!hist_edges.empty()) x0 = std::min(x0, hist_edges.front()), x1 = std::max(x1, hist_edges.back());
  for (double h : hist_height) y1 = std::max(y1, h);
  if (!(x1 > x0)) x0 = 0, x1 = 1;
  const auto [xl, xh] = svg::nice_range(x0, x1, 6);
  const double ytop = std::isfinite(y_max_fixed) ? y_max_fixed : svg::nice_range(0, y1 > 0 ? y1 * 1.05 : 1, 5).second;
  const svg::Scale sx{xl, xh, kLeft, kW - kRight}, sy{0, ytop, kH - kBottom, kTop};
  c.text(kLeft, 20, title, "start", 14, "font-weight=\"600\"");
  for (std::size_t i = 0; i + 1 < hist_edges.size() && i < hist_height.size(); ++i) {
    const double a = sx(hist_edges[i]), b = sx(hist_edges[i + 1]), top = sy(std::min(hist_height[i], ytop));
    c.rect(a, top, std::max(0.0, b - a), (kH - kBottom) - top, "#c8d8e8", "class=\"map-draws\"");
  }
  if (std::isfinite(mark_x)) c.line(sx(mark_x), kTop, sx(mark_x), kH - kBottom, "#999", 1, "stroke-dasharray=\"3,3\"");
  double lx = kLeft;
  double ly = 40;
  if (!hist_edges.empty()) lx = svg::legend_entry(c, lx, ly, svg::Mark::Band, "#c8d8e8", "MAP draws");
  for (std::size_t k = 0; k < curves.size(); ++k) {
    const auto& cv = curves[k];
    std::vector<std::pair<double, double>> pts;
    for (std::size_t i = 0; i < cv.x.size(); ++i)
      if (std::isfinite(cv.x[i]) && std::isfinite(cv.y[i]))
        pts.emplace_back(sx(sx.clamp(cv.x[i])), sy(std::min(cv.y[i], ytop)));
    const std::string& colour = svg::palette(cv.colour >= 0 ? static_cast<std::size_t>(cv.colour) : k);
    c.polyline(pts, colour, 2, std::string("class=\"curve\"") + (cv.dashed ? " stroke-dasharray=\"6,4\"" : ""));
    if (lx + svg::text_width(cv.label, 12) + 54 > kW) lx = kLeft, ly += 16;
    lx = svg::legend_entry(c, lx, ly, cv.dashed ? svg::Mark::Dashed : svg::Mark::Line, colour, cv.label);
  }
  svg::x_axis(c, sx, svg::fitting_linear_ticks(sx), kH - kBottom, x_label);
  svg::y_axis(c, sy, svg::linear_ticks(0, ytop, 5), kLeft, y_label);
  return c;
}

std::string kv_table(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string h = "<table class=\"kv\">\n";
  for (const auto& [k, v] : rows) h += "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>\n";
  return h + "</table>\n";
}

std::string figure(const svg::Canvas& c, const std::string& caption) {
  return "<figure>\n" + c.str() + "<figcaption>" + esc(caption) + "</figcaption>\n</figure>\n";
}

}  // namespace

std::string design_report_html(const DesignReportData& d) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>hbmeta design</title>\n<style>\n";
  h += report::kReportCss;
  h += "</style>\n</head>\n<body>\n<h1>hbmeta design: the next trial from the meta-analysis</h1>\n";
  h += "<p>Command: <code>" + esc(d.command) + "</code></p>\n";
  h += "<p>Historical data: <code>" + esc(d.input) + "</code>, outcome <code>" + esc(d.outcome) +
       "</code>. The meta-analytic-predictive (MAP) prior is the posterior predictive of the " + esc(d.rate_label) +
       " in a new study; it is approximated by a beta mixture (EM, components by AIC) and robustified.</p>\n";
  h += "<h3>Design</h3>\n" + kv_table(d.summary_rows);
  if (!d.notes.empty()) {
    h += "<ul class=\"notes\">\n";
    for (const auto& n : d.notes) h += "<li>" + esc(n) + "</li>\n";
    h += "</ul>\n";
  }
  h += "<h3>MAP prior</h3>\n";
  h += figure(line_plot("MAP prior of the " + d.rate_label, d.rate_label, "density", d.prior_curves, d.hist_edges,
                        d.hist_density),
              "Histogram of the MAP draws (p_new of the historical fit) with the fitted beta mixture, the robust mixture "
              "used as the control arm's prior, and its robust component (weighted by its share).");
  h += kv_table(d.prior_rows);
  h += "<h3>Prior effective sample size</h3>\n" + kv_table(d.ess_rows);
  h += "<h3>Operating characteristics</h3>\n";
  h += figure(line_plot("Probability of success", d.oc_x_label, "P(success)", d.oc_curves, {}, {}, 1.0),
              "Exact probability of success (a sum over every trial outcome) against the true control rate, one curve "
              "per true effect; effect 0 is the type I error. Dashed: the hierarchical path (each control outcome added "
              "to the historical studies and the model refitted), where run; where it departs from the solid curve, the "
              "mixture approximation is the one to doubt.");
  if (!d.assurance_curves.empty())
    h += figure(line_plot("Assurance and power against the treatment arm's size", "treatment arm size n_t",
                          "probability", d.assurance_curves, {}, {}, 1.0, d.planned_n_t),
                "Assurance (probability of success averaged over the design prior) and power at the planned effect "
                "at the MAP mean, with the control arm's size fixed; the dotted line is the planned n_t.");
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace hbm
