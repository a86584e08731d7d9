// The figures of the HTML report, one function per plot, each returning a finished SVG canvas
// (inlined in report.html and also written to DIR/figures/). Implemented in
// report_forest.cpp, report_density.cpp and report_mcmc.cpp.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "host/report_data.hpp"
#include "host/svg_plot.hpp"
#include "models/priors.hpp"

namespace hbm::report {

// Per study: the observed rate with its exact 95% interval (two-arm: observed OR, Wald 95%
// interval) beside the shrunken posterior median and 95% CrI; then the pooled posterior, the
// 95% prediction interval for a new clinic, and each frequentist pooled estimate. One
// <g class="study-row"> per study; the height grows with the number of studies.
svg::Canvas forest_plot(const OutcomeData& o);

// Posterior density of the pooled rate (two-arm: pooled OR, on a log axis) from the mu draws,
// with the prior of mu carried to the same scale.
svg::Canvas mu_density_plot(const OutcomeData& o, const Prior& prior_mu);

// Posterior density of tau (KDE reflected at 0) with its prior.
svg::Canvas tau_density_plot(const OutcomeData& o, const Prior& prior_tau);

// Predictive density of the rate (OR) at a new clinic; with a finite threshold the region above
// it is shaded and P(new > threshold) printed.
svg::Canvas predictive_plot(const OutcomeData& o, double threshold);

// Traces of chains 1..4 of mu (tau when of_tau).
svg::Canvas trace_plot(const OutcomeData& o, bool of_tau);

// Rank histograms (20 bins, ranks of all chains pooled) of chains 1..8, as overlaid step lines.
svg::Canvas rank_plot(const OutcomeData& o, bool of_tau);

// P(value > threshold) from the draws: how many of how many.
struct Exceedance {
  std::size_t above = 0, n = 0;
  double prob() const { return n ? static_cast<double>(above) / static_cast<double>(n) : NAN; }
};
Exceedance exceedance(const std::vector<double>& draws, double threshold);

// "rate at a new clinic" / "OR at a new clinic".
std::string new_clinic_quantity(const OutcomeData& o);

}  // namespace hbm::report
