// merge-simulations: the shard folders of one `hbmeta simulate --shard I/N` command (each with
// simulation_config.json and replicates.csv) checked to be one complete run and combined.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "host/simulation/simulation_metrics.hpp"
#include "host/simulation/simulation_scenario.hpp"
#include "host/simulation/simulation_settings.hpp"

namespace hbm {

// Reads a shard's "I/N" into *i and *n, throwing InputError when it is not I/N with
// 0 <= I < N: the --shard option's reader (host/cli), so that a shard folder's shard is read,
// and its errors worded, as the option is.
using ShardParser = std::function<void(const std::string& text, int* i, int* n)>;

// Every replicate of the run: its settings (from the first folder's configuration; the command
// left empty), its scenarios (re-read from the recorded scenario text) and the records of all
// shards, unsorted.
struct MergedRun {
  SimSettings settings;
  std::vector<Scenario> scenarios;
  std::vector<RepRecord> records;
};

// Throws InputError "DIR/simulation_config.json:1: ..." for a folder that is not a shard, of
// other settings or another split than the first, or given twice, and "merge-simulations: ..."
// for a missing shard or a replicate missing or in two shards.
MergedRun merge_shards(const std::vector<std::string>& dirs, const ShardParser& parse_shard);

}  // namespace hbm
