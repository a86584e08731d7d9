// What the HTML report needs from an hbmeta output folder, read once and checked: the run
// manifest and each outcome's summaries from DIR/summary.json, and the draws the plots use from
// DIR/draws/NAME.csv. Missing optional fields (older summaries) become NaN / empty.
#pragma once
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace hbm {
class Json;
}

namespace hbm::report {

// One posterior summary S of summary.json; NaN where the file has null or lacks the field.
struct Summ {
  double mean = NAN, sd = NAN, q025 = NAN, q50 = NAN, q975 = NAN, rhat = NAN, ess_bulk = NAN, ess_tail = NAN;
  double rhat_nested = NAN, mcse_mean = NAN, mcse_q5 = NAN, mcse_q95 = NAN;
};

struct StudyRow {
  std::string name;
  long long events = 0, total = 0;                                 // single-arm
  long long events_t = 0, total_t = 0, events_c = 0, total_c = 0;  // two-arm
  std::string parametrisation;
  Summ post;  // p (single-arm) or or (two-arm)
  std::vector<std::pair<std::string, double>> x;  // numeric covariates: column, value
};

// One frequentist method, on the model scale (logit rate or log OR) as in summary.json.
struct FreqRow {
  std::string method;
  double est = NAN, ci_lb = NAN, ci_ub = NAN, tau = NAN, pi_lb = NAN, pi_ub = NAN;
  std::string note;
};

// The draws the plots use, chain-major ([c * draws + t]).
struct OutcomeDraws {
  std::size_t chains = 0, draws = 0;
  std::vector<double> mu, tau, theta_new, natural_new;  // natural_new: p_new or or_new
  // With numeric covariates: beta[COLUMN] for each column of OutcomeData::mu_at.
  std::vector<std::pair<std::string, std::vector<double>>> beta;
};

// ---- The sensitivity, subgroup and small-study analyses and the posterior predictive checks of
// one outcome (summary.json outcomes.NAME.sensitivity, written by host/io/sensitivity_json.cpp),
// all on the model scale (logit rate or log OR) as there. NaN / empty where a field is missing.

// One Bayesian variant (a data subset or a prior): its mu, tau and theta_new.
struct VariantSumm {
  Summ mu, tau, theta_new;
  double divergences = NAN;
};

// metafor's REML fit of the same subset (rma(yi, vi, method = "REML")).
struct RemlSumm {
  double est = NAN, se = NAN, ci_lb = NAN, ci_ub = NAN, tau2 = NAN, pi_lb = NAN, pi_ub = NAN, k = NAN;
  std::string note;
};

struct LeaveOneOutRow {
  std::string study;  // the study left out
  VariantSumm post;
  RemlSumm reml;
  double cook_d = NAN, dffits = NAN, hat = NAN, cov_r = NAN;
  bool influential = false;  // metafor's influence() flag
};

struct CumulativeStep {
  std::string study, key;  // the study added and its value of the ordering column
  long long k = 0;         // studies so far
  VariantSumm post;
  RemlSumm reml;
};

struct PriorVariant {
  std::string prior_mu, prior_tau;
  bool fit_priors = false;  // the priors of the main fit
  VariantSumm post;
};

struct SubgroupRow {
  std::string level;
  long long k = 0;
  VariantSumm post;
  RemlSumm reml;
};

// mu[a] - mu[b] and P(mu[a] - mu[b] > 0).
struct SubgroupDifference {
  std::string a, b;
  Summ post;
  double prob_greater = NAN;
};

// The test for subgroup differences (rma(yi, vi, mods = ~ factor(g), method = "REML")).
struct SubgroupTest {
  double QM = NAN, df = NAN, p = NAN;
  std::string note;
};

// regtest(): Egger (predictor sei) or Peters (predictor 1/n).
struct RegtestSumm {
  double z = NAN, p = NAN, k = NAN;
  std::string note;
};

struct FilledStudy {
  double yi = NAN, vi = NAN;
  std::string mirrors;  // the study it mirrors
};

struct TrimfillSumm {
  double k0 = NAN;
  std::string side;
  double est = NAN, ci_lb = NAN, ci_ub = NAN;
  std::vector<FilledStudy> filled;
  std::string note;
};

struct FunnelPoint {
  std::string study;
  double yi = NAN, sei = NAN;
};

// A region of the funnel: center +- z(1 - p/2) se, with its bounds at se = se_max.
struct FunnelRegion {
  double p = NAN, center = NAN, lb = NAN, ub = NAN;
};

struct FunnelData {
  std::vector<FunnelPoint> studies;
  double se_max = NAN;
  std::vector<FunnelRegion> significance;  // around 0, one per p (0.10, 0.05, 0.01)
  FunnelRegion pooled;                     // the pooled estimate's 95% region
};

// One study's posterior predictive check: the observed count (two-arm: treatment-arm events) and
// its mixed replicate's 95% interval and mid-p value; the conditional replicate's beside it.
struct PredictiveCheckRow {
  std::string study;
  double observed = NAN, lo = NAN, hi = NAN, p_value = NAN;
  bool outside = false;
  double cond_lo = NAN, cond_hi = NAN, cond_p_value = NAN;
};

struct SensitivityData {
  bool present = false;  // the outcome has a sensitivity block
  std::string note;
  std::vector<LeaveOneOutRow> leave_one_out;
  std::string cumulative_by;
  std::vector<CumulativeStep> cumulative;
  std::vector<PriorVariant> priors;
  std::string priors_statement;
  bool has_subgroups = false;
  std::string subgroups_by;
  std::vector<SubgroupRow> groups;
  SubgroupTest test;
  std::vector<SubgroupDifference> differences;
  bool has_small_study = false;
  RegtestSumm egger, peters;
  TrimfillSumm trimfill;
  FunnelData funnel;
  std::string small_study_note;
  std::vector<PredictiveCheckRow> ppc;
};

struct OutcomeData {
  std::string name;       // as in summary.json
  std::string file_base;  // its file-name-safe form (the draws file DIR/draws/BASE.csv)
  bool two_arm = false;
  std::string model;
  std::size_t k = 0;
  std::vector<std::string> covariates;
  std::string new_clinic;
  std::string unit = "clinic";  // summary.json config.unit (--unit); folders from before it: clinic
  std::vector<std::pair<std::string, Summ>> params;  // summary.json order
  std::vector<StudyRow> studies;
  std::vector<FreqRow> freq;
  // With covariates: the classical meta-regressions at the new clinic's covariates (metafor's
  // predict): method "REML regression" ..., est = the fitted value, tau = the residual tau.
  std::vector<FreqRow> freq_regression;
  // Numeric covariates and their means, where mu is (summary.json mu_at; categorical ones at
  // their reference levels are not listed).
  std::vector<std::pair<std::string, double>> mu_at;
  std::vector<std::pair<std::string, std::string>> diagnostics;  // key, value as text
  std::vector<std::string> warnings;
  OutcomeDraws d;
  SensitivityData sensitivity;  // summary.json outcomes.NAME.sensitivity

