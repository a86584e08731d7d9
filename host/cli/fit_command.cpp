// `hbmeta fit` (host/cli/fit_command.hpp): options parsed, outcomes read and fitted, outputs
// written.
#include "host/cli/fit_command.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "host/cli/command_line.hpp"
#include "host/cli/device_probe.hpp"
#include "host/cli/fit_settings.hpp"
#include "host/cli/option_values.hpp"
#include "host/cli/replay.hpp"
#include "host/cli/usage.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/fit/run_info.hpp"
#include "host/fit/sensitivity_fit.hpp"
#include "host/io/csv_reader.hpp"
#include "host/io/output_writer.hpp"
#include "host/report/html_report.hpp"
#include "host/report/sensitivity_text.hpp"
#include "host/report/text_report.hpp"
#include "host/support/input_error.hpp"
#include "host/support/interrupt.hpp"
#include "host/support/progress.hpp"
#include "host/support/thread_pool.hpp"

namespace po = boost::program_options;

namespace hbm {
namespace {

int run_fit_args(const std::vector<std::string>& args) {
  std::vector<std::string> storage = {"fit"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> ptrs;
  for (auto& a : storage) ptrs.push_back(a.data());
  return run_fit(static_cast<int>(ptrs.size()), ptrs.data());
}

}  // namespace

int run_fit(int argc, char** argv) {
  // --replay is handled before anything else: it rewrites the command line.
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t k = 0; k < args.size(); ++k) {
    if (args[k] == "--replay" || args[k].rfind("--replay=", 0) == 0) {
      const std::string file = args[k] == "--replay" ? (k + 1 < args.size() ? args[k + 1] : "") : args[k].substr(9);
      if (file.empty()) throw InputError("--replay: give the summary.json of the run to replay");
      return run_fit_args(cli::replay_arguments(file, args));
    }
  }
  po::options_description opts("hbmeta fit options");
  cli::add_fit_options(opts, [](const std::string&) { return true; });
  const po::variables_map vm = cli::parse_command(argc, argv, opts, "data", "fit");
  if (vm.count("help")) {
    std::cout << cli::kUsage << "\n" << opts;
    return 0;
  }
  if (!vm.count("data"))
    throw InputError("fit: missing the input CSV; usage: hbmeta fit DATA.csv [options] (all options: hbmeta fit --help)");

  RunInfo info;
  info.command = cli::join_command(argc, argv);
  info.argv.assign(argv + 1, argv + argc);
  info.input = vm["data"].as<std::string>();
  FitOptions& fo = info.options;
  std::vector<std::string> ignore_columns;
  cli::parse_fit_settings(vm, info, ignore_columns);
  const double threshold =
      vm.count("threshold") ? cli::real_option("threshold", vm["threshold"].as<std::string>()) : NAN;
  const std::string out_dir = vm["out"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0;
  info.netcdf = vm.count("netcdf") > 0;

  std::vector<StudyColumn> study_columns;
  if (!fo.sensitivity.cumulative_by.empty()) study_columns.push_back({fo.sensitivity.cumulative_by, "--cumulative"});
  if (!fo.sensitivity.subgroups_by.empty()) study_columns.push_back({fo.sensitivity.subgroups_by, "--subgroups"});
  std::vector<OutcomeData> outcomes = read_outcomes(info.input, fo.covariates, ignore_columns, false, study_columns);
  if (vm.count("outcome")) {
    std::vector<OutcomeData> chosen;
    for (const auto& name : vm["outcome"].as<std::vector<std::string>>()) {
      auto it = std::find_if(outcomes.begin(), outcomes.end(), [&](const OutcomeData& o) { return o.name == name; });
      if (it == outcomes.end()) {
        std::string names;
        for (std::size_t k = 0; k < outcomes.size() && k < 20; ++k) names += (k ? ", " : "") + outcomes[k].name;
        if (outcomes.size() > 20) names += ", ... (" + std::to_string(outcomes.size()) + " outcomes)";
        throw InputError("--outcome: no outcome " + cli::quoted(name) + " in " + info.input + " (outcomes: " + names +
                         "); expected one of these names, as written in the outcome column, e.g. --outcome " +
                         outcomes[0].name);
      }
      if (std::none_of(chosen.begin(), chosen.end(), [&](const OutcomeData& o) { return o.name == name; }))
        chosen.push_back(*it);
    }
    outcomes = chosen;
  }
  refuse_existing_folder(out_dir, vm.count("force") > 0);

  info.device = cli::device_label(fo.device);
  if (!quiet)
    std::cout << "hbmeta " << info.version << ": " << outcomes.size() << " outcome(s) from " << info.input
              << "; device " << info.device << ", " << info.threads << " thread(s), " << fo.sampler.chains << " chains x "
              << fo.sampler.draws << " draws (" << fo.sampler.warmup << " warmup), seed " << fo.sampler.seed
              << "\n\n";
  install_interrupt_handlers();
  ThreadPool pool(info.threads);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<OutcomeResult> results;
  // Progress on stderr for long runs, only on a terminal: chain-iterations of all outcomes and
  // of their sensitivity variants.
  std::size_t variants = 0;
  for (const auto& o : outcomes) variants += sensitivity_units(o, fo).size();
  const double variant_iterations =
      fo.sensitivity.variant_warmup(fo.sampler.warmup) + fo.sensitivity.variant_draws(fo.sampler.draws);
  Progress progress(fo.sampler.chains * (static_cast<double>(outcomes.size()) * (fo.sampler.warmup + fo.sampler.draws) +
                                         static_cast<double>(variants) * variant_iterations),
                    !quiet && Progress::stderr_is_terminal());
  if (progress.enabled()) fo.sampler.progress = &progress;
  // Every outcome's chains run in the same engine launches first (each outcome adapts and
  // samples on its own: its numbers do not depend on the others); the fits then use them.
  progress.set_label(std::to_string(outcomes.size()) + " outcome(s) on " + info.device);
  std::map<std::string, HmcRun> runs = prefit_batched(outcomes, fo, pool, &info.memory);
  info.sampling_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fo.precomputed = &runs;
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    const auto& o = outcomes[k];
    throw_if_interrupted();
    progress.set_label("outcome " + std::to_string(k + 1) + "/" + std::to_string(outcomes.size()) + ": " + o.name);
    results.push_back(fit_outcome(o, fo, pool));
    progress.clear_line();
    if (!quiet) std::cout << text_report(results.back()) << "\n" << std::flush;
  }
  if (fo.sensitivity.any()) {
    progress.set_label(std::to_string(variants) + " sensitivity variant(s) on " + info.device);
    add_sensitivity(outcomes, results, fo, pool);
    progress.clear_line();
    if (!quiet)
      for (const auto& r : results) std::cout << sensitivity_report(r) << std::flush;
  }
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool report = vm.count("report") > 0 || vm.count("threshold") > 0;  // a threshold is only shown there
  write_outputs(out_dir, vm.count("force") > 0, info, results, pool, [&](const std::string& folder) {
    if (report) write_html_report(folder, threshold);
  });
  if (!quiet)
    std::cout << "outputs: " << out_dir << "/summary.json, " << out_dir << "/summary.csv, " << out_dir << "/draws/"
              << (info.netcdf ? ", " + out_dir + "/netcdf/, " + out_dir + "/posterior.nc" : std::string())
              << (report ? ", " + out_dir + "/report.html" : std::string()) << " (" << info.seconds << " s)\n";
  return 0;
}

}  // namespace hbm
