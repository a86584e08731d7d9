// Minimal JSON reader (recursive descent), for --replay and the tests: null, booleans, numbers (also the
// non-standard NaN / Infinity / -Infinity that Python's json module writes), strings (with
// escapes, \u including surrogate pairs, to UTF-8), arrays and objects (key order kept).
// Lookups throw std::runtime_error with the offending key/index, so a test fails clearly.
// Every value keeps the line and column where it starts, and a syntax error says where it is,
// so that a reader of a user's file can name "FILE:LINE" (the scenario files of hbmeta simulate).
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace hbm {

// A document that is not JSON. what() is "json: REASON at offset N" (N counted in bytes from 0);
// the reason and the line and column (from 1; the column in bytes) are also kept apart.
class JsonSyntaxError : public std::runtime_error {
 public:
  JsonSyntaxError(const std::string& reason, std::size_t offset, long line, long column);
  const std::string& reason() const { return reason_; }
  long line() const { return line_; }
  long column() const { return column_; }

 private:
  std::string reason_;
  long line_, column_;
};

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Json() = default;
  static Json parse(const std::string& text);
  static Json parse_file(const std::string& path);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }

  // Object member (throws if not an object or the key is missing).
  const Json& operator[](const std::string& key) const;
  // Array element (throws if not an array or out of range).
  const Json& operator[](std::size_t index) const;
  bool contains(const std::string& key) const;
  const std::vector<std::string>& keys() const { return keys_; }  // object keys, in file order

  double num() const;
  const std::string& str() const;
  bool boolean() const;
  std::size_t size() const;  // elements of an array / members of an object

  // Where the value starts in the parsed text: its first character ('{', '[', '"', a digit,
  // ...), from 1, the column in bytes; 0 for a value that was not parsed.
  long line() const { return line_; }
  long column() const { return column_; }

 private:
  friend class JsonParser;
  Type type_ = Type::Null;
  bool bool_ = false;
  double num_ = 0.0;
  std::string str_;
  std::vector<Json> items_;         // array elements or object values
  std::vector<std::string> keys_;   // object keys (parallel to items_)
  long line_ = 0, column_ = 0;
};

}  // namespace hbm
