// The random-effects (or common-effect) meta-analysis of rma.uni without moderators, followed by
// predict() (prediction interval) and confint() (Q-profile interval for tau^2).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <string>

#include "host/frequentist/distributions.hpp"
#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/qprofile.hpp"
#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/rma_fit.hpp"
#include "host/frequentist/rma_problem.hpp"

namespace hbm::freq {

using detail::append_note;
using detail::fit_problem;
using detail::kNaN;
using detail::make_problem;
using detail::MatrixXd;
using detail::nan_result;
using detail::Problem;
using detail::qprofile;

std::string method_name(Tau2Method m) {
  switch (m) {
    case Tau2Method::FE: return "FE";
    case Tau2Method::DL: return "DL";
    case Tau2Method::REML: return "REML";
    case Tau2Method::ML: return "ML";
    case Tau2Method::PM: return "PM";
    case Tau2Method::SJ: return "SJ";
    case Tau2Method::HS: return "HS";
    case Tau2Method::EB: return "EB";
  }
  return "?";
}

MethodResult rma(const EffectData& data, Tau2Method method, const RmaOptions& options) {
  const std::string name = method_name(method) + (options.knha ? "_knha" : "");
  try {
    std::string note;
    bool x_ok = true;
    const std::size_t n = std::min(data.yi.size(), data.vi.size());
    const Problem pr = make_problem(data, MatrixXd::Ones(static_cast<Eigen::Index>(n), 1), note, x_ok);
    if (pr.k == 0) return nan_result(name, 0, note.empty() ? "no studies" : note + "; no studies left");
    double vt = kNaN;
    const RegressionResult r = fit_problem(pr, method, options, &vt);
    MethodResult m;
    m.name = name;
    m.k = pr.k;
    m.df = r.df;
    m.converged = r.converged;
    m.note = note;
    append_note(m.note, r.note);
    m.estimate = r.beta(0);
    m.se = r.se(0);
    m.zval = r.zval(0);
    m.pval = r.pval(0);
    m.ci_lb = r.ci_lb(0);
    m.ci_ub = r.ci_ub(0);
    m.tau2 = r.tau2;
    m.tau = std::sqrt(r.tau2);
    m.se_tau2 = r.se_tau2;
    m.I2 = r.I2;
    m.H2 = r.H2;
    m.Q = r.QE;
    m.Q_p = r.QE_p;
    m.sigma2 = m.loglik = kNaN;
    m.tau2_ci_lb = m.tau2_ci_ub = kNaN;
    const double alpha = 1 - options.level;
    if (method == Tau2Method::FE) {
      m.pi_lb = m.pi_ub = kNaN;  // metafor's predict() gives no prediction interval for FE models
    } else {
      const double crit = options.knha ? detail::qt_upper(alpha / 2, pr.k - 1) : detail::qnorm_upper(alpha / 2);
      const double sd = std::sqrt(m.se * m.se + m.tau2);
      m.pi_lb = m.estimate - crit * sd;
      m.pi_ub = m.estimate + crit * sd;
      if (options.tau2_ci && pr.k >= 2 && std::isfinite(m.tau2)) {
        const Tau2Interval ci = qprofile(pr, m.tau2, options.level, vt);
        m.tau2_ci_lb = ci.lb;
        m.tau2_ci_ub = ci.ub;
        if (ci.null_set || ci.ub_above_search) append_note(m.note, ci.note);
      }
    }
    return m;
  } catch (const std::exception& e) {
    return nan_result(name, 0, std::string("internal error: ") + e.what());
  }
}

}  // namespace hbm::freq
