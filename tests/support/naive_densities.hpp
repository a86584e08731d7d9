// Test helper: textbook log densities, every normalising constant included, written directly
// from their definitions (not through models/), for checking the models' log density values.
#pragma once
#include <cmath>

#include "models/priors.hpp"

namespace hbm::test {

inline double naive_log_binom(double y, double n, double t) {
  const double p = 1.0 / (1.0 + std::exp(-t));
  return std::lgamma(n + 1) - std::lgamma(y + 1) - std::lgamma(n - y + 1) + y * std::log(p) +
         (n - y) * std::log(1.0 - p);
}

inline double naive_log_normal(double v, double mean, double sd) {
  const double pi = 3.14159265358979323846;
  const double z = (v - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2 * pi);
}

// A study effect e ~ N(m, s^2) in the models' non-centred coordinate v, written from its
// definition (models/random_effect.hpp): the study's data give a Gaussian approximation
// y_hat ~ N(e, 1/lambda) of its likelihood (empirical logit or log odds ratio, 1/2 added to each
// cell); e = mean + sd v with sd^2 = 1 / (lambda + 1/s^2) and mean = sd^2 (lambda y_hat + m/s^2),
// the conditional posterior under that approximation. The density of v is the normal density of
// e times |de/dv| = sd.
struct NaiveEffect {
  double e, log_density;
};
inline NaiveEffect naive_scaled_effect(double v, double m, double s, double y_hat, double lambda) {
  const double var = 1.0 / (lambda + 1.0 / (s * s));
  const double e = var * (lambda * y_hat + m / (s * s)) + std::sqrt(var) * v;
  return {e, naive_log_normal(e, m, s) + 0.5 * std::log(var)};
}
inline double naive_empirical_logit(double y, double n) { return std::log((y + 0.5) / (n - y + 0.5)); }
inline double naive_empirical_logit_lambda(double y, double n) { return 1.0 / (1.0 / (y + 0.5) + 1.0 / (n - y + 0.5)); }
inline double naive_empirical_log_or(double yt, double nt, double yc, double nc) {
  return naive_empirical_logit(yt, nt) - naive_empirical_logit(yc, nc);
}
inline double naive_empirical_log_or_lambda(double yt, double nt, double yc, double nc) {
  return 1.0 / (1.0 / (yt + 0.5) + 1.0 / (nt - yt + 0.5) + 1.0 / (yc + 0.5) + 1.0 / (nc - yc + 0.5));
}

// Normalised densities of the scale priors.
inline double naive_log_scale_prior(const Prior& p, double v) {
  const double pi = 3.14159265358979323846;
  switch (p.kind) {
    case PriorKind::HalfNormal: return std::log(2.0) + naive_log_normal(v, 0.0, p.b);
    case PriorKind::HalfCauchy: return std::log(2.0 / (pi * p.b * (1 + (v / p.b) * (v / p.b))));
    case PriorKind::HalfT: {
      const double nu = p.a, t = v / p.b;
      return std::log(2.0) + std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(nu * pi) -
             std::log(p.b) - (nu + 1) / 2 * std::log(1 + t * t / nu);
    }
    case PriorKind::Uniform: return v > 0 && v < p.b ? -std::log(p.b) : -INFINITY;
    case PriorKind::LogNormal: return -std::log(v) + naive_log_normal(std::log(v), p.a, p.b);
    case PriorKind::Normal: break;
  }
  return NAN;
}

// A scale parameter and log |d scale / d s| at its unconstrained value s.
inline void naive_scale(const Prior& p, double s, double* v, double* log_jac) {
  if (p.kind == PriorKind::Uniform) {
    const double sig = 1.0 / (1.0 + std::exp(-s));
    *v = p.b * sig;
    *log_jac = std::log(p.b * sig * (1.0 - sig));
  } else {
    *v = std::exp(s);
    *log_jac = s;
  }
}

}  // namespace hbm::test
