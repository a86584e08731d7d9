// Replaying a recorded fit (host/cli/replay.hpp): config.argv of summary.json, its output options
// replaced by the current ones.
#include "host/cli/replay.hpp"

#include <exception>

#include "host/io/json_reader.hpp"
#include "host/support/input_error.hpp"

namespace hbm::cli {
namespace {

// Options that say where and how to write, not what to compute: --replay drops them from the
// recorded command line so that the current ones apply (--out and --threads take a value).
bool is_output_option(const std::string& a, bool* takes_value) {
  for (const char* o : {"--out", "--threads"}) {
    if (a == o) return *takes_value = true;
    if (a.rfind(std::string(o) + "=", 0) == 0) return !(*takes_value = false);
  }
  *takes_value = false;
  return a == "--force" || a == "--quiet";
}

}  // namespace

// `hbmeta fit --replay DIR/summary.json [--out NEW] [--force] [--threads T] [--quiet]`: the
// recorded arguments (config.argv) with the current output options in place of the recorded
// ones. Same seed, same configuration, so the same numbers.
std::vector<std::string> replay_arguments(const std::string& summary_path, const std::vector<std::string>& current) {
  Json cfg;
  try {
    cfg = Json::parse_file(summary_path)["config"];
  } catch (const std::exception& e) {
    throw InputError("--replay: " + summary_path + " is not a readable hbmeta summary.json (" + e.what() + ")");
  }
  if (!cfg.contains("argv") || !cfg["argv"].is_array())
    throw InputError("--replay: " + summary_path +
                     " records no command line (config.argv); it was written by an older hbmeta");
  std::vector<std::string> out;
  const Json& rec = cfg["argv"];
  for (std::size_t k = 0; k < rec.size(); ++k) {
    bool value = false;
    if (is_output_option(rec[k].str(), &value)) {
      k += value;
      continue;
    }
    out.push_back(rec[k].str());
  }
  for (std::size_t k = 0; k < current.size(); ++k) {
    if (current[k] == "--replay") {
      ++k;
      continue;
    }
    if (current[k].rfind("--replay=", 0) == 0) continue;
    bool value = false;
    if (!is_output_option(current[k], &value))
      throw InputError("--replay: only --out, --force, --threads and --quiet may be given with --replay (got " +
                       current[k] + "); the rest comes from " + summary_path);
    out.push_back(current[k]);
    if (value && k + 1 < current.size()) out.push_back(current[++k]);
  }
  return out;
}

}  // namespace hbm::cli
