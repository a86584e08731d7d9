// The hbmeta command line: `hbmeta COMMAND [arguments]` (fit, diagnose, report, batch, simulate,
// merge-simulations, bench-gradient). Returns the process exit status: 0 success, 2 bad input
// or options (message on stderr, nothing written), 1 internal error.
#pragma once

namespace hbm {

int cli_main(int argc, char** argv);

}  // namespace hbm
