// Tests of host/csv_reader: the RFC 4180 grammar, line numbering, and every input error message
// (checked exactly; the full list is in docs/input_errors.md).
#include "host/io/csv_reader.hpp"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

const char* const kHeader = "outcome,study,events,total\n";

// Runs `body` in a forked child that has dropped root privileges to nobody (65534:65534), and
// returns what it returned. status: 0 when the body ran, kCannotDrop when the child could not
// drop privileges (text says why), anything else when the child died.
constexpr int kCannotDrop = 77;
struct UnprivilegedResult {
  int status = -1;
  std::string text;
};
UnprivilegedResult as_nobody(const std::function<std::string()>& body) {
  UnprivilegedResult r;
  int fds[2];
  if (::pipe(fds) != 0) return r;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string text;
    int code = 0;
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0 || ::geteuid() == 0) {
      text = std::string("setgid/setuid(65534): ") + std::strerror(errno);
      code = kCannotDrop;
    } else {
      text = body();
    }
    for (std::size_t off = 0; off < text.size();) {
      const ssize_t w = ::write(fds[1], text.data() + off, text.size() - off);
      if (w <= 0) break;
      off += static_cast<std::size_t>(w);
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return r;
  }
  char buf[4096];
  for (ssize_t got; (got = ::read(fds[0], buf, sizeof buf)) > 0;) r.text.append(buf, static_cast<std::size_t>(got));
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

// Feeds a FIFO from a thread: `prefix`, then up to `bytes` bytes of `fill`. It never blocks for
// good, so a test cannot hang whatever the reader does: it opens the FIFO without blocking
// (retrying until a reader has it open, for at most 30 s), waits for room with poll(), and stops
// when the reader closes its end (EPIPE; SIGPIPE is blocked in this thread only), after `bytes`
// or after 30 s. join() returns how many bytes the reader let it write.
class FifoWriter {
 public:
  FifoWriter(std::string path, std::string prefix, char fill, long long bytes)
      : thread_([this, path = std::move(path), prefix = std::move(prefix), fill, bytes] {
          run(path, prefix, fill, bytes);
        }) {}
  ~FifoWriter() { join(); }
  long long join() {
    if (thread_.joinable()) thread_.join();
    return written_.load();
  }

