// Reading hbmeta's long-format CSV input; every message is listed in docs/input_errors.md.
#include "host/io/csv_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace hbm {
namespace {

constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;  // 1 MiB per physical line
constexpr std::string_view kRequiredColumns = "outcome,study,events,total";

[[noreturn]] void fail(const std::string& path, long line, const std::string& what) {
  throw InputError(path + ":" + std::to_string(line) + ": " + what);
}

[[noreturn]] void fail_open(const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what);
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_blank(s[b])) ++b;
  while (e > b && is_blank(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

std::string lower_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string hex_byte(unsigned char b) {
  static const char* digits = "0123456789ABCDEF";
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

// A user value as shown inside a message: long values are cut so the message stays readable.
std::string shown(const std::string& v) {
  constexpr std::size_t kMax = 40;
  if (v.size() <= kMax) return v;
  return v.substr(0, 20) + "... (" + std::to_string(v.size()) + " characters)";
}

std::string os_reason(int err) {
  std::string r = std::strerror(err);
  if (!r.empty() && r[0] >= 'A' && r[0] <= 'Z' && !(r.size() > 1 && r[1] >= 'A' && r[1] <= 'Z'))
    r[0] = static_cast<char>(r[0] - 'A' + 'a');
  return r;
}

// ---- reading the bytes ---------------------------------------------------------------------
//
// The file is read as a stream, one physical line at a time, and each line's bytes are checked
// as soon as it is complete: memory stays bounded by the line-length limit (plus one row) and
// nothing past the first bad line is read, whatever the input is (a pipe that never ends, a
// 1 GB line, binary junk).

// A physical line is read up to this many bytes; a longer one is an error, and the extra bytes
// let the UTF-8 check of a sequence that starts just before the limit see all of its bytes.
constexpr std::size_t kLineReadCap = kMaxLineBytes + 4;

const char* const kNotAFile = "; give the path of the CSV file itself";

int open_input(const std::string& path) {
  if (path.empty()) throw InputError("(empty path): cannot open: no input file name was given");
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      std::string where;
      if (!std::filesystem::path(path).is_absolute()) {
        std::error_code ec;
        const auto cwd = std::filesystem::current_path(ec);
        if (!ec) where = " (relative to the current directory " + cwd.string() + ")";
      }
      fail_open(path, "cannot open: no such file" + where +
                          "; check the spelling of the path");
    }
    if (err == EACCES || err == EPERM)
      fail_open(path, "cannot open: permission denied; make the file readable (chmod +r) or "
                      "copy it somewhere you can read");
    if (err == ENOTDIR)
      fail_open(path, "cannot open: a part of the path before the file name is not a directory");
    if (err == EISDIR)
      fail_open(path, std::string("cannot open: it is a directory, not a file") + kNotAFile);
    if (err == ENXIO)  // a socket, or a device without a driver
      fail_open(path, std::string("cannot open: it is a socket or device, not a file") + kNotAFile);
    fail_open(path, "cannot open: " + os_reason(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    const char* what = nullptr;
    if (S_ISDIR(st.st_mode)) what = "it is a directory, not a file";
    else if (S_ISCHR(st.st_mode))
      what = "it is a character device (such as /dev/zero or a terminal), not a file";
    else if (S_ISBLK(st.st_mode)) what = "it is a block device (a disk), not a file";
    else if (S_ISSOCK(st.st_mode)) what = "it is a socket, not a file";
    if (what) {
      ::close(fd);
      // Pipes (a FIFO, /dev/stdin from a pipe, <(command)) are read like files.
      fail_open(path, std::string("cannot open: ") + what + kNotAFile +
                          (S_ISCHR(st.st_mode) ? " (a pipe such as <(command) also works)" : ""));
    }
  }
  return fd;
}

// Buffered reading of a file descriptor, in fixed-size chunks.
class InputStream {
 public:
  InputStream(const std::string& path, int fd) : path_(path), fd_(fd), buf_(kChunk) {}
  ~InputStream() { ::close(fd_); }
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  // Buffers at least k bytes unless the file ends first; returns how many are buffered.
  std::size_t fill(std::size_t k) {
    while (available() < k && read_more()) {
    }
    return available();
  }
  const char* data() const { return buf_.data() + pos_; }
  std::size_t available() const { return len_ - pos_; }
  void skip(std::size_t k) { pos_ += k; }

  // The next physical line, without its line ending (LF, CRLF or a lone CR), in `line`; false
  // when no byte is left. `terminated` says whether it had a line ending (the last line need
  // not). A line longer than kLineReadCap is cut there (the caller rejects it): the rest of
  // it is never read.
  bool next_line(std::string& line, bool& terminated) {
    line.clear();
    terminated = false;
    if (fill(1) == 0) return false;
    for (;;) {
      if (available() == 0 && !read_more()) return true;  // last line, without a line ending
      const char* b = data();
      const std::size_t n = available();
      std::size_t k = 0;
      while (k < n && b[k] != '\n' && b[k] != '\r') ++k;
      const std::size_t room = kLineReadCap - line.size();
      if (k >= room) {
        line.append(b, room);
        pos_ += room;
        return true;
      }
      line.append(b, k);
      pos_ += k;
      if (k < n) {
        const char c = b[k];
        ++pos_;
        if (c == '\r' && fill(1) > 0 && *data() == '\n') ++pos_;
        terminated = true;
        return true;
      }
    }
  }

 private:
  static constexpr std::size_t kChunk = std::size_t{1} << 16;

  bool read_more() {
    if (eof_) return false;
    if (pos_ > 0) {  // keep the unread bytes at the front
      std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
      len_ -= pos_;
      pos_ = 0;
    }
    if (len_ == buf_.size()) return true;  // full already (fill() never asks for more)
    for (;;) {
      const ssize_t got = ::read(fd_, buf_.data() + len_, buf_.size() - len_);
      if (got < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        if (err == EISDIR)
          fail_open(path_, std::string("cannot open: it is a directory, not a file") + kNotAFile);
        fail_open(path_, "cannot read: " + os_reason(err));
      }
      if (got == 0) {
        eof_ = true;
        return false;
      }
      len_ += static_cast<std::size_t>(got);
      return true;
    }
  }

  const std::string& path_;
  int fd_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
};

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
      fail(path, line,
           "line is longer than 1 MiB (1048576 bytes); hbmeta expects one short row per study, "
           "so this is probably not the right file (or not a text file)");
    if (c == '\0')
      fail(path, line,
           "contains a NUL byte (byte " + std::to_string(i + 1) +
               " of the line); this is a binary or UTF-16 file, not a UTF-8 CSV file; save it "
               "as \"CSV UTF-8 (comma delimited)\"");
    if (static_cast<unsigned char>(c) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0)
      fail(path, line,
           "invalid UTF-8 (byte " + hex_byte(static_cast<unsigned char>(c)) + " at byte " +
               std::to_string(i + 1) +
               " of the line); the file is probably in a legacy encoding such as Latin-1 or "
               "Windows-1252; save it as \"CSV UTF-8 (comma delimited)\"");
    i += len;
  }
}

// ---- the CSV grammar ------------------------------------------------------------------------

// on_header (if set) runs as soon as the header is read, and on_row (if set) on each data row
// as soon as it is read (instead of storing it in the table), so the first problem in the file,
// structural or not, is the one reported.
using RowFn = std::function<void(std::vector<std::string>& fields, long line)>;
CsvTable read_csv_impl(const std::string& path,
                       const std::function<void(const CsvTable&)>& on_header,
                       const RowFn& on_row) {
  InputStream in(path, open_input(path));

  if (in.fill(2) >= 2) {
    const char* b = in.data();
    if ((b[0] == '\xFF' && b[1] == '\xFE') || (b[0] == '\xFE' && b[1] == '\xFF'))
      fail(path, 1,
           "file is UTF-16 encoded; save it as UTF-8 instead (in Excel: Save As, \"CSV UTF-8 "
           "(comma delimited)\")");
  }
  bool had_bom = false;
  while (in.fill(3) >= 3 && std::memcmp(in.data(), "\xEF\xBB\xBF", 3) == 0) {  // some tools write it twice
    in.skip(3);
    had_bom = true;
  }
  if (in.fill(1) == 0)
    fail(path, 1,
         std::string(had_bom ? "file is empty (only a byte-order mark)" : "file is empty") +
             "; expected a header line such as " + std::string(kRequiredColumns) +
             " followed by one row per study");

  CsvTable table;
  table.path = path;
  bool have_header = false;

  long line = 0;        // physical line number of `s`
  std::string s;        // the current physical line, without its line ending
  bool terminated = false;
  const auto next_line = [&]() {
    if (!in.next_line(s, terminated)) return false;
    ++line;
    check_line(path, line, s);
    return true;
  };

  while (next_line()) {
    const long record_line = line;
    std::vector<std::string> fields;
    bool any_quoted = false;
    std::size_t record_bytes = 0;  // bytes of the record's earlier lines (quoted line breaks)
    std::size_t i = 0;
    for (;;) {  // one field per iteration
      std::size_t j = i;
      while (j < s.size() && is_blank(s[j])) ++j;
      if (j < s.size() && s[j] == '"') {
        any_quoted = true;
        const long quote_line = line;
        const std::size_t quote_byte = j + 1;
        const auto unterminated = [&](const std::string& how) {
          fail(path, quote_line,
               "unterminated quoted field: the opening quote at byte " + std::to_string(quote_byte) +
                   " of field " + std::to_string(fields.size() + 1) + how +
                   "; add the closing quote (a quote character inside a quoted field is written "
                   "as two quotes \"\")");
        };
        i = j + 1;
        std::string field;
        for (;;) {
          if (i >= s.size()) {  // a line break inside the quotes: the field goes on
            if (!terminated) unterminated(" is never closed");
            record_bytes += s.size() + 1;
            if (record_bytes > kMaxLineBytes)
              unterminated(" is not closed within 1 MiB (it is still open at the end of line " +
                           std::to_string(line) + ")");
            field += '\n';
            if (!next_line()) unterminated(" is never closed");
            i = 0;
            continue;
          }
          if (s[i] == '"') {
            if (i + 1 < s.size() && s[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          const std::size_t q = std::min(s.find('"', i), s.size());
          field.append(s, i, q - i);
          i = q;
        }
        while (i < s.size() && is_blank(s[i])) ++i;
        if (i < s.size() && s[i] != ',')
          fail(path, line,
               "unexpected text after the closing quote of field " +
                   std::to_string(fields.size() + 1) + " (at byte " + std::to_string(i + 1) +
                   " of the line); a quote character inside a quoted field must be written as "
                   "two quotes \"\"");
        fields.push_back(std::move(field));
      } else {
        const std::size_t k = std::min(s.find(',', i), s.size());
        fields.push_back(trim(std::string_view(s).substr(i, k - i)));
        i = k;
      }
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      break;  // end of the record
    }

    if (!any_quoted && fields.size() == 1 && fields[0].empty()) continue;  // blank line

    if (!have_header) {
      have_header = true;
      table.header_line = record_line;
      std::unordered_map<std::string, std::size_t> seen;
      for (std::size_t c = 0; c < fields.size(); ++c) {
        std::string name = trim(fields[c]);
        if (name.empty())
          fail(path, record_line,
               "header column " + std::to_string(c + 1) + " of " + std::to_string(fields.size()) +
                   " has no name; give every column a name (or remove the extra comma)");
        auto [it, fresh] = seen.emplace(name, c);
        if (!fresh)
          fail(path, record_line,
               "duplicate column name '" + name + "' (columns " + std::to_string(it->second + 1) +
                   " and " + std::to_string(c + 1) +
                   "); each column name may appear only once; rename or delete one of them");
        table.header.push_back(std::move(name));
      }
      if (on_header) on_header(table);
      continue;
    }

    if (fields.size() != table.header.size())
      fail(path, record_line,
           "row has " + std::to_string(fields.size()) +
               (fields.size() == 1 ? " field" : " fields") + " but the header (line " +
               std::to_string(table.header_line) + ") has " +
               std::to_string(table.header.size()) +
               "; check for a missing or extra comma (a trailing comma adds an empty field) and "
               "put values that contain commas in double quotes");
    if (on_row) {
      on_row(fields, record_line);
    } else {
      table.rows.push_back(std::move(fields));
      table.row_lines.push_back(record_line);
    }
  }

  if (!have_header)
    fail(path, 1,
         "file contains only blank lines; expected a header line such as " +
             std::string(kRequiredColumns) + " followed by one row per study");
  return table;
}

}  // namespace

CsvTable read_csv(const std::string& path) { return read_csv_impl(path, nullptr, nullptr); }

// ---- single-arm semantics -------------------------------------------------------------------

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Plain decimal or scientific number, unsigned: 3.5, .5, 3., 1e3, 2.5E-4.
enum class NumberShape { kNone, kDecimal, kScientific };
NumberShape number_shape(std::string_view s) {
  std::size_t i = 0, mantissa_digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++mantissa_digits;
  bool dot = false;
  if (i < s.size() && s[i] == '.') {
    dot = true;
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return NumberShape::kNone;
  if (i == s.size()) return dot ? NumberShape::kDecimal : NumberShape::kNone;
  if (s[i] != 'e' && s[i] != 'E') return NumberShape::kNone;
  ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  return all_digits(s.substr(i)) ? NumberShape::kScientific : NumberShape::kNone;
}

bool is_missing_marker(const std::string& v) {
  const std::string l = lower_ascii(v);
  return l == "na" || l == "n/a" || l == "nan" || l == "null" || l == "none" || l == "." ||
         l == "?" || l == "missing";
}

// Digits with group separators, e.g. 1,000 (quoted) or 1 000 or 1_000 or 1'000.
bool has_group_separators(std::string_view s) {
  bool digit = false, sep = false;
  for (char c : s) {
    if (c >= '0' && c <= '9')
      digit = true;
    else if (c == ',' || c == ' ' || c == '_' || c == '\'')
      sep = true;
    else
      return false;
  }
  return digit && sep && s.front() >= '0' && s.front() <= '9';
}

bool is_total_column(const std::string& c) { return c.rfind("total", 0) == 0; }

constexpr std::string_view kMaxCount = "9223372036854775807";

// Decimal digits (no sign) as a count, or false when above kMaxCount.
bool digits_to_count(std::string_view d, long long* out) {
  while (d.size() > 1 && d[0] == '0') d.remove_prefix(1);
  if (d.size() > kMaxCount.size() || (d.size() == kMaxCount.size() && d > kMaxCount)) return false;
  long long x = 0;
  for (char c : d) x = x * 10 + (c - '0');
  *out = x;
  return true;
}

// The value of a scientific-notation literal (number_shape() == kScientific) as the digits of a
// whole number: "1e10" -> "10000000000". Empty when it is not a whole number; `too_large` when
// it is one above kMaxCount (1e400).
std::string scientific_as_digits(std::string_view s, bool* too_large) {
  *too_large = false;
  std::string mant;
  std::size_t i = 0;
  bool after_point = false;
  long frac_digits = 0;  // digits after the decimal point
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    if (s[i] == '.') {
      after_point = true;
      continue;
    }
    mant += s[i];
    if (after_point) ++frac_digits;
  }
  ++i;  // the 'e'
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  std::string_view ed = s.substr(i);
  while (ed.size() > 1 && ed[0] == '0') ed.remove_prefix(1);
  mant.erase(0, std::min(mant.find_first_not_of('0'), mant.size()));
  if (mant.empty()) return "0";  // 0e5, 0.0e-3
  if (ed.size() > 6) {           // |exponent| >= 10^6
    if (neg) return "";
    *too_large = true;
    return "";
  }
  long e = std::stol(std::string(ed));
  e = (neg ? -e : e) - frac_digits;
  while (e < 0 && !mant.empty() && mant.back() == '0') mant.pop_back(), ++e;
  if (e < 0) return "";
  if (mant.size() + static_cast<std::size_t>(e) > kMaxCount.size()) {
    *too_large = true;
    return "";
  }
  mant.append(static_cast<std::size_t>(e), '0');
  long long x;
  if (!digits_to_count(mant, &x)) {
    *too_large = true;
    return "";
  }
  return mant;
}

// Spaces that spreadsheets put in or around numbers and that look like ordinary spaces (so are
// not trimmed): no-break space U+00A0, figure space U+2007, thin space U+2009, narrow no-break
// space U+202F. Returns the text without them and says whether there were any.
std::string without_unicode_spaces(const std::string& v, bool* found) {
  static const char* const kSpaces[] = {"\xC2\xA0", "\xE2\x80\x87", "\xE2\x80\x89", "\xE2\x80\xAF"};
  std::string out;
  *found = false;
  for (std::size_t i = 0; i < v.size();) {
    bool hit = false;
    for (const char* sp : kSpaces) {
      const std::size_t n = std::strlen(sp);
      if (v.compare(i, n, sp) == 0) {
        hit = true;
        i += n;
        break;
      }
    }
    if (hit) {
      *found = true;
      continue;
    }
    out += v[i++];
  }
  return out;
}

long long parse_count(const std::string& path, long line, const std::string& column,
                      const std::string& raw) {
  const std::string v = trim(raw);
  const std::string what = column + " (" + shown(v) + ")";
  const std::string at_most = std::string(kMaxCount);
  if (v.empty())
    fail(path, line,
         column + " is empty; enter a whole number (" +
             (is_total_column(column) ? "1 or more" : "0 or more") + ")");
  if (all_digits(v)) {
    long long x;
    if (!digits_to_count(v, &x)) fail(path, line, what + " is too large; counts must be at most " + at_most);
    return x;
  }
  if (is_missing_marker(v))
    fail(path, line,
         what + " is a missing-value marker; hbmeta needs the observed count for every study: "
                "fill it in or delete the row");
  if (v[0] == '-' && v.size() > 1 && v.find_first_not_of("0.", 1) == std::string::npos &&
      v.find('0', 1) != std::string::npos)  // -0, -00, -0.0: zero with a sign
    fail(path, line, what + " is zero written with a '-' sign; write counts as plain digits: 0 instead of " + v);
  if (v[0] == '-' && (all_digits(v.substr(1)) || number_shape(v.substr(1)) != NumberShape::kNone))
    fail(path, line, what + " is negative; counts must be 0 or more");
  if (v[0] == '+' && all_digits(v.substr(1)))
    fail(path, line, what + " has a '+' sign; write counts as plain digits: " + v.substr(1) +
                         " instead of " + v);
  if (v[0] == '+' && number_shape(v.substr(1)) != NumberShape::kNone)
    fail(path, line, what + " has a '+' sign; write counts as plain digits, e.g. 12");
  switch (number_shape(v)) {
    case NumberShape::kDecimal: {
      // 10.0 or 10. : a whole number with a decimal point; say exactly what to write.
      const std::size_t dot = v.find('.');
      const std::string whole = v.substr(0, dot);
      if (!whole.empty() && v.find_first_not_of('0', dot + 1) == std::string::npos)
        fail(path, line,
             what + " has a decimal point; write counts as plain digits: " + whole +
                 " instead of " + v);
      fail(path, line,
           what + " is not a whole number; counts must be whole numbers written as plain "
                  "digits, e.g. 12");
    }
    case NumberShape::kScientific: {
      bool too_large = false;
      const std::string digits = scientific_as_digits(v, &too_large);
      if (too_large)
        fail(path, line,
             what + " is in scientific notation and too large; counts must be whole numbers of at most " +
                 at_most + ", written as plain digits");
      if (digits.empty())
        fail(path, line,
             what + " is in scientific notation and not a whole number; counts must be whole numbers "
                    "written as plain digits, e.g. 12");
      fail(path, line,
           what + " is in scientific notation; write counts out as plain digits: " + shown(digits) +
               " instead of " + v);
    }
    case NumberShape::kNone:
      break;
  }
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') &&
      v.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos) {
    std::string_view hex = std::string_view(v).substr(2);
    while (hex.size() > 1 && hex[0] == '0') hex.remove_prefix(1);
    if (hex.size() > 16 || (hex.size() == 16 && hex[0] > '7'))
      fail(path, line,
           what + " is a hexadecimal number, and too large; write counts as plain decimal digits, at most " +
               at_most);
    const unsigned long long x = std::stoull(std::string(hex), nullptr, 16);
    fail(path, line,
         what + " is a hexadecimal number; write counts as plain decimal digits: " + std::to_string(x) +
             " instead of " + v);
  }
  bool unicode_space = false;
  const std::string bare = without_unicode_spaces(v, &unicode_space);
  if (unicode_space && all_digits(trim(bare))) {
    const std::string digits = trim(bare);
    std::size_t first = v.find_first_of("0123456789"), last = v.find_last_of("0123456789");
    const bool inside = v.substr(first, last - first + 1).find_first_not_of("0123456789") != std::string::npos;
    fail(path, line,
         what + (inside ? " has digit-group separators that are special spaces (such as the no-break space "
                          "U+00A0); write counts as plain digits: "
                        : " has a special space (such as the no-break space U+00A0) before or after the "
                          "digits; write counts as plain digits: ") +
             shown(digits) + " instead of " + v);
  }
  if (has_group_separators(v))
    fail(path, line,
         what + " contains digit-group separators; write counts as plain digits, e.g. 1000 "
                "instead of 1,000");
  fail(path, line,
       what + " is not a number; counts must be whole numbers written as plain digits, e.g. 12");
}

std::string join(const std::vector<std::string>& v, std::string_view sep, std::size_t max_items) {
  std::string out;
  for (std::size_t k = 0; k < v.size() && k < max_items; ++k) {
    if (k) out += sep;
    out += v[k];
  }
  if (v.size() > max_items)
    out += std::string(sep) + "... (" + std::to_string(v.size()) + " columns)";
  return out;
}

}  // namespace

namespace {

// Count columns of the two input layouts.
constexpr const char* kSingleColumns[2] = {"events", "total"};
constexpr const char* kTwoArmColumns[4] = {"events_t", "total_t", "events_c", "total_c"};
constexpr std::string_view kKnownColumns = "outcome, study, events, total, events_t, total_t, events_c, total_c";


// A covariate value as a number, when the whole (trimmed) text is one finite decimal number
// (signs and exponents allowed: covariates are measurements, not counts).
bool parse_covariate_number(const std::string& v, double* out) {
  if (v.empty()) return false;
  const char* b = v.c_str();
  char* e = nullptr;
  errno = 0;
  const double x = std::strtod(b, &e);
  if (e != b + v.size() || errno == ERANGE || !std::isfinite(x)) return false;
  // strtod also accepts hex floats, "inf" and "nan": only plain decimals count as numbers.
  for (char c : v)
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return false;
  *out = x;
  return true;
}

// A covariate whose every value is a number, some written with a decimal comma ("1,5", an
// Excel export in a comma-decimal locale, quoted so that the CSV keeps it), would otherwise be
// read as categorical with levels "1,5", "2,5", ...: stop and say so.
void decimal_comma_check(const OutcomeData& o, std::size_t c, const std::string& path) {
  const StudyCounts* first_comma = nullptr;
  for (const auto& s : o.studies) {
    const std::string& v = s.covariate_text[c];
    double x;
    if (parse_covariate_number(v, &x)) continue;
    const std::size_t comma = v.find(',');
    if (comma == std::string::npos || v.find(',', comma + 1) != std::string::npos) return;
    std::string dotted = v;
    dotted[comma] = '.';
    if (!parse_covariate_number(dotted, &x)) return;
    if (!first_comma) first_comma = &s;
  }
  if (!first_comma) return;
  const std::string& v = first_comma->covariate_text[c];
  std::string dotted = v;
  dotted[v.find(',')] = '.';
  fail(path, first_comma->line,
       "covariate " + o.covariates[c].column + " is '" + v + "', a number with a decimal comma; hbmeta reads decimal "
       "points (write " + dotted + "; from a spreadsheet, export the CSV with '.' as the decimal separator), "
       "otherwise the column would become categorical with one level per value");
}

// Turns each outcome's raw covariate text into the design matrix: numeric columns as they are,
// categorical ones (any value that is not a number) as indicators of every level but the first
// in sorted order (the reference level, as R's factor() and metafor do). A column that does
// not vary within the outcome carries no information beside mu and is dropped with a note.
void build_design(OutcomeData& o, const std::string& path) {
  const std::size_t K = o.studies.size();
  std::vector<std::vector<double>> cols;
  for (std::size_t c = 0; c < o.covariates.size(); ++c) {
    Covariate& cov = o.covariates[c];
    std::vector<double> num(K);
    bool numeric = true;
    for (std::size_t i = 0; i < K && numeric; ++i)
      numeric = parse_covariate_number(o.studies[i].covariate_text[c], &num[i]);
    cov.categorical = !numeric;
    if (!numeric) decimal_comma_check(o, c, path);
    if (numeric) {
      const bool constant = std::all_of(num.begin(), num.end(), [&](double v) { return v == num[0]; });
      if (constant) {
        cov.dropped = true;
        o.notes.push_back("covariate '" + cov.column + "' has the same value in every study of this outcome, so it "
                          "cannot be separated from mu; it was left out of this outcome's model");
        continue;
      }
      o.x_names.push_back(cov.column);
      cols.push_back(std::move(num));
      continue;
    }
    std::vector<std::string> levels;
    for (const auto& s : o.studies) levels.push_back(s.covariate_text[c]);
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    cov.levels = levels;
    if (levels.size() == 1) {
      cov.dropped = true;
      o.notes.push_back("covariate '" + cov.column + "' has the single level '" + levels[0] +
                        "' in this outcome, so it cannot be separated from mu; it was left out of this outcome's model");
      continue;
    }
    for (std::size_t l = 1; l < levels.size(); ++l) {
      std::vector<double> ind(K);
      for (std::size_t i = 0; i < K; ++i) ind[i] = o.studies[i].covariate_text[c] == levels[l] ? 1.0 : 0.0;
      o.x_names.push_back(cov.column + "=" + levels[l]);
      cols.push_back(std::move(ind));
    }
  }
  const std::size_t P = cols.size();
  o.x.assign(K * P, 0.0);
  for (std::size_t i = 0; i < K; ++i)
    for (std::size_t j = 0; j < P; ++j) o.x[i * P + j] = cols[j][i];
}

}  // namespace

std::vector<OutcomeData> read_outcomes(const std::string& path, const std::vector<std::string>& covariates,
                                       const std::vector<std::string>& ignore_columns, bool with_dataset) {
  // Column indices; header.size() = absent.
  std::size_t c_outcome = 0, c_study = 0, c_single[2], c_two[4], c_dataset = 0;
  std::vector<std::size_t> c_cov(covariates.size());
  bool has_single = false, has_two = false;
  std::size_t ncols = 0;
  const auto check_header = [&](const CsvTable& table) {
    ncols = table.header.size();
    const auto find = [&](const std::string& name) {
      for (std::size_t c = 0; c < ncols; ++c)
        if (table.header[c] == name) return c;
      return ncols;
    };
    c_outcome = find("outcome");
    c_study = find("study");
    c_dataset = find("dataset");
    for (int r = 0; r < 2; ++r) c_single[r] = find(kSingleColumns[r]);
    for (int r = 0; r < 4; ++r) c_two[r] = find(kTwoArmColumns[r]);
    has_single = c_single[0] != ncols || c_single[1] != ncols;
    has_two = std::any_of(c_two, c_two + 4, [&](std::size_t c) { return c != ncols; });

    // Which names are missing: outcome and study always; the count columns of the layout(s)
    // the header starts; the single-arm pair when it starts neither.
    // No outcome column: the file is one meta-analysis, named after the file (add_row).
    std::vector<std::string> needed = {"study"};
    if (has_single || !has_two) needed.insert(needed.end(), kSingleColumns, kSingleColumns + 2);
    if (has_two) needed.insert(needed.end(), kTwoArmColumns, kTwoArmColumns + 4);
    std::vector<std::string> missing, renames;
    for (const auto& name : needed) {
      if (find(name) != ncols) continue;
      missing.push_back(name);
    }
    for (const char* name : {"outcome", "study", "events", "total", "events_t", "total_t", "events_c", "total_c"})
      if (find(name) == ncols)
        for (const auto& h : table.header)
          if (lower_ascii(h) == name) renames.push_back(h + " to " + name);
    if (!missing.empty()) {
      // Names other tools use (metafor's escalc arguments, common spreadsheet headings): say
      // which hbmeta column each probably is.
      static const std::pair<const char*, const char*> kAliases[] = {
          {"xi", "events"}, {"ni", "total"}, {"n", "total"}, {"N", "total"}, {"x", "events"}, {"r", "events"},
          {"cases", "events"}, {"event", "events"}, {"deaths", "events"}, {"size", "total"},
          {"sample_size", "total"}, {"totals", "total"}, {"ai", "events_t"}, {"n1i", "total_t"},
          {"ci", "events_c"}, {"n2i", "total_c"}, {"author", "study"}, {"trial", "study"}, {"studlab", "study"},
          {"study_id", "study"}, {"id", "study"}, {"label", "study"}};
      std::vector<std::string> hints;
      bool two_arm_hint = false;
      for (const auto& [alias, name] : kAliases)
        if (find(alias) != ncols && find(name) == ncols) {
          hints.push_back(std::string(alias) + " -> " + name);
          two_arm_hint = two_arm_hint || std::string(name).find('_') != std::string::npos;
        }
      std::string non_events;
      if (find("bi") != ncols || find("di") != ncols)
        non_events = "; metafor's bi and di (each arm's non-events) are not read: give total_t = ai + bi and "
                     "total_c = ci + di";
      std::string msg = std::string(missing.size() == 1 ? "missing required column: "
                                                        : "missing required columns: ") +
                        join(missing, ", ", missing.size()) + "; the header must contain " +
                        std::string(kRequiredColumns) +
                        (has_two || !has_single
                             ? " (single-arm outcomes) or outcome,study,events_t,total_t,events_c,total_c "
                               "(two-arm outcomes)"
                             : "") +
                        " (in any order, lowercase; outcome may be left out when the file holds one "
                        "meta-analysis; other columns only with --covariates or --ignore-columns); found: " +
                        join(table.header, ",", 20);
      if (!renames.empty())
        msg += "; column names are case-sensitive: rename " + join(renames, ", ", renames.size());
      if (!hints.empty())
        msg += "; these columns are probably hbmeta's " + std::string(two_arm_hint ? "two-arm " : "") +
               "columns under other names (metafor's or common ones): rename " + join(hints, ", ", hints.size());
      msg += non_events;
      if (table.header.size() == 1) {
        const std::string& h = table.header[0];
        if (h.find(';') != std::string::npos)
          msg += "; the file looks semicolon-separated, but hbmeta reads comma-separated files: "
                 "save it with commas as the separator";
        else if (h.find('\t') != std::string::npos)
          msg += "; the file looks tab-separated, but hbmeta reads comma-separated files: save it "
                 "with commas as the separator";
      }
      fail(path, table.header_line, msg);
    }
    for (std::size_t k = 0; k < covariates.size(); ++k) {
      c_cov[k] = find(covariates[k]);
      if (c_cov[k] == ncols)
        fail(path, table.header_line,
             "--covariates names column '" + covariates[k] + "', which is not in the header; found: " +
                 join(table.header, ",", 20) + " (names are case-sensitive)");
    }
    const auto known = [&](const std::string& name) {
      return name == "outcome" || name == "study" || (with_dataset && name == "dataset") ||
             std::find(std::begin(kSingleColumns), std::end(kSingleColumns), name) != std::end(kSingleColumns) ||
             std::find(std::begin(kTwoArmColumns), std::end(kTwoArmColumns), name) != std::end(kTwoArmColumns);
    };
    for (const auto& name : ignore_columns) {
      if (known(name))
        fail(path, table.header_line,
             "--ignore-columns names column '" + name + "', which hbmeta reads (" + std::string(kKnownColumns) +
                 "); only other columns can be left out");
      if (find(name) == ncols)
        fail(path, table.header_line,
             "--ignore-columns names column '" + name + "', which is not in the header; found: " +
                 join(table.header, ",", 20) + " (names are case-sensitive)");
    }
    // Every other column must be asked for: a column that is neither read, used as a covariate
    // nor explicitly ignored is usually a misspelt name or the wrong file.
    std::vector<std::string> unknown;
    for (const auto& h : table.header)
      if (!known(h) && std::find(covariates.begin(), covariates.end(), h) == covariates.end() &&
          std::find(ignore_columns.begin(), ignore_columns.end(), h) == ignore_columns.end())
        unknown.push_back(h);
    if (!with_dataset && std::find(unknown.begin(), unknown.end(), "dataset") != unknown.end())
      fail(path, table.header_line,
           "column 'dataset' holds many datasets in one file, which hbmeta batch fits (hbmeta batch " + path +
               "); hbmeta fit analyses one dataset: select its rows, or name the column in --ignore-columns dataset "
               "if it is not a dataset label");
    if (!unknown.empty()) {
      const bool one = unknown.size() == 1;
      std::vector<std::string> quoted;
      for (const auto& u : unknown) quoted.push_back("'" + u + "'");
      std::string list;  // as an option value: a,b (shell-quoted when it needs to be)
      for (const auto& u : unknown) list += (list.empty() ? "" : ",") + u;
      if (list.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,=-") !=
          std::string::npos)
        list = "'" + list + "'";
      fail(path, table.header_line,
           std::string(one ? "unknown column " : "unknown columns ") + join(quoted, ", ", 10) +
               "; known columns are " + std::string(kKnownColumns) + "; use " + (one ? "it" : "them") +
               " with --covariates " + list + ", or leave " + (one ? "it" : "them") + " out with --ignore-columns " +
               list);
    }
  };

  std::vector<OutcomeData> out;
  std::unordered_map<std::string, std::size_t> outcome_index;
  // Per outcome: each label as written in the file -> the rows (indices into studies) that use
  // it; and every label in use (a repeated label's rows get "label [2]", ...).
  std::vector<std::unordered_map<std::string, std::vector<std::size_t>>> label_rows;
  std::vector<std::unordered_set<std::string>> labels_used;
  bool any_rows = false;

  const auto filled = [&](const std::vector<std::string>& row, std::size_t c) {
    return c != ncols && !trim(row[c]).empty();
  };

  const std::string file_outcome = std::filesystem::path(path).stem().string();
  const auto add_row = [&](std::vector<std::string>& row, long line) {
    any_rows = true;
    std::string outcome = c_outcome == ncols ? file_outcome : row[c_outcome];
    std::string& study = row[c_study];
    if (trim(outcome).empty())
      fail(path, line,
           "outcome is empty; every row needs an outcome name (delete the line if it is an "
           "empty spreadsheet row)");
    if (trim(study).empty()) fail(path, line, "study is empty; every row needs a study name");

    // The row's layout: two-arm when any two-arm count is filled, else single-arm.
    const bool any_two = has_two && std::any_of(c_two, c_two + 4, [&](std::size_t c) { return filled(row, c); });
    const bool any_single = has_single && (filled(row, c_single[0]) || filled(row, c_single[1]));
    if (any_two && any_single)
      fail(path, line,
           "row fills both the single-arm columns (events, total) and the two-arm columns (events_t, "
           "total_t, events_c, total_c); fill one set and leave the other empty");
    const OutcomeKind kind = any_two || !has_single ? OutcomeKind::TwoArm : OutcomeKind::SingleArm;

    StudyCounts sc;
    sc.line = line;
    if (kind == OutcomeKind::SingleArm) {
      sc.events = parse_count(path, line, "events", row[c_single[0]]);
      sc.total = parse_count(path, line, "total", row[c_single[1]]);
      if (sc.total == 0)
        fail(path, line,
             "total is 0; every study needs at least one participant (delete the row if the study "
             "did not report this outcome)");
      if (sc.events > sc.total)
        fail(path, line,
             "events (" + std::to_string(sc.events) + ") exceeds total (" + std::to_string(sc.total) + ")");
    } else {
      long long v[4];
      for (int r = 0; r < 4; ++r) {
        if (!filled(row, c_two[r]) && has_single)
          fail(path, line,
               std::string(kTwoArmColumns[r]) + " is empty but other two-arm counts of the row are filled; "
               "a two-arm row needs all of events_t, total_t, events_c, total_c");
        v[r] = parse_count(path, line, kTwoArmColumns[r], row[c_two[r]]);
      }
      for (int arm = 0; arm < 2; ++arm) {
        const std::string e = kTwoArmColumns[2 * arm], t = kTwoArmColumns[2 * arm + 1];
        if (v[2 * arm + 1] == 0)
          fail(path, line,
               t + " is 0; every arm needs at least one participant (delete the row if the study "
                   "did not report this outcome)");
        if (v[2 * arm] > v[2 * arm + 1])
          fail(path, line,
               e + " (" + std::to_string(v[2 * arm]) + ") exceeds " + t + " (" + std::to_string(v[2 * arm + 1]) + ")");
      }
      sc.events = v[0];
      sc.total = v[1];
      sc.events_c = v[2];
      sc.total_c = v[3];
    }
    for (std::size_t k = 0; k < covariates.size(); ++k) {
      const std::string val = trim(row[c_cov[k]]);
      if (val.empty())
        fail(path, line,
             "covariate " + covariates[k] + " is empty; meta-regression needs every study's value: fill it "
             "in, or leave the study out of this analysis");
      if (is_missing_marker(val))
        fail(path, line,
             "covariate " + covariates[k] + " (" + shown(val) + ") is a missing-value marker; meta-regression "
             "needs every study's value: fill it in, or leave the study out of this analysis");
      sc.covariate_text.push_back(val);
    }

    std::string dataset;
    if (with_dataset && c_dataset != ncols) {
      dataset = row[c_dataset];
      if (trim(dataset).empty()) fail(path, line, "dataset is empty; every row of a batch file needs a dataset name");
    }
    const std::string label = with_dataset ? "outcome '" + outcome + "' of dataset '" + dataset + "'"
                                           : "outcome '" + outcome + "'";
    auto [oit, new_outcome] = outcome_index.emplace(with_dataset ? dataset + '\0' + outcome : outcome, out.size());
    if (new_outcome) {
      OutcomeData o;
      o.name = outcome;
      o.dataset = dataset;
      o.kind = kind;
      o.first_line = line;
      for (const auto& c : covariates) o.covariates.push_back(Covariate{c, false, {}, false});
      out.push_back(std::move(o));
      label_rows.emplace_back();
      labels_used.emplace_back();
    }
    const std::size_t o = oit->second;
    if (out[o].kind != kind) {
      const char* names[2] = {"single-arm (events, total)", "two-arm (events_t, total_t, events_c, total_c)"};
      fail(path, line,
           label + " has " + names[static_cast<int>(kind)] + " counts here but " +
               names[static_cast<int>(out[o].kind)] + " counts on line " + std::to_string(out[o].first_line) +
               "; all rows of an outcome must use the same layout (give the other rows their own outcome name)");
    }
    // A repeated label: the same counts (and covariates) is a duplicated row, an error; other
    // counts are usually another trial of the same paper (two trials of "Breddin et al 1980"),
    // kept as a study of its own under "label [2]" with a warning.
    std::vector<std::size_t>& rows = label_rows[o][study];
    for (std::size_t k : rows) {
      const StudyCounts& f = out[o].studies[k];
      if (f.events == sc.events && f.total == sc.total && f.events_c == sc.events_c && f.total_c == sc.total_c &&
          f.covariate_text == sc.covariate_text)
        fail(path, line,
             "study '" + study + "' appears twice in " + label + " with the same counts (first on line " +
                 std::to_string(f.line) + "): a duplicated row; delete one of them");
    }
    std::string name = study;
    for (std::size_t n = std::max<std::size_t>(2, rows.size() + 1); labels_used[o].count(name); ++n)
      name = study + " [" + std::to_string(n) + "]";
    if (!rows.empty())
      out[o].notes.push_back("study label '" + study + "' is on line " + std::to_string(out[o].studies[rows[0]].line) +
                             " and again on line " + std::to_string(line) +
                             " with other counts (e.g. two trials reported in one paper): both are kept, the one on "
                             "line " + std::to_string(line) + " as '" + name +
                             "' in every output; rename them in the file to choose the labels");
    else if (name != study)  // the label of a row above that was renamed
      out[o].notes.push_back("study label '" + study + "' on line " + std::to_string(line) +
                             " is already the new label of a repeated one: this row is '" + name + "' in every output");
    rows.push_back(out[o].studies.size());
    labels_used[o].insert(name);
    sc.name = std::move(name);
    out[o].studies.push_back(std::move(sc));
  };

  const CsvTable table = read_csv_impl(path, check_header, add_row);
  if (!any_rows)
    fail(path, table.header_line,
         "no data rows after the header; add one row per study with the columns " +
             std::string(kRequiredColumns));
  for (auto& o : out) build_design(o, path);
  return out;
}

}  // namespace hbm
