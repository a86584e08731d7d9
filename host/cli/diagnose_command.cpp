// `hbmeta diagnose`: see host/cli/diagnose_command.hpp.
#include "host/cli/diagnose_command.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "host/stats/diagnostics.hpp"
#include "host/io/draws_reader.hpp"
#include "host/support/input_error.hpp"
#include "host/io/json_writer.hpp"
#include "host/stats/nested_rhat.hpp"

namespace po = boost::program_options;

namespace hbm {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kRhatLimit = 1.01;
constexpr double kEssLimit = 400.0;
constexpr double kEbfmiLimit = 0.3;

const char* kUsage =
    "usage: hbmeta diagnose FILE.csv [--json] [--superchains K]\n"
    "       hbmeta diagnose chain1.csv chain2.csv ... [--json] [--superchains K]   (CmdStan output, one file per chain)\n";

struct QuantityResult {
  double mean, sd;
  Diagnostics d;
  double rhat_nested;
};

struct ChainSampler {
  long long divergences = -1;  // -1: no divergent__ column
  double ebfmi = kNaN;
  bool has_energy = false;
};

// R's mean() and sd(); NaN when any draw is non-finite.
void mean_sd(const std::vector<double>& v, double& mean, double& sd) {
  mean = sd = kNaN;
  const std::size_t n = v.size();
  if (n == 0) return;
  for (double x : v)
    if (!std::isfinite(x)) return;
  long double s = 0;
  for (double x : v) s += x;
  s /= static_cast<long double>(n);
  long double t = 0;
  for (double x : v) t += x - s;
  s += t / static_cast<long double>(n);
  mean = static_cast<double>(s);
  if (n < 2) return;
  long double ss = 0;
  for (double x : v) ss += (x - s) * (x - s);
  sd = std::sqrt(static_cast<double>(ss / static_cast<long double>(n - 1)));
}

std::string fmt(double x, const char* spec) {
  if (!std::isfinite(x)) return std::isinf(x) ? (x > 0 ? "Inf" : "-Inf") : "NA";
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, x);
  return buf;
}

