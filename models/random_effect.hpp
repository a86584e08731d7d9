// One study-level normal random effect e ~ N(m, s^2), written once for every model that has
// one (theta_i of the single-arm model, delta_i and random baselines alpha_i of the two-arm
// model). Its free coordinate v is either
//   centred:      e = v,          prior term log N(v | m, s^2)      (large, well-informed studies)
//   non-centred:  e = m + s v,    prior term log N(v | 0, 1)        (small or uninformative ones)
#pragma once
#include "models/hd.hpp"

namespace hbm {

HBM_HD double random_effect_value(bool centred, double v, double m, double s) { return centred ? v : m + s * v; }

// Gradient of (log-likelihood + prior term) with respect to v, m and s.
struct RandomEffectGrad {
  double dv, dm, ds;
};

// dlik = d log-likelihood / d e at e = random_effect_value(...). Adds the prior term to lp when
// kValue (log_s = log(s) is only read then) and returns the chain-ruled gradient.
template <bool kValue>
HBM_HD RandomEffectGrad random_effect_grad(bool centred, double v, double m, double s, double inv_s, double log_s,
                                           double dlik, double& lp) {
  if (centred) {
    const double r = (v - m) * inv_s;
    if (kValue) lp += -0.5 * r * r - log_s;
    return {dlik - r * inv_s, r * inv_s, (r * r - 1.0) * inv_s};
  }
  if (kValue) lp += -0.5 * v * v;
  return {dlik * s - v, dlik, dlik * v};
}

}  // namespace hbm
