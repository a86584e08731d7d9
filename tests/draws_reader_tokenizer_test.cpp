// The readers built on the shared CSV tokenizer (host/io/csv_tokenizer.hpp) besides the study CSV:
// draws CSVs (host/io/draws_reader.hpp), which now read quoted fields with commas and line breaks
// record by record, with messages that name the physical line a record starts on; and hbmeta
// simulate's replicates (host/simulation/simulation_metrics.hpp), which must read back exactly
// what they wrote.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "host/io/draws_reader.hpp"
#include "host/simulation/simulation_metrics.hpp"
#include "host/support/input_error.hpp"
#include "support/cli_runner.hpp"

namespace {

namespace fs = std::filesystem;

class DrawsReaderTokenizer : public ::testing::Test {
 protected:
  std::string file(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    hbm::test::write_text(p, text);
    return p.string();
  }
  // The message of the InputError that reading `path` must throw.
  static std::string error_of(const std::string& path) {
    try {
      hbm::read_draws({path});
    } catch (const hbm::InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no InputError for " << path;
    return "";
  }

 private:
  fs::path dir_ = hbm::test::fresh_temp_dir("draws_tokenizer");
};

// posterior's as_draws_df() written by write.csv() quotes every name; here the header's names
// hold a comma and a line break, and so does the (ignored) row-name column of a data row.
TEST_F(DrawsReaderTokenizer, QuotedFieldsWithCommasAndLineBreaks) {
  const std::string p = file("quoted.csv",
                             "\"\",\".chain\",\".iteration\",\".draw\",\"theta[1,\n2]\",\"sigma\"\n"  // lines 1-2
                             "\"a\",1,1,1,0.5,1.5\n"                                                  // line 3
                             "\"b\nc\",1,2,2,0.25,2.5\n"                                              // lines 4-5
                             "\"d\",2,1,3,-0.5,3.5\n"                                                 // line 6
                             "\"e\",2,2,4,-0.25,4.5\n");                                              // line 7
  const hbm::DrawsTable t = hbm::read_draws({p});
  EXPECT_FALSE(t.cmdstan);
  EXPECT_EQ(t.chains, 2u);
  EXPECT_EQ(t.draws, 2u);
  ASSERT_EQ(t.names, (std::vector<std::string>{"theta[1,\n2]", "sigma"}));
  EXPECT_EQ(t.values[0], (std::vector<double>{0.5, 0.25, -0.5, -0.25}));
  EXPECT_EQ(t.values[1], (std::vector<double>{1.5, 2.5, 3.5, 4.5}));
}

// Messages name the physical line a record starts on: the line breaks inside quotes count.
TEST_F(DrawsReaderTokenizer, ErrorLinesCountQuotedLineBreaks) {
  const std::string header = "chain,draw,\"mu\nfirst\",\"tau,\nsecond\"\n";  // lines 1-3
  std::string p = file("bad_value.csv", header +
                                            "1,1,0.1,0.2\n"      // line 4
                                            "1,2,\"0.3\",abc\n"  // line 5
                                            "1,3,0.5,0.6\n");
  EXPECT_EQ(error_of(p), p + ":5: column 'tau,\nsecond': 'abc' is not a number");

  p = file("ragged.csv", header +
                             "1,1,0.1,0.2\n"   // line 4
                             "1,2,\"x\ny\"\n"  // lines 5-6
                             "1,3,0.5,0.6\n");
  EXPECT_EQ(error_of(p), p + ":5: 3 fields, but the header (line 1) has 4 columns; every row needs one value per column");

  p = file("blank_line.csv", header +
                                 "1,1,0.1,0.2\n"  // line 4
                                 "\n"             // line 5, blank: skipped but counted
                                 "1,2,0.3\n");    // line 6
  EXPECT_EQ(error_of(p), p + ":6: 3 fields, but the header (line 1) has 4 columns; every row needs one value per column");
}

// A quote that is never closed runs to the end of the file; the message names the line of the
// opening quote. Text after a closing quote keeps the draws reader's own message.
TEST_F(DrawsReaderTokenizer, QuotingErrors) {
  std::string p = file("open.csv", "chain,draw,x\n1,1,0.1\n1,2,\"0.2\n1,3,0.3\n");
  EXPECT_EQ(error_of(p), p +
                             ":3: unterminated quoted field: the opening quote at byte 5 of field 3 is never closed; "
                             "add the closing quote (a quote character inside a quoted field is written as two quotes "
                             "\"\")");

  p = file("after.csv", "chain,draw,x\n1,1,0.1\n1,2,\"0.2\"x,extra\n");
  EXPECT_EQ(error_of(p), p + ":3: unexpected text after a closing quote: 'x,extra'");

  p = file("after_multiline.csv", "chain,draw,\"x\ny\"z\n1,1,0.1\n");
  EXPECT_EQ(error_of(p), p + ":2: unexpected text after a closing quote: 'z'");
}

// CmdStan's '#' lines are comments where a record starts, but text inside a quoted field.
TEST_F(DrawsReaderTokenizer, CommentsOnlyOutsideQuotes) {
  const std::string p = file("cmdstan.csv",
                             "# model = m\n"
                             "lp__,\"mu\n# not a comment\"\n"
                             "# Adaptation terminated\n"
                             "-1,0.5\n"
                             "  # timing\n"
                             "-2,0.75\n");
  const hbm::DrawsTable t = hbm::read_draws({p});
  EXPECT_TRUE(t.cmdstan);
  EXPECT_EQ(t.draws, 2u);
  ASSERT_EQ(t.names, (std::vector<std::string>{"lp__", "mu\n# not a comment"}));
  EXPECT_EQ(t.values[1], (std::vector<double>{0.5, 0.75}));
}

// parse_records reads back every record serialise_records writes, after the header line.
TEST(ReplicatesTokenizer, RoundTrip) {
  hbm::RepRecord a;
  a.scenario = "k5_tau05";
  a.method = "bayes_hn1";
  a.rep = 3;
  a.mu_true = -1.25;
  a.estimate = 0.1;
  a.rhat_mu = NAN;
  a.failed = 1;
  hbm::RepRecord b = a;
  b.method = "DL_knha";
  b.rep = 4;
  b.failed = 0;
  const std::string text = std::string(hbm::kReplicatesHeader) + "\n" + hbm::serialise_records({a, b});
  const std::vector<hbm::RepRecord> back = hbm::parse_records(text, "replicates.csv");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].scenario, "k5_tau05");
  EXPECT_EQ(back[0].method, "bayes_hn1");
  EXPECT_EQ(back[0].rep, 3);
  EXPECT_EQ(back[0].mu_true, -1.25);
  EXPECT_TRUE(std::isnan(back[0].rhat_mu));
  EXPECT_EQ(back[0].failed, 1);
  EXPECT_EQ(back[1].method, "DL_knha");
  EXPECT_EQ(back[1].failed, 0);
  EXPECT_EQ(hbm::serialise_records(back), hbm::serialise_records({a, b}));

  try {
    hbm::parse_records(text + "s,1,m\n", "rank 1");
    ADD_FAILURE() << "no InputError";
  } catch (const hbm::InputError& e) {
    EXPECT_EQ(std::string(e.what()), std::string("rank 1:4: expected 17 fields, found 3; expected a line of hbmeta "
                                                 "simulate's replicates.csv (") +
                                         hbm::kReplicatesHeader + ")");
  }
}

}  // namespace
