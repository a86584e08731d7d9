// The positions the JSON reader (host/io/json_reader.hpp) keeps: the line and column where each
// value starts, through nested objects and arrays and past strings whose escapes (\n) are not
// line breaks and raw line breaks that are; and where a syntax error is, with what() unchanged
// ("json: REASON at offset N"), since messages quote it.
#include "host/io/json_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using hbm::Json;
using hbm::JsonSyntaxError;

// Line 1 .. 9 of a document; the columns count bytes from 1.
const char* const kDocument =
    "{\n"                                               // 1
    "  \"title\": \"one\\ntwo\\nthree\",\n"             // 2: escaped newlines, one line
    "  \"outer\": {\n"                                  // 3
    "    \"inner\": {\"x\": 1,\n"                       // 4
    "               \"y\": [true,\n"                    // 5
    "                     null, \"a\\\"b\"]}},\n"       // 6
    "  \"list\": [\n"                                   // 7
    "    -2.5e3, \"raw\nbreak\", {}\n"                  // 8-9: a raw newline inside a string
    "  ]}\n";

TEST(JsonReaderLines, EveryValueKnowsItsLineAndColumn) {
  const Json doc = Json::parse(kDocument);
  EXPECT_EQ(doc.line(), 1);
  EXPECT_EQ(doc.column(), 1);

  const Json& title = doc["title"];
  EXPECT_EQ(title.str(), "one\ntwo\nthree");
  EXPECT_EQ(title.line(), 2);
  EXPECT_EQ(title.column(), 12);

  const Json& outer = doc["outer"];
  EXPECT_EQ(outer.line(), 3);
  EXPECT_EQ(outer.column(), 12);
  const Json& inner = outer["inner"];
  EXPECT_EQ(inner.line(), 4);
  EXPECT_EQ(inner.column(), 14);
  EXPECT_EQ(inner["x"].line(), 4);
  EXPECT_EQ(inner["x"].column(), 20);
  const Json& y = inner["y"];
  EXPECT_EQ(y.line(), 5);
  EXPECT_EQ(y.column(), 21);
  EXPECT_EQ(y[0].line(), 5);
  EXPECT_EQ(y[0].column(), 22);
  EXPECT_EQ(y[1].line(), 6);  // null, after the array's line break
  EXPECT_EQ(y[1].column(), 22);
  EXPECT_EQ(y[2].str(), "a\"b");
  EXPECT_EQ(y[2].line(), 6);
  EXPECT_EQ(y[2].column(), 28);

  const Json& list = doc["list"];
  EXPECT_EQ(list.line(), 7);
  EXPECT_EQ(list.column(), 11);
  EXPECT_EQ(list[0].num(), -2500.0);
  EXPECT_EQ(list[0].line(), 8);
  EXPECT_EQ(list[0].column(), 5);
  EXPECT_EQ(list[1].str(), "raw\nbreak");
  EXPECT_EQ(list[1].line(), 8);
  EXPECT_EQ(list[1].column(), 13);
  EXPECT_EQ(list[2].line(), 9);  // the raw newline in the string before it counts
  EXPECT_EQ(list[2].column(), 9);
}

TEST(JsonReaderLines, AValueNotParsedHasNoPosition) {
  const Json none;
  EXPECT_EQ(none.line(), 0);
  EXPECT_EQ(none.column(), 0);
}

TEST(JsonReaderLines, SyntaxErrorSaysWhereItIs) {
  // The second ',' on line 3, where a key should be.
  const std::string text = "{\n  \"scenarios\": [\n    {\"name\": \"a\", \"k\": 5,,}\n  ]\n}\n";
  try {
    (void)Json::parse(text);
    FAIL() << "parsed";
  } catch (const JsonSyntaxError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 26);
    EXPECT_EQ(e.reason(), "expected a string key");
    EXPECT_EQ(std::string(e.what()), "json: expected a string key at offset " + std::to_string(text.find(",,") + 1));
  }
  // At the end of the input: the line after the last line break.
  try {
    (void)Json::parse("[1,\n 2,\n");
    FAIL() << "parsed";
  } catch (const JsonSyntaxError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 1);
    EXPECT_EQ(std::string(e.what()), "json: unexpected end of input at offset 8");
  }
  // Inside a string that holds escaped newlines: they do not count as lines.
  try {
    (void)Json::parse("{\"a\": \"x\\ny\\nz\\q\"}");
    FAIL() << "parsed";
  } catch (const JsonSyntaxError& e) {
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.reason(), "invalid escape");
  }
}

}  // namespace
