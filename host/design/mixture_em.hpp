// Fitting a beta mixture to draws of a rate (the MAP prior's draws, p_new) by EM, choosing the
// number of components by AIC as RBesT's automixfit does, and measuring how well the mixture
// reproduces the draws.
//
// EM: responsibilities in the E-step; in the M-step each component's weighted beta MLE, which
// depends on the draws only through the weighted means of log p and log(1 - p), found by Newton
// on (log(a - 1), log(b - 1)): a, b >= 1 as RBesT's EM does by default (constrain_gt1), so every
// component is unimodal and the ELIR effective sample size (host/design/prior_ess.hpp) is finite.
// Initialisation is deterministic: k-means (Lloyd) on the logit draws started at the draws'
// (j - 1/2)/K quantiles, each cluster's moments giving its beta.
#pragma once
#include <vector>

#include "host/design/beta_mixture.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm::design {

struct MixtureFit {
  BetaMixture mix;
  double log_lik = 0;  // sum over draws of log mixture density
  double aic = 0;      // -2 log_lik + penalty x (3K - 1)
  int iterations = 0;
  bool converged = false;
};

// RBesT's automixfit penalises each parameter by 6 (AIC(fit, k = 6)), not 2: fewer
// components for the same fit, since many draws make small gains in likelihood look significant.
inline constexpr double kAicPenalty = 6.0;

// EM with K components on draws in (0, 1) (values at 0 or 1 are moved inside by 1e-15), until the
// log likelihood gains less than tol per draw in an iteration (1e-7 x 16,000 draws = 0.0016, far
// below the AIC's unit of 6) or max_iterations. Throws
// std::invalid_argument for fewer than 10 K draws or a value outside [0, 1].
MixtureFit fit_beta_mixture(const std::vector<double>& draws, int K, int max_iterations = 500, double tol = 1e-7);

// Fits K = 1..max_components (one pool task each when a pool is given; the fits do not depend
// on it) and returns the one with the smallest AIC (ties: fewer components); *all (optional)
// receives every fit, in order of K.
MixtureFit auto_mixture_fit(const std::vector<double>& draws, int max_components = 4,
                            std::vector<MixtureFit>* all = nullptr, ThreadPool* pool = nullptr);

// How well a mixture reproduces draws: the Kolmogorov-Smirnov distance sup |F_draws - F_mix|, and
// the draws' (type 7) and the mixture's 2.5%, 50%, 97.5% quantiles.
struct MixtureAccuracy {
  double ks = 0;
  double draws_q[3] = {0, 0, 0}, mixture_q[3] = {0, 0, 0};
};
inline constexpr double kAccuracyProbs[3] = {0.025, 0.5, 0.975};
MixtureAccuracy mixture_accuracy(const std::vector<double>& draws, const BetaMixture& mix);

}  // namespace hbm::design
