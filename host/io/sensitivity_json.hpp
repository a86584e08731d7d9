// summary.json's per-outcome "sensitivity" block (README, "summary.json"): the posterior
// predictive checks (always) and the sensitivity, subgroup and small-study analyses asked for.
#pragma once
#include <string>

#include "host/fit/outcome_result.hpp"
#include "host/io/json_writer.hpp"

namespace hbm {

// The statistics object of one parameter (mean, sd, quantiles, rhat, ess, mcse).
void write_param_summary(JsonWriter& j, const std::string& key, const ParamSummary& s);

void write_sensitivity(JsonWriter& j, const OutcomeResult& r);

}  // namespace hbm
