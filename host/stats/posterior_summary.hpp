// Summary statistics of one scalar quantity's draws: moments, quantiles (R's type 7, as
// posterior::quantile2 and Stan's summaries) and the convergence diagnostics.
#pragma once
#include <array>
#include <utility>
#include <vector>

#include "host/stats/diagnostics.hpp"

namespace hbm {

// The quantile levels reported everywhere, in this order.
inline constexpr std::array<double, 7> kQuantileLevels = {0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975};
inline constexpr std::array<const char*, 7> kQuantileNames = {"q2.5", "q5", "q25", "q50", "q75", "q95", "q97.5"};

struct ParamSummary {
  double mean = 0, sd = 0;
  std::array<double, 7> q{};
  double rhat = 0, ess_bulk = 0, ess_tail = 0, mcse_mean = 0;
  // Nested R-hat (host/stats/nested_rhat.hpp) with default_superchains(chains) superchains of
  // consecutive chains; NaN where it is undefined (one chain, constant draws).
  double rhat_nested = 0;
  // MCSE of the 5% and 95% quantiles (posterior::mcse_quantile), NaN where undefined.
  double mcse_q5 = 0, mcse_q95 = 0;
};

// Type-7 quantile of already sorted values.
double quantile_sorted(const std::vector<double>& sorted, double prob);

ParamSummary summarise(const ChainDraws& x);
// summarise(x) and summarise(y) for y = f(x) draw by draw with f increasing (a study's rate and
// its logit): the same numbers, with one sort (diagnose_increasing in host/stats/diagnostics.hpp).
std::pair<ParamSummary, ParamSummary> summarise_increasing(const ChainDraws& x, const ChainDraws& y);

}  // namespace hbm
