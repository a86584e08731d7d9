// Many outcomes (or many simulated datasets) laid end to end in flat arrays, and per-outcome
// views that build each model of models/ for outcome o on either side: on CPU threads over
// host arrays, in CUDA kernels over device arrays (the batched engine, host/batch_engine.hpp).
// A view owns nothing; it holds pointers into one batch's arrays.
//
// Layout: outcome o's studies are [study_offset[o], study_offset[o+1]); its covariates are the
// K_o x P_o row-major block at x + x_offset[o]; its coefficient priors are P_o entries at
// prior_beta + beta_offset[o]; its per-study centring flags are n_blocks blocks of K_o flags at
// centred + n_blocks * study_offset[o] (block b at + b * K_o). The flags are written by the
// engine during warmup, so they are not const.
#pragma once
#include <cstdint>

#include "models/gibbs_single_arm.hpp"
#include "models/gibbs_two_arm.hpp"
#include "models/hd.hpp"
#include "models/priors.hpp"
#include "models/single_arm.hpp"
#include "models/two_arm.hpp"

namespace hbm {

struct BatchIndex {
  int outcomes = 0;
  const int* study_offset = nullptr;  // outcomes + 1
  const int* n_cov = nullptr;         // P per outcome
  const int* x_offset = nullptr;      // start of each outcome's covariates
  const int* beta_offset = nullptr;   // start of each outcome's coefficient priors

  HBM_HD int K(int o) const { return study_offset[o + 1] - study_offset[o]; }
};

struct SingleArmView {
  BatchIndex idx;
  const double *y = nullptr, *n = nullptr, *x = nullptr;
  const Prior* prior_beta = nullptr;
  std::uint8_t* centred = nullptr;
  Prior prior_mu, prior_tau;

  static constexpr int kBlocks = 1;
  HBM_HD std::uint8_t* flags(int o) const { return centred + idx.study_offset[o]; }

  HBM_HD SingleArmModel at(int o) const {
    SingleArmModel m;
    const int b = idx.study_offset[o];
    m.K = idx.K(o);
    m.P = idx.n_cov[o];
    m.y = y + b;
    m.n = n + b;
    m.x = m.P > 0 ? x + idx.x_offset[o] : nullptr;
    m.centred = flags(o);
    m.prior_mu = prior_mu;
    m.prior_tau = prior_tau;
    m.prior_beta = m.P > 0 ? prior_beta + idx.beta_offset[o] : nullptr;
    return m;
  }
  HBM_HD SingleArmGibbs gibbs_at(int o) const {
    const SingleArmModel m = at(o);
    SingleArmGibbs g;
    g.K = m.K;
    g.P = m.P;
    g.y = m.y;
    g.n = m.n;
    g.x = m.x;
    g.prior_mu = prior_mu;
    g.prior_tau = prior_tau;
    g.prior_beta = m.prior_beta;
    return g;
  }
  // The Gibbs state (models/gibbs_single_arm.hpp) is the HMC output order: mu, tau, beta, theta.
  HBM_HD static int gibbs_hyper(const SingleArmGibbs& g) { return 2 + g.P; }
  HBM_HD static void gibbs_outputs(const SingleArmGibbs& g, const double* s, double* out) {
    const int R = 2 + g.P + g.K;
    for (int r = 0; r < R; ++r) out[r] = s[r];
  }
};

struct TwoArmView {
  BatchIndex idx;
  const double *yt = nullptr, *nt = nullptr, *yc = nullptr, *nc = nullptr, *x = nullptr;
  const Prior* prior_beta = nullptr;
  std::uint8_t* centred = nullptr;  // two blocks per outcome: delta, then alpha
  BaselineModel baseline = BaselineModel::Independent;
  Prior prior_mu, prior_tau, prior_alpha, prior_mu_alpha, prior_sigma_alpha;

  static constexpr int kBlocks = 2;
  HBM_HD std::uint8_t* flags(int o) const { return centred + 2 * idx.study_offset[o]; }

  HBM_HD TwoArmModel at(int o) const {
    TwoArmModel m;
    const int b = idx.study_offset[o];
    m.K = idx.K(o);
    m.P = idx.n_cov[o];
    m.yt = yt + b;
    m.nt = nt + b;
    m.yc = yc + b;
    m.nc = nc + b;
    m.x = m.P > 0 ? x + idx.x_offset[o] : nullptr;
    m.centred = flags(o);
    m.centred_alpha = baseline == BaselineModel::Random ? flags(o) + m.K : nullptr;
    m.baseline = baseline;
    m.prior_mu = prior_mu;
    m.prior_tau = prior_tau;
    m.prior_beta = m.P > 0 ? prior_beta + idx.beta_offset[o] : nullptr;
    m.prior_alpha = prior_alpha;
    m.prior_mu_alpha = prior_mu_alpha;
    m.prior_sigma_alpha = prior_sigma_alpha;
    return m;
  }
  HBM_HD TwoArmGibbs gibbs_at(int o) const {
    const TwoArmModel m = at(o);
    TwoArmGibbs g;
    g.K = m.K;
    g.P = m.P;
    g.yt = m.yt;
    g.nt = m.nt;
    g.yc = m.yc;
    g.nc = m.nc;
    g.x = m.x;
    g.baseline = baseline;
    g.prior_mu = prior_mu;
    g.prior_tau = prior_tau;
    g.prior_beta = m.prior_beta;
    g.prior_alpha = prior_alpha;
    g.prior_mu_alpha = prior_mu_alpha;
    g.prior_sigma_alpha = prior_sigma_alpha;
    return g;
  }
  // Gibbs state (models/gibbs_two_arm.hpp): hyperparameters, alpha block, delta block; the
  // outputs skip the alpha block.
  HBM_HD static int gibbs_hyper(const TwoArmGibbs& g) { return g.alpha_offset(); }
  HBM_HD static void gibbs_outputs(const TwoArmGibbs& g, const double* s, double* out) {
    const int H = g.alpha_offset();
    for (int r = 0; r < H; ++r) out[r] = s[r];
    for (int i = 0; i < g.K; ++i) out[H + i] = s[H + g.K + i];
  }
};

}  // namespace hbm
