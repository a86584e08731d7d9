// CUDA launch API for many-chain HMC transitions, one launch for every chain of every outcome of
// a batch. The kernel is one template over the model: it runs exactly the host/device code of
// models/single_arm.hpp or models/two_arm.hpp and models/hmc.hpp (no second copy of the math);
// the grid spans (outcome x chain), one thread per chain. Adaptation stays with the caller.
//
// This is the first piece of the CUDA backend: the CLI does not route to it yet (see the
// README's roadmap). Functions return false with a message instead of throwing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/priors.hpp"
#include "models/two_arm.hpp"

namespace hbm::cuda {

// Number of CUDA devices usable by this process (0 when there is no driver or device).
int device_count();

// Single-arm outcomes laid end to end: studies of outcome o are [offset[o], offset[o+1]).
struct BatchInput {
  std::vector<int> offset;
  std::vector<double> y, n;
  std::vector<std::uint8_t> centred;
  std::vector<std::uint32_t> stream;  // RNG stream per outcome
  Prior prior_mu, prior_tau;
};

// Two-arm outcomes laid end to end, as BatchInput (no covariates yet).
struct TwoArmBatchInput {
  std::vector<int> offset;
  std::vector<double> yt, nt, yc, nc;
  std::vector<std::uint8_t> centred;        // delta_i, per study
  std::vector<std::uint8_t> centred_alpha;  // alpha_i, per study (random baselines)
  std::vector<std::uint32_t> stream;
  BaselineModel baseline = BaselineModel::Independent;
  Prior prior_mu, prior_tau, prior_alpha, prior_mu_alpha, prior_sigma_alpha;
};

// Chain states: outcome o's chains are q[q_offset(o) + c * dim(o) + j], outcomes end to end,
// where dim(o) is the model's dimension for that outcome (single-arm K + 2; two-arm 2K + 2, plus 2
// with random baselines).
struct BatchState {
  int chains = 0;                  // per outcome
  std::vector<double> q;           // [outcome][chain][dim]
  std::vector<double> inv_metric;  // [outcome][dim]
  std::vector<double> eps;         // per outcome
  std::vector<int> n_steps;        // per outcome
};

struct BatchStepOutput {
  std::vector<double> accept_prob;  // [outcome][chain], of the last transition
  std::vector<int> divergent;
};

// Run `iterations` HMC transitions, starting at iteration index `first_iteration`, for every
// chain of every outcome, updating state.q in place. Return false and fill `error` on any CUDA
// failure (including out-of-memory).
bool run_transitions(const BatchInput& in, BatchState& state, std::uint64_t seed, std::uint32_t first_iteration,
                     int iterations, BatchStepOutput& out, std::string& error);
bool run_transitions(const TwoArmBatchInput& in, BatchState& state, std::uint64_t seed,
                     std::uint32_t first_iteration, int iterations, BatchStepOutput& out, std::string& error);

}  // namespace hbm::cuda
