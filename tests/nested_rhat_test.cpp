// Nested R-hat (host/stats/nested_rhat.hpp): exact small examples, the sampling distribution on iid
// draws, detection of a displaced superchain, and reference values from posterior's algorithm.
//
// Reference values: posterior 1.4.0, which the other diagnostics are checked against (and the
// version Debian packages), has no rhat_nested(); it appeared in posterior 1.5.0, which is not
// installable here (no network). tests/fixtures/diagnose/rhat_nested_reference.R follows the
// steps of posterior's .rhat_nested() (main branch, 2024) line by line with the helpers it uses
// (matrixStats::colMeans2 / colVars, base mean / var); run with R 4.2.2 and matrixStats 0.63.0 it
// printed the values in ReferenceValuesFromPosteriorAlgorithm (15 significant digits). They
// must agree to 1e-12 relative (the C++ sums in long double, R in double: ~1e-15 apart).
#include "host/io/draws_reader.hpp"
#include "host/stats/nested_rhat.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/chi_squared.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef HBMETA_FIXTURES
#error "HBMETA_FIXTURES must name the tests/fixtures directory"
#endif

namespace {

const std::string kDiagDir = std::string(HBMETA_FIXTURES) + "/diagnostics/";

struct Draws {
  std::size_t chains = 0, draws = 0;
  std::vector<double> data;  // chain-major
  hbm::ChainDraws view() const { return {data.data(), chains, draws}; }
};

// A "chain","draw","value" fixture, read with the project's draws reader.
Draws read_fixture(const std::string& name) {
  const hbm::DrawsTable t = hbm::read_draws(std::vector<std::string>{kDiagDir + name});
  Draws d;
  d.chains = t.chains;
  d.draws = t.draws;
  d.data = t.values.at(0);
  return d;
}

Draws make(std::size_t chains, std::size_t draws, std::vector<double> v) {
  Draws d;
  d.chains = chains;
  d.draws = draws;
  d.data = std::move(v);
  return d;
}

// ---- (3) exact small examples, computed by hand -----------------------------------------------

TEST(NestedRhat, HandComputedTwoSuperchainsOfTwoChains) {
  // chains (3 draws each): c1 = 1,2,3 (mean 2, var 1)   c2 = 3,4,5 (mean 4, var 1)
  //                        c3 = 0,0,3 (mean 1, var 3)   c4 = 2,2,5 (mean 3, var 3)
  // superchain 1 = {c1, c2}: mean 3, B_1 = var(2, 4) = 2, W_1 = mean(1, 1) = 1
  // superchain 2 = {c3, c4}: mean 2, B_2 = var(1, 3) = 2, W_2 = mean(3, 3) = 3
  // B_nu = var(3, 2) = 0.5, W_nu = ((2 + 1) + (2 + 3)) / 2 = 4, R = sqrt(1 + 0.5 / 4) = sqrt(9/8)
  const Draws d = make(4, 3, {1, 2, 3, 3, 4, 5, 0, 0, 3, 2, 2, 5});
  EXPECT_NEAR(hbm::rhat_nested(d.view(), 2), std::sqrt(9.0 / 8.0), 1e-15);
  // one chain per superchain: B_k = 0; B_nu = var(2, 4, 1, 3) = 5/3, W_nu = mean(1, 1, 3, 3) = 2,
  // R = sqrt(1 + (5/3) / 2) = sqrt(11/6)
  EXPECT_NEAR(hbm::rhat_nested(d.view(), 4), std::sqrt(11.0 / 6.0), 1e-15);
}

TEST(NestedRhat, HandComputedOneDrawPerChain) {
  // N = 1: the within-chain term is 0 and W_nu is the between-chain variance within superchains.
  // superchain 1 = {1, 3}: mean 2, B_1 = 2; superchain 2 = {2, 6}: mean 4, B_2 = 8
  // B_nu = var(2, 4) = 2, W_nu = (2 + 8) / 2 = 5, R = sqrt(1 + 2/5)
  const Draws d = make(4, 1, {1, 3, 2, 6});
  EXPECT_NEAR(hbm::rhat_nested(d.view(), 2), std::sqrt(1.4), 1e-15);
  // equal superchain means: B_nu = 0, R = 1 exactly (the lower bound)
  const Draws e = make(4, 1, {1, 3, 0, 4});
  EXPECT_EQ(hbm::rhat_nested(e.view(), 2), 1.0);
}

TEST(NestedRhat, UndefinedCasesAndBadGrouping) {
  const Draws d = make(4, 3, {1, 2, 3, 3, 4, 5, 0, 0, 3, 2, 2, 5});
  EXPECT_TRUE(std::isnan(hbm::rhat_nested(d.view(), 1)));  // one superchain: var() of one mean
  EXPECT_THROW(hbm::rhat_nested(d.view(), 3), std::invalid_argument);  // 3 does not divide 4
  EXPECT_THROW(hbm::rhat_nested(d.view(), 0), std::invalid_argument);
  EXPECT_THROW(hbm::rhat_nested(d.view(), -2), std::invalid_argument);

  Draws nonfinite = d;
  nonfinite.data[5] = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(std::isnan(hbm::rhat_nested(nonfinite.view(), 2)));
  nonfinite.data[5] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(hbm::rhat_nested(nonfinite.view(), 2)));

