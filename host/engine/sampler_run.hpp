// What the batched engine (host/engine/batch_engine.hpp, HMC or Gibbs, CPU or GPU) hands to the fit
// for one outcome once it has run. Per-draw arrays are chain-major: index c * draws + t.
#pragma once
#include <cstdint>
#include <vector>

namespace hbm {

struct HmcRun {
  const char* sampler = "hmc";  // "hmc" or "gibbs"
  int chains = 0, draws = 0, n_outputs = 0;
  std::vector<double> outputs;  // (c * draws + t) * n_outputs + r: the problem's outputs()
  std::vector<double> accept_prob, energy;
  std::vector<int> divergent, n_steps;
  int warmup_divergences = 0;
  double step_size = 0, trajectory_length = 0;
  int lanes = 1;  // GPU lanes per chain (models/group.hpp); 1 on the CPU and under Gibbs
  const char* study_data = "host";  // where the study data were read: host, shared or global (GPU memory)
  std::vector<double> inv_metric;
  std::vector<std::vector<std::uint8_t>> centred;  // per block: final per-study parametrisation

  // The study effects, kept apart from the outputs (which hold the hyperparameters): every
  // study_thin-th draw of each chain, so that memory need not grow as chains x draws x studies
  // (host/engine/memory_plan.hpp): study_outputs[(c * study_draws + t) * n_study + i].
  int n_study = 0, study_draws = 0, study_thin = 1;
  bool study_thinned_for_budget = false;  // the thinning is the memory budget's (host/engine/memory_plan.hpp)
  std::vector<double> study_outputs;

  // Column r of the outputs, chain-major.
  std::vector<double> column(int r) const {
    const std::size_t N = static_cast<std::size_t>(chains) * draws;
    std::vector<double> v(N);
    for (std::size_t idx = 0; idx < N; ++idx) v[idx] = outputs[idx * n_outputs + r];
    return v;
  }

  // Study i's effect draws, chain-major, with their number per chain.
  std::vector<double> study_column(int i, int* draws_per_chain) const {
    *draws_per_chain = study_draws;
    const std::size_t N = static_cast<std::size_t>(chains) * study_draws;
    std::vector<double> v(N);
    for (std::size_t idx = 0; idx < N; ++idx) v[idx] = study_outputs[idx * n_study + i];
    return v;
  }
};

}  // namespace hbm
