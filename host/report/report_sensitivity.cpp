// The "Sensitivity analyses" part of an outcome's report section (declared in
// host/report/report_plots.hpp): the figures with their captions and a compact table under each.
// Every number is read from summary.json; nothing is recomputed here.
#include <cmath>

#include "host/report/report_format.hpp"
#include "host/report/report_plots.hpp"
#include "host/report/report_sensitivity_rows.hpp"

namespace hbm::report {
namespace {

using rows::Span;

std::string esc(const std::string& s) { return svg::escape(s); }

std::string row(const std::vector<std::string>& cells, const char* tag = "td") {
  std::string r = "<tr>";
  for (const auto& c : cells) r += std::string("<") + tag + ">" + c + "</" + tag + ">";
  return r + "</tr>\n";
}

std::string table(const std::vector<std::string>& head, const std::string& body) {
  std::vector<std::string> h;
  for (const auto& x : head) h.push_back(esc(x));
  return "<table class=\"num\">\n" + row(h, "th") + body + "</table>\n";
}

// Inlines a figure with its caption and keeps it for DIR/figures/.
std::string figure(SensitivitySection& out, const std::string& file, const svg::Canvas& c,
                   const std::string& caption) {
  out.figures.emplace_back(file, c.file_str());
  return "<figure>\n" + c.str() + "<figcaption>" + esc(caption) + " (<code>figures/" + esc(file) +
         "</code>)</figcaption>\n</figure>\n";
}

std::string pooled_text(const OutcomeData& o, const Summ& mu) {
  return esc(rows::span_text(rows::natural(o, rows::median_cri(mu))));
}
std::string reml_text(const OutcomeData& o, const RemlSumm& r) {
  return esc(rows::span_text(rows::natural(o, Span{r.est, r.ci_lb, r.ci_ub})));
}
std::string tau_text(const Summ& tau) { return esc(rows::span_text(rows::median_cri(tau))); }
std::string reml_tau(const RemlSumm& r) { return esc(fmt_sig(std::sqrt(r.tau2), 2, 2)); }
std::string pi_text(const OutcomeData& o, const Summ& theta_new) {
  return esc(rows::span_text(rows::natural(o, rows::median_cri(theta_new))));
}

std::string leave_one_out_html(SensitivitySection& out, const OutcomeData& o) {
  const std::string q = o.two_arm ? "odds ratio" : "rate";
  std::string h = "<h4>Leave one out</h4>\n";
  h += figure(out, o.file_base + "_leave_one_out.svg", leave_one_out_plot(o),
              "Each study left out in turn: the pooled " + q +
                  " (posterior median and 95% CrI; metafor's leave1out() REML estimate and 95% CI below it) and "
                  "tau, against all studies (dashed); * marks the studies metafor's influence() flags as "
                  "influential.");
  std::string body;
  for (const auto& r : o.sensitivity.leave_one_out)
    body += row({esc(r.study), pooled_text(o, r.post.mu), reml_text(o, r.reml), tau_text(r.post.tau), reml_tau(r.reml),
                 pi_text(o, r.post.theta_new), esc(fmt_sig(r.cook_d, 2)), esc(fmt_sig(r.hat, 2)),
                 r.influential ? "<span class=\"bad\">yes</span>" : "no"});
  return h + table({"left out", "pooled " + q + " [95% CrI]", "REML [95% CI]", "tau [95% CrI]", "REML tau",
                    in_units("new clinic [95% PI]", o.unit), "Cook's d", "hat", "influential"},
                   body);
}

std::string cumulative_html(SensitivitySection& out, const OutcomeData& o) {
  const std::string q = o.two_arm ? "odds ratio" : "rate";
  const std::string& by = o.sensitivity.cumulative_by;
  std::string h = "<h4>Cumulative, by " + esc(by) + "</h4>\n";
  h += figure(out, o.file_base + "_cumulative.svg", cumulative_plot(o),
              "Studies added one at a time in ascending order of " + by +
                  " (ties in input order): the pooled " + q +
                  " and tau after each, posterior and metafor's cumul() (REML).");
  std::string body;
  for (const auto& s : o.sensitivity.cumulative)
    body += row({esc(s.study), esc(s.key), std::to_string(s.k), pooled_text(o, s.post.mu), reml_text(o, s.reml),
                 tau_text(s.post.tau), reml_tau(s.reml)});
  return h + table({"added", by, "k", "pooled " + q + " [95% CrI]", "REML [95% CI]", "tau [95% CrI]", "REML tau"},
                   body);
}

std::string priors_html(SensitivitySection& out, const OutcomeData& o) {
  const std::string q = o.two_arm ? "odds ratio" : "rate";
  std::string h = "<h4>Prior sensitivity</h4>\n";
  h += figure(out, o.file_base + "_prior_sensitivity.svg", prior_sensitivity_plot(o),
              "The posterior under each prior: the pooled " + q + ", tau and the 95% prediction interval (medians "
              "marked); the fit's own priors in bold, their medians dashed.");
  if (!o.sensitivity.priors_statement.empty())
  {
    const std::string& st = o.sensitivity.priors_statement;
    h += "<p class=\"prior-statement\">" + esc(st) + (st.back() == '.' ? "" : ".") + "</p>\n";
  }
  std::string body;
  for (const auto& p : o.sensitivity.priors)
    body += row({"<code>" + esc(p.prior_tau) + "</code>", "<code>" + esc(p.prior_mu) + "</code>" + (p.fit_priors ? " (fit)" : ""),
                 pooled_text(o, p.post.mu), tau_text(p.post.tau), pi_text(o, p.post.theta_new),
                 esc(fmt_int(p.post.divergences))});
  return h + table({"prior of tau", "prior of mu", "pooled " + q + " [95% CrI]", "tau [95% CrI]",
                    in_units("new clinic [95% PI]", o.unit), "divergences"},
                   body);
}

std::string subgroups_html(SensitivitySection& out, const OutcomeData& o) {
  const SensitivityData& s = o.sensitivity;
  const std::string q = o.two_arm ? "odds ratio" : "rate";
  std::string h = "<h4>Subgroups by " + esc(s.subgroups_by) + "</h4>\n";
  h += figure(out, o.file_base + "_subgroups.svg", subgroup_plot(o),
              "Per level of " + s.subgroups_by + ", the pooled " + q +
                  " and tau (a separate tau per subgroup; REML beside the posterior), the test for subgroup "
                  "differences, and the posterior of each difference of subgroup means (model scale) with P(> 0).");
  std::string body;
  for (const auto& g : s.groups)
    body += row({esc(g.level), std::to_string(g.k), pooled_text(o, g.post.mu), reml_text(o, g.reml),
                 tau_text(g.post.tau), reml_tau(g.reml)});
  h += table({"level", "k", "pooled " + q + " [95% CrI]", "REML [95% CI]", "tau [95% CrI]", "REML tau"}, body);
  h += "<p>Test for subgroup differences (metafor, <code>mods = ~ factor(" + esc(s.subgroups_by) +
       ")</code>, REML): QM = " + esc(fmt_sig(s.test.QM, 3)) + ", df = " + esc(fmt_int(s.test.df)) +
       ", p = " + esc(fmt_sig(s.test.p, 2)) + (s.test.note.empty() ? "" : "; " + esc(s.test.note)) + ".</p>\n";
  if (!s.differences.empty()) {
    std::string d;
    for (const auto& x : s.differences)
      d += row({esc(x.a + " - " + x.b), esc(rows::span_text(rows::median_cri(x.post))), esc(fmt_prob(x.prob_greater))});
    h += table({"mu[a] - mu[b]", o.two_arm ? "log OR difference [95% CrI]" : "logit difference [95% CrI]", "P(> 0)"},
               d);
  }
  return h;
}

std::string small_study_html(SensitivitySection& out, const OutcomeData& o) {
  const SensitivityData& s = o.sensitivity;
  std::string h = "<h4>Small-study effects</h4>\n";
  h += figure(out, o.file_base + "_funnel.svg", funnel_plot(o),
              std::string("Contour-enhanced funnel plot (as metafor's funnel()): each study's ") +
                  (o.two_arm ? "log odds ratio" : "logit rate") +
                  " (metafor's escalc() defaults) against its standard error; shaded: where a study's effect "
                  "differs from 0 at p < 0.10, 0.05, 0.01; blue: the REML pooled estimate and its 95% region; open "
                  "circles: the studies trim and fill imputes.");
  const TrimfillSumm& tf = s.trimfill;
  std::string body = row({"Egger's regression test (predictor sei)", esc(fmt_sig(s.egger.z, 3)), esc(fmt_sig(s.egger.p, 2)),
                          esc(s.egger.note)});
  body += row({"Peters' test (predictor 1/n)", esc(fmt_sig(s.peters.z, 3)), esc(fmt_sig(s.peters.p, 2)), esc(s.peters.note)});
  h += table({"test (metafor regtest)", "z", "p", "note"}, body);
  h += "<p>Trim and fill (REML, metafor trimfill): k0 = " + esc(fmt_int(tf.k0)) + " imputed" +
       (tf.side.empty() ? "" : " on the " + esc(tf.side)) + "; adjusted " + esc(rows::pooled_words(o)) + " " +
       esc(rows::span_text(rows::natural(o, Span{tf.est, tf.ci_lb, tf.ci_ub}))) +
       (tf.note.empty() ? "" : "; " + esc(tf.note)) + ".</p>\n";
  if (!s.small_study_note.empty()) h += "<p class=\"bad\">" + esc(s.small_study_note) + "</p>\n";
  return h;
}

std::string ppc_html(SensitivitySection& out, const OutcomeData& o) {
  std::string h = "<h4>Posterior predictive checks</h4>\n";
  h += figure(out, o.file_base + "_ppc.svg", ppc_plot(o),
              std::string("Each study's observed ") +
                  (o.two_arm ? "treatment-arm events (given the study's events in both arms)" : "events") +
                  " against the 95% interval of its replicate from a new effect drawn from the population (the "
                  "mixed replicate), as a fraction of the study's " +
                  (o.two_arm ? "events" : "size") + "; vermillion: outside the interval; p: mid-p value.");
  std::string body;
  for (const auto& c : o.sensitivity.ppc) {
    const std::string obs = esc(fmt_int(c.observed));
    body += row({esc(c.study), c.outside ? "<span class=\"bad\">" + obs + "</span>" : obs,
                 "[" + esc(fmt_int(c.lo)) + ", " + esc(fmt_int(c.hi)) + "]", esc(fmt_fixed(c.p_value, 3)),
                 "[" + esc(fmt_int(c.cond_lo)) + ", " + esc(fmt_int(c.cond_hi)) + "]",
                 esc(fmt_fixed(c.cond_p_value, 3))});
  }
  return h + table({"study", "observed", "mixed 95% interval", "p", "conditional 95% interval", "p"}, body);
}

}  // namespace

SensitivitySection sensitivity_section(const OutcomeData& o) {
  SensitivitySection out;
  const SensitivityData& s = o.sensitivity;
  if (!s.present) return out;
  std::string& h = out.html;
  if (!s.note.empty()) h += "<p>" + esc(s.note) + "</p>\n";
  if (!s.leave_one_out.empty()) h += leave_one_out_html(out, o);
  if (!s.cumulative.empty()) h += cumulative_html(out, o);
  if (!s.priors.empty()) h += priors_html(out, o);
  if (s.has_subgroups && !s.groups.empty()) h += subgroups_html(out, o);
  if (s.has_small_study) h += small_study_html(out, o);
  if (!s.ppc.empty()) h += ppc_html(out, o);
  if (h.empty()) return out;
  h = "<h3>Sensitivity analyses</h3>\n<p>Pooled estimates and prediction intervals on the " +
      std::string(o.two_arm ? "odds-ratio" : "rate") + " scale, tau and subgroup differences on the " +
      (o.two_arm ? "log odds ratio" : "logit") + " scale; points are posterior medians, intervals 95%.</p>\n" + h;
  return out;
}

}  // namespace hbm::report
