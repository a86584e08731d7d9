#include "host/cli.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "host/csv_reader.hpp"
#include "host/diagnose_command.hpp"
#include "host/input_error.hpp"
#include "host/output_writer.hpp"
#include "host/prior_spec.hpp"
#include "host/run_info.hpp"
#include "host/single_arm_fit.hpp"
#include "host/text_report.hpp"

namespace po = boost::program_options;

namespace hbm {
namespace {

const char* kUsage =
    "usage: hbmeta fit DATA.csv [--out DIR] [--outcome NAME]... [--prior-mu \"normal(m,s)\"]\n"
    "                 [--prior-tau SPEC] [--chains N] [--warmup N] [--draws N] [--seed S]\n"
    "                 [--threads T] [--new-clinic-size M] [--force]   (all options: hbmeta fit --help)\n"
    "       hbmeta diagnose DRAWS.csv... [--json] [--superchains K]\n"
    "       hbmeta --help | --version\n";

std::string join_command(int argc, char** argv) {
  std::string s = "hbmeta";
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.find_first_of(" \t\"'()") != std::string::npos) a = "'" + a + "'";
    s += " " + a;
  }
  return s;
}

template <class T>
T at_least(const po::variables_map& vm, const char* name, T lo, const char* form) {
  const T v = vm[name].as<T>();
  if (v < lo) throw InputError(std::string("--") + name + ": " + std::to_string(v) + " is not allowed; expected " + form);
  return v;
}

