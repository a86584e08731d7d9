// host/json_writer.*: non-finite numbers become JSON null (JSON has no NaN or Inf), finite ones
// round-trip exactly, and the output parses with the project's reader. This is the last line
// of defence behind "no NaN or Inf ever reaches summary.json".
#include "host/io/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "support/mini_json.hpp"

namespace {

TEST(JsonWriter, NonFiniteNumbersAreWrittenAsNull) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(hbm::JsonWriter::number(nan), "null");
  EXPECT_EQ(hbm::JsonWriter::number(-nan), "null");
  EXPECT_EQ(hbm::JsonWriter::number(std::numeric_limits<double>::signaling_NaN()), "null");
  EXPECT_EQ(hbm::JsonWriter::number(inf), "null");
  EXPECT_EQ(hbm::JsonWriter::number(-inf), "null");
  // Finite extremes are numbers, not null.
  EXPECT_NE(hbm::JsonWriter::number(std::numeric_limits<double>::max()), "null");
  EXPECT_NE(hbm::JsonWriter::number(std::numeric_limits<double>::denorm_min()), "null");
  EXPECT_EQ(hbm::JsonWriter::number(0.0), "0");
  EXPECT_EQ(hbm::JsonWriter::number(-1.5), "-1.5");

  hbm::JsonWriter j;
  j.begin_object();
  j.value("nan", nan).value("inf", inf).value("minus_inf", -inf).value("finite", 0.1);
  j.begin_array("list");
  j.value("", nan).value("", 2.5).value("", -inf);
  j.end_array();
  j.begin_object("nested");
  j.value("x", inf);
  j.end_object();
  j.end_object();
  const std::string text = j.str();
  for (const char* bad : {"nan", "NaN", "inf", "Inf", "INF"}) {
    // The keys contain "nan"/"inf"; only quoted keys may: no bare token outside quotes.
    std::string unquoted;
    bool in_string = false;
    for (char ch : text) {
      if (ch == '"') in_string = !in_string;
      else if (!in_string) unquoted += ch;
    }
    EXPECT_EQ(unquoted.find(bad), std::string::npos) << bad << " in " << text;
  }
  const hbm::test::Json parsed = hbm::Json::parse(text);
  EXPECT_TRUE(parsed["nan"].is_null());
  EXPECT_TRUE(parsed["inf"].is_null());
  EXPECT_TRUE(parsed["minus_inf"].is_null());
  EXPECT_EQ(parsed["finite"].num(), 0.1);
  ASSERT_EQ(parsed["list"].size(), 3u);
  EXPECT_TRUE(parsed["list"][0].is_null());
  EXPECT_EQ(parsed["list"][1].num(), 2.5);
  EXPECT_TRUE(parsed["list"][2].is_null());
  EXPECT_TRUE(parsed["nested"]["x"].is_null());
}

// Finite doubles are written in shortest round-trip form: parsing gives back the same bits.
TEST(JsonWriter, FiniteNumbersRoundTripExactly) {
  for (double v : {0.1, 1.0 / 3.0, -2.718281828459045, 1e-300, 6.02214076e23, 4.9e-324, 1.7976931348623157e308}) {
    hbm::JsonWriter j;
    j.begin_object().value("v", v).end_object();
    EXPECT_EQ(hbm::Json::parse(j.str())["v"].num(), v) << j.str();
  }
}

}  // namespace
