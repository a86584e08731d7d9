// What the single-arm and two-arm fits share once the sampler has run: summaries of the
// hyperparameters and predictive quantities, per-study summaries, run diagnostics and the
// warnings every model gives.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "host/batched_run.hpp"
#include "host/fit_options.hpp"
#include "host/gibbs_sampler.hpp"
#include "host/hmc_sampler.hpp"
#include "host/outcome_result.hpp"
#include "host/thread_pool.hpp"

namespace hbm {

// The sampler the options ask for, HMC or Gibbs, on one problem.
template <class Problem>
HmcRun run_sampler(Problem& prob, const SamplerConfig& cfg, std::uint32_t stream, ThreadPool& pool) {
  return cfg.algorithm == Algorithm::Gibbs ? sample_gibbs(prob, cfg, stream, pool) : sample_hmc(prob, cfg, stream, pool);
}

// The run for one outcome: precomputed (opt.precomputed), or from the batched engine (on the GPU,
// or on the CPU when opt.batched), or from the CPU samplers.
template <class Problem>
HmcRun run_fit_sampler(Problem& prob, const FitOptions& opt, const std::string& name, std::uint32_t stream,
                       ThreadPool& pool) {
  if (opt.precomputed) {
    const auto it = opt.precomputed->find(name);
    if (it != opt.precomputed->end()) return it->second;
  }
  if (opt.device == Device::Cuda || opt.batched) {
    const std::vector<Problem*> probs{&prob};
    return std::move(run_batched(probs, {stream}, opt.sampler, opt.device, pool, opt.study_draw_cap)[0]);
  }
  return run_sampler(prob, opt.sampler, stream, pool);
}

// Throws InputError when the Gibbs sampler is asked for more coefficients than it takes.
void check_sampler_supports(const OutcomeData& data, const SamplerConfig& cfg);

// Named chain-major draw columns (chains x draws each), summarised in parallel into
// r.parameters and kept as draw columns for DIR/draws/NAME.csv, in the order added.
void add_parameters(OutcomeResult& r, std::vector<std::pair<std::string, std::vector<double>>> columns,
                    ThreadPool& pool);

// Per-study summaries of run output columns first..first+K-1 (the study effects), on the model
// scale and through `natural` (inv_logit or exp); the studies' names and counts are filled by
// the caller beforehand. Adds the effect draws as columns "theta[i]" when asked to.
void add_study_summaries(OutcomeResult& r, const HmcRun& run, int first, double (*natural)(double),
                         const FitOptions& opt, ThreadPool& pool);

// Divergences, step size, trajectory length, acceptance, max R-hat and min ESS over the
// parameters (predictive counts excluded) and the study effects.
void fill_diagnostics(OutcomeResult& r, const HmcRun& run);

// Warnings about few studies, a tau posterior the data barely moved from its prior,
// divergences, R-hat and ESS, and the data's notes.
void add_common_warnings(OutcomeResult& r, const std::vector<std::string>& notes, int P, const Prior& prior_tau);

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

}  // namespace hbm
