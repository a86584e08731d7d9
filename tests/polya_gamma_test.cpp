// Pólya-Gamma draws (models/polya_gamma.hpp) against the law they sample.
//
//  * Closed forms: the mean and variance functions equal the series cumulants
//    kappa_n = b (n-1)! sum_k w_k^n / (2 pi^2)^n, w_k = 1 / ((k - 1/2)^2 + c^2 / (4 pi^2)),
//    computed here by direct summation (an independent route to the same numbers).
//  * Moments of the draws over b = 1..1e9 and c = 0..40, both methods: the sample mean within
//    4.5 standard errors (sigma / sqrt(N)) and the sample variance within 4.5 standard errors of
//    a variance estimate (sqrt((kappa_4 + 2 sigma^4) / N)). ~80 comparisons: a correct sampler
//    fails with probability ~5e-4; a wrong tilt, a missing factor 1/4, or a remainder with the
//    wrong mean fails by many standard errors.
//  * Kolmogorov-Smirnov distance to the exact CDF (numerical integral of the alternating-series
//    density of PSW 2013) for the exact method (b = 1, 3) and for the series method forced at
//    small b, below the 0.1% critical value 1.95 / sqrt(N).
// Fixed seeds: deterministic.
#include "models/polya_gamma.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

constexpr double kPi = 3.14159265358979323846;

// kappa_n / (b (n-1)!) of PG(1, c): sum_k w_k^n / (2 pi^2)^n, summed far enough for 1e-12.
double cumulant_sum(int n, double c) {
  const double h = c * c / (4 * kPi * kPi);
  double s = 0;
  const int kmax = n == 1 ? 200000 : 20000;
  for (int k = kmax; k >= 1; --k) s += std::pow(1.0 / ((k - 0.5) * (k - 0.5) + h), n);
  // tail beyond kmax: integral of x^(-2n)
  s += std::pow(static_cast<double>(kmax), 1 - 2 * n) / (2 * n - 1);
  return s / std::pow(2 * kPi * kPi, n);
}

TEST(PolyaGamma, ClosedFormMomentsEqualSeriesCumulants) {
  for (double c : {0.0, 1e-5, 3e-3, 0.5, 2.0, 10.0, 40.0, 300.0}) {
    EXPECT_NEAR(hbm::polya_gamma_mean(1, c), cumulant_sum(1, c), 1e-10 * cumulant_sum(1, c)) << c;
    EXPECT_NEAR(hbm::polya_gamma_variance(1, c), cumulant_sum(2, c), 1e-9 * cumulant_sum(2, c)) << c;
    EXPECT_NEAR(hbm::polya_gamma_mean(7.5, c), 7.5 * hbm::polya_gamma_mean(1, c), 1e-15);
  }
}

TEST(PolyaGamma, DrawMomentsMatchAcrossTheRange) {
  std::uint32_t stream = 0;
  for (double b : {1.0, 3.0, 16.0, 17.0, 100.0, 1e4, 1e6, 1e9}) {
    for (double c : {0.0, 0.5, 2.0, 10.0, 40.0}) {
      const int N = b <= hbm::kPolyaGammaExactMax ? 20000 : 8000;
      hbm::RngStream rng(77, ++stream, 0, 0, hbm::RngPurpose::Init);
      double s = 0, s2 = 0;
      std::vector<double> x(N);
      for (int i = 0; i < N; ++i) x[i] = hbm::polya_gamma(b, c, rng);
      for (double v : x) s += v;
      const double mean = s / N;
      for (double v : x) s2 += (v - mean) * (v - mean);
      const double var = s2 / (N - 1);
      const double mu = hbm::polya_gamma_mean(b, c), sigma2 = hbm::polya_gamma_variance(b, c);
      const double kappa4 = b * 6 * cumulant_sum(4, c);
      EXPECT_NEAR(mean, mu, 4.5 * std::sqrt(sigma2 / N)) << "b " << b << " c " << c;
      EXPECT_NEAR(var, sigma2, 4.5 * std::sqrt((kappa4 + 2 * sigma2 * sigma2) / N)) << "b " << b << " c " << c;
    }
  }
}

