// `hbmeta design` (host/cli/design_command.hpp): options parsed, the historical outcome fitted,
// the design computed (host/design/), outputs written.
#include "host/cli/design_command.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/cli/command_line.hpp"
#include "host/cli/design_hierarchical.hpp"
#include "host/cli/design_output.hpp"
#include "host/cli/design_pipeline.hpp"
#include "host/cli/design_shard.hpp"
#include "host/cli/device_probe.hpp"
#include "host/cli/fit_settings.hpp"
#include "host/cli/mpi_command.hpp"
#include "host/cli/option_values.hpp"
#include "host/cli/shard_option.hpp"
#include "host/design/design_analysis.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/fit/prior_spec.hpp"
#include "host/fit/run_info.hpp"
#include "host/io/csv_reader.hpp"
#include "host/io/output_writer.hpp"
#include "host/simulation/mpi_support.hpp"
#include "host/support/input_error.hpp"
#include "host/support/interrupt.hpp"
#include "host/support/progress.hpp"
#include "host/support/thread_pool.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace hbm {
namespace {

using namespace design;

constexpr const char* kDesignUsage =
    "usage: hbmeta design HIST.csv [--outcome NAME] --n-treat N --n-control N [--criterion DELTA:C]...\n"
    "              [--scale difference|log-or] [--effect D] [--treatment-prior \"beta(a,b)\"]\n"
    "              [--design-prior \"beta(a,b)\"] [--robust-weight W] [--robust-mean M] [--robust-n N0]\n"
    "              [--method mixture|hierarchical|both] [--target-power P] [--allocation-ratio R]\n"
    "              [--out DIR] [--shard I/N]\n"
    "              [fit options: priors, sampler, chains, seed, threads, device]\n";

// The accepted form of each design option, as its messages show it.
const char* design_form(const std::string& option) {
  static const std::pair<const char*, const char*> kForms[] = {
      {"n-treat", "a positive integer up to 100000, e.g. --n-treat 60"},
      {"n-control", "a positive integer up to 100000, e.g. --n-control 40"},
      {"criterion", "DELTA:C with C strictly between 0 and 1, e.g. --criterion 0:0.975 (repeatable: every criterion must hold)"},
      {"scale", "difference or log-or, e.g. --scale log-or"},
      {"effect", "a finite number on the decision scale, e.g. --effect 0.15 (difference) or --effect 0.7 (log OR)"},
      {"treatment-prior", "beta(a,b) with a, b > 0, e.g. --treatment-prior 'beta(1,1)'"},
      {"design-prior", "beta(a,b) with a, b > 0, e.g. --design-prior 'beta(30,20)'"},
      {"robust-weight", "a number from 0 (no robust component) up to but not including 1, e.g. --robust-weight 0.2"},
      {"robust-mean", "a rate strictly between 0 and 1, e.g. --robust-mean 0.5"},
      {"robust-n", "a number >= 0 (the robust component is Beta(M (N0 + 1), (1 - M)(N0 + 1))), e.g. --robust-n 1"},
      {"method", "mixture, hierarchical or both, e.g. --method both"},
      {"target-power", "a probability strictly between 0 and 1, e.g. --target-power 0.8"},
      {"allocation-ratio", "a number R > 0 up to 100, n_t : n_c = R : 1 in the sample-size search (n_c = ceil(n_t / R)), e.g. --allocation-ratio 2"},
  };
  for (const auto& [name, form] : kForms)
    if (option == name) return form;
  return "see hbmeta design --help";
}

[[noreturn]] void bad(const std::string& option, const std::string& got) {
  throw InputError("--" + option + ": expected " + design_form(option) + "; got " + got);
}

double real_value(const po::variables_map& vm, const std::string& option) {
  const std::string text = vm[option].as<std::string>();
  try {
    return cli::real_option(option, text);
  } catch (const InputError&) {
    bad(option, cli::quoted(text));
  }
}

int count_value(const po::variables_map& vm, const std::string& option) {
  const std::string v = cli::trim_copy(vm[option].as<std::string>());
  if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) bad(option, cli::quoted(v));
  const int n = std::stoi(v);
  if (n < 1 || n > 100000) bad(option, cli::quoted(v));
  return n;
}

