// The stdout section of the sensitivity, subgroup and small-study analyses of one outcome
// (host/fit/sensitivity_result.hpp), and the one-line summary of its posterior predictive checks.
#pragma once
#include <string>

#include "host/fit/outcome_result.hpp"

namespace hbm {

// Empty when the outcome has no sensitivity analyses.
std::string sensitivity_report(const OutcomeResult& r);

}  // namespace hbm
