// The single-arm fit: y_i ~ Bin(n_i, inv_logit(theta_i)), theta_i ~ N(mu + x_i' beta, tau^2).
#include <cmath>

#include "host/fit/covariate_design.hpp"
#include "host/fit/fit_common.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/fit/predictive_checks.hpp"
#include "host/fit/prior_spec.hpp"
#include "host/fit/single_arm_problem.hpp"
#include "models/binomial_rng.hpp"
#include "models/logistic.hpp"
#include "models/philox.hpp"
#include "models/regression.hpp"

namespace hbm {

SingleArmProblem single_arm_problem(const OutcomeData& data, const FitOptions& opt) {
  std::vector<double> y, n;
  for (const auto& s : data.studies) {
    y.push_back(static_cast<double>(s.events));
    n.push_back(static_cast<double>(s.total));
  }
  const CovariateScaling cs = covariate_scaling(data);
  return SingleArmProblem(y, n, cs.design(data), data.P(), opt.prior_mu, opt.prior_tau,
                          cs.priors(coefficient_priors(data, opt)));
}

OutcomeResult fit_single_arm(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool) {
  const int K = static_cast<int>(data.studies.size()), P = data.P();
  check_sampler_supports(data, opt.sampler);
  OutcomeResult r;
  r.unit = opt.unit;
  const CovariateScaling cs = covariate_scaling(data);
  const std::vector<double> x_new_user = new_clinic_row(data, opt, &r.new_clinic);
  const std::vector<double> x_new = cs.row(x_new_user);  // the sampler's scale
  SingleArmProblem prob = single_arm_problem(data, opt);
  const std::uint32_t stream = outcome_stream(data.name);
  const HmcRun run = run_fit_sampler(prob, opt, data.name, stream, pool);

  const int C = run.chains, S = run.draws;
  const std::size_t N = static_cast<std::size_t>(C) * S;
  const std::vector<double> mu = run.column(0), tau = run.column(1);
  std::vector<std::vector<double>> beta;
  for (int j = 0; j < P; ++j) beta.push_back(user_coefficient(run.column(2 + j), cs.scale[j]));

  // Predictive quantities for a new clinic (at covariates x_new), one per draw, from their own
  // RNG stream.
  std::vector<double> events_new;
  if (opt.new_clinic_size > 0) events_new.resize(N);
  NewClinicDraws nc = new_clinic_draws(run, x_new, opt.sampler, stream, [&](std::size_t idx, double th, RngStream& rng) {
    if (opt.new_clinic_size > 0) events_new[idx] = binomial_draw(static_cast<double>(opt.new_clinic_size), inv_logit(th), rng);
  });
  std::vector<double> p_new(N), p_pooled(N), p_fitted(N);
  for (std::size_t idx = 0; idx < N; ++idx) {
    p_new[idx] = inv_logit(nc.theta_new[idx]);
    p_pooled[idx] = inv_logit(mu[idx]);
    p_fitted[idx] = inv_logit(nc.fitted[idx]);
  }

  r.name = data.name;
  r.kind = OutcomeKind::SingleArm;
  r.model = P > 0 ? "single-arm logit-normal (binomial GLMM) meta-regression"
                  : "single-arm logit-normal (binomial GLMM)";
  r.k = K;
  r.chains = C;
  r.draws = S;
  r.covariates = data.x_names;
  set_mu_at(r, cs);
  std::vector<std::pair<std::string, std::vector<double>>> cols;
  cols.emplace_back("mu", mu);
  cols.emplace_back("tau", tau);
  for (int j = 0; j < P; ++j) cols.emplace_back("beta[" + data.x_names[j] + "]", std::move(beta[j]));
  cols.emplace_back("theta_new", std::move(nc.theta_new));
  cols.emplace_back("p_pooled", std::move(p_pooled));
  cols.emplace_back("p_new", std::move(p_new));
  if (opt.new_clinic_size > 0) cols.emplace_back("events_new", std::move(events_new));
  if (P > 0) {
    cols.emplace_back("fitted_new", std::move(nc.fitted));
    cols.emplace_back("p_fitted_new", std::move(p_fitted));
  }
  add_parameters(r, std::move(cols), pool);

  r.studies.resize(K);
  for (int i = 0; i < K; ++i) {
    r.studies[i].name = data.studies[i].name;
    r.studies[i].events = data.studies[i].events;
    r.studies[i].total = data.studies[i].total;
  }
  add_study_summaries(r, run, inv_logit, opt, pool);
  if (opt.predictive_checks)
    r.predictive_checks = predictive_checks(data, cs.design(data), run, opt.sampler, pool);
  set_study_covariates(r, data);
  fill_diagnostics(r, run);

  // ---- classical estimators on the same data (metafor's conventions) -----------------
  if (opt.frequentist != FrequentistLevel::None) {
    std::vector<long long> events, totals;
    for (const auto& st : data.studies) {
      events.push_back(st.events);
      totals.push_back(st.total);
    }
    r.frequentist = opt.frequentist == FrequentistLevel::All ? freq::all_methods_single_arm(events, totals)
                                                             : freq::basic_methods_single_arm(events, totals);
    if (P > 0) {
      r.has_regression = true;
      r.regression =
          freq::rma_regression(freq::escalc_plo(events, totals), design_with_intercept(data, cs), freq::Tau2Method::REML);
      if (opt.frequentist == FrequentistLevel::All)
        r.regression_knha = freq::rma_regression(freq::escalc_plo(events, totals), design_with_intercept(data, cs),
                                                 freq::Tau2Method::REML, freq::RmaOptions{true});
      set_regression_predictions(r, cs, x_new_user);
    }
  }

  // ---- warnings ----------------------------------------------------------------------
  add_common_warnings(r, data.notes, P, opt.prior_tau);
  if (std::string w = predictive_check_warning(r.predictive_checks, r.unit); !w.empty()) r.warnings.push_back(w);
  bool all_zero = true, all_full = true;
  long long all_events = 0, all_total = 0;
  for (const auto& s : data.studies) {
    all_zero = all_zero && s.events == 0;
    all_full = all_full && s.events == s.total;
    all_events += s.events;
    all_total += s.total;
  }
  // The data's own answer for a pooled rate whose bounds the prior sets: the exact interval of
  // all events over all participants (it ignores heterogeneity, so it goes beside, not instead).
  const freq::RateInterval cp = freq::clopper_pearson(all_events, all_total);
  const std::string exact = "the exact (Clopper-Pearson) 95% interval of all events over all participants, [" +
                            format_number(cp.lo, 4) + ", " + format_number(cp.hi, 4) + "] (" +
                            std::to_string(all_events) + " of " + std::to_string(all_total) + ")";
  // Both bounds of the pooled rate are the prior's when one side of the data is empty: the open
  // side is the prior's outright, and the other side depends on how much prior mass lies at
  // rates the data cannot tell apart (normal(0,10) on the logit puts 65% of it below 1% or above
  // 99%): with 0 of 300 the upper bound goes from 0.0032 to 0.0132 to 0.036 as the mu prior's sd
  // goes from 10 to 2.5 to 1.5, against the exact 0.0122.
  const ParamSummary* pp = r.find("p_pooled");
  if ((all_zero || all_full) && pp) {
    const bool zero = all_zero;
    const auto bound = [&](bool lower) {
      return std::string(lower ? "the lower one (" : "the upper one (") + format_number(pp->q[lower ? 0 : 6], 3) + ")";
    };
    r.warnings.push_back(std::string(zero ? "every study has zero events: the data give only an upper"
                                          : "every study has all events: the data give only a lower") +
                         " bound on the rate, so both 95% bounds of the pooled rate reflect the mu prior " +
                         prior_to_string(opt.prior_mu) + ": " + bound(zero) + " is the prior's, and " + bound(!zero) +
                         " depends on how much prior mass lies at rates " +
                         (zero ? "too small" : "too close to 1") + " for the data to tell apart; report " + exact +
                         " beside it, and the result under other --prior-mu");
  }
  add_prior_sensitivity(r, mu, tau, draw_column(r, "theta_new"), opt.prior_mu,
                        opt.prior_tau, P > 0 ? "pooled rate (at the covariates' means)" : "pooled rate",
                        "report beside them " + exact);
  return r;
}

}  // namespace hbm
