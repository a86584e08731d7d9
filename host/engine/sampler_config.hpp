// Settings of the many-chain samplers of the batched engine (host/engine/batch_engine.hpp), shared by
// every model.
#pragma once
#include <cstdint>

namespace hbm {

class Progress;  // host/support/progress.hpp

// How study-level random effects are parametrised: chosen per study during warmup (the
// default), or forced for every study.
enum class Parametrisation { Auto, Centred, NonCentred };

// Which sampler fits the model: HMC (models/hmc.hpp) or Gibbs with Pólya-Gamma augmentation
// (models/gibbs_single_arm.hpp, models/gibbs_two_arm.hpp), both run by the engine.
enum class Algorithm { Hmc, Gibbs };

// Where the chains run: CPU threads or a CUDA device.
enum class Device { Cpu, Cuda };

struct SamplerConfig {
  Algorithm algorithm = Algorithm::Hmc;
  int chains = 16;
  int warmup = 500;  // the chains adapt together, so 16 x 500 pooled warmup draws suffice (docs/benchmarks.md)
  int draws = 1000;
  int max_steps = 1024;        // cap on leapfrog steps per iteration
  double target_accept = 0.8;  // target for the harmonic mean of acceptance across chains
  std::uint64_t seed = 20251121;
  Parametrisation parametrisation = Parametrisation::Auto;
  int lanes = 0;  // GPU lanes per chain (1, 2, 4, ..., 32); 0: the engine chooses (host/engine/batch_engine.hpp)
  bool stage_studies = true;  // GPU: study data in shared memory where they fit (host/engine/batch_engine.hpp)
  Progress* progress = nullptr;  // optional: told of every chain-iteration done (never changes results)
};

}  // namespace hbm