std::string pad_left(const std::string& s, std::size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }
std::string pad_right(const std::string& s, std::size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

// "a, b, c and 4 more"
std::string name_list(const std::vector<std::string>& items, std::size_t max_items = 10) {
  std::string s;
  for (std::size_t i = 0; i < items.size() && i < max_items; ++i) s += (i ? ", " : "") + items[i];
  if (items.size() > max_items) s += " and " + std::to_string(items.size() - max_items) + " more";
  return s;
}

std::string plural(std::size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

std::string divisors_text(std::size_t chains) {
  std::vector<std::string> d;
  for (std::size_t k = 2; k <= chains; ++k)
    if (chains % k == 0) d.push_back(std::to_string(k));
  return d.empty() ? "none: there is only one chain" : name_list(d, 20);
}

}  // namespace

int run_diagnose(int argc, char** argv) {
  po::options_description opts("hbmeta diagnose options");
  opts.add_options()
      ("help,h", "show this help")
      ("json", "print only the JSON object {QUANTITY: {rhat, rhat_nested, ess_bulk, ess_tail, mcse_mean, mcse_q5, "
               "mcse_q95, mean, sd}} on stdout (warnings go to stderr)")
      ("superchains", po::value<int>()->value_name("K"),
       "group consecutive chains into K superchains for nested R-hat (K >= 2, dividing the number of chains); "
       "default: superchains of 4 chains when there are >= 8 chains and a multiple of 4, else one chain each");
  po::options_description hidden;
  hidden.add_options()("files", po::value<std::vector<std::string>>(), "input CSVs");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("files", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string("diagnose: ") + e.what() + "\n" + kUsage);
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << opts;
    return 0;
  }
  if (!vm.count("files")) throw InputError(std::string("diagnose: missing the input CSV\n") + kUsage);
  const bool json = vm.count("json") > 0;
  const std::vector<std::string> files = vm["files"].as<std::vector<std::string>>();

  const DrawsTable table = read_draws(files);

  const bool explicit_superchains = vm.count("superchains") > 0;
  int superchains = default_superchains(table.chains);
  if (explicit_superchains) {
    superchains = vm["superchains"].as<int>();
    if (superchains < 2 || table.chains % static_cast<std::size_t>(superchains) != 0)
      throw InputError("--superchains: " + std::to_string(superchains) + " is not allowed with " +
                       plural(table.chains, "chain", "chains") +
                       "; it must be at least 2 and divide the number of chains (possible: " +
                       divisors_text(table.chains) + ")");
  }
  const std::size_t per_super = table.chains / static_cast<std::size_t>(superchains);

  // ---- statistics ----
  std::vector<QuantityResult> results;
  results.reserve(table.names.size());
  for (std::size_t q = 0; q < table.names.size(); ++q) {
    QuantityResult r;
    mean_sd(table.values[q], r.mean, r.sd);
    r.d = diagnose(table.view(q));
    r.rhat_nested = rhat_nested(table.view(q), superchains);
    results.push_back(r);
  }
  std::vector<ChainSampler> sampler(table.chains);
  const std::vector<double>* divergent = table.sampler("divergent__");
  const std::vector<double>* energy = table.sampler("energy__");
  for (std::size_t c = 0; c < table.chains; ++c) {
    if (divergent) {
      sampler[c].divergences = 0;
      for (std::size_t t = 0; t < table.draws; ++t)
        if ((*divergent)[c * table.draws + t] != 0.0) ++sampler[c].divergences;
    }
    if (energy) {
      sampler[c].has_energy = true;
      sampler[c].ebfmi = ebfmi(energy->data() + c * table.draws, table.draws);
    }
  }

  // ---- warnings ----
  std::vector<std::string> warnings, notes;
  {
    std::vector<std::string> high_rhat, high_nested, low_ess, na;
    for (std::size_t q = 0; q < results.size(); ++q) {
      const auto& r = results[q];
      const std::string& name = table.names[q];
      if (std::isnan(r.d.rhat) && std::isnan(r.d.ess_bulk)) {
        na.push_back(name);
        continue;
      }
      if (r.d.rhat > kRhatLimit) high_rhat.push_back(name + " (" + fmt(r.d.rhat, "%.3f") + ")");
      if (explicit_superchains && r.rhat_nested > kRhatLimit)
        high_nested.push_back(name + " (" + fmt(r.rhat_nested, "%.3f") + ")");
      if (r.d.ess_bulk < kEssLimit || r.d.ess_tail < kEssLimit)
        low_ess.push_back(name + " (bulk " + fmt(r.d.ess_bulk, "%.0f") + ", tail " + fmt(r.d.ess_tail, "%.0f") + ")");
    }
    if (!high_rhat.empty())
      warnings.push_back("R-hat above 1.01 for " + plural(high_rhat.size(), "quantity", "quantities") + ": " +
                         name_list(high_rhat) + ". The chains disagree: they have not converged to one "
                         "distribution; run longer chains or check the model.");
    if (!high_nested.empty())
      warnings.push_back("nested R-hat above 1.01 (" + std::to_string(superchains) + " superchains) for " +
                         plural(high_nested.size(), "quantity", "quantities") + ": " + name_list(high_nested) +
                         ". The superchains disagree: run longer warmup or more chains per superchain.");
    if (!low_ess.empty())
      warnings.push_back("effective sample size below 400 for " + plural(low_ess.size(), "quantity", "quantities") +
                         ": " + name_list(low_ess) + ". Estimates of means and quantiles are imprecise; run "
                         "more or longer chains.");
    if (!na.empty())
      notes.push_back("no diagnostics (NA) for " + name_list(na) +
                      ": constant or non-finite draws, or too few draws per chain.");
    long long total_div = 0;
    std::vector<std::string> div_chains, low_ebfmi;
    for (std::size_t c = 0; c < table.chains; ++c) {
      if (sampler[c].divergences > 0) {
        total_div += sampler[c].divergences;
        div_chains.push_back(table.chain_labels[c] + ": " + std::to_string(sampler[c].divergences));
      }
      if (sampler[c].ebfmi < kEbfmiLimit)
        low_ebfmi.push_back(table.chain_labels[c] + " (" + fmt(sampler[c].ebfmi, "%.3f") + ")");
    }
    if (total_div > 0)
      warnings.push_back(plural(static_cast<std::size_t>(total_div), "divergent transition", "divergent transitions") +
                         " after warmup (" + name_list(div_chains) + "). The draws may be biased: "
                         "reparametrise the model or raise adapt_delta.");
    if (!low_ebfmi.empty())
      warnings.push_back("E-BFMI below 0.3 in " + plural(low_ebfmi.size(), "chain", "chains") + ": " +
                         name_list(low_ebfmi) + ". Momentum resampling explores the energy distribution poorly "
                         "(often heavy tails or a poorly adapted metric); reparametrise the model.");
  }

  if (json) {
    JsonWriter j;
    j.begin_object();
    for (std::size_t q = 0; q < results.size(); ++q) {
      const auto& r = results[q];
      j.begin_object(table.names[q])
          .value("rhat", r.d.rhat)
          .value("rhat_nested", r.rhat_nested)
          .value("ess_bulk", r.d.ess_bulk)
          .value("ess_tail", r.d.ess_tail)
          .value("mcse_mean", r.d.mcse_mean)
          .value("mcse_q5", r.d.mcse_q05)
          .value("mcse_q95", r.d.mcse_q95)
          .value("mean", r.mean)
          .value("sd", r.sd)
          .end_object();
    }
    j.end_object();
    std::cout << j.str() << std::flush;
    for (const auto& w : warnings) std::cerr << "hbmeta diagnose: warning: " << w << "\n";
    return 0;
  }

  // ---- text report ----
  std::string out;
  std::string source = table.files.size() == 1 ? table.files[0] : plural(table.files.size(), "file", "files");
  out += "hbmeta diagnose: " + source + " (" + (table.cmdstan ? "CmdStan output" : "draws CSV") + "): " +
         plural(table.chains, "chain", "chains") + " x " + plural(table.draws, "draw", "draws") +
         (table.cmdstan ? (table.chains == 1 ? " (one file per chain)" : " (one chain per file)") : "") + ", " +
         plural(table.names.size(), "quantity", "quantities") + "\n";
  if (table.warmup_dropped > 0)
    out += "warmup draws saved in the files (save_warmup): the first " + std::to_string(table.warmup_dropped) +
           " rows of each file were left out\n";
  out += "nested R-hat: " + plural(static_cast<std::size_t>(superchains), "superchain", "superchains") + " of " +
         plural(per_super, "consecutive chain", "consecutive chains") +
         (explicit_superchains ? " (--superchains)" : " (default; --superchains K to change)") + "\n\n";

  const char* headers[] = {"mean", "sd", "rhat", "rhat_nested", "ess_bulk", "ess_tail", "mcse_mean", "mcse_q5", "mcse_q95"};
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : results)
    cells.push_back({fmt(r.mean, "%.4g"), fmt(r.sd, "%.4g"), fmt(r.d.rhat, "%.3f"), fmt(r.rhat_nested, "%.3f"),
                     fmt(r.d.ess_bulk, "%.0f"), fmt(r.d.ess_tail, "%.0f"), fmt(r.d.mcse_mean, "%.2g"),
                     fmt(r.d.mcse_q05, "%.2g"), fmt(r.d.mcse_q95, "%.2g")});
  std::size_t name_w = 8;
  for (const auto& n : table.names) name_w = std::max(name_w, n.size());
  std::vector<std::size_t> w(9);
  for (std::size_t k = 0; k < 9; ++k) {
    w[k] = std::string(headers[k]).size();
    for (const auto& row : cells) w[k] = std::max(w[k], row[k].size());
  }
  out += pad_right("quantity", name_w);
  for (std::size_t k = 0; k < 9; ++k) out += "  " + pad_left(headers[k], w[k]);
  out += "\n";
  for (std::size_t q = 0; q < results.size(); ++q) {
    out += pad_right(table.names[q], name_w);
    for (std::size_t k = 0; k < 9; ++k) out += "  " + pad_left(cells[q][k], w[k]);
    out += "\n";
  }

  if (divergent || energy) {
    std::size_t label_w = 5;
    for (const auto& l : table.chain_labels) label_w = std::max(label_w, l.size());
    out += "\nsampler diagnostics per chain (after warmup):\n";
    out += pad_right(table.cmdstan ? "file" : "chain", label_w);
    if (divergent) out += "  divergences";
    if (energy) out += "  E-BFMI";
    out += "\n";
    long long total = 0;
    for (std::size_t c = 0; c < table.chains; ++c) {
      out += pad_right(table.chain_labels[c], label_w);
      if (divergent) {
        out += "  " + pad_left(std::to_string(sampler[c].divergences), 11);
        total += sampler[c].divergences;
      }
      if (energy) out += "  " + pad_left(fmt(sampler[c].ebfmi, "%.3f"), 6);
      out += "\n";
    }
    if (divergent)
      out += "divergent transitions: " + std::to_string(total) + " of " + std::to_string(table.chains * table.draws) + "\n";
  }

  out += "\n";
  if (warnings.empty()) {
    out += "no warnings: R-hat <= 1.01 and bulk and tail ESS >= 400 for every quantity with diagnostics";
    if (divergent) out += ", no divergent transitions";
    if (energy) out += ", E-BFMI >= 0.3 in every chain";
    out += "\n";
  } else {
    out += "warnings:\n";
    for (const auto& wl : warnings) out += "  - " + wl + "\n";
  }
  for (const auto& n : notes) out += "note: " + n + "\n";
  std::cout << out << std::flush;
  return 0;
}

}  // namespace hbm
