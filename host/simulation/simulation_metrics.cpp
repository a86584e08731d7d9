#include "host/simulation/simulation_metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "host/fit/dataset_fit.hpp"
#include "host/support/input_error.hpp"
#include "host/io/csv_tokenizer.hpp"
#include "host/io/output_writer.hpp"
#include "host/report/svg_plot.hpp"

namespace hbm {

const char* const kReplicatesHeader =
    "scenario,rep,method,mu_true,tau_true,theta_new_true,estimate,ci_lb,ci_ub,pi_lb,pi_ub,tau,rhat_mu,rhat_tau,"
    "ess_bulk_mu,ess_bulk_tau,failed";

std::string serialise_records(const std::vector<RepRecord>& records) {
  std::string s;
  for (const auto& r : records) {
    s += r.scenario + "," + std::to_string(r.rep) + "," + r.method;
    for (double v : {r.mu_true, r.tau_true, r.theta_new_true, r.estimate, r.ci_lb, r.ci_ub, r.pi_lb, r.pi_ub, r.tau,
                     r.rhat_mu, r.rhat_tau, r.ess_mu, r.ess_tau})
      s += "," + csv_number(v);
    s += "," + std::to_string(r.failed) + "\n";
  }
  return s;
}

namespace {

// Whether a record is replicates.csv's header line (kReplicatesHeader).
bool is_replicates_header(const std::vector<std::string>& fields) {
  if (fields.empty() || fields[0] != "scenario") return false;
  std::string line;
  for (const auto& f : fields) line += (line.empty() ? "" : ",") + f;
  return line == kReplicatesHeader;
}

}  // namespace

std::vector<RepRecord> parse_records(const std::string& text, const std::string& where) {
  std::vector<RepRecord> out;
  CsvTokenizer records(where, std::make_unique<TextSource>(text));
  CsvRecord record;
  while (records.next(record)) {
    const std::vector<std::string>& f = record.fields;
    if (is_replicates_header(f)) continue;
    const auto bad = [&](const std::string& what) {
      throw InputError(where + ":" + std::to_string(record.line) + ": " + what +
                       "; expected a line of hbmeta simulate's replicates.csv (" + kReplicatesHeader + ")");
    };
    if (f.size() != 17) bad("expected 17 fields, found " + std::to_string(f.size()));
    RepRecord r;
    r.scenario = f[0];
    r.method = f[2];
    const auto num = [&](const std::string& v) {
      if (v == "NA") return static_cast<double>(NAN);
      double x = 0;
      const auto res = std::from_chars(v.data(), v.data() + v.size(), x);
      if (res.ec != std::errc() || res.ptr != v.data() + v.size()) bad("'" + v + "' is not a number");
      return x;
    };
    const double rep = num(f[1]);
    if (!(rep >= 0) || rep != std::floor(rep)) bad("rep '" + f[1] + "' is not a whole number");
    r.rep = static_cast<long>(rep);
    double* dst[] = {&r.mu_true, &r.tau_true, &r.theta_new_true, &r.estimate, &r.ci_lb, &r.ci_ub, &r.pi_lb,
                     &r.pi_ub, &r.tau, &r.rhat_mu, &r.rhat_tau, &r.ess_mu, &r.ess_tau};
    for (int k = 0; k < 13; ++k) *dst[k] = num(f[3 + k]);
    if (f[16] != "0" && f[16] != "1") bad("failed '" + f[16] + "' is not 0 or 1");
    r.failed = f[16] == "1";
    out.push_back(std::move(r));
  }
  return out;
}

void sort_records(std::vector<RepRecord>& records, const std::vector<Scenario>& scenarios) {
  std::map<std::string, int> si;
  std::map<std::pair<std::string, std::string>, int> mi;
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    si[scenarios[s].name] = static_cast<int>(s);
    const auto all = scenarios[s].all_methods();
    for (std::size_t m = 0; m < all.size(); ++m) mi[{scenarios[s].name, all[m]}] = static_cast<int>(m);
  }
  const auto key = [&](const RepRecord& r) {
    const auto a = si.find(r.scenario);
    const auto b = mi.find({r.scenario, r.method});
    return std::make_tuple(a == si.end() ? 1 << 30 : a->second, b == mi.end() ? 1 << 30 : b->second, r.rep);
  };
  std::stable_sort(records.begin(), records.end(), [&](const RepRecord& x, const RepRecord& y) { return key(x) < key(y); });
}

