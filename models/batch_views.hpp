// Many outcomes (or many simulated datasets) laid end to end in flat arrays, and per-outcome
// views that build each model of models/ for outcome o on either side: on CPU threads over
// host arrays, in CUDA kernels over device arrays (the batched engine, host/engine/batch_engine.hpp).
// A view owns nothing; it holds pointers into one batch's arrays.
//
// Layout: outcome o's studies are [study_offset[o], study_offset[o+1]); its covariates are the
// K_o x P_o row-major block at x + x_offset[o]; its coefficient priors are P_o entries at
// prior_beta + beta_offset[o]; its hyperparameters' priors are priors[o] (each outcome samples
// under its own priors, whatever shares its batch); its per-study centring flags are n_blocks
// blocks of K_o flags at centred + n_blocks * study_offset[o] (block b at + b * K_o). The flags
// are written by the engine during warmup, so they are not const.
//
// Staging (the GPU's shared memory): a thread block copies the study data and covariates of the
// outcomes its chains belong to, [o0, o1], into a buffer laid out as one block of studies per
// study array (kStudyArrays of them, in the order each view's stage() lists them) followed by the
// covariates, and runs on staged(o0, o1, buf): the same view with its study pointers on the buffer
// and origins that say where in the batch the buffer starts. The flags stay where they are.
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

// The studies [s0, s1) and covariates [x0, x1) of outcomes o0..o1 (consecutive outcomes are
// contiguous in both), from the index's offset arrays (device or host copies).
struct StudyRange {
  int s0 = 0, s1 = 0, x0 = 0, x1 = 0;
  HBM_HD int doubles(int study_arrays) const { return study_arrays * (s1 - s0) + (x1 - x0); }
};
HBM_HD StudyRange study_range(const int* study_offset, const int* x_offset, const int* n_cov, int o0, int o1) {
  StudyRange r;
  r.s0 = study_offset[o0];
  r.s1 = study_offset[o1 + 1];
  r.x0 = x_offset[o0];
  r.x1 = x_offset[o1] + (study_offset[o1 + 1] - study_offset[o1]) * n_cov[o1];
  return r;
}

// Copies arrays[0..A) over the range's studies, then the covariates x, into buf; thread `tid` of
// `threads` takes every threads-th value (the caller makes them wait for each other after).
HBM_HD void stage_studies(const StudyRange& r, const double* const* arrays, int A, const double* x,
                          double* buf, int tid, int threads) {
  const int S = r.s1 - r.s0, X = r.x1 - r.x0;
  for (int k = tid; k < A * S; k += threads) buf[k] = arrays[k / S][r.s0 + k % S];
  for (int k = tid; k < X; k += threads) buf[A * S + k] = x[r.x0 + k];
}

struct SingleArmView {
  BatchIndex idx;
  const double *y = nullptr, *n = nullptr, *y_hat = nullptr, *lambda = nullptr, *x = nullptr;
  const Prior* prior_beta = nullptr;
  const SingleArmHyperPriors* priors = nullptr;  // one per outcome
  std::uint8_t* centred = nullptr;
  int study_origin = 0, x_origin = 0;  // the batch's study and covariate index at y[0], x[0]

  static constexpr int kBlocks = 1;
  static constexpr int kStudyArrays = 4;  // y, n, y_hat, lambda
  HBM_HD std::uint8_t* flags(int o) const { return centred + idx.study_offset[o]; }

  HBM_HD StudyRange range(int o0, int o1) const {
    return study_range(idx.study_offset, idx.x_offset, idx.n_cov, o0, o1);
  }
  HBM_HD void stage(int o0, int o1, double* buf, int tid, int threads) const {
    const double* arrays[kStudyArrays] = {y, n, y_hat, lambda};
    stage_studies(range(o0, o1), arrays, kStudyArrays, x, buf, tid, threads);
  }
  HBM_HD SingleArmView staged(int o0, int o1, const double* buf) const {
    const StudyRange r = range(o0, o1);
    const int S = r.s1 - r.s0;
    SingleArmView v = *this;
    v.y = buf;
    v.n = buf + S;
    v.y_hat = buf + 2 * S;
    v.lambda = buf + 3 * S;
    v.x = buf + kStudyArrays * S;
    v.study_origin = r.s0;
    v.x_origin = r.x0;
    return v;
  }

