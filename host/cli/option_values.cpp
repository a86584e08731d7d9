// The values of hbmeta's options (host/cli/option_values.hpp): accepted forms, one-line
// messages for bad values, and the integer, seed, real and list parsers.
#include "host/cli/option_values.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "host/support/input_error.hpp"

namespace po = boost::program_options;

namespace hbm::cli {

std::string trim_copy(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

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
      {"sensitivity", "all, e.g. --sensitivity all"},
      {"sensitivity-warmup", "an integer from 0 to 10000000, e.g. --sensitivity-warmup 250"},
      {"sensitivity-draws", "an integer from 4 to 10000000, e.g. --sensitivity-draws 250"},
      {"cumulative", "a CSV column to order the studies by, e.g. --cumulative year"},
      {"subgroups", "a CSV column whose values are the subgroups, e.g. --subgroups region"},
      {"prior-sensitivity", "tau priors separated by ';', e.g. --prior-sensitivity 'half-normal(0.5);half-cauchy(1)' (alone: the default set)"},
      {"prior-sensitivity-mu", "mu priors separated by ';', e.g. --prior-sensitivity-mu 'normal(0,1);normal(0,10)'"},
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

}  // namespace hbm::cli
