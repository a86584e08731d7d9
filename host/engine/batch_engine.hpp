// The batched many-chain engine: every chain of every outcome of a batch (the outcomes of a
// fit, or thousands of simulated datasets) advances in the same launches, on CPU threads
// (host/engine/cpu_backend.hpp) or in CUDA kernels (cuda/cuda_backend.cuh). The host only sequences
// launches; every transition, reduction and adaptation update is a step functor of
// models/batch_steps.hpp running on the backend, so nothing is copied back per iteration.
//
// It is the only sampler: `fit`, `batch`, `simulate` and `bench-gradient` all run it. HMC
// warmup: one step size per outcome by dual averaging of the chains' harmonic-mean acceptance,
// ChEES trajectory length, metric windows at 5-10-20-35-55-80% of warmup with per-study
// centring chosen at each window's end; after every transition, exact Gibbs updates of each
// random-effect block's intercept and scale (models/block_gibbs.hpp). Memory stays bounded for
// thousands of chains: window statistics are per-chain Welford sums merged across chains (the
// same pooled mean and variance as one pass), and the 10% quantile of a block's scale is the
// log-normal quantile from the pooled mean and sd of log scale (ChooseMetric says why).
//
// Memory (doubles unless stated), for O outcomes, C chains per outcome, M = sum of dimensions,
// H = hyperparameters and K studies per outcome, S draws per chain, thin t:
//   state and work   15 C M   (q, gradient, momentum, proposal and its gradient, adaptation
//                              vectors, window sums); 11 C M under Gibbs (states, scratch)
//   draws            C S (sum H + 2 O) + C S sum K / t (hyperparameters, acceptance and energy,
//                    thinned study effects), plus C S O bytes (divergences)
// which run_*() can report before allocating (memory_bytes()).
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <vector>

#include "host/engine/batch_data.hpp"
#include "models/batch_steps.hpp"
#include "host/support/interrupt.hpp"
#include "host/support/progress.hpp"
#include "host/engine/sampler_config.hpp"
#include "host/engine/sampler_run.hpp"
#include "models/adaptation.hpp"

