// Pólya-Gamma draws PG(b, c) (Polson, Scott & Windle 2013), host and device, from the project's
// counter-based streams, for b from 1 to 1e9 (binomial totals) and any real c.
//
// PG(b, c) is the law of (1 / (2 pi^2)) sum_{k >= 1} g_k / ((k - 1/2)^2 + c^2 / (4 pi^2)) with
// g_k ~ Gamma(b, 1) independent. Two methods:
//
//  * b <= kPolyaGammaExactMax (integer b): the sum of b exact PG(1, c) draws, each by Devroye's
//    alternating-series rejection method as PSW adapt it (their Section 4: a mixture of a
//    truncated exponential and a truncated inverse Gaussian proposal, accepted by the
//    alternating series of J*(1, c/2), so the draw is exact; acceptance rate above 0.99 for all c).
//
//  * b > kPolyaGammaExactMax (any real b >= 1): the series itself. Its first M terms are drawn
//    exactly (M Gamma(b) draws), M = 10 + 20 ceil(|c| / (2 pi)) up to a cap of kSeriesMaxTerms =
//    20000 terms; the remainder R = sum_{k > M} is replaced by a moment-matched gamma variable
//    (from the closed-form cumulants of PG(b, c) minus those of the head), so every draw has
//    exactly the mean and variance of PG(b, c), and its law differs from PG(b, c) only through
//    the shape of R, a sum of infinitely many independent small gammas (nearly normal).
//    What is approximated, exactly (computed by tests/polya_gamma_test.cpp,
//    PolyaGamma.SeriesRemainderShareOfTheVariance): R's share of the variance,
//    sum_{k>M} w_k^2 / sum_k w_k^2 (the same for every b), is
//      - 2.04e-5 at c = 0; at most 5.2e-5 for |c| <= 552.9 (first exceeded just below
//        c = 2 pi 88, where ceil() last steps M); at most 5.29e-5 for every |c| <= 2 pi 999 =
//        6276.9, the range where the cap does not bind (the supremum over that range is the
//        limit 5.2875e-5 = (4/pi) int_20^inf du / (1 + u^2)^2, approached at c = 2 pi n);
//      - beyond |c| = 6276.9 (cap binding) the share grows: 5.29e-5 at 6283.5, 7.3e-5 at 7000,
//        2.1e-4 at 1e4, 0.12 at 1e5, 0.84 at 1e6, -> 1. There R is replaced by a *shifted* gamma
//        matching R's first three cumulants (the shift b (sum w - (sum w^2)^2 / sum w^3) is >= 0 by
//        Cauchy-Schwarz, so draws stay positive), so the draw has PG(b, c)'s exact mean,
//        variance and third cumulant, and its fourth cumulant is too low by at most R's own
//        (the shifted gamma's kappa_4 = 6 b (sum w^3)^2 / sum w^2 <= R's 6 b sum w^4, again
//        Cauchy-Schwarz): the excess kurtosis is off by at most PG's own excess kurtosis,
//        6 sum w^4 / (b (sum w^2)^2) = 30 / (b |c|) (to 4 digits for |c| >= 100, computed)
//        <= 4.8e-3 / b there (for b > 16, as binomial totals are: <= 3e-4). In
//        that range PG(b, c) is nearly degenerate: sd / mean = sqrt(2 / (b |c|)) < 0.018 / sqrt(b).
//      For |c| large enough that c^5 (c > ~1e61) or c^3 (c > ~5e102) overflow, the third
//      cumulant or variance underflow to 0 and the remainder falls back to the two-moment
//      gamma, resp. to its mean: the law is then a point mass to double precision.
//    Cost: at most 20000 gamma draws per call (|c| < 6277 needs 10 + 20 ceil(|c| / 2 pi)).
//    tests/polya_gamma_test.cpp checks moments over b = 1..1e9 and c = -100..1e5,
//    and Kolmogorov-Smirnov distances against the exact CDF for both methods.
#pragma once
#include <cmath>

#include "models/hd.hpp"
#include "models/philox.hpp"

