// The two samplers against each other: HMC (models/hmc.hpp, models/block_gibbs.hpp) and
// Pólya-Gamma Gibbs (models/gibbs_*.hpp), both run by the engine, share no sampling code but
// the scale's slice update, so agreement on the same data and priors is
// an independent check of both, including where no quadrature or Stan reference exists
// (sparse two-arm data: double-zero studies, zero arms, all-event arms, no events at all).
//
// For mu, tau and theta_new: mean, sd and the 2.5/50/97.5% quantiles of the two runs must agree
// within 4 sqrt(mcse_hmc^2 + mcse_gibbs^2), each MCSE from its own run (tests/support/mcse.hpp):
// the difference of two independent estimates has that standard error, and 4 of them make a
// false alarm of a correct pair unlikely (two-sided 6e-5 per comparison, ~60 comparisons).
// Both runs must also have mixed (R-hat < 1.01), have no divergences / non-finite sweeps, and
// give finite summaries. Single-arm: pritz1997 (14 studies); two-arm: both outcomes of
// tests/fixtures/double_zero.csv with independent baselines. Fixed seeds: deterministic.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "host/io/csv_reader.hpp"
#include "host/fit/outcome_fit.hpp"
#include "support/mcse.hpp"
#include "support/summary_checks.hpp"

namespace {

constexpr double kZ = 4.0;

using hbm::test::finite;

hbm::OutcomeResult fit(const hbm::OutcomeData& o, hbm::Algorithm a, int chains, int draws, std::uint64_t seed) {
  hbm::FitOptions opt;
  opt.frequentist = hbm::FrequentistLevel::None;
  opt.sampler.algorithm = a;
  opt.sampler.chains = chains;
  opt.sampler.warmup = 500;
  opt.sampler.draws = draws;
  opt.sampler.seed = seed;
  hbm::ThreadPool pool(2);
  return hbm::fit_outcome(o, opt, pool);
}

// Checks the run's health and compares the two; returns the largest |difference| / combined MCSE.
double compare(const hbm::OutcomeResult& h, const hbm::OutcomeResult& g) {
  for (const hbm::OutcomeResult* r : {&h, &g}) {
    SCOPED_TRACE(r->diagnostics.sampler);
    EXPECT_EQ(r->diagnostics.divergences, 0);
    EXPECT_LT(r->diagnostics.max_rhat, 1.01);
    for (const auto& p : r->parameters) EXPECT_TRUE(finite(p.s)) << p.name;
    for (const auto& s : r->studies) EXPECT_TRUE(finite(s.theta) && finite(s.natural)) << s.name;
  }
  const char* labels[] = {"mean", "sd", "q2.5", "q50", "q97.5"};
  double max_z = 0;
  for (const char* name : {"mu", "tau", "theta_new"}) {
    const hbm::ParamSummary* a = h.find(name);
    const hbm::ParamSummary* b = g.find(name);
    if (!a || !b) {
      ADD_FAILURE() << "missing " << name;
      continue;
    }
    const auto ma = hbm::test::mcse_of(hbm::test::draws_of(h, name), static_cast<std::size_t>(h.chains));
    const auto mb = hbm::test::mcse_of(hbm::test::draws_of(g, name), static_cast<std::size_t>(g.chains));
    const double va[] = {a->mean, a->sd, a->q[0], a->q[3], a->q[6]};
    const double vb[] = {b->mean, b->sd, b->q[0], b->q[3], b->q[6]};
    const double ea[] = {ma.mean, ma.sd, ma.q025, ma.q50, ma.q975};
    const double eb[] = {mb.mean, mb.sd, mb.q025, mb.q50, mb.q975};
    for (int k = 0; k < 5; ++k) {
      const double se = std::sqrt(ea[k] * ea[k] + eb[k] * eb[k]);
      EXPECT_NEAR(va[k], vb[k], kZ * se) << name << " " << labels[k] << " (hmc vs gibbs)";
      if (se > 0) max_z = std::max(max_z, std::fabs(va[k] - vb[k]) / se);
    }
  }
  return max_z;
}

TEST(GibbsVsHmc, SingleArmPritz1997) {
  const auto outcomes = hbm::read_outcomes(std::string(HBMETA_FIXTURES) + "/reference/pritz1997.csv");
  ASSERT_EQ(outcomes.size(), 1u);
  const auto h = fit(outcomes[0], hbm::Algorithm::Hmc, 16, 1000, 123);
  const auto g = fit(outcomes[0], hbm::Algorithm::Gibbs, 16, 1500, 124);
  const double z = compare(h, g);
  std::printf("pritz1997: max |z| hmc vs gibbs = %.2f\n", z);
}

TEST(GibbsVsHmc, SparseTwoArmDoubleZero) {
  const auto outcomes = hbm::read_outcomes(std::string(HBMETA_FIXTURES) + "/double_zero.csv");
  ASSERT_EQ(outcomes.size(), 2u);
  for (const auto& o : outcomes) {
    SCOPED_TRACE(o.name);
    const auto h = fit(o, hbm::Algorithm::Hmc, 16, 1000, 99);
    const auto g = fit(o, hbm::Algorithm::Gibbs, 32, 1500, 100);
    if (o.name == "sparse") EXPECT_EQ(g.double_zero_studies, 4);
    const double z = compare(h, g);
    std::printf("%s: max |z| hmc vs gibbs = %.2f\n", o.name.c_str(), z);
  }
}

}  // namespace
