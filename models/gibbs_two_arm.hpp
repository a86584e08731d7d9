// Gibbs sampler for the two-arm model (models/two_arm.hpp), host and device: one sweep of exact
// Pólya-Gamma data augmentation with one PG variable per arm,
//   omega_ci ~ PG(nc_i, alpha_i),   omega_ti ~ PG(nt_i, alpha_i + delta_i),
//   (alpha_i, delta_i) jointly from their bivariate normal full conditional
//       (the arms' Gaussian kernels kappa e - omega e^2 / 2 with kappa = events - total / 2, the
//        baseline prior N(a_m, a_s^2) and delta_i ~ N(m_i, tau^2), m_i = mu + x_i' beta),
// then (mu, beta, tau) on the delta block and, with random baselines, (mu_alpha, sigma_alpha) on
// the alpha block, each by the interweaved centred / non-centred updates of
// models/gibbs_updates.hpp. Pseudo-observations given the other block: delta_i from the
// treatment arm, kappa_ti / omega_ti - alpha_i with precision omega_ti; alpha_i from both arms,
// (kappa_ci + kappa_ti - omega_ti delta_i) / (omega_ci + omega_ti) with precision
// omega_ci + omega_ti.
//
// State (constrained; the HMC output order with the alpha block inserted): s[0] = mu,
// s[1] = tau, s[2 + j] = beta_j, [s[2 + P] = mu_alpha, s[3 + P] = sigma_alpha,]
// s[A + i] = alpha_i, s[A + K + i] = delta_i, A = 2 + P (+ 2 with random baselines).
// Scratch: 6K doubles.
#pragma once
#include <cmath>

#include "models/gibbs_updates.hpp"
#include "models/hd.hpp"
#include "models/philox.hpp"
#include "models/polya_gamma.hpp"
#include "models/priors.hpp"
#include "models/two_arm.hpp"

namespace hbm {

struct TwoArmGibbs {
  int K = 0, P = 0;
  const double *yt = nullptr, *nt = nullptr, *yc = nullptr, *nc = nullptr;
  const double* x = nullptr;  // K x P, row-major
  BaselineModel baseline = BaselineModel::Independent;
  Prior prior_mu, prior_tau;
  const Prior* prior_beta = nullptr;
  Prior prior_alpha;                        // independent baselines
  Prior prior_mu_alpha, prior_sigma_alpha;  // random baselines

  HBM_HD bool random_baseline() const { return baseline == BaselineModel::Random; }
  HBM_HD int alpha_offset() const { return 2 + P + (random_baseline() ? 2 : 0); }
  HBM_HD int state_dim() const { return alpha_offset() + 2 * K; }
  HBM_HD int scratch_dim() const { return 6 * K; }

  HBM_HD void sweep(double* s, double* scratch, RngStream& rng) const {
    const bool rnd = random_baseline();
    double* alpha = s + alpha_offset();
    double* delta = alpha + K;
    double* omega_c = scratch;
    double* omega_t = scratch + K;
    double* ystar = scratch + 2 * K;
    double* prec = scratch + 3 * K;
    double* w = scratch + 4 * K;
    double gamma[kGibbsMaxCoefficients];  // (mu, beta)
    gamma[0] = s[0];
    for (int j = 0; j < P; ++j) gamma[1 + j] = s[2 + j];
    double tau = s[1];
    const double inv_t2 = 1.0 / (tau * tau);
    const double a_mean = rnd ? s[2 + P] : prior_alpha.a;
    const double a_sd = rnd ? s[3 + P] : prior_alpha.b;
    const double inv_a2 = 1.0 / (a_sd * a_sd);
    const EffectBlockPriors bd{K, P, x, prior_mu, prior_beta, prior_tau};

    for (int i = 0; i < K; ++i) {
      omega_c[i] = polya_gamma(nc[i], alpha[i], rng);
      omega_t[i] = polya_gamma(nt[i], alpha[i] + delta[i], rng);
      const double kc = yc[i] - 0.5 * nc[i], kt = yt[i] - 0.5 * nt[i];
      const double m = gibbs_detail::linear_mean(bd, gamma, i);
      double Q[4] = {omega_c[i] + omega_t[i] + inv_a2, omega_t[i], omega_t[i], omega_t[i] + inv_t2};
      double r[2] = {kc + kt + a_mean * inv_a2, kt + m * inv_t2};
      double ad[2];
      if (gaussian_canonical_draw(2, Q, r, rng, ad)) {
        alpha[i] = ad[0];
        delta[i] = ad[1];
      }
    }

    // delta block: (mu, beta, tau).
    update_block_centred(bd, delta, gamma, tau, w, rng);
    for (int i = 0; i < K; ++i) {
      ystar[i] = (yt[i] - 0.5 * nt[i]) / omega_t[i] - alpha[i];
      prec[i] = omega_t[i];
    }
    update_block_noncentred(bd, delta, ystar, prec, gamma, tau, w, rng);
    for (int rep = 0; rep < 3; ++rep)
      scale_move(bd, gamma, delta, tau,
                 [&](int i, double e) { return binomial_loglik(yt[i], nt[i], alpha[i] + e); }, rng);
    s[0] = gamma[0];
    s[1] = tau;
    for (int j = 0; j < P; ++j) s[2 + j] = gamma[1 + j];

    // alpha block (random baselines): (mu_alpha, sigma_alpha).
    if (rnd) {
      const EffectBlockPriors ba{K, 0, nullptr, prior_mu_alpha, nullptr, prior_sigma_alpha};
      double ga[1] = {s[2 + P]};
      double sig = s[3 + P];
      update_block_centred(ba, alpha, ga, sig, w, rng);
      for (int i = 0; i < K; ++i) {
        const double p = omega_c[i] + omega_t[i];
        ystar[i] = (yc[i] - 0.5 * nc[i] + yt[i] - 0.5 * nt[i] - omega_t[i] * delta[i]) / p;
        prec[i] = p;
      }
      update_block_noncentred(ba, alpha, ystar, prec, ga, sig, w, rng);
      scale_move(ba, ga, alpha, sig,
                 [&](int i, double e) {
                   return binomial_loglik(yc[i], nc[i], e) + binomial_loglik(yt[i], nt[i], e + delta[i]);
                 },
                 rng);
      s[2 + P] = ga[0];
      s[3 + P] = sig;
    }
    study_moves(s, alpha, delta, rng);
    shift_moves(s, alpha, delta, rng);
  }

