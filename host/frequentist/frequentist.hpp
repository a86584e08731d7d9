// Frequentist meta-analysis of binary outcomes, reproducing the R package metafor (3.8-1):
// effect sizes (escalc), the normal-normal model with every common tau^2 estimator (rma.uni),
// Knapp-Hartung (HKSJ) inference, prediction intervals, the Q-profile confidence interval for
// tau^2 (confint), Mantel-Haenszel and Peto odds ratios (rma.mh, rma.peto), weighted
// meta-regression with moderators, and binomial GLMMs fitted by maximum likelihood with adaptive
// Gauss-Hermite quadrature (rma.glmm, i.e. lme4::glmer).
//
// Every function here is total: it never throws for data it cannot analyse (k = 1, all zero
// events, non-convergence, ...). Values that do not exist are NaN and `note` says why.
// Method notes, conventions and the validation against metafor: docs/frequentist.md.
#pragma once
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace hbm::freq {

// ---------------------------------------------------------------- effect sizes (escalc) ----

// Model-scale effects y_i and their sampling variances v_i.
struct EffectData {
  std::vector<double> yi, vi;
};

// Logit proportion ("PLO"): y = log(x / (n - x)), v = 1/x + 1/(n - x); 1/2 is added to both
// cells of a study with x = 0 or x = n (metafor's add = 1/2, to = "only0").
EffectData escalc_plo(const std::vector<long long>& events, const std::vector<long long>& totals);

// Exact (Clopper-Pearson) interval of a binomial rate: the beta quantiles Beta(x, n-x+1) at
// (1-level)/2 and Beta(x+1, n-x) at (1+level)/2 (0 and 1 at the ends). total must be > 0.
struct RateInterval {
  double lo = 0, hi = 1;
};
RateInterval clopper_pearson(long long events, long long total, double level = 0.95);

// Two-arm counts: events and totals of the treatment (t) and control (c) arms, study by study.
struct TwoArmCounts {
  std::vector<long long> et, nt, ec, nc;
  std::size_t size() const { return et.size(); }
};

// Log odds ratio ("OR", treatment vs control): 1/2 is added to all four cells of a table with a
// zero cell. A double-zero table (no events, or only events, in both arms) is kept (metafor's
// escalc/rma default, drop00 = FALSE) unless drop_double_zero; the number dropped is reported.
EffectData escalc_or(const TwoArmCounts& counts, bool drop_double_zero = false,
                     int* dropped_double_zero = nullptr);

// Log risk ratio ("RR"), same continuity correction and drop00 rule as escalc_or.
EffectData escalc_rr(const TwoArmCounts& counts, bool drop_double_zero = false,
                     int* dropped_double_zero = nullptr);

// ----------------------------------------------------------------------- results -------------

enum class Tau2Method { FE, DL, REML, ML, PM, SJ, HS, EB };

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// "FE", "DL", ... (metafor's method names).
std::string method_name(Tau2Method m);

// One pooled analysis. Fields that a method does not define are NaN (e.g. tau2 of Peto's method
// is 0 by construction, pi_* of a common-effect model are NaN).
struct MethodResult {
  std::string name;     // "DL", "REML_knha", "MH", "Peto", "GLMM_ML", "GLMM_UM.FS", ...
  double estimate = 0;  // pooled effect on the model scale (logit rate or log OR)
  double se = 0;
  double zval = 0;  // estimate / se (a t statistic under Knapp-Hartung)
  double pval = 0;  // two-sided, normal or t(df)
  double ci_lb = 0, ci_ub = 0;
  double tau2 = 0, tau = 0;
  double se_tau2 = 0;                  // metafor's se.tau2 (NaN where metafor has none)
  double tau2_ci_lb = 0, tau2_ci_ub = 0;  // Q-profile interval (rma random-effects methods only)
  double I2 = 0, H2 = 0;               // metafor's definitions (see docs/frequentist.md; GLMMs:
                                       // from the GLMM tau^2 and rma.glmm's typical variance vt)
  double Q = 0, Q_p = 0;               // Cochran's Q (Peto's own Q for Peto) and its p-value;
                                       // GLMMs: metafor's Wald-type test QE.Wld / QEp.Wld
  double Q_lrt = kNoValue, Q_lrt_p = kNoValue;  // GLMMs: metafor's likelihood-ratio test QE.LRT / QEp.LRT
                                       // (common-effect vs saturated model, df k - 1); NaN otherwise
  double tau2_lrt = kNoValue, tau2_lrt_p = kNoValue;  // GLMMs: 2 (loglik - loglik at tau^2 = 0), p-value of the
                                        // boundary mixture 0.5 chi^2_0 + 0.5 chi^2_1; NaN otherwise
  double pi_lb = 0, pi_ub = 0;         // prediction interval for a new study's true effect
  double sigma2 = 0;                   // UM.RS only: variance of the random study intercepts
  double loglik = 0;                   // GLMMs: maximised log-likelihood (binomial, relative to the
                                       // saturated model, i.e. -deviance/2); NaN for the others
  int k = 0;                           // studies (tables) in the analysis
  int df = 0;                          // degrees of freedom of the t quantile (Knapp-Hartung), else 0
  bool converged = true;
  std::string note;  // empty, or why something is NaN / fixed / unusual
};

// ------------------------------------------------------------ normal-normal model (rma) ------

struct RmaOptions {
  bool knha = false;     // Knapp-Hartung / HKSJ: t(k-p) quantiles, variance scaled by Q_w/(k-p)
  double level = 0.95;   // confidence level of ci, pi and the tau^2 interval
  bool tau2_ci = true;   // compute the Q-profile interval for tau^2 (random-effects methods)
};

// Random-effects (or common-effect, FE) meta-analysis of y_i ~ N(mu, v_i + tau^2), as
// metafor::rma(yi, vi, method=..., test="z"/"knha") followed by predict() and confint().
MethodResult rma(const EffectData& data, Tau2Method method, const RmaOptions& options = {});
inline MethodResult rma(const EffectData& data, Tau2Method method, bool knha) {
  RmaOptions o;
  o.knha = knha;
  return rma(data, method, o);
}

// Q-profile confidence interval for tau^2 (Viechtbauer 2007; metafor confint(type="QP")) and the
// matching intervals of I^2 and H^2 (monotone in tau^2 through the typical variance s^2).
struct Tau2Interval {
  double lb = 0, ub = 0;
  double I2_lb = 0, I2_ub = 0, H2_lb = 0, H2_ub = 0;
  bool lb_below_search = false;  // the lower bound is < 0 (reported as 0)
  bool ub_above_search = false;  // the upper bound exceeds the search interval (reported as its end)
  bool null_set = false;         // Q(0) is below the lower critical value: the CI is empty ({0})
  std::string note;
};
// tau2_hat only sets the search interval [min(0, tau2_hat), max(100, 10 tau2_hat)] as metafor does.
Tau2Interval tau2_ci_qprofile(const EffectData& data, double tau2_hat, double level = 0.95);

// ------------------------------------------------------------------ meta-regression ----------

// Mixed-effects meta-regression y = X b + u + e, u ~ N(0, tau^2), e ~ N(0, v_i), with the same
// tau^2 estimators (residual heterogeneity) and inference options as rma(). X is k x p and
// should contain the intercept column if wanted (intercept-only X reproduces rma()).
struct RegressionResult {
  std::string method;  // "REML", "REML_knha", ... (metafor's method name, "_knha" for Knapp-Hartung)
  Eigen::VectorXd beta, se, zval, pval, ci_lb, ci_ub;
  Eigen::MatrixXd vcov;
  double tau2 = 0, se_tau2 = 0;
  double I2 = 0, H2 = 0;      // residual heterogeneity, metafor's definitions
  double QE = 0, QE_p = 0;    // test of residual heterogeneity, df k - p
  double QM = 0, QM_p = 0;    // omnibus test of the moderators (all coefficients but an
                              // intercept column; the single coefficient when p = 1, as metafor):
                              // chi^2(m), or F(m, k-p) with QM divided by m under knha
  double R2 = 0;              // pseudo R^2 (%) relative to the intercept-only model, NaN without intercept
  int k = 0, p = 0, df = 0;   // df = k - p for knha, else 0
  bool converged = true;
  std::string note;
};
RegressionResult rma_regression(const EffectData& data, const Eigen::MatrixXd& X, Tau2Method method,
                                const RmaOptions& options = {});

// metafor's predict(rma(yi, vi, mods = X), newmods = x0[-1]): the fitted value x0' beta at the
// design row x0 (intercept first), its se sqrt(x0' V x0), the 95% CI and the 95% prediction
// interval pred +- crit sqrt(se^2 + tau^2), crit the normal quantile, or t(df) under
// Knapp-Hartung (df > 0). NaN throughout when the fit has no estimate.
struct RegressionPrediction {
  double pred = NAN, se = NAN, ci_lb = NAN, ci_ub = NAN, pi_lb = NAN, pi_ub = NAN;
};
RegressionPrediction predict_regression(const RegressionResult& g, const Eigen::VectorXd& x0);

// --------------------------------------------------------- two-arm common-effect methods -----

// Mantel-Haenszel pooled log odds ratio with the Robins-Breslow-Greenland standard error
// (metafor::rma.mh(measure="OR"): no continuity correction in the pooling; Q, I^2, H^2 from the
// inverse-variance log ORs with 1/2 added to tables with a zero and double-zero tables dropped).
MethodResult mantel_haenszel(const TwoArmCounts& counts, double level = 0.95);

// Peto's one-step log odds ratio (metafor::rma.peto) with Peto's heterogeneity statistic.
MethodResult peto(const TwoArmCounts& counts, double level = 0.95);

// ------------------------------------------------------------------------ GLMMs --------------

// Logit-normal binomial model y_i ~ Bin(n_i, expit(mu + tau z_i)), z_i ~ N(0,1), by maximum
// likelihood with nAGQ-point adaptive Gauss-Hermite quadrature
// (metafor::rma.glmm(measure="PLO") = lme4::glmer(cbind(x, n-x) ~ 1 + (1|study), nAGQ=7)).
// se from the observed information of (tau, mu) jointly, as lme4's default vcov.
MethodResult glmm_single_arm(const std::vector<long long>& events, const std::vector<long long>& totals,
                             int nAGQ = 7, double level = 0.95);

// Unconditional model with fixed study intercepts and a random log OR (metafor model="UM.FS"):
// logit p_treat = a_i + theta + tau u_i / 2, logit p_ctrl = a_i - tau u_i / 2, u_i ~ N(0,1);
// adaptive GH quadrature with nAGQ points. Double-zero tables are dropped (drop00 = TRUE).
MethodResult glmm_um_fs(const TwoArmCounts& counts, int nAGQ = 7, double level = 0.95);

// Unconditional model with random study intercepts (uncorrelated with the random log OR;
// metafor model="UM.RS", cor=FALSE): logit p = b0 + sigma w_i + group1 theta +/- tau u_i / 2.
// Two random effects per study, so (as lme4) the Laplace approximation (nAGQ = 1).
MethodResult glmm_um_rs(const TwoArmCounts& counts, double level = 0.95);

// Log-likelihoods of the GLMMs at given parameters, on the same scale as MethodResult::loglik,
// for checking an optimum against another program's estimates: UM.FS profiles out the study
// intercepts, UM.RS the intercept b0 and sigma. tau is the sd of the random effect.
double glmm_single_arm_loglik(const std::vector<long long>& events, const std::vector<long long>& totals,
                              double mu, double tau, int nAGQ = 7);
double glmm_um_fs_profile_loglik(const TwoArmCounts& counts, double theta, double tau, int nAGQ = 7);
double glmm_um_rs_profile_loglik(const TwoArmCounts& counts, double theta, double tau);

// ------------------------------------------------------------------- method sets -------------

// Single-arm (logit rates): FE, DL, REML, ML, PM, SJ, HS, EB, their Knapp-Hartung variants
// (name + "_knha") and GLMM_ML.
std::vector<MethodResult> all_methods_single_arm(const std::vector<long long>& events,
                                                 const std::vector<long long>& totals);
// Two-arm (log odds ratios): the same rma set, MH, Peto, GLMM_UM.FS and GLMM_UM.RS.
std::vector<MethodResult> all_methods_two_arm(const TwoArmCounts& counts);

// The short list for a side-by-side table: FE, DL, REML, REML_knha, GLMM_ML.
std::vector<MethodResult> basic_methods_single_arm(const std::vector<long long>& events,
                                                   const std::vector<long long>& totals);
// FE, DL, REML, REML_knha, MH, GLMM_UM.FS.
std::vector<MethodResult> basic_methods_two_arm(const TwoArmCounts& counts);

}  // namespace hbm::freq
