// `hbmeta design --method both --shard I/N` + `hbmeta merge-design` (host/cli/design_shard.hpp):
// each y_c's refit depends only on the data, the seed and y_c (tested bit for bit), so the shards (run with other
// thread counts, merged in any order) give design.json and design.html byte-identical to one
// run, but for timing.seconds; and the merge refuses shards that are not one complete run of
// one command, with one line, exit status 2 and nothing written.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>

#include "host/cli/design_hierarchical.hpp"
#include "host/io/csv_reader.hpp"
#include "support/cli_runner.hpp"

namespace fs = std::filesystem;
using hbm::test::read_text;
using hbm::test::run_hbmeta;

namespace {

// Small enough to take well under a second a run: pritz1997 (14 studies), n_c = 8 (9 refits).
std::string design_args(const std::string& extra) {
  return "design " + std::string(HBMETA_FIXTURES) +
         "/reference/pritz1997.csv --n-treat 15 --n-control 8 --effect 0.15 --method both --chains 4 --warmup 200 "
         "--draws 200 --quiet " + extra;
}

std::string without_seconds(const std::string& json) {
  return std::regex_replace(json, std::regex("\"seconds\": [^\n]*"), "\"seconds\": -");
}

}  // namespace

// What sharding rests on: a y_c's refit draws the same numbers whichever other y_c share its
// launch (its own RNG stream, named by y_c), bit for bit.
TEST(DesignShard, ARefitsDrawsDependOnlyOnItsControlOutcome) {
  const hbm::OutcomeData pritz = hbm::read_outcomes(std::string(HBMETA_FIXTURES) + "/reference/pritz1997.csv")[0];
  hbm::FitOptions fo;
  fo.sampler.chains = 4;
  fo.sampler.warmup = 200;
  fo.sampler.draws = 200;
  hbm::ThreadPool pool(2);
  const auto all = hbm::hierarchical_control_draws(pritz, 8, fo, pool);
  const auto some = hbm::hierarchical_control_draws(pritz, 8, {7, 2}, fo, pool);
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[0], all[7]);
  EXPECT_EQ(some[1], all[2]);
  EXPECT_NE(all[2], all[7]);
}

TEST(DesignShard, ShardsMergedInAnyOrderEqualOneRunByteForByte) {
  const fs::path dir = hbm::test::fresh_temp_dir("design-shards");
  const std::string o = (dir / "o").string();
  // The one run writes the folder the merge will write, so that both record one command.
  auto r = run_hbmeta(design_args("--threads 1 --out " + o));
  ASSERT_EQ(r.status, 0) << r.err;
  fs::rename(dir / "o", dir / "single");
  for (int i = 0; i < 3; ++i) {
    r = run_hbmeta(design_args("--threads " + std::to_string(i == 1 ? 2 : 1) + " --out " +
                               (dir / ("s" + std::to_string(i))).string() + " --shard " + std::to_string(i) + "/3"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(fs::exists(dir / ("s" + std::to_string(i)) / "design_shard.json"));
    EXPECT_FALSE(fs::exists(dir / ("s" + std::to_string(i)) / "design.json"));  // a shard is not a design
  }
  r = run_hbmeta("merge-design " + (dir / "s2").string() + " " + (dir / "s0").string() + " " + (dir / "s1").string() +
                 " --quiet --out " + o);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string one = read_text(dir / "single" / "design.json"), merged = read_text(dir / "o" / "design.json");
  ASSERT_NE(one.find("\"boundary_hierarchical\""), std::string::npos);
  EXPECT_EQ(without_seconds(one), without_seconds(merged));
  EXPECT_EQ(read_text(dir / "single" / "design.html"), read_text(dir / "o" / "design.html"));
}

TEST(DesignShard, MergeRefusesShardsThatAreNotOneCompleteRun) {
  const fs::path dir = hbm::test::fresh_temp_dir("design-shard-errors");
  const auto shard = [&](const std::string& name, const std::string& extra) {
    const auto r = run_hbmeta(design_args(extra + " --out " + (dir / name).string()));
    ASSERT_EQ(r.status, 0) << r.err;
  };
  shard("a0", "--shard 0/2");
  shard("a1", "--shard 1/2");
  shard("seed5", "--seed 5 --shard 1/2");
  shard("b1", "--shard 1/3");
  const std::string out = " --out " + (dir / "m").string();
  const auto refused = [&](const std::string& args, const std::string& message) {
    const auto r = run_hbmeta(args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir / "m"));
  };
  const std::string a0 = (dir / "a0").string(), a1 = (dir / "a1").string();
  refused("merge-design " + a0 + out, "merge-design: shard(s) 1/2 missing; give all 2 shard folders");
  refused("merge-design " + a0 + " " + a0 + out, "a0/design_shard.json:4: shard 0/2 is given twice");
  // (the line is the seed's, below the shard's arguments)
  refused("merge-design " + a0 + " " + (dir / "seed5").string() + out,
          ": this shard was run with other settings than " + a0 + "/design_shard.json (seed: '5' vs '20251121')");
  refused("merge-design " + a0 + " " + (dir / "b1").string() + out, "b1/design_shard.json:4: shard 1/3 is of another split");
  refused("merge-design " + (dir / "nothing").string() + out, "nothing/design_shard.json: cannot read");
  refused("merge-design" + out, "merge-design: no shard folders given");
  // --shard splits the refits, so the mixture path alone has nothing to shard.
  std::string mixture_only = design_args("--shard 0/2" + out);
  mixture_only.replace(mixture_only.find("--method both"), 13, "--method mixture");
  refused(mixture_only, "--shard: only the hierarchical path's refits");
  // A complete run is not a shard.
  const auto m = run_hbmeta("merge-design " + a1 + " " + a0 + out);
  ASSERT_EQ(m.status, 0) << m.err;
  const auto exists = run_hbmeta("merge-design " + a1 + " " + a0 + out);
  EXPECT_EQ(exists.status, 2);
  EXPECT_NE(exists.err.find("output folder exists; choose another --out or pass --force"), std::string::npos) << exists.err;
  const auto again = run_hbmeta("merge-design " + (dir / "m").string() + " --out " + (dir / "m2").string());
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.err.find("m/design.json:1: this folder holds a complete hbmeta design run, not a shard"), std::string::npos)
      << again.err;
}
