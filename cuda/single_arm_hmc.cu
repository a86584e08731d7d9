// Many-chain HMC transitions for the single-arm model on the GPU.
// CPU reference: host/single_arm_sampler.cpp runs the same hmc_transition() per chain.
#include <cuda_runtime.h>

#include "cuda/single_arm_hmc.hpp"
#include "models/hmc.hpp"
#include "models/single_arm.hpp"

namespace hbm::cuda {
namespace {

#define HBM_CUDA_TRY(call)                                                      \
  do {                                                                          \
    cudaError_t err_ = (call);                                                  \
    if (err_ != cudaSuccess) {                                                  \
      error = std::string(#call) + ": " + cudaGetErrorString(err_);             \
      goto fail;                                                                \
    }                                                                           \
  } while (0)

struct DeviceBatch {
  const int* offset;
  const double* y;
  const double* n;
  const std::uint8_t* centred;
  const std::uint32_t* stream;
  const int* q_offset;        // start of outcome o's states in q (chains * dim per outcome)
  const int* metric_offset;   // start of outcome o's metric
  double* q;
  double* g;
  double* work;               // 3 * dim per chain, same layout as q, times 3
  const double* inv_metric;
  const double* eps;
  const int* n_steps;
  double* accept_prob;
  int* divergent;
  Prior prior_mu, prior_tau;
  int chains, outcomes;
};

__global__ void transitions_kernel(DeviceBatch b, std::uint64_t seed, std::uint32_t first_iteration, int iterations) {
  const int gid = blockIdx.x * blockDim.x + threadIdx.x;
  if (gid >= b.outcomes * b.chains) return;
  const int o = gid / b.chains, c = gid % b.chains;
  SingleArmModel m;
  m.K = b.offset[o + 1] - b.offset[o];
  m.y = b.y + b.offset[o];
  m.n = b.n + b.offset[o];
  m.centred = b.centred + b.offset[o];
  m.prior_mu = b.prior_mu;
  m.prior_tau = b.prior_tau;
  const int D = m.dim();
  double* q = b.q + b.q_offset[o] + c * D;
  double* g = b.g + b.q_offset[o] + c * D;
  double* w = b.work + 3 * (b.q_offset[o] + c * D);
  HmcWork work{w, w + D, w + 2 * D};
  double lp = m.log_density_grad(q, g);
  for (int it = 0; it < iterations; ++it) {
    const HmcStepInfo info = hmc_transition(m, q, g, lp, b.inv_metric + b.metric_offset[o], b.eps[o], b.n_steps[o],
                                            seed, b.stream[o], static_cast<std::uint32_t>(c),
                                            first_iteration + static_cast<std::uint32_t>(it), work);
    b.accept_prob[gid] = info.accept_prob;
    b.divergent[gid] = info.divergent;
  }
}

template <class T>
bool upload(T** dst, const std::vector<T>& src, std::string& error) {
  if (cudaMalloc(reinterpret_cast<void**>(dst), sizeof(T) * (src.empty() ? 1 : src.size())) != cudaSuccess) {
    error = "out of GPU memory allocating " + std::to_string(sizeof(T) * src.size()) + " bytes; use fewer chains";
    return false;
  }
  if (!src.empty() && cudaMemcpy(*dst, src.data(), sizeof(T) * src.size(), cudaMemcpyHostToDevice) != cudaSuccess) {
    error = "cudaMemcpy to device failed";
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
  std::vector<int> q_offset(outcomes), metric_offset(outcomes);
  int qn = 0, mn = 0;
  for (int o = 0; o < outcomes; ++o) {
    const int D = in.offset[o + 1] - in.offset[o] + 2;
    q_offset[o] = qn;
    metric_offset[o] = mn;
    qn += st.chains * D;
    mn += D;
  }
  DeviceBatch b{};
  int *d_offset = nullptr, *d_qoff = nullptr, *d_moff = nullptr, *d_steps = nullptr, *d_div = nullptr;
  double *d_y = nullptr, *d_n = nullptr, *d_q = nullptr, *d_g = nullptr, *d_work = nullptr, *d_metric = nullptr,
         *d_eps = nullptr, *d_acc = nullptr;
  std::uint8_t* d_centred = nullptr;
  std::uint32_t* d_stream = nullptr;
  const int total = outcomes * st.chains;
  const int block = 128;
  if (!upload(&d_offset, in.offset, error) || !upload(&d_y, in.y, error) || !upload(&d_n, in.n, error) ||
      !upload(&d_centred, in.centred, error) || !upload(&d_stream, in.stream, error) ||
      !upload(&d_qoff, q_offset, error) || !upload(&d_moff, metric_offset, error) || !upload(&d_q, st.q, error) ||
      !upload(&d_metric, st.inv_metric, error) || !upload(&d_eps, st.eps, error) ||
      !upload(&d_steps, st.n_steps, error))
    goto fail;
  HBM_CUDA_TRY(cudaMalloc(&d_g, sizeof(double) * qn));
  HBM_CUDA_TRY(cudaMalloc(&d_work, sizeof(double) * 3 * qn));
  HBM_CUDA_TRY(cudaMalloc(&d_acc, sizeof(double) * total));
  HBM_CUDA_TRY(cudaMalloc(&d_div, sizeof(int) * total));
  b = DeviceBatch{d_offset, d_y, d_n, d_centred, d_stream, d_qoff, d_moff, d_q, d_g, d_work, d_metric,
                  d_eps, d_steps, d_acc, d_div, in.prior_mu, in.prior_tau, st.chains, outcomes};
  transitions_kernel<<<(total + block - 1) / block, block>>>(b, seed, first_iteration, iterations);
  HBM_CUDA_TRY(cudaGetLastError());
  HBM_CUDA_TRY(cudaDeviceSynchronize());
  out.accept_prob.resize(total);
  out.divergent.resize(total);
  HBM_CUDA_TRY(cudaMemcpy(st.q.data(), d_q, sizeof(double) * qn, cudaMemcpyDeviceToHost));
  HBM_CUDA_TRY(cudaMemcpy(out.accept_prob.data(), d_acc, sizeof(double) * total, cudaMemcpyDeviceToHost));
  HBM_CUDA_TRY(cudaMemcpy(out.divergent.data(), d_div, sizeof(int) * total, cudaMemcpyDeviceToHost));
  for (void* p : {(void*)d_offset, (void*)d_y, (void*)d_n, (void*)d_centred, (void*)d_stream, (void*)d_qoff,
                  (void*)d_moff, (void*)d_q, (void*)d_g, (void*)d_work, (void*)d_metric, (void*)d_eps,
                  (void*)d_steps, (void*)d_acc, (void*)d_div})
    cudaFree(p);
  return true;
fail:
  for (void* p : {(void*)d_offset, (void*)d_y, (void*)d_n, (void*)d_centred, (void*)d_stream, (void*)d_qoff,
                  (void*)d_moff, (void*)d_q, (void*)d_g, (void*)d_work, (void*)d_metric, (void*)d_eps,
                  (void*)d_steps, (void*)d_acc, (void*)d_div})
    if (p) cudaFree(p);
  return false;
}

}  // namespace hbm::cuda
