#include "host/engine/memory_plan.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "host/support/input_error.hpp"

namespace hbm {

double run_memory_bytes(const RunSize& s, int thin) {
  const double C = s.chains, S = s.draws, kept = std::ceil(S / std::max(thin, 1));
  const double hyper = 8.0 * C * S * s.hyper;
  const double stats = C * S * s.outcomes * (8 + 8 + 4 + 4);  // accept, energy, divergent, steps
  const double study = 8.0 * C * kept * s.studies;
  // The engine on the CPU: state vectors (15 per coordinate and chain under HMC, 11 under
  // Gibbs; host/engine/batch_engine.hpp) and the draw store, alive until the runs are copied out.
  const double engine = s.engine_on_host ? 8.0 * (s.gibbs ? 11.0 : 15.0) * C * s.coords + hyper + stats + study : 0.0;
  // Each outcome's summaries and draw columns: about 8 derived quantities per draw.
  const double results = 8.0 * C * S * (s.hyper + 8.0 * s.outcomes);
  // Each thread summarises one study at a time: its draws, their natural-scale copy and the
  // sorted and ranked copies the diagnostics make.
  const double scratch = 8.0 * 5.0 * C * kept * s.threads;
  return hyper + stats + study + std::max(engine, results + scratch);
}

MemoryPlan plan_memory(const RunSize& s, int cap_thin, double budget_bytes, const std::string& budget_source) {
  MemoryPlan p;
  p.budget_bytes = budget_bytes;
  p.budget_source = budget_source;
  const int most = std::max(1, static_cast<int>(s.draws));  // one kept draw per chain
  int thin = std::max(1, cap_thin);
  if (run_memory_bytes(s, most) > budget_bytes)
    throw InputError("this run needs about " + format_bytes(run_memory_bytes(s, most)) +
                     " of memory for the engine and the hyperparameters' draws alone (" +
                     std::to_string(static_cast<long long>(s.chains)) + " chains x " +
                     std::to_string(static_cast<long long>(s.draws)) + " draws, " +
                     std::to_string(static_cast<long long>(s.studies)) + " studies), more than the memory budget of " +
                     format_bytes(budget_bytes) + " (" + budget_source +
                     "); use fewer --chains or --draws, or a larger --memory-budget");
  if (run_memory_bytes(s, thin) > budget_bytes) {
    // The need falls as the thinning grows: the smallest thinning that fits, by bisection.
    int lo = thin, hi = most;
    while (hi - lo > 1) {
      const int mid = lo + (hi - lo) / 2;
      (run_memory_bytes(s, mid) > budget_bytes ? lo : hi) = mid;
    }
    thin = hi;
    p.thinned_for_budget = true;
  }
  p.study_thin = thin;
  p.need_bytes = run_memory_bytes(s, thin);
  return p;
}

double default_memory_budget(std::string* source) {
  double available = 0;
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  double value = 0;
  while (in >> key >> value >> unit) {
    if (key == "MemAvailable:") {
      available = value * 1024.0;
      break;
    }
  }
  std::string from = "MemAvailable";
  if (!(available > 0)) {
    available = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
    from = "physical memory";
  }
  if (source) *source = "default: 75% of the " + format_bytes(available) + " available (" + from + ")";
  return 0.75 * available;
}

double parse_memory_size(const std::string& text, const char* option) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (...) {
    pos = 0;
  }
  std::string unit = text.substr(pos);
  double scale = 1;
  if (unit == "K" || unit == "k") scale = 1024.0;
  else if (unit == "M" || unit == "m") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "g") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "t") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty()) pos = 0;
  if (pos == 0 || !std::isfinite(v) || !(v > 0))
    throw InputError(std::string("--") + option + ": '" + text +
                     "' is not a size; expected a number of bytes, or with K, M, G or T after it, e.g. --" + option +
                     " 8G");
  return v * scale;
}

std::string format_bytes(double bytes) {
  char buf[64];
  if (bytes >= 1024.0 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  else if (bytes >= 1024.0 * 1024) std::snprintf(buf, sizeof buf, "%.0f MiB", std::ceil(bytes / (1024.0 * 1024)));
  else std::snprintf(buf, sizeof buf, "%.0f KiB", std::ceil(bytes / 1024.0));
  return buf;
}

}  // namespace hbm
