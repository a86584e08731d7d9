// Convergence plots of the HTML report (declared in host/report_plots.hpp): traces of the first
// four chains and rank histograms of the first eight, for mu and tau.
#include <algorithm>
#include <cmath>

#include "host/report_format.hpp"
#include "host/report_plots.hpp"
#include "host/report_stats.hpp"

namespace hbm::report {
namespace {

constexpr double kW = 470, kH = 262, kLeft = 70, kRight = 18, kTop = 64, kBottom = 50;

std::string param_label(const OutcomeData& o, bool of_tau) {
  if (of_tau) return o.two_arm ? "tau (log OR scale)" : "tau (logit scale)";
  return o.two_arm ? "mu (log odds ratio)" : "mu (logit rate)";
}

// A compact chain legend ("chains: -1 -2 -3 ..."), as eight full entries would not fit.
void chain_legend(svg::Canvas& c, std::size_t shown, double y) {
  c.text(12, y, "chains:", "start", 12);
  double x = 62;
  for (std::size_t ch = 0; ch < shown; ++ch) {
    c.line(x, y - 4, x + 14, y - 4, svg::palette(ch), 2.5);
    c.text(x + 17, y, std::to_string(ch + 1), "start", 12);
    x += 36;
  }
}

}  // namespace

svg::Canvas trace_plot(const OutcomeData& o, bool of_tau) {
  const std::vector<double>& v = of_tau ? o.d.tau : o.d.mu;
  const std::size_t shown = std::min<std::size_t>(4, o.d.chains), n = o.d.draws;
  const std::string name = of_tau ? "tau" : "mu";
  svg::Canvas c(kW, kH, "Trace of " + name);
  c.text(12, 20, "Trace of " + name + (o.d.chains > shown ? " (chains 1-4 of " + std::to_string(o.d.chains) + ")" : ""),
         "start", 14, "font-weight=\"bold\"");
  chain_legend(c, shown, 40);
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < shown * n; ++i)
    if (std::isfinite(v[i])) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  const auto [ylo, yhi] = svg::nice_range(lo, hi, 5);
  const svg::Scale x{1, static_cast<double>(std::max<std::size_t>(n, 2)), kLeft, kW - kRight, false};
  const svg::Scale y{ylo, yhi, kH - kBottom, kTop, false};
  svg::x_axis(c, x, svg::linear_ticks(x.d0, x.d1, 5), kH - kBottom, "iteration after warmup");
  svg::y_axis(c, y, svg::linear_ticks(ylo, yhi, 5), kLeft, param_label(o, of_tau));
  // Long chains: the min and max of each run of iterations keep every excursion visible with a
  // few hundred points per chain instead of thousands.
  const std::size_t per = std::max<std::size_t>(1, (n + 299) / 300);
  for (std::size_t ch = 0; ch < shown; ++ch) {
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
    c.polyline(pts, svg::palette(ch), 1, "opacity=\"0.8\"");
  }
  return c;
}

svg::Canvas rank_plot(const OutcomeData& o, bool of_tau) {
  const std::vector<double>& v = of_tau ? o.d.tau : o.d.mu;
  const int bins = 20;
  const auto counts = rank_histograms(v, o.d.chains, o.d.draws, bins, 8);
  const std::string name = of_tau ? "tau" : "mu";
  svg::Canvas c(kW, kH, "Rank histograms of " + name);
  c.text(12, 20,
         "Rank histograms of " + name + (o.d.chains > 8 ? " (chains 1-8 of " + std::to_string(o.d.chains) + ")" : ""),
         "start", 14, "font-weight=\"bold\"");
  chain_legend(c, counts.size(), 40);
  // Under good mixing each chain's count per bin is about Binomial(draws, 1/20): the band is its
  // central 99% (normal approximation).
  const double n = static_cast<double>(o.d.draws), expect = n / bins;
  const double band = 2.576 * std::sqrt(n * (1.0 / bins) * (1 - 1.0 / bins));
  int top = 0;
  for (const auto& row : counts) top = std::max(top, *std::max_element(row.begin(), row.end()));
  const double ymax = svg::nice_range(0, std::max<double>(top, expect + band) * 1.05, 5).second;
  const double total = n * static_cast<double>(o.d.chains);
  const svg::Scale x{0, total, kLeft, kW - kRight, false};
  const svg::Scale y{0, ymax, kH - kBottom, kTop, false};
  c.rect(x(0), y(expect + band), x(total) - x(0), y(std::max(0.0, expect - band)) - y(expect + band), "#000000",
         "opacity=\"0.08\"");
  c.line(x(0), y(expect), x(total), y(expect), "#555555", 1, "stroke-dasharray=\"5,3\"");
  svg::x_axis(c, x, svg::linear_ticks(0, total, 5), kH - kBottom, "rank of the draw among all chains' draws");
  svg::y_axis(c, y, svg::linear_ticks(0, ymax, 5), kLeft, "draws per bin");
  for (std::size_t ch = 0; ch < counts.size(); ++ch) {
    std::vector<std::pair<double, double>> pts;
    for (int b = 0; b < bins; ++b) {
      const double a = total * b / bins, e = total * (b + 1) / bins;
      pts.emplace_back(x(a), y(counts[ch][b]));
      pts.emplace_back(x(e), y(counts[ch][b]));
    }
    c.polyline(pts, svg::palette(ch), 1.5, "opacity=\"0.85\"");
  }
  c.text(kW - kRight, kTop - 6, "grey band: 99% range for well-mixed chains", "end", 11, "fill=\"#555555\"");
  return c;
}

}  // namespace hbm::report