 private:
  void run(const std::string& path, const std::string& prefix, char fill, long long bytes) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int fd;
    while ((fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
      if (errno != ENXIO || std::chrono::steady_clock::now() > deadline) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const std::string chunk(std::size_t{1} << 16, fill);
    std::size_t prefix_done = 0;
    while (written_ < static_cast<long long>(prefix.size()) + bytes &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const char* data;
      std::size_t n;
      if (prefix_done < prefix.size()) {
        data = prefix.data() + prefix_done;
        n = prefix.size() - prefix_done;
      } else {
        data = chunk.data();
        n = static_cast<std::size_t>(
            std::min<long long>(static_cast<long long>(chunk.size()),
                                static_cast<long long>(prefix.size()) + bytes - written_));
      }
      const ssize_t w = ::write(fd, data, n);
      if (w < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        break;  // EPIPE: the reader has closed the FIFO
      }
      if (prefix_done < prefix.size()) prefix_done += static_cast<std::size_t>(w);
      written_ += w;
    }
    ::close(fd);
  }

  std::atomic<long long> written_{0};
  std::thread thread_;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

class CsvReader : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("hbmeta_csv_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_ / "locked.csv", fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }

  // Writes the bytes exactly as given (binary, no newline translation) and returns the path.
  std::string write(const std::string& content, const std::string& name = "in.csv") {
    const fs::path p = dir_ / name;
    std::ofstream f(p, std::ios::binary);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    f.close();
    return p.string();
  }

  // The message read_outcomes throws for this file content; fails the test if none.
  std::string error_for(const std::string& content) { return error_at(write(content)); }

  static std::string error_at(const std::string& path, const std::vector<std::string>& covariates = {},
                              const std::vector<std::string>& ignore = {}) {
    try {
      hbm::read_outcomes(path, covariates, ignore);
    } catch (const hbm::InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no InputError for " << path;
    return "";
  }

  std::string path() const { return (dir_ / "in.csv").string(); }

  fs::path dir_;
};

// ---- accepted input --------------------------------------------------------------------------

TEST_F(CsvReader, ReadsSimpleFile) {
  const auto out = hbm::read_outcomes(write(std::string(kHeader) +
                                              "mortality,Smith 2001,3,40\n"
                                              "mortality,Jones 2004,0,25\n"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].name, "mortality");
  ASSERT_EQ(out[0].studies.size(), 2u);
  EXPECT_EQ(out[0].studies[0].name, "Smith 2001");
  EXPECT_EQ(out[0].studies[0].events, 3);
  EXPECT_EQ(out[0].studies[0].total, 40);
  EXPECT_EQ(out[0].studies[0].line, 2);
  EXPECT_EQ(out[0].studies[1].name, "Jones 2004");
  EXPECT_EQ(out[0].studies[1].events, 0);
  EXPECT_EQ(out[0].studies[1].total, 25);
  EXPECT_EQ(out[0].studies[1].line, 3);
}

TEST_F(CsvReader, OutcomesInOrderOfFirstAppearanceStudiesInFileOrder) {
  const auto out = hbm::read_outcomes(write(std::string(kHeader) +
                                              "rescue,B,1,10\n"
                                              "mortality,A,2,20\n"
                                              "rescue,A,3,30\n"
                                              "mortality,C,4,40\n"
                                              "mortality,B,5,50\n"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "rescue");
  EXPECT_EQ(out[1].name, "mortality");
  ASSERT_EQ(out[0].studies.size(), 2u);
  EXPECT_EQ(out[0].studies[0].name, "B");
  EXPECT_EQ(out[0].studies[1].name, "A");
  EXPECT_EQ(out[0].studies[1].line, 4);
  ASSERT_EQ(out[1].studies.size(), 3u);
  EXPECT_EQ(out[1].studies[0].name, "A");
  EXPECT_EQ(out[1].studies[1].name, "C");
  EXPECT_EQ(out[1].studies[2].name, "B");
  EXPECT_EQ(out[1].studies[2].events, 5);
}

TEST_F(CsvReader, ColumnsInAnyOrderExtraColumnsIgnoredWhenNamed) {
  const auto out = hbm::read_outcomes(write("note,total,study,year,events,outcome\n"
                                              "x,40,Smith,2001,3,mortality\n"),
                                      {}, {"note", "year"});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].name, "mortality");
  EXPECT_EQ(out[0].studies[0].name, "Smith");
  EXPECT_EQ(out[0].studies[0].events, 3);
  EXPECT_EQ(out[0].studies[0].total, 40);
}

TEST_F(CsvReader, QuotedFieldsWithEscapedQuotesAndCommas) {
  const auto out = hbm::read_outcomes(write(std::string(kHeader) +
                                              "\"death, any cause\",\"Smith \"\"Jr\"\", 2001\",\"3\",40\n"
                                              "\"death, any cause\",  \"  padded  \"  , 1 , 2 \n"
                                              "\"\"\"quoted\"\"\",Lee,0,1\n"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "death, any cause");
  ASSERT_EQ(out[0].studies.size(), 2u);
  EXPECT_EQ(out[0].studies[0].name, "Smith \"Jr\", 2001");
  EXPECT_EQ(out[0].studies[0].events, 3);
  EXPECT_EQ(out[0].studies[1].name, "  padded  ");  // quoted content kept verbatim
  EXPECT_EQ(out[0].studies[1].events, 1);
  EXPECT_EQ(out[0].studies[1].total, 2);
  EXPECT_EQ(out[1].name, "\"quoted\"");
}

TEST_F(CsvReader, UnquotedFieldsAreTrimmed) {
  const auto out = hbm::read_outcomes(write(" outcome , study\t,events ,  total\n"
                                              "  mortality  ,\tSmith 2001 \t,  3,40  \n"));
  EXPECT_EQ(out[0].name, "mortality");
  EXPECT_EQ(out[0].studies[0].name, "Smith 2001");
  EXPECT_EQ(out[0].studies[0].events, 3);
  EXPECT_EQ(out[0].studies[0].total, 40);
}

TEST_F(CsvReader, EmbeddedNewlineInQuotesCountsPhysicalLines) {
  const std::string p = write(std::string(kHeader) +
                              "mortality,\"Smith\n2001\",3,40\n"   // lines 2-3
                              "mortality,\"Jones\r\n\r\n2004\",1,10\n"  // lines 4-6
                              "mortality,Lee,1,10\n");             // line 7
  const auto out = hbm::read_outcomes(p);
  ASSERT_EQ(out[0].studies.size(), 3u);
  EXPECT_EQ(out[0].studies[0].name, "Smith\n2001");
  EXPECT_EQ(out[0].studies[0].line, 2);
  EXPECT_EQ(out[0].studies[1].name, "Jones\n\n2004");
  EXPECT_EQ(out[0].studies[1].line, 4);
  EXPECT_EQ(out[0].studies[2].line, 7);

  EXPECT_EQ(error_for(std::string(kHeader) + "mortality,\"Smith\n2001\",3,40\n"
                                             "mortality,Lee,31,30\n"),
            path() + ":4: events (31) exceeds total (30)");
}

TEST_F(CsvReader, CrlfLineEndings) {
  const auto out = hbm::read_outcomes(write("outcome,study,events,total\r\n"
                                              "mortality,Smith,3,40\r\n"
                                              "\r\n"
                                              "mortality,Jones,1,10\r\n"));
  ASSERT_EQ(out[0].studies.size(), 2u);
  EXPECT_EQ(out[0].studies[1].name, "Jones");
  EXPECT_EQ(out[0].studies[1].total, 10);
  EXPECT_EQ(out[0].studies[1].line, 4);
  EXPECT_EQ(error_for("outcome,study,events,total\r\nm,A,1,2\r\nm,B,5,4\r\n"),
            path() + ":3: events (5) exceeds total (4)");
}

TEST_F(CsvReader, LoneCarriageReturnLineEndings) {
  const auto out = hbm::read_outcomes(write("outcome,study,events,total\rm,A,1,2\rm,B,3,4\r"));
  ASSERT_EQ(out[0].studies.size(), 2u);
  EXPECT_EQ(out[0].studies[1].line, 3);
  EXPECT_EQ(out[0].studies[1].total, 4);
}

TEST_F(CsvReader, Utf8ByteOrderMarkIsSkipped) {
  const auto out = hbm::read_outcomes(write("\xEF\xBB\xBFoutcome,study,events,total\n"
                                              "mortality,M\xC3\xBCller 2003,3,40\n"));
  EXPECT_EQ(out[0].name, "mortality");
  EXPECT_EQ(out[0].studies[0].name, "M\xC3\xBCller 2003");
  EXPECT_EQ(error_for("\xEF\xBB\xBFoutcome,study,events,total\nm,A,1,0\n"),
            path() + ":2: total is 0; every study needs at least one participant (delete the row "
                     "if the study did not report this outcome)");
}

TEST_F(CsvReader, NoTrailingNewline) {
  const auto out = hbm::read_outcomes(write("outcome,study,events,total\nm,A,1,2\nm,B,3,4"));
  ASSERT_EQ(out[0].studies.size(), 2u);
  EXPECT_EQ(out[0].studies[1].total, 4);
  const auto q = hbm::read_outcomes(write("outcome,study,events,total\nm,A,1,\"2\""));
  EXPECT_EQ(q[0].studies[0].total, 2);
}

TEST_F(CsvReader, BlankLinesAreSkippedAnywhere) {
  const auto out = hbm::read_outcomes(write("\n  \n\r\noutcome,study,events,total\n\n"
                                              "m,A,1,2\n \t \n\nm,B,3,4\n\n\n   \n"));
  ASSERT_EQ(out[0].studies.size(), 2u);
  EXPECT_EQ(out[0].studies[0].line, 6);
  EXPECT_EQ(out[0].studies[1].line, 9);
  const auto t = hbm::read_csv(path());
  EXPECT_EQ(t.header_line, 4);
  EXPECT_EQ(t.row_lines, (std::vector<long>{6, 9}));
}

TEST_F(CsvReader, LargeCountsUpToInt64) {
  const auto out = hbm::read_outcomes(write(std::string(kHeader) +
                                              "m,A,999999999999,1000000000000\n"
                                              "m,B,9223372036854775807,9223372036854775807\n"
                                              "m,C,007,0010\n"));
  EXPECT_EQ(out[0].studies[0].events, 999999999999LL);
  EXPECT_EQ(out[0].studies[0].total, 1000000000000LL);
  EXPECT_EQ(out[0].studies[1].events, 9223372036854775807LL);
  EXPECT_EQ(out[0].studies[2].events, 7);
  EXPECT_EQ(out[0].studies[2].total, 10);
}

TEST_F(CsvReader, SameStudyNameInDifferentOutcomesIsFine) {
  const auto out = hbm::read_outcomes(write(std::string(kHeader) + "a,Smith,1,2\nb,Smith,1,2\n"));
  EXPECT_EQ(out.size(), 2u);
}

TEST_F(CsvReader, ReadCsvKeepsRowsAndLines) {
  const auto t = hbm::read_csv(write("a,b\n1,\"x\ny\"\n\n3,4\n"));
  EXPECT_EQ(t.path, path());
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "x\ny"}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(t.row_lines, (std::vector<long>{2, 5}));
  EXPECT_EQ(t.header_line, 1);
}

TEST_F(CsvReader, BareQuoteInsideUnquotedFieldIsLiteral) {
  const auto out = hbm::read_outcomes(write(std::string(kHeader) + "m,Smith \"Jr\",1,2\n"));
  EXPECT_EQ(out[0].studies[0].name, "Smith \"Jr\"");
}

// ---- opening the file ----------------------------------------------------------------------

TEST_F(CsvReader, RejectsMissingFile) {
  const std::string p = (dir_ / "nope.csv").string();
  EXPECT_EQ(error_at(p), p + ": cannot open: no such file; check the spelling of the path");
}

TEST_F(CsvReader, MissingRelativePathNamesCurrentDirectory) {
  const std::string rel = "hbmeta_no_such_dir_for_test/rescue.csv";
  EXPECT_EQ(error_at(rel), rel + ": cannot open: no such file (relative to the current directory " +
                               fs::current_path().string() + "); check the spelling of the path");
}

TEST_F(CsvReader, RelativePathIsReportedAsGiven) {
  write(std::string(kHeader) + "m,A,31,30\n", "rescue.csv");
  const fs::path old = fs::current_path();
  fs::current_path(dir_);
  const std::string msg = error_at("./rescue.csv");
  fs::current_path(old);
  EXPECT_EQ(msg, "./rescue.csv:2: events (31) exceeds total (30)");
}

TEST_F(CsvReader, RejectsDirectory) {
  EXPECT_EQ(error_at(dir_.string()),
            dir_.string() +
                ": cannot open: it is a directory, not a file; give the path of the CSV file itself");
}

// As root (CI runs as root) a child process drops to nobody (uid/gid 65534) and reads the
// file there; only when it cannot drop privileges is the test skipped.
TEST_F(CsvReader, RejectsUnreadableFile) {
  const std::string p = write(std::string(kHeader) + "m,A,1,2\n", "locked.csv");
  fs::permissions(p, fs::perms::none);
  const std::string want = p + ": cannot open: permission denied; make the file readable (chmod +r) "
                               "or copy it somewhere you can read";
  if (::geteuid() != 0) {
    EXPECT_EQ(error_at(p), want);
    return;
  }
  const UnprivilegedResult r = as_nobody([&]() -> std::string {
    try {
      hbm::read_outcomes(p);
    } catch (const hbm::InputError& e) {
      return e.what();
    }
    return "(no InputError)";
  });
  if (r.status == kCannotDrop) GTEST_SKIP() << "cannot drop root privileges here: " << r.text;
  ASSERT_EQ(r.status, 0) << r.text;
  EXPECT_EQ(r.text, want);
}

TEST_F(CsvReader, RejectsEmptyPath) {
  EXPECT_EQ(error_at(""), "(empty path): cannot open: no input file name was given");
}

// ---- file-level problems -------------------------------------------------------------------

TEST_F(CsvReader, RejectsEmptyFile) {
  EXPECT_EQ(error_for(""), path() + ":1: file is empty; expected a header line such as "
                                    "outcome,study,events,total followed by one row per study");
  EXPECT_EQ(error_for("\xEF\xBB\xBF"),
            path() + ":1: file is empty (only a byte-order mark); expected a header line such as "
                     "outcome,study,events,total followed by one row per study");
}

TEST_F(CsvReader, RejectsOnlyBlankLines) {
  EXPECT_EQ(error_for("\n \r\n\t\n"),
            path() + ":1: file contains only blank lines; expected a header line such as "
                     "outcome,study,events,total followed by one row per study");
}

TEST_F(CsvReader, RejectsHeaderWithoutDataRows) {
  const std::string msg = path() + ":1: no data rows after the header; add one row per study "
                                   "with the columns outcome,study,events,total";
  EXPECT_EQ(error_for("outcome,study,events,total"), msg);
  EXPECT_EQ(error_for("outcome,study,events,total\r\n\r\n\n"), msg);
  EXPECT_EQ(error_for("\n\noutcome,study,events,total\n"),
            path() + ":3: no data rows after the header; add one row per study with the columns "
                     "outcome,study,events,total");
}

// ---- header problems -----------------------------------------------------------------------

TEST_F(CsvReader, RejectsMissingRequiredColumn) {
  EXPECT_EQ(error_for("outcome,study,events,n\nm,A,1,2\n"),
            path() + ":1: missing required column: total; the header must contain "
                     "outcome,study,events,total (in any order, lowercase; outcome may be left out when the file holds one meta-analysis; other columns only with --covariates or --ignore-columns); "
                     "found: outcome,study,events,n; these columns are probably hbmeta's columns under other "
                     "names (metafor's or common ones): rename n -> total");
}

TEST_F(CsvReader, RejectsSeveralMissingColumnsAndSuggestsLowercase) {
  EXPECT_EQ(error_for("Outcome,study,Events,N\nm,A,1,2\n"),
            path() + ":1: missing required columns: events, total; the header must "
                     "contain outcome,study,events,total (single-arm outcomes) or outcome,study,events_t,total_t,events_c,total_c (two-arm outcomes) (in any order, lowercase; outcome may be left out when the file holds one meta-analysis; other columns only with --covariates or --ignore-columns); "
                     "found: Outcome,study,Events,N; column names are "
                     "case-sensitive: rename Outcome to outcome, Events to events; these columns are probably "
                     "hbmeta's columns under other names (metafor's or common ones): rename N -> total");
}

TEST_F(CsvReader, MissingColumnsReportedBeforeRowProblems) {
  // Semicolon-separated with decimal commas: the header is the real problem, not row 2.
  EXPECT_EQ(error_for("outcome;study;events;total\nm;A;1,5;2\n"),
            path() + ":1: missing required columns: study, events, total; the header "
                     "must contain outcome,study,events,total (single-arm outcomes) or outcome,study,events_t,total_t,events_c,total_c (two-arm outcomes) (in any order, lowercase; outcome may be left out when the file holds one meta-analysis; other columns only with --covariates or --ignore-columns); "
                     "found: outcome;study;events;total; the file looks "
                     "semicolon-separated, but hbmeta reads comma-separated files: save it with "
                     "commas as the separator");
}

TEST_F(CsvReader, DetectsTabSeparatedFile) {
  EXPECT_EQ(error_for("outcome\tstudy\tevents\ttotal\nm\tA\t1\t2\n"),
            path() + ":1: missing required columns: study, events, total; the header "
                     "must contain outcome,study,events,total (single-arm outcomes) or outcome,study,events_t,total_t,events_c,total_c (two-arm outcomes) (in any order, lowercase; outcome may be left out when the file holds one meta-analysis; other columns only with --covariates or --ignore-columns); "
                     "found: outcome\tstudy\tevents\ttotal; the file looks "
                     "tab-separated, but hbmeta reads comma-separated files: save it with commas "
                     "as the separator");
}

TEST_F(CsvReader, RejectsDuplicateHeaderNames) {
  EXPECT_EQ(error_for("outcome,study,events,total, events\nm,A,1,2,3\n"),
            path() + ":1: duplicate column name 'events' (columns 3 and 5); each column name may "
                     "appear only once; rename or delete one of them");
}

TEST_F(CsvReader, RejectsEmptyHeaderName) {
  EXPECT_EQ(error_for("outcome,study,events,total,\nm,A,1,2,\n"),
            path() + ":1: header column 5 of 5 has no name; give every column a name (or remove "
                     "the extra comma)");
}

// ---- row structure -------------------------------------------------------------------------

TEST_F(CsvReader, RejectsRaggedRows) {
  const std::string hint = "; check for a missing or extra comma (a trailing comma adds an empty "
                           "field) and put values that contain commas in double quotes";
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,1,2\nm,Smith, Jr,1,2\n"),
            path() + ":3: row has 5 fields but the header (line 1) has 4" + hint);
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,1\n"),
            path() + ":2: row has 3 fields but the header (line 1) has 4" + hint);
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,1,2,\n"),
            path() + ":2: row has 5 fields but the header (line 1) has 4" + hint);
  EXPECT_EQ(error_for(std::string(kHeader) + "\"\"\n"),
            path() + ":2: row has 1 field but the header (line 1) has 4" + hint);
}