  const Draws constant = make(4, 3, std::vector<double>(12, 2.5));
  EXPECT_TRUE(std::isnan(hbm::rhat_nested(constant.view(), 2)));

  // M = 1 and N = 1: W_nu is zero by construction
  const Draws single = make(4, 1, {1, 3, 2, 6});
  EXPECT_TRUE(std::isnan(hbm::rhat_nested(single.view(), 4)));

  // every superchain constant but superchains differ: W_nu = 0 < B_nu, +Inf as in posterior
  const Draws stuck = make(4, 2, {1, 1, 1, 1, 2, 2, 2, 2});
  EXPECT_TRUE(std::isinf(hbm::rhat_nested(stuck.view(), 2)));
}

TEST(NestedRhat, DefaultSuperchains) {
  EXPECT_EQ(hbm::default_superchains(1), 1);
  EXPECT_EQ(hbm::default_superchains(4), 4);    // fewer than 8 chains: one chain per superchain
  EXPECT_EQ(hbm::default_superchains(6), 6);
  EXPECT_EQ(hbm::default_superchains(8), 2);    // 2 superchains of 4
  EXPECT_EQ(hbm::default_superchains(10), 10);  // not a multiple of 4
  EXPECT_EQ(hbm::default_superchains(16), 4);
  EXPECT_EQ(hbm::default_superchains(256), 64);
}

// ---- (1) iid draws: nested R-hat is about 1 ---------------------------------------------------
//
// For iid N(0, s^2) draws, the K superchain means are iid N(0, s^2 / (M N)), so
// B_nu ~ s^2 / (M N) * chi2(K-1) / (K-1), independent of W_nu (which uses only deviations from
// chain and superchain means). E[W_nu] = c s^2 with c = 1 + 1/N when M > 1 and N > 1
// (E[B_k] = s^2 / N, E[W_k] = s^2), c = 1 when M = 1 (B_k = 0) or N = 1 (W_k = 0). Hence
//   T = (R^2 - 1) * M N c * (K - 1) = chi2(K-1) * E[W_nu] / W_nu,
// where W_nu / E[W_nu] has relative sd sqrt(2 / df), df about K M (N - 1) + K (M - 1).
// Checks, for each design over `reps` independent replications (fixed seed):
//  * every R >= 1 and T <= q(1 - 1e-7) of chi2(K-1) times (1 + 5 sqrt(2 / df)) (5 sd of the
//    W_nu factor): with 4 x 300 replications a false failure has probability ~1e-4;
//  * the mean of T over replications is K - 1 within 5 sd of the mean, sd(T) ~ sqrt(2 (K-1))
//    (inflated by the W_nu factor), plus the O(2/df) bias of E[1/W];
//  * for the many-short-chains design (1024 chains of 10 draws) the per-replication bound
//    itself is below 1.003: nested R-hat is within 0.003 of 1, far below the 1.01 threshold.
struct Design {
  std::size_t k, m, n;
};

