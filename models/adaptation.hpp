// The scalar state of the warmup adaptation shared by all chains of one outcome, for the
// batched engine that runs on CPU threads or in CUDA kernels (host/engine/batch_engine.hpp), where one
// thread updates each outcome's state from statistics reduced across its chains.
//  - Step size: Nesterov dual averaging (Hoffman and Gelman 2014) of a statistic of the
//    chains' acceptance probabilities (their harmonic mean) towards a target.
//  - Trajectory length T: Adam (beta1 = 0) on log T along the gradient of ChEES / T^power
//    (Hoffman, Radul and Sountsov 2021), from the cross-chain sums of chees_terms().
//  - Jitter: iteration t integrates for h_t * T, h_t from the base-2 Halton sequence.
#pragma once
#include <cmath>
#include <cstdint>

#include "models/hd.hpp"
#include "models/strided.hpp"

namespace hbm {

// Exponent of the cost in the criterion ChEES / T^power. Power 1 (ChEES per gradient) chose
// trajectories so short that the hyperparameters random-walked (tau's ESS per gradient fell on
// pritz1997 and rare events); power 0 (plain ChEES) drifted to 25-80 leapfrog steps on large-n
// and rare-event data with no gain in ESS. Measured over 34 fits (pritz1997, hannum2020,
// large_n, rare_events and the 13 bundled outcomes, 2 seeds each), the geometric mean of
// min(ESS mu, ESS tau) per leapfrog step was 496 (power 0), 772 (0.25), 938 (0.5), 829 (0.75).
constexpr double kCostPower = 0.5;

HBM_HD double clamp_double(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

// Base-2 van der Corput / Halton point for index i >= 1, in (0, 1).
HBM_HD double halton_base2(std::uint64_t i) {
  double f = 0.5, r = 0.0;
  while (i > 0) {
    r += f * static_cast<double>(i & 1u);
    i >>= 1;
    f *= 0.5;
  }
  return r;
}

// Leapfrog steps of iteration `it` (0-based) for trajectory length T: the same for every chain.
HBM_HD int jittered_steps(int it, double T, double eps, int max_steps) {
  const double h = halton_base2(static_cast<std::uint64_t>(it) + 1);
  const double L = std::ceil(h * T / eps);
  return L < 1.0 ? 1 : (L > max_steps ? max_steps : static_cast<int>(L));
}

struct DualAveraging {
  double target = 0.8, eps = 0.1, mu = 0, h_bar = 0, log_eps_bar = 0;
  int t = 0;

  HBM_HD void restart(double e) {
    eps = e;
    mu = std::log(10.0 * e);
    h_bar = 0;
    log_eps_bar = std::log(e);
    t = 0;
  }
  // stat: this iteration's acceptance statistic; returns the next step size.
  HBM_HD double update(double stat) {
    const double gamma = 0.05, t0 = 10.0, kappa = 0.75;
    ++t;
    const double w = 1.0 / (t + t0);
    h_bar = (1.0 - w) * h_bar + w * (target - stat);
    const double log_eps = mu - std::sqrt(static_cast<double>(t)) / gamma * h_bar;
    const double eta = std::pow(static_cast<double>(t), -kappa);
    log_eps_bar = eta * log_eps + (1.0 - eta) * log_eps_bar;
    eps = std::exp(clamp_double(log_eps, -30.0, 5.0));
    return eps;
  }
  // The dual-averaging iterate average: the step size to sample with.
  HBM_HD double averaged() const { return std::exp(clamp_double(log_eps_bar, -30.0, 5.0)); }
};

// Harmonic mean of acceptance probabilities from the sum of their inverses (each floored at
// 1e-10): one chain stuck at low acceptance pulls the step size down, which is what we want
// when all chains share one step size. Chosen by measurement over the arithmetic mean (Stan's
// per-chain statistic), a floor of 0.1 on each chain's acceptance and a per-chain moving average
// of it, on the bundled outcomes, pritz1997, hannum2020, rare_events, large_n, bcg, nielweise2007
// and one to three studies (2026-12-02): the others raised the step size and then diverged
// (arithmetic mean: 28 divergences on rare_events, 60 on nielweise2007;
// moving average: 117 on icsi_malformation), and lost ESS of tau per second on the sparse data
// (floor: -32% on rare_events, -37% on nielweise2007); the harmonic mean had no divergence after
// warmup on any of them. Its cost: a density with a non-finite region drives the step size down
// (tests/non_finite_test.cpp), as every chain that meets the region accepts nothing.
HBM_HD double harmonic_accept_stat(double n_chains, double inv_sum) { return n_chains / inv_sum; }
HBM_HD double inverse_accept(double a) { return 1.0 / (a > 1e-10 ? a : 1e-10); }

// One chain's contributions to the ChEES criterion and its T-derivative, in preconditioned
// coordinates, given the centres c0 (mean of the start points) and c1 (acceptance-weighted mean
// of the proposals). With d = |x1 - c1|^2 - |x0 - c0|^2: ChEES_c = d^2 / 4 and
// d ChEES_c / d T = jitter * d * <x1 - c1, v1>; both weighted by the acceptance probability.
// A proposal with zero acceptance (possibly non-finite) contributes nothing.
struct CheesTerms {
  double dchees = 0, chees = 0;
};
HBM_HD CheesTerms chees_terms(int dim, CVec x0, CVec x1, CVec v1, const double* c0,
                              const double* c1, double accept, double jitter) {
  CheesTerms t;
  if (!(accept > 0)) return t;
  double d1 = 0, d0 = 0, dot = 0;
  for (int j = 0; j < dim; ++j) {
    const double a = x1[j] - c1[j];
    const double b = x0[j] - c0[j];
    d1 += a * a;
    d0 += b * b;
    dot += a * v1[j];
  }
  t.dchees = accept * jitter * (d1 - d0) * dot;
  t.chees = accept * 0.25 * (d1 - d0) * (d1 - d0);
  return t;
}

struct ChEESAdam {
  double log_T = 0, lr = 0.025;
  double v = 0;  // Adam second moment (beta1 = 0)
  int t = 0;
  double avg_sum = 0;
  int avg_n = 0;

  HBM_HD double T() const { return std::exp(log_T); }
  // The criterion is ChEES per unit of cost, ChEES(T) / T^power (as in the "ChEES per grad"
  // criterion of Hoffman and Sountsov's fun_mc): plain ChEES is periodic in T and gradient
  // ascent can climb to spurious maxima at very long trajectories; dividing by the cost removes
  // them. d log(ChEES / T^power) / d log T = T dChEES/dT / ChEES - power; we ascend
  // T dChEES/dT - power ChEES (same sign; Adam normalises the scale). Sums over chains; wsum is
  // the sum of the acceptance weights.
  HBM_HD void update(double dchees, double chees, double wsum) {
    if (!(wsum > 1e-12)) return;  // nothing accepted: no information on T this iteration
    const double grad = (T() * dchees - kCostPower * chees) / wsum;
    if (!std::isfinite(grad)) return;
    const double beta2 = 0.95;
    ++t;
    v = beta2 * v + (1.0 - beta2) * grad * grad;
    const double v_hat = v / (1.0 - std::pow(beta2, t));
    log_T += lr * grad / (std::sqrt(v_hat) + 1e-300);  // ascent
    avg_sum += log_T;
    ++avg_n;
  }
  HBM_HD void clamp(double lo, double hi) { log_T = clamp_double(log_T, std::log(lo), std::log(hi)); }
  HBM_HD void start_averaging() {
    avg_sum = 0;
    avg_n = 0;
  }
  HBM_HD double averaged_T() const { return avg_n > 0 ? std::exp(avg_sum / avg_n) : T(); }
};

// Stan's regularisation of a window's variance estimate (n draws) towards 1e-3.
HBM_HD double regularised_variance(double n, double var) { return (n / (n + 5.0)) * var + 1e-3 * (5.0 / (n + 5.0)); }

// A study's coordinate is centred when its posterior variance is below this fraction of the
// squared lower range (10% quantile) of the block's scale: when its data pin it ten times more
// tightly than the smallest plausible scale. The data-scaled non-centred form
// (models/random_effect.hpp) already centres itself on the data wherever they pin the effect, so
// centring gains little (forcing every study non-centred changed bulk ESS of tau by under 2% on
// pritz1997, hannum2020, large_n, rare_events and nielweise2007) and costs where the scale reaches
// below the data's precision: with the earlier ratio 0.25, one of two studies under
// half-normal(1) was centred on one seed in five and 46 of 16,000 transitions diverged in the
// centred funnel (tests/few_studies_test.cpp). A centred study is cheaper to evaluate (no square
// root), which is what remains of the choice.
constexpr double kCentreRatio = 0.01;

}  // namespace hbm
