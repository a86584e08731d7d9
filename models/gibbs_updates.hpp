// Conditional updates shared by the Gibbs samplers (models/gibbs_single_arm.hpp,
// models/gibbs_two_arm.hpp), host and device.
//
// After Pólya-Gamma augmentation (Polson, Scott & Windle 2013) a binomial likelihood in a logit
// e becomes, given omega ~ PG(n, e), the Gaussian kernel exp(kappa e - omega e^2 / 2) with
// kappa = y - n/2: a pseudo-observation kappa / omega of e with precision omega. Every block of
// study effects is then a normal random-effect model
//     e_i ~ N(m_i, s^2),  m_i = gamma_0 + x_i' gamma_{1..P},  pseudo-obs  ystar_i ~ N(e_i, 1/prec_i),
// and its hyperparameters (gamma, s) are updated twice per sweep, once in each parametrisation
// (ancillarity-sufficiency interweaving, Yu & Meng 2011):
//   centred:      gamma | e, s   (Gaussian regression)   and   s | e, gamma   (slice sampler)
//   non-centred:  with z_i = (e_i - m_i) / s held fixed, s | z, gamma, pseudo-obs  (slice) and
//                 gamma | s, z, pseudo-obs (Gaussian), then e_i = m_i + s z_i.
// The centred step mixes well when the data pin each e_i (large studies), the non-centred one
// when they do not (small studies, s near 0); interweaving both mixes well in either regime.
// The scale s may have any prior of models/priors.hpp: it is updated by univariate slice
// sampling (Neal 2003, stepping out and shrinkage) on log s, which is valid for every prior.
#pragma once
#include <cmath>

#include "models/binomial_logit.hpp"
#include "models/hd.hpp"
#include "models/philox.hpp"
#include "models/priors.hpp"

