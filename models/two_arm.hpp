// Two-arm binomial-normal random-effects model with meta-regression (one outcome, K studies,
// treatment arm t and control arm c, P study-level covariates; Smith, Spiegelhalter & Thomas
// 1995, the "arm-based likelihood, contrast-based random effects" model):
//
//   yc_i ~ Binomial(nc_i, inv_logit(alpha_i)),
//   yt_i ~ Binomial(nt_i, inv_logit(alpha_i + delta_i)),
//   delta_i ~ Normal(mu + x_i' beta, tau^2)       (the study's log odds ratio, t vs c)
//   mu ~ prior_mu,  beta_j ~ prior_beta[j] (Normal(m_j, s_j)),  tau ~ prior_tau,
//
// with the control-arm baselines alpha_i either
//   BaselineModel::Independent:  alpha_i ~ prior_alpha (Normal(m0, s0)), independently, or
//   BaselineModel::Random:       alpha_i ~ Normal(mu_alpha, sigma_alpha^2),
//                                mu_alpha ~ prior_mu_alpha, sigma_alpha ~ prior_sigma_alpha.
//
// The likelihood is exact for zero-event arms, all-event arms and double-zero studies
// (binomial_logit.hpp; no continuity correction). A double-zero study is kept: its likelihood
// (1 - p_c)^nc (1 - p_t)^nt tends to 1 for every delta_i as alpha_i -> -inf, so it says little
// about delta_i (it still bounds the baseline), and every term stays finite.
//
// Unconstrained parameter vector q (dimension 2 + P + (Random ? 2 : 0) + 2K):
//   q[0]                 = mu
//   q[1]                 = s_tau          (tau = tau_transform(prior_tau, s_tau))
//   q[2 + j]             = beta_j,        j = 0..P-1
//   -- Random baselines only:
//   q[2 + P]             = mu_alpha
//   q[3 + P]             = s_sigma_alpha  (sigma_alpha = tau_transform(prior_sigma_alpha, .))
//   -- then, with A = alpha_offset() = 2 + P (+ 2 for Random):
//   q[A + i]             = alpha-coordinate of study i, i = 0..K-1:
//                          Independent: alpha_i itself;
//                          Random: a_i with alpha_i = mu_alpha + sigma_alpha * a_i, a_i ~ N(0, 1)
//                          (or alpha_i itself, alpha_i ~ N(mu_alpha, sigma_alpha^2), for a study
//                          flagged in centred_alpha)
//   q[A + K + i]         = delta-coordinate of study i:
//                          non-centred: z_i with delta_i = mu + x_i' beta + tau z_i, z_i ~ N(0, 1);
//                          centred:     delta_i itself, delta_i ~ N(mu + x_i' beta, tau^2).
// Per-study centring follows SingleArmModel: non-centred for studies the data say little about,
// centred for large ones whose likelihood pins the coordinate. `centred` applies to delta;
// `centred_alpha` (optional, Random baselines only; null = every a_i non-centred) to alpha.
// Covariates: row-major x[i * P + j] (models/regression.hpp); P may be 0 and x null.
#pragma once
#include <cmath>
#include <cstdint>

#include "models/binomial_logit.hpp"
#include "models/group.hpp"
#include "models/hd.hpp"
#include "models/priors.hpp"
#include "models/random_effect.hpp"
#include "models/regression.hpp"
#include "models/strided.hpp"

