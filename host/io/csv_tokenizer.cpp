// The one CSV tokenizer of hbmeta's readers: the encoding checks and the RFC 4180 grammar over a
// stream of physical lines (csv_tokenizer.hpp). Its messages are listed in docs/input_errors.md.
#include "host/io/csv_tokenizer.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "host/io/input_text.hpp"

namespace hbm {
namespace {

constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;  // 1 MiB per physical line

// With check_text a physical line is read up to this many bytes; a longer one is an error, and
// the extra bytes let the UTF-8 check of a sequence that starts just before the limit see all
// of its bytes.
constexpr std::size_t kLineReadCap = kMaxLineBytes + 4;

std::string hex_byte(unsigned char b) {
  static const char* digits = "0123456789ABCDEF";
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

// ---- encoding checks, line by line as the file is read ----------------------------------------

// Length of the valid UTF-8 sequence at s[i] (a non-ASCII lead byte), or 0 if invalid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;   // no overlong forms
    if (b0 == 0xED) hi = 0x9F;   // no UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;   // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;   // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return len;
}

// Rejects NUL bytes, invalid UTF-8 and an over-long physical line (s: the line without its
// line ending, cut at kLineReadCap bytes), whichever comes first in the line.
void check_line(const std::string& path, long line, std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (i >= kMaxLineBytes)
      fail_at(path, line,
              "line is longer than 1 MiB (1048576 bytes); hbmeta expects one short row per study, "
              "so this is probably not the right file (or not a text file)");
    if (c == '\0')
      fail_at(path, line,
              "contains a NUL byte (byte " + std::to_string(i + 1) +
                  " of the line); this is a binary or UTF-16 file, not a UTF-8 CSV file; save it "
                  "as \"CSV UTF-8 (comma delimited)\"");
    if (static_cast<unsigned char>(c) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0)
      fail_at(path, line,
              "invalid UTF-8 (byte " + hex_byte(static_cast<unsigned char>(c)) + " at byte " +
                  std::to_string(i + 1) +
                  " of the line); the file is probably in a legacy encoding such as Latin-1 or "
                  "Windows-1252; save it as \"CSV UTF-8 (comma delimited)\"");
    i += len;
  }
}

}  // namespace

std::string csv_quote_message(const CsvQuoteError& e) {
  if (e.kind == CsvQuoteError::Kind::kTextAfter)
    return "unexpected text after the closing quote of field " + std::to_string(e.field) + " (at byte " +
           std::to_string(e.byte) +
           " of the line); a quote character inside a quoted field must be written as two quotes \"\"";
  const std::string how = e.kind == CsvQuoteError::Kind::kTooLong
                              ? " is not closed within 1 MiB (it is still open at the end of line " +
                                    std::to_string(e.open_at) + ")"
                              : " is never closed";
  return "unterminated quoted field: the opening quote at byte " + std::to_string(e.byte) + " of field " +
         std::to_string(e.field) + how +
         "; add the closing quote (a quote character inside a quoted field is written as two quotes \"\")";
}

CsvTokenizer::CsvTokenizer(std::string path, std::unique_ptr<ByteSource> source, CsvOptions options)
    : path_(std::move(path)),
      options_(std::move(options)),
      in_(std::move(source), options_.check_text ? kLineReadCap : std::numeric_limits<std::size_t>::max()) {
  if (options_.check_text && in_.fill(2) >= 2) {
    const char* b = in_.data();
    if ((b[0] == '\xFF' && b[1] == '\xFE') || (b[0] == '\xFE' && b[1] == '\xFF'))
      fail_at(path_, 1,
              "file is UTF-16 encoded; save it as UTF-8 instead (in Excel: Save As, \"CSV UTF-8 "
              "(comma delimited)\")");
  }
  while (in_.fill(3) >= 3 && std::memcmp(in_.data(), "\xEF\xBB\xBF", 3) == 0) {  // some tools write it twice
    in_.skip(3);
    had_bom_ = true;
  }
}

bool CsvTokenizer::next_line() {
  if (!in_.next_line(s_, terminated_)) return false;
  ++line_;
  if (options_.check_text) check_line(path_, line_, s_);
  return true;
}

void CsvTokenizer::quote_error(const CsvQuoteError& e) const { fail_at(path_, e.line, options_.quote_message(e)); }

bool CsvTokenizer::next(CsvRecord& record) {
  while (next_line()) {
    record.line = line_;
    record.fields.clear();
    record.comment.clear();
    record.is_comment = false;
    if (options_.comment_lines) {
      const std::size_t first = s_.find_first_not_of(" \t");
      if (first != std::string::npos && s_[first] == '#') {
        record.is_comment = true;
        record.comment.assign(s_, first + 1);
        return true;
      }
    }
    const bool any_quoted = read_fields(record.fields);
    if (!any_quoted && record.fields.size() == 1 && record.fields[0].empty()) continue;  // blank line
    return true;
  }
  return false;
}

// The fields of the record that starts on the current line (reading on while a quoted field
// spans lines); returns whether any field was quoted.
bool CsvTokenizer::read_fields(std::vector<std::string>& fields) {
  bool any_quoted = false;
  std::size_t record_bytes = 0;  // bytes of the record's earlier lines (quoted line breaks)
  std::size_t i = 0;
  for (;;) {  // one field per iteration
    std::size_t j = i;
    while (j < s_.size() && is_blank(s_[j])) ++j;
    if (j < s_.size() && s_[j] == '"') {
      any_quoted = true;
      CsvQuoteError open;  // where the quote opened, for the messages
      open.line = line_;
      open.byte = j + 1;
      open.field = fields.size() + 1;
      i = j + 1;
      std::string field;
      for (;;) {
        if (i >= s_.size()) {  // a line break inside the quotes: the field goes on
          if (!terminated_) quote_error(open);
          record_bytes += s_.size() + 1;
          if (options_.check_text && record_bytes > kMaxLineBytes) {
            open.kind = CsvQuoteError::Kind::kTooLong;
            open.open_at = line_;
            quote_error(open);
          }
          field += '\n';
          if (!next_line()) quote_error(open);
          i = 0;
          continue;
        }
        if (s_[i] == '"') {
          if (i + 1 < s_.size() && s_[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        const std::size_t q = std::min(s_.find('"', i), s_.size());
        field.append(s_, i, q - i);
        i = q;
      }
      while (i < s_.size() && is_blank(s_[i])) ++i;
      if (i < s_.size() && s_[i] != ',') {
        CsvQuoteError after;
        after.kind = CsvQuoteError::Kind::kTextAfter;
        after.line = line_;
        after.byte = i + 1;
        after.field = fields.size() + 1;
        after.rest = std::string_view(s_).substr(i);
        quote_error(after);
      }
      fields.push_back(std::move(field));
    } else {
      const std::size_t k = std::min(s_.find(',', i), s_.size());
      fields.emplace_back(trim_blanks(std::string_view(s_).substr(i, k - i)));
      i = k;
    }
    if (i < s_.size() && s_[i] == ',') {
      ++i;
      continue;
    }
    return any_quoted;  // end of the record
  }
}

}  // namespace hbm
