// A group of L lanes of one warp working on one chain (models/group.hpp): the lanes of a tile
// of L consecutive threads (L a power of two up to 32), combined by warp shuffles. The sum is a
// butterfly (x += x of lane ^ offset for offsets L/2 .. 1), so every lane ends with the same
// bits (each step adds the same two numbers on both sides) and the result does not depend on
// the run. Only the tile's lanes take part (its mask), so a tile past the end of the index
// range may skip the call without stalling its neighbours.
#pragma once
#include <cuda_runtime.h>

namespace hbm::cuda {

template <int L>
struct WarpGroup {
  static_assert(L >= 2 && L <= 32 && (L & (L - 1)) == 0, "lanes: a power of two from 2 to 32");
  static constexpr bool kSerial = false;
  unsigned mask;
  int lane;

  __device__ static WarpGroup of_this_thread() {
    const int in_warp = static_cast<int>(threadIdx.x % 32);
    const int base = in_warp / L * L;
    const unsigned m = L == 32 ? 0xffffffffu : ((1u << L) - 1u) << base;
    return WarpGroup{m, in_warp - base};
  }
  __device__ int rank() const { return lane; }
  __device__ int size() const { return L; }
  __device__ double sum(double x) const {
    for (int off = L / 2; off > 0; off /= 2) x += __shfl_xor_sync(mask, x, off, L);
    return x;
  }
  __device__ bool all(bool b) const { return __all_sync(mask, b) != 0; }
  __device__ void sync() const { __syncwarp(mask); }
};

}  // namespace hbm::cuda
