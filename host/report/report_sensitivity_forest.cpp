// The row figures of the sensitivity analyses (declared in host/report/report_plots.hpp):
// leave one out, cumulative, prior sensitivity and subgroups.
#include <cmath>

#include "host/report/report_format.hpp"
#include "host/report/report_plots.hpp"
#include "host/report/report_sensitivity_rows.hpp"

namespace hbm::report {
namespace {

using rows::Block;
using rows::Panel;
using rows::Span;

// The figure's title, its legend lines, then the blocks, each after an optional line of text.
struct Figure {
  std::string title;
  struct Entry {
    svg::Mark mark;
    std::string colour, label;
  };
  std::vector<std::vector<Entry>> legend;  // lines of entries
  std::vector<std::pair<std::string, const Block*>> blocks;  // text line above (may be empty), block
  std::vector<std::string> footer;                           // text lines below
};

svg::Canvas render(const OutcomeData& o, const std::string& what, const Figure& fig) {
  std::vector<const Block*> all;
  for (const auto& [text, b] : fig.blocks) all.push_back(b);
  const rows::Frame f = rows::frame_for(all);
  double height = 30 + 20 * static_cast<double>(fig.legend.size()) + 8;
  for (const auto& [text, b] : fig.blocks) height += (text.empty() ? 0 : 22) + rows::block_height(*b);
  height += 18 * static_cast<double>(fig.footer.size()) + 8;
  svg::Canvas c(f.width, height, o.name + ": " + what);
  c.text(12, 20, fig.title, "start", 14, "font-weight=\"bold\"");
  double y = 42;
  for (const auto& line : fig.legend) {
    double x = 12;
    for (const auto& e : line) x = svg::legend_entry(c, x, y, e.mark, e.colour, e.label);
    y += 20;
  }
  y -= 10;
  for (const auto& [text, b] : fig.blocks) {
    if (!text.empty()) {
      c.text(12, y + 16, text, "start", 12, "class=\"block-note\"");
      y += 22;
    }
    y = rows::draw_block(c, f, *b, y);
  }
  for (const auto& line : fig.footer) {
    c.text(12, y + 12, line, "start", 12, "fill=\"#444444\"");
    y += 18;
  }
  return c;
}

Span reml_span(double est, double lo, double hi) { return {est, lo, hi}; }

std::string tau_words(const OutcomeData& o) { return o.two_arm ? "tau (log OR scale)" : "tau (logit scale)"; }

std::string scale_axis(const OutcomeData& o) { return o.two_arm ? "odds ratio (log scale)" : "rate (events / total)"; }

// The pooled-estimate and tau panels of rows that have a posterior and a REML fit each.
template <class Row>
std::vector<Panel> pooled_and_tau(const OutcomeData& o, const std::vector<Row>& rs, const std::string& pooled_header) {
  Panel pooled, tau;
  pooled.header = pooled_header;
  pooled.axis_label = scale_axis(o);
  pooled.axis = rows::natural_axis(o);
  if (o.two_arm) pooled.null_value = 1;
  tau.header = "tau, between-study sd";
  tau.axis_label = tau_words(o);
  tau.axis = rows::Axis::Positive;
  for (const Row& r : rs) {
    pooled.first.push_back(rows::natural(o, rows::median_cri(r.post.mu)));
    pooled.second.push_back(rows::natural(o, reml_span(r.reml.est, r.reml.ci_lb, r.reml.ci_ub)));
    tau.first.push_back(rows::median_cri(r.post.tau));
    tau.second.push_back({std::sqrt(r.reml.tau2), NAN, NAN});
  }
  return {pooled, tau};
}

// Dashed lines at the full-data posterior medians and REML estimates.
void full_data_references(const OutcomeData& o, std::vector<Panel>& panels) {
  if (const Summ* mu = o.param("mu")) panels[0].ref_first = rows::natural(o, mu->q50);
  if (const Summ* tau = o.param("tau")) panels[1].ref_first = tau->q50;
  if (const FreqRow* r = rows::reml_row(o)) {
    panels[0].ref_second = rows::natural(o, r->est);
    panels[1].ref_second = r->tau;
  }
}

template <class Row>
std::string row_tip(const OutcomeData& o, const std::string& head, const Row& r) {
  return head + ": " + rows::pooled_words(o) + " posterior " + rows::span_text(rows::natural(o, rows::median_cri(r.post.mu))) +
         ", REML " + rows::span_text(rows::natural(o, reml_span(r.reml.est, r.reml.ci_lb, r.reml.ci_ub))) +
         "; tau posterior " + rows::span_text(rows::median_cri(r.post.tau)) + ", REML " +
         fmt_sig(std::sqrt(r.reml.tau2), 2, 2);
}

std::vector<Figure::Entry> series_legend(bool with_reml, const std::string& reml_what) {
  std::vector<Figure::Entry> l = {{svg::Mark::Circle, rows::kPost, "posterior median, 95% CrI"}};
  if (with_reml) l.push_back({svg::Mark::Square, rows::kReml, reml_what});
  return l;
}

}  // namespace

svg::Canvas leave_one_out_plot(const OutcomeData& o) {
  const auto& loo = o.sensitivity.leave_one_out;
  Block b;
  b.panels = pooled_and_tau(o, loo, rows::pooled_words(o) + " without the study");
  full_data_references(o, b.panels);
  b.panels[0].flag_second = true;
  bool any_flagged = false;
  for (const auto& r : loo) {
    b.labels.push_back(r.study + (r.influential ? " *" : ""));
    b.flagged.push_back(r.influential);
    any_flagged = any_flagged || r.influential;
    b.tips.push_back(row_tip(o, "without " + r.study, r) + "; Cook's distance " + fmt_sig(r.cook_d, 2) + ", hat " +
                     fmt_sig(r.hat, 2) + (r.influential ? "; influential (metafor influence())" : ""));
  }
  Figure fig;
  fig.title = o.name + ": leave one out (each study left out in turn)";
  fig.legend.push_back(series_legend(true, "REML estimate, 95% CI (metafor leave1out)"));
  fig.legend.push_back({{svg::Mark::Dashed, rows::kPost, "all studies: posterior median"},
                        {svg::Mark::Dashed, rows::kReml, "all studies: REML"}});
  fig.blocks.push_back({"", &b});
  if (any_flagged) fig.footer.push_back("* influential by metafor's influence() criteria (its REML mark in vermillion)");
  return render(o, "leave one out", fig);
}

svg::Canvas cumulative_plot(const OutcomeData& o) {
  const auto& steps = o.sensitivity.cumulative;
  Block b;
  b.panels = pooled_and_tau(o, steps, rows::pooled_words(o) + " so far");
  for (const auto& s : steps) {
    b.labels.push_back("+ " + s.study + (s.key.empty() ? "" : " (" + o.sensitivity.cumulative_by + " " + s.key + ")"));
    b.tips.push_back(row_tip(o, "with " + s.study + ", k = " + std::to_string(s.k), s));
  }
  Figure fig;
  fig.title = o.name + ": cumulative, studies added in order of " + o.sensitivity.cumulative_by;
  fig.legend.push_back(series_legend(true, "REML estimate, 95% CI (metafor cumul)"));
  fig.blocks.push_back({"", &b});
  return render(o, "cumulative", fig);
}

svg::Canvas prior_sensitivity_plot(const OutcomeData& o) {
  const auto& priors = o.sensitivity.priors;
  Block b;
  Panel pooled, tau, pi;
  pooled.header = rows::pooled_words(o);
  pooled.axis_label = scale_axis(o);
  pooled.axis = rows::natural_axis(o);
  tau.header = "tau, between-study sd";
  tau.axis_label = tau_words(o);
  tau.axis = rows::Axis::Positive;
  pi.header = in_units("new clinic, 95% PI", o.unit);
  pi.axis_label = scale_axis(o);
  pi.axis = rows::natural_axis(o);
  pi.first_band = true;
  if (o.two_arm) pooled.null_value = pi.null_value = 1;
  // Rows are named by their tau prior when every row has the same mu prior (the usual set).
  bool one_mu = true;
  for (const auto& p : priors) one_mu = one_mu && p.prior_mu == priors.front().prior_mu;
  for (const auto& p : priors) {
    pooled.first.push_back(rows::natural(o, rows::median_cri(p.post.mu)));
    tau.first.push_back(rows::median_cri(p.post.tau));
    pi.first.push_back(rows::natural(o, rows::median_cri(p.post.theta_new)));
    // The fit's own priors are the reference the others are read against.
    if (p.fit_priors) {
      pooled.ref_first = pooled.first.back().est;
      tau.ref_first = tau.first.back().est;
      pi.ref_first = pi.first.back().est;
    }
    b.labels.push_back("tau ~ " + p.prior_tau + (one_mu ? "" : ", mu ~ " + p.prior_mu) + (p.fit_priors ? " (fit)" : ""));
    b.bold.push_back(p.fit_priors);
    b.tips.push_back("tau ~ " + p.prior_tau + ", mu ~ " + p.prior_mu + ": " + rows::pooled_words(o) + " " +
                     rows::span_text(pooled.first.back()) + "; tau " + rows::span_text(tau.first.back()) +
                     "; prediction interval " + rows::span_text(pi.first.back()));
  }
  b.panels = {pooled, tau, pi};
  Figure fig;
  fig.title = o.name + ": prior sensitivity (the posterior under each prior)";
  fig.legend.push_back({{svg::Mark::Circle, rows::kPost, "posterior median, 95% CrI"},
                        {svg::Mark::Band, rows::kBand, "95% prediction interval (median marked)"},
                        {svg::Mark::Dashed, rows::kPost, "under the fit's priors (bold)"}});
  fig.blocks.push_back({one_mu && !priors.empty() ? "mu ~ " + priors.front().prior_mu + " in every row" : "", &b});
  return render(o, "prior sensitivity", fig);
}

svg::Canvas subgroup_plot(const OutcomeData& o) {
  const SensitivityData& s = o.sensitivity;
  Block groups;
  groups.panels = pooled_and_tau(o, s.groups, rows::pooled_words(o) + " per subgroup");
  for (const auto& g : s.groups) {
    groups.labels.push_back(g.level + " (k = " + std::to_string(g.k) + ")");
    groups.tips.push_back(row_tip(o, s.subgroups_by + " = " + g.level + ", k = " + std::to_string(g.k), g));
  }
  Block diffs;
  Panel d;
  d.header = "difference of subgroup means, mu[a] - mu[b]";
  d.axis_label = o.two_arm ? "difference of log odds ratios" : "difference of logit rates";
  d.axis = rows::Axis::Linear;
  d.null_value = 0;
  for (const auto& x : s.differences) {
    d.first.push_back(rows::median_cri(x.post));
    diffs.labels.push_back(x.a + " - " + x.b);
    diffs.right.push_back(fmt_prob(x.prob_greater));
    diffs.tips.push_back("mu[" + x.a + "] - mu[" + x.b + "]: " + rows::span_text(d.first.back()) +
                         "; P(> 0) = " + fmt_prob(x.prob_greater));
  }
  diffs.panels = {d};
  diffs.right_header = "P(> 0)";
  Figure fig;
  fig.title = o.name + ": subgroups by " + s.subgroups_by + " (each with its own tau)";
  fig.legend.push_back(series_legend(true, "REML estimate, 95% CI"));
  fig.blocks.push_back({"", &groups});
  const std::string test = "Test for subgroup differences (metafor, mods = ~ factor(" + s.subgroups_by +
                           "), REML): QM = " + fmt_sig(s.test.QM, 3) + ", df = " + fmt_int(s.test.df) +
                           ", p = " + fmt_sig(s.test.p, 2) + (s.test.note.empty() ? "" : "; " + s.test.note);
  if (!s.differences.empty())
    fig.blocks.push_back({test, &diffs});
  else
    fig.footer.push_back(test);
  return render(o, "subgroups", fig);
}

}  // namespace hbm::report
