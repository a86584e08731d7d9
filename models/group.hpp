// The lanes that cooperate on one chain. A model's gradient and the HMC transition are written
// once against this small interface: lane rank() of size() lanes takes the studies (and the
// coordinates) i = rank(), rank() + size(), ..., and the lanes' partial sums are combined by
// sum(). With one lane (SerialGroup, every CPU path) the code is the plain serial loop, in the
// same order of additions as before groups existed. On the GPU a tile of a warp is a group
// (cuda/warp_group.cuh): one thread per chain for small K, several lanes per chain where K is
// large. tests/group_layout_test.cpp runs the same code with lanes as CPU threads in lockstep.
//
// Rules for code that takes a group: every lane calls sum(), all() and sync() the same number
// of times in the same order (never inside a branch or loop that depends on the lane); a value
// every lane reads (a hyperparameter) is written by one lane and read by the others only after
// a sync().
#pragma once
#include <cmath>

#include "models/hd.hpp"
#include "models/strided.hpp"

namespace hbm {

struct SerialGroup {
  static constexpr bool kSerial = true;
  HBM_HD int rank() const { return 0; }
  HBM_HD int size() const { return 1; }
  HBM_HD double sum(double x) const { return x; }
  HBM_HD bool all(bool b) const { return b; }
  HBM_HD void sync() const {}
};

// Coefficients of a meta-regression a multi-lane group can hold per lane (the partial sums of
// the gradient in beta live in registers); outcomes with more use one lane per chain.
constexpr int kMaxGroupCovariates = 8;

// Whether grad[0..D) is finite (each lane checks its coordinates), the same answer on every lane.
template <class G>
HBM_HD bool all_finite(CVec grad, int D, const G& grp) {
  bool finite = true;
  for (int j = grp.rank(); j < D && finite; j += grp.size()) finite = std::isfinite(grad[j]);
  return grp.all(finite);
}

// A model's log density where it and the whole gradient grad[0..D) are finite; otherwise -inf
// and a zero gradient (a divergent proposal, never accepted). Every lane gets the same answer.
template <class G>
HBM_HD double finite_or_zero(double lp, Vec grad, int D, const G& grp) {
  if (all_finite(grad, D, grp) && std::isfinite(lp)) return lp;
  for (int j = grp.rank(); j < D; j += grp.size()) grad[j] = 0.0;
  grp.sync();
  return -INFINITY;
}

// The lanes' partial sums of the terms every study adds to (the log density when kValue,
// d/dmu, d/dtau, d/dbeta[0..P) kept in gbeta), combined; lane 0 writes d/dbeta into grad_beta.
// With one lane there is nothing to combine (d/dbeta was added up in place).
template <bool kValue, class G>
HBM_HD void combine_study_sums(const G& grp, double& lp, double& dmu, double& dtau, Vec gbeta, int P,
                               Vec grad_beta) {
  if constexpr (!G::kSerial) {
    if (kValue) lp = grp.sum(lp);
    dmu = grp.sum(dmu);
    dtau = grp.sum(dtau);
    for (int j = 0; j < P; ++j) gbeta[j] = grp.sum(gbeta[j]);
    if (grp.rank() == 0)
      for (int j = 0; j < P; ++j) grad_beta[j] = gbeta[j];
  }
}

}  // namespace hbm
