// How much host memory a run needs, and the thinning of the stored study-effect draws that
// keeps it within a budget (--memory-budget; by default a share of the memory the machine has
// available). Hyperparameters keep every draw; only the study effects (K per outcome: the part
// that grows with the data) are thinned, evenly within each chain, and their summaries (mean,
// sd, quantiles, R-hat, ESS) come from the kept draws. A run is refused before it starts only
// when the engine's state and the hyperparameters' draws alone exceed the budget.
#pragma once
#include <string>

namespace hbm {

// The sizes that decide a run's memory: every outcome of the batch together.
struct RunSize {
  double chains = 0, draws = 0;
  double coords = 0;    // sum of the outcomes' dimensions
  double hyper = 0;     // sum of the outcomes' hyperparameters (stored every draw)
  double studies = 0;   // sum of the outcomes' studies (stored every thin-th draw)
  double outcomes = 0;
  bool gibbs = false;
  bool engine_on_host = true;  // the engine's state and store live in host memory (CPU backend)
  int threads = 1;
};

// Peak host memory (bytes) of a run that keeps every thin-th study draw: the engine's state and
// store (CPU backend), the runs handed to the fits (a copy of the store), each outcome's result
// columns, and the per-thread scratch of the study summaries.
double run_memory_bytes(const RunSize& s, int thin);

struct MemoryPlan {
  double budget_bytes = 0;
  std::string budget_source;  // "--memory-budget" or how the default was found
  int study_thin = 1;         // keep every study_thin-th draw of each chain of the study effects
  bool thinned_for_budget = false;  // the thinning is the budget's (not --study-draw-cap's)
  double need_bytes = 0;      // run_memory_bytes at that thinning
};

// The smallest thinning at least `cap_thin` whose run fits the budget. Throws InputError when
// even the hyperparameters (every study thinned to one draw per chain) do not fit.
MemoryPlan plan_memory(const RunSize& s, int cap_thin, double budget_bytes, const std::string& budget_source);

// The default budget: 75% of the memory available now (MemAvailable in /proc/meminfo, else the
// physical memory), with the source in words.
double default_memory_budget(std::string* source);

// "8G", "512M", "1.5G", "4096K" or a plain number of bytes; throws InputError otherwise.
double parse_memory_size(const std::string& text, const char* option);

std::string format_bytes(double bytes);

}  // namespace hbm
