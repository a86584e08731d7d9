// Priors for the location (mu) and scale (tau) hyperparameters, value and derivative together.
// Densities are up to an additive constant unless stated; prior_log_normaliser() gives the
// constant for plots and reports.
//
// tau lives on an unconstrained scale s for HMC: tau = exp(s) for priors on (0, inf), and
// tau = u * inv_logit(s) for uniform(0, u), so that the sampler never meets a hard boundary.
// tau_transform() returns tau, d tau / d s, and the log Jacobian with its derivative.
#pragma once
#include <cmath>

#include "models/hd.hpp"
#include "models/logistic.hpp"

namespace hbm {

enum class PriorKind : int {
  Normal = 0,      // normal(a = mean, b = sd)               (location parameters)
  HalfNormal = 1,  // half-normal(b = scale)                 (tau)
  HalfCauchy = 2,  // half-cauchy(b = scale)
  HalfT = 3,       // half-t(a = nu, b = scale)
  Uniform = 4,     // uniform(0, b)
  LogNormal = 5,   // log-normal(a = meanlog, b = sdlog)
};

struct Prior {
  PriorKind kind = PriorKind::Normal;
  double a = 0.0;
  double b = 1.0;
};

// A model's prior: the one at `batch` when the batched engine's view built the model (the batch's
// per-outcome array, read at each use; models/batch_views.hpp), else the model's own copy. In
// device code only the first can happen (kernels get their models from the views), and the
// choice is left out: choosing between the two addresses would make the compiler keep the whole
// model in local memory (several hundred bytes of stack per thread, measured with ptxas -v).
HBM_HD Prior prior_at(const Prior* batch, const Prior& own) {
#ifdef __CUDA_ARCH__
  (void)own;
  return *batch;
#else
  return batch ? *batch : own;
#endif
}

// log p(x) up to a constant, and d log p / dx. x must be > 0 for the scale priors.
HBM_HD double prior_lpdf_grad(const Prior& p, double x, double* dx) {
  switch (p.kind) {
    case PriorKind::Normal: {
      const double z = (x - p.a) / p.b;
      *dx = -z / p.b;
      return -0.5 * z * z;
    }
    case PriorKind::HalfNormal: {
      const double z = x / p.b;
      *dx = -z / p.b;
      return -0.5 * z * z;
    }
    case PriorKind::HalfCauchy: {
      const double b2 = p.b * p.b;
      *dx = -2.0 * x / (b2 + x * x);
      return -std::log1p(x * x / b2);
    }
    case PriorKind::HalfT: {
      const double nu = p.a, b2 = p.b * p.b;
      *dx = -(nu + 1.0) * x / (nu * b2 + x * x);
      return -0.5 * (nu + 1.0) * std::log1p(x * x / (nu * b2));
    }
    case PriorKind::Uniform: {
      *dx = 0.0;
      return 0.0;
    }
    case PriorKind::LogNormal: {
      const double lx = std::log(x);
      const double z = (lx - p.a) / p.b;
      *dx = -1.0 / x - z / (p.b * x);
      return -lx - 0.5 * z * z;
    }
  }
  *dx = 0.0;
  return 0.0;
}

// The constant that prior_lpdf_grad leaves out, so that lpdf + normaliser integrates to 1.
inline double prior_log_normaliser(const Prior& p) {
  const double log_sqrt_2pi = 0.91893853320467274178;
  const double pi = 3.14159265358979323846;
  switch (p.kind) {
    case PriorKind::Normal: return -log_sqrt_2pi - std::log(p.b);
    case PriorKind::HalfNormal: return std::log(2.0) - log_sqrt_2pi - std::log(p.b);
    case PriorKind::HalfCauchy: return std::log(2.0 / (pi * p.b));
    case PriorKind::HalfT: {
      const double nu = p.a;
      return std::log(2.0) + std::lgamma(0.5 * (nu + 1.0)) - std::lgamma(0.5 * nu) -
             0.5 * std::log(nu * pi) - std::log(p.b);
    }
    case PriorKind::Uniform: return -std::log(p.b);
    case PriorKind::LogNormal: return -log_sqrt_2pi - std::log(p.b);
  }
  return 0.0;
}

// Standard deviation of a scale prior (infinite for half-Cauchy and half-t with nu <= 2): how
// much the data must narrow tau before they, not the prior, decide it.
inline double prior_sd(const Prior& p) {
  const double pi = 3.14159265358979323846;
  switch (p.kind) {
    case PriorKind::Normal: return p.b;
    case PriorKind::HalfNormal: return p.b * std::sqrt(1.0 - 2.0 / pi);
    case PriorKind::HalfCauchy: return INFINITY;
    case PriorKind::HalfT: {
      const double nu = p.a;
      if (nu <= 2.0) return INFINITY;
      // E[t^2] = s^2 nu / (nu - 2); E[t] = 2 s sqrt(nu / pi) Gamma((nu+1)/2) / (Gamma(nu/2) (nu - 1)).
      const double m1 = 2.0 * p.b * std::sqrt(nu / pi) *
                        std::exp(std::lgamma(0.5 * (nu + 1.0)) - std::lgamma(0.5 * nu)) / (nu - 1.0);
      return std::sqrt(p.b * p.b * nu / (nu - 2.0) - m1 * m1);
    }
    case PriorKind::Uniform: return p.b / std::sqrt(12.0);
    case PriorKind::LogNormal: {
      const double v = p.b * p.b;
      return std::sqrt((std::exp(v) - 1.0) * std::exp(2.0 * p.a + v));
    }
  }
  return INFINITY;
}

struct TauTransform {
  double tau;       // constrained value
  double dtau_ds;   // d tau / d s
  double log_jac;   // log |d tau / d s|
  double dlogjac_ds;
};

HBM_HD TauTransform tau_transform(const Prior& p, double s) {
  TauTransform t;
  if (p.kind == PriorKind::Uniform) {
    const double sig = inv_logit(s), sig_neg = inv_logit(-s);
    t.tau = p.b * sig;
    t.dtau_ds = p.b * sig * sig_neg;
    t.log_jac = std::log(p.b) + log_inv_logit(s) + log_inv_logit(-s);
    t.dlogjac_ds = sig_neg - sig;
  } else {
    t.tau = std::exp(s);
    t.dtau_ds = t.tau;
    t.log_jac = s;
    t.dlogjac_ds = 1.0;
  }
  return t;
}

// Inverse of tau_transform, for initial values.
HBM_HD double tau_to_unconstrained(const Prior& p, double tau) {
  if (p.kind == PriorKind::Uniform) {
    double f = tau / p.b;
    f = f < 1e-6 ? 1e-6 : (f > 1 - 1e-6 ? 1 - 1e-6 : f);
    return logit(f);
  }
  return std::log(tau);
}

}  // namespace hbm
