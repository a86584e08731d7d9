#include "host/cli.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "host/csv_reader.hpp"
#include "host/diagnose_command.hpp"
#include "host/html_report.hpp"
#include "host/input_error.hpp"
#include "host/interrupt.hpp"
#include "host/json_reader.hpp"
#include "host/output_writer.hpp"
#include "host/progress.hpp"
#include "host/prior_spec.hpp"
#include "host/run_info.hpp"
#include "host/outcome_fit.hpp"
#include "host/text_report.hpp"

namespace po = boost::program_options;

namespace hbm {
namespace {

const char* kUsage =
    "usage: hbmeta fit DATA.csv [--out DIR] [--outcome NAME]... [--prior-mu \"normal(m,s)\"]\n"
    "                 [--prior-tau SPEC] [--chains N] [--warmup N] [--draws N] [--seed S]\n"
    "                 [--threads T] [--covariates a,b] [--new-clinic \"a=1.5,b=x\"]\n"
    "                 [--baseline independent|random] [--baseline-rate P0] [--force]\n"
    "                 (all options: hbmeta fit --help)\n"
    "       hbmeta diagnose DRAWS.csv... [--json] [--superchains K]\n"
    "       hbmeta report DIR [--threshold T]     (DIR: an hbmeta fit output folder)\n"
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

std::string trim_copy(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// "a, b,c" -> {a, b, c}; empty text -> {}. Empty items and repeats are errors.
std::vector<std::string> split_list(const std::string& text, const char* option) {
  std::vector<std::string> out;
  if (trim_copy(text).empty()) return out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string item = trim_copy(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) throw InputError(std::string(option) + ": empty item in '" + text + "'");
    if (std::find(out.begin(), out.end(), item) != out.end())
      throw InputError(std::string(option) + ": '" + item + "' is given twice");
    out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Parses `argv` with the visible options plus one positional argument `positional`; option
// errors become InputError with the usage text.
po::variables_map parse_command(int argc, char** argv, const po::options_description& opts, const char* positional) {
  po::options_description hidden;
  hidden.add_options()(positional, po::value<std::string>(), positional);
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add(positional, 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string(e.what()) + "\n" + kUsage);
  }
  return vm;
}

template <class T>
T at_least(const po::variables_map& vm, const char* name, T lo, const char* form) {
  const T v = vm[name].as<T>();
  if (v < lo) throw InputError(std::string("--") + name + ": " + std::to_string(v) + " is not allowed; expected " + form);
  return v;
}

// Options that say where and how to write, not what to compute: --replay drops them from the
// recorded command line so that the current ones apply (--out and --threads take a value).
bool is_output_option(const std::string& a, bool* takes_value) {
  for (const char* o : {"--out", "--threads"}) {
    if (a == o) return *takes_value = true;
    if (a.rfind(std::string(o) + "=", 0) == 0) return !(*takes_value = false);
  }
  *takes_value = false;
  return a == "--force" || a == "--quiet";
}

// `hbmeta fit --replay DIR/summary.json [--out NEW] [--force] [--threads T] [--quiet]`: the
// recorded arguments (config.argv) with the current output options in place of the recorded
// ones. Same seed, same configuration, so the same numbers.
std::vector<std::string> replay_arguments(const std::string& summary_path, const std::vector<std::string>& current) {
  Json cfg;
  try {
    cfg = Json::parse_file(summary_path)["config"];
  } catch (const std::exception& e) {
    throw InputError("--replay: " + summary_path + " is not a readable hbmeta summary.json (" + e.what() + ")");
  }
  if (!cfg.contains("argv") || !cfg["argv"].is_array())
    throw InputError("--replay: " + summary_path +
                     " records no command line (config.argv); it was written by an older hbmeta");
  std::vector<std::string> out;
  const Json& rec = cfg["argv"];
  for (std::size_t k = 0; k < rec.size(); ++k) {
    bool value = false;
    if (is_output_option(rec[k].str(), &value)) {
      k += value;
      continue;
    }
    out.push_back(rec[k].str());
  }
  for (std::size_t k = 0; k < current.size(); ++k) {
    if (current[k] == "--replay") {
      ++k;
      continue;
    }
    if (current[k].rfind("--replay=", 0) == 0) continue;
    bool value = false;
    if (!is_output_option(current[k], &value))
      throw InputError("--replay: only --out, --force, --threads and --quiet may be given with --replay (got " +
                       current[k] + "); the rest comes from " + summary_path);
    out.push_back(current[k]);
    if (value && k + 1 < current.size()) out.push_back(current[++k]);
  }
  return out;
}

int run_fit(int argc, char** argv);

int run_fit_args(const std::vector<std::string>& args) {
  std::vector<std::string> storage = {"fit"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> ptrs;
  for (auto& a : storage) ptrs.push_back(a.data());
  return run_fit(static_cast<int>(ptrs.size()), ptrs.data());
}

int run_fit(int argc, char** argv) {
  // --replay is handled before anything else: it rewrites the command line.
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t k = 0; k < args.size(); ++k) {
    if (args[k] == "--replay" || args[k].rfind("--replay=", 0) == 0) {
      const std::string file = args[k] == "--replay" ? (k + 1 < args.size() ? args[k + 1] : "") : args[k].substr(9);
      if (file.empty()) throw InputError("--replay: give the summary.json of the run to replay");
      return run_fit_args(replay_arguments(file, args));
    }
  }
  po::options_description opts("hbmeta fit options");
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  opts.add_options()
      ("help,h", "show this help")
      ("out", po::value<std::string>()->default_value("hbmeta-out"), "output folder")
      ("outcome", po::value<std::vector<std::string>>(), "fit only this outcome (repeatable)")
      ("prior-mu", po::value<std::string>()->default_value("normal(0,10)"),
       "prior of mu (pooled logit rate; two-arm: pooled log odds ratio)")
      ("prior-tau", po::value<std::string>()->default_value("half-normal(1)"),
       "prior of tau: half-normal(s), half-cauchy(s), half-t(nu,s), uniform(0,u), log-normal(m,s)")
      ("sampler", po::value<std::string>()->default_value("hmc"),
       "hmc (many-chain HMC with shared adaptation) or gibbs (Polya-Gamma augmentation, interweaved)")
      ("chains", po::value<int>()->default_value(16), "number of chains")
      ("warmup", po::value<int>()->default_value(500), "warmup iterations per chain (shared adaptation across chains)")
      ("draws", po::value<int>()->default_value(1000), "draws per chain after warmup")
      ("seed", po::value<unsigned long long>()->default_value(20251121ULL), "random seed")
      ("threads", po::value<int>()->default_value(static_cast<int>(hw)), "CPU threads")
      ("new-clinic-size", po::value<long long>()->default_value(0),
       "single-arm: predict events among M at a new clinic")
      ("covariates", po::value<std::string>()->default_value(""),
       "meta-regression: comma-separated covariate columns (numeric, or categorical -> indicators)")
      ("prior-beta", po::value<std::vector<std::string>>(),
       "prior of the regression coefficients: normal(m,s) for all (default normal(0,10)), or "
       "NAME=normal(m,s) for one covariate column or indicator (repeatable)")
      ("new-clinic", po::value<std::string>()->default_value(""),
       "covariate values of the new clinic, e.g. \"a=1.5,region=Europe\" (default 0 / reference level)")
      ("baseline", po::value<std::string>()->default_value("independent"),
       "two-arm control-arm logits: independent (each ~ --prior-baseline) or random (~ N(mu_alpha, sigma_alpha^2))")
      ("prior-baseline", po::value<std::string>()->default_value("normal(0,10)"),
       "two-arm: prior of each control-arm logit (independent), or of their mean mu_alpha (random)")
      ("prior-baseline-sd", po::value<std::string>()->default_value("half-normal(2)"),
       "two-arm, random baselines: prior of sigma_alpha")
      ("baseline-rate", po::value<double>(),
       "two-arm: predict the treatment-arm rate at a new clinic whose control-arm rate is P0 (0 < P0 < 1)")
      ("max-steps", po::value<int>()->default_value(1024), "maximum leapfrog steps per iteration")
      ("target-accept", po::value<double>()->default_value(0.8, "0.8"), "target acceptance (harmonic mean over chains)")
      ("parametrisation", po::value<std::string>()->default_value("auto"),
       "per-study parametrisation: auto (chosen in warmup), centred or non-centred")
      ("frequentist", po::value<std::string>()->default_value("basic"),
       "classical estimators beside the posterior: none, basic (FE, DL, REML, REML_knha, GLMM_ML) or all")
      ("study-draws", po::value<std::string>()->default_value("auto"),
       "per-study theta columns in draws/NAME.csv: auto (when K <= 100), yes or no")
      ("replay", po::value<std::string>(), "re-run the fit recorded in DIR/summary.json (with --out, --force, --threads, --quiet)")
      ("force", "replace the output folder if it exists")
      ("report", "also write DIR/report.html (plots, tables, diagnostics) and DIR/figures/*.svg")
      ("threshold", po::value<double>(), "with --report: show P(rate, or OR, at a new clinic > T)")
      ("quiet", "print nothing on success");
  const po::variables_map vm = parse_command(argc, argv, opts, "data");
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << opts;
    return 0;
  }
  if (!vm.count("data")) throw InputError(std::string("fit: missing the input CSV\n") + kUsage);

  RunInfo info;
  info.command = join_command(argc, argv);
  info.argv.assign(argv + 1, argv + argc);
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
  const std::string alg = vm["sampler"].as<std::string>();
  if (alg == "hmc") fo.sampler.algorithm = Algorithm::Hmc;
  else if (alg == "gibbs") fo.sampler.algorithm = Algorithm::Gibbs;
  else throw InputError("--sampler: '" + alg + "' is not one of hmc, gibbs");
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
  fo.covariates = split_list(vm["covariates"].as<std::string>(), "--covariates");
  if (vm.count("prior-beta")) {
    for (const auto& spec : vm["prior-beta"].as<std::vector<std::string>>()) {
      const std::size_t eq = spec.find('='), paren = spec.find('(');
      if (eq != std::string::npos && (paren == std::string::npos || eq < paren)) {
        const std::string name = trim_copy(spec.substr(0, eq));
        const std::string column = name.substr(0, name.find('='));
        if (std::find(fo.covariates.begin(), fo.covariates.end(), column) == fo.covariates.end())
          throw InputError("--prior-beta: '" + name + "' is not a --covariates column (or one of its levels)");
        fo.prior_beta_named.emplace_back(name, parse_prior(spec.substr(eq + 1), PriorRole::Location, "--prior-beta"));
      } else {
        fo.prior_beta = parse_prior(spec, PriorRole::Location, "--prior-beta");
      }
    }
  }
  for (const auto& item : split_list(vm["new-clinic"].as<std::string>(), "--new-clinic")) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw InputError("--new-clinic: '" + item + "' is not NAME=VALUE; write e.g. --new-clinic \"a=1.5,region=Europe\"");
    const std::string name = trim_copy(item.substr(0, eq));
    if (std::find(fo.covariates.begin(), fo.covariates.end(), name) == fo.covariates.end())
      throw InputError("--new-clinic: '" + name + "' is not one of the --covariates columns");
    fo.new_clinic.emplace_back(name, trim_copy(item.substr(eq + 1)));
  }
  const std::string bl = vm["baseline"].as<std::string>();
  if (bl == "independent") fo.baseline = BaselineModel::Independent;
  else if (bl == "random") fo.baseline = BaselineModel::Random;
  else throw InputError("--baseline: '" + bl + "' is not one of independent, random");
  fo.prior_baseline = parse_prior(vm["prior-baseline"].as<std::string>(), PriorRole::Location, "--prior-baseline");
  fo.prior_baseline_sd = parse_prior(vm["prior-baseline-sd"].as<std::string>(), PriorRole::Scale, "--prior-baseline-sd");
  if (vm.count("baseline-rate")) {
    fo.baseline_rate = vm["baseline-rate"].as<double>();
    if (!(fo.baseline_rate > 0 && fo.baseline_rate < 1))
      throw InputError("--baseline-rate: expected a control-arm rate strictly between 0 and 1, e.g. 0.3");
  }
  info.threads = at_least(vm, "threads", 1, "an integer >= 1");
  const std::string out_dir = vm["out"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0;

  std::vector<OutcomeData> outcomes = read_outcomes(info.input, fo.covariates);
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
  install_interrupt_handlers();
  ThreadPool pool(info.threads);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<OutcomeResult> results;
  // Progress on stderr for long runs, only on a terminal: chain-iterations of all outcomes.
  Progress progress(static_cast<double>(outcomes.size()) * fo.sampler.chains * (fo.sampler.warmup + fo.sampler.draws),
                    !quiet && Progress::stderr_is_terminal());
  if (progress.enabled()) fo.sampler.progress = &progress;
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    const auto& o = outcomes[k];
    throw_if_interrupted();
    progress.set_label("outcome " + std::to_string(k + 1) + "/" + std::to_string(outcomes.size()) + ": " + o.name);
    results.push_back(fit_outcome(o, fo, pool));
    progress.clear_line();
    if (!quiet) std::cout << text_report(results.back()) << "\n" << std::flush;
  }
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool report = vm.count("report") > 0;
  const double threshold = vm.count("threshold") ? vm["threshold"].as<double>() : NAN;
  write_outputs(out_dir, vm.count("force") > 0, info, results, [&](const std::string& folder) {
    if (report) write_html_report(folder, threshold);
  });
  if (!quiet)
    std::cout << "outputs: " << out_dir << "/summary.json, " << out_dir << "/summary.csv, " << out_dir
              << "/draws/, " << out_dir << "/netcdf/" << (report ? ", " + out_dir + "/report.html" : std::string())
              << " (" << info.seconds << " s)\n";
  return 0;
}

// `hbmeta report DIR [--threshold T]`: the HTML report of an existing output folder.
int run_report(int argc, char** argv) {
  po::options_description opts("hbmeta report options");
  opts.add_options()("help,h", "show this help")(
      "threshold", po::value<double>(), "show P(rate, or OR, at a new clinic > T)");
  const po::variables_map vm = parse_command(argc, argv, opts, "dir");
  if (vm.count("help")) {
    std::cout << "usage: hbmeta report DIR [--threshold T]\n" << opts;
    return 0;
  }
  if (!vm.count("dir")) throw InputError(std::string("report: missing the output folder\n") + kUsage);
  const std::string dir = vm["dir"].as<std::string>();
  write_html_report(dir, vm.count("threshold") ? vm["threshold"].as<double>() : NAN);
  std::cout << "report: " << dir << "/report.html, figures in " << dir << "/figures/\n";
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
    if (cmd == "report") return run_report(argc - 1, argv + 1);
    std::cerr << "hbmeta: unknown command '" << cmd << "'\n" << kUsage;
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
