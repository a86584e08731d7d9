// End-to-end behaviour of `hbmeta fit`: reproducibility across thread counts, the outputs it
// promises, and bad input rejected with file:line messages, exit status 2 and nothing written.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <regex>

#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace fs = std::filesystem;
using hbm::test::read_text;
using hbm::test::run_hbmeta;
using hbm::test::write_text;

namespace {

// summary.json without the lines that legitimately differ between runs: the command line and
// the recorded arguments (they contain --threads and --out) and the timing block.
std::string without_timing(const std::string& json) {
  std::string s = std::regex_replace(json, std::regex("\n *\"command\": [^\n]*"), "");
  s = std::regex_replace(s, std::regex("\"argv\": \\[[^\\]]*\\]"), "\"argv\": []");
  return std::regex_replace(s, std::regex("\"timing\": \\{[^}]*\\}"), "\"timing\": {}");
}

const std::string kFixtures = HBMETA_FIXTURES;

}  // namespace

TEST(Cli, SameSeedGivesIdenticalSummaryForAnyThreadCount) {
  const auto dir = hbm::test::fresh_temp_dir("threads");
  const std::string data = std::string(HBMETA_DATA_DIR) + "/rescue_simulated.csv";
  const std::string common = " --outcome icsi_malformation --outcome ivm_gv_maturation --chains 6 --warmup 300 --draws 200 --seed 99 --quiet";
  auto a = run_hbmeta("fit " + data + " --out " + (dir / "t1").string() + " --threads 1" + common);
  auto b = run_hbmeta("fit " + data + " --out " + (dir / "t2").string() + " --threads 2" + common);
  auto c = run_hbmeta("fit " + data + " --out " + (dir / "t3").string() + " --threads 5" + common);
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  ASSERT_EQ(c.status, 0) << c.err;
  const std::string ja = without_timing(read_text(dir / "t1" / "summary.json"));
  EXPECT_EQ(ja, without_timing(read_text(dir / "t2" / "summary.json")));
  EXPECT_EQ(ja, without_timing(read_text(dir / "t3" / "summary.json")));
  EXPECT_EQ(read_text(dir / "t1" / "draws" / "icsi_malformation.csv"), read_text(dir / "t3" / "draws" / "icsi_malformation.csv"));
  // A different seed gives different draws (the test above could not pass trivially).
  auto d = run_hbmeta("fit " + data + " --out " + (dir / "t4").string() + " --threads 2" +
                      std::regex_replace(common, std::regex("--seed 99"), "--seed 100"));
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_NE(ja, without_timing(read_text(dir / "t4" / "summary.json")));
  fs::remove_all(dir);
}

TEST(Cli, WritesTheDocumentedOutputs) {
  const auto dir = hbm::test::fresh_temp_dir("outputs");
  auto r = run_hbmeta("fit " + kFixtures + "/rare_events.csv --out " + (dir / "o").string() +
                      " --chains 4 --warmup 200 --draws 100 --new-clinic-size 250");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("rate at a new study (95% PI)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("device cpu"), std::string::npos);
  const std::string json = read_text(dir / "o" / "summary.json");
  for (const char* key : {"\"hbmeta_version\"", "\"command\"", "\"seed\"", "\"outcomes\"", "\"rare\"", "\"model\"",
                          "\"k\": 12", "\"parameters\"", "\"mu\"", "\"tau\"", "\"theta_new\"", "\"p_pooled\"",
                          "\"p_new\"", "\"events_new\"", "\"q2.5\"", "\"q97.5\"", "\"rhat\"", "\"ess_bulk\"",
                          "\"ess_tail\"", "\"mcse_mean\"", "\"studies\"", "\"diagnostics\"", "\"divergences\"",
                          "\"step_size\"", "\"trajectory_length\"", "\"max_rhat\"", "\"min_ess_bulk\""})
    EXPECT_NE(json.find(key), std::string::npos) << key;
  EXPECT_EQ(json.find("nan"), std::string::npos);
  EXPECT_EQ(json.find("inf"), std::string::npos);
  const std::string csv = read_text(dir / "o" / "summary.csv");
  EXPECT_EQ(csv.rfind("outcome,method,parameter,study,mean,sd,q2.5,q5,q25,q50,q75,q95,q97.5,rhat,ess_bulk,ess_tail,mcse_mean\n", 0), 0u);
  const std::string draws = read_text(dir / "o" / "draws" / "rare.csv");
  EXPECT_EQ(draws.rfind(".chain,.iteration,.draw,mu,tau,theta_new,p_pooled,p_new,events_new,theta[1],", 0), 0u);
  EXPECT_EQ(std::count(draws.begin(), draws.end(), '\n'), 1 + 4 * 100);
  // The folder is not overwritten without --force.
  auto again = run_hbmeta("fit " + kFixtures + "/rare_events.csv --out " + (dir / "o").string());
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos);
  fs::remove_all(dir);
}

