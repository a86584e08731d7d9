// The parity probes of host/engine/parity_probe.hpp run on the GPU, as plain C++ functions (no
// CUDA headers) for the tests: each launches the engine's own step functors in the CUDA
// backend's kernels once, at the given states, and copies the results back, for comparison with
// the same probe on the CPU backend (tests/cuda_parity_test.cpp). Defined in
// cuda/device_engine.cu (with the engine's kernels, so nvcc compiles each kernel once); only
// with nvcc (HBMETA_HAVE_CUDA); errors are DeviceError (cuda/device_error.hpp).
#pragma once
#include <cstdint>
#include <vector>

#include "cuda/device_error.hpp"
#include "host/engine/batch_data.hpp"
#include "host/engine/parity_probe.hpp"

namespace hbm::cuda {

batch::DensityProbe probe_log_density(const batch::SingleArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                                      int chains, const batch::ProbeLayout& layout);
batch::DensityProbe probe_log_density(const batch::TwoArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                                      int chains, const batch::ProbeLayout& layout);

batch::TransitionProbe probe_transition(const batch::SingleArmBatch& data,
                                        const std::vector<batch::OutcomeStart>& starts, int chains,
                                        const std::vector<double>& eps, const std::vector<int>& n_steps,
                                        std::uint64_t seed, int iteration, const batch::ProbeLayout& layout);
batch::TransitionProbe probe_transition(const batch::TwoArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                                        int chains, const std::vector<double>& eps, const std::vector<int>& n_steps,
                                        std::uint64_t seed, int iteration, const batch::ProbeLayout& layout);

batch::GibbsProbe probe_gibbs_sweep(const batch::SingleArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                                    int chains, std::uint64_t seed, int iteration, bool stage_studies);
batch::GibbsProbe probe_gibbs_sweep(const batch::TwoArmBatch& data, const std::vector<batch::OutcomeStart>& starts,
                                    int chains, std::uint64_t seed, int iteration, bool stage_studies);

batch::SumProbe probe_segmented_sums(const std::vector<double>& values, int segments, int len);

}  // namespace hbm::cuda
