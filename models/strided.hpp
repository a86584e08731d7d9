// A chain's vector (state, gradient, momentum, ...) inside the engine's arrays: element j at
// p[j * stride]. The models and the HMC transition read and write every per-chain vector through
// it, so one code serves both layouts of the engine (models/batch_steps.hpp, EngineArrays):
//   chain-major (stride 1): a chain's coordinates are neighbours. Every CPU path, and the GPU's
//     layout with several lanes per chain (lane r reads coordinate r: neighbouring lanes read
//     neighbouring words).
//   interleaved (stride = chains): coordinate j of every chain of an outcome are neighbours. The
//     GPU's one-thread-per-chain layout: neighbouring threads run neighbouring chains, so a warp's
//     32 reads of coordinate j are one or two memory transactions instead of 32.
// A plain pointer converts to a span of stride 1, so host code and tests call the models with
// std::vector data as before. The arithmetic does not depend on the stride: both layouts give the
// same bits (tests/interleaved_layout_test.cpp).
#pragma once
#include <cstddef>

#include "models/hd.hpp"

namespace hbm {

template <class T>
struct StridedSpan {
  T* p = nullptr;
  int stride = 1;

  StridedSpan() = default;
  HBM_HD StridedSpan(T* ptr, int s = 1) : p(ptr), stride(s) {}  // NOLINT: a pointer is a span of stride 1
  template <class U>
  HBM_HD StridedSpan(const StridedSpan<U>& o) : p(o.p), stride(o.stride) {}  // NOLINT: to const

  HBM_HD T& operator[](int j) const { return p[static_cast<std::ptrdiff_t>(j) * stride]; }
  HBM_HD StridedSpan operator+(int k) const { return StridedSpan(p + static_cast<std::ptrdiff_t>(k) * stride, stride); }
  HBM_HD explicit operator bool() const { return p != nullptr; }
};

using Vec = StridedSpan<double>;
using CVec = StridedSpan<const double>;

}  // namespace hbm
