// Writing a run's outputs: DIR/summary.json (the stable contract, see README), DIR/summary.csv
// and DIR/draws/NAME.csv. Everything is written into a temporary sibling folder first and then
// renamed into place, so a failed or interrupted run never leaves partial output behind.
#pragma once
#include <string>
#include <vector>

#include "host/outcome_result.hpp"
#include "host/run_info.hpp"

namespace hbm {

std::string summary_json(const RunInfo& info, const std::vector<OutcomeResult>& results);
std::string summary_csv(const std::vector<OutcomeResult>& results);
std::string draws_csv(const OutcomeResult& r);

// A file-name-safe version of an outcome name ([A-Za-z0-9._-], others become '_').
std::string safe_file_name(const std::string& name);

// Writes all outputs to `dir`. If `dir` exists it is replaced only when `force` is true;
// otherwise throws InputError. On any failure nothing is left at `dir` that was not there before.
void write_outputs(const std::string& dir, bool force, const RunInfo& info,
                   const std::vector<OutcomeResult>& results);

}  // namespace hbm
