// Test helper: runs the built hbmeta binary and captures its exit status, stdout and stderr.
#pragma once
#include <filesystem>
#include <string>

namespace hbm::test {

struct CliResult {
  int status = -1;
  std::string out, err;
};

// Runs `HBMETA_BINARY args` through the shell (args are passed as written).
CliResult run_hbmeta(const std::string& args);

std::string read_text(const std::filesystem::path& p);
void write_text(const std::filesystem::path& p, const std::string& s);

// A fresh empty folder under the system temp dir, unique per call.
std::filesystem::path fresh_temp_dir(const std::string& tag);

}  // namespace hbm::test
