// An outcome's meta-regression design matrix from its studies' covariate text; see design_matrix.hpp.
#include "host/fit/design_matrix.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>
#include <vector>

#include "host/support/input_error.hpp"

namespace hbm {
namespace {

// A covariate value as a number, when the whole (trimmed) text is one finite decimal number
// (signs and exponents allowed: covariates are measurements, not counts).
bool parse_covariate_number(const std::string& v, double* out) {
  if (v.empty()) return false;
  const char* b = v.c_str();
  char* e = nullptr;
  errno = 0;
  const double x = std::strtod(b, &e);
  if (e != b + v.size() || errno == ERANGE || !std::isfinite(x)) return false;
  // strtod also accepts hex floats, "inf" and "nan": only plain decimals count as numbers.
  for (char c : v)
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return false;
  *out = x;
  return true;
}

// A covariate whose every value is a number, some written with a decimal comma ("1,5", an
// Excel export in a comma-decimal locale, quoted so that the CSV keeps it), would otherwise be
// read as categorical with levels "1,5", "2,5", ...: stop and say so.
void decimal_comma_check(const OutcomeData& o, std::size_t c, const std::string& path) {
  const StudyCounts* first_comma = nullptr;
  for (const auto& s : o.studies) {
    const std::string& v = s.covariate_text[c];
    double x;
    if (parse_covariate_number(v, &x)) continue;
    const std::size_t comma = v.find(',');
    if (comma == std::string::npos || v.find(',', comma + 1) != std::string::npos) return;
    std::string dotted = v;
    dotted[comma] = '.';
    if (!parse_covariate_number(dotted, &x)) return;
    if (!first_comma) first_comma = &s;
  }
  if (!first_comma) return;
  const std::string& v = first_comma->covariate_text[c];
  std::string dotted = v;
  dotted[v.find(',')] = '.';
  throw InputError(path + ":" + std::to_string(first_comma->line) + ": covariate " + o.covariates[c].column + " is '" +
                   v + "', a number with a decimal comma; hbmeta reads decimal points (write " + dotted +
                   "; from a spreadsheet, export the CSV with '.' as the decimal separator), otherwise the column "
                   "would become categorical with one level per value");
}

}  // namespace

void build_design(OutcomeData& o, const std::string& path) {
  const std::size_t K = o.studies.size();
  std::vector<std::vector<double>> cols;
  for (std::size_t c = 0; c < o.covariates.size(); ++c) {
    Covariate& cov = o.covariates[c];
    std::vector<double> num(K);
    bool numeric = true;
    for (std::size_t i = 0; i < K && numeric; ++i)
      numeric = parse_covariate_number(o.studies[i].covariate_text[c], &num[i]);
    cov.categorical = !numeric;
    if (!numeric) decimal_comma_check(o, c, path);
    if (numeric) {
      const bool constant = std::all_of(num.begin(), num.end(), [&](double v) { return v == num[0]; });
      if (constant) {
        cov.dropped = true;
        o.notes.push_back("covariate '" + cov.column + "' has the same value in every study of this outcome, so it "
                          "cannot be separated from mu; it was left out of this outcome's model");
        continue;
      }
      o.x_names.push_back(cov.column);
      cols.push_back(std::move(num));
      continue;
    }
    std::vector<std::string> levels;
    for (const auto& s : o.studies) levels.push_back(s.covariate_text[c]);
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    cov.levels = levels;
    if (levels.size() == 1) {
      cov.dropped = true;
      o.notes.push_back("covariate '" + cov.column + "' has the single level '" + levels[0] +
                        "' in this outcome, so it cannot be separated from mu; it was left out of this outcome's model");
      continue;
    }
    for (std::size_t l = 1; l < levels.size(); ++l) {
      std::vector<double> ind(K);
      for (std::size_t i = 0; i < K; ++i) ind[i] = o.studies[i].covariate_text[c] == levels[l] ? 1.0 : 0.0;
      o.x_names.push_back(cov.column + "=" + levels[l]);
      cols.push_back(std::move(ind));
    }
  }
  const std::size_t P = cols.size();
  o.x.assign(K * P, 0.0);
  for (std::size_t i = 0; i < K; ++i)
    for (std::size_t j = 0; j < P; ++j) o.x[i * P + j] = cols[j][i];
}

}  // namespace hbm
