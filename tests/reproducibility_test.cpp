// Same seed, same bytes, whatever --threads is (issue 9, reproducibility): the WHOLE summary.json,
// summary.csv and every draws CSV of a run with --threads 1 and with --threads 3 are compared
// byte for byte. The only normalisation: the "timing" object (threads and seconds, which
// legitimately differ) is removed, and the thread count in the recorded command line
// ("command" and config.argv, which record --threads itself) is replaced by T; each run is
// written to the same --out path (one after the other, the files read in between), so nothing
// else in the command line differs. The normaliser checks that it made exactly those edits, so
// it cannot hide other differences. A different seed must change the bytes (the comparison is
// not trivially true).
//
// Cases: Gibbs, single-arm (two outcomes of the bundled dataset); HMC, two-arm with random
// baselines and a covariate (the BCG trials with absolute latitude).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <string>

#include "support/cli_runner.hpp"

namespace fs = std::filesystem;
using hbm::test::read_text;
using hbm::test::run_hbmeta;
using hbm::test::write_text;

namespace {

// summary.json with the timing object removed and `--threads N` (command) / "--threads", "N"
// (argv) written as T; fails the test unless each edit happened exactly once.
std::string normalise(const std::string& json, int threads) {
  const std::string n = std::to_string(threads);
  std::string s = json;
  auto replace_once = [&](const std::string& from, const std::string& to, const char* what) {
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << what << ": '" << from << "' not found";
    if (pos == std::string::npos) return;
    EXPECT_EQ(s.find(from, pos + 1), std::string::npos) << what << ": '" << from << "' found twice";
    s.replace(pos, from.size(), to);
  };
  replace_once(" --threads " + n + " ", " --threads T ", "command");
  const std::regex argv_threads("\"--threads\",(\\s*)\"" + n + "\"");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(s, m, argv_threads)) << "argv";
  s = std::regex_replace(s, argv_threads, "\"--threads\",$1\"T\"", std::regex_constants::format_first_only);
  const std::regex timing(",\\s*\"timing\": \\{[^{}]*\\}");
  EXPECT_TRUE(std::regex_search(s, m, timing)) << "timing";
  s = std::regex_replace(s, timing, "", std::regex_constants::format_first_only);
  EXPECT_EQ(s.find("\"timing\""), std::string::npos);
  EXPECT_EQ(s.find("\"seconds\""), std::string::npos);
  return s;
}

struct RunFiles {
  std::string summary_json, summary_csv;
  std::map<std::string, std::string> draws;  // file name -> bytes
};

RunFiles run_and_read(const std::string& args, const fs::path& out, int threads) {
  auto r = run_hbmeta("fit " + args + " --out " + out.string() + " --force --threads " + std::to_string(threads) + " --quiet");
  EXPECT_EQ(r.status, 0) << r.err;
  RunFiles f;
  f.summary_json = normalise(read_text(out / "summary.json"), threads);
  f.summary_csv = read_text(out / "summary.csv");
  // The draws files; not the studies sidecars (NAME.studies.csv: labels from the input, the same
  // for every seed).
  for (const auto& e : fs::directory_iterator(out / "draws")) {
    const std::string name = e.path().filename().string();
    if (name.size() < 12 || name.compare(name.size() - 12, 12, ".studies.csv") != 0) f.draws[name] = read_text(e.path());
  }
  return f;
}

void expect_identical_across_threads(const std::string& args, const std::string& other_seed_args, std::size_t n_draw_files) {
  const auto dir = hbm::test::fresh_temp_dir("repro");
  const fs::path out = dir / "o";
  const RunFiles a = run_and_read(args, out, 1);
  const RunFiles b = run_and_read(args, out, 3);
  EXPECT_FALSE(a.summary_json.empty());
  EXPECT_TRUE(a.summary_json == b.summary_json) << "summary.json differs between --threads 1 and 3";
  EXPECT_TRUE(a.summary_csv == b.summary_csv) << "summary.csv differs between --threads 1 and 3";
  EXPECT_EQ(a.draws.size(), n_draw_files);
  EXPECT_EQ(b.draws.size(), n_draw_files);
  for (const auto& [name, bytes] : a.draws) {
    ASSERT_TRUE(b.draws.count(name)) << name;
    EXPECT_TRUE(bytes == b.draws.at(name)) << "draws/" << name << " differs between --threads 1 and 3";
  }
  const RunFiles c = run_and_read(other_seed_args, out, 3);
  EXPECT_NE(a.summary_json, c.summary_json) << "another seed gave the same summary.json";
  EXPECT_NE(a.summary_csv, c.summary_csv);
  for (const auto& [name, bytes] : a.draws) EXPECT_NE(bytes, c.draws.count(name) ? c.draws.at(name) : std::string()) << name;
  fs::remove_all(dir);
}

const char* kBcg =
    "outcome,study,events_t,total_t,events_c,total_c,ablat\n"
    "bcg,Aronson 1948,4,123,11,139,44\n"
    "bcg,Ferguson & Simes 1949,6,306,29,303,55\n"
    "bcg,Rosenthal et al 1960,3,231,11,220,42\n"
    "bcg,Hart & Sutherland 1977,62,13598,248,12867,52\n"
    "bcg,Frimodt-Moller et al 1973,33,5069,47,5808,13\n"
    "bcg,Stein & Aronson 1953,180,1541,372,1451,44\n"
    "bcg,Vandiviere et al 1973,8,2545,10,629,19\n"
    "bcg,TPT Madras 1980,505,88391,499,88391,13\n"
    "bcg,Coetzee & Berjak 1968,29,7499,45,7277,27\n"
    "bcg,Rosenthal et al 1961,17,1716,65,1665,42\n"
    "bcg,Comstock et al 1974,186,50634,141,27338,18\n"
    "bcg,Comstock & Webster 1969,5,2498,3,2341,33\n"
    "bcg,Comstock et al 1976,27,16913,29,17854,33\n";

}  // namespace

TEST(Reproducibility, GibbsSingleArmWholeOutputsIdenticalAcrossThreadCounts) {
  const std::string data = std::string(HBMETA_DATA_DIR) + "/rescue_simulated.csv";
  const std::string common = data + " --sampler gibbs --outcome icsi_malformation --outcome ivm_gv_maturation"
                                    " --chains 6 --warmup 100 --draws 150 --new-clinic-size 100";
  expect_identical_across_threads(common + " --seed 41", common + " --seed 42", 2);
}

TEST(Reproducibility, TwoArmHmcRandomBaselinesCovariatesWholeOutputsIdenticalAcrossThreadCounts) {
  const auto dir = hbm::test::fresh_temp_dir("repro_bcg");
  write_text(dir / "bcg.csv", kBcg);
  const std::string common = (dir / "bcg.csv").string() +
                             " --covariates ablat --baseline random --baseline-rate 0.02 --chains 6 --warmup 200 --draws 150";
  expect_identical_across_threads(common + " --seed 5", common + " --seed 6", 1);
  fs::remove_all(dir);
}
