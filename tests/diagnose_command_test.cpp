// `hbmeta diagnose` (host/cli/diagnose_command.hpp), run in-process with std::cout / std::cerr
// redirected.
//
// References:
//  * tests/fixtures/diagnostics/*.csv with expected.json from the R package posterior 1.4.0:
//    --json must give its rhat, ess_bulk, ess_tail, mcse_mean, mcse_q05 (our mcse_q5), mcse_q95,
//    mean and sd to 1e-6 relative (observed: ~1e-13, as in tests/diagnostics_test.cpp).
//  * tests/fixtures/diagnose/cmdstan_chain{1,2,3}.csv: synthetic CmdStan-format chains
//    (make_cmdstan_fixtures.py). Means, sds, E-BFMI and divergence counts below were computed
//    in R 4.2.2 from the files (read.csv(comment.char = "#"); E-BFMI =
//    sum(diff(e)^2) / sum((e - mean(e))^2), divergences = sum(divergent__)).
//  * nested R-hat values: tests/fixtures/diagnose/rhat_nested_reference.R (see
//    tests/nested_rhat_test.cpp).
#include "host/cli/diagnose_command.hpp"
#include "host/stats/diagnostics.hpp"
#include "host/io/draws_reader.hpp"
#include "host/support/input_error.hpp"
#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#ifndef HBMETA_FIXTURES
#error "HBMETA_FIXTURES must name the tests/fixtures directory"
#endif

namespace {

using hbm::test::Json;
namespace fs = std::filesystem;

const std::string kFixtures = HBMETA_FIXTURES;
const std::string kDiag = kFixtures + "/diagnostics/";
const std::string kDiagnose = kFixtures + "/diagnose/";

struct Captured {
  int status = -1;
  std::string out, err;
};

class Redirect {
 public:
  Redirect(std::ostream& s, std::streambuf* to) : s_(s), old_(s.rdbuf(to)) {}
  ~Redirect() { s_.rdbuf(old_); }
  Redirect(const Redirect&) = delete;
  Redirect& operator=(const Redirect&) = delete;

