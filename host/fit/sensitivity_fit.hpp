// The sensitivity, subgroup and small-study analyses of `hbmeta fit` (opt.sensitivity): every
// Bayesian variant of every outcome (a study left out, the first k studies, another prior, one
// subgroup) is a unit of its own, with its own data subset and priors, and all of them are
// fitted together by the batched engine (fit_datasets: the same launches, CPU threads or GPU);
// beside each, its classical counterpart from host/frequentist/sensitivity.hpp (metafor, REML).
#pragma once
#include <cstddef>
#include <vector>

#include "host/fit/fit_options.hpp"
#include "host/fit/outcome_data.hpp"
#include "host/fit/outcome_result.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm {

// The Bayesian variants of an outcome, as units fit_datasets can fit: the data subset (the
// model without covariates), own priors where they differ, and a name (its RNG stream) that
// says what it is: "OUTCOME#leave-one-out#3", "OUTCOME#cumulative#5", "OUTCOME#prior#2",
// "OUTCOME#subgroup#LEVEL".
struct SensitivityUnit {
  enum class Kind { LeaveOneOut, Cumulative, Prior, Subgroup } kind = Kind::LeaveOneOut;
  int index = 0;  // the study left out (input index), the step, the prior row, the level
  OutcomeData data;
};
std::vector<SensitivityUnit> sensitivity_units(const OutcomeData& outcome, const FitOptions& opt);

// Fills results[k].sensitivity for every outcome (results in the order of outcomes, fitted
// with opt), fitting all variants of all outcomes in the same launches.
void add_sensitivity(const std::vector<OutcomeData>& outcomes, std::vector<OutcomeResult>& results,
                     const FitOptions& opt, ThreadPool& pool);

// The order of the studies by the --cumulative column: ascending, numerically when every value
// is a number, else by text; ties in input order. Input indices.
std::vector<int> cumulative_order(const OutcomeData& outcome, const std::string& column);

}  // namespace hbm
