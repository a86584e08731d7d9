#include <algorithm>
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

double chain_spread_mcse_quantile(const std::vector<double>& v, std::size_t chains, double p) {
  const std::size_t draws = v.size() / chains;
  std::vector<double> q(chains);
  for (std::size_t c = 0; c < chains; ++c) {
    std::vector<double> x(v.begin() + c * draws, v.begin() + (c + 1) * draws);
    std::sort(x.begin(), x.end());
    const double h = (static_cast<double>(draws) - 1) * p;  // R's type 7
    const std::size_t lo = static_cast<std::size_t>(h);
    q[c] = x[lo] + (h - lo) * (x[std::min(lo + 1, draws - 1)] - x[lo]);
  }
  double mean = 0, var = 0;
  for (double x : q) mean += x / chains;
  for (double x : q) var += (x - mean) * (x - mean) / (chains - 1);
  return std::sqrt(var / chains);
}

std::vector<double> draws_of(const OutcomeResult& r, const std::string& name) {
  for (std::size_t j = 0; j < r.draw_names.size(); ++j)
    if (r.draw_names[j] == name) return r.draw_columns[j];
  ADD_FAILURE() << "no draws for " << name;
  return {};
}

}  // namespace hbm::test
