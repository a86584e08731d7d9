// The Gauss-Hermite rules (host/frequentist/gauss_hermite.hpp) against closed forms that do not
// depend on how the rule is computed: the weights' total, the exact moments of exp(-x^2)
// (resp. of the standard normal) up to degree 2n - 1, the integral of cos(x) exp(-x^2), and the
// nodes of small rules, which are the roots of the Hermite polynomials.
#include "host/frequentist/gauss_hermite.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace {

using hbm::freq::gauss_hermite;
using hbm::freq::gh_rule;

const double kSqrtPi = std::sqrt(std::numbers::pi);

// (2k - 1)!! = 1 * 3 * ... * (2k - 1), 1 for k = 0.
double double_factorial_odd(int k) {
  double r = 1.0;
  for (int j = 1; j <= k; ++j) r *= 2 * j - 1;
  return r;
}

const int kSizes[] = {1, 2, 3, 4, 5, 7, 10, 20, 40, 64};

TEST(GaussHermite, WeightsSumToSqrtPi) {
  for (int n : kSizes) {
    std::vector<double> x, w;
    gauss_hermite(n, x, w);
    ASSERT_EQ(x.size(), static_cast<std::size_t>(n));
    ASSERT_EQ(w.size(), static_cast<std::size_t>(n));
    double s = 0.0;
    for (double wj : w) s += wj;
    EXPECT_NEAR(s / kSqrtPi, 1.0, 1e-13) << "n=" << n;
  }
}

// int x^2k exp(-x^2) dx = (2k - 1)!! sqrt(pi) / 2^k, and the odd moments vanish; the n-point rule
// integrates both exactly up to degree 2n - 1.
TEST(GaussHermite, IntegratesMonomialsExactlyUpToDegree2nMinus1) {
  for (int n : kSizes) {
    std::vector<double> x, w;
    gauss_hermite(n, x, w);
    for (int k = 0; 2 * k <= 2 * n - 1; ++k) {
      double even = 0.0, odd = 0.0, scale = 0.0;
      for (int j = 0; j < n; ++j) {
        even += w[j] * std::pow(x[j], 2 * k);
        odd += w[j] * std::pow(x[j], 2 * k + 1);
        scale += w[j] * std::pow(std::fabs(x[j]), 2 * k + 1);
      }
      const double exact = double_factorial_odd(k) * kSqrtPi / std::ldexp(1.0, k);
      EXPECT_NEAR(even / exact, 1.0, 1e-11) << "n=" << n << " k=" << k;
      if (2 * k + 1 <= 2 * n - 1) EXPECT_LE(std::fabs(odd), 1e-13 * scale) << "n=" << n << " k=" << k;
    }
  }
}

// A smooth non-polynomial integrand: int cos(x) exp(-x^2) dx = sqrt(pi) exp(-1/4), to rounding
// once the rule has 20 or more nodes.
TEST(GaussHermite, IntegratesCosineTimesGaussian) {
  for (int n : kSizes) {
    if (n < 20) continue;
    std::vector<double> x, w;
    gauss_hermite(n, x, w);
    double s = 0.0;
    for (int j = 0; j < n; ++j) s += w[j] * std::cos(x[j]);
    EXPECT_NEAR(s, kSqrtPi * std::exp(-0.25), 1e-13) << "n=" << n;
  }
}

TEST(GaussHermite, NodesAscendingAndSymmetric) {
  for (int n : kSizes) {
    std::vector<double> x, w;
    gauss_hermite(n, x, w);
    for (int j = 1; j < n; ++j) EXPECT_LT(x[j - 1], x[j]) << "n=" << n;
    for (int j = 0; j < n; ++j) {
      EXPECT_EQ(x[j], -x[n - 1 - j]) << "n=" << n << " j=" << j;
      EXPECT_EQ(w[j], w[n - 1 - j]) << "n=" << n << " j=" << j;
      EXPECT_GT(w[j], 0.0) << "n=" << n << " j=" << j;
    }
  }
}

// H_2 = 4x^2 - 2 has roots +-1/sqrt(2), weights sqrt(pi)/2; H_3 = 8x^3 - 12x has roots 0 and
// +-sqrt(3/2), weights sqrt(pi)/6, 2 sqrt(pi)/3, sqrt(pi)/6; the one-point rule is x = 0, w = sqrt(pi).
TEST(GaussHermite, SmallRulesAreTheHermiteRoots) {
  std::vector<double> x, w;
  gauss_hermite(1, x, w);
  EXPECT_NEAR(x[0], 0.0, 1e-15);
  EXPECT_NEAR(w[0], kSqrtPi, 1e-14);

  gauss_hermite(2, x, w);
  EXPECT_NEAR(x[0], -1 / std::sqrt(2.0), 1e-15);
  EXPECT_NEAR(x[1], 1 / std::sqrt(2.0), 1e-15);
  EXPECT_NEAR(w[0], kSqrtPi / 2, 1e-14);
  EXPECT_NEAR(w[1], kSqrtPi / 2, 1e-14);

  gauss_hermite(3, x, w);
  EXPECT_NEAR(x[0], -std::sqrt(1.5), 1e-15);
  EXPECT_EQ(x[1], 0.0);
  EXPECT_NEAR(x[2], std::sqrt(1.5), 1e-15);
  EXPECT_NEAR(w[0], kSqrtPi / 6, 1e-14);
  EXPECT_NEAR(w[1], 2 * kSqrtPi / 3, 1e-14);
  EXPECT_NEAR(w[2], kSqrtPi / 6, 1e-14);
}

TEST(GaussHermite, RejectsEmptyRule) {
  std::vector<double> x, w;
  EXPECT_THROW(gauss_hermite(0, x, w), std::invalid_argument);
}

// The standard normal rule: weights sum to 1 and E Z^2k = (2k - 1)!! exactly up to degree 2n - 1;
// n = 3 has nodes 0, +-sqrt(3) with weights 1/6, 2/3, 1/6; n <= 1 is the Laplace point z = 0, w = 1.
TEST(GaussHermite, StandardNormalRule) {
  for (int n : kSizes) {
    const hbm::freq::GHRule r = gh_rule(n);
    ASSERT_EQ(r.z.size(), static_cast<std::size_t>(n));
    for (int k = 0; 2 * k <= 2 * n - 1; ++k) {
      double s = 0.0;
      for (int j = 0; j < n; ++j) s += r.w[j] * std::pow(r.z[j], 2 * k);
      EXPECT_NEAR(s / double_factorial_odd(k), 1.0, 1e-11) << "n=" << n << " k=" << k;
    }
  }
  const hbm::freq::GHRule r3 = gh_rule(3);
  EXPECT_NEAR(r3.z[0], -std::sqrt(3.0), 1e-14);
  EXPECT_EQ(r3.z[1], 0.0);
  EXPECT_NEAR(r3.z[2], std::sqrt(3.0), 1e-14);
  EXPECT_NEAR(r3.w[0], 1.0 / 6, 1e-15);
  EXPECT_NEAR(r3.w[1], 2.0 / 3, 1e-15);
  EXPECT_NEAR(r3.w[2], 1.0 / 6, 1e-15);
  for (int n : {0, 1}) {
    const hbm::freq::GHRule r1 = gh_rule(n);
    ASSERT_EQ(r1.z.size(), 1u);
    EXPECT_EQ(r1.z[0], 0.0);
    EXPECT_EQ(r1.w[0], 1.0);
  }
}

}  // namespace
