// The batched engine on the GPU: host/engine/batch_engine.hpp with the CUDA backend, for both models and
// both samplers, and the parity probes of host/engine/parity_probe.hpp (cuda/parity.hpp). No
// model or sampler code here: only instantiation and device queries. The probes are here, not
// in a file of their own, because they launch the engine's own kernels (the same template
// instances): in one translation unit nvcc compiles each kernel once.
#include <cuda_runtime.h>

#include "cuda/cuda_backend.cuh"
#include "cuda/device_engine.hpp"
#include "cuda/parity.hpp"
#include "host/engine/batch_engine.hpp"
#include "host/engine/parity_probe.hpp"

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

// ---- parity probes (cuda/parity.hpp) ----

namespace {
template <class Data>
batch::DensityProbe density(const Data& data, const std::vector<batch::OutcomeStart>& starts, int chains,
                            const batch::ProbeLayout& layout) {
  CudaBackend be;
  return batch::probe_log_density(be, data, starts, chains, layout);
}
template <class Data>
batch::TransitionProbe transition(const Data& data, const std::vector<batch::OutcomeStart>& starts, int chains,
                                  const std::vector<double>& eps, const std::vector<int>& n_steps, std::uint64_t seed,
                                  int iteration, const batch::ProbeLayout& layout) {
  CudaBackend be;
  return batch::probe_transition(be, data, starts, chains, eps, n_steps, seed, iteration, layout);
}
template <class Data>
batch::GibbsProbe gibbs(const Data& data, const std::vector<batch::OutcomeStart>& starts, int chains,
                        std::uint64_t seed, int iteration, bool stage_studies) {
  CudaBackend be;
  return batch::probe_gibbs_sweep(be, data, starts, chains, seed, iteration, stage_studies);
}
}  // namespace

batch::DensityProbe probe_log_density(const batch::SingleArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                                      int chains, const batch::ProbeLayout& layout) {
  return density(data, starts, chains, layout);
}
batch::DensityProbe probe_log_density(const batch::TwoArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                                      int chains, const batch::ProbeLayout& layout) {
  return density(data, starts, chains, layout);
}

batch::TransitionProbe probe_transition(const batch::SingleArmBatch& data,
                                        const std::vector<batch::OutcomeStart>& starts, int chains,
                                        const std::vector<double>& eps, const std::vector<int>& n_steps,
                                        std::uint64_t seed, int iteration, const batch::ProbeLayout& layout) {
  return transition(data, starts, chains, eps, n_steps, seed, iteration, layout);
}
batch::TransitionProbe probe_transition(const batch::TwoArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                                        int chains, const std::vector<double>& eps, const std::vector<int>& n_steps,
                                        std::uint64_t seed, int iteration, const batch::ProbeLayout& layout) {
  return transition(data, starts, chains, eps, n_steps, seed, iteration, layout);
}

batch::GibbsProbe probe_gibbs_sweep(const batch::SingleArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                                    int chains, std::uint64_t seed, int iteration, bool stage_studies) {
  return gibbs(data, starts, chains, seed, iteration, stage_studies);
}
batch::GibbsProbe probe_gibbs_sweep(const batch::TwoArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                                    int chains, std::uint64_t seed, int iteration, bool stage_studies) {
  return gibbs(data, starts, chains, seed, iteration, stage_studies);
}

batch::SumProbe probe_segmented_sums(const std::vector<double>& values, int segments, int len) {
  CudaBackend be;
  return batch::probe_segmented_sums(be, values, segments, len);
}

}  // namespace hbm::cuda
