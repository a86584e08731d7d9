// Assembles the HTML report (host/report/html_report.hpp) from the data (report_data), the figures
// (report_plots) and the tables (report_tables), and writes it.
#include "host/report/html_report.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "host/support/input_error.hpp"
#include "host/io/output_writer.hpp"
#include "host/fit/prior_spec.hpp"
#include "host/report/report_data.hpp"
#include "host/report/report_format.hpp"
#include "host/report/report_plots.hpp"
#include "host/report/report_stats.hpp"
#include "host/report/report_style.hpp"
#include "host/report/report_tables.hpp"
#include "host/report/svg_plot.hpp"

namespace hbm {
namespace {
namespace fs = std::filesystem;
using report::OutcomeData;
using report::RunData;


struct Built {
  std::string html;
  std::vector<std::pair<std::string, std::string>> figures;  // file name, standalone SVG
};

Prior config_prior(const std::string& text, PriorRole role, const std::string& key, const std::string& dir) {
  try {
    return parse_prior(text, role, key);
  } catch (const InputError&) {
    throw InputError(dir + "/summary.json: config." + key + " '" + text + "' is not a prior hbmeta knows");
  }
}

std::string esc(const std::string& s) { return svg::escape(s); }

// Inlines a figure with its caption and keeps it for DIR/figures/.
std::string figure(Built& b, const std::string& file, const svg::Canvas& c, const std::string& caption) {
  b.figures.emplace_back(file, c.file_str());
  return "<figure>\n" + c.str() + "<figcaption>" + esc(caption) + " (<code>figures/" + esc(file) +
         "</code>)</figcaption>\n</figure>\n";
}

// The predictive plot's caption, with the threshold probability and, where the threshold lies far
// outside the predictive distribution, where it is.
std::string predictive_caption(const OutcomeData& o, double threshold) {
  std::string c = "Predictive density of the " + report::new_clinic_quantity(o) + " (kernel density of theta_new)";
  const report::PredictiveAxis ax = report::predictive_axis(o, threshold);
  if (!std::isnan(threshold)) {
    const report::Exceedance e = report::exceedance(o.d.natural_new, threshold);
    c += "; P(" + report::new_clinic_quantity(o) + " > " + report::fmt_plain(threshold) +
         ") = " + report::fmt_prob(e.prob()) + " (" + std::to_string(e.above) + " of " + std::to_string(e.n) +
         " draws)";
    if (ax.threshold_side > 0)
      c += "; the threshold lies far above the predictive distribution, so the axis is not stretched to it: "
           "the arrow at the right edge points towards it";
    else if (ax.threshold_side < 0)
      c += "; the threshold lies far below the predictive distribution, so the axis is not stretched to it: "
           "the arrow at the left edge points towards it";
    else
      c += ", the region above the threshold shaded";
  }
  if (!o.two_arm && ax.log) c += "; a rare rate, so on a log axis (the density per unit log rate)";
  return c + "; dashed: the pooled value, for comparison.";
}

std::string outcome_section(Built& b, const RunData& run, const OutcomeData& o, const Prior& prior_mu,
                            const Prior& prior_tau, double threshold) {
  const std::string& base = o.file_base;
  std::string h = "<section class=\"outcome\" id=\"o-" + esc(base) + "\">\n<h2>" + esc(o.name) + "</h2>\n";
  h += "<p>" + esc(o.model) + "; " + std::to_string(o.studies.size()) + " studies" +
       (o.covariates.empty() ? "" : "; covariates: " + esc([&] {
                                      std::string s;
                                      for (const auto& c : o.covariates) s += (s.empty() ? "" : ", ") + c;
                                      return s;
                                    }())) +
       (o.new_clinic.empty() ? "" : "; " + report::in_units("new clinic", o.unit) + ": " + esc(o.new_clinic)) + ".</p>\n";
  h += report::headline_html(o) + report::threshold_html(o, threshold);

  h += "<h3>Studies: observed and posterior</h3>\n";
  h += figure(
      b, base + "_forest.svg", report::forest_plot(o),
      o.two_arm
          ? "Observed odds ratio (Wald 95% CI) and shrunken posterior (95% CrI) per study; pooled estimates below."
          : "Observed rate (exact 95% CI) and shrunken posterior (95% CrI) per study; pooled estimates below.");

  if (!o.mu_at.empty()) {
    h += "<h3>Meta-regression</h3>\n<div class=\"grid\">\n";
    for (const auto& [column, mean] : o.mu_at)
      h += figure(b, base + "_regression_" + safe_file_name(column) + ".svg", report::bubble_plot(o, column),
                  "Observed " + std::string(o.two_arm ? "log odds ratio" : "logit rate") + " of each study against " +
                      column + " (" + (o.two_arm ? "1/2 added to every cell of a study with a zero cell" :
                                                   "1/2 added to both cells of a study with 0 or all events") +
                      "; areas proportional to the study's size); line: posterior mean of mu + (" + column + " - " +
                      report::fmt_plain(mean) + ") beta[" + column + "], band: its 95% credible interval" +
                      (o.mu_at.size() > 1 || o.covariates.size() > 1
                           ? ", the other covariates at their means and reference levels"
                           : std::string()) +
                      ".");
    h += "</div>\n";
  }
  h += "<h3>Posterior and prior</h3>\n<div class=\"grid\">\n";
  h += figure(b, base + "_mu_density.svg", report::mu_density_plot(o, prior_mu),
              "Kernel density of the mu draws (Gaussian kernel, Silverman bandwidth), carried to the " +
                  std::string(o.two_arm                             ? "odds-ratio scale"
                              : report::rare_rate_axis(o, o.d.mu) ? "rate scale (a rare rate: log axis)"
                                                                  : "rate scale") +
                  "; dashed: the prior.");
  h += figure(b, base + "_tau_density.svg", report::tau_density_plot(o, prior_tau),
              "Kernel density of the tau draws, reflected at 0; dashed: the prior.");
  h += "</div>\n<h3>" + report::in_units("A new clinic", o.unit) + "</h3>\n<div class=\"grid\">\n";
  h += figure(b, base + "_predictive.svg", report::predictive_plot(o, threshold), predictive_caption(o, threshold));
  h += report::new_clinic_html(o, run, threshold) + "</div>\n";
  h += "<h3>Convergence</h3>\n<div class=\"grid\">\n";
  const std::string traces = report::shown_chains_label(report::shown_chains(o.d.chains, 4), o.d.chains);
  const std::string ranks =
      report::shown_chains_label(report::shown_chains(o.d.chains, o.d.chains <= 8 ? 8 : 4), o.d.chains);
  const std::string spread = " (" + std::string("evenly spaced over the run, the same every time") + ")";
  h += figure(b, base + "_trace_mu.svg", report::trace_plot(o, false),
              "Traces of mu" + (traces.empty() ? "" : ", " + traces + spread) + ".");
  h += figure(b, base + "_trace_tau.svg", report::trace_plot(o, true),
              "Traces of tau" + (traces.empty() ? "" : ", " + traces) + ".");
  h += figure(b, base + "_rank_mu.svg", report::rank_plot(o, false),
              "Rank histograms of mu" + (ranks.empty() ? "" : ", " + ranks) + ", " +
                  std::to_string(report::rank_bins(o.d.draws)) +
                  " bins: flat for chains that sample the same distribution.");
  h += figure(b, base + "_rank_tau.svg", report::rank_plot(o, true),
              "Rank histograms of tau" + (ranks.empty() ? "" : ", " + ranks) + ".");
  h += "</div>\n";

  h += "<h3>Posterior summary</h3>\n" + report::posterior_table(o);
  h += "<h3>Frequentist methods</h3>\n<p>" +
       std::string(o.mu_at.empty() && o.covariates.empty() ? "Pooled estimate" : "Estimate") +
       " and prediction interval on the " + std::string(o.two_arm ? "odds-ratio" : "rate") + " scale; tau on the " +
       (o.two_arm ? "log OR" : "logit") + " scale.</p>\n" + report::comparison_table(o);
  const report::SensitivitySection sensitivity = report::sensitivity_section(o);
  h += sensitivity.html;
  b.figures.insert(b.figures.end(), sensitivity.figures.begin(), sensitivity.figures.end());
  h += "<h3>Diagnostics</h3>\n" + report::diagnostics_html(o);
  h += "<h3>Data as read</h3>\n" + report::data_table(o);
  return h + "</section>\n";
}

Built build(const std::string& dir, double threshold) {
  if (std::isinf(threshold)) throw InputError("threshold must be a finite number");
  const RunData run = report::load_run(dir);
  const Prior prior_mu = config_prior(run.prior_mu, PriorRole::Location, "prior_mu", dir);
  const Prior prior_tau = config_prior(run.prior_tau, PriorRole::Scale, "prior_tau", dir);
  Built b;
  std::string& h = b.html;
  h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>hbmeta report</title>\n<style>\n";
  h += report::kReportCss;
  h += "</style>\n</head>\n<body>\n<h1>hbmeta posterior report</h1>\n";
  h += "<p>Bayesian random-effects meta-analysis of binary outcomes. Intervals are 95%: CI for observed and "
       "frequentist values, CrI (credible interval) for posterior ones, PI for the prediction interval of a new " +
       report::in_units("clinic", run.unit) + ".</p>\n";
  h += "<h3>Run</h3>\n" + report::manifest_html(run);
  h += "<nav><h3>Outcomes</h3>\n<ul>\n";
  for (const auto& o : run.outcomes)
    h += "<li><a href=\"#o-" + esc(o.file_base) + "\">" + esc(o.name) + "</a> (" +
         (o.two_arm ? "two-arm" : "single-arm") + ", " + std::to_string(o.studies.size()) + " studies" +
         (o.warnings.empty() ? "" : ", warnings") + ")</li>\n";
  h += "</ul>\n</nav>\n";
  for (const auto& o : run.outcomes) h += outcome_section(b, run, o, prior_mu, prior_tau, threshold);
  h += "</body>\n</html>\n";
  return b;
}

// Temporary sibling + rename: a reader never sees a half-written file.
void write_atomic(const fs::path& p, const std::string& content) {
  const fs::path tmp = p.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f << content;
    f.close();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error("cannot write " + tmp.string());
    }
  }
  fs::rename(tmp, p);
}

}  // namespace

std::string html_report(const std::string& dir, double threshold) { return build(dir, threshold).html; }

void write_html_report(const std::string& dir, double threshold) {
  const Built b = build(dir, threshold);
  const fs::path figures = fs::path(dir) / "figures";
  fs::create_directories(figures);
  for (const auto& [name, svg] : b.figures) write_atomic(figures / name, svg);
  write_atomic(fs::path(dir) / "report.html", b.html);
}

}  // namespace hbm
