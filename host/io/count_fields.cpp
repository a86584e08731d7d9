// Reading the study CSV's count fields; see count_fields.hpp. Every message is listed in
// docs/input_errors.md.
#include "host/io/count_fields.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "host/io/input_text.hpp"

namespace hbm {
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

}  // namespace

bool is_missing_marker(const std::string& v) {
  const std::string l = lower_ascii(v);
  return l == "na" || l == "n/a" || l == "nan" || l == "null" || l == "none" || l == "." ||
         l == "?" || l == "missing";
}

long long parse_count(const std::string& path, long line, const std::string& column,
                      const std::string& raw) {
  const std::string v(trim_blanks(raw));
  const std::string what = column + " (" + shown(v) + ")";
  const std::string at_most = std::string(kMaxCount);
  if (v.empty())
    fail_at(path, line,
            column + " is empty; enter a whole number (" +
                (is_total_column(column) ? "1 or more" : "0 or more") + ")");
  if (all_digits(v)) {
    long long x;
    if (!digits_to_count(v, &x)) fail_at(path, line, what + " is too large; counts must be at most " + at_most);
    return x;
  }
  if (is_missing_marker(v))
    fail_at(path, line,
            what + " is a missing-value marker; hbmeta needs the observed count for every study: "
                   "fill it in or delete the row");
  if (v[0] == '-' && v.size() > 1 && v.find_first_not_of("0.", 1) == std::string::npos &&
      v.find('0', 1) != std::string::npos)  // -0, -00, -0.0: zero with a sign
    fail_at(path, line, what + " is zero written with a '-' sign; write counts as plain digits: 0 instead of " + v);
  if (v[0] == '-' && (all_digits(v.substr(1)) || number_shape(v.substr(1)) != NumberShape::kNone))
    fail_at(path, line, what + " is negative; counts must be 0 or more");
  if (v[0] == '+' && all_digits(v.substr(1)))
    fail_at(path, line, what + " has a '+' sign; write counts as plain digits: " + v.substr(1) +
                            " instead of " + v);
  if (v[0] == '+' && number_shape(v.substr(1)) != NumberShape::kNone)
    fail_at(path, line, what + " has a '+' sign; write counts as plain digits, e.g. 12");
  switch (number_shape(v)) {
    case NumberShape::kDecimal: {
      // 10.0 or 10. : a whole number with a decimal point; say exactly what to write.
      const std::size_t dot = v.find('.');
      const std::string whole = v.substr(0, dot);
      if (!whole.empty() && v.find_first_not_of('0', dot + 1) == std::string::npos)
        fail_at(path, line,
                what + " has a decimal point; write counts as plain digits: " + whole +
                    " instead of " + v);
      fail_at(path, line,
              what + " is not a whole number; counts must be whole numbers written as plain "
                     "digits, e.g. 12");
    }
    case NumberShape::kScientific: {
      bool too_large = false;
      const std::string digits = scientific_as_digits(v, &too_large);
      if (too_large)
        fail_at(path, line,
                what + " is in scientific notation and too large; counts must be whole numbers of at most " +
                    at_most + ", written as plain digits");
      if (digits.empty())
        fail_at(path, line,
                what + " is in scientific notation and not a whole number; counts must be whole numbers "
                       "written as plain digits, e.g. 12");
      fail_at(path, line,
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
      fail_at(path, line,
              what + " is a hexadecimal number, and too large; write counts as plain decimal digits, at most " +
                  at_most);
    const unsigned long long x = std::stoull(std::string(hex), nullptr, 16);
    fail_at(path, line,
            what + " is a hexadecimal number; write counts as plain decimal digits: " + std::to_string(x) +
                " instead of " + v);
  }
  bool unicode_space = false;
  const std::string bare = without_unicode_spaces(v, &unicode_space);
  if (unicode_space && all_digits(trim_blanks(bare))) {
    const std::string digits(trim_blanks(bare));
    std::size_t first = v.find_first_of("0123456789"), last = v.find_last_of("0123456789");
    const bool inside = v.substr(first, last - first + 1).find_first_not_of("0123456789") != std::string::npos;
    fail_at(path, line,
            what + (inside ? " has digit-group separators that are special spaces (such as the no-break space "
                             "U+00A0); write counts as plain digits: "
                           : " has a special space (such as the no-break space U+00A0) before or after the "
                             "digits; write counts as plain digits: ") +
                shown(digits) + " instead of " + v);
  }
  if (has_group_separators(v))
    fail_at(path, line,
            what + " contains digit-group separators; write counts as plain digits, e.g. 1000 "
                   "instead of 1,000");
  fail_at(path, line,
          what + " is not a number; counts must be whole numbers written as plain digits, e.g. 12");
}

}  // namespace hbm
