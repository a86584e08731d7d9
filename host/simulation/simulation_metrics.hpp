// Per-replicate results of `hbmeta simulate` (DIR/replicates.csv), their serialisation (the
// same text goes through MPI_Gatherv and the shard files, so every way of running gives the same
// numbers), and the performance measures with Monte Carlo standard errors
// (DIR/simulation_summary.csv, the stdout table and DIR/simulation_report.html).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "host/simulation/simulation_scenario.hpp"

namespace hbm {

// One method on one replicate.
struct RepRecord {
  std::string scenario, method;
  long rep = 0;
  double mu_true = 0, tau_true = 0, theta_new_true = 0;
  double estimate = 0;          // Bayesian: posterior mean of mu; classical: the pooled estimate
  double ci_lb = 0, ci_ub = 0;  // 95% CrI (2.5% and 97.5% quantiles of mu) / 95% CI
  double pi_lb = 0, pi_ub = 0;  // 95% interval of theta_new / 95% prediction interval
  double tau = 0;               // posterior mean of tau / the tau estimate
  double rhat_mu = 0, rhat_tau = 0, ess_mu = 0, ess_tau = 0;  // Bayesian only (NA otherwise)
  int failed = 0;  // Bayesian: R-hat > 1.01 or bulk ESS < 400 of mu or tau; classical: not converged or no estimate/CI
};

extern const char* const kReplicatesHeader;

// One CSV line per record (no header; numbers in shortest round-trip form, NA for non-finite).
std::string serialise_records(const std::vector<RepRecord>& records);
// Parses serialise_records' lines (a header line is skipped). `where` names the source for errors.
std::vector<RepRecord> parse_records(const std::string& text, const std::string& where);
// Sorts into the canonical order: scenario (file order), method (scenario order), rep.
void sort_records(std::vector<RepRecord>& records, const std::vector<Scenario>& scenarios);

// One performance measure of one method in one scenario.
struct Metric {
  std::string scenario, method, metric;
  double estimate = 0, mcse = 0;
  double count = NAN;  // coverage: the replicates it is over (for its Wilson interval)
};

// For each scenario and method: reps, bias, rmse, coverage_mu, width_mu, coverage_pi, width_pi,
// tau_bias, failures (definitions in docs/simulation.md). `records` must be sorted.
std::vector<Metric> summarise_records(const std::vector<RepRecord>& records, const std::vector<Scenario>& scenarios);
std::string metrics_csv(const std::vector<Metric>& metrics);

// The 95% Wilson score interval of a proportion p from n replicates (the report's coverage bars).
struct WilsonInterval {
  double lo, hi;
};
WilsonInterval wilson_interval(double p, double n);
// The readable table of one scenario (stdout).
std::string metrics_table(const Scenario& s, const std::vector<Metric>& metrics, long reps);

// DIR/simulation_report.html: per scenario, coverage of mu and of the prediction interval by
// method (dot and 95% MCSE bar, nominal line), and the table. Self-contained (inline SVG).
std::string simulation_report_html(const std::vector<Scenario>& scenarios, const std::vector<Metric>& metrics,
                                   long reps, const std::string& command);

}  // namespace hbm