// "beta(a,b)" -> a one-component mixture.
BetaMixture beta_value(const po::variables_map& vm, const std::string& option) {
  const std::string text = cli::trim_copy(vm[option].as<std::string>());
  std::string t;
  for (char ch : text)
    if (ch != ' ' && ch != '\t') t += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const std::size_t comma = t.find(',');
  if (t.rfind("beta(", 0) != 0 || t.back() != ')' || comma == std::string::npos) bad(option, cli::quoted(text));
  double a = 0, b = 0;
  try {
    a = cli::real_option(option, t.substr(5, comma - 5));
    b = cli::real_option(option, t.substr(comma + 1, t.size() - comma - 2));
  } catch (const InputError&) {
    bad(option, cli::quoted(text));
  }
  if (!(a > 0 && b > 0)) bad(option, cli::quoted(text));
  return {{1.0, a, b}};
}

DecisionRule rule_value(const po::variables_map& vm) {
  DecisionRule rule;
  const std::string scale = vm["scale"].as<std::string>();
  if (scale == "difference") rule.scale = EffectScale::Difference;
  else if (scale == "log-or") rule.scale = EffectScale::LogOddsRatio;
  else bad("scale", cli::quoted(scale));
  if (vm.count("criterion")) {
    rule.criteria.clear();
    for (const auto& text : vm["criterion"].as<std::vector<std::string>>()) {
      const std::size_t colon = text.find(':');
      if (colon == std::string::npos) bad("criterion", cli::quoted(text));
      Criterion c;
      try {
        c.delta = cli::real_option("criterion", text.substr(0, colon));
        c.c = cli::real_option("criterion", text.substr(colon + 1));
      } catch (const InputError&) {
        bad("criterion", cli::quoted(text));
      }
      if (!(c.c > 0 && c.c < 1)) bad("criterion", cli::quoted(text) + " (C must be strictly between 0 and 1)");
      if (rule.scale == EffectScale::Difference && !(c.delta > -1 && c.delta < 1))
        bad("criterion", cli::quoted(text) + " (on the difference scale DELTA lies strictly between -1 and 1)");
      rule.criteria.push_back(c);
    }
  }
  return rule;
}

// The outcome to design from: --outcome, or the file's only one.
OutcomeData chosen_outcome(const std::vector<OutcomeData>& outcomes, const po::variables_map& vm, const std::string& input) {
  std::string names;
  for (std::size_t k = 0; k < outcomes.size() && k < 20; ++k) names += (k ? ", " : "") + outcomes[k].name;
  if (!vm.count("outcome")) {
    if (outcomes.size() == 1) return outcomes[0];
    throw InputError(input + ": " + std::to_string(outcomes.size()) + " outcomes (" + names +
                     "); design from one of them with --outcome NAME, e.g. --outcome " + outcomes[0].name);
  }
  const std::string name = vm["outcome"].as<std::string>();
  for (const auto& o : outcomes)
    if (o.name == name) return o;
  throw InputError("--outcome: no outcome " + cli::quoted(name) + " in " + input + " (outcomes: " + names +
                   "); expected one of these names, as written in the outcome column, e.g. --outcome " + outcomes[0].name);
}

// The control arms of a two-arm outcome as a single-arm outcome (the MAP prior is that of the
// control rate); a single-arm outcome as it is.
OutcomeData control_arms(const OutcomeData& o) {
  if (o.kind == OutcomeKind::SingleArm) return o;
  OutcomeData c = o;
  c.kind = OutcomeKind::SingleArm;
  for (auto& s : c.studies) {
    s.events = s.events_c;
    s.total = s.total_c;
    s.events_c = s.total_c = 0;
  }
  return c;
}

// The command's arguments without --shard I/N (also --shard=I/N, or an abbreviation such as
// --sha, which the parser accepts): what the merged run's command is rebuilt from.
std::vector<std::string> args_without_shard(int argc, char** argv) {
  std::vector<std::string> out;
  for (int k = 0; k < argc; ++k) {
    const std::string a = argv[k];
    const std::size_t eq = a.find('=');
    const std::string name = a.rfind("--", 0) == 0 ? a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2) : "";
    if (name.size() >= 2 && std::string("shard").rfind(name, 0) == 0) {
      if (eq == std::string::npos) ++k;  // its value
      continue;
    }
    out.push_back(a);
  }
  return out;
}