namespace hbm::batch {

// One outcome's starting point: its RNG stream, every chain's initial state (chains x dim,
// chain-major), the initial inverse metric and per-study parametrisation (kBlocks x K flags).
struct OutcomeStart {
  std::uint32_t stream = 0;
  int dim = 0, K = 0, hyper = 0, blocks = 1;  // blocks: the model's random-effect blocks
  std::vector<double> q0;
  std::vector<double> inv_metric;
  std::vector<std::uint8_t> flags;
};

// Bytes of backend memory a run needs (see the header comment).
inline double memory_bytes(const std::vector<OutcomeStart>& starts, int chains, int draws, int thin, bool gibbs) {
  double M = 0, H = 0, K = 0;
  for (const auto& s : starts) {
    M += s.dim;
    H += s.hyper;
    K += s.K;
  }
  const double C = chains, S = draws, O = static_cast<double>(starts.size());
  const double state = (gibbs ? 11.0 : 15.0) * C * M;
  const double draws_d = C * S * (H + 2 * O) + C * S * K / thin;
  return 8.0 * (state + draws_d) + C * S * O;
}

// Thinning of the study store so that it holds at most `cap` draws per study (all of them
// when cap <= 0 or the run is small enough).
inline int study_thin_for(int chains, int draws, double cap) {
  if (cap <= 0) return 1;
  const double total = static_cast<double>(chains) * draws;
  return std::max(1, static_cast<int>(std::ceil(total / cap)));
}

// Lanes per chain (models/group.hpp) for a batch. Backends that run one chain per thread (the
// CPU) say kMaxLanes = 1. On the GPU: `requested` when it is given (a power of two up to 32),
// else one thread per chain while every outcome has fewer than kWarpLayoutStudies studies and
// a warp per chain (studies across its lanes) from there. An outcome with more covariates than
// a lane keeps partial sums for (kMaxGroupCovariates) makes the whole batch one lane per chain.
constexpr int kWarpLayoutStudies = 64;  // provisional until measured: scripts/gpu-check.sh times both layouts
constexpr int kWarpLanes = 32;          // a warp: the most lanes per chain on the GPU
inline int lanes_for(const IndexHost& idx, int requested, int backend_max) {
  int max_K = 0, max_P = 0;
  for (int o = 0; o < idx.outcomes(); ++o) {
    max_K = std::max(max_K, idx.K(o));
    max_P = std::max(max_P, idx.n_cov[o]);
  }
  if (backend_max <= 1 || max_P > kMaxGroupCovariates) return 1;
  const int lanes = requested > 0 ? requested : (max_K >= kWarpLayoutStudies ? kWarpLanes : 1);
  return std::min(lanes, backend_max);
}

// The lanes per chain of a whole batch, fixed before it is split into smaller ones (a batch
// that does not fit in device memory, host/engine/batched_run.hpp): each part then runs with the
// batch's lanes, not those its own outcomes would get, so an outcome's draws do not depend on
// which outcomes share its launch (lanes change the order of the sums).
inline int lanes_of_whole_batch(const IndexHost& idx, int requested) { return lanes_for(idx, requested, kWarpLanes); }

// Shared-memory staging of the study data for launches of n = outcomes x chains indices with
// `lanes` lanes per chain: the doubles the block with the most studies needs (every block gets
// that much), or 0 for none, so that the launches read the data where they are. None on a
// backend without shared memory (the CPU), when `want` is false (--gpu-study-data global), or
// when a block's studies would not fit the backend's limit (then the launches read global
// memory through the caches, as they do without staging; the run says which in study_data).
template <class Backend, class View>
std::size_t staged_doubles(const Backend& be, const IndexHost& idx, int chains, std::int64_t n, int lanes, bool want) {
  if (!want || be.max_staged_bytes() == 0 || n <= 0) return 0;
  const std::int64_t per = be.block_chains(lanes);
  std::size_t most = 0;
  for (std::int64_t first = 0; first < n; first += per) {
    const std::int64_t last = std::min(n, first + per) - 1;
    const StudyRange r = study_range(idx.study_offset.data(), idx.x_offset.data(), idx.n_cov.data(),
                                     static_cast<int>(first / chains), static_cast<int>(last / chains));
    most = std::max(most, static_cast<std::size_t>(r.doubles(View::kStudyArrays)));
  }
  return most * sizeof(double) <= be.max_staged_bytes() ? most : 0;
}

// Where a run's launches read the study data: "shared" (staged), "global" (a backend with shared
// memory, not staged) or "host" (the CPU).
template <class Backend>
const char* study_data_label(const Backend& be, std::size_t staged) {
  return staged > 0 ? "shared" : be.max_staged_bytes() > 0 ? "global" : "host";
}

namespace detail {

template <class Backend, class T>
using Buf = typename Backend::template Buffer<T>;

// The engine's state buffers for one batch.
template <class Backend>
struct State {
  int O, C, M, FL;
  Buf<Backend, int> dim_offset, coord_outcome, n_steps, warm_div;
  Buf<Backend, std::uint32_t> stream;
  Buf<Backend, double> q, g, p, qp, gp, x0, x1, v1, lp, inv_metric, eps, T, accept;
  Buf<Backend, double> wa_mean, wa_m2, wz_mean, wz_m2, ws_mean, ws_m2;
  Buf<Backend, double> centres, accept_sums, chees_sums, win_mean, win_sq, win_s_mean, win_s_sq;
  Buf<Backend, DualAveraging> da;
  Buf<Backend, ChEESAdam> adam;
  Buf<Backend, std::uint8_t> flags, next_flags;

