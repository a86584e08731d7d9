// What an `hbmeta simulate` run was asked (scenario file, seed, replicates, shard, sampler
// settings and default priors), as recorded in DIR/simulation_config.json so that shards can be
// checked and merged (merge-simulations re-reads the scenarios from scenario_text).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "host/fit/fit_options.hpp"

namespace hbm {

class Json;

struct SimSettings {
  std::string scenario_file, scenario_text, command;
  std::uint64_t seed = 0;
  long reps = 0;
  int shard_i = 0, shard_n = 1;
  FitOptions fo;  // sampler settings and default priors
  std::string device = "cpu";
  int threads = 1;
  // Everything that changes the numbers (not the shard, device, threads or command).
  std::string fingerprint() const;
  // DIR/simulation_config.json; `shard` records "I/N", otherwise "all" (a complete run).
  std::string config_json(bool shard) const;
};

// The settings of a simulation_config.json read back (all but the shard and the command).
// Lookups of missing or mistyped members throw the JSON reader's std::runtime_error; a bad prior
// text throws InputError.
SimSettings settings_from_config(const Json& cfg);

// The replicates of every scenario that shard I of N takes: r % N == I.
std::vector<long> shard_reps(long reps, int i, int n);

}  // namespace hbm
