// The counter-based generator reproduces Random123's published known-answer vectors for
// Philox4x32-10, and its normals have the right first moments.
#include <gtest/gtest.h>

#include <cmath>

#include "models/binomial_rng.hpp"
#include "models/philox.hpp"

namespace {

using hbm::Philox4x32;

void expect_block(Philox4x32 ctr, std::uint32_t k0, std::uint32_t k1, Philox4x32 want) {
  const Philox4x32 got = hbm::philox4x32_10(ctr, k0, k1);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(got.v[i], want.v[i]) << "word " << i;
}

TEST(Philox, MatchesRandom123KnownAnswers) {
  // kat_vectors from Random123 1.09: philox4x32 10 rounds.
  expect_block({{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}});
  expect_block({{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}}, 0xffffffff, 0xffffffff,
               {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}});
  expect_block({{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}, 0xa4093822, 0x299f31d0,
               {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}});
}

TEST(Philox, StreamsAreAddressedByCountersNotState) {
  hbm::RngStream a(42, 7, 3, 100, hbm::RngPurpose::Momentum);
  hbm::RngStream b(42, 7, 3, 100, hbm::RngPurpose::Momentum);
  hbm::RngStream c(42, 7, 4, 100, hbm::RngPurpose::Momentum);
  const double x = a.uniform();
  EXPECT_EQ(x, b.uniform());
  EXPECT_NE(x, c.uniform());
}

TEST(Philox, NormalsHaveUnitMomentsWithinMonteCarloError) {
  // n = 4e5 draws: se of the mean is 1/sqrt(n) = 0.0016, of the variance sqrt(2/n) = 0.0022;
  // allow 5 se.
  const int n = 400000;
  double s = 0, s2 = 0;
  hbm::RngStream r(1, 0, 0, 0, hbm::RngPurpose::Init);
  for (int i = 0; i < n; i += 2) {
    double z1, z2;
    r.normal2(z1, z2);
    s += z1 + z2;
    s2 += z1 * z1 + z2 * z2;
  }
  EXPECT_NEAR(s / n, 0.0, 5 * std::sqrt(1.0 / n));
  EXPECT_NEAR(s2 / n, 1.0, 5 * std::sqrt(2.0 / n));
}

TEST(BinomialRng, MeanAndVarianceMatchAcrossRegimes) {
  // Both branches (inversion, BTRS) and both sides of p = 0.5; 2e5 draws each; 5 se tolerance.
  const double cases[][2] = {{10, 0.3}, {1000, 0.004}, {50, 0.9}, {1e6, 0.3}, {1e9, 0.5}, {2000, 0.97}};
  for (const auto& c : cases) {
    const double n = c[0], p = c[1];
    const int m = 200000;
    double s = 0, s2 = 0;
    for (int i = 0; i < m; ++i) {
      hbm::RngStream r(9, 1, static_cast<std::uint32_t>(i), 0, hbm::RngPurpose::Predictive);
      const double k = hbm::binomial_draw(n, p, r);
      ASSERT_GE(k, 0);
      ASSERT_LE(k, n);
      ASSERT_EQ(k, std::floor(k));
      s += k;
      s2 += k * k;
    }
    const double mean = s / m, var = s2 / m - mean * mean, v = n * p * (1 - p);
    EXPECT_NEAR(mean, n * p, 5 * std::sqrt(v / m)) << n << " " << p;
    EXPECT_NEAR(var, v, 5 * v * std::sqrt(2.0 / m)) << n << " " << p;
  }
}

}  // namespace
