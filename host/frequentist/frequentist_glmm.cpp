// Binomial GLMMs by maximum likelihood, reproducing metafor::rma.glmm, which calls
// lme4::glmer:
//  * the marginal likelihood of a study with one scalar random effect is approximated by
//    adaptive Gauss-Hermite quadrature exactly as lme4 does it (nodes of GHrule(nAGQ), centred at
//    the conditional mode u0 and scaled by 1/sqrt(1 + theta^2 sum c^2 n p (1-p)) at u0);
//  * with two random effects per study (UM.RS) lme4 can only use the Laplace approximation
//    (nAGQ = 1), so that is what is maximised here as well;
//  * the standard error of the pooled effect is that of lme4's default vcov(): the inverse of
//    the observed information of all parameters (variance parameters on lme4's theta = sd scale
//    and fixed effects jointly), i.e. not conditional on the estimated tau.
// The objective is even in every random-effect sd (u -> -u), so sds are optimised unconstrained
// and reported as absolute values; an sd that ends at 0 is fixed there exactly (the boundary
// estimate lme4 reports), and the information is then that of the remaining parameters.
#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/frequentist_internal.hpp"

namespace hbm::freq {

using detail::append_note;
using detail::kNaN;

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// ------------------------------------------------------------------ quadrature rules ------

// Gauss-Hermite rule for the standard normal density (lme4's GHrule): sum_k w_k f(z_k)
// approximates E f(Z), Z ~ N(0,1). Nodes by Newton's method on the orthonormal (physicists')
// Hermite recurrence (Golub-Welsch gives the same rule), then z = sqrt(2) x, w = w_x / sqrt(pi).
struct GHRule {
  std::vector<double> z, w;
};

GHRule gh_rule(int n) {
  GHRule r;
  if (n <= 1) {
    r.z = {0.0};
    r.w = {1.0};
    return r;
  }
  const double pim4 = std::pow(std::numbers::pi, -0.25);
  std::vector<double> x(n), wx(n);
  const int m = (n + 1) / 2;
  double root = 0;
  for (int i = 0; i < m; ++i) {
    // standard initial guesses for the largest roots, then extrapolation from the previous ones
    if (i == 0) root = std::sqrt(2.0 * n + 1) - 1.85575 * std::pow(2.0 * n + 1, -1.0 / 6);
    else if (i == 1) root -= 1.14 * std::pow(static_cast<double>(n), 0.426) / root;
    else if (i == 2) root = 1.86 * root - 0.86 * x[0];
    else if (i == 3) root = 1.91 * root - 0.91 * x[1];
    else root = 2.0 * root - x[i - 2];
    double dp = 0;
    for (int it = 0; it < 100; ++it) {
      double p1 = pim4, p2 = 0.0;
      for (int j = 1; j <= n; ++j) {
        const double p3 = p2;
        p2 = p1;
        p1 = root * std::sqrt(2.0 / j) * p2 - std::sqrt((j - 1.0) / j) * p3;
      }
      dp = std::sqrt(2.0 * n) * p2;
      const double step = p1 / dp;
      root -= step;
      if (std::fabs(step) <= 1e-15 * (1 + std::fabs(root))) break;
    }
    x[i] = root;
    x[n - 1 - i] = -root;
    wx[i] = wx[n - 1 - i] = 2.0 / (dp * dp);
  }
  if (n % 2) x[n / 2] = 0.0;
  r.z.resize(n);
  r.w.resize(n);
  const double inv_sqrt_pi = 1 / std::sqrt(std::numbers::pi);
  for (int i = 0; i < n; ++i) {  // ascending nodes
    r.z[i] = std::sqrt(2.0) * x[n - 1 - i];
    r.w[i] = wx[n - 1 - i] * inv_sqrt_pi;
  }
  return r;
}

// ------------------------------------------------------------ binomial building blocks ----

inline double log1pexp(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

// One binomial observation: y events of n, linear predictor off + c1 s1 u1 + c2 s2 u2.
struct Obs {
  double y = 0, n = 0;
  double off = 0;
  double c1 = 0, c2 = 0;
  // saturated fit: p_hat = y/n, q_hat = 1 - p_hat, eta_hat = logit(p_hat) (0 < y < n)
  double p_hat = 0, q_hat = 0, eta_hat = 0;

  void set_counts(double events, double total) {
    y = events;
    n = total;
    p_hat = y / n;
    q_hat = (n - y) / n;
    eta_hat = (y > 0 && y < n) ? std::log(y / (n - y)) : 0.0;
  }
};

// Log-likelihood of y ~ Bin(n, expit(eta)) minus that of the saturated model (-1/2 lme4's
// deviance residual), with its first two derivatives in eta. With d = eta - eta_hat,
//   ll = -y log1p(q_hat expm1(-d)) - (n-y) log1p(p_hat expm1(d)),
//   y - n p = -n p_hat q_hat expm1(d) / (1 + p_hat expm1(d)),
// which keep full relative precision near the saturated fit even for n = 1e9 (the naive
// y (log p - log p_hat) loses ~1e-7 absolute there, enough to spoil finite-difference derivatives
// of the marginal likelihood).
struct BinTerm {
  double ll, d1, d2;
};

inline BinTerm bin_term(const Obs& o, double eta) {
  const double p = 1 / (1 + std::exp(-eta)), q = 1 / (1 + std::exp(eta));
  const double d2 = -o.n * p * q;
  if (o.y <= 0) return {-o.n * log1pexp(eta), -o.n * p, d2};
  if (o.y >= o.n) return {-o.n * log1pexp(-eta), o.n * q, d2};
  const double d = eta - o.eta_hat;
  const double em = std::expm1(d);
  const double ll = -o.y * std::log1p(o.q_hat * std::expm1(-d)) - (o.n - o.y) * std::log1p(o.p_hat * em);
  const double d1 = -o.n * o.p_hat * o.q_hat * em / (1 + o.p_hat * em);
  return {ll, d1, d2};
}

// log of the integral over one study's random effects (relative to the saturated model):
// scalar random effect with sd s (c1 = coefficient of u), by adaptive Gauss-Hermite quadrature.
// u0 is a warm start for the conditional mode and receives the new mode.
double study_agq(const Obs* o, int J, double s, const GHRule& gh, double& u0) {
  auto g_at = [&](double u, double* g1, double* g2) {
    double g = -0.5 * u * u, d1 = -u, d2 = -1;
    for (int j = 0; j < J; ++j) {
      const double cs = o[j].c1 * s;
      const BinTerm t = bin_term(o[j], o[j].off + cs * u);
      g += t.ll;
      d1 += cs * t.d1;
      d2 += cs * cs * t.d2;
    }
    if (g1) *g1 = d1;
    if (g2) *g2 = d2;
    return g;
  };
  double u = std::isfinite(u0) ? u0 : 0.0;
  double g1, g2;
  double g = g_at(u, &g1, &g2);
  for (int it = 0; it < 200; ++it) {
    const double step = -g1 / g2;  // g2 <= -1: g is strictly concave
    double t = 1.0, gn = 0, g1n = 0, g2n = 0;
    for (int bt = 0; bt < 60; ++bt) {
      gn = g_at(u + t * step, &g1n, &g2n);
      if (gn >= g - 1e-12 * (1 + std::fabs(g))) break;
      t *= 0.5;
    }
    u += t * step;
    g = gn;
    g1 = g1n;
    g2 = g2n;
    if (std::fabs(t * step) <= 1e-13 * (1 + std::fabs(u))) break;
  }
  u0 = u;
  const double sd = 1 / std::sqrt(-g2);
  if (gh.z.size() == 1) return g + std::log(sd);
  double acc = 0;
  for (std::size_t k = 0; k < gh.z.size(); ++k) {
    const double z = gh.z[k];
    const double gz = z == 0.0 ? g : g_at(u + sd * z, nullptr, nullptr);
    acc += gh.w[k] * std::exp(gz - g + 0.5 * z * z);
  }
  return g + std::log(sd) + std::log(acc);
}

// Two independent random effects (sds s1, s2), Laplace approximation (lme4's nAGQ = 1).
double study_laplace2(const Obs* o, int J, double s1, double s2, Eigen::Vector2d& u0) {
  auto g_at = [&](const Eigen::Vector2d& u, Eigen::Vector2d* grad, Eigen::Matrix2d* hess) {
    double g = -0.5 * u.squaredNorm();
    Eigen::Vector2d d1 = -u;
    Eigen::Matrix2d d2 = -Eigen::Matrix2d::Identity();
    for (int j = 0; j < J; ++j) {
      const Eigen::Vector2d z(o[j].c1 * s1, o[j].c2 * s2);
      const BinTerm t = bin_term(o[j], o[j].off + z.dot(u));
      g += t.ll;
      d1 += t.d1 * z;
      d2 += t.d2 * z * z.transpose();
    }
    if (grad) *grad = d1;
    if (hess) *hess = d2;
    return g;
  };
  Eigen::Vector2d u = u0.allFinite() ? u0 : Eigen::Vector2d::Zero();
  Eigen::Vector2d g1;
  Eigen::Matrix2d g2;
  double g = g_at(u, &g1, &g2);
  for (int it = 0; it < 200; ++it) {
    const Eigen::Vector2d step = (-g2).ldlt().solve(g1);
    double t = 1.0, gn = 0;
    Eigen::Vector2d g1n;
    Eigen::Matrix2d g2n;
    for (int bt = 0; bt < 60; ++bt) {
      gn = g_at(u + t * step, &g1n, &g2n);
      if (gn >= g - 1e-12 * (1 + std::fabs(g))) break;
      t *= 0.5;
    }
    u += t * step;
    g = gn;
    g1 = g1n;
    g2 = g2n;
    if ((t * step).cwiseAbs().maxCoeff() <= 1e-13 * (1 + u.cwiseAbs().maxCoeff())) break;
  }
  u0 = u;
  return g - 0.5 * std::log((-g2).determinant());
}

// -------------------------------------------------------------------- optimisation -------

using Fn = std::function<double(const VectorXd&)>;

// Central finite-difference gradient and Hessian (step h per coordinate).
void fd_derivatives(const Fn& f, const VectorXd& x, double fx, double h, VectorXd& g, MatrixXd& H) {
  const int d = static_cast<int>(x.size());
  g.resize(d);
  H.resize(d, d);
  VectorXd fp(d), fm(d);
  for (int i = 0; i < d; ++i) {
    VectorXd xp = x, xm = x;
    xp(i) += h;
    xm(i) -= h;
    fp(i) = f(xp);
    fm(i) = f(xm);
    g(i) = (fp(i) - fm(i)) / (2 * h);
    H(i, i) = (fp(i) - 2 * fx + fm(i)) / (h * h);
  }
  for (int i = 0; i < d; ++i)
    for (int j = i + 1; j < d; ++j) {
      VectorXd a = x, b = x, c = x, e = x;
      a(i) += h; a(j) += h;
      b(i) += h; b(j) -= h;
      c(i) -= h; c(j) += h;
      e(i) -= h; e(j) -= h;
      H(i, j) = H(j, i) = (f(a) - f(b) - f(c) + f(e)) / (4 * h * h);
    }
}

struct OptResult {
  VectorXd x;
  double f = -std::numeric_limits<double>::infinity();
  bool converged = false;
};

// Maximises f by Newton's method on finite-difference derivatives with Levenberg-Marquardt
// damping and step acceptance on f.
OptResult maximize(const Fn& f, VectorXd x) {
  OptResult r;
  double fx = f(x);
  if (!std::isfinite(fx)) return r;
  const double h = 1e-4;
  double lambda = 0;
  for (int iter = 0; iter < 300; ++iter) {
    VectorXd g;
    MatrixXd H;
    fd_derivatives(f, x, fx, h, g, H);
    if (!g.allFinite() || !H.allFinite()) break;
    const MatrixXd A = -H;
    const double scale = std::max(1.0, A.diagonal().cwiseAbs().maxCoeff());
    bool accepted = false;
    VectorXd step;
    double lam = lambda;
    for (int tries = 0; tries < 60; ++tries) {
      MatrixXd M = A;
      M.diagonal().array() += lam;
      Eigen::LLT<MatrixXd> llt(M);
      if (llt.info() != Eigen::Success) {
        lam = lam == 0 ? 1e-6 * scale : lam * 10;
        continue;
      }
      step = llt.solve(g);
      const VectorXd xn = x + step;
      const double fn = f(xn);
      if (std::isfinite(fn) && fn >= fx - 1e-10 * (1 + std::fabs(fx))) {
        const bool tiny = step.cwiseAbs().maxCoeff() < 1e-9;
        x = xn;
        const double gain = fn - fx;
        fx = fn;
        accepted = true;
        lambda = lam * 0.1 < 1e-12 * scale ? 0 : lam * 0.1;
        if (lam == 0 && (tiny || (step.cwiseAbs().maxCoeff() < 1e-7 && gain < 1e-12 * (1 + std::fabs(fx))))) {
          r.converged = true;
        }
        break;
      }
      lam = lam == 0 ? 1e-6 * scale : lam * 10;
    }
    if (!accepted) {
      // no ascent possible along any damped Newton direction: at the optimum up to FD noise
      r.converged = g.cwiseAbs().maxCoeff() < 1e-4 * (1 + std::fabs(fx));
      break;
    }
    if (r.converged) break;
  }
  r.x = x;
  r.f = fx;
  return r;
}

// Maximum-likelihood fit with some coordinates being random-effect sds (objective even in each):
// optimise unconstrained, take |sd|, fix at 0 those sds for which the boundary is as good, and
// return the observed information of the free coordinates.
struct MlFit {
  VectorXd x;                // all coordinates, sds >= 0
  std::vector<bool> fixed0;  // sd coordinates fixed at 0
  MatrixXd cov;              // inverse observed information (NaN rows/columns for fixed coordinates)
  double loglik = kNaN;
  bool converged = false;
  bool info_ok = false;  // observed information positive definite
};

MlFit fit_ml(const Fn& f, const VectorXd& x0, const std::vector<int>& sd_idx, std::vector<bool> fixed0) {
  MlFit out;
  const int d = static_cast<int>(x0.size());
  // Optimises over the coordinates not fixed at 0, starting from `start`.
  auto run = [&](const std::vector<bool>& fx, const VectorXd& start) {
    std::vector<int> free;
    for (int i = 0; i < d; ++i)
      if (!fx[i]) free.push_back(i);
    auto expand = [&](const VectorXd& z) {
      VectorXd full = start;
      for (int i = 0; i < d; ++i)
        if (fx[i]) full(i) = 0.0;
      for (std::size_t j = 0; j < free.size(); ++j) full(free[j]) = z(j);
      return full;
    };
    Fn fr = [&](const VectorXd& z) { return f(expand(z)); };
    VectorXd z0(free.size());
    for (std::size_t j = 0; j < free.size(); ++j) z0(j) = start(free[j]);
    OptResult res = free.empty() ? OptResult{z0, fr(z0), true} : maximize(fr, z0);
    res.x = expand(res.x);
    for (int i : sd_idx) res.x(i) = std::fabs(res.x(i));
    return res;
  };
  OptResult res = run(fixed0, x0);
  if (!res.x.allFinite() || !std::isfinite(res.f)) return out;
  // boundary: an sd near 0 whose removal does not lower the likelihood is fixed at 0
  for (int i : sd_idx) {
    if (fixed0[i] || res.x(i) > 1e-3) continue;
    std::vector<bool> fx = fixed0;
    fx[i] = true;
    OptResult r0 = run(fx, res.x);
    if (std::isfinite(r0.f) && r0.f >= res.f - 1e-9 * (1 + std::fabs(res.f))) {
      fixed0 = fx;
      res = r0;
    }
  }
  std::vector<int> free;
  for (int i = 0; i < d; ++i)
    if (!fixed0[i]) free.push_back(i);
  out.fixed0 = fixed0;
  out.x = res.x;
  out.converged = res.converged;
  out.loglik = f(res.x);
  const int m = static_cast<int>(free.size());
  out.cov = MatrixXd::Constant(d, d, kNaN);
  if (m == 0) return out;
  Fn fr = [&](const VectorXd& z) {
    VectorXd full = out.x;
    for (int j = 0; j < m; ++j) full(free[j]) = z(j);
    return f(full);
  };
  VectorXd z(m);
  for (int j = 0; j < m; ++j) z(j) = out.x(free[j]);
  VectorXd g;
  MatrixXd H;
  fd_derivatives(fr, z, out.loglik, 1e-4, g, H);
  Eigen::LDLT<MatrixXd> ldlt(-H);
  if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().array() > 0).all()) return out;
  const MatrixXd C = ldlt.solve(MatrixXd::Identity(m, m));
  for (int a = 0; a < m; ++a)
    for (int b = 0; b < m; ++b) out.cov(free[a], free[b]) = C(a, b);
  out.info_ok = true;
  return out;
}

