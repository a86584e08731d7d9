#include "host/report/report_stats.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <numeric>

#include "host/frequentist/frequentist.hpp"
#include "host/stats/normal_quantile.hpp"

namespace hbm::report {

Interval clopper_pearson(long long events, long long total, double level) {
  const freq::RateInterval ci = freq::clopper_pearson(events, total, level);
  return {static_cast<double>(events) / static_cast<double>(total), ci.lo, ci.hi};
}

bool wald_odds_ratio(long long et, long long nt, long long ec, long long nc, Interval* out, double level) {
  if (nt <= 0 || nc <= 0) return false;
  if ((et == 0 && ec == 0) || (et == nt && ec == nc)) return false;
  double a = static_cast<double>(et), b = static_cast<double>(nt - et);
  double c = static_cast<double>(ec), d = static_cast<double>(nc - ec);
  if (a == 0 || b == 0 || c == 0 || d == 0) a += 0.5, b += 0.5, c += 0.5, d += 0.5;
  const double log_or = std::log(a) + std::log(d) - std::log(b) - std::log(c);
  const double se = std::sqrt(1 / a + 1 / b + 1 / c + 1 / d);
  const double z = normal_quantile(1.0 - (1.0 - level) / 2);
  *out = {std::exp(log_or), std::exp(log_or - z * se), std::exp(log_or + z * se)};
  return true;
}

double quantile(std::vector<double> x, double prob) {
  if (x.empty()) return NAN;
  const double h = (static_cast<double>(x.size()) - 1) * prob;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  std::nth_element(x.begin(), x.begin() + lo, x.end());
  const double xl = x[lo];
  if (lo + 1 >= x.size()) return xl;
  const double xh = *std::min_element(x.begin() + lo + 1, x.end());
  return xl + (h - lo) * (xh - xl);
}

double silverman_bandwidth(const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  if (n < 2) return 1e-3;
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / (n - 1));
  const double iqr = quantile(x, 0.75) - quantile(x, 0.25);
  double spread = std::min(sd, iqr / 1.34);
  if (!(spread > 0)) spread = sd;  // more than a quarter of the draws tied: IQR is 0
  if (!(spread > 0)) spread = 1e-3 * std::max(1.0, std::fabs(mean));
  return 0.9 * spread * std::pow(n, -0.2);
}

std::vector<double> kde(const std::vector<double>& x, const std::vector<double>& at, bool reflect_at_zero) {
  std::vector<double> dens(at.size(), 0.0);
  if (x.empty()) return dens;
  const double h = silverman_bandwidth(x);
  const auto [mn, mx] = std::minmax_element(x.begin(), x.end());
  const double lo = *mn, hi = *mx;
  // 2048 bins: the binning error is O(dx^2 / h^2) relative, negligible once dx << h.
  const int nb = 2048;
  const double dx = hi > lo ? (hi - lo) / (nb - 1) : 1.0;
  std::vector<double> w(nb, 0.0);
  for (double v : x) {
    const double u = (v - lo) / dx;
    const int i = std::min(nb - 2, std::max(0, static_cast<int>(std::floor(u))));
    const double f = std::min(1.0, std::max(0.0, u - i));
    w[i] += 1 - f;
    w[i + 1] += f;
  }
  const double norm = 1.0 / (static_cast<double>(x.size()) * h * std::sqrt(2 * M_PI));
  for (std::size_t g = 0; g < at.size(); ++g) {
    double s = 0;
    for (int b = 0; b < nb; ++b) {
      if (w[b] == 0) continue;
      const double y = lo + b * dx;
      const double z = (at[g] - y) / h;
      if (std::fabs(z) < 8) s += w[b] * std::exp(-0.5 * z * z);
      if (reflect_at_zero) {
        const double zr = (at[g] + y) / h;
        if (std::fabs(zr) < 8) s += w[b] * std::exp(-0.5 * zr * zr);
      }
    }
    dens[g] = (reflect_at_zero && at[g] < 0) ? 0.0 : s * norm;
  }
  return dens;
}

std::vector<std::vector<int>> rank_histograms(const std::vector<double>& values, std::size_t chains, std::size_t draws,
                                              int bins, const std::vector<std::size_t>& which) {
  const std::size_t n = chains * draws;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> rank(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && values[order[j + 1]] == values[order[i]]) ++j;
    const double avg = 0.5 * (static_cast<double>(i) + static_cast<double>(j)) + 1.0;  // 1-based average rank
    for (std::size_t k = i; k <= j; ++k) rank[order[k]] = avg;
    i = j + 1;
  }
  std::vector<std::vector<int>> counts(which.size(), std::vector<int>(bins, 0));
  for (std::size_t w = 0; w < which.size(); ++w) {
    const std::size_t c = which[w];
    if (c >= chains) continue;
    for (std::size_t t = 0; t < draws; ++t) {
      const double r = rank[c * draws + t];
      const int b = std::min(bins - 1, static_cast<int>((r - 1.0) * bins / static_cast<double>(n)));
      ++counts[w][b];
    }
  }
  return counts;
}

std::vector<std::vector<int>> rank_histograms(const std::vector<double>& values, std::size_t chains, std::size_t draws,
                                              int bins, std::size_t max_chains) {
  std::vector<std::size_t> first(std::min(chains, max_chains));
  std::iota(first.begin(), first.end(), std::size_t{0});
  return rank_histograms(values, chains, draws, bins, first);
}

int rank_bins(std::size_t draws) { return static_cast<int>(std::clamp<std::size_t>(draws / 10, 5, 20)); }

std::vector<std::size_t> shown_chains(std::size_t chains, std::size_t max_shown) {
  std::vector<std::size_t> v;
  if (chains <= max_shown) {
    for (std::size_t c = 0; c < chains; ++c) v.push_back(c);
    return v;
  }
  for (std::size_t i = 0; i < max_shown; ++i) v.push_back(i * chains / max_shown);
  return v;
}

std::string shown_chains_label(const std::vector<std::size_t>& shown, std::size_t chains) {
  if (shown.size() >= chains) return "";
  std::string s = "chains ";
  for (std::size_t i = 0; i < shown.size(); ++i) s += (i ? ", " : "") + std::to_string(shown[i] + 1);
  return s + " of " + std::to_string(chains);
}

double prior_density(const Prior& p, double x) {
  if (p.kind != PriorKind::Normal && !(x > 0)) return 0.0;
  if (p.kind == PriorKind::Uniform && x >= p.b) return 0.0;
  double grad = 0;
  return std::exp(prior_lpdf_grad(p, x, &grad) + prior_log_normaliser(p));
}

double prior_quantile(const Prior& p, double prob) {
  switch (p.kind) {
    case PriorKind::Normal: return p.a + p.b * normal_quantile(prob);
    case PriorKind::HalfNormal: return p.b * normal_quantile(0.5 + prob / 2);
    case PriorKind::HalfCauchy: return p.b * std::tan(M_PI * prob / 2);
    case PriorKind::HalfT:
      return p.b * boost::math::quantile(boost::math::students_t_distribution<double>(p.a), 0.5 + prob / 2);
    case PriorKind::Uniform: return p.b * prob;
    case PriorKind::LogNormal: return std::exp(p.a + p.b * normal_quantile(prob));
  }
  return NAN;
}

}  // namespace hbm::report