  State(Backend& be, int outcomes, int chains, int coords, int flag_count, int blocks, bool hmc, int p_factor)
      : O(outcomes), C(chains), M(coords), FL(flag_count), dim_offset(be, O + 1), coord_outcome(be, M),
        n_steps(be, O), warm_div(be, static_cast<std::size_t>(O) * C), stream(be, O),
        q(be, std::size_t(C) * M), g(be, std::size_t(C) * M), p(be, std::size_t(p_factor) * C * M),
        qp(be, std::size_t(C) * M), gp(be, std::size_t(C) * M), x0(be, std::size_t(C) * M),
        x1(be, hmc ? std::size_t(C) * M : 0), v1(be, hmc ? std::size_t(C) * M : 0), lp(be, std::size_t(O) * C),
        inv_metric(be, M), eps(be, O), T(be, O), accept(be, std::size_t(O) * C),
        wa_mean(be, hmc ? std::size_t(C) * M : 0), wa_m2(be, hmc ? std::size_t(C) * M : 0),
        wz_mean(be, hmc ? std::size_t(C) * M : 0), wz_m2(be, hmc ? std::size_t(C) * M : 0),
        ws_mean(be, hmc ? std::size_t(O) * C * blocks : 0), ws_m2(be, hmc ? std::size_t(O) * C * blocks : 0),
        centres(be, 2 * std::size_t(M)), accept_sums(be, 2 * std::size_t(O)), chees_sums(be, 2 * std::size_t(O)),
        win_mean(be, 2 * std::size_t(M)), win_sq(be, 2 * std::size_t(M)),
        win_s_mean(be, 2 * std::size_t(O) * blocks), win_s_sq(be, 2 * std::size_t(O) * blocks), da(be, O),
        adam(be, O), flags(be, FL), next_flags(be, FL) {}

  EngineArrays arrays(int max_steps) {
    EngineArrays a;
    a.outcomes = O;
    a.chains = C;
    a.coords = M;
    a.max_steps = max_steps;
    a.dim_offset = dim_offset.data();
    a.coord_outcome = coord_outcome.data();
    a.stream = stream.data();
    a.q = q.data();
    a.g = g.data();
    a.p = p.data();
    a.qp = qp.data();
    a.gp = gp.data();
    a.x0 = x0.data();
    a.x1 = x1.data();
    a.v1 = v1.data();
    a.lp = lp.data();
    a.inv_metric = inv_metric.data();
    a.eps = eps.data();
    a.T = T.data();
    a.n_steps = n_steps.data();
    a.da = da.data();
    a.adam = adam.data();
    a.accept = accept.data();
    a.warmup_divergent = warm_div.data();
    a.wa_mean = wa_mean.data();
    a.wa_m2 = wa_m2.data();
    a.wz_mean = wz_mean.data();
    a.wz_m2 = wz_m2.data();
    a.ws_mean = ws_mean.data();
    a.ws_m2 = ws_m2.data();
    a.c0 = centres.data();
    a.c1 = centres.data() + M;
    a.accept_sums = accept_sums.data();
    a.chees_sums = chees_sums.data();
    a.win_mean = win_mean.data();
    a.win_sq = win_sq.data();
    a.win_s_mean = win_s_mean.data();
    a.win_s_sq = win_s_sq.data();
    a.next_flags = next_flags.data();
    return a;
  }
};

// The sampling-phase store.
template <class Backend>
struct Store {
  std::vector<std::int64_t> h_off, s_off;  // host copies (declared first: the buffers' sizes use them)
  Buf<Backend, std::int64_t> hyper_offset, study_offset;
  Buf<Backend, double> hyper, study, accept, energy;
  Buf<Backend, std::uint8_t> divergent;
  int draws, thin;

