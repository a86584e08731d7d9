// DIR/design.html of `hbmeta design`: one self-contained page (inline SVG, inline CSS, no
// scripts or network) with the MAP prior's draws and its mixture approximation (and the robust
// mixture with its robust component), the operating-characteristic curves (mixture path and,
// when run, the hierarchical path side by side), assurance against the treatment arm's size,
// and the tables of design.json in words.
//
// The page is drawn from plain numbers the command computed (this layer does not see
// host/design/), so every curve here is one the caller evaluated.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace hbm {

struct DesignCurve {
  std::string label;
  std::vector<double> x, y;
  bool dashed = false;
  int colour = -1;  // index into svg::palette; -1: the curve's position
};

struct DesignReportData {
  std::string command, input, outcome;
  // The MAP draws as a histogram (density scale): bin edges (size bins + 1) and heights.
  std::vector<double> hist_edges, hist_density;
  std::vector<DesignCurve> prior_curves;  // mixture, robust mixture, robust component (weighted)
  std::string rate_label = "control-arm rate";
  // OC: probability of success against the true control rate, one curve per true effect (and
  // path); the x label names the effect scale.
  std::vector<DesignCurve> oc_curves;
  std::string oc_x_label = "true control rate p_c";
  std::vector<DesignCurve> assurance_curves;  // against n_t
  double planned_n_t = 0;
  // Tables: (name, value) rows, already formatted.
  std::vector<std::pair<std::string, std::string>> summary_rows, prior_rows, ess_rows;
  std::vector<std::string> notes;  // warnings and comparisons, in words
};

std::string design_report_html(const DesignReportData& d);

}  // namespace hbm
