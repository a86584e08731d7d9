// Many-chain HMC transitions on the GPU, one kernel template for every model.
// CPU reference: host/hmc_sampler.hpp runs the same hmc_transition() per chain; the GPU test
// (tests/cuda_transition_test.cpp) checks both against each other.
#include <cuda_runtime.h>

#include "cuda/batch_hmc.hpp"
#include "cuda/batch_views.cuh"
#include "models/hmc.hpp"
#include "models/single_arm.hpp"
#include "models/two_arm.hpp"

namespace hbm::cuda {
namespace {

// Where each outcome's chains, metric and buffers live on the device.
struct ChainArrays {
  const int* q_offset;       // start of outcome o's states (chains * dim per outcome)
  const int* metric_offset;  // start of outcome o's metric
  double* q;
  double* g;
  double* work;  // 3 * dim per chain, same layout as q, times 3
  const double* inv_metric;
  const double* eps;
  const int* n_steps;
  const std::uint32_t* stream;
  double* accept_prob;
  int* divergent;
  int chains, outcomes;
};

template <class View>
__global__ void transitions_kernel(View view, ChainArrays a, std::uint64_t seed, std::uint32_t first_iteration,
                                   int iterations) {
  const int gid = blockIdx.x * blockDim.x + threadIdx.x;
  if (gid >= a.outcomes * a.chains) return;
  const int o = gid / a.chains, c = gid % a.chains;
  const auto m = view.at(o);
  const int D = m.dim();
  double* q = a.q + a.q_offset[o] + c * D;
  double* g = a.g + a.q_offset[o] + c * D;
  double* w = a.work + 3 * (a.q_offset[o] + c * D);
  HmcWork work{w, w + D, w + 2 * D};
  double lp = m.log_density_grad(q, g);
  for (int it = 0; it < iterations; ++it) {
    const HmcStepInfo info = hmc_transition(m, q, g, lp, a.inv_metric + a.metric_offset[o], a.eps[o], a.n_steps[o],
                                            seed, a.stream[o], static_cast<std::uint32_t>(c),
                                            first_iteration + static_cast<std::uint32_t>(it), work);
    a.accept_prob[gid] = info.accept_prob;
    a.divergent[gid] = info.divergent;
  }
}

// Uploads the chain state, launches the kernel over outcome x chain and copies the states and
// the last transition's acceptance back. dims[o] is outcome o's model dimension.
template <class View>
bool launch(const View& view, const std::vector<int>& dims, const std::vector<std::uint32_t>& stream,
            BatchState& st, std::uint64_t seed, std::uint32_t first_iteration, int iterations, BatchStepOutput& out,
            std::string& error) {
  const int outcomes = static_cast<int>(dims.size());
  std::size_t qn = 0, mn = 0;
  const std::vector<int> q_offset = block_offsets(dims, st.chains, &qn), metric_offset = block_offsets(dims, 1, &mn);
  if (st.q.size() != qn || st.inv_metric.size() != mn || st.eps.size() != static_cast<std::size_t>(outcomes) ||
      st.n_steps.size() != static_cast<std::size_t>(outcomes)) {
    error = "batch state sizes do not match the outcomes' dimensions";
    return false;
  }
  const int total = outcomes * st.chains;
  DeviceArray<int> d_qoff(q_offset, error), d_moff(metric_offset, error), d_steps(st.n_steps, error);
  DeviceArray<double> d_q(st.q, error), d_metric(st.inv_metric, error), d_eps(st.eps, error);
  DeviceArray<std::uint32_t> d_stream(stream, error);
  DeviceArray<double> d_g(qn, error), d_work(3 * qn, error), d_acc(static_cast<std::size_t>(total), error);
  DeviceArray<int> d_div(static_cast<std::size_t>(total), error);
  if (!d_qoff.ok() || !d_moff.ok() || !d_steps.ok() || !d_q.ok() || !d_metric.ok() || !d_eps.ok() ||
      !d_stream.ok() || !d_g.ok() || !d_work.ok() || !d_acc.ok() || !d_div.ok())
    return false;
  const ChainArrays a{d_qoff.get(), d_moff.get(),   d_q.get(),     d_g.get(),    d_work.get(), d_metric.get(),
                      d_eps.get(),  d_steps.get(),  d_stream.get(), d_acc.get(), d_div.get(),  st.chains,
                      outcomes};
  const int block = 128;
  transitions_kernel<<<(total + block - 1) / block, block>>>(view, a, seed, first_iteration, iterations);
  cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess) err = cudaDeviceSynchronize();
  out.accept_prob.resize(total);
  out.divergent.resize(total);
  if (err == cudaSuccess) err = cudaMemcpy(st.q.data(), d_q.get(), sizeof(double) * qn, cudaMemcpyDeviceToHost);
  if (err == cudaSuccess)
    err = cudaMemcpy(out.accept_prob.data(), d_acc.get(), sizeof(double) * total, cudaMemcpyDeviceToHost);
  if (err == cudaSuccess)
    err = cudaMemcpy(out.divergent.data(), d_div.get(), sizeof(int) * total, cudaMemcpyDeviceToHost);
  if (err != cudaSuccess) {
    error = std::string("HMC transitions kernel: ") + cudaGetErrorString(err);
    return false;
  }
  return true;
}

}  // namespace

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return n;
}