namespace hbm {

inline constexpr double kPolyaGammaExactMax = 16;
// Most series terms polya_gamma_series draws exactly; reached for |c| > 2 pi 999 = 6276.9.
inline constexpr int kSeriesMaxTerms = 20000;

namespace pg_detail {

constexpr double kPi = 3.14159265358979323846;
constexpr double kTrunc = 0.64;  // PSW's switch point t between the two proposals

HBM_HD double exponential(RngStream& rng) { return -std::log(rng.uniform()); }

// log Phi(x), finite far into the lower tail.
HBM_HD double log_normal_cdf(double x) {
  if (x > -30.0) return std::log(0.5 * std::erfc(-x * 0.70710678118654752440));
  // Mills-ratio asymptotics: Phi(x) ~ phi(x) / |x| (1 - 1/x^2 + 3/x^4).
  const double x2 = x * x;
  return -0.5 * x2 - std::log(-x) - 0.91893853320467274178 + std::log1p(-1.0 / x2 + 3.0 / (x2 * x2));
}

// n-th coefficient of the alternating series of the J*(1, 0) density at x (PSW eq. 15): the
// series representation that converges fast for x > t, and the one for x <= t.
HBM_HD double series_coefficient(int n, double x) {
  const double k = n + 0.5;
  if (x > kTrunc) return kPi * k * std::exp(-0.5 * k * k * kPi * kPi * x);
  return std::exp(std::log(kPi * k) - 1.5 * std::log(0.5 * kPi * x) - 2.0 * k * k / x);
}

// Inverse Gaussian IG(mu = 1/z, lambda = 1) truncated to (0, t).
HBM_HD double truncated_inverse_gaussian(double z, RngStream& rng) {
  const double t = kTrunc;
  if (z < 1.0 / t) {
    // mu > t: propose 1/X from a truncated chi-square (through two exponentials), accept with
    // the exponential tilt exp(-z^2 X / 2).
    for (;;) {
      double e1, e2;
      do {
        e1 = exponential(rng);
        e2 = exponential(rng);
      } while (e1 * e1 > 2.0 * e2 / t);
      const double x = t / ((1.0 + t * e1) * (1.0 + t * e1));
      if (rng.uniform() <= std::exp(-0.5 * z * z * x)) return x;
    }
  }
  // mu <= t: the inverse Gaussian by Michael, Schucany & Haas (1976), rejected until below t.
  const double mu = 1.0 / z;
  for (;;) {
    double y, unused;
    rng.normal2(y, unused);
    const double muy = mu * y * y;
    double x = mu + 0.5 * mu * muy - 0.5 * mu * std::sqrt(4.0 * muy + muy * muy);
    if (rng.uniform() > mu / (mu + x)) x = mu * mu / x;
    if (x < t) return x;
  }
}

// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through Gamma(shape + 1) U^(1/shape).
HBM_HD double gamma_draw(double shape, RngStream& rng) {
  double boost = 1.0;
  if (shape < 1.0) {
    boost = std::pow(rng.uniform(), 1.0 / shape);
    shape += 1.0;
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, unused;
    rng.normal2(x, unused);
    const double v1 = 1.0 + c * x;
    if (v1 <= 0.0) continue;
    const double v = v1 * v1 * v1;
    const double u = rng.uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return boost * d * v;
  }
}

}  // namespace pg_detail

// Exact mean and variance of PG(b, c).
HBM_HD double polya_gamma_mean(double b, double c) {
  c = std::fabs(c);
  if (c < 1e-4) return b * (0.25 - c * c / 48.0);
  return b * std::tanh(0.5 * c) / (2.0 * c);
}
HBM_HD double polya_gamma_variance(double b, double c) {
  c = std::fabs(c);
  if (c < 1e-2) return b * (1.0 / 24.0 - c * c / 120.0 + c * c * c * c * (17.0 / 20160.0));
  const double sech = 1.0 / std::cosh(0.5 * c);
  return b * (2.0 * std::tanh(0.5 * c) - c * sech * sech) / (4.0 * c * c * c);
}
// Third cumulant of PG(b, c) for |c| >= 100: 3 b / (2 c^5). (The exact closed form is
// b (3 T - 3 s sech^2 s - 2 s^2 T sech^2 s) / (2 c^5), s = c / 2, T = tanh s; for |c| >= 100 the
// terms in sech^2 and 1 - T are below c^2 e^-|c| < 4e-40 relative, so far below double precision.)
HBM_HD double polya_gamma_third_cumulant_large_c(double b, double c) {
  c = std::fabs(c);
  const double c2 = c * c;
  return 1.5 * b / (c2 * c2 * c);
}

// One exact PG(1, c) draw.
HBM_HD double polya_gamma_1(double c, RngStream& rng) {
  using namespace pg_detail;
  const double z = 0.5 * std::fabs(c);  // sample J*(1, z) / 4
  const double t = kTrunc;
  const double K = 0.125 * kPi * kPi + 0.5 * z * z;
  // Mixture weight of the truncated exponential proposal: p / (p + q) with
  // p = pi / (2K) exp(-K t), q = 2 exp(-z) P(IG(1/z, 1) < t), computed on the log scale.
  const double sq = std::sqrt(1.0 / t);
  const double x0 = std::log(K) + K * t;
  const double qdivp = (4.0 / kPi) * (std::exp(x0 - z + log_normal_cdf(sq * (t * z - 1.0))) +
                                      std::exp(x0 + z + log_normal_cdf(-sq * (t * z + 1.0))));
  const double p_exp = 1.0 / (1.0 + qdivp);
  for (;;) {
    const double x = rng.uniform() < p_exp ? t + exponential(rng) / K : truncated_inverse_gaussian(z, rng);
    double s = series_coefficient(0, x);
    const double y = rng.uniform() * s;
    for (int n = 1;; ++n) {
      if (n & 1) {
        s -= series_coefficient(n, x);
        if (y <= s) return 0.25 * x;
      } else {
        s += series_coefficient(n, x);
        if (y > s) break;
      }
    }
  }
}

// PG(b, c) by the truncated series with a moment-matched (gamma, or beyond the term cap
// shifted-gamma) remainder, any real b >= 1; see the top of this file for the error statement.
HBM_HD double polya_gamma_series(double b, double c, RngStream& rng) {
  using namespace pg_detail;
  c = std::fabs(c);
  const double h = c * c / (4.0 * kPi * kPi);
  // In double, so that no c overflows an int.
  const double m_rule = 10.0 + 20.0 * std::ceil(c / (2.0 * kPi));
  const bool capped = !(m_rule <= kSeriesMaxTerms);
  const int M = capped ? kSeriesMaxTerms : static_cast<int>(m_rule);
  double head = 0.0, head_mean = 0.0, head_var = 0.0, head_k3 = 0.0;
  for (int k = 1; k <= M; ++k) {
    const double kk = k - 0.5;
    const double w = 1.0 / (kk * kk + h);
    head += w * gamma_draw(b, rng);
    head_mean += w;
    head_var += w * w;
    head_k3 += w * w * w;
  }
  // Scaled by 2 pi^2: PG = S / (2 pi^2), S = head + remainder; S's cumulants are
  // b (n-1)! sum_k w_k^n.
  const double s2 = 2.0 * kPi * kPi;
  const double tail_mean = s2 * polya_gamma_mean(b, c) - b * head_mean;
  const double tail_var = s2 * s2 * polya_gamma_variance(b, c) - b * head_var;
  double tail = 0.0;
  if (tail_mean > 0.0 && tail_var > 0.0) {
    bool drawn = false;
    if (capped) {
      // Shifted gamma shift + theta G(alpha) with the remainder's first three cumulants.
      const double tail_k3 = s2 * s2 * s2 * polya_gamma_third_cumulant_large_c(b, c) - 2.0 * b * head_k3;
      if (tail_k3 > 0.0) {
        const double theta = tail_k3 / (2.0 * tail_var);
        const double shape = tail_var / (theta * theta);
        const double shift = tail_mean - shape * theta;
        if (shift >= 0.0 && shape > 0.0 && shape < INFINITY) {
          tail = shift + theta * gamma_draw(shape, rng);
          drawn = true;
        }
      }
    }
    if (!drawn) {
      const double shape = tail_mean * tail_mean / tail_var;
      tail = gamma_draw(shape, rng) * (tail_var / tail_mean);
    }
  } else if (tail_mean > 0.0) {
    tail = tail_mean;
  }
  return (head + tail) / s2;
}

// PG(b, c) for b >= 1: exact for integer b <= kPolyaGammaExactMax, the series method above it.
HBM_HD double polya_gamma(double b, double c, RngStream& rng) {
  if (b <= kPolyaGammaExactMax && b == std::floor(b)) {
    double s = 0.0;
    for (int j = 0; j < static_cast<int>(b); ++j) s += polya_gamma_1(c, rng);
    return s;
  }
  return polya_gamma_series(b, c, rng);
}

}  // namespace hbm
