#include "host/fit/prior_sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hbm {
namespace {

constexpr double kLogAlpha = 0.1;  // alpha = exp(+-0.1): weights within exp(+-0.1 |log p| range)

// The p-quantile of the draws in `order` (ascending by value) under weights w: the value where
// the cumulative weight, taken at each draw's midpoint, crosses p (linear between draws).
double weighted_quantile(const std::vector<double>& x, const std::vector<std::size_t>& order,
                         const std::vector<double>& w, double p) {
  double total = 0;
  for (double v : w) total += v;
  double cum = 0, prev_mid = 0, prev_x = x[order[0]];
  for (std::size_t k = 0; k < order.size(); ++k) {
    const double wi = w[order[k]] / total;
    const double mid = cum + wi / 2;
    if (mid >= p) {
      if (k == 0) return x[order[0]];
      const double t = (p - prev_mid) / (mid - prev_mid);
      return prev_x + t * (x[order[k]] - prev_x);
    }
    prev_mid = mid;
    prev_x = x[order[k]];
    cum += wi;
  }
  return x[order.back()];
}

}  // namespace

TailSensitivity power_scaling_sensitivity(const std::vector<double>& quantity, const std::vector<double>& log_prior) {
  TailSensitivity s;
  const std::size_t n = quantity.size();
  if (n < 10 || log_prior.size() != n) return s;
  double mean = 0;
  for (double v : quantity) mean += v;
  mean /= static_cast<double>(n);
  double ss = 0;
  for (double v : quantity) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / static_cast<double>(n - 1));
  if (!(sd > 0) || !std::isfinite(sd)) return s;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return quantity[a] < quantity[b]; });
  const double top = *std::max_element(log_prior.begin(), log_prior.end());
  std::vector<double> w_up(n), w_down(n);
  for (std::size_t i = 0; i < n; ++i) {
    // p^(alpha - 1) with alpha = exp(+-kLogAlpha), relative to the largest (no overflow); a draw
    // outside the prior's support has no weight.
    const bool in = std::isfinite(log_prior[i]);
    const double lp = in ? log_prior[i] - top : 0.0;
    w_up[i] = in ? std::exp((std::exp(kLogAlpha) - 1) * lp) : 0.0;
    w_down[i] = in ? std::exp((std::exp(-kLogAlpha) - 1) * lp) : 0.0;
  }
  const auto deriv = [&](double p) {
    return (weighted_quantile(quantity, order, w_up, p) - weighted_quantile(quantity, order, w_down, p)) /
           (2 * kLogAlpha) / sd;
  };
  s.lower = deriv(0.025);
  s.upper = deriv(0.975);
  return s;
}

}  // namespace hbm
