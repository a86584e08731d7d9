// The one CSV tokenizer of hbmeta's readers (the study CSV, draws CSVs, replicates.csv): RFC 4180
// records read as a stream, one record at a time, each with the physical line it starts on, so
// that messages point at the line an editor shows even with quoted line breaks.
//
//  * lines end in LF, CRLF or a lone CR; a final line ending is optional; leading UTF-8
//    byte-order marks are skipped (some tools write two);
//  * blank lines (empty or only spaces/tabs) are skipped anywhere;
//  * unquoted fields are trimmed of surrounding spaces and tabs, and a bare quote inside one is
//    kept literally; quoted field contents ("" for a quote) are kept verbatim (spaces around the
//    quotes are ignored) and may span lines, each line break inside becoming "\n";
//  * memory stays bounded by one physical line plus the record being read, and reading stops at
//    the first bad line.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/io/byte_stream.hpp"

namespace hbm {

// An error in the quoting, for a reader that words it its own way (CsvOptions::quote_message).
struct CsvQuoteError {
  enum class Kind {
    kNeverClosed,  // the input ends inside a quoted field
    kTooLong,      // CsvOptions::check_text: still open after 1 MiB of its record
    kTextAfter,    // text between a closing quote and the next comma
  };
  Kind kind = Kind::kNeverClosed;
  long line = 0;          // the opening quote's line, or (kTextAfter) the text's line
  std::size_t byte = 0;   // 1-based byte of that line: the opening quote, or the text
  std::size_t field = 0;  // 1-based field of the record
  long open_at = 0;       // kTooLong: the line at whose end the field is still open
  std::string_view rest;  // kTextAfter: the line from the text on
};

// The study CSV's wording (docs/input_errors.md), without the "path:line: ".
std::string csv_quote_message(const CsvQuoteError& e);

struct CsvOptions {
  // The study CSV's checks of the bytes (docs/input_errors.md): a UTF-16 byte-order mark, NUL
  // bytes, invalid UTF-8, a physical line longer than 1 MiB (the rest of it is never read) and
  // a quoted field still open after 1 MiB of its record are errors.
  bool check_text = false;
  // A line whose first character other than spaces and tabs is '#' (outside quotes) is a
  // comment (CmdStan's configuration and timing lines).
  bool comment_lines = false;
  // Words a quoting error (the tokenizer adds "path:line: ").
  std::function<std::string(const CsvQuoteError&)> quote_message = csv_quote_message;
};

struct CsvRecord {
  std::vector<std::string> fields;  // a data record's fields
  bool is_comment = false;          // CsvOptions::comment_lines: a comment line, whose text
  std::string comment;              // after the '#' is in `comment` (fields empty)
  long line = 0;                    // the 1-based physical line it starts on
};

class CsvTokenizer {
 public:
  // Reads `source`; `path` names it in messages ("path:line: ..."). Checks the first bytes
  // (check_text: UTF-16) and skips the byte-order marks.
  CsvTokenizer(std::string path, std::unique_ptr<ByteSource> source, CsvOptions options = {});

  // The next record into `record` (its vectors' memory is reused); false at the end of the
  // input. Throws InputError("path:line: ...") on bad bytes or quoting.
  bool next(CsvRecord& record);

  // Physical lines read so far: 0 after the last record means the input had no byte besides
  // its byte-order marks.
  long lines_read() const { return line_; }
  // Whether the input started with a UTF-8 byte-order mark.
  bool had_bom() const { return had_bom_; }

 private:
  bool next_line();
  [[noreturn]] void quote_error(const CsvQuoteError& e) const;
  bool read_fields(std::vector<std::string>& fields);

  std::string path_;
  CsvOptions options_;
  LineStream in_;
  bool had_bom_ = false;
  long line_ = 0;           // physical line number of `s_`
  std::string s_;           // the current physical line, without its line ending
  bool terminated_ = false;  // whether `s_` had a line ending
};

}  // namespace hbm
