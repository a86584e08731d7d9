// Each outcome of a batch samples under its own priors (host/engine/batch_data.hpp keeps them per
// outcome, models/batch_views.hpp hands outcome o's to its model): two units with different
// priors fitted in ONE batch give, bit for bit, the draws each gives fitted alone with its own
// priors. Exact, because an outcome's RNG stream is its own (not its place in the batch) and it
// adapts on its own. The test can fail: the second unit fitted alone under the FIRST unit's
// priors (what a batch taking the first outcome's priors would give it) must differ from its
// batched draws, so priors shared across the batch would be caught. Single-arm and two-arm with
// random baselines (every one of the five priors differs), HMC and Gibbs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "host/engine/batch_data.hpp"
#include "host/engine/batch_engine.hpp"
#include "host/engine/cpu_backend.hpp"
#include "host/support/thread_pool.hpp"
#include "support/random_studies.hpp"

namespace {

namespace B = hbm::batch;
using hbm::BaselineModel;
using hbm::Prior;
using hbm::PriorKind;
using hbm::test::RandomStudies;
using hbm::test::start_for;

// Short runs: the comparison is exact, so a few chains and iterations carry it.
hbm::SamplerConfig short_run(hbm::Algorithm alg) {
  hbm::SamplerConfig cfg;
  cfg.chains = 4;
  cfg.warmup = 80;
  cfg.draws = 40;
  cfg.seed = 20261203;
  cfg.max_steps = 64;
  cfg.algorithm = alg;
  return cfg;
}

// Priors far apart, so that they move the posterior visibly with a few studies.
void set_priors(hbm::SingleArmModel& m, int which) {
  m.prior_mu = which == 0 ? Prior{PriorKind::Normal, 0.0, 10.0} : Prior{PriorKind::Normal, 2.0, 0.3};
  m.prior_tau = which == 0 ? Prior{PriorKind::HalfNormal, 0.0, 1.0} : Prior{PriorKind::HalfCauchy, 0.0, 0.1};
}
void set_priors(hbm::TwoArmModel& m, int which) {
  const bool a = which == 0;
  m.prior_mu = a ? Prior{PriorKind::Normal, 0.0, 10.0} : Prior{PriorKind::Normal, -1.0, 0.3};
  m.prior_tau = a ? Prior{PriorKind::HalfNormal, 0.0, 0.5} : Prior{PriorKind::HalfCauchy, 0.0, 0.1};
  m.prior_alpha = a ? Prior{PriorKind::Normal, 0.0, 10.0} : Prior{PriorKind::Normal, 1.0, 0.5};
  m.prior_mu_alpha = a ? Prior{PriorKind::Normal, 0.0, 10.0} : Prior{PriorKind::Normal, 1.5, 0.2};
  m.prior_sigma_alpha = a ? Prior{PriorKind::HalfNormal, 0.0, 2.0} : Prior{PriorKind::LogNormal, -2.0, 0.3};
}

struct Unit {
  RandomStudies studies;
  std::uint32_t stream;
  int K;
};
std::vector<Unit> two_units() { return {Unit{RandomStudies(4, 1, 11), 101, 4}, Unit{RandomStudies(3, 1, 12), 202, 3}}; }

// The unit's model under prior set `priors`, and its start (HMC or Gibbs state).
template <class Model>
Model model_of(const Unit& u, int priors);
template <>
hbm::SingleArmModel model_of(const Unit& u, int priors) {
  hbm::SingleArmModel m = u.studies.single_arm(u.K, 1);
  set_priors(m, priors);
  return m;
}
template <>
hbm::TwoArmModel model_of(const Unit& u, int priors) {
  hbm::TwoArmModel m = u.studies.two_arm(u.K, 1, BaselineModel::Random);
  set_priors(m, priors);
  return m;
}
B::OutcomeStart start_of(const hbm::SingleArmModel& m, const Unit& u, int chains, bool gibbs) {
  return start_for(m.dim(), m.K, 2 + m.P, 1, chains, gibbs ? std::vector<std::uint8_t>(m.K, 1) : u.studies.centred,
                   u.stream, gibbs ? 1 : -1);
}
B::OutcomeStart start_of(const hbm::TwoArmModel& m, const Unit& u, int chains, bool gibbs) {
  std::vector<std::uint8_t> flags = u.studies.centred;
  flags.insert(flags.end(), u.studies.centred_alpha.begin(), u.studies.centred_alpha.end());
  if (gibbs) flags.assign(flags.size(), 1);
  // Gibbs state (models/gibbs_two_arm.hpp): mu, tau, beta, mu_alpha, sigma_alpha, ...; tau
  // (index 1) and sigma_alpha (index 3 + P) must be positive: start_for makes index 1 so, and
  // the state starts near 0 elsewhere with sigma_alpha set below.
  B::OutcomeStart s = start_for(m.dim(), m.K, m.n_hyper(), 2, chains, flags, u.stream, gibbs ? 1 : -1);
  if (gibbs)
    for (int c = 0; c < chains; ++c) s.q0[static_cast<std::size_t>(c) * s.dim + 3 + m.P] = 0.5 + 0.1 * c;
  return s;
}

// Runs the units given (each under the prior set given with it) as one batch.
template <class Model>
std::vector<hbm::HmcRun> run(const std::vector<Unit>& units, const std::vector<int>& which,
                             const std::vector<int>& priors, const hbm::SamplerConfig& cfg) {
  using Data = typename B::BatchOf<Model>::type;
  const bool gibbs = cfg.algorithm == hbm::Algorithm::Gibbs;
  Data data;
  std::vector<B::OutcomeStart> starts;
  for (std::size_t k = 0; k < which.size(); ++k) {
    const Unit& u = units[which[k]];
    const Model m = model_of<Model>(u, priors[k]);
    data.add(m);
    starts.push_back(start_of(m, u, cfg.chains, gibbs));
  }
  hbm::ThreadPool pool(1);
  hbm::CpuBackend be(pool);
  return gibbs ? B::run_gibbs(be, data, starts, cfg, 1) : B::run_hmc(be, data, starts, cfg, 1);
}

void expect_same(const hbm::HmcRun& a, const hbm::HmcRun& b) {
  EXPECT_EQ(a.outputs, b.outputs);
  EXPECT_EQ(a.study_outputs, b.study_outputs);
  EXPECT_EQ(a.accept_prob, b.accept_prob);
  EXPECT_EQ(a.step_size, b.step_size);
}

// Unit 0 under prior set 0 and unit 1 under prior set 1 in one batch, against each alone.
template <class Model>
void expect_per_unit_priors(hbm::Algorithm alg) {
  const std::vector<Unit> units = two_units();
  const hbm::SamplerConfig cfg = short_run(alg);
  const std::vector<hbm::HmcRun> both = run<Model>(units, {0, 1}, {0, 1}, cfg);
  const std::vector<hbm::HmcRun> first = run<Model>(units, {0}, {0}, cfg);
  const std::vector<hbm::HmcRun> second = run<Model>(units, {1}, {1}, cfg);
  ASSERT_EQ(both.size(), 2u);
  {
    SCOPED_TRACE("unit 0: batched = alone");
    expect_same(both[0], first[0]);
  }
  {
    SCOPED_TRACE("unit 1: batched = alone");
    expect_same(both[1], second[0]);
  }
  // The check has teeth: under unit 0's priors, unit 1's draws are not those.
  const std::vector<hbm::HmcRun> second_under_first = run<Model>(units, {1}, {0}, cfg);
  EXPECT_NE(both[1].outputs, second_under_first[0].outputs);
  // And the priors move the posterior, not just the bits: unit 1's mean of mu is pulled
  // towards its own prior's mean (2 single-arm, -1 two-arm; sd 0.3) from where the vague one leaves it.
  auto mean_mu = [](const hbm::HmcRun& r) {
    double s = 0;
    const std::vector<double> mu = r.column(0);
    for (double v : mu) s += v;
    return s / static_cast<double>(mu.size());
  };
  const double target = std::is_same_v<Model, hbm::SingleArmModel> ? 2.0 : -1.0;
  EXPECT_LT(std::abs(mean_mu(both[1]) - target), std::abs(mean_mu(second_under_first[0]) - target));
}

TEST(BatchUnitPriors, SingleArmHmcUnitsSampleUnderTheirOwnPriors) {
  expect_per_unit_priors<hbm::SingleArmModel>(hbm::Algorithm::Hmc);
}
TEST(BatchUnitPriors, TwoArmRandomBaselinesHmcUnitsSampleUnderTheirOwnPriors) {
  expect_per_unit_priors<hbm::TwoArmModel>(hbm::Algorithm::Hmc);
}
TEST(BatchUnitPriors, SingleArmGibbsUnitsSampleUnderTheirOwnPriors) {
  expect_per_unit_priors<hbm::SingleArmModel>(hbm::Algorithm::Gibbs);
}
TEST(BatchUnitPriors, TwoArmRandomBaselinesGibbsUnitsSampleUnderTheirOwnPriors) {
  expect_per_unit_priors<hbm::TwoArmModel>(hbm::Algorithm::Gibbs);
}

// The baseline model sets the state layout of the whole batch: mixing them is refused.
TEST(BatchUnitPriors, TwoArmBatchRefusesMixedBaselineModels) {
  const RandomStudies s(3, 0, 5);
  B::TwoArmBatch data;
  data.add(s.two_arm(3, 0, BaselineModel::Independent));
  EXPECT_THROW(data.add(s.two_arm(3, 0, BaselineModel::Random)), std::logic_error);
  EXPECT_EQ(data.index.outcomes(), 1);
  EXPECT_EQ(data.priors.size(), 1u);
}

}  // namespace
