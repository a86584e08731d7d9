// `hbmeta fit DATA.csv [options]`: every outcome of a CSV fitted (all outcomes' chains in the
// same engine launches), its summaries printed, and the output folder written
// (summary.json, summary.csv, draws/, optionally report.html and NetCDF); `--replay` re-runs
// a recorded fit.
#pragma once

namespace hbm {

// argv[0] is "fit", the rest its arguments. Returns 0 (also for --help); throws
// hbm::InputError for bad arguments or input (the CLI prints it and exits with status 2).
int run_fit(int argc, char** argv);

}  // namespace hbm
