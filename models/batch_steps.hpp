// The per-chain and per-outcome steps of the batched many-chain engine (host/engine/batch_engine.hpp),
// as functors with host/device call operators: the CPU backend runs them on threads
// (host/engine/cpu_backend.hpp), the CUDA backend in kernels (cuda/cuda_backend.cuh). Each is a
// plain function of its index; every reduction over chains is a separate segmented sum whose
// order the backend fixes, so the engine is deterministic on each backend for any thread
// count or launch shape.
//
// Indices: outcome o has dimension D_o = dim_offset[o+1] - dim_offset[o]; a "coordinate" m in
// [0, M) is (o, j) with m = dim_offset[o] + j. Outcome o's chains keep their states in the block
// q[C * dim_offset[o], C * dim_offset[o + 1]) (all per-chain vectors share this layout), chain c's
// coordinate j at EngineArrays::index(o, c, j): C * dim_offset[o] + c * D_o + j chain-major, or
// C * dim_offset[o] + j * C + c interleaved (models/strided.hpp says which layout serves which
// launch); per-chain scalars sit at o * C + c.
#pragma once
#include <cmath>
#include <cstdint>

#include "models/adaptation.hpp"
#include "models/group.hpp"
#include "models/hd.hpp"
#include "models/hmc.hpp"
#include "models/block_gibbs.hpp"
#include "models/philox.hpp"
#include "models/strided.hpp"

namespace hbm::batch {

// Pointers into one batch's engine state (backend memory).
struct EngineArrays {
  int outcomes = 0, chains = 0, coords = 0, max_steps = 1024;  // coords = M
  const int* dim_offset = nullptr;     // outcomes + 1
  const int* coord_outcome = nullptr;  // M: the outcome of each coordinate
  const std::uint32_t* stream = nullptr;
  double *q = nullptr, *g = nullptr, *p = nullptr, *qp = nullptr, *gp = nullptr;  // C * M each
  double *x0 = nullptr, *x1 = nullptr, *v1 = nullptr;                            // C * M each (warmup)
  double* lp = nullptr;                                                          // O * C
  double* inv_metric = nullptr;                                                  // M
  double* eps = nullptr;                                                         // O
  double* T = nullptr;                                                           // O (sampling: final T)
  int* n_steps = nullptr;                                                        // O
  DualAveraging* da = nullptr;                                                   // O
  ChEESAdam* adam = nullptr;                                                     // O
  double* accept = nullptr;                                                      // O * C
  int* warmup_divergent = nullptr;                                               // O * C
  // Window statistics, per chain (Welford over the window's iterations): for a study
  // coordinate "a" is its effect in the centred form and "z" in the non-centred form; for any
  // other coordinate "a" is the coordinate itself. Per (outcome, chain, block): log scale.
  double *wa_mean = nullptr, *wa_m2 = nullptr, *wz_mean = nullptr, *wz_m2 = nullptr;  // C * M
  double *ws_mean = nullptr, *ws_m2 = nullptr;                                        // O * C * kBlocks
  // Reductions (segmented sums write value k of segment s at [k * segments + s]).
  double *c0 = nullptr, *c1 = nullptr;  // M each (c1 = c0 + M): ChEES centres (sums, then means)
  double* accept_sums = nullptr;        // 2 * O: sums of positive acceptances, then of inverses
  double* chees_sums = nullptr;         // 2 * O: dChEES, then ChEES
  double *win_mean = nullptr, *win_sq = nullptr;      // 2 * M: sums over chains for "a", then "z"
  double *win_s_mean = nullptr, *win_s_sq = nullptr;  // 2 * O * kBlocks: log scale, then zeros
  std::uint8_t* next_flags = nullptr;         // same layout as the view's flags

  // The per-chain vectors' layout: chain-major, or interleaved across each outcome's chains
  // (coordinate-major: the GPU's one-thread-per-chain launches, host/engine/batch_engine.hpp).
  bool interleaved = false;

