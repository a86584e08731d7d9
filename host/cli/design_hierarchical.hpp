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

#include "host/design/design_analysis.hpp"
#include "host/fit/fit_options.hpp"
#include "host/fit/outcome_data.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm {

// history: the single-arm outcome of control arms. Launches of at most `per_launch` datasets
// (0: as many as fit in about 1 GiB of study draws); progress on opt.sampler.progress.
std::vector<std::vector<double>> hierarchical_control_draws(const OutcomeData& history, int n_c, const FitOptions& opt,
                                                            ThreadPool& pool, std::size_t per_launch = 0);
// The same for the control outcomes y_values only (a shard's or an MPI rank's share), in their
// order: each y_c's draws are those of the full call.
std::vector<std::vector<double>> hierarchical_control_draws(const OutcomeData& history, int n_c,
                                                            const std::vector<int>& y_values, const FitOptions& opt,
                                                            ThreadPool& pool, std::size_t per_launch = 0);

// y_t*(y_c) of the hierarchical decision for each y_c in y_values (in their order): the refits
// of those control outcomes, then each one's boundary from its draws alone
// (design::hierarchical_boundary_at), so a share of the y_c gives that share of the one run's
// boundary.
std::vector<int> hierarchical_boundaries(const OutcomeData& history, const std::vector<int>& y_values,
                                         const std::vector<double>& map_draws, const design::DesignSettings& s,
                                         const FitOptions& opt, ThreadPool& pool);

}  // namespace hbm
