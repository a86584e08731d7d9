// Warmup adaptation shared by all chains of one outcome (Hoffman, Radul and Sountsov 2021,
// "An adaptive MCMC scheme for setting trajectory lengths in Hamiltonian Monte Carlo"):
//  - one step size for all chains, by Nesterov dual averaging (Hoffman and Gelman 2014) of the
//    harmonic mean of the chains' acceptance probabilities towards a target;
//  - one trajectory length T, by Adam on log T following the gradient of the ChEES criterion
//    (change in the squared distance from the centre of the chains) estimated across chains;
//  - jittered trajectories: iteration t integrates for h_t * T, h_t from the base-2 Halton
//    sequence, which keeps the chains from falling into periodic orbits.
// All reductions run in chain order, so the adaptation is deterministic for any thread count.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

namespace hbm {

// Base-2 van der Corput / Halton point for index i >= 1, in (0, 1).
double halton_base2(std::uint64_t i);

class StepSizeAdapter {
 public:
  explicit StepSizeAdapter(double target = 0.8) : target_(target) {}
  void restart(double eps);
  // Feed the acceptance probabilities of all chains for one iteration; returns the next step size.
  double update(const std::vector<double>& accept_probs);
  double current() const { return eps_; }
  double averaged() const;  // the dual-averaging iterate average: the step size to sample with

 private:
  double target_, eps_ = 0.1, mu_ = 0, h_bar_ = 0, log_eps_bar_ = 0;
  int t_ = 0;
};

class TrajectoryAdapter {
 public:
  TrajectoryAdapter(double T0, double learning_rate = 0.025) : log_T_(std::log(T0)), lr_(learning_rate) {}
  // chains x dim arrays, row-major, in preconditioned coordinates (q / sqrt(inv_metric)):
  // start positions, proposals, and the proposals' velocities. `jitter` is this iteration's h_t.
  void update(int chains, int dim, const std::vector<double>& x0, const std::vector<double>& x1,
              const std::vector<double>& v1, const std::vector<double>& accept_probs, double jitter);
  double T() const;
  void clamp(double lo, double hi);
  void start_averaging() { avg_sum_ = 0; avg_n_ = 0; }
  double averaged_T() const;

 private:
  double log_T_, lr_;
  double v_ = 0;  // Adam second moment (beta1 = 0)
  int t_ = 0;
  double avg_sum_ = 0;
  int avg_n_ = 0;
};

}  // namespace hbm
