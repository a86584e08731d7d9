// `hbmeta merge-simulations`: its options; the merging is host/simulation/shard_merge.
#include "host/cli/merge_command.hpp"

#include <filesystem>
#include <iostream>

#include "host/cli/command_line.hpp"
#include "host/cli/shard_option.hpp"
#include "host/io/output_writer.hpp"
#include "host/simulation/shard_merge.hpp"
#include "host/simulation/simulation_outputs.hpp"
#include "host/support/input_error.hpp"

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace hbm {

int run_merge_simulations(int argc, char** argv) {
  po::options_description opts("hbmeta merge-simulations options");
  opts.add_options()("help,h", "show this help")("out", po::value<std::string>()->default_value("hbmeta-simulation"),
                                                  "output folder")(
      "write-data", "also write DIR/simulated_data.csv (regenerated: data depend only on seed, scenario and rep)")(
      "force", "replace the output folder if it exists")("quiet", "print nothing on success");
  const po::variables_map vm = cli::parse_command(argc, argv, opts, "dirs", "merge-simulations", true);
  if (vm.count("help")) {
    std::cout << "usage: hbmeta merge-simulations DIR1 DIR2 ... --out DIR   (DIRs: hbmeta simulate --shard outputs)\n"
              << opts;
    return 0;
  }
  if (!vm.count("dirs"))
    throw InputError("merge-simulations: no shard folders given; usage: hbmeta merge-simulations DIR1 DIR2 ... --out DIR");
  MergedRun run = merge_shards(vm["dirs"].as<std::vector<std::string>>(), cli::parse_shard);
  run.settings.command = cli::join_command(argc, argv);
  const std::string out_dir = vm["out"].as<std::string>();
  refuse_existing_folder(out_dir, vm.count("force") > 0);
  write_full_outputs(out_dir, vm.count("force") > 0, vm.count("quiet") > 0, vm.count("write-data") > 0, run.scenarios,
                     run.settings, std::move(run.records));
  return 0;
}

}  // namespace hbm
