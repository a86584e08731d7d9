// The HTML report in a real browser: `hbmeta fit --report` on a file with a single-arm and a
// two-arm outcome, rendered by headless Chromium (Debian package chromium, installed by
// scripts/test.sh), with every sensitivity analysis asked for (--sensitivity all, cumulative by
// year, subgroups by region). Checks, on the DOM Chromium dumps after loading the page: every
// outcome's section holds its 8 figures and the 6 of its sensitivity analyses, each an <svg>
// with drawn shapes (curves, marks, bars; not only the background and axes), and the browser
// logged no console message at all (the page has no scripts, so any would be an error such as a
// failed resource load). A screenshot is saved under the build folder
// (BUILD/test-artifacts/report_render.png, next to the hbmeta binary) and kept, with the report,
// for a person to look at. Skipped, with a message, where chromium is absent.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "support/cli_runner.hpp"

namespace fs = std::filesystem;

namespace {

std::string browser() {
  for (const char* b : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (fs::exists(b)) return b;
  return "";
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// The outcome's <section> of the page.
std::string section(const std::string& page, const std::string& base) {
  const auto a = page.find("<section class=\"outcome\" id=\"o-" + base + "\"");
  if (a == std::string::npos) return "";
  const auto b = page.find("</section>", a);
  return page.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

std::vector<std::string> svgs(const std::string& s) {
  std::vector<std::string> out;
  for (auto a = s.find("<svg"); a != std::string::npos; a = s.find("<svg", a + 4)) {
    const auto b = s.find("</svg>", a);
    if (b == std::string::npos) break;
    out.push_back(s.substr(a, b - a));
  }
  return out;
}

// Shapes that carry data: curves and step lines (polyline), marks and diamonds (polygon,
// circle, rect beyond the white background). Axes are <line>s and do not count.
std::size_t drawn_shapes(const std::string& svg) {
  return count(svg, "<polyline") + count(svg, "<polygon") + count(svg, "<circle") + count(svg, "<rect") - 1;
}

}  // namespace

TEST(ReportRender, LoadsInChromiumWithFiguresAndNoConsoleErrors) {
  const std::string chromium = browser();
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (scripts/test.sh installs it)";
  const auto dir = hbm::test::fresh_temp_dir("render");
  hbm::test::write_text(dir / "mixed.csv",
                        "outcome,study,events,total,events_t,total_t,events_c,total_c,year,region\n"
                        "maturation,A,30,41,,,,,1990,north\nmaturation,B,12,20,,,,,1995,south\n"
                        "maturation,C,55,70,,,,,1993,north\nmaturation,D,9,25,,,,,1999,south\n"
                        "pregnancy,A,,,12,50,20,52,1990,north\npregnancy,B,,,0,30,0,31,1995,south\n"
                        "pregnancy,C,,,7,44,9,40,1993,north\n");
  auto r = hbm::test::run_hbmeta("fit " + (dir / "mixed.csv").string() + " --out " + (dir / "o").string() +
                                 " --chains 4 --warmup 200 --draws 200 --report --threshold 0.5 --quiet"
                                 " --sensitivity all --cumulative year --subgroups region");
  ASSERT_EQ(r.status, 0) << r.err;
  const fs::path html = dir / "o" / "report.html";
  ASSERT_TRUE(fs::exists(html));
  const std::string flags = " --headless --disable-gpu --no-sandbox --hide-scrollbars --no-first-run"
                            " --disable-background-networking --disable-component-update --disable-sync"
                            " --user-data-dir=" + (dir / "profile").string();
  const std::string url = "file://" + fs::absolute(html).string();
  // DOM after load, with the browser's console on stderr.
  const fs::path dom = dir / "dom.html", log = dir / "console.log";
  ASSERT_EQ(std::system((chromium + flags + " --enable-logging=stderr --v=0 --virtual-time-budget=3000 --dump-dom " +
                         url + " > " + dom.string() + " 2> " + log.string())
                            .c_str()),
            0);
  const std::string page = hbm::test::read_text(dom), console = hbm::test::read_text(log);
  ASSERT_NE(page.find("</html>"), std::string::npos) << "no DOM dumped";
  // Chromium logs page console output, script errors and failed loads as CONSOLE(...) lines.
  EXPECT_EQ(count(console, "CONSOLE("), 0u) << console;
  EXPECT_EQ(console.find("Uncaught"), std::string::npos) << console;
  EXPECT_EQ(console.find("Failed to load resource"), std::string::npos) << console;

  for (const char* outcome : {"maturation", "pregnancy"}) {
    SCOPED_TRACE(outcome);
    const std::string sec = section(page, outcome);
    ASSERT_FALSE(sec.empty()) << "no section for " << outcome << " in the rendered DOM";
    const auto figs = svgs(sec);
    EXPECT_EQ(figs.size(), 8u + 6u) << "expected 8 figures and 6 sensitivity figures per outcome";
    EXPECT_EQ(count(sec, "<figure>"), 8u + 6u);
    for (std::size_t i = 0; i < figs.size(); ++i) {
      const std::string title = figs[i].substr(0, std::min<std::size_t>(figs[i].size(), 400));
      EXPECT_GE(drawn_shapes(figs[i]), 1u) << "figure " << i + 1 << " has no drawn shapes: " << title;
      EXPECT_GE(count(figs[i], "<text"), 5u) << "figure " << i + 1 << " has no labels: " << title;
      EXPECT_NE(figs[i].find("viewBox=\"0 0 "), std::string::npos);
    }
    // The curve figures have their curves: densities with the prior, traces and rank lines.
    EXPECT_GE(count(sec, "class=\"prior\""), 2u);
    EXPECT_GE(count(sec, "class=\"trace\""), 2u * 4u);
    EXPECT_GE(count(sec, "class=\"rank\""), 2u * 4u);
    EXPECT_NE(sec.find("class=\"study-row\""), std::string::npos);
    // The sensitivity figures have their rows, and the funnel its three shaded regions and studies.
    EXPECT_NE(sec.find("<h3>Sensitivity analyses</h3>"), std::string::npos);
    EXPECT_GE(count(sec, "<g class=\"sens-row"), 4u * 3u);
    EXPECT_EQ(count(sec, "class=\"funnel-region\""), 3u);
    EXPECT_GE(count(sec, "<g class=\"funnel-study\""), 2u);  // a double-zero study has no log OR
  }
  for (const auto& f : fs::directory_iterator(dir / "o" / "figures")) EXPECT_GT(fs::file_size(f.path()), 500u) << f.path();

  // Screenshot, kept under the build folder.
  const fs::path artifacts = fs::path(HBMETA_BINARY).parent_path() / "test-artifacts";
  fs::create_directories(artifacts);
  const fs::path png = artifacts / "report_render.png";
  fs::remove(png);
  ASSERT_EQ(std::system((chromium + flags + " --window-size=1280,4000 --screenshot=" + png.string() + " " + url +
                         " > /dev/null 2>&1")
                            .c_str()),
            0);
  ASSERT_TRUE(fs::exists(png));
  EXPECT_GT(fs::file_size(png), 20000u);
  fs::copy_file(html, artifacts / "report_render.html", fs::copy_options::overwrite_existing);
  std::printf("screenshot: %s\n", png.c_str());
  if (!std::getenv("HBMETA_KEEP_REPORT")) fs::remove_all(dir);
  else std::printf("report kept in %s\n", (dir / "o").c_str());
}
