// `hbmeta merge-simulations DIR1 DIR2 ... --out DIR`: the shard folders of one `hbmeta simulate
// --shard I/N` command combined into the outputs of one complete run (docs/simulation.md).
#pragma once

namespace hbm {

int run_merge_simulations(int argc, char** argv);

}  // namespace hbm
