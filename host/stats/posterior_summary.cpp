#include "host/stats/posterior_summary.hpp"

#include <algorithm>
#include <cmath>

#include "host/stats/nested_rhat.hpp"

namespace hbm {

double quantile_sorted(const std::vector<double>& s, double prob) {
  if (s.empty()) return NAN;
  const double h = (static_cast<double>(s.size()) - 1.0) * prob;
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (h - static_cast<double>(lo)) * (s[hi] - s[lo]);
}

namespace {

// The summary of x given its diagnostics and its sorted draws (empty: sort here).
ParamSummary summary_of(const ChainDraws& x, const Diagnostics& d, std::vector<double>& v) {
  ParamSummary r;
  const std::size_t N = x.chains * x.draws;
  r.rhat = d.rhat;
  r.ess_bulk = d.ess_bulk;
  r.ess_tail = d.ess_tail;
  r.mcse_mean = d.mcse_mean;
  r.mcse_q5 = d.mcse_q05;
  r.mcse_q95 = d.mcse_q95;
  r.rhat_nested = x.chains > 0 ? rhat_nested(x, default_superchains(x.chains)) : NAN;
  if (v.size() != N) {  // draws the diagnostics could not use (e.g. non-finite): sort here
    v.assign(x.data, x.data + N);
    std::sort(v.begin(), v.end());
  }
  double sum = 0;
  for (std::size_t i = 0; i < N; ++i) sum += x.data[i];
  r.mean = sum / static_cast<double>(N);
  double ss = 0;
  for (std::size_t i = 0; i < N; ++i) ss += (x.data[i] - r.mean) * (x.data[i] - r.mean);
  r.sd = N > 1 ? std::sqrt(ss / static_cast<double>(N - 1)) : 0.0;
  for (std::size_t k = 0; k < kQuantileLevels.size(); ++k) r.q[k] = quantile_sorted(v, kQuantileLevels[k]);
  return r;
}

}  // namespace

ParamSummary summarise(const ChainDraws& x) {
  std::vector<double> v;
  const Diagnostics d = diagnose(x, &v);  // sorts once for every statistic and the quantiles
  return summary_of(x, d, v);
}

std::pair<ParamSummary, ParamSummary> summarise_increasing(const ChainDraws& x, const ChainDraws& y) {
  std::vector<double> vx, vy;
  const auto [dx, dy] = diagnose_increasing(x, y, &vx, &vy);
  return {summary_of(x, dx, vx), summary_of(y, dy, vy)};
}

}  // namespace hbm
