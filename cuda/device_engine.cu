// The batched engine on the GPU: host/engine/batch_engine.hpp with the CUDA backend, for both models and
// both samplers. No model or sampler code here: only instantiation and device queries.
#include <cuda_runtime.h>

#include "cuda/cuda_backend.cuh"
#include "cuda/device_engine.hpp"
#include "host/engine/batch_engine.hpp"

namespace hbm::cuda {

int device_count(std::string* why) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear the error so that later calls report their own
    if (why) *why = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
    return 0;
  }
  if (n == 0 && why) *why = "the CUDA runtime reports no device";
  return n;
}

DeviceInfo device_info(int device) {
  DeviceInfo info;
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  info.name = prop.name;
  info.sm_major = prop.major;
  info.sm_minor = prop.minor;
  info.multiprocessors = prop.multiProcessorCount;
  check(cudaSetDevice(device), "cudaSetDevice");
  std::size_t free_b = 0, total_b = 0;
  check(cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
  info.free_bytes = static_cast<double>(free_b);
  info.total_bytes = static_cast<double>(total_b);
  return info;
}

std::vector<HmcRun> run_hmc(const batch::SingleArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                            const SamplerConfig& cfg, int thin) {
  CudaBackend be;
  return batch::run_hmc(be, data, starts, cfg, thin);
}
std::vector<HmcRun> run_hmc(const batch::TwoArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                            const SamplerConfig& cfg, int thin) {
  CudaBackend be;
  return batch::run_hmc(be, data, starts, cfg, thin);
}
std::vector<HmcRun> run_gibbs(const batch::SingleArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                              const SamplerConfig& cfg, int thin) {
  CudaBackend be;
  return batch::run_gibbs(be, data, starts, cfg, thin);
}
std::vector<HmcRun> run_gibbs(const batch::TwoArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                              const SamplerConfig& cfg, int thin) {
  CudaBackend be;
  return batch::run_gibbs(be, data, starts, cfg, thin);
}

double time_gradients(const batch::SingleArmBatch& data, const std::vector<batch::OutcomeStart>& starts, int chains,
                      int evaluations, int requested_lanes, bool stage_studies, batch::GradientLayout* used) {
  CudaBackend be;
  return batch::time_gradients(be, data, starts, chains, evaluations, requested_lanes, stage_studies, used);
}

}  // namespace hbm::cuda