namespace hbm {

enum class BaselineModel : int {
  Independent = 0,  // alpha_i ~ prior_alpha, independently per study
  Random = 1,       // alpha_i ~ Normal(mu_alpha, sigma_alpha^2), hyperpriors on both
};

// The priors of the hyperparameters (and of independent baselines), as the batched engine keeps
// them: one per outcome of a batch (models/batch_views.hpp).
struct TwoArmHyperPriors {
  Prior mu, tau, alpha, mu_alpha, sigma_alpha;
};

struct TwoArmModel {
  int K = 0;
  int P = 0;                                    // number of covariates (may be 0)
  const double* yt = nullptr;                   // treatment events (as double, exact up to 2^53)
  const double* nt = nullptr;                   // treatment totals
  const double* yc = nullptr;                   // control events
  const double* nc = nullptr;                   // control totals
  const double* x = nullptr;                    // K x P covariates, row-major; may be null when P = 0
  const std::uint8_t* centred = nullptr;        // delta: 1 = centred, 0 = non-centred, per study
  const std::uint8_t* centred_alpha = nullptr;  // Random baselines: 1 = centred; null = none
  // Each study's Gaussian approximations of its likelihood for delta_i and alpha_i
  // (models/random_effect.hpp), computed once by the caller; null: computed from the counts.
  const double *delta_hat = nullptr, *delta_lambda = nullptr, *alpha_hat = nullptr, *alpha_lambda = nullptr;
  BaselineModel baseline = BaselineModel::Independent;
  Prior prior_mu;                               // Normal
  Prior prior_tau;                              // any scale prior
  const Prior* prior_beta = nullptr;            // P priors, one per coefficient (Normal)
  Prior prior_alpha;                            // Independent baselines: Normal(m0, s0)
  Prior prior_mu_alpha;                         // Random baselines: Normal
  Prior prior_sigma_alpha;                      // Random baselines: any scale prior
  // Where the batched engine's models read the five priors above: the batch's per-outcome array
  // (models/batch_views.hpp), read at each use instead of copied (as SingleArmModel::hyper). Null
  // (host code only): the fields above.
  const TwoArmHyperPriors* hyper = nullptr;
  HBM_HD Prior mu_prior() const { return prior_at(hyper ? &hyper->mu : nullptr, prior_mu); }
  HBM_HD Prior tau_prior() const { return prior_at(hyper ? &hyper->tau : nullptr, prior_tau); }
  HBM_HD Prior alpha_prior() const { return prior_at(hyper ? &hyper->alpha : nullptr, prior_alpha); }
  HBM_HD Prior mu_alpha_prior() const { return prior_at(hyper ? &hyper->mu_alpha : nullptr, prior_mu_alpha); }
  HBM_HD Prior sigma_alpha_prior() const { return prior_at(hyper ? &hyper->sigma_alpha : nullptr, prior_sigma_alpha); }

  HBM_HD bool random_baseline() const { return baseline == BaselineModel::Random; }
  HBM_HD int beta_offset() const { return 2; }
  // Index of mu_alpha (s_sigma_alpha follows); meaningful for Random baselines only.
  HBM_HD int baseline_offset() const { return 2 + P; }
  HBM_HD int alpha_offset() const { return 2 + P + (random_baseline() ? 2 : 0); }
  HBM_HD int delta_offset() const { return alpha_offset() + K; }
  HBM_HD int dim() const { return alpha_offset() + 2 * K; }

  HBM_HD bool alpha_centred(int i) const { return centred_alpha != nullptr && centred_alpha[i]; }

  // tau and (Random baselines) sigma_alpha at q.
  HBM_HD double tau(CVec q) const { return tau_transform(tau_prior(), q[1]).tau; }
  HBM_HD double mu_alpha(CVec q) const { return q[2 + P]; }
  HBM_HD double sigma_alpha(CVec q) const { return tau_transform(sigma_alpha_prior(), q[3 + P]).tau; }

  // mu + x_i' beta at q: study i's expected log odds ratio before its random effect.
  HBM_HD double linear_predictor(CVec q, int i) const {
    return q[0] + covariate_dot(x, P, i, q + 2);
  }

  // Study i's Gaussian approximations of its likelihood for delta_i and alpha_i (the
  // non-centred forms' scaling, models/random_effect.hpp).
  HBM_HD EffectData delta_data(int i) const {
    return delta_hat ? EffectData{delta_hat[i], delta_lambda[i]} : empirical_log_or_data(yt[i], nt[i], yc[i], nc[i]);
  }
  HBM_HD EffectData alpha_data(int i) const {
    return alpha_hat ? EffectData{alpha_hat[i], alpha_lambda[i]} : empirical_logit_data(yc[i], nc[i]);
  }

  // Study i's log odds ratio delta_i at q, given tau = tau(q).
  HBM_HD double delta(CVec q, int i, double tau) const {
    return random_effect_value(centred[i], q[delta_offset() + i], linear_predictor(q, i), tau, delta_data(i));
  }
  HBM_HD double delta(CVec q, int i) const { return delta(q, i, tau(q)); }

