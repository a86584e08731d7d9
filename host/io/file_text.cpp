// A whole input file as text; see file_text.hpp.
#include "host/io/file_text.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "host/support/input_error.hpp"

namespace hbm {

std::string read_file_text(const std::string& path, const std::string& what) {
  std::ifstream f(path, std::ios::binary);
  if (!f || std::filesystem::is_directory(path))
    throw InputError(path + ": cannot read the " + what + " (no such file, or not readable)");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace hbm
