// The hierarchical path of hbmeta design (host/cli/design_hierarchical.hpp): refitting the
// historical studies with the planned trial's control arm added gives the meta-analytic-combined
// posterior of the trial's control rate, which equals the MAP prior updated by that arm. So on
// pritz1997, where the beta mixture fits the MAP well, the posterior probability of the decision
// from the refit's draws must agree with the mixture path's conjugate update, within the Monte
// Carlo error of both (the refit's draws, and the MAP draws the mixture was fitted to).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "host/cli/design_hierarchical.hpp"
#include "host/design/decision_rule.hpp"
#include "host/design/mixture_em.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/io/csv_reader.hpp"
#include "host/stats/diagnostics.hpp"
#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace fs = std::filesystem;

namespace hbm::design {
namespace {

FitOptions small_fit() {
  FitOptions fo;
  fo.sampler.chains = 8;
  fo.sampler.warmup = 400;
  fo.sampler.draws = 500;
  fo.frequentist = FrequentistLevel::None;
  fo.study_draws = FitOptions::StudyDraws::No;
  return fo;
}

TEST(DesignHierarchical, RefitPosteriorProbabilityEqualsTheMixtureUpdateWithinMcse) {
  const OutcomeData pritz = read_outcomes(std::string(HBMETA_FIXTURES) + "/reference/pritz1997.csv")[0];
  const FitOptions fo = small_fit();
  ThreadPool pool(2);
  const OutcomeResult map_fit = fit_outcome(pritz, fo, pool);
  std::vector<double> map;
  for (std::size_t k = 0; k < map_fit.draw_names.size(); ++k)
    if (map_fit.draw_names[k] == "p_new") map = map_fit.draw_columns[k];
  ASSERT_EQ(map.size(), 4000u);
  const BetaMixture mix = auto_mixture_fit(map, 4).mix;
  const double map_ess = ess_mean(ChainDraws{map.data(), 8, 500});

  const int n_c = 10, n_t = 10, y_t = 9;
  const auto draws = hierarchical_control_draws(pritz, n_c, fo, pool);
  ASSERT_EQ(draws.size(), static_cast<std::size_t>(n_c + 1));
  const BetaMixture pt = posterior({{1.0, 1, 1}}, y_t, n_t);
  for (int y_c : {2, 6, 10}) {
    ASSERT_EQ(draws[y_c].size(), 4000u);
    // The refit's estimate and its MCSE (sd / sqrt(ESS) of the per-draw probabilities).
    std::vector<double> s(draws[y_c].size());
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = mixture_survival(pt, draws[y_c][i]);
    const double p_h = prob_effect_exceeds_draws(pt, draws[y_c], 0.0, EffectScale::Difference);
    double v_h = 0;
    for (double x : s) v_h += (x - p_h) * (x - p_h);
    const double mcse_h = std::sqrt(v_h / (s.size() - 1) / ess_mean(ChainDraws{s.data(), 8, 500}));
    // The MAP draws reweighted by the trial's control likelihood: the same posterior, and the
    // Monte Carlo error the mixture inherits from the draws it was fitted to (delta method for
    // the ratio, inflated by N / ESS for the chains' autocorrelation).
    double sw = 0, sws = 0;
    std::vector<double> w(map.size()), sm(map.size());
    for (std::size_t i = 0; i < map.size(); ++i) {
      w[i] = std::pow(map[i], y_c) * std::pow(1 - map[i], n_c - y_c);
      sm[i] = mixture_survival(pt, map[i]);
      sw += w[i], sws += w[i] * sm[i];
    }
    const double p_is = sws / sw;
    double v_is = 0;
    for (std::size_t i = 0; i < map.size(); ++i) v_is += w[i] * w[i] * (sm[i] - p_is) * (sm[i] - p_is);
    const double mcse_m = std::sqrt(v_is / (sw * sw) * static_cast<double>(map.size()) / map_ess);
    const double p_mix = prob_effect_exceeds(pt, posterior(mix, y_c, n_c), 0.0, EffectScale::Difference);
    EXPECT_NEAR(p_h, p_mix, 4 * std::hypot(mcse_h, mcse_m)) << "y_c = " << y_c << " mcse " << mcse_h << " " << mcse_m;
    // And the mixture reproduces its own draws' answer to within their error.
    EXPECT_NEAR(p_is, p_mix, 4 * mcse_m) << "y_c = " << y_c;
  }
}

TEST(DesignHierarchical, MethodBothReportsBothOcCurves) {
  const fs::path dir = hbm::test::fresh_temp_dir("design-both");
  const auto r = hbm::test::run_hbmeta("design " + std::string(HBMETA_FIXTURES) +
                                       "/reference/pritz1997.csv --n-treat 15 --n-control 8 --effect 0.15 --method both "
                                       "--chains 8 --warmup 400 --draws 500 --quiet --out " + (dir / "o").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const test::Json d = test::Json::parse_file((dir / "o" / "design.json").string());
  EXPECT_EQ(d["method"].str(), "both");
  ASSERT_EQ(d["boundary_hierarchical"].size(), 9u);
  for (std::size_t i = 0; i < d["oc"].size(); ++i) {
    const double h = d["oc"][i]["prob_success_hierarchical"].num();
    EXPECT_GE(h, 0.0);
    EXPECT_LE(h, 1.0);
  }
  // Where the mixture fits (KS below 0.01 here), the two paths' boundaries differ at most where
  // a posterior probability lies within Monte Carlo error of c: a few outcomes, each moving the
  // OC by at most P(Y_c = y_c) P(Y_t = y_t) < 0.1.
  EXPECT_LT(d["map"]["ks_distance"].num(), 0.01);
  EXPECT_LT(d["max_oc_difference"].num(), 0.1);
  EXPECT_TRUE(d["assurance_hierarchical"].is_number());
  const std::string html = test::read_text(dir / "o" / "design.html");
  EXPECT_NE(html.find("hierarchical"), std::string::npos);
}

}  // namespace
}  // namespace hbm::design
