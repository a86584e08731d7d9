// The statistics the HTML report computes itself (everything else comes from summary.json):
// observed per-study intervals, kernel density estimates, rank histograms, prior densities.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "models/priors.hpp"  // also brings inv_logit / logit (models/logistic.hpp)

namespace hbm::report {

struct Interval {
  double est = 0, lo = 0, hi = 0;
};

// Exact (Clopper-Pearson) interval for a binomial rate (freq::clopper_pearson) with est =
// events/total. level is the coverage (0.95). total must be > 0.
Interval clopper_pearson(long long events, long long total, double level = 0.95);

// Observed odds ratio (treatment vs control) with a Wald interval on the log scale; 1/2 is added
// to all four cells of a table with a zero cell (metafor's "OR" default). Returns false, leaving
// `out` alone, when the table says nothing about the OR: no events in either arm, or all events
// in both.
bool wald_odds_ratio(long long et, long long nt, long long ec, long long nc, Interval* out, double level = 0.95);

// R's type-7 quantile of (a copy of) x.
double quantile(std::vector<double> x, double prob);

// Silverman's rule-of-thumb bandwidth 0.9 min(sd, IQR/1.34) n^(-1/5) (falls back to sd, then to
// a small positive value, when the draws are (nearly) constant).
double silverman_bandwidth(const std::vector<double>& x);

// Gaussian kernel density estimate of the draws x, evaluated at each point of `at`. With
// reflect_at_zero (for tau >= 0) each draw also contributes its mirror image -x_i, so the
// estimate does not lose mass below 0. The draws are linearly binned onto a fine grid first,
// so the cost does not grow with the number of draws (millions of GPU draws stay fast).
std::vector<double> kde(const std::vector<double>& x, const std::vector<double>& at, bool reflect_at_zero = false);

// Rank histograms (Vehtari et al. 2021): the draws of all chains are ranked together (ties get
// their average rank), and each chain's ranks are counted in `bins` equal bins.
// values is chain-major ([c * draws + t]); returns counts[chain][bin] for the first max_chains chains.
std::vector<std::vector<int>> rank_histograms(const std::vector<double>& values, std::size_t chains, std::size_t draws,
                                              int bins = 20, std::size_t max_chains = 8);
// The same for the chains listed (0-based indices), in that order.
std::vector<std::vector<int>> rank_histograms(const std::vector<double>& values, std::size_t chains, std::size_t draws,
                                              int bins, const std::vector<std::size_t>& which);

// Bins of a rank histogram for chains of `draws` draws: draws / 10 clamped to [5, 20], so that
// each bin expects about 10 draws of a chain where the chains allow it (20 bins from 200 draws
// on; 5 bins for chains of 50 draws or fewer, where more bins would be mostly noise).
int rank_bins(std::size_t draws);

// The chains the convergence plots show: all of them when there are at most max_shown, else
// max_shown chains spread evenly over the run, chain floor(i * chains / max_shown) for
// i = 0 .. max_shown - 1 (fixed and deterministic: 2048 chains, 4 shown -> 0, 512, 1024, 1536).
std::vector<std::size_t> shown_chains(std::size_t chains, std::size_t max_shown);

// "chains 1, 513, 1025, 1537 of 2048" (1-based), or "" when every chain is shown.
std::string shown_chains_label(const std::vector<std::size_t>& shown, std::size_t chains);

// Normalised prior density at x (0 outside the support).
double prior_density(const Prior& p, double x);
// The prior's quantile at prob (scale priors only; location: normal quantile).
double prior_quantile(const Prior& p, double prob);

}  // namespace hbm::report
