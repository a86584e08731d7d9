// A progress bar with an ETA on stderr, only when stderr is a terminal (and not --quiet): long
// runs say how far they are; logs, pipes and tests see nothing. Thread-safe: sampler threads
// report work done with advance(), at most ~5 redraws per second.
#pragma once
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace hbm {

class Progress {
 public:
  // total: units of work in the whole run (e.g. chain-iterations over all outcomes).
  Progress(double total, bool enabled);
  ~Progress();  // ends the line if anything was drawn

  void set_label(const std::string& label);  // e.g. the outcome being fitted
  void advance(double units);                 // may be called from any thread
  void clear_line();                          // before other output on the terminal
  bool enabled() const { return enabled_; }

  // Whether stderr is a terminal.
  static bool stderr_is_terminal();

 private:
  void draw(bool force);
  const double total_;
  const bool enabled_;
  std::atomic<double> done_{0};
  std::mutex mutex_;
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace hbm
