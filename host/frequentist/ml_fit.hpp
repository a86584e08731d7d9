// Maximum-likelihood fits of the GLMMs, with the estimates and standard errors lme4 reports (not
// part of the public API). The standard error of the pooled effect is that of lme4's default
// vcov(): the inverse of the observed information of all parameters (variance parameters on
// lme4's theta = sd scale and fixed effects jointly), i.e. not conditional on the estimated tau.
// The objective is even in every random-effect sd (u -> -u), so sds are optimised unconstrained
// and reported as absolute values; an sd that ends at 0 is fixed there exactly (the boundary
// estimate lme4 reports), and the information is then that of the remaining parameters.
#pragma once
#include <vector>

#include <Eigen/Dense>

#include "host/frequentist/maximize.hpp"
#include "host/frequentist/result_helpers.hpp"

namespace hbm::freq::detail {

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

// Fits f from x0; sd_idx are the sd coordinates, fixed0 those fixed at 0 from the start.
MlFit fit_ml(const Fn& f, const VectorXd& x0, const std::vector<int>& sd_idx, std::vector<bool> fixed0);

}  // namespace hbm::freq::detail
