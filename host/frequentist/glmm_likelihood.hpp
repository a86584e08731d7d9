// The binomial GLMM likelihood of one study as lme4::glmer (called by metafor::rma.glmm) computes
// it (not part of the public API):
//  * the marginal likelihood of a study with one scalar random effect is approximated by
//    adaptive Gauss-Hermite quadrature exactly as lme4 does it (nodes of GHrule(nAGQ), centred at
//    the conditional mode u0 and scaled by 1/sqrt(1 + theta^2 sum c^2 n p (1-p)) at u0);
//  * with two random effects per study (UM.RS) lme4 can only use the Laplace approximation
//    (nAGQ = 1), so that is what is maximised here as well.
#pragma once
#include <cmath>

#include <Eigen/Dense>

#include "host/frequentist/gauss_hermite.hpp"
#include "models/logistic.hpp"

namespace hbm::freq::detail {

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
  if (o.y <= 0) return {-o.n * hbm::log1p_exp(eta), -o.n * p, d2};
  if (o.y >= o.n) return {-o.n * hbm::log1p_exp(-eta), o.n * q, d2};
  const double d = eta - o.eta_hat;
  const double em = std::expm1(d);
  const double ll = -o.y * std::log1p(o.q_hat * std::expm1(-d)) - (o.n - o.y) * std::log1p(o.p_hat * em);
  const double d1 = -o.n * o.p_hat * o.q_hat * em / (1 + o.p_hat * em);
  return {ll, d1, d2};
}

// log of the integral over one study's random effects (relative to the saturated model):
// scalar random effect with sd s (c1 = coefficient of u), by adaptive Gauss-Hermite quadrature.
// u0 is a warm start for the conditional mode and receives the new mode.
double study_agq(const Obs* o, int J, double s, const GHRule& gh, double& u0);

// Two independent random effects (sds s1, s2), Laplace approximation (lme4's nAGQ = 1).
double study_laplace2(const Obs* o, int J, double s1, double s2, Eigen::Vector2d& u0);

}  // namespace hbm::freq::detail