  HBM_HD int dim(int o) const { return dim_offset[o + 1] - dim_offset[o]; }
  // Where chain c of outcome o starts, and the distance between its coordinates.
  HBM_HD std::int64_t chain_base(int o, int c) const {
    const std::int64_t first = static_cast<std::int64_t>(chains) * dim_offset[o];
    return interleaved ? first + c : first + static_cast<std::int64_t>(c) * dim(o);
  }
  HBM_HD int stride() const { return interleaved ? chains : 1; }
  HBM_HD std::int64_t index(int o, int c, int j) const {
    return chain_base(o, c) + static_cast<std::int64_t>(j) * stride();
  }
  // Chain c of outcome o's span of the per-chain array v (models/strided.hpp).
  HBM_HD Vec chain(double* v, int o, int c) const { return Vec(v + chain_base(o, c), stride()); }
};

// Which block (and study) coordinate j of a model belongs to; -1 for a plain coordinate.
template <class Model>
HBM_HD int block_of(const Model& m, int j, int* study) {
  for (int b = 0; b < m.n_blocks(); ++b) {
    const int off = m.block_offset(b);
    if (j >= off && j < off + m.K) {
      *study = j - off;
      return b;
    }
  }
  return -1;
}

HBM_HD void welford_add(double x, double n, double& mean, double& m2) {
  const double d = x - mean;
  mean += d / n;
  m2 += d * (x - mean);
}

// The functors that evaluate the model take a group of lanes (models/group.hpp) working on
// chain gid together: for_each_group launches them with one lane per chain on the CPU and
// one or more lanes per chain on the GPU; lane 0 writes the per-chain scalars.
//
// On the GPU they can read the study data from shared memory: each thread block copies the
// studies of its chains' outcomes there first (with_staged_studies, below; the engine decides
// with staged_doubles() in host/engine/batch_engine.hpp). The functors themselves do not change:
// their view points at the copy.

// The step functor f (a view `view`, chain gid = o * a.chains + c) for the chains first..last
// of one thread block, reading their outcomes' studies from buf: thread tid of the block's
// `threads` copies its share of them there (models/batch_views.hpp), and the caller makes the
// threads wait for each other before f runs. The CUDA backend finds this by argument-dependent
// lookup.
template <class F>
HBM_HD F with_staged_studies(F f, std::int64_t first, std::int64_t last, double* buf, int tid, int threads) {
  const int o0 = static_cast<int>(first / f.a.chains), o1 = static_cast<int>(last / f.a.chains);
  f.view.stage(o0, o1, buf, tid, threads);
  f.view = f.view.staged(o0, o1, buf);
  return f;
}

// After chain c's HMC transition at `iteration`: the exact updates of each random-effect
// block's intercept and scale (models/block_gibbs.hpp), then the log density (its exact change)
// and gradient at the new state. The moves keep every study effect, so the likelihood's slopes
// are those before them, recovered from the gradient there: the new gradient needs no
// likelihood evaluation (about a third of a gradient's cost on the CPU: its exp and log1p).
// `w`: the transition's work buffers, free now: the proposal holds the effects (K doubles),
// its gradient the slopes (at most 2K).
template <class Model, class G>
HBM_HD void block_updates(const Model& m, Vec q, Vec g, double& lp, HmcWork w, std::uint64_t seed,
                          std::uint32_t stream, int c, int iteration, const G& grp) {
  RngStream rng(seed, stream, static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(iteration),
                RngPurpose::BlockGibbs);
  if (m.n_blocks() == 0) return;
  const bool slopes = std::isfinite(lp);  // else g is zero, not the gradient
  if (slopes) m.likelihood_slopes(q, g, w.g_prop, grp);
  const BlockGibbsMove mv = block_gibbs_updates(m, q, w.q_prop, rng, grp);
  if (!mv.moved) return;
  lp += mv.d_log_density;
  const bool finite = slopes ? m.gradient_with_slopes(q, g, w.g_prop, grp) : group_gradient(m, q, g, grp);
  if (!finite) lp = group_log_density_grad(m, q, g, grp);  // -inf and a zero gradient
}

// log density and gradient at every chain's state.
template <class View>
struct InitLogDensity {
  View view;
  EngineArrays a;
  template <class G>
  HBM_HD_BODY void operator()(int gid, const G& grp) const {
    const int o = gid / a.chains, c = gid % a.chains;
    const double lp = view.at(o).log_density_grad(a.chain(a.q, o, c), a.chain(a.g, o, c), grp);
    if (grp.rank() == 0) a.lp[gid] = lp;
  }
};

// One warmup transition of every chain: the shared HMC transition of models/hmc.hpp, plus what
// the adaptation needs (start point, proposal and its velocity, preconditioned) and, inside a
// metric window, this iteration's window statistics (window_n = draws in the window so far,
// this one included; 0 outside windows).
template <class View>
struct WarmupTransition {
  View view;
  EngineArrays a;
  std::uint64_t seed;
  int iteration;
  double window_n;
  template <class G>
  HBM_HD_BODY void operator()(int gid, const G& grp) const {
    const int o = gid / a.chains, c = gid % a.chains;
    const auto m = view.at(o);
    const int D = a.dim(o), r0 = grp.rank(), R = grp.size();
    const double* im = a.inv_metric + a.dim_offset[o];
    const Vec q = a.chain(a.q, o, c), g = a.chain(a.g, o, c);
    const Vec x0 = a.chain(a.x0, o, c), x1 = a.chain(a.x1, o, c), v1 = a.chain(a.v1, o, c);
    for (int j = r0; j < D; j += R) x0[j] = q[j] / std::sqrt(im[j]);
    HmcWork w{a.chain(a.p, o, c), a.chain(a.qp, o, c), a.chain(a.gp, o, c)};
    double lp = a.lp[gid];
    const HmcStepInfo info = hmc_transition(m, q, g, lp, im, a.eps[o], a.n_steps[o], seed, a.stream[o],
                                            static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(iteration), w,
                                            grp);
    for (int j = r0; j < D; j += R) {
      const double sd = std::sqrt(im[j]);
      x1[j] = w.q_prop[j] / sd;
      v1[j] = sd * w.p[j];
    }
    grp.sync();  // every lane's part of q before the draw reads it
    block_updates(m, q, g, lp, w, seed, a.stream[o], c, iteration, grp);
    if (r0 == 0) {
      a.lp[gid] = lp;
      a.accept[gid] = info.accept_prob;
      a.warmup_divergent[gid] += info.divergent;
    }
    if (window_n > 0) {
      grp.sync();  // the accepted state, whole
      collect(m, o, c, q, r0, R);
    }
  }
  // This draw's window statistics, the coordinates spread over the lanes as the transition's are
  // (lane r takes j = r, r + R, ...; each coordinate's sums are its own, so the values do not
  // depend on the lanes), each lane with its own copy of the blocks' scales; lane 0 keeps the
  // log-scale sums. With one lane: every coordinate in order, as before.
  template <class Model>
  HBM_HD void collect(const Model& m, int o, int c, CVec q, int r0, int R) const {
    const int D = a.dim(o);
    const Vec wa_mean = a.chain(a.wa_mean, o, c), wa_m2 = a.chain(a.wa_m2, o, c);
    const Vec wz_mean = a.chain(a.wz_mean, o, c), wz_m2 = a.chain(a.wz_m2, o, c);
    double scales[View::kBlocks];
    for (int b = 0; b < m.n_blocks(); ++b) {
      const std::int64_t s = (static_cast<std::int64_t>(o) * a.chains + c) * View::kBlocks + b;
      scales[b] = m.effect_scale(q, b);
      if (r0 == 0) welford_add(std::log(scales[b]), window_n, a.ws_mean[s], a.ws_m2[s]);
    }
    for (int j = r0; j < D; j += R) {
      int i = 0;
      const int b = block_of(m, j, &i);
      if (b < 0) {
        welford_add(q[j], window_n, wa_mean[j], wa_m2[j]);
        continue;
      }
      const double loc = m.effect_loc(q, b, i), scale = scales[b];
      const double e = block_effect(m, q, b, i, scale);
      welford_add(e, window_n, wa_mean[j], wa_m2[j]);
      welford_add(block_coordinate(m, b, i, false, e, loc, scale), window_n, wz_mean[j], wz_m2[j]);
    }
  }
};

// Segment m (a coordinate), element c (a chain): the start point, and the proposal weighted by
// its acceptance (skipped when zero: a rejected divergent proposal may be non-finite).
struct CentreTerms {
  EngineArrays a;
  HBM_HD void operator()(int m, int c, double* v) const {
    const int o = a.coord_outcome[m];
    const std::int64_t idx = a.index(o, c, m - a.dim_offset[o]);
    const double acc = a.accept[o * a.chains + c];
    v[0] = a.x0[idx];
    v[1] = acc > 0 ? acc * a.x1[idx] : 0.0;
  }
};

// Segment o (an outcome), element c: positive acceptance and the floored inverse acceptance.
struct AcceptTerms {
  EngineArrays a;
  HBM_HD void operator()(int o, int c, double* v) const {
    const double acc = a.accept[o * a.chains + c];
    v[0] = acc > 0 ? acc : 0.0;
    v[1] = inverse_accept(acc);
  }
};

// Per coordinate: the centres' sums become means.
struct NormaliseCentres {
  EngineArrays a;
  HBM_HD void operator()(int m) const {
    const int o = a.coord_outcome[m];
    const double wsum = a.accept_sums[o];
    a.c0[m] /= a.chains;
    a.c1[m] = wsum > 1e-12 ? a.c1[m] / wsum : 0.0;
  }
};

// Segment o, element c: the chain's ChEES terms at this iteration's jitter.
struct CheesChainTerms {
  EngineArrays a;
  double jitter;
  HBM_HD void operator()(int o, int c, double* v) const {
    const CheesTerms t = chees_terms(a.dim(o), a.chain(a.x0, o, c), a.chain(a.x1, o, c), a.chain(a.v1, o, c),
                                     a.c0 + a.dim_offset[o],
                                     a.c1 + a.dim_offset[o], a.accept[o * a.chains + c], jitter);
    v[0] = t.dchees;
    v[1] = t.chees;
  }
};

// Per outcome: the step size and trajectory length updates of this iteration, and the
// leapfrog steps of the next one.
struct AdaptOutcome {
  EngineArrays a;
  int iteration, warmup;
  bool start_averaging;
  HBM_HD void operator()(int o) const {
    const int O = a.outcomes;
    const double stat = harmonic_accept_stat(a.chains, a.accept_sums[O + o]);
    double eps = a.da[o].update(stat);
    a.adam[o].update(a.chees_sums[o], a.chees_sums[O + o], a.accept_sums[o]);
    a.adam[o].clamp(eps, a.max_steps * eps);
    if (start_averaging) a.adam[o].start_averaging();
    if (iteration + 1 == warmup) {
      eps = a.da[o].averaged();
      a.T[o] = clamp_double(a.adam[o].averaged_T(), eps, a.max_steps * eps);
    } else {
      a.n_steps[o] = jittered_steps(iteration + 1, a.adam[o].T(), eps, a.max_steps);
    }
    a.eps[o] = eps;
  }
};

// End of a metric window, first pass: sums over chains of the window means (segment m, for
// "a" and "z"), and of the log-scale means (segment o * kBlocks + b).
struct WindowMeanTerms {
  EngineArrays a;
  HBM_HD void operator()(int m, int c, double* v) const {
    const int o = a.coord_outcome[m];
    const std::int64_t idx = a.index(o, c, m - a.dim_offset[o]);
    v[0] = a.wa_mean[idx];
    v[1] = a.wz_mean[idx];
  }
};
template <int kBlocks>
struct ScaleMeanTerms {
  EngineArrays a;
  HBM_HD void operator()(int ob, int c, double* v) const {
    const int o = ob / kBlocks, b = ob % kBlocks;
    v[0] = a.ws_mean[(static_cast<std::int64_t>(o) * a.chains + c) * kBlocks + b];
    v[1] = 0.0;
  }
};

// Second pass: the pooled sums of squares, within chains plus between (chain mean - pooled mean).
struct WindowSquareTerms {
  EngineArrays a;
  double window_n;
  HBM_HD void operator()(int m, int c, double* v) const {
    const int o = a.coord_outcome[m];
    const std::int64_t idx = a.index(o, c, m - a.dim_offset[o]);
    const double ma = a.win_mean[m] / a.chains, mz = a.win_mean[a.coords + m] / a.chains;
    const double da = a.wa_mean[idx] - ma, dz = a.wz_mean[idx] - mz;
    v[0] = a.wa_m2[idx] + window_n * da * da;
    v[1] = a.wz_m2[idx] + window_n * dz * dz;
  }
};
template <int kBlocks>
struct ScaleSquareTerms {
  EngineArrays a;
  double window_n;
  HBM_HD void operator()(int ob, int c, double* v) const {
    const int o = ob / kBlocks, b = ob % kBlocks;
    const std::int64_t s = (static_cast<std::int64_t>(o) * a.chains + c) * kBlocks + b;
    const double d = a.ws_mean[s] - a.win_s_mean[ob] / a.chains;
    v[0] = a.ws_m2[s] + window_n * d * d;
    v[1] = 0.0;
  }
};

// Per coordinate: the next parametrisation of a study coordinate (centred when its effect's
// window variance is below kCentreRatio times the squared 10% quantile of the block's scale),
// and the metric in that parametrisation. force: 0 = choose, 1 = always centred, 2 = never.
//
// The 10% quantile is the log-normal one from the pooled mean and sd of log scale, not the
// sorted window's: it needs two sums per chain (the same on the GPU for any number of chains)
// instead of every window draw. The two can disagree when log scale is skewed, but the choice
// they feed matters little since non-centred studies are scaled by their data
// (models/random_effect.hpp): forcing every study non-centred moved bulk ESS of tau by under 2%
// on five datasets (models/adaptation.hpp, kCentreRatio).
constexpr double kNormalQ90 = 1.2815515655446004;  // Phi^-1(0.9): the 10% quantile is exp(mean - 1.28 sd)
template <class View>
struct ChooseMetric {
  View view;
  EngineArrays a;
  double window_n;
  int force;
  HBM_HD void operator()(int m) const {
    const int o = a.coord_outcome[m], j = m - a.dim_offset[o];
    const auto model = view.at(o);
    const double N = window_n * a.chains;
    const double var_a = a.win_sq[m] / (N - 1), var_z = a.win_sq[a.coords + m] / (N - 1);
    int i = 0;
    const int b = block_of(model, j, &i);
    if (b < 0) {
      a.inv_metric[m] = regularised_variance(N, var_a);
      return;
    }
    const int ob = o * View::kBlocks + b;
    const double mean_ls = a.win_s_mean[ob] / a.chains, var_ls = a.win_s_sq[ob] / (N - 1);
    const double q10 = std::exp(mean_ls - kNormalQ90 * std::sqrt(var_ls > 0 ? var_ls : 0.0));
    const bool centred = force == 1 || (force == 0 && var_a < kCentreRatio * q10 * q10);
    const std::int64_t f = (view.flags(o) - view.flags(0)) + b * model.K + i;
    a.next_flags[f] = centred ? 1 : 0;
    a.inv_metric[m] = regularised_variance(N, centred ? var_a : var_z);
  }
};

// Per chain: move every study whose parametrisation changes to its new coordinate (the effect
// itself is unchanged), then the log density and gradient there.
template <class View>
struct SwitchParametrisation {
  View view;
  EngineArrays a;
  HBM_HD void operator()(int gid) const {
    const int o = gid / a.chains, c = gid % a.chains;
    const auto m = view.at(o);
    const Vec q = a.chain(a.q, o, c);
    const std::uint8_t* now = view.flags(o);
    const std::uint8_t* next = a.next_flags + (now - view.flags(0));
    for (int b = 0; b < m.n_blocks(); ++b) {
      const double scale = m.effect_scale(q, b);
      for (int i = 0; i < m.K; ++i) {
        const int f = b * m.K + i;
        if (now[f] == next[f]) continue;
        const int j = m.block_offset(b) + i;
        const double e = block_effect(m, q, b, i, scale);
        q[j] = block_coordinate(m, b, i, next[f] != 0, e, m.effect_loc(q, b, i), scale);
      }
    }
  }
};

// Per flag: commit the next parametrisation.
struct CommitFlags {
  std::uint8_t* flags;
  const std::uint8_t* next;
  HBM_HD void operator()(int f) const { flags[f] = next[f]; }
};

// Per element: zero a window's statistics (and restart each outcome's step-size averaging).
struct ZeroDoubles {
  double* v;
  HBM_HD void operator()(int i) const { v[i] = 0.0; }
};
struct RestartStepSize {
  EngineArrays a;
  HBM_HD void operator()(int o) const { a.da[o].restart(a.eps[o]); }
};

// Where the sampling phase writes: every draw's hyperparameters (per outcome, chain-major
// [c][t][r]), the study effects of every thin-th draw ([c][t / thin][i]) and per-draw statistics.
struct DrawStore {
  const std::int64_t* hyper_offset = nullptr;  // O: start of the outcome's hyperparameter block
  const std::int64_t* study_offset = nullptr;  // O: start of the outcome's study block
  double* hyper = nullptr;
  double* study = nullptr;
  double* accept = nullptr;       // [o][c][t]
  double* energy = nullptr;       // [o][c][t]
  std::uint8_t* divergent = nullptr;  // [o][c][t]
  int draws = 0, thin = 1;
  HBM_HD int study_draws() const { return (draws + thin - 1) / thin; }
};

// Writes draw t of chain c from the outputs out[0..H + K) (hyperparameters first, then K
// studies). Lane r0 of R writes what the models' outputs() has it compute: lane 0 the
// hyperparameters, lane r the studies r, r + R, ... (so a lane reads only its own values and
// no lane waits for another, and a warp's lanes write neighbouring words).
HBM_HD void store_draw(const DrawStore& s, int o, int c, int t, int H, int K, CVec out, int r0 = 0, int R = 1) {
  if (r0 == 0) {
    double* h = s.hyper + s.hyper_offset[o] + (static_cast<std::int64_t>(c) * s.draws + t) * H;
    for (int r = 0; r < H; ++r) h[r] = out[r];
  }
  if (t % s.thin == 0) {
    double* st = s.study + s.study_offset[o] + (static_cast<std::int64_t>(c) * s.study_draws() + t / s.thin) * K;
    for (int i = r0; i < K; i += R) st[i] = out[H + i];
  }
}

// The per-draw statistics of draw t of chain gid (= o * chains + c).
HBM_HD void store_stats(const DrawStore& s, int gid, int t, double accept, double energy, int divergent) {
  const std::int64_t d = static_cast<std::int64_t>(gid) * s.draws + t;
  s.accept[d] = accept;
  s.energy[d] = energy;
  s.divergent[d] = static_cast<std::uint8_t>(divergent);
}

// Sampling: draws [t0, t1) of every chain with the final step size, trajectory length and
// metric. The chains no longer interact, so one call runs a chunk of draws per chain.
template <class View>
struct SampleChunk {
  View view;
  EngineArrays a;
  DrawStore s;
  std::uint64_t seed;
  int warmup, t0, t1;
  template <class G>
  HBM_HD_BODY void operator()(int gid, const G& grp) const {
    const int o = gid / a.chains, c = gid % a.chains;
    const auto m = view.at(o);
    const Vec q = a.chain(a.q, o, c), g = a.chain(a.g, o, c);
    const Vec out = a.chain(a.x0, o, c);  // D >= R scratch for the outputs
    const double* im = a.inv_metric + a.dim_offset[o];
    HmcWork w{a.chain(a.p, o, c), a.chain(a.qp, o, c), a.chain(a.gp, o, c)};
    double lp = a.lp[gid];
    for (int t = t0; t < t1; ++t) {
      const int it = warmup + t;
      const int L = jittered_steps(it, a.T[o], a.eps[o], a.max_steps);
      const HmcStepInfo info = hmc_transition(m, q, g, lp, im, a.eps[o], L, seed, a.stream[o],
                                              static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it), w, grp);
      grp.sync();  // the accepted state, whole
      block_updates(m, q, g, lp, w, seed, a.stream[o], c, it, grp);
      m.outputs(q, out, grp);
      store_draw(s, o, c, t, m.n_hyper(), m.K, out, grp.rank(), grp.size());
      if (grp.rank() == 0) store_stats(s, gid, t, info.accept_prob, info.energy, info.divergent);
    }
    if (grp.rank() == 0) a.lp[gid] = lp;
  }
};

