// Checks on a fitted outcome shared by the tests of extreme and sparse data.
#pragma once
#include <cmath>
#include <string>

#include "host/fit/outcome_result.hpp"

namespace hbm::test {

// Mean, sd, R-hat, bulk ESS and every quantile of a summary are finite.
inline bool finite(const ParamSummary& s) {
  bool ok = std::isfinite(s.mean) && std::isfinite(s.sd) && std::isfinite(s.rhat) && std::isfinite(s.ess_bulk);
  for (double q : s.q) ok = ok && std::isfinite(q);
  return ok;
}

// One of the outcome's warnings contains `text`.
inline bool has_warning(const OutcomeResult& r, const std::string& text) {
  for (const auto& w : r.warnings)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace hbm::test
