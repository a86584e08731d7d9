// Single-arm logit-normal random-effects model with optional meta-regression (one outcome,
// K studies, P >= 0 study-level covariates):
//
//   y_i ~ Binomial(n_i, inv_logit(theta_i)),  theta_i ~ Normal(mu + x_i' beta, tau^2),
//   mu ~ prior_mu,  beta_j ~ prior_beta[j] (Normal(m_j, s_j)),  tau ~ prior_tau.
//
// With P = 0 (the default) it is the plain random-effects model theta_i ~ N(mu, tau^2).
// mu is the logit rate of a study with x = 0: the fits centre (and scale) numeric covariates
// before they get here, so that mu is the rate at the covariates' means
// (host/fit/covariate_design.hpp, CovariateScaling); nothing here assumes it.
//
// Unconstrained parameter vector q (dimension K + P + 2):
//   q[0] = mu,
//   q[1] = s (tau = tau_transform(prior_tau, s)),
//   q[2 + j] = beta_j,          j = 0..P-1,
//   q[2 + P + i] = u_i,         i = 0..K-1,
// where each study is either non-centred, theta_i = mu + x_i' beta + tau * u_i with
// u_i ~ N(0, 1), or centred, theta_i = u_i ~ N(mu + x_i' beta, tau^2); the choice is per study
// (`centred`). Non-centred suits small studies (the data say little and the funnel in
// (u, tau) is mild); centred suits large studies (n in the tens of thousands), whose likelihood
// pins theta_i so tightly that non-centred coordinates would be strongly correlated with mu and
// tau. The engine chooses per study during warmup (models/batch_steps.hpp, ChooseMetric).
// Covariates: row-major x[i * P + j] (models/regression.hpp).
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

// The priors of mu and tau, as the batched engine keeps them: one per outcome of a batch
// (models/batch_views.hpp).
struct SingleArmHyperPriors {
  Prior mu, tau;
};

struct SingleArmModel {
  int K = 0;
  int P = 0;                              // number of covariates (may be 0)
  const double* y = nullptr;              // events, as double (exact up to 2^53)
  const double* n = nullptr;              // totals
  const double* x = nullptr;              // K x P covariates, row-major; may be null when P = 0
  const std::uint8_t* centred = nullptr;  // 1 = centred, 0 = non-centred, per study
  // Each study's Gaussian approximation of its likelihood (models/random_effect.hpp), computed
  // once by the caller; null: computed from y and n where needed.
  const double* y_hat = nullptr;
  const double* lambda = nullptr;
  Prior prior_mu;
  Prior prior_tau;
  const Prior* prior_beta = nullptr;      // P priors, one per coefficient
  // Where the batched engine's models read mu's and tau's priors: the batch's per-outcome array
  // (models/batch_views.hpp), read at each use instead of copied into prior_mu and prior_tau. A
  // copy would sit in registers for the whole of a GPU kernel's sampling loop, five per prior (the
  // loads cannot be moved out of the loop, so nothing is held: docs/benchmarks.md). Null (host
  // code only, priors.hpp prior_at): the two fields above.
  const SingleArmHyperPriors* hyper = nullptr;
  HBM_HD Prior mu_prior() const { return prior_at(hyper ? &hyper->mu : nullptr, prior_mu); }
  HBM_HD Prior tau_prior() const { return prior_at(hyper ? &hyper->tau : nullptr, prior_tau); }

  HBM_HD int dim() const { return K + P + 2; }
  HBM_HD int study_offset() const { return 2 + P; }

  // mu + x_i' beta at q: study i's expected logit rate before its random effect.
  HBM_HD double linear_predictor(CVec q, int i) const {
    return q[0] + covariate_dot(x, P, i, q + 2);
  }

  // tau at q.
  HBM_HD double tau(CVec q) const { return tau_transform(tau_prior(), q[1]).tau; }

  // Study i's Gaussian approximation of its likelihood (the non-centred form's scaling,
  // models/random_effect.hpp).
  HBM_HD EffectData study_data(int i) const {
    return y_hat ? EffectData{y_hat[i], lambda[i]} : empirical_logit_data(y[i], n[i]);
  }

  // Study i's theta at q, given tau = tau(q).
  HBM_HD double theta(CVec q, int i, double tau) const {
    return random_effect_value(centred[i], q[2 + P + i], linear_predictor(q, i), tau, study_data(i));
  }

  // ---- the study effects as a sampler sees them: one block of K normal random effects
  // theta_i ~ N(effect_loc, effect_scale^2) at q[block_offset + i], each centred or not ----
  HBM_HD int n_blocks() const { return 1; }
  HBM_HD int block_offset(int) const { return study_offset(); }
  HBM_HD double effect_loc(CVec q, int, int i) const { return linear_predictor(q, i); }
  HBM_HD double effect_scale(CVec q, int) const { return tau(q); }
  HBM_HD bool flag(int, int i) const { return centred[i] != 0; }
  // Study i's Gaussian approximation of its likelihood, which scales its non-centred form
  // (models/random_effect.hpp: random_effect_value and random_effect_coordinate take it).
  HBM_HD EffectData effect_data(int, int i) const { return study_data(i); }
  // The block's intercept mu (q[0]) and scale tau (q[1]) with their priors
  // (models/block_gibbs.hpp).
  HBM_HD int location_index(int) const { return 0; }
  HBM_HD Prior location_prior(int) const { return mu_prior(); }
  HBM_HD int scale_index(int) const { return 1; }
  HBM_HD Prior scale_prior(int) const { return tau_prior(); }