  const Summ* param(const std::string& key) const;
  // "p_pooled"/"or_pooled", "p_new"/"or_new".
  std::string pooled_key() const { return two_arm ? "or_pooled" : "p_pooled"; }
  std::string new_key() const { return two_arm ? "or_new" : "p_new"; }
};

struct RunData {
  std::string dir;
  std::string version, command, seed, device, sampler, input;
  std::string chains, warmup, draws, seconds, threads;
  std::string prior_mu, prior_tau;  // canonical text, e.g. "half-normal(1)"
  std::string prior_beta, prior_baseline, prior_baseline_sd, baseline, baseline_rate;
  std::string new_clinic_size;  // "0" or "" when no events_new prediction was asked for
  std::string unit = "clinic";  // config.unit, as in OutcomeData
  std::vector<OutcomeData> outcomes;
};

// Reads DIR/summary.json and DIR/draws/*.csv. Throws hbm::InputError when DIR is not an hbmeta
// output folder (no summary.json, not hbmeta's JSON, a draws file missing or without the
// columns the plots need).
RunData load_run(const std::string& dir);

// Reads one outcome's sensitivity block (`block`, the value of outcomes.NAME.sensitivity).
// `where` names it for errors ("DIR/summary.json", outcome NAME). Missing fields become NaN or
// empty; a part of the wrong type (an object where a list belongs, ...) throws hbm::InputError
// "FILE:LINE: ..." saying what is wrong.
SensitivityData read_sensitivity(const Json& block, const std::string& file, const std::string& outcome);

}  // namespace hbm::report
