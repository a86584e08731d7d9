// The study CSV read row by row under its checked header, which read_csv and read_outcomes
// share: opening the file (refused when it is not a file or a pipe), the header's names, and
// data rows as wide as the header. Every message is listed in docs/input_errors.md.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "host/io/csv_tokenizer.hpp"

namespace hbm {

// The columns a study CSV needs at least, as the messages about a missing header show them.
inline constexpr std::string_view kRequiredColumns = "outcome,study,events,total";

class CsvRows {
 public:
  // Opens `path` and reads up to its header (blank lines before it are skipped), whose names
  // are trimmed and must be non-empty and unique. Throws InputError.
  explicit CsvRows(const std::string& path);

  const std::vector<std::string>& header() const { return header_; }
  long header_line() const { return header_line_; }  // physical line of the header

  // The next data row into `row` (as many fields as the header; row.line its first physical
  // line); false at the end of the file. Throws InputError at the first bad line.
  bool next(CsvRecord& row);

 private:
  std::string path_;
  CsvTokenizer records_;
  std::vector<std::string> header_;
  long header_line_ = 1;
};

}  // namespace hbm
