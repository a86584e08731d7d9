// hbmeta's entry point (host/cli/cli.hpp): the command named by argv[1] is run, and its errors
// become the exit status and one line on stderr.
#include "host/cli/cli.hpp"

#include <csignal>
#include <exception>
#include <iostream>
#include <string>

#include "host/cli/batch_command.hpp"
#include "host/cli/bench_command.hpp"
#include "host/cli/design_command.hpp"
#include "host/cli/design_merge_command.hpp"
#include "host/cli/diagnose_command.hpp"
#include "host/cli/fit_command.hpp"
#include "host/cli/merge_command.hpp"
#include "host/cli/option_values.hpp"
#include "host/cli/report_command.hpp"
#include "host/cli/simulate_command.hpp"
#include "host/cli/usage.hpp"
#include "host/support/input_error.hpp"
#include "host/support/interrupt.hpp"

namespace hbm {

int cli_main(int argc, char** argv) {
  try {
    if (argc < 2) {
      std::cerr << cli::kUsage;
      return 2;
    }
    const std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::cout << cli::kUsage;
      return 0;
    }
    if (cmd == "--version") {
      std::cout << "hbmeta " << HBMETA_VERSION << "\n";
      return 0;
    }
    if (cmd == "fit") return run_fit(argc - 1, argv + 1);
    if (cmd == "diagnose") return run_diagnose(argc - 1, argv + 1);
    if (cmd == "report") return run_report(argc - 1, argv + 1);
    if (cmd == "bench-gradient") return run_bench_gradient(argc - 1, argv + 1);
    if (cmd == "batch") return run_batch(argc - 1, argv + 1);
    if (cmd == "simulate") return run_simulate(argc - 1, argv + 1);
    if (cmd == "merge-simulations") return run_merge_simulations(argc - 1, argv + 1);
    if (cmd == "design") return run_design(argc - 1, argv + 1);
    if (cmd == "merge-design") return run_merge_design(argc - 1, argv + 1);
    std::cerr << "hbmeta: unknown command " << cli::quoted(cmd)
              << "; expected fit, diagnose or report (or batch, simulate, merge-simulations, design, merge-design), e.g. hbmeta fit DATA.csv (hbmeta --help shows the usage)\n";
    return 2;
  } catch (const InputError& e) {
    std::cerr << "hbmeta: " << e.what() << "\n";
    return 2;
  } catch (const Interrupted& e) {
    std::cerr << "hbmeta: interrupted by " << (e.signal == SIGTERM ? "SIGTERM" : "SIGINT")
              << "; stopped without writing: an existing output folder is left as it was\n";
    return 128 + e.signal;
  } catch (const std::exception& e) {
    std::cerr << "hbmeta: internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace hbm
