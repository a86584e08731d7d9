#include "host/io/json_reader.hpp"

#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace hbm {

JsonSyntaxError::JsonSyntaxError(const std::string& reason, std::size_t offset, long line, long column)
    : std::runtime_error("json: " + reason + " at offset " + std::to_string(offset)),
      reason_(reason),
      line_(line),
      column_(column) {}

class JsonParser {
 public:
  explicit JsonParser(const std::string& s) : s_(s) {}

  Json document() {
    Json v = value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  const std::string& s_;
  std::size_t pos_ = 0;
  // The line of pos_ as far as newlines were counted: up to `counted_`, where the line that
  // holds it starts at `line_start_`. Positions are asked in increasing order (each value's
  // start, then an error's), so the text is scanned once, however deep the nesting.
  std::size_t counted_ = 0, line_start_ = 0;
  long line_ = 1;

  void count_lines_to_pos() {
    for (; counted_ < pos_; ++counted_)
      if (s_[counted_] == '\n') {
        ++line_;
        line_start_ = counted_ + 1;
      }
  }
  long column() const { return static_cast<long>(pos_ - line_start_) + 1; }

  [[noreturn]] void fail(const std::string& what) {
    count_lines_to_pos();
    throw JsonSyntaxError(what, pos_, line_, column());
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool consume(const char* word) {
    std::size_t n = std::char_traits<char>::length(word);
    if (s_.compare(pos_, n, word) == 0) {
      pos_ += n;
      return true;
    }
    return false;
  }
  void expect(char c) {
    skip_ws();
    if (pos_ >= s_.size() || s_[pos_] != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  Json value(int depth) {
    if (depth > 512) fail("nesting too deep");
    skip_ws();
    if (pos_ >= s_.size()) fail("unexpected end of input");
    Json v;
    count_lines_to_pos();
    v.line_ = line_;
    v.column_ = column();
    const char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      v.type_ = Json::Type::Object;
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return v;
      }
      for (;;) {
        skip_ws();
        if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string key");
        v.keys_.push_back(string());
        expect(':');
        v.items_.push_back(value(depth + 1));
        skip_ws();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      ++pos_;
      v.type_ = Json::Type::Array;
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return v;
      }
      for (;;) {
        v.items_.push_back(value(depth + 1));
        skip_ws();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.type_ = Json::Type::String;
      v.str_ = string();
      return v;
    }
    if (consume("true")) {
      v.type_ = Json::Type::Bool;
      v.bool_ = true;
      return v;
    }
    if (consume("false")) {
      v.type_ = Json::Type::Bool;
      return v;
    }
    if (consume("null")) return v;
    v.type_ = Json::Type::Number;
    if (consume("NaN")) {
      v.num_ = std::numeric_limits<double>::quiet_NaN();
      return v;
    }
    if (consume("Infinity")) {
      v.num_ = std::numeric_limits<double>::infinity();
      return v;
    }
    if (consume("-Infinity")) {
      v.num_ = -std::numeric_limits<double>::infinity();
      return v;
    }
    v.num_ = number();
    return v;
  }

  double number() {
    const std::size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const std::size_t b = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > b;
    };
    if (!digits()) fail("invalid value");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) fail("invalid number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) fail("invalid exponent");
    }
    double out = 0.0;
    const auto r = std::from_chars(s_.data() + start, s_.data() + pos_, out);
    if (r.ec == std::errc::result_out_of_range) {
      // overflow -> +-inf, underflow -> 0 (as strtod would)
      std::istringstream is(s_.substr(start, pos_ - start));
      is >> out;
      if (!is) out = s_[start] == '-' ? -std::numeric_limits<double>::infinity()
                                      : std::numeric_limits<double>::infinity();
    } else if (r.ec != std::errc() || r.ptr != s_.data() + pos_) {
      fail("invalid number");
    }
    return out;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<unsigned>(h - 'A' + 10);
      else fail("invalid \\u escape");
    }
    return v;
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.compare(pos_, 2, "\\u") == 0) {
            pos_ += 2;
            const unsigned lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            else fail("invalid surrogate pair");
          }
          put_utf8(out, cp);
          break;
        }
        default: fail("invalid escape");
      }
    }
  }
};

Json Json::parse(const std::string& text) { return JsonParser(text).document(); }

Json Json::parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("json: cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return parse(ss.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string(e.what()) + " in " + path);
  }
}

const Json& Json::operator[](const std::string& key) const {
  if (type_ != Type::Object) throw std::runtime_error("json: not an object (looking up '" + key + "')");
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return items_[i];
  throw std::runtime_error("json: missing key '" + key + "'");
}

const Json& Json::operator[](std::size_t index) const {
  if (type_ != Type::Array) throw std::runtime_error("json: not an array (index " + std::to_string(index) + ")");
  if (index >= items_.size())
    throw std::runtime_error("json: index " + std::to_string(index) + " out of range (size " +
                             std::to_string(items_.size()) + ")");
  return items_[index];
}

bool Json::contains(const std::string& key) const {
  if (type_ != Type::Object) return false;
  for (const auto& k : keys_)
    if (k == key) return true;
  return false;
}

double Json::num() const {
  if (type_ != Type::Number) throw std::runtime_error("json: not a number");
  return num_;
}

const std::string& Json::str() const {
  if (type_ != Type::String) throw std::runtime_error("json: not a string");
  return str_;
}

bool Json::boolean() const {
  if (type_ != Type::Bool) throw std::runtime_error("json: not a boolean");
  return bool_;
}

std::size_t Json::size() const {
  if (type_ != Type::Array && type_ != Type::Object) throw std::runtime_error("json: size() of a scalar");
  return items_.size();
}

}  // namespace hbm
