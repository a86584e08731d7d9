// A self-contained HTML posterior report of an hbmeta output folder.
//
// write_html_report(DIR, threshold) reads DIR/summary.json and DIR/draws/*.csv and writes
// DIR/report.html (one file: inline SVG figures and a little inline CSS; no scripts, fonts or
// network) and every figure again as a standalone SVG in DIR/figures/ (BASE_forest.svg,
// BASE_mu_density.svg, BASE_tau_density.svg, BASE_predictive.svg, BASE_trace_mu.svg,
// BASE_trace_tau.svg, BASE_rank_mu.svg, BASE_rank_tau.svg, where BASE is the outcome's name with
// characters other than letters, digits, '.', '_' and '-' replaced by '_', as for the draws
// files). Per outcome: forest plot, posterior densities of the pooled rate (OR) and tau with
// their priors, the predictive distribution at a new clinic, traces and rank plots, and tables
// (posterior summary, frequentist comparison, diagnostics and warnings, the data as read).
//
// threshold (NaN = none): for each outcome, P(p_new > threshold) (two-arm: P(or_new > threshold))
// from the draws is stated and the region above it shaded.
//
// Files are written atomically (temporary file + rename). Throws hbm::InputError when DIR is not
// an hbmeta output folder or the threshold is infinite.
#pragma once
#include <string>

namespace hbm {

void write_html_report(const std::string& dir, double threshold);

// The report's HTML as a string, without writing anything (figures included inline).
std::string html_report(const std::string& dir, double threshold);

}  // namespace hbm
