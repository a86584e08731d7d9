// What the single-arm and two-arm fits share once the sampler has run: summaries of the
// hyperparameters and predictive quantities, per-study summaries, run diagnostics and the
// warnings every model gives.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "host/engine/batched_run.hpp"
#include "host/fit/fit_options.hpp"
#include "host/engine/memory_plan.hpp"
#include "host/fit/outcome_result.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm {

// The memory plan of a run of `size` outcomes with the options' sampler, device, study-draw cap
// and budget (opt.memory_budget; 0 = the machine's default), on `threads` threads.
MemoryPlan plan_fit_memory(const FitOptions& opt, int threads, RunSize size);

// The run for one outcome: precomputed (opt.precomputed: every outcome of a fit sampled in the
// same launches, prefit_batched in host/fit/outcome_fit.hpp), or this outcome alone through the
// batched engine on opt.device; the same engine either way (host/engine/batch_engine.hpp).
// A precomputed run is moved out of opt.precomputed (each is used once).
template <class Problem>
HmcRun run_fit_sampler(Problem& prob, const FitOptions& opt, const std::string& name, std::uint32_t stream,
                       ThreadPool& pool) {
  if (opt.precomputed) {
    const auto it = opt.precomputed->find(name);
    if (it != opt.precomputed->end()) return std::move(it->second);
  }
  RunSize size;
  add_to_run_size(size, prob);
  const MemoryPlan plan = plan_fit_memory(opt, pool.size(), size);
  const std::vector<Problem*> probs{&prob};
  HmcRun run = std::move(run_batched(probs, {stream}, opt.sampler, opt.device, pool, plan.study_thin)[0]);
  run.study_thinned_for_budget = plan.thinned_for_budget;
  return run;
}

// Throws InputError when the Gibbs sampler is asked for more coefficients than it takes.
void check_sampler_supports(const OutcomeData& data, const SamplerConfig& cfg);

// Named chain-major draw columns (chains x draws each), summarised in parallel into
// r.parameters and kept as draw columns for DIR/draws/NAME.csv, in the order added.
void add_parameters(OutcomeResult& r, std::vector<std::pair<std::string, std::vector<double>>> columns,
                    ThreadPool& pool);

// Per-study summaries of the run's study effects, on the model scale and through `natural`
// (inv_logit or exp: increasing); the studies' names and counts are filled by the caller beforehand. Adds the
// effect draws as columns "theta[i]" when asked to (and when every draw was kept).
void add_study_summaries(OutcomeResult& r, const HmcRun& run, double (*natural)(double), const FitOptions& opt,
                         ThreadPool& pool);

// Divergences, step size, trajectory length, acceptance, max R-hat and min ESS over the
// parameters (predictive counts excluded) and the study effects.
void fill_diagnostics(OutcomeResult& r, const HmcRun& run);

// Warnings about few studies, a tau posterior the data barely moved from its prior,
// divergences, R-hat and ESS, and the data's notes.
void add_common_warnings(OutcomeResult& r, const std::vector<std::string>& notes, int P, const Prior& prior_tau);

// Power-scaling sensitivity (host/fit/prior_sensitivity.hpp) of the 95% bounds of mu under its prior
// and of tau and theta_new under tau's prior, into r.diagnostics.prior_sensitivity, with a
// warning for each prior that drives a bound, naming the bound and what to report instead:
// `pooled` names the pooled quantity ("pooled rate"), `instead` the data's own answer for it.
void add_prior_sensitivity(OutcomeResult& r, const std::vector<double>& mu, const std::vector<double>& tau,
                           const std::vector<double>& theta_new, const Prior& prior_mu, const Prior& prior_tau,
                           const std::string& pooled, const std::string& instead);

// The new clinic's effect, draw by draw: fitted = mu + x_new' beta (beta in run outputs
// 2..2+P) and theta_new = fitted + tau z, z from the Predictive stream of (seed, outcome stream,
// chain, warmup + t). `more` (optional) may draw further predictive quantities of draw idx from
// the same stream, after z.
struct NewClinicDraws {
  std::vector<double> fitted, theta_new;
};
NewClinicDraws new_clinic_draws(const HmcRun& run, const std::vector<double>& x_new, const SamplerConfig& cfg,
                                std::uint32_t stream,
                                const std::function<void(std::size_t idx, double theta_new, RngStream& rng)>& more = {});

std::string format_number(double x, int precision = 3);

// The draws of the column `name` of r's draw columns (empty when there is none).
const std::vector<double>& draw_column(const OutcomeResult& r, const std::string& name);

}  // namespace hbm
