// Batches and comparisons for the parity probes (host/engine/parity_probe.hpp): the CPU
// backend's results are the reference, another backend's (the GPU's, tests/cuda_parity_test.cpp;
// the lockstep lanes', tests/cuda_parity_harness_test.cpp) are compared with them step by step,
// and a mismatch is reported with the outcome, chain and coordinate where it is.
//
// Tolerances (relative, the reason in each):
//   kDensityTol 1e-13     log density and gradient at the same state: the same formulas, rounded
//                         differently (device exp/log/log1p within 1-2 ulp, FMA contraction,
//                         lanes' partial sums in butterfly order): a few ulps per term over
//                         tens of terms, ~1e-15, so 1e-13 leaves a factor 100 and still
//                         catches any wrong term (a study or a prior missing is O(1e-2) or more).
//   kTransitionTol 1e-10  one HMC transition (<= 8 leapfrog steps) and the block updates: the
//                         rounding differences above, grown by the trajectory's sensitivity to
//                         its start (a factor ~1e2-1e3 over a few steps at these step sizes).
//   kSumTol 1e-12         segmented sums over <= 5000 terms in another order: the error bound
//                         of a sum is ~ n eps sum|terms| = 1e-12 for n = 5000; relative to
//                         sum|terms| (a sum can cancel to zero).
//   kGibbsTol 1e-9        one Gibbs sweep: every decision (Polya-Gamma rejection steps, slice
//                         steps, Metropolis accepts) must be the same; a different one moves
//                         the state by O(its sd), 1e-2 or more, while the same decisions leave
//                         only rounding (device exp/log in the draws), far below 1e-9.
// Per-chain vectors are compared chain by chain relative to the chain's largest value (the
// gradient's components cancel to near zero at places, its norm does not).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "host/engine/batch_data.hpp"
#include "host/engine/parity_probe.hpp"
#include "support/random_studies.hpp"

namespace hbm::test {

constexpr double kDensityTol = 1e-13, kTransitionTol = 1e-10, kSumTol = 1e-12, kGibbsTol = 1e-9;

// A batch of outcomes with K[o] studies and P[o] covariates, `chains` chains each, starting near
// 0 (HMC) or at a valid Gibbs state. The studies own the data the models point into.
template <class Data>
struct ParityCase {
  std::vector<RandomStudies> studies;
  std::vector<int> K, P;
  Data data;
  std::vector<batch::OutcomeStart> starts;
  int chains = 0;
  BaselineModel baseline = BaselineModel::Independent;
  std::vector<int> dims() const {
    std::vector<int> d;
    for (const auto& s : starts) d.push_back(s.dim);
    return d;
  }
};

constexpr std::uint32_t kStream0 = 700;

inline SingleArmModel parity_model(const ParityCase<batch::SingleArmBatch>& pc, int o) {
  return pc.studies[o].single_arm(pc.K[o], pc.P[o]);
}
inline TwoArmModel parity_model(const ParityCase<batch::TwoArmBatch>& pc, int o) {
  return pc.studies[o].two_arm(pc.K[o], pc.P[o], pc.baseline);
}

// Built in place: the models point into `studies`, which must not move after data.add.
inline void single_arm_case(ParityCase<batch::SingleArmBatch>& pc, const std::vector<int>& K,
                            const std::vector<int>& P, int chains, bool gibbs) {
  pc.K = K;
  pc.P = P;
  pc.chains = chains;
  for (std::size_t o = 0; o < K.size(); ++o) pc.studies.emplace_back(K[o], P[o], 31 + o);
  for (std::size_t o = 0; o < K.size(); ++o) {
    const SingleArmModel m = parity_model(pc, static_cast<int>(o));
    pc.data.add(m);
    pc.starts.push_back(start_for(m.dim(), m.K, 2 + m.P, 1, chains,
                                  gibbs ? std::vector<std::uint8_t>(m.K, 1) : pc.studies[o].centred,
                                  kStream0 + static_cast<std::uint32_t>(o), gibbs ? 1 : -1));
  }
}
inline void two_arm_case(ParityCase<batch::TwoArmBatch>& pc, const std::vector<int>& K, const std::vector<int>& P,
                         BaselineModel baseline, int chains, bool gibbs) {
  pc.K = K;
  pc.P = P;
  pc.chains = chains;
  pc.baseline = baseline;
  for (std::size_t o = 0; o < K.size(); ++o) pc.studies.emplace_back(K[o], P[o], 51 + o);
  for (std::size_t o = 0; o < K.size(); ++o) {
    const TwoArmModel m = parity_model(pc, static_cast<int>(o));
    pc.data.add(m);
    std::vector<std::uint8_t> flags = pc.studies[o].centred;
    flags.insert(flags.end(), pc.studies[o].centred_alpha.begin(), pc.studies[o].centred_alpha.end());
    if (gibbs) flags.assign(flags.size(), 1);
    batch::OutcomeStart s =
        start_for(m.dim(), m.K, m.n_hyper(), 2, chains, flags, kStream0 + static_cast<std::uint32_t>(o), gibbs ? 1 : -1);
    // A Gibbs state's sigma_alpha (index 3 + P with random baselines) is a scale: positive.
    if (gibbs && m.random_baseline())
      for (int c = 0; c < chains; ++c) s.q0[static_cast<std::size_t>(c) * s.dim + 3 + m.P] = 0.4 + 0.05 * (c % 7);
    pc.starts.push_back(std::move(s));
  }
}

// The transition's inputs: a step size and a step count per outcome, seed and iteration.
struct TransitionInputs {
  std::vector<double> eps;
  std::vector<int> n_steps;
  std::uint64_t seed = 20261203;
  int iteration = 3;
};
inline TransitionInputs transition_inputs(int outcomes) {
  TransitionInputs t;
  for (int o = 0; o < outcomes; ++o) {
    t.eps.push_back(0.12 + 0.02 * (o % 3));
    t.n_steps.push_back(6 + o % 3);
  }
  return t;
}

// ---- comparisons: "" when they agree, else where and by how much they first differ ----

inline std::string describe(const std::string& what, std::size_t at, double dut, double ref, double err, double tol) {
  std::ostringstream s;
  s.precision(17);
  s << what << " [" << at << "]: " << dut << " against the CPU's " << ref << " (relative error " << err
    << " > " << tol << ")";
  return s.str();
}

// Per-chain scalars (o * chains + c) relative to max(|ref|, floor).
inline std::string compare_scalars(const std::string& what, const std::vector<double>& dut,
                                   const std::vector<double>& ref, double tol, double floor = 0.0) {
  if (dut.size() != ref.size()) return what + ": sizes differ";
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (std::isnan(ref[i]) && std::isnan(dut[i])) continue;
    if (dut[i] == ref[i]) continue;  // also equal infinities
    const double scale = std::max(std::fabs(ref[i]), floor);
    const double err = std::fabs(dut[i] - ref[i]) / scale;
    if (!(err <= tol)) return describe(what, i, dut[i], ref[i], err, tol);
  }
  return "";
}

