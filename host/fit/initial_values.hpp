// Data-based starting points for the samplers: a quick classical fit of the study effects
// (empirical logits or log odds ratios with 1/2 added to every cell) that puts the chains near
// the posterior and sizes the first metric window. Nothing here affects what the sampler
// converges to, only how fast it gets there.
#pragma once
#include <vector>

#include "models/priors.hpp"

namespace hbm {

// Empirical effect of one study on the model scale and its sampling variance.
struct EmpiricalEffect {
  double y, v;
};

// Empirical logit of y events out of n, with 1/2 added to both cells.
EmpiricalEffect empirical_logit(double y, double n);
// Empirical log odds ratio (treatment vs control), with 1/2 added to all four cells.
EmpiricalEffect empirical_log_or(double yt, double nt, double yc, double nc);

// DerSimonian-Laird tau (intercept only; clamped to [0.1, 2] and inside a uniform prior's
// support), then weighted least squares of the effects on [1, x] with weights 1/(v + tau^2).
struct InitialFit {
  double tau = 1;
  std::vector<double> b;    // b[0] = mu, b[1 + j] = beta_j
  std::vector<double> var;  // diagonal of (X' W X)^-1: a first guess at each one's posterior variance
};
InitialFit initial_fit(const std::vector<EmpiricalEffect>& e, const double* x, int P, const Prior& prior_tau);

}  // namespace hbm
