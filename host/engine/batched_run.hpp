// Runs the batched engine (host/engine/batch_engine.hpp) for a set of outcomes of one model on the
// chosen backend: the CPU threads, or the GPU when built with CUDA. Builds each outcome's
// starting point from its problem (initial centring, each chain's Init stream, the initial
// metric), so an outcome's chains start at the same point on every backend. On the GPU a batch
// that does not fit in device memory is split in halves (each outcome's result does not depend
// on which outcomes share its batch); a single outcome that does not fit is a clear error.
#pragma once
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/engine/batch_data.hpp"
#include "host/engine/batch_engine.hpp"
#include "host/engine/cpu_backend.hpp"
#include "host/engine/effect_block.hpp"
#include "host/engine/memory_plan.hpp"
#include "host/engine/sampler_config.hpp"
#include "host/support/thread_pool.hpp"
#ifdef HBMETA_HAVE_CUDA
#include "cuda/device_engine.hpp"
#endif

namespace hbm {

// An outcome's starting point: each block's per-study flags set by `flag(b, i)`, then every
// chain's initial state from its Init stream through `init(rng, q)`.
template <class Problem, class Flag, class Init>
batch::OutcomeStart outcome_start(Problem& prob, const SamplerConfig& cfg, std::uint32_t stream, Flag flag, Init init) {
  batch::OutcomeStart s;
  s.stream = stream;
  s.dim = prob.dim();
  s.hyper = prob.n_hyper();
  s.blocks = prob.n_blocks();
  for (int b = 0; b < prob.n_blocks(); ++b) {
    EffectBlock& blk = prob.block(b);
    for (int i = 0; i < static_cast<int>(blk.centred.size()); ++i) blk.centred[i] = flag(b, i);
    s.K = static_cast<int>(blk.centred.size());
    s.flags.insert(s.flags.end(), blk.centred.begin(), blk.centred.end());
  }
  prob.sync_model();
  s.q0.resize(static_cast<std::size_t>(cfg.chains) * s.dim);
  for (int c = 0; c < cfg.chains; ++c) {
    RngStream rng(cfg.seed, stream, static_cast<std::uint32_t>(c), 0, RngPurpose::Init);
    init(rng, &s.q0[static_cast<std::size_t>(c) * s.dim]);
  }
  return s;
}

// HMC's start: per-study centring from the data's first guess (or as forced), each chain's
// initial point, the initial metric.
template <class Problem>
batch::OutcomeStart hmc_start(Problem& prob, const SamplerConfig& cfg, std::uint32_t stream) {
  batch::OutcomeStart s = outcome_start(
      prob, cfg, stream,
      [&](int b, int i) { return initial_centring(cfg.parametrisation, prob.initial_centred(b, i)); },
      [&](RngStream& rng, double* q) { prob.initial_point(rng, q); });
  s.inv_metric = prob.initial_inv_metric();
  return s;
}

// Gibbs's start: every block centred, each chain's initial state.
template <class Problem>
batch::OutcomeStart gibbs_start(Problem& prob, const SamplerConfig& cfg, std::uint32_t stream) {
  return outcome_start(
      prob, cfg, stream, [](int, int) { return std::uint8_t{1}; },
      [&](RngStream& rng, double* q) { prob.initial_gibbs_state(rng, q); });
}

namespace batched_detail {

template <class Problem>
std::vector<HmcRun> run_range(const std::vector<Problem*>& probs, const std::vector<batch::OutcomeStart>& starts,
                              std::size_t lo, std::size_t hi, const SamplerConfig& cfg, Device backend,
                              ThreadPool& pool, int thin) {
  using Data = typename batch::BatchOf<typename Problem::Model>::type;
  Data data;
  for (std::size_t k = lo; k < hi; ++k) data.add(probs[k]->model());
  const std::vector<batch::OutcomeStart> part(starts.begin() + lo, starts.begin() + hi);
  const bool gibbs = cfg.algorithm == Algorithm::Gibbs;
  if (backend == Device::Cpu) {
    CpuBackend be(pool);
    return gibbs ? batch::run_gibbs(be, data, part, cfg, thin) : batch::run_hmc(be, data, part, cfg, thin);
  }
#ifdef HBMETA_HAVE_CUDA
  const double need = batch::memory_bytes(part, cfg.chains, cfg.draws, thin, gibbs);
  const double free_b = cuda::device_info(0).free_bytes;
  try {
    if (need > 0.9 * free_b) throw cuda::DeviceOutOfMemory("estimated need exceeds free GPU memory");
    return gibbs ? cuda::run_gibbs(data, part, cfg, thin) : cuda::run_hmc(data, part, cfg, thin);
  } catch (const cuda::DeviceOutOfMemory&) {
    if (hi - lo > 1) {  // smaller batches, with this batch's lanes: each outcome's result is the same in any batch
      SamplerConfig part_cfg = cfg;
      part_cfg.lanes = batch::lanes_of_whole_batch(data.index, cfg.lanes);
      const std::size_t mid = lo + (hi - lo) / 2;
      std::vector<HmcRun> a = run_range(probs, starts, lo, mid, part_cfg, backend, pool, thin);
      std::vector<HmcRun> b = run_range(probs, starts, mid, hi, part_cfg, backend, pool, thin);
      for (auto& r : b) a.push_back(std::move(r));
      return a;
    }
    throw std::runtime_error("GPU out of memory: one outcome with " + std::to_string(cfg.chains) + " chains x " +
                             std::to_string(cfg.draws) + " draws needs about " +
                             std::to_string(static_cast<long long>(need / 1048576.0)) + " MiB of the " +
                             std::to_string(static_cast<long long>(free_b / 1048576.0)) +
                             " MiB free; use fewer --chains or --draws, or --device cpu");
  }
#else
  throw std::runtime_error("--device cuda: this hbmeta was built without CUDA (nvcc not found at configure time)");
#endif
}

}  // namespace batched_detail

// The order the outcomes of a batch run in: by number of studies (then dimension), stable, so
// that the chains a GPU warp or block holds together belong to outcomes with similar work (the
// same loop lengths over studies) instead of a mix of small and large ones. Each outcome's
// results do not depend on its place in the batch (its random numbers are addressed by its own
// stream, and it adapts on its own), so the order changes no number, only the launches' layout.
template <class Problem>
std::vector<std::size_t> batch_order(const std::vector<Problem*>& probs) {
  std::vector<std::size_t> order(probs.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const int Ka = probs[a]->model().K, Kb = probs[b]->model().K;
    return Ka != Kb ? Ka < Kb : probs[a]->dim() < probs[b]->dim();
  });
  return order;
}

