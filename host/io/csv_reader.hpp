// Reading hbmeta's long-format CSV input (outcome,study,events,total) with validation.
#pragma once
#include <string>
#include <vector>

#include "host/fit/outcome_data.hpp"
#include "host/support/input_error.hpp"

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
//    lines longer than 1 MiB are rejected with the line they occur on;
//  * the file is read as a stream, line by line, so memory stays bounded and reading stops at
//    the first bad line (a pipe or FIFO works; a directory or device is rejected);
//  * a quoted field may span lines, but not more than 1 MiB of them.
CsvTable read_csv(const std::string& path);

// Reads outcomes from hbmeta's long CSV. Required columns: outcome, study, and per row either
// the single-arm counts events, total or the two-arm counts events_t, total_t, events_c,
// total_c (a file may have both sets of columns; each row fills one set, and all rows of an
// outcome use the same one). Any order; every other column must be named either in
// `covariates` (meta-regression moderators; numeric, or categorical when any value is not a
// number) or in `ignore_columns` (left out): an unknown column is an error (file:1), and so is
// an ignored column that is missing or is one of the columns above. Column names are matched exactly after trimming: they must be lowercase ("Events"
// is not accepted, but the error message suggests the rename). Counts are plain digits only
// (no sign, decimal point, exponent or separators), 0 <= events <= total, 1 <= total <=
// 9223372036854775807. Names are compared exactly (case-sensitive, quoted spaces kept).
// Outcomes in order of first appearance. Throws InputError naming file and line for: missing
// columns, non-integer / negative / overflowing counts, events > total, total = 0, empty
// outcome or study name, duplicate study within an outcome, an outcome mixing layouts, empty
// or missing covariate values, a file without data rows.
//
// with_dataset (`hbmeta batch`): the file may also have a `dataset` column, and the unit of
// analysis is (dataset, outcome): rows are grouped by both (study names need only be unique
// within one dataset's outcome), each OutcomeData has its `dataset` set (non-empty), and the
// order is that of first appearance of the pair. Without the column every outcome is its own
// dataset (`dataset` empty). Without it (`hbmeta fit`) a `dataset` column that is not
// named in --covariates / --ignore-columns is an error that points at `hbmeta batch`.
//
// study_columns: further columns read as text for every study (StudyCounts::study_column_text,
// OutcomeData::study_columns), e.g. the column of `hbmeta fit --subgroups`; every study needs a
// value (an empty field or a missing-value marker is an error naming `option`). A column may
// also be a covariate.
struct StudyColumn {
  std::string column;
  std::string option;  // the option that asked for it, for messages: "--subgroups"
};
std::vector<OutcomeData> read_outcomes(const std::string& path, const std::vector<std::string>& covariates = {},
                                       const std::vector<std::string>& ignore_columns = {},
                                       bool with_dataset = false, const std::vector<StudyColumn>& study_columns = {});

}  // namespace hbm
