// The options of `hbmeta fit` and their parsing (host/cli/fit_settings.hpp): every bad value is
// one line naming the option and its accepted form (host/cli/option_values.hpp).
#include "host/cli/fit_settings.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include "host/cli/device_probe.hpp"
#include "host/cli/option_values.hpp"
#include "host/engine/memory_plan.hpp"
#include "host/fit/prior_spec.hpp"
#include "host/support/input_error.hpp"

namespace po = boost::program_options;

namespace hbm::cli {

// The options of `hbmeta fit`, in its order; `hbmeta batch` and `hbmeta simulate` take the ones
// `want` accepts (by long name), parsed by the same parse_fit_settings.
void add_fit_options(po::options_description& opts, const std::function<bool(const std::string&)>& want) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  auto add = opts.add_options();
  const auto long_name = [](const char* n) { return std::string(n).substr(0, std::string(n).find(',')); };
  const auto flag = [&](const char* name, const char* what) {
    if (want(long_name(name))) add(name, what);
  };
  const auto val = [&](const char* name, po::value_semantic* v, const char* what) {
    if (want(long_name(name))) add(name, v, what);
    else delete v;
  };
  flag("help,h", "show this help");
  val("out", po::value<std::string>()->default_value("hbmeta-out"), "output folder");
  val("outcome", po::value<std::vector<std::string>>(), "fit only this outcome (repeatable)");
  val("prior-mu", po::value<std::string>()->default_value("normal(0,2.5)"),
       "prior of mu (pooled logit rate; two-arm: pooled log odds ratio)");
  val("prior-tau", po::value<std::string>()->default_value("half-normal(1)"),
       "prior of tau: half-normal(s), half-cauchy(s), half-t(nu,s), uniform(0,u), log-normal(m,s)");
  val("sampler", po::value<std::string>()->default_value("hmc"),
       "hmc (many-chain HMC with shared adaptation) or gibbs (Polya-Gamma augmentation, interweaved)");
  val("device", po::value<std::string>()->default_value("auto"),
       "where the chains run: auto (a CUDA device when present, else the CPU), cpu or cuda");
  val("gpu-lanes", po::value<std::string>()->default_value("auto"),
       "GPU threads per chain: auto (1 below 64 studies, a warp of 32 from there), or 1, 2, 4, 8, 16, 32");
  val("gpu-study-data", po::value<std::string>()->default_value("shared"),
       "GPU: where kernels read the study data: shared (copied to each block's shared memory where it fits, else global) or global");
  val("chains", po::value<std::string>(), "chains per outcome (1 to 1000000; default 16 on the CPU, 4096 on the GPU)");
  val("warmup", po::value<std::string>()->default_value("500"), "warmup iterations per chain (shared adaptation across chains; 0 to 10000000)");
  val("draws", po::value<std::string>(), "draws per chain after warmup (4 to 10000000; default 1000 on the CPU, 250 on the GPU)");
  val("study-draw-cap", po::value<std::string>()->default_value("200000"),
       "keep at most this many draws of each study effect, evenly thinned (0 keeps all)");
  val("memory-budget", po::value<std::string>(),
      "host memory the run may use, e.g. 8G or 512M (default: 75% of the available memory); study-effect draws are thinned to fit");
  val("seed", po::value<std::string>()->default_value("20251121"), "random seed (0 to 18446744073709551615)");
  val("threads", po::value<std::string>()->default_value(std::to_string(std::min(hw, 4096u))), "CPU threads (1 to 4096)");
  val("new-clinic-size", po::value<std::string>()->default_value("0"),
       "single-arm: predict events among M at a new clinic");
  val("covariates", po::value<std::string>()->default_value(""),
       "meta-regression: comma-separated covariate columns (numeric, or categorical -> indicators)");
  val("ignore-columns", po::value<std::string>()->default_value(""),
       "comma-separated CSV columns to leave out (any column hbmeta does not read must be named here or in --covariates)");
  val("prior-beta", po::value<std::vector<std::string>>(),
       "prior of the regression coefficients: normal(m,s) for all (default normal(0,10)), or "
       "NAME=normal(m,s) for one covariate column or indicator (repeatable)");
  val("new-clinic", po::value<std::string>()->default_value(""),
       "covariate values of the new clinic, e.g. \"a=1.5,region=Europe\" (default: the studies' mean / the reference level)");
  val("baseline", po::value<std::string>()->default_value("independent"),
       "two-arm control-arm logits: independent (each ~ --prior-baseline) or random (~ N(mu_alpha, sigma_alpha^2))");
  val("prior-baseline", po::value<std::string>()->default_value("normal(0,10)"),
       "two-arm: prior of each control-arm logit (independent), or of their mean mu_alpha (random)");
  val("prior-baseline-sd", po::value<std::string>()->default_value("half-normal(2)"),
       "two-arm, random baselines: prior of sigma_alpha");
  val("baseline-rate", po::value<std::string>(),
       "two-arm: predict the treatment-arm rate at a new clinic whose control-arm rate is P0 (0 < P0 < 1)");
  val("max-steps", po::value<std::string>()->default_value("1024"), "maximum leapfrog steps per iteration (1 to 1000000)");
  val("target-accept", po::value<std::string>()->default_value("0.8"), "target acceptance (harmonic mean over chains)");
  val("parametrisation", po::value<std::string>()->default_value("auto"),
       "per-study parametrisation: auto (chosen in warmup), centred or non-centred");
  val("frequentist", po::value<std::string>()->default_value("basic"),
       "classical estimators beside the posterior: none, basic (FE, DL, REML, REML_knha, GLMM_ML) or all");
  val("unit", po::value<std::string>()->default_value("study"),
      "what a new prediction is for, in the tables' words: study (a new study, between-study sd), clinic, centre, ...");
  val("study-draws", po::value<std::string>()->default_value("auto"),
       "per-study theta columns in draws/NAME.csv: auto (when K <= 100), yes or no");
  val("replay", po::value<std::string>(), "re-run the fit recorded in DIR/summary.json (with --out, --force, --threads, --quiet)");
  flag("force", "replace the output folder if it exists");
  flag("report", "also write DIR/report.html (plots, tables, diagnostics) and DIR/figures/*.svg");
  flag("netcdf", "also write the draws as NetCDF-4: DIR/netcdf/NAME.nc per outcome (ArviZ) and DIR/posterior.nc");
  val("threshold", po::value<std::string>(), "show P(rate, or OR, at a new clinic > T) in the HTML report (implies --report)");
  flag("quiet", "print nothing on success");
  flag("leave-one-out", "sensitivity: the posterior (and metafor's leave1out and influence) with each study left out");
  val("cumulative", po::value<std::string>(),
      "sensitivity: the posterior (and metafor's cumul) after each study, in ascending order of this column (ties: file order)");
  val("prior-sensitivity", po::value<std::string>()->implicit_value("default"),
      "sensitivity: the posterior under each of these tau priors, ';'-separated (alone: half-normal(0.5), half-normal(1), "
      "half-cauchy(0.5), uniform(0,5)), beside the fit's own");
  val("prior-sensitivity-mu", po::value<std::string>(), "sensitivity: the posterior under each of these mu priors, ';'-separated");
  val("subgroups", po::value<std::string>(),
      "the posterior per level of this column (own tau each), metafor's test for subgroup differences, and the posterior of every pairwise difference");
  flag("small-study", "funnel plot, Egger's and Peters' tests and trim-and-fill (metafor's regtest and trimfill)");
  val("sensitivity-warmup", po::value<std::string>(),
      "warmup iterations per chain of each sensitivity variant (default: half of --warmup, at least 100)");
  val("sensitivity-draws", po::value<std::string>(),
      "draws per chain of each sensitivity variant (default: a quarter of --draws, at least 100)");
  val("sensitivity", po::value<std::string>(),
      "all: --leave-one-out, --prior-sensitivity and --small-study (and --cumulative, --subgroups when their columns are given)");
}

