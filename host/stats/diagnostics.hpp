// Convergence diagnostics of Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021),
// "Rank-normalization, folding, and localization: an improved R-hat", computed exactly as the
// R package posterior (1.4.0) does, so users can check hbmeta's numbers against it.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

namespace hbm {

// Draws of one scalar quantity: chain-major, data[c * draws + t] is chain c, iteration t.
struct ChainDraws {
  const double* data;
  std::size_t chains;
  std::size_t draws;
  double at(std::size_t c, std::size_t t) const { return data[c * draws + t]; }
};

struct Diagnostics {
  double rhat;        // max of rank-normalised split R-hat of bulk and folded draws
  double rhat_basic;  // split R-hat without rank normalisation
  double ess_bulk;    // ESS of rank-normalised split chains
  double ess_tail;    // min of ESS of the 5% and 95% quantile indicators
  double ess_basic;   // ESS of split chains without rank normalisation
  double mcse_mean;   // sd / sqrt(ess_mean)
  double mcse_q05;    // MCSE of the 5% quantile
  double mcse_q95;    // MCSE of the 95% quantile
};

// Any statistic that posterior returns as NA (fewer than 3 draws, constant or non-finite draws)
// is returned as NaN; callers decide how to print it.
double rhat(const ChainDraws& x);
double rhat_basic(const ChainDraws& x);
double ess_bulk(const ChainDraws& x);
double ess_tail(const ChainDraws& x);
double ess_basic(const ChainDraws& x);
double ess_mean(const ChainDraws& x);
double ess_quantile(const ChainDraws& x, double prob);
double mcse_mean(const ChainDraws& x);
double mcse_quantile(const ChainDraws& x, double prob);
// All of the above at once, sorting the draws once. If `sorted_values` is given it receives the
// draws in ascending order (left empty when the draws are unusable: too few or non-finite).
Diagnostics diagnose(const ChainDraws& x, std::vector<double>* sorted_values = nullptr);
// diagnose(x) and diagnose(y) for y = f(x) draw by draw with f increasing (a rate and its logit):
// the same numbers, with one sort (x's order sorts y; checked, else y is sorted on its own).
std::pair<Diagnostics, Diagnostics> diagnose_increasing(const ChainDraws& x, const ChainDraws& y,
                                                        std::vector<double>* sorted_x = nullptr,
                                                        std::vector<double>* sorted_y = nullptr);

// E-BFMI of one chain's energy__ draws (Betancourt 2016):
//   sum_{t=2..n} (E_t - E_{t-1})^2 / sum_{t=1..n} (E_t - mean(E))^2,
// which equals R's mean(diff(E)^2) / var(E). (Tools that divide both sums by n, or by n - 1 in
// only one of them, differ from this by a factor n/(n-1) or its inverse at most.)
// NaN for fewer than 2 draws, non-finite energies or constant energy.
double ebfmi(const double* energy, std::size_t n);

}  // namespace hbm
