// Scenario files of `hbmeta simulate` (JSON; the format is in docs/simulation.md) and the
// simulation of one replicate's data from them.
//
// Every random number of a replicate comes from the project's counter-based Philox stream
// (models/philox.hpp) addressed by (seed, hash of "simulate/SCENARIO", rep, item,
// kSimulatePurpose), item 0 for the new study's true effect and 1 + i for study i: a replicate's
// data is a function of (seed, scenario, rep) only, whatever the shard, rank or thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "host/fit/outcome_data.hpp"
#include "host/fit/fit_options.hpp"
#include "models/philox.hpp"

namespace hbm {

// The Philox purpose of simulated data (outside the sampler's purposes 1-5, so the data never
// share random numbers with a fit).
inline constexpr RngPurpose kSimulatePurpose = static_cast<RngPurpose>(0x53);

// Integer study (arm) sizes: a fixed list (one per study, or one for all) or uniform on [lo, hi].
struct SizeDist {
  std::vector<long long> fixed;
  long long lo = 0, hi = 0;
  std::string text() const;
};

// Control-arm event probability per study: fixed, or uniform on [lo, hi].
struct RateDist {
  bool uniform = false;
  double value = 0.3, lo = 0, hi = 0;
  std::string text() const;
};

// One Bayesian method: a prior set, fitted by the batched engine.
struct ScenarioPrior {
  std::string name;  // the method's name in the outputs
  Prior mu, tau;
  BaselineModel baseline = BaselineModel::Independent;
  Prior prior_baseline, prior_baseline_sd;
};

struct Scenario {
  std::string name;
  OutcomeKind kind = OutcomeKind::SingleArm;
  int k = 5;
  SizeDist size;      // per study (two-arm: per arm, each drawn independently)
  RateDist baseline;  // two-arm only
  double mu = 0, tau = 0;
  std::vector<ScenarioPrior> priors;  // Bayesian methods, in order
  std::vector<std::string> methods;   // classical methods, in order (FE, DL, REML, PM, REML_knha, GLMM, ...)
  std::vector<std::string> all_methods() const;  // priors' names, then methods
  std::string describe() const;                  // one line for the tables and the report
};

// The scenarios of a JSON file {"scenarios": [ {...}, ... ]}; `defaults` gives the priors of a
// scenario without "priors" (hbmeta simulate's --prior-mu, --prior-tau, --baseline, ...).
// Throws InputError "FILE:LINE: scenario 'NAME': ..." for anything it cannot use.
std::vector<Scenario> parse_scenarios(const std::string& path, const std::string& text, const FitOptions& defaults);

// The classical methods simulate knows (single-arm / two-arm).
bool known_method(const std::string& name, OutcomeKind kind);

// The data of replicate `rep` as a batch unit (dataset SCENARIO_rREP, outcome "y"), and the
// true effect of a new study, theta_new ~ N(mu, tau^2).
struct SimulatedRep {
  OutcomeData data;
  double theta_new_true = 0;
};
SimulatedRep simulate_rep(const Scenario& s, std::uint64_t seed, long rep);
std::string rep_dataset_name(const Scenario& s, long rep);

}  // namespace hbm
