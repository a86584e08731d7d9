// One HMC transition with a diagonal metric and a fixed number of leapfrog steps, written once
// for the engine's step functors (models/batch_steps.hpp) on CPU threads and in CUDA kernels.
// Step size, metric and step count come from the caller's adaptation; all randomness comes from counter-based
// streams keyed by (seed, stream, chain, iteration), so a chain's path does not depend on
// which thread or GPU lane runs it.
//
// The proposal (end point and its velocity) is returned in the work buffers whether or not it
// is accepted: the ChEES trajectory-length adaptation needs it (models/adaptation.hpp).
#pragma once
#include <cmath>
#include <cstdint>

#include "models/group.hpp"
#include "models/hd.hpp"
#include "models/philox.hpp"
#include "models/strided.hpp"

namespace hbm {

// A model provides dim(), log_density_grad(q, grad, group) -> log density (writes the
// gradient), and gradient(q, grad, group) -> false when not finite (models/single_arm.hpp).

// Caller-owned buffers of length dim each (a chain's spans in the engine's arrays).
struct HmcWork {
  Vec p;       // momentum
  Vec q_prop;  // proposal position
  Vec g_prop;  // gradient at the proposal
};

struct HmcStepInfo {
  double accept_prob;  // min(1, exp(-dH)); 0 for a divergent trajectory
  double energy;       // Hamiltonian at the start (for E-BFMI)
  int divergent;       // energy error above the threshold or a non-finite value
  int accepted;
};

// Leapfrog trajectories whose energy error exceeds this are divergent (Stan's threshold).
constexpr double kDivergenceThreshold = 1000.0;

// The model's gradient and log density with the group; with one lane the plain two-argument
// calls, so a model written without groups (a test's toy model) still runs serially.
template <class Model, class G>
HBM_HD bool group_gradient(const Model& m, CVec q, Vec g, const G& grp) {
  if constexpr (G::kSerial) return m.gradient(q, g);
  else return m.gradient(q, g, grp);
}
template <class Model, class G>
HBM_HD double group_log_density_grad(const Model& m, CVec q, Vec g, const G& grp) {
  if constexpr (G::kSerial) return m.log_density_grad(q, g);
  else return m.log_density_grad(q, g, grp);
}

// q, g and logp hold the current state and are updated in place on acceptance.
//
// With a group of lanes (models/group.hpp) every lane of the group calls this for the same
// chain: lane r owns coordinates r, r + size, ... of q, g and the work buffers, the model's
// gradient splits the studies, and every lane returns the same info and logp (each lane keeps
// its own copy of logp). With one lane it is the plain serial transition.
template <class Model, class Group = SerialGroup>
HBM_HD HmcStepInfo hmc_transition(const Model& model, Vec q, Vec g, double& logp,
                                  const double* inv_metric, double eps, int n_steps,
                                  std::uint64_t seed, std::uint32_t stream, std::uint32_t chain,
                                  std::uint32_t iteration, HmcWork w, const Group& grp = Group{}) {
  const int D = model.dim();
  const int r0 = grp.rank(), R = grp.size();
  RngStream mom(seed, stream, chain, iteration, RngPurpose::Momentum);
  if (Group::kSerial) {
    mom.normals(w.p, D);
  } else {
    for (int j = r0; j < D; j += R) w.p[j] = mom.normal_at(j);  // the same normals as normals()
  }
  double kinetic0 = 0.0;
  for (int j = r0; j < D; j += R) {
    w.p[j] /= std::sqrt(inv_metric[j]);  // p ~ N(0, M), M = diag(1 / inv_metric)
    kinetic0 += 0.5 * inv_metric[j] * w.p[j] * w.p[j];
    w.q_prop[j] = q[j];
    w.g_prop[j] = g[j];
  }
  kinetic0 = grp.sum(kinetic0);
  const double H0 = kinetic0 - logp;

  // Leapfrog steps need only gradients (model.gradient() skips every log term); the last one
  // evaluates the log density with its gradient, for the accept step.
  bool finite = true;
  double lp = -INFINITY;
  for (int step = 0; step < n_steps && finite; ++step) {
    for (int j = r0; j < D; j += R) {
      w.p[j] += 0.5 * eps * w.g_prop[j];
      w.q_prop[j] += eps * inv_metric[j] * w.p[j];
    }
    if (step + 1 < n_steps) {
      finite = group_gradient(model, w.q_prop, w.g_prop, grp);
    } else {
      lp = group_log_density_grad(model, w.q_prop, w.g_prop, grp);
      finite = std::isfinite(lp);  // -inf (and a zero gradient) where anything is not finite
    }
    for (int j = r0; j < D; j += R) w.p[j] += 0.5 * eps * w.g_prop[j];
  }
  if (!finite) lp = -INFINITY;

  HmcStepInfo info;
  info.energy = H0;
  double H1 = INFINITY;
  if (std::isfinite(lp)) {
    double kin = 0.0;
    for (int j = r0; j < D; j += R) kin += 0.5 * inv_metric[j] * w.p[j] * w.p[j];
    H1 = grp.sum(kin) - lp;
  }
  const double dH = H1 - H0;
  info.divergent = !(dH <= kDivergenceThreshold);  // also true for NaN
  info.accept_prob = info.divergent ? 0.0 : (dH <= 0 ? 1.0 : std::exp(-dH));

  RngStream acc(seed, stream, chain, iteration, RngPurpose::Accept);
  const double u = acc.uniform();
  info.accepted = u < info.accept_prob;
  if (info.accepted) {
    for (int j = r0; j < D; j += R) {
      q[j] = w.q_prop[j];
      g[j] = w.g_prop[j];
    }
    logp = lp;
  }
  return info;
}

}  // namespace hbm