TEST(NestedRhat, IidDrawsGiveAboutOne) {
  const Design designs[] = {{16, 4, 50}, {8, 1, 200}, {32, 64, 1}, {8, 128, 10}};
  const int reps = 300;
  std::mt19937_64 rng(20240502);
  std::normal_distribution<double> normal(0.0, 2.0);  // s = 2: the statistic is scale-free
  for (const Design& g : designs) {
    const double c = (g.m > 1 && g.n > 1) ? 1.0 + 1.0 / static_cast<double>(g.n) : 1.0;
    const double df = static_cast<double>(g.k * g.m * (g.n - 1) + g.k * (g.m - 1));
    const double w_rel_sd = std::sqrt(2.0 / df);
    const double scale = static_cast<double>(g.m * g.n) * c * static_cast<double>(g.k - 1);
    boost::math::chi_squared chi2(static_cast<double>(g.k - 1));
    const double t_max = boost::math::quantile(boost::math::complement(chi2, 1e-7)) * (1.0 + 5.0 * w_rel_sd);
    const double r_max = std::sqrt(1.0 + t_max / scale);
    double t_sum = 0.0, r_largest = 0.0;
    Draws d;
    d.chains = g.k * g.m;
    d.draws = g.n;
    d.data.resize(d.chains * d.draws);
    for (int r = 0; r < reps; ++r) {
      for (double& v : d.data) v = normal(rng);
      const double rn = hbm::rhat_nested(d.view(), static_cast<int>(g.k));
      ASSERT_GE(rn, 1.0);
      ASSERT_LE(rn, r_max) << "K=" << g.k << " M=" << g.m << " N=" << g.n;
      t_sum += (rn * rn - 1.0) * scale;
      r_largest = std::max(r_largest, rn);
    }
    const double t_mean = t_sum / reps;
    const double sd_t = std::sqrt(2.0 * static_cast<double>(g.k - 1)) * (1.0 + 5.0 * w_rel_sd);
    const double expected = static_cast<double>(g.k - 1) * (1.0 + 2.0 / df);
    EXPECT_NEAR(t_mean, expected, 5.0 * sd_t / std::sqrt(static_cast<double>(reps)))
        << "K=" << g.k << " M=" << g.m << " N=" << g.n;
    if (g.m == 128) {
      EXPECT_LT(r_max, 1.003);
      EXPECT_LT(r_largest, 1.01);
    }
  }
}

// ---- (2) one superchain displaced: clearly above 1.01 -------------------------------------------
//
// Superchain 0 of K = 4 (M = 8 chains of N = 100 iid N(0,1) draws each) is shifted by
// delta = 0.75 sd. With e_k ~ N(0, 1/(M N)) the superchain means' noise,
//   B_nu = delta^2 / K + (2 / (K-1)) delta (e_0 - mean e) + O(1 / (M N))
//        = 0.1406 + N(0, 0.0153^2) + ~0.00125,   W_nu ~ 1 (relative sd ~0.016),
// so R ~ sqrt(1.1419) = 1.0686 with sd ~0.007 per replication. Every replication must exceed
// 1.02 (R^2 - 1 > 0.0404: 6 sd below the centre) and the mean over 50 replications must be
// within 0.006 (~6 sd) of 1.0686. The same draws unshifted must stay below 1.01: there
// R^2 - 1 ~ chi2(3) / 3 / 808, below 0.0201 with probability 1 - 2e-10.
TEST(NestedRhat, ShiftedSuperchainIsFlagged) {
  const std::size_t k = 4, m = 8, n = 100;
  const double delta = 0.75;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  Draws d;
  d.chains = k * m;
  d.draws = n;
  d.data.resize(d.chains * n);
  double sum = 0.0;
  const int reps = 50;
  for (int r = 0; r < reps; ++r) {
    for (double& v : d.data) v = normal(rng);
    EXPECT_LT(hbm::rhat_nested(d.view(), static_cast<int>(k)), 1.01);
    for (std::size_t i = 0; i < m * n; ++i) d.data[i] += delta;  // superchain 0 = chains 0..7
    const double rn = hbm::rhat_nested(d.view(), static_cast<int>(k));
    EXPECT_GT(rn, 1.02);
    sum += rn;
  }
  EXPECT_NEAR(sum / reps, std::sqrt(1.0 + delta * delta / 4.0 + 1.0 / 800.0), 0.006);
}

// ---- (4) reference values from posterior's algorithm (see the top of this file) ---------------

TEST(NestedRhat, ReferenceValuesFromPosteriorAlgorithm) {
  struct Case {
    const char* file;
    int superchains;
    double expected;
  };
  const Case cases[] = {
      // many_short.csv: 256 chains x 20 draws
      {"many_short.csv", 256, 1.04174045341781},
      {"many_short.csv", 128, 1.01810266280176},
      {"many_short.csv", 64, 1.0096882434114},  // diagnose's default grouping (chains of 4)
      {"many_short.csv", 16, 1.00132174095649},
      {"many_short.csv", 4, 1.00049823828092},
      {"many_short.csv", 2, 1.00032528836794},
      // iid.csv and shifted.csv: 4 chains
      {"iid.csv", 4, 1.00019115751482},
      {"iid.csv", 2, 1.00008790438223},
      {"shifted.csv", 4, 1.11736241451643},
      {"shifted.csv", 2, 1.04164092164858},
  };
  for (const Case& c : cases) {
    const Draws d = read_fixture(c.file);
    const double got = hbm::rhat_nested(d.view(), c.superchains);
    EXPECT_NEAR(got, c.expected, 1e-12 * c.expected) << c.file << " with " << c.superchains << " superchains";
  }
  const Draws many = read_fixture("many_short.csv");
  EXPECT_EQ(many.chains, 256u);
  EXPECT_EQ(many.draws, 20u);
}

}  // namespace
