// Classical sensitivity, influence, subgroup and small-study analyses of the normal-normal model,
// reproducing metafor 3.8-1 on rma(yi, vi, method = M) (M = REML unless asked otherwise):
// leave1out(), influence(), cumul(), a fit per subgroup with the test of subgroup differences
// rma(mods = ~ factor(g)), regtest() (Egger: predictor "sei"; Peters: "ninv"), trimfill() and the
// pseudo-confidence regions of funnel().
//
// Input: model-scale effects (escalc_plo for single-arm, escalc_or for two-arm data, metafor's
// escalc defaults) and, for Peters' test, the sample sizes n_i (metafor's attribute "ni": n for
// PLO, n_treatment + n_control for OR).
//
// Every function is total, as the rest of hbm::freq: data it cannot analyse give NaN values and
// a `note` saying why, never an exception. Studies without a finite effect and a positive
// variance are left out of every analysis (metafor's na.omit) and the note counts them; rows
// name their study by its index in the input (`study`), so they can be matched to labels.
// Method notes and the validation against metafor: docs/frequentist.md, "Sensitivity analyses".
#pragma once
#include <string>
#include <vector>

#include "host/frequentist/frequentist.hpp"

namespace hbm::freq {

// -------------------------------------------------------------- leave-one-out (leave1out) ----

// The fit without study `study`: estimate, se, zval, pval, ci_lb, ci_ub, Q, Q_p, tau2, I2, H2
// as leave1out(); pi_lb, pi_ub as predict() of that fit. (tau2_ci_* are not computed: NaN.)
struct LeaveOneOutRow {
  int study = 0;
  MethodResult fit;
};
struct LeaveOneOut {
  std::vector<LeaveOneOutRow> rows;  // one per analysable study, in input order
  std::string note;
};
LeaveOneOut leave_one_out(const EffectData& data, Tau2Method method = Tau2Method::REML);

// ---------------------------------------------------------------- influence (influence) ------

// metafor's influence() of an intercept-only model, per study (its columns, same names):
// externally studentised residual, DFFITS, Cook's distance, covariance ratio, tau^2 and QE of
// the fit without the study, hat value, weight (%), DFBETAS of the intercept, and `influential`
// (metafor's "*": |dffits| > 3 sqrt(p/(k-p)), or pchisq(cook_d, 1) > 0.5, or hat > 3p/k, or
// |dfbs| > 1, with p = 1). Values that need the fit without the study are NaN when that fit
// fails (hat and weight stay; a study is flagged when any defined criterion holds).
struct InfluenceRow {
  int study = 0;
  double rstudent = kNoValue, dffits = kNoValue, cook_d = kNoValue, cov_r = kNoValue;
  double tau2_del = kNoValue, QE_del = kNoValue, hat = kNoValue, weight = kNoValue, dfbs = kNoValue;
  bool influential = false;
};
struct Influence {
  std::vector<InfluenceRow> rows;  // one per analysable study, in input order
  std::string note;
};
Influence influence(const EffectData& data, Tau2Method method = Tau2Method::REML);

// --------------------------------------------------------------- cumulative (cumul) ----------

// The fit of the first n studies in the order of `order_key` (ascending; ties, and NaN keys
// last, in input order, as R's order()), n = 1..k: the fields of cumul() plus predict()'s
// prediction interval. `study` is the study added at that step. Without a key: input order.
struct CumulativeStep {
  int study = 0;
  MethodResult fit;
};
struct Cumulative {
  std::vector<CumulativeStep> steps;
  std::string note;
};
Cumulative cumulative(const EffectData& data, const std::vector<double>& order_key,
                      Tau2Method method = Tau2Method::REML);
Cumulative cumulative(const EffectData& data, Tau2Method method = Tau2Method::REML);

// ------------------------------------------------------------------ subgroups ---------------

// A separate fit per level (its own tau^2: rma(yi, vi, subset = g == level)), levels in sorted
// (byte) order; an empty label is a missing value and leaves the study out. A level with one
// study is fitted as metafor does: tau^2 = 0 (not estimable, said in its note), so its
// prediction interval equals its confidence interval, Q = 0, I^2 = 0, H^2 = 1.
struct SubgroupLevel {
  std::string level;
  std::vector<int> studies;  // input indices
  MethodResult fit;
};
// The test of subgroup differences, rma(yi, vi, mods = ~ factor(g), method = M): the omnibus
// test of the level indicators QM (chi^2 with df = levels - 1) and its p-value, with the
// residual heterogeneity (QE, QE_p with k - levels df, tau2) of that model. NaN with fewer than
// two levels.
struct SubgroupTest {
  double QM = kNoValue, QM_p = kNoValue;
  int df = 0;
  double QE = kNoValue, QE_p = kNoValue, tau2 = kNoValue;
  int k = 0;
  std::string note;
};
struct Subgroups {
  std::vector<SubgroupLevel> levels;
  SubgroupTest test;
  std::string note;
};
Subgroups subgroups(const EffectData& data, const std::vector<std::string>& group,
                    Tau2Method method = Tau2Method::REML);

// ------------------------------------------------------- small-study tests (regtest) --------

enum class RegtestPredictor {
  SEI,   // Egger's test: the standard error sqrt(v_i)
  NINV,  // Peters' test: 1 / n_i
};

// regtest(rma(yi, vi, method = M), predictor = ...): the meta-regression y_i ~ b0 + b1 x_i with
// tau^2 by M; `zval`, `pval` test b1 = 0; `est`, `ci_lb`, `ci_ub` are the limit estimate b0
// (the effect at x = 0: infinite precision) and its 95% CI. `note` carries the small-k warning
// below 10 studies (Sterne et al. 2011, Cochrane Handbook 13.3.5.4: the tests have too little
// power to tell chance from real asymmetry).
struct Regtest {
  std::string predictor;  // "sei" or "ninv", as metafor names them
  double zval = kNoValue, pval = kNoValue;
  double slope = kNoValue, slope_se = kNoValue;  // b1 and its se
  double est = kNoValue, ci_lb = kNoValue, ci_ub = kNoValue;
  double tau2 = kNoValue;  // residual tau^2 of the regression
  int k = 0;
  std::string note;
};
// ni: the sample sizes, one per study (needed for NINV only; non-positive values leave the study
// out of that test).
Regtest regtest(const EffectData& data, RegtestPredictor predictor, const std::vector<double>& ni = {},
                Tau2Method method = Tau2Method::REML);

// Below this many studies regtest() adds the small-k warning to its note.
inline constexpr int kRegtestMinStudies = 10;

// ---------------------------------------------------------------------- trim and fill -------

enum class TrimfillSide { Auto, Left, Right };

// trimfill(rma(yi, vi, method = M)) with the L0 estimator: k0 (studies estimated missing) and
// its se, the side they are imputed on (Auto: as metafor, "right" when the slope of
// rma(yi, vi, mods = sqrt(vi)) is negative, else "left"), the fit of the observed plus the filled
// studies (with k0 = 0: the fit of the observed studies), and the filled studies' effects and
// variances (mirror images 2 b - y_j of the k0 most extreme studies, b the estimate of the
// trimmed data), with the input index of the study each one mirrors.
struct Trimfill {
  int k0 = 0;
  double se_k0 = kNoValue;
  std::string side;  // "left" or "right"; empty when it could not be chosen
  MethodResult fit;
  std::vector<double> filled_yi, filled_vi;
  std::vector<int> filled_from;
  std::string note;
};
Trimfill trimfill(const EffectData& data, Tau2Method method = Tau2Method::REML,
                  TrimfillSide side = TrimfillSide::Auto);

// --------------------------------------------------------------------------- funnel ---------

// The x-bounds center -/+ z_{1-p/2} se of a pseudo-confidence region at standard error se (the
// edges are straight lines from (center, 0) when se is the vertical axis).
struct FunnelBounds {
  double lb = kNoValue, ub = kNoValue;
};
FunnelBounds funnel_bounds(double center, double p, double se);

// What metafor's funnel() draws on the standard-error axis: se from 0 to se_max = 1.1 x the
// largest sqrt(v_i); the contour-enhanced significance regions around 0 at p = 0.10, 0.05 and
// 0.01 (funnel(res, level = c(90, 95, 99), refline = 0)), and the 95% region around the pooled
// estimate (funnel(res)); each with its bounds at se_max (at se = 0 both bounds are the centre).
struct FunnelRegion {
  double center = 0, p = 0;
  FunnelBounds at_se_max;
};
struct Funnel {
  double se_max = kNoValue;
  std::vector<FunnelRegion> significance;  // p = 0.10, 0.05, 0.01 around 0
  FunnelRegion pooled;                     // p = 0.05 around pooled_estimate
  std::string note;
};
Funnel funnel(const EffectData& data, double pooled_estimate);

}  // namespace hbm::freq
