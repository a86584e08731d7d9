// CUDA launch API for many-chain Gibbs sweeps (Pólya-Gamma augmentation), one launch for every
// chain of every outcome of a batch. The kernel runs exactly the host/device sweeps of
// models/gibbs_single_arm.hpp and models/gibbs_two_arm.hpp (no second copy of the math), one
// thread per chain over the grid (outcome x chain). The batch inputs are those of
// cuda/batch_hmc.hpp (covariates not yet). Functions return false with a message instead of
// throwing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cuda/batch_hmc.hpp"

namespace hbm::cuda {

// Chain states in the Gibbs layout (models/gibbs_*.hpp): outcome o's chains are
// s[offset(o) + c * dim(o) + j], outcomes end to end; dim(o) = K + 2 (single-arm) or
// 2K + 2 (+ 2 with random baselines) (two-arm).
struct GibbsBatchState {
  int chains = 0;         // per outcome
  std::vector<double> s;  // [outcome][chain][dim]
};

// Run `iterations` sweeps, starting at iteration index `first_iteration`, for every chain of
// every outcome, updating state.s in place. Return false and fill `error` on any CUDA failure.
bool run_gibbs_sweeps(const BatchInput& in, GibbsBatchState& state, std::uint64_t seed,
                      std::uint32_t first_iteration, int iterations, std::string& error);
bool run_gibbs_sweeps(const TwoArmBatchInput& in, GibbsBatchState& state, std::uint64_t seed,
                      std::uint32_t first_iteration, int iterations, std::string& error);

}  // namespace hbm::cuda