 private:
  std::ostream& s_;
  std::streambuf* old_;
};

// Runs run_diagnose({"diagnose", args...}) capturing stdout and stderr; exceptions propagate.
Captured run(const std::vector<std::string>& args) {
  std::vector<std::string> storage{"diagnose"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::ostringstream out, err;
  Captured c;
  {
    Redirect r1(std::cout, out.rdbuf()), r2(std::cerr, err.rdbuf());
    c.status = hbm::run_diagnose(static_cast<int>(storage.size()), argv.data());
  }
  c.out = out.str();
  c.err = err.str();
  return c;
}

// The InputError message of a run that must fail (empty string, and a test failure, if none).
std::string error_of(const std::vector<std::string>& args) {
  try {
    run(args);
  } catch (const hbm::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

void expect_rel(double got, double want, double tol, const std::string& what) {
  EXPECT_NEAR(got, want, tol * std::fabs(want)) << what;
}

const std::vector<std::string> kFields = {"rhat",    "rhat_nested", "ess_bulk", "ess_tail", "mcse_mean",
                                          "mcse_q5", "mcse_q95",    "mean",     "sd"};

std::string write_temp(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path p = dir / name;
  hbm::test::write_text(p, text);
  return p.string();
}

// ---- posterior 1.4.0's values on the diagnostics fixtures --------------------------------------

TEST(DiagnoseCommand, JsonMatchesPosteriorOnEveryFixture) {
  const Json expected = Json::parse_file(kDiag + "expected.json");
  int checked = 0;
  for (const std::string& name : expected.keys()) {
    if (!expected[name].is_object()) continue;  // "posterior_version"
    const Json& e = expected[name];
    const Captured c = run({kDiag + name + ".csv", "--json"});
    ASSERT_EQ(c.status, 0);
    const Json got = Json::parse(c.out);  // stdout is exactly one JSON document
    ASSERT_EQ(got.keys(), std::vector<std::string>{"value"}) << name;
    const Json& v = got["value"];
    EXPECT_EQ(v.keys(), kFields) << name;
    const double tol = 1e-6;
    expect_rel(v["rhat"].num(), e["rhat"].num(), tol, name + " rhat");
    expect_rel(v["ess_bulk"].num(), e["ess_bulk"].num(), tol, name + " ess_bulk");
    expect_rel(v["ess_tail"].num(), e["ess_tail"].num(), tol, name + " ess_tail");
    expect_rel(v["mcse_mean"].num(), e["mcse_mean"].num(), tol, name + " mcse_mean");
    expect_rel(v["mcse_q5"].num(), e["mcse_q05"].num(), tol, name + " mcse_q5");
    expect_rel(v["mcse_q95"].num(), e["mcse_q95"].num(), tol, name + " mcse_q95");
    expect_rel(v["mean"].num(), e["mean"].num(), tol, name + " mean");
    expect_rel(v["sd"].num(), e["sd"].num(), tol, name + " sd");
    EXPECT_TRUE(v["rhat_nested"].is_number()) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 7);  // every set of expected.json, heavy_t2 included
}

TEST(DiagnoseCommand, NestedRhatUsesDefaultOrGivenSuperchains) {
  // iid.csv: 4 chains -> default one chain per superchain (K = 4)
  Json v = Json::parse(run({kDiag + "iid.csv", "--json"}).out)["value"];
  expect_rel(v["rhat_nested"].num(), 1.00019115751482, 1e-12, "iid default");
  v = Json::parse(run({kDiag + "iid.csv", "--json", "--superchains", "2"}).out)["value"];
  expect_rel(v["rhat_nested"].num(), 1.00008790438223, 1e-12, "iid K=2");
  // many_short.csv: 256 chains -> default 64 superchains of 4
  v = Json::parse(run({kDiag + "many_short.csv", "--json"}).out)["value"];
  expect_rel(v["rhat_nested"].num(), 1.0096882434114, 1e-12, "many_short default");
  v = Json::parse(run({"--superchains=16", kDiag + "many_short.csv", "--json"}).out)["value"];
  expect_rel(v["rhat_nested"].num(), 1.00132174095649, 1e-12, "many_short K=16");

  std::string msg = error_of({kDiag + "iid.csv", "--superchains", "3"});
  EXPECT_TRUE(contains(msg, "--superchains: 3 is not allowed with 4 chains")) << msg;
  EXPECT_TRUE(contains(msg, "possible: 2, 4")) << msg;
  msg = error_of({kDiag + "iid.csv", "--superchains", "1"});
  EXPECT_TRUE(contains(msg, "at least 2")) << msg;
}

TEST(DiagnoseCommand, JsonModeKeepsWarningsOffStdout) {
  const Captured c = run({kDiag + "shifted.csv", "--json"});
  EXPECT_EQ(c.status, 0);
  EXPECT_NO_THROW(Json::parse(c.out));
  EXPECT_TRUE(contains(c.err, "warning: R-hat above 1.01")) << c.err;
  EXPECT_TRUE(contains(c.err, "effective sample size below 400")) << c.err;
}

TEST(DiagnoseCommand, TextReport) {
  Captured c = run({kDiag + "iid.csv"});
  EXPECT_EQ(c.status, 0);
  EXPECT_TRUE(c.err.empty());
  EXPECT_TRUE(contains(c.out, "4 chains x 1000 draws, 1 quantity")) << c.out;
  EXPECT_TRUE(contains(c.out, "nested R-hat: 4 superchains of 1 consecutive chain (default")) << c.out;
  EXPECT_TRUE(contains(c.out, "quantity     mean      sd   rhat  rhat_nested  ess_bulk  ess_tail  mcse_mean  mcse_q5  mcse_q95\n"))
      << c.out;
  EXPECT_TRUE(contains(c.out, "value     0.01236  0.9878  1.000        1.000      3952      3784")) << c.out;
  EXPECT_TRUE(contains(c.out, "no warnings")) << c.out;

  c = run({kDiag + "shifted.csv"});
  EXPECT_TRUE(contains(c.out, "warnings:\n  - R-hat above 1.01 for 1 quantity: value (1.100)")) << c.out;
  EXPECT_TRUE(contains(c.out, "effective sample size below 400 for 1 quantity: value (bulk 30, tail 577)")) << c.out;

  c = run({kDiag + "many_short.csv", "--superchains", "256"});
  EXPECT_TRUE(contains(c.out, "nested R-hat: 256 superchains of 1 consecutive chain (--superchains)")) << c.out;
  EXPECT_TRUE(contains(c.out, "nested R-hat above 1.01 (256 superchains) for 1 quantity: value (1.042)")) << c.out;

  c = run({"--help"});
  EXPECT_EQ(c.status, 0);
  EXPECT_TRUE(contains(c.out, "usage: hbmeta diagnose")) << c.out;
}

// ---- hbmeta's own draws: the same numbers as summary.json -----------------------------------

#ifdef HBMETA_DATA_DIR
TEST(DiagnoseCommand, AgreesWithFitSummaryOnHbmetaDraws) {
  // draws/NAME.csv holds every draw in shortest round-trip form, so diagnose must reproduce the
  // fit's own summary (same functions, same draws) up to summation order (observed ~1e-14).
  const fs::path dir = hbm::test::fresh_temp_dir("diagnose-fit");
  const std::string out = (dir / "fit").string();
  const auto r = hbm::test::run_hbmeta("fit " + std::string(HBMETA_DATA_DIR) +
                                       "/rescue_simulated.csv --outcome icsi_clinical_pregnancy --out " + out +
                                       " --quiet --frequentist none --threads 2");
  ASSERT_EQ(r.status, 0) << r.err;
  const Json summary = Json::parse_file(out + "/summary.json")["outcomes"]["icsi_clinical_pregnancy"];
  const Json diag = Json::parse(run({out + "/draws/icsi_clinical_pregnancy.csv", "--json"}).out);
  int compared = 0;
  auto same = [&](const Json& s, const Json& d, const std::string& what) {
    for (const char* k : {"rhat", "ess_bulk", "ess_tail", "mcse_mean", "mean", "sd"}) {
      expect_rel(d[k].num(), s[k].num(), 1e-10, what + " " + k);
      ++compared;
    }
  };
  for (const std::string& p : summary["parameters"].keys()) same(summary["parameters"][p], diag[p], p);
  const Json& studies = summary["studies"];
  for (std::size_t i = 0; i < studies.size(); ++i)
    same(studies[i]["theta"], diag["theta[" + std::to_string(i + 1) + "]"], "theta[" + std::to_string(i + 1) + "]");
  EXPECT_GE(compared, 6 * 6);
  // 16 chains: the default groups them into 4 superchains of 4
  EXPECT_TRUE(contains(run({out + "/draws/icsi_clinical_pregnancy.csv"}).out,
                       "16 chains x 1000 draws"));
  EXPECT_TRUE(contains(run({out + "/draws/icsi_clinical_pregnancy.csv"}).out,
                       "nested R-hat: 4 superchains of 4 consecutive chains (default"));
  fs::remove_all(dir);
}
#endif

// ---- posterior::as_draws_df written by write.csv --------------------------------------------

TEST(DiagnoseCommand, ReadsPosteriorDrawsDfCsv) {
  // iid.csv rewritten as write.csv(as_draws_df(...)) would: quoted header, a row-name column,
  // .chain/.iteration/.draw last, plus a sampler column that is not a quantity; rows reversed.
  const hbm::DrawsTable t = hbm::read_draws({kDiag + "iid.csv"});
  ASSERT_EQ(t.chains, 4u);
  ASSERT_EQ(t.draws, 1000u);
  std::vector<std::string> rows;
  for (std::size_t c = 0; c < t.chains; ++c)
    for (std::size_t i = 0; i < t.draws; ++i) {
      std::ostringstream r;
      r.precision(17);
      const std::size_t k = c * t.draws + i;
      r << "\"" << k + 1 << "\"," << t.values[0][k] << "," << 2.0 * t.values[0][k] << ",0.9," << c + 1 << ","
        << i + 1 << "," << k + 1;
      rows.push_back(r.str());
    }
  std::string text = "\"\",\"value\",\"twice\",\"accept_stat__\",\".chain\",\".iteration\",\".draw\"\r\n";
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) text += *it + "\r\n";
  const fs::path dir = hbm::test::fresh_temp_dir("diagnose-r");
  const std::string path = write_temp(dir, "draws_df.csv", text);

  const Json ours = Json::parse(run({kDiag + "iid.csv", "--json"}).out);
  const Json theirs = Json::parse(run({path, "--json"}).out);
  ASSERT_EQ(theirs.keys(), (std::vector<std::string>{"value", "twice"}));
  for (const auto& f : kFields) EXPECT_EQ(theirs["value"][f].num(), ours["value"][f].num()) << f;
  expect_rel(theirs["twice"]["sd"].num(), 2.0 * ours["value"]["sd"].num(), 1e-14, "twice sd");
  EXPECT_EQ(theirs["twice"]["rhat"].num(), ours["value"]["rhat"].num());  // rank-based: scale-free
  fs::remove_all(dir);
}

TEST(DiagnoseCommand, NonFiniteDrawsGiveNull) {
  const fs::path dir = hbm::test::fresh_temp_dir("diagnose-na");
  std::string text = "chain,draw,x,y\n";
  for (int c = 1; c <= 2; ++c)
    for (int d = 1; d <= 4; ++d)
      text += std::to_string(c) + "," + std::to_string(d) + "," + std::to_string(c * 0.5 + d * 0.25 * (d % 2)) + "," +
              ((c == 2 && d == 3) ? "NA" : std::to_string(d)) + "\n";
  const std::string path = write_temp(dir, "na.csv", text);
  const Json j = Json::parse(run({path, "--json"}).out);
  for (const auto& f : kFields) EXPECT_TRUE(j["y"][f].is_null()) << f;
  EXPECT_TRUE(j["x"]["mean"].is_number());
  EXPECT_TRUE(j["x"]["rhat"].is_number());
  const Captured c = run({path});
  EXPECT_TRUE(contains(c.out, "no diagnostics (NA) for y")) << c.out;
  fs::remove_all(dir);
}

// ---- CmdStan output ------------------------------------------------------------------------

// Independent minimal reader for the fixtures: skips '#' lines, splits on commas.
std::vector<std::vector<double>> read_cmdstan_columns(const std::string& path, std::vector<std::string>& header) {
  std::ifstream in(path);
  std::string line;
  std::vector<std::vector<double>> cols;
  header.clear();
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ',')) f.push_back(x);
    if (header.empty()) {
      header = f;
      cols.resize(f.size());
      continue;
    }
    for (std::size_t j = 0; j < f.size(); ++j) cols[j].push_back(std::stod(f[j]));
  }
  return cols;
}