TEST_F(CsvReader, RejectsUnterminatedQuote) {
  const std::string tail = " is never closed; add the closing quote (a quote character inside a "
                           "quoted field is written as two quotes \"\")";
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,1,2\nm,\"Smith,1,2\nm,B,1,2\n"),
            path() + ":3: unterminated quoted field: the opening quote at byte 3 of field 2" + tail);
  EXPECT_EQ(error_for(std::string(kHeader) + "m,\"A\nB\",1,2\nm,C,1,\"2"),
            path() + ":4: unterminated quoted field: the opening quote at byte 7 of field 4" + tail);
}

TEST_F(CsvReader, RejectsTextAfterClosingQuote) {
  EXPECT_EQ(error_for(std::string(kHeader) + "m,\"Smith \"Jr\" 2001\",1,2\n"),
            path() + ":2: unexpected text after the closing quote of field 2 (at byte 11 of the "
                     "line); a quote character inside a quoted field must be written as two "
                     "quotes \"\"");
}

TEST_F(CsvReader, FirstProblemInFileOrderIsReported) {
  // A value problem on line 2 is reported before a ragged row or open quote further down...
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,5,4\nm,B,1\nm,\"C,1,2\n"),
            path() + ":2: events (5) exceeds total (4)");
  // ...and a ragged row before a value problem further down.
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,1\nm,B,5,4\n"),
            path() + ":2: row has 3 fields but the header (line 1) has 4; check for a missing or "
                     "extra comma (a trailing comma adds an empty field) and put values that "
                     "contain commas in double quotes");
}

