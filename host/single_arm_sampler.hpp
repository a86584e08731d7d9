// Many-chain HMC for the single-arm model on CPU threads: initialisation, warmup (step size,
// diagonal metric, ChEES trajectory length, per-study centring) and sampling. The transition
// itself is models/hmc.hpp, shared with the CUDA backend.
#pragma once
#include <cstdint>
#include <vector>

#include "host/thread_pool.hpp"
#include "models/priors.hpp"

namespace hbm {

// How studies are parametrised: chosen per study during warmup (the default), or forced.
enum class Parametrisation { Auto, Centred, NonCentred };

struct SamplerConfig {
  int chains = 16;
  int warmup = 500;  // the chains adapt together, so 16 x 500 pooled warmup draws suffice (docs/benchmarks.md)
  int draws = 1000;
  int max_steps = 1024;        // cap on leapfrog steps per iteration
  double target_accept = 0.8;  // target for the harmonic mean of acceptance across chains
  std::uint64_t seed = 20251121;
  Parametrisation parametrisation = Parametrisation::Auto;
};

struct SingleArmInput {
  std::vector<double> y, n;  // events and totals
  Prior prior_mu, prior_tau;
  std::uint32_t stream = 0;  // RNG stream: a hash of the outcome name, so results do not depend
                             // on the outcome's position in the file
};

// Sampling-phase output. Per-draw arrays are chain-major: index c * draws + t.
struct SingleArmRun {
  int chains = 0, draws = 0, K = 0;
  std::vector<double> mu, tau;
  std::vector<double> theta;  // (c * draws + t) * K + i
  std::vector<double> accept_prob, energy;
  std::vector<int> divergent, n_steps;
  int warmup_divergences = 0;
  double step_size = 0, trajectory_length = 0;
  std::vector<double> inv_metric;
  std::vector<std::uint8_t> centred;  // final per-study parametrisation (1 = centred)
};

SingleArmRun sample_single_arm(const SingleArmInput& in, const SamplerConfig& cfg, ThreadPool& pool);

}  // namespace hbm