  static std::vector<std::int64_t> offsets(const std::vector<OutcomeStart>& st, int C, std::int64_t per_chain_draws,
                                           bool hyper_part) {
    std::vector<std::int64_t> off(st.size() + 1, 0);
    for (std::size_t o = 0; o < st.size(); ++o)
      off[o + 1] = off[o] + C * per_chain_draws * (hyper_part ? st[o].hyper : st[o].K);
    return off;
  }
  Store(Backend& be, const std::vector<OutcomeStart>& st, int C, int S, int t)
      : h_off(offsets(st, C, S, true)), s_off(offsets(st, C, (S + t - 1) / t, false)),
        hyper_offset(be, st.size() + 1), study_offset(be, st.size() + 1),
        hyper(be, static_cast<std::size_t>(h_off.back())), study(be, static_cast<std::size_t>(s_off.back())),
        accept(be, st.size() * std::size_t(C) * S), energy(be, st.size() * std::size_t(C) * S),
        divergent(be, st.size() * std::size_t(C) * S), draws(S), thin(t) {
    hyper_offset.upload(h_off);
    study_offset.upload(s_off);
  }
  DrawStore view() {
    DrawStore s;
    s.hyper_offset = hyper_offset.data();
    s.study_offset = study_offset.data();
    s.hyper = hyper.data();
    s.study = study.data();
    s.accept = accept.data();
    s.energy = energy.data();
    s.divergent = divergent.data();
    s.draws = draws;
    s.thin = thin;
    return s;
  }
};

// Per-chain vectors of a batch (outcome o's block at C * doff[o], C * D_o doubles) between the
// chain-major order (c * D_o + j, the order of OutcomeStart::q0 and of the probes' results) and
// the interleaved one (j * C + c; models/strided.hpp): to_interleaved true for chain-major to
// interleaved, false for the way back.
inline std::vector<double> permute_chains(const std::vector<double>& v, const std::vector<int>& doff, int C,
                                          bool to_interleaved) {
  std::vector<double> out(v.size());
  for (std::size_t o = 0; o + 1 < doff.size(); ++o) {
    const int D = doff[o + 1] - doff[o];
    const std::size_t first = static_cast<std::size_t>(C) * doff[o];
    for (int c = 0; c < C; ++c)
      for (int j = 0; j < D; ++j) {
        const std::size_t cm = first + static_cast<std::size_t>(c) * D + j, il = first + static_cast<std::size_t>(j) * C + c;
        if (to_interleaved) out[il] = v[cm];
        else out[cm] = v[il];
      }
  }
  return out;
}

// Uploads the layout, the initial states (in the engine's layout: chain-major, or interleaved),
// metric and flags; returns the per-outcome dimension offsets (host copy).
template <class Backend, int kBlocks>
std::vector<int> upload_starts(State<Backend>& st, const std::vector<OutcomeStart>& starts, int chains,
                               bool interleaved) {
  const int O = static_cast<int>(starts.size());
  std::vector<int> doff(O + 1, 0), coord_outcome;
  std::vector<std::uint32_t> stream(O);
  std::vector<double> q, im;
  std::vector<std::uint8_t> flags;
  for (int o = 0; o < O; ++o) {
    const OutcomeStart& s = starts[o];
    doff[o + 1] = doff[o] + s.dim;
    for (int j = 0; j < s.dim; ++j) coord_outcome.push_back(o);
    stream[o] = s.stream;
    q.insert(q.end(), s.q0.begin(), s.q0.end());
    im.insert(im.end(), s.inv_metric.begin(), s.inv_metric.end());
    std::vector<std::uint8_t> f = s.flags;
    f.resize(static_cast<std::size_t>(kBlocks) * s.K, 0);
    flags.insert(flags.end(), f.begin(), f.end());
  }
  st.dim_offset.upload(doff);
  st.coord_outcome.upload(coord_outcome);
  st.stream.upload(stream);
  st.q.upload(interleaved ? permute_chains(q, doff, chains, true) : q);
  st.inv_metric.upload(im);
  st.flags.upload(flags);
  return doff;
}

// Per-outcome runs from the store, each outcome's part copied straight into its run (the
// store's size once more in host memory, not twice: host/engine/memory_plan.hpp counts on it).
template <class Backend>
std::vector<HmcRun> collect_runs(Store<Backend>& store, const std::vector<OutcomeStart>& starts, int C,
                                 const char* sampler) {
  const int O = static_cast<int>(starts.size()), S = store.draws;
  std::vector<HmcRun> runs(O);
  const std::size_t per = static_cast<std::size_t>(C) * S;
  std::vector<std::uint8_t> div(per);
  for (int o = 0; o < O; ++o) {
    HmcRun& r = runs[o];
    r.sampler = sampler;
    r.chains = C;
    r.draws = S;
    r.n_outputs = starts[o].hyper;
    r.outputs.resize(static_cast<std::size_t>(store.h_off[o + 1] - store.h_off[o]));
    store.hyper.download(static_cast<std::size_t>(store.h_off[o]), r.outputs.size(), r.outputs.data());
    r.n_study = starts[o].K;
    r.study_thin = store.thin;
    r.study_draws = (S + store.thin - 1) / store.thin;
    r.study_outputs.resize(static_cast<std::size_t>(store.s_off[o + 1] - store.s_off[o]));
    store.study.download(static_cast<std::size_t>(store.s_off[o]), r.study_outputs.size(), r.study_outputs.data());
    r.accept_prob.resize(per);
    store.accept.download(o * per, per, r.accept_prob.data());
    r.energy.resize(per);
    store.energy.download(o * per, per, r.energy.data());
    store.divergent.download(o * per, per, div.data());
    r.divergent.assign(div.begin(), div.end());
  }
  return runs;
}

// One batch on a backend: its data, the engine state with the starts uploaded, and the view.
template <class Backend, class Data>
struct Batch {
  using View = typename Data::View;
  static constexpr int kB = View::kBlocks;
  int O, C, M = 0, FL;
  std::int64_t OC;
  typename Data::template Device<Backend> dev;
  State<Backend> st;
  std::vector<int> doff;
  View view;
  EngineArrays a;