MethodResult glmm_shell(const std::string& name, int k) {
  MethodResult m;
  m.name = name;
  m.k = k;
  m.estimate = m.se = m.zval = m.pval = m.ci_lb = m.ci_ub = kNaN;
  m.tau2 = m.tau = m.se_tau2 = m.tau2_ci_lb = m.tau2_ci_ub = kNaN;
  m.I2 = m.H2 = m.Q = m.Q_p = m.pi_lb = m.pi_ub = m.sigma2 = m.loglik = kNaN;
  m.converged = false;
  return m;
}

// Fills estimate, se, ci, pi (normal quantiles, pi = est +- z sqrt(se^2 + tau^2) as metafor's
// predict()), tau, loglik and the convergence note from a fit; index `est_i` is the pooled effect.
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

double logit_half(double x, double n) { return std::log((x + 0.5) / (n - x + 0.5)); }

double dl_start(const EffectData& es, double& tau0) {
  const MethodResult dl = rma(es, Tau2Method::DL, RmaOptions{false, 0.95, false});
  tau0 = std::isfinite(dl.tau2) ? std::max(std::sqrt(dl.tau2), 0.25) : 0.5;
  return std::isfinite(dl.estimate) ? dl.estimate : 0.0;
}

// ------------------------------------------------------------ heterogeneity (rma.glmm) ----

