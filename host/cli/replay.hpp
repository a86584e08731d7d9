// `hbmeta fit --replay DIR/summary.json`: the command line of an earlier run, rebuilt from its
// summary.json, with the current output options (--out, --force, --threads, --quiet).
#pragma once
#include <string>
#include <vector>

namespace hbm::cli {

// The arguments of `hbmeta fit` (without "fit") that replay the run recorded in `summary_path`,
// given the current arguments `current` (which hold --replay); throws InputError when the
// file records no command line or `current` holds more than output options.
std::vector<std::string> replay_arguments(const std::string& summary_path, const std::vector<std::string>& current);

}  // namespace hbm::cli
