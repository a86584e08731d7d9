// The tau^2 estimators of rma.uni (FE, DL, REML, ML, PM, SJ, HS, EB) with their standard errors
// (not part of the public API).
#pragma once
#include <string>

#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/rma_problem.hpp"

namespace hbm::freq::detail {

struct Tau2Estimate {
  double tau2 = 0, se_tau2 = kNaN;
  bool converged = true;
  std::string note;
};

// metafor rma.uni's heterogeneity estimation, estimator by estimator (tau2.min = 0).
Tau2Estimate estimate_tau2(const Problem& pr, Tau2Method method);

}  // namespace hbm::freq::detail
