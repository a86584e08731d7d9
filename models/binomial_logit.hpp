// Binomial log-likelihood on the logit scale, value and derivative together (Stan Math's
// binomial_logit_lpmf pattern):  y log inv_logit(t) + (n - y) log inv_logit(-t),
// without the binomial coefficient (a constant). Stable for y = 0, y = n and n up to 1e9:
// with e = exp(-|t|) <= 1, both log-sigmoids are -log1p(e) (plus -|t| on one side), never
// log(0), and the derivative y - n inv_logit(t) uses inv_logit from the side that does not
// overflow. One exp and one log1p per call; the gradient alone needs only the exp.
#pragma once
#include <cmath>

#include "models/hd.hpp"

namespace hbm {

// d/dt of the binomial-logit log-likelihood: y (1 - s) - (n - y) s, s = inv_logit(t).
HBM_HD double binomial_logit_grad(double y, double n, double t) {
  const double e = std::exp(-std::fabs(t));
  const double s_small = e / (1.0 + e);  // inv_logit(-|t|)
  // For t >= 0: s = 1 - s_small, so y (1 - s) - (n - y) s = y s_small - (n - y)(1 - s_small)
  //           = n s_small - (n - y); for t < 0: s = s_small, giving y - n s_small.
  return t >= 0 ? n * s_small - (n - y) : y - n * s_small;
}

HBM_HD double binomial_logit_lpmf_grad(double y, double n, double t, double* dt) {
  const double e = std::exp(-std::fabs(t));
  const double l = std::log1p(e);  // -log inv_logit(|t|)
  const double s_small = e / (1.0 + e);
  // log inv_logit(t) = -l - max(-t, 0);  log inv_logit(-t) = -l - max(t, 0)
  const double lpos = -l - (t < 0 ? -t : 0.0);
  const double lneg = -l - (t > 0 ? t : 0.0);
  *dt = t >= 0 ? n * s_small - (n - y) : y - n * s_small;
  return (y > 0 ? y * lpos : 0.0) + (n - y > 0 ? (n - y) * lneg : 0.0);
}

}  // namespace hbm
