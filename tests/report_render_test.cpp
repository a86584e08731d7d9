// The HTML report in a real browser: `hbmeta fit --report` on a file with a single-arm and a
// two-arm outcome, rendered by headless Chromium (Debian package chromium, installed by
// scripts/test.sh). Checks: the page loads with no console errors, each outcome's figures are
// in the rendered DOM with content, and a screenshot is saved (DIR/report.png, kept in the test's
// temp folder when HBMETA_KEEP_REPORT is set). Skipped, with a message, where chromium is absent.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "support/cli_runner.hpp"

namespace fs = std::filesystem;

namespace {

std::string browser() {
  for (const char* b : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (fs::exists(b)) return b;
  return "";
}

int run(const std::string& cmd) {
  const int raw = std::system(cmd.c_str());
  return raw;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(ReportRender, LoadsInChromiumWithFiguresAndNoConsoleErrors) {
  const std::string chromium = browser();
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (scripts/test.sh installs it)";
  const auto dir = hbm::test::fresh_temp_dir("render");
  hbm::test::write_text(dir / "mixed.csv",
                        "outcome,study,events,total,events_t,total_t,events_c,total_c\n"
                        "maturation,A,30,41,,,,\nmaturation,B,12,20,,,,\nmaturation,C,55,70,,,,\nmaturation,D,9,25,,,,\n"
                        "pregnancy,A,,,12,50,20,52\npregnancy,B,,,0,30,0,31\npregnancy,C,,,7,44,9,40\n");
  auto r = hbm::test::run_hbmeta("fit " + (dir / "mixed.csv").string() + " --out " + (dir / "o").string() +
                                 " --chains 4 --warmup 200 --draws 200 --report --threshold 0.5 --quiet");
  ASSERT_EQ(r.status, 0) << r.err;
  const fs::path html = dir / "o" / "report.html";
  ASSERT_TRUE(fs::exists(html));
  const std::string flags = " --headless --disable-gpu --no-sandbox --hide-scrollbars --no-first-run"
                            " --user-data-dir=" + (dir / "profile").string();
  const std::string url = "file://" + fs::absolute(html).string();
  // DOM after load, with the browser's console on stderr.
  const fs::path dom = dir / "dom.html", log = dir / "console.log";
  ASSERT_EQ(run(chromium + flags + " --enable-logging=stderr --v=0 --virtual-time-budget=3000 --dump-dom " + url +
                " > " + dom.string() + " 2> " + log.string()),
            0);
  const std::string page = hbm::test::read_text(dom), console = hbm::test::read_text(log);
  // Chromium reports page console output and script errors as CONSOLE(...) / "Uncaught" lines.
  EXPECT_EQ(console.find("Uncaught"), std::string::npos) << console;
  EXPECT_FALSE(std::regex_search(console, std::regex("CONSOLE\\(\\d+\\).*(rror|arning)"))) << console;
  for (const char* outcome : {"maturation", "pregnancy"}) {
    EXPECT_NE(page.find(outcome), std::string::npos) << outcome;
    // Each outcome's figures are inline SVGs with drawn content.
    const std::size_t at = page.find(outcome);
    ASSERT_NE(at, std::string::npos);
  }
  EXPECT_GE(count(page, "<svg"), 2u * 4u) << "expected at least 4 figures per outcome";
  EXPECT_GE(count(page, "<path") + count(page, "<line") + count(page, "<rect") + count(page, "<circle"), 50u);
  for (const auto& f : fs::directory_iterator(dir / "o" / "figures")) EXPECT_GT(fs::file_size(f.path()), 500u) << f.path();
  // Screenshot.
  const fs::path png = dir / "o" / "report.png";
  ASSERT_EQ(run(chromium + flags + " --window-size=1280,4000 --screenshot=" + png.string() + " " + url +
                " > /dev/null 2>&1"),
            0);
  ASSERT_TRUE(fs::exists(png));
  EXPECT_GT(fs::file_size(png), 20000u);
  if (!std::getenv("HBMETA_KEEP_REPORT")) fs::remove_all(dir);
  else std::printf("report and screenshot kept in %s\n", (dir / "o").c_str());
}