namespace hbm {

// Largest number of regression coefficients (intercept included) the Gibbs samplers take.
inline constexpr int kGibbsMaxCoefficients = 16;

// Draws x ~ N(Q^-1 b, Q^-1) for an n x n symmetric positive-definite Q (row-major), by the
// Cholesky factor Q = L L': x = L'^-1 (L^-1 b + z). Q and b are overwritten. Returns false if Q
// is not positive definite.
HBM_HD bool gaussian_canonical_draw(int n, double* Q, double* b, RngStream& rng, double* x) {
  for (int j = 0; j < n; ++j) {
    double d = Q[j * n + j];
    for (int k = 0; k < j; ++k) d -= Q[j * n + k] * Q[j * n + k];
    if (!(d > 0)) return false;
    const double l = std::sqrt(d);
    Q[j * n + j] = l;
    for (int i = j + 1; i < n; ++i) {
      double v = Q[i * n + j];
      for (int k = 0; k < j; ++k) v -= Q[i * n + k] * Q[j * n + k];
      Q[i * n + j] = v / l;
    }
  }
  // Forward: w = L^-1 b (in b), then add z.
  for (int i = 0; i < n; ++i) {
    double v = b[i];
    for (int k = 0; k < i; ++k) v -= Q[i * n + k] * b[k];
    b[i] = v / Q[i * n + i];
  }
  for (int i = 0; i < n; i += 2) {
    double z1, z2;
    rng.normal2(z1, z2);
    b[i] += z1;
    if (i + 1 < n) b[i + 1] += z2;
  }
  // Backward: x = L'^-1 (w + z).
  for (int i = n - 1; i >= 0; --i) {
    double v = b[i];
    for (int k = i + 1; k < n; ++k) v -= Q[k * n + i] * x[k];
    x[i] = v / Q[i * n + i];
  }
  return true;
}

// One slice-sampling update (Neal 2003) of u for the log density f, with initial bracket width
// w, stepping out at most `max_steps` times each way. f must be finite at u.
template <class F>
HBM_HD double slice_sample(const F& f, double u, double w, RngStream& rng, int max_steps = 32) {
  const double log_y = f(u) + std::log(rng.uniform());  // log of the slice height
  double lo = u - w * rng.uniform();
  double hi = lo + w;
  int j = static_cast<int>(max_steps * rng.uniform());
  int k = max_steps - 1 - j;
  while (j-- > 0 && f(lo) > log_y) lo -= w;
  while (k-- > 0 && f(hi) > log_y) hi += w;
  for (;;) {
    const double v = lo + (hi - lo) * rng.uniform();
    if (f(v) > log_y) return v;
    if (v < u) lo = v;
    else hi = v;
  }
}

// A block of K study effects with the regression of their means on [1, x_i] (P covariates).
struct EffectBlockPriors {
  int K = 0, P = 0;
  const double* x = nullptr;           // K x P, row-major; null when P = 0
  Prior prior_intercept;               // Normal
  const Prior* prior_beta = nullptr;   // P Normal priors
  Prior prior_scale;                   // any scale prior
};

namespace gibbs_detail {

HBM_HD double design(const EffectBlockPriors& b, int i, int j) { return j == 0 ? 1.0 : b.x[i * b.P + (j - 1)]; }

HBM_HD double linear_mean(const EffectBlockPriors& b, const double* gamma, int i) {
  double m = gamma[0];
  for (int j = 0; j < b.P; ++j) m += b.x[i * b.P + j] * gamma[1 + j];
  return m;
}

HBM_HD const Prior& coefficient_prior(const EffectBlockPriors& b, int j) {
  return j == 0 ? b.prior_intercept : b.prior_beta[j - 1];
}

// gamma ~ N(Q^-1 r, Q^-1) with Q = sum_i w_i xt_i xt_i' + diag(1/sd_j^2),
// r = sum_i w_i t_i xt_i + mean_j / sd_j^2, where xt_i = [1, x_i].
HBM_HD void draw_coefficients(const EffectBlockPriors& b, const double* t, const double* w, double* gamma,
                              RngStream& rng) {
  const int n = b.P + 1;
  double Q[kGibbsMaxCoefficients * kGibbsMaxCoefficients], r[kGibbsMaxCoefficients];
  for (int j = 0; j < n; ++j) {
    const Prior& p = coefficient_prior(b, j);
    r[j] = p.a / (p.b * p.b);
    for (int k = 0; k < n; ++k) Q[j * n + k] = j == k ? 1.0 / (p.b * p.b) : 0.0;
  }
  for (int i = 0; i < b.K; ++i) {
    for (int j = 0; j < n; ++j) {
      const double xj = design(b, i, j);
      r[j] += w[i] * t[i] * xj;
      for (int k = 0; k <= j; ++k) Q[j * n + k] += w[i] * xj * design(b, i, k);
    }
  }
  for (int j = 0; j < n; ++j)
    for (int k = j + 1; k < n; ++k) Q[j * n + k] = Q[k * n + j];
  double g[kGibbsMaxCoefficients];
  if (gaussian_canonical_draw(n, Q, r, rng, g))
    for (int j = 0; j < n; ++j) gamma[j] = g[j];
}

// log of the scale's density on u = log s: prior + Jacobian + the block's term.
template <class Term>
HBM_HD double log_scale_density(const Prior& prior, double u, const Term& term) {
  const double s = std::exp(u);
  if (prior.kind == PriorKind::Uniform && !(s < prior.b)) return -INFINITY;  // outside uniform(0, u)
  double unused;
  const double lp = prior_lpdf_grad(prior, s, &unused);
  if (!std::isfinite(lp)) return -INFINITY;
  return lp + u + term(s);
}

}  // namespace gibbs_detail

// The scale s of K centred effects with residual sum of squares S = sum_i (e_i - m_i)^2, given
// them: density prior(s) s^-K exp(-S / (2 s^2)), one slice-sampling update on log s from s.
HBM_HD double draw_scale_centred(const Prior& prior, int K, double S, double s, RngStream& rng) {
  // On u = log s: prior(e^u) + u (the Jacobian) - K u - S e^{-2u} / 2; one exp per evaluation.
  const auto f = [&](double u) -> double {
    const double sc = std::exp(u);
    if (prior.kind == PriorKind::Uniform && !(sc < prior.b)) return -INFINITY;  // outside uniform(0, b)
    double unused;
    const double lp = prior_lpdf_grad(prior, sc, &unused);
    if (!std::isfinite(lp)) return -INFINITY;
    return lp + (1.0 - K) * u - 0.5 * S / (sc * sc);
  };
  return std::exp(slice_sample(f, std::log(s), 1.0, rng));
}

// Centred step: gamma | e, s, then s | e, gamma. `w` is K doubles of scratch.
HBM_HD void update_block_centred(const EffectBlockPriors& b, const double* e, double* gamma, double& s, double* w,
                                 RngStream& rng) {
  using namespace gibbs_detail;
  const double inv_s2 = 1.0 / (s * s);
  for (int i = 0; i < b.K; ++i) w[i] = inv_s2;
  draw_coefficients(b, e, w, gamma, rng);
  double S = 0;
  for (int i = 0; i < b.K; ++i) {
    const double r = e[i] - linear_mean(b, gamma, i);
    S += r * r;
  }
  s = draw_scale_centred(b.prior_scale, b.K, S, s, rng);
}

// Non-centred step: with z_i = (e_i - m_i) / s fixed, s | z, gamma, pseudo-obs, then
// gamma | s, z, pseudo-obs; finally e_i = m_i + s z_i. `w` is 2K doubles of scratch.
HBM_HD void update_block_noncentred(const EffectBlockPriors& b, double* e, const double* ystar, const double* prec,
                                    double* gamma, double& s, double* w, RngStream& rng) {
  using namespace gibbs_detail;
  double* z = w;
  double* t = w + b.K;
  // The pseudo-likelihood sum_i -prec_i/2 (ystar_i - m_i - s z_i)^2 is -A s^2 / 2 + B s + const.
  double A = 0, B = 0;
  for (int i = 0; i < b.K; ++i) {
    const double m = linear_mean(b, gamma, i);
    z[i] = (e[i] - m) / s;
    A += prec[i] * z[i] * z[i];
    B += prec[i] * z[i] * (ystar[i] - m);
  }
  const auto f = [&](double u) {
    return log_scale_density(b.prior_scale, u, [&](double sc) { return -0.5 * A * sc * sc + B * sc; });
  };
  s = std::exp(slice_sample(f, std::log(s), 1.0, rng));
  for (int i = 0; i < b.K; ++i) t[i] = ystar[i] - s * z[i];
  draw_coefficients(b, t, prec, gamma, rng);
  for (int i = 0; i < b.K; ++i) e[i] = linear_mean(b, gamma, i) + s * z[i];
}

// Shift moves. Where the data are sparse (rare or absent events) the posterior has a long,
// weakly identified direction along which every study effect and its mean move together, and
// one-at-a-time conditional updates crawl along it (Johndrow et al. 2019 describe this for
// Pólya-Gamma samplers with imbalanced data). A Metropolis step that shifts a whole block and
// its mean by the same c leaves every e_i - m_i unchanged, so only the likelihood and the
// mean's prior enter the ratio; c ~ N(0, h^2) with h drawn from a fixed set of scales (0.1 to
// 10: the long flat tails of mu when all or no events are seen need the large ones), a
// symmetric proposal whatever the state. Returns the accepted shift (0 when rejected).
HBM_HD double shift_scale(RngStream& rng) {
  const double u = rng.uniform();
  return u < 0.3 ? 0.1 : (u < 0.6 ? 0.5 : (u < 0.85 ? 2.5 : 10.0));
}

// log binomial likelihood of y events of n at logit t.
HBM_HD double binomial_loglik(double y, double n, double t) {
  double unused;
  return binomial_logit_lpmf_grad(y, n, t, &unused);
}

// Metropolis acceptance of a move with log target ratio `log_ratio`.
HBM_HD bool metropolis_accept(double log_ratio, RngStream& rng) {
  return log_ratio >= 0 || std::log(rng.uniform()) < log_ratio;
}

// Sampling variance of an empirical logit (1/2 added to both cells): the scale of a study's
// likelihood, for proposal widths that depend on the data only.
HBM_HD double empirical_logit_variance(double y, double n) { return 1.0 / (y + 0.5) + 1.0 / (n - y + 0.5); }

// One random-walk Metropolis update of a scalar v with the exact (not augmented) log target
// `logp`, step sd `h`: it breaks the coupling between a study's effect and its Pólya-Gamma
// variable, which makes the augmented Gibbs step crawl for studies with few events among many
// (Johndrow et al. 2019). The width depends on the data and on parameters this move leaves
// unchanged, so the proposal is symmetric.
template <class LogP>
HBM_HD void random_walk_update(double& v, double h, const LogP& logp, RngStream& rng) {
  double z, unused;
  rng.normal2(z, unused);
  const double v_new = v + h * z;
  if (metropolis_accept(logp(v_new) - logp(v), rng)) v = v_new;
}

// Scale move in the non-centred coordinates: with z_i = (e_i - m_i) / s fixed, a random walk
// on log s (step c ~ N(0, h^2), h from shift_scale) accepted on the exact likelihood, not the
// Pólya-Gamma one: where the data are sparse the augmented conditionals tie s to the current
// omegas and move it slowly. loglik(i, e) is study i's log-likelihood at effect value e.
template <class LogLik>
HBM_HD void scale_move(const EffectBlockPriors& b, const double* gamma, double* e, double& s, const LogLik& loglik,
                       RngStream& rng) {
  double z, unused;
  rng.normal2(z, unused);
  const double c = z * shift_scale(rng);
  const double s_new = s * std::exp(c);
  double lr = gibbs_detail::log_scale_density(b.prior_scale, std::log(s_new), [](double) { return 0.0; }) -
              gibbs_detail::log_scale_density(b.prior_scale, std::log(s), [](double) { return 0.0; });
  if (!(lr > -INFINITY)) return;
  for (int i = 0; i < b.K; ++i) {
    const double m = gibbs_detail::linear_mean(b, gamma, i);
    const double e_new = m + (e[i] - m) * (s_new / s);
    lr += loglik(i, e_new) - loglik(i, e[i]);
  }
  if (!metropolis_accept(lr, rng)) return;
  for (int i = 0; i < b.K; ++i) {
    const double m = gibbs_detail::linear_mean(b, gamma, i);
    e[i] = m + (e[i] - m) * (s_new / s);
  }
  s = s_new;
}

}  // namespace hbm
