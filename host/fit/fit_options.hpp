// Everything `hbmeta fit` can be asked, for both models: priors, sampler settings, predictions
// for a new clinic, meta-regression and the classical estimators shown beside the posterior.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "host/engine/sampler_config.hpp"
#include "host/engine/sampler_run.hpp"
#include "host/fit/sensitivity_options.hpp"
#include "models/priors.hpp"
#include "models/two_arm.hpp"

namespace hbm {

// Which classical estimators to report beside the posterior.
enum class FrequentistLevel { None, Basic, All };

struct FitOptions {
  // pooled logit rate / pooled log odds ratio; normal(0,2.5) chosen by simulation (README, the
  // mu prior; data/scenarios_mu_prior.json)
  Prior prior_mu{PriorKind::Normal, 0.0, 2.5};
  Prior prior_tau{PriorKind::HalfNormal, 0.0, 1.0};
  // Meta-regression coefficients: the default prior, and overrides by design column ("a",
  // "region=Europe") or by covariate column ("region": all its indicators).
  Prior prior_beta{PriorKind::Normal, 0.0, 10.0};
  std::vector<std::pair<std::string, Prior>> prior_beta_named;
  // Two-arm control-arm logits: independent alpha_i ~ prior_baseline, or random
  // alpha_i ~ N(mu_alpha, sigma_alpha^2) with mu_alpha ~ prior_baseline, sigma_alpha ~ prior_baseline_sd.
  BaselineModel baseline = BaselineModel::Independent;
  Prior prior_baseline{PriorKind::Normal, 0.0, 10.0};
  Prior prior_baseline_sd{PriorKind::HalfNormal, 0.0, 2.0};
  SamplerConfig sampler;
  long long new_clinic_size = 0;  // > 0: single-arm, also predict events among this many at a new clinic
  double baseline_rate = -1;      // in (0, 1): two-arm, predict the treatment-arm rate at a new
                                  // clinic whose control-arm rate is this
  std::vector<std::string> covariates;  // --covariates columns
  // --new-clinic: covariate values of the new clinic (column -> value as text); columns not
  // given are at the studies' mean (numeric: where mu is) or the reference level (categorical).
  std::vector<std::pair<std::string, std::string>> new_clinic;
  FrequentistLevel frequentist = FrequentistLevel::Basic;
  // Leave-one-out, cumulative, prior sensitivity, subgroup and small-study analyses.
  SensitivityOptions sensitivity;
  // Posterior predictive checks of every study's count (host/fit/predictive_checks.hpp).
  bool predictive_checks = true;
  // What the pooled and predicted quantities are for, in the outputs' words: "a new study",
  // "between-study sd"; --unit clinic for clinics, centre, trial, ... (the parameter names,
  // p_new, theta_new, ..., do not change).
  std::string unit = "study";
  // Per-study effect columns in DIR/draws/NAME.csv: chains x draws x K values, so by default
  // only up to kStudyDrawsAutoLimit studies (2,000 studies would be ~600 MB of text).
  enum class StudyDraws { Auto, Yes, No } study_draws = StudyDraws::Auto;

  // Where the batched engine (host/engine/batch_engine.hpp) runs the chains: CPU threads or the GPU.
  Device device = Device::Cpu;
  // The batched engine keeps at most this many draws per study effect (thinning evenly), so
  // memory does not grow as chains x draws x studies; 0 keeps them all.
  double study_draw_cap = 200000;
  // Host memory the run may use (bytes; 0 = 75% of what the machine has available): the study
  // effects' stored draws are thinned further to fit it (host/engine/memory_plan.hpp).
  double memory_budget = 0;
  std::string memory_budget_source = "--memory-budget";
  // Runs already made for these outcomes (by name), e.g. all outcomes in one engine launch
  // (prefit_batched in host/fit/outcome_fit.hpp); fit_* moves each out instead of sampling again.
  std::map<std::string, HmcRun>* precomputed = nullptr;
};

inline constexpr int kStudyDrawsAutoLimit = 100;

}  // namespace hbm
