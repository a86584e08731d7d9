// Meta-regression plumbing between the command line and one outcome's design matrix
// (host/fit/design_matrix.hpp builds it from the covariate text): each coefficient's prior, and the design row of
// the new clinic that --new-clinic describes.
#pragma once
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "host/fit/outcome_data.hpp"
#include "host/fit/fit_options.hpp"
#include "host/fit/outcome_result.hpp"

namespace hbm {

// One prior per design column of `data`: the most specific of --prior-beta NAME=... (the
// design column, e.g. "region=Europe"), --prior-beta COLUMN=... (every indicator of a
// categorical column), and the default.
std::vector<Prior> coefficient_priors(const OutcomeData& data, const FitOptions& opt);

// The new clinic's design row (length data.P()) and a description such as "a=1.5, region=Asia"
// of every covariate's value, defaults included: a numeric covariate not given is at the
// studies' mean (where mu is), a categorical one at its reference level. Throws InputError for a value that is not a
// number (numeric covariate) or not a level of the outcome's categorical covariate.
std::vector<double> new_clinic_row(const OutcomeData& data, const FitOptions& opt, std::string* description);

// Where the intercept mu sits and how the sampler sees the covariates. Every numeric design
// column is centred at the studies' mean (as brms does), so mu is the effect at those means and
// the reference levels of categorical covariates (whose indicators stay 0/1), and --prior-mu is
// a prior on that: on an uncentred column (years 1985-2000) mu would be the effect at year 0,
// far outside the data, and its prior would pin the slope. The sampler also sees each numeric
// column divided by its sd, so that coefficients are of order one whatever the units (a
// covariate in the millions); its coefficient b = beta sd has the prior N(m sd, s sd) for
// beta ~ N(m, s), the same prior, and draws are reported as beta = b / sd.
struct CovariateScaling {
  std::vector<double> shift, scale;  // per design column: sampler's x = (x - shift) / scale
  struct At {
    std::string column;  // covariate column
    double value = 0;    // numeric: the studies' mean
    std::string level;   // categorical: the reference level (value unused)
  };
  std::vector<At> mu_at;  // where mu is, one entry per covariate in the design

  // The sampler's K x P design, a design row and the coefficients' priors.
  std::vector<double> design(const OutcomeData& data) const;
  std::vector<double> row(const std::vector<double>& x_row) const;
  std::vector<Prior> priors(std::vector<Prior> user) const;
  // "year=1992.7, region=Europe" (empty without covariates).
  std::string describe_mu_at() const;
};
CovariateScaling covariate_scaling(const OutcomeData& data);

// The classical regressions' predictions at the new clinic's design row (user's scale), on
// their centred design (r.regression_pred, r.regression_knha_pred).
void set_regression_predictions(OutcomeResult& r, const CovariateScaling& cs, const std::vector<double>& x_new);

// Copies each study's covariate values into r.studies (filled by the caller beforehand).
void set_study_covariates(OutcomeResult& r, const OutcomeData& data);

// Records where mu is (r.mu_at, r.mu_at_text) for the outputs.
void set_mu_at(OutcomeResult& r, const CovariateScaling& cs);

// A coefficient's draws on the user's scale from the sampler's (b = beta sd): b / scale.
std::vector<double> user_coefficient(std::vector<double> b, double scale);

// [1, x_i' - shift'] for every study: the classical meta-regression's design (intercept first),
// centred as the sampler's (CovariateScaling), so both intercepts are at the same covariate values.
Eigen::MatrixXd design_with_intercept(const OutcomeData& data, const CovariateScaling& at);

}  // namespace hbm
