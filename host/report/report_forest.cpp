// The forest plot of the HTML report (declared in host/report/report_plots.hpp).
#include <algorithm>
#include <cmath>
#include <tuple>

#include "host/report/report_format.hpp"
#include "host/report/report_plots.hpp"
#include "host/report/report_sensitivity_rows.hpp"
#include "host/report/report_stats.hpp"

namespace hbm::report {
namespace {

using rows::interval_line;
using rows::Span;

constexpr double kMinWidth = 980, kMinPlot = 340, kRow = 30, kSummaryRow = 26;
const char* const kObsColour = "#222222";
const char* const kPostColour = "#0072B2";
const char* const kPiColour = "#9ecae1";
const char* const kFreqColour = "#777777";


Span from(const Summ* s) { return s ? Span{s->q50, s->q025, s->q975} : Span{}; }
Span from(const Summ& s) { return {s.q50, s.q025, s.q975}; }

// The observed value of a study: exact CI (single-arm) or Wald OR (two-arm); the text says why
// there is none.
Span observed(const OutcomeData& o, const StudyRow& s, std::string* text) {
  Interval iv;
  if (o.two_arm) {
    if (!wald_odds_ratio(s.events_t, s.total_t, s.events_c, s.total_c, &iv)) {
      *text = s.events_t == 0 ? "no events" : "all events";
      return {};
    }
  } else {
    if (s.total <= 0) {
      *text = "no patients";
      return {};
    }
    iv = clopper_pearson(s.events, s.total);
  }
  *text = fmt_interval(iv.est, iv.lo, iv.hi);
  return {iv.est, iv.lo, iv.hi};
}

// The axis: rates on [0, 1] zoomed to the data when they use less than half of it; odds ratios
// on a log axis between 1-2-5 values, always showing OR = 1, limited to [0.001, 1000] (a
// zero-cell study's Wald interval can be wider; its line then ends in an arrow).
svg::Scale axis_for(const OutcomeData& o, const std::vector<Span>& spans, double r0, double r1) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : spans)
    for (double v : {s.est, s.lo, s.hi})
      if (std::isfinite(v) && (!o.two_arm || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
  svg::Scale sc{0, 1, r0, r1, o.two_arm};
  if (o.two_arm) {
    if (!std::isfinite(lo)) lo = 0.5, hi = 2;
    lo = std::max(1e-3, std::min(lo, 1.0));
    hi = std::min(1e3, std::max(hi, 1.0));
    std::tie(sc.d0, sc.d1) = svg::log_range(lo, hi);
  } else {
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo > 0.5) {
      sc.d0 = 0, sc.d1 = 1;
    } else {
      const auto [a, b] = svg::nice_range(lo, hi, 6);
      sc.d0 = std::max(0.0, a), sc.d1 = std::min(1.0, b);
    }
  }
  return sc;
}


bool on_axis(const svg::Scale& x, double v) { return std::isfinite(v) && v >= x.d0 && v <= x.d1; }

void diamond(svg::Canvas& c, const svg::Scale& x, const Span& s, double y, const std::string& colour,
             const std::string& cls) {
  if (!std::isfinite(s.est)) return;
  const double m = x(x.clamp(s.est));
  const double a = std::isfinite(s.lo) ? x(x.clamp(s.lo)) : m - 4, b = std::isfinite(s.hi) ? x(x.clamp(s.hi)) : m + 4;
  c.polygon({{a, y}, {m, y - 7}, {b, y}, {m, y + 7}}, colour, "class=\"" + cls + "\"");
}

}  // namespace