TEST(DiagnoseCommand, CmdStanFilesAreChains) {
  const std::vector<std::string> files = {kDiagnose + "cmdstan_chain1.csv", kDiagnose + "cmdstan_chain2.csv",
                                          kDiagnose + "cmdstan_chain3.csv"};
  Captured c = run({files[0], files[1], files[2], "--json"});
  ASSERT_EQ(c.status, 0);
  const Json j = Json::parse(c.out);
  ASSERT_EQ(j.keys(), (std::vector<std::string>{"lp__", "mu", "tau", "theta.1"}));  // sampler columns left out

  // mean and sd from R
  struct Moments {
    const char* name;
    double mean, sd;
  };
  const Moments moments[] = {{"lp__", -0.937526875, 1.07720748289271},
                             {"mu", 0.799825144666667, 1.08931566850275},
                             {"tau", 0.678171558333333, 0.405200894185198},
                             {"theta.1", 0.847482286, 1.40730087594097}};
  for (const auto& m : moments) {
    expect_rel(j[m.name]["mean"].num(), m.mean, 1e-12, std::string(m.name) + " mean");
    expect_rel(j[m.name]["sd"].num(), m.sd, 1e-12, std::string(m.name) + " sd");
  }

  // the other statistics: hbm::diagnose (validated against posterior) on the same draws,
  // assembled chain-major by the independent reader above
  std::vector<std::vector<std::vector<double>>> per_file;
  std::vector<std::string> header;
  for (const auto& f : files) per_file.push_back(read_cmdstan_columns(f, header));
  for (const char* name : {"lp__", "mu", "tau", "theta.1"}) {
    const std::size_t col = std::find(header.begin(), header.end(), name) - header.begin();
    std::vector<double> data;
    for (const auto& cols : per_file) data.insert(data.end(), cols[col].begin(), cols[col].end());
    ASSERT_EQ(data.size(), 120u);
    const hbm::Diagnostics d = hbm::diagnose({data.data(), 3, 40});
    EXPECT_DOUBLE_EQ(j[name]["rhat"].num(), d.rhat) << name;
    EXPECT_DOUBLE_EQ(j[name]["ess_bulk"].num(), d.ess_bulk) << name;
    EXPECT_DOUBLE_EQ(j[name]["ess_tail"].num(), d.ess_tail) << name;
    EXPECT_DOUBLE_EQ(j[name]["mcse_mean"].num(), d.mcse_mean) << name;
    EXPECT_DOUBLE_EQ(j[name]["mcse_q5"].num(), d.mcse_q05) << name;
    EXPECT_DOUBLE_EQ(j[name]["mcse_q95"].num(), d.mcse_q95) << name;
  }

  // E-BFMI per chain, from R; and the function itself on the energies
  const double ebfmi_r[] = {1.66355089643042, 1.8450563905852, 0.0200658614437473};
  const std::size_t energy_col = std::find(header.begin(), header.end(), "energy__") - header.begin();
  for (int k = 0; k < 3; ++k) {
    const auto& e = per_file[k][energy_col];
    expect_rel(hbm::ebfmi(e.data(), e.size()), ebfmi_r[k], 1e-12, "E-BFMI chain " + std::to_string(k + 1));
  }

  // with --json the sampler warnings go to stderr
  EXPECT_TRUE(contains(c.err, "2 divergent transitions after warmup")) << c.err;
  EXPECT_TRUE(contains(c.err, "E-BFMI below 0.3 in 1 chain")) << c.err;

  c = run(files);
  EXPECT_TRUE(contains(c.out, "(CmdStan output): 3 chains x 40 draws (one chain per file), 4 quantities")) << c.out;
  EXPECT_TRUE(contains(c.out, "divergences  E-BFMI\n")) << c.out;
  EXPECT_TRUE(contains(c.out, "cmdstan_chain1.csv            0   1.664\n")) << c.out;
  EXPECT_TRUE(contains(c.out, "cmdstan_chain2.csv            2   1.845\n")) << c.out;
  EXPECT_TRUE(contains(c.out, "cmdstan_chain3.csv            0   0.020\n")) << c.out;
  EXPECT_TRUE(contains(c.out, "divergent transitions: 2 of 120")) << c.out;
  EXPECT_TRUE(contains(c.out, "  - 2 divergent transitions after warmup (" + files[1] + ": 2)")) << c.out;
  EXPECT_TRUE(contains(c.out, "  - E-BFMI below 0.3 in 1 chain: " + files[2] + " (0.020)")) << c.out;
}

