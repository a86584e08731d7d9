// `hbmeta simulate` and `hbmeta merge-simulations`: known-truth simulation studies.
//
//  * Calibration: with K = 10, tau = 0.3, n ~ U{50..200} (mu = logit 0.3) the Bayesian 95%
//    credible interval for mu covers the truth at the nominal rate: |coverage - 0.95| within
//    3 binomial MCSEs (500 replicates: MCSE ~ 0.0097, so the band is about 0.92-0.98; the full
//    1000-replicate study is scripts/simulation_study.sh, recorded in docs/simulation.md).
//  * DL's known under-coverage with few studies and large heterogeneity (K = 5, tau = 0.5,
//    IntHout, Ioannidis & Borm 2014): DL's 95% CI covers significantly less than 95% (more than
//    2.5 MCSEs below), while HKSJ (REML_knha) and the Bayesian interval are not significantly
//    below nominal (within 3 MCSEs or above).
//  * Sharding: shard 0/2 + shard 1/2 + merge-simulations gives byte-identical
//    simulation_summary.csv and replicates.csv to one run; the data of a replicate depend only on
//    (seed, scenario, rep); `hbmeta batch` on the simulated data reproduces the Bayesian fits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "host/simulation/simulation_metrics.hpp"
#include "support/cli_runner.hpp"

namespace fs = std::filesystem;
using hbm::test::read_text;
using hbm::test::run_hbmeta;
using hbm::test::write_text;

namespace {

const char* kSampler = " --chains 8 --warmup 300 --draws 300 --quiet";

struct Est {
  double estimate = NAN, mcse = NAN;
};

// simulation_summary.csv as (scenario, method, metric) -> (estimate, mcse).
std::map<std::string, Est> read_summary(const fs::path& p) {
  std::map<std::string, Est> m;
  std::istringstream in(read_text(p));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "scenario,method,metric,estimate,mcse");
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string x;
    while (std::getline(ls, x, ',')) f.push_back(x);
    if (f.size() != 5) {
      ADD_FAILURE() << line;
      continue;
    }
    const auto num = [](const std::string& v) { return v == "NA" ? NAN : std::stod(v); };
    m[f[0] + "/" + f[1] + "/" + f[2]] = {num(f[3]), num(f[4])};
  }
  return m;
}

const char* kCoverageScenarios = R"json({
  "scenarios": [
    {"name": "k10_tau03", "k": 10, "study_size": {"uniform": [50, 200]}, "mu": -0.8472978603872037, "tau": 0.3,
     "methods": ["DL", "REML_knha"]},
    {"name": "k5_tau05", "k": 5, "study_size": {"uniform": [50, 200]}, "mu": -0.8472978603872037, "tau": 0.5,
     "methods": ["FE", "DL", "REML", "PM", "REML_knha", "GLMM"]}
  ]
})json";

const char* kSmallScenarios = R"json({
  "scenarios": [
    {"name": "single", "k": 4, "study_size": [40, 80, 120, 160], "mu": -1.0, "tau": 0.4},
    {"name": "twoarm", "model": "two-arm", "k": 5, "study_size": {"uniform": [30, 90]},
     "baseline_rate": {"uniform": [0.1, 0.4]}, "mu": 0.3, "tau": 0.2,
     "priors": [{"name": "bayes_hn1", "tau": "half-normal(1)"}, {"name": "bayes_hn05", "tau": "half-normal(0.5)"}],
     "methods": ["DL", "REML_knha", "MH", "GLMM"]}
  ]
})json";

}  // namespace