// ---- counts --------------------------------------------------------------------------------

TEST_F(CsvReader, RejectsNonIntegerCounts) {
  const std::string h = std::string(kHeader) + "m,A,1,2\n";
  const std::string plain = " is not a whole number; counts must be whole numbers written as "
                            "plain digits, e.g. 12";
  EXPECT_EQ(error_for(h + "m,B,3.5,10\n"), path() + ":3: events (3.5)" + plain);
  EXPECT_EQ(error_for(h + "m,B,3,10.0\n"),
            path() + ":3: total (10.0) has a decimal point; write counts as plain digits: 10 "
                     "instead of 10.0");
  EXPECT_EQ(error_for(h + "m,B,.0,10\n"), path() + ":3: events (.0)" + plain);
  EXPECT_EQ(error_for(h + "m,B,-,10\n"),
            path() + ":3: events (-) is not a number; counts must be whole numbers written as "
                     "plain digits, e.g. 12");
  EXPECT_EQ(error_for(h + "m,B,abc,10\n"),
            path() + ":3: events (abc) is not a number; counts must be whole numbers written as "
                     "plain digits, e.g. 12");
  EXPECT_EQ(error_for(h + "m,B,1e3,10000\n"),
            path() + ":3: events (1e3) is in scientific notation; write counts out as plain "
                     "digits: 1000 instead of 1e3");
  EXPECT_EQ(error_for(h + "m,B,,10\n"),
            path() + ":3: events is empty; enter a whole number (0 or more)");
  EXPECT_EQ(error_for(h + "m,B,1,  \n"),
            path() + ":3: total is empty; enter a whole number (1 or more)");
  EXPECT_EQ(error_for(h + "m,B,+3,10\n"),
            path() + ":3: events (+3) has a '+' sign; write counts as plain digits: 3 instead of +3");
  EXPECT_EQ(error_for(h + "m,B,+3.5,10\n"),
            path() + ":3: events (+3.5) has a '+' sign; write counts as plain digits, e.g. 12");
  EXPECT_EQ(error_for(h + "m,B,NA,10\n"),
            path() + ":3: events (NA) is a missing-value marker; hbmeta needs the observed count "
                     "for every study: fill it in or delete the row");
  EXPECT_EQ(error_for(h + "m,B,1,\"1,000\"\n"),
            path() + ":3: total (1,000) contains digit-group separators; write counts as plain "
                     "digits, e.g. 1000 instead of 1,000");
}

