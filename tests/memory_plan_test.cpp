// The memory plan (host/engine/memory_plan.hpp): the study effects' stored draws are thinned just
// enough to fit the budget, the run is refused up front only when the engine and the
// hyperparameters alone do not fit, and `hbmeta fit --memory-budget` says what it did.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "host/support/input_error.hpp"
#include "host/engine/memory_plan.hpp"
#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace {

hbm::RunSize registry(double studies) {
  hbm::RunSize s;
  s.chains = 16;
  s.draws = 1000;
  s.coords = studies + 2;
  s.hyper = 2;
  s.studies = studies;
  s.outcomes = 1;
  s.threads = 2;
  return s;
}

TEST(MemoryPlan, NeedFallsWithThinningAndCountsTheStudyDraws) {
  const hbm::RunSize s = registry(100000);
  // Every draw of 100,000 studies x 16 chains x 1000 draws, held twice (engine store and the
  // runs handed to the fits): 2 x 8 x 1.6e9 bytes, plus the rest.
  EXPECT_GT(hbm::run_memory_bytes(s, 1), 2 * 8 * 1.6e9);
  for (int t = 1; t < 1000; ++t) EXPECT_GE(hbm::run_memory_bytes(s, t), hbm::run_memory_bytes(s, t + 1)) << t;
  for (int t = 1; t < 500; t *= 3) EXPECT_GT(hbm::run_memory_bytes(s, t), hbm::run_memory_bytes(s, 2 * t)) << t;
}

TEST(MemoryPlan, ThinsJustEnoughToFitTheBudget) {
  const hbm::RunSize s = registry(100000);
  const hbm::MemoryPlan ample = hbm::plan_memory(s, 1, 1e12, "test");
  EXPECT_EQ(ample.study_thin, 1);
  EXPECT_FALSE(ample.thinned_for_budget);
  const double budget = 16.0 * 1024 * 1024 * 1024;  // 16 GiB: every draw does not fit
  const hbm::MemoryPlan p = hbm::plan_memory(s, 1, budget, "test");
  EXPECT_TRUE(p.thinned_for_budget);
  EXPECT_GT(p.study_thin, 1);
  EXPECT_LE(p.need_bytes, budget);
  EXPECT_GT(hbm::run_memory_bytes(s, p.study_thin - 1), budget);  // the smallest thinning that fits
  // A cap asking for more thinning than the budget needs is kept.
  const hbm::MemoryPlan capped = hbm::plan_memory(s, 50, budget, "test");
  EXPECT_EQ(capped.study_thin, 50);
  EXPECT_FALSE(capped.thinned_for_budget);
}

TEST(MemoryPlan, RefusesOnlyWhenTheHyperparametersCannotFit) {
  const hbm::RunSize s = registry(100000);
  const double least = hbm::run_memory_bytes(s, 1000);  // one study draw per chain
  EXPECT_NO_THROW(hbm::plan_memory(s, 1, least, "test"));
  try {
    hbm::plan_memory(s, 1, 0.5 * least, "--memory-budget");
    FAIL() << "no error";
  } catch (const hbm::InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("hyperparameters"), std::string::npos) << m;
    EXPECT_NE(m.find("--memory-budget"), std::string::npos) << m;
  }
}

TEST(MemoryPlan, SizesParseWithUnitsAndBadOnesSayTheForm) {
  EXPECT_EQ(hbm::parse_memory_size("8G", "memory-budget"), 8.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(hbm::parse_memory_size("512M", "memory-budget"), 512.0 * 1024 * 1024);
  EXPECT_EQ(hbm::parse_memory_size("1.5g", "memory-budget"), 1.5 * 1024 * 1024 * 1024);
  EXPECT_EQ(hbm::parse_memory_size("4096", "memory-budget"), 4096.0);
  for (const char* bad : {"", "8X", "G", "-1G", "0", "1e400", "8 G"})
    EXPECT_THROW(hbm::parse_memory_size(bad, "memory-budget"), hbm::InputError) << bad;
}

// 300 studies: every draw needs ~80 MB; a 40 MiB budget thins the study draws, which the outcome's
// diagnostics and a warning say, and the study summaries agree with the unthinned run's within
// their MCSE; 500 KiB cannot hold the hyperparameters: exit 2, one line, nothing written.
TEST(MemoryPlan, FitThinsStudyDrawsToTheBudgetAndSaysSo) {
  namespace fs = std::filesystem;
  const fs::path dir = hbm::test::fresh_temp_dir("memory-budget");
  std::string csv = "outcome,study,events,total\n";
  for (int i = 0; i < 300; ++i)
    csv += "registry,S" + std::to_string(i + 1) + "," + std::to_string(5 + (i * 37) % 40) + "," +
           std::to_string(60 + (i * 53) % 140) + "\n";
  hbm::test::write_text(dir / "k300.csv", csv);
  const std::string common = " --warmup 200 --draws 500 --seed 3 --frequentist none --quiet";
  auto r = hbm::test::run_hbmeta("fit " + (dir / "k300.csv").string() + " --out " + (dir / "full").string() + common);
  ASSERT_EQ(r.status, 0) << r.err;
  r = hbm::test::run_hbmeta("fit " + (dir / "k300.csv").string() + " --out " + (dir / "thin").string() + common +
                            " --memory-budget 25M");
  ASSERT_EQ(r.status, 0) << r.err;
  const hbm::test::Json full = hbm::test::Json::parse_file((dir / "full" / "summary.json").string());
  const hbm::test::Json thin = hbm::test::Json::parse_file((dir / "thin" / "summary.json").string());
  const hbm::test::Json& d = thin["outcomes"]["registry"]["diagnostics"];
  EXPECT_EQ(full["outcomes"]["registry"]["diagnostics"]["study_thin"].num(), 1);
  EXPECT_GT(d["study_thin"].num(), 1);
  EXPECT_EQ(d["study_draws_from"].str(), "memory budget");
  EXPECT_EQ(d["study_draws_per_chain"].num(), std::ceil(500 / d["study_thin"].num()));
  EXPECT_EQ(thin["timing"]["memory_budget_source"].str(), "--memory-budget");
  EXPECT_LE(thin["timing"]["estimated_peak_bytes"].num(), 25.0 * 1024 * 1024);
  bool warned = false;
  const hbm::test::Json& w = thin["outcomes"]["registry"]["warnings"];
  for (std::size_t k = 0; k < w.size(); ++k) warned = warned || w[k].str().find("memory budget") != std::string::npos;
  EXPECT_TRUE(warned);
  // The hyperparameters keep every draw: the same numbers; the studies' means agree within MCSE.
  EXPECT_EQ(thin["outcomes"]["registry"]["parameters"]["tau"]["mean"].num(),
            full["outcomes"]["registry"]["parameters"]["tau"]["mean"].num());
  const hbm::test::Json& sf = full["outcomes"]["registry"]["studies"];
  const hbm::test::Json& st = thin["outcomes"]["registry"]["studies"];
  for (std::size_t i = 0; i < sf.size(); i += 37) {
    const double se = std::hypot(sf[i]["theta"]["mcse_mean"].num(), st[i]["theta"]["mcse_mean"].num());
    EXPECT_NEAR(st[i]["theta"]["mean"].num(), sf[i]["theta"]["mean"].num(), 4 * se) << i;
  }
  r = hbm::test::run_hbmeta("fit " + (dir / "k300.csv").string() + " --out " + (dir / "none").string() + common +
                            " --memory-budget 500K");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--memory-budget"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(dir / "none"));
}

}  // namespace