// rma.glmm's "typical" within-study variance vt = (k.yi - 1) / tr(P) from escalc's sampling
// variances (1/2 added to studies / tables with a zero cell, double-zero tables dropped), the
// denominator of its I^2 = 100 tau^2 / (vt + tau^2) and H^2 = tau^2 / vt + 1.
double typical_variance(const EffectData& es) {
  double sw = 0, sw2 = 0;
  int k = 0;
  for (std::size_t i = 0; i < std::min(es.yi.size(), es.vi.size()); ++i) {
    if (!std::isfinite(es.yi[i]) || !std::isfinite(es.vi[i]) || !(es.vi[i] > 0)) continue;
    const double w = 1 / es.vi[i];
    sw += w;
    sw2 += w * w;
    ++k;
  }
  return k >= 2 ? (k - 1) / (sw - sw2 / sw) : kNaN;
}

// Cochran's Q of uncorrected effects y_i with variances v_i (only finite pairs).
double cochran_q(const std::vector<double>& y, const std::vector<double>& v) {
  double sw = 0, swy = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    sw += 1 / v[i];
    swy += y[i] / v[i];
  }
  if (y.size() < 2) return 0.0;
  const double mean = swy / sw;
  double q = 0;
  for (std::size_t i = 0; i < y.size(); ++i) q += (y[i] - mean) * (y[i] - mean) / v[i];
  return q;
}