TEST_F(CsvReader, RejectsNegativeCounts) {
  EXPECT_EQ(error_for(std::string(kHeader) + "m,B,-3,10\n"),
            path() + ":2: events (-3) is negative; counts must be 0 or more");
  EXPECT_EQ(error_for(std::string(kHeader) + "m,B,3,-10.5\n"),
            path() + ":2: total (-10.5) is negative; counts must be 0 or more");
}

TEST_F(CsvReader, RejectsCountsThatOverflow64Bits) {
  const std::string tail = " is too large; counts must be at most 9223372036854775807";
  EXPECT_EQ(error_for(std::string(kHeader) + "m,B,1,18446744073709551616\n"),
            path() + ":2: total (18446744073709551616)" + tail);
  EXPECT_EQ(error_for(std::string(kHeader) + "m,B,9223372036854775808,1\n"),
            path() + ":2: events (9223372036854775808)" + tail);
  const std::string huge = "1" + std::string(400, '0');  // 1e400 written out
  EXPECT_EQ(error_for(std::string(kHeader) + "m,B,1," + huge + "\n"),
            path() + ":2: total (10000000000000000000... (401 characters))" + tail);
}

TEST_F(CsvReader, RejectsEventsAboveTotal) {
  EXPECT_EQ(error_for(std::string(kHeader) + "rescue,A,1,2\nrescue,B,31,30\n"),
            path() + ":3: events (31) exceeds total (30)");
}

TEST_F(CsvReader, RejectsZeroTotal) {
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,0,0\n"),
            path() + ":2: total is 0; every study needs at least one participant (delete the row "
                     "if the study did not report this outcome)");
}

// ---- names ---------------------------------------------------------------------------------

TEST_F(CsvReader, RejectsEmptyOutcomeName) {
  const std::string msg = ":2: outcome is empty; every row needs an outcome name (delete the line "
                          "if it is an empty spreadsheet row)";
  EXPECT_EQ(error_for(std::string(kHeader) + ",A,1,2\n"), path() + msg);
  EXPECT_EQ(error_for(std::string(kHeader) + ",,,\n"), path() + msg);
  EXPECT_EQ(error_for(std::string(kHeader) + "\"  \",A,1,2\n"), path() + msg);
}

TEST_F(CsvReader, RejectsEmptyStudyName) {
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,1,2\nm, ,1,2\n"),
            path() + ":3: study is empty; every row needs a study name");
}

TEST_F(CsvReader, RejectsDuplicatedRowWithinOutcome) {
  EXPECT_EQ(error_for(std::string(kHeader) +
                      "mortality,Smith 2001,1,2\nrescue,Smith 2001,1,2\nmortality,Smith 2001,3,4\n\n"
                      "mortality,Smith 2001,3,4\n"),
            path() + ":6: study 'Smith 2001' appears twice in outcome 'mortality' with the same counts (first on "
                     "line 4): a duplicated row; delete one of them");
}

// Two trials reported in one paper often share a label (metadat's dat.anand1999 has "Breddin et
// al 1980" twice, with other counts): both are kept, the later ones as "label [2]", "label [3]",
// with a note (a warning in every output); a row already labelled like that gets the next free
// label.
TEST_F(CsvReader, KeepsRepeatedLabelsWithOtherCountsAsSeparateStudies) {
  const std::string p = write(std::string(kHeader) +
                              "m,Breddin et al 1980,1,20\nm,Other,2,20\nm,Breddin et al 1980,3,20\n"
                              "m,Breddin et al 1980 [2],4,20\nm,Breddin et al 1980,5,20\n");
  const auto out = hbm::read_outcomes(p);
  ASSERT_EQ(out.size(), 1u);
  std::vector<std::string> names;
  for (const auto& st : out[0].studies) names.push_back(st.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Breddin et al 1980", "Other", "Breddin et al 1980 [2]",
                                             "Breddin et al 1980 [2] [2]", "Breddin et al 1980 [3]"}));
  ASSERT_EQ(out[0].notes.size(), 3u);
  EXPECT_EQ(out[0].notes[0],
            "study label 'Breddin et al 1980' is on line 2 and again on line 4 with other counts (e.g. two trials "
            "reported in one paper): both are kept, the one on line 4 as 'Breddin et al 1980 [2]' in every output; "
            "rename them in the file to choose the labels");
  EXPECT_EQ(out[0].studies[4].events, 5);
}

// One meta-analysis without an outcome column: one outcome named after the file.
TEST_F(CsvReader, FileWithoutOutcomeColumnIsOneOutcomeNamedAfterTheFile) {
  const std::string p = write("study,events,total\nA,1,10\nB,2,12\n", "icsi_rates.csv");
  const auto out = hbm::read_outcomes(p);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].name, "icsi_rates");
  EXPECT_EQ(out[0].studies.size(), 2u);
}

// metafor's and other common column names: the message says which hbmeta column each probably
// is, for the two-arm layout too, and what to do with metafor's non-event counts.
TEST_F(CsvReader, MissingColumnsNameTheirLikelyAliases) {
  EXPECT_EQ(error_for("study,ai,bi,ci,di\nA,3,10,4,5\n"),
            path() + ":1: missing required columns: events, total; the header must contain outcome,study,events,total (single-arm "
                     "outcomes) or outcome,study,events_t,total_t,events_c,total_c (two-arm outcomes) "
                     "(in any order, lowercase; outcome may be left out when the file holds one meta-analysis; other columns only with --covariates or --ignore-columns); "
                     "found: study,ai,bi,ci,di; these columns are probably hbmeta's two-arm columns under other names "
                     "(metafor's or common ones): rename ai -> events_t, ci -> events_c; metafor's bi and di (each "
                     "arm's non-events) are not read: give total_t = ai + bi and total_c = ci + di");
  EXPECT_NE(error_for("outcome,study,xi,ni\nm,A,3,10\n").find("rename xi -> events, ni -> total"), std::string::npos);
}

