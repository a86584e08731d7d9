// Many-chain HMC on CPU threads for any model of models/: initialisation, warmup (step size,
// diagonal metric, ChEES trajectory length, per-study centring of every random-effect block)
// and sampling. The transition itself is models/hmc.hpp, shared with the CUDA backend.
//
// A Problem (host/single_arm_problem.hpp, host/two_arm_problem.hpp) ties a model to its data
// and says what the sampler needs to know about it:
//   using Model = ...;          const Model& model() const;   int dim() const;
//   int n_blocks() const;       EffectBlock& block(int b);    void sync_model();
//   double effect_loc(const double* q, int b, int i) const;   // m_i of the block's N(m_i, s^2)
//   double effect_scale(const double* q, int b) const;        // s
//   bool initial_centred(int b, int i) const;                  // the data's first guess
//   void initial_point(RngStream& rng, double* q) const;       // one chain's start
//   std::vector<double> initial_inv_metric() const;
//   int n_outputs() const;  void outputs(const double* q, double* out) const;  // per draw
// A block is K study coordinates q[offset + i] holding normal random effects e_i ~ N(m_i, s^2),
// each centred (q = e_i) or non-centred (q = (e_i - m_i) / s); blocks are chosen per study at
// the end of each metric window. Every other coordinate is adapted as it is.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "host/interrupt.hpp"
#include "host/progress.hpp"
#include "host/sampler_run.hpp"
#include "host/sampler_config.hpp"
#include "host/thread_pool.hpp"
#include "host/warmup_adaptation.hpp"
#include "models/hmc.hpp"
#include "models/philox.hpp"

