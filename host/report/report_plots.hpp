// The figures of the HTML report, one function per plot, each returning a finished SVG canvas
// (inlined in report.html and also written to DIR/figures/). Implemented in
// report_forest.cpp, report_density.cpp and report_mcmc.cpp.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "host/report/report_data.hpp"
#include "host/report/svg_plot.hpp"
#include "models/priors.hpp"

namespace hbm::report {

// Per study: the observed rate with its exact 95% interval (two-arm: observed OR, Wald 95%
// interval) beside the shrunken posterior median and 95% CrI; then the pooled posterior, the
// 95% prediction interval for a new clinic, and each frequentist pooled estimate. One
// <g class="study-row"> per study; the height grows with the number of studies.
svg::Canvas forest_plot(const OutcomeData& o);

// Posterior density of the pooled rate (two-arm: pooled OR, on a log axis) from the mu draws,
// with the prior of mu carried to the same scale. A rare rate (rare_rate_axis) is also drawn on
// a log axis, as the density per unit log rate: on a linear axis its posterior is a spike at 0.
svg::Canvas mu_density_plot(const OutcomeData& o, const Prior& prior_mu);

// Posterior density of tau (KDE reflected at 0) with its prior.
svg::Canvas tau_density_plot(const OutcomeData& o, const Prior& prior_tau);

// Predictive density of the rate (OR) at a new clinic; with a finite threshold the region above
// it is shaded and P(new > threshold) printed.
svg::Canvas predictive_plot(const OutcomeData& o, double threshold);

// The predictive plot's x axis: the central 99% of the predictive draws, padded; stretched to
// show the threshold when it lies within a quarter of that width beyond it. A threshold farther
// out is not shown on the axis (threshold_side -1: below it, +1: above it): the plot marks it
// with an arrow at that edge instead, and the caption says so.
struct PredictiveAxis {
  double lo = 0, hi = 1;
  int threshold_side = 0;
  bool log = false;  // a log axis: odds ratios, and rare rates (rare_rate_axis)
};
PredictiveAxis predictive_axis(const OutcomeData& o, double threshold);

// Meta-regression on a numeric covariate `column` (one of o.mu_at): each study's observed effect
// on the model scale against its value, areas proportional to study size, with the posterior
// mean of mu + (x - mean) beta and its 95% band (the other covariates at their means and
// reference levels). Implemented in report_regression.cpp.
svg::Canvas bubble_plot(const OutcomeData& o, const std::string& column);

// Traces of mu (tau when of_tau) of up to 4 chains (shown_chains: spread over the run when there
// are more), named in the title.
svg::Canvas trace_plot(const OutcomeData& o, bool of_tau);

// Rank histograms (rank_bins(draws) bins, ranks of all chains pooled), as overlaid step lines: of
// every chain when there are at most 8, else of 4 spread over the run, named in the title.
svg::Canvas rank_plot(const OutcomeData& o, bool of_tau);

// A rate mostly below 5% (the 90% quantile of invlogit(draws) < 0.05; never for odds ratios):
// its density plots use a log rate axis.
bool rare_rate_axis(const OutcomeData& o, const std::vector<double>& model_draws);

// P(value > threshold) from the draws: how many of how many.
struct Exceedance {
  std::size_t above = 0, n = 0;
  double prob() const { return n ? static_cast<double>(above) / static_cast<double>(n) : NAN; }
};
Exceedance exceedance(const std::vector<double>& draws, double threshold);

// "rate at a new clinic" / "OR at a new clinic".
std::string new_clinic_quantity(const OutcomeData& o);

}  // namespace hbm::report
