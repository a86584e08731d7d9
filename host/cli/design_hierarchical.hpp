// The hierarchical (meta-analytic-combined) path of `hbmeta design --method hierarchical|both`:
// for every possible control outcome y_c = 0..n_c of the planned trial, the historical studies
// plus the trial's control arm (y_c of n_c) as one more study, all n_c + 1 datasets refitted
// together in the same launches of the batched engine (CPU threads or the GPU); returned are the
// draws of the new study's control rate inv_logit(theta[K + 1]) for each y_c.
//
// Summing over the n_c + 1 outcomes rather than simulating trials gives the exact OC given the
// refits: 2,000 simulated trials would refit at most n_c + 1 distinct datasets anyway.
#pragma once
#include <vector>

#include "host/fit/fit_options.hpp"
#include "host/fit/outcome_data.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm {

// history: the single-arm outcome of control arms. Launches of at most `per_launch` datasets
// (0: as many as fit in about 1 GiB of study draws); progress on opt.sampler.progress.
std::vector<std::vector<double>> hierarchical_control_draws(const OutcomeData& history, int n_c, const FitOptions& opt,
                                                            ThreadPool& pool, std::size_t per_launch = 0);

}  // namespace hbm
