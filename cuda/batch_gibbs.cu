// Many-chain Gibbs sweeps on the GPU, one kernel template for both models.
// CPU reference: host/gibbs_sampler.hpp runs the same sweep() per chain; the GPU test
// (tests/cuda_transition_test.cpp) checks both against each other.
#include <cuda_runtime.h>

#include "cuda/batch_gibbs.hpp"
#include "cuda/batch_views.cuh"
#include "models/philox.hpp"

namespace hbm::cuda {
namespace {

struct GibbsArrays {
  const int* s_offset;        // start of outcome o's states (chains * dim per outcome)
  const int* scratch_offset;  // start of outcome o's scratch (chains * scratch_dim per outcome)
  double* s;
  double* scratch;
  const std::uint32_t* stream;
  int chains, outcomes;
};

template <class View>
__global__ void sweeps_kernel(View view, GibbsArrays a, std::uint64_t seed, std::uint32_t first_iteration,
                              int iterations) {
  const int gid = blockIdx.x * blockDim.x + threadIdx.x;
  if (gid >= a.outcomes * a.chains) return;
  const int o = gid / a.chains, c = gid % a.chains;
  const auto g = view.gibbs_at(o);
  double* s = a.s + a.s_offset[o] + c * g.state_dim();
  double* scratch = a.scratch + a.scratch_offset[o] + c * g.scratch_dim();
  for (int it = 0; it < iterations; ++it) {
    RngStream rng(seed, a.stream[o], static_cast<std::uint32_t>(c), first_iteration + static_cast<std::uint32_t>(it),
                  RngPurpose::Gibbs);
    g.sweep(s, scratch, rng);
  }
}

// dims[o] / scratch[o]: outcome o's state and scratch sizes per chain.
template <class View>
bool launch(const View& view, const std::vector<int>& dims, const std::vector<int>& scratch_dims,
            const std::vector<std::uint32_t>& stream, GibbsBatchState& st, std::uint64_t seed,
            std::uint32_t first_iteration, int iterations, std::string& error) {
  const int outcomes = static_cast<int>(dims.size());
  std::size_t sn = 0, wn = 0;
  const std::vector<int> s_offset = block_offsets(dims, st.chains, &sn), w_offset = block_offsets(scratch_dims, st.chains, &wn);
  if (st.s.size() != sn) {
    error = "Gibbs batch state size does not match the outcomes' dimensions";
    return false;
  }
  DeviceArray<int> d_soff(s_offset, error), d_woff(w_offset, error);
  DeviceArray<double> d_s(st.s, error), d_w(wn, error);
  DeviceArray<std::uint32_t> d_stream(stream, error);
  if (!d_soff.ok() || !d_woff.ok() || !d_s.ok() || !d_w.ok() || !d_stream.ok()) return false;
  const GibbsArrays a{d_soff.get(), d_woff.get(), d_s.get(), d_w.get(), d_stream.get(), st.chains, outcomes};
  const int total = outcomes * st.chains, block = 128;
  sweeps_kernel<<<(total + block - 1) / block, block>>>(view, a, seed, first_iteration, iterations);
  cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess) err = cudaDeviceSynchronize();
  if (err == cudaSuccess) err = cudaMemcpy(st.s.data(), d_s.get(), sizeof(double) * sn, cudaMemcpyDeviceToHost);
  if (err != cudaSuccess) {
    error = std::string("Gibbs sweeps kernel: ") + cudaGetErrorString(err);
    return false;
  }
  return true;
}

}  // namespace

bool run_gibbs_sweeps(const BatchInput& in, GibbsBatchState& st, std::uint64_t seed, std::uint32_t first_iteration,
                      int iterations, std::string& error) {
  const int outcomes = static_cast<int>(in.offset.size()) - 1;
  std::vector<int> dims(outcomes), scratch(outcomes);
  for (int o = 0; o < outcomes; ++o) {
    const int K = in.offset[o + 1] - in.offset[o];
    dims[o] = K + 2;
    scratch[o] = 4 * K;
  }
  DeviceArray<int> d_offset(in.offset, error);
  DeviceArray<double> d_y(in.y, error), d_n(in.n, error);
  DeviceArray<std::uint8_t> d_centred(in.centred, error);
  if (!d_offset.ok() || !d_y.ok() || !d_n.ok() || !d_centred.ok()) return false;
  const SingleArmView view{d_offset.get(), d_y.get(), d_n.get(), d_centred.get(), in.prior_mu, in.prior_tau};
  return launch(view, dims, scratch, in.stream, st, seed, first_iteration, iterations, error);
}

bool run_gibbs_sweeps(const TwoArmBatchInput& in, GibbsBatchState& st, std::uint64_t seed,
                      std::uint32_t first_iteration, int iterations, std::string& error) {
  const int outcomes = static_cast<int>(in.offset.size()) - 1;
  const bool rnd = in.baseline == BaselineModel::Random;
  std::vector<int> dims(outcomes), scratch(outcomes);
  for (int o = 0; o < outcomes; ++o) {
    const int K = in.offset[o + 1] - in.offset[o];
    dims[o] = 2 * K + 2 + (rnd ? 2 : 0);
    scratch[o] = 6 * K;
  }
  DeviceArray<int> d_offset(in.offset, error);
  DeviceArray<double> d_yt(in.yt, error), d_nt(in.nt, error), d_yc(in.yc, error), d_nc(in.nc, error);
  DeviceArray<std::uint8_t> d_centred(in.centred, error), d_centred_alpha(in.centred_alpha, error);
  if (!d_offset.ok() || !d_yt.ok() || !d_nt.ok() || !d_yc.ok() || !d_nc.ok() || !d_centred.ok() ||
      !d_centred_alpha.ok())
    return false;
  const TwoArmView view{d_offset.get(),  d_yt.get(),  d_nt.get(),           d_yc.get(),   d_nc.get(),
                        d_centred.get(), d_centred_alpha.get(), in.baseline, in.prior_mu, in.prior_tau,
                        in.prior_alpha,  in.prior_mu_alpha,     in.prior_sigma_alpha};
  return launch(view, dims, scratch, in.stream, st, seed, first_iteration, iterations, error);
}

}  // namespace hbm::cuda
