// `hbmeta simulate`: its options, and the run under MPI; the machinery is host/simulation/
// (simulation_run: the replicates; gather_records: across MPI ranks; simulation_outputs).
#include "host/cli/simulate_command.hpp"

#include <filesystem>
#include <iostream>
#include <set>
#include <string>

#include "host/cli/command_line.hpp"
#include "host/cli/device_probe.hpp"
#include "host/cli/fit_settings.hpp"
#include "host/cli/mpi_command.hpp"
#include "host/cli/option_values.hpp"
#include "host/cli/shard_option.hpp"
#include "host/io/file_text.hpp"
#include "host/io/output_writer.hpp"
#include "host/simulation/gather_records.hpp"
#include "host/simulation/mpi_support.hpp"
#include "host/simulation/simulation_outputs.hpp"
#include "host/simulation/simulation_run.hpp"
#include "host/simulation/simulation_scenario.hpp"
#include "host/support/input_error.hpp"
#include "host/support/interrupt.hpp"

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace hbm {
namespace {

int simulate_main(int argc, char** argv, MpiWorld& world) {
  po::options_description opts("hbmeta simulate options");
  static const std::set<std::string> kWant = {"help", "prior-mu", "prior-tau", "sampler", "device", "gpu-lanes",
                                              "gpu-study-data", "chains", "warmup", "draws", "seed", "threads", "max-steps", "target-accept",
                                              "parametrisation", "baseline", "prior-baseline", "prior-baseline-sd",
                                              "force", "quiet"};
  cli::add_fit_options(opts, [](const std::string& n) { return kWant.count(n) > 0; });
  opts.add_options()("scenario", po::value<std::string>(), "scenario file (JSON; docs/simulation.md)")(
      "reps", po::value<std::string>(), "replicates per scenario")(
      "out", po::value<std::string>()->default_value("hbmeta-simulation"), "output folder")(
      "write-data", "also write DIR/simulated_data.csv (the input format of hbmeta batch)")(
      "shard", po::value<std::string>(), "run only the replicates r with r % N == I and write them for merge-simulations")(
      "datasets-per-launch", po::value<std::string>()->default_value("0"),
      "at most this many replicates per engine launch (0: as many as fit in ~2 GiB; never changes the results)");
  const po::variables_map vm = cli::parse_command(argc, argv, opts, "extra", "simulate");
  if (vm.count("help")) {
    if (world.rank == 0)
      std::cout << "usage: hbmeta simulate --scenario FILE.json --reps N [--seed S] [--out DIR] [--write-data]\n"
                   "                       [--shard I/N] [--device auto|cpu|cuda] [--chains N] [--draws N] ...\n"
                   "       mpirun -np R hbmeta simulate ...   (with MPI at build time: replicates shared across ranks)\n"
                << opts;
    return 0;
  }
  if (vm.count("extra"))
    throw InputError("simulate: unexpected argument " + cli::quoted(vm["extra"].as<std::string>()) +
                     "; usage: hbmeta simulate --scenario FILE.json --reps N [options] (all options: hbmeta simulate --help)");
  if (!vm.count("scenario"))
    throw InputError("simulate: missing --scenario FILE.json; expected " + cli::form_of("scenario"));
  if (!vm.count("reps")) throw InputError("simulate: missing --reps N; expected " + cli::form_of("reps"));
  RunInfo info;
  std::vector<std::string> ignored;
  cli::parse_fit_settings(vm, info, ignored);
  SimSettings st;
  st.fo = info.options;
  st.threads = info.threads;
  st.command = cli::join_command(argc, argv);
  st.seed = st.fo.sampler.seed;
  st.reps = static_cast<long>(cli::int_option(vm, "reps", 1, 10000000));
  st.scenario_file = vm["scenario"].as<std::string>();
  st.scenario_text = read_file_text(st.scenario_file, "scenario file");
  const std::vector<Scenario> scenarios = parse_scenarios(st.scenario_file, st.scenario_text, st.fo);
  const bool by_hand = vm.count("shard") > 0;
  if (by_hand) {
    cli::parse_shard(vm["shard"].as<std::string>(), &st.shard_i, &st.shard_n);
    if (world.size > 1)
      throw InputError("--shard: under mpirun the replicates are shared across the ranks already; give either "
                       "mpirun -np R or --shard I/N, not both");
  } else {
    st.shard_i = world.rank;
    st.shard_n = world.size;
  }
  const auto per_launch = static_cast<std::size_t>(cli::int_option(vm, "datasets-per-launch", 0, 100000000));
  const std::string out_dir = vm["out"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0, force = vm.count("force") > 0, write_data = vm.count("write-data") > 0;
  refuse_existing_folder(out_dir, force);
  // MPI + CUDA: one GPU per rank would be selected here, cudaSetDevice(world.rank % device_count),
  // once the CUDA backend takes a device index (cuda/ uses device 0 today, so every rank of a
  // multi-GPU node would share GPU 0).
  st.device = cli::device_label(st.fo.device);
  if (!quiet && world.rank == 0)
    std::cout << "hbmeta " << HBMETA_VERSION << " simulate: " << scenarios.size() << " scenario(s) from "
              << st.scenario_file << ", " << st.reps << " replicate(s) each"
              << (by_hand ? ", shard " + std::to_string(st.shard_i) + "/" + std::to_string(st.shard_n) : std::string())
              << (world.size > 1 ? ", " + std::to_string(world.size) + " MPI ranks" : std::string()) << "; device "
              << st.device << ", " << st.threads << " thread(s)" << (world.size > 1 ? " per rank" : "") << ", "
              << st.fo.sampler.chains << " chains x " << st.fo.sampler.draws << " draws (" << st.fo.sampler.warmup
              << " warmup), seed " << st.seed << "\n\n"
              << std::flush;
  install_interrupt_handlers();
  ThreadPool pool(st.threads);
  const std::vector<RepRecord> mine = run_replicates(scenarios, st, pool, per_launch, !quiet && world.rank == 0);
  std::vector<RepRecord> records = gather_records(world, mine);
  if (world.rank != 0) return 0;
  if (by_hand) {
    write_shard_outputs(out_dir, force, quiet, write_data, scenarios, st, std::move(records));
    return 0;
  }
  st.shard_i = 0;
  st.shard_n = 1;
  write_full_outputs(out_dir, force, quiet, write_data, scenarios, st, std::move(records));
  return 0;
}

}  // namespace

int run_simulate(int argc, char** argv) { return run_under_mpi(argc, argv, simulate_main); }

}  // namespace hbm
