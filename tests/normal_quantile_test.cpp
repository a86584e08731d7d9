// AS 241 normal quantile against Boost.Math's inverse erf, over the body and both tails.
#include <gtest/gtest.h>

#include <boost/math/distributions/normal.hpp>
#include <cmath>

#include "host/stats/normal_quantile.hpp"

TEST(NormalQuantile, MatchesBoostToMachinePrecision) {
  const boost::math::normal_distribution<double> n;
  for (int i = 1; i < 20000; ++i) {
    const double p = i / 20000.0;
    const double want = boost::math::quantile(n, p);
    EXPECT_NEAR(hbm::normal_quantile(p), want, 4e-15 * std::max(1.0, std::fabs(want))) << p;
  }
  for (double p = 1e-300; p < 0.01; p *= 3.1) {
    const double want = boost::math::quantile(n, p);
    EXPECT_NEAR(hbm::normal_quantile(p), want, 4e-15 * std::fabs(want)) << p;
    // Upper tail by symmetry; 1 - p is rounded to 1e-16 absolute, which moves the quantile by
    // about 1e-16 / density(z), still below 1e-5 for p > 1e-10.
    if (p > 1e-10) EXPECT_NEAR(hbm::normal_quantile(1 - p), -hbm::normal_quantile(p), 1e-5) << p;
  }
  EXPECT_EQ(hbm::normal_quantile(0.5), 0.0);
  EXPECT_TRUE(std::isinf(hbm::normal_quantile(0.0)));
  EXPECT_TRUE(std::isnan(hbm::normal_quantile(1.5)));
}
