// The CPU backend of the batched engine (host/engine/batch_engine.hpp): memory is host vectors and
// "launches" run on the thread pool. It is the reference beside the CUDA backend
// (cuda/cuda_backend.cuh): the same engine and the same step functors run on both, and the CPU
// one is validated against the quadrature and Stan references in the test suite.
//
// Determinism: for_each runs each index independently; segmented_sum adds each segment's
// elements in index order on one thread. Nothing depends on the thread count.
//
// Cost: a hand-off to the pool's threads costs a few microseconds, more than the engine's light
// steps (the segmented sums over chains and the per-coordinate and per-outcome updates of each
// warmup iteration: a few flops per element) take for a fit's outcomes. Those run on the calling
// thread below kInlineElements elements, so a warmup iteration of a fit is one hand-off (the
// transitions, for_each_group), not six; thousands of simulated datasets still spread them.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "host/support/thread_pool.hpp"
#include "models/group.hpp"

namespace hbm {

class CpuBackend {
 public:
  explicit CpuBackend(ThreadPool& pool) : pool_(pool) {}
  static const char* name() { return "cpu"; }

  template <class T>
  class Buffer {
   public:
    Buffer(CpuBackend&, std::size_t n) : v_(n) {}
    T* data() { return v_.data(); }
    const T* data() const { return v_.data(); }
    std::size_t size() const { return v_.size(); }
    void upload(const std::vector<T>& h) { v_.assign(h.begin(), h.end()); }
    void download(std::vector<T>& h) const { h.assign(v_.begin(), v_.end()); }
    // Elements [first, first + n) into dest.
    void download(std::size_t first, std::size_t n, T* dest) const { std::copy_n(v_.begin() + first, n, dest); }
    void fill_zero() { std::fill(v_.begin(), v_.end(), T{}); }

   private:
    std::vector<T> v_;
  };

  static constexpr std::int64_t kInlineElements = 1 << 15;

  // f(i) for i in [0, n) (a light step): on this thread when n is small, else in contiguous
  // chunks across the pool.
  template <class F>
  void for_each(std::int64_t n, const F& f) {
    if (n <= kInlineElements) {
      for (std::int64_t i = 0; i < n; ++i) f(static_cast<int>(i));
      return;
    }
    spread(n, f);
  }

  // out[k * segments + s] = sum over e in [0, len) of value k of f(s, e, v), k < W.
  template <int W, class F>
  void segmented_sum(int segments, int len, const F& f, double* out) {
    auto segment = [&](int s) {
      double acc[W] = {}, v[W];
      for (int e = 0; e < len; ++e) {
        f(s, e, v);
        for (int k = 0; k < W; ++k) acc[k] += v[k];
      }
      for (int k = 0; k < W; ++k) out[static_cast<std::int64_t>(k) * segments + s] = acc[k];
    };
    if (static_cast<std::int64_t>(segments) * len <= kInlineElements) {
      for (int s = 0; s < segments; ++s) segment(s);
      return;
    }
    spread(segments, segment);
  }

  // f(i, group) for i in [0, n) (chains: the heavy steps, always across the pool): one lane per
  // chain on the CPU (kMaxLanes), so `lanes` is 1. The study data are read where they are: no
  // shared memory to stage them in (max_staged_bytes() = 0, so the engine never asks; see
  // host/engine/batch_engine.hpp).
  static constexpr int kMaxLanes = 1;
  template <class F>
  void for_each_group(std::int64_t n, int /*lanes*/, const F& f, std::size_t /*staged_doubles*/ = 0) {
    spread(n, [&](int i) { f(i, SerialGroup{}); });
  }
  std::size_t max_staged_bytes() const { return 0; }
  std::int64_t block_chains(int /*lanes*/) const { return 1; }

  // The per-chain vectors' layout (models/strided.hpp): chain-major, each thread's chain in
  // its own cache lines. interleave_one_lane: the GPU's one-lane layout instead, for the tests
  // that show both layouts give the same bits (tests/interleaved_layout_test.cpp).
  bool interleave_one_lane = false;
  bool interleave_chains(int /*lanes*/) const { return interleave_one_lane; }

  void synchronise() {}

 private:
  // f(i) for i in [0, n), in contiguous chunks across the pool.
  template <class F>
  void spread(std::int64_t n, const F& f) {
    if (n <= 0) return;
    const std::int64_t chunks = std::min<std::int64_t>(n, 8 * static_cast<std::int64_t>(pool_.size()));
    pool_.parallel_for(static_cast<int>(chunks), [&](int k) {
      const std::int64_t lo = n * k / chunks, hi = n * (k + 1) / chunks;
      for (std::int64_t i = lo; i < hi; ++i) f(static_cast<int>(i));
    });
  }

  ThreadPool& pool_;
};

}  // namespace hbm
