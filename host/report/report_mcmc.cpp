// Convergence plots of the HTML report (declared in host/report/report_plots.hpp): traces and rank
// histograms of mu and tau for a few chains. With many chains (the GPU's thousands) the chains
// shown are spread evenly over the run (report_stats.hpp: shown_chains) and named in the figure.
#include <algorithm>
#include <cmath>

#include "host/report/report_format.hpp"
#include "host/report/report_plots.hpp"
#include "host/report/report_stats.hpp"

namespace hbm::report {
namespace {

constexpr double kW = 470, kH = 262, kLeft = 70, kRight = 18, kTop = 64, kBottom = 50;

std::string param_label(const OutcomeData& o, bool of_tau) {
  if (of_tau) return o.two_arm ? "tau (log OR scale)" : "tau (logit scale)";
  return o.two_arm ? "mu (log odds ratio)" : "mu (logit rate)";
}

// The title, with "chains 1, 513, 1025, 1537 of 2048" right-aligned on the same line when not
// every chain is shown (below it when both do not fit).
double title(svg::Canvas& c, const std::string& text, const std::vector<std::size_t>& shown, std::size_t chains) {
  c.text(12, 20, text, "start", 14, "font-weight=\"bold\"");
  const std::string which = shown_chains_label(shown, chains);
  if (which.empty()) return 0;
  const bool fits = 12 + svg::text_width(text, 14) * 1.1 + 16 + svg::text_width(which, 12) <= kW - kRight;
  c.text(kW - kRight, fits ? 20 : 36, which, "end", 12, "fill=\"#444444\" class=\"chains-shown\"");
  return fits ? 0 : 14;
}

// A compact chain legend ("chains: -1 -2 -3 ..." with each chain's 1-based number).
void chain_legend(svg::Canvas& c, const std::vector<std::size_t>& shown, double y) {
  c.text(12, y, "chains:", "start", 12);
  double x = 62;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const std::string label = std::to_string(shown[i] + 1);
    c.line(x, y - 4, x + 14, y - 4, svg::palette(i), 2.5);
    c.text(x + 17, y, label, "start", 12);
    x += 17 + std::max(19.0, svg::text_width(label)) + 8;
  }
}

}  // namespace

svg::Canvas trace_plot(const OutcomeData& o, bool of_tau) {
  const std::vector<double>& v = of_tau ? o.d.tau : o.d.mu;
  const std::vector<std::size_t> shown = shown_chains(o.d.chains, 4);
  const std::size_t n = o.d.draws;
  const std::string name = of_tau ? "tau" : "mu";
  svg::Canvas c(kW, kH, "Trace of " + name);
  const double dy = title(c, "Trace of " + name, shown, o.d.chains);
  chain_legend(c, shown, 40 + dy);
  const double top = kTop + dy;
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t ch : shown)
    for (std::size_t t = 0; t < n; ++t)
      if (std::isfinite(v[ch * n + t])) lo = std::min(lo, v[ch * n + t]), hi = std::max(hi, v[ch * n + t]);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  const auto [ylo, yhi] = svg::nice_range(lo, hi, 5);
  const svg::Scale x{1, static_cast<double>(std::max<std::size_t>(n, 2)), kLeft, kW - kRight, false};
  const svg::Scale y{ylo, yhi, kH - kBottom, top, false};
  svg::x_axis(c, x, svg::fitting_linear_ticks(x, 5), kH - kBottom, "iteration after warmup");
  svg::y_axis(c, y, svg::linear_ticks(ylo, yhi, 5), kLeft, param_label(o, of_tau));
  // Long chains: the min and max of each run of iterations keep every excursion visible with a
  // few hundred points per chain instead of thousands.
  const std::size_t per = std::max<std::size_t>(1, (n + 299) / 300);
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const std::size_t ch = shown[i];
    std::vector<std::pair<double, double>> pts;
    for (std::size_t t0 = 0; t0 < n; t0 += per) {
      const std::size_t t1 = std::min(n, t0 + per);
      if (per == 1) {
        if (std::isfinite(v[ch * n + t0])) pts.emplace_back(x(t0 + 1.0), y(v[ch * n + t0]));
        continue;
      }
      double a = INFINITY, b = -INFINITY;
      for (std::size_t t = t0; t < t1; ++t)
        if (std::isfinite(v[ch * n + t])) a = std::min(a, v[ch * n + t]), b = std::max(b, v[ch * n + t]);
      if (!std::isfinite(a)) continue;
      const double xm = x(0.5 * static_cast<double>(t0 + 1 + t1));
      pts.emplace_back(xm, y(a));
      pts.emplace_back(xm, y(b));
    }
    c.polyline(pts, svg::palette(i), n <= 50 ? 1.5 : 1, "opacity=\"0.8\" class=\"trace\"");
  }
  return c;
}

svg::Canvas rank_plot(const OutcomeData& o, bool of_tau) {
  const std::vector<double>& v = of_tau ? o.d.tau : o.d.mu;
  const int bins = rank_bins(o.d.draws);
  // Up to 8 chains when that is all of them; of more, 4 spread over the run (more overlaid
  // step lines would be unreadable).
  const std::vector<std::size_t> shown = shown_chains(o.d.chains, o.d.chains <= 8 ? 8 : 4);
  const auto counts = rank_histograms(v, o.d.chains, o.d.draws, bins, shown);
  const std::string name = of_tau ? "tau" : "mu";
  svg::Canvas c(kW, kH, "Rank histograms of " + name);
  const double dy = title(c, "Rank histograms of " + name, shown, o.d.chains);
  chain_legend(c, shown, 40 + dy);
  const double top = kTop + dy;
  // Under good mixing each chain's count per bin is about Binomial(draws, 1/bins): the band is
  // its central 99% (normal approximation).
  const double n = static_cast<double>(o.d.draws), expect = n / bins;
  const double band = 2.576 * std::sqrt(n * (1.0 / bins) * (1 - 1.0 / bins));
  int most = 0;
  for (const auto& row : counts) most = std::max(most, *std::max_element(row.begin(), row.end()));
  const double ymax = svg::nice_range(0, std::max<double>(most, expect + band) * 1.05, 5).second;
  const double total = n * static_cast<double>(o.d.chains);
  const svg::Scale x{0, total, kLeft, kW - kRight, false};
  const svg::Scale y{0, ymax, kH - kBottom, top, false};
  c.rect(x(0), y(expect + band), x(total) - x(0), y(std::max(0.0, expect - band)) - y(expect + band), "#000000",
         "opacity=\"0.08\"");
  c.line(x(0), y(expect), x(total), y(expect), "#555555", 1, "stroke-dasharray=\"5,3\"");
  svg::x_axis(c, x, svg::fitting_linear_ticks(x, 5), kH - kBottom,
              "rank of the draw among all chains' draws (" + std::to_string(bins) + " bins)");
  svg::y_axis(c, y, svg::linear_ticks(0, ymax, 5), kLeft, "draws per bin");
  for (std::size_t i = 0; i < counts.size(); ++i) {
    std::vector<std::pair<double, double>> pts;
    for (int b = 0; b < bins; ++b) {
      const double a = total * b / bins, e = total * (b + 1) / bins;
      pts.emplace_back(x(a), y(counts[i][b]));
      pts.emplace_back(x(e), y(counts[i][b]));
    }
    c.polyline(pts, svg::palette(i), 1.5, "opacity=\"0.85\" class=\"rank\"");
  }
  c.text(kW - kRight, top - 6, "grey band: 99% range for well-mixed chains", "end", 11, "fill=\"#555555\"");
  return c;
}

}  // namespace hbm::report
