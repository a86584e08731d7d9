// The hbmeta command line: `hbmeta fit DATA.csv [options]`. Returns the process exit status:
// 0 success, 2 bad input or options (message on stderr, nothing written), 1 internal error.
#pragma once

namespace hbm {

int cli_main(int argc, char** argv);

}  // namespace hbm
