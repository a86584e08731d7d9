// Nested R-hat; the definitions are in host/stats/nested_rhat.hpp.
#include "host/stats/nested_rhat.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace hbm {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// R's mean(): long-double sum, then one refinement pass.
double mean_of(const double* x, std::size_t n) {
  long double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  s /= static_cast<long double>(n);
  long double t = 0;
  for (std::size_t i = 0; i < n; ++i) t += x[i] - s;
  return static_cast<double>(s + t / static_cast<long double>(n));
}

// Sample variance with denominator n - 1 about the given centre (n >= 2).
double var_about(const double* x, std::size_t n, double centre) {
  long double ss = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const long double d = static_cast<long double>(x[i]) - centre;
    ss += d * d;
  }
  return static_cast<double>(ss / static_cast<long double>(n - 1));
}

}  // namespace

double rhat_nested(const ChainDraws& x, int superchains) {
  if (superchains < 1)
    throw std::invalid_argument("rhat_nested: superchains must be >= 1 (got " + std::to_string(superchains) + ")");
  const std::size_t n_super = static_cast<std::size_t>(superchains);
  if (x.chains == 0 || x.chains % n_super != 0)
    throw std::invalid_argument("rhat_nested: " + std::to_string(superchains) + " superchains do not divide " +
                                std::to_string(x.chains) + " chains");
  const std::size_t n = x.draws, m = x.chains / n_super, k = n_super;
  const std::size_t total = x.chains * n;
  if (x.data == nullptr || n == 0) return kNaN;
  for (std::size_t i = 0; i < total; ++i)
    if (!std::isfinite(x.data[i])) return kNaN;
  const auto [lo, hi] = std::minmax_element(x.data, x.data + total);
  if (std::fabs(*hi - *lo) < std::numeric_limits<double>::epsilon()) return kNaN;  // constant
  if (k < 2) return kNaN;             // var() of one superchain mean is undefined
  if (m == 1 && n == 1) return kNaN;  // W_nu == 0 by construction

  std::vector<double> chain_mean(x.chains), chain_var(x.chains, 0.0);
  for (std::size_t c = 0; c < x.chains; ++c) {
    const double* col = x.data + c * n;
    chain_mean[c] = mean_of(col, n);
    if (n > 1) chain_var[c] = var_about(col, n, chain_mean[c]);
  }
  std::vector<double> super_mean(k), within(k);
  for (std::size_t s = 0; s < k; ++s) {
    super_mean[s] = mean_of(x.data + s * m * n, m * n);  // mean of all the superchain's draws
    const double* cm = chain_mean.data() + s * m;
    const double b_k = m > 1 ? var_about(cm, m, mean_of(cm, m)) : 0.0;  // var() of the chain means
    const double w_k = n > 1 ? mean_of(chain_var.data() + s * m, m) : 0.0;
    within[s] = b_k + w_k;
  }
  const double b_nu = var_about(super_mean.data(), k, mean_of(super_mean.data(), k));
  const double w_nu = mean_of(within.data(), k);
  if (w_nu == 0.0) return std::numeric_limits<double>::infinity();
  return std::sqrt(1.0 + b_nu / w_nu);
}

int default_superchains(std::size_t chains) {
  if (chains >= 8 && chains % 4 == 0) return static_cast<int>(chains / 4);
  return static_cast<int>(chains);
}

bool rhat_warning_uses_nested(std::size_t chains, std::size_t draws_per_chain) {
  return chains >= 64 && draws_per_chain < 100;
}

}  // namespace hbm
