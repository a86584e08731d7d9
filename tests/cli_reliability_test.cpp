// Safe outputs and reproducibility from the command line: a run interrupted by SIGINT or
// SIGTERM leaves the previous results intact and says so; a run replays from its summary.json.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace fs = std::filesystem;
using hbm::test::read_text;
using hbm::test::run_hbmeta;

namespace {

const std::string kFixtures = HBMETA_FIXTURES;

// summary.json without what legitimately differs between a run and its replay: the command
// line, the recorded arguments (they name the output folder) and the timing block.
std::string without_run_details(const std::string& json) {
  std::string s = std::regex_replace(json, std::regex("\n *\"command\": [^\n]*"), "");
  s = std::regex_replace(s, std::regex("\"argv\": \\[[^\\]]*\\]"), "\"argv\": []");
  return std::regex_replace(s, std::regex("\"timing\": \\{[^}]*\\}"), "\"timing\": {}");
}

// Starts a long fit into `out`, sends `sig` after `delay` seconds, returns the exit status and
// stderr.
std::pair<int, std::string> interrupted_run(const fs::path& dir, const fs::path& out, const char* sig) {
  const fs::path err = dir / "stderr";
  const std::string cmd = "( " + std::string(HBMETA_BINARY) + " fit " + kFixtures + "/reference/hannum2020.csv --out " +
                          out.string() + " --force --warmup 5000000 --draws 10 --quiet 2>" + err.string() +
                          " & pid=$!; sleep 1; kill -" + sig + " $pid; wait $pid; exit $? )";
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_text(err)};
}

}  // namespace

TEST(CliReliability, InterruptLeavesThePreviousResultsIntact) {
  const auto dir = hbm::test::fresh_temp_dir("interrupt");
  const fs::path out = dir / "o";
  auto first = run_hbmeta("fit " + kFixtures + "/reference/pritz1997.csv --out " + out.string() +
                          " --chains 4 --warmup 100 --draws 100 --quiet");
  ASSERT_EQ(first.status, 0) << first.err;
  const std::string before = read_text(out / "summary.json");
  for (const auto& [sig, status, name] : {std::tuple{"INT", 130, "SIGINT"}, std::tuple{"TERM", 143, "SIGTERM"}}) {
    const auto [rc, err] = interrupted_run(dir, out, sig);
    EXPECT_EQ(rc, status) << err;
    EXPECT_NE(err.find(std::string("interrupted by ") + name), std::string::npos) << err;
    EXPECT_NE(err.find("an existing output folder is left as it was"), std::string::npos) << err;
    EXPECT_EQ(read_text(out / "summary.json"), before);
    for (const auto& e : fs::directory_iterator(dir))
      EXPECT_EQ(e.path().filename().string().find(".hbmeta-"), std::string::npos) << e.path();
  }
  fs::remove_all(dir);
}

TEST(CliReliability, ReplayFromSummaryJsonGivesTheSameNumbers) {
  const auto dir = hbm::test::fresh_temp_dir("replay");
  const std::string data = std::string(HBMETA_DATA_DIR) + "/rescue_simulated.csv";
  auto a = run_hbmeta("fit " + data + " --out " + (dir / "a").string() +
                      " --outcome icsi_malformation --chains 4 --warmup 150 --draws 120 --seed 31"
                      " --prior-tau 'half-cauchy(0.5)' --sampler gibbs --new-clinic-size 80 --threads 1 --quiet");
  ASSERT_EQ(a.status, 0) << a.err;
  auto b = run_hbmeta("fit --replay " + (dir / "a" / "summary.json").string() + " --out " + (dir / "b").string() +
                      " --threads 2 --quiet");
  ASSERT_EQ(b.status, 0) << b.err;
  const std::string ja = read_text(dir / "a" / "summary.json"), jb = read_text(dir / "b" / "summary.json");
  EXPECT_EQ(without_run_details(ja), without_run_details(jb));
  EXPECT_EQ(read_text(dir / "a" / "draws" / "icsi_malformation.csv"), read_text(dir / "b" / "draws" / "icsi_malformation.csv"));
  const auto cfg = hbm::test::Json::parse(jb)["config"];
  EXPECT_EQ(cfg["sampler"].str(), "gibbs");
  EXPECT_EQ(cfg["prior_tau"].str(), "half-cauchy(0.5)");

  // Only output options may accompany --replay; a missing or foreign file is a clear error.
  auto c = run_hbmeta("fit --replay " + (dir / "a" / "summary.json").string() + " --out " + (dir / "c").string() +
                      " --seed 5");
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.err.find("only --out, --force, --threads and --quiet may be given with --replay (got --seed)"),
            std::string::npos) << c.err;
  auto d = run_hbmeta("fit --replay " + (dir / "nosuch.json").string() + " --out " + (dir / "d").string());
  EXPECT_EQ(d.status, 2);
  EXPECT_NE(d.err.find("is not a readable hbmeta summary.json"), std::string::npos) << d.err;
  EXPECT_FALSE(fs::exists(dir / "c"));
  EXPECT_FALSE(fs::exists(dir / "d"));
  fs::remove_all(dir);
}

// A progress bar with an ETA on stderr when stderr is a terminal (run under script(1) for a
// pseudo-terminal), and nothing on stderr when it is not.
TEST(CliReliability, ProgressBarOnlyOnATerminal) {
  const auto dir = hbm::test::fresh_temp_dir("progress");
  const std::string fit = std::string(HBMETA_BINARY) + " fit " + kFixtures + "/reference/pritz1997.csv --force --draws 6000 --frequentist none --out ";
  auto piped = run_hbmeta("fit " + kFixtures + "/reference/pritz1997.csv --out " + (dir / "a").string() +
                          " --draws 6000 --frequentist none");
  ASSERT_EQ(piped.status, 0) << piped.err;
  EXPECT_TRUE(piped.err.empty()) << piped.err;
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "script(1) not installed";
  const fs::path log = dir / "tty.log";
  const std::string cmd = "script -qec \"" + fit + (dir / "b").string() + "\" /dev/null > " + log.string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string tty = read_text(log);
  EXPECT_NE(tty.find("ETA"), std::string::npos) << tty.substr(0, 400);
  EXPECT_NE(tty.find("outcome 1/1: pritz1997"), std::string::npos);
  EXPECT_NE(tty.find("pooled rate"), std::string::npos);  // the report still comes through
  fs::remove_all(dir);
}
