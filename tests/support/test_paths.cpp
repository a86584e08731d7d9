#include "support/test_paths.hpp"

#include <cstdlib>
#include <string>

namespace hbm::test {
namespace {

std::string from_env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

const char* source_dir() {
  static const std::string s = from_env("HBMETA_TEST_SOURCE_DIR", HBMETA_CONFIGURED_SOURCE_DIR);
  return s.c_str();
}
const char* fixtures_dir() {
  static const std::string s = std::string(source_dir()) + "/tests/fixtures";
  return s.c_str();
}
const char* data_dir() {
  static const std::string s = std::string(source_dir()) + "/data";
  return s.c_str();
}
const char* binary_path() {
  static const std::string s = from_env("HBMETA_TEST_BINARY", HBMETA_CONFIGURED_BINARY);
  return s.c_str();
}

}  // namespace hbm::test
