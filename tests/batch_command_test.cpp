// `hbmeta batch`: many datasets in one CSV (a dataset column), one tidy summary. Checks the
// table's layout and rows, that a dataset's result does not depend on the other datasets in the
// file or on how the units are split into engine launches (its RNG stream is the hash of
// "dataset/outcome"), the NetCDF copy read by xarray, atomic output and the input errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace fs = std::filesystem;
using hbm::test::read_text;
using hbm::test::run_hbmeta;
using hbm::test::write_text;

namespace {

const char* kSampler = " --chains 8 --warmup 300 --draws 300 --seed 7 --quiet";

// Three datasets: a and c with one single-arm outcome each (same study names: names need only
// be unique within a dataset's outcome), b with a single-arm and a two-arm outcome.
std::string batch_csv() {
  return "dataset,outcome,study,events,total,events_t,total_t,events_c,total_c\n"
         "a,rate,s1,12,60,,,,\n"
         "a,rate,s2,20,80,,,,\n"
         "a,rate,s3,9,55,,,,\n"
         "a,rate,s4,30,120,,,,\n"
         "b,rate,s1,40,100,,,,\n"
         "b,rate,s2,25,90,,,,\n"
         "b,rate,s3,33,70,,,,\n"
         "b,cmp,s1,,,12,50,8,52\n"
         "b,cmp,s2,,,20,80,15,75\n"
         "b,cmp,s3,,,7,40,9,41\n"
         "b,cmp,s4,,,30,100,22,98\n"
         "c,rate,s1,5,50,,,,\n"
         "c,rate,s2,8,60,,,,\n"
         "c,rate,s3,3,45,,,,\n"
         "c,rate,s4,11,70,,,,\n"
         "c,rate,s5,6,40,,,,\n";
}

// Dataset b of batch_csv() alone: as a batch file, or (fit_labels) as a fit file whose outcome
// column reads "b/OUTCOME" ("b,rate,..." becomes "b/rate,...").
std::string dataset_b(bool fit_labels) {
  std::string out = std::string(fit_labels ? "" : "dataset,") + "outcome,study,events,total,events_t,total_t,events_c,total_c\n";
  std::istringstream in(batch_csv());
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line))
    if (line.rfind("b,", 0) == 0) out += (fit_labels ? "b/" + line.substr(2) : line) + "\n";
  return out;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string x;
    while (std::getline(ls, x, ',')) f.push_back(x);
    if (!line.empty() && line.back() == ',') f.push_back("");
    rows.push_back(f);
  }
  return rows;
}

// The rows of one dataset, as text lines.
std::string dataset_lines(const std::string& summary, const std::string& dataset) {
  std::istringstream in(summary);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind(dataset + ",", 0) == 0) out += line + "\n";
  return out;
}

}  // namespace

TEST(BatchCommand, TidySummaryOfEveryDatasetAndOutcome) {
  const fs::path dir = hbm::test::fresh_temp_dir("batch");
  write_text(dir / "data.csv", batch_csv());
  const auto r = run_hbmeta("batch " + (dir / "data.csv").string() + " --out " + (dir / "o").string() + kSampler);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "o" / "batch_summary.nc"));
  EXPECT_TRUE(fs::exists(dir / "o" / "batch_info.json"));
  EXPECT_FALSE(fs::exists(dir / "o" / "draws"));  // no per-dataset files
  const auto rows = csv_rows(read_text(dir / "o" / "batch_summary.csv"));
  ASSERT_GT(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"dataset", "outcome", "method", "parameter", "mean", "sd", "q2.5", "q50",
                                                "q97.5", "rhat", "ess_bulk", "ess_tail"}));
  std::map<std::string, int> count;  // dataset/outcome/method -> rows
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 12u) << i;
    ++count[rows[i][0] + "/" + rows[i][1] + "/" + rows[i][2]];
  }
  // Posterior: mu, tau, theta_new, p_pooled, p_new (single-arm); mu, or_pooled, tau, theta_new, or_new (two-arm);
  // each classical method (basic set: FE, DL, REML, REML_knha, GLMM) 5 rows.
  for (const char* u : {"a/rate", "b/rate", "c/rate", "b/cmp"}) {
    EXPECT_EQ(count[std::string(u) + "/posterior"], 5) << u;
    EXPECT_EQ(count[std::string(u) + "/DL"], 5) << u;
    EXPECT_EQ(count[std::string(u) + "/REML_knha"], 5) << u;
  }
  EXPECT_EQ(count["b/cmp/MH"], 5);
  EXPECT_EQ(count["a/rate/GLMM_ML"], 5);
  // posterior rows have diagnostics, the posterior mean lies inside its 95% interval
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i][2] != "posterior") continue;
    const double mean = std::stod(rows[i][4]), lo = std::stod(rows[i][6]), hi = std::stod(rows[i][8]);
    EXPECT_LT(lo, mean);
    EXPECT_LT(mean, hi);
    EXPECT_LT(std::stod(rows[i][9]), 1.05) << rows[i][0] << " " << rows[i][3];
    EXPECT_GT(std::stod(rows[i][10]), 100);
  }
}