  static int coords(const std::vector<OutcomeStart>& starts) {
    int m = 0;
    for (const auto& s : starts) m += s.dim;
    return m;
  }
  // interleaved: the per-chain vectors' layout (EngineArrays::interleaved; HMC only: the Gibbs
  // sweeps are chain-major).
  Batch(Backend& be, const Data& data, const std::vector<OutcomeStart>& starts, int chains, int max_steps, bool hmc,
        int p_factor, bool interleaved = false)
      : O(static_cast<int>(starts.size())), C(chains), M(coords(starts)), FL(kB * data.index.studies()),
        OC(static_cast<std::int64_t>(O) * C), dev(be, data), st(be, O, C, M, FL, kB, hmc, p_factor),
        doff(upload_starts<Backend, kB>(st, starts, chains, interleaved)), view(dev.view(st.flags.data())),
        a(st.arrays(max_steps)) {
    a.interleaved = interleaved;
  }
  // A per-chain vector downloaded from the engine, in chain-major order.
  std::vector<double> chain_major(const std::vector<double>& v) const {
    return a.interleaved ? permute_chains(v, doff, C, false) : v;
  }
};

}  // namespace detail

// Many-chain HMC for every outcome of a batch. `Data` is a SingleArmBatch or TwoArmBatch
// (host/engine/batch_data.hpp) holding the outcomes in the order of `starts`.
template <class Backend, class Data>
std::vector<HmcRun> run_hmc(Backend& be, const Data& data, const std::vector<OutcomeStart>& starts,
                            const SamplerConfig& cfg, int thin) {
  using View = typename Data::View;
  constexpr int kB = View::kBlocks;
  const int lanes = lanes_for(data.index, cfg.lanes, Backend::kMaxLanes);
  detail::Batch<Backend, Data> b(be, data, starts, cfg.chains, cfg.max_steps, true, 1, be.interleave_chains(lanes));
  const int O = b.O, C = b.C, M = b.M, FL = b.FL, W = cfg.warmup;
  const std::int64_t OC = b.OC;
  auto& st = b.st;
  const std::vector<int>& doff = b.doff;
  const View& view = b.view;
  EngineArrays& a = b.a;

  std::vector<double> eps0(O, 0.25), T0(O, 1.0);
  std::vector<int> L0(O, jittered_steps(0, 1.0, 0.25, cfg.max_steps));
  std::vector<DualAveraging> da0(O);
  std::vector<ChEESAdam> adam0(O);
  for (int o = 0; o < O; ++o) {
    da0[o].target = cfg.target_accept;
    da0[o].restart(0.25);
  }
  st.eps.upload(eps0);
  st.T.upload(T0);
  st.n_steps.upload(L0);
  st.da.upload(da0);
  st.adam.upload(adam0);
  st.warm_div.fill_zero();
  for (auto* b : {&st.wa_mean, &st.wa_m2, &st.wz_mean, &st.wz_m2, &st.ws_mean, &st.ws_m2}) b->fill_zero();
  const std::size_t staged = staged_doubles<Backend, View>(be, data.index, C, OC, lanes, cfg.stage_studies);
  be.for_each_group(OC, lanes, InitLogDensity<View>{view, a}, staged);

  // Metric windows [bounds[k], bounds[k+1]); after the last one only the step size and T adapt.
  std::vector<int> bounds;
  for (double f : {0.05, 0.1, 0.2, 0.35, 0.55, 0.8}) bounds.push_back(static_cast<int>(std::lround(f * W)));
  const int t_avg_start = static_cast<int>(std::lround(0.9 * W));
  const int force = cfg.parametrisation == Parametrisation::Centred ? 1
                    : cfg.parametrisation == Parametrisation::NonCentred ? 2 : 0;
  int window = 0;
  double window_n = 0;

  for (int it = 0; it < W; ++it) {
    throw_if_interrupted();
    const bool collecting = window + 1 < static_cast<int>(bounds.size()) && it >= bounds[window];
    if (collecting) window_n += 1;
    be.for_each_group(OC, lanes, WarmupTransition<View>{view, a, cfg.seed, it, collecting ? window_n : 0.0}, staged);
    be.template segmented_sum<2>(O, C, AcceptTerms{a}, a.accept_sums);
    be.template segmented_sum<2>(M, C, CentreTerms{a}, a.c0);
    be.for_each(M, NormaliseCentres{a});
    be.template segmented_sum<2>(O, C, CheesChainTerms{a, halton_base2(static_cast<std::uint64_t>(it) + 1)},
                                 a.chees_sums);
    be.for_each(O, AdaptOutcome{a, it, W, it + 1 == t_avg_start});

    if (collecting && it + 1 == bounds[window + 1]) {
      be.template segmented_sum<2>(M, C, WindowMeanTerms{a}, a.win_mean);
      be.template segmented_sum<2>(O * kB, C, ScaleMeanTerms<kB>{a}, a.win_s_mean);
      be.template segmented_sum<2>(M, C, WindowSquareTerms{a, window_n}, a.win_sq);
      be.template segmented_sum<2>(O * kB, C, ScaleSquareTerms<kB>{a, window_n}, a.win_s_sq);
      be.for_each(FL, CommitFlags{a.next_flags, st.flags.data()});  // next = now for non-study flags
      be.for_each(M, ChooseMetric<View>{view, a, window_n, force});
      be.for_each(OC, SwitchParametrisation<View>{view, a});
      be.for_each(FL, CommitFlags{st.flags.data(), a.next_flags});
      be.for_each_group(OC, lanes, InitLogDensity<View>{view, a}, staged);
      be.for_each(O, RestartStepSize{a});
      for (auto* b : {&st.wa_mean, &st.wa_m2, &st.wz_mean, &st.wz_m2, &st.ws_mean, &st.ws_m2}) b->fill_zero();
      window_n = 0;
      ++window;
    }
    if (cfg.progress) cfg.progress->advance(static_cast<double>(OC));
  }
  if (W == 0) {  // no warmup: sample with the initial step size and trajectory length
    st.eps.upload(eps0);
    st.T.upload(T0);
  }

  // ---- sampling, in chunks so that interrupts and progress are seen ----
  detail::Store<Backend> store(be, starts, C, cfg.draws, thin);
  const DrawStore sv = store.view();
  const int chunk = 50;
  for (int t0 = 0; t0 < cfg.draws; t0 += chunk) {
    throw_if_interrupted();
    const int t1 = std::min(cfg.draws, t0 + chunk);
    be.for_each_group(OC, lanes, SampleChunk<View>{view, a, sv, cfg.seed, W, t0, t1}, staged);
    be.synchronise();
    if (cfg.progress) cfg.progress->advance(static_cast<double>(OC) * (t1 - t0));
  }

  std::vector<HmcRun> runs = detail::collect_runs(store, starts, C, "hmc");
  std::vector<double> eps, T, im;
  std::vector<int> wdiv;
  std::vector<std::uint8_t> flags;
  st.eps.download(eps);
  st.T.download(T);
  st.inv_metric.download(im);
  st.warm_div.download(wdiv);
  st.flags.download(flags);
  std::size_t fpos = 0;
  for (int o = 0; o < O; ++o) {
    HmcRun& r = runs[o];
    r.lanes = lanes;
    r.study_data = study_data_label(be, staged);
    r.step_size = eps[o];
    r.trajectory_length = T[o];
    r.inv_metric.assign(im.begin() + doff[o], im.begin() + doff[o + 1]);
    for (int c = 0; c < C; ++c) r.warmup_divergences += wdiv[static_cast<std::size_t>(o) * C + c];
    r.n_steps.resize(static_cast<std::size_t>(C) * cfg.draws);
    for (int t = 0; t < cfg.draws; ++t) {
      const int L = jittered_steps(W + t, T[o], eps[o], cfg.max_steps);
      for (int c = 0; c < C; ++c) r.n_steps[static_cast<std::size_t>(c) * cfg.draws + t] = L;
    }
    const int K = starts[o].K;
    for (int b = 0; b < starts[o].blocks; ++b)
      r.centred.emplace_back(flags.begin() + fpos + b * K, flags.begin() + fpos + (b + 1) * K);
    fpos += static_cast<std::size_t>(kB) * K;
  }
  return runs;
}

// Many-chain Gibbs sweeps (Pólya-Gamma augmentation) for every outcome of a batch: warmup is
// burn-in. starts[o].q0 holds each chain's Gibbs state (models/gibbs_*.hpp layout).
template <class Backend, class Data>
std::vector<HmcRun> run_gibbs(Backend& be, const Data& data, const std::vector<OutcomeStart>& starts,
                              const SamplerConfig& cfg, int thin) {
  using View = typename Data::View;
  detail::Batch<Backend, Data> b(be, data, starts, cfg.chains, cfg.max_steps, false, 4);
  const int O = b.O, C = b.C, W = cfg.warmup;
  const std::int64_t OC = b.OC;
  auto& st = b.st;
  const View& view = b.view;
  EngineArrays& a = b.a;
  st.warm_div.fill_zero();
  detail::Store<Backend> store(be, starts, C, cfg.draws, thin);
  const DrawStore sv = store.view();
  {  // each chain's last finite state starts as its initial state
    std::vector<double> q;
    st.q.download(q);
    st.g.upload(q);
  }
  const std::size_t staged = staged_doubles<Backend, View>(be, data.index, C, OC, 1, cfg.stage_studies);
  const int chunk = 50;
  for (int i0 = 0; i0 < W + cfg.draws; i0 += chunk) {
    throw_if_interrupted();
    const int i1 = std::min(W + cfg.draws, i0 + chunk);
    be.for_each_group(OC, 1, GibbsChunk<View>{view, a, sv, cfg.seed, W, i0, i1}, staged);
    be.synchronise();
    if (cfg.progress) cfg.progress->advance(static_cast<double>(OC) * (i1 - i0));
  }
  std::vector<HmcRun> runs = detail::collect_runs(store, starts, C, "gibbs");
  std::vector<int> wdiv;
  st.warm_div.download(wdiv);
  for (int o = 0; o < O; ++o) {
    HmcRun& r = runs[o];
    r.study_data = study_data_label(be, staged);
    for (int c = 0; c < C; ++c) r.warmup_divergences += wdiv[static_cast<std::size_t>(o) * C + c];
    r.n_steps.assign(static_cast<std::size_t>(C) * cfg.draws, 0);
    for (int b = 0; b < starts[o].blocks; ++b) r.centred.emplace_back(starts[o].K, 1);
  }
  return runs;
}

// The layout of a gradient benchmark: lanes per chain and where the study data were read.
struct GradientLayout {
  int lanes = 1;
  const char* study_data = "host";
};

// Seconds for `evaluations` gradient evaluations of every chain of every outcome at its
// starting state (after one untimed round), for the benchmarks; `lanes` per chain as
// lanes_for() chooses them from `requested_lanes`, the study data staged in shared memory when
// `stage_studies` and they fit (staged_doubles()); what was used is written to *used.
template <class Backend, class Data>
double time_gradients(Backend& be, const Data& data, const std::vector<OutcomeStart>& starts, int chains,
                      int evaluations, int requested_lanes = 0, bool stage_studies = true,
                      GradientLayout* used = nullptr) {
  using View = typename Data::View;
  const int lanes = lanes_for(data.index, requested_lanes, Backend::kMaxLanes);
  detail::Batch<Backend, Data> b(be, data, starts, chains, 1, false, 1, be.interleave_chains(lanes));
  const View& view = b.view;
  const EngineArrays& a = b.a;
  const std::int64_t OC = b.OC;
  const std::size_t staged = staged_doubles<Backend, View>(be, data.index, chains, OC, lanes, stage_studies);
  if (used) *used = GradientLayout{lanes, study_data_label(be, staged)};
  be.for_each_group(OC, lanes, GradientProbe<View>{view, a, 1}, staged);
  be.synchronise();
  const auto t0 = std::chrono::steady_clock::now();
  be.for_each_group(OC, lanes, GradientProbe<View>{view, a, evaluations}, staged);
  be.synchronise();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace hbm::batch
