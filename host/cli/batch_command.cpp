#include "host/cli/batch_command.hpp"
#include "host/fit/dataset_fit.hpp"
#include "host/io/batch_summary.hpp"
#include "host/io/csv_reader.hpp"

#include <netcdf.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>

#include "host/cli/command_line.hpp"
#include "host/cli/device_probe.hpp"
#include "host/cli/fit_settings.hpp"
#include "host/cli/option_values.hpp"
#include "host/engine/sampler_run.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/fit/prior_spec.hpp"
#include "host/io/json_writer.hpp"
#include "host/io/netcdf_writer.hpp"
#include "host/io/output_writer.hpp"
#include "host/support/input_error.hpp"
#include "host/support/interrupt.hpp"
#include "models/logistic.hpp"

namespace fs = std::filesystem;

namespace hbm {

int run_batch(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description opts("hbmeta batch options");
  static const std::set<std::string> kSkip = {"out", "outcome", "replay", "report", "threshold", "netcdf", "unit", "study-draws",
                                              "study-draw-cap", "leave-one-out", "cumulative", "prior-sensitivity",
                                              "prior-sensitivity-mu", "subgroups", "small-study", "sensitivity", "sensitivity-warmup",
                                              "sensitivity-draws"};
  cli::add_fit_options(opts, [](const std::string& n) { return !kSkip.count(n); });
  opts.add_options()("out", po::value<std::string>()->default_value("hbmeta-batch"), "output folder")(
      "datasets-per-launch", po::value<std::string>()->default_value("0"),
      "at most this many (dataset, outcome) units per engine launch (0: as many as fit in ~2 GiB of draws; never "
      "changes the results)");
  const po::variables_map vm = cli::parse_command(argc, argv, opts, "data", "batch");
  if (vm.count("help")) {
    std::cout << "usage: hbmeta batch DATA.csv [--out DIR] [fit options]\n"
                 "  DATA.csv: a dataset column plus hbmeta fit's columns (outcome,study,events,total or the two-arm\n"
                 "  counts; without a dataset column each outcome is one dataset); every (dataset, outcome) is\n"
                 "  fitted in the same engine launches (docs/simulation.md); writes\n"
                 "  DIR/batch_summary.csv, DIR/batch_summary.nc and DIR/batch_info.json\n"
              << opts;
    return 0;
  }
  if (!vm.count("data"))
    throw InputError("batch: missing the input CSV; usage: hbmeta batch DATA.csv [options] (all options: hbmeta batch --help)");
  RunInfo info;
  info.command = cli::join_command(argc, argv);
  info.input = vm["data"].as<std::string>();
  std::vector<std::string> ignore_columns;
  cli::parse_fit_settings(vm, info, ignore_columns);
  const FitOptions& fo = info.options;
  const auto per_launch = static_cast<std::size_t>(cli::int_option(vm, "datasets-per-launch", 0, 100000000));
  const std::string out_dir = vm["out"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0, force = vm.count("force") > 0;

  const std::vector<OutcomeData> units = read_outcomes(info.input, fo.covariates, ignore_columns, true);
  refuse_existing_folder(out_dir, force);
  std::set<std::string> datasets;
  for (const auto& u : units) datasets.insert(u.dataset);
  info.device = cli::device_label(fo.device);
  if (!quiet)
    std::cout << "hbmeta " << info.version << " batch: " << datasets.size() << " dataset(s), " << units.size()
              << " (dataset, outcome) unit(s) from " << info.input << "; device " << info.device << ", "
              << info.threads << " thread(s), " << fo.sampler.chains << " chains x " << fo.sampler.draws << " draws ("
              << fo.sampler.warmup << " warmup), seed " << fo.sampler.seed << "\n"
              << std::flush;
  install_interrupt_handlers();
  ThreadPool pool(info.threads);
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<DatasetFit> fits = fit_datasets(units, fo, pool, per_launch);
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Convergence in the terms of the issue: R-hat < 1.01 and bulk ESS >= 400 for mu and tau.
  long long not_converged = 0, divergent = 0;
  for (const auto& f : fits) {
    bool ok = true;
    for (const char* p : {"mu", "tau"}) {
      const ParamSummary* s = f.find(p);
      ok = ok && s && s->rhat < 1.01 && s->ess_bulk >= 400;
    }
    not_converged += !ok;
    divergent += f.divergences > 0;
  }
  write_folder_atomically(out_dir, force, [&](const fs::path& tmp) {
    write_file(tmp / "batch_summary.csv", batch_summary_csv(fits));
    write_batch_summary_netcdf((tmp / "batch_summary.nc").string(), fits);
    JsonWriter j;
    j.begin_object();
    j.value("hbmeta_version", info.version).value("command", info.command).value("input", info.input);
    j.value("seed", std::to_string(fo.sampler.seed)).value("device", info.device);
    j.value("sampler", fo.sampler.algorithm == Algorithm::Gibbs ? "gibbs" : "hmc");
    j.value("chains", fo.sampler.chains).value("warmup", fo.sampler.warmup).value("draws", fo.sampler.draws);
    j.value("prior_mu", prior_to_string(fo.prior_mu)).value("prior_tau", prior_to_string(fo.prior_tau));
    j.value("datasets", static_cast<long long>(datasets.size())).value("units", static_cast<long long>(units.size()));
    j.value("units_not_converged", not_converged).value("units_with_divergences", divergent);
    j.begin_object("timing").value("threads", info.threads).value("seconds", info.seconds).end_object();
    j.end_object();
    write_file(tmp / "batch_info.json", j.str() + "\n");
  });
  if (!quiet)
    std::cout << "fitted " << units.size() << " unit(s) in " << info.seconds << " s ("
              << (info.seconds > 0 ? static_cast<double>(datasets.size()) / info.seconds : 0.0) << " datasets/s); "
              << not_converged << " unit(s) with R-hat >= 1.01 or bulk ESS < 400 for mu or tau, " << divergent
              << " with divergences\noutputs: " << out_dir << "/batch_summary.csv, " << out_dir << "/batch_summary.nc, "
              << out_dir << "/batch_info.json\n";
  return 0;
}

}  // namespace hbm