// Runs the sampler of cfg on every problem (all of one model type) in one batch, keeping every
// study_thin-th draw of each chain of the study effects (host/engine/memory_plan.hpp decides it).
// The runs come back in the order of `probs`, whatever order they ran in (batch_order()).
template <class Problem>
std::vector<HmcRun> run_batched(const std::vector<Problem*>& probs, const std::vector<std::uint32_t>& streams,
                                const SamplerConfig& cfg, Device backend, ThreadPool& pool, int study_thin) {
  const std::vector<std::size_t> order = batch_order(probs);
  std::vector<Problem*> sorted;
  std::vector<batch::OutcomeStart> starts;
  for (std::size_t k : order) {
    sorted.push_back(probs[k]);
    starts.push_back(cfg.algorithm == Algorithm::Gibbs ? gibbs_start(*probs[k], cfg, streams[k])
                                                       : hmc_start(*probs[k], cfg, streams[k]));
  }
  std::vector<HmcRun> ran = batched_detail::run_range(sorted, starts, 0, sorted.size(), cfg, backend, pool, study_thin);
  std::vector<HmcRun> runs(ran.size());
  for (std::size_t k = 0; k < order.size(); ++k) runs[order[k]] = std::move(ran[k]);
  return runs;
}

// What a problem adds to a run's size (host/engine/memory_plan.hpp).
template <class Problem>
void add_to_run_size(RunSize& s, const Problem& p) {
  s.coords += p.dim();
  s.hyper += p.n_hyper();
  s.studies += p.model().K;
  s.outcomes += 1;
}

}  // namespace hbm
