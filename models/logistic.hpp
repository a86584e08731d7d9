// Numerically stable logistic helpers shared by every model (host and device).
#pragma once
#include <cmath>

#include "models/hd.hpp"

namespace hbm {

// log(1 + exp(x)) without overflow for large x or loss of precision for very negative x.
HBM_HD double log1p_exp(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// log(inv_logit(x)) = -log1p_exp(-x).
HBM_HD double log_inv_logit(double x) { return -log1p_exp(-x); }

HBM_HD double inv_logit(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

HBM_HD double logit(double p) { return std::log(p) - std::log1p(-p); }

}  // namespace hbm