svg::Canvas forest_plot(const OutcomeData& o) {
  const std::size_t k = o.studies.size();
  std::vector<std::string> obs_text(k);
  std::vector<Span> obs(k), post(k), all;
  for (std::size_t i = 0; i < k; ++i) {
    obs[i] = observed(o, o.studies[i], &obs_text[i]);
    post[i] = from(o.studies[i].post);
    all.push_back(obs[i]);
    all.push_back(post[i]);
  }
  const Span pooled = from(o.param(o.pooled_key())), pred = from(o.param(o.new_key()));
  all.push_back(pooled);
  all.push_back(pred);
  std::vector<Span> freq;
  auto natural = [&](double v) { return o.two_arm ? std::exp(v) : inv_logit(v); };
  for (const auto& f : o.freq) {
    freq.push_back({natural(f.est), natural(f.ci_lb), natural(f.ci_ub)});
    all.push_back(freq.back());
  }

  // Columns: study names | plot | observed text | posterior text.
  double name_w = 90;
  for (const auto& s : o.studies) name_w = std::max(name_w, svg::text_width(s.name));
  name_w = std::min(name_w, 250.0);
  // The label column also holds the summary rows' labels (bold: about 10% wider).
  name_w = std::max(name_w, 1.1 * svg::text_width("Pooled, posterior (95% CrI)"));
  for (const auto& f : o.freq) name_w = std::max(name_w, svg::text_width(f.method + " (frequentist)"));
  const double plot_l = 12 + name_w + 14;
  // Text columns as wide as their longest entry (bold pooled text a little wider); the figure
  // widens rather than let small rates' long numbers ("0.0027 [0.00063, 0.0069]") run off it.
  double col1_w = svg::text_width("Observed [95% CI]"), col2_w = svg::text_width("Posterior [95% CrI]");
  for (const auto& t : obs_text) col1_w = std::max(col1_w, svg::text_width(t));
  for (const auto& f : freq) col1_w = std::max(col1_w, svg::text_width(fmt_interval(f.est, f.lo, f.hi)));
  for (const auto& p : post) col2_w = std::max(col2_w, svg::text_width(fmt_interval(p.est, p.lo, p.hi)));
  for (const Span* p : {&pooled, &pred})
    col2_w = std::max(col2_w, 1.1 * svg::text_width(fmt_interval(p->est, p->lo, p->hi)));
  col1_w += 24, col2_w += 16;
  const double width = std::max(kMinWidth, plot_l + kMinPlot + 20 + col1_w + col2_w);
  const double plot_r = width - col1_w - col2_w - 20;
  const double top = 92;  // title, two legend lines, column headers
  const double rows_bottom = top + kRow * static_cast<double>(k);
  const double summary_top = rows_bottom + 12;
  const double axis_y = summary_top + kSummaryRow * static_cast<double>(2 + freq.size()) + 6;
  const double height = axis_y + 52;

  svg::Canvas c(width, height, o.name + ": forest plot");
  const svg::Scale x = axis_for(o, all, plot_l, plot_r);
  const std::string what = o.two_arm ? "odds ratio (treatment vs control)" : "event rate";
  c.text(12, 20, o.name + ": " + what + " per study, observed and posterior", "start", 14, "font-weight=\"bold\"");
  double lx = 12;
  lx = svg::legend_entry(c, lx, 42, svg::Mark::Square, kObsColour,
                         o.two_arm ? "observed OR, Wald 95% CI (1/2 added to tables with a zero)"
                                   : "observed rate, exact (Clopper-Pearson) 95% CI");
  svg::legend_entry(c, lx, 42, svg::Mark::Circle, kPostColour, "posterior median, 95% CrI (shrunken)");
  lx = 12;
  lx = svg::legend_entry(c, lx, 62, svg::Mark::Diamond, kPostColour, "pooled posterior");
  lx = svg::legend_entry(c, lx, 62, svg::Mark::Band, kPiColour, in_units("95% prediction interval, new clinic", o.unit));
  if (!freq.empty()) svg::legend_entry(c, lx, 62, svg::Mark::Diamond, kFreqColour, "frequentist pooled, 95% CI");

  const double col1 = plot_r + 20, col2 = col1 + col1_w;
  c.text(12, top - 8, "Study", "start", 12, "font-weight=\"bold\"");
  c.text(col1, top - 8, "Observed [95% CI]", "start", 12, "font-weight=\"bold\"");
  c.text(col2, top - 8, "Posterior [95% CrI]", "start", 12, "font-weight=\"bold\"");

  // Grid and reference lines behind the marks.
  const std::vector<double> ticks = o.two_arm ? svg::log_ticks(x.d0, x.d1) : svg::fitting_linear_ticks(x, 8);
  svg::x_axis(c, x, ticks, axis_y, o.two_arm ? "odds ratio (log scale)" : "rate (events / total)", true, top - 4);
  if (o.two_arm && on_axis(x, 1.0)) c.line(x(1.0), top - 4, x(1.0), axis_y, "#555555", 1.2);
  if (on_axis(x, pooled.est))
    c.line(x(pooled.est), top - 4, x(pooled.est), axis_y, kPostColour, 1, "stroke-dasharray=\"4,4\" opacity=\"0.6\"");

  for (std::size_t i = 0; i < k; ++i) {
    const auto& s = o.studies[i];
    const double y = top + kRow * (static_cast<double>(i) + 0.5);
    const std::string counts = o.two_arm ? std::to_string(s.events_t) + "/" + std::to_string(s.total_t) + " vs " +
                                               std::to_string(s.events_c) + "/" + std::to_string(s.total_c)
                                         : std::to_string(s.events) + "/" + std::to_string(s.total);
    c.begin_group("class=\"study-row\"");
    c.raw("<title>" +
          svg::escape(s.name + " (" + counts + "): observed " + obs_text[i] + "; posterior " +
                      fmt_interval(post[i].est, post[i].lo, post[i].hi)) +
          "</title>");
    if (i % 2 == 1) c.rect(8, y - kRow / 2, width - 16, kRow, "#000000", "opacity=\"0.035\"");
    c.text(12, y + 4, svg::shorten(s.name, name_w), "start", 12);
    if (std::isfinite(obs[i].est)) {
      interval_line(c, x, obs[i], y - 6, kObsColour, 1.5);
      if (on_axis(x, obs[i].est)) c.rect(x(obs[i].est) - 3.5, y - 9.5, 7, 7, kObsColour, "class=\"study-obs\"");
    }
    interval_line(c, x, post[i], y + 6, kPostColour, 2);
    if (on_axis(x, post[i].est)) c.circle(x(post[i].est), y + 6, 4, kPostColour, "class=\"study-post\"");
    c.text(col1, y + 4, obs_text[i], "start", 12);
    c.text(col2, y + 4, fmt_interval(post[i].est, post[i].lo, post[i].hi), "start", 12);
    c.end_group();
  }

  c.line(8, rows_bottom + 4, width - 8, rows_bottom + 4, "#999999", 1);
  double y = summary_top + kSummaryRow / 2;
  c.text(12, y + 4, "Pooled, posterior (95% CrI)", "start", 12, "font-weight=\"bold\"");
  diamond(c, x, pooled, y, kPostColour, "pooled");
  c.text(col2, y + 4, fmt_interval(pooled.est, pooled.lo, pooled.hi), "start", 12, "font-weight=\"bold\"");
  y += kSummaryRow;
  c.text(12, y + 4, in_units("New clinic (95% PI)", o.unit), "start", 12);
  if (std::isfinite(pred.lo) && std::isfinite(pred.hi)) {
    const double a = x(x.clamp(pred.lo)), b = x(x.clamp(pred.hi));
    c.rect(a, y - 5, b - a, 10, kPiColour, "class=\"prediction\"");
    if (on_axis(x, pred.est)) c.line(x(pred.est), y - 7, x(pred.est), y + 7, kPostColour, 2);
  }
  c.text(col2, y + 4, fmt_interval(pred.est, pred.lo, pred.hi), "start", 12);
  for (std::size_t m = 0; m < freq.size(); ++m) {
    y += kSummaryRow;
    c.text(12, y + 4, o.freq[m].method + " (frequentist)", "start", 12, "fill=\"#444444\"");
    diamond(c, x, freq[m], y, kFreqColour, "frequentist");
    c.text(col1, y + 4, fmt_interval(freq[m].est, freq[m].lo, freq[m].hi), "start", 12, "fill=\"#444444\"");
  }
  return c;
}

}  // namespace hbm::report