// A covariate written with decimal commas ("1,5", quoted so that the CSV keeps it) is not a
// categorical column with levels "1,5" and "2,5": stop at the first such value.
TEST_F(CsvReader, RejectsDecimalCommaCovariate) {
  const std::string p = write("outcome,study,events,total,dose\nm,A,3,10,2\nm,B,5,20,\"1,5\"\nm,C,3,10,\"2,5\"\n");
  EXPECT_EQ(error_at(p, {"dose"}),
            p + ":3: covariate dose is '1,5', a number with a decimal comma; hbmeta reads decimal points (write 1.5; "
                "from a spreadsheet, export the CSV with '.' as the decimal separator), otherwise the column would "
                "become categorical with one level per value");
  // Text with a comma in a categorical column is not a number: still a level.
  const std::string q = write("outcome,study,events,total,site\nm,A,3,10,\"Leeds, UK\"\nm,B,5,20,Paris\n", "cat.csv");
  EXPECT_NO_THROW(hbm::read_outcomes(q, {"site"}));
}

// ---- bytes that are not a UTF-8 CSV file ---------------------------------------------------

TEST_F(CsvReader, RejectsLineLongerThanOneMebibyte) {
  const std::string longline = "m,\"" + std::string(std::size_t{1} << 20, 'x') + "\",1,2\n";
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,1,2\n" + longline),
            path() + ":3: line is longer than 1 MiB (1048576 bytes); hbmeta expects one short row "
                     "per study, so this is probably not the right file (or not a text file)");
  // Exactly 1 MiB is still accepted.
  const std::string ok = "m," + std::string((std::size_t{1} << 20) - 6, 'y') + ",1,2";
  ASSERT_EQ(ok.size(), std::size_t{1} << 20);
  const auto out = hbm::read_outcomes(write(std::string(kHeader) + ok + "\n"));
  EXPECT_EQ(out[0].studies[0].name.size(), (std::size_t{1} << 20) - 6);
}

TEST_F(CsvReader, RejectsNulBytes) {
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,1,2\nm,B" + std::string(1, '\0') + ",1,2\n"),
            path() + ":3: contains a NUL byte (byte 4 of the line); this is a binary or UTF-16 "
                     "file, not a UTF-8 CSV file; save it as \"CSV UTF-8 (comma delimited)\"");
}

TEST_F(CsvReader, RejectsUtf16) {
  EXPECT_EQ(error_for(std::string("\xFF\xFEo\0u\0", 6)),
            path() + ":1: file is UTF-16 encoded; save it as UTF-8 instead (in Excel: Save As, "
                     "\"CSV UTF-8 (comma delimited)\")");
}

TEST_F(CsvReader, RejectsInvalidUtf8) {
  const std::string tail = " of the line); the file is probably in a legacy encoding such as "
                           "Latin-1 or Windows-1252; save it as \"CSV UTF-8 (comma delimited)\"";
  // Latin-1 "Müller": 0xFC on its own.
  EXPECT_EQ(error_for(std::string(kHeader) + "m,\"A\nB\",1,2\nm,M\xFCller,1,2\n"),
            path() + ":4: invalid UTF-8 (byte 0xFC at byte 4" + tail);
  // Overlong encoding of '/', and a truncated sequence at the end of the file.
  EXPECT_EQ(error_for(std::string(kHeader) + "m,\xC0\xAF,1,2\n"),
            path() + ":2: invalid UTF-8 (byte 0xC0 at byte 3" + tail);
  EXPECT_EQ(error_for(std::string(kHeader) + "m,A,1,2\xE2\x82"),
            path() + ":2: invalid UTF-8 (byte 0xE2 at byte 8" + tail);
  // Encoded UTF-16 surrogate.
  EXPECT_EQ(error_for(std::string(kHeader) + "m,\xED\xA0\x80,1,2\n"),
            path() + ":2: invalid UTF-8 (byte 0xED at byte 3" + tail);
}

// ---- streams, pipes and devices: bounded memory, no hang -----------------------------------

// A FIFO delivering a header, a row and then 1 GB of 'a' without a line break: the reader stops
// after the first 1 MiB of the long line with the line-length error, so the writer gets EPIPE
// long before the GB (the old reader loaded the whole input before checking anything).
TEST_F(CsvReader, FifoWithOneGigabyteLineStopsAtTheLineLimit) {
  const std::string fifo = (dir_ / "feed.csv").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const auto t0 = std::chrono::steady_clock::now();
  FifoWriter writer(fifo, std::string(kHeader) + "m,A,1,2\n", 'a', 1LL << 30);
  const std::string msg = error_at(fifo);
  const long long written = writer.join();
  const double secs = seconds_since(t0);
  EXPECT_EQ(msg, fifo + ":3: line is longer than 1 MiB (1048576 bytes); hbmeta expects one short row "
                        "per study, so this is probably not the right file (or not a text file)");
  EXPECT_LT(written, 16LL << 20) << "the reader read far past the 1 MiB line limit";
  EXPECT_LT(secs, 20.0);
}

// Binary junk through a pipe: the NUL check fires on the first byte.
TEST_F(CsvReader, FifoWithBinaryJunkIsRejectedAtOnce) {
  const std::string fifo = (dir_ / "junk.csv").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  FifoWriter writer(fifo, "", '\0', 1LL << 30);
  const std::string msg = error_at(fifo);
  EXPECT_LT(writer.join(), 16LL << 20);
  EXPECT_EQ(msg, fifo + ":1: contains a NUL byte (byte 1 of the line); this is a binary or UTF-16 file, "
                        "not a UTF-8 CSV file; save it as \"CSV UTF-8 (comma delimited)\"");
}

// A pipe is a valid input (hbmeta fit <(zcat data.csv.gz), /dev/stdin).
TEST_F(CsvReader, ReadsFromFifo) {
  const std::string fifo = (dir_ / "ok.csv").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  FifoWriter writer(fifo, std::string(kHeader) + "m,A,1,2\nm,B,3,4", 'x', 0);
  const auto out = hbm::read_outcomes(fifo);
  writer.join();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].studies.size(), 2u);
  EXPECT_EQ(out[0].studies[1].total, 4);
}