namespace {

// Mean and MCSE (sd / sqrt(n)) of values, in order.
struct MeanSe {
  double mean = NAN, mcse = NAN;
  long n = 0;
};
MeanSe mean_se(const std::vector<double>& v) {
  MeanSe m;
  m.n = static_cast<long>(v.size());
  if (v.empty()) return m;
  double s = 0;
  for (double x : v) s += x;
  m.mean = s / static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - m.mean) * (x - m.mean);
    m.mcse = std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
  }
  return m;
}

}  // namespace

// Common-effect methods (FE, MH, Peto) set tau = 0 by definition: it is not an estimate, so
// they have no tau bias (which would just be -tau_true).
bool estimates_tau(const std::string& method) { return method != "FE" && method != "MH" && method != "Peto"; }

std::vector<Metric> summarise_records(const std::vector<RepRecord>& records, const std::vector<Scenario>& scenarios) {
  std::vector<Metric> out;
  for (const auto& s : scenarios) {
    for (const auto& method : s.all_methods()) {
      std::vector<double> err, sq, cov_mu, width_mu, cov_pi, width_pi, tau_err;
      long n = 0, failed = 0;
      for (const auto& r : records) {
        if (r.scenario != s.name || r.method != method) continue;
        ++n;
        failed += r.failed;
        if (std::isfinite(r.estimate)) {
          err.push_back(r.estimate - r.mu_true);
          sq.push_back(err.back() * err.back());
        }
        if (std::isfinite(r.ci_lb) && std::isfinite(r.ci_ub)) {
          cov_mu.push_back(r.ci_lb <= r.mu_true && r.mu_true <= r.ci_ub ? 1.0 : 0.0);
          width_mu.push_back(r.ci_ub - r.ci_lb);
        }
        if (std::isfinite(r.pi_lb) && std::isfinite(r.pi_ub)) {
          cov_pi.push_back(r.pi_lb <= r.theta_new_true && r.theta_new_true <= r.pi_ub ? 1.0 : 0.0);
          width_pi.push_back(r.pi_ub - r.pi_lb);
        }
        if (std::isfinite(r.tau) && estimates_tau(method)) tau_err.push_back(r.tau - r.tau_true);
      }
      const auto add = [&](const char* metric, double est, double mcse, double count = NAN) {
        out.push_back({s.name, method, metric, est, mcse, count});
      };
      add("reps", static_cast<double>(n), NAN);
      const MeanSe bias = mean_se(err);
      add("bias", bias.mean, bias.mcse);
      // RMSE: MCSE of the MSE, sqrt(sum (e^2 - MSE)^2 / (n (n - 1))) (Morris, White & Crowther
      // 2019), through the delta method: MCSE(RMSE) = MCSE(MSE) / (2 RMSE).
      const MeanSe mse = mean_se(sq);
      const double rmse = std::sqrt(mse.mean);
      add("rmse", rmse, rmse > 0 ? mse.mcse / (2 * rmse) : NAN);
      // Coverage: binomial MCSE sqrt(p (1 - p) / n).
      const auto coverage = [&](const char* metric, const std::vector<double>& c) {
        const MeanSe m = mean_se(c);
        add(metric, m.mean, c.empty() ? NAN : std::sqrt(m.mean * (1 - m.mean) / static_cast<double>(c.size())),
            static_cast<double>(c.size()));
      };
      coverage("coverage_mu", cov_mu);
      const MeanSe wm = mean_se(width_mu);
      add("width_mu", wm.mean, wm.mcse);
      coverage("coverage_pi", cov_pi);
      const MeanSe wp = mean_se(width_pi);
      add("width_pi", wp.mean, wp.mcse);
      const MeanSe tb = mean_se(tau_err);  // NaN (blank in the report) for common-effect methods
      add("tau_bias", tb.mean, tb.mcse);
      const double fr = n > 0 ? static_cast<double>(failed) / static_cast<double>(n) : NAN;
      add("failures", static_cast<double>(failed), n > 0 ? std::sqrt(static_cast<double>(n) * fr * (1 - fr)) : NAN);
    }
  }
  return out;
}

std::string metrics_csv(const std::vector<Metric>& metrics) {
  std::string s = "scenario,method,metric,estimate,mcse\n";
  for (const auto& m : metrics)
    s += m.scenario + "," + m.method + "," + m.metric + "," + csv_number(m.estimate) + "," + csv_number(m.mcse) + "\n";
  return s;
}

