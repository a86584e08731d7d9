// Binomial(n, p) draws from a counter-based stream, host and device: inversion when n*min(p,1-p)
// is small, otherwise Hörmann's (1993) BTRS transformed rejection, exact for any n up to 2^53.
#pragma once
#include <cmath>

#include "models/hd.hpp"
#include "models/philox.hpp"

namespace hbm {

HBM_HD double binomial_draw(double n, double p, RngStream& rng) {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const bool flip = p > 0.5;
  const double pp = flip ? 1 - p : p;
  const double q = 1 - pp;
  double k;
  if (n * pp < 10) {
    // Inversion by sequential search from 0.
    const double s = pp / q, a = (n + 1) * s;
    double r = std::pow(q, n), u = rng.uniform();
    k = 0;
    while (u > r && k < n) {
      u -= r;
      k += 1;
      r *= (a / k - s);
      if (r <= 0) break;
    }
  } else {
    const double spq = std::sqrt(n * pp * q);
    const double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * pp;
    const double c = n * pp + 0.5, v_r = 0.92 - 4.2 / b;
    const double alpha = (2.83 + 5.1 / b) * spq, lpq = std::log(pp / q);
    const double m = std::floor((n + 1) * pp);
    const double h = std::lgamma(m + 1) + std::lgamma(n - m + 1);
    for (;;) {
      double u, v;
      rng.uniform2(u, v);
      u -= 0.5;
      const double us = 0.5 - std::fabs(u);
      k = std::floor((2 * a / us + b) * u + c);
      if (k < 0 || k > n) continue;
      if (us >= 0.07 && v <= v_r) break;
      v = std::log(v * alpha / (a / (us * us) + b));
      if (v <= h - std::lgamma(k + 1) - std::lgamma(n - k + 1) + (k - m) * lpq) break;
    }
  }
  return flip ? n - k : k;
}

}  // namespace hbm
