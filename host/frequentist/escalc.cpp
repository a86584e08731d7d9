// Effect sizes as metafor's escalc: logit proportions ("PLO"), log odds ratios ("OR") and log
// risk ratios ("RR") with their sampling variances and metafor's continuity correction.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/two_by_two.hpp"

namespace hbm::freq {

using detail::kNaN;

EffectData escalc_plo(const std::vector<long long>& events, const std::vector<long long>& totals) {
  EffectData d;
  const std::size_t k = std::min(events.size(), totals.size());
  d.yi.reserve(k);
  d.vi.reserve(k);
  for (std::size_t i = 0; i < k; ++i) {
    const long long x = events[i], n = totals[i];
    if (n <= 0 || x < 0 || x > n) {
      d.yi.push_back(kNaN);
      d.vi.push_back(kNaN);
      continue;
    }
    double a = static_cast<double>(x), b = static_cast<double>(n - x);
    if (x == 0 || x == n) {  // to = "only0": add 1/2 to both cells of studies with a zero cell
      a += 0.5;
      b += 0.5;
    }
    d.yi.push_back(std::log(a / b));
    d.vi.push_back(1.0 / a + 1.0 / b);
  }
  return d;
}

namespace {

template <class F>
EffectData escalc_2x2(const TwoArmCounts& counts, bool drop00, int* dropped, F&& measure) {
  EffectData out;
  int ndrop = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double a, b, c, d;
    if (!detail::table(counts, i, a, b, c, d)) {
      out.yi.push_back(kNaN);
      out.vi.push_back(kNaN);
      continue;
    }
    if (drop00 && detail::double_zero(a, b, c, d)) {
      ++ndrop;
      continue;
    }
    if (a == 0 || b == 0 || c == 0 || d == 0) {  // to = "only0": 1/2 to all cells of the table
      a += 0.5;
      b += 0.5;
      c += 0.5;
      d += 0.5;
    }
    double y, v;
    measure(a, b, c, d, y, v);
    out.yi.push_back(y);
    out.vi.push_back(v);
  }
  if (dropped) *dropped = ndrop;
  return out;
}

}  // namespace

EffectData escalc_or(const TwoArmCounts& counts, bool drop_double_zero, int* dropped_double_zero) {
  return escalc_2x2(counts, drop_double_zero, dropped_double_zero,
                    [](double a, double b, double c, double d, double& y, double& v) {
                      y = std::log((a * d) / (b * c));
                      v = 1 / a + 1 / b + 1 / c + 1 / d;
                    });
}

EffectData escalc_rr(const TwoArmCounts& counts, bool drop_double_zero, int* dropped_double_zero) {
  return escalc_2x2(counts, drop_double_zero, dropped_double_zero,
                    [](double a, double b, double c, double d, double& y, double& v) {
                      const double n1 = a + b, n2 = c + d;
                      y = std::log(a / n1) - std::log(c / n2);
                      v = 1 / a - 1 / n1 + 1 / c - 1 / n2;
                    });
}

}  // namespace hbm::freq