TEST(Simulate, BayesCoverageNominalAndDerSimonianLairdUnderCovers) {
  const fs::path dir = hbm::test::fresh_temp_dir("sim-coverage");
  write_text(dir / "s.json", kCoverageScenarios);
  const auto r = run_hbmeta("simulate --scenario " + (dir / "s.json").string() + " --reps 500 --seed 20251201 --out " +
                            (dir / "o").string() + " --chains 8 --warmup 300 --draws 300 --threads 2");
  ASSERT_EQ(r.status, 0) << r.err;
  // The table is printed with MCSEs.
  EXPECT_NE(r.out.find("cover mu"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("scenario k5_tau05"), std::string::npos) << r.out;
  const auto m = read_summary(dir / "o" / "simulation_summary.csv");
  const Est bayes10 = m.at("k10_tau03/bayes/coverage_mu");
  EXPECT_EQ(m.at("k10_tau03/bayes/reps").estimate, 500);
  EXPECT_NEAR(bayes10.mcse, std::sqrt(bayes10.estimate * (1 - bayes10.estimate) / 500), 1e-12);
  EXPECT_LE(std::fabs(bayes10.estimate - 0.95), 3 * std::max(bayes10.mcse, std::sqrt(0.95 * 0.05 / 500)))
      << "Bayesian 95% CrI coverage " << bayes10.estimate << " (MCSE " << bayes10.mcse << ")";
  const Est dl = m.at("k5_tau05/DL/coverage_mu"), hk = m.at("k5_tau05/REML_knha/coverage_mu"),
            bayes5 = m.at("k5_tau05/bayes/coverage_mu");
  // DL: significantly below nominal.
  EXPECT_GT((0.95 - dl.estimate) / dl.mcse, 2.5) << "DL coverage " << dl.estimate << " (MCSE " << dl.mcse << ")";
  // HKSJ and Bayes: not significantly below nominal, and above DL.
  EXPECT_GT(hk.estimate, 0.95 - 3 * hk.mcse) << "HKSJ coverage " << hk.estimate << " (MCSE " << hk.mcse << ")";
  EXPECT_GT(bayes5.estimate, 0.95 - 3 * bayes5.mcse) << "Bayes coverage " << bayes5.estimate << " (MCSE " << bayes5.mcse << ")";
  EXPECT_GT(hk.estimate, dl.estimate);
  EXPECT_GT(bayes5.estimate, dl.estimate);
  // Every measure has its MCSE; FE has no prediction interval.
  for (const char* metric : {"bias", "rmse", "coverage_mu", "width_mu", "coverage_pi", "width_pi", "tau_bias"}) {
    const Est e = m.at(std::string("k5_tau05/DL/") + metric);
    EXPECT_TRUE(std::isfinite(e.estimate) && std::isfinite(e.mcse) && e.mcse > 0) << metric;
  }
  EXPECT_TRUE(std::isnan(m.at("k5_tau05/FE/coverage_pi").estimate));
  EXPECT_EQ(m.at("k5_tau05/DL/failures").estimate, 0);
  // The report: one coverage plot per scenario and interval, self-contained.
  const std::string html = read_text(dir / "o" / "simulation_report.html");
  EXPECT_NE(html.find("class=\"nominal\""), std::string::npos);
  EXPECT_NE(html.find("data-method=\"REML_knha\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org"));  // only the SVG namespace
}

TEST(Simulate, ShardsMergedEqualOneRunByteForByte) {
  const fs::path dir = hbm::test::fresh_temp_dir("sim-shards");
  write_text(dir / "s.json", kSmallScenarios);
  const std::string common = "simulate --scenario " + (dir / "s.json").string() + " --reps 13 --seed 99" + kSampler;
  auto r = run_hbmeta(common + " --out " + (dir / "all").string());
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_hbmeta(common + " --shard 0/2 --threads 2 --out " + (dir / "s0").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir / "s0" / "simulation_summary.csv"));  // a shard holds replicates only
  r = run_hbmeta(common + " --shard 1/2 --threads 1 --out " + (dir / "s1").string());
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_hbmeta("merge-simulations " + (dir / "s1").string() + " " + (dir / "s0").string() + " --quiet --out " +
                 (dir / "merged").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string summary = read_text(dir / "all" / "simulation_summary.csv");
  EXPECT_EQ(summary, read_text(dir / "merged" / "simulation_summary.csv"));
  EXPECT_EQ(read_text(dir / "all" / "replicates.csv"), read_text(dir / "merged" / "replicates.csv"));
  // every method of both scenarios is in the summary
  for (const char* k : {"single,bayes,coverage_mu", "twoarm,bayes_hn05,coverage_mu", "twoarm,MH,bias", "twoarm,GLMM,rmse"})
    EXPECT_NE(summary.find(k), std::string::npos) << k;

  // Incomplete or mismatched shards are refused.
  r = run_hbmeta("merge-simulations " + (dir / "s0").string() + " --out " + (dir / "m2").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("shard(s) 1/2 missing"), std::string::npos) << r.err;
  r = run_hbmeta("simulate --scenario " + (dir / "s.json").string() + " --reps 13 --seed 100" + kSampler +
                 " --shard 1/2 --out " + (dir / "other").string());
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_hbmeta("merge-simulations " + (dir / "s0").string() + " " + (dir / "other").string() + " --out " +
                 (dir / "m3").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("other settings or scenarios"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "m2"));
  EXPECT_FALSE(fs::exists(dir / "m3"));
}

// A replicate's data and fits depend only on (seed, scenario, rep): the first reps of a longer
// run are those of a shorter one; `hbmeta batch` on the simulated data gives the same posterior.
TEST(Simulate, ReplicatesDependOnlyOnSeedScenarioAndRep) {
  const fs::path dir = hbm::test::fresh_temp_dir("sim-reps");
  write_text(dir / "s.json", kSmallScenarios);
  const std::string common = "simulate --scenario " + (dir / "s.json").string() + " --seed 5 --write-data" + kSampler;
  auto r = run_hbmeta(common + " --reps 4 --out " + (dir / "r4").string());
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_hbmeta(common + " --reps 7 --out " + (dir / "r7").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines_with = [](const std::string& text, const std::vector<std::string>& prefixes) {
    std::istringstream in(text);
    std::string line, out;
    while (std::getline(in, line))
      for (const auto& p : prefixes)
        if (line.rfind(p, 0) == 0) out += line + "\n";
    return out;
  };
  std::vector<std::string> data_keys, rep_keys;
  for (int rep = 0; rep < 4; ++rep)
    for (const char* s : {"single", "twoarm"}) {
      data_keys.push_back(std::string(s) + "_r" + std::to_string(rep) + ",");
      rep_keys.push_back(std::string(s) + "," + std::to_string(rep) + ",");
    }
  const std::string d4 = lines_with(read_text(dir / "r4" / "simulated_data.csv"), data_keys);
  EXPECT_EQ(d4, lines_with(read_text(dir / "r7" / "simulated_data.csv"), data_keys));
  EXPECT_EQ(std::count(d4.begin(), d4.end(), '\n'), 4 * (4 + 5));
  const std::string rep4 = lines_with(read_text(dir / "r4" / "replicates.csv"), rep_keys);
  EXPECT_EQ(rep4, lines_with(read_text(dir / "r7" / "replicates.csv"), rep_keys));
  EXPECT_FALSE(rep4.empty());

  // batch on the simulated data, same sampler settings and prior: the same posterior of mu.
  r = run_hbmeta("batch " + (dir / "r4" / "simulated_data.csv").string() + " --seed 5 --frequentist none --out " +
                 (dir / "b").string() + kSampler);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string batch = read_text(dir / "b" / "batch_summary.csv");
  std::istringstream in(read_text(dir / "r4" / "replicates.csv"));
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.rfind("single,", 0) != 0 || line.find(",bayes,") == std::string::npos) continue;
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string x;
    while (std::getline(ls, x, ',')) f.push_back(x);
    // dataset,outcome,method,parameter,mean,sd,q2.5,...: the posterior mean and 2.5% quantile of mu
    const std::string want = "single_r" + f[1] + ",y,posterior,mu," + f[6] + ",";
    EXPECT_NE(batch.find(want), std::string::npos) << want;
    EXPECT_NE(batch.find("," + f[7] + ","), std::string::npos);
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST(Simulate, BadScenarioAndOptionsExitTwoWithFileAndLine) {
  const fs::path dir = hbm::test::fresh_temp_dir("sim-errors");
  const std::string out = " --out " + (dir / "o").string();
  write_text(dir / "syntax.json", "{\n  \"scenarios\": [\n    {\"name\": \"a\", \"k\": 5,,}\n  ]\n}\n");
  auto r = run_hbmeta("simulate --scenario " + (dir / "syntax.json").string() + " --reps 3" + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("syntax.json:3: not valid JSON"), std::string::npos) << r.err;
  write_text(dir / "key.json",
             "{\"scenarios\": [\n {\"name\": \"a\", \"k\": 5, \"study_size\": 50, \"mu\": 0, \"tau\": 0.2},\n"
             " {\"name\": \"b\", \"k\": 5,\n  \"study_size\": 50, \"mu\": 0, \"tau\": 0.2,\n  \"taus\": 1}\n]}\n");
  r = run_hbmeta("simulate --scenario " + (dir / "key.json").string() + " --reps 3" + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("key.json:5: scenario 'b': unknown key 'taus'"), std::string::npos) << r.err;
  write_text(dir / "k.json", "{\"scenarios\": [\n {\"name\": \"a\",\n \"k\": 2.5, \"study_size\": 50, \"mu\": 0, \"tau\": 0.2}]}\n");
  r = run_hbmeta("simulate --scenario " + (dir / "k.json").string() + " --reps 3" + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("k.json:3: scenario 'a': \"k\""), std::string::npos) << r.err;
  write_text(dir / "m.json",
             "{\"scenarios\": [{\"name\": \"a\", \"k\": 3, \"study_size\": 50, \"mu\": 0, \"tau\": 0.2,\n"
             "  \"methods\": [\"DL\", \"MH\"]}]}\n");
  r = run_hbmeta("simulate --scenario " + (dir / "m.json").string() + " --reps 3" + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("m.json:2: scenario 'a': unknown method 'MH'"), std::string::npos) << r.err;
  r = run_hbmeta("simulate --scenario " + (dir / "m.json").string() + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("missing --reps"), std::string::npos) << r.err;
  r = run_hbmeta("simulate --scenario " + (dir / "none.json").string() + " --reps 3" + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("none.json: cannot read the scenario file"), std::string::npos) << r.err;
  write_text(dir / "ok.json", "{\"scenarios\": [{\"name\": \"a\", \"k\": 3, \"study_size\": 50, \"mu\": 0, \"tau\": 0.2}]}\n");
  r = run_hbmeta("simulate --scenario " + (dir / "ok.json").string() + " --reps 3 --shard 1/1" + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--shard: '1/1' is not I/N"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "o"));
}

// The report's metrics: a common-effect method's tau is 0 by definition, not an estimate, so it
// has no tau bias (blank in the report, NA in the CSV); coverage bars are 95% Wilson intervals,
// inside [0, 1] and of non-zero width at 100% coverage (the binomial +-1.96 MCSE bar was
// [1, 1] there and would pass 1 near it). Closed forms: 100 of 100 gives [0.9630, 1];
// 50 of 100 gives [0.4038, 0.5962] (Wilson 1927).
TEST(SimulationMetrics, CommonEffectTauBiasIsBlankAndCoverageBarsAreWilsonIntervals) {
  hbm::Scenario s;
  s.name = "sc";
  s.tau = 0.3;
  s.methods = {"FE", "DL"};
  std::vector<hbm::RepRecord> records;
  for (long rep = 0; rep < 100; ++rep)
    for (const char* m : {"DL", "FE"}) {
      hbm::RepRecord r;
      r.scenario = "sc";
      r.method = m;
      r.rep = rep;
      r.tau_true = 0.3;
      r.estimate = 0.01 * (rep % 7);
      r.ci_lb = -1;
      r.ci_ub = 1;
      r.pi_lb = -1;
      r.pi_ub = 1;
      r.tau = std::string(m) == "FE" ? 0.0 : 0.25;
      records.push_back(r);
    }
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return std::tie(a.scenario, a.method, a.rep) < std::tie(b.scenario, b.method, b.rep);
  });
  const auto metrics = hbm::summarise_records(records, {s});
  const auto find = [&](const std::string& method, const std::string& metric) -> const hbm::Metric* {
    for (const auto& m : metrics)
      if (m.method == method && m.metric == metric) return &m;
    return nullptr;
  };
  ASSERT_NE(find("FE", "tau_bias"), nullptr);
  EXPECT_TRUE(std::isnan(find("FE", "tau_bias")->estimate));
  EXPECT_NEAR(find("DL", "tau_bias")->estimate, -0.05, 1e-12);
  EXPECT_EQ(find("DL", "coverage_mu")->estimate, 1.0);
  EXPECT_EQ(find("DL", "coverage_mu")->count, 100.0);
  const std::string html = hbm::simulation_report_html({s}, metrics, 100, "hbmeta simulate test");
  EXPECT_NE(html.find("<tr><td>FE</td>"), std::string::npos);
  const std::string fe_row = html.substr(html.find("<tr><td>FE</td>"));
  EXPECT_NE(fe_row.substr(0, fe_row.find("</tr>")).find("<td></td>"), std::string::npos) << fe_row.substr(0, 300);

  auto w = hbm::wilson_interval(1.0, 100);
  EXPECT_NEAR(w.lo, 0.96301, 5e-5);
  EXPECT_EQ(w.hi, 1.0);
  w = hbm::wilson_interval(0.5, 100);
  EXPECT_NEAR(w.lo, 0.40383, 5e-5);
  EXPECT_NEAR(w.hi, 0.59617, 5e-5);
  w = hbm::wilson_interval(0.0, 20);
  EXPECT_EQ(w.lo, 0.0);
  EXPECT_GT(w.hi, 0.1);
}
