// Q-profile confidence interval for tau^2 (Viechtbauer 2007; metafor confint(type="QP")): the
// tau^2 values where the generalised Q statistic crosses its chi^2 quantiles, by R's uniroot().
#include "host/frequentist/qprofile.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "host/frequentist/distributions.hpp"
#include "host/frequentist/projector.hpp"
#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/uniroot.hpp"

namespace hbm::freq {

namespace detail {

Tau2Interval qprofile(const Problem& pr, double tau2_hat, double level, double vt) {
  Tau2Interval ci;
  const int k = pr.k, p = pr.p;
  if (k - p < 1) {
    ci.lb = ci.ub = ci.I2_lb = ci.I2_ub = ci.H2_lb = ci.H2_ub = kNaN;
    ci.note = "no tau^2 interval with k <= p";
    return ci;
  }
  const double alpha = 1 - level;
  const double tau2_min = std::min(0.0, tau2_hat);
  const double tau2_max = std::max({100.0, 10 * tau2_hat, 10 * tau2_min});
  const double crit_u = detail::qchisq_lower(1 - alpha / 2, k - p);
  const double crit_l = detail::qchisq_lower(alpha / 2, k - p);
  const double q_max = q_at(pr, tau2_max), q_min = q_at(pr, tau2_min);
  const double tol = kUnirootTol;
  double lb = kNaN, ub = kNaN;
  bool ok = true;

  // upper bound
  if (q_min < crit_l) {
    lb = ub = tau2_min;
    ci.null_set = true;
    ci.lb_below_search = true;
    append_note(ci.note, "Q(0) is below the lower critical value: the tau^2 interval is the null set {0}");
  } else if (q_max > crit_l) {
    ub = tau2_max;
    ci.ub_above_search = true;
    append_note(ci.note, "upper bound of tau^2 beyond the search interval");
  } else {
    auto f = [&](double t) { return q_at(pr, t) - crit_l; };
    int maxit = 1000;
    ub = detail::r_zeroin2(f, tau2_min, tau2_max, q_min - crit_l, q_max - crit_l, tol, &maxit);
    ok = ok && maxit >= 0;
  }
  // lower bound
  if (q_max > crit_u) {
    lb = ub = tau2_max;
    ci.ub_above_search = true;
  } else if (q_min < crit_u) {
    lb = tau2_min;
    ci.lb_below_search = true;
  } else {
    auto f = [&](double t) { return q_at(pr, t) - crit_u; };
    int maxit = 1000;
    lb = detail::r_zeroin2(f, tau2_min, tau2_max, q_min - crit_u, q_max - crit_u, tol, &maxit);
    ok = ok && maxit >= 0;
  }
  if (!ok) append_note(ci.note, "Q-profile root search did not converge");
  ci.lb = std::max(0.0, lb);
  ci.ub = std::max(0.0, ub);
  ci.I2_lb = 100 * ci.lb / (vt + ci.lb);
  ci.I2_ub = 100 * ci.ub / (vt + ci.ub);
  ci.H2_lb = ci.lb / vt + 1;
  ci.H2_ub = ci.ub / vt + 1;
  return ci;
}

}  // namespace detail

using detail::kNaN;
using detail::make_problem;
using detail::MatrixXd;
using detail::Problem;
using detail::Projector;
using detail::qprofile;

Tau2Interval tau2_ci_qprofile(const EffectData& data, double tau2_hat, double level) {
  std::string note;
  bool x_ok = true;
  const std::size_t n = std::min(data.yi.size(), data.vi.size());
  const Problem pr = make_problem(data, MatrixXd::Ones(static_cast<Eigen::Index>(n), 1), note, x_ok);
  if (pr.k < 2) {
    Tau2Interval ci;
    ci.lb = ci.ub = ci.I2_lb = ci.I2_ub = ci.H2_lb = ci.H2_ub = kNaN;
    ci.note = "no tau^2 interval with fewer than 2 studies";
    return ci;
  }
  const double vt = (pr.k - pr.p) / Projector(pr.X, pr.v.cwiseInverse()).trace();
  return qprofile(pr, std::isfinite(tau2_hat) ? tau2_hat : 0.0, level, vt);
}

}  // namespace hbm::freq
