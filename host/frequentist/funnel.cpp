// The pseudo-confidence regions of metafor's funnel() on the standard-error axis.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "host/frequentist/distributions.hpp"
#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/sensitivity.hpp"
#include "host/frequentist/sensitivity_data.hpp"

namespace hbm::freq {

FunnelBounds funnel_bounds(double center, double p, double se) {
  const double z = detail::qnorm_upper(p / 2);
  return {center - z * se, center + z * se};
}

Funnel funnel(const EffectData& data, double pooled_estimate) {
  Funnel out;
  const std::vector<int> keep = detail::analysable_studies(data, out.note);
  double max_se = 0;
  for (int i : keep) max_se = std::max(max_se, std::sqrt(data.vi[i]));
  // funnel() puts the top of the plot at se = 0 and extends the bottom 10% beyond the largest se
  out.se_max = keep.empty() ? detail::kNaN : 1.1 * max_se;
  if (keep.empty()) detail::append_note(out.note, "no studies");
  for (const double p : {0.10, 0.05, 0.01}) out.significance.push_back({0.0, p, funnel_bounds(0.0, p, out.se_max)});
  out.pooled = {pooled_estimate, 0.05, funnel_bounds(pooled_estimate, 0.05, out.se_max)};
  return out;
}

}  // namespace hbm::freq
