#include "host/support/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace hbm {

Progress::Progress(double total, bool enabled)
    : total_(total > 0 ? total : 1), enabled_(enabled), start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() {
  if (!enabled_ || !drawn_) return;
  draw(true);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

bool Progress::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void Progress::set_label(const std::string& label) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  label_ = label;
}

void Progress::advance(double units) {
  if (!enabled_) return;
  double cur = done_.load(std::memory_order_relaxed);
  while (!done_.compare_exchange_weak(cur, cur + units, std::memory_order_relaxed)) {
  }
  draw(false);
}

void Progress::clear_line() {
  if (!enabled_ || !drawn_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  std::fprintf(stderr, "\r%90s\r", "");
  std::fflush(stderr);
}

void Progress::draw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another thread is drawing
  // The first call draws at once (a short run still shows its bar); later ones at most 5 per second.
  if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double frac = std::clamp(done_.load() / total_, 0.0, 1.0);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int width = 30, filled = static_cast<int>(frac * width + 0.5);
  char eta[32] = "--";
  if (frac > 0.01) std::snprintf(eta, sizeof eta, "%.0fs", elapsed * (1 - frac) / frac);
  std::fprintf(stderr, "\r[%s%s] %3.0f%%  ETA %-6s %-40.40s", std::string(filled, '#').c_str(),
               std::string(width - filled, ' ').c_str(), 100 * frac, eta, label_.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace hbm
