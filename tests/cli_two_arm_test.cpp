// End-to-end behaviour of `hbmeta fit` on two-arm and mixed files with meta-regression: the
// model chosen per outcome, the two-arm outputs, predictions for a new clinic at given
// covariate values, the classical estimators beside them, and bad two-arm input rejected.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace fs = std::filesystem;
using hbm::test::Json;
using hbm::test::read_text;
using hbm::test::run_hbmeta;
using hbm::test::write_text;

namespace {

const std::string kFixtures = HBMETA_FIXTURES;

// The BCG trials (metadat's dat.bcg) with absolute latitude and allocation method as
// covariates, and a single-arm outcome in the same file.
const char* kMixed =
    "outcome,study,events,total,events_t,total_t,events_c,total_c,ablat,alloc\n"
    "bcg,Aronson 1948,,,4,123,11,139,44,random\n"
    "bcg,Ferguson & Simes 1949,,,6,306,29,303,55,random\n"
    "bcg,Rosenthal et al 1960,,,3,231,11,220,42,random\n"
    "bcg,Hart & Sutherland 1977,,,62,13598,248,12867,52,random\n"
    "bcg,Frimodt-Moller et al 1973,,,33,5069,47,5808,13,alternate\n"
    "bcg,Stein & Aronson 1953,,,180,1541,372,1451,44,alternate\n"
    "bcg,Vandiviere et al 1973,,,8,2545,10,629,19,random\n"
    "bcg,TPT Madras 1980,,,505,88391,499,88391,13,random\n"
    "bcg,Coetzee & Berjak 1968,,,29,7499,45,7277,27,random\n"
    "bcg,Rosenthal et al 1961,,,17,1716,65,1665,42,systematic\n"
    "bcg,Comstock et al 1974,,,186,50634,141,27338,18,systematic\n"
    "bcg,Comstock & Webster 1969,,,5,2498,3,2341,33,systematic\n"
    "bcg,Comstock et al 1976,,,27,16913,29,17854,33,systematic\n"
    "rate,A,3,40,,,,,10,random\n"
    "rate,B,7,52,,,,,20,random\n"
    "rate,C,12,61,,,,,30,systematic\n"
    "rate,D,9,35,,,,,40,systematic\n"
    "rate,E,20,70,,,,,50,random\n";

// Column `name` of a draws CSV (chain,draw,...), as numbers.
std::vector<double> draws_column(const std::string& csv, const std::string& name) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string f; std::getline(hs, f, ',');) header.push_back(f);
  std::size_t col = header.size();
  for (std::size_t c = 0; c < header.size(); ++c)
    if (header[c] == name) col = c;
  EXPECT_LT(col, header.size()) << "no column " << name;
  std::vector<double> v;
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::string f;
    for (std::size_t c = 0; c <= col && std::getline(ls, f, ','); ++c) {
    }
    v.push_back(std::stod(f));
  }
  return v;
}

}  // namespace