namespace {

const Metric* find_metric(const std::vector<Metric>& ms, const std::string& scenario, const std::string& method,
                          const std::string& metric) {
  for (const auto& m : ms)
    if (m.scenario == scenario && m.method == method && m.metric == metric) return &m;
  return nullptr;
}

std::string fmt(double x, const char* f = "%.3f") {
  if (!std::isfinite(x)) return "NA";
  char b[64];
  std::snprintf(b, sizeof b, f, x);
  return b;
}

std::string pad(const std::string& s, std::size_t w, bool right = true) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

}  // namespace

// The 95% Wilson score interval of a proportion p from n replicates: inside [0, 1] and not of
// zero width at p = 0 or 1, unlike p +- 1.96 sqrt(p (1 - p) / n); [p, p] when n is unknown.
WilsonInterval wilson_interval(double p, double n) {
  if (!(n > 0)) return {p, p};
  const double z = 1.959963984540054, z2n = z * z / n;
  const double centre = (p + z2n / 2) / (1 + z2n);
  const double half = z / (1 + z2n) * std::sqrt(p * (1 - p) / n + z2n / (4 * n));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::string metrics_table(const Scenario& s, const std::vector<Metric>& metrics, long reps) {
  std::string t = "scenario " + s.describe() + "; " + std::to_string(reps) + " replicates\n";
  t += "  (estimates with Monte Carlo SE in parentheses; coverage of the 95% interval for mu and of the 95%\n"
       "   prediction interval for a new study's true effect)\n";
  t += "  " + pad("method", 12, false) + pad("bias", 17) + pad("RMSE", 17) + pad("cover mu", 17) + pad("width mu", 10) +
       pad("cover PI", 17) + pad("width PI", 10) + pad("fail", 6) + "\n";
  for (const auto& method : s.all_methods()) {
    const auto get = [&](const char* metric) { return find_metric(metrics, s.name, method, metric); };
    const auto cell = [&](const char* metric, const char* f) {
      const Metric* m = get(metric);
      if (!m || !std::isfinite(m->estimate)) return std::string("NA");
      return fmt(m->estimate, f) + " (" + fmt(m->mcse, f) + ")";
    };
    const Metric* fail = get("failures");
    t += "  " + pad(method, 12, false) + pad(cell("bias", "%.3f"), 17) + pad(cell("rmse", "%.3f"), 17) +
         pad(cell("coverage_mu", "%.3f"), 17) + pad(fmt(get("width_mu")->estimate, "%.3f"), 10) +
         pad(cell("coverage_pi", "%.3f"), 17) + pad(fmt(get("width_pi")->estimate, "%.3f"), 10) +
         pad(fail ? fmt(fail->estimate, "%.0f") : "NA", 6) + "\n";
  }
  return t;
}

namespace {

// Coverage by method: a dot at the estimate and a bar of its 95% Wilson interval over the
// replicates, the nominal 95% line.
svg::Canvas coverage_plot(const Scenario& s, const std::vector<Metric>& metrics, const char* metric,
                          const std::string& title) {
  const std::vector<std::string> methods = s.all_methods();
  const double row = 26, top = 40, left = 120, right = 30, bottom = 50, W = 470;
  const double H = top + bottom + row * static_cast<double>(methods.size());
  double lo = 0.9, hi = 1.0;
  for (const auto& m : methods) {
    const Metric* c = find_metric(metrics, s.name, m, metric);
    if (!c || !std::isfinite(c->estimate)) continue;
    const WilsonInterval w = wilson_interval(c->estimate, c->count);
    lo = std::min(lo, w.lo);
    hi = std::max(hi, w.hi);
  }
  const auto range = svg::nice_range(std::max(0.0, lo), std::min(1.0, hi), 5);
  svg::Canvas c(W, H, title);
  const svg::Scale x{range.first, range.second, left, W - right, false};
  c.text(W / 2, 20, title, "middle", 13, "font-weight=\"bold\"");
  const double y_axis_px = top + row * static_cast<double>(methods.size());
  svg::x_axis(c, x, svg::fitting_linear_ticks(x, 6), y_axis_px, "coverage (dot: estimate; bar: 95% Wilson interval over the replicates)",
              true, top);
  c.line(x(0.95), top - 6, x(0.95), y_axis_px, "#D55E00", 1.5, "stroke-dasharray=\"5,3\" class=\"nominal\"");
  c.text(x(0.95), top - 9, "nominal 0.95", "middle", 11, "fill=\"#D55E00\"");
  for (std::size_t i = 0; i < methods.size(); ++i) {
    const double y = top + row * (static_cast<double>(i) + 0.5);
    c.text(left - 8, y + 4, methods[i], "end", 12);
    const Metric* m = find_metric(metrics, s.name, methods[i], metric);
    if (!m || !std::isfinite(m->estimate)) {
      c.text(left + 6, y + 4, "not available", "start", 11, "fill=\"#777\"");
      continue;
    }
    const WilsonInterval w = wilson_interval(m->estimate, m->count);
    c.begin_group("class=\"method-row\" data-method=\"" + svg::escape(methods[i]) + "\"");
    c.line(x(x.clamp(w.lo)), y, x(x.clamp(w.hi)), y, "#0072B2", 2.0);
    c.circle(x(x.clamp(m->estimate)), y, 4.5, "#0072B2");
    c.end_group();
  }
  return c;
}

}  // namespace

std::string simulation_report_html(const std::vector<Scenario>& scenarios, const std::vector<Metric>& metrics,
                                   long reps, const std::string& command) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hbmeta simulation study</title>\n"
      "<style>body{font-family:\"DejaVu Sans\",Arial,Helvetica,sans-serif;font-size:14px;color:#222;max-width:1000px;"
      "margin:16px auto;padding:0 12px}h2{font-size:19px;border-bottom:2px solid #0072B2;padding-bottom:4px;"
      "margin-top:36px}table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #ddd;padding:3px 8px;"
      "text-align:right}td:first-child,th:first-child{text-align:left}.grid{display:grid;grid-template-columns:"
      "repeat(auto-fit,minmax(470px,1fr));gap:8px 16px}figure{margin:8px 0}figure svg{max-width:100%;height:auto}"
      "code{font-size:13px}</style></head><body>\n<h1>hbmeta simulation study</h1>\n";
  h += "<p><code>" + svg::escape(command) + "</code><br>" + std::to_string(reps) +
       " replicates per scenario. Monte Carlo standard errors: binomial sqrt(p(1-p)/n) for coverage (the "
       "plots' bars: 95% Wilson intervals), sd/sqrt(n) for bias and widths, the delta method for RMSE "
       "(docs/simulation.md). Tau bias is blank for common-effect methods (FE, MH, Peto), whose tau is 0 "
       "by definition.</p>\n";
  for (const auto& s : scenarios) {
    h += "<h2 id=\"" + svg::escape(s.name) + "\">" + svg::escape(s.name) + "</h2>\n<p>" + svg::escape(s.describe()) +
         "</p>\n<div class=\"grid\">\n";
    h += "<figure>" + coverage_plot(s, metrics, "coverage_mu", "Coverage of the 95% interval for mu").str() +
         "</figure>\n";
    h += "<figure>" +
         coverage_plot(s, metrics, "coverage_pi", "Coverage of the 95% prediction interval (new study)").str() +
         "</figure>\n</div>\n";
    h += "<table><tr><th>method</th><th>bias</th><th>RMSE</th><th>coverage mu</th><th>width mu</th>"
         "<th>coverage PI</th><th>width PI</th><th>tau bias</th><th>failures</th></tr>\n";
    for (const auto& m : s.all_methods()) {
      h += "<tr><td>" + svg::escape(m) + "</td>";
      for (const char* k : {"bias", "rmse", "coverage_mu", "width_mu", "coverage_pi", "width_pi", "tau_bias", "failures"}) {
        const Metric* x = find_metric(metrics, s.name, m, k);
        const bool count = std::string(k) == "failures";
        if (x && std::string(k) == "tau_bias" && !std::isfinite(x->estimate)) {  // not estimated: blank
          h += "<td></td>";
          continue;
        }
        h += "<td>" + (x ? fmt(x->estimate, count ? "%.0f" : "%.3f") +
                               (std::isfinite(x->mcse) && !count ? " (" + fmt(x->mcse, "%.3f") + ")" : "")
                         : std::string("NA")) +
             "</td>";
      }
      h += "</tr>\n";
    }
    h += "</table>\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace hbm
