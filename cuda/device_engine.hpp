// The CUDA backend as plain C++ functions (no CUDA headers), for host code: device queries,
// the batched engine (host/engine/batch_engine.hpp) instantiated on the GPU for each model and sampler,
// and a gradient-throughput probe for the benchmarks. Compiled only when nvcc is present
// (HBMETA_HAVE_CUDA); errors are DeviceError / DeviceOutOfMemory (cuda/device_error.hpp).
#pragma once
#include <string>
#include <vector>

#include "cuda/device_error.hpp"
#include "host/engine/batch_data.hpp"
#include "host/engine/batch_engine.hpp"
#include "host/engine/sampler_config.hpp"
#include "host/engine/sampler_run.hpp"

namespace hbm::cuda {

// Number of usable CUDA devices. 0 when the CUDA runtime reports an error (no device, no driver,
// a driver older than the runtime, ...); then *why, when given, receives the error's name and
// text (e.g. "cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA runtime
// version"), so a broken installation is not reported as a machine without a GPU.
int device_count(std::string* why = nullptr);

struct DeviceInfo {
  std::string name;
  int sm_major = 0, sm_minor = 0, multiprocessors = 0;
  double free_bytes = 0, total_bytes = 0;
};
DeviceInfo device_info(int device = 0);

std::vector<HmcRun> run_hmc(const batch::SingleArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                            const SamplerConfig& cfg, int thin);
std::vector<HmcRun> run_hmc(const batch::TwoArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                            const SamplerConfig& cfg, int thin);
std::vector<HmcRun> run_gibbs(const batch::SingleArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                              const SamplerConfig& cfg, int thin);
std::vector<HmcRun> run_gibbs(const batch::TwoArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                              const SamplerConfig& cfg, int thin);

// Times `evaluations` gradient evaluations of every chain of every outcome at the given states
// (the leapfrog's inner work) on the GPU with `requested_lanes` lanes per chain (0: the
// engine's choice) and the study data staged in shared memory when `stage_studies` and they fit;
// the layout used is written to *used. Returns seconds (kernel time only).
double time_gradients(const batch::SingleArmBatch& data, const std::vector<batch::OutcomeStart>& starts, int chains,
                      int evaluations, int requested_lanes, bool stage_studies, batch::GradientLayout* used);

}  // namespace hbm::cuda
