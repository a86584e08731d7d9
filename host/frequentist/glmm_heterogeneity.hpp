// The heterogeneity statistics of the GLMMs as rma.glmm reports them (not part of the public API).
#pragma once
#include <vector>

#include "host/frequentist/frequentist.hpp"

namespace hbm::freq::detail {

// rma.glmm's "typical" within-study variance vt = (k.yi - 1) / tr(P) from escalc's sampling
// variances (1/2 added to studies / tables with a zero cell, double-zero tables dropped), the
// denominator of its I^2 = 100 tau^2 / (vt + tau^2) and H^2 = tau^2 / vt + 1.
double typical_variance(const EffectData& es);

// Cochran's Q of uncorrected effects y_i with variances v_i (only finite pairs).
double cochran_q(const std::vector<double>& y, const std::vector<double>& v);

// Fills I2, H2 and the heterogeneity tests of a GLMM result as rma.glmm does:
//  * Q / Q_p: QE.Wld, the Wald test of the study-specific effects of the saturated model;
//  * Q_lrt / Q_lrt_p: QE.LRT = -2 (ll_FE - ll_QE), common-effect model vs saturated model;
//  * tau2_lrt / tau2_lrt_p: 2 (loglik - ll_FE), the likelihood-ratio test of tau^2 = 0 within the
//    GLMM (not reported by metafor; p from the 50:50 mixture of chi^2_0 and chi^2_1).
// df = k - 1; with k = 1 the tests are NaN (metafor: NA).
void set_heterogeneity(MethodResult& m, double vt, double wald, double ll_fe, double ll_qe);

}  // namespace hbm::freq::detail
