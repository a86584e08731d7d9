// The sensitivity, subgroup and small-study analyses of one outcome (host/fit/sensitivity_fit.hpp):
// each Bayesian variant's posterior beside its classical (metafor, REML) counterpart.
// Model-scale values throughout (logit rate or log odds ratio), as mu elsewhere.
#pragma once
#include <string>
#include <vector>

#include "host/frequentist/sensitivity.hpp"
#include "host/stats/posterior_summary.hpp"

namespace hbm {

// A variant's posterior: the pooled effect, the between-study sd and a new study's effect.
struct VariantPosterior {
  ParamSummary mu, tau, theta_new;
  long long divergences = 0;
};

struct SensitivityResult {
  // The analyses are of the model without covariates (metafor's leave1out, cumul, regtest and
  // trimfill are too); `note` says so when the fit had covariates.
  std::string note;
  // Each Bayesian variant's chains, warmup and draws per chain (0: no variant was fitted).
  int chains = 0, warmup = 0, draws = 0;

  struct LeaveOneOut {
    std::string study;  // the study left out
    VariantPosterior posterior;
    freq::MethodResult reml;
    freq::InfluenceRow influence;
  };
  std::vector<LeaveOneOut> leave_one_out;

  std::string cumulative_by;  // the ordering column; empty: not run
  struct Step {
    std::string study;  // the study added at this step
    std::string key;    // its value of the ordering column
    int k = 0;
    VariantPosterior posterior;
    freq::MethodResult reml;
  };
  std::vector<Step> cumulative;

  struct PriorRow {
    std::string prior_mu, prior_tau;
    bool fit_priors = false;  // the fit's own priors
    VariantPosterior posterior;
  };
  std::vector<PriorRow> priors;
  std::string priors_statement;  // how much the conclusions move across the priors

  std::string subgroups_by;  // empty: not run
  struct Group {
    std::string level;
    int k = 0;
    VariantPosterior posterior;
    freq::MethodResult reml;
  };
  std::vector<Group> groups;
  freq::SubgroupTest subgroup_test;
  struct Difference {
    std::string a, b;
    ParamSummary posterior;  // mu_a - mu_b
    double prob_greater = 0;  // P(mu_a - mu_b > 0)
  };
  std::vector<Difference> differences;

  bool small_study = false;
  freq::Regtest egger, peters;
  freq::Trimfill trimfill;
  freq::Funnel funnel;
  std::vector<double> yi, vi;  // the studies' escalc effects and variances (the funnel plot's points)
  std::string small_study_note;  // the k < 10 warning

  bool empty() const {
    return leave_one_out.empty() && cumulative.empty() && priors.empty() && groups.empty() && !small_study;
  }
};

}  // namespace hbm
