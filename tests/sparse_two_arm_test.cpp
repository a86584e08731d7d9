// Two-arm data at the edge of what the binomial likelihood allows (tests/fixtures/double_zero.csv):
// double-zero studies, zero-event arms on either side, a study with all events in both arms,
// and an outcome with no event at all. The model takes them as they are (no continuity
// correction): every summary must be finite, the chains must mix, and the outputs must say
// what the data cannot tell.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "host/io/csv_reader.hpp"
#include "host/fit/outcome_fit.hpp"
#include "support/summary_checks.hpp"

namespace {

using hbm::test::finite;
using hbm::test::has_warning;

class SparseTwoArm : public ::testing::TestWithParam<hbm::BaselineModel> {};

TEST_P(SparseTwoArm, FinitePosteriorAndMixedChains) {
  const auto outcomes = hbm::read_outcomes(std::string(HBMETA_FIXTURES) + "/double_zero.csv");
  ASSERT_EQ(outcomes.size(), 2u);
  hbm::FitOptions opt;
  opt.baseline = GetParam();
  opt.sampler.seed = 99;
  hbm::ThreadPool pool(2);
  for (const auto& o : outcomes) {
    SCOPED_TRACE(o.name);
    const hbm::OutcomeResult r = hbm::fit_outcome(o, opt, pool);
    for (const auto& p : r.parameters) EXPECT_TRUE(finite(p.s)) << p.name;
    for (const auto& s : r.studies) {
      EXPECT_TRUE(finite(s.theta)) << s.name;
      EXPECT_TRUE(finite(s.natural)) << s.name;
    }
    for (const auto& m : r.frequentist) {
      // Classical estimators may be undefined here, but then they say why.
      if (!std::isfinite(m.estimate)) EXPECT_FALSE(m.note.empty()) << m.name;
    }
    EXPECT_LT(r.diagnostics.max_rhat, 1.01);
    EXPECT_EQ(r.diagnostics.divergences, 0);
    if (o.name == "sparse") {
      EXPECT_EQ(r.double_zero_studies, 4);  // A, B, F (no events) and H (all events)
      EXPECT_TRUE(has_warning(r, "4 studies have no events (or only events) in both arms"));
    } else {
      EXPECT_TRUE(has_warning(r, "no study has an event in either arm"));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Baselines, SparseTwoArm,
                         ::testing::Values(hbm::BaselineModel::Independent, hbm::BaselineModel::Random),
                         [](const ::testing::TestParamInfo<hbm::BaselineModel>& i) {
                           return i.param == hbm::BaselineModel::Random ? std::string("random") : std::string("independent");
                         });

}  // namespace
