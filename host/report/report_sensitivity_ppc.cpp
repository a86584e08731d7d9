// The posterior predictive check figure (declared in host/report/report_plots.hpp).
#include <algorithm>
#include <cmath>

#include "host/report/report_format.hpp"
#include "host/report/report_plots.hpp"
#include "host/report/report_sensitivity_rows.hpp"

namespace hbm::report {
namespace {

// What the check's count is out of: the study's total (single-arm), or the study's events in
// both arms (two-arm: the treatment arm's share of them is checked, given their number).
double size_of(const OutcomeData& o, const StudyRow& s) {
  return o.two_arm ? static_cast<double>(s.events_t + s.events_c) : static_cast<double>(s.total);
}

const StudyRow* study_named(const OutcomeData& o, const std::string& name, std::size_t index) {
  if (index < o.studies.size() && o.studies[index].name == name) return &o.studies[index];
  for (const auto& s : o.studies)
    if (s.name == name) return &s;
  return nullptr;
}

std::string count_text(double x) { return fmt_int(x); }

}  // namespace

svg::Canvas ppc_plot(const OutcomeData& o) {
  const auto& checks = o.sensitivity.ppc;
  rows::Block b;
  rows::Panel p;
  p.header = o.two_arm ? "treatment-arm events / the study's events" : "events / total";
  p.axis_label = o.two_arm ? "share of the study's events in the treatment arm" : "count as a fraction of the study's size";
  p.axis = rows::Axis::Rate;
  p.second_colour = "#000000";
  p.second_diamond = true;
  p.flag_second = true;
  std::size_t outside = 0;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const PredictiveCheckRow& c = checks[i];
    const StudyRow* s = study_named(o, c.study, i);
    const double n = s ? size_of(o, *s) : NAN;
    // A study with nothing to share out (two-arm without events) keeps its row, without marks.
    const bool drawable = std::isfinite(n) && n > 0;
    p.first.push_back(drawable ? rows::Span{NAN, c.lo / n, c.hi / n} : rows::Span{});
    p.second.push_back(drawable ? rows::Span{c.observed / n, NAN, NAN} : rows::Span{});
    b.labels.push_back(c.study);
    b.flagged.push_back(c.outside);
    outside += c.outside ? 1 : 0;
    const std::string of = s ? " of " + count_text(n) : "";
    if (s && !drawable)
      b.right.push_back(o.two_arm ? "no events in either arm" : "no patients");
    else
      b.right.push_back(count_text(c.observed) + of + ": [" + count_text(c.lo) + ", " + count_text(c.hi) +
                        "], p = " + fmt_fixed(c.p_value, 3));
    b.tips.push_back(c.study + ": observed " + count_text(c.observed) + of + (o.two_arm ? " events in the treatment arm" : " events") +
                     "; mixed 95% predictive interval [" + count_text(c.lo) + ", " + count_text(c.hi) +
                     "], p = " + fmt_fixed(c.p_value, 3) + "; conditional [" + count_text(c.cond_lo) + ", " +
                     count_text(c.cond_hi) + "], p = " + fmt_fixed(c.cond_p_value, 3) +
                     (c.outside ? "; outside its 95% interval" : ""));
  }
  b.panels = {p};
  b.flag_class = "ppc-outside";
  b.right_header = "observed: 95% interval, p";

  const rows::Frame f = rows::frame_for({&b});
  const double height = 52 + rows::block_height(b) + 30;
  svg::Canvas c(f.width, height, o.name + ": posterior predictive checks");
  c.text(12, 20,
         o.name + ": posterior predictive checks, each study's " +
             (o.two_arm ? "treatment-arm events given its events" : "events") + " against the model",
         "start", 14, "font-weight=\"bold\"");
  double x = 12;
  x = svg::legend_entry(c, x, 42, svg::Mark::Line, rows::kPost,
                        in_units("95% predictive interval (a new clinic's effect drawn from the population)", o.unit));
  x = svg::legend_entry(c, x, 42, svg::Mark::Diamond, "#000000", "observed");
  svg::legend_entry(c, x, 42, svg::Mark::Diamond, rows::kFlag, "outside");
  double y = rows::draw_block(c, f, b, 52);
  c.text(12, y + 12,
         std::to_string(outside) + " of " + std::to_string(checks.size()) +
             " outside their 95% intervals (about " + fmt_sig(0.05 * static_cast<double>(checks.size()), 2) +
             " expected by chance); p: mid-p of the observed count under the mixed replicate.",
         "start", 12, "class=\"ppc-summary\" fill=\"#444444\"");
  return c;
}

}  // namespace hbm::report
