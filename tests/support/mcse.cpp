#include "support/mcse.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hbm::test {

Mcse mcse_of(const std::vector<double>& v, std::size_t chains) {
  const std::size_t draws = v.size() / chains;
  const ChainDraws x{v.data(), chains, draws};
  double m = 0;
  for (double d : v) m += d;
  m /= static_cast<double>(v.size());
  std::vector<double> sq(v.size());
  double var = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    sq[i] = (v[i] - m) * (v[i] - m);
    var += sq[i];
  }
  var /= static_cast<double>(v.size() - 1);
  double sq_mean = var, sq_var = 0;
  for (double s : sq) sq_var += (s - sq_mean) * (s - sq_mean);
  sq_var /= static_cast<double>(sq.size() - 1);
  const double ess_sq = ess_mean(ChainDraws{sq.data(), chains, draws});
  Mcse r;
  r.mean = mcse_mean(x);
  r.sd = std::sqrt(sq_var / ess_sq) / (2.0 * std::sqrt(var));
  r.q025 = mcse_quantile(x, 0.025);
  r.q50 = mcse_quantile(x, 0.5);
  r.q975 = mcse_quantile(x, 0.975);
  return r;
}

std::vector<double> draws_of(const OutcomeResult& r, const std::string& name) {
  for (std::size_t j = 0; j < r.draw_names.size(); ++j)
    if (r.draw_names[j] == name) return r.draw_columns[j];
  ADD_FAILURE() << "no draws for " << name;
  return {};
}

}  // namespace hbm::test
