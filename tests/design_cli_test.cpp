// `hbmeta design` end to end: design.json's contract on the bundled data, the same result for
// any thread count, the MAP mixture's quantiles against the MAP draws and against the quadrature
// predictive on pritz1997, a two-arm outcome's control arms and pooled effect, and bad input
// rejected with one line, exit status 2 and nothing written.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <regex>

#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace fs = std::filesystem;
using hbm::test::Json;
using hbm::test::read_text;
using hbm::test::run_hbmeta;

namespace {

const std::string kData = std::string(HBMETA_DATA_DIR) + "/rescue_simulated.csv";
const char* const kQ[3] = {"q2.5", "q50", "q97.5"};

std::string without_run_fields(const std::string& json) {
  const std::string s = std::regex_replace(json, std::regex("\n *\"command\": [^\n]*"), "");
  return std::regex_replace(s, std::regex("\"timing\": \\{[^}]*\\}"), "\"timing\": {}");
}

}  // namespace

TEST(DesignCli, BundledDataGivesTheContractSameForAnyThreadCount) {
  const fs::path dir = hbm::test::fresh_temp_dir("design-bundled");
  const std::string common = "design " + kData +
                              " --outcome ivm_gv_maturation --n-treat 40 --n-control 60 --effect 0.2 --chains 8 --draws 250 "
                             "--criterion 0:0.975 --criterion 0.05:0.5 --seed 7";
  const auto a = run_hbmeta(common + " --threads 1 --out " + (dir / "t1").string());
  const auto b = run_hbmeta(common + " --threads 2 --quiet --out " + (dir / "t2").string());
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_NE(a.out.find("MAP prior of the control rate"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("smallest n_t with power >= 0.80"), std::string::npos) << a.out;
  EXPECT_TRUE(b.out.empty());
  const std::string ja = read_text(dir / "t1" / "design.json");
  EXPECT_EQ(without_run_fields(ja), without_run_fields(read_text(dir / "t2" / "design.json")));

  const Json d = Json::parse(ja);
  EXPECT_EQ(d["historical"]["outcome"].str(), "ivm_gv_maturation");
  EXPECT_EQ(d["historical"]["k"].num(), 20);
  EXPECT_EQ(d["decision"]["scale"].str(), "difference");
  ASSERT_EQ(d["decision"]["criteria"].size(), 2u);
  EXPECT_EQ(d["decision"]["criteria"][1]["delta"].num(), 0.05);
  EXPECT_EQ(d["trial"]["n_t"].num(), 40);
  EXPECT_EQ(d["trial"]["n_c"].num(), 60);
  EXPECT_EQ(d["treatment_prior"][0]["a"].num(), 1);
  const Json& map = d["map"];
  const std::size_t K = map["mixture"].size();
  ASSERT_GE(K, 1u);
  ASSERT_LE(K, 4u);
  ASSERT_EQ(map["robust"].size(), K + 1);  // the mixture's components, then Beta(1, 1) at 0.2
  EXPECT_NEAR(map["robust"][K]["w"].num(), 0.2, 1e-15);
  EXPECT_EQ(map["robust"][K]["a"].num(), 1);
  for (const char* which : {"map", "mixture", "robust"}) EXPECT_TRUE(map["ess"][which]["moment"].is_number()) << which;
  EXPECT_TRUE(map["ess"]["robust"]["elir"].is_number());
  // Robustifying lowers the prior's worth.
  EXPECT_LT(map["ess"]["robust"]["elir"].num(), map["ess"]["mixture"]["elir"].num());
  // The mixture reproduces the MAP draws: its quantiles within 4 MCSE of the draws' own (the
  // approximation error must stay below the Monte Carlo error of the draws it summarises).
  for (const char* q : kQ)
    EXPECT_NEAR(map["mixture_quantiles"][q].num(), map["draws_quantiles"][q].num(), 4 * map["draws_mcse"][q].num()) << q;
  EXPECT_LT(map["ks_distance"].num(), 0.02);
  // OC rows: type I error (effect 0) is small at the MAP's centre, every probability in [0, 1],
  // and power at the planned effect is the OC at (p_c = MAP mean, p_t = p_c + effect).
  ASSERT_GT(d["oc"].size(), 100u);
  for (std::size_t i = 0; i < d["oc"].size(); ++i) {
    const Json& row = d["oc"][i];
    EXPECT_GE(row["prob_success"].num(), 0.0);
    EXPECT_LE(row["prob_success"].num(), 1.0);
    EXPECT_FALSE(row.contains("prob_success_hierarchical"));
  }
  EXPECT_LT(d["power"]["type1_error_at_p_c"].num(), 0.05);
  EXPECT_GT(d["power"]["prob_success"].num(), d["power"]["type1_error_at_p_c"].num());
  EXPECT_NEAR(d["power"]["p_t"].num() - d["power"]["p_c"].num(), 0.2, 1e-12);
  EXPECT_GT(d["assurance"].num(), 0.0);
  EXPECT_LT(d["assurance"].num(), 1.0);
  ASSERT_EQ(d["boundary"].size(), 61u);  // y_c = 0..60
  // The sample size reaches the target, and the point of the assurance curve just below it does not.
  EXPECT_EQ(d["sample_size"]["target_power"].num(), 0.8);
  EXPECT_EQ(d["sample_size"]["allocation"].str(), "n_c fixed");
  EXPECT_EQ(d["sample_size"]["n_c"].num(), 60);
  ASSERT_TRUE(d["sample_size"]["n_t"].is_number());
  const double n_star = d["sample_size"]["n_t"].num();
  EXPECT_GE(d["sample_size"]["power"].num(), 0.8);
  for (std::size_t i = 0; i < d["assurance_curve"].size(); ++i) {
    const Json& pt = d["assurance_curve"][i];
    if (pt["n_t"].num() == n_star) EXPECT_EQ(pt["power"].num(), d["sample_size"]["power"].num());
    if (pt["n_t"].num() < 0.8 * n_star) EXPECT_LT(pt["power"].num(), 0.8) << pt["n_t"].num();
  }
  const std::string html = read_text(dir / "t1" / "design.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("class=\"map-draws\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("nan"), std::string::npos);
}

// pritz1997 under the reference's priors (mu ~ N(0, 10^2), tau ~ half-normal(1)): the mixture's
// 2.5/50/97.5% quantiles within 4 MCSE of the draws of the quadrature predictive
// (tests/fixtures/reference/pritz1997__hn1.json; quadrature error is far below Monte Carlo
// error); the MCSE is the run's own (posterior's mcse_quantile of p_new). The planned effect
// does not exceed the criterion's DELTA, so no sample size is searched (not this test's subject).
TEST(DesignCli, MixtureQuantilesMatchTheQuadraturePredictive) {
  const fs::path dir = hbm::test::fresh_temp_dir("design-pritz");
  const std::string fx = HBMETA_FIXTURES;
  const auto r = run_hbmeta("design " + fx + "/reference/pritz1997.csv --prior-mu 'normal(0,10)' --n-treat 40 --n-control 20 "
                            "--criterion 0.2:0.975 --effect 0.1 --quiet --out " + (dir / "o").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const Json d = Json::parse(read_text(dir / "o" / "design.json"));
  const Json ref = Json::parse_file(fx + "/reference/pritz1997__hn1.json")["p_new"]["quantiles"];
  const char* ref_keys[3] = {"0.025", "0.5", "0.975"};
  for (int j = 0; j < 3; ++j)
    EXPECT_NEAR(d["map"]["mixture_quantiles"][kQ[j]].num(), ref[ref_keys[j]].num(), 4 * d["map"]["draws_mcse"][kQ[j]].num())
        << kQ[j];
}

// A two-arm outcome: its control arms are the history, and the planned effect defaults to the
// pooled odds ratio (here on the log-OR scale, so it is log of or_pooled's median).
TEST(DesignCli, TwoArmOutcomeUsesItsControlArmsAndPooledEffect) {
  const fs::path dir = hbm::test::fresh_temp_dir("design-bcg");
  const std::string fx = HBMETA_FIXTURES;
  const auto r = run_hbmeta("design " + fx + "/reference/bcg.csv --n-treat 40 --n-control 40 --scale log-or "
                            "--criterion 0:0.9 --chains 8 --draws 250 --quiet --out " + (dir / "o").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const Json d = Json::parse(read_text(dir / "o" / "design.json"));
  EXPECT_EQ(d["historical"]["model_kind"].str(), "two-arm, control arms");
  EXPECT_EQ(d["decision"]["scale"].str(), "log_or");
  EXPECT_NE(d["effect"]["source"].str().find("pooled odds ratio"), std::string::npos);
  EXPECT_LT(d["effect"]["value"].num(), -0.2);  // BCG protects: pooled OR about 0.5
  // The MAP of the control arms: bcg's control-arm risks are small (0.1% to 10%).
  EXPECT_LT(d["map"]["draws_quantiles"]["q50"].num(), 0.05);
}

TEST(DesignCli, BadInputExitsTwoWithOneLineAndWritesNothing) {
  const fs::path dir = hbm::test::fresh_temp_dir("design-bad");
  const std::string out = " --out " + (dir / "o").string();
  const std::string base = "design " + kData + " --outcome ivm_gv_maturation --effect 0.1";
  const struct {
    std::string args, message;
  } cases[] = {
      {base + " --n-treat 50", "--n-control"},
      {base + " --n-treat 0 --n-control 30", "--n-treat: expected a positive integer"},
      {base + " --n-treat 50 --n-control 30 --criterion 0.1", "--criterion: expected DELTA:C"},
      {base + " --n-treat 50 --n-control 30 --criterion 0:1.5", "strictly between 0 and 1"},
      {base + " --n-treat 50 --n-control 30 --treatment-prior 'beta(0,1)'", "--treatment-prior: expected beta(a,b)"},
      {base + " --n-treat 50 --n-control 30 --robust-weight 1", "--robust-weight"},
      {base + " --n-treat 50 --n-control 30 --method exact", "--method: expected mixture, hierarchical or both"},
      {base + " --n-treat 50 --n-control 30 --allocation-ratio 0", "--allocation-ratio: expected a number R > 0"},
      {"design " + kData + " --n-treat 50 --n-control 30 --effect 0.1", "outcomes ("},
      {"design " + kData + " --outcome ivm_gv_maturation --n-treat 50 --n-control 30", "--effect: "},
      {"design " + kData + " --outcome nope --n-treat 50 --n-control 30 --effect 0.1", "--outcome: no outcome 'nope'"},
      {"design " + std::string(HBMETA_FIXTURES) + "/missing.csv --n-treat 50 --n-control 30 --effect 0.1", "missing.csv"},
  };
  for (const auto& c : cases) {
    const auto r = run_hbmeta(c.args + out);
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir / "o")) << c.args;
  }
  // A CSV error names file and line.
  hbm::test::write_text(dir / "bad.csv", "outcome,study,events,total\nx,a,5,10\nx,b,12,10\n");
  const auto r = run_hbmeta("design " + (dir / "bad.csv").string() + " --n-treat 50 --n-control 30 --effect 0.1" + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.csv:3:"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "o"));
}