// /dev/zero (and any other device) is refused when opened, before a byte is read.
TEST_F(CsvReader, RejectsDevZeroQuickly) {
  if (!fs::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(error_at("/dev/zero"),
            "/dev/zero: cannot open: it is a character device (such as /dev/zero or a terminal), not a "
            "file; give the path of the CSV file itself (a pipe such as <(command) also works)");
  EXPECT_LT(seconds_since(t0), 5.0);
}

// A 4 GiB file of NUL bytes (sparse, so it takes no disk): rejected from its first line, not
// loaded into memory first.
TEST_F(CsvReader, HugeFileIsNotLoadedIntoMemory) {
  const std::string p = write("");
  if (::truncate(p.c_str(), 4LL << 30) != 0) GTEST_SKIP() << "cannot make a 4 GiB sparse file here: " << std::strerror(errno);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(error_at(p), p + ":1: contains a NUL byte (byte 1 of the line); this is a binary or UTF-16 "
                             "file, not a UTF-8 CSV file; save it as \"CSV UTF-8 (comma delimited)\"");
  EXPECT_LT(seconds_since(t0), 5.0);
}

// An opening quote that is never closed in a long file: the field may span lines, but stops
// at 1 MiB instead of swallowing the rest of the file into memory.
TEST_F(CsvReader, UnterminatedQuoteStopsAfterOneMebibyte) {
  std::string content = std::string(kHeader) + "m,\"";
  for (int k = 0; k < 3000; ++k) content += "\n" + std::string(1000, 'x');
  // Record bytes after line 2+k: 4 + 1001 k, first above 1 MiB at k = 1048 (line 1050).
  EXPECT_EQ(error_for(content),
            path() + ":2: unterminated quoted field: the opening quote at byte 3 of field 2 is not closed "
                     "within 1 MiB (it is still open at the end of line 1050); add the closing quote (a "
                     "quote character inside a quoted field is written as two quotes \"\")");
}

// ---- columns that are not read -------------------------------------------------------------

TEST_F(CsvReader, RejectsUnknownColumns) {
  const std::string known = "known columns are outcome, study, events, total, events_t, total_t, events_c, total_c";
  EXPECT_EQ(error_for("outcome,study,events,total,note\nm,A,1,2,x\n"),
            path() + ":1: unknown column 'note'; " + known +
                "; use it with --covariates note, or leave it out with --ignore-columns note");
  // Reported at the header's line, before any row problem.
  EXPECT_EQ(error_for("\noutcome,study,year,events,total,sample size\nm,A,2001,5,4,9\n"),
            path() + ":2: unknown columns 'year', 'sample size'; " + known +
                "; use them with --covariates 'year,sample size', or leave them out with --ignore-columns "
                "'year,sample size'");
  // Each of them, used or left out, is fine.
  const std::string p = write("outcome,study,events,total,note,dose\nm,A,1,2,x,1\nm,B,1,2,y,2\n", "ok.csv");
  EXPECT_EQ(error_at(p, {"dose"}), p + ":1: unknown column 'note'; " + known +
                                       "; use it with --covariates note, or leave it out with --ignore-columns note");
  EXPECT_EQ(hbm::read_outcomes(p, {"dose"}, {"note"})[0].x_names, (std::vector<std::string>{"dose"}));
  EXPECT_EQ(hbm::read_outcomes(p, {}, {"note", "dose"})[0].studies.size(), 2u);
}

TEST_F(CsvReader, IgnoreColumnsMustNameOtherColumnsOfTheHeader) {
  const std::string p = write("outcome,study,events,total,note\nm,A,1,2,x\n");
  EXPECT_EQ(error_at(p, {}, {"notes"}),
            p + ":1: --ignore-columns names column 'notes', which is not in the header; found: "
                "outcome,study,events,total,note (names are case-sensitive)");
  EXPECT_EQ(error_at(p, {}, {"total"}),
            p + ":1: --ignore-columns names column 'total', which hbmeta reads (outcome, study, events, "
                "total, events_t, total_t, events_c, total_c); only other columns can be left out");
}

// ---- count literals --------------------------------------------------------------------------

TEST_F(CsvReader, CountLiteralsGetAClearMessage) {
  const std::string h = kHeader;
  EXPECT_EQ(error_for(h + "m,A,1,1e400\n"),
            path() + ":2: total (1e400) is in scientific notation and too large; counts must be whole "
                     "numbers of at most 9223372036854775807, written as plain digits");
  EXPECT_EQ(error_for(h + "m,A,1e10,20000000000\n"),
            path() + ":2: events (1e10) is in scientific notation; write counts out as plain digits: "
                     "10000000000 instead of 1e10");
  EXPECT_EQ(error_for(h + "m,A,1,2.5E2\n"),
            path() + ":2: total (2.5E2) is in scientific notation; write counts out as plain digits: "
                     "250 instead of 2.5E2");
  EXPECT_EQ(error_for(h + "m,A,2.5e-1,10\n"),
            path() + ":2: events (2.5e-1) is in scientific notation and not a whole number; counts must be "
                     "whole numbers written as plain digits, e.g. 12");
  EXPECT_EQ(error_for(h + "m,A,3.0,10\n"),
            path() + ":2: events (3.0) has a decimal point; write counts as plain digits: 3 instead of 3.0");
  EXPECT_EQ(error_for(h + "m,A,-0,10\n"),
            path() + ":2: events (-0) is zero written with a '-' sign; write counts as plain digits: 0 "
                     "instead of -0");
  EXPECT_EQ(error_for(h + "m,A,+5,10\n"),
            path() + ":2: events (+5) has a '+' sign; write counts as plain digits: 5 instead of +5");
  EXPECT_EQ(error_for(h + "m,A,0x10,20\n"),
            path() + ":2: events (0x10) is a hexadecimal number; write counts as plain decimal digits: 16 "
                     "instead of 0x10");
  EXPECT_EQ(error_for(h + "m,A,1,0x8000000000000000\n"),
            path() + ":2: total (0x8000000000000000) is a hexadecimal number, and too large; write counts "
                     "as plain decimal digits, at most 9223372036854775807");
  EXPECT_EQ(error_for(h + "m,A,1,1\xC2\xA0" "000\n"),
            path() + ":2: total (1\xC2\xA0" "000) has digit-group separators that are special spaces (such as "
                     "the no-break space U+00A0); write counts as plain digits: 1000 instead of 1\xC2\xA0" "000");
  EXPECT_EQ(error_for(h + "m,A,5\xC2\xA0,10\n"),
            path() + ":2: events (5\xC2\xA0) has a special space (such as the no-break space U+00A0) before or "
                     "after the digits; write counts as plain digits: 5 instead of 5\xC2\xA0");
}

// Ordinary spaces and tabs around a count are not an error: unquoted and quoted fields alike
// are trimmed before the count is read.
TEST_F(CsvReader, SpacesAroundCountsAreAccepted) {
  const auto out = hbm::read_outcomes(write(std::string(kHeader) + "m,A, 5,\t10 \nm,B,\" 5\",\"10 \"\n"));
  ASSERT_EQ(out[0].studies.size(), 2u);
  EXPECT_EQ(out[0].studies[0].events, 5);
  EXPECT_EQ(out[0].studies[0].total, 10);
  EXPECT_EQ(out[0].studies[1].events, 5);
  EXPECT_EQ(out[0].studies[1].total, 10);
}

}  // namespace

