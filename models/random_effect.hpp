// One study-level normal random effect e ~ N(m, s^2), written once for every model that has
// one (theta_i of the single-arm model, delta_i and random baselines alpha_i of the two-arm
// model). Its free coordinate v is either
//   centred:      e = v,                      prior term log N(v | m, s^2)
//   non-centred:  e = mu_d(m, s) + sd_d(s) v,  prior term log N(e | m, s^2) + log sd_d(s)
// where the non-centred form is scaled by the study's own data: with a Gaussian approximation
// y_hat ~ N(e, 1/lambda) of the study's likelihood (EffectData: the empirical logit or log odds
// ratio and its precision), sd_d^2 = 1 / (lambda + 1/s^2) and mu_d = sd_d^2 (lambda y_hat + m/s^2)
// are the effect's conditional posterior sd and mean under that approximation, so v is close to
// N(0, 1) and close to independent of (m, s) whatever s is:
//   s << 1/sqrt(lambda): e ~ m + s v, the classic non-centred form (the data say little next
//                        to the prior: no funnel between v and s as s -> 0);
//   s >> 1/sqrt(lambda): e ~ y_hat + v / sqrt(lambda), centred on the data (the data pin e: no
//                        funnel between v and (m, s) as s grows, which the classic form has:
//                        there v = (e - m) / s is pinned to a width 1/(s sqrt(lambda))).
// This is the optimal partially non-centred parametrisation of Papaspiliopoulos, Roberts &
// Sköld (2007) for a normal likelihood, with its weight a smooth function of s (a fixed bijection,
// its Jacobian in the density), so one parametrisation serves every s. lambda = 0 gives the
// classic form exactly. Centred remains for studies whose data pin e at every plausible s.
#pragma once
#include <cmath>

#include "models/hd.hpp"
#include "models/strided.hpp"

