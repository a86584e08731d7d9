// `mpirun -np R hbmeta simulate`: the replicates are shared across ranks (rank r takes reps
// r, r + R, ...), gathered to rank 0 (MPI_Gatherv) and written once; the table is byte-identical
// to one rank and to a plain run with the same seed. `mpirun -np R hbmeta design --method both`
// shares the hierarchical refits the same way (rank r takes y_c = r, r + R, ...) and writes
// design.json and design.html as a plain run does. Skipped when hbmeta was built without MPI
// (CMake found no libopenmpi-dev; scripts/install_deps.sh installs it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "support/cli_runner.hpp"

namespace fs = std::filesystem;
using hbm::test::read_text;
using hbm::test::run_hbmeta;
using hbm::test::write_text;

namespace {

const char* kScenarios = R"json({
  "scenarios": [
    {"name": "k5", "k": 5, "study_size": {"uniform": [50, 200]}, "mu": -0.85, "tau": 0.5},
    {"name": "or", "model": "two-arm", "k": 4, "study_size": 60, "baseline_rate": 0.2, "mu": 0.5, "tau": 0.3,
     "methods": ["DL", "REML_knha", "GLMM"]}
  ]
})json";

#ifdef HBMETA_MPIEXEC
int mpirun(int ranks, const std::string& args, const fs::path& log) {
  // CI runs as root; --oversubscribe: more ranks than cores is fine for a test.
  const std::string cmd = std::string(HBMETA_MPIEXEC) + " --oversubscribe --allow-run-as-root -np " +
                          std::to_string(ranks) + " " + HBMETA_BINARY + " " + args + " >" + log.string() + " 2>&1";
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}
#endif

}  // namespace

TEST(Mpi, TwoRanksGiveTheTableOfOneRankAndOfAPlainRun) {
#ifndef HBMETA_MPIEXEC
  GTEST_SKIP() << "hbmeta was built without MPI (no libopenmpi-dev at configure time): nothing to test";
#else
  const fs::path dir = hbm::test::fresh_temp_dir("mpi");
  write_text(dir / "s.json", kScenarios);
  const std::string args = "simulate --scenario " + (dir / "s.json").string() +
                           " --reps 24 --seed 11 --chains 8 --warmup 300 --draws 300 --threads 1 --quiet --out ";
  const auto plain = run_hbmeta(args + (dir / "plain").string());
  ASSERT_EQ(plain.status, 0) << plain.err;
  ASSERT_EQ(mpirun(1, args + (dir / "np1").string(), dir / "np1.log"), 0) << read_text(dir / "np1.log");
  ASSERT_EQ(mpirun(2, args + (dir / "np2").string(), dir / "np2.log"), 0) << read_text(dir / "np2.log");
  const std::string summary = read_text(dir / "plain" / "simulation_summary.csv");
  ASSERT_FALSE(summary.empty());
  EXPECT_EQ(summary, read_text(dir / "np1" / "simulation_summary.csv"));
  EXPECT_EQ(summary, read_text(dir / "np2" / "simulation_summary.csv"));
  EXPECT_EQ(read_text(dir / "plain" / "replicates.csv"), read_text(dir / "np2" / "replicates.csv"));
  // Bad input under mpirun: one message, exit status 2, nothing written.
  const int rc = mpirun(2, "simulate --scenario " + (dir / "missing.json").string() + " --reps 3 --out " +
                               (dir / "bad").string(), dir / "bad.log");
  EXPECT_NE(rc, 0);
  EXPECT_NE(read_text(dir / "bad.log").find("cannot read the scenario file"), std::string::npos) << read_text(dir / "bad.log");
  EXPECT_FALSE(fs::exists(dir / "bad"));
#endif
}

TEST(Mpi, TwoRanksGiveTheDesignOfAPlainRun) {
#ifndef HBMETA_MPIEXEC
  GTEST_SKIP() << "hbmeta was built without MPI (no libopenmpi-dev at configure time): nothing to test";
#else
  const fs::path dir = hbm::test::fresh_temp_dir("mpi-design");
  const std::string o = (dir / "o").string();
  const std::string args = "design " + std::string(HBMETA_FIXTURES) +
                           "/reference/pritz1997.csv --n-treat 15 --n-control 8 --effect 0.15 --method both --chains 4 "
                           "--warmup 200 --draws 200 --threads 1 --quiet --out " + o;
  // Both write DIR/o (one after the other), so that both record one command.
  const auto plain = run_hbmeta(args);
  ASSERT_EQ(plain.status, 0) << plain.err;
  fs::rename(dir / "o", dir / "plain");
  ASSERT_EQ(mpirun(2, args, dir / "np2.log"), 0) << read_text(dir / "np2.log");
  const auto no_seconds = [](const std::string& j) { return std::regex_replace(j, std::regex("\"seconds\": [^\n]*"), ""); };
  const std::string json = read_text(dir / "plain" / "design.json");
  ASSERT_NE(json.find("\"boundary_hierarchical\""), std::string::npos);
  EXPECT_EQ(no_seconds(json), no_seconds(read_text(dir / "o" / "design.json")));
  EXPECT_EQ(read_text(dir / "plain" / "design.html"), read_text(dir / "o" / "design.html"));
  // --shard and mpirun both split the refits: one of them, not both.
  EXPECT_NE(mpirun(2, args + "2 --shard 0/2", dir / "both.log"), 0);
  EXPECT_NE(read_text(dir / "both.log").find("give either mpirun -np R or --shard I/N"), std::string::npos)
      << read_text(dir / "both.log");
  EXPECT_FALSE(fs::exists(dir / "o2"));
#endif
}
