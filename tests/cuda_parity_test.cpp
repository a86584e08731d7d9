// GPU = CPU, step by step (llm.c's way; the CPU backend is the reference): the parity probes of
// host/engine/parity_probe.hpp run the engine's own step functors once at the same given states
// on the GPU (cuda/parity.hpp) and on the CPU backend, and every result is compared, chain by
// chain, with the tolerances of tests/support/parity_cases.hpp (why each, there):
//   log density and gradient 1e-13 relative; one HMC transition with the block updates, its
//   window statistics and the warmup iteration's sums over chains 1e-10; the segmented sums
//   alone 1e-12 of the sum of |terms|; one Gibbs sweep 1e-9 (every decision the same).
// Across one lane, several lanes (8 and 32) and a warp per chain chosen by the engine at large
// K; study data staged in shared memory and read from global memory (blocks of chains that
// straddle outcomes); single-arm, two-arm with random and independent baselines, covariates.
// A failure names the step, the outcome, the chain and the coordinate where GPU and CPU first
// differ. Each test is its own process under ctest and scripts/gpu-check.sh (a sticky CUDA
// error fails one test, not the rest); without a device they skip with the CUDA runtime's
// reason, and fail under HBMETA_REQUIRE_GPU=1. The CPU half is checked without a GPU by
// tests/cuda_parity_harness_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/engine/cpu_backend.hpp"
#include "host/engine/parity_probe.hpp"
#include "host/support/thread_pool.hpp"
#include "support/gpu_skip.hpp"
#include "support/parity_cases.hpp"
#ifdef HBMETA_HAVE_CUDA
#include "cuda/parity.hpp"
#endif

