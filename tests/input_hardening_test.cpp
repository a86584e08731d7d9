// Input hardening of the hbmeta binary (issue 9): every bad command-line value and every bad
// input file ends with exit status 2, exactly one line on stderr that names the option (or
// file:line) and the accepted form, nothing on stdout and nothing written; never a crash, a
// hang or a multi-line usage dump. docs/input_errors.md lists the messages.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#ifdef HBMETA_HAVE_CUDA
#include "cuda/device_engine.hpp"
#endif
#include "support/cli_runner.hpp"

namespace fs = std::filesystem;
using hbm::test::run_hbmeta;
using hbm::test::write_text;

namespace {

const std::string kFixtures = HBMETA_FIXTURES;

std::size_t lines_in(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// The checks every rejected command shares.
void expect_one_line_rejection(const hbm::test::CliResult& r, const std::string& what, const fs::path& out,
                               const std::vector<std::string>& must_contain) {
  EXPECT_EQ(r.status, 2) << what << "\nstderr: " << r.err;
  EXPECT_EQ(lines_in(r.err), 1u) << what << ": expected exactly one line on stderr, got:\n" << r.err;
  EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << what << ": " << r.err;
  EXPECT_EQ(r.err.rfind("hbmeta: ", 0), 0u) << what << ": " << r.err;
  for (const auto& m : must_contain) EXPECT_NE(r.err.find(m), std::string::npos) << what << ": no '" << m << "' in\n" << r.err;
  EXPECT_TRUE(r.out.empty()) << what << ": stdout: " << r.out;
  EXPECT_FALSE(fs::exists(out)) << what << ": wrote " << out;
}

struct BadOption {
  const char* name;   // test name
  const char* args;   // appended to `fit FIXTURE --out DIR`
  const char* option; // must appear in the message
  const char* form;   // the accepted form, must appear too
  const char* exact;  // when set: the whole message after "hbmeta: "
};

void PrintTo(const BadOption& b, std::ostream* os) { *os << b.name; }

class InputHardeningBadOption : public ::testing::TestWithParam<BadOption> {};

TEST_P(InputHardeningBadOption, ExitsTwoWithOneLineNamingTheOptionAndTheAcceptedForm) {
  const BadOption& c = GetParam();
  const auto dir = hbm::test::fresh_temp_dir("badopt");
  const fs::path out = dir / "o";
  const auto r = run_hbmeta("fit " + kFixtures + "/rare_events.csv --out " + out.string() + " " + c.args);
  expect_one_line_rejection(r, c.args, out, {c.option, c.form});
  if (c.exact) EXPECT_EQ(r.err, std::string("hbmeta: ") + c.exact + "\n");
  fs::remove_all(dir);
}

const char* const kChainsForm = "expected a positive integer up to 1000000, e.g. --chains 16";
const char* const kTauForm = "accepted: half-normal(s), half-cauchy(s), half-t(nu,s), uniform(0,u), log-normal(m,s)";

INSTANTIATE_TEST_SUITE_P(
    InputHardening, InputHardeningBadOption,
    ::testing::Values(
        // integers: sign, range, syntax
        BadOption{"chains_negative", "--chains -4", "--chains", kChainsForm,
                  "--chains: -4 is not allowed; expected a positive integer up to 1000000, e.g. --chains 16"},
        BadOption{"chains_zero", "--chains 0", "--chains", kChainsForm, "--chains: 0 is not allowed; expected a positive integer up to 1000000, e.g. --chains 16"},
        BadOption{"chains_not_a_number", "--chains abc", "--chains", kChainsForm,
                  "--chains: 'abc' is not a whole number written in digits; expected a positive integer up to 1000000, e.g. --chains 16"},
        BadOption{"chains_decimal", "--chains 3.5", "--chains", kChainsForm, nullptr},
        BadOption{"chains_empty", "--chains ''", "--chains", kChainsForm, "--chains: no value given; expected a positive integer up to 1000000, e.g. --chains 16"},
        BadOption{"chains_too_large", "--chains 2000000", "--chains", kChainsForm,
                  "--chains: 2000000 is too large; expected a positive integer up to 1000000, e.g. --chains 16"},
        BadOption{"chains_overflow", "--chains 99999999999999999999999", "--chains", kChainsForm, nullptr},
        BadOption{"chains_missing_value", "--chains", "--chains", kChainsForm, nullptr},
        BadOption{"chains_twice", "--chains 4 --chains 8", "--chains", kChainsForm, nullptr},
        BadOption{"chains_misspelt", "--chanes 4", "--chanes", "did you mean --chains?",
                  "fit: unknown option '--chanes'; did you mean --chains? (all options: hbmeta fit --help)"},
        // A swap of two letters is one edit: --prior-tau, not --prior-mu (two edits).
        BadOption{"prior_tau_transposed", "--prior-tua 'half-normal(1)'", "--prior-tua", "did you mean --prior-tau?",
                  "fit: unknown option '--prior-tua'; did you mean --prior-tau? (all options: hbmeta fit --help)"},
        BadOption{"unknown_option", "--colour red", "--colour", "all options: hbmeta fit --help", nullptr},
        BadOption{"device_unknown", "--device gpu", "--device", "e.g. --device cuda",
                  "--device: 'gpu' is not one of auto, cpu, cuda; e.g. --device cuda"},
        BadOption{"gpu_lanes_not_a_power_of_two", "--gpu-lanes 3", "--gpu-lanes", "e.g. --gpu-lanes 32",
                  "--gpu-lanes: '3' is not one of auto, 1, 2, 4, 8, 16, 32; e.g. --gpu-lanes 32"},
        BadOption{"gpu_lanes_too_large", "--gpu-lanes 64", "--gpu-lanes", "lanes per chain 1, 2, 4, 8, 16 or 32",
                  "--gpu-lanes: 64 is too large; expected auto, or lanes per chain 1, 2, 4, 8, 16 or 32, e.g. --gpu-lanes 32"},
        BadOption{"gpu_lanes_word", "--gpu-lanes warp", "--gpu-lanes", "lanes per chain 1, 2, 4, 8, 16 or 32", nullptr},
        BadOption{"gpu_study_data_unknown", "--gpu-study-data constant", "--gpu-study-data", "e.g. --gpu-study-data global",
                  "--gpu-study-data: 'constant' is not one of shared, global; e.g. --gpu-study-data global"},
        BadOption{"study_draw_cap_negative", "--study-draw-cap -1", "--study-draw-cap",
                  "an integer from 0 (keep all) to 1000000000", nullptr},
        BadOption{"memory_budget_unit", "--memory-budget 8X", "--memory-budget", "e.g. --memory-budget 8G",
                  "--memory-budget: '8X' is not a size; expected a number of bytes, or with K, M, G or T after it, e.g. --memory-budget 8G"},
        BadOption{"memory_budget_zero", "--memory-budget 0", "--memory-budget", "e.g. --memory-budget 8G", nullptr},
        BadOption{"seed_negative", "--seed -1", "--seed", "expected an integer from 0 to 18446744073709551615, e.g. --seed 20251121",
                  "--seed: -1 is not allowed (seeds are not negative); expected an integer from 0 to 18446744073709551615, e.g. --seed 20251121"},
        BadOption{"seed_too_large", "--seed 18446744073709551616", "--seed", "an integer from 0 to 18446744073709551615", nullptr},
        BadOption{"seed_not_a_number", "--seed 0x10", "--seed", "an integer from 0 to 18446744073709551615", nullptr},
        BadOption{"threads_zero", "--threads 0", "--threads", "a positive integer up to 4096, e.g. --threads 8", nullptr},
        BadOption{"threads_too_many", "--threads 5000", "--threads", "a positive integer up to 4096, e.g. --threads 8", nullptr},
        BadOption{"warmup_negative", "--warmup -1", "--warmup", "an integer from 0 to 10000000, e.g. --warmup 500", nullptr},
        BadOption{"warmup_too_large", "--warmup 10000001", "--warmup", "an integer from 0 to 10000000", nullptr},
        BadOption{"draws_too_few", "--draws 2", "--draws", "an integer from 4 to 10000000, e.g. --draws 1000", nullptr},
        BadOption{"draws_too_large", "--draws 10000001", "--draws", "an integer from 4 to 10000000", nullptr},
        BadOption{"max_steps_zero", "--max-steps 0", "--max-steps", "a positive integer up to 1000000, e.g. --max-steps 1024", nullptr},
        BadOption{"max_steps_too_large", "--max-steps 1000001", "--max-steps", "a positive integer up to 1000000", nullptr},
        BadOption{"chains_times_draws", "--chains 1000000 --draws 10000", "--chains", "chains x draws at most 1000000000", nullptr},
        BadOption{"new_clinic_size_negative", "--new-clinic-size -5", "--new-clinic-size", "an integer from 0 (off) to 1000000000", nullptr},
        // real numbers
        BadOption{"target_accept_out_of_range", "--target-accept 1.5", "--target-accept",
                  "a number strictly between 0 and 1, e.g. --target-accept 0.8",
                  "--target-accept: expected a number strictly between 0 and 1, e.g. --target-accept 0.8; got '1.5'"},
        BadOption{"target_accept_not_a_number", "--target-accept high", "--target-accept", "a number strictly between 0 and 1", nullptr},
        BadOption{"baseline_rate_nan", "--baseline-rate nan", "--baseline-rate", "a control-arm rate strictly between 0 and 1", nullptr},
        BadOption{"baseline_rate_one", "--baseline-rate 1", "--baseline-rate", "a control-arm rate strictly between 0 and 1, e.g. --baseline-rate 0.3", nullptr},
        BadOption{"threshold_inf", "--report --threshold inf", "--threshold", "a finite number, e.g. --threshold 0.5", nullptr},
        // words
        BadOption{"sampler", "--sampler nuts", "--sampler", "is not one of hmc, gibbs", "--sampler: 'nuts' is not one of hmc, gibbs; e.g. --sampler hmc"},
        BadOption{"baseline", "--baseline fixed", "--baseline", "is not one of independent, random", nullptr},
        BadOption{"parametrisation", "--parametrisation centered", "--parametrisation", "is not one of auto, centred, non-centred", nullptr},
        BadOption{"frequentist", "--frequentist some", "--frequentist", "is not one of none, basic, all", nullptr},
        BadOption{"study_draws", "--study-draws maybe", "--study-draws", "is not one of auto, yes, no", nullptr},
        BadOption{"force_with_value", "--force=yes", "--force", "write just --force", nullptr},
        // priors
        BadOption{"prior_mu_negative_sd", "--prior-mu 'normal(0,-1)'", "--prior-mu", "accepted: normal(mean,sd) with sd > 0",
                  "--prior-mu: invalid prior 'normal(0,-1)': sd must be > 0 (accepted: normal(mean,sd) with sd > 0)"},
        BadOption{"prior_tau_normal", "--prior-tau 'normal(0,-1)'", "--prior-tau", kTauForm, nullptr},
        BadOption{"prior_tau_no_argument", "--prior-tau 'half-normal()'", "--prior-tau", kTauForm, nullptr},
        BadOption{"prior_tau_cauchy", "--prior-tau 'cauchy(0,1)'", "--prior-tau", kTauForm,
                  "--prior-tau: invalid prior 'cauchy(0,1)': unknown prior 'cauchy' (accepted: half-normal(s), half-cauchy(s), "
                  "half-t(nu,s), uniform(0,u), log-normal(m,s) with s, nu, u > 0)"},
        BadOption{"prior_tau_not_a_spec", "--prior-tau 1", "--prior-tau", kTauForm, nullptr},
        BadOption{"prior_baseline_sd", "--prior-baseline-sd 'normal(0,1)'", "--prior-baseline-sd", kTauForm, nullptr},
        BadOption{"prior_beta", "--prior-beta 'normal(0)'", "--prior-beta", "accepted: normal(mean,sd)", nullptr},
        BadOption{"prior_beta_unknown_name", "--prior-beta 'dose=normal(0,1)'", "--prior-beta", "NAME=normal(m,s)", nullptr},
        // lists
        BadOption{"covariates_empty_item", "--covariates 'a,,b'", "--covariates",
                  "expected comma-separated column names, e.g. --covariates dose,region", nullptr},
        BadOption{"ignore_columns_repeated", "--ignore-columns a,a", "--ignore-columns", "comma-separated column names", nullptr},
        BadOption{"ignore_and_covariate", "--covariates x --ignore-columns x", "--ignore-columns",
                  "a column is either used as a covariate or left out", nullptr},
        BadOption{"new_clinic_not_name_value", "--covariates x --new-clinic x", "--new-clinic", "NAME=VALUE", nullptr},
        // outcome names (checked against the file)
        BadOption{"outcome_unknown", "--outcome nope", "--outcome", "(outcomes: rare)",
                  nullptr}),
    [](const ::testing::TestParamInfo<BadOption>& i) { return std::string(i.param.name); });

TEST(InputHardening, UnknownOutcomeListsTheOutcomes) {
  const auto dir = hbm::test::fresh_temp_dir("outcome");
  const fs::path file = dir / "two.csv", out = dir / "o";
  write_text(file, "outcome,study,events,total\nmortality,A,1,10\nmortality,B,2,10\nrescue,A,3,10\n");
  const auto r = run_hbmeta("fit " + file.string() + " --out " + out.string() + " --outcome nope");
  expect_one_line_rejection(r, "--outcome nope", out, {});
  EXPECT_EQ(r.err, "hbmeta: --outcome: no outcome 'nope' in " + file.string() +
                       " (outcomes: mortality, rescue); expected one of these names, as written in the outcome column, "
                       "e.g. --outcome mortality\n");
  fs::remove_all(dir);
}

// --device cuda where no CUDA device can be used: one line saying why and what to use instead.
TEST(InputHardening, DeviceCudaWithoutAGpuSaysWhy) {
#ifdef HBMETA_HAVE_CUDA
  if (hbm::cuda::device_count() > 0) GTEST_SKIP() << "a CUDA device is present: --device cuda would run";
#endif
  const auto dir = hbm::test::fresh_temp_dir("device");
  const fs::path out = dir / "o";
  const auto r = run_hbmeta("fit " + kFixtures + "/rare_events.csv --out " + out.string() + " --device cuda");
  expect_one_line_rejection(r, "--device cuda", out, {});
  EXPECT_NE(r.err.find("use --device cpu"), std::string::npos) << r.err;
#ifdef HBMETA_HAVE_CUDA
  // what the CUDA runtime said (no device, or a driver problem), not a bare "no device"
  EXPECT_NE(r.err.find("no usable CUDA device ("), std::string::npos) << r.err;
#endif
  fs::remove_all(dir);
}

// Commands and positional arguments: one line too, not the usage text.
TEST(InputHardening, CommandLineShapeErrorsAreOneLine) {
  const auto dir = hbm::test::fresh_temp_dir("shape");
  const fs::path out = dir / "o";
  const std::string csv = kFixtures + "/rare_events.csv";
  struct {
    std::string args, must;
  } cases[] = {
      {"fit --out " + out.string(), "fit: missing the input CSV; usage: hbmeta fit DATA.csv"},
      {"fit " + csv + " " + csv + " --out " + out.string(), "fit: more than one input CSV given"},
      {"fitt " + csv, "unknown command 'fitt'; expected fit, diagnose or report"},
      {"report", "report: missing the output folder; usage: hbmeta report DIR"},
      {"report " + dir.string() + " --threshold abc", "--threshold: expected a finite number, e.g. --threshold 0.5; got 'abc'"},
      {"report " + dir.string() + " --colour red", "report: unknown option '--colour' (all options: hbmeta report --help)"},
  };
  for (const auto& c : cases) {
    const auto r = run_hbmeta(c.args);
    expect_one_line_rejection(r, c.args, out, {c.must});
  }
  fs::remove_all(dir);
}

// ---- input files through the binary ------------------------------------------------------

TEST(InputHardening, UnknownColumnIsAnErrorUntilUsedOrIgnored) {
  const auto dir = hbm::test::fresh_temp_dir("unknown-col");
  const fs::path file = dir / "notes.csv";
  write_text(file, "outcome,study,events,total,note\nm,A,1,10,x\nm,B,2,12,y\nm,C,4,15,z\n");
  const auto bad = run_hbmeta("fit " + file.string() + " --out " + (dir / "o").string());
  expect_one_line_rejection(bad, "unknown column", dir / "o", {});
  EXPECT_EQ(bad.err, "hbmeta: " + file.string() +
                         ":1: unknown column 'note'; known columns are outcome, study, events, total, events_t, total_t, "
                         "events_c, total_c; use it with --covariates note, or leave it out with --ignore-columns note\n");
  const auto typo = run_hbmeta("fit " + file.string() + " --out " + (dir / "o").string() + " --ignore-columns notes");
  expect_one_line_rejection(typo, "--ignore-columns notes", dir / "o",
                            {file.string() + ":1: --ignore-columns names column 'notes', which is not in the header"});
  const auto ok = run_hbmeta("fit " + file.string() + " --out " + (dir / "ok").string() +
                             " --ignore-columns note --chains 2 --warmup 50 --draws 20 --frequentist none --quiet");
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_TRUE(fs::exists(dir / "ok" / "summary.json"));
  fs::remove_all(dir);
}

TEST(InputHardening, DevZeroIsRejectedQuickly) {
  if (!fs::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
  const auto dir = hbm::test::fresh_temp_dir("devzero");
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_hbmeta("fit /dev/zero --out " + (dir / "o").string());
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
  expect_one_line_rejection(r, "/dev/zero", dir / "o", {"/dev/zero: cannot open: it is a character device"});
  fs::remove_all(dir);
}

// A FIFO fed 1 GB without a line break: the binary stops at the 1 MiB line limit, and the
// writer (which never blocks for good: non-blocking open and poll, SIGPIPE blocked in its
// thread, 60 s deadline) gets EPIPE long before the GB.
TEST(InputHardening, FifoWithOneGigabyteLineIsRejectedWithoutReadingIt) {
  const auto dir = hbm::test::fresh_temp_dir("fifo");
  const std::string fifo = (dir / "feed.csv").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  std::atomic<long long> written{0};
  std::thread writer([&] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int fd;
    while ((fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
      if (errno != ENXIO || std::chrono::steady_clock::now() > deadline) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    const std::string header = "outcome,study,events,total\n";
    const std::string chunk(std::size_t{1} << 16, 'a');
    bool header_done = false;
    while (written < (1LL << 30) && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const std::string& s = header_done ? chunk : header;
      const ssize_t w = ::write(fd, s.data(), s.size());
      if (w < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        break;  // EPIPE: hbmeta closed the FIFO
      }
      if (!header_done && static_cast<std::size_t>(w) != header.size()) break;  // (a pipe takes 27 bytes whole)
      header_done = true;
      written += w;
    }
    ::close(fd);
  });
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_hbmeta("fit " + fifo + " --out " + (dir / "o").string());
  writer.join();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 30.0);
  expect_one_line_rejection(r, "fifo", dir / "o", {fifo + ":2: line is longer than 1 MiB (1048576 bytes)"});
  EXPECT_LT(written.load(), 16LL << 20) << "hbmeta read far past the 1 MiB line limit";
  fs::remove_all(dir);
}

// As root (CI), the binary runs in a child that has dropped to nobody (65534:65534), so the
// permission check is real; skipped only when privileges cannot be dropped.
TEST(InputHardening, UnreadableFileIsRejectedAlsoWhenStartedAsRoot) {
  const auto dir = hbm::test::fresh_temp_dir("locked");
  const fs::path file = dir / "locked.csv", out = dir / "o";
  write_text(file, "outcome,study,events,total\nm,A,1,2\n");
  fs::permissions(file, fs::perms::none);
  int err_pipe[2];
  ASSERT_EQ(::pipe(err_pipe), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(err_pipe[0]);
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0))
      ::_exit(77);
    if (::geteuid() == 0) ::_exit(77);
    ::dup2(err_pipe[1], 2);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 1);
    const std::string f = file.string(), o = out.string();
    ::execl(HBMETA_BINARY, "hbmeta", "fit", f.c_str(), "--out", o.c_str(), static_cast<char*>(nullptr));
    ::_exit(errno == EACCES ? 78 : 127);
  }
  ::close(err_pipe[1]);
  std::string err;
  char buf[4096];
  for (ssize_t got; (got = ::read(err_pipe[0], buf, sizeof buf)) > 0;) err.append(buf, static_cast<std::size_t>(got));
  ::close(err_pipe[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  const int status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  fs::permissions(file, fs::perms::owner_all);
  if (status == 77) GTEST_SKIP() << "cannot drop root privileges here";
  if (status == 78) GTEST_SKIP() << "the binary is not executable by nobody (" << HBMETA_BINARY << ")";
  EXPECT_EQ(status, 2) << err;
  EXPECT_EQ(err, "hbmeta: " + file.string() +
                     ": cannot open: permission denied; make the file readable (chmod +r) or copy it somewhere you can read\n");
  EXPECT_FALSE(fs::exists(out));
  fs::remove_all(dir);
}

}  // namespace
