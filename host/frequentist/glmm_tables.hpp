// The two-arm tables the GLMMs fit (not part of the public API).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "host/frequentist/frequentist.hpp"

namespace hbm::freq::detail {

// Two-arm tables used by the GLMMs: valid and not double-zero (rma.glmm's drop00 = TRUE).
struct Tables {
  std::vector<double> a, n1, c, n2;
  int dropped = 0, invalid = 0;
  int k() const { return static_cast<int>(a.size()); }

  explicit Tables(const TwoArmCounts& counts);
  // Empty string when a finite ML log odds ratio can exist, else the reason; notes on dropped tables.
  std::string problems(std::string& note) const;
};

// The logit of x events of n with 1/2 added to both cells, a starting value.
inline double logit_half(double x, double n) { return std::log((x + 0.5) / (n - x + 0.5)); }

}  // namespace hbm::freq::detail
