// Everything hbmeta reports about one fitted outcome: what the writers (summary.json,
// summary.csv, draws, stdout table) read. Built by host/fit/single_arm_fit.cpp.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "host/fit/outcome_data.hpp"
#include "host/fit/sensitivity_result.hpp"
#include "host/frequentist/frequentist.hpp"
#include "host/stats/posterior_summary.hpp"

namespace hbm {

struct NamedSummary {
  std::string name;
  ParamSummary s;
};

struct StudyResult {
  std::string name;
  long long events = 0, total = 0;      // single-arm; two-arm: the treatment arm
  long long events_c = 0, total_c = 0;  // two-arm: the control arm
  bool centred = false;
  ParamSummary theta;    // the study's effect: logit rate (single-arm) or log odds ratio (two-arm)
  ParamSummary natural;  // the same on the natural scale: rate or odds ratio
  // With covariates: the study's values as read, numeric ones (is_number) also as numbers.
  struct Covariate {
    std::string column, text;
    bool is_number = false;
    double value = NAN;
  };
  std::vector<Covariate> covariates;
};

// A posterior predictive check of one study's event count (host/fit/predictive_checks.hpp): the
// 95% interval and mid-p value of the replicated count, from a new effect of the population
// (mixed: the check) and from the study's own effect (conditional).
struct PredictiveCheck {
  std::string study;
  long long observed = 0;  // events (single-arm); treatment-arm events (two-arm)
  double lo = NAN, hi = NAN, p_value = NAN;                    // mixed replicate
  double cond_lo = NAN, cond_hi = NAN, cond_p_value = NAN;     // conditional replicate
  bool outside() const { return observed < lo || observed > hi; }
};

struct RunDiagnostics {
  std::string sampler = "hmc";       // "hmc" or "gibbs"
  long long divergences = 0;         // sampling phase, all chains
  long long warmup_divergences = 0;  // warmup (expected early on; not a problem by itself)
  double step_size = 0, trajectory_length = 0;
  double mean_leapfrog_steps = 0, mean_accept_prob = 0;
  double max_rhat = 0, min_ess_bulk = 0, min_ess_tail = 0;
  double max_rhat_nested = NAN;  // max nested R-hat over the same quantities as max_rhat
  double min_ebfmi = NAN;     // HMC: smallest E-BFMI over the chains (Betancourt 2016); NaN for Gibbs
  int centred_studies = 0;    // study effects (theta or delta) in the centred parametrisation
  // Power-scaling prior sensitivity of the 95% bounds (host/fit/prior_sensitivity.hpp): of mu under
  // its prior, of tau and of theta_new under tau's prior; d quantile / d log alpha in sd units.
  struct Sensitivity {
    std::string quantity, prior;
    double lower = 0, upper = 0;
  };
  std::vector<Sensitivity> prior_sensitivity;
  int centred_baselines = -1;  // two-arm random baselines: alpha_i centred; -1 = not applicable
  int lanes_per_chain = 1;     // GPU threads per chain (models/group.hpp); 1 on the CPU
  std::string study_data = "host";  // where the chains read the study data: host, shared or global (GPU)
  // The study effects' summaries come from every study_thin-th draw of each chain, and why:
  // "every draw", "--study-draw-cap" or "memory budget" (host/engine/memory_plan.hpp).
  int study_thin = 1, study_draws_per_chain = 0;
  std::string study_draws_from = "every draw";
};

struct OutcomeResult {
  std::string name;
  OutcomeKind kind = OutcomeKind::SingleArm;
  std::string model;  // e.g. "single-arm logit-normal (binomial GLMM)"
  int k = 0;
  // Single-arm: mu, tau, beta[..], theta_new, p_pooled, p_new[, events_new][, fitted_new, p_fitted_new].
  // Two-arm: mu, or_pooled, tau, beta[..], [mu_alpha, sigma_alpha], theta_new, or_new[, fitted_new,
  // or_fitted_new][, p_treat_pooled, p_treat_new].
  std::vector<NamedSummary> parameters;
  std::vector<std::string> covariates;  // design columns (beta[NAME] parameters), may be empty
  std::string new_clinic;               // covariate values the new-clinic predictions are for
  std::string unit = "study";           // what a prediction is for, in the tables' words (--unit)
  // With covariates: where mu (and the classical regressions' intercept) is, numeric covariates
  // at the studies' means and categorical ones at their reference levels (CovariateScaling).
  struct MuAt {
    std::string column;
    double value = 0;   // numeric
    std::string level;  // categorical (value unused)
  };
  std::vector<MuAt> mu_at;
  std::string mu_at_text;  // "year=1992.7, region=Europe"
  int double_zero_studies = 0;          // two-arm: studies without events (or only events) in both arms
  std::vector<StudyResult> studies;
  std::vector<PredictiveCheck> predictive_checks;  // one per study (empty when not computed)
  SensitivityResult sensitivity;                   // empty unless asked for
  RunDiagnostics diagnostics;
  std::vector<std::string> warnings;
  std::vector<freq::MethodResult> frequentist;  // classical estimators on the same data
  // With covariates: the classical meta-regression (REML, as metafor::rma(yi, vi, mods=X)).
  bool has_regression = false;
  freq::RegressionResult regression;
  // With covariates and --frequentist all: the same with Knapp-Hartung (method "REML_knha");
  // method empty when not computed.
  freq::RegressionResult regression_knha;
  // Their fitted value, CI and prediction interval at the new clinic's covariates (new_clinic):
  // the classical side of the like-with-like comparison with fitted_new and theta_new.
  freq::RegressionPrediction regression_pred, regression_knha_pred;

  // Per-draw sampler statistics (chain-major), for the NetCDF sample_stats group.
  std::vector<double> sample_accept_prob, sample_energy;
  std::vector<int> sample_divergent, sample_n_steps;

  // Draws for DIR/draws/NAME.csv: column names and chain-major columns (chains x draws each).
  int chains = 0, draws = 0;
  std::vector<std::string> draw_names;
  std::vector<std::vector<double>> draw_columns;

  const ParamSummary* find(const std::string& param) const {
    for (const auto& p : parameters)
      if (p.name == param) return &p.s;
    return nullptr;
  }
};

}  // namespace hbm