TEST(CliTwoArm, MixedFileWithCovariatesGivesBothModelsAndNewClinicPredictions) {
  const auto dir = hbm::test::fresh_temp_dir("mixed");
  write_text(dir / "mixed.csv", kMixed);
  auto r = run_hbmeta("fit " + (dir / "mixed.csv").string() + " --out " + (dir / "o").string() +
                      " --covariates ablat,alloc --new-clinic 'ablat=40,alloc=systematic' --baseline-rate 0.01"
                      " --chains 8 --warmup 300 --draws 300 --prior-beta 'normal(0,1)' --prior-beta 'ablat=normal(0,0.1)'"
                      " --unit clinic");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("pooled odds ratio"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("beta ablat"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("new-clinic predictions at ablat=40, alloc=systematic"), std::string::npos) << r.out;
  // --unit clinic: the tables speak of clinics (the default is "study"), the names do not change.
  EXPECT_NE(r.out.find("odds ratio at a new clinic (95% PI)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("between-clinic sd"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("new study"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("classical meta-regression (REML)"), std::string::npos) << r.out;

  const Json s = Json::parse_file((dir / "o" / "summary.json").string());
  const Json& bcg = s["outcomes"]["bcg"];
  const Json& rate = s["outcomes"]["rate"];
  EXPECT_EQ(bcg["model_kind"].str(), "two-arm");
  EXPECT_EQ(rate["model_kind"].str(), "single-arm");
  // Categorical alloc -> indicators of every level but the first in sorted order (alternate).
  EXPECT_EQ(bcg["parameters"].keys(),
            (std::vector<std::string>{"mu", "or_pooled", "tau", "beta[ablat]", "beta[alloc=random]",
                                      "beta[alloc=systematic]", "theta_new", "or_new", "fitted_new", "or_fitted_new",
                                      "p_treat_pooled", "p_treat_new"}));
  // "rate" has only two alloc levels, so one indicator (reference: random).
  EXPECT_EQ(rate["parameters"].keys(),
            (std::vector<std::string>{"mu", "tau", "beta[ablat]", "beta[alloc=systematic]", "theta_new", "p_pooled",
                                      "p_new", "fitted_new", "p_fitted_new"}));
  EXPECT_EQ(bcg["new_clinic"].str(), "ablat=40, alloc=systematic");
  EXPECT_EQ(bcg["studies"].size(), 13u);
  EXPECT_EQ(bcg["studies"][0]["events_t"].num(), 4);
  EXPECT_EQ(bcg["studies"][0]["total_c"].num(), 139);
  EXPECT_TRUE(bcg["studies"][0].contains("or"));
  EXPECT_TRUE(rate["studies"][0].contains("p"));
  EXPECT_EQ(bcg["frequentist_regression"]["coefficients"].size(), 4u);
  EXPECT_EQ(s["config"]["prior_beta_named"]["ablat"].str(), "normal(0,0.1)");
  EXPECT_EQ(s["config"]["unit"].str(), "clinic");
  // Latitude explains the BCG heterogeneity (the classic finding): a clearly negative slope.
  EXPECT_LT(bcg["parameters"]["beta[ablat]"]["q97.5"].num(), 0.0);

  // mu is at the studies' mean latitude and the reference allocation.
  const double ablat_mean = bcg["mu_at"]["ablat"].num();
  EXPECT_NEAR(ablat_mean, 435.0 / 13, 1e-13);
  EXPECT_EQ(bcg["mu_at"]["alloc"].str(), "alternate");
  // The new clinic's predictions are built from its covariate row, draw by draw: fitted_new =
  // mu + (40 - mean ablat) beta[ablat] + beta[alloc=systematic]; p_treat_* on logit(0.01) + that.
  const std::string draws = read_text(dir / "o" / "draws" / "bcg.csv");
  // Which study each theta[i] column is: the sidecar, in file order.
  const std::string studies = read_text(dir / "o" / "draws" / "bcg.studies.csv");
  EXPECT_EQ(studies.substr(0, 55), "column,study\ntheta[1],Aronson 1948\ntheta[2],Ferguson & ");
  EXPECT_NE(studies.find("theta[13],Comstock et al 1976\n"), std::string::npos) << studies;
  const auto mu = draws_column(draws, "mu"), b1 = draws_column(draws, "beta[ablat]"),
             b3 = draws_column(draws, "beta[alloc=systematic]"), fitted = draws_column(draws, "fitted_new"),
             pt = draws_column(draws, "p_treat_pooled"), orf = draws_column(draws, "or_fitted_new");
  ASSERT_EQ(mu.size(), 8u * 300u);
  for (std::size_t k = 0; k < mu.size(); ++k) {
    EXPECT_NEAR(fitted[k], mu[k] + (40 - ablat_mean) * b1[k] + b3[k], 1e-9 * (1 + std::fabs(fitted[k])));
    EXPECT_NEAR(orf[k], std::exp(fitted[k]), 1e-9 * orf[k]);
    EXPECT_NEAR(pt[k], 1 / (1 + std::exp(-(std::log(0.01 / 0.99) + fitted[k]))), 1e-12);
  }
  fs::remove_all(dir);
}

// The two-arm frequentist block carries the library's metafor-validated numbers (see
// tests/frequentist_test.cpp) through the pipeline: checked against metafor 3.8-1 directly.
TEST(CliTwoArm, FrequentistBlockMatchesMetafor) {
  const auto dir = hbm::test::fresh_temp_dir("freq2");
  auto r = run_hbmeta("fit " + kFixtures + "/reference/nielweise2007.csv --out " + (dir / "o").string() +
                      " --chains 4 --warmup 200 --draws 100");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("method (odds ratio)"), std::string::npos) << r.out;
  const Json got = Json::parse_file((dir / "o" / "summary.json").string())["outcomes"]["nielweise2007"]["frequentist"];
  const Json want = Json::parse_file(kFixtures + "/frequentist/frequentist.json")["nielweise2007"];
  EXPECT_EQ(got.keys(), (std::vector<std::string>{"FE", "DL", "REML", "REML_knha", "MH", "GLMM_UM.FS"}));
  for (const char* m : {"FE", "DL", "REML", "REML_knha", "MH"})
    for (const char* f : {"estimate", "se", "ci_lb", "ci_ub", "Q", "pi_lb", "pi_ub", "k"})
      if (want[m].contains(f) && !want[m][f].is_null() && !got[m][f].is_null())
        EXPECT_NEAR(got[m][f].num(), want[m][f].num(), 1e-8 * std::fabs(want[m][f].num())) << m << " " << f;
  // 2e-3, not 1e-4: on this dataset metafor's optimiser (bobyqa over 19 parameters) stopped short
  // of the maximum that hbmeta reaches (documented in docs/frequentist.md and
  // tests/frequentist_test.cpp, which compares log-likelihoods).
  EXPECT_NEAR(got["GLMM_UM.FS"]["estimate"].num(), want["GLMM_UM.FS"]["estimate"].num(),
              2e-3 * std::fabs(want["GLMM_UM.FS"]["estimate"].num()));
  EXPECT_EQ(got["GLMM_UM.FS"]["k"].num(), 17);  // the double-zero study is dropped, as rma.glmm does
  const std::string csv = read_text(dir / "o" / "summary.csv");
  EXPECT_NE(csv.find("nielweise2007,MH,or_pooled,,"), std::string::npos);
  EXPECT_NE(csv.find("nielweise2007,posterior,or,Bach 1996,"), std::string::npos);
  fs::remove_all(dir);
}

TEST(CliTwoArm, BadTwoArmInputAndOptionsExitTwoAndWriteNothing) {
  const auto dir = hbm::test::fresh_temp_dir("bad2");
  struct Case {
    const char* csv;
    const char* args;
    const char* message;
  } cases[] = {
      {"outcome,study,events_t,total_t,events_c,total_c\na,s1,3,10,2,10\na,s2,3,10,12,10\n", "",
       ":3: events_c (12) exceeds total_c (10)"},
      {"outcome,study,events_t,total_t,events_c,total_c\na,s1,3,0,2,10\n", "", ":2: total_t is 0"},
      {"outcome,study,events_t,total_t,events_c\na,s1,3,10,2\n", "", ":1: missing required column: total_c"},
      {"outcome,study,events,total,events_t,total_t,events_c,total_c\na,s1,3,10,,,,\na,s2,,,1,10,2,10\n", "",
       ":3: outcome 'a' has two-arm (events_t, total_t, events_c, total_c) counts here but single-arm"},
      {"outcome,study,events,total,events_t,total_t,events_c,total_c\na,s1,,,1,10,,10\n", "",
       ":2: events_c is empty but other two-arm counts of the row are filled"},
      {"outcome,study,events,total,x\na,s1,3,10,1\na,s2,3,10,NA\n", " --covariates x",
       ":3: covariate x (NA) is a missing-value marker"},
      {"outcome,study,events,total\na,s1,3,10\n", " --covariates dose", ":1: --covariates names column 'dose'"},
      {"outcome,study,events,total,g\na,s1,3,10,u\na,s2,4,10,v\n", " --covariates g --new-clinic g=w",
       "--new-clinic: 'w' is not a level of covariate 'g' in outcome 'a' (levels: u, v)"},
      {"outcome,study,events,total,g\na,s1,3,10,1\na,s2,4,10,2\n", " --covariates g --new-clinic h=1",
       "--new-clinic: 'h' is not one of the --covariates columns"},
      {"outcome,study,events,total,g\na,s1,3,10,1\na,s2,4,10,2\n", " --covariates g --new-clinic g=abc",
       "--new-clinic: g=abc is not a number"},
      {"outcome,study,events,total\na,s1,3,10\n", " --baseline fixed", "--baseline: 'fixed' is not one of"},
      {"outcome,study,events,total\na,s1,3,10\n", " --baseline-rate 1.5", "--baseline-rate: expected"},
      {"outcome,study,events,total\na,s1,3,10\n", " --prior-baseline-sd 'normal(0,1)'", "--prior-baseline-sd"},
  };
  for (const auto& c : cases) {
    const fs::path file = dir / "in.csv";
    write_text(file, c.csv);
    auto r = run_hbmeta("fit " + file.string() + " --out " + (dir / "o").string() + c.args);
    EXPECT_EQ(r.status, 2) << c.csv << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << " -> " << r.err;
    EXPECT_FALSE(fs::exists(dir / "o"));
  }
  fs::remove_all(dir);
}

// Same seed, same numbers, whatever the thread count: the two-arm model with random baselines
// (two blocks of study effects switching parametrisation in warmup) and covariates.
TEST(CliTwoArm, SameSeedGivesIdenticalSummaryForAnyThreadCount) {
  const auto dir = hbm::test::fresh_temp_dir("threads2");
  write_text(dir / "mixed.csv", kMixed);
  const std::string common = " --covariates ablat --ignore-columns alloc --baseline random --chains 6 --warmup 200 --draws 150 --seed 5 --quiet";
  auto a = run_hbmeta("fit " + (dir / "mixed.csv").string() + " --out " + (dir / "t1").string() + " --threads 1" + common);
  auto b = run_hbmeta("fit " + (dir / "mixed.csv").string() + " --out " + (dir / "t3").string() + " --threads 3" + common);
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(read_text(dir / "t1" / "draws" / "bcg.csv"), read_text(dir / "t3" / "draws" / "bcg.csv"));
  const Json ja = Json::parse_file((dir / "t1" / "summary.json").string());
  const Json jb = Json::parse_file((dir / "t3" / "summary.json").string());
  EXPECT_EQ(ja["outcomes"]["bcg"]["parameters"]["mu"]["mean"].num(), jb["outcomes"]["bcg"]["parameters"]["mu"]["mean"].num());
  EXPECT_EQ(ja["outcomes"]["bcg"]["parameters"]["sigma_alpha"]["q97.5"].num(),
            jb["outcomes"]["bcg"]["parameters"]["sigma_alpha"]["q97.5"].num());
  fs::remove_all(dir);
}

// The Gibbs sampler, too: same seed, same draws, whatever the thread count (both models, with
// covariates and random baselines), and the sampler is recorded.
TEST(CliTwoArm, GibbsSameSeedGivesIdenticalDrawsForAnyThreadCount) {
  const auto dir = hbm::test::fresh_temp_dir("gibbs_threads");
  write_text(dir / "mixed.csv", kMixed);
  const std::string common =
      " --sampler gibbs --covariates ablat --ignore-columns alloc --baseline random --chains 5 --warmup 100 --draws 100 --seed 8 --quiet";
  auto a = run_hbmeta("fit " + (dir / "mixed.csv").string() + " --out " + (dir / "t1").string() + " --threads 1" + common);
  auto b = run_hbmeta("fit " + (dir / "mixed.csv").string() + " --out " + (dir / "t3").string() + " --threads 3" + common);
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(read_text(dir / "t1" / "draws" / "bcg.csv"), read_text(dir / "t3" / "draws" / "bcg.csv"));
  EXPECT_EQ(read_text(dir / "t1" / "draws" / "rate.csv"), read_text(dir / "t3" / "draws" / "rate.csv"));
  const Json j = Json::parse_file((dir / "t1" / "summary.json").string());
  EXPECT_EQ(j["config"]["sampler"].str(), "gibbs");
  EXPECT_EQ(j["outcomes"]["bcg"]["diagnostics"]["sampler"].str(), "gibbs");
  auto bad = run_hbmeta("fit " + (dir / "mixed.csv").string() + " --out " + (dir / "t4").string() + " --sampler nuts");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--sampler: 'nuts' is not one of hmc, gibbs"), std::string::npos) << bad.err;
  fs::remove_all(dir);
}
