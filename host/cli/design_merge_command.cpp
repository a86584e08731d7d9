// `hbmeta merge-design`: its options; the shards are read and checked by host/cli/design_shard,
// and the outputs computed and written as one run does (host/cli/design_pipeline).
#include "host/cli/design_merge_command.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>

#include "host/cli/command_line.hpp"
#include "host/cli/design_pipeline.hpp"
#include "host/cli/design_shard.hpp"
#include "host/cli/option_values.hpp"
#include "host/io/output_writer.hpp"
#include "host/support/input_error.hpp"
#include "host/support/interrupt.hpp"

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace hbm {

int run_merge_design(int argc, char** argv) {
  constexpr const char* kUsage =
      "usage: hbmeta merge-design DIR1 DIR2 ... [--out DIR]   (DIRs: the outputs of hbmeta design --shard I/N)\n";
  po::options_description opts("hbmeta merge-design options");
  opts.add_options()("help,h", "show this help")("out", po::value<std::string>()->default_value("hbmeta-design"),
                                                  "output folder")(
      "threads", po::value<std::string>()->default_value("1"), "threads for the mixture path (never changes the results)")(
      "force", "replace the output folder if it exists")("quiet", "print nothing on success");
  const po::variables_map vm = cli::parse_command(argc, argv, opts, "dirs", "merge-design", true);
  if (vm.count("help")) {
    std::cout << kUsage << opts;
    return 0;
  }
  if (!vm.count("dirs"))
    throw InputError("merge-design: no shard folders given; usage: hbmeta merge-design DIR1 DIR2 ... --out DIR");
  const int threads = static_cast<int>(cli::int_option(vm, "threads", 1, 4096));
  const std::string out_dir = vm["out"].as<std::string>();
  const bool force = vm.count("force") > 0, quiet = vm.count("quiet") > 0;
  const auto t0 = std::chrono::steady_clock::now();
  MergedDesign m = merge_design_shards(vm["dirs"].as<std::vector<std::string>>(), out_dir);
  refuse_existing_folder(out_dir, force);
  install_interrupt_handlers();
  ThreadPool pool(threads);
  design::DesignResult r = design_mixture_path(m.run, m.settings, m.map_draws, m.chains, pool);
  set_hierarchical_boundary(r, std::move(m.boundary), m.settings);
  m.run.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_design_outputs(out_dir, force, quiet, m.run, m.settings, r, m.map_draws);
  return 0;
}

}  // namespace hbm