namespace hbm {

struct EffectBlock {
  int offset = 0;                     // q index of study 0's coordinate
  std::vector<std::uint8_t> centred;  // one flag per study (1 = centred)
};

namespace sampler_detail {

using hbm::kCentreRatio;  // models/adaptation.hpp

// Running mean and variance (Welford), for the metric and centring decisions of a window.
struct Welford {
  double n = 0, mean = 0, m2 = 0;
  void add(double x) {
    n += 1;
    const double d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  double var() const { return n > 1 ? m2 / (n - 1) : 0.0; }
};

// Stan's regularisation of a window's variance estimate towards 1e-3.
inline double regularised_var(const Welford& w) { return regularised_variance(w.n, w.var()); }

inline std::uint8_t choose_centring(Parametrisation p, bool data_says_centred) {
  switch (p) {
    case Parametrisation::Centred: return 1;
    case Parametrisation::NonCentred: return 0;
    default: return data_says_centred ? 1 : 0;
  }
}

}  // namespace sampler_detail

template <class Problem>
HmcRun sample_hmc(Problem& prob, const SamplerConfig& cfg, std::uint32_t stream, ThreadPool& pool) {
  using namespace sampler_detail;
  const int D = prob.dim();
  const int C = cfg.chains;
  const int W = cfg.warmup;
  const int B = prob.n_blocks();
  const int R = prob.n_outputs();

  // Which block (if any) each coordinate belongs to.
  std::vector<int> block_of(D, -1), study_of(D, -1);
  for (int b = 0; b < B; ++b) {
    EffectBlock& blk = prob.block(b);
    for (int i = 0; i < static_cast<int>(blk.centred.size()); ++i) {
      block_of[blk.offset + i] = b;
      study_of[blk.offset + i] = i;
      blk.centred[i] = choose_centring(cfg.parametrisation, prob.initial_centred(b, i));
    }
  }
  prob.sync_model();
  std::vector<double> inv_metric = prob.initial_inv_metric();

  // ---- per-chain state -------------------------------------------------------------------
  std::vector<double> q(C * D), g(C * D), lp(C), q0(C * D), p_buf(C * D), qp_buf(C * D), gp_buf(C * D);
  pool.parallel_for(C, [&](int c) {
    RngStream rng(cfg.seed, stream, static_cast<std::uint32_t>(c), 0, RngPurpose::Init);
    prob.initial_point(rng, &q[c * D]);
    lp[c] = prob.model().log_density_grad(&q[c * D], &g[c * D]);
  });

  // ---- warmup schedule -------------------------------------------------------------------
  // Metric windows [b_k, b_{k+1}); after the last one only the step size and T adapt.
  std::vector<int> bounds;
  for (double f : {0.05, 0.1, 0.2, 0.35, 0.55, 0.8}) bounds.push_back(static_cast<int>(std::lround(f * W)));
  const int t_avg_start = static_cast<int>(std::lround(0.9 * W));

  StepSizeAdapter step(cfg.target_accept);
  double eps = 0.25;
  step.restart(eps);
  TrajectoryAdapter traj(1.0);

  HmcRun out;
  out.chains = C;
  out.draws = cfg.draws;
  out.n_outputs = R;
  const std::size_t S = static_cast<std::size_t>(C) * cfg.draws;
  out.outputs.resize(S * R);
  out.accept_prob.resize(S);
  out.energy.resize(S);
  out.divergent.resize(S);
  out.n_steps.resize(S);

  std::vector<HmcStepInfo> info(C);
  std::vector<double> acc(C), x0(C * D), x1(C * D), v1(C * D);
  // Window statistics: each coordinate as it is, and for block coordinates the effect in both
  // parametrisations (e: centred, z: non-centred).
  std::vector<Welford> w_q(D), w_e(D), w_z(D);
  std::vector<std::vector<double>> w_scale(B);  // the block scales drawn in the window
  int window = 0;
  if (W == 0) {
    out.step_size = eps;
    out.trajectory_length = traj.T();
  }

  // Leapfrog steps of iteration `it` for trajectory length T: jittered by the Halton sequence,
  // the same for every chain.
  auto steps_at = [&](int it, double T, double step_size) {
    const double h = halton_base2(static_cast<std::uint64_t>(it) + 1);
    return std::clamp(static_cast<int>(std::ceil(h * T / step_size)), 1, cfg.max_steps);
  };
  auto effect_of = [&](const double* qc, int b, int i, double scale) {
    const double v = qc[prob.block(b).offset + i];
    return prob.block(b).centred[i] ? v : prob.effect_loc(qc, b, i) + scale * v;
  };

  // ---- warmup: all chains step together and share their adaptation --------------------
  for (int it = 0; it < W; ++it) {
    throw_if_interrupted();
    const double h = halton_base2(static_cast<std::uint64_t>(it) + 1);
    const int L = steps_at(it, traj.T(), eps);

    pool.parallel_for(C, [&](int c) {
      double* qc = &q[c * D];
      std::copy(qc, qc + D, &q0[c * D]);
      HmcWork w{&p_buf[c * D], &qp_buf[c * D], &gp_buf[c * D]};
      info[c] = hmc_transition(prob.model(), qc, &g[c * D], lp[c], inv_metric.data(), eps, L, cfg.seed, stream,
                               static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it), w);
    });

    for (int c = 0; c < C; ++c) {
      acc[c] = info[c].accept_prob;
      out.warmup_divergences += info[c].divergent;
      for (int j = 0; j < D; ++j) {
        const double sd = std::sqrt(inv_metric[j]);
        x0[c * D + j] = q0[c * D + j] / sd;
        x1[c * D + j] = qp_buf[c * D + j] / sd;
        v1[c * D + j] = sd * p_buf[c * D + j];
      }
    }
    if (cfg.progress) cfg.progress->advance(C);
    eps = step.update(acc);
    traj.update(C, D, x0, x1, v1, acc, h);
    traj.clamp(eps, cfg.max_steps * eps);
    if (it + 1 == t_avg_start) traj.start_averaging();

    if (window + 1 < static_cast<int>(bounds.size()) && it >= bounds[window]) {
      for (int c = 0; c < C; ++c) {
        const double* qc = &q[c * D];
        std::vector<double> scale(B);
        for (int b = 0; b < B; ++b) {
          scale[b] = prob.effect_scale(qc, b);
          w_scale[b].push_back(scale[b]);
        }
        for (int j = 0; j < D; ++j) {
          const int b = block_of[j];
          if (b < 0) {
            w_q[j].add(qc[j]);
            continue;
          }
          const int i = study_of[j];
          const double e = effect_of(qc, b, i, scale[b]);
          w_e[j].add(e);
          w_z[j].add((e - prob.effect_loc(qc, b, i)) / scale[b]);
        }
      }
      if (it + 1 == bounds[window + 1]) {
        // Re-choose each study's parametrisation, then the metric in that parametrisation.
        std::vector<std::vector<std::uint8_t>> next(B);
        for (int b = 0; b < B; ++b) {
          std::vector<double>& sc = w_scale[b];
          std::sort(sc.begin(), sc.end());
          const double lo = sc[sc.size() / 10];
          const EffectBlock& blk = prob.block(b);
          next[b].resize(blk.centred.size());
          for (std::size_t i = 0; i < next[b].size(); ++i)
            next[b][i] = choose_centring(cfg.parametrisation, w_e[blk.offset + i].var() < kCentreRatio * lo * lo);
        }
        for (int j = 0; j < D; ++j) {
          const int b = block_of[j];
          inv_metric[j] = regularised_var(b < 0 ? w_q[j] : next[b][study_of[j]] ? w_e[j] : w_z[j]);
        }
        pool.parallel_for(C, [&](int c) {
          double* qc = &q[c * D];
          for (int b = 0; b < B; ++b) {
            const EffectBlock& blk = prob.block(b);
            const double scale = prob.effect_scale(qc, b);
            for (std::size_t i = 0; i < next[b].size(); ++i) {
              if (next[b][i] == blk.centred[i]) continue;
              const double e = effect_of(qc, b, static_cast<int>(i), scale);
              qc[blk.offset + i] = next[b][i] ? e : (e - prob.effect_loc(qc, b, static_cast<int>(i))) / scale;
            }
          }
        });
        for (int b = 0; b < B; ++b) prob.block(b).centred = next[b];
        prob.sync_model();
        pool.parallel_for(C, [&](int c) { lp[c] = prob.model().log_density_grad(&q[c * D], &g[c * D]); });
        step.restart(eps);
        w_q.assign(D, {});
        w_e.assign(D, {});
        w_z.assign(D, {});
        for (auto& sc : w_scale) sc.clear();
        ++window;
      }
    }
    if (it + 1 == W) {
      eps = step.averaged();
      out.trajectory_length = std::clamp(traj.averaged_T(), eps, cfg.max_steps * eps);
      out.step_size = eps;
    }
  }

