// Reading the study CSV's count fields (events, total and the two-arm counts): plain digits
// only, with a message for every other way of writing a number that says what to write instead
// (docs/input_errors.md lists them).
#pragma once
#include <string>

namespace hbm {

// The count in `raw` (trimmed), column `column` of the row on `line`: 0 <= count <=
// 9223372036854775807 written as plain digits. Throws InputError("path:line: ...") otherwise.
long long parse_count(const std::string& path, long line, const std::string& column, const std::string& raw);

// NA, N/A, NaN, NULL, None, ".", "?", missing (any case): what spreadsheets and R write for a
// value that was not observed.
bool is_missing_marker(const std::string& v);

}  // namespace hbm
