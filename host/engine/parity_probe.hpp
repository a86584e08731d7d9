// Parity probes: single steps of the batched engine (host/engine/batch_engine.hpp) run once at
// GIVEN states on any backend, their results copied back to the host, so that the CUDA backend
// can be compared with the CPU backend step by step (llm.c's way: the CPU is the reference) and
// a GPU bug is localised to the step, the outcome and the chain where it starts, not seen as a
// posterior that is a little off. Each probe launches the engine's own step functors
// (models/batch_steps.hpp) on the backend it is given, exactly as run_hmc / run_gibbs do:
//   probe_log_density    InitLogDensity: log density and gradient at every chain's state;
//   probe_transition     one WarmupTransition (HMC transition, exact block updates, window
//                        statistics) from the given states, step sizes and step counts, its
//                        random numbers addressed by (seed, outcome stream, chain, iteration),
//                        then the warmup iteration's segmented sums over the chains;
//   probe_gibbs_sweep    one GibbsChunk iteration (one sweep) from the given Gibbs states;
//   probe_segmented_sums the backend's segmented sum over given values (any segment length).
// cuda/parity.hpp runs them on the GPU; tests/cuda_parity_test.cpp compares, and
// tests/cuda_parity_harness_test.cpp checks the CPU half against serial evaluations.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "host/engine/batch_engine.hpp"

