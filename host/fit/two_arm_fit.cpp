// The two-arm fit: yc_i ~ Bin(nc_i, inv_logit(alpha_i)), yt_i ~ Bin(nt_i, inv_logit(alpha_i +
// delta_i)), delta_i ~ N(mu + x_i' beta, tau^2); baselines independent or random.
#include <cmath>

#include "host/fit/covariate_design.hpp"
#include "host/fit/fit_common.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/fit/predictive_checks.hpp"
#include "host/fit/two_arm_problem.hpp"
#include "models/logistic.hpp"
#include "models/philox.hpp"

namespace hbm {
namespace {

double exp_of(double x) { return std::exp(x); }

}  // namespace

TwoArmProblem two_arm_problem(const OutcomeData& data, const FitOptions& opt) {
  TwoArmData d;
  for (const auto& s : data.studies) {
    d.yt.push_back(static_cast<double>(s.events));
    d.nt.push_back(static_cast<double>(s.total));
    d.yc.push_back(static_cast<double>(s.events_c));
    d.nc.push_back(static_cast<double>(s.total_c));
  }
  const CovariateScaling cs = covariate_scaling(data);
  d.x = cs.design(data);
  d.P = data.P();
  TwoArmPriors pr;
  pr.mu = opt.prior_mu;
  pr.tau = opt.prior_tau;
  pr.beta = cs.priors(coefficient_priors(data, opt));
  pr.baseline = opt.baseline;
  pr.alpha = opt.prior_baseline;
  pr.sigma_alpha = opt.prior_baseline_sd;
  return TwoArmProblem(std::move(d), std::move(pr));
}

OutcomeResult fit_two_arm(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool) {
  const int K = static_cast<int>(data.studies.size()), P = data.P();
  freq::TwoArmCounts counts;
  int double_zero = 0;
  long long all_events = 0;
  for (const auto& s : data.studies) {
    counts.et.push_back(s.events);
    counts.nt.push_back(s.total);
    counts.ec.push_back(s.events_c);
    counts.nc.push_back(s.total_c);
    double_zero += (s.events == 0 && s.events_c == 0) || (s.events == s.total && s.events_c == s.total_c);
    all_events += s.events + s.events_c;
  }

  check_sampler_supports(data, opt.sampler);
  OutcomeResult r;
  r.unit = opt.unit;
  const CovariateScaling cs = covariate_scaling(data);
  const std::vector<double> x_new_user = new_clinic_row(data, opt, &r.new_clinic);
  const std::vector<double> x_new = cs.row(x_new_user);  // the sampler's scale
  TwoArmProblem prob = two_arm_problem(data, opt);
  const std::uint32_t stream = outcome_stream(data.name);
  const HmcRun run = run_fit_sampler(prob, opt, data.name, stream, pool);
  const bool rnd = opt.baseline == BaselineModel::Random;

  const int C = run.chains, S = run.draws;
  const std::size_t N = static_cast<std::size_t>(C) * S;
  const std::vector<double> mu = run.column(0), tau = run.column(1);
  std::vector<std::vector<double>> beta;
  for (int j = 0; j < P; ++j) beta.push_back(user_coefficient(run.column(2 + j), cs.scale[j]));

  // Predictive quantities for a new clinic (at covariates x_new), one per draw, from their own
  // RNG stream: its log odds ratio, and with --baseline-rate p0 its treatment-arm rate.
  const bool with_p0 = opt.baseline_rate > 0 && opt.baseline_rate < 1;
  const double logit_p0 = with_p0 ? std::log(opt.baseline_rate / (1 - opt.baseline_rate)) : 0.0;
  NewClinicDraws nc = new_clinic_draws(run, x_new, opt.sampler, stream);
  std::vector<double> or_pooled(N), or_new(N), or_fitted(N), pt_pooled, pt_new;
  if (with_p0) {
    pt_pooled.resize(N);
    pt_new.resize(N);
  }
  for (std::size_t idx = 0; idx < N; ++idx) {
    or_pooled[idx] = std::exp(mu[idx]);
    or_new[idx] = std::exp(nc.theta_new[idx]);
    or_fitted[idx] = std::exp(nc.fitted[idx]);
    if (with_p0) {
      pt_pooled[idx] = inv_logit(logit_p0 + nc.fitted[idx]);
      pt_new[idx] = inv_logit(logit_p0 + nc.theta_new[idx]);
    }
  }

  r.name = data.name;
  r.kind = OutcomeKind::TwoArm;
  r.model = std::string("two-arm binomial-normal (log odds ratio") + (P > 0 ? ", meta-regression" : "") + "), " +
            (rnd ? "random baselines" : "independent baselines");
  r.k = K;
  r.chains = C;
  r.draws = S;
  r.covariates = data.x_names;
  set_mu_at(r, cs);
  r.double_zero_studies = double_zero;
  std::vector<std::pair<std::string, std::vector<double>>> cols;
  cols.emplace_back("mu", mu);
  cols.emplace_back("or_pooled", std::move(or_pooled));
  cols.emplace_back("tau", tau);
  for (int j = 0; j < P; ++j) cols.emplace_back("beta[" + data.x_names[j] + "]", std::move(beta[j]));
  if (rnd) {
    cols.emplace_back("mu_alpha", run.column(2 + P));
    cols.emplace_back("sigma_alpha", run.column(3 + P));
  }
  cols.emplace_back("theta_new", std::move(nc.theta_new));
  cols.emplace_back("or_new", std::move(or_new));
  if (P > 0) {
    cols.emplace_back("fitted_new", std::move(nc.fitted));
    cols.emplace_back("or_fitted_new", std::move(or_fitted));
  }
  if (with_p0) {
    cols.emplace_back("p_treat_pooled", std::move(pt_pooled));
    cols.emplace_back("p_treat_new", std::move(pt_new));
  }
  add_parameters(r, std::move(cols), pool);

  r.studies.resize(K);
  for (int i = 0; i < K; ++i) {
    const StudyCounts& s = data.studies[i];
    StudyResult& sr = r.studies[i];
    sr.name = s.name;
    sr.events = s.events;
    sr.total = s.total;
    sr.events_c = s.events_c;
    sr.total_c = s.total_c;
  }
  add_study_summaries(r, run, exp_of, opt, pool);
  if (opt.predictive_checks)
    r.predictive_checks = predictive_checks(data, cs.design(data), run, opt.sampler, pool);
  set_study_covariates(r, data);
  fill_diagnostics(r, run);

  // ---- classical estimators on the same data (metafor's conventions) -----------------
  if (opt.frequentist != FrequentistLevel::None) {
    r.frequentist = opt.frequentist == FrequentistLevel::All ? freq::all_methods_two_arm(counts)
                                                             : freq::basic_methods_two_arm(counts);
    if (P > 0) {
      r.has_regression = true;
      r.regression = freq::rma_regression(freq::escalc_or(counts), design_with_intercept(data, cs), freq::Tau2Method::REML);
      if (opt.frequentist == FrequentistLevel::All)
        r.regression_knha = freq::rma_regression(freq::escalc_or(counts), design_with_intercept(data, cs),
                                                 freq::Tau2Method::REML, freq::RmaOptions{true});
      set_regression_predictions(r, cs, x_new_user);
    }
  }

  // ---- warnings ----------------------------------------------------------------------
  add_common_warnings(r, data.notes, P, opt.prior_tau);
  if (std::string w = predictive_check_warning(r.predictive_checks, r.unit); !w.empty()) r.warnings.push_back(w);
  if (all_events == 0)
    r.warnings.push_back("no study has an event in either arm: the odds ratio is not identified by the data; its "
                         "posterior is set by the priors of mu, tau and the baselines, not by evidence");
  else if (double_zero > 0)
    r.warnings.push_back(std::to_string(double_zero) + (double_zero == 1 ? " study has" : " studies have") +
                         " no events (or only events) in both arms: kept in the model (the binomial likelihood "
                         "needs no continuity correction), but such a study says almost nothing about the odds "
                         "ratio; metafor's rma keeps it with 1/2 added to its cells, rma.glmm drops it");
  add_prior_sensitivity(r, mu, tau, draw_column(r, "theta_new"), opt.prior_mu, opt.prior_tau,
                        P > 0 ? "pooled odds ratio (at the covariates' means)" : "pooled odds ratio",
                        "report beside them the classical estimators' intervals (Mantel-Haenszel or Peto for "
                        "rare events; --frequentist all)");
  return r;
}

}  // namespace hbm
