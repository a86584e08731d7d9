// The Q-profile confidence interval for tau^2 of a normal-normal model problem (not part of the
// public API; tau2_ci_qprofile in frequentist.hpp is the public entry).
#pragma once
#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/rma_problem.hpp"

namespace hbm::freq::detail {

// The interval at confidence `level`; tau2_hat sets the search interval, vt is the typical
// within-study variance that maps the bounds to I^2 and H^2.
Tau2Interval qprofile(const Problem& pr, double tau2_hat, double level, double vt);

}  // namespace hbm::freq::detail
