// Device-side pieces shared by the CUDA launch files: a checked device copy of a host vector,
// and per-outcome views over a batch's study arrays that build the models of models/ (HMC) and
// their Gibbs sweeps for outcome o, on the device.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string>
#include <vector>

#include "models/gibbs_single_arm.hpp"
#include "models/gibbs_two_arm.hpp"
#include "models/single_arm.hpp"
#include "models/two_arm.hpp"

namespace hbm::cuda {

// Device copy of a host vector; freed on destruction. `ok` is false after a failed allocation
// or copy, with the reason in the error string passed in.
template <class T>
class DeviceArray {
 public:
  DeviceArray(const std::vector<T>& src, std::string& error) : DeviceArray(src.size(), error) {
    if (ptr_ && !src.empty() &&
        cudaMemcpy(ptr_, src.data(), sizeof(T) * src.size(), cudaMemcpyHostToDevice) != cudaSuccess) {
      error = "cudaMemcpy to the device failed";
      cudaFree(ptr_);
      ptr_ = nullptr;
    }
  }
  DeviceArray(std::size_t n, std::string& error) {
    const std::size_t bytes = sizeof(T) * (n == 0 ? 1 : n);
    if (cudaMalloc(reinterpret_cast<void**>(&ptr_), bytes) != cudaSuccess) {
      cudaGetLastError();
      ptr_ = nullptr;
      error = "out of GPU memory allocating " + std::to_string(bytes) + " bytes; use fewer chains or outcomes";
    }
  }
  ~DeviceArray() {
    if (ptr_) cudaFree(ptr_);
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  T* get() const { return ptr_; }
  bool ok() const { return ptr_ != nullptr; }

 private:
  T* ptr_ = nullptr;
};

// Start of each outcome's block in an array laid out outcome after outcome, block o holding
// per * sizes[o] values; *total receives the array's length.
inline std::vector<int> block_offsets(const std::vector<int>& sizes, int per, std::size_t* total) {
  std::vector<int> off(sizes.size());
  std::size_t n = 0;
  for (std::size_t o = 0; o < sizes.size(); ++o) {
    off[o] = static_cast<int>(n);
    n += static_cast<std::size_t>(per) * sizes[o];
  }
  *total = n;
  return off;
}

// Per-outcome model views over the batch's study arrays.
struct SingleArmView {
  const int* offset;
  const double *y, *n;
  const std::uint8_t* centred;
  Prior prior_mu, prior_tau;
  __device__ SingleArmGibbs gibbs_at(int o) const {
    SingleArmGibbs g;
    g.K = offset[o + 1] - offset[o];
    g.y = y + offset[o];
    g.n = n + offset[o];
    g.prior_mu = prior_mu;
    g.prior_tau = prior_tau;
    return g;
  }
  __device__ SingleArmModel at(int o) const {
    SingleArmModel m;
    m.K = offset[o + 1] - offset[o];
    m.y = y + offset[o];
    m.n = n + offset[o];
    m.centred = centred + offset[o];
    m.prior_mu = prior_mu;
    m.prior_tau = prior_tau;
    return m;
  }
};

struct TwoArmView {
  const int* offset;
  const double *yt, *nt, *yc, *nc;
  const std::uint8_t *centred, *centred_alpha;
  BaselineModel baseline;
  Prior prior_mu, prior_tau, prior_alpha, prior_mu_alpha, prior_sigma_alpha;
  __device__ TwoArmGibbs gibbs_at(int o) const {
    TwoArmGibbs g;
    const int b = offset[o];
    g.K = offset[o + 1] - b;
    g.yt = yt + b;
    g.nt = nt + b;
    g.yc = yc + b;
    g.nc = nc + b;
    g.baseline = baseline;
    g.prior_mu = prior_mu;
    g.prior_tau = prior_tau;
    g.prior_alpha = prior_alpha;
    g.prior_mu_alpha = prior_mu_alpha;
    g.prior_sigma_alpha = prior_sigma_alpha;
    return g;
  }
  __device__ TwoArmModel at(int o) const {
    TwoArmModel m;
    const int b = offset[o];
    m.K = offset[o + 1] - b;
    m.yt = yt + b;
    m.nt = nt + b;
    m.yc = yc + b;
    m.nc = nc + b;
    m.centred = centred + b;
    m.centred_alpha = baseline == BaselineModel::Random ? centred_alpha + b : nullptr;
    m.baseline = baseline;
    m.prior_mu = prior_mu;
    m.prior_tau = prior_tau;
    m.prior_alpha = prior_alpha;
    m.prior_mu_alpha = prior_mu_alpha;
    m.prior_sigma_alpha = prior_sigma_alpha;
    return m;
  }
};

}  // namespace hbm::cuda