namespace {

namespace B = hbm::batch;
namespace T = hbm::test;

// 40 chains per outcome: blocks of 128 threads (128 / lanes chains) straddle outcomes.
constexpr int kChains = 40;
const std::vector<int> kK = {3, 5, 4}, kP = {2, 0, 1};

// Log density, gradient and one transition on the GPU with `layout` against the CPU backend.
template <class Data>
void expect_hmc_parity(const T::ParityCase<Data>& pc, const B::ProbeLayout& layout, int lanes,
                       const char* study_data) {
#ifdef HBMETA_HAVE_CUDA
  SCOPED_TRACE("lanes " + std::to_string(lanes) + ", study data " + study_data);
  hbm::ThreadPool pool(2);
  hbm::CpuBackend cpu(pool);
  const std::vector<int> dims = pc.dims();
  const B::DensityProbe d_cpu = B::probe_log_density(cpu, pc.data, pc.starts, pc.chains, B::ProbeLayout{});
  const B::DensityProbe d_gpu = hbm::cuda::probe_log_density(pc.data, pc.starts, pc.chains, layout);
  EXPECT_EQ(d_gpu.used.lanes, lanes);
  EXPECT_STREQ(d_gpu.used.study_data, study_data);
  EXPECT_EQ(T::density_differences(d_gpu, d_cpu, dims, pc.chains), "");
  const T::TransitionInputs in = T::transition_inputs(static_cast<int>(pc.starts.size()));
  const B::TransitionProbe t_cpu =
      B::probe_transition(cpu, pc.data, pc.starts, pc.chains, in.eps, in.n_steps, in.seed, in.iteration, B::ProbeLayout{});
  const B::TransitionProbe t_gpu =
      hbm::cuda::probe_transition(pc.data, pc.starts, pc.chains, in.eps, in.n_steps, in.seed, in.iteration, layout);
  EXPECT_EQ(T::transition_differences(t_gpu, t_cpu, dims, pc.chains), "");
#else
  (void)pc, (void)layout, (void)lanes, (void)study_data;
#endif
}

template <class Data>
void expect_gibbs_parity(const T::ParityCase<Data>& pc, bool stage) {
#ifdef HBMETA_HAVE_CUDA
  SCOPED_TRACE(stage ? "study data staged" : "study data global");
  hbm::ThreadPool pool(2);
  hbm::CpuBackend cpu(pool);
  for (int iteration : {0, 7}) {
    const B::GibbsProbe g_cpu = B::probe_gibbs_sweep(cpu, pc.data, pc.starts, pc.chains, 11, iteration, false);
    const B::GibbsProbe g_gpu = hbm::cuda::probe_gibbs_sweep(pc.data, pc.starts, pc.chains, 11, iteration, stage);
    EXPECT_EQ(T::gibbs_differences(g_gpu, g_cpu, pc.dims(), pc.chains), "") << "iteration " << iteration;
  }
#else
  (void)pc, (void)stage;
#endif
}

TEST(CudaParity, SingleArmOneLaneGlobalMemory) {
  HBMETA_SKIP_WITHOUT_GPU();
  T::ParityCase<B::SingleArmBatch> pc;
  T::single_arm_case(pc, kK, kP, kChains, false);
  expect_hmc_parity(pc, B::ProbeLayout{1, false}, 1, "global");
}

TEST(CudaParity, SingleArmOneLaneSharedMemory) {
  HBMETA_SKIP_WITHOUT_GPU();
  T::ParityCase<B::SingleArmBatch> pc;
  T::single_arm_case(pc, kK, kP, kChains, false);
  expect_hmc_parity(pc, B::ProbeLayout{1, true}, 1, "shared");
}

TEST(CudaParity, SingleArmSeveralLanesPerChain) {
  HBMETA_SKIP_WITHOUT_GPU();
  T::ParityCase<B::SingleArmBatch> pc;
  T::single_arm_case(pc, kK, kP, kChains, false);
  for (int lanes : {8, 32}) {
    expect_hmc_parity(pc, B::ProbeLayout{lanes, true}, lanes, "shared");
    expect_hmc_parity(pc, B::ProbeLayout{lanes, false}, lanes, "global");
  }
}

// K = 70 beside K = 3: the engine's own choice is a warp per chain for the whole batch.
TEST(CudaParity, SingleArmWarpPerChainAtLargeK) {
  HBMETA_SKIP_WITHOUT_GPU();
  T::ParityCase<B::SingleArmBatch> pc;
  T::single_arm_case(pc, {70, 3}, {1, 0}, kChains, false);
  expect_hmc_parity(pc, B::ProbeLayout{0, true}, 32, "shared");
}

TEST(CudaParity, TwoArmRandomBaselinesOneLane) {
  HBMETA_SKIP_WITHOUT_GPU();
  T::ParityCase<B::TwoArmBatch> pc;
  T::two_arm_case(pc, kK, kP, hbm::BaselineModel::Random, kChains, false);
  expect_hmc_parity(pc, B::ProbeLayout{1, true}, 1, "shared");
  expect_hmc_parity(pc, B::ProbeLayout{1, false}, 1, "global");
}

TEST(CudaParity, TwoArmRandomBaselinesSeveralLanesPerChain) {
  HBMETA_SKIP_WITHOUT_GPU();
  T::ParityCase<B::TwoArmBatch> pc;
  T::two_arm_case(pc, kK, kP, hbm::BaselineModel::Random, kChains, false);
  for (int lanes : {8, 32}) {
    expect_hmc_parity(pc, B::ProbeLayout{lanes, true}, lanes, "shared");
    expect_hmc_parity(pc, B::ProbeLayout{lanes, false}, lanes, "global");
  }
}

TEST(CudaParity, TwoArmIndependentBaselinesWithCovariates) {
  HBMETA_SKIP_WITHOUT_GPU();
  T::ParityCase<B::TwoArmBatch> pc;
  T::two_arm_case(pc, {6, 4}, {3, 1}, hbm::BaselineModel::Independent, kChains, false);
  expect_hmc_parity(pc, B::ProbeLayout{1, true}, 1, "shared");
  expect_hmc_parity(pc, B::ProbeLayout{4, false}, 4, "global");
}

// The reduction alone, for segment lengths around every shape the kernel has and segment counts
// from one to many.
TEST(CudaParity, SegmentedSums) {
  HBMETA_SKIP_WITHOUT_GPU();
#ifdef HBMETA_HAVE_CUDA
  hbm::ThreadPool pool(1);
  hbm::CpuBackend cpu(pool);
  for (int segments : {1, 13, 300})
    for (int len : T::sum_lengths()) {
      if (static_cast<long>(segments) * len > 400000) continue;
      const std::vector<double> v = T::sum_values(segments, len);
      const B::SumProbe ref = B::probe_segmented_sums(cpu, v, segments, len);
      const B::SumProbe gpu = hbm::cuda::probe_segmented_sums(v, segments, len);
      EXPECT_EQ(T::compare_sums("segmented sum", gpu, ref, T::kSumTol), "")
          << segments << " segments of " << len;
      EXPECT_EQ(T::compare_sums("segmented sum of |terms|", B::SumProbe{gpu.abs_sum, ref.abs_sum},
                                B::SumProbe{ref.abs_sum, ref.abs_sum}, T::kSumTol),
                "")
          << segments << " segments of " << len;
    }
#endif
}

TEST(CudaParity, GibbsSweepSingleArm) {
  HBMETA_SKIP_WITHOUT_GPU();
  T::ParityCase<B::SingleArmBatch> pc;
  T::single_arm_case(pc, kK, kP, kChains, true);
  expect_gibbs_parity(pc, true);
  expect_gibbs_parity(pc, false);
}

TEST(CudaParity, GibbsSweepTwoArmRandomBaselines) {
  HBMETA_SKIP_WITHOUT_GPU();
  T::ParityCase<B::TwoArmBatch> pc;
  T::two_arm_case(pc, kK, kP, hbm::BaselineModel::Random, kChains, true);
  expect_gibbs_parity(pc, true);
  expect_gibbs_parity(pc, false);
}

}  // namespace
