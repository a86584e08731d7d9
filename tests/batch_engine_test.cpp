// The batched engine (host/engine/batch_engine.hpp) on the CPU backend: the code the GPU runs, with
// only the launches differing. Its posterior is held to the quadrature and Stan references by
// tests/sampler_reference_test.cpp, tests/two_arm_reference_test.cpp (the "_engine" cases) and
// tests/extreme_data_test.cpp (ExtremeData.Engine*); here: determinism for any thread count, an
// outcome's result independent of which outcomes share its batch, and the thinned study store.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "host/io/csv_reader.hpp"
#include "host/fit/outcome_fit.hpp"
#include "support/mcse.hpp"
#include "support/mini_json.hpp"

namespace {

using hbm::test::Json;

hbm::FitOptions engine_options(int chains, int warmup, int draws, std::uint64_t seed) {
  hbm::FitOptions opt;
  opt.prior_mu = {hbm::PriorKind::Normal, 0.0, 10.0};
  opt.sampler.chains = chains;
  opt.sampler.warmup = warmup;
  opt.sampler.draws = draws;
  opt.sampler.seed = seed;
  opt.frequentist = hbm::FrequentistLevel::None;
  return opt;
}

}  // namespace

namespace {

std::vector<hbm::OutcomeData> bundled_outcomes(std::size_t n) {
  auto all = hbm::read_outcomes(std::string(HBMETA_DATA_DIR) + "/rescue_simulated.csv");
  all.resize(std::min(all.size(), n));
  return all;
}

void expect_same_run(const hbm::HmcRun& a, const hbm::HmcRun& b) {
  EXPECT_EQ(a.outputs, b.outputs);
  EXPECT_EQ(a.study_outputs, b.study_outputs);
  EXPECT_EQ(a.accept_prob, b.accept_prob);
  EXPECT_EQ(a.energy, b.energy);
  EXPECT_EQ(a.divergent, b.divergent);
  EXPECT_EQ(a.n_steps, b.n_steps);
  EXPECT_EQ(a.step_size, b.step_size);
  EXPECT_EQ(a.trajectory_length, b.trajectory_length);
  EXPECT_EQ(a.inv_metric, b.inv_metric);
  EXPECT_EQ(a.centred, b.centred);
}

// Same seed: the same numbers with 1 and 3 threads, and an outcome's run is the same whether it
// shares its batch with other outcomes or runs alone (what makes the GPU's smaller-batch
// fallback and sharded simulations exact), for both samplers.
TEST(BatchEngine, DeterministicForAnyThreadCountAndBatchComposition) {
  const auto outcomes = bundled_outcomes(3);
  ASSERT_EQ(outcomes.size(), 3u);
  for (const hbm::Algorithm alg : {hbm::Algorithm::Hmc, hbm::Algorithm::Gibbs}) {
    hbm::FitOptions opt = engine_options(12, 150, 60, 99);
    opt.sampler.algorithm = alg;
    hbm::ThreadPool one(1), three(3);
    const auto all1 = hbm::prefit_batched(outcomes, opt, one);
    const auto all3 = hbm::prefit_batched(outcomes, opt, three);
    const auto alone = hbm::prefit_batched({outcomes[1]}, opt, three);
    ASSERT_EQ(all1.size(), 3u);
    for (const auto& o : outcomes) expect_same_run(all1.at(o.name), all3.at(o.name));
    expect_same_run(all1.at(outcomes[1].name), alone.at(outcomes[1].name));
  }
}

// With a cap on stored study draws the store keeps every thin-th draw: the study summaries are
// computed from those, agree with the full store within MCSE, and the draws file leaves the
// thinned study columns out.
TEST(BatchEngine, ThinnedStudyStoreKeepsStudySummaries) {
  const auto outcomes = bundled_outcomes(1);
  hbm::FitOptions opt = engine_options(32, 300, 400, 7);
  hbm::ThreadPool pool(2);
  const hbm::OutcomeResult full = hbm::fit_single_arm(outcomes[0], opt, pool);
  opt.study_draw_cap = 32 * 400 / 8.0;  // every 8th draw
  const hbm::OutcomeResult thin = hbm::fit_single_arm(outcomes[0], opt, pool);
  const auto m = thin.find("mu");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(full.find("mu")->mean, m->mean);  // hyperparameters keep every draw either way
  for (std::size_t i = 0; i < full.studies.size(); ++i) {
    const auto& a = full.studies[i].theta;
    const auto& b = thin.studies[i].theta;
    EXPECT_NEAR(a.mean, b.mean, 4 * b.mcse_mean) << i;  // b's draws are a subset of a's
    EXPECT_GT(b.ess_bulk, 50) << i;
  }
  bool has_theta_column = false;
  for (const auto& n : thin.draw_names) has_theta_column = has_theta_column || n.rfind("theta[", 0) == 0;
  EXPECT_FALSE(has_theta_column);
}

}  // namespace