// Gibbs: iterations [it0, it1) of every chain's sweeps (models/gibbs_*.hpp). A sweep that
// produces a non-finite value is undone (the chain stays at its last finite state) and counted.
// States live at q (state layout of the Gibbs model, dimension <= D), scratch at p/qp/gp.
template <class View>
struct GibbsChunk {
  View view;
  EngineArrays a;
  DrawStore s;
  std::uint64_t seed;
  int warmup, it0, it1;
  static constexpr int kMaxLanes = 1;  // the sweeps are sequential: one lane (SerialGroup) per chain
  template <class G>
  HBM_HD_BODY void operator()(int gid, const G&) const {
    const int o = gid / a.chains, c = gid % a.chains;
    const auto g = view.gibbs_at(o);
    const std::int64_t base = a.chain_base(o, c);  // Gibbs runs are chain-major (a.interleaved false)
    double* st = a.q + base;
    double* last = a.g + base;
    double* scratch = a.p + 4 * base;  // p is sized 4 C M under Gibbs: scratch <= 4D (4K single-arm, 6K two-arm)
    double* out = a.x0 + base;
    const int S = g.state_dim();
    for (int it = it0; it < it1; ++it) {
      RngStream rng(seed, a.stream[o], static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it),
                    RngPurpose::Gibbs);
      g.sweep(st, scratch, rng);
      bool finite = true;
      for (int j = 0; j < S; ++j) finite = finite && std::isfinite(st[j]);
      for (int j = 0; j < S; ++j) {
        if (finite) last[j] = st[j];
        else st[j] = last[j];
      }
      if (it < warmup) {
        a.warmup_divergent[gid] += !finite;
        continue;
      }
      const int t = it - warmup;
      View::gibbs_outputs(g, st, out);
      store_draw(s, o, c, t, View::gibbs_hyper(g), g.K, out);
      store_stats(s, gid, t, 1.0, 0.0, !finite);
    }
  }
};

// Benchmark probe: `evaluations` gradient evaluations per chain at its state (perturbed a
// little each time so nothing is hoisted), the leapfrog's inner work. Writes a checksum.
template <class View>
struct GradientProbe {
  View view;
  EngineArrays a;
  int evaluations;
  template <class G>
  HBM_HD_BODY void operator()(int gid, const G& grp) const {
    const int o = gid / a.chains, c = gid % a.chains;
    const auto m = view.at(o);
    const Vec q = a.chain(a.q, o, c), g = a.chain(a.g, o, c);
    double sum = 0;
    for (int e = 0; e < evaluations; ++e) {
      if (grp.rank() == 0) q[0] += 1e-12;  // the gradient's opening sync publishes it
      m.gradient(q, g, grp);
      sum += g[0];
    }
    if (grp.rank() == 0) a.lp[gid] = sum;
  }
};

}  // namespace hbm::batch