// A dataset's rows do not depend on the other datasets of the file, nor on how many units
// share an engine launch.
TEST(BatchCommand, ResultsIndependentOfOtherDatasetsAndLaunchSplit) {
  const fs::path dir = hbm::test::fresh_temp_dir("batch-indep");
  write_text(dir / "all.csv", batch_csv());
  write_text(dir / "b.csv", dataset_b(false));
  auto r = run_hbmeta("batch " + (dir / "all.csv").string() + " --out " + (dir / "o1").string() + kSampler);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_hbmeta("batch " + (dir / "all.csv").string() + " --out " + (dir / "o2").string() + kSampler +
                 " --datasets-per-launch 1 --threads 1");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_hbmeta("batch " + (dir / "b.csv").string() + " --out " + (dir / "o3").string() + kSampler);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string s1 = read_text(dir / "o1" / "batch_summary.csv");
  EXPECT_EQ(s1, read_text(dir / "o2" / "batch_summary.csv"));
  EXPECT_EQ(dataset_lines(s1, "b"), dataset_lines(read_text(dir / "o3" / "batch_summary.csv"), "b"));
  EXPECT_FALSE(dataset_lines(s1, "b").empty());
}

TEST(BatchCommand, NetcdfTableReadsWithXarray) {
  if (std::system("/usr/bin/python3 -c 'import xarray, netCDF4' >/dev/null 2>&1") != 0)
    GTEST_FAIL() << "python3-xarray and python3-netcdf4 are needed (scripts/install_deps.sh installs them)";
  const fs::path dir = hbm::test::fresh_temp_dir("batch-nc");
  write_text(dir / "data.csv", batch_csv());
  const auto r = run_hbmeta("batch " + (dir / "data.csv").string() + " --out " + (dir / "o").string() + kSampler);
  ASSERT_EQ(r.status, 0) << r.err;
  // xarray's table equals the CSV: same rows, text columns and numbers (NA <-> NaN).
  write_text(dir / "check.py",
             "import sys, math, csv, xarray as xr\n"
             "d = xr.open_dataset(sys.argv[1]).to_dataframe()\n"
             "rows = list(csv.DictReader(open(sys.argv[2])))\n"
             "assert len(rows) == len(d), (len(rows), len(d))\n"
             "for i, r in enumerate(rows):\n"
             "    for c in ['dataset', 'outcome', 'method', 'parameter']:\n"
             "        assert str(d[c].iloc[i]) == r[c], (i, c)\n"
             "    for c in ['mean', 'sd', 'q2.5', 'q50', 'q97.5', 'rhat', 'ess_bulk', 'ess_tail']:\n"
             "        v = float(d[c].iloc[i])\n"
             "        assert (math.isnan(v) and r[c] == 'NA') or v == float(r[c]), (i, c, v, r[c])\n"
             "print('ok', len(rows))\n");
  const std::string cmd = "/usr/bin/python3 " + (dir / "check.py").string() + " " + (dir / "o" / "batch_summary.nc").string() +
                          " " + (dir / "o" / "batch_summary.csv").string() + " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << out;
  EXPECT_EQ(out.rfind("ok ", 0), 0u) << out;
}

// Without a dataset column every outcome is one dataset, fitted under its own name: the file
// of `hbmeta fit` works as it is.
TEST(BatchCommand, WithoutDatasetColumnEachOutcomeIsADataset) {
  const fs::path dir = hbm::test::fresh_temp_dir("batch-nodataset");
  const auto r = run_hbmeta("batch " + std::string(HBMETA_DATA_DIR) + "/rescue_simulated.csv --out " +
                            (dir / "o").string() + kSampler + " --frequentist none");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = csv_rows(read_text(dir / "o" / "batch_summary.csv"));
  ASSERT_GT(rows.size(), 13u * 5);
  EXPECT_EQ(rows[1][0], "");
  EXPECT_EQ(rows[1][2], "posterior");
}

