// An outcome's meta-regression design matrix, built from its studies' covariate text once the
// input's rows are read (host/io/ calls it for every outcome of the CSV): fills OutcomeData's
// covariates, x_names, x and notes.
#pragma once
#include <string>

#include "host/fit/outcome_data.hpp"

namespace hbm {

// Turns an outcome's raw covariate text into its design matrix: numeric columns as they are,
// categorical ones (any value that is not a number) as indicators of every level but the first
// in sorted order (the reference level, as R's factor() and metafor do). A column that does
// not vary within the outcome carries no information beside mu and is dropped with a note.
// `path` names the input file in the message (InputError "path:line: ...") for a numeric
// column written with decimal commas.
void build_design(OutcomeData& o, const std::string& path);

}  // namespace hbm
