// Small text helpers the input readers share; see input_text.hpp.
#include "host/io/input_text.hpp"

#include "host/support/input_error.hpp"

namespace hbm {

void fail_at(const std::string& path, long line, const std::string& what) {
  throw InputError(path + ":" + std::to_string(line) + ": " + what);
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_blanks(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_blank(s[b])) ++b;
  while (e > b && is_blank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string lower_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string shown(const std::string& v) {
  constexpr std::size_t kMax = 40;
  if (v.size() <= kMax) return v;
  return v.substr(0, 20) + "... (" + std::to_string(v.size()) + " characters)";
}

}  // namespace hbm