  // Study i's control-arm logit alpha_i at q, given sigma_alpha = sigma_alpha(q) (ignored for
  // Independent baselines).
  HBM_HD double alpha(CVec q, int i, double sigma_alpha) const {
    const double v = q[alpha_offset() + i];
    if (!random_baseline()) return v;
    return random_effect_value(alpha_centred(i), v, q[2 + P], sigma_alpha, alpha_data(i));
  }
  HBM_HD double alpha(CVec q, int i) const {
    return alpha(q, i, random_baseline() ? sigma_alpha(q) : 0.0);
  }

  // ---- the study effects as a sampler sees them: block 0 = the log odds ratios delta_i ~
  // N(mu + x_i' beta, tau^2); block 1 (random baselines only) = the control-arm logits
  // alpha_i ~ N(mu_alpha, sigma_alpha^2). Independent baselines are plain coordinates. ----
  HBM_HD int n_blocks() const { return random_baseline() ? 2 : 1; }
  HBM_HD int block_offset(int b) const { return b == 0 ? delta_offset() : alpha_offset(); }
  HBM_HD double effect_loc(CVec q, int b, int i) const {
    return b == 0 ? linear_predictor(q, i) : mu_alpha(q);
  }
  HBM_HD double effect_scale(CVec q, int b) const { return b == 0 ? tau(q) : sigma_alpha(q); }
  HBM_HD bool flag(int b, int i) const { return b == 0 ? centred[i] != 0 : alpha_centred(i); }
  // Study i's Gaussian approximation of its likelihood for the effect of block b, which scales
  // its non-centred form (models/random_effect.hpp).
  HBM_HD EffectData effect_data(int b, int i) const { return b == 0 ? delta_data(i) : alpha_data(i); }
  // Each block's intercept (mu; mu_alpha) and scale (tau; sigma_alpha) with their priors
  // (models/block_gibbs.hpp).
  HBM_HD int location_index(int b) const { return b == 0 ? 0 : baseline_offset(); }
  HBM_HD Prior location_prior(int b) const { return b == 0 ? mu_prior() : mu_alpha_prior(); }
  HBM_HD int scale_index(int b) const { return b == 0 ? 1 : baseline_offset() + 1; }
  HBM_HD Prior scale_prior(int b) const { return b == 0 ? tau_prior() : sigma_alpha_prior(); }

  // Per-draw outputs: mu, tau, beta_1..beta_P, [mu_alpha, sigma_alpha] (the n_hyper()
  // hyperparameters), then delta_1..delta_K.
  HBM_HD int n_hyper() const { return 2 + P + (random_baseline() ? 2 : 0); }
  HBM_HD int n_outputs() const { return n_hyper() + K; }
  // With a group of lanes, lane 0 writes the hyperparameters and lane r the studies r, r + size,
  // ... (each value is computed as with one lane).
  template <class G = SerialGroup>
  HBM_HD void outputs(CVec q, Vec out, const G& grp = G{}) const {
    const int H = n_hyper();
    const double t = tau(q);
    if (grp.rank() == 0) {
      out[0] = q[0];
      out[1] = t;
      for (int j = 0; j < P; ++j) out[2 + j] = q[2 + j];
      if (random_baseline()) {
        out[2 + P] = q[2 + P];
        out[3 + P] = sigma_alpha(q);
      }
    }
    for (int i = grp.rank(); i < K; i += grp.size()) out[H + i] = delta(q, i, t);
  }

  // Log posterior density (up to a constant) at q; writes the gradient into grad[0..dim()).
  // Returns -inf (and a zero gradient) where the value or the gradient is not finite.
  // With a group of lanes (models/group.hpp) every lane calls it and gets the same value; the
  // lanes split the studies, and the gradient is complete for every lane on return.
  template <class G = SerialGroup>
  HBM_HD double log_density_grad(CVec q, Vec grad, const G& grp = G{}) const {
    return eval<true>(q, grad, grp);
  }