namespace hbm {

// A study's Gaussian approximation of its likelihood for e: y_hat with precision lambda (0: none).
struct EffectData {
  double y_hat = 0.0, lambda = 0.0;
};

// Empirical logit of y events in n with 1/2 added to both cells, and its precision: the
// approximation for a binomial arm.
HBM_HD EffectData empirical_logit_data(double y, double n) {
  const double a = y + 0.5, b = n - y + 0.5;
  return {std::log(a / b), 1.0 / (1.0 / a + 1.0 / b)};
}

// Empirical log odds ratio of (yt/nt) vs (yc/nc), 1/2 added to every cell, and its precision.
HBM_HD EffectData empirical_log_or_data(double yt, double nt, double yc, double nc) {
  const double a = yt + 0.5, b = nt - yt + 0.5, c = yc + 0.5, d = nc - yc + 0.5;
  return {std::log(a * d / (b * c)), 1.0 / (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d)};
}

// The non-centred form at (m, s), with inv_s2 = 1/s^2: var = sd^2 = 1 / (lambda + 1/s^2), and
// e = mean + sd v = m + var lambda (y_hat - m) + sd v (as var (lambda + 1/s^2) = 1).
struct ScaledForm {
  double var, sd, mean;
};
HBM_HD ScaledForm scaled_form(double m, double inv_s2, const EffectData& d) {
  const double var = 1.0 / (d.lambda + inv_s2);
  return {var, std::sqrt(var), m + var * d.lambda * (d.y_hat - m)};
}

// The effect at coordinate v, and the coordinate of effect e (its inverse).
HBM_HD double random_effect_value(bool centred, double v, double m, double s, const EffectData& d) {
  if (centred) return v;
  const ScaledForm f = scaled_form(m, 1.0 / (s * s), d);
  return f.mean + f.sd * v;
}
HBM_HD double random_effect_coordinate(bool centred, double e, double m, double s, const EffectData& d) {
  if (centred) return e;
  const ScaledForm f = scaled_form(m, 1.0 / (s * s), d);
  return (e - f.mean) / f.sd;
}

// The effect of block b's study i at q, and the coordinate that holds effect e in
// parametrisation `centred` at location `loc` and scale `s`, for any model that describes its
// blocks (models/block_gibbs.hpp lists what a model provides).
template <class Model>
HBM_HD double block_effect(const Model& m, CVec q, int b, int i, double s) {
  return random_effect_value(m.flag(b, i), q[m.block_offset(b) + i], m.effect_loc(q, b, i), s, m.effect_data(b, i));
}
template <class Model>
HBM_HD double block_coordinate(const Model& m, int b, int i, bool centred, double e, double loc, double s) {
  return random_effect_coordinate(centred, e, loc, s, m.effect_data(b, i));
}

// One study's effect at (v, m, s) and what its gradient needs (the models' inner loop computes
// the form once per study and evaluation): e, and for the non-centred form var, sd and
// r = e - m. inv_s2 = 1/s^2.
struct EffectAt {
  double e, var, sd, r;
};
HBM_HD EffectAt random_effect_at(bool centred, double v, double m, double inv_s2, const EffectData& d) {
  if (centred) return {v, 0.0, 0.0, 0.0};
  const double var = 1.0 / (d.lambda + inv_s2), sd = std::sqrt(var);
  const double r = var * d.lambda * (d.y_hat - m) + sd * v;
  return {m + r, var, sd, r};
}

// Gradient of (log-likelihood + prior term) with respect to v, m and s.
struct RandomEffectGrad {
  double dv, dm, ds;
};

// dlik = d log-likelihood / d e at e = at.e (random_effect_at). Adds the prior term to lp when
// kValue (log_s = log(s) is only read then) and returns the chain-ruled gradient.
template <bool kValue>
HBM_HD RandomEffectGrad random_effect_grad(bool centred, const EffectAt& at, double v, double m, double inv_s,
                                           double log_s, double dlik, double& lp, const EffectData& d) {
  if (centred) {
    const double r = (v - m) * inv_s;
    if (kValue) lp += -0.5 * r * r - log_s;
    return {dlik - r * inv_s, r * inv_s, (r * r - 1.0) * inv_s};
  }
  // r = var lambda (y_hat - m) + sd v. With inv_s3 = 1/s^3: d sd / ds = sd^3 inv_s3,
  // d var / ds = 2 var^2 inv_s3, de/dm = var / s^2, dr/dm = -var lambda; the prior term
  // -r^2 / (2 s^2) - log s plus the Jacobian log sd.
  const double inv_s2 = inv_s * inv_s, inv_s3 = inv_s2 * inv_s;
  const double gap = d.lambda * (d.y_hat - m);
  const double z = at.r * inv_s2;  // -d(prior term)/dr
  if (kValue) lp += -0.5 * at.r * z - log_s + 0.5 * std::log(at.var);
  const double de_ds = at.var * (2.0 * at.var * gap + at.sd * v) * inv_s3;
  return {(dlik - z) * at.sd, at.var * (dlik * inv_s2 + z * d.lambda),
          (dlik - z) * de_ds + at.r * z * inv_s - inv_s + at.var * inv_s3};
}

// The likelihood's slope dlik = d log-likelihood / d e from dv, the gradient of (log-likelihood
// + prior term) with respect to v at the same point: random_effect_grad's dv solved for dlik
// (centred: dv = dlik - (v - m) / s^2; non-centred: dv = (dlik - r / s^2) sd). A move that
// keeps every effect e where it is (models/block_gibbs.hpp) keeps these slopes, so the gradient
// after it needs no likelihood evaluation (the models' gradient_with_slopes). Rounding: the
// same order as the gradient's own (|dv| / sd is of the order of |dlik - r / s^2|).
HBM_HD double likelihood_slope(bool centred, const EffectAt& at, double v, double m, double inv_s2, double dv) {
  if (centred) return dv + (v - m) * inv_s2;
  return dv / at.sd + at.r * inv_s2;
}

}  // namespace hbm
