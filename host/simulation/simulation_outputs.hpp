// The output folder of a simulation study: the complete set of replicates (a single run, rank 0
// of an MPI run, or merge-simulations) or one shard's (hbmeta simulate --shard I/N). Both are
// written atomically: a failed or interrupted run leaves nothing behind.
#pragma once
#include <string>
#include <vector>

#include "host/simulation/simulation_metrics.hpp"
#include "host/simulation/simulation_scenario.hpp"
#include "host/simulation/simulation_settings.hpp"

namespace hbm {

// DIR/simulation_summary.csv, replicates.csv, simulation_config.json, simulation_report.html
// and, with `write_data`, simulated_data.csv; unless `quiet`, each scenario's table and the
// list of files on stdout.
void write_full_outputs(const std::string& dir, bool force, bool quiet, bool write_data,
                        const std::vector<Scenario>& scenarios, const SimSettings& st, std::vector<RepRecord> records);

// The shard of `st`: DIR/replicates.csv, simulation_config.json and, with `write_data`, the
// shard's simulated_data.csv; unless `quiet`, a line on stdout saying how to merge the shards.
void write_shard_outputs(const std::string& dir, bool force, bool quiet, bool write_data,
                         const std::vector<Scenario>& scenarios, const SimSettings& st, std::vector<RepRecord> records);

}  // namespace hbm
