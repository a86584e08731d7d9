// Meta-regression plumbing between the command line and one outcome's design matrix
// (host/csv_reader.hpp builds the design): each coefficient's prior, and the design row of the
// new clinic that --new-clinic describes.
#pragma once
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "host/csv_reader.hpp"
#include "host/fit_options.hpp"

namespace hbm {

// One prior per design column of `data`: the most specific of --prior-beta NAME=... (the
// design column, e.g. "region=Europe"), --prior-beta COLUMN=... (every indicator of a
// categorical column), and the default.
std::vector<Prior> coefficient_priors(const OutcomeData& data, const FitOptions& opt);

// The new clinic's design row (length data.P()) and a description such as "a=1.5, region=Asia"
// of every covariate's value, defaults included. Throws InputError for a value that is not a
// number (numeric covariate) or not a level of the outcome's categorical covariate.
std::vector<double> new_clinic_row(const OutcomeData& data, const FitOptions& opt, std::string* description);

// [1, x_i'] for every study: the classical meta-regression's design (intercept first).
Eigen::MatrixXd design_with_intercept(const OutcomeData& data);

}  // namespace hbm
