// Case-deletion diagnostics of the intercept-only model, as metafor's influence.rma.uni(): each
// study is deleted in turn, the model refitted with the same tau^2 estimator, and the change
// measured against the full fit (Viechtbauer & Cheung 2010).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "host/frequentist/distributions.hpp"
#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/sensitivity.hpp"
#include "host/frequentist/sensitivity_data.hpp"

namespace hbm::freq {

Influence influence(const EffectData& data, Tau2Method method) {
  Influence out;
  const std::vector<int> keep = detail::analysable_studies(data, out.note);
  const int k = static_cast<int>(keep.size());
  if (k < 2) {  // influence() stops at k = 1
    detail::append_note(out.note, "influence diagnostics need at least 2 studies");
    return out;
  }
  const MethodResult full = detail::fit_rma(detail::subset(data, keep), method);
  if (!std::isfinite(full.estimate) || !std::isfinite(full.tau2)) {
    detail::append_note(out.note, "the model cannot be fitted: " + full.note);
    return out;
  }
  const double beta = full.estimate, vb = full.se * full.se, tau2 = full.tau2;
  double wsum = 0;
  for (int i : keep) wsum += 1 / (data.vi[i] + tau2);

  // metafor's thresholds for an intercept-only model (p = 1 coefficient, m = 1 tested)
  const int p = 1;
  const double dffits_limit = 3 * std::sqrt(static_cast<double>(p) / (k - p));
  const double hat_limit = 3.0 * p / k;

  for (int j = 0; j < k; ++j) {
    const int i = keep[j];
    InfluenceRow row;
    row.study = i;
    const double vi = data.vi[i], yi = data.yi[i];
    row.hat = (1 / (vi + tau2)) / wsum;  // hatvalues(): w_i / sum(w) for an intercept-only model
    row.weight = 100 * row.hat;          // weights(): in percent
    std::vector<int> rest;
    for (int m = 0; m < k; ++m)
      if (m != j) rest.push_back(keep[m]);
    const MethodResult del = detail::fit_rma(detail::subset(data, rest), method);
    if (std::isfinite(del.estimate) && std::isfinite(del.tau2)) {
      const double vdel = del.se * del.se;  // variance of the prediction from the deleted fit
      row.tau2_del = del.tau2;
      row.QE_del = del.Q;
      const double diff = beta - del.estimate;
      // rstudent: metafor zeroes residuals below 100 eps (an exact fit)
      double resid = yi - del.estimate;
      if (std::fabs(resid) < 100 * std::numeric_limits<double>::epsilon()) resid = 0;
      row.rstudent = resid / std::sqrt(vi + vdel + del.tau2);
      row.dffits = diff / std::sqrt(row.hat * (del.tau2 + vi));
      // DFBETAS scales by the variance of the FULL data's estimate at the deleted fit's tau^2
      double wdel = 0;
      for (int m : keep) wdel += 1 / (data.vi[m] + del.tau2);
      row.dfbs = diff / std::sqrt(1 / wdel);
      row.cook_d = diff * diff / vb;
      row.cov_r = vdel / vb;
    } else {
      detail::append_note(out.note, "study " + std::to_string(i) + ": the fit without it failed (" + del.note +
                                        "); its deletion diagnostics are NaN");
    }
    // is.infl: any criterion TRUE (R's | with NA: NA | TRUE is TRUE, NA alone is not flagged)
    row.influential = std::fabs(row.dffits) > dffits_limit ||
                      (std::isfinite(row.cook_d) && detail::pchisq_upper(row.cook_d, 1) < 0.5) ||
                      row.hat > hat_limit || std::fabs(row.dfbs) > 1;
    out.rows.push_back(row);
  }
  return out;
}

}  // namespace hbm::freq
