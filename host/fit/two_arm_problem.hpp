// The two-arm model (models/two_arm.hpp) with its data, as the engine starts it
// (host/engine/batched_run.hpp). Blocks: 0 = the study log odds ratios delta_i ~ N(mu + x_i' beta,
// tau^2); 1 (random baselines only) = the control-arm logits alpha_i ~ N(mu_alpha,
// sigma_alpha^2). Independent baselines are plain coordinates.
// Outputs per draw: mu, tau, beta_1..beta_P, [mu_alpha, sigma_alpha], delta_1..delta_K.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "host/engine/effect_block.hpp"
#include "host/fit/initial_values.hpp"
#include "models/adaptation.hpp"
#include "models/philox.hpp"
#include "models/two_arm.hpp"

namespace hbm {

struct TwoArmData {
  std::vector<double> yt, nt, yc, nc;
  std::vector<double> x;  // K x P, row-major
  int P = 0;
};

struct TwoArmPriors {
  Prior mu, tau;
  std::vector<Prior> beta;
  BaselineModel baseline = BaselineModel::Independent;
  Prior alpha;        // independent baselines: each alpha_i; random: mu_alpha
  Prior sigma_alpha;  // random baselines
};

class TwoArmProblem {
 public:
  using Model = TwoArmModel;

  TwoArmProblem(TwoArmData d, TwoArmPriors pr) : d_(std::move(d)), prior_beta_(std::move(pr.beta)) {
    K_ = static_cast<int>(d_.yt.size());
    model_.K = K_;
    model_.P = d_.P;
    model_.baseline = pr.baseline;
    model_.prior_mu = pr.mu;
    model_.prior_tau = pr.tau;
    model_.prior_alpha = pr.alpha;
    model_.prior_mu_alpha = pr.alpha;
    model_.prior_sigma_alpha = pr.sigma_alpha;
    double sa = 0, saa = 0;
    for (int i = 0; i < K_; ++i) {
      e_.push_back(empirical_log_or(d_.yt[i], d_.nt[i], d_.yc[i], d_.nc[i]));
      a_.push_back(empirical_logit(d_.yc[i], d_.nc[i]));
      const EffectData dd = empirical_log_or_data(d_.yt[i], d_.nt[i], d_.yc[i], d_.nc[i]);
      const EffectData ad = empirical_logit_data(d_.yc[i], d_.nc[i]);
      approx_[0].push_back(dd.y_hat);
      approx_[1].push_back(dd.lambda);
      approx_[2].push_back(ad.y_hat);
      approx_[3].push_back(ad.lambda);
      sa += a_[i].y;
      saa += a_[i].y * a_[i].y;
    }
    init_ = initial_fit(e_, d_.x.data(), d_.P, pr.tau);
    mu_a0_ = sa / K_;
    const double var_a = K_ > 1 ? std::max(0.0, (saa - K_ * mu_a0_ * mu_a0_) / (K_ - 1)) : 1.0;
    sigma_a0_ = std::clamp(std::sqrt(var_a), 0.1, 2.0);
    if (pr.sigma_alpha.kind == PriorKind::Uniform) sigma_a0_ = std::min(sigma_a0_, 0.5 * pr.sigma_alpha.b);
    blocks_[0].offset = model_.delta_offset();
    blocks_[0].centred.assign(K_, 0);
    blocks_[1].offset = model_.alpha_offset();
    blocks_[1].centred.assign(K_, 0);
    sync_model();
  }

  const Model& model() const { return model_; }
  int dim() const { return model_.dim(); }
  int n_blocks() const { return model_.random_baseline() ? 2 : 1; }
  EffectBlock& block(int b) { return blocks_[b]; }
  void sync_model() {
    model_.yt = d_.yt.data();
    model_.nt = d_.nt.data();
    model_.yc = d_.yc.data();
    model_.nc = d_.nc.data();
    model_.x = d_.x.empty() ? nullptr : d_.x.data();
    model_.prior_beta = prior_beta_.empty() ? nullptr : prior_beta_.data();
    model_.centred = blocks_[0].centred.data();
    model_.centred_alpha = model_.random_baseline() ? blocks_[1].centred.data() : nullptr;
    model_.delta_hat = approx_[0].data();
    model_.delta_lambda = approx_[1].data();
    model_.alpha_hat = approx_[2].data();
    model_.alpha_lambda = approx_[3].data();
  }
  double effect_loc(const double* q, int b, int i) const { return model_.effect_loc(q, b, i); }
  double effect_scale(const double* q, int b) const { return model_.effect_scale(q, b); }
  bool initial_centred(int b, int i) const {
    if (b == 0) return e_[i].v < kCentreRatio * init_.tau * init_.tau;
    return a_[i].v < kCentreRatio * sigma_a0_ * sigma_a0_;
  }