// Fills I2, H2 and the heterogeneity tests of a GLMM result as rma.glmm does:
//  * Q / Q_p: QE.Wld, the Wald test of the study-specific effects of the saturated model;
//  * Q_lrt / Q_lrt_p: QE.LRT = -2 (ll_FE - ll_QE), common-effect model vs saturated model;
//  * tau2_lrt / tau2_lrt_p: 2 (loglik - ll_FE), the likelihood-ratio test of tau^2 = 0 within the
//    GLMM (not reported by metafor; p from the 50:50 mixture of chi^2_0 and chi^2_1).
// df = k - 1; with k = 1 the tests are NaN (metafor: NA).
void set_heterogeneity(MethodResult& m, double vt, double wald, double ll_fe, double ll_qe) {
  if (m.k <= 1) {
    m.I2 = 0;
    m.H2 = 1;
    m.Q = m.Q_p = m.Q_lrt = m.Q_lrt_p = m.tau2_lrt = m.tau2_lrt_p = kNaN;
    append_note(m.note, "no heterogeneity test with k = 1");
    return;
  }
  if (std::isfinite(vt) && std::isfinite(m.tau2)) {
    m.I2 = 100 * m.tau2 / (vt + m.tau2);
    m.H2 = m.tau2 / vt + 1;
  }
  const int df = m.k - 1;
  m.Q = std::isfinite(wald) ? std::max(0.0, wald) : kNaN;
  m.Q_p = detail::pchisq_upper(m.Q, df);
  m.Q_lrt = std::isfinite(ll_fe) && std::isfinite(ll_qe) ? std::max(0.0, -2 * (ll_fe - ll_qe)) : kNaN;
  m.Q_lrt_p = detail::pchisq_upper(m.Q_lrt, df);
  m.tau2_lrt = std::isfinite(ll_fe) && std::isfinite(m.loglik) ? std::max(0.0, 2 * (m.loglik - ll_fe)) : kNaN;
  m.tau2_lrt_p = std::isnan(m.tau2_lrt) ? kNaN : m.tau2_lrt > 0 ? 0.5 * detail::pchisq_upper(m.tau2_lrt, 1) : 1.0;
}

