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
//  * Large and negative c (c = 100, 1000, 1e4, 1e5, -5, -100; b = 1, 7, 100, 1e6): moments as
//    above; PG(b, -c) draws equal PG(b, c) draws; and the series method's stated error (the
//    remainder's share of the variance, by c range) recomputed from its rule for M.
// Fixed seeds: deterministic.
#include "models/polya_gamma.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

constexpr double kPi = 3.14159265358979323846;

// kappa_n / (b (n-1)!) of PG(1, c): sum_k w_k^n / (2 pi^2)^n, summed far enough for 1e-12.
double cumulant_sum(int n, double c) {
  const double h = c * c / (4 * kPi * kPi);
  double s = 0;
  // Far enough that h = c^2 / (4 pi^2) is negligible beside kmax^2 (kmax >= 200 c / (2 pi)).
  const int kmax = std::max(n == 1 ? 200000 : 20000, static_cast<int>(std::min(200 * std::sqrt(h), 1e7)));
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

// ---- Large and negative c -------------------------------------------------------------------
//
// Draw moments at c = 100, 1000 (the series' head is then 330 and 3,190 terms long), beyond the
// series' term cap (c = 1e4, 1e5: 20,000 terms and a three-cumulant remainder) and at negative
// c (PG(b, c) = PG(b, -c)), for b = 1 and 7 (exact Devroye sums) and 100, 1e6 (series). The
// tolerance is the Monte Carlo standard error of iid draws, as in DrawMomentsMatchAcrossTheRange:
// 4.5 sigma / sqrt(N) for the mean and 4.5 sqrt((kappa_4 + 2 sigma^4) / N) for the variance
// (kappa_4 from the series cumulants). A remainder with the wrong mean or variance (e.g. the
// head and the closed form disagreeing in scale) fails by many standard errors, since at large c
// PG is tightly concentrated and the remainder carries most of the mean.
TEST(PolyaGamma, DrawMomentsAtLargeAndNegativeC) {
  std::uint32_t stream = 300;
  double max_z_mean = 0, max_z_var = 0;
  for (double b : {1.0, 7.0, 100.0, 1e6}) {
    for (double c : {100.0, 1000.0, -5.0, -100.0, 1e4, 1e5}) {
      const bool series = b > hbm::kPolyaGammaExactMax;
      if (std::fabs(c) > 1000 && !series) continue;  // Devroye's method is exact for every c; covered above
      const int N = std::fabs(c) > 1000 ? 300 : (std::fabs(c) >= 1000 ? 2000 : 8000);  // cost: up to 20,000 gammas a draw
      hbm::RngStream rng(78, ++stream, 0, 0, hbm::RngPurpose::Init);
      std::vector<double> x(N);
      for (auto& v : x) v = hbm::polya_gamma(b, c, rng);
      double s = 0, s2 = 0;
      for (double v : x) s += v;
      const double mean = s / N;
      for (double v : x) s2 += (v - mean) * (v - mean);
      const double var = s2 / (N - 1);
      const double mu = hbm::polya_gamma_mean(b, c), sigma2 = hbm::polya_gamma_variance(b, c);
      const double kappa4 = b * 6 * cumulant_sum(4, c);
      const double se_mean = std::sqrt(sigma2 / N), se_var = std::sqrt((kappa4 + 2 * sigma2 * sigma2) / N);
      EXPECT_NEAR(mean, mu, 4.5 * se_mean) << "b " << b << " c " << c;
      EXPECT_NEAR(var, sigma2, 4.5 * se_var) << "b " << b << " c " << c;
      for (double v : x) EXPECT_GT(v, 0.0) << "b " << b << " c " << c;
      max_z_mean = std::max(max_z_mean, std::fabs(mean - mu) / se_mean);
      max_z_var = std::max(max_z_var, std::fabs(var - sigma2) / se_var);
    }
  }
  RecordProperty("max_z_mean", std::to_string(max_z_mean));
  RecordProperty("max_z_var", std::to_string(max_z_var));
  std::printf("PG large/negative c: max |z| mean %.2f, variance %.2f\n", max_z_mean, max_z_var);
}

// PG(b, c) and PG(b, -c) are the same law, and the samplers use |c| only: the same stream gives
// the same draws, for both methods.
TEST(PolyaGamma, NegativeCGivesTheSameDrawsAsPositiveC) {
  for (double b : {1.0, 7.0, 100.0, 2.5}) {
    for (double c : {0.3, 5.0, 100.0, 7000.0}) {
      hbm::RngStream r1(9, 1, 0, 0, hbm::RngPurpose::Init), r2(9, 1, 0, 0, hbm::RngPurpose::Init);
      for (int i = 0; i < 5; ++i) EXPECT_EQ(hbm::polya_gamma(b, c, r1), hbm::polya_gamma(b, -c, r2)) << b << " " << c;
    }
  }
}

// The numbers models/polya_gamma.hpp states for the series method: the share of the variance
// carried by the approximated remainder, sum_{k>M} w_k^2 / sum_k w_k^2 with M the number of
// exactly drawn terms, computed here from the same rule for M (10 + 20 ceil(c / 2pi), at most
// kSeriesMaxTerms) and the closed-form variance.
double remainder_share(double c) {
  const double h = c * c / (4 * kPi * kPi);
  const double m_rule = 10.0 + 20.0 * std::ceil(c / (2 * kPi));
  const int M = m_rule <= hbm::kSeriesMaxTerms ? static_cast<int>(m_rule) : hbm::kSeriesMaxTerms;
  long double head = 0;
  for (int k = M; k >= 1; --k) {
    const long double kk = k - 0.5L, w = 1.0L / (kk * kk + h);
    head += w * w;
  }
  const long double total = std::pow(2 * kPi * kPi, 2) * static_cast<long double>(hbm::polya_gamma_variance(1, c));
  return static_cast<double>(1.0L - head / total);
}

TEST(PolyaGamma, SeriesRemainderShareOfTheVariance) {
  EXPECT_NEAR(remainder_share(0.0), 2.04e-5, 0.01e-5);
  // Within a step of ceil() the share grows with c, so its maximum over (2 pi (n-1), 2 pi n] is at
  // c = 2 pi n (taken just below, so that ceil() gives n).
  double max_below_cap = 0;
  int first_above_52 = 0;
  for (int n = 1; n <= 999; ++n) {
    const double s = remainder_share(2 * kPi * n * (1 - 1e-15));
    max_below_cap = std::max(max_below_cap, s);
    if (s > 5.2e-5 && first_above_52 == 0) first_above_52 = n;
  }
  EXPECT_LE(max_below_cap, 5.29e-5);
  EXPECT_GT(max_below_cap, 5.28e-5);  // the stated bound is tight, not loose
  EXPECT_EQ(first_above_52, 88);      // 5.2e-5 holds for |c| <= 552.9 < 2 pi 88
  EXPECT_LE(remainder_share(552.9), 5.2e-5);
  EXPECT_GT(remainder_share(552.92), 5.2e-5);
  // The cap binds just above 2 pi 999; the share then grows as stated.
  EXPECT_LE(remainder_share(6283.4), 5.29e-5);
  EXPECT_GT(remainder_share(6283.6), 5.29e-5);
  EXPECT_NEAR(remainder_share(7000), 7.3e-5, 0.05e-5);
  EXPECT_NEAR(remainder_share(1e4), 2.1e-4, 0.05e-4);
  EXPECT_NEAR(remainder_share(1e5), 0.12, 0.005);
  EXPECT_NEAR(remainder_share(1e6), 0.84, 0.005);
  // The third cumulant used beyond the cap, 3 b / (2 c^5), against the series cumulant
  // kappa_3 = 2 b sum w^3 / (2 pi^2)^3, and PG's excess kurtosis there, 30 / (b c).
  for (double c : {100.0, 1000.0, 7000.0, 1e5}) {
    EXPECT_NEAR(hbm::polya_gamma_third_cumulant_large_c(1, c), 2 * cumulant_sum(3, c),
                1e-6 * hbm::polya_gamma_third_cumulant_large_c(1, c)) << c;
    const double v = hbm::polya_gamma_variance(1, c);
    EXPECT_NEAR(6 * cumulant_sum(4, c) / (v * v), 30 / c, 1e-3 * 30 / c) << c;
  }
}