int run_fit(int argc, char** argv) {
  po::options_description opts("hbmeta fit options");
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  opts.add_options()
      ("help,h", "show this help")
      ("out", po::value<std::string>()->default_value("hbmeta-out"), "output folder")
      ("outcome", po::value<std::vector<std::string>>(), "fit only this outcome (repeatable)")
      ("prior-mu", po::value<std::string>()->default_value("normal(0,10)"), "prior of mu (pooled logit rate)")
      ("prior-tau", po::value<std::string>()->default_value("half-normal(1)"),
       "prior of tau: half-normal(s), half-cauchy(s), half-t(nu,s), uniform(0,u), log-normal(m,s)")
      ("chains", po::value<int>()->default_value(16), "number of chains")
      ("warmup", po::value<int>()->default_value(500), "warmup iterations per chain (shared adaptation across chains)")
      ("draws", po::value<int>()->default_value(1000), "draws per chain after warmup")
      ("seed", po::value<unsigned long long>()->default_value(20251121ULL), "random seed")
      ("threads", po::value<int>()->default_value(static_cast<int>(hw)), "CPU threads")
      ("new-clinic-size", po::value<long long>()->default_value(0), "predict events among M at a new clinic")
      ("max-steps", po::value<int>()->default_value(1024), "maximum leapfrog steps per iteration")
      ("target-accept", po::value<double>()->default_value(0.8, "0.8"), "target acceptance (harmonic mean over chains)")
      ("parametrisation", po::value<std::string>()->default_value("auto"),
       "per-study parametrisation: auto (chosen in warmup), centred or non-centred")
      ("frequentist", po::value<std::string>()->default_value("basic"),
       "classical estimators beside the posterior: none, basic (FE, DL, REML, REML_knha, GLMM_ML) or all")
      ("study-draws", po::value<std::string>()->default_value("auto"),
       "per-study theta columns in draws/NAME.csv: auto (when K <= 100), yes or no")
      ("force", "replace the output folder if it exists")
      ("quiet", "print nothing on success");
  po::options_description hidden;
  hidden.add_options()("data", po::value<std::string>(), "input CSV");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("data", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string(e.what()) + "\n" + kUsage);
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << opts;
    return 0;
  }
  if (!vm.count("data")) throw InputError(std::string("fit: missing the input CSV\n") + kUsage);

  RunInfo info;
  info.command = join_command(argc, argv);
  info.input = vm["data"].as<std::string>();
  FitOptions& fo = info.options;
  fo.prior_mu = parse_prior(vm["prior-mu"].as<std::string>(), PriorRole::Location, "--prior-mu");
  fo.prior_tau = parse_prior(vm["prior-tau"].as<std::string>(), PriorRole::Scale, "--prior-tau");
  fo.sampler.chains = at_least(vm, "chains", 1, "an integer >= 1");
  fo.sampler.warmup = at_least(vm, "warmup", 0, "an integer >= 0");
  fo.sampler.draws = at_least(vm, "draws", 4, "an integer >= 4");
  fo.sampler.max_steps = at_least(vm, "max-steps", 1, "an integer >= 1");
  fo.sampler.seed = vm["seed"].as<unsigned long long>();
  fo.sampler.target_accept = vm["target-accept"].as<double>();
  if (!(fo.sampler.target_accept > 0 && fo.sampler.target_accept < 1))
    throw InputError("--target-accept: expected a number strictly between 0 and 1");
  const std::string par = vm["parametrisation"].as<std::string>();
  if (par == "auto") fo.sampler.parametrisation = Parametrisation::Auto;
  else if (par == "centred") fo.sampler.parametrisation = Parametrisation::Centred;
  else if (par == "non-centred") fo.sampler.parametrisation = Parametrisation::NonCentred;
  else throw InputError("--parametrisation: '" + par + "' is not one of auto, centred, non-centred");
  const std::string fq = vm["frequentist"].as<std::string>();
  if (fq == "none") fo.frequentist = FrequentistLevel::None;
  else if (fq == "basic") fo.frequentist = FrequentistLevel::Basic;
  else if (fq == "all") fo.frequentist = FrequentistLevel::All;
  else throw InputError("--frequentist: '" + fq + "' is not one of none, basic, all");
  const std::string sd = vm["study-draws"].as<std::string>();
  if (sd == "auto") fo.study_draws = FitOptions::StudyDraws::Auto;
  else if (sd == "yes") fo.study_draws = FitOptions::StudyDraws::Yes;
  else if (sd == "no") fo.study_draws = FitOptions::StudyDraws::No;
  else throw InputError("--study-draws: '" + sd + "' is not one of auto, yes, no");
  fo.new_clinic_size = at_least(vm, "new-clinic-size", 0LL, "an integer >= 0");
  info.threads = at_least(vm, "threads", 1, "an integer >= 1");
  const std::string out_dir = vm["out"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0;

  std::vector<OutcomeData> outcomes = read_single_arm(info.input);
  if (vm.count("outcome")) {
    std::vector<OutcomeData> chosen;
    for (const auto& name : vm["outcome"].as<std::vector<std::string>>()) {
      auto it = std::find_if(outcomes.begin(), outcomes.end(), [&](const OutcomeData& o) { return o.name == name; });
      if (it == outcomes.end()) {
        std::string names;
        for (const auto& o : outcomes) names += (names.empty() ? "" : ", ") + o.name;
        throw InputError("--outcome: no outcome '" + name + "' in " + info.input + " (outcomes: " + names + ")");
      }
      if (std::none_of(chosen.begin(), chosen.end(), [&](const OutcomeData& o) { return o.name == name; }))
        chosen.push_back(*it);
    }
    outcomes = chosen;
  }
  if (std::filesystem::exists(out_dir) && !vm.count("force"))
    throw InputError(out_dir + ": output folder exists; choose another --out or pass --force to replace it");

  if (!quiet)
    std::cout << "hbmeta " << info.version << ": " << outcomes.size() << " outcome(s) from " << info.input
              << "; device cpu, " << info.threads << " thread(s), " << fo.sampler.chains << " chains x "
              << fo.sampler.draws << " draws (" << fo.sampler.warmup << " warmup), seed " << fo.sampler.seed
              << "\n\n";
  ThreadPool pool(info.threads);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<OutcomeResult> results;
  for (const auto& o : outcomes) {
    results.push_back(fit_single_arm(o, fo, pool));
    if (!quiet) std::cout << text_report(results.back()) << "\n" << std::flush;
  }
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_outputs(out_dir, vm.count("force") > 0, info, results);
  if (!quiet)
    std::cout << "outputs: " << out_dir << "/summary.json, " << out_dir << "/summary.csv, " << out_dir
              << "/draws/ (" << info.seconds << " s)\n";
  return 0;
}

}  // namespace

int cli_main(int argc, char** argv) {
  try {
    if (argc < 2) {
      std::cerr << kUsage;
      return 2;
    }
    const std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (cmd == "--version") {
      std::cout << "hbmeta " << HBMETA_VERSION << "\n";
      return 0;
    }
    if (cmd == "fit") return run_fit(argc - 1, argv + 1);
    if (cmd == "diagnose") return run_diagnose(argc - 1, argv + 1);
    std::cerr << "hbmeta: unknown command '" << cmd << "'\n" << kUsage;
    return 2;
  } catch (const InputError& e) {
    std::cerr << "hbmeta: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hbmeta: internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace hbm
