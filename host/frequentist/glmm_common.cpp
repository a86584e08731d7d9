// Starting values, the filling of a GLMM's MethodResult from its ML fit, and the fit's skeleton.
#include "host/frequentist/glmm_common.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "host/frequentist/distributions.hpp"
#include "host/frequentist/result_helpers.hpp"

namespace hbm::freq::detail {

void finish(MethodResult& m, const MlFit& fit, int est_i, double tau, double level) {
  const double crit = detail::qnorm_upper((1 - level) / 2);
  const double est = fit.x(est_i), se = std::sqrt(fit.cov(est_i, est_i));
  m.estimate = est;
  m.se = se;
  m.zval = est / se;
  m.pval = detail::pnorm_two_sided(m.zval);
  m.ci_lb = est - crit * se;
  m.ci_ub = est + crit * se;
  m.tau = tau;
  m.tau2 = tau * tau;
  const double sd = std::sqrt(se * se + m.tau2);
  m.pi_lb = est - crit * sd;
  m.pi_ub = est + crit * sd;
  m.loglik = fit.loglik;
  m.converged = fit.converged && fit.info_ok;
  if (!fit.converged) append_note(m.note, "optimiser did not signal convergence");
  if (!fit.info_ok) append_note(m.note, "observed information not positive definite: no standard error");
}

double dl_start(const EffectData& es, double& tau0) {
  const MethodResult dl = rma(es, Tau2Method::DL, RmaOptions{false, 0.95, false});
  tau0 = std::isfinite(dl.tau2) ? std::max(std::sqrt(dl.tau2), 0.25) : 0.5;
  return std::isfinite(dl.estimate) ? dl.estimate : 0.0;
}

std::optional<MlFit> fit_glmm(MethodResult& m, const GlmmSpec& spec, const Fn& loglik,
                              const std::function<VectorXd()>& start, double level) {
  m.k = spec.k;
  if (!spec.problem.empty()) {
    append_note(m.note, spec.problem);
    return std::nullopt;
  }
  VectorXd x0 = start();
  const bool single = spec.k == 1;
  if (single) {
    const char* what = spec.sd_idx.size() == 1 ? "tau^2" : "variance components";
    append_note(m.note, std::string(what) + " cannot be estimated from k = 1 " + spec.unit + "; fixed at 0");
  }
  std::vector<bool> fixed0(x0.size(), false);
  for (int i : spec.sd_idx) {
    if (single) x0(i) = 0.0;
    fixed0[i] = single;
  }
  const MlFit fit = fit_ml(loglik, x0, spec.sd_idx, std::move(fixed0));
  if (!fit.x.allFinite() || !std::isfinite(fit.loglik)) {
    append_note(m.note, "GLMM fit failed");
    return std::nullopt;
  }
  finish(m, fit, 0, fit.x(fit.x.size() - 1), level);
  return fit;
}

}  // namespace hbm::freq::detail
