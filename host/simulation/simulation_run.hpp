// Running a shard of a simulation study: each replicate's data simulated from its scenario and
// fitted by every method of the scenario (the Bayesian priors through the batched engine, the
// classical estimators beside them), one RepRecord per (replicate, method).
#pragma once
#include <cstddef>
#include <vector>

#include "host/simulation/simulation_metrics.hpp"
#include "host/simulation/simulation_scenario.hpp"
#include "host/simulation/simulation_settings.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm {

// Simulates and fits the replicates of every scenario that the shard of `st` takes: one batched
// engine run per (scenario, prior), all its replicates in the same launches (at most
// `per_launch` per launch, 0: as many as fit). Records per scenario, by method, then by rep;
// `verbose` prints each scenario's time on stderr.
std::vector<RepRecord> run_replicates(const std::vector<Scenario>& scenarios, const SimSettings& st, ThreadPool& pool,
                                      std::size_t per_launch, bool verbose);

}  // namespace hbm
