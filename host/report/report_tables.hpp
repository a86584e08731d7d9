// The HTML tables and text blocks of the report (host/report/html_report.hpp): run manifest with the
// priors in words, posterior summary, comparison with the frequentist methods, diagnostics with
// the run's warnings, the data as read, and the threshold statement. Each returns an HTML
// fragment with every text escaped.
#pragma once
#include <string>

#include "host/report/report_data.hpp"

namespace hbm::report {

std::string manifest_html(const RunData& run);
std::string posterior_table(const OutcomeData& o);
std::string comparison_table(const OutcomeData& o);
std::string diagnostics_html(const OutcomeData& o);
std::string data_table(const OutcomeData& o);
// One sentence with the pooled value, tau and the prediction interval.
std::string headline_html(const OutcomeData& o);
// What the predictions for a new clinic say, in plain words (beside the predictive plot).
std::string new_clinic_html(const OutcomeData& o, const RunData& run, double threshold);
// "P(rate at a new clinic > 0.5) = 0.624 (499 of 800 draws)", as HTML (empty without a threshold).
std::string threshold_html(const OutcomeData& o, double threshold);

}  // namespace hbm::report
