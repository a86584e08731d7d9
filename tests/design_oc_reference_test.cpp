// hbmeta design's exact OC against an independent brute-force Monte Carlo of the same decision
// rule in R (scripts/reference/design_oc_mc.R: R's integrate() for the posterior probability,
// 1e6 simulated trials per point; tests/fixtures/design/README.md).
#include <gtest/gtest.h>

#include <string>

#include "host/design/operating_characteristics.hpp"
#include "support/mini_json.hpp"

namespace hbm::design {
namespace {

TEST(DesignOcReference, ExactOcEqualsAMillionSimulatedTrialsInR) {
  const test::Json ref = test::Json::parse_file(std::string(HBMETA_FIXTURES) + "/design/oc_mc_1e6.json");
  const BetaMixture map = {{0.55, 18, 52}, {0.25, 7, 9}, {0.2, 1, 1}}, flat = {{1.0, 1, 1}};
  const int n_t = 30, n_c = 20;
  const DecisionRule rule{EffectScale::Difference, {{0.0, 0.95}, {0.1, 0.5}}};
  const std::vector<int> b = decision_boundary(n_t, n_c, mixture_success(flat, map, rule, n_t, n_c));
  // The boundary is R's, outcome by outcome (no tolerance: a decision is a yes or a no; R's
  // and our posterior probabilities agree to ~1e-9, far from any c on this design).
  ASSERT_EQ(ref["boundary"].size(), b.size());
  for (std::size_t k = 0; k < b.size(); ++k) EXPECT_EQ(b[k], static_cast<int>(ref["boundary"][k].num())) << "y_c = " << k;
  // P(success) within 4 binomial MCSE of the simulated frequency.
  for (std::size_t i = 0; i < ref["points"].size(); ++i) {
    const auto& p = ref["points"][i];
    EXPECT_NEAR(prob_success(b, n_t, p["p_t"].num(), p["p_c"].num()), p["frequency"].num(), 4 * p["mcse"].num())
        << p["p_t"].num() << " " << p["p_c"].num();
  }
}

}  // namespace
}  // namespace hbm::design