namespace hbm::batch {

// How a probe launches the per-chain steps: lanes per chain as the engine's lanes_for() gives
// for `lanes` (0: the engine's own choice), and the study data staged per block where the
// backend has shared memory and `stage_studies`.
struct ProbeLayout {
  int lanes = 1;
  bool stage_studies = false;
};

// What a probe used: lanes per chain, the per-chain vectors' layout (models/strided.hpp) and
// where the study data were read (study_data_label()).
struct ProbeUsed {
  int lanes = 1;
  bool interleaved = false;
  const char* study_data = "host";
};

// Per-chain results: per-chain scalars at o * chains + c, per-chain vectors chain-major, at
// chains * dim_offset[o] + c * D_o + j, whatever layout the launch used (ProbeUsed::interleaved),
// so that every backend's and layout's results compare element by element.
struct DensityProbe {
  ProbeUsed used;
  std::vector<double> lp, grad;
};

// A segmented sum: value k of segment s at [k * segments + s], and the same sum of the terms'
// absolute values (the scale a rounding difference is relative to; a sum can cancel to 0).
struct SumProbe {
  std::vector<double> sum, abs_sum;
};

struct TransitionProbe {
  ProbeUsed used;
  std::vector<double> q, grad, lp, accept;  // after the transition and the block updates
  std::vector<int> divergent;               // warmup divergences (0 or 1 per chain)
  std::vector<double> x0, x1, v1;           // start, proposal and its velocity (preconditioned)
  std::vector<double> wa_mean, wz_mean, ws_mean;  // the window statistics of this one draw
  // The warmup iteration's sums over chains (run_hmc's order): acceptance, ChEES centres
  // (before normalising), ChEES terms (after), window means and squares, log-scale ones.
  SumProbe accept_sums, centres, chees, win_mean, win_s_mean, win_sq, win_s_sq;
};

struct GibbsProbe {
  std::vector<double> state;  // after the sweep (the last finite state where it was not finite)
  std::vector<int> not_finite;
};

// The terms of a segmented sum, their absolute values.
template <class F>
struct AbsTerms {
  F f;
  HBM_HD void operator()(int s, int e, double* v) const {
    f(s, e, v);
    v[0] = std::fabs(v[0]);
    v[1] = std::fabs(v[1]);
  }
};

// Given values, two per element: element e of segment s at v[2 * (s * len + e) + k].
struct GivenTerms {
  const double* v;
  int len;
  HBM_HD void operator()(int s, int e, double* out) const {
    const std::int64_t i = 2 * (static_cast<std::int64_t>(s) * len + e);
    out[0] = v[i];
    out[1] = v[i + 1];
  }
};

namespace probe_detail {

template <class Backend, class F>
SumProbe sums(Backend& be, int segments, int len, const F& f, detail::Buf<Backend, double>& work) {
  SumProbe r;
  be.template segmented_sum<2>(segments, len, f, work.data());
  work.download(r.sum);
  be.template segmented_sum<2>(segments, len, AbsTerms<F>{f}, work.data());
  work.download(r.abs_sum);
  r.sum.resize(2 * static_cast<std::size_t>(segments));
  r.abs_sum.resize(2 * static_cast<std::size_t>(segments));
  return r;
}

template <class Backend, class View>
ProbeUsed layout(Backend& be, const IndexHost& idx, int chains, std::int64_t n, const ProbeLayout& pl,
                 std::size_t* staged) {
  ProbeUsed u;
  u.lanes = lanes_for(idx, pl.lanes, Backend::kMaxLanes);
  u.interleaved = be.interleave_chains(u.lanes);
  *staged = staged_doubles<Backend, View>(be, idx, chains, n, u.lanes, pl.stage_studies);
  u.study_data = study_data_label(be, *staged);
  return u;
}

template <class Batch, class Buffer>
std::vector<double> chain_major(const Batch& b, const Buffer& buf) {
  std::vector<double> v;
  buf.download(v);
  return b.chain_major(v);
}

}  // namespace probe_detail

// Log density and gradient at every chain's state (starts[o].q0).
template <class Backend, class Data>
DensityProbe probe_log_density(Backend& be, const Data& data, const std::vector<OutcomeStart>& starts, int chains,
                               const ProbeLayout& pl) {
  using View = typename Data::View;
  DensityProbe r;
  std::size_t staged = 0;
  const std::int64_t OC = static_cast<std::int64_t>(starts.size()) * chains;
  r.used = probe_detail::layout<Backend, View>(be, data.index, chains, OC, pl, &staged);
  detail::Batch<Backend, Data> b(be, data, starts, chains, 1, true, 1, r.used.interleaved);
  be.for_each_group(b.OC, r.used.lanes, InitLogDensity<View>{b.view, b.a}, staged);
  be.synchronise();
  b.st.lp.download(r.lp);
  r.grad = probe_detail::chain_major(b, b.st.g);
  return r;
}

// One warmup transition of every chain from starts[o].q0 with outcome o's step size eps[o],
// n_steps[o] leapfrog steps and inverse metric starts[o].inv_metric, at `iteration` of `seed`,
// as the first draw of a metric window; then that iteration's sums over chains.
template <class Backend, class Data>
TransitionProbe probe_transition(Backend& be, const Data& data, const std::vector<OutcomeStart>& starts, int chains,
                                 const std::vector<double>& eps, const std::vector<int>& n_steps, std::uint64_t seed,
                                 int iteration, const ProbeLayout& pl) {
  using View = typename Data::View;
  constexpr int kB = View::kBlocks;
  TransitionProbe r;
  std::size_t staged = 0;
  const std::int64_t OC = static_cast<std::int64_t>(starts.size()) * chains;
  r.used = probe_detail::layout<Backend, View>(be, data.index, chains, OC, pl, &staged);
  detail::Batch<Backend, Data> b(be, data, starts, chains, 1 << 20, true, 1, r.used.interleaved);
  auto& st = b.st;
  EngineArrays& a = b.a;
  const int O = b.O, M = b.M;
  st.eps.upload(eps);
  st.n_steps.upload(n_steps);
  st.warm_div.fill_zero();
  for (auto* w : {&st.wa_mean, &st.wa_m2, &st.wz_mean, &st.wz_m2, &st.ws_mean, &st.ws_m2}) w->fill_zero();
  be.for_each_group(b.OC, r.used.lanes, InitLogDensity<View>{b.view, a}, staged);
  be.for_each_group(b.OC, r.used.lanes, WarmupTransition<View>{b.view, a, seed, iteration, 1.0}, staged);
  be.synchronise();
  r.q = probe_detail::chain_major(b, st.q);
  r.grad = probe_detail::chain_major(b, st.g);
  st.lp.download(r.lp);
  st.accept.download(r.accept);
  st.warm_div.download(r.divergent);
  r.x0 = probe_detail::chain_major(b, st.x0);
  r.x1 = probe_detail::chain_major(b, st.x1);
  r.v1 = probe_detail::chain_major(b, st.v1);
  r.wa_mean = probe_detail::chain_major(b, st.wa_mean);
  r.wz_mean = probe_detail::chain_major(b, st.wz_mean);
  st.ws_mean.download(r.ws_mean);

  detail::Buf<Backend, double> work(be, 2 * static_cast<std::size_t>(std::max(M, O * kB)));
  r.accept_sums = probe_detail::sums(be, O, chains, AcceptTerms{a}, work);
  st.accept_sums.upload(r.accept_sums.sum);
  r.centres = probe_detail::sums(be, M, chains, CentreTerms{a}, work);
  st.centres.upload(r.centres.sum);
  be.for_each(M, NormaliseCentres{a});
  r.chees = probe_detail::sums(be, O, chains, CheesChainTerms{a, 0.5}, work);
  r.win_mean = probe_detail::sums(be, M, chains, WindowMeanTerms{a}, work);
  st.win_mean.upload(r.win_mean.sum);
  r.win_s_mean = probe_detail::sums(be, O * kB, chains, ScaleMeanTerms<kB>{a}, work);
  st.win_s_mean.upload(r.win_s_mean.sum);
  r.win_sq = probe_detail::sums(be, M, chains, WindowSquareTerms{a, 1.0}, work);
  r.win_s_sq = probe_detail::sums(be, O * kB, chains, ScaleSquareTerms<kB>{a, 1.0}, work);
  return r;
}

// One Gibbs sweep (iteration `iteration` of `seed`) of every chain from its Gibbs state
// starts[o].q0 (models/gibbs_*.hpp layout).
template <class Backend, class Data>
GibbsProbe probe_gibbs_sweep(Backend& be, const Data& data, const std::vector<OutcomeStart>& starts, int chains,
                             std::uint64_t seed, int iteration, bool stage_studies) {
  using View = typename Data::View;
  detail::Batch<Backend, Data> b(be, data, starts, chains, 1, false, 4);
  auto& st = b.st;
  st.warm_div.fill_zero();
  {  // the last finite state starts as the given one
    std::vector<double> q;
    st.q.download(q);
    st.g.upload(q);
  }
  const std::size_t staged = staged_doubles<Backend, View>(be, data.index, chains, b.OC, 1, stage_studies);
  // Every iteration is warmup (warmup = iteration + 1), so nothing is stored: no draw store.
  be.for_each_group(b.OC, 1, GibbsChunk<View>{b.view, b.a, DrawStore{}, seed, iteration + 1, iteration, iteration + 1},
                    staged);
  be.synchronise();
  GibbsProbe r;
  st.q.download(r.state);
  st.warm_div.download(r.not_finite);
  return r;
}

// The backend's segmented sum of given values (two per element, GivenTerms' layout) over
// `segments` segments of `len` elements.
template <class Backend>
SumProbe probe_segmented_sums(Backend& be, const std::vector<double>& values, int segments, int len) {
  detail::Buf<Backend, double> v(be, values.size()), work(be, 2 * static_cast<std::size_t>(segments));
  v.upload(values);
  return probe_detail::sums(be, segments, len, GivenTerms{v.data(), len}, work);
}

}  // namespace hbm::batch
