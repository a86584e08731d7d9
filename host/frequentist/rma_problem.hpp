// The data of one normal-normal model fit (rma.uni): the studies kept, their design matrix, and
// the Q statistic and log-likelihood as functions of tau^2 (not part of the public API).
#pragma once
#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Dense>

#include "host/frequentist/frequentist.hpp"

namespace hbm::freq::detail {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// metafor control default for rma.uni: the tolerance of its uniroot() searches.
inline const double kUnirootTol = std::pow(std::numeric_limits<double>::epsilon(), 0.25);

struct Problem {
  VectorXd y, v;  // finite y, positive finite v
  VectorXd ymc;   // y - mean(y) (metafor centres y for the tau^2 computations)
  MatrixXd X;
  int k = 0, p = 0;
};

// Builds the problem from (yi, vi, X), dropping studies with non-finite yi or non-positive /
// non-finite vi (metafor drops NA pairs; it rejects vi <= 0 for most estimators).
Problem make_problem(const EffectData& data, const MatrixXd& X, std::string& note, bool& x_ok);

// .QE.func: Q statistic with weights 1/(v + tau2).
double q_at(const Problem& pr, double tau2);

// Log-likelihood of the model at tau2 (REML when reml, else ML), of the centred y as metafor.
double log_likelihood(const Problem& pr, double tau2, bool reml);

}  // namespace hbm::freq::detail
