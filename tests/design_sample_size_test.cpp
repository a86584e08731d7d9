// The sample-size search of hbmeta design with an allocation ratio (host/design/design_analysis.hpp,
// DesignSettings::allocation_ratio): n_t : n_c = R : 1 with n_c = ceil(n_t / R). The search
// (doubling, then bisection) must find the n_t that an exhaustive grid finds: the exact power
// at every n_t from 1 up, each with its own control arm and decision boundary.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "host/design/design_analysis.hpp"
#include "host/design/operating_characteristics.hpp"
#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace fs = std::filesystem;

namespace hbm::design {
namespace {

// MAP-like draws: Beta(12, 28) (a prior worth 40 patients at a 30% control rate), 4 chains.
std::vector<double> beta_draws(double a, double b, int n) {
  std::mt19937_64 rng(7);
  std::gamma_distribution<double> ga(a, 1.0), gb(b, 1.0);
  std::vector<double> out(n);
  for (auto& x : out) {
    const double u = ga(rng), v = gb(rng);
    x = u / (u + v);
  }
  return out;
}

TEST(DesignSampleSize, RatioSearchFindsTheSmallestNOfAnExhaustiveGrid) {
  ThreadPool pool(1);
  DesignSettings s;
  s.n_t = 20;
  s.n_c = 20;
  s.effect = 0.3;
  s.target_power = 0.8;
  s.allocation_ratio = 2;  // two treated per control
  s.max_n_t = 400;
  s.max_components = 1;  // the draws are one beta's: no EM over 2 to 4 components (test time)
  const DesignResult r = analyse_design(beta_draws(12, 28, 4000), 4, s, pool);
  // The grid: n_c by integer arithmetic (ceil(n / 2) = (n + 1) / 2), boundary and exact power at
  // each n, up to the first n reaching the target.
  int first = -1;
  double power_first = 0;
  for (int n = 1; n <= s.max_n_t && first < 0; ++n) {
    const int n_c = (n + 1) / 2;
    const auto b = decision_boundary(n, n_c, mixture_success(s.treatment_prior, r.robust, s.rule, n, n_c));
    const double power = prob_success(b, n, r.power_p_t, r.power_p_c);
    if (power >= s.target_power) first = n, power_first = power;
  }
  ASSERT_GT(first, 0);
  EXPECT_EQ(r.sample_size_n_t, first);
  EXPECT_EQ(r.sample_size_n_c, (first + 1) / 2);
  EXPECT_DOUBLE_EQ(r.sample_size_power, power_first);
  // The curve follows the same allocation.
  for (const auto& p : r.assurance_curve) EXPECT_EQ(p.n_c, (p.n_t + 1) / 2) << p.n_t;
  // And the ratio matters: with n_c fixed at 20 the first n_t reaching the target is another.
  const auto power_fixed = [&](int n) {
    return prob_success(decision_boundary(n, 20, mixture_success(s.treatment_prior, r.robust, s.rule, n, 20)), n,
                        r.power_p_t, r.power_p_c);
  };
  EXPECT_NE(smallest_n(s.n_t, s.max_n_t, s.target_power, power_fixed), first);
}

TEST(DesignSampleSize, ControlSizeRoundsUpAndForgivesRoundingOfTheRatio) {
  DesignSettings s;
  s.n_c = 33;
  EXPECT_EQ(control_size_for(50, s), 33);  // no ratio: n_c fixed
  s.allocation_ratio = 1.5;
  EXPECT_EQ(control_size_for(60, s), 40);
  EXPECT_EQ(control_size_for(61, s), 41);
  EXPECT_EQ(control_size_for(50, s), 34);  // 33.3 rounded up, not to the nearest
  s.allocation_ratio = 0.1;  // 3 / 0.1 is 30.000000000000004 in doubles
  EXPECT_EQ(control_size_for(3, s), 30);
  s.allocation_ratio = 100;
  EXPECT_EQ(control_size_for(1, s), 1);
}

TEST(DesignSampleSize, DesignJsonSaysWhichAllocationWasUsed) {
  const fs::path dir = hbm::test::fresh_temp_dir("design-ratio");
  const auto r = hbm::test::run_hbmeta("design " + std::string(HBMETA_FIXTURES) +
                                       "/reference/pritz1997.csv --n-treat 30 --n-control 20 --effect 0.2 "
                                       "--allocation-ratio 1.5 --chains 4 --warmup 200 --draws 200 --quiet --out " +
                                       (dir / "o").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const test::Json d = test::Json::parse_file((dir / "o" / "design.json").string());
  const test::Json& ss = d["sample_size"];
  EXPECT_EQ(ss["allocation"].str(), "ratio");
  EXPECT_EQ(ss["allocation_ratio"].num(), 1.5);
  ASSERT_TRUE(ss["n_t"].is_number());
  EXPECT_EQ(ss["n_c"].num(), std::ceil(ss["n_t"].num() / 1.5));
  EXPECT_GE(ss["power"].num(), 0.8);
  for (std::size_t i = 0; i < d["assurance_curve"].size(); ++i)
    EXPECT_EQ(d["assurance_curve"][i]["n_c"].num(), std::ceil(d["assurance_curve"][i]["n_t"].num() / 1.5));
  EXPECT_EQ(d["trial"]["n_c"].num(), 20);  // the planned trial stays as given
}

}  // namespace
}  // namespace hbm::design
