// Unconstrained maximisation of a smooth function of a few parameters (the GLMM likelihoods) by
// Newton's method on finite-difference derivatives (not part of the public API).
#pragma once
#include <functional>
#include <limits>

#include <Eigen/Dense>

namespace hbm::freq::detail {

using Eigen::MatrixXd;
using Eigen::VectorXd;

using Fn = std::function<double(const VectorXd&)>;

// Central finite-difference gradient and Hessian (step h per coordinate).
void fd_derivatives(const Fn& f, const VectorXd& x, double fx, double h, VectorXd& g, MatrixXd& H);

struct OptResult {
  VectorXd x;
  double f = -std::numeric_limits<double>::infinity();
  bool converged = false;
};

// Maximises f by Newton's method on finite-difference derivatives with Levenberg-Marquardt
// damping and step acceptance on f.
OptResult maximize(const Fn& f, VectorXd x);

}  // namespace hbm::freq::detail