namespace {

std::vector<Prior> prior_list(const std::string& text, PriorRole role, const char* option) {
  std::vector<Prior> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(';', start), text.size());
    const std::string item = trim_copy(text.substr(start, end - start));
    if (item.empty())
      throw InputError(std::string(option) + ": an empty prior in " + quoted(text) + "; expected " + form_of(option + 2));
    out.push_back(parse_prior(item, role, option));
    start = end + 1;
  }
  return out;
}

// The sensitivity analyses asked for; their columns must be read, not ignored.
void parse_sensitivity(const po::variables_map& vm, FitOptions& fo, const std::vector<std::string>& ignore_columns) {
  SensitivityOptions& so = fo.sensitivity;
  bool all = false;
  if (vm.count("sensitivity")) {
    const std::string v = vm["sensitivity"].as<std::string>();
    if (v != "all") not_one_of("sensitivity", v, "all");
    all = true;
  }
  so.leave_one_out = all || vm.count("leave-one-out") > 0;
  if (vm.count("sensitivity-warmup")) so.warmup = static_cast<int>(int_option(vm, "sensitivity-warmup", 0, 10000000));
  if (vm.count("sensitivity-draws")) so.draws = static_cast<int>(int_option(vm, "sensitivity-draws", 4, 10000000));
  so.small_study = all || vm.count("small-study") > 0;
  if (vm.count("prior-sensitivity")) {
    const std::string v = vm["prior-sensitivity"].as<std::string>();
    so.tau_priors = v == "default" ? default_sensitivity_tau_priors()
                                   : prior_list(v, PriorRole::Scale, "--prior-sensitivity");
  } else if (all) {
    so.tau_priors = default_sensitivity_tau_priors();
  }
  if (vm.count("prior-sensitivity-mu"))
    so.mu_priors = prior_list(vm["prior-sensitivity-mu"].as<std::string>(), PriorRole::Location, "--prior-sensitivity-mu");
  for (const char* option : {"cumulative", "subgroups"}) {
    if (!vm.count(option)) continue;
    const std::string column = trim_copy(vm[option].as<std::string>());
    if (column.empty()) bad_value(option, "no column given");
    if (std::find(ignore_columns.begin(), ignore_columns.end(), column) != ignore_columns.end())
      throw InputError("--" + std::string(option) + ": " + quoted(column) +
                       " is also given to --ignore-columns; the analysis reads that column, so leave it out of --ignore-columns");
    (std::string(option) == "cumulative" ? so.cumulative_by : so.subgroups_by) = column;
  }
}

}  // namespace

