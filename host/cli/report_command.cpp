// `hbmeta report` (host/cli/report_command.hpp): the report of an output folder, written again.
#include "host/cli/report_command.hpp"

#include <boost/program_options.hpp>
#include <cmath>
#include <iostream>
#include <string>

#include "host/cli/command_line.hpp"
#include "host/cli/option_values.hpp"
#include "host/report/html_report.hpp"
#include "host/support/input_error.hpp"

namespace po = boost::program_options;

namespace hbm {

// `hbmeta report DIR [--threshold T]`: the HTML report of an existing output folder.
int run_report(int argc, char** argv) {
  po::options_description opts("hbmeta report options");
  opts.add_options()("help,h", "show this help")(
      "threshold", po::value<std::string>(), "show P(rate, or OR, at a new clinic > T)");
  const po::variables_map vm = cli::parse_command(argc, argv, opts, "dir", "report");
  if (vm.count("help")) {
    std::cout << "usage: hbmeta report DIR [--threshold T]\n" << opts;
    return 0;
  }
  if (!vm.count("dir"))
    throw InputError("report: missing the output folder; usage: hbmeta report DIR [--threshold T] (DIR: an hbmeta fit output folder)");
  const std::string dir = vm["dir"].as<std::string>();
  write_html_report(dir, vm.count("threshold") ? cli::real_option("threshold", vm["threshold"].as<std::string>()) : NAN);
  std::cout << "report: " << dir << "/report.html, figures in " << dir << "/figures/\n";
  return 0;
}

}  // namespace hbm