  // The gradient alone (the leapfrog steps need nothing else): skips every log term. Returns
  // false where the gradient is not finite.
  template <class G = SerialGroup>
  HBM_HD bool gradient(CVec q, Vec grad, const G& grp = G{}) const {
    eval<false>(q, grad, grp);
    return all_finite(grad, dim(), grp);
  }

  // The likelihood's slopes at q, recovered from the gradient `grad` at q without evaluating the
  // likelihood (models/random_effect.hpp, likelihood_slope): slopes[i] = d log-lik / d alpha_i,
  // slopes[K + i] = d log-lik / d delta_i (2K doubles; each lane writes its own studies').
  template <class G = SerialGroup>
  HBM_HD void likelihood_slopes(CVec q, CVec grad, Vec slopes, const G& grp = G{}) const {
    const bool rnd = random_baseline();
    const int A = alpha_offset(), Dl = A + K;
    const double inv_tau = 1.0 / tau(q), inv_tau2 = inv_tau * inv_tau;
    const double mu_a = rnd ? mu_alpha(q) : 0.0, inv_sig = rnd ? 1.0 / sigma_alpha(q) : 1.0;
    for (int i = grp.rank(); i < K; i += grp.size()) {
      const double va = q[A + i];
      if (!rnd) {
        double ga_prior;
        prior_lpdf_grad(alpha_prior(), va, &ga_prior);
        slopes[i] = grad[A + i] - ga_prior;
      } else {
        const EffectAt aat = random_effect_at(alpha_centred(i), va, mu_a, inv_sig * inv_sig, alpha_data(i));
        slopes[i] = likelihood_slope(alpha_centred(i), aat, va, mu_a, inv_sig * inv_sig, grad[A + i]);
      }
      const double vd = q[Dl + i], m = linear_predictor(q, i);
      const EffectAt dat = random_effect_at(centred[i], vd, m, inv_tau2, delta_data(i));
      slopes[K + i] = likelihood_slope(centred[i], dat, vd, m, inv_tau2, grad[Dl + i]);
    }
  }

  // The gradient at q given the likelihood's slopes at q's effects: after a move that keeps
  // every alpha_i and delta_i (models/block_gibbs.hpp), the slopes taken before it. Returns
  // false where the gradient is not finite.
  template <class G = SerialGroup>
  HBM_HD bool gradient_with_slopes(CVec q, Vec grad, CVec slopes, const G& grp = G{}) const {
    eval<false>(q, grad, grp, slopes);
    return all_finite(grad, dim(), grp);
  }

