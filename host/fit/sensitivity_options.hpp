// What `hbmeta fit --leave-one-out / --cumulative / --prior-sensitivity / --subgroups /
// --small-study / --sensitivity all` asks for (host/fit/sensitivity_fit.hpp runs it).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "models/priors.hpp"

namespace hbm {

struct SensitivityOptions {
  bool leave_one_out = false;
  std::string cumulative_by;  // a study column; empty: no cumulative analysis
  // The priors of the prior sensitivity analysis (each with the other prior as the fit's);
  // both empty: none. The fit's own priors are always one of the rows.
  std::vector<Prior> tau_priors, mu_priors;
  std::string subgroups_by;  // a study column; empty: no subgroup analysis
  bool small_study = false;
  // Warmup and draws per chain of each variant; -1: half the fit's warmup and a quarter of its
  // draws, at least 100 each (README, "Sensitivity analyses": with the fit's 16 chains that is
  // 4,000 draws per variant, and what keeps --sensitivity all near 5-10 single fits' time).
  int warmup = -1, draws = -1;
  int variant_warmup(int fit_warmup) const { return warmup >= 0 ? warmup : std::max(100, fit_warmup / 2); }
  int variant_draws(int fit_draws) const { return draws > 0 ? draws : std::max(100, fit_draws / 4); }
  bool any() const {
    return leave_one_out || !cumulative_by.empty() || !tau_priors.empty() || !mu_priors.empty() ||
           !subgroups_by.empty() || small_study;
  }
};

// The default set of tau priors of --prior-sensitivity (README, "Sensitivity analyses": why these).
inline std::vector<Prior> default_sensitivity_tau_priors() {
  return {{PriorKind::HalfNormal, 0, 0.5},
          {PriorKind::HalfNormal, 0, 1.0},
          {PriorKind::HalfCauchy, 0, 0.5},
          {PriorKind::Uniform, 0, 5.0}};
}

}  // namespace hbm
