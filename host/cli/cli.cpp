#include "host/cli/cli.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <csignal>
#include <filesystem>
#include <functional>
#include <iostream>
#include <set>
#include <thread>

#include "host/io/csv_reader.hpp"
#include "host/cli/diagnose_command.hpp"
#include "host/report/html_report.hpp"
#include "host/support/input_error.hpp"
#include "host/engine/memory_plan.hpp"
#include "host/support/interrupt.hpp"
#include "host/io/json_reader.hpp"
#include "host/io/output_writer.hpp"
#include "host/support/progress.hpp"
#include "host/fit/prior_spec.hpp"
#include "host/fit/run_info.hpp"
#include "host/cli/batch_command.hpp"
#include "host/cli/bench_command.hpp"
#include "host/cli/simulate_command.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/report/text_report.hpp"
#ifdef HBMETA_HAVE_CUDA
#include "cuda/device_engine.hpp"
#endif

namespace po = boost::program_options;

namespace hbm {
namespace {

const char* kUsage =
    "usage: hbmeta fit DATA.csv [--out DIR] [--outcome NAME]... [--prior-mu \"normal(m,s)\"]\n"
    "                 [--prior-tau SPEC] [--chains N] [--warmup N] [--draws N] [--seed S]\n"
    "                 [--threads T] [--covariates a,b] [--new-clinic \"a=1.5,b=x\"]\n"
    "                 [--baseline independent|random] [--baseline-rate P0] [--device auto|cpu|cuda]\n"
    "                 [--force]\n"
    "                 (all options: hbmeta fit --help)\n"
    "       hbmeta diagnose DRAWS.csv... [--json] [--superchains K]\n"
    "       hbmeta report DIR [--threshold T]     (DIR: an hbmeta fit output folder)\n"
    "       hbmeta batch DATA.csv [--out DIR] [fit options]   (a dataset column: many datasets, one tidy summary)\n"
    "       hbmeta simulate --scenario FILE.json --reps N [--seed S] [--out DIR] [--write-data] [--shard I/N]\n"
    "       hbmeta merge-simulations DIR1 DIR2... --out DIR   (shards of one simulate run)\n"
    "       hbmeta bench-gradient DATA.csv [--device cpu|cuda] [--chains N]   (benchmarks)\n"
    "       hbmeta --help | --version\n";

bool cuda_built() {
#ifdef HBMETA_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

bool cuda_device_present() {
#ifdef HBMETA_HAVE_CUDA
  return cuda::device_count() > 0;
#else
  return false;
#endif
}

std::string cuda_device_name() {
#ifdef HBMETA_HAVE_CUDA
  return cuda::device_info(0).name;
#else
  return "none";
#endif
}

// The device as summary.json and stdout name it: "cpu" or "cuda (NVIDIA H200)".
std::string device_label(Device d) { return d == Device::Cuda ? "cuda (" + cuda_device_name() + ")" : "cpu"; }

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

// ---- option values ----------------------------------------------------------------------
//
// Every bad value gets ONE line naming the option and the accepted form:
//   --chains: -4 is not allowed; expected a positive integer up to 1000000, e.g. --chains 16
// (docs/input_errors.md lists them; tests/input_hardening_test.cpp checks them).

// The accepted form of each option that takes a value, as shown in its messages.
const char* accepted_form(const std::string& option) {
  static const std::pair<const char*, const char*> kForms[] = {
      {"out", "a folder to create, e.g. --out results"},
      {"outcome", "an outcome name from the CSV's outcome column, e.g. --outcome mortality (repeatable)"},
      {"prior-mu", "normal(mean,sd) with sd > 0, e.g. --prior-mu 'normal(0,10)'"},
      {"prior-tau", "half-normal(s), half-cauchy(s), half-t(nu,s), uniform(0,u) or log-normal(m,s), e.g. --prior-tau 'half-normal(1)'"},
      {"sampler", "hmc or gibbs, e.g. --sampler hmc"},
      {"chains", "a positive integer up to 1000000, e.g. --chains 16"},
      {"warmup", "an integer from 0 to 10000000, e.g. --warmup 500"},
      {"draws", "an integer from 4 to 10000000, e.g. --draws 1000"},
      {"seed", "an integer from 0 to 18446744073709551615, e.g. --seed 20251121"},
      {"threads", "a positive integer up to 4096, e.g. --threads 8"},
      {"new-clinic-size", "an integer from 0 (off) to 1000000000, e.g. --new-clinic-size 100"},
      {"covariates", "comma-separated column names, e.g. --covariates dose,region"},
      {"ignore-columns", "comma-separated column names, e.g. --ignore-columns notes,year"},
      {"prior-beta", "normal(m,s), or NAME=normal(m,s) for one covariate column or indicator, e.g. --prior-beta 'dose=normal(0,1)'"},
      {"new-clinic", "comma-separated NAME=VALUE pairs of --covariates columns, e.g. --new-clinic 'dose=1.5,region=Europe'"},
      {"baseline", "independent or random, e.g. --baseline random"},
      {"prior-baseline", "normal(mean,sd) with sd > 0, e.g. --prior-baseline 'normal(0,10)'"},
      {"prior-baseline-sd", "half-normal(s), half-cauchy(s), half-t(nu,s), uniform(0,u) or log-normal(m,s), e.g. --prior-baseline-sd 'half-normal(2)'"},
      {"baseline-rate", "a control-arm rate strictly between 0 and 1, e.g. --baseline-rate 0.3"},
      {"max-steps", "a positive integer up to 1000000, e.g. --max-steps 1024"},
      {"target-accept", "a number strictly between 0 and 1, e.g. --target-accept 0.8"},
      {"parametrisation", "auto, centred or non-centred, e.g. --parametrisation auto"},
      {"frequentist", "none, basic or all, e.g. --frequentist all"},
      {"study-draws", "auto, yes or no, e.g. --study-draws no"},
      {"unit", "a word such as study, clinic, centre or trial, e.g. --unit clinic"},
      {"device", "auto, cpu or cuda, e.g. --device cuda"},
      {"gpu-lanes", "auto, or lanes per chain 1, 2, 4, 8, 16 or 32, e.g. --gpu-lanes 32"},
      {"gpu-study-data", "shared or global, e.g. --gpu-study-data global"},
      {"study-draw-cap", "an integer from 0 (keep all) to 1000000000, e.g. --study-draw-cap 200000"},
      {"memory-budget", "a size such as 8G, 512M or a number of bytes, e.g. --memory-budget 8G"},
      {"replay", "the summary.json of an earlier run, e.g. --replay hbmeta-out/summary.json"},
      {"threshold", "a finite number, e.g. --threshold 0.5"},
      {"scenario", "a JSON scenario file, e.g. --scenario data/scenarios_example.json"},
      {"reps", "a positive integer up to 10000000, e.g. --reps 1000"},
      {"shard", "I/N with 0 <= I < N, e.g. --shard 0/4"},
      {"datasets-per-launch", "an integer from 0 (all in one launch) to 100000000, e.g. --datasets-per-launch 5000"},
  };
  for (const auto& [name, form] : kForms)
    if (option == name) return form;
  return nullptr;
}

std::string form_of(const std::string& option) {
  const char* f = accepted_form(option);
  return f ? f : "see hbmeta fit --help";
}

// A value as quoted in a message (long values cut, so the message stays one short line).
std::string quoted(const std::string& v) {
  std::string s = v.size() <= 40 ? v : v.substr(0, 30) + "... (" + std::to_string(v.size()) + " characters)";
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return "'" + s + "'";
}

[[noreturn]] void bad_value(const std::string& option, const std::string& what) {
  throw InputError("--" + option + ": " + what + "; expected " + form_of(option));
}

// An integer option: plain decimal digits (a leading '-' only to say that negative values are
// not allowed), within [lo, hi].
long long int_option(const po::variables_map& vm, const char* name, long long lo, long long hi) {
  const std::string text = vm[name].as<std::string>();
  const std::string v = trim_copy(text);
  const bool neg = !v.empty() && v[0] == '-';
  const std::string digits = neg ? v.substr(1) : v;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
    bad_value(name, v.empty() ? "no value given" : quoted(text) + " is not a whole number written in digits");
  const std::size_t nz = std::min(digits.find_first_not_of('0'), digits.size());
  const std::string d = digits.substr(nz);
  const bool huge = d.size() > 18;  // beyond every bound: do not convert
  const long long x = huge ? 0 : std::stoll(d.empty() ? "0" : d);
  if (neg && (huge || x > 0)) bad_value(name, v + " is not allowed");
  if (huge || x > hi) bad_value(name, (v.size() <= 40 ? v : quoted(v)) + " is too large");
  if (x < lo) bad_value(name, v + " is not allowed");
  return x;
}

// --seed: any unsigned 64-bit integer, in digits (no sign: -1 must not wrap to 2^64 - 1).
unsigned long long seed_option(const po::variables_map& vm) {
  const std::string text = vm["seed"].as<std::string>();
  const std::string v = trim_copy(text);
  if (!v.empty() && v[0] == '-' && v.size() > 1 && v.find_first_not_of("0123456789", 1) == std::string::npos)
    bad_value("seed", v + " is not allowed (seeds are not negative)");
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
    bad_value("seed", v.empty() ? "no value given" : quoted(text) + " is not a whole number written in digits");
  const std::string d = v.substr(std::min(v.find_first_not_of('0'), v.size()));
  constexpr std::string_view kMax = "18446744073709551615";
  if (d.size() > kMax.size() || (d.size() == kMax.size() && d > kMax))
    bad_value("seed", (v.size() <= 40 ? v : quoted(v)) + " is too large");
  return d.empty() ? 0ULL : std::stoull(d);
}

// A real-valued option: a plain finite decimal number (no hex, inf or nan).
double real_option(const std::string& name, const std::string& text) {
  const std::string v = trim_copy(text);
  char* end = nullptr;
  errno = 0;
  const double x = v.empty() ? 0.0 : std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || v.find_first_not_of("0123456789.eE+-") != std::string::npos ||
      !std::isfinite(x) || errno == ERANGE)
    throw InputError("--" + name + ": expected " + form_of(name) + "; got " + (v.empty() ? "no value" : quoted(text)));
  return x;
}

// One of a fixed set of words.
[[noreturn]] void not_one_of(const std::string& option, const std::string& value, const char* choices) {
  const std::string form = form_of(option);
  const std::size_t eg = form.find("e.g.");
  throw InputError("--" + option + ": " + quoted(value) + " is not one of " + choices +
                   (eg == std::string::npos ? "" : "; " + form.substr(eg)));
}

// "a, b,c" -> {a, b, c}; empty text -> {}. Empty items and repeats are errors.
std::vector<std::string> split_list(const std::string& text, const char* option) {
  std::vector<std::string> out;
  if (trim_copy(text).empty()) return out;
  const std::string name = std::string(option).substr(2);
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string item = trim_copy(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) bad_value(name, "empty item in " + quoted(text));
    if (std::find(out.begin(), out.end(), item) != out.end()) bad_value(name, quoted(item) + " is given twice");
    out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Edits between a and b, a swap of two neighbouring letters counting as one (optimal string
// alignment): "--prior-tua" is one edit from --prior-tau, two from --prior-mu.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// "--chanes" -> "--chains" when one option is close (a typo); empty when none is.
std::string closest_option(const std::string& given, const po::options_description& opts) {
  std::string word = given;
  while (!word.empty() && word[0] == '-') word.erase(0, 1);
  word = word.substr(0, word.find('='));
  std::string best;
  std::size_t best_d = 3;  // at most two edits
  for (const auto& o : opts.options()) {
    const std::string name = o->long_name();
    if (name.empty()) continue;
    const std::size_t d = edit_distance(word, name);
    if (d < best_d || (d == best_d && best.empty() && name.rfind(word, 0) == 0)) {
      best_d = d;
      best = name;
    }
  }
  return best.empty() ? best : "--" + best;
}

// Parses `argv` with the visible options plus one positional argument `positional`; every
// option error becomes a one-line InputError naming the option and its accepted form.
po::variables_map parse_command(int argc, char** argv, const po::options_description& opts, const char* positional,
                                const char* command, bool many = false) {
  po::options_description hidden;
  if (many) hidden.add_options()(positional, po::value<std::vector<std::string>>(), positional);
  else hidden.add_options()(positional, po::value<std::string>(), positional);
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add(positional, many ? -1 : 1);
  po::variables_map vm;
  const std::string help = std::string(" (all options: hbmeta ") + command + " --help)";
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    const std::string given = e.get_option_name();
    const std::string near = closest_option(given, opts);
    throw InputError(command + std::string(": unknown option ") + quoted(given) +
                     (near.empty() ? "" : "; did you mean " + near + "?") + help);
  } catch (const po::ambiguous_option& e) {
    std::string alts;
    for (const auto& a : e.alternatives()) alts += (alts.empty() ? "--" : ", --") + a;
    throw InputError(e.get_option_name() + ": ambiguous abbreviation; write one of " + alts + " in full");
  } catch (const po::multiple_occurrences& e) {
    const std::string name = e.get_option_name();
    const char* form = accepted_form(name.substr(std::min<std::size_t>(2, name.size())));
    throw InputError(name + ": given more than once; give it once" +
                     (form ? std::string(" (expected ") + form + ")" : std::string()));
  } catch (const po::too_many_positional_options_error&) {
    const std::string what = std::string(positional) == "data" ? "input CSV" : "output folder";
    throw InputError(std::string(command) + ": more than one " + what + " given; give one, and options as --name value" +
                     help);
  } catch (const po::invalid_command_line_syntax& e) {
    const std::string name = e.get_option_name();
    const char* form = accepted_form(name.substr(std::min<std::size_t>(2, name.size())));
    if (e.kind() == po::invalid_syntax::missing_parameter)
      throw InputError(name + ": needs a value; expected " + (form ? form : "a value") + help);
    if (e.kind() == po::invalid_syntax::extra_parameter)
      throw InputError(name + ": takes no value; write just " + name);
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    throw InputError(std::string(command) + ": " + what + help);
  } catch (const po::error_with_option_name& e) {
    const std::string name = e.get_option_name();
    const char* form = accepted_form(name.substr(std::min<std::size_t>(2, name.size())));
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    throw InputError((name.empty() ? std::string(command) : name) + ": " + what +
                     (form ? std::string("; expected ") + form : help));
  } catch (const po::error& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    throw InputError(std::string(command) + ": " + what + help);
  }
  return vm;
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
}

// The fit settings of the options add_fit_options declared (those not declared keep their
// defaults): priors, sampler, device, chains, draws, ..., into info.options and info.threads.
void parse_fit_settings(const po::variables_map& vm, RunInfo& info, std::vector<std::string>& ignore_columns) {
  FitOptions& fo = info.options;
  fo.prior_mu = parse_prior(vm["prior-mu"].as<std::string>(), PriorRole::Location, "--prior-mu");
  fo.prior_tau = parse_prior(vm["prior-tau"].as<std::string>(), PriorRole::Scale, "--prior-tau");
  const std::string device = vm["device"].as<std::string>();
  if (device != "auto" && device != "cpu" && device != "cuda") not_one_of("device", device, "auto, cpu, cuda");
  fo.device = device == "cuda" || (device == "auto" && cuda_device_present()) ? Device::Cuda : Device::Cpu;
  if (fo.device == Device::Cuda && !cuda_device_present())
    throw InputError(std::string("--device cuda: ") +
                     (cuda_built() ? "no CUDA device is present; use --device cpu (or auto)"
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
  add_fit_options(opts, [](const std::string&) { return true; });
  const po::variables_map vm = parse_command(argc, argv, opts, "data", "fit");
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << opts;
    return 0;
  }
  if (!vm.count("data"))
    throw InputError("fit: missing the input CSV; usage: hbmeta fit DATA.csv [options] (all options: hbmeta fit --help)");

  RunInfo info;
  info.command = join_command(argc, argv);
  info.argv.assign(argv + 1, argv + argc);
  info.input = vm["data"].as<std::string>();
  FitOptions& fo = info.options;
  std::vector<std::string> ignore_columns;
  parse_fit_settings(vm, info, ignore_columns);
  const double threshold =
      vm.count("threshold") ? real_option("threshold", vm["threshold"].as<std::string>()) : NAN;
  const std::string out_dir = vm["out"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0;
  info.netcdf = vm.count("netcdf") > 0;

  std::vector<OutcomeData> outcomes = read_outcomes(info.input, fo.covariates, ignore_columns);
  if (vm.count("outcome")) {
    std::vector<OutcomeData> chosen;
    for (const auto& name : vm["outcome"].as<std::vector<std::string>>()) {
      auto it = std::find_if(outcomes.begin(), outcomes.end(), [&](const OutcomeData& o) { return o.name == name; });
      if (it == outcomes.end()) {
        std::string names;
        for (std::size_t k = 0; k < outcomes.size() && k < 20; ++k) names += (k ? ", " : "") + outcomes[k].name;
        if (outcomes.size() > 20) names += ", ... (" + std::to_string(outcomes.size()) + " outcomes)";
        throw InputError("--outcome: no outcome " + quoted(name) + " in " + info.input + " (outcomes: " + names +
                         "); expected one of these names, as written in the outcome column, e.g. --outcome " +
                         outcomes[0].name);
      }
      if (std::none_of(chosen.begin(), chosen.end(), [&](const OutcomeData& o) { return o.name == name; }))
        chosen.push_back(*it);
    }
    outcomes = chosen;
  }
  if (std::filesystem::exists(out_dir) && !vm.count("force"))
    throw InputError(out_dir + ": output folder exists; choose another --out or pass --force to replace it");

  info.device = device_label(fo.device);
  if (!quiet)
    std::cout << "hbmeta " << info.version << ": " << outcomes.size() << " outcome(s) from " << info.input
              << "; device " << info.device << ", " << info.threads << " thread(s), " << fo.sampler.chains << " chains x "
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

// `hbmeta report DIR [--threshold T]`: the HTML report of an existing output folder.
int run_report(int argc, char** argv) {
  po::options_description opts("hbmeta report options");
  opts.add_options()("help,h", "show this help")(
      "threshold", po::value<std::string>(), "show P(rate, or OR, at a new clinic > T)");
  const po::variables_map vm = parse_command(argc, argv, opts, "dir", "report");
  if (vm.count("help")) {
    std::cout << "usage: hbmeta report DIR [--threshold T]\n" << opts;
    return 0;
  }
  if (!vm.count("dir"))
    throw InputError("report: missing the output folder; usage: hbmeta report DIR [--threshold T] (DIR: an hbmeta fit output folder)");
  const std::string dir = vm["dir"].as<std::string>();
  write_html_report(dir, vm.count("threshold") ? real_option("threshold", vm["threshold"].as<std::string>()) : NAN);
  std::cout << "report: " << dir << "/report.html, figures in " << dir << "/figures/\n";
  return 0;
}

}  // namespace

// ---- the helpers other commands (host/cli/batch_command.cpp, host/cli/simulate_command.cpp) share --
namespace cli {
po::variables_map parse_command(int argc, char** argv, const po::options_description& opts, const char* positional,
                                const char* command, bool many) {
  return hbm::parse_command(argc, argv, opts, positional, command, many);
}
void add_fit_options(po::options_description& opts, const std::function<bool(const std::string&)>& want) {
  hbm::add_fit_options(opts, want);
}
void parse_fit_settings(const po::variables_map& vm, RunInfo& info, std::vector<std::string>& ignore_columns) {
  hbm::parse_fit_settings(vm, info, ignore_columns);
}
long long int_option(const po::variables_map& vm, const char* name, long long lo, long long hi) {
  return hbm::int_option(vm, name, lo, hi);
}
std::string join_command(int argc, char** argv) { return hbm::join_command(argc, argv); }
std::string quoted(const std::string& v) { return hbm::quoted(v); }
std::string form_of(const std::string& option) { return hbm::form_of(option); }
std::string device_label(Device d) { return hbm::device_label(d); }
}  // namespace cli

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
    if (cmd == "bench-gradient") return run_bench_gradient(argc - 1, argv + 1);
    if (cmd == "batch") return run_batch(argc - 1, argv + 1);
    if (cmd == "simulate") return run_simulate(argc - 1, argv + 1);
    if (cmd == "merge-simulations") return run_merge_simulations(argc - 1, argv + 1);
    std::cerr << "hbmeta: unknown command " << quoted(cmd)
              << "; expected fit, diagnose or report (or batch, simulate, merge-simulations), e.g. hbmeta fit DATA.csv (hbmeta --help shows the usage)\n";
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
