// The CUDA backend of the batched engine (host/engine/batch_engine.hpp): device buffers, a grid-wide
// for_each over an index range (with lanes per index and, optionally, the study data staged in
// shared memory per block) and a segmented sum sized to the segment (a warp per short segment,
// several per block; a block per long one, CUB's BlockReduce). The engine and its step functors
// (models/batch_steps.hpp) are the same code the CPU backend (host/engine/cpu_backend.hpp) runs;
// this file only says how they are launched.
//
// Every CUDA call and launch is checked; failures become DeviceError (DeviceOutOfMemory for
// allocations); the batch runner (host/engine/batched_run.hpp) splits a batch that does not fit
// in halves, and reports a single outcome that does not fit as a clear message. Reductions have a fixed shape (block size, stride), so the same input gives the
// same sums on every run.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdlib>
#include <cxxabi.h>
#include <typeinfo>
#include <cub/block/block_reduce.cuh>
#include <string>
#include <type_traits>
#include <vector>

#include "cuda/device_error.hpp"
#include "cuda/warp_group.cuh"
#include "models/group.hpp"

namespace hbm::cuda {

inline void check(cudaError_t e, const std::string& what) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // clear a non-sticky error so later calls can report their own
  if (e == cudaErrorMemoryAllocation) throw DeviceOutOfMemory(what + ": out of GPU memory");
  throw DeviceError(what + ": " + cudaGetErrorName(e) + ": " + cudaGetErrorString(e));
}

// HBMETA_CUDA_SYNC=1 (any value but 0): synchronise and check after every launch. Launches are
// asynchronous, so without it a fault inside a kernel surfaces at a later check (a copy, the next
// synchronisation) that names another step; with it the error names the step functor that
// failed. Slower; for a first run on a new device and for debugging.
inline bool sync_each_launch() {
  static const bool on = [] {
    const char* v = std::getenv("HBMETA_CUDA_SYNC");
    return v != nullptr && *v != '\0' && std::string(v) != "0";
  }();
  return on;
}

// The step functor's C++ type, demangled ("hbm::batch::HmcTransition<...>"), for messages.
template <class F>
std::string functor_name() {
  int status = 0;
  char* d = abi::__cxa_demangle(typeid(F).name(), nullptr, nullptr, &status);
  std::string name = status == 0 && d ? d : typeid(F).name();
  std::free(d);
  return name;
}

// After a launch of a kernel running F: the launch's own error, then (HBMETA_CUDA_SYNC) the
// kernel's, both naming F.
template <class F>
void check_launch(const char* kind) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) check(e, std::string(kind) + " launch of " + functor_name<F>());
  if (sync_each_launch())
    check(cudaDeviceSynchronize(), std::string(kind) + " of " + functor_name<F>() + " (HBMETA_CUDA_SYNC)");
}

template <class F>
__global__ void for_each_kernel(std::int64_t n, F f) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) f(static_cast<int>(i));
}

// Index i = (global thread) / L, lane = (global thread) % L: L consecutive threads of a warp
// run f(i, group) together (models/group.hpp); L = 1 is one plain thread per index.
template <int L, class F>
__device__ void run_group(std::int64_t n, F f) {
  const std::int64_t t = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const std::int64_t i = t / L;
  if (i >= n) return;  // whole tiles: blockDim is a multiple of 32 and L divides 32
  if constexpr (L == 1) {
    f(static_cast<int>(i), SerialGroup{});
  } else {
    f(static_cast<int>(i), WarpGroup<L>::of_this_thread());
  }
}

template <int L, class F>
__global__ void for_each_group_kernel(std::int64_t n, F f) {
  run_group<L>(n, f);
}

// The most lanes per index a functor allows: its kMaxLanes when it says (a sequential sampler
// says 1, so no multi-lane kernel of it is compiled), else 32.
template <class F, class = void>
struct functor_max_lanes {
  static constexpr int value = 32;
};
template <class F>
struct functor_max_lanes<F, std::void_t<decltype(F::kMaxLanes)>> {
  static constexpr int value = F::kMaxLanes;
};