  // Per-draw outputs: mu, tau, beta_1..beta_P (the n_hyper() hyperparameters), then theta_1..K.
  HBM_HD int n_hyper() const { return 2 + P; }
  HBM_HD int n_outputs() const { return 2 + P + K; }
  // With a group of lanes, lane 0 writes the hyperparameters and lane r the studies r, r + size,
  // ... (each value is computed as with one lane).
  template <class G = SerialGroup>
  HBM_HD void outputs(CVec q, Vec out, const G& grp = G{}) const {
    const double t = tau(q);
    if (grp.rank() == 0) {
      out[0] = q[0];
      out[1] = t;
      for (int j = 0; j < P; ++j) out[2 + j] = q[2 + j];
    }
    for (int i = grp.rank(); i < K; i += grp.size()) out[2 + P + i] = theta(q, i, t);
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

  // The likelihood's slopes d log-lik / d theta_i at q (K doubles; each lane writes its own
  // studies'), recovered from the gradient `grad` at q without evaluating the likelihood
  // (models/random_effect.hpp, likelihood_slope).
  template <class G = SerialGroup>
  HBM_HD void likelihood_slopes(CVec q, CVec grad, Vec slopes, const G& grp = G{}) const {
    const double inv_tau = 1.0 / tau(q), inv_tau2 = inv_tau * inv_tau;
    const int off = study_offset();
    for (int i = grp.rank(); i < K; i += grp.size()) {
      const double m = linear_predictor(q, i), v = q[off + i];
      const EffectData sd = study_data(i);
      const EffectAt at = random_effect_at(centred[i], v, m, inv_tau2, sd);
      slopes[i] = likelihood_slope(centred[i], at, v, m, inv_tau2, grad[off + i]);
    }
  }

  // The gradient at q given the likelihood's slopes at q's study effects: after a move that
  // keeps every theta_i (models/block_gibbs.hpp), the slopes taken before it. Returns false
  // where the gradient is not finite.
  template <class G = SerialGroup>
  HBM_HD bool gradient_with_slopes(CVec q, Vec grad, CVec slopes, const G& grp = G{}) const {
    eval<false>(q, grad, grp, slopes);
    return all_finite(grad, dim(), grp);
  }

 private:
  // Lane r of the group takes studies r, r + size, ...; lane 0 also takes the priors. Their
  // partial sums (log density, d/dmu, d/dtau, d/dbeta) are combined by the group's sum; with
  // one lane this is the serial loop, additions in the same order. `slopes` (gradient only):
  // the likelihood's slopes, read instead of evaluated (likelihood_slopes).
  template <bool kValue, class G>
  HBM_HD double eval(CVec q, Vec grad, const G& grp, CVec slopes = nullptr) const {
    grp.sync();  // q may have been written by other lanes
    const int lane = grp.rank(), lanes = grp.size();
    const double mu = q[0];
    const CVec beta = q + 2;
    // d/dbeta: in place with one lane; per-lane partial sums otherwise (P <= kMaxGroupCovariates).
    double gb_lane[G::kSerial ? 1 : kMaxGroupCovariates];
    const Vec gbeta = G::kSerial ? grad + 2 : Vec(gb_lane);
    const int off = 2 + P;
    const TauTransform tt = tau_transform(tau_prior(), q[1]);
    const double tau = tt.tau;
    const double inv_tau = 1.0 / tau, inv_tau2 = inv_tau * inv_tau;
    const double log_tau = kValue ? std::log(tau) : 0.0;
    double dmu = 0.0, dtau = 0.0, lp = 0.0;

    if (lane == 0) {
      double dprior;
      lp += prior_lpdf_grad(mu_prior(), mu, &dprior);
      dmu += dprior;
      lp += prior_lpdf_grad(tau_prior(), tau, &dprior);
      dtau += dprior;
      lp += coefficient_priors_lpdf_grad<kValue>(prior_beta, P, beta, gbeta);
    } else {
      for (int j = 0; j < P; ++j) gbeta[j] = 0.0;
    }

    for (int i = lane; i < K; i += lanes) {
      const double u = q[off + i];
      const double m = mu + covariate_dot(x, P, i, beta);
      const EffectData sd = study_data(i);
      const EffectAt at = random_effect_at(centred[i], u, m, inv_tau2, sd);
      const double theta = at.e;
      double dtheta;
      if (kValue) {
        lp += binomial_logit_lpmf_grad(y[i], n[i], theta, &dtheta);
      } else {
        dtheta = slopes ? slopes[i] : binomial_logit_grad(y[i], n[i], theta);
      }
      const RandomEffectGrad re = random_effect_grad<kValue>(centred[i], at, u, m, inv_tau, log_tau, dtheta, lp, sd);
      grad[off + i] = re.dv;
      const double dm = re.dm;  // d log p / d m_i, m_i = mu + x_i' beta
      dtau += re.ds;
      dmu += dm;
      covariate_add_scaled(x, P, i, dm, gbeta);
    }
    combine_study_sums<kValue>(grp, lp, dmu, dtau, gbeta, P, grad + 2);
    lp += tt.log_jac;
    if (lane == 0) {
      grad[0] = dmu;
      grad[1] = dtau * tt.dtau_ds + tt.dlogjac_ds;
    }
    grp.sync();  // the whole gradient, for every lane
    if (kValue) return finite_or_zero(lp, grad, dim(), grp);
    return lp;
  }
};

}  // namespace hbm
