#include "host/covariate_design.hpp"

#include <cmath>
#include <cstdlib>

#include "host/input_error.hpp"

namespace hbm {

std::vector<Prior> coefficient_priors(const OutcomeData& data, const FitOptions& opt) {
  std::vector<Prior> out;
  for (const auto& name : data.x_names) {
    const std::string column = name.substr(0, name.find('='));
    Prior p = opt.prior_beta;
    for (const auto& [key, prior] : opt.prior_beta_named)
      if (key == column) p = prior;
    for (const auto& [key, prior] : opt.prior_beta_named)
      if (key == name) p = prior;
    out.push_back(p);
  }
  return out;
}

std::vector<double> new_clinic_row(const OutcomeData& data, const FitOptions& opt, std::string* description) {
  std::vector<double> row(data.P(), 0.0);
  std::string desc;
  for (const Covariate& cov : data.covariates) {
    const std::string* given = nullptr;
    for (const auto& [key, value] : opt.new_clinic)
      if (key == cov.column) given = &value;
    std::string shown;
    if (!cov.categorical) {
      double v = 0;
      if (given) {
        char* end = nullptr;
        v = std::strtod(given->c_str(), &end);
        if (given->empty() || *end != '\0' || !std::isfinite(v))
          throw InputError("--new-clinic: " + cov.column + "=" + *given + " is not a number, but covariate '" +
                           cov.column + "' is numeric in outcome '" + data.name + "'");
        shown = *given;
      } else {
        shown = "0";
      }
      if (!cov.dropped)
        for (int j = 0; j < data.P(); ++j)
          if (data.x_names[j] == cov.column) row[j] = v;
    } else {
      std::string level = cov.levels.empty() ? std::string() : cov.levels[0];
      if (given) {
        bool known = false;
        for (const auto& l : cov.levels) known = known || l == *given;
        if (!known) {
          std::string levels;
          for (const auto& l : cov.levels) levels += (levels.empty() ? "" : ", ") + l;
          throw InputError("--new-clinic: '" + *given + "' is not a level of covariate '" + cov.column +
                           "' in outcome '" + data.name + "' (levels: " + levels + ")");
        }
        level = *given;
      }
      shown = level;
      for (int j = 0; j < data.P(); ++j)
        if (data.x_names[j] == cov.column + "=" + level) row[j] = 1.0;
    }
    desc += (desc.empty() ? "" : ", ") + cov.column + "=" + shown;
  }
  if (description) *description = desc;
  return row;
}

Eigen::MatrixXd design_with_intercept(const OutcomeData& data) {
  const int K = static_cast<int>(data.studies.size()), P = data.P();
  Eigen::MatrixXd X(K, P + 1);
  for (int i = 0; i < K; ++i) {
    X(i, 0) = 1;
    for (int j = 0; j < P; ++j) X(i, 1 + j) = data.x[static_cast<std::size_t>(i) * P + j];
  }
  return X;
}

}  // namespace hbm
