// Mixed-effects meta-regression (rma.uni with moderators) and its predictions at new design rows.
#include <cmath>
#include <exception>
#include <string>

#include "host/frequentist/distributions.hpp"
#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/rma_fit.hpp"
#include "host/frequentist/rma_problem.hpp"

namespace hbm::freq {

using detail::fit_problem;
using detail::make_problem;
using detail::nan_regression;
using detail::Problem;

RegressionPrediction predict_regression(const RegressionResult& g, const Eigen::VectorXd& x0) {
  RegressionPrediction p;
  if (g.beta.size() == 0 || g.beta.size() != x0.size() || g.vcov.rows() != x0.size()) return p;
  p.pred = x0.dot(g.beta);
  p.se = std::sqrt(x0.dot(g.vcov * x0));
  const double crit = g.df > 0 ? detail::qt_upper(0.025, g.df) : detail::qnorm_upper(0.025);
  p.ci_lb = p.pred - crit * p.se;
  p.ci_ub = p.pred + crit * p.se;
  const double spread = std::sqrt(p.se * p.se + g.tau2);
  p.pi_lb = p.pred - crit * spread;
  p.pi_ub = p.pred + crit * spread;
  return p;
}

RegressionResult rma_regression(const EffectData& data, const Eigen::MatrixXd& X, Tau2Method method,
                                const RmaOptions& options) {
  const std::string name = method_name(method) + (options.knha ? "_knha" : "");
  try {
    std::string note;
    bool x_ok = true;
    const Problem pr = make_problem(data, X, note, x_ok);
    if (!x_ok || pr.k == 0) {
      RegressionResult bad = !x_ok ? nan_regression(pr.k, static_cast<int>(X.cols()), note)
                                   : nan_regression(0, pr.p, note.empty() ? "no studies" : note + "; no studies left");
      bad.method = name;
      return bad;
    }
    RegressionResult r = fit_problem(pr, method, options, nullptr);
    if (!note.empty()) r.note = r.note.empty() ? note : note + "; " + r.note;
    r.method = name;
    return r;
  } catch (const std::exception& e) {
    RegressionResult r = nan_regression(0, static_cast<int>(X.cols()), std::string("internal error: ") + e.what());
    r.method = name;
    return r;
  }
}

}  // namespace hbm::freq
