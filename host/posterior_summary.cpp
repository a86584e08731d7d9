#include "host/posterior_summary.hpp"

#include <algorithm>
#include <cmath>

namespace hbm {

double quantile_sorted(const std::vector<double>& s, double prob) {
  if (s.empty()) return NAN;
  const double h = (static_cast<double>(s.size()) - 1.0) * prob;
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (h - static_cast<double>(lo)) * (s[hi] - s[lo]);
}

ParamSummary summarise(const ChainDraws& x) {
  ParamSummary r;
  const std::size_t N = x.chains * x.draws;
  std::vector<double> v(x.data, x.data + N);
  double sum = 0;
  for (double d : v) sum += d;
  r.mean = sum / static_cast<double>(N);
  double ss = 0;
  for (double d : v) ss += (d - r.mean) * (d - r.mean);
  r.sd = N > 1 ? std::sqrt(ss / static_cast<double>(N - 1)) : 0.0;
  std::sort(v.begin(), v.end());
  for (std::size_t k = 0; k < kQuantileLevels.size(); ++k) r.q[k] = quantile_sorted(v, kQuantileLevels[k]);
  const Diagnostics d = diagnose(x);  // sorts once for every statistic
  r.rhat = d.rhat;
  r.ess_bulk = d.ess_bulk;
  r.ess_tail = d.ess_tail;
  r.mcse_mean = d.mcse_mean;
  return r;
}

}  // namespace hbm
