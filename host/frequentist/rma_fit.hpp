// The fitted normal-normal model (meta-regression; rma.uni): coefficients and their inference for
// a tau^2 estimator, the heterogeneity and moderator tests, pseudo R^2 (not part of the public API).
#pragma once
#include <string>

#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/rma_problem.hpp"

namespace hbm::freq::detail {

// A result with every value NaN and converged = false, for k studies and p coefficients.
RegressionResult nan_regression(int k, int p, const std::string& note);

// Fits the problem with the tau^2 estimator `method` and the inference options of opt. When
// vt_out is given it receives the typical within-study variance vt = (k - p) / tr(P) with
// weights 1/v (0 when k <= p), the denominator of I^2 and of the tau^2 interval's I^2 and H^2.
RegressionResult fit_problem(const Problem& pr, Tau2Method method, const RmaOptions& opt, double* vt_out);

}  // namespace hbm::freq::detail