struct BadInput {
  const char* name;
  const char* csv;
  const char* message;  // expected on stderr after "PATH:"
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

class CliBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliBadInput, ExitsTwoWithFileLineMessageAndWritesNothing) {
  const BadInput& c = GetParam();
  const auto dir = hbm::test::fresh_temp_dir("bad");
  const fs::path file = dir / "rescue.csv";
  write_text(file, c.csv);
  const fs::path out = dir / "out";
  auto r = run_hbmeta("fit " + file.string() + " --out " + out.string());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find(file.string() + ":" + c.message), std::string::npos) << "stderr: " << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(r.out.empty()) << r.out;
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliBadInput,
    ::testing::Values(
        BadInput{"events_exceed_total", "outcome,study,events,total\na,s1,3,10\na,s2,31,30\n", "3: events (31) exceeds total (30)"},
        BadInput{"missing_column", "outcome,study,events\na,s1,3\n", "1: "},
        BadInput{"non_integer", "outcome,study,events,total\na,s1,3.5,10\n", "2: "},
        BadInput{"negative", "outcome,study,events,total\na,s1,-1,10\n", "2: "},
        BadInput{"empty_outcome", "outcome,study,events,total\n,s1,1,10\n", "2: "},
        BadInput{"duplicated_row", "outcome,study,events,total\na,s1,1,10\na,s2,1,10\na,s1,1,10\n", "4: "},
        BadInput{"empty_file", "", "1: "},
        BadInput{"header_only", "outcome,study,events,total\n", "1: "}),
    [](const ::testing::TestParamInfo<BadInput>& i) { return std::string(i.param.name); });

TEST(Cli, BadOptionsNameTheOptionAndExitTwo) {
  const auto dir = hbm::test::fresh_temp_dir("opts");
  const std::string data = kFixtures + "/rare_events.csv --out " + (dir / "o").string();
  struct {
    const char* args;
    const char* message;
  } cases[] = {
      {" --chains -3", "--chains"},
      {" --prior-tau 'normal(0,-1)'", "--prior-tau"},
      {" --prior-mu 'normal(0,-1)'", "sd must be > 0"},
      {" --prior-tau 'half-cauchy(abc)'", "--prior-tau"},
      {" --outcome nosuch", "--outcome: no outcome 'nosuch'"},
      {" --draws 2", "--draws"},
  };
  for (const auto& c : cases) {
    auto r = run_hbmeta("fit " + data + c.args);
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << " -> " << r.err;
    EXPECT_FALSE(fs::exists(dir / "o")) << c.args;
  }
  fs::remove_all(dir);
}