TEST(DiagnoseCommand, EbfmiEdgeCases) {
  const double two[] = {1.0, 3.0};  // diffs^2 = 4, deviations^2 = 1 + 1
  EXPECT_DOUBLE_EQ(hbm::ebfmi(two, 2), 2.0);
  EXPECT_TRUE(std::isnan(hbm::ebfmi(two, 1)));
  const double flat[] = {2.0, 2.0, 2.0};
  EXPECT_TRUE(std::isnan(hbm::ebfmi(flat, 3)));
}

TEST(DiagnoseCommand, CmdStanSavedWarmupIsDropped) {
  // the same chain 1, written with save_warmup = 1 and 5 warmup rows before "# Adaptation terminated"
  const Captured a = run({kDiagnose + "cmdstan_save_warmup.csv", "--json"});
  const Captured b = run({kDiagnose + "cmdstan_chain1.csv", "--json"});
  EXPECT_EQ(a.out, b.out);
  const Captured t = run({kDiagnose + "cmdstan_save_warmup.csv"});
  EXPECT_TRUE(contains(t.out, "1 chain x 40 draws")) << t.out;
  EXPECT_TRUE(contains(t.out, "the first 5 rows of each file were left out")) << t.out;
}

// ---- input errors: hbm::InputError "file:line: message" ---------------------------------------

