// The figures of the HTML report, one function per plot, each returning a finished SVG canvas
// (inlined in report.html and also written to DIR/figures/). Implemented in
// report_forest.cpp, report_density.cpp and report_mcmc.cpp.
#pragma once
#include <cmath>
#include <string>
#include <utility>
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

// ---- The sensitivity analyses (OutcomeData::sensitivity; issue 19). Implemented in
// report_sensitivity_forest.cpp (the row plots), report_sensitivity_funnel.cpp,
// report_sensitivity_ppc.cpp and report_sensitivity.cpp (the section). The pooled estimate and
// the prediction interval are drawn on the natural scale as in forest_plot (rates; odds ratios on
// a log axis), tau and subgroup differences on the model scale; points are posterior medians.
// Each row is a <g class="sens-row"> (class "sens-row influential" for a study metafor's
// influence() flags) with a <title> giving its numbers.

// Leave one out: per study left out, the pooled estimate (posterior median and 95% CrI, metafor's
// REML estimate and 95% CI beside it) and tau (posterior and REML); dashed reference lines at the
// full-data posterior median and REML estimate.
svg::Canvas leave_one_out_plot(const OutcomeData& o);

// Cumulative: the pooled estimate and tau after each added study, in the order of
// sensitivity.cumulative_by, posterior and REML.
svg::Canvas cumulative_plot(const OutcomeData& o);

// Prior sensitivity: per prior, the pooled estimate's 95% CrI, tau's and the 95% prediction
// interval, the fit's own priors in bold.
svg::Canvas prior_sensitivity_plot(const OutcomeData& o);

// Subgroups: per level the pooled estimate and tau (posterior and REML), the test for subgroup
// differences, and each pairwise difference of subgroup means (model scale) with P(> 0).
svg::Canvas subgroup_plot(const OutcomeData& o);

// Contour-enhanced funnel plot (metafor's funnel(..., level = c(90, 95, 99), refline = 0)):
// x the effect on the model scale, y the standard error growing downwards from 0 to se_max;
// the significance regions around 0 shaded (<polygon class="funnel-region" data-p="P">), the
// pooled estimate's 95% region as lines (class "funnel-pooled"), the studies as filled circles
// (class "funnel-study") and trim-and-fill's filled studies as open ones (class "funnel-filled").
svg::Canvas funnel_plot(const OutcomeData& o);

// Posterior predictive checks: per study the mixed replicate's 95% interval of the count and the
// observed count, as fractions of the study's size (two-arm: of the study's events) so that
// studies of any size share an axis; outside ones in vermillion (class "ppc-outside").
svg::Canvas ppc_plot(const OutcomeData& o);

// The report's "Sensitivity analyses" part of one outcome: HTML (figures inlined, with compact
// tables) and the figures for DIR/figures/ (file name, standalone SVG). Each part appears only
// when its block is in summary.json; empty html when the outcome has no sensitivity block.
struct SensitivitySection {
  std::string html;
  std::vector<std::pair<std::string, std::string>> figures;
};
SensitivitySection sensitivity_section(const OutcomeData& o);

}  // namespace hbm::report
