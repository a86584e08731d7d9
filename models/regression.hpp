// Meta-regression helpers shared by the models with study-level covariates (host and device).
//
// Covariates are a row-major K x P array of doubles: x[i * P + j] is covariate j of study i.
// P may be 0 (then x may be null and every helper is a no-op returning 0). The coefficients
// beta[0..P) sit contiguously in the model's unconstrained vector, each with its own prior
// (a Normal(m_j, s_j) in practice; any location prior of priors.hpp is accepted).
#pragma once

#include "models/hd.hpp"
#include "models/priors.hpp"
#include "models/strided.hpp"

namespace hbm {

// x_i' beta for study i.
HBM_HD double covariate_dot(const double* x, int P, int i, CVec beta) {
  const double* xi = x + static_cast<long long>(i) * P;
  double s = 0.0;
  for (int j = 0; j < P; ++j) s += xi[j] * beta[j];
  return s;
}

// grad_beta[j] += w * x_ij: the chain rule through x_i' beta, for w = d log p / d (x_i' beta).
HBM_HD void covariate_add_scaled(const double* x, int P, int i, double w, Vec grad_beta) {
  const double* xi = x + static_cast<long long>(i) * P;
  for (int j = 0; j < P; ++j) grad_beta[j] += w * xi[j];
}

// sum_j log prior_j(beta_j) up to a constant; writes d / d beta_j into grad_beta[j] (overwrites).
// With kValue false only the gradient is computed (the value returned is 0): the leapfrog steps
// need nothing else.
template <bool kValue>
HBM_HD double coefficient_priors_lpdf_grad(const Prior* priors, int P, CVec beta, Vec grad_beta) {
  double lp = 0.0;
  for (int j = 0; j < P; ++j) {
    double d;
    const double v = prior_lpdf_grad(priors[j], beta[j], &d);
    if (kValue) lp += v;
    grad_beta[j] = d;
  }
  return lp;
}

}  // namespace hbm
