// libFuzzer target for the CSV reader (host/io/csv_reader.hpp: read_csv and read_outcomes, tokenizer included): every input must either parse into
// consistent outcomes or throw hbm::InputError with a "file:line: message"; anything else (a
// crash, a sanitizer report, another exception type, a malformed message) aborts, and libFuzzer
// saves the input. Built with -DHBMETA_FUZZ=ON by scripts/fuzz.sh; see docs/fuzzing.md.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "host/io/csv_reader.hpp"

namespace {

[[noreturn]] void bug(const std::string& what) {
  std::fprintf(stderr, "csv_reader_fuzz: %s\n", what.c_str());
  std::abort();
}

// One file per process (libFuzzer's -jobs/-fork run several), rewritten for every input and
// removed at exit. In /dev/shm when it is writable: on ext4, rewriting a file in place through
// O_TRUNC forces its blocks to disk on close (auto_da_alloc), which made /tmp ten times slower.
// (Never destroyed, so the atexit handler cannot outlive it.)
const std::string& temp_path() {
  static const std::string* const path = [] {
    const char* dir = ::access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
    auto* p = new std::string(std::string(dir) + "/hbmeta_fuzz_" + std::to_string(::getpid()) + ".csv");
    std::atexit([] { std::remove(temp_path().c_str()); });
    return p;
  }();
  return *path;
}

void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) bug("cannot create " + path);
  if (size && std::fwrite(data, 1, size, f) != size) bug("cannot write " + path);
  if (std::fclose(f) != 0) bug("cannot close " + path);
}

// "path:LINE: message" with LINE >= 1 and a non-empty message.
void check_message(const std::string& path, const std::string& msg) {
  const std::string prefix = path + ":";
  if (msg.compare(0, prefix.size(), prefix) != 0) bug("InputError without the file name: " + msg);
  std::size_t i = prefix.size(), digits = 0;
  long line = 0;
  while (i < msg.size() && msg[i] >= '0' && msg[i] <= '9' && digits < 12) line = line * 10 + (msg[i++] - '0'), ++digits;
  if (digits == 0 || line < 1) bug("InputError without a line number: " + msg);
  if (msg.compare(i, 2, ": ") != 0 || msg.size() <= i + 2) bug("InputError not in the form file:line: message: " + msg);
}

void check_outcomes(const std::vector<hbm::OutcomeData>& outcomes, std::size_t n_covariates) {
  if (outcomes.empty()) bug("read_outcomes returned no outcomes without an InputError");
  for (const auto& o : outcomes) {
    if (o.name.empty() || o.studies.empty() || o.first_line < 1) bug("outcome '" + o.name + "' is inconsistent");
    const std::size_t K = o.studies.size(), P = o.x_names.size();
    if (o.covariates.size() != n_covariates) bug("outcome '" + o.name + "': wrong number of covariates");
    if (o.x.size() != K * P) bug("outcome '" + o.name + "': design matrix is not K x P");
    for (const auto& s : o.studies) {
      if (s.name.empty() || s.line < o.first_line) bug("study '" + s.name + "' is inconsistent");
      if (s.covariate_text.size() != n_covariates) bug("study '" + s.name + "': wrong number of covariate values");
      if (s.total < 1 || s.events < 0 || s.events > s.total) bug("study '" + s.name + "': bad single-arm/treatment counts");
      if (o.kind == hbm::OutcomeKind::TwoArm && (s.total_c < 1 || s.events_c < 0 || s.events_c > s.total_c))
        bug("study '" + s.name + "': bad control-arm counts");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = temp_path();
  write_file(path, data, size);
  // The first byte picks the variant, so both paths see the same shapes of file.
  const bool with_covariate = size > 0 && (data[0] & 1);
  const std::vector<std::string> covariates = with_covariate ? std::vector<std::string>{"x"} : std::vector<std::string>{};
  try {
    check_outcomes(hbm::read_outcomes(path, covariates), covariates.size());
  } catch (const hbm::InputError& e) {
    check_message(path, e.what());
  } catch (const std::exception& e) {
    bug(std::string("exception other than hbm::InputError: ") + e.what());
  } catch (...) {
    bug("exception other than hbm::InputError (not a std::exception)");
  }
  return 0;
}
