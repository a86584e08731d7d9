// What the HTML report needs from an hbmeta output folder, read once and checked: the run
// manifest and each outcome's summaries from DIR/summary.json, and the draws the plots use from
// DIR/draws/NAME.csv. Missing optional fields (older summaries) become NaN / empty.
#pragma once
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

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

}  // namespace hbm::report
