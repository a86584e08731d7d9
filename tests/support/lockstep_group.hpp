// A group of L lanes (models/group.hpp) as L CPU threads in lockstep: the CPU reference for the
// GPU's several-lanes-per-chain layout (cuda/warp_group.cuh). Lanes meet at a barrier for every
// sum(), all() and sync(), and sum() adds the lanes' values in the warp's butterfly order
// (x += x[lane ^ off] for off = L/2, ..., 1), so the arithmetic is the GPU's.
//
// LockstepBackend is the CPU backend whose for_each_group runs each index with L threads; the
// batched engine (host/engine/batch_engine.hpp) run on it executes every group-aware step functor the
// way a warp does, syncs and lane-0 writes included, so a missing sync or a wrong partial sum
// shows up here as a difference from the one-lane run. It can also stage the study data per
// block of chains as the GPU does (chains_per_block), the CPU reference for that path.
#pragma once
#include <algorithm>
#include <barrier>
#include <cstdint>
#include <limits>
#include <thread>
#include <vector>

#include "models/batch_steps.hpp"
#include "host/engine/cpu_backend.hpp"

namespace hbm::test {

struct LockstepShared {
  explicit LockstepShared(int lanes) : bar(lanes), slot(lanes), flag(lanes) {}
  std::barrier<> bar;
  std::vector<double> slot;
  std::vector<char> flag;
};

class LockstepGroup {
 public:
  static constexpr bool kSerial = false;
  LockstepGroup(LockstepShared& s, int rank) : s_(&s), rank_(rank) {}
  int rank() const { return rank_; }
  int size() const { return static_cast<int>(s_->slot.size()); }
  double sum(double x) const {
    s_->slot[rank_] = x;
    s_->bar.arrive_and_wait();
    std::vector<double> v = s_->slot;
    for (int off = size() / 2; off > 0; off /= 2) {
      std::vector<double> next(v.size());
      for (int l = 0; l < size(); ++l) next[l] = v[l] + v[l ^ off];
      v = next;
    }
    s_->bar.arrive_and_wait();  // every lane has read the slots before they are reused
    return v[rank_];
  }
  bool all(bool b) const {
    s_->flag[rank_] = b ? 1 : 0;
    s_->bar.arrive_and_wait();
    bool r = true;
    for (char f : s_->flag) r = r && f;
    s_->bar.arrive_and_wait();
    return r;
  }
  void sync() const { s_->bar.arrive_and_wait(); }

 private:
  LockstepShared* s_;
  int rank_;
};

// Runs f(lane) on `lanes` threads and waits for them.
template <class F>
void run_lanes(int lanes, const F& f) {
  std::vector<std::thread> ts;
  for (int r = 0; r < lanes; ++r) ts.emplace_back([&, r] { f(r); });
  for (auto& t : ts) t.join();
}

class LockstepBackend : public CpuBackend {
 public:
  using CpuBackend::CpuBackend;
  static const char* name() { return "cpu-lockstep"; }
  static constexpr int kMaxLanes = 8;

  // Shared-memory staging as the CUDA backend does it (cuda/cuda_backend.cuh), off unless
  // chains_per_block > 0: blocks of that many indices, each of which first has its study data
  // copied into a buffer of its own (filled with NaN beforehand, so a value the copy missed
  // shows up) by chains_per_block x lanes simulated threads, then runs on the copy.
  std::int64_t chains_per_block = 0;
  std::size_t staged_limit = std::size_t(1) << 20;
  int staged_launches = 0;
  std::size_t max_staged_bytes() const { return chains_per_block > 0 ? staged_limit : 0; }
  std::int64_t block_chains(int /*lanes*/) const { return chains_per_block; }

  template <class F>
  void for_each_group(std::int64_t n, int lanes, const F& f, std::size_t staged_doubles = 0) {
    if (staged_doubles == 0 && lanes == 1) return CpuBackend::for_each_group(n, 1, f);
    if (staged_doubles == 0) return run_range(0, n, lanes, f);
    ++staged_launches;
    const int threads = static_cast<int>(chains_per_block) * lanes;
    for (std::int64_t first = 0; first < n; first += chains_per_block) {
      const std::int64_t last = std::min(n, first + chains_per_block) - 1;
      std::vector<double> buf(staged_doubles, std::numeric_limits<double>::quiet_NaN());
      F fs = f;
      for (int tid = 0; tid < threads; ++tid) fs = batch::with_staged_studies(f, first, last, buf.data(), tid, threads);
      run_range(first, last + 1, lanes, fs);
    }
  }

 private:
  template <class F>
  void run_range(std::int64_t lo, std::int64_t hi, int lanes, const F& f) {
    if (lanes == 1) {
      for (std::int64_t i = lo; i < hi; ++i) f(static_cast<int>(i), SerialGroup{});
      return;
    }
    LockstepShared shared(lanes);
    run_lanes(lanes, [&](int r) {
      const LockstepGroup g(shared, r);
      for (std::int64_t i = lo; i < hi; ++i) f(static_cast<int>(i), g);
    });
  }
};

}  // namespace hbm::test
