// Gauss-Hermite nodes and weights by Newton's method on the orthonormal Hermite recurrence.
#include "host/frequentist/gauss_hermite.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace hbm::freq {

void gauss_hermite(int n, std::vector<double>& nodes, std::vector<double>& weights) {
  if (n < 1) throw std::invalid_argument("gauss_hermite: n must be >= 1");
  const double pim4 = std::pow(std::numbers::pi, -0.25);
  std::vector<double> x(n), wx(n);
  const int m = (n + 1) / 2;
  double root = 0;
  for (int i = 0; i < m; ++i) {
    // standard initial guesses for the largest roots, then extrapolation from the previous ones
    if (i == 0) root = std::sqrt(2.0 * n + 1) - 1.85575 * std::pow(2.0 * n + 1, -1.0 / 6);
    else if (i == 1) root -= 1.14 * std::pow(static_cast<double>(n), 0.426) / root;
    else if (i == 2) root = 1.86 * root - 0.86 * x[0];
    else if (i == 3) root = 1.91 * root - 0.91 * x[1];
    else root = 2.0 * root - x[i - 2];
    double dp = 0;
    for (int it = 0; it < 100; ++it) {
      double p1 = pim4, p2 = 0.0;
      for (int j = 1; j <= n; ++j) {
        const double p3 = p2;
        p2 = p1;
        p1 = root * std::sqrt(2.0 / j) * p2 - std::sqrt((j - 1.0) / j) * p3;
      }
      dp = std::sqrt(2.0 * n) * p2;
      const double step = p1 / dp;
      root -= step;
      if (std::fabs(step) <= 1e-15 * (1 + std::fabs(root))) break;
    }
    x[i] = root;
    x[n - 1 - i] = -root;
    wx[i] = wx[n - 1 - i] = 2.0 / (dp * dp);
  }
  if (n % 2) x[n / 2] = 0.0;
  nodes.resize(n);
  weights.resize(n);
  for (int i = 0; i < n; ++i) {  // ascending nodes
    nodes[i] = x[n - 1 - i];
    weights[i] = wx[n - 1 - i];
  }
}

GHRule gh_rule(int n) {
  GHRule r;
  if (n <= 1) {
    r.z = {0.0};
    r.w = {1.0};
    return r;
  }
  std::vector<double> x, wx;
  gauss_hermite(n, x, wx);
  r.z.resize(n);
  r.w.resize(n);
  const double inv_sqrt_pi = 1 / std::sqrt(std::numbers::pi);
  for (int i = 0; i < n; ++i) {
    r.z[i] = std::sqrt(2.0) * x[i];
    r.w[i] = wx[i] * inv_sqrt_pi;
  }
  return r;
}

}  // namespace hbm::freq
