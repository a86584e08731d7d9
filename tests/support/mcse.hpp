// Test helper: Monte Carlo standard errors of the statistics the sampler tests compare, so
// tolerances follow from the run's own MCSE rather than being picked to pass.
#pragma once
#include <vector>

#include <string>

#include "host/diagnostics.hpp"
#include "host/outcome_result.hpp"

namespace hbm::test {

struct Mcse {
  double mean, sd, q025, q50, q975;
};

// MCSE of the mean (sd / sqrt(ESS of the draws)), of the sd (delta method on the ESS of the
// squared deviations), and of the 2.5/50/97.5% quantiles (posterior's mcse_quantile).
Mcse mcse_of(const std::vector<double>& draws, std::size_t chains);

// The chain-major draws of a named quantity of a fit (empty, with a test failure, if absent).
std::vector<double> draws_of(const OutcomeResult& r, const std::string& name);

}  // namespace hbm::test
