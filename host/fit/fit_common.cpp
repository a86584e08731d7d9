#include "host/fit/fit_common.hpp"

#include "host/stats/diagnostics.hpp"
#include "host/support/input_error.hpp"
#include "host/stats/nested_rhat.hpp"
#include "host/fit/prior_sensitivity.hpp"
#include "host/fit/prior_spec.hpp"
#include "models/gibbs_updates.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <tuple>

namespace hbm {

std::string format_number(double x, int precision) {
  std::ostringstream o;
  o.precision(precision);
  o << x;
  return o.str();
}

MemoryPlan plan_fit_memory(const FitOptions& opt, int threads, RunSize size) {
  size.chains = opt.sampler.chains;
  size.draws = opt.sampler.draws;
  size.gibbs = opt.sampler.algorithm == Algorithm::Gibbs;
  size.engine_on_host = opt.device == Device::Cpu;
  size.threads = threads;
  std::string source = opt.memory_budget_source;
  const double budget = opt.memory_budget > 0 ? opt.memory_budget : default_memory_budget(&source);
  return plan_memory(size, batch::study_thin_for(opt.sampler.chains, opt.sampler.draws, opt.study_draw_cap), budget,
                     source);
}

void check_sampler_supports(const OutcomeData& data, const SamplerConfig& cfg) {
  const int P = data.P();
  if (cfg.algorithm == Algorithm::Gibbs && P + 1 > kGibbsMaxCoefficients)
    throw InputError("--sampler gibbs: outcome '" + data.name + "' has " + std::to_string(P) +
                     " regression coefficients; the Gibbs sampler takes at most " +
                     std::to_string(kGibbsMaxCoefficients - 1) + " (use --sampler hmc)");
}

NewClinicDraws new_clinic_draws(const HmcRun& run, const std::vector<double>& x_new, const SamplerConfig& cfg,
                                std::uint32_t stream,
                                const std::function<void(std::size_t idx, double theta_new, RngStream& rng)>& more) {
  const int C = run.chains, S = run.draws, P = static_cast<int>(x_new.size()), R = run.n_outputs;
  const std::size_t N = static_cast<std::size_t>(C) * S;
  NewClinicDraws d{std::vector<double>(N), std::vector<double>(N)};
  for (int c = 0; c < C; ++c) {
    for (int t = 0; t < S; ++t) {
      const std::size_t idx = static_cast<std::size_t>(c) * S + t;
      const double* out = &run.outputs[idx * R];  // mu, tau, beta_1..beta_P, ...
      RngStream rng(cfg.seed, stream, static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(cfg.warmup + t),
                    RngPurpose::Predictive);
      double z, unused;
      rng.normal2(z, unused);
      double f = out[0];
      for (int j = 0; j < P; ++j) f += x_new[j] * out[2 + j];
      d.fitted[idx] = f;
      d.theta_new[idx] = f + out[1] * z;
      if (more) more(idx, d.theta_new[idx], rng);
    }
  }
  return d;
}

void add_parameters(OutcomeResult& r, std::vector<std::pair<std::string, std::vector<double>>> columns,
                    ThreadPool& pool) {
  const std::size_t first = r.parameters.size();
  r.parameters.resize(first + columns.size());
  const auto C = static_cast<std::size_t>(r.chains), S = static_cast<std::size_t>(r.draws);
  pool.parallel_for(static_cast<int>(columns.size()), [&](int j) {
    r.parameters[first + j] = {columns[j].first, summarise(ChainDraws{columns[j].second.data(), C, S})};
  });
  for (auto& c : columns) {
    r.draw_names.push_back(c.first);
    r.draw_columns.push_back(std::move(c.second));
  }
}

void add_study_summaries(OutcomeResult& r, const HmcRun& run, double (*natural)(double), const FitOptions& opt,
                         ThreadPool& pool) {
  const int K = static_cast<int>(r.studies.size());
  const auto C = static_cast<std::size_t>(run.chains);
  // Draw columns must all have every draw: thinned study draws stay out of the draws file.
  const bool every_draw = run.study_thin == 1;
  const bool study_draws = every_draw && (opt.study_draws == FitOptions::StudyDraws::Yes ||
                                          (opt.study_draws == FitOptions::StudyDraws::Auto && K <= kStudyDrawsAutoLimit));
  std::vector<std::vector<double>> effect(study_draws ? K : 0);
  // Independent per study: one pool task each, writing its own slot, so the result does not
  // depend on the thread count. The batched engine may keep every study_thin-th draw only.
  pool.parallel_for(K, [&](int i) {
    int S = 0;
    std::vector<double> th = run.study_column(i, &S), nat(th.size());
    for (std::size_t idx = 0; idx < th.size(); ++idx) nat[idx] = natural(th[idx]);
    StudyResult& sr = r.studies[i];
    sr.centred = run.centred[0][i] != 0;
    // natural is increasing (a rate, an odds ratio): one sort serves both (summarise_increasing).
    std::tie(sr.theta, sr.natural) = summarise_increasing(ChainDraws{th.data(), C, static_cast<std::size_t>(S)},
                                                          ChainDraws{nat.data(), C, static_cast<std::size_t>(S)});
    if (study_draws) effect[i] = std::move(th);  // kept only for the draw columns
  });
  for (int i = 0; i < K && study_draws; ++i) {
    r.draw_names.push_back("theta[" + std::to_string(i + 1) + "]");
    r.draw_columns.push_back(std::move(effect[i]));
  }
}

void fill_diagnostics(OutcomeResult& r, const HmcRun& run) {
  const std::size_t N = static_cast<std::size_t>(run.chains) * run.draws;
  RunDiagnostics& d = r.diagnostics;
  d.sampler = run.sampler;
  r.sample_accept_prob = run.accept_prob;
  r.sample_energy = run.energy;
  r.sample_divergent = run.divergent;
  r.sample_n_steps = run.n_steps;
  for (std::size_t idx = 0; idx < N; ++idx) {
    d.divergences += run.divergent[idx];
    d.mean_leapfrog_steps += run.n_steps[idx];
    d.mean_accept_prob += run.accept_prob[idx];
  }
  d.mean_leapfrog_steps /= static_cast<double>(N);
  if (d.sampler == "hmc" && run.draws > 1)
    for (int c = 0; c < run.chains; ++c) {
      const double e = ebfmi(&run.energy[static_cast<std::size_t>(c) * run.draws], run.draws);
      if (std::isfinite(e) && !(e >= d.min_ebfmi)) d.min_ebfmi = e;
    }
  d.mean_accept_prob /= static_cast<double>(N);
  d.warmup_divergences = run.warmup_divergences;
  d.step_size = run.step_size;
  d.trajectory_length = run.trajectory_length;
  d.lanes_per_chain = run.lanes;
  d.study_data = run.study_data;
  d.study_thin = run.study_thin;
  d.study_draws_per_chain = run.study_draws;
  d.study_draws_from = run.study_thin == 1 ? "every draw" : run.study_thinned_for_budget ? "memory budget" : "--study-draw-cap";
  d.centred_studies = static_cast<int>(std::count(run.centred[0].begin(), run.centred[0].end(), 1));
  if (run.centred.size() > 1)
    d.centred_baselines = static_cast<int>(std::count(run.centred[1].begin(), run.centred[1].end(), 1));
  d.max_rhat = 0;
  d.min_ess_bulk = INFINITY;
  d.min_ess_tail = INFINITY;
  auto track = [&](const ParamSummary& s) {
    if (std::isfinite(s.rhat)) d.max_rhat = std::max(d.max_rhat, s.rhat);
    if (std::isfinite(s.rhat_nested) && !(s.rhat_nested <= d.max_rhat_nested)) d.max_rhat_nested = s.rhat_nested;
    if (std::isfinite(s.ess_bulk)) d.min_ess_bulk = std::min(d.min_ess_bulk, s.ess_bulk);
    if (std::isfinite(s.ess_tail)) d.min_ess_tail = std::min(d.min_ess_tail, s.ess_tail);
  };
  for (const auto& p : r.parameters)
    if (p.name != "events_new") track(p.s);
  for (const auto& s : r.studies) track(s.theta);
}

const std::vector<double>& draw_column(const OutcomeResult& r, const std::string& name) {
  static const std::vector<double> none;
  for (std::size_t k = 0; k < r.draw_names.size(); ++k)
    if (r.draw_names[k] == name) return r.draw_columns[k];
  return none;
}

void add_prior_sensitivity(OutcomeResult& r, const std::vector<double>& mu, const std::vector<double>& tau,
                           const std::vector<double>& theta_new, const Prior& prior_mu, const Prior& prior_tau,
                           const std::string& pooled, const std::string& instead) {
  const auto log_prior = [](const Prior& p, const std::vector<double>& x) {
    std::vector<double> lp(x.size());
    double d;
    for (std::size_t i = 0; i < x.size(); ++i) lp[i] = prior_lpdf_grad(p, x[i], &d);
    return lp;
  };
  const std::vector<double> lp_mu = log_prior(prior_mu, mu), lp_tau = log_prior(prior_tau, tau);
  const TailSensitivity s_mu = power_scaling_sensitivity(mu, lp_mu), s_tau = power_scaling_sensitivity(tau, lp_tau),
                        s_new = power_scaling_sensitivity(theta_new, lp_tau);
  auto& out = r.diagnostics.prior_sensitivity;
  out = {{"mu", "prior_mu", s_mu.lower, s_mu.upper},
         {"tau", "prior_tau", s_tau.lower, s_tau.upper},
         {"theta_new", "prior_tau", s_new.lower, s_new.upper}};
  // "the lower bound of X (2.2)", ... for the bounds above the threshold (empty: none).
  const auto driven = [](const TailSensitivity& s, const std::string& what) {
    std::vector<std::string> out;
    if (std::fabs(s.lower) > kPriorDrivenSensitivity)
      out.push_back("the lower bound of " + what + " (" + format_number(std::fabs(s.lower), 2) + ")");
    if (std::fabs(s.upper) > kPriorDrivenSensitivity)
      out.push_back("the upper bound of " + what + " (" + format_number(std::fabs(s.upper), 2) + ")");
    return out;
  };
  const auto warn = [&](const std::vector<std::string>& bounds, const std::string& prior, const std::string& todo) {
    if (bounds.empty()) return;
    std::string list;
    for (std::size_t k = 0; k < bounds.size(); ++k)
      list += (k == 0 ? "" : k + 1 == bounds.size() ? " and " : ", ") + bounds[k];
    r.warnings.push_back("95% bounds set largely by the " + prior + ": " + list +
                         " (power-scaling sensitivity: how far a bound moves, in posterior sd, per unit of log alpha "
                         "when the prior is raised to the power alpha; above 0.5 the prior, not the data, sets much "
                         "of it; Kallioinen et al. 2023); " + todo);
  };
  warn(driven(s_mu, "the " + pooled), "mu prior " + prior_to_string(prior_mu),
       instead + ", and the result under other --prior-mu");
  std::vector<std::string> t = driven(s_tau, "tau");
  for (auto& b : driven(s_new, "the prediction interval for a new " + r.unit)) t.push_back(b);
  warn(t, "tau prior " + prior_to_string(prior_tau), "report the tau prior with them, and the results under other --prior-tau");
}

void add_common_warnings(OutcomeResult& r, const std::vector<std::string>& notes, int P, const Prior& prior_tau) {
  auto warn = [&](const std::string& w) { r.warnings.push_back(w); };
  const int K = r.k;
  if (K == 1)
    warn("only one study: the between-" + r.unit + " heterogeneity tau is not identified by the data, so "
         "its posterior (and the prediction interval for a new " + r.unit + ") is the prior's");
  else if (K < 5)
    warn("only " + std::to_string(K) + " studies: the posterior of tau and the prediction interval "
         "depend strongly on the tau prior; report a sensitivity analysis over priors");
  // Prior-to-posterior contraction of tau, 1 - var(post) / var(prior): below 0.1 the data have
  // barely narrowed the tau prior (K = 1 has its own warning above).
  const ParamSummary* tau = r.find("tau");
  const double psd = prior_sd(prior_tau);
  if (K > 1 && tau && std::isfinite(psd) && psd > 0) {
    const double contraction = 1.0 - (tau->sd * tau->sd) / (psd * psd);
    if (contraction < 0.1)
      warn("the data barely update tau (posterior sd " + format_number(tau->sd, 3) + " vs prior sd " +
           format_number(psd, 3) + "): the heterogeneity and the prediction interval reflect the tau prior; "
           "report a sensitivity analysis over priors");
  }
  for (const auto& n : notes) warn(n);
  if (P > 0 && K <= P + 1)
    warn(std::to_string(P) + " regression coefficient(s) from " + std::to_string(K) +
         " studies: the data cannot separate them from each other and from tau, so their posteriors "
         "lean on the --prior-beta prior");
  const RunDiagnostics& d = r.diagnostics;
  if (d.divergences > 0 && d.sampler == "gibbs")
    warn(std::to_string(d.divergences) + " Gibbs sweeps produced a non-finite value and were rejected "
         "(the chain stayed where it was): the posterior may be biased; check the data for extreme counts");
  else if (d.divergences > 0)
    warn(std::to_string(d.divergences) + " divergent transitions after warmup: the posterior may be "
         "biased; rerun with a smaller step size (--target-accept 0.9 or 0.95), or use a more informative tau prior");
  if (d.min_ebfmi < 0.3)
    warn("E-BFMI " + format_number(d.min_ebfmi, 3) + " < 0.3 in at least one chain: momentum resampling explores "
         "the energy poorly (heavy tails or a funnel); the posterior may be incompletely explored");
  // Many short chains: split R-hat of chains this short flags autocorrelation, not a failure to
  // mix, so the warning uses the nested R-hat (host/stats/nested_rhat.hpp) there, and says so.
  if (rhat_warning_uses_nested(static_cast<std::size_t>(r.chains), static_cast<std::size_t>(r.draws))) {
    if (d.max_rhat_nested > 1.01)
      warn("max nested R-hat " + format_number(d.max_rhat_nested, 4) + " > 1.01 (" +
           std::to_string(default_superchains(static_cast<std::size_t>(r.chains))) +
           " superchains; nested R-hat is used for the R-hat check with " + std::to_string(r.chains) +
           " chains of " + std::to_string(r.draws) + " draws): chains have not mixed; run longer (--draws, --warmup)");
  } else if (d.max_rhat > 1.01) {
    warn("max R-hat " + format_number(d.max_rhat, 4) + " > 1.01: chains have not mixed; run longer (--draws, --warmup)");
  }
  if (d.study_draws_from == "memory budget")
    warn("the study effects are summarised from one draw in " + std::to_string(d.study_thin) + " of each chain (" +
         std::to_string(d.study_draws_per_chain) + " per chain) to keep the run within its memory budget "
         "(--memory-budget; summary.json timing.memory_budget_bytes): their Monte Carlo errors are larger than "
         "the hyperparameters'");
  for (const char* name : {"mu", "tau"}) {
    const ParamSummary* s = r.find(name);
    if (s && s->ess_bulk < 400)
      warn(std::string("bulk ESS of ") + name + " is " + format_number(s->ess_bulk, 4) +
           " < 400: increase --draws or --chains");
  }
}

}  // namespace hbm
