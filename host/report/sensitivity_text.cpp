#include "host/report/sensitivity_text.hpp"

#include <cmath>
#include <cstdio>

#include "host/report/report_format.hpp"

namespace hbm {
namespace {

std::string num(double x, int prec = 3) { return report::fmt_fixed(x, prec); }

std::string interval(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return "-";
  return "[" + num(lo) + ", " + num(hi) + "]";
}

std::string cut(const std::string& s, std::size_t width) {
  return s.size() <= width ? s : s.substr(0, width - 3) + "...";
}

// One row: label, the posterior (median and 95% CrI of mu, median tau, 95% PI) and the REML
// estimate, CI, tau and PI beside it.
std::string row(const std::string& label, const VariantPosterior& p, const freq::MethodResult* reml) {
  char buf[400];
  std::snprintf(buf, sizeof buf, "  %-24s %7s %-18s %6s %-18s", cut(label, 24).c_str(), num(p.mu.q[3]).c_str(),
                interval(p.mu.q[0], p.mu.q[6]).c_str(), num(p.tau.q[3]).c_str(),
                interval(p.theta_new.q[0], p.theta_new.q[6]).c_str());
  std::string out = buf;
  if (reml) {
    std::snprintf(buf, sizeof buf, " | %7s %-18s %6s %-18s", num(reml->estimate).c_str(),
                  interval(reml->ci_lb, reml->ci_ub).c_str(), num(std::sqrt(reml->tau2)).c_str(),
                  interval(reml->pi_lb, reml->pi_ub).c_str());
    out += buf;
  }
  return out + "\n";
}

std::string head(const char* first, bool classical) {
  char buf[400];
  std::snprintf(buf, sizeof buf, "  %-24s %7s %-18s %6s %-18s", first, "mu", "95% CrI", "tau", "95% PI");
  std::string out = buf;
  if (classical) {
    std::snprintf(buf, sizeof buf, " | %7s %-18s %6s %-18s", "REML", "95% CI", "tau", "95% PI");
    out += buf;
  }
  return out + "\n";
}

}  // namespace

std::string sensitivity_report(const OutcomeResult& r) {
  const SensitivityResult& s = r.sensitivity;
  if (s.empty()) return "";
  const std::string scale = r.kind == OutcomeKind::TwoArm ? "log odds ratio" : "logit rate";
  std::string out = "Sensitivity analyses: " + r.name + " (model scale: " + scale + "; posterior medians)\n";
  if (!s.note.empty()) out += "  note: " + s.note + "\n";
  if (!s.leave_one_out.empty()) {
    out += "\n Leave one out (posterior | metafor leave1out, REML)\n" + head("left out", true);
    for (const auto& l : s.leave_one_out) {
      std::string label = l.study + (l.influence.influential ? " *" : "");
      out += row(label, l.posterior, &l.reml);
    }
    out += "  (* influential by metafor's influence() criteria)\n";
  }
  if (!s.cumulative.empty()) {
    out += "\n Cumulative by " + s.cumulative_by + " (posterior | metafor cumul, REML)\n" + head("added (k)", true);
    for (const auto& c : s.cumulative) out += row(c.study + " (" + std::to_string(c.k) + ")", c.posterior, &c.reml);
  }
  if (!s.priors.empty()) {
    // Each row changes one prior of the fit's (the first row): name the one it changes.
    const SensitivityResult::PriorRow& fit = s.priors.front();
    out += "\n Prior sensitivity (the fit's priors: tau " + fit.prior_tau + ", mu " + fit.prior_mu + ")\n" +
           head("prior", false);
    for (const auto& p : s.priors)
      out += row(p.fit_priors ? "the fit's" : p.prior_mu != fit.prior_mu ? "mu " + p.prior_mu : "tau " + p.prior_tau,
                 p.posterior, nullptr);
    if (!s.priors_statement.empty()) out += "  " + s.priors_statement + "\n";
  }
  if (!s.groups.empty()) {
    out += "\n Subgroups by " + s.subgroups_by + " (own tau each; posterior | REML)\n" + head("level (k)", true);
    for (const auto& g : s.groups) out += row(g.level + " (" + std::to_string(g.k) + ")", g.posterior, &g.reml);
    const auto& t = s.subgroup_test;
    out += "  test for subgroup differences (metafor, mods = ~ factor(" + s.subgroups_by + "), REML): QM = " + num(t.QM) +
           ", df = " + std::to_string(t.df) + ", p = " + num(t.QM_p, 4) + "\n";
    for (const auto& d : s.differences)
      out += "  mu[" + d.a + "] - mu[" + d.b + "]: " + num(d.posterior.q[3]) + " " +
             interval(d.posterior.q[0], d.posterior.q[6]) + ", P(> 0) = " + num(d.prob_greater) + "\n";
  }
  if (s.small_study) {
    out += "\n Small-study effects (metafor regtest, trimfill; REML)\n";
    out += "  Egger (predictor sei):  z = " + num(s.egger.zval) + ", p = " + num(s.egger.pval, 4) + "\n";
    out += "  Peters (predictor 1/n): z = " + num(s.peters.zval) + ", p = " + num(s.peters.pval, 4) + "\n";
    const auto& tf = s.trimfill;
    out += "  trim and fill: " + std::to_string(tf.k0) + " " + r.unit + "(s) imputed" +
           (tf.side.empty() ? "" : " on the " + tf.side) + "; adjusted estimate " + num(tf.fit.estimate) + " " +
           interval(tf.fit.ci_lb, tf.fit.ci_ub) + "\n";
    if (!s.small_study_note.empty()) out += "  warning: " + s.small_study_note + "\n";
  }
  return out + "\n";
}

}  // namespace hbm
