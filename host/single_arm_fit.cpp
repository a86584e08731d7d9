#include "host/single_arm_fit.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "models/binomial_rng.hpp"
#include "models/logistic.hpp"
#include "models/philox.hpp"

namespace hbm {

std::uint32_t outcome_stream(const std::string& name) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : name) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

namespace {

std::string fmt(double x, int prec = 3) {
  std::ostringstream o;
  o.precision(prec);
  o << x;
  return o.str();
}

}  // namespace

OutcomeResult fit_single_arm(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool) {
  SingleArmInput in;
  for (const auto& s : data.studies) {
    in.y.push_back(static_cast<double>(s.events));
    in.n.push_back(static_cast<double>(s.total));
  }
  in.prior_mu = opt.prior_mu;
  in.prior_tau = opt.prior_tau;
  in.stream = outcome_stream(data.name);
  const SingleArmRun run = sample_single_arm(in, opt.sampler, pool);

  const int C = run.chains, S = run.draws, K = run.K;
  const std::size_t N = static_cast<std::size_t>(C) * S;

  // Predictive quantities for a new clinic, one per draw, from their own RNG stream.
  std::vector<double> theta_new(N), p_new(N), p_pooled(N), events_new;
  if (opt.new_clinic_size > 0) events_new.resize(N);
  for (int c = 0; c < C; ++c) {
    for (int t = 0; t < S; ++t) {
      const std::size_t idx = static_cast<std::size_t>(c) * S + t;
      RngStream rng(opt.sampler.seed, in.stream, static_cast<std::uint32_t>(c),
                    static_cast<std::uint32_t>(opt.sampler.warmup + t), RngPurpose::Predictive);
      double z, unused;
      rng.normal2(z, unused);
      theta_new[idx] = run.mu[idx] + run.tau[idx] * z;
      p_new[idx] = inv_logit(theta_new[idx]);
      p_pooled[idx] = inv_logit(run.mu[idx]);
      if (opt.new_clinic_size > 0)
        events_new[idx] = binomial_draw(static_cast<double>(opt.new_clinic_size), p_new[idx], rng);
    }
  }

  OutcomeResult r;
  r.name = data.name;
  r.model = "single-arm logit-normal (binomial GLMM)";
  r.k = K;
  r.chains = C;
  r.draws = S;
  std::vector<std::pair<std::string, const std::vector<double>*>> hyper = {
      {"mu", &run.mu}, {"tau", &run.tau}, {"theta_new", &theta_new}, {"p_pooled", &p_pooled}, {"p_new", &p_new}};
  if (opt.new_clinic_size > 0) hyper.push_back({"events_new", &events_new});
  r.parameters.resize(hyper.size());
  pool.parallel_for(static_cast<int>(hyper.size()), [&](int j) {
    const std::vector<double>& v = *hyper[j].second;
    r.parameters[j] = {hyper[j].first, summarise(ChainDraws{v.data(), static_cast<std::size_t>(C), static_cast<std::size_t>(S)})};
  });
  for (const auto& h : hyper) {
    r.draw_names.push_back(h.first);
    r.draw_columns.push_back(*h.second);
  }

  // Study summaries are independent of each other: one pool task per study, each writing its
  // own slot, so the result does not depend on the thread count.
  r.studies.resize(K);
  std::vector<std::vector<double>> study_theta(K);
  pool.parallel_for(K, [&](int i) {
    std::vector<double> th(N), p(N);
    for (std::size_t idx = 0; idx < N; ++idx) {
      th[idx] = run.theta[idx * K + i];
      p[idx] = inv_logit(th[idx]);
    }
    StudyResult& sr = r.studies[i];
    sr.name = data.studies[i].name;
    sr.events = data.studies[i].events;
    sr.total = data.studies[i].total;
    sr.centred = run.centred[i] != 0;
    sr.theta = summarise(ChainDraws{th.data(), static_cast<std::size_t>(C), static_cast<std::size_t>(S)});
    sr.p = summarise(ChainDraws{p.data(), static_cast<std::size_t>(C), static_cast<std::size_t>(S)});
    study_theta[i] = std::move(th);
  });
  const bool study_draws = opt.study_draws == FitOptions::StudyDraws::Yes ||
                           (opt.study_draws == FitOptions::StudyDraws::Auto && K <= kStudyDrawsAutoLimit);
  for (int i = 0; i < K && study_draws; ++i) {
    r.draw_names.push_back("theta[" + std::to_string(i + 1) + "]");
    r.draw_columns.push_back(std::move(study_theta[i]));
  }

  // ---- diagnostics --------------------------------------------------------------------
  RunDiagnostics& d = r.diagnostics;
  for (std::size_t idx = 0; idx < N; ++idx) {
    d.divergences += run.divergent[idx];
    d.mean_leapfrog_steps += run.n_steps[idx];
    d.mean_accept_prob += run.accept_prob[idx];
  }
  d.mean_leapfrog_steps /= static_cast<double>(N);
  d.mean_accept_prob /= static_cast<double>(N);
  d.warmup_divergences = run.warmup_divergences;
  d.step_size = run.step_size;
  d.trajectory_length = run.trajectory_length;
  d.centred_studies = static_cast<int>(std::count(run.centred.begin(), run.centred.end(), 1));
  d.max_rhat = 0;
  d.min_ess_bulk = INFINITY;
  d.min_ess_tail = INFINITY;
  auto track = [&](const ParamSummary& s) {
    if (std::isfinite(s.rhat)) d.max_rhat = std::max(d.max_rhat, s.rhat);
    if (std::isfinite(s.ess_bulk)) d.min_ess_bulk = std::min(d.min_ess_bulk, s.ess_bulk);
    if (std::isfinite(s.ess_tail)) d.min_ess_tail = std::min(d.min_ess_tail, s.ess_tail);
  };
  for (const auto& p : r.parameters)
    if (p.name != "events_new") track(p.s);
  for (const auto& s : r.studies) track(s.theta);

  // ---- classical estimators on the same data (metafor's conventions) -----------------
  if (opt.frequentist != FrequentistLevel::None) {
    std::vector<long long> events, totals;
    for (const auto& st : data.studies) {
      events.push_back(st.events);
      totals.push_back(st.total);
    }
    r.frequentist = opt.frequentist == FrequentistLevel::All ? freq::all_methods_single_arm(events, totals)
                                                             : freq::basic_methods_single_arm(events, totals);
  }

  // ---- warnings ----------------------------------------------------------------------
  auto warn = [&](const std::string& w) { r.warnings.push_back(w); };
  if (K == 1)
    warn("only one study: the between-clinic heterogeneity tau is not identified by the data, so "
         "its posterior (and the prediction interval for a new clinic) is the prior's");
  else if (K < 5)
    warn("only " + std::to_string(K) + " studies: the posterior of tau and the prediction interval "
         "depend strongly on the tau prior; report a sensitivity analysis over priors");
  bool all_zero = true, all_full = true;
  for (const auto& s : data.studies) {
    all_zero = all_zero && s.events == 0;
    all_full = all_full && s.events == s.total;
  }
  if (all_zero)
    warn("every study has zero events: the data give only an upper bound on the rate, so the lower "
         "tail of the pooled rate is set by the mu prior");
  if (all_full)
    warn("every study has all events: the data give only a lower bound on the rate, so the upper "
         "tail of the pooled rate is set by the mu prior");
  if (d.divergences > 0)
    warn(std::to_string(d.divergences) + " divergent transitions after warmup: the posterior may be "
         "biased; increase --warmup or use a more informative tau prior");
  if (d.max_rhat > 1.01)
    warn("max R-hat " + fmt(d.max_rhat, 4) + " > 1.01: chains have not mixed; run longer (--draws, --warmup)");
  for (const char* name : {"mu", "tau"}) {
    const ParamSummary* s = r.find(name);
    if (s && s->ess_bulk < 400)
      warn(std::string("bulk ESS of ") + name + " is " + fmt(s->ess_bulk, 4) +
           " < 400: increase --draws or --chains");
  }
  return r;
}

}  // namespace hbm
