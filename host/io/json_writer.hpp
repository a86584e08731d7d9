// A small streaming JSON writer for summary.json: objects, arrays, strings, numbers. Non-finite
// numbers are written as null (JSON has no NaN), so no NaN or Inf ever reaches the file.
#pragma once
#include <string>
#include <vector>

namespace hbm {

class JsonWriter {
 public:
  JsonWriter& begin_object(const std::string& key = "");
  JsonWriter& end_object();
  JsonWriter& begin_array(const std::string& key = "");
  JsonWriter& end_array();
  JsonWriter& value(const std::string& key, double v);
  JsonWriter& value(const std::string& key, long long v);
  JsonWriter& value(const std::string& key, int v) { return value(key, static_cast<long long>(v)); }
  JsonWriter& value(const std::string& key, const std::string& v);
  JsonWriter& value(const std::string& key, const char* v) { return value(key, std::string(v)); }
  JsonWriter& value(const std::string& key, bool v);
  const std::string& str() const { return out_; }

  static std::string quote(const std::string& s);
  static std::string number(double v);  // shortest round-trip text; "null" when not finite

 private:
  void prefix(const std::string& key);
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written yet
};

}  // namespace hbm