// Per-chain vectors in the engine's layout (outcome o's chains at chains * offset[o] + c * D_o),
// each chain's relative to its largest |ref| component.
inline std::string compare_chain_vectors(const std::string& what, const std::vector<double>& dut,
                                         const std::vector<double>& ref, const std::vector<int>& dims, int chains,
                                         double tol) {
  std::size_t need = 0;
  for (int d : dims) need += static_cast<std::size_t>(d) * chains;
  if (dut.size() < need || ref.size() < need) return what + ": shorter than the batch's chains x dims";
  std::size_t base = 0;
  for (std::size_t o = 0; o < dims.size(); ++o) {
    for (int c = 0; c < chains; ++c, base += dims[o]) {
      double norm = 0;
      for (int j = 0; j < dims[o]; ++j) norm = std::max(norm, std::fabs(ref[base + j]));
      for (int j = 0; j < dims[o]; ++j) {
        const double d = dut[base + j], r = ref[base + j];
        if (d == r) continue;
        const double err = std::fabs(d - r) / (norm > 0 ? norm : 1.0);
        if (!(err <= tol))
          return describe(what + " (outcome " + std::to_string(o) + ", chain " + std::to_string(c) + ", coordinate " +
                              std::to_string(j) + ")",
                          base + j, d, r, err, tol);
      }
    }
  }
  return "";
}

// Segmented sums, relative to the sum of the terms' absolute values.
inline std::string compare_sums(const std::string& what, const batch::SumProbe& dut, const batch::SumProbe& ref,
                                double tol) {
  if (dut.sum.size() != ref.sum.size()) return what + ": sizes differ";
  for (std::size_t i = 0; i < ref.sum.size(); ++i) {
    if (dut.sum[i] == ref.sum[i]) continue;
    const double err = std::fabs(dut.sum[i] - ref.sum[i]) / (ref.abs_sum[i] > 0 ? ref.abs_sum[i] : 1.0);
    if (!(err <= tol)) return describe(what + " (value " + std::to_string(i * 2 / ref.sum.size()) + ")", i,
                                       dut.sum[i], ref.sum[i], err, tol);
  }
  return "";
}

