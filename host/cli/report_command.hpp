// `hbmeta report DIR [--threshold T]`: the HTML report (DIR/report.html, DIR/figures/*.svg) of
// an existing `hbmeta fit` output folder.
#pragma once

namespace hbm {

// argv[0] is "report", the rest its arguments. Returns 0 (also for --help); throws
// hbm::InputError for bad arguments or input (the CLI prints it and exits with status 2).
int run_report(int argc, char** argv);

}  // namespace hbm