 private:
  // Lane r of the group takes studies r, r + size, ...; lane 0 also takes the priors. Their
  // partial sums are combined by the group's sum; with one lane this is the serial loop,
  // additions in the same order. `slopes` (gradient only): the likelihood's slopes, read instead
  // of evaluated (likelihood_slopes).
  template <bool kValue, class G>
  HBM_HD double eval(CVec q, Vec grad, const G& grp, CVec slopes = nullptr) const {
    grp.sync();  // q may have been written by other lanes
    const int lane = grp.rank(), lanes = grp.size();
    const double mu = q[0];
    const CVec beta = q + 2;
    // d/dbeta: in place with one lane; per-lane partial sums otherwise (P <= kMaxGroupCovariates).
    double gb_lane[G::kSerial ? 1 : kMaxGroupCovariates];
    const Vec gbeta = G::kSerial ? grad + 2 : Vec(gb_lane);
    const bool rnd = random_baseline();
    const int A = alpha_offset(), Dl = A + K;
    const TauTransform tt = tau_transform(tau_prior(), q[1]);
    const double tau = tt.tau;
    const double inv_tau = 1.0 / tau, inv_tau2 = inv_tau * inv_tau;
    const double log_tau = kValue ? std::log(tau) : 0.0;
    double dmu = 0.0, dtau = 0.0, lp = 0.0;

    double dprior;
    if (lane == 0) {
      lp += prior_lpdf_grad(mu_prior(), mu, &dprior);
      dmu += dprior;
      lp += prior_lpdf_grad(tau_prior(), tau, &dprior);
      dtau += dprior;
      lp += coefficient_priors_lpdf_grad<kValue>(prior_beta, P, beta, gbeta);
    } else {
      for (int j = 0; j < P; ++j) gbeta[j] = 0.0;
    }

    // Random baselines: hyperparameters (mu_a, sigma_a) and their priors. Unused otherwise.
    double mu_a = 0.0, sig = 1.0, inv_sig = 1.0, log_sig = 0.0, dmu_a = 0.0, dsig = 0.0;
    TauTransform st{1.0, 0.0, 0.0, 0.0};
    if (rnd) {
      mu_a = q[2 + P];
      st = tau_transform(sigma_alpha_prior(), q[3 + P]);
      sig = st.tau;
      inv_sig = 1.0 / sig;
      log_sig = kValue ? std::log(sig) : 0.0;
      if (lane == 0) {
        lp += prior_lpdf_grad(mu_alpha_prior(), mu_a, &dprior);
        dmu_a += dprior;
        lp += prior_lpdf_grad(sigma_alpha_prior(), sig, &dprior);
        dsig += dprior;
        lp += st.log_jac;
      }
    }

    for (int i = lane; i < K; i += lanes) {
      // Control-arm logit alpha_i and its prior term.
      const double va = q[A + i];
      double alpha;
      double ga_prior = 0.0;  // independent baselines: d (baseline prior term) / d va
      EffectData ad;
      EffectAt aat{};
      if (!rnd) {
        alpha = va;
        lp += prior_lpdf_grad(alpha_prior(), va, &ga_prior);
      } else {
        ad = alpha_data(i);
        aat = random_effect_at(alpha_centred(i), va, mu_a, inv_sig * inv_sig, ad);
        alpha = aat.e;
      }

      // Log odds ratio delta_i and its random-effect term.
      const double vd = q[Dl + i];
      const double m = mu + covariate_dot(x, P, i, beta);
      const EffectData dd = delta_data(i);
      const EffectAt dat = random_effect_at(centred[i], vd, m, inv_tau2, dd);
      const double delta = dat.e;

      // Both arms' likelihoods: control at alpha, treatment at alpha + delta.
      double gc, gt;  // d/d(logit) of each arm's log-likelihood
      double galpha;  // d log-lik / d alpha_i = gc + gt; gt is d log-lik / d delta_i
      if (kValue) {
        lp += binomial_logit_lpmf_grad(yc[i], nc[i], alpha, &gc);
        lp += binomial_logit_lpmf_grad(yt[i], nt[i], alpha + delta, &gt);
        galpha = gc + gt;
      } else if (slopes) {
        galpha = slopes[i];
        gt = slopes[K + i];
      } else {
        gc = binomial_logit_grad(yc[i], nc[i], alpha);
        gt = binomial_logit_grad(yt[i], nt[i], alpha + delta);
        galpha = gc + gt;
      }

      if (!rnd) {
        grad[A + i] = galpha + ga_prior;
      } else {
        const RandomEffectGrad ra =
            random_effect_grad<kValue>(alpha_centred(i), aat, va, mu_a, inv_sig, log_sig, galpha, lp, ad);
        grad[A + i] = ra.dv;
        dmu_a += ra.dm;
        dsig += ra.ds;
      }

      const RandomEffectGrad rd = random_effect_grad<kValue>(centred[i], dat, vd, m, inv_tau, log_tau, gt, lp, dd);
      grad[Dl + i] = rd.dv;
      const double dm = rd.dm;  // d log p / d m_i, m_i = mu + x_i' beta
      dtau += rd.ds;
      dmu += dm;
      covariate_add_scaled(x, P, i, dm, gbeta);
    }

    combine_study_sums<kValue>(grp, lp, dmu, dtau, gbeta, P, grad + 2);
    if (!G::kSerial && rnd) {
      dmu_a = grp.sum(dmu_a);
      dsig = grp.sum(dsig);
    }
    lp += tt.log_jac;
    if (lane == 0) {
      grad[0] = dmu;
      grad[1] = dtau * tt.dtau_ds + tt.dlogjac_ds;
      if (rnd) {
        grad[2 + P] = dmu_a;
        grad[3 + P] = dsig * st.dtau_ds + st.dlogjac_ds;
      }
    }
    grp.sync();  // the whole gradient, for every lane
    if (kValue) return finite_or_zero(lp, grad, dim(), grp);
    return lp;
  }
};

}  // namespace hbm
