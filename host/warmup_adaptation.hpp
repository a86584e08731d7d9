// Warmup adaptation shared by all chains of one outcome (Hoffman, Radul and Sountsov 2021,
// "An adaptive MCMC scheme for setting trajectory lengths in Hamiltonian Monte Carlo"):
//  - one step size for all chains, by Nesterov dual averaging (Hoffman and Gelman 2014) of the
//    harmonic mean of the chains' acceptance probabilities towards a target;
//  - one trajectory length T, by Adam on log T following the gradient of the ChEES criterion
//    (change in the squared distance from the centre of the chains) estimated across chains;
//  - jittered trajectories: iteration t integrates for h_t * T, h_t from the base-2 Halton
//    sequence, which keeps the chains from falling into periodic orbits.
// All reductions run in chain order, so the adaptation is deterministic for any thread count.
// The scalar updates themselves are models/adaptation.hpp, shared with the batched engine.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "models/adaptation.hpp"

namespace hbm {

class StepSizeAdapter {
 public:
  explicit StepSizeAdapter(double target = 0.8) { da_.target = target; }
  void restart(double eps) { da_.restart(eps); }
  // Feed the acceptance probabilities of all chains for one iteration; returns the next step size.
  double update(const std::vector<double>& accept_probs);
  double current() const { return da_.eps; }
  double averaged() const { return da_.averaged(); }  // the step size to sample with

 private:
  DualAveraging da_;
};

class TrajectoryAdapter {
 public:
  TrajectoryAdapter(double T0, double learning_rate = 0.025) {
    adam_.log_T = std::log(T0);
    adam_.lr = learning_rate;
  }
  // chains x dim arrays, row-major, in preconditioned coordinates (q / sqrt(inv_metric)):
  // start positions, proposals, and the proposals' velocities. `jitter` is this iteration's h_t.
  void update(int chains, int dim, const std::vector<double>& x0, const std::vector<double>& x1,
              const std::vector<double>& v1, const std::vector<double>& accept_probs, double jitter);
  double T() const { return adam_.T(); }
  void clamp(double lo, double hi) { adam_.clamp(lo, hi); }
  void start_averaging() { adam_.start_averaging(); }
  double averaged_T() const { return adam_.averaged_T(); }

 private:
  ChEESAdam adam_;
};

}  // namespace hbm
