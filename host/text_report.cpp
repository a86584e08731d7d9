#include "host/text_report.hpp"
#include "models/logistic.hpp"

#include <cmath>
#include <cstdio>

namespace hbm {
namespace {

std::string num(double x, int prec = 3) {
  if (!std::isfinite(x)) return "NA";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, x);
  return buf;
}

std::string line(const char* label, const ParamSummary& s, int prec) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "  %-34s %9s  [%9s, %9s]  %6s %8s %8s\n", label, num(s.mean, prec).c_str(),
                num(s.q[0], prec).c_str(), num(s.q[6], prec).c_str(), num(s.rhat, 3).c_str(),
                num(s.ess_bulk, 0).c_str(), num(s.ess_tail, 0).c_str());
  return buf;
}


std::string interval(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return "-";
  return "[" + num(lo) + ", " + num(hi) + "]";
}

// Posterior beside each classical estimator, on the rate scale (and tau on the logit scale).
std::string comparison_table(const OutcomeResult& r) {
  if (r.frequentist.empty()) return "";
  std::string out;
  char buf[320];
  std::snprintf(buf, sizeof buf, "  %-22s %7s %-18s %7s  %-18s\n", "method (rate scale)", "pooled", "95% CI / CrI", "tau",
                "95% PI, new clinic");
  out += buf;
  const ParamSummary *pp = r.find("p_pooled"), *tau = r.find("tau"), *pn = r.find("p_new");
  if (pp && tau && pn) {
    std::snprintf(buf, sizeof buf, "  %-22s %7s %-18s %7s  %-18s\n", "Bayesian (posterior)", num(pp->q[3]).c_str(),
                  interval(pp->q[0], pp->q[6]).c_str(), num(tau->q[3]).c_str(), interval(pn->q[0], pn->q[6]).c_str());
    out += buf;
  }
  std::string notes;
  for (const auto& m : r.frequentist) {
    std::snprintf(buf, sizeof buf, "  %-22s %7s %-18s %7s  %-18s\n", m.name.c_str(), num(inv_logit(m.estimate)).c_str(),
                  interval(inv_logit(m.ci_lb), inv_logit(m.ci_ub)).c_str(), num(m.tau).c_str(),
                  interval(inv_logit(m.pi_lb), inv_logit(m.pi_ub)).c_str());
    out += buf;
    if (!m.note.empty()) notes += "  note (" + m.name + "): " + m.note + "\n";
  }
  return out + "  (Bayesian: posterior medians; pooled = inverse-logit of mu, the typical clinic's rate)\n" + notes;
}

}  // namespace

std::string text_report(const OutcomeResult& r) {
  std::string out;
  out += "== " + r.name + ": " + r.model + ", " + std::to_string(r.k) + (r.k == 1 ? " study" : " studies") + " ==\n";
  char head[256];
  std::snprintf(head, sizeof head, "  %-34s %9s  %-22s  %6s %8s %8s\n", "quantity", "mean", "95% interval", "R-hat",
                "ESS-bulk", "ESS-tail");
  out += head;
  struct Row {
    const char* param;
    const char* label;
    int prec;
  };
  const Row rows[] = {
      {"p_pooled", "pooled rate", 3},
      {"mu", "pooled logit rate (mu)", 3},
      {"tau", "between-clinic sd, logit (tau)", 3},
      {"p_new", "rate at a new clinic (95% PI)", 3},
      {"theta_new", "logit rate at a new clinic", 3},
      {"events_new", "events at a new clinic (95% PI)", 1},
  };
  for (const auto& row : rows)
    if (const ParamSummary* s = r.find(row.param)) out += line(row.label, *s, row.prec);
  const RunDiagnostics& d = r.diagnostics;
  char diag[320];
  std::snprintf(diag, sizeof diag,
                "  chains %d x %d draws | divergences %lld | step size %.3g | trajectory %.3g (%.1f steps) | "
                "centred studies %d/%d\n",
                r.chains, r.draws, d.divergences, d.step_size, d.trajectory_length, d.mean_leapfrog_steps,
                d.centred_studies, r.k);
  out += diag;
  out += comparison_table(r);
  for (const auto& w : r.warnings) out += "  warning: " + w + "\n";
  return out;
}

}  // namespace hbm
