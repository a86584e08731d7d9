// DIR/netcdf/NAME.nc and DIR/posterior.nc round trips: written by `hbmeta fit`, read back by
// xarray (python3-xarray + python3-netcdf4 under Debian's /usr/bin/python3, as ArviZ reads
// InferenceData), and compared with the draws CSV, summary.json and the input counts: groups,
// dimensions, variable names, dtypes (diverging as bool) and values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace fs = std::filesystem;
using hbm::test::Json;

namespace {

std::string capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// Row `row` (0-based, after the header), column `name` of a CSV file.
double csv_value(const std::string& csv, const std::string& name, std::size_t row) {
  std::istringstream in(csv);
  std::string line, f;
  std::getline(in, line);
  std::stringstream hs(line);
  std::size_t col = 0, found = std::string::npos;
  for (; std::getline(hs, f, ','); ++col)
    if (f == name) found = col;
  for (std::size_t r = 0; r <= row; ++r) std::getline(in, line);
  std::stringstream ls(line);
  for (std::size_t c = 0; c <= found; ++c) std::getline(ls, f, ',');
  return std::stod(f);
}

}  // namespace

TEST(NetCdf, XarrayReadsTheInferenceDataLayout) {
  if (std::system("/usr/bin/python3 -c 'import xarray, netCDF4' >/dev/null 2>&1") != 0)
    GTEST_FAIL() << "python3-xarray and python3-netcdf4 are needed (scripts/install_deps.sh installs them)";
  const auto dir = hbm::test::fresh_temp_dir("netcdf");
  for (const char* data : {"reference/bcg.csv", "reference/pritz1997.csv"}) {
    auto r = hbm::test::run_hbmeta("fit --netcdf " + std::string(HBMETA_FIXTURES) + "/" + data + " --out " +
                                   (dir / "o").string() + " --force --chains 3 --warmup 100 --draws 50 --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
  }
  // pritz1997 is the last fit in dir/o.
  const fs::path nc = dir / "o" / "netcdf" / "pritz1997.nc";
  ASSERT_TRUE(fs::exists(nc));
  const std::string script = std::string(HBMETA_SOURCE_DIR) + "/tests/support/netcdf_roundtrip.py";
  const std::string json = capture("/usr/bin/python3 " + script + " " + nc.string() + " 2>&1");
  const Json j = Json::parse(json);
  EXPECT_EQ(j["posterior"]["dims"]["chain"].num(), 3);
  EXPECT_EQ(j["posterior"]["dims"]["draw"].num(), 50);
  EXPECT_EQ(j["posterior"]["dims"]["study"].num(), 14);
  EXPECT_EQ(j["sample_stats"]["dims"]["draw"].num(), 50);
  EXPECT_EQ(j["observed_data"]["dims"]["study"].num(), 14);
  std::vector<std::string> post_vars;
  for (std::size_t k = 0; k < j["posterior"]["vars"].size(); ++k) post_vars.push_back(j["posterior"]["vars"][k].str());
  for (const char* v : {"mu", "tau", "theta", "theta_new", "p_pooled", "p_new"})
    EXPECT_NE(std::find(post_vars.begin(), post_vars.end(), v), post_vars.end()) << v;
  std::vector<std::string> stat_vars;
  for (std::size_t k = 0; k < j["sample_stats"]["vars"].size(); ++k) stat_vars.push_back(j["sample_stats"]["vars"][k].str());
  for (const char* v : {"diverging", "energy", "acceptance_rate", "n_steps"})
    EXPECT_NE(std::find(stat_vars.begin(), stat_vars.end(), v), stat_vars.end()) << v;
  // diverging decodes as a boolean (int8 + dtype="bool", as ArviZ writes it); step_size is the
  // adapted step size of summary.json, constant over chains and draws.
  EXPECT_EQ(j["diverging_dtype"].str(), "bool");
  EXPECT_EQ(j["sample_stats"]["dtypes"]["step_size"].str(), "float64");
  EXPECT_TRUE(j["step_size_finite"].boolean());
  const Json summary = Json::parse(hbm::test::read_text(dir / "o" / "summary.json"));
  const Json& diag = summary["outcomes"]["pritz1997"]["diagnostics"];
  EXPECT_DOUBLE_EQ(j["step_size_min"].num(), diag["step_size"].num());
  EXPECT_DOUBLE_EQ(j["step_size_max"].num(), diag["step_size"].num());
  EXPECT_EQ(j["step_size_dims"][0].str(), "chain");
  EXPECT_EQ(j["step_size_dims"][1].str(), "draw");
  EXPECT_EQ(j["diverging_sum"].num(), diag["divergences"].num());

  // Values: the same numbers as the draws CSV (chain-major rows: chain 1 iterations 1..50, chain 2, ...).
  const std::string csv = hbm::test::read_text(dir / "o" / "draws" / "pritz1997.csv");
  EXPECT_DOUBLE_EQ(j["mu_c0_d0"].num(), csv_value(csv, "mu", 0));
  EXPECT_DOUBLE_EQ(j["mu_last"].num(), csv_value(csv, "mu", 3 * 50 - 1));
  EXPECT_DOUBLE_EQ(j["theta_c1_d2_s3"].num(), csv_value(csv, "theta[4]", 50 + 2));
  EXPECT_EQ(j["chain_coord"][2].num(), 2);
  const Json& obs = j["observed"];
  EXPECT_EQ(obs["events"].size(), 14u);
  EXPECT_EQ(obs["total"].size(), 14u);

  // Two-arm: the observed counts of both arms.
  const std::string json2 = capture("/usr/bin/python3 " + script + " " + (dir / "o" / "netcdf" / "bcg.nc").string() + " 2>&1");
  // bcg was replaced by the pritz1997 run (--force): only pritz1997's files remain.
  EXPECT_FALSE(fs::exists(dir / "o" / "netcdf" / "bcg.nc")) << json2;
  auto two = hbm::test::run_hbmeta("fit --netcdf " + std::string(HBMETA_FIXTURES) + "/reference/bcg.csv --out " +
                                   (dir / "b").string() + " --chains 2 --warmup 50 --draws 20 --quiet --sampler gibbs");
  ASSERT_EQ(two.status, 0) << two.err;
  const Json j2 = Json::parse(capture("/usr/bin/python3 " + script + " " + (dir / "b" / "netcdf" / "bcg.nc").string() + " 2>&1"));
  EXPECT_EQ(j2["observed"]["events_t"][0].num(), 4);
  EXPECT_EQ(j2["observed"]["total_c"][0].num(), 139);
  EXPECT_EQ(j2["posterior"]["dims"]["study"].num(), 13);
  // Gibbs has no step size: the variable is left out, not filled with a placeholder.
  EXPECT_FALSE(j2["sample_stats"]["dtypes"].contains("step_size")) << json2;
  EXPECT_FALSE(j2.contains("step_size_min"));
  EXPECT_EQ(j2["diverging_dtype"].str(), "bool");
  fs::remove_all(dir);
}

// The draws CSV reads as is in pandas: numeric columns .chain, .iteration, .draw and every
// quantity, one row per draw, and the same values as the NetCDF file. And in R, where
// read.csv + posterior::as_draws_df must see the chains (its reserved column names).
TEST(NetCdf, DrawsCsvReadsInPandas) {
  if (std::system("/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1") != 0)
    GTEST_FAIL() << "python3-pandas is needed (installed with python3-xarray by scripts/install_deps.sh)";
  const auto dir = hbm::test::fresh_temp_dir("pandas");
  auto r = hbm::test::run_hbmeta("fit --netcdf " + std::string(HBMETA_FIXTURES) + "/reference/hine1989.csv --out " +
                                 (dir / "o").string() + " --chains 3 --warmup 100 --draws 40 --quiet");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string py =
      "import pandas as pd, xarray as xr, json; d = pd.read_csv('" + (dir / "o" / "draws" / "hine1989.csv").string() +
      "'); p = xr.open_dataset('" + (dir / "o" / "netcdf" / "hine1989.nc").string() +
      "', group='posterior'); print(json.dumps({'rows': len(d), 'numeric': bool(all(str(t) in ('int64', 'float64') "
      "for t in d.dtypes)), 'first': list(d.columns[:4]), 'same': bool((abs(d['tau'].values.reshape(3, 40) - "
      "p['tau'].values) < 1e-12).all())}))";
  const Json j = Json::parse(capture("/usr/bin/python3 -c \"" + py + "\" 2>&1"));
  EXPECT_EQ(j["rows"].num(), 120);
  EXPECT_TRUE(j["numeric"].boolean());
  EXPECT_EQ(j["first"][0].str(), ".chain");
  EXPECT_EQ(j["first"][3].str(), "mu");
  EXPECT_TRUE(j["same"].boolean());
  // HBMETA_REQUIRE_R=1 (set by scripts/test.sh, which installs r-cran-posterior) turns a missing
  // R or posterior package into a failure instead of a skipped half.
  const char* require_r = std::getenv("HBMETA_REQUIRE_R");
  const bool r_required = require_r && std::string(require_r) == "1";
  const bool have_r = std::system("Rscript -e 'library(posterior)' >/dev/null 2>&1") == 0;
  if (r_required) EXPECT_TRUE(have_r) << "HBMETA_REQUIRE_R=1 but Rscript with the posterior package is not available";
  if (have_r) {
    const std::string r_out = capture("Rscript -e 'suppressMessages(library(posterior)); x <- as_draws_df(read.csv(\"" +
                                      (dir / "o" / "draws" / "hine1989.csv").string() +
                                      "\")); cat(nchains(x), niterations(x), variables(x)[1], \"\\n\")' 2>&1");
    EXPECT_EQ(r_out, "3 40 mu \n");
  } else {
    std::printf("R with the posterior package not installed: the R half of this check was not run\n");
  }
  fs::remove_all(dir);
}

// DIR/posterior.nc: every outcome of the run in one InferenceData file, variables OUTCOME.VAR
// along OUTCOME.study, chain and draw shared; the same values as each outcome's draws CSV.
TEST(NetCdf, PosteriorNcHoldsEveryOutcome) {
  if (std::system("/usr/bin/python3 -c 'import xarray, netCDF4' >/dev/null 2>&1") != 0)
    GTEST_FAIL() << "python3-xarray and python3-netcdf4 are needed (scripts/install_deps.sh installs them)";
  const auto dir = hbm::test::fresh_temp_dir("posterior-nc");
  // A single-arm outcome whose name needs sanitising and a two-arm one, with different study counts.
  hbm::test::write_text(dir / "mixed.csv",
                        "outcome,study,events,total,events_t,total_t,events_c,total_c\n"
                        "ivm maturation,A,30,41,,,,\nivm maturation,B,12,20,,,,\nivm maturation,C,55,70,,,,\n"
                        "ivm maturation,D,9,25,,,,\nivm maturation,E,19,31,,,,\n"
                        "pregnancy,P,,,12,50,20,52\npregnancy,Q,,,3,30,5,31\npregnancy,R,,,7,44,9,40\n");
  auto r = hbm::test::run_hbmeta("fit --netcdf " + (dir / "mixed.csv").string() + " --out " + (dir / "o").string() +
                                 " --chains 3 --warmup 100 --draws 40 --quiet");
  ASSERT_EQ(r.status, 0) << r.err;
  const fs::path nc = dir / "o" / "posterior.nc";
  ASSERT_TRUE(fs::exists(nc));
  EXPECT_TRUE(fs::exists(dir / "o" / "netcdf" / "ivm_maturation.nc"));  // the per-outcome files stay
  EXPECT_TRUE(fs::exists(dir / "o" / "netcdf" / "pregnancy.nc"));
  const Json summary = Json::parse(hbm::test::read_text(dir / "o" / "summary.json"));
  const std::string script = std::string(HBMETA_SOURCE_DIR) + "/tests/support/netcdf_roundtrip.py";
  struct Case {
    const char *base, *name;
    int k;
  };
  for (const Case c : {Case{"ivm_maturation", "ivm maturation", 5}, Case{"pregnancy", "pregnancy", 3}}) {
    SCOPED_TRACE(c.base);
    const std::string out = capture("/usr/bin/python3 " + script + " " + nc.string() + " " + c.base + " 2>&1");
    const Json j = Json::parse(out);
    const std::string p = std::string(c.base) + ".";
    EXPECT_EQ(j["posterior"]["dims"]["chain"].num(), 3);
    EXPECT_EQ(j["posterior"]["dims"]["draw"].num(), 40);
    EXPECT_EQ(j["posterior"]["dims"][p + "study"].num(), c.k);
    EXPECT_EQ(j["observed_data"]["dims"][p + "study"].num(), c.k);
    for (const char* v : {"mu", "tau", "theta", "theta_new"})
      EXPECT_TRUE(j["posterior"]["dtypes"].contains(p + v)) << v << " " << out;
    EXPECT_EQ(j["theta_study_dim"].str(), p + "study");
    EXPECT_EQ(j["posterior"]["var_dims"][p + "mu"][0].str(), "chain");
    EXPECT_EQ(j["outcome_attr"].str(), c.name);
    for (const char* v : {"diverging", "energy", "acceptance_rate", "n_steps", "step_size"})
      EXPECT_TRUE(j["sample_stats"]["dtypes"].contains(p + v)) << v;
    EXPECT_EQ(j["diverging_dtype"].str(), "bool");
    const Json& diag = summary["outcomes"][c.name]["diagnostics"];
    EXPECT_DOUBLE_EQ(j["step_size_min"].num(), diag["step_size"].num());
    EXPECT_DOUBLE_EQ(j["step_size_max"].num(), diag["step_size"].num());
    EXPECT_EQ(j["diverging_sum"].num(), diag["divergences"].num());
    // The same numbers as the outcome's draws CSV (chain-major rows).
    const std::string csv = hbm::test::read_text(dir / "o" / "draws" / (std::string(c.base) + ".csv"));
    EXPECT_DOUBLE_EQ(j["mu_c0_d0"].num(), csv_value(csv, "mu", 0));
    EXPECT_DOUBLE_EQ(j["mu_last"].num(), csv_value(csv, "mu", 3 * 40 - 1));
    EXPECT_DOUBLE_EQ(j["theta_c1_d2_s2"].num(), csv_value(csv, "theta[3]", 40 + 2));
    const Json& studies = summary["outcomes"][c.name]["studies"];
    ASSERT_EQ(j["observed_studies"].size(), studies.size());
    for (std::size_t i = 0; i < studies.size(); ++i) EXPECT_EQ(j["observed_studies"][i].str(), studies[i]["study"].str());
    EXPECT_EQ(j["study0"].str(), studies[0]["study"].str());
    if (std::string(c.base) == "pregnancy") {
      EXPECT_EQ(j["observed"]["events_t"][0].num(), 12);
      EXPECT_EQ(j["observed"]["total_c"][2].num(), 40);
    } else {
      EXPECT_EQ(j["observed"]["events"][2].num(), 55);
      EXPECT_EQ(j["observed"]["total"][4].num(), 31);
    }
    EXPECT_EQ(j["root_attrs"]["outcomes"].str(), "ivm_maturation,pregnancy");
    EXPECT_EQ(j["root_attrs"]["inference_library"].str(), "hbmeta");
  }
  fs::remove_all(dir);
}

// Lean by default: without --netcdf a fit writes one store of the draws (draws/NAME.csv), no
// netcdf/ folder and no posterior.nc (three stores made the bundled data's fit 122 MB).
TEST(NetCdf, OnlyOnRequest) {
  const auto dir = hbm::test::fresh_temp_dir("netcdf-off");
  auto r = hbm::test::run_hbmeta("fit " + std::string(HBMETA_FIXTURES) + "/reference/pritz1997.csv --out " +
                                 (dir / "o").string() + " --chains 2 --warmup 50 --draws 20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "o" / "draws" / "pritz1997.csv"));
  EXPECT_FALSE(fs::exists(dir / "o" / "netcdf"));
  EXPECT_FALSE(fs::exists(dir / "o" / "posterior.nc"));
  EXPECT_EQ(r.out.find("o/netcdf/"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("posterior.nc"), std::string::npos) << r.out;
  fs::remove_all(dir);
}
