// One HMC transition with a diagonal metric and a fixed number of leapfrog steps, written once
// for the CPU backend (host/cpu_sampler.cpp) and the CUDA kernels (cuda/). Step size, metric
// and step count come from the caller's adaptation; all randomness comes from counter-based
// streams keyed by (seed, stream, chain, iteration), so a chain's path does not depend on
// which thread or GPU lane runs it.
//
// The proposal (end point and its velocity) is returned in the work buffers whether or not it
// is accepted: the ChEES trajectory-length adaptation needs it (host/chees_adapter.cpp).
#pragma once
#include <cmath>
#include <cstdint>

#include "models/hd.hpp"
#include "models/philox.hpp"

namespace hbm {

// A model provides dim(), log_density_grad(q, grad) -> log density (writes the gradient), and
// gradient(q, grad) -> false when not finite.

// Caller-owned buffers of length dim each.
struct HmcWork {
  double* p;       // momentum
  double* q_prop;  // proposal position
  double* g_prop;  // gradient at the proposal
};

struct HmcStepInfo {
  double accept_prob;  // min(1, exp(-dH)); 0 for a divergent trajectory
  double energy;       // Hamiltonian at the start (for E-BFMI)
  int divergent;       // energy error above the threshold or a non-finite value
  int accepted;
};

// Leapfrog trajectories whose energy error exceeds this are divergent (Stan's threshold).
constexpr double kDivergenceThreshold = 1000.0;

// q, g and logp hold the current state and are updated in place on acceptance.
template <class Model>
HBM_HD HmcStepInfo hmc_transition(const Model& model, double* q, double* g, double& logp,
                                  const double* inv_metric, double eps, int n_steps,
                                  std::uint64_t seed, std::uint32_t stream, std::uint32_t chain,
                                  std::uint32_t iteration, HmcWork w) {
  const int D = model.dim();
  RngStream mom(seed, stream, chain, iteration, RngPurpose::Momentum);
  mom.normals(w.p, D);
  double kinetic0 = 0.0;
  for (int j = 0; j < D; ++j) {
    w.p[j] /= std::sqrt(inv_metric[j]);  // p ~ N(0, M), M = diag(1 / inv_metric)
    kinetic0 += 0.5 * inv_metric[j] * w.p[j] * w.p[j];
    w.q_prop[j] = q[j];
    w.g_prop[j] = g[j];
  }
  const double H0 = kinetic0 - logp;

  // Leapfrog steps need only gradients (model.gradient() skips every log term); the log
  // density is evaluated once, at the end point, for the accept step.
  bool finite = true;
  for (int step = 0; step < n_steps && finite; ++step) {
    for (int j = 0; j < D; ++j) {
      w.p[j] += 0.5 * eps * w.g_prop[j];
      w.q_prop[j] += eps * inv_metric[j] * w.p[j];
    }
    finite = model.gradient(w.q_prop, w.g_prop);
    for (int j = 0; j < D; ++j) w.p[j] += 0.5 * eps * w.g_prop[j];
  }
  double lp = -INFINITY;
  if (finite) lp = model.log_density_grad(w.q_prop, w.g_prop);

  HmcStepInfo info;
  info.energy = H0;
  double H1 = INFINITY;
  if (std::isfinite(lp)) {
    double kin = 0.0;
    for (int j = 0; j < D; ++j) kin += 0.5 * inv_metric[j] * w.p[j] * w.p[j];
    H1 = kin - lp;
  }
  const double dH = H1 - H0;
  info.divergent = !(dH <= kDivergenceThreshold);  // also true for NaN
  info.accept_prob = info.divergent ? 0.0 : (dH <= 0 ? 1.0 : std::exp(-dH));

  RngStream acc(seed, stream, chain, iteration, RngPurpose::Accept);
  const double u = acc.uniform();
  info.accepted = u < info.accept_prob;
  if (info.accepted) {
    for (int j = 0; j < D; ++j) {
      q[j] = w.q_prop[j];
      g[j] = w.g_prop[j];
    }
    logp = lp;
  }
  return info;
}

}  // namespace hbm