 private:
  // Per-study random-walk updates of alpha_i (both arms move) and delta_i (the treatment arm
  // moves) on the exact likelihood (models/gibbs_updates.hpp).
  HBM_HD void study_moves(const double* s, double* alpha, double* delta, RngStream& rng) const {
    const bool rnd = random_baseline();
    const double tau = s[1];
    const double a_mean = rnd ? s[2 + P] : prior_alpha.a;
    const double a_sd = rnd ? s[3 + P] : prior_alpha.b;
    const double inv_t2 = 1.0 / (tau * tau), inv_a2 = 1.0 / (a_sd * a_sd);
    double gamma[kGibbsMaxCoefficients];
    gamma[0] = s[0];
    for (int j = 0; j < P; ++j) gamma[1 + j] = s[2 + j];
    const EffectBlockPriors bd{K, P, x, prior_mu, prior_beta, prior_tau};
    for (int i = 0; i < K; ++i) {
      const double vc = empirical_logit_variance(yc[i], nc[i]), vt = empirical_logit_variance(yt[i], nt[i]);
      const double ha = 2.4 / std::sqrt(1.0 / vc + 1.0 / vt + inv_a2);
      random_walk_update(alpha[i], ha, [&](double a) {
        return binomial_loglik(yc[i], nc[i], a) + binomial_loglik(yt[i], nt[i], a + delta[i]) -
               0.5 * (a - a_mean) * (a - a_mean) * inv_a2;
      }, rng);
      const double m = gibbs_detail::linear_mean(bd, gamma, i);
      const double hd = 2.4 / std::sqrt(1.0 / vt + inv_t2);
      random_walk_update(delta[i], hd, [&](double d) {
        return binomial_loglik(yt[i], nt[i], alpha[i] + d) - 0.5 * (d - m) * (d - m) * inv_t2;
      }, rng);
    }
  }

  // log prior of the baselines' location part that a shift of every alpha_i by c changes.
  HBM_HD double baseline_shift_lp(const double* s, const double* alpha, double c) const {
    double d, lp = 0;
    if (random_baseline()) return prior_lpdf_grad(prior_mu_alpha, s[2 + P] + c, &d);
    for (int i = 0; i < K; ++i) lp += prior_lpdf_grad(prior_alpha, alpha[i] + c, &d);
    return lp;
  }

  // Three shift moves (models/gibbs_updates.hpp): (mu, delta) together; the baselines (alpha,
  // and mu_alpha with random baselines) together; and the baselines up by c with (mu, delta)
  // down by c, which keeps every treatment-arm logit alpha_i + delta_i fixed.
  HBM_HD void shift_moves(double* s, double* alpha, double* delta, RngStream& rng) const {
    const bool rnd = random_baseline();
    double d;
    for (int move = 0; move < 3; ++move) {
      double z, unused;
      rng.normal2(z, unused);
      const double c = z * shift_scale(rng);
      const double ca = move == 0 ? 0.0 : c;           // shift of alpha
      const double cd = move == 0 ? c : (move == 1 ? 0.0 : -c);  // shift of mu and delta
      double lr = 0;
      if (cd != 0.0) lr += prior_lpdf_grad(prior_mu, s[0] + cd, &d) - prior_lpdf_grad(prior_mu, s[0], &d);
      if (ca != 0.0) lr += baseline_shift_lp(s, alpha, ca) - baseline_shift_lp(s, alpha, 0.0);
      for (int i = 0; i < K; ++i) {
        if (ca != 0.0) lr += binomial_loglik(yc[i], nc[i], alpha[i] + ca) - binomial_loglik(yc[i], nc[i], alpha[i]);
        if (ca + cd != 0.0)
          lr += binomial_loglik(yt[i], nt[i], alpha[i] + delta[i] + ca + cd) -
                binomial_loglik(yt[i], nt[i], alpha[i] + delta[i]);
      }
      if (!metropolis_accept(lr, rng)) continue;
      s[0] += cd;
      if (rnd) s[2 + P] += ca;
      for (int i = 0; i < K; ++i) {
        alpha[i] += ca;
        delta[i] += cd;
      }
    }
  }
};

}  // namespace hbm