// ------------------------------------------------------------------------------ models ---

// Single-arm logit-normal model; parameters (mu, tau).
struct SingleArmModel {
  std::vector<Obs> obs;
  GHRule gh;
  int invalid = 0;
  long long events = 0, non_events = 0;
  mutable std::vector<double> modes;  // warm starts of the conditional modes

  SingleArmModel(const std::vector<long long>& y, const std::vector<long long>& n, int nAGQ) : gh(gh_rule(std::max(1, nAGQ))) {
    for (std::size_t i = 0; i < std::min(y.size(), n.size()); ++i) {
      if (n[i] <= 0 || y[i] < 0 || y[i] > n[i]) {
        ++invalid;
        continue;
      }
      Obs o;
      o.set_counts(static_cast<double>(y[i]), static_cast<double>(n[i]));
      o.c1 = 1;
      obs.push_back(o);
      events += y[i];
      non_events += n[i] - y[i];
    }
    modes.assign(obs.size(), 0.0);
  }
  int k() const { return static_cast<int>(obs.size()); }
  double loglik(double mu, double tau) const {
    double ll = 0;
    for (std::size_t i = 0; i < obs.size(); ++i) {
      Obs o = obs[i];
      o.off = mu;
      ll += study_agq(&o, 1, tau, gh, modes[i]);
    }
    return ll;
  }
};

// Two-arm tables used by the GLMMs: valid and not double-zero (rma.glmm's drop00 = TRUE).
struct Tables {
  std::vector<double> a, n1, c, n2;
  int dropped = 0, invalid = 0;
  int k() const { return static_cast<int>(a.size()); }

  explicit Tables(const TwoArmCounts& counts) {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const bool valid = i < counts.nt.size() && i < counts.ec.size() && i < counts.nc.size() && counts.nt[i] > 0 &&
                         counts.nc[i] > 0 && counts.et[i] >= 0 && counts.ec[i] >= 0 &&
                         counts.et[i] <= counts.nt[i] && counts.ec[i] <= counts.nc[i];
      if (!valid) {
        ++invalid;
        continue;
      }
      const long long ai = counts.et[i], bi = counts.nt[i] - ai, ci = counts.ec[i], di = counts.nc[i] - ci;
      if ((ai == 0 && ci == 0) || (bi == 0 && di == 0)) {
        ++dropped;
        continue;
      }
      a.push_back(static_cast<double>(ai));
      n1.push_back(static_cast<double>(counts.nt[i]));
      c.push_back(static_cast<double>(ci));
      n2.push_back(static_cast<double>(counts.nc[i]));
    }
  }
  // Empty string when a finite ML log odds ratio can exist, else the reason; notes on dropped tables.
  std::string problems(std::string& note) const {
    if (invalid) append_note(note, std::to_string(invalid) + " table(s) with invalid counts omitted");
    if (dropped) append_note(note, std::to_string(dropped) + " double-zero table(s) dropped");
    double ea = 0, ec = 0, na = 0, nc = 0;
    for (int i = 0; i < k(); ++i) {
      ea += a[i];
      ec += c[i];
      na += n1[i] - a[i];
      nc += n2[i] - c[i];
    }
    if (k() == 0) return "no tables left: GLMM not estimable";
    if (ea == 0 || ec == 0 || na == 0 || nc == 0)
      return "one arm has no events (or only events) in every table: the ML log odds ratio is infinite";
    return "";
  }
};

// UM.FS: logit p_t = alpha_i + theta + tau u/2, logit p_c = alpha_i - tau u/2; the study
// intercepts alpha_i are profiled out (one-dimensional maximisations), parameters (theta, tau).
struct FsModel {
  Tables t;
  GHRule gh;
  std::vector<std::array<Obs, 2>> obs;       // (treatment, control) per study
  mutable std::vector<double> alpha, modes;  // warm starts

  FsModel(const TwoArmCounts& counts, int nAGQ) : t(counts), gh(gh_rule(std::max(1, nAGQ))) {
    alpha.resize(t.k());
    modes.assign(t.k(), 0.0);
    obs.resize(t.k());
    for (int i = 0; i < t.k(); ++i) {
      alpha[i] = logit_half(t.c[i], t.n2[i]);
      obs[i][0].set_counts(t.a[i], t.n1[i]);
      obs[i][0].c1 = 0.5;
      obs[i][1].set_counts(t.c[i], t.n2[i]);
      obs[i][1].c1 = -0.5;
    }
  }
  double study_ll(int i, double a, double theta, double tau) const {
    std::array<Obs, 2> o = obs[i];
    o[0].off = a + theta;
    o[1].off = a;
    return study_agq(o.data(), 2, tau, gh, modes[i]);
  }
  double profile_study(int i, double theta, double tau) const {
    double a = alpha[i];
    const double h = 1e-4;
    double fa = study_ll(i, a, theta, tau);
    for (int it = 0; it < 100; ++it) {
      const double fp = study_ll(i, a + h, theta, tau), fm = study_ll(i, a - h, theta, tau);
      const double d1 = (fp - fm) / (2 * h), d2 = (fp - 2 * fa + fm) / (h * h);
      double step = d2 < 0 ? -d1 / d2 : (d1 > 0 ? 1.0 : -1.0);
      step = std::clamp(step, -5.0, 5.0);
      double s = 1.0, fn = fa;
      for (int bt = 0; bt < 60; ++bt) {
        fn = study_ll(i, a + s * step, theta, tau);
        if (fn >= fa - 1e-13 * (1 + std::fabs(fa))) break;
        s *= 0.5;
      }
      a += s * step;
      fa = fn;
      if (std::fabs(s * step) < 1e-10) break;
    }
    alpha[i] = a;
    return fa;
  }
  double loglik(double theta, double tau) const {
    double ll = 0;
    for (int i = 0; i < t.k(); ++i) ll += profile_study(i, theta, tau);
    return ll;
  }
};

