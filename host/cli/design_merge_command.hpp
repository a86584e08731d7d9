// `hbmeta merge-design DIR1 DIR2 ... --out DIR`: the shard folders of one `hbmeta design
// --method hierarchical|both --shard I/N` command combined into the outputs of one complete run
// (DIR/design.json and DIR/design.html, as that run writes them; host/cli/design_shard.hpp).
#pragma once

namespace hbm {

int run_merge_design(int argc, char** argv);

}  // namespace hbm
