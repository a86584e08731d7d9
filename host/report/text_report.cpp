#include "host/report/text_report.hpp"
#include "models/logistic.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace hbm {
namespace {

std::string num(double x, int prec = 3) {
  if (!std::isfinite(x)) return "NA";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, x);
  return buf;
}

// One quantity: its posterior median (the point summary of every table: odds ratios and rates
// are skewed, and a mean can even fall outside its own interval), the central 95% interval and
// the diagnostics. The label column is wide enough for the longest label.
constexpr int kLabelWidth = 36;
std::string line(const char* label, const ParamSummary& s, int prec) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "  %-*s %9s  [%9s, %9s]  %6s %8s %8s\n", kLabelWidth, label, num(s.q[3], prec).c_str(),
                num(s.q[0], prec).c_str(), num(s.q[6], prec).c_str(), num(s.rhat, 3).c_str(),
                num(s.ess_bulk, 0).c_str(), num(s.ess_tail, 0).c_str());
  return buf;
}


std::string interval(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return "-";
  return "[" + num(lo) + ", " + num(hi) + "]";
}

// The head of a comparison block and the posterior's row: `point_key`'s median and 95% CrI
// (`point` names the column), the median of tau, the 95% interval of `new_key`. Columns:
// point estimate, 95% CI or CrI, tau (model scale), 95% PI for a new clinic. The row format is
// fixed (tests parse it): "  %-22s %7s %-18s %7s  %-18s".
std::string block_head(const OutcomeResult& r, const char* title, const char* point, const char* posterior,
                       const char* point_key, const char* new_key) {
  char buf[320];
  std::snprintf(buf, sizeof buf, "  %-22s %7s %-18s %7s  %-18s\n", title, point, "95% CI / CrI", "tau",
                ("95% PI, new " + r.unit).c_str());
  std::string out = buf;
  const ParamSummary *pp = r.find(point_key), *tau = r.find("tau"), *pn = r.find(new_key);
  if (pp && tau && pn) {
    std::snprintf(buf, sizeof buf, "  %-22s %7s %-18s %7s  %-18s\n", posterior, num(pp->q[3]).c_str(),
                  interval(pp->q[0], pp->q[6]).c_str(), num(tau->q[3]).c_str(), interval(pn->q[0], pn->q[6]).c_str());
    out += buf;
  }
  return out;
}

// One classical row of a comparison block, `f` mapping the model scale to the block's.
std::string classical_row(const std::string& name, double (*f)(double), double est, double lb, double ub, double tau,
                          double pi_lb, double pi_ub) {
  char buf[320];
  std::snprintf(buf, sizeof buf, "  %-22s %7s %-18s %7s  %-18s\n", name.c_str(), num(f(est)).c_str(),
                interval(f(lb), f(ub)).c_str(), num(tau).c_str(), interval(f(pi_lb), f(pi_ub)).c_str());
  return buf;
}

// One block of the comparison table: the posterior and each classical estimator on one scale,
// `f` mapping the model scale (logit rate or log OR) to it (identity for the model scale).
std::string comparison_block(const OutcomeResult& r, const char* title, double (*f)(double), const char* pooled_key,
                             const char* new_key) {
  std::string out = block_head(r, title, "pooled", "Bayesian (posterior)", pooled_key, new_key);
  for (const auto& m : r.frequentist) out += classical_row(m.name, f, m.estimate, m.ci_lb, m.ci_ub, m.tau, m.pi_lb, m.pi_ub);
  return out;
}

double identity(double x) { return x; }

// With covariates: the posterior and the classical meta-regressions at the same covariate values
// (the new clinic's): the fitted value (fitted_new; metafor's predict(...)$pred) with its 95%
// CrI / CI, the residual tau, and the 95% prediction interval (theta_new; predict's pi).
std::string regression_block(const OutcomeResult& r, const char* title, double (*f)(double), const char* fitted_key,
                             const char* new_key) {
  std::string out = block_head(r, title, "fitted", "Bayesian regression", fitted_key, new_key);
  const struct {
    const freq::RegressionResult& g;
    const freq::RegressionPrediction& p;
  } fits[] = {{r.regression, r.regression_pred}, {r.regression_knha, r.regression_knha_pred}};
  for (const auto& [g, p] : fits)
    if (!g.method.empty())
      out += classical_row(g.method + " regression", f, p.pred, p.ci_lb, p.ci_ub, std::sqrt(g.tau2), p.pi_lb, p.pi_ub);
  return out;
}

