#include "host/design/operating_characteristics.hpp"

#include "host/design/beta_functions.hpp"
#include <algorithm>
#include <cmath>

#include "host/design/mixture_quadrature.hpp"
#include "host/support/interrupt.hpp"

namespace hbm::design {

double binomial_pmf(int y, int n, double p) {
  if (y < 0 || y > n) return 0;
  if (p <= 0) return y == 0 ? 1 : 0;
  if (p >= 1) return y == n ? 1 : 0;
  const double lchoose = std::lgamma(n + 1.0) - std::lgamma(y + 1.0) - std::lgamma(n - y + 1.0);
  return std::exp(lchoose + y * std::log(p) + (n - y) * std::log1p(-p));
}

double binomial_upper(int k, int n, double p) {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  return design::ibeta(k, n - k + 1, p);  // P(Y >= k) = I_p(k, n - k + 1)
}

std::vector<int> decision_boundary(int n_t, int n_c, const SuccessFn& success, bool monotone_in_yc) {
  std::vector<int> b(n_c + 1);
  // Smallest y in [lo, n_t] that succeeds (n_t + 1 if none), success being monotone in y.
  const auto bisect = [&](int lo, int y_c) {
    int hi = n_t + 1;  // invariant: everything >= hi that is <= n_t succeeds; below lo fails
    while (lo < hi) {
      const int mid = lo + (hi - lo) / 2;
      if (success(mid, y_c)) hi = mid;
      else lo = mid + 1;
    }
    return hi;
  };
  int prev = 0;
  for (int y_c = 0; y_c <= n_c; ++y_c) {
    throw_if_interrupted();  // large designs take minutes: Ctrl-C stops here, writing nothing
    if (!monotone_in_yc || y_c == 0) {
      b[y_c] = prev = bisect(0, y_c);
      continue;
    }
    // Gallop from the previous boundary: it can only move up.
    if (prev > n_t || success(prev, y_c)) {
      b[y_c] = prev;
      continue;
    }
    int lo = prev + 1, step = 1, hi = lo;
    while (hi <= n_t && !success(hi, y_c)) {
      lo = hi + 1;
      hi += step;
      step *= 2;
    }
    if (hi > n_t) {
      b[y_c] = prev = bisect(lo, y_c);
    } else {
      int l = lo, h = hi;  // fails below l, succeeds at h
      while (l < h) {
        const int mid = l + (h - l) / 2;
        if (success(mid, y_c)) h = mid;
        else l = mid + 1;
      }
      b[y_c] = prev = h;
    }
  }
  return b;
}

SuccessFn mixture_success(const BetaMixture& prior_t, const BetaMixture& prior_c, const DecisionRule& rule, int n_t,
                          int n_c) {
  return [=](int y_t, int y_c) {
    const BetaMixture pt = posterior(prior_t, y_t, n_t), pc = posterior(prior_c, y_c, n_c);
    return all_criteria_hold(rule, [&](double delta) { return prob_effect_exceeds(pt, pc, delta, rule.scale); });
  };
}

double prob_success(const std::vector<int>& boundary, int n_t, double p_t, double p_c) {
  const int n_c = static_cast<int>(boundary.size()) - 1;
  double s = 0;
  for (int y_c = 0; y_c <= n_c; ++y_c) {
    const double pc = binomial_pmf(y_c, n_c, p_c);
    if (pc > 0) s += pc * binomial_upper(boundary[y_c], n_t, p_t);
  }
  return std::min(1.0, s);
}

double assurance_independent(const std::vector<int>& boundary, int n_t, const BetaMixture& design_t,
                             const BetaMixture& design_c) {
  const int n_c = static_cast<int>(boundary.size()) - 1;
  // Upper tails of the treatment arm's predictive, summed from the top.
  std::vector<double> upper(n_t + 2, 0.0);
  for (int y = n_t; y >= 0; --y) upper[y] = upper[y + 1] + predictive_pmf(design_t, y, n_t);
  double s = 0;
  for (int y_c = 0; y_c <= n_c; ++y_c) {
    const int k = std::clamp(boundary[y_c], 0, n_t + 1);
    s += predictive_pmf(design_c, y_c, n_c) * upper[k];
  }
  return std::min(1.0, s);
}

double assurance_shifted(const std::vector<int>& boundary, int n_t, const BetaMixture& design_c, double effect,
                         EffectScale scale) {
  const int n_c = static_cast<int>(boundary.size()) - 1;
  // The integrand is P(success | p_t = shift(p_c), p_c) at thousands of nodes: its binomial
  // terms from log-factorial tables and suffix sums (O(n_t + n_c) exp calls) instead of one
  // incomplete beta per y_c.
  std::vector<double> lf(std::max(n_t, n_c) + 2);
  for (std::size_t k = 0; k < lf.size(); ++k) lf[k] = std::lgamma(static_cast<double>(k) + 1);
  const auto pmfs = [&](int n, double p, std::vector<double>& out) {
    out.assign(n + 1, 0.0);
    if (p <= 0 || p >= 1) {
      out[p <= 0 ? 0 : n] = 1;
      return;
    }
    const double lp = std::log(p), lq = std::log1p(-p);
    for (int y = 0; y <= n; ++y) out[y] = std::exp(lf[n] - lf[y] - lf[n - y] + y * lp + (n - y) * lq);
  };
  double total = 0;
  for (const auto& c : design_c) {
    if (c.w <= 0) continue;
    const BetaMixture one = {{1.0, c.a, c.b}};
    const BetaDensity density(c.a, c.b);
    const auto f = [&](double p_c) {
      const double d = density(p_c);
      if (!(d > 0)) return 0.0;
      const double p_t = std::clamp(shifted_rate(p_c, effect, scale), 0.0, 1.0);
      std::vector<double> pt, pc;
      pmfs(n_t, p_t, pt);
      pmfs(n_c, p_c, pc);
      std::vector<double> upper(n_t + 2, 0.0);
      for (int y = n_t; y >= 0; --y) upper[y] = upper[y + 1] + pt[y];
      double s = 0;
      for (int y = 0; y <= n_c; ++y) s += pc[y] * upper[std::clamp(boundary[y], 0, n_t + 1)];
      return d * std::min(1.0, s);
    };
    total += c.w * integrate_pieces(f, mixture_cuts(one), 1e-7, true);  // an average: 1e-7 is plenty; tails < 2e-10
  }
  return std::min(1.0, std::max(0.0, total));
}

int smallest_n(int n_start, int n_max, double target, const std::function<double(int)>& metric) {
  int lo = 0, hi = std::clamp(n_start, 1, n_max);  // metric(lo) < target is assumed for lo = 0
  while (metric(hi) < target) {
    if (hi == n_max) return -1;
    lo = hi;
    hi = std::min(n_max, 2 * hi);
  }
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    (metric(mid) >= target ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace hbm::design