// UM.RS: logit p = b0 + sigma w + group1 theta +/- tau u/2; parameters (theta, b0, sigma, tau).
struct RsModel {
  Tables t;
  std::vector<std::array<Obs, 2>> obs;  // (treatment, control) per study
  mutable std::vector<Eigen::Vector2d> modes;

  explicit RsModel(const TwoArmCounts& counts) : t(counts) {
    modes.assign(t.k(), Eigen::Vector2d::Zero());
    obs.resize(t.k());
    for (int i = 0; i < t.k(); ++i) {
      obs[i][0].set_counts(t.a[i], t.n1[i]);
      obs[i][0].c1 = 1;
      obs[i][0].c2 = 0.5;
      obs[i][1].set_counts(t.c[i], t.n2[i]);
      obs[i][1].c1 = 1;
      obs[i][1].c2 = -0.5;
    }
  }
  double loglik(const VectorXd& x) const {
    double ll = 0;
    for (int i = 0; i < t.k(); ++i) {
      std::array<Obs, 2> o = obs[i];
      o[0].off = x(1) + x(0);
      o[1].off = x(1);
      ll += study_laplace2(o.data(), 2, x(2), x(3), modes[i]);
    }
    return ll;
  }
  // starting values for b0 and sigma from the control arms
  void start(double& b0, double& sigma) const {
    double mean = 0, var = 0;
    const int k = t.k();
    for (int i = 0; i < k; ++i) mean += logit_half(t.c[i], t.n2[i]) / k;
    for (int i = 0; i < k; ++i) var += std::pow(logit_half(t.c[i], t.n2[i]) - mean, 2) / std::max(1, k - 1);
    b0 = mean;
    sigma = std::max(std::sqrt(var), 0.25);
  }
};

// UM.RS's saturated model for the heterogeneity tests (rma.glmm: glmer with the random study
// intercepts b0 + sigma w_i and one log OR theta_i per table; Laplace, as every UM.RS fit). The
// theta_i are profiled out table by table, so the outer problem is (b0, sigma). A table whose
// treatment arm has no events (or only events) sends its theta_i to -+infinity, where that arm
// fits exactly: its contribution is the limit (the control arm alone), and it drops out of the
// Wald test (its coefficient's variance is infinite), as the glmer fit tends to.
struct RsSaturated {
  const RsModel& base;
  GHRule laplace = gh_rule(1);
  std::vector<int> free;             // tables with 0 < events_t < total_t
  std::vector<bool> is_free;
  mutable std::vector<double> th, modes;

  explicit RsSaturated(const RsModel& b) : base(b) {
    const int k = base.t.k();
    is_free.assign(k, false);
    th.assign(k, 0.0);
    modes.assign(k, 0.0);
    for (int i = 0; i < k; ++i) {
      const double a = base.t.a[i], n1 = base.t.n1[i], c = base.t.c[i], n2 = base.t.n2[i];
      if (a > 0 && a < n1) {
        is_free[i] = true;
        free.push_back(i);
        th[i] = std::log((a + 0.5) / (n1 - a + 0.5)) - std::log((c + 0.5) / (n2 - c + 0.5));
      }
    }
  }
  double study(int i, double th_i, double b0, double sigma) const {
    std::array<Obs, 2> o = base.obs[i];
    o[0].off = b0 + th_i;
    o[1].off = b0;
    if (!is_free[i]) return study_agq(&o[1], 1, sigma, laplace, modes[i]);
    return study_agq(o.data(), 2, sigma, laplace, modes[i]);
  }
  double profile(int i, double b0, double sigma) const {
    if (!is_free[i]) return study(i, 0.0, b0, sigma);
    double x = th[i];
    const double h = 1e-4;
    double fx = study(i, x, b0, sigma);
    for (int it = 0; it < 100; ++it) {
      const double fp = study(i, x + h, b0, sigma), fm = study(i, x - h, b0, sigma);
      const double d1 = (fp - fm) / (2 * h), d2 = (fp - 2 * fx + fm) / (h * h);
      double step = d2 < 0 ? -d1 / d2 : (d1 > 0 ? 1.0 : -1.0);
      step = std::clamp(step, -5.0, 5.0);
      double t = 1.0, fn = fx;
      for (int bt = 0; bt < 60; ++bt) {
        fn = study(i, x + t * step, b0, sigma);
        if (fn >= fx - 1e-13 * (1 + std::fabs(fx))) break;
        t *= 0.5;
      }
      x += t * step;
      fx = fn;
      if (std::fabs(t * step) < 1e-10) break;
    }
    th[i] = x;
    return fx;
  }
  double loglik(double b0, double sigma) const {
    double ll = 0;
    for (int i = 0; i < base.t.k(); ++i) ll += profile(i, b0, sigma);
    return ll;
  }
  // Not profiled: x = (theta_i of the free tables..., b0, sigma).
  double full(const VectorXd& x) const {
    const int nf = static_cast<int>(free.size());
    const double b0 = x(nf), sigma = x(nf + 1);
    double ll = 0;
    for (int i = 0; i < base.t.k(); ++i) ll += is_free[i] ? 0.0 : study(i, 0.0, b0, sigma);
    for (int j = 0; j < nf; ++j) ll += study(free[j], x(j), b0, sigma);
    return ll;
  }
};

