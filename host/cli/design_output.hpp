// What `hbmeta design` writes: design.json (the contract in README, "Designing the next trial"),
// the stdout summary and the report's data (host/report/design_report.hpp), from the design's
// result (host/design/design_analysis.hpp) and the run's description.
#pragma once
#include <string>
#include <vector>

#include "host/design/design_analysis.hpp"
#include "host/report/design_report.hpp"

namespace hbm {

struct DesignRun {
  std::string version, command, input, outcome, model_kind, device, method;
  unsigned long long seed = 0;
  int k = 0;
  std::string prior_mu, prior_tau, sampler;
  int chains = 0, warmup = 0, draws = 0;
  std::string effect_source;
  std::vector<std::string> warnings;
  double seconds = 0;
};

std::string design_json(const DesignRun& run, const design::DesignSettings& s, const design::DesignResult& r);
std::string design_text(const DesignRun& run, const design::DesignSettings& s, const design::DesignResult& r);
DesignReportData design_report_data(const DesignRun& run, const design::DesignSettings& s,
                                    const design::DesignResult& r, const std::vector<double>& map_draws);

}  // namespace hbm
