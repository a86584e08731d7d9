// Writing a run's outputs: DIR/summary.json (the stable contract, see README), DIR/summary.csv,
// DIR/draws/NAME.csv and DIR/netcdf/NAME.nc. Everything is written into a temporary sibling folder first and then
// renamed into place, so a failed or interrupted run never leaves partial output behind.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "host/fit/outcome_result.hpp"
#include "host/fit/run_info.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm {

std::string summary_json(const RunInfo& info, const std::vector<OutcomeResult>& results);
std::string summary_csv(const std::vector<OutcomeResult>& results);
std::string draws_csv(const OutcomeResult& r);

// A file-name-safe version of an outcome name ([A-Za-z0-9._-], others become '_').
std::string safe_file_name(const std::string& name);

// Writes all outputs to `dir`. If `dir` exists it is replaced only when `force` is true;
// otherwise throws InputError. On any failure nothing is left at `dir` that was not there before.
// `finish` (optional) runs on the complete temporary folder before it is renamed into place
// (the HTML report is written there, so it is part of the same atomic output).
// CSV helpers shared by every tidy output: a field quoted when it holds a comma, quote or line
// break; a number in its shortest round-trip form, "NA" when not finite.
std::string csv_field(const std::string& s);
std::string csv_number(double v);

// Writes a whole file (binary), throwing when it cannot.
void write_file(const std::filesystem::path& p, const std::string& content);

// Writes a folder atomically: `fill` writes into a temporary sibling folder, which then
// replaces `dir` (only with `force` when it exists). On failure or interrupt nothing is left
// behind and an existing folder is untouched.
// Throws InputError "DIR: output folder exists; ..." when dir exists and force is false: every
// command checks this before its work (so a long run does not end in that error), and
// write_folder_atomically again before it writes.
void refuse_existing_folder(const std::string& dir, bool force);

void write_folder_atomically(const std::string& dir, bool force,
                             const std::function<void(const std::filesystem::path& tmp)>& fill);

// summary.json, summary.csv, draws/NAME.csv (and NAME.studies.csv), with info.netcdf also
// netcdf/NAME.nc and posterior.nc; the draws files are formatted on the pool's threads, one
// outcome each (the text of every draw is most of the writing time).
void write_outputs(const std::string& dir, bool force, const RunInfo& info,
                   const std::vector<OutcomeResult>& results, ThreadPool& pool,
                   const std::function<void(const std::string& folder)>& finish = {});

}  // namespace hbm