// Fills the heterogeneity statistics of a UM.RS fit: ll_FE from the same model with tau = 0,
// ll_QE and the Wald test from RsSaturated.
void rs_heterogeneity(MethodResult& m, const RsModel& model, const TwoArmCounts& counts, double b0, double sigma) {
  const double vt = typical_variance(escalc_or(counts, true));
  if (model.t.k() <= 1) {
    set_heterogeneity(m, vt, kNaN, kNaN, kNaN);
    return;
  }
  Fn f_fe = [&](const VectorXd& x) { return model.loglik(x); };
  const MlFit fe = fit_ml(f_fe, (VectorXd(4) << m.estimate, b0, std::max(sigma, 0.25), 0.0).finished(), {2, 3},
                          {false, false, false, true});
  const RsSaturated sat(model);
  Fn f_qe = [&](const VectorXd& x) { return sat.loglik(x(0), x(1)); };
  const MlFit qe = fit_ml(f_qe, (VectorXd(2) << b0, std::max(sigma, 0.25)).finished(), {1}, {false, false});
  double wald = kNaN;
  const int nf = static_cast<int>(sat.free.size());
  if (qe.x.allFinite() && std::isfinite(qe.loglik)) {
    if (nf < 2) {
      wald = 0;
    } else {
      sat.loglik(qe.x(0), qe.x(1));  // theta_i at the optimum
      VectorXd x(nf + 2);
      for (int j = 0; j < nf; ++j) x(j) = sat.th[sat.free[j]];
      x(nf) = qe.x(0);
      x(nf + 1) = qe.x(1);
      const bool sigma0 = qe.fixed0.size() > 1 && qe.fixed0[1];
      const int d = sigma0 ? nf + 1 : nf + 2;  // sigma fixed at 0: information of the rest
      Fn ff = [&](const VectorXd& z) {
        VectorXd full = x;
        full.head(d) = z;
        return sat.full(full);
      };
      const VectorXd z = x.head(d);
      VectorXd g;
      MatrixXd H;
      fd_derivatives(ff, z, ff(z), 1e-4, g, H);
      Eigen::LDLT<MatrixXd> ldlt(-H);
      if (ldlt.info() == Eigen::Success && (ldlt.vectorD().array() > 0).all()) {
        const MatrixXd V = ldlt.solve(MatrixXd::Identity(d, d)).topLeftCorner(nf, nf);
        MatrixXd C = MatrixXd::Zero(nf - 1, nf);
        for (int j = 0; j < nf - 1; ++j) {
          C(j, j) = 1;
          C(j, nf - 1) = -1;
        }
        const VectorXd c = C * x.head(nf);
        wald = c.dot((C * V * C.transpose()).ldlt().solve(c));
      } else {
        append_note(m.note, "cannot invert the Hessian of the saturated model: no Wald test");
      }
    }
  } else {
    append_note(m.note, "saturated model for the heterogeneity tests failed");
  }
  set_heterogeneity(m, vt, wald, fe.loglik, qe.loglik);
}

}  // namespace

// ----------------------------------------------------------------------- single arm ------

MethodResult glmm_single_arm(const std::vector<long long>& events, const std::vector<long long>& totals, int nAGQ,
                             double level) {
  MethodResult m = glmm_shell("GLMM_ML", 0);
  try {
    const SingleArmModel model(events, totals, nAGQ);
    const int k = model.k();
    m.k = k;
    if (model.invalid) append_note(m.note, std::to_string(model.invalid) + " stud(ies) with invalid counts omitted");
    if (k == 0) {
      append_note(m.note, "no studies");
      return m;
    }
    if (model.events == 0 || model.non_events == 0) {
      append_note(m.note, model.events == 0 ? "all studies have 0 events: the ML logit rate is -infinity"
                                            : "all studies have only events: the ML logit rate is +infinity");
      return m;
    }
    Fn f = [&](const VectorXd& x) { return model.loglik(x(0), x(1)); };
    double tau0;
    const double mu0 = dl_start(escalc_plo(events, totals), tau0);
    if (k == 1) append_note(m.note, "tau^2 cannot be estimated from k = 1 study; fixed at 0");
    const MlFit fit = fit_ml(f, (VectorXd(2) << mu0, k == 1 ? 0.0 : tau0).finished(), {1}, {false, k == 1});
    if (!fit.x.allFinite() || !std::isfinite(fit.loglik)) {
      append_note(m.note, "GLMM fit failed");
      return m;
    }
    finish(m, fit, 0, fit.x(1), level);
    // heterogeneity: the common-effect model is the binomial with the pooled rate E/N; the
    // saturated model fits every study exactly (log-likelihood 0 on this scale); the Wald test
    // of the saturated glm is Cochran's Q of the uncorrected logits of studies with 0 < x < n
    double ll_fe = 0;
    std::vector<double> y, v;
    const double eta_fe = std::log(static_cast<double>(model.events) / static_cast<double>(model.non_events));
    for (const Obs& o : model.obs) {
      ll_fe += bin_term(o, eta_fe).ll;
      if (o.y > 0 && o.y < o.n) {
        y.push_back(o.eta_hat);
        v.push_back(1 / o.y + 1 / (o.n - o.y));
      }
    }
    set_heterogeneity(m, typical_variance(escalc_plo(events, totals)), cochran_q(y, v), ll_fe, 0.0);
    return m;
  } catch (const std::exception& e) {
    append_note(m.note, std::string("internal error: ") + e.what());
    return m;
  }
}