inline std::string compare_ints(const std::string& what, const std::vector<int>& dut, const std::vector<int>& ref) {
  if (dut.size() != ref.size()) return what + ": sizes differ";
  for (std::size_t i = 0; i < ref.size(); ++i)
    if (dut[i] != ref[i])
      return what + " [" + std::to_string(i) + "]: " + std::to_string(dut[i]) + " against the CPU's " +
             std::to_string(ref[i]);
  return "";
}

// Every difference of two probes, one per line ("" when they agree).
inline std::string density_differences(const batch::DensityProbe& dut, const batch::DensityProbe& ref,
                                       const std::vector<int>& dims, int chains) {
  std::string out;
  for (const std::string& d : {compare_scalars("log density", dut.lp, ref.lp, kDensityTol),
                               compare_chain_vectors("gradient", dut.grad, ref.grad, dims, chains, kDensityTol)})
    if (!d.empty()) out += d + "\n";
  return out;
}

inline std::string transition_differences(const batch::TransitionProbe& dut, const batch::TransitionProbe& ref,
                                          const std::vector<int>& dims, int chains) {
  const double t = kTransitionTol;
  std::string out;
  for (const std::string& d : {
           compare_chain_vectors("start x0", dut.x0, ref.x0, dims, chains, kDensityTol),
           compare_chain_vectors("proposal x1", dut.x1, ref.x1, dims, chains, t),
           compare_chain_vectors("proposal velocity v1", dut.v1, ref.v1, dims, chains, t),
           compare_scalars("acceptance probability", dut.accept, ref.accept, t, 1.0),
           compare_ints("divergent", dut.divergent, ref.divergent),
           compare_chain_vectors("state after the transition and block updates", dut.q, ref.q, dims, chains, t),
           compare_chain_vectors("gradient after", dut.grad, ref.grad, dims, chains, t),
           compare_scalars("log density after", dut.lp, ref.lp, t),
           compare_chain_vectors("window mean a", dut.wa_mean, ref.wa_mean, dims, chains, t),
           compare_chain_vectors("window mean z", dut.wz_mean, ref.wz_mean, dims, chains, t),
           compare_scalars("window mean log scale", dut.ws_mean, ref.ws_mean, t),
           // The sums' inputs differ by the transition's tolerance already, so theirs is that
           // (the sums alone are checked to kSumTol by probe_segmented_sums).
           compare_sums("acceptance sums", dut.accept_sums, ref.accept_sums, t),
           compare_sums("ChEES centre sums", dut.centres, ref.centres, t),
           compare_sums("ChEES sums", dut.chees, ref.chees, t),
           compare_sums("window mean sums", dut.win_mean, ref.win_mean, t),
           compare_sums("log-scale mean sums", dut.win_s_mean, ref.win_s_mean, t),
           compare_sums("window square sums", dut.win_sq, ref.win_sq, t),
           compare_sums("log-scale square sums", dut.win_s_sq, ref.win_s_sq, t),
       })
    if (!d.empty()) out += d + "\n";
  return out;
}

inline std::string gibbs_differences(const batch::GibbsProbe& dut, const batch::GibbsProbe& ref,
                                     const std::vector<int>& dims, int chains) {
  std::string out;
  for (const std::string& d : {compare_chain_vectors("Gibbs state", dut.state, ref.state, dims, chains, kGibbsTol),
                               compare_ints("non-finite sweeps", dut.not_finite, ref.not_finite)})
    if (!d.empty()) out += d + "\n";
  return out;
}

// Given values for the segmented sums: element e of segment s, two values, mixed signs and
// magnitudes (so that the order of additions matters at the last bits).
inline std::vector<double> sum_values(int segments, int len) {
  std::vector<double> v(2 * static_cast<std::size_t>(segments) * len);
  RngStream rng(7, static_cast<std::uint32_t>(len), static_cast<std::uint32_t>(segments), 0, RngPurpose::Init);
  for (double& x : v) x = (rng.uniform() - 0.3) * std::exp(6 * rng.uniform() - 3);
  return v;
}

// Segment lengths that cover the CUDA backend's reduction shapes: shorter than a warp, a warp,
// one more, a block of 256 and past it, and many elements per thread.
inline const std::vector<int>& sum_lengths() {
  static const std::vector<int> L = {1, 3, 4, 31, 32, 33, 100, 255, 256, 257, 1000, 5000};
  return L;
}

}  // namespace hbm::test