// ---- two-arm layout and covariates ---------------------------------------------------------

TEST_F(CsvReader, ReadsTwoArmAndMixedFilesChoosingTheModelPerOutcome) {
  const auto out = hbm::read_outcomes(write(
      "outcome,study,events,total,events_t,total_t,events_c,total_c\n"
      "preg,A,,,4,123,11,139\n"
      "preg,B,,,0,30,0,31\n"
      "mat,A,3,40,,,,\n"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, hbm::OutcomeKind::TwoArm);
  EXPECT_EQ(out[1].kind, hbm::OutcomeKind::SingleArm);
  EXPECT_EQ(out[0].studies[0].events, 4);
  EXPECT_EQ(out[0].studies[0].total, 123);
  EXPECT_EQ(out[0].studies[0].events_c, 11);
  EXPECT_EQ(out[0].studies[0].total_c, 139);
  EXPECT_EQ(out[0].studies[1].events + out[0].studies[1].events_c, 0);  // double zero is valid
  EXPECT_EQ(out[1].studies[0].total, 40);
  // A file with only the two-arm columns.
  const auto two = hbm::read_outcomes(write("outcome,study,events_t,total_t,events_c,total_c\no,s,1,2,0,3\n", "two.csv"));
  EXPECT_EQ(two[0].kind, hbm::OutcomeKind::TwoArm);
}

TEST_F(CsvReader, ExpandsCategoricalCovariatesAndDropsConstantOnes) {
  const auto out = hbm::read_outcomes(write("outcome,study,events,total,dose,region,site\n"
                                            "o,s1,1,10,1.5,eu,x\n"
                                            "o,s2,2,10,-2e-1,us,x\n"
                                            "o,s3,3,10,0,asia,x\n"),
                                      {"dose", "region", "site"});
  ASSERT_EQ(out.size(), 1u);
  const auto& o = out[0];
  // Levels sorted; the first (asia) is the reference. "site" is constant: left out, with a note.
  EXPECT_EQ(o.x_names, (std::vector<std::string>{"dose", "region=eu", "region=us"}));
  EXPECT_EQ(o.x, (std::vector<double>{1.5, 1, 0, -0.2, 0, 1, 0, 0, 0}));
  EXPECT_FALSE(o.covariates[0].categorical);
  EXPECT_TRUE(o.covariates[1].categorical);
  EXPECT_EQ(o.covariates[1].levels, (std::vector<std::string>{"asia", "eu", "us"}));
  EXPECT_TRUE(o.covariates[2].dropped);
  ASSERT_EQ(o.notes.size(), 1u);
  EXPECT_NE(o.notes[0].find("covariate 'site' has the single level 'x'"), std::string::npos);
}

TEST_F(CsvReader, TwoArmErrorsNameTheArm) {
  const std::string h = "outcome,study,events_t,total_t,events_c,total_c\n";
  EXPECT_EQ(error_for(h + "a,s1,11,10,1,10\n"), path() + ":2: events_t (11) exceeds total_t (10)");
  EXPECT_EQ(error_for(h + "a,s1,1,10,1,0\n"),
            path() + ":2: total_c is 0; every arm needs at least one participant (delete the row if the study "
                     "did not report this outcome)");
  EXPECT_EQ(error_for(h + "a,s1,1,10,,10\n"), path() + ":2: events_c is empty; enter a whole number (0 or more)");
  EXPECT_EQ(error_for("outcome,study,events,total,events_t,total_t,events_c,total_c\na,s1,1,10,1,10,1,10\n"),
            path() + ":2: row fills both the single-arm columns (events, total) and the two-arm columns (events_t, "
                     "total_t, events_c, total_c); fill one set and leave the other empty");
}

TEST_F(CsvReader, TwoArmMissingColumnNamesBothLayouts) {
  EXPECT_EQ(error_for("outcome,study,events_t,total_t,events_c\na,s1,3,10,2\n"),
            path() + ":1: missing required column: total_c; the header must contain outcome,study,events,total "
                     "(single-arm outcomes) or outcome,study,events_t,total_t,events_c,total_c (two-arm outcomes) "
                     "(in any order, lowercase; outcome may be left out when the file holds one meta-analysis; "
                     "other columns only with --covariates or --ignore-columns); found: "
                     "outcome,study,events_t,total_t,events_c");
}

TEST_F(CsvReader, RejectsEmptyOrMissingCovariateValues) {
  const std::string p = write("outcome,study,events,total,x\na,s1,3,10,1\na,s2,3,10,\n");
  EXPECT_EQ(error_at(p, {"x"}), p + ":3: covariate x is empty; meta-regression needs every study's value: fill it in, "
                                    "or leave the study out of this analysis");
  const std::string q = write("outcome,study,events,total,x\na,s1,3,10,1\na,s2,3,10,NA\n", "na.csv");
  EXPECT_EQ(error_at(q, {"x"}), q + ":3: covariate x (NA) is a missing-value marker; meta-regression needs every "
                                    "study's value: fill it in, or leave the study out of this analysis");
  EXPECT_EQ(error_at(q, {"dose"}), q + ":1: --covariates names column 'dose', which is not in the header; found: "
                                       "outcome,study,events,total,x (names are case-sensitive)");
}

// 100,000 studies in one outcome (and a second outcome after them): read completely, in order,
// with the right line numbers, quickly (the reader is linear; no timing is asserted here).
TEST_F(CsvReader, ReadsOneHundredThousandStudies) {
  std::string content = kHeader;
  for (int i = 0; i < 100000; ++i) content += "big,s" + std::to_string(i) + "," + std::to_string(i % 50) + ",50\n";
  content += "small,a,1,2\n";
  const auto out = hbm::read_outcomes(write(content));
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].studies.size(), 100000u);
  EXPECT_EQ(out[0].studies[99999].name, "s99999");
  EXPECT_EQ(out[0].studies[99999].events, 99999 % 50);
  EXPECT_EQ(out[0].studies[99999].line, 100001);
  EXPECT_EQ(out[1].studies[0].line, 100002);
}