double glmm_single_arm_loglik(const std::vector<long long>& events, const std::vector<long long>& totals, double mu,
                              double tau, int nAGQ) {
  const SingleArmModel model(events, totals, nAGQ);
  return model.k() ? model.loglik(mu, tau) : kNaN;
}

// -------------------------------------------------------------------------- UM.FS -------

MethodResult glmm_um_fs(const TwoArmCounts& counts, int nAGQ, double level) {
  MethodResult m = glmm_shell("GLMM_UM.FS", 0);
  try {
    const FsModel model(counts, nAGQ);
    const int k = model.t.k();
    m.k = k;
    const std::string problem = model.t.problems(m.note);
    if (!problem.empty()) {
      append_note(m.note, problem);
      return m;
    }
    Fn f = [&](const VectorXd& x) { return model.loglik(x(0), x(1)); };
    double tau0;
    const double th0 = dl_start(escalc_or(counts, true), tau0);
    if (k == 1) append_note(m.note, "tau^2 cannot be estimated from k = 1 table; fixed at 0");
    const MlFit fit = fit_ml(f, (VectorXd(2) << th0, k == 1 ? 0.0 : tau0).finished(), {1}, {false, k == 1});
    if (!fit.x.allFinite() || !std::isfinite(fit.loglik)) {
      append_note(m.note, "GLMM fit failed");
      return m;
    }
    // the information of the profile likelihood is the (theta, tau) block of the full one
    finish(m, fit, 0, fit.x(1), level);
    // heterogeneity: common-effect model = this model at tau = 0 (glm with study intercepts);
    // the saturated model fits every table exactly (0); Wald = Cochran's Q of the uncorrected
    // log ORs of tables without a zero cell (the others' coefficients diverge in the glm)
    double ll_fe = kNaN;
    if (k > 1) {
      Fn f0 = [&](const VectorXd& x) { return model.loglik(x(0), 0.0); };
      const OptResult fe = maximize(f0, (VectorXd(1) << m.estimate).finished());
      ll_fe = fe.f;
    }
    std::vector<double> y, v;
    for (int i = 0; i < k; ++i) {
      const double a = model.t.a[i], b = model.t.n1[i] - a, c = model.t.c[i], d = model.t.n2[i] - c;
      if (a > 0 && b > 0 && c > 0 && d > 0) {
        y.push_back(std::log(a * d / (b * c)));
        v.push_back(1 / a + 1 / b + 1 / c + 1 / d);
      }
    }
    set_heterogeneity(m, typical_variance(escalc_or(counts, true)), cochran_q(y, v), ll_fe, 0.0);
    return m;
  } catch (const std::exception& e) {
    append_note(m.note, std::string("internal error: ") + e.what());
    return m;
  }
}

double glmm_um_fs_profile_loglik(const TwoArmCounts& counts, double theta, double tau, int nAGQ) {
  const FsModel model(counts, nAGQ);
  std::string note;
  if (!model.t.problems(note).empty()) return kNaN;
  return model.loglik(theta, tau);
}

// -------------------------------------------------------------------------- UM.RS -------

MethodResult glmm_um_rs(const TwoArmCounts& counts, double level) {
  MethodResult m = glmm_shell("GLMM_UM.RS", 0);
  try {
    const RsModel model(counts);
    const int k = model.t.k();
    m.k = k;
    const std::string problem = model.t.problems(m.note);
    if (!problem.empty()) {
      append_note(m.note, problem);
      return m;
    }
    Fn f = [&](const VectorXd& x) { return model.loglik(x); };
    double tau0, b0, sigma0;
    const double th0 = dl_start(escalc_or(counts, true), tau0);
    model.start(b0, sigma0);
    if (k == 1) append_note(m.note, "variance components cannot be estimated from k = 1 table; fixed at 0");
    const MlFit fit = fit_ml(f, (VectorXd(4) << th0, b0, k == 1 ? 0.0 : sigma0, k == 1 ? 0.0 : tau0).finished(),
                             {2, 3}, {false, false, k == 1, k == 1});
    if (!fit.x.allFinite() || !std::isfinite(fit.loglik)) {
      append_note(m.note, "GLMM fit failed");
      return m;
    }
    finish(m, fit, 0, fit.x(3), level);
    m.sigma2 = fit.x(2) * fit.x(2);
    rs_heterogeneity(m, model, counts, fit.x(1), fit.x(2));
    return m;
  } catch (const std::exception& e) {
    append_note(m.note, std::string("internal error: ") + e.what());
    return m;
  }
}

double glmm_um_rs_profile_loglik(const TwoArmCounts& counts, double theta, double tau) {
  const RsModel model(counts);
  std::string note;
  if (!model.t.problems(note).empty()) return kNaN;
  double b0, sigma0;
  model.start(b0, sigma0);
  Fn f = [&](const VectorXd& z) {
    VectorXd x(4);
    x << theta, z(0), z(1), tau;
    return model.loglik(x);
  };
  const MlFit fit = fit_ml(f, (VectorXd(2) << b0, sigma0).finished(), {1}, {false, false});
  return fit.loglik;
}

}  // namespace hbm::freq