// Density of PG(b, c) at x from the alternating series of J*(b, 0) (PSW 2013, with
// J*(b, z) = 4 PG(b, 2z)): f_J(y | b, 0) = 2^b / Gamma(b) sum_n (-1)^n Gamma(n + b) / Gamma(n + 1)
// (2n + b) / sqrt(2 pi y^3) exp(-(2n + b)^2 / (2y)), tilted by cosh(z)^b exp(-y z^2 / 2).
double pg_density(double x, double b, double c) {
  const double y = 4 * x, z = 0.5 * c;
  double s = 0;
  for (int n = 0; n < 400; ++n) {
    const double lt = b * std::log(2.0) - std::lgamma(b) + std::lgamma(n + b) - std::lgamma(n + 1.0) +
                      std::log(2 * n + b) - 0.5 * std::log(2 * kPi * y * y * y) - (2 * n + b) * (2 * n + b) / (2 * y);
    const double t = std::exp(lt);
    s += (n % 2 == 0) ? t : -t;
    if (t < 1e-300 || (n > 10 && t < 1e-18 * std::fabs(s))) break;
  }
  return 4 * std::exp(b * std::log(std::cosh(z)) - 0.5 * y * z * z) * s;
}

// Max |empirical CDF - exact CDF| over the sorted draws; the CDF by the trapezoid rule on a
// fine grid (its own error is far below the KS threshold).
double ks_distance(std::vector<double> x, double b, double c) {
  std::sort(x.begin(), x.end());
  const double hi = x.back() * 1.05, h = hi / 400000;
  double F = 0, prev = 0, D = 0;
  std::size_t i = 0;
  for (int g = 1; g <= 400000 && i < x.size(); ++g) {
    const double xg = g * h, fg = pg_density(xg, b, c);
    const double Fg = F + 0.5 * h * (prev + fg);
    while (i < x.size() && x[i] <= xg) {
      const double Fx = F + (Fg - F) * (x[i] - (xg - h)) / h;  // linear within the cell
      D = std::max({D, std::fabs(Fx - static_cast<double>(i) / x.size()), std::fabs(Fx - (i + 1.0) / x.size())});
      ++i;
    }
    F = Fg;
    prev = fg;
  }
  return D;
}

TEST(PolyaGamma, ExactMethodMatchesTheExactCdf) {
  const int N = 20000;
  std::uint32_t stream = 100;
  for (double b : {1.0, 3.0}) {
    for (double c : {0.0, 1.0, 4.0, 10.0}) {
      hbm::RngStream rng(5, ++stream, 0, 0, hbm::RngPurpose::Init);
      std::vector<double> x(N);
      for (auto& v : x) v = hbm::polya_gamma(b, c, rng);
      EXPECT_LT(ks_distance(x, b, c), 1.95 / std::sqrt(N)) << "b " << b << " c " << c;
    }
  }
}

TEST(PolyaGamma, SeriesMethodMatchesTheExactCdf) {
  const int N = 20000;
  std::uint32_t stream = 200;
  for (double b : {1.0, 4.0}) {
    for (double c : {0.0, 3.0, 12.0}) {
      hbm::RngStream rng(6, ++stream, 0, 0, hbm::RngPurpose::Init);
      std::vector<double> x(N);
      for (auto& v : x) v = hbm::polya_gamma_series(b, c, rng);
      EXPECT_LT(ks_distance(x, b, c), 1.95 / std::sqrt(N)) << "b " << b << " c " << c;
    }
  }
}

// The density used above integrates to 1 with mean b / (2c) tanh(c/2): the KS reference is right.
TEST(PolyaGamma, ReferenceDensityIsNormalisedWithTheRightMean) {
  for (double b : {1.0, 4.0}) {
    for (double c : {0.0, 3.0}) {
      double m0 = 0, m1 = 0;
      const double h = 2e-5;
      for (int g = 1; g < 400000; ++g) {
        const double x = g * h, f = pg_density(x, b, c);
        m0 += f * h;
        m1 += x * f * h;
      }
      EXPECT_NEAR(m0, 1.0, 1e-6) << b << " " << c;
      EXPECT_NEAR(m1, hbm::polya_gamma_mean(b, c), 1e-6) << b << " " << c;
    }
  }
}

}  // namespace