// The frequentist block of summary.json carries the library's metafor-validated numbers through
// the pipeline unchanged (tests/frequentist_test.cpp validates the library itself): checked
// here against metafor 3.8-1 directly, to 1e-8 relative for closed-form and iterative methods
// and 1e-4 for the GLMM, as there.
TEST(Cli, FrequentistBlockMatchesMetaforBesideThePosterior) {
  const auto dir = hbm::test::fresh_temp_dir("freq");
  auto r = run_hbmeta("fit " + kFixtures + "/reference/pritz1997.csv --out " + (dir / "o").string() +
                      " --chains 4 --warmup 200 --draws 100");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Bayesian (posterior)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("REML_knha"), std::string::npos) << r.out;
  const auto got = hbm::test::Json::parse_file((dir / "o" / "summary.json").string())["outcomes"]["pritz1997"]["frequentist"];
  const auto want = hbm::test::Json::parse_file(kFixtures + "/frequentist/frequentist.json")["pritz1997"];
  EXPECT_EQ(got.keys(), (std::vector<std::string>{"FE", "DL", "REML", "REML_knha", "GLMM_ML"}));
  for (const char* m : {"FE", "DL", "REML", "REML_knha"})
    for (const char* f : {"estimate", "se", "ci_lb", "ci_ub", "Q", "pi_lb", "pi_ub"})
      if (!want[m][f].is_null() && !got[m][f].is_null())
        EXPECT_NEAR(got[m][f].num(), want[m][f].num(), 1e-8 * std::fabs(want[m][f].num())) << m << " " << f;
  EXPECT_NEAR(got["REML"]["tau2"].num(), want["REML"]["tau2"].num(), 1e-8 * want["REML"]["tau2"].num());
  EXPECT_NEAR(got["GLMM_ML"]["estimate"].num(), want["GLMM_ML"]["estimate"].num(), 1e-4 * std::fabs(want["GLMM_ML"]["estimate"].num()));
  EXPECT_NEAR(got["GLMM_ML"]["tau2"].num(), want["GLMM_ML"]["tau2"].num(), 1e-4 * want["GLMM_ML"]["tau2"].num());
  const std::string csv = read_text(dir / "o" / "summary.csv");
  EXPECT_NE(csv.find("pritz1997,REML,mu,,"), std::string::npos);
  EXPECT_NE(csv.find("pritz1997,GLMM_ML,p_new,,"), std::string::npos);

  auto none = run_hbmeta("fit " + kFixtures + "/reference/pritz1997.csv --out " + (dir / "n").string() +
                         " --chains 4 --warmup 200 --draws 100 --frequentist none --quiet");
  ASSERT_EQ(none.status, 0) << none.err;
  EXPECT_EQ(hbm::test::Json::parse_file((dir / "n" / "summary.json").string())["outcomes"]["pritz1997"]["frequentist"].size(), 0u);
  fs::remove_all(dir);
}

// --gpu-lanes and --gpu-study-data are fit, batch and simulate options; the CPU runs one chain
// per thread and reads the study data where they are whatever they say, and summary.json
// records the lanes per chain and the study data's memory each outcome ran with.
TEST(Cli, GpuLayoutOptionsAreAcceptedAndTheCpuRunsOneLanePerChainOnHostData) {
  const auto dir = hbm::test::fresh_temp_dir("lanes");
  for (const char* cmd : {"fit", "batch"}) {
    const fs::path out = dir / cmd;
    const auto r = run_hbmeta(std::string(cmd) + " " + kFixtures + "/reference/pritz1997.csv --out " + out.string() +
                              " --device cpu --gpu-lanes 8 --gpu-study-data global --chains 4 --warmup 100 --draws 50 --quiet");
    ASSERT_EQ(r.status, 0) << cmd << ": " << r.err;
  }
  const auto s = hbm::test::Json::parse_file((dir / "fit" / "summary.json").string());
  EXPECT_EQ(s["outcomes"]["pritz1997"]["diagnostics"]["lanes_per_chain"].num(), 1);
  EXPECT_EQ(s["outcomes"]["pritz1997"]["diagnostics"]["study_data"].str(), "host");
  const auto help = run_hbmeta("simulate --help");
  EXPECT_NE(help.out.find("--gpu-lanes"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--gpu-study-data"), std::string::npos) << help.out;
  fs::remove_all(dir);
}
