// What a sampler hands to the fit once it has run (the CPU HMC and Gibbs samplers,
// host/hmc_sampler.hpp and host/gibbs_sampler.hpp, and the batched engine on CPU or GPU,
// host/batch_engine.hpp). Per-draw arrays are chain-major: index c * draws + t.
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

  // The study effects. With n_study == 0 they are the outputs columns from the caller's `first`
  // on, every draw (the CPU samplers). With n_study > 0 (the batched engine) the outputs hold the
  // hyperparameters only and the n_study effects are kept apart, every study_thin-th draw of
  // each chain, so that memory need not grow as chains x draws x studies:
  // study_outputs[(c * study_draws + t) * n_study + i].
  int n_study = 0, study_draws = 0, study_thin = 1;
  bool study_thinned_for_budget = false;  // the thinning is the memory budget's (host/memory_plan.hpp)
  std::vector<double> study_outputs;

  // Column r of the outputs, chain-major.
  std::vector<double> column(int r) const {
    const std::size_t N = static_cast<std::size_t>(chains) * draws;
    std::vector<double> v(N);
    for (std::size_t idx = 0; idx < N; ++idx) v[idx] = outputs[idx * n_outputs + r];
    return v;
  }

  // Study i's effect draws, chain-major, with their number per chain; `first` is the outputs
  // column of study 0 when the studies are among the outputs.
  std::vector<double> study_column(int first, int i, int* draws_per_chain) const {
    if (n_study == 0) {
      *draws_per_chain = draws;
      return column(first + i);
    }
    *draws_per_chain = study_draws;
    const std::size_t N = static_cast<std::size_t>(chains) * study_draws;
    std::vector<double> v(N);
    for (std::size_t idx = 0; idx < N; ++idx) v[idx] = study_outputs[idx * n_study + i];
    return v;
  }
};

}  // namespace hbm
