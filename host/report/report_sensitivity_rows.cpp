// The row layout of the sensitivity figures (host/report/report_sensitivity_rows.hpp).
#include "host/report/report_sensitivity_rows.hpp"

#include <algorithm>
#include <tuple>

#include "host/report/report_format.hpp"
#include "host/report/report_stats.hpp"

namespace hbm::report::rows {
namespace {

constexpr double kRow = 24;        // px per row: two marks (first above, second below the middle)
constexpr double kHeader = 22;     // panel headers above the rows
constexpr double kAxis = 46;       // tick labels and the axis label below the rows
constexpr double kGap = 30;        // between panels
constexpr double kMinPanel = 200;  // narrower panels cannot hold their tick labels

double label_width(const Block& b, std::size_t i) {
  const bool bold = i < b.bold.size() && b.bold[i];
  return (bold ? 1.1 : 1.0) * svg::text_width(b.labels[i]);
}

double right_width(const Block& b) {
  if (b.right.empty()) return 0;
  double w = svg::text_width(b.right_header);
  for (const auto& t : b.right) w = std::max(w, svg::text_width(t));
  return w + 20;
}

// The panel's data range from everything it draws, as forest_plot chooses its axis.
svg::Scale panel_scale(const Panel& p, double r0, double r1) {
  double lo = INFINITY, hi = -INFINITY;
  const bool log = p.axis == Axis::OddsRatio;
  auto take = [&](double v) {
    if (std::isfinite(v) && (!log || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
  };
  for (const auto* series : {&p.first, &p.second})
    for (const Span& s : *series) take(s.est), take(s.lo), take(s.hi);
  take(p.ref_first), take(p.ref_second), take(p.null_value);
  svg::Scale sc{0, 1, r0, r1, log};
  switch (p.axis) {
    case Axis::OddsRatio:
      if (!std::isfinite(lo)) lo = 0.5, hi = 2;
      // A zero-cell study's interval can be wider than [0.001, 1000]: it then ends in an arrow.
      lo = std::max(1e-3, std::min(lo, 1.0));
      hi = std::min(1e3, std::max(hi, 1.0));
      std::tie(sc.d0, sc.d1) = svg::log_range(lo, hi);
      break;
    case Axis::Rate:
      if (!std::isfinite(lo)) lo = 0, hi = 1;
      if (hi - lo > 0.5) {
        sc.d0 = 0, sc.d1 = 1;
      } else {
        const auto [a, b] = svg::nice_range(lo, hi, 6);
        sc.d0 = std::max(0.0, a), sc.d1 = std::min(1.0, b);
      }
      break;
    case Axis::Positive:
      if (!std::isfinite(hi) || hi <= 0) hi = 1;
      sc.d0 = 0, sc.d1 = svg::nice_range(0, hi, 5).second;
      break;
    case Axis::Linear:
      if (!std::isfinite(lo)) lo = -1, hi = 1;
      std::tie(sc.d0, sc.d1) = svg::nice_range(lo, hi, 5);
      break;
  }
  return sc;
}

bool on_axis(const svg::Scale& x, double v) {
  return std::isfinite(v) && v >= std::min(x.d0, x.d1) && v <= std::max(x.d0, x.d1);
}


}  // namespace

Span median_cri(const Summ& s) { return {s.q50, s.q025, s.q975}; }

Frame frame_for(const std::vector<const Block*>& blocks) {
  Frame f;
  double need = 0;
  for (const Block* b : blocks) {
    for (std::size_t i = 0; i < b->labels.size(); ++i) f.label_w = std::max(f.label_w, label_width(*b, i));
    const double n = static_cast<double>(b->panels.size());
    need = std::max(need, n * kMinPanel + (n - 1) * kGap + right_width(*b));
  }
  f.label_w = std::min(f.label_w, 320.0);
  f.width = std::max(980.0, 12 + f.label_w + 14 + need + 12);
  return f;
}

double block_height(const Block& b) { return kHeader + kRow * static_cast<double>(b.labels.size()) + 6 + kAxis; }

double draw_block(svg::Canvas& c, const Frame& f, const Block& b, double top) {
  const std::size_t n = b.labels.size();
  const double rw = right_width(b);
  const double plot_l = 12 + f.label_w + 14, plot_r = f.width - 12 - rw;
  const double np = static_cast<double>(b.panels.size());
  const double pw = (plot_r - plot_l - (np - 1) * kGap) / std::max(1.0, np);
  const double rows_top = top + kHeader, axis_y = rows_top + kRow * static_cast<double>(n) + 6;

  std::vector<svg::Scale> scales;
  for (std::size_t p = 0; p < b.panels.size(); ++p) {
    const Panel& pn = b.panels[p];
    const double left = plot_l + static_cast<double>(p) * (pw + kGap);
    scales.push_back(panel_scale(pn, left + 6, left + pw - 6));
    const svg::Scale& x = scales.back();
    c.text(left + pw / 2, top + 14, svg::shorten(pn.header, pw / 1.1), "middle", 12, "font-weight=\"bold\"");
    const std::vector<double> ticks = x.log ? svg::log_ticks(x.d0, x.d1) : svg::fitting_linear_ticks(x, 6);
    svg::x_axis(c, x, ticks, axis_y, pn.axis_label, true, rows_top - 2);
    if (on_axis(x, pn.null_value)) c.line(x(pn.null_value), rows_top - 2, x(pn.null_value), axis_y, "#555555", 1.2);
    if (on_axis(x, pn.ref_second))
      c.line(x(pn.ref_second), rows_top - 2, x(pn.ref_second), axis_y, pn.second_colour, 1,
             "stroke-dasharray=\"5,3\" class=\"reference\"");
    if (on_axis(x, pn.ref_first))
      c.line(x(pn.ref_first), rows_top - 2, x(pn.ref_first), axis_y, pn.first_colour, 1,
             "stroke-dasharray=\"5,3\" opacity=\"0.8\" class=\"reference\"");
  }
  if (rw > 0) c.text(plot_r + 20, top + 14, b.right_header, "start", 12, "font-weight=\"bold\"");

  for (std::size_t i = 0; i < n; ++i) {
    const double y = rows_top + kRow * (static_cast<double>(i) + 0.5);
    const bool flagged = i < b.flagged.size() && b.flagged[i], bold = i < b.bold.size() && b.bold[i];
    c.begin_group(flagged ? "class=\"sens-row " + b.flag_class + "\"" : "class=\"sens-row\"");
    if (i < b.tips.size()) c.raw("<title>" + svg::escape(b.tips[i]) + "</title>");
    if (i % 2 == 1) c.rect(8, y - kRow / 2, f.width - 16, kRow, "#000000", "opacity=\"0.035\"");
    std::string attrs = flagged ? "fill=\"" + std::string(kFlag) + "\"" : "";
    if (bold) attrs += std::string(attrs.empty() ? "" : " ") + "font-weight=\"bold\"";
    c.text(12, y + 4, svg::shorten(b.labels[i], f.label_w), "start", 12, attrs);
    for (std::size_t p = 0; p < b.panels.size(); ++p) {
      const Panel& pn = b.panels[p];
      const svg::Scale& x = scales[p];
      if (i < pn.first.size()) {
        const Span& s = pn.first[i];
        if (pn.first_band && std::isfinite(s.lo) && std::isfinite(s.hi)) {
          const double a = x(x.clamp(s.lo)), e = x(x.clamp(s.hi));
          c.rect(a, y - 9, e - a, 9, kBand, "class=\"band\"");
          if (on_axis(x, s.est)) c.line(x(s.est), y - 10, x(s.est), y + 1, pn.first_colour, 2);
        } else {
          interval_line(c, x, s, y - 4, pn.first_colour, 2);
          if (on_axis(x, s.est)) c.circle(x(s.est), y - 4, 3.5, pn.first_colour, "class=\"first\"");
        }
      }
      if (i < pn.second.size()) {
        const Span& s = pn.second[i];
        const std::string colour = pn.flag_second && flagged ? kFlag : pn.second_colour;
        interval_line(c, x, s, y + 5, colour, 1.5);
        if (on_axis(x, s.est)) {
          const double m = x(s.est), ym = pn.second_diamond ? y - 4 : y + 5;
          if (pn.second_diamond)
            c.polygon({{m - 5, ym}, {m, ym - 6}, {m + 5, ym}, {m, ym + 6}}, colour, "class=\"second\"");
          else
            c.rect(m - 3, ym - 3, 6, 6, colour, "class=\"second\"");
        }
      }
    }
    if (i < b.right.size()) c.text(plot_r + 20, y + 4, b.right[i], "start", 12, attrs);
    c.end_group();
  }
  return axis_y + kAxis;
}

double natural(const OutcomeData& o, double v) { return o.two_arm ? std::exp(v) : inv_logit(v); }

Span natural(const OutcomeData& o, const Span& s) { return {natural(o, s.est), natural(o, s.lo), natural(o, s.hi)}; }

Axis natural_axis(const OutcomeData& o) { return o.two_arm ? Axis::OddsRatio : Axis::Rate; }

std::string pooled_words(const OutcomeData& o) { return o.two_arm ? "pooled odds ratio" : "pooled rate"; }

const FreqRow* reml_row(const OutcomeData& o) {
  for (const auto& f : o.freq)
    if (f.method == "REML") return &f;
  return nullptr;
}

std::string span_text(const Span& s) {
  if (!std::isfinite(s.lo) && !std::isfinite(s.hi)) return fmt_sig(s.est, 2, 2);
  return fmt_interval(s.est, s.lo, s.hi);
}

void interval_line(svg::Canvas& c, const svg::Scale& x, const Span& s, double y, const std::string& colour,
                   double width) {
  if (!std::isfinite(s.lo) || !std::isfinite(s.hi)) return;
  const double a = x(x.clamp(s.lo)), b = x(x.clamp(s.hi));
  c.line(a, y, b, y, colour, width);
  if (s.lo < x.d0) c.polygon({{a - 2, y}, {a + 5, y - 4}, {a + 5, y + 4}}, colour);
  if (s.hi > x.d1) c.polygon({{b + 2, y}, {b - 5, y - 4}, {b - 5, y + 4}}, colour);
}

}  // namespace hbm::report::rows
