// Many-chain Gibbs sampling on CPU threads with Pólya-Gamma augmentation
// (models/gibbs_single_arm.hpp, models/gibbs_two_arm.hpp). Exact conditional updates need no
// adaptation: warmup iterations are burn-in only. Each chain's sweep at iteration t draws from
// its own counter-based stream (seed, outcome stream, chain, t), so results do not depend on the
// thread count, and the same sweep code runs in CUDA kernels.
//
// A Problem (host/single_arm_problem.hpp, host/two_arm_problem.hpp) provides, besides what
// the HMC sampler needs:
//   GibbsModel gibbs() const;                                   // the sweep, pointing at its data
//   void initial_gibbs_state(RngStream& rng, double* s);        // one chain's start
//   void gibbs_outputs(const double* s, double* out) const;     // the same outputs as HMC's
// The output is an HmcRun with no leapfrog steps: accept_prob 1, n_steps 0, and `divergent`
// marking a sweep that produced a non-finite value (reported, never silently averaged in).
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "host/hmc_sampler.hpp"
#include "host/interrupt.hpp"
#include "host/progress.hpp"
#include "host/sampler_config.hpp"
#include "host/thread_pool.hpp"
#include "models/philox.hpp"

namespace hbm {

template <class Problem>
HmcRun sample_gibbs(Problem& prob, const SamplerConfig& cfg, std::uint32_t stream, ThreadPool& pool) {
  const int C = cfg.chains, W = cfg.warmup, R = prob.n_outputs();
  // Gibbs works in the centred coordinates of every block; say so in the per-study report.
  for (int b = 0; b < prob.n_blocks(); ++b)
    for (auto& f : prob.block(b).centred) f = 1;
  prob.sync_model();
  const auto g = prob.gibbs();
  const int S = g.state_dim();

  HmcRun out;
  out.sampler = "gibbs";
  out.chains = C;
  out.draws = cfg.draws;
  out.n_outputs = R;
  const std::size_t N = static_cast<std::size_t>(C) * cfg.draws;
  out.outputs.resize(N * R);
  out.accept_prob.assign(N, 1.0);
  out.energy.assign(N, 0.0);
  out.divergent.assign(N, 0);
  out.n_steps.assign(N, 0);
  std::vector<int> warmup_bad(C, 0);

  pool.parallel_for(C, [&](int c) {
    std::vector<double> s(S), scratch(g.scratch_dim()), last_good(S);
    RngStream init(cfg.seed, stream, static_cast<std::uint32_t>(c), 0, RngPurpose::Init);
    prob.initial_gibbs_state(init, s.data());
    last_good = s;
    for (int it = 0; it < W + cfg.draws; ++it) {
      if (interrupt_requested()) return;  // the caller throws after the pool returns
      RngStream rng(cfg.seed, stream, static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it), RngPurpose::Gibbs);
      g.sweep(s.data(), scratch.data(), rng);
      if (cfg.progress && (it & 15) == 15) cfg.progress->advance(16);
      bool finite = true;
      for (double v : s) finite = finite && std::isfinite(v);
      if (!finite) s = last_good;  // keep the chain on its last finite state, and count the event
      else last_good = s;
      if (it < W) {
        warmup_bad[c] += !finite;
        continue;
      }
      const std::size_t idx = static_cast<std::size_t>(c) * cfg.draws + (it - W);
      out.divergent[idx] = !finite;
      prob.gibbs_outputs(s.data(), &out.outputs[idx * R]);
    }
  });
  throw_if_interrupted();
  for (int c = 0; c < C; ++c) out.warmup_divergences += warmup_bad[c];
  for (int b = 0; b < prob.n_blocks(); ++b) out.centred.push_back(prob.block(b).centred);
  return out;
}

}  // namespace hbm
