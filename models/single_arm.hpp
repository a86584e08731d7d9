// Single-arm logit-normal random-effects model (one outcome, K studies):
//
//   y_i ~ Binomial(n_i, inv_logit(theta_i)),  theta_i ~ Normal(mu, tau^2),
//   mu ~ prior_mu,  tau ~ prior_tau.
//
// Unconstrained parameter vector q (dimension K + 2):
//   q[0] = mu, q[1] = s (tau = tau_transform(s)), q[2 + i] = u_i,
// where each study is either non-centred, theta_i = mu + tau * u_i with u_i ~ N(0, 1), or
// centred, theta_i = u_i ~ N(mu, tau^2). Non-centred suits small studies (the data say little
// and the funnel in (z, tau) is mild); centred suits large studies (n in the tens of
// thousands), whose likelihood pins theta_i so tightly that the non-centred coordinates would
// be strongly correlated with mu and tau. The choice is made per study by the sampler (see
// host/parametrisation.cpp) and passed in `centred`.
#pragma once
#include <cmath>
#include <cstdint>

#include "models/binomial_logit.hpp"
#include "models/hd.hpp"
#include "models/priors.hpp"

namespace hbm {

struct SingleArmModel {
  int K = 0;
  const double* y = nullptr;              // events, as double (exact up to 2^53)
  const double* n = nullptr;              // totals
  const std::uint8_t* centred = nullptr;  // 1 = centred, 0 = non-centred, per study
  Prior prior_mu;
  Prior prior_tau;

  HBM_HD int dim() const { return K + 2; }

  // Study i's theta at q.
  HBM_HD double theta(const double* q, int i, double tau) const {
    return centred[i] ? q[2 + i] : q[0] + tau * q[2 + i];
  }

  // Log posterior density (up to a constant) at q; writes the gradient into grad[0..K+2).
  // Returns -inf (and a zero gradient) where q is not finite.
  HBM_HD double log_density_grad(const double* q, double* grad) const { return eval<true>(q, grad); }

  // The gradient alone (the leapfrog steps need nothing else): skips every log term. Returns
  // false where the gradient is not finite.
  HBM_HD bool gradient(const double* q, double* grad) const {
    eval<false>(q, grad);
    for (int j = 0; j < K + 2; ++j)
      if (!std::isfinite(grad[j])) return false;
    return true;
  }

 private:
  template <bool kValue>
  HBM_HD double eval(const double* q, double* grad) const {
    const double mu = q[0];
    const TauTransform tt = tau_transform(prior_tau, q[1]);
    const double tau = tt.tau;
    const double inv_tau = 1.0 / tau;
    const double log_tau = kValue ? std::log(tau) : 0.0;
    double dmu = 0.0, dtau = 0.0, lp = 0.0;

    double dprior;
    lp += prior_lpdf_grad(prior_mu, mu, &dprior);
    dmu += dprior;
    lp += prior_lpdf_grad(prior_tau, tau, &dprior);
    dtau += dprior;

    for (int i = 0; i < K; ++i) {
      const double u = q[2 + i];
      if (centred[i]) {
        // theta_i = u ~ N(mu, tau^2)
        const double r = (u - mu) * inv_tau;
        double dtheta;
        if (kValue) {
          lp += -0.5 * r * r - log_tau + binomial_logit_lpmf_grad(y[i], n[i], u, &dtheta);
        } else {
          dtheta = binomial_logit_grad(y[i], n[i], u);
        }
        grad[2 + i] = dtheta - r * inv_tau;
        dmu += r * inv_tau;
        dtau += (r * r - 1.0) * inv_tau;
      } else {
        // u ~ N(0, 1), theta_i = mu + tau u
        const double theta = mu + tau * u;
        double dtheta;
        if (kValue) {
          lp += -0.5 * u * u + binomial_logit_lpmf_grad(y[i], n[i], theta, &dtheta);
        } else {
          dtheta = binomial_logit_grad(y[i], n[i], theta);
        }
        grad[2 + i] = dtheta * tau - u;
        dmu += dtheta;
        dtau += dtheta * u;
      }
    }
    lp += tt.log_jac;
    grad[0] = dmu;
    grad[1] = dtau * tt.dtau_ds + tt.dlogjac_ds;
    if (kValue && !std::isfinite(lp)) {
      for (int j = 0; j < K + 2; ++j) grad[j] = 0.0;
      return -INFINITY;
    }
    return lp;
  }
};

}  // namespace hbm
