// The stdout table of `hbmeta fit` (host/report/text_report.cpp): its point summaries are posterior
// medians, the same convention as the comparison table and the HTML report, because odds
// ratios and rates are skewed: a real run printed "pooled odds ratio 23.864 [0.000, 19.627]",
// a mean outside its own interval. Every row lines up, the longest label included.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "host/report/text_report.hpp"

namespace {

hbm::ParamSummary skewed(double mean, double q025, double q50, double q975) {
  hbm::ParamSummary s;
  s.mean = mean;
  s.sd = 1;
  s.q = {q025, q025, q50, q50, q50, q975, q975};
  s.rhat = 1.001;
  s.ess_bulk = 4000;
  s.ess_tail = 3000;
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(TextReport, PointSummariesAreMediansAndRowsLineUp) {
  hbm::OutcomeResult r;
  r.name = "anand";
  r.kind = hbm::OutcomeKind::TwoArm;
  r.model = "two-arm binomial-normal";
  r.k = 3;
  r.chains = 4;
  r.draws = 100;
  r.parameters = {{"or_pooled", skewed(23.864, 0.0001, 0.854, 19.627)},
                  {"mu", skewed(-0.2, -9.2, -0.158, 2.977)},
                  {"tau", skewed(1.9, 0.1, 1.2, 6.0)},
                  {"or_new", skewed(2.960, 0.0002, 0.854, 25.0)},
                  {"theta_new", skewed(-0.1, -8.5, -0.158, 3.2)}};
  const std::string text = hbm::text_report(r);
  const auto lines = lines_of(text);
  std::size_t bracket = std::string::npos;
  int rows = 0;
  for (const auto& l : lines) {
    if (l.find("quantity") != std::string::npos) EXPECT_NE(l.find("median"), std::string::npos) << l;
    if (l.find("odds ratio") == std::string::npos || l.find('[') == std::string::npos) continue;
    ++rows;
    // The median, not the mean, in the point column.
    EXPECT_EQ(l.find("23.864"), std::string::npos) << l;
    EXPECT_EQ(l.find("2.960"), std::string::npos) << l;
    const bool log_scale = l.find("log odds ratio") != std::string::npos;
    EXPECT_NE(l.find(log_scale ? "-0.158" : "0.854"), std::string::npos) << l;
    // Aligned: every interval opens in the same column.
    if (bracket == std::string::npos) bracket = l.find('[');
    EXPECT_EQ(l.find('['), bracket) << l;
  }
  EXPECT_EQ(rows, 4) << text;  // pooled OR, pooled log OR, OR at a new clinic, log OR at a new clinic
  EXPECT_NE(text.find("posterior medians"), std::string::npos) << text;
}

}  // namespace