TEST(BatchCommand, BadInputExitsTwoWithOneLineAndWritesNothing) {
  const fs::path dir = hbm::test::fresh_temp_dir("batch-errors");
  write_text(dir / "empty_dataset.csv", "dataset,outcome,study,events,total\nd1,o,s1,3,10\n,o,s2,4,10\n");
  auto r = run_hbmeta("batch " + (dir / "empty_dataset.csv").string() + " --out " + (dir / "o").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("empty_dataset.csv:3: dataset is empty"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "o"));

  write_text(dir / "dup.csv", "dataset,outcome,study,events,total\nd1,o,s1,3,10\nd2,o,s1,3,10\nd2,o,s1,3,10\n");
  r = run_hbmeta("batch " + (dir / "dup.csv").string() + " --out " + (dir / "o").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("dup.csv:4: study 's1' appears twice in outcome 'o' of dataset 'd2' with the same counts "
                       "(first on line 3)"),
            std::string::npos)
      << r.err;

  r = run_hbmeta("batch");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("batch: missing the input CSV"), std::string::npos) << r.err;
  r = run_hbmeta("batch " + (dir / "dup.csv").string() + " --chanes 4");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("did you mean --chains?"), std::string::npos) << r.err;

  // `hbmeta fit` points a batch file at `hbmeta batch`.
  r = run_hbmeta("fit " + (dir / "empty_dataset.csv").string() + " --out " + (dir / "o").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("empty_dataset.csv:1: column 'dataset' holds many datasets in one file, which hbmeta batch fits"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "o"));
}

TEST(BatchCommand, ExistingOutputNeedsForceAndIsReplacedWhole) {
  const fs::path dir = hbm::test::fresh_temp_dir("batch-force");
  write_text(dir / "data.csv", "dataset,outcome,study,events,total\nd1,o,s1,3,10\nd1,o,s2,5,12\nd2,o,s1,7,20\nd2,o,s2,2,9\n");
  fs::create_directories(dir / "o");
  write_text(dir / "o" / "old.txt", "x");
  auto r = run_hbmeta("batch " + (dir / "data.csv").string() + " --out " + (dir / "o").string() + kSampler);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("output folder exists"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir / "o" / "old.txt"));
  r = run_hbmeta("batch " + (dir / "data.csv").string() + " --out " + (dir / "o").string() + kSampler + " --force");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir / "o" / "old.txt"));
  EXPECT_TRUE(fs::exists(dir / "o" / "batch_summary.csv"));
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".hbmeta-tmp-"), std::string::npos) << e.path();
}

// One sampler for every command: a batch unit (dataset D, outcome O) is fitted as the outcome
// labelled "D/O", whose RNG stream is the hash of that label (host/cli/batch_command.hpp), through
// the same engine as `hbmeta fit`. So `hbmeta fit` on a file whose outcome column reads "D/O"
// gives the same draws, and every posterior summary batch reports equals fit's summary.json,
// bit for bit: single-arm and two-arm, HMC and Gibbs. (The other datasets of the batch file
// change nothing: ResultsIndependentOfOtherDatasetsAndLaunchSplit.)
TEST(BatchCommand, FitReproducesABatchUnitThroughItsLabel) {
  const fs::path dir = hbm::test::fresh_temp_dir("batch-vs-fit");
  write_text(dir / "batch.csv", batch_csv());
  write_text(dir / "fit.csv", dataset_b(true));
  for (const char* sampler : {"hmc", "gibbs"}) {
    const std::string opts = std::string(kSampler) + " --sampler " + sampler;
    const fs::path bo = dir / (std::string("batch_") + sampler), fo = dir / (std::string("fit_") + sampler);
    auto r = run_hbmeta("batch " + (dir / "batch.csv").string() + " --out " + bo.string() + opts);
    ASSERT_EQ(r.status, 0) << r.err;
    r = run_hbmeta("fit " + (dir / "fit.csv").string() + " --out " + fo.string() + opts);
    ASSERT_EQ(r.status, 0) << r.err;
    const hbm::test::Json fit = hbm::test::Json::parse_file((fo / "summary.json").string());
    int compared = 0;
    for (const auto& row : csv_rows(read_text(bo / "batch_summary.csv"))) {
      if (row.size() < 12 || row[0] != "b" || row[2] != "posterior") continue;
      const hbm::test::Json& p = fit["outcomes"]["b/" + row[1]]["parameters"][row[3]];
      const char* keys[] = {"mean", "sd", "q2.5", "q50", "q97.5", "rhat", "ess_bulk", "ess_tail"};
      for (int k = 0; k < 8; ++k) {
        EXPECT_EQ(std::strtod(row[4 + k].c_str(), nullptr), p[keys[k]].num())
            << sampler << " " << row[1] << " " << row[3] << " " << keys[k];
        ++compared;
      }
    }
    EXPECT_GE(compared, 8 * 10) << sampler;  // mu, tau, theta_new, ... of both outcomes
  }
}
