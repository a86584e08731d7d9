// Fitting the normal-normal model for a tau^2 estimator as rma.uni does: weighted least squares
// at the estimated tau^2, z or Knapp-Hartung inference, Cochran's Q and I^2/H^2, the omnibus
// test of the moderators and the pseudo R^2.
#include "host/frequentist/rma_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "host/frequentist/distributions.hpp"
#include "host/frequentist/projector.hpp"
#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/tau2_estimators.hpp"

namespace hbm::freq::detail {

namespace {

bool is_intercept(const MatrixXd& X, int j) {
  return ((X.col(j).array() - 1.0).abs() < 1e-8).all();
}

}  // namespace

RegressionResult nan_regression(int k, int p, const std::string& note) {
  RegressionResult r;
  r.beta = r.se = r.zval = r.pval = r.ci_lb = r.ci_ub = VectorXd::Constant(p, kNaN);
  r.vcov = MatrixXd::Constant(p, p, kNaN);
  r.tau2 = r.se_tau2 = r.I2 = r.H2 = r.QE = r.QE_p = r.QM = r.QM_p = r.R2 = kNaN;
  r.k = k;
  r.p = p;
  r.converged = false;
  r.note = note;
  return r;
}

RegressionResult fit_problem(const Problem& pr, Tau2Method method, const RmaOptions& opt, double* vt_out) {
  const int k = pr.k, p = pr.p;
  RegressionResult r;
  r.k = k;
  r.p = p;
  const Tau2Estimate est = estimate_tau2(pr, method);
  r.note = est.note;
  r.converged = est.converged;
  r.tau2 = est.tau2;
  r.se_tau2 = est.se_tau2;
  if (!std::isfinite(est.tau2)) {
    RegressionResult bad = nan_regression(k, p, est.note);
    return bad;
  }
  const double tau2 = est.tau2;
  const VectorXd w = (pr.v.array() + tau2).inverse().matrix();
  MatrixXd vb = xtwx_inverse(pr.X, w);
  r.beta = vb * (pr.X.transpose() * w.asDiagonal() * pr.y);
  const VectorXd res = pr.y - pr.X * r.beta;
  const double rss = (w.array() * res.array().square()).sum();
  double crit;
  const double alpha = 1 - opt.level;
  if (opt.knha) {
    r.df = k - p;
    if (k - p > 0) {
      const double s2w = rss <= std::numeric_limits<double>::epsilon() ? 0.0 : rss / (k - p);
      vb *= s2w;
      crit = detail::qt_upper(alpha / 2, k - p);
    } else {
      vb.setConstant(kNaN);
      crit = kNaN;
      append_note(r.note, "Knapp-Hartung needs k > p (no residual degrees of freedom)");
    }
  } else {
    crit = detail::qnorm_upper(alpha / 2);
  }
  r.vcov = vb;
  r.se = vb.diagonal().cwiseSqrt();
  r.zval = r.beta.cwiseQuotient(r.se);
  r.pval.resize(p);
  for (int j = 0; j < p; ++j)
    r.pval(j) = opt.knha ? detail::pt_two_sided(r.zval(j), k - p) : detail::pnorm_two_sided(r.zval(j));
  r.ci_lb = r.beta.array() - crit * r.se.array();
  r.ci_ub = r.beta.array() + crit * r.se.array();

  // Heterogeneity test with inverse-variance weights 1/v; typical variance vt = (k-p)/tr(P).
  double vt = kNaN;
  if (k > p) {
    const Projector P(pr.X, pr.v.cwiseInverse());
    r.QE = std::max(0.0, P.quad(pr.ymc));
    r.QE_p = detail::pchisq_upper(r.QE, k - p);
    vt = (k - p) / P.trace();
    if (method == Tau2Method::FE) {
      r.I2 = std::max(0.0, 100 * (r.QE - (k - p)) / r.QE);
      r.H2 = r.QE / (k - p);
    } else {
      r.I2 = 100 * tau2 / (vt + tau2);
      r.H2 = tau2 / vt + 1;
    }
  } else {
    r.QE = 0;
    r.QE_p = 1;
    r.I2 = 0;
    r.H2 = 1;
    vt = 0;
  }
  if (vt_out) *vt_out = vt;

  // Omnibus test of the moderators (all coefficients but an intercept column).
  std::vector<int> btt;
  bool has_int = false;
  for (int j = 0; j < p; ++j) {
    if (p > 1 && is_intercept(pr.X, j)) {
      has_int = true;
      continue;
    }
    btt.push_back(j);
  }
  if (p == 1) has_int = is_intercept(pr.X, 0);
  const int m = static_cast<int>(btt.size());
  if (m > 0) {
    VectorXd b(m);
    MatrixXd V(m, m);
    for (int a = 0; a < m; ++a) {
      b(a) = r.beta(btt[a]);
      for (int c = 0; c < m; ++c) V(a, c) = vb(btt[a], btt[c]);
    }
    const double qm = b.dot(V.ldlt().solve(b));
    if (opt.knha) {
      r.QM = qm / m;
      r.QM_p = detail::pf_upper(r.QM, m, k - p);
    } else {
      r.QM = qm;
      r.QM_p = detail::pchisq_upper(qm, m);
    }
  } else {
    r.QM = r.QM_p = kNaN;
  }

  // Pseudo R^2 against the intercept-only model with the same estimator.
  r.R2 = kNaN;
  if (has_int && p > 1 && method == Tau2Method::FE && k > p) {
    // metafor's FE models: max(0, 100 * adjusted R^2 of lm(yi ~ X, weights = 1/vi)), i.e.
    // 1 - (QE / QE_0) (k-1)/(k-p) with QE_0 the Q of the intercept-only model
    const double q0 = Projector(MatrixXd::Ones(k, 1), pr.v.cwiseInverse()).quad(pr.ymc);
    r.R2 = q0 > 0 ? std::max(0.0, 100 * (1 - r.QE / q0 * (k - 1.0) / (k - p))) : 0.0;
  }
  if (has_int && p > 1 && method != Tau2Method::FE) {
    Problem pr0 = pr;
    pr0.X = MatrixXd::Ones(k, 1);
    pr0.p = 1;
    const Tau2Estimate e0 = estimate_tau2(pr0, method);
    if (std::isfinite(e0.tau2)) r.R2 = e0.tau2 > 0 ? std::max(0.0, 100 * (e0.tau2 - tau2) / e0.tau2) : 0.0;
  }
  return r;
}

}  // namespace hbm::freq::detail
