// The shards of `hbmeta design --method hierarchical|both`: `--shard I/N` refits only the
// control outcomes y_c with y_c % N == I (as `simulate --shard` takes its replicates) and
// writes DIR/design_shard.json; `hbmeta merge-design` checks that the shards are one complete
// run of one command and rebuilds from them what that one run computes after its refits.
//
// A shard stores what the outputs are computed from besides its refits: every setting, as
// text that reads back to the same value (doubles in 17 significant digits), the MAP draws
// (shortest round-trip numbers) and the fit's warnings; of the refits only y_t*(y_c), the
// hierarchical decision boundary at each of its y_c, which is all the outputs take from them
// (host/design/design_analysis.hpp, set_hierarchical_boundary). Each y_c's refit depends only
// on the data, the seed and y_c (its own RNG stream), so the merged outputs are those of one run.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "host/cli/design_output.hpp"
#include "host/design/design_analysis.hpp"
#include "host/engine/sampler_config.hpp"

namespace hbm {

// The control outcomes of shard i of n: y_c = i, i + n, ... up to n_c.
std::vector<int> shard_control_outcomes(int n_c, int i, int n);

struct DesignShard {
  DesignRun run;  // seconds: the shard's own run time
  design::DesignSettings settings;
  // Every setting the outputs depend on, by name, as text: shards merge only when these agree.
  std::vector<std::pair<std::string, std::string>> agreement;
  std::vector<std::string> args;  // the design command's arguments (from "design"), without --shard
  std::vector<double> map_draws;  // chain-major
  std::size_t chains = 0;
  int shard_i = 0, shard_n = 1;
  std::vector<std::pair<int, int>> boundary;  // (y_c, y_t*(y_c)) of this shard's control outcomes
};

// The agreement list of a run: its description, the engine's settings that change draws, and
// the design's settings.
std::vector<std::pair<std::string, std::string>> design_agreement(const DesignRun& run, const SamplerConfig& sampler,
                                                                  const design::DesignSettings& s);

// DIR/design_shard.json's text.
std::string design_shard_json(const DesignShard& shard);

// One complete run from its shard folders (any order): its description and settings (from the
// first folder; the command rebuilt from its arguments without --shard and with --out OUT_DIR,
// so it reads as the one command that writes OUT_DIR), the MAP draws, the whole hierarchical
// boundary, and the shards' seconds added up. Throws InputError "DIR/design_shard.json:LINE: ..."
// for a folder that is not a design shard, of another hbmeta version, other settings or another
// split than the first, or given twice, and "merge-design: ..." for missing shards.
struct MergedDesign {
  DesignRun run;
  design::DesignSettings settings;
  std::vector<double> map_draws;
  std::size_t chains = 0;
  std::vector<int> boundary;  // y_t*(y_c), y_c = 0..n_c
};
MergedDesign merge_design_shards(const std::vector<std::string>& dirs, const std::string& out_dir);

}  // namespace hbm
