// Regression tests for funnel-plot asymmetry (metafor's regtest() with model = "rma"): the
// meta-regression of the effects on a measure of precision, Egger's standard error or Peters'
// inverse sample size, whose intercept is the "limit estimate" at infinite precision.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/sensitivity.hpp"
#include "host/frequentist/sensitivity_data.hpp"

namespace hbm::freq {

Regtest regtest(const EffectData& data, RegtestPredictor predictor, const std::vector<double>& ni,
                Tau2Method method) {
  Regtest out;
  const bool peters = predictor == RegtestPredictor::NINV;
  out.predictor = peters ? "ninv" : "sei";
  std::vector<int> keep = detail::analysable_studies(data, out.note);
  if (peters) {
    if (ni.size() != std::max(data.yi.size(), data.vi.size())) {
      detail::append_note(out.note, "Peters' test needs one sample size per study (" + std::to_string(ni.size()) +
                                        " given for " + std::to_string(std::max(data.yi.size(), data.vi.size())) +
                                        " studies)");
      return out;
    }
    const auto bad = std::erase_if(keep, [&](int i) { return !(std::isfinite(ni[i]) && ni[i] > 0); });
    if (bad > 0)
      detail::append_note(out.note, std::to_string(bad) + " stud" + (bad == 1 ? "y" : "ies") +
                                        " without a positive sample size left out");
  }
  const int k = static_cast<int>(keep.size());
  out.k = k;
  if (k < 3) {  // two coefficients and a residual variance
    detail::append_note(out.note, "the regression test needs at least 3 studies");
    return out;
  }
  Eigen::MatrixXd X(k, 2);
  for (int r = 0; r < k; ++r) {
    const int i = keep[r];
    X(r, 0) = 1;
    X(r, 1) = peters ? 1 / ni[i] : std::sqrt(data.vi[i]);
  }
  RmaOptions o;
  o.tau2_ci = false;
  const RegressionResult reg = rma_regression(detail::subset(data, keep), X, method, o);
  detail::append_note(out.note, reg.note);
  if (reg.beta.size() == 2) {
    out.zval = reg.zval(1);
    out.pval = reg.pval(1);
    out.slope = reg.beta(1);
    out.slope_se = reg.se(1);
    out.est = reg.beta(0);
    out.ci_lb = reg.ci_lb(0);
    out.ci_ub = reg.ci_ub(0);
    out.tau2 = reg.tau2;
  }
  if (reg.note.find("not of full rank") != std::string::npos)
    detail::append_note(out.note, std::string("the predictor (") + (peters ? "1/n" : "standard error") +
                                      ") is the same for every study: no test");
  if (k < kRegtestMinStudies)
    detail::append_note(out.note, "fewer than 10 studies (k = " + std::to_string(k) +
                                      "): the test has too little power to tell chance from real asymmetry "
                                      "(Sterne et al. 2011; Cochrane Handbook 13.3.5.4)");
  return out;
}

}  // namespace hbm::freq