  HBM_HD SingleArmModel at(int o) const {
    SingleArmModel m;
    const int b = idx.study_offset[o] - study_origin;
    m.K = idx.K(o);
    m.P = idx.n_cov[o];
    m.y = y + b;
    m.n = n + b;
    m.y_hat = y_hat + b;
    m.lambda = lambda + b;
    m.x = m.P > 0 ? x + (idx.x_offset[o] - x_origin) : nullptr;
    m.centred = flags(o);
    m.hyper = priors + o;  // read where they are (SingleArmModel::hyper)
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
    g.prior_mu = m.mu_prior();
    g.prior_tau = m.tau_prior();
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
  const double *delta_hat = nullptr, *delta_lambda = nullptr, *alpha_hat = nullptr, *alpha_lambda = nullptr;
  const Prior* prior_beta = nullptr;
  const TwoArmHyperPriors* priors = nullptr;  // one per outcome
  std::uint8_t* centred = nullptr;       // two blocks per outcome: delta, then alpha
  // One per batch: it sets every outcome's state layout (the caller batches outcomes by it).
  BaselineModel baseline = BaselineModel::Independent;
  int study_origin = 0, x_origin = 0;  // the batch's study and covariate index at yt[0], x[0]

  static constexpr int kBlocks = 2;
  static constexpr int kStudyArrays = 8;  // yt, nt, yc, nc, delta_hat, delta_lambda, alpha_hat, alpha_lambda
  HBM_HD std::uint8_t* flags(int o) const { return centred + 2 * idx.study_offset[o]; }

  HBM_HD StudyRange range(int o0, int o1) const {
    return study_range(idx.study_offset, idx.x_offset, idx.n_cov, o0, o1);
  }
  HBM_HD void stage(int o0, int o1, double* buf, int tid, int threads) const {
    const double* arrays[kStudyArrays] = {yt, nt, yc, nc, delta_hat, delta_lambda, alpha_hat, alpha_lambda};
    stage_studies(range(o0, o1), arrays, kStudyArrays, x, buf, tid, threads);
  }
  HBM_HD TwoArmView staged(int o0, int o1, const double* buf) const {
    const StudyRange r = range(o0, o1);
    const int S = r.s1 - r.s0;
    TwoArmView v = *this;
    v.yt = buf;
    v.nt = buf + S;
    v.yc = buf + 2 * S;
    v.nc = buf + 3 * S;
    v.delta_hat = buf + 4 * S;
    v.delta_lambda = buf + 5 * S;
    v.alpha_hat = buf + 6 * S;
    v.alpha_lambda = buf + 7 * S;
    v.x = buf + kStudyArrays * S;
    v.study_origin = r.s0;
    v.x_origin = r.x0;
    return v;
  }

  HBM_HD TwoArmModel at(int o) const {
    TwoArmModel m;
    const int b = idx.study_offset[o] - study_origin;
    m.K = idx.K(o);
    m.P = idx.n_cov[o];
    m.yt = yt + b;
    m.nt = nt + b;
    m.yc = yc + b;
    m.nc = nc + b;
    m.delta_hat = delta_hat + b;
    m.delta_lambda = delta_lambda + b;
    m.alpha_hat = alpha_hat + b;
    m.alpha_lambda = alpha_lambda + b;
    m.x = m.P > 0 ? x + (idx.x_offset[o] - x_origin) : nullptr;
    m.centred = flags(o);
    m.centred_alpha = baseline == BaselineModel::Random ? flags(o) + m.K : nullptr;
    m.baseline = baseline;
    m.hyper = priors + o;  // read where they are (TwoArmModel::hyper)
    m.prior_beta = m.P > 0 ? prior_beta + idx.beta_offset[o] : nullptr;
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
    g.prior_mu = m.mu_prior();
    g.prior_tau = m.tau_prior();
    g.prior_beta = m.prior_beta;
    g.prior_alpha = m.alpha_prior();
    g.prior_mu_alpha = m.mu_alpha_prior();
    g.prior_sigma_alpha = m.sigma_alpha_prior();
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
