// `hbmeta batch DATA.csv`: many datasets in one file (a `dataset` column), every (dataset,
// outcome) fitted in the same launches of the batched engine (CPU threads or CUDA), and one
// tidy summary for all of them (DIR/batch_summary.csv and DIR/batch_summary.nc), not one
// folder per dataset. The machinery (fit_datasets) is shared with `hbmeta simulate`.
//
// Each (dataset, outcome) is fitted as an outcome named "DATASET/OUTCOME": its RNG stream is
// outcome_stream("DATASET/OUTCOME") (a stable FNV-1a hash), so its result depends only on its
// data, the seed and that name, never on which other datasets are in the file or share a launch.
#pragma once

namespace hbm {

int run_batch(int argc, char** argv);

}  // namespace hbm
