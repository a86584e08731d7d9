// What the three GLMM fits share around the optimiser (not part of the public API): starting
// values from DerSimonian-Laird, the MethodResult filled from the ML fit, and the skeleton of a
// fit from the data check to that MethodResult.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/maximize.hpp"
#include "host/frequentist/ml_fit.hpp"

namespace hbm::freq::detail {

// Fills estimate, se, ci, pi (normal quantiles, pi = est +- z sqrt(se^2 + tau^2) as metafor's
// predict()), tau, loglik and the convergence note from a fit; index `est_i` is the pooled effect.
void finish(MethodResult& m, const MlFit& fit, int est_i, double tau, double level);

// The pooled effect of rma(es, DL) (0 when it has none); tau0 receives its tau, at least 0.25
// (0.5 when DL has none), a start away from the boundary.
double dl_start(const EffectData& es, double& tau0);

// What tells one GLMM's ML fit from another's; x(0) is the pooled effect and tau the last
// coordinate.
struct GlmmSpec {
  int k = 0;                  // studies (tables) in the fit
  std::string problem;        // why the data admit no fit, or empty
  const char* unit = "";      // "study" or "table", for the k = 1 note
  std::vector<int> sd_idx;    // the random-effect sds (fit_ml's sd_idx), fixed at 0 when k = 1
};

// The skeleton of a GLMM fit: sets m.k; notes spec.problem and fits nothing if there is one;
// otherwise takes the start from `start` (called only then), fixes the sds at 0 when k = 1 (with
// the note "tau^2 (or: variance components, if more than one sd) cannot be estimated from k = 1
// <unit>; fixed at 0"), maximises `loglik` by fit_ml and finishes m from the fit at level
// `level`. Returns the fit, or nothing (m noted "GLMM fit failed") when no finite optimum came out.
std::optional<MlFit> fit_glmm(MethodResult& m, const GlmmSpec& spec, const Fn& loglik,
                              const std::function<VectorXd()>& start, double level);

}  // namespace hbm::freq::detail