bool run_transitions(const BatchInput& in, BatchState& st, std::uint64_t seed, std::uint32_t first_iteration,
                     int iterations, BatchStepOutput& out, std::string& error) {
  const int outcomes = static_cast<int>(in.offset.size()) - 1;
  std::vector<int> dims(outcomes);
  for (int o = 0; o < outcomes; ++o) dims[o] = in.offset[o + 1] - in.offset[o] + 2;
  DeviceArray<int> d_offset(in.offset, error);
  DeviceArray<double> d_y(in.y, error), d_n(in.n, error);
  DeviceArray<std::uint8_t> d_centred(in.centred, error);
  if (!d_offset.ok() || !d_y.ok() || !d_n.ok() || !d_centred.ok()) return false;
  const SingleArmView view{d_offset.get(), d_y.get(), d_n.get(), d_centred.get(), in.prior_mu, in.prior_tau};
  return launch(view, dims, in.stream, st, seed, first_iteration, iterations, out, error);
}

bool run_transitions(const TwoArmBatchInput& in, BatchState& st, std::uint64_t seed, std::uint32_t first_iteration,
                     int iterations, BatchStepOutput& out, std::string& error) {
  const int outcomes = static_cast<int>(in.offset.size()) - 1;
  const bool rnd = in.baseline == BaselineModel::Random;
  std::vector<int> dims(outcomes);
  for (int o = 0; o < outcomes; ++o) dims[o] = 2 * (in.offset[o + 1] - in.offset[o]) + 2 + (rnd ? 2 : 0);
  DeviceArray<int> d_offset(in.offset, error);
  DeviceArray<double> d_yt(in.yt, error), d_nt(in.nt, error), d_yc(in.yc, error), d_nc(in.nc, error);
  DeviceArray<std::uint8_t> d_centred(in.centred, error), d_centred_alpha(in.centred_alpha, error);
  if (!d_offset.ok() || !d_yt.ok() || !d_nt.ok() || !d_yc.ok() || !d_nc.ok() || !d_centred.ok() ||
      !d_centred_alpha.ok())
    return false;
  const TwoArmView view{d_offset.get(),    d_yt.get(),   d_nt.get(),       d_yc.get(),         d_nc.get(),
                        d_centred.get(),   d_centred_alpha.get(), in.baseline, in.prior_mu,   in.prior_tau,
                        in.prior_alpha,    in.prior_mu_alpha,     in.prior_sigma_alpha};
  return launch(view, dims, in.stream, st, seed, first_iteration, iterations, out, error);
}

}  // namespace hbm::cuda