TEST(DiagnoseCommand, InputErrors) {
  const fs::path dir = hbm::test::fresh_temp_dir("diagnose-err");
  auto file = [&](const std::string& name, const std::string& text) { return write_temp(dir, name, text); };
  std::string msg;

  const std::string missing = (dir / "nope.csv").string();
  msg = error_of({missing});
  EXPECT_TRUE(starts_with(msg, missing + ": cannot open: no such file")) << msg;

  std::string p = file("ragged.csv", "chain,draw,x\n1,1,0.5\n1,2\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":3: 2 fields, but the header (line 1) has 3 columns")) << msg;

  p = file("text.csv", "chain,draw,x\n1,1,0.5\n\n1,2,abc\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":4: column 'x': 'abc' is not a number")) << msg;

  p = file("empty_value.csv", "chain,draw,x\n1,1,\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":2: column 'x': is empty")) << msg;

  p = file("nochain.csv", "a,b\n1,2\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":1: missing chain and draw columns")) << msg;

  p = file("nodraw.csv", "chain,x\n1,2\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":1: there is a 'chain' column but no 'draw' column")) << msg;

  p = file("onlydraw.csv", "draw,x\n1,2\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":1: missing chain column")) << msg;

  p = file("unequal.csv", "chain,draw,x\n1,1,0.1\n1,2,0.2\n1,3,0.3\n2,1,0.4\n2,2,0.5\n3,1,1\n3,2,2\n3,3,3\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":5: chains have different numbers of draws (3 draws: chains 1, 3; 2 draws: chain 2)"))
      << msg;

  p = file("dup.csv", "chain,draw,x\n1,1,0.1\n1,2,0.2\n1,1,0.3\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":4: chain 1 has draw 1 twice (also on line 2)")) << msg;

  p = file("badchain.csv", "chain,draw,x\n1.5,1,0.1\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":2: chain '1.5' is not a whole chain number")) << msg;

  p = file("dupcol.csv", "chain,draw,x,x\n1,1,0.1,0.2\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":1: column name 'x' appears twice")) << msg;

  p = file("quote.csv", "chain,draw,\"x\n1,1,0.1\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":1: unterminated quoted field")) << msg;

  p = file("empty.csv", "");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":1: the file has no header line")) << msg;

  p = file("header_only.csv", "chain,draw,x\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":1: no draws")) << msg;

  p = file("no_quantities.csv", "chain,draw\n1,1\n");
  msg = error_of({p});
  EXPECT_TRUE(starts_with(msg, p + ":1: no quantity columns")) << msg;

  // several files are only for CmdStan output
  const std::string d1 = file("d1.csv", "chain,draw,x\n1,1,0.1\n");
  msg = error_of({kDiagnose + "cmdstan_chain1.csv", d1});
  EXPECT_TRUE(starts_with(msg, d1 + ":1: several files were given")) << msg;

  // CmdStan chains of unequal length: chain 1 with its last draw removed
  std::string text = hbm::test::read_text(kDiagnose + "cmdstan_chain1.csv");
  const std::size_t timing = text.find("# \n#  Elapsed");
  const std::size_t last_row = text.rfind('\n', timing - 2) + 1;
  const std::string short_chain = file("short.csv", text.substr(0, last_row) + text.substr(timing));
  msg = error_of({kDiagnose + "cmdstan_chain1.csv", short_chain});
  EXPECT_TRUE(starts_with(msg, short_chain + ":")) << msg;
  EXPECT_TRUE(contains(msg, "chains have different numbers of draws (40 draws: file " + kDiagnose +
                                "cmdstan_chain1.csv; 39 draws: file " + short_chain + ")"))
      << msg;

  // CmdStan files of different models
  std::string other = text;
  other.replace(other.find(",theta.1\n"), 9, ",theta.2\n");
  const std::string other_model = file("other.csv", other);
  msg = error_of({kDiagnose + "cmdstan_chain1.csv", other_model});
  EXPECT_TRUE(contains(msg, ": its columns differ from those of " + kDiagnose + "cmdstan_chain1.csv")) << msg;

  // a CmdStan file with a bad value keeps its physical line number (comments counted)
  std::string bad = text;
  const std::size_t first_draw = bad.find("# 0.912, 0.334, 1.27\n") + 21;
  bad.replace(first_draw, bad.find(',', first_draw) - first_draw, "oops");
  const std::string bad_value = file("bad.csv", bad);
  long line = 1;
  for (std::size_t i = 0; i < first_draw; ++i) line += bad[i] == '\n';
  msg = error_of({bad_value});
  EXPECT_TRUE(starts_with(msg, bad_value + ":" + std::to_string(line) + ": column 'lp__': 'oops' is not a number"))
      << msg;

  // arguments
  msg = error_of({});
  EXPECT_TRUE(contains(msg, "missing the input CSV")) << msg;
  msg = error_of({kDiag + "iid.csv", "--no-such-option"});
  EXPECT_TRUE(contains(msg, "usage: hbmeta diagnose")) << msg;
  fs::remove_all(dir);
}

}  // namespace