int design_main(int argc, char** argv, const MpiWorld& world) {
  po::options_description opts("hbmeta design options");
  static const std::set<std::string> kWant = {"help", "prior-mu", "prior-tau", "sampler", "device", "gpu-lanes",
                                              "gpu-study-data", "chains", "warmup", "draws", "seed", "threads",
                                              "max-steps", "target-accept", "parametrisation", "covariates",
                                              "ignore-columns", "prior-beta", "new-clinic", "memory-budget",
                                              "force", "quiet"};
  cli::add_fit_options(opts, [](const std::string& n) { return kWant.count(n) > 0; });
  opts.add_options()("out", po::value<std::string>()->default_value("hbmeta-design"), "output folder")(
      "outcome", po::value<std::string>(), "the historical outcome to design from (needed when the CSV has several)")(
      "n-treat", po::value<std::string>(), "planned treatment-arm size")(
      "n-control", po::value<std::string>(), "planned control-arm size")(
      "criterion", po::value<std::vector<std::string>>(), "DELTA:C, success when P(effect > DELTA | data) > C (repeatable; default 0:0.975)")(
      "scale", po::value<std::string>()->default_value("difference"), "effect scale of the decision: difference (p_t - p_c) or log-or")(
      "effect", po::value<std::string>(), "planned true effect on the decision scale (power, sample size, assurance); default for a two-arm outcome: its pooled odds ratio")(
      "treatment-prior", po::value<std::string>()->default_value("beta(1,1)"), "prior of the treatment-arm rate")(
      "design-prior", po::value<std::string>(), "assurance: p_t from this beta, independently of p_c (default: p_c from the MAP, p_t = p_c + effect)")(
      "robust-weight", po::value<std::string>()->default_value("0.2"), "weight of the robust component")(
      "robust-mean", po::value<std::string>()->default_value("0.5"), "mean of the robust component")(
      "robust-n", po::value<std::string>()->default_value("1"), "robust component's n (Beta(M (N0+1), (1-M)(N0+1)), as RBesT)")(
      "method", po::value<std::string>()->default_value("mixture"), "mixture, hierarchical (refit per control outcome) or both")(
      "target-power", po::value<std::string>()->default_value("0.8"), "power the sample size search aims at")(
      "allocation-ratio", po::value<std::string>(), "sample size with n_t : n_c = R : 1 (n_c = ceil(n_t / R)) instead of n_c fixed")(
      "shard", po::value<std::string>(), "hierarchical path: refit only the control outcomes y_c with y_c % N == I and write them for merge-design");
  const po::variables_map vm = cli::parse_command(argc, argv, opts, "data", "design");
  if (vm.count("help")) {
    if (world.rank == 0) std::cout << kDesignUsage << "\n" << opts;
    return 0;
  }
  if (!vm.count("data"))
    throw InputError(std::string("design: missing the historical CSV; ") + kDesignUsage + "(all options: hbmeta design --help)");
  if (!vm.count("n-treat")) throw InputError(std::string("design: missing --n-treat N; expected ") + design_form("n-treat"));
  if (!vm.count("n-control")) throw InputError(std::string("design: missing --n-control N; expected ") + design_form("n-control"));

  // Every option is checked before anything is read or fitted.
  RunInfo info;
  std::vector<std::string> ignore_columns;
  cli::parse_fit_settings(vm, info, ignore_columns);
  FitOptions fo = info.options;
  fo.frequentist = FrequentistLevel::None;
  fo.study_draws = FitOptions::StudyDraws::No;
  DesignSettings s;
  s.n_t = count_value(vm, "n-treat");
  s.n_c = count_value(vm, "n-control");
  s.rule = rule_value(vm);
  s.treatment_prior = beta_value(vm, "treatment-prior");
  if (vm.count("design-prior")) s.design_prior = beta_value(vm, "design-prior"), s.has_design_prior = true;
  s.robust_weight = real_value(vm, "robust-weight");
  if (!(s.robust_weight >= 0 && s.robust_weight < 1)) bad("robust-weight", cli::quoted(vm["robust-weight"].as<std::string>()));
  s.robust_mean = real_value(vm, "robust-mean");
  if (!(s.robust_mean > 0 && s.robust_mean < 1)) bad("robust-mean", cli::quoted(vm["robust-mean"].as<std::string>()));
  s.robust_n = real_value(vm, "robust-n");
  if (!(s.robust_n >= 0 && s.robust_n <= 1e6)) bad("robust-n", cli::quoted(vm["robust-n"].as<std::string>()));
  // The sample-size search stops at 10 (n_t + n_c): with n_c fixed, power levels off below 1 as
  // n_t grows (the control arm's uncertainty remains), so a larger n_t rarely helps; with an
  // allocation ratio the same bound keeps the search as long.
  s.max_n_t = std::min(20000, 10 * (s.n_t + s.n_c));
  s.target_power = real_value(vm, "target-power");
  if (!(s.target_power > 0 && s.target_power < 1)) bad("target-power", cli::quoted(vm["target-power"].as<std::string>()));
  if (vm.count("allocation-ratio")) {
    s.allocation_ratio = real_value(vm, "allocation-ratio");
    if (!(s.allocation_ratio > 0 && s.allocation_ratio <= 100))
      bad("allocation-ratio", cli::quoted(vm["allocation-ratio"].as<std::string>()));
  }
  const std::string method = vm["method"].as<std::string>();
  if (method != "mixture" && method != "hierarchical" && method != "both") bad("method", cli::quoted(method));
  if (vm.count("effect")) {
    s.effect = real_value(vm, "effect");
    if (s.rule.scale == EffectScale::Difference && !(s.effect > -1 && s.effect < 1))
      bad("effect", cli::quoted(vm["effect"].as<std::string>()) + " (a difference of rates lies strictly between -1 and 1)");
  }
  const std::string input = vm["data"].as<std::string>(), out_dir = vm["out"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0, force = vm.count("force") > 0;

  const std::vector<OutcomeData> outcomes = read_outcomes(input, fo.covariates, ignore_columns);
  const OutcomeData chosen = chosen_outcome(outcomes, vm, input);
  const OutcomeData history = control_arms(chosen);
  if (chosen.kind == OutcomeKind::SingleArm && !std::isfinite(s.effect))
    throw InputError("--effect: " + input + ": outcome " + cli::quoted(chosen.name) +
                     " is single-arm, so the data say nothing about the treatment effect; give the planned effect on the " +
                     (s.rule.scale == EffectScale::Difference ? "difference scale, e.g. --effect 0.15" : "log-OR scale, e.g. --effect 0.7"));
  if (method != "mixture" && history.P() > 0)
    throw InputError("--method " + method + ": the hierarchical path adds the planned trial as a study, which has no covariate "
                     "values; use --method mixture with --covariates, or leave --covariates out");
  // The hierarchical refits are split by --shard I/N, or across the ranks under mpirun.
  int shard_i = world.rank, shard_n = world.size;
  const bool by_hand = vm.count("shard") > 0;
  if (by_hand) {
    cli::parse_shard(vm["shard"].as<std::string>(), &shard_i, &shard_n);
    if (method == "mixture")
      throw InputError("--shard: only the hierarchical path's refits are split into shards, and --method mixture has "
                       "none; add --method hierarchical (or both), or leave --shard out");
    if (world.size > 1)
      throw InputError("--shard: under mpirun the refits are shared across the ranks already; give either "
                       "mpirun -np R or --shard I/N, not both");
  }
  refuse_existing_folder(out_dir, force);
  // Under mpirun the mixture path is rank 0's alone.
  if (method == "mixture" && world.rank != 0) return 0;
  const bool talk = !quiet && world.rank == 0;

  DesignRun run;
  run.version = HBMETA_VERSION;
  run.command = cli::join_command(argc, argv);
  run.input = input;
  run.outcome = chosen.name;
  run.k = static_cast<int>(history.studies.size());
  run.model_kind = chosen.kind == OutcomeKind::SingleArm ? "single-arm" : "two-arm, control arms";
  run.device = cli::device_label(fo.device);
  run.method = method;
  run.seed = fo.sampler.seed;
  run.prior_mu = prior_to_string(fo.prior_mu);
  run.prior_tau = prior_to_string(fo.prior_tau);
  run.sampler = fo.sampler.algorithm == Algorithm::Gibbs ? "gibbs" : "hmc";
  run.chains = fo.sampler.chains;
  run.warmup = fo.sampler.warmup;
  run.draws = fo.sampler.draws;
  if (talk)
    std::cout << "hbmeta " << run.version << " design: outcome " << chosen.name << " of " << input << " (" << run.k
              << " studies, " << run.model_kind << "); device " << run.device << ", " << info.threads << " thread(s), "
              << fo.sampler.chains << " chains x " << fo.sampler.draws << " draws, seed " << fo.sampler.seed
              << (by_hand ? ", shard " + std::to_string(shard_i) + "/" + std::to_string(shard_n) : std::string())
              << (world.size > 1 ? ", " + std::to_string(world.size) + " MPI ranks" : std::string()) << "\n\n"
              << std::flush;
  install_interrupt_handlers();
  ThreadPool pool(info.threads);
  const auto t0 = std::chrono::steady_clock::now();

  // The MAP prior: p_new of the usual fit of the (control-arm) outcome.
  const OutcomeResult fit = fit_outcome(history, fo, pool);
  std::vector<double> map_draws;
  for (std::size_t k = 0; k < fit.draw_names.size(); ++k)
    if (fit.draw_names[k] == "p_new") map_draws = fit.draw_columns[k];
  run.warnings = fit.warnings;
  if (!std::isfinite(s.effect)) {  // two-arm: the historical pooled odds ratio, at the MAP's mean
    FitOptions two = fo;
    const OutcomeResult tr = fit_outcome(chosen, two, pool);
    const double log_or = std::log(tr.find("or_pooled")->q[3]);
    double m = 0;
    for (double p : map_draws) m += p;
    m /= static_cast<double>(map_draws.size());
    s.effect = s.rule.scale == EffectScale::LogOddsRatio ? log_or : shifted_rate(m, log_or, EffectScale::LogOddsRatio) - m;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", std::exp(log_or));
    run.effect_source = std::string("the historical pooled odds ratio, posterior median ") + buf +
                        (s.rule.scale == EffectScale::Difference ? ", at the MAP mean control rate" : "");
  } else {
    run.effect_source = "--effect";
  }

  // The hierarchical path: this shard's (or rank's) control outcomes refitted.
  std::vector<int> mine, mine_boundary;
  if (method != "mixture") {
    mine = shard_control_outcomes(s.n_c, shard_i, shard_n);
    FitOptions ho = fo;
    Progress progress(static_cast<double>(mine.size()) * ho.sampler.chains * (ho.sampler.warmup + ho.sampler.draws),
                      talk && Progress::stderr_is_terminal());
    if (progress.enabled()) ho.sampler.progress = &progress;
    progress.set_label("hierarchical path: " + std::to_string(mine.size()) + " refits");
    mine_boundary = hierarchical_boundaries(history, mine, map_draws, s, ho, pool);
    progress.clear_line();
  }
  if (by_hand) {
    DesignShard sh;
    run.command = "";
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sh.run = run;
    sh.settings = s;
    sh.agreement = design_agreement(run, fo.sampler, s);
    sh.args = args_without_shard(argc, argv);
    sh.map_draws = map_draws;
    sh.chains = static_cast<std::size_t>(fit.chains);
    sh.shard_i = shard_i;
    sh.shard_n = shard_n;
    for (std::size_t k = 0; k < mine.size(); ++k) sh.boundary.push_back({mine[k], mine_boundary[k]});
    const std::string text = design_shard_json(sh);
    write_folder_atomically(out_dir, force, [&](const fs::path& tmp) { write_file(tmp / "design_shard.json", text); });
    if (!quiet)
      std::cout << "shard " << shard_i << "/" << shard_n << ": " << mine.size() << " of the " << s.n_c + 1
                << " control outcomes refitted; wrote " << out_dir << "/design_shard.json (" << run.seconds
                << " s); merge all " << shard_n << " shards with hbmeta merge-design DIR... --out DIR\n";
    return 0;
  }
  // Under mpirun every rank's boundaries go to rank 0, which alone goes on.
  std::string mine_text;
  for (std::size_t k = 0; k < mine.size(); ++k) mine_text += std::to_string(mine[k]) + " " + std::to_string(mine_boundary[k]) + "\n";
  // (--method mixture: ranks other than 0 stopped after the options, so there is nothing to gather.)
  const std::vector<std::string> texts = method == "mixture" ? std::vector<std::string>{} : mpi_gather_text(world, mine_text);
  if (world.rank != 0) return 0;

  DesignResult r = design_mixture_path(run, s, map_draws, static_cast<std::size_t>(fit.chains), pool);
  if (method != "mixture") {
    std::vector<int> boundary(s.n_c + 1, -1);
    for (const auto& t : texts) {
      std::istringstream in(t);
      int y = 0, b = 0;
      while (in >> y >> b) boundary.at(y) = b;
    }
    for (int b : boundary)
      if (b < 0) throw std::runtime_error("design: a control outcome's boundary is missing after the MPI gather");
    set_hierarchical_boundary(r, std::move(boundary), s);
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_design_outputs(out_dir, force, quiet, run, s, r, map_draws);
  return 0;
}

}  // namespace

int run_design(int argc, char** argv) { return run_under_mpi(argc, argv, design_main); }

}  // namespace hbm
