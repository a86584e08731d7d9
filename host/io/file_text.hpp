// A whole input file as text, for the readers that parse it in one piece (the scenario file of
// hbmeta simulate, a shard's simulation_config.json and replicates.csv).
#pragma once
#include <string>

namespace hbm {

// The bytes of `path`; InputError "PATH: cannot read the WHAT (no such file, or not readable)"
// when it is missing, a folder or unreadable.
std::string read_file_text(const std::string& path, const std::string& what);

}  // namespace hbm
