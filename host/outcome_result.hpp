// Everything hbmeta reports about one fitted outcome: what the writers (summary.json,
// summary.csv, draws, stdout table) read. Built by host/single_arm_fit.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "host/frequentist.hpp"
#include "host/posterior_summary.hpp"

namespace hbm {

struct NamedSummary {
  std::string name;
  ParamSummary s;
};

struct StudyResult {
  std::string name;
  long long events = 0, total = 0;
  bool centred = false;
  ParamSummary p, theta;
};

struct RunDiagnostics {
  long long divergences = 0;         // sampling phase, all chains
  long long warmup_divergences = 0;  // warmup (expected early on; not a problem by itself)
  double step_size = 0, trajectory_length = 0;
  double mean_leapfrog_steps = 0, mean_accept_prob = 0;
  double max_rhat = 0, min_ess_bulk = 0, min_ess_tail = 0;
  int centred_studies = 0;
};

struct OutcomeResult {
  std::string name;
  std::string model;  // e.g. "single-arm logit-normal (binomial GLMM)"
  int k = 0;
  std::vector<NamedSummary> parameters;  // mu, tau, theta_new, p_pooled, p_new[, events_new]
  std::vector<StudyResult> studies;
  RunDiagnostics diagnostics;
  std::vector<std::string> warnings;
  std::vector<freq::MethodResult> frequentist;  // classical estimators on the same data

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
