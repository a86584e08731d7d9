#include "host/fit/covariate_design.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "host/support/input_error.hpp"

namespace hbm {
namespace {

// A covariate value as the outputs show it: 6 significant digits ("1966.23").
std::string short_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

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
  const CovariateScaling at = covariate_scaling(data);  // where mu is: the default for numeric covariates
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
      } else {  // not given: the studies' mean, where mu is
        for (const auto& a : at.mu_at)
          if (a.column == cov.column && a.level.empty()) v = a.value;
        shown = short_number(v) + " (the studies' mean)";
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

CovariateScaling covariate_scaling(const OutcomeData& data) {
  const int K = static_cast<int>(data.studies.size()), P = data.P();
  CovariateScaling cs;
  cs.shift.assign(P, 0.0);
  cs.scale.assign(P, 1.0);
  for (const Covariate& cov : data.covariates) {
    if (cov.dropped) continue;
    if (cov.categorical) {
      if (!cov.levels.empty()) cs.mu_at.push_back({cov.column, 0.0, cov.levels[0]});
      continue;
    }
    for (int j = 0; j < P; ++j) {
      if (data.x_names[j] != cov.column) continue;
      double mean = 0;
      for (int i = 0; i < K; ++i) mean += data.x[static_cast<std::size_t>(i) * P + j];
      mean /= std::max(K, 1);
      double ss = 0;
      for (int i = 0; i < K; ++i) {
        const double d = data.x[static_cast<std::size_t>(i) * P + j] - mean;
        ss += d * d;
      }
      const double sd = K > 1 ? std::sqrt(ss / (K - 1)) : 0.0;
      cs.shift[j] = mean;
      cs.scale[j] = sd > 0 && std::isfinite(sd) ? sd : 1.0;
      cs.mu_at.push_back({cov.column, mean, ""});
    }
  }
  return cs;
}

void set_regression_predictions(OutcomeResult& r, const CovariateScaling& cs, const std::vector<double>& x_new) {
  Eigen::VectorXd x0(static_cast<Eigen::Index>(x_new.size()) + 1);
  x0(0) = 1;
  for (std::size_t j = 0; j < x_new.size(); ++j) x0(static_cast<Eigen::Index>(j) + 1) = x_new[j] - cs.shift[j];
  r.regression_pred = freq::predict_regression(r.regression, x0);
  if (!r.regression_knha.method.empty()) r.regression_knha_pred = freq::predict_regression(r.regression_knha, x0);
}

void set_study_covariates(OutcomeResult& r, const OutcomeData& data) {
  for (std::size_t i = 0; i < r.studies.size() && i < data.studies.size(); ++i) {
    r.studies[i].covariates.clear();
    for (std::size_t c = 0; c < data.covariates.size(); ++c) {
      StudyResult::Covariate v{data.covariates[c].column, data.studies[i].covariate_text[c], false, NAN};
      if (!data.covariates[c].categorical) {
        char* end = nullptr;
        v.value = std::strtod(v.text.c_str(), &end);
        v.is_number = !v.text.empty() && *end == '\0' && std::isfinite(v.value);
      }
      r.studies[i].covariates.push_back(v);
    }
  }
}

void set_mu_at(OutcomeResult& r, const CovariateScaling& cs) {
  r.mu_at.clear();
  for (const auto& a : cs.mu_at) r.mu_at.push_back({a.column, a.value, a.level});
  r.mu_at_text = cs.describe_mu_at();
}

std::vector<double> user_coefficient(std::vector<double> b, double scale) {
  for (double& v : b) v /= scale;
  return b;
}

std::vector<double> CovariateScaling::design(const OutcomeData& data) const {
  const int P = data.P();
  std::vector<double> x = data.x;
  for (std::size_t k = 0; k < x.size(); ++k) {
    const std::size_t j = k % static_cast<std::size_t>(P);
    x[k] = (x[k] - shift[j]) / scale[j];
  }
  return x;
}

std::vector<double> CovariateScaling::row(const std::vector<double>& x_row) const {
  std::vector<double> r(x_row.size());
  for (std::size_t j = 0; j < r.size(); ++j) r[j] = (x_row[j] - shift[j]) / scale[j];
  return r;
}

std::vector<Prior> CovariateScaling::priors(std::vector<Prior> user) const {
  for (std::size_t j = 0; j < user.size(); ++j) {  // Normal(m, s) for beta: Normal(m sd, s sd) for beta sd
    user[j].a *= scale[j];
    user[j].b *= scale[j];
  }
  return user;
}

std::string CovariateScaling::describe_mu_at() const {
  std::string s;
  for (const At& a : mu_at) {
    s += (s.empty() ? "" : ", ") + a.column + "=" + (a.level.empty() ? short_number(a.value) : a.level);
  }
  return s;
}

Eigen::MatrixXd design_with_intercept(const OutcomeData& data, const CovariateScaling& at) {
  const int K = static_cast<int>(data.studies.size()), P = data.P();
  Eigen::MatrixXd X(K, P + 1);
  for (int i = 0; i < K; ++i) {
    X(i, 0) = 1;
    for (int j = 0; j < P; ++j) X(i, 1 + j) = data.x[static_cast<std::size_t>(i) * P + j] - at.shift[j];
  }
  return X;
}

}  // namespace hbm
