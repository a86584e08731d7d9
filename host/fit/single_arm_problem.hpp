// The single-arm model (models/single_arm.hpp) with its data, as the engine starts it
// (host/engine/batched_run.hpp): one block of study effects theta_i ~ N(mu + x_i' beta, tau^2), each
// chain's initial point, the initial metric and the data's first guess of each study's
// parametrisation. Outputs per draw: mu, tau, beta_1..beta_P, theta_1..theta_K.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "host/engine/effect_block.hpp"
#include "host/fit/initial_values.hpp"
#include "models/adaptation.hpp"
#include "models/philox.hpp"
#include "models/single_arm.hpp"

namespace hbm {

class SingleArmProblem {
 public:
  using Model = SingleArmModel;

  SingleArmProblem(std::vector<double> y, std::vector<double> n, std::vector<double> x, int P, Prior prior_mu,
                   Prior prior_tau, std::vector<Prior> prior_beta)
      : y_(std::move(y)), n_(std::move(n)), x_(std::move(x)), prior_beta_(std::move(prior_beta)) {
    K_ = static_cast<int>(y_.size());
    model_.K = K_;
    model_.P = P;
    model_.prior_mu = prior_mu;
    model_.prior_tau = prior_tau;
    for (int i = 0; i < K_; ++i) {
      e_.push_back(empirical_logit(y_[i], n_[i]));
      const EffectData d = empirical_logit_data(y_[i], n_[i]);
      y_hat_.push_back(d.y_hat);
      lambda_.push_back(d.lambda);
    }
    init_ = initial_fit(e_, x_.data(), P, prior_tau);
    block_.offset = model_.study_offset();
    block_.centred.assign(K_, 0);
    sync_model();
  }

  const Model& model() const { return model_; }
  int dim() const { return model_.dim(); }
  int n_blocks() const { return 1; }
  EffectBlock& block(int) { return block_; }
  void sync_model() {
    model_.y = y_.data();
    model_.n = n_.data();
    model_.x = x_.empty() ? nullptr : x_.data();
    model_.prior_beta = prior_beta_.empty() ? nullptr : prior_beta_.data();
    model_.centred = block_.centred.data();
    model_.y_hat = y_hat_.data();
    model_.lambda = lambda_.data();
  }
  double effect_loc(const double* q, int b, int i) const { return model_.effect_loc(q, b, i); }
  double effect_scale(const double* q, int b) const { return model_.effect_scale(q, b); }
  bool initial_centred(int, int i) const { return e_[i].v < kCentreRatio * init_.tau * init_.tau; }

  void initial_point(RngStream& rng, double* q) const {
    const int P = model_.P, D = dim();
    std::vector<double> z(D);
    rng.normals(z.data(), D);
    q[0] = init_.b[0] + 0.3 * z[0];
    q[1] = tau_to_unconstrained(model_.prior_tau, init_.tau * std::exp(0.3 * z[1]));
    for (int j = 0; j < P; ++j) q[2 + j] = init_.b[1 + j] + 0.3 * std::sqrt(init_.var[1 + j]) * z[2 + j];
    const double tau = model_.tau(q);
    for (int i = 0; i < K_; ++i) {
      const double m = model_.linear_predictor(q, i);
      const double prec = 1 / e_[i].v + 1 / (tau * tau);
      const double theta = (e_[i].y / e_[i].v + m / (tau * tau)) / prec + 0.5 * z[2 + P + i] / std::sqrt(prec);
      q[2 + P + i] = block_coordinate(model_, 0, i, block_.centred[i] != 0, theta, m, tau);
    }
  }

  std::vector<double> initial_inv_metric() const {
    const int P = model_.P;
    std::vector<double> m(dim());
    m[0] = std::clamp(init_.var[0], 1e-6, 4.0);
    m[1] = std::clamp(2.0 / std::max(K_, 1), 0.02, 1.0);
    for (int j = 0; j < P; ++j) m[2 + j] = std::clamp(init_.var[1 + j], 1e-6, 4.0);
    const double t2 = init_.tau * init_.tau;
    for (int i = 0; i < K_; ++i) {
      // A non-centred coordinate is the effect scaled by this same conditional sd
      // (models/random_effect.hpp), so its variance starts at 1.
      const double post_var = 1.0 / (1.0 / e_[i].v + 1.0 / t2);
      m[2 + P + i] = block_.centred[i] ? post_var : 1.0;
    }
    return m;
  }

  int n_hyper() const { return model_.n_hyper(); }
  int n_outputs() const { return model_.n_outputs(); }
  void outputs(const double* q, double* out) const { model_.outputs(q, out); }

  // ---- Gibbs: state = outputs = [mu, tau, beta, theta] (models/gibbs_single_arm.hpp) ------
  // The HMC starting point with every study centred, in constrained coordinates.
  void initial_gibbs_state(RngStream& rng, double* s) const {
    initial_point(rng, s);
    s[1] = model_.tau(s);
  }

 private:
  int K_ = 0;
  std::vector<double> y_, n_, x_, y_hat_, lambda_;
  std::vector<Prior> prior_beta_;
  std::vector<EmpiricalEffect> e_;
  InitialFit init_;
  EffectBlock block_;
  Model model_;
};

}  // namespace hbm