// The same with the study data of the block's chains staged in dynamic shared memory first:
// every thread of the block copies its share (with_staged_studies, models/batch_steps.hpp, found
// by argument-dependent lookup) and waits for the others before any chain runs, so the
// threads past the end of the index range take part in the copy and the barrier too.
template <int L, class F>
__global__ void for_each_group_staged_kernel(std::int64_t n, F f) {
  extern __shared__ double staged_studies[];
  const std::int64_t per_block = blockDim.x / L;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * per_block;
  const std::int64_t last = (first + per_block < n ? first + per_block : n) - 1;
  const F fs = with_staged_studies(f, first, last, staged_studies, static_cast<int>(threadIdx.x),
                                   static_cast<int>(blockDim.x));
  __syncthreads();
  run_group<L>(n, fs);
}

// Short segments: a warp per segment, kThreads / 32 segments per block. Lane l adds elements
// l, l + 32, ... in order, then the lanes' sums meet in a butterfly of shuffles (fixed order:
// the same input gives the same bits every run). A block-wide reduction of 256 threads for a
// segment of a few elements (thousands of datasets x 4 chains) leaves 98% of its threads idle
// and costs a block launch per segment.
template <int W, int kThreads, class F>
__global__ void segmented_sum_warp_kernel(int segments, int len, F f, double* out) {
  const int s = static_cast<int>(blockIdx.x) * (kThreads / 32) + static_cast<int>(threadIdx.x / 32);
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (s >= segments) return;  // a whole warp: the shuffles below see only full warps
  double acc[W], v[W];
  for (int k = 0; k < W; ++k) acc[k] = 0.0;
  for (int e = lane; e < len; e += 32) {
    f(s, e, v);
    for (int k = 0; k < W; ++k) acc[k] += v[k];
  }
  for (int k = 0; k < W; ++k) {
    for (int off = 16; off > 0; off /= 2) acc[k] += __shfl_xor_sync(0xffffffffu, acc[k], off);
    if (lane == 0) out[static_cast<std::int64_t>(k) * segments + s] = acc[k];
  }
}

// Long segments: a block of kThreads per segment, CUB's BlockReduce.
template <int W, int kThreads, class F>
__global__ void segmented_sum_kernel(int segments, int len, F f, double* out) {
  using Reduce = cub::BlockReduce<double, kThreads>;
  __shared__ typename Reduce::TempStorage tmp;
  const int s = blockIdx.x;
  double acc[W], v[W];
  for (int k = 0; k < W; ++k) acc[k] = 0.0;
  for (int e = threadIdx.x; e < len; e += kThreads) {
    f(s, e, v);
    for (int k = 0; k < W; ++k) acc[k] += v[k];
  }
  for (int k = 0; k < W; ++k) {
    const double r = Reduce(tmp).Sum(acc[k]);
    if (threadIdx.x == 0) out[static_cast<std::int64_t>(k) * segments + s] = r;
    __syncthreads();  // TempStorage is reused by the next reduction
  }
}

class CudaBackend {
 public:
  explicit CudaBackend(int device = 0) { check(cudaSetDevice(device), "cudaSetDevice"); }
  static const char* name() { return "cuda"; }