// Posterior beside each classical estimator, on the natural scale (rate or odds ratio) and on
// the model scale (logit rate or log odds ratio); tau is always on the model scale.
std::string comparison_table(const OutcomeResult& r) {
  if (r.frequentist.empty()) return "";
  const bool two = r.kind == OutcomeKind::TwoArm;
  double (*nat)(double) = two ? static_cast<double (*)(double)>(std::exp) : static_cast<double (*)(double)>(inv_logit);
  // With covariates the intercept-only estimators answer another question (a pooled effect
  // with total heterogeneity) than the posterior (an effect at given covariates with residual
  // heterogeneity): only the meta-regressions stand beside it, at the same covariate values.
  const bool regression = r.has_regression && !r.covariates.empty();
  std::string out;
  if (regression) {
    out += "  at the new " + r.unit + "'s covariates (" + r.new_clinic + "):\n";
    out += regression_block(r, two ? "method (odds ratio)" : "method (rate scale)", nat,
                            two ? "or_fitted_new" : "p_fitted_new", two ? "or_new" : "p_new");
    out += regression_block(r, two ? "method (log odds ratio)" : "method (logit scale)", identity, "fitted_new",
                            "theta_new");
  } else {
    out += comparison_block(r, two ? "method (odds ratio)" : "method (rate scale)", nat,
                            two ? "or_pooled" : "p_pooled", two ? "or_new" : "p_new");
    out += comparison_block(r, two ? "method (log odds ratio)" : "method (logit scale)", identity, "mu", "theta_new");
  }
  std::string notes;
  for (const auto& m : r.frequentist)
    if (!m.note.empty() && !regression) notes += "  note (" + m.name + "): " + m.note + "\n";
  for (const freq::RegressionResult* gp : {&r.regression, &r.regression_knha}) {
    if (!r.has_regression || r.k <= 0 || gp->method.empty()) continue;
    const freq::RegressionResult& g = *gp;
    out += "  classical meta-regression (" + g.method + "): ";
    for (int c = 0; c < g.beta.size(); ++c)
      out += std::string(c ? ", " : "") + (c == 0 ? std::string("intercept") : r.covariates[c - 1]) + " " +
             num(g.beta[c]) + " " + interval(g.ci_lb[c], g.ci_ub[c]);
    out += "; tau " + num(std::sqrt(g.tau2)) + (r.mu_at_text.empty() ? "" : " (intercept at " + r.mu_at_text + ")") + "\n";
    if (!g.note.empty()) notes += "  note (" + g.method + " regression): " + g.note + "\n";
  }
  if (regression)
    return out +
           "  (every row: the meta-regression at the new " + r.unit + "'s covariates; fitted = mu + (x - mean)' beta, "
           "its CI / CrI; tau = the residual heterogeneity; the intercept-only estimators (" +
           r.frequentist.front().name + ", ...) are in summary.json: they pool over the covariates)\n" +
           notes;
  return out +
         (two ? "  (Bayesian: pooled = exp(mu), the typical " + r.unit +
                    "'s odds ratio, treatment vs control; log-odds-ratio block: mu and theta_new)\n"
              : "  (Bayesian: pooled = inverse-logit of mu, the typical " + r.unit +
                    "'s rate; logit block: mu and theta_new)\n") +
         notes;
}

}  // namespace

std::string text_report(const OutcomeResult& r) {
  std::string out;
  out += "== " + r.name + ": " + r.model + ", " + std::to_string(r.k) + (r.k == 1 ? " study" : " studies") + " ==\n";
  char head[256];
  std::snprintf(head, sizeof head, "  %-*s %9s  %-22s  %6s %8s %8s\n", kLabelWidth, "quantity", "median",
                "95% interval", "R-hat", "ESS-bulk", "ESS-tail");
  out += head;
  struct Row {
    const char* param;
    std::string label;
    int prec;
  };
  const bool two = r.kind == OutcomeKind::TwoArm;
  const std::string& u = r.unit;  // what a prediction is for: a study (default), a clinic, ...
  const std::vector<Row> single_rows = {
      {"p_pooled", "pooled rate", 3},
      {"mu", "pooled logit rate (mu)", 3},
      {"tau", "between-" + u + " sd, logit (tau)", 3},
      {"p_new", "rate at a new " + u + " (95% PI)", 3},
      {"theta_new", "logit rate at a new " + u, 3},
      {"events_new", "events at a new " + u + " (95% PI)", 1},
      {"p_fitted_new", "mean rate at the new " + u + "'s x", 3},
  };
  const std::vector<Row> two_rows = {
      {"or_pooled", "pooled odds ratio", 3},
      {"mu", "pooled log odds ratio (mu)", 3},
      {"tau", "between-" + u + " sd, log OR (tau)", 3},
      {"mu_alpha", "mean control-arm logit", 3},
      {"sigma_alpha", "sd of control-arm logits", 3},
      {"or_new", "odds ratio at a new " + u + " (95% PI)", 3},
      {"theta_new", "log odds ratio at a new " + u, 3},
      {"or_fitted_new", "mean OR at the new " + u + "'s x", 3},
      {"p_treat_pooled", "treatment rate, typical " + u, 3},
      {"p_treat_new", "treatment rate, new " + u, 3},
  };
  for (const auto& row : two ? two_rows : single_rows) {
    if (const ParamSummary* s = r.find(row.param)) out += line(row.label.c_str(), *s, row.prec);
    if (std::string(row.param) == "tau")
      for (const auto& c : r.covariates)
        if (const ParamSummary* s = r.find("beta[" + c + "]")) out += line(("beta " + c).c_str(), *s, 3);
  }
  out += "  (point estimates here and below: posterior medians, with central 95% intervals; means are in "
         "summary.json)\n";
  if (!r.mu_at_text.empty()) out += "  (mu and the pooled rows: a study at " + r.mu_at_text + ")\n";
  if (!r.covariates.empty()) out += "  (new-" + u + " predictions at " + r.new_clinic + ")\n";
  const RunDiagnostics& d = r.diagnostics;
  char diag[320];
  if (d.sampler == "gibbs")
    std::snprintf(diag, sizeof diag,
                  "  Gibbs (Polya-Gamma, interweaved), chains %d x %d draws | non-finite sweeps %lld\n", r.chains,
                  r.draws, d.divergences);
  else
    std::snprintf(diag, sizeof diag,
                  "  chains %d x %d draws | divergences %lld | step size %.3g | trajectory %.3g (%.1f steps) | "
                  "E-BFMI min %.2f | centred studies %d/%d\n",
                  r.chains, r.draws, d.divergences, d.step_size, d.trajectory_length, d.mean_leapfrog_steps,
                  d.min_ebfmi, d.centred_studies, r.k);
  out += diag;
  out += comparison_table(r);
  for (const auto& w : r.warnings) out += "  warning: " + w + "\n";
  return out;
}

}  // namespace hbm
