// Gibbs sampler for the single-arm model (models/single_arm.hpp), host and device: one sweep of
// exact Pólya-Gamma data augmentation,
//   omega_i ~ PG(n_i, theta_i),
//   theta_i ~ N((kappa_i + m_i / tau^2) / (omega_i + 1/tau^2), 1 / (omega_i + 1/tau^2)),
//             kappa_i = y_i - n_i / 2,  m_i = mu + x_i' beta,
// then (mu, beta, tau) by the interweaved centred / non-centred updates of
// models/gibbs_updates.hpp (pseudo-observations kappa_i / omega_i with precision omega_i).
//
// State (constrained, the same order as the HMC outputs): s[0] = mu, s[1] = tau,
// s[2 + j] = beta_j, s[2 + P + i] = theta_i. Scratch: 4K doubles.
#pragma once
#include <cmath>

#include "models/gibbs_updates.hpp"
#include "models/hd.hpp"
#include "models/philox.hpp"
#include "models/polya_gamma.hpp"
#include "models/priors.hpp"

namespace hbm {

struct SingleArmGibbs {
  int K = 0, P = 0;
  const double* y = nullptr;
  const double* n = nullptr;
  const double* x = nullptr;  // K x P, row-major
  Prior prior_mu, prior_tau;
  const Prior* prior_beta = nullptr;

  HBM_HD int state_dim() const { return 2 + P + K; }
  HBM_HD int scratch_dim() const { return 4 * K; }

  HBM_HD void sweep(double* s, double* scratch, RngStream& rng) const {
    double* theta = s + 2 + P;
    double* ystar = scratch;
    double* prec = scratch + K;
    double* w = scratch + 2 * K;
    double gamma[kGibbsMaxCoefficients];  // (mu, beta)
    gamma[0] = s[0];
    for (int j = 0; j < P; ++j) gamma[1 + j] = s[2 + j];
    double sc = s[1];
    const double inv_t2 = 1.0 / (sc * sc);
    const EffectBlockPriors b{K, P, x, prior_mu, prior_beta, prior_tau};
    for (int i = 0; i < K; ++i) {
      const double omega = polya_gamma(n[i], theta[i], rng);
      const double kappa = y[i] - 0.5 * n[i];
      const double m = gibbs_detail::linear_mean(b, gamma, i);
      const double q = omega + inv_t2;
      double z, unused;
      rng.normal2(z, unused);
      theta[i] = (kappa + m * inv_t2) / q + z / std::sqrt(q);
      ystar[i] = kappa / omega;
      prec[i] = omega;
    }
    update_block_centred(b, theta, gamma, sc, w, rng);
    update_block_noncentred(b, theta, ystar, prec, gamma, sc, w, rng);
    scale_move(b, gamma, theta, sc, [&](int i, double e) { return binomial_loglik(y[i], n[i], e); }, rng);
    s[0] = gamma[0];
    s[1] = sc;
    for (int j = 0; j < P; ++j) s[2 + j] = gamma[1 + j];

    // Per-study random-walk updates on the exact likelihood.
    {
      const double inv_t2_now = 1.0 / (sc * sc);
      for (int i = 0; i < K; ++i) {
        const double m = gibbs_detail::linear_mean(b, gamma, i);
        const double h = 2.4 / std::sqrt(1.0 / empirical_logit_variance(y[i], n[i]) + inv_t2_now);
        random_walk_update(theta[i], h, [&](double e) {
          return binomial_loglik(y[i], n[i], e) - 0.5 * (e - m) * (e - m) * inv_t2_now;
        }, rng);
      }
    }

    // Shift (mu, theta_1..K) together by c, three times (models/gibbs_updates.hpp).
    for (int rep = 0; rep < 3; ++rep) {
      double z, unused;
      rng.normal2(z, unused);
      const double c = z * shift_scale(rng);
      double d;
      double log_ratio = prior_lpdf_grad(prior_mu, s[0] + c, &d) - prior_lpdf_grad(prior_mu, s[0], &d);
      for (int i = 0; i < K; ++i)
        log_ratio += binomial_loglik(y[i], n[i], theta[i] + c) - binomial_loglik(y[i], n[i], theta[i]);
      if (metropolis_accept(log_ratio, rng)) {
        s[0] += c;
        for (int i = 0; i < K; ++i) theta[i] += c;
      }
    }
  }
};

}  // namespace hbm
