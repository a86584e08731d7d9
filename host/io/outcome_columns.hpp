// Which column of the study CSV's header is which (outcome, study, dataset, the counts of either
// layout, the --covariates), checked against the options: the messages for a header that lacks
// columns or has unknown ones (docs/input_errors.md).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace hbm {

// Count columns of the two input layouts.
inline constexpr const char* kSingleColumns[2] = {"events", "total"};
inline constexpr const char* kTwoArmColumns[4] = {"events_t", "total_t", "events_c", "total_c"};

// Column indices into a row; an index equal to ncols (the header's width): not in the header.
struct OutcomeColumns {
  std::size_t ncols = 0;
  std::size_t outcome = 0, study = 0, dataset = 0;
  std::size_t single[2] = {};             // kSingleColumns
  std::size_t two[4] = {};                // kTwoArmColumns
  std::vector<std::size_t> covariates;    // the --covariates columns, in their order
  bool has_single = false, has_two = false;  // whether the header has any column of the layout
};

// The columns of `header` (on line header_line of path) for read_outcomes' arguments. Throws
// InputError("path:header_line: ...") for missing required columns, --covariates or
// --ignore-columns naming columns that are not in the header (or, ignored, that hbmeta reads),
// a dataset column outside `hbmeta batch` (with_dataset) and any other column not named in them.
// column_options[k]: the option that named covariates[k], for the message when it is missing
// (default "--covariates").
OutcomeColumns find_outcome_columns(const std::string& path, const std::vector<std::string>& header, long header_line,
                                    const std::vector<std::string>& covariates,
                                    const std::vector<std::string>& ignore_columns, bool with_dataset,
                                    const std::vector<std::string>& column_options = {});

}  // namespace hbm
