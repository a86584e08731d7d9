// CUDA launch API for many-chain HMC on the single-arm model. The kernel runs exactly the
// host/device code of models/single_arm.hpp and models/hmc.hpp (no second copy of the math);
// the grid spans (outcome x chain), one thread per chain. Adaptation stays with the caller.
//
// This is the first piece of the CUDA backend: the CLI does not route to it yet (see the
// README's roadmap). Functions return false with a message instead of throwing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/priors.hpp"

namespace hbm::cuda {

// Number of CUDA devices usable by this process (0 when there is no driver or device).
int device_count();

struct BatchInput {
  // Outcomes laid end to end: studies of outcome o are [offset[o], offset[o+1]).
  std::vector<int> offset;
  std::vector<double> y, n;
  std::vector<std::uint8_t> centred;
  std::vector<std::uint32_t> stream;  // RNG stream per outcome
  Prior prior_mu, prior_tau;
};

struct BatchState {
  int chains = 0;               // per outcome
  std::vector<double> q;        // [outcome][chain][dim], dim = K_o + 2, outcomes end to end
  std::vector<double> inv_metric;  // [outcome][dim]
  std::vector<double> eps;      // per outcome
  std::vector<int> n_steps;     // per outcome
};

struct BatchStepOutput {
  std::vector<double> accept_prob;  // [outcome][chain]
  std::vector<int> divergent;
};

// Runs `iterations` HMC transitions, starting at iteration index `first_iteration`, for every
// chain of every outcome, updating state.q in place. Returns false and fills `error` on any
// CUDA failure (including out-of-memory).
bool run_transitions(const BatchInput& in, BatchState& state, std::uint64_t seed, std::uint32_t first_iteration,
                     int iterations, BatchStepOutput& out, std::string& error);

}  // namespace hbm::cuda