  // ---- sampling: the chains no longer interact, so each runs all its draws in one task -----
  pool.parallel_for(C, [&](int c) {
    double* qc = &q[c * D];
    HmcWork w{&p_buf[c * D], &qp_buf[c * D], &gp_buf[c * D]};
    for (int t = 0; t < cfg.draws; ++t) {
      if (interrupt_requested()) return;  // the caller throws after the pool returns
      const int it = W + t;
      const int L = steps_at(it, out.trajectory_length, eps);
      const HmcStepInfo inf = hmc_transition(prob.model(), qc, &g[c * D], lp[c], inv_metric.data(), eps, L, cfg.seed,
                                             stream, static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it), w);
      const std::size_t idx = static_cast<std::size_t>(c) * cfg.draws + t;
      prob.outputs(qc, &out.outputs[idx * R]);
      out.accept_prob[idx] = inf.accept_prob;
      out.energy[idx] = inf.energy;
      out.divergent[idx] = inf.divergent;
      out.n_steps[idx] = L;
      if (cfg.progress && (t & 15) == 15) cfg.progress->advance(16);
    }
  });
  throw_if_interrupted();
  out.inv_metric = inv_metric;
  for (int b = 0; b < B; ++b) out.centred.push_back(prob.block(b).centred);
  return out;
}

}  // namespace hbm
