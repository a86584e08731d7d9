// Binomial log-likelihood on the logit scale, value and derivative together (Stan Math's
// binomial_logit_lpmf pattern):  y log inv_logit(t) + (n - y) log inv_logit(-t),
// without the binomial coefficient (a constant). Stable for y = 0, y = n and n up to 1e9:
// each term is a log-sigmoid, never log(0), and the derivative y - n inv_logit(t) is evaluated
// from whichever side avoids cancellation.
#pragma once
#include "models/logistic.hpp"

namespace hbm {

HBM_HD double binomial_logit_lpmf_grad(double y, double n, double t, double* dt) {
  const double lp = (y > 0 ? y * log_inv_logit(t) : 0.0) + (n - y > 0 ? (n - y) * log_inv_logit(-t) : 0.0);
  // d/dt = y (1 - s) - (n - y) s with s = inv_logit(t)
  const double s_pos = inv_logit(t), s_neg = inv_logit(-t);
  *dt = y * s_neg - (n - y) * s_pos;
  return lp;
}

}  // namespace hbm