  void initial_point(RngStream& rng, double* q) const {
    const int P = model_.P, D = dim(), A = model_.alpha_offset(), Dl = model_.delta_offset();
    std::vector<double> z(D);
    rng.normals(z.data(), D);
    q[0] = init_.b[0] + 0.3 * z[0];
    q[1] = tau_to_unconstrained(model_.prior_tau, init_.tau * std::exp(0.3 * z[1]));
    for (int j = 0; j < P; ++j) q[2 + j] = init_.b[1 + j] + 0.3 * std::sqrt(init_.var[1 + j]) * z[2 + j];
    double mu_a = 0, sig = 1;
    if (model_.random_baseline()) {
      mu_a = q[2 + P] = mu_a0_ + 0.3 * z[2 + P];
      q[3 + P] = tau_to_unconstrained(model_.prior_sigma_alpha, sigma_a0_ * std::exp(0.3 * z[3 + P]));
      sig = model_.sigma_alpha(q);
    }
    const double tau = model_.tau(q);
    for (int i = 0; i < K_; ++i) {
      const double alpha = a_[i].y + 0.5 * std::sqrt(a_[i].v) * z[A + i];
      q[A + i] = !model_.random_baseline() ? alpha
                 : block_coordinate(model_, 1, i, blocks_[1].centred[i] != 0, alpha, mu_a, sig);
      const double m = model_.linear_predictor(q, i);
      const double prec = 1 / e_[i].v + 1 / (tau * tau);
      const double delta = (e_[i].y / e_[i].v + m / (tau * tau)) / prec + 0.5 * z[Dl + i] / std::sqrt(prec);
      q[Dl + i] = block_coordinate(model_, 0, i, blocks_[0].centred[i] != 0, delta, m, tau);
    }
  }

  std::vector<double> initial_inv_metric() const {
    const int P = model_.P, A = model_.alpha_offset(), Dl = model_.delta_offset();
    std::vector<double> m(dim());
    m[0] = std::clamp(init_.var[0], 1e-6, 4.0);
    m[1] = std::clamp(2.0 / std::max(K_, 1), 0.02, 1.0);
    for (int j = 0; j < P; ++j) m[2 + j] = std::clamp(init_.var[1 + j], 1e-6, 4.0);
    const double s2 = sigma_a0_ * sigma_a0_, t2 = init_.tau * init_.tau;
    if (model_.random_baseline()) {
      m[2 + P] = std::clamp(s2 / K_, 1e-4, 4.0);
      m[3 + P] = std::clamp(2.0 / std::max(K_, 1), 0.02, 1.0);
    }
    for (int i = 0; i < K_; ++i) {
      if (!model_.random_baseline()) {
        m[A + i] = std::clamp(a_[i].v, 1e-6, 4.0);
      } else {
        const double pv = 1.0 / (1.0 / a_[i].v + 1.0 / s2);
        m[A + i] = blocks_[1].centred[i] ? pv : 1.0;  // non-centred: scaled by this sd (models/random_effect.hpp)
      }
      const double post_var = 1.0 / (1.0 / e_[i].v + 1.0 / t2);
      m[Dl + i] = blocks_[0].centred[i] ? post_var : 1.0;
    }
    return m;
  }

  // Outputs: mu, tau, beta..., [mu_alpha, sigma_alpha] (the hyperparameters), delta_1..K.
  int n_hyper() const { return model_.n_hyper(); }
  int n_outputs() const { return model_.n_outputs(); }
  void outputs(const double* q, double* out) const { model_.outputs(q, out); }

  // ---- Gibbs: state = [mu, tau, beta, (mu_a, sigma_a), alpha, delta] (models/gibbs_two_arm.hpp) ----
  // The HMC starting point with every study centred, in constrained coordinates.
  void initial_gibbs_state(RngStream& rng, double* s) const {
    initial_point(rng, s);
    s[1] = model_.tau(s);
    if (model_.random_baseline()) s[3 + model_.P] = model_.sigma_alpha(s);
  }

 private:
  int K_ = 0;
  TwoArmData d_;
  std::vector<double> approx_[4];  // delta_hat, delta_lambda, alpha_hat, alpha_lambda (models/two_arm.hpp)
  std::vector<Prior> prior_beta_;
  std::vector<EmpiricalEffect> e_, a_;
  InitialFit init_;
  double mu_a0_ = 0, sigma_a0_ = 1;
  EffectBlock blocks_[2];
  Model model_;
};

}  // namespace hbm