// The fit settings of the options add_fit_options declared (those not declared keep their
// defaults): priors, sampler, device, chains, draws, ..., into info.options and info.threads.
void parse_fit_settings(const po::variables_map& vm, RunInfo& info, std::vector<std::string>& ignore_columns) {
  FitOptions& fo = info.options;
  fo.prior_mu = parse_prior(vm["prior-mu"].as<std::string>(), PriorRole::Location, "--prior-mu");
  fo.prior_tau = parse_prior(vm["prior-tau"].as<std::string>(), PriorRole::Scale, "--prior-tau");
  const std::string device = vm["device"].as<std::string>();
  if (device != "auto" && device != "cpu" && device != "cuda") not_one_of("device", device, "auto, cpu, cuda");
  fo.device = device == "cuda" || (device == "auto" && cuda_device_present()) ? Device::Cuda : Device::Cpu;
  std::string no_device;
  if (fo.device == Device::Cuda && !cuda_device_present(&no_device))
    throw InputError(std::string("--device cuda: ") +
                     (cuda_built() ? "no usable CUDA device (" + no_device + "); use --device cpu (or auto)"
                                   : "this hbmeta was built without CUDA (nvcc was not found at configure time); use --device cpu"));
  const bool gpu = fo.device == Device::Cuda;
  if (vm.count("gpu-lanes")) {
    const std::string lanes = vm["gpu-lanes"].as<std::string>();
    if (lanes == "auto") {
      fo.sampler.lanes = 0;
    } else {
      const long long l = int_option(vm, "gpu-lanes", 1, 32);
      if ((l & (l - 1)) != 0) not_one_of("gpu-lanes", lanes, "auto, 1, 2, 4, 8, 16, 32");
      fo.sampler.lanes = static_cast<int>(l);
    }
  }
  if (vm.count("gpu-study-data")) {
    const std::string where = vm["gpu-study-data"].as<std::string>();
    if (where != "shared" && where != "global") not_one_of("gpu-study-data", where, "shared, global");
    fo.sampler.stage_studies = where == "shared";
  }
  fo.sampler.chains = vm.count("chains") ? static_cast<int>(int_option(vm, "chains", 1, 1000000)) : gpu ? 4096 : 16;
  fo.sampler.warmup = static_cast<int>(int_option(vm, "warmup", 0, 10000000));
  fo.sampler.draws = vm.count("draws") ? static_cast<int>(int_option(vm, "draws", 4, 10000000)) : gpu ? 250 : 1000;
  if (vm.count("study-draw-cap")) {
    fo.study_draw_cap = static_cast<double>(int_option(vm, "study-draw-cap", 0, 1000000000));
  }
  if (vm.count("memory-budget")) fo.memory_budget = parse_memory_size(vm["memory-budget"].as<std::string>(), "memory-budget");
  fo.sampler.max_steps = static_cast<int>(int_option(vm, "max-steps", 1, 1000000));
  // Each chain keeps its draws in memory: bound the product too (the default is 16 x 1000).
  constexpr long long kMaxStoredDraws = 1000000000;
  if (static_cast<long long>(fo.sampler.chains) * fo.sampler.draws > kMaxStoredDraws)
    throw InputError("--chains " + std::to_string(fo.sampler.chains) + " with --draws " + std::to_string(fo.sampler.draws) +
                     " keeps " + std::to_string(static_cast<long long>(fo.sampler.chains) * fo.sampler.draws) +
                     " draws per quantity in memory; expected chains x draws at most 1000000000, e.g. --chains 16 --draws 1000");
  fo.sampler.seed = seed_option(vm);
  fo.sampler.target_accept = real_option("target-accept", vm["target-accept"].as<std::string>());
  if (!(fo.sampler.target_accept > 0 && fo.sampler.target_accept < 1))
    throw InputError("--target-accept: expected " + form_of("target-accept") + "; got " +
                     quoted(vm["target-accept"].as<std::string>()));
  const std::string alg = vm["sampler"].as<std::string>();
  if (alg == "hmc") fo.sampler.algorithm = Algorithm::Hmc;
  else if (alg == "gibbs") fo.sampler.algorithm = Algorithm::Gibbs;
  else not_one_of("sampler", alg, "hmc, gibbs");
  const std::string par = vm["parametrisation"].as<std::string>();
  if (par == "auto") fo.sampler.parametrisation = Parametrisation::Auto;
  else if (par == "centred") fo.sampler.parametrisation = Parametrisation::Centred;
  else if (par == "non-centred") fo.sampler.parametrisation = Parametrisation::NonCentred;
  else not_one_of("parametrisation", par, "auto, centred, non-centred");
  if (vm.count("frequentist")) {
    const std::string fq = vm["frequentist"].as<std::string>();
    if (fq == "none") fo.frequentist = FrequentistLevel::None;
    else if (fq == "basic") fo.frequentist = FrequentistLevel::Basic;
    else if (fq == "all") fo.frequentist = FrequentistLevel::All;
    else not_one_of("frequentist", fq, "none, basic, all");
  }
  if (vm.count("study-draws")) {
    const std::string sd = vm["study-draws"].as<std::string>();
    if (sd == "auto") fo.study_draws = FitOptions::StudyDraws::Auto;
    else if (sd == "yes") fo.study_draws = FitOptions::StudyDraws::Yes;
    else if (sd == "no") fo.study_draws = FitOptions::StudyDraws::No;
    else not_one_of("study-draws", sd, "auto, yes, no");
  }
  if (vm.count("new-clinic-size")) {
    fo.new_clinic_size = int_option(vm, "new-clinic-size", 0, 1000000000);
  }
  if (vm.count("unit")) {
    const std::string u = vm["unit"].as<std::string>();
    const bool word = !u.empty() && u.size() <= 24 &&
                      std::all_of(u.begin(), u.end(), [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) || ch == '-' || ch == ' '; });
    if (!word) bad_value("unit", quoted(u) + " is not a word of letters (spaces and hyphens allowed, at most 24 characters)");
    fo.unit = u;
  }
  if (vm.count("covariates")) {
    fo.covariates = split_list(vm["covariates"].as<std::string>(), "--covariates");
    ignore_columns = split_list(vm["ignore-columns"].as<std::string>(), "--ignore-columns");
    for (const auto& c : ignore_columns)
      if (std::find(fo.covariates.begin(), fo.covariates.end(), c) != fo.covariates.end())
        throw InputError("--ignore-columns: " + quoted(c) +
                         " is also given to --covariates; a column is either used as a covariate or left out, not both");
    if (vm.count("prior-beta")) {
      for (const auto& spec : vm["prior-beta"].as<std::vector<std::string>>()) {
        const std::size_t eq = spec.find('='), paren = spec.find('(');
        if (eq != std::string::npos && (paren == std::string::npos || eq < paren)) {
          const std::string name = trim_copy(spec.substr(0, eq));
          const std::string column = name.substr(0, name.find('='));
          if (std::find(fo.covariates.begin(), fo.covariates.end(), column) == fo.covariates.end())
            throw InputError("--prior-beta: '" + name + "' is not a --covariates column (or one of its levels); expected " +
                             form_of("prior-beta"));
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
        throw InputError("--new-clinic: '" + name + "' is not one of the --covariates columns; expected " +
                         form_of("new-clinic"));
      fo.new_clinic.emplace_back(name, trim_copy(item.substr(eq + 1)));
    }
  }
  if (vm.count("baseline")) {
    const std::string bl = vm["baseline"].as<std::string>();
    if (bl == "independent") fo.baseline = BaselineModel::Independent;
    else if (bl == "random") fo.baseline = BaselineModel::Random;
    else not_one_of("baseline", bl, "independent, random");
    fo.prior_baseline = parse_prior(vm["prior-baseline"].as<std::string>(), PriorRole::Location, "--prior-baseline");
    fo.prior_baseline_sd = parse_prior(vm["prior-baseline-sd"].as<std::string>(), PriorRole::Scale, "--prior-baseline-sd");
  }
  if (vm.count("baseline-rate")) {
    fo.baseline_rate = real_option("baseline-rate", vm["baseline-rate"].as<std::string>());
    if (!(fo.baseline_rate > 0 && fo.baseline_rate < 1))
      throw InputError("--baseline-rate: expected " + form_of("baseline-rate") + "; got " +
                       quoted(vm["baseline-rate"].as<std::string>()));
  }
  info.threads = static_cast<int>(int_option(vm, "threads", 1, 4096));
  parse_sensitivity(vm, fo, ignore_columns);
}

}  // namespace hbm::cli
