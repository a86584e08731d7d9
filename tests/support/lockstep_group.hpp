// A group of L lanes (models/group.hpp) as L CPU threads in lockstep: the CPU reference for the
// GPU's several-lanes-per-chain layout (cuda/warp_group.cuh). Lanes meet at a barrier for every
// sum(), all() and sync(), and sum() adds the lanes' values in the warp's butterfly order
// (x += x[lane ^ off] for off = L/2, ..., 1), so the arithmetic is the GPU's.
//
// LockstepBackend is the CPU backend whose for_each_group runs each index with L threads; the
// batched engine (host/batch_engine.hpp) run on it executes every group-aware step functor the
// way a warp does, syncs and lane-0 writes included, so a missing sync or a wrong partial sum
// shows up here as a difference from the one-lane run.
#pragma once
#include <barrier>
#include <cstdint>
#include <thread>
#include <vector>

#include "host/cpu_backend.hpp"

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
  template <class F>
  void for_each_group(std::int64_t n, int lanes, const F& f) {
    if (lanes == 1) return CpuBackend::for_each_group(n, 1, f);
    LockstepShared shared(lanes);
    run_lanes(lanes, [&](int r) {
      const LockstepGroup g(shared, r);
      for (std::int64_t i = 0; i < n; ++i) f(static_cast<int>(i), g);
    });
  }
};

}  // namespace hbm::test
