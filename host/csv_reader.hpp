// Reading hbmeta's long-format CSV input (outcome,study,events,total) with validation.
#pragma once
#include <string>
#include <vector>

#include "host/input_error.hpp"

namespace hbm {

// A parsed CSV file: header names and data rows, each with the 1-based physical line number
// it started on (so error messages point at the right line even with quoted newlines).
struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<long> row_lines;
  long header_line = 1;  // physical line of the header (blank lines before it are skipped)
};

// RFC 4180 reader: quoted fields (with "" escapes and embedded commas/newlines), CRLF or LF,
// a leading UTF-8 BOM. Throws InputError("path:line: ...") on unreadable or empty files,
// ragged rows, unterminated quotes, duplicate or empty header names.
// Details (see docs/input_errors.md for every message):
//  * lines end in LF, CRLF or a lone CR; a final line ending is optional;
//  * blank lines (empty or only spaces/tabs) are skipped anywhere, including before the header;
//  * unquoted fields and all header names are trimmed of surrounding spaces and tabs; quoted
//    field contents are kept verbatim (spaces around the quotes are ignored), line breaks
//    inside quotes become "\n"; a bare quote inside an unquoted field is kept literally;
//  * the file must be UTF-8 (BOM optional): NUL bytes, UTF-16, invalid UTF-8 and physical
//    lines longer than 1 MiB are rejected with the line they occur on.
CsvTable read_csv(const std::string& path);

struct StudyCounts {
  std::string name;
  long long events = 0;
  long long total = 0;
  long line = 0;  // line in the input file, for later messages
};

struct OutcomeData {
  std::string name;
  std::vector<StudyCounts> studies;  // in file order
};

// Single-arm input: required columns outcome, study, events, total (any order, extra columns
// ignored). Column names are matched exactly after trimming: they must be lowercase ("Events"
// is not accepted, but the error message suggests the rename). Counts are plain digits only
// (no sign, decimal point, exponent or separators), 0 <= events <= total, 1 <= total <=
// 9223372036854775807. Names are compared exactly (case-sensitive, quoted spaces kept). Outcomes in order of first appearance. Throws InputError naming file and line for:
// missing columns, non-integer / negative / overflowing counts, events > total, total = 0,
// empty outcome or study name, duplicate study within an outcome, a file without data rows.
std::vector<OutcomeData> read_single_arm(const std::string& path);

}  // namespace hbm