  template <class T>
  class Buffer {
   public:
    Buffer(CudaBackend&, std::size_t n) : n_(n) {
      if (n_ > 0) check(cudaMalloc(reinterpret_cast<void**>(&p_), n_ * sizeof(T)), "cudaMalloc");
    }
    ~Buffer() {
      if (p_) cudaFree(p_);
    }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    T* data() { return p_; }
    const T* data() const { return p_; }
    std::size_t size() const { return n_; }
    void upload(const std::vector<T>& h) {
      if (h.size() > n_) throw DeviceError("internal: upload larger than its device buffer");
      if (!h.empty()) check(cudaMemcpy(p_, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy to the device");
    }
    void download(std::vector<T>& h) const {
      h.resize(n_);
      if (n_ > 0) check(cudaMemcpy(h.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy from the device");
    }
    // Elements [first, first + n) into dest.
    void download(std::size_t first, std::size_t n, T* dest) const {
      if (first + n > n_) throw DeviceError("internal: download past the end of its device buffer");
      if (n > 0) check(cudaMemcpy(dest, p_ + first, n * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy from the device");
    }
    void fill_zero() {
      if (n_ > 0) check(cudaMemset(p_, 0, n_ * sizeof(T)), "cudaMemset");
    }

   private:
    T* p_ = nullptr;
    std::size_t n_ = 0;
  };

  template <class F>
  void for_each(std::int64_t n, const F& f) {
    if (n <= 0) return;
    const int block = 128;
    const auto grid = static_cast<unsigned>((n + block - 1) / block);
    for_each_kernel<<<grid, block>>>(n, f);
    check_launch<F>("kernel");
  }

  // f(i, group) for i in [0, n) with `lanes` (1, 2, 4, 8, 16 or 32) lanes per index, blocks of
  // kGroupBlock threads (block_chains(lanes) indices each). With staged_doubles > 0 each block
  // first copies its indices' study data into that many doubles of shared memory (at most
  // max_staged_bytes(), the 48 KB a block gets without opting in to more).
  static constexpr int kMaxLanes = 32;  // a warp (batch::kWarpLanes)
  static constexpr int kGroupBlock = 128;
  std::size_t max_staged_bytes() const { return 48 * 1024; }
  // One thread per chain: the chains' vectors interleaved, so that a warp's reads of coordinate j
  // of its 32 chains are neighbouring words (models/strided.hpp). Several lanes per chain: each
  // chain's vector contiguous, lane r reading coordinate r.
  bool interleave_chains(int lanes) const { return lanes == 1; }
  std::int64_t block_chains(int lanes) const { return kGroupBlock / lanes; }
  template <class F>
  void for_each_group(std::int64_t n, int lanes, const F& f, std::size_t staged_doubles = 0) {
    if constexpr (functor_max_lanes<F>::value == 1) {
      if (lanes != 1) throw DeviceError("internal: this step runs one lane per chain");
      launch_group<1>(n, f, staged_doubles);
    } else {
      switch (lanes) {
        case 1: return launch_group<1>(n, f, staged_doubles);
        case 2: return launch_group<2>(n, f, staged_doubles);
        case 4: return launch_group<4>(n, f, staged_doubles);
        case 8: return launch_group<8>(n, f, staged_doubles);
        case 16: return launch_group<16>(n, f, staged_doubles);
        case 32: return launch_group<32>(n, f, staged_doubles);
        default: throw DeviceError("internal: lanes per chain must be 1, 2, 4, 8, 16 or 32");
      }
    }
  }

  // Segments of at most kWarpSegment elements take a warp each (16 elements per lane at most),
  // longer ones a block of 256 threads each.
  static constexpr int kWarpSegment = 512;
  template <int W, class F>
  void segmented_sum(int segments, int len, const F& f, double* out) {
    if (segments <= 0) return;
    if (len <= kWarpSegment) {
      constexpr int kThreads = 128;
      const auto grid = static_cast<unsigned>((static_cast<std::int64_t>(segments) + kThreads / 32 - 1) / (kThreads / 32));
      segmented_sum_warp_kernel<W, kThreads><<<grid, kThreads>>>(segments, len, f, out);
    } else {
      segmented_sum_kernel<W, 256><<<static_cast<unsigned>(segments), 256>>>(segments, len, f, out);
    }
    check_launch<F>("reduction kernel");
  }

  void synchronise() { check(cudaDeviceSynchronize(), "kernel execution"); }

 private:
  template <int L, class F>
  void launch_group(std::int64_t n, const F& f, std::size_t staged_doubles) {
    if (n <= 0) return;
    const std::int64_t threads = n * L;
    const auto grid = static_cast<unsigned>((threads + kGroupBlock - 1) / kGroupBlock);
    if (staged_doubles > 0) {
      const std::size_t bytes = staged_doubles * sizeof(double);
      if (bytes > max_staged_bytes()) throw DeviceError("internal: staged study data larger than a block's shared memory");
      for_each_group_staged_kernel<L><<<grid, kGroupBlock, bytes>>>(n, f);
    } else {
      for_each_group_kernel<L><<<grid, kGroupBlock>>>(n, f);
    }
    check_launch<F>("kernel");
  }
};

}  // namespace hbm::cuda
