// The meta-regression figure of the HTML report (declared in host/report/report_plots.hpp): a bubble
// plot of each study's observed effect against one numeric covariate, with the posterior of the
// regression line.
//
// The line is on the model scale (logit rate, log odds ratio), where the model is linear:
// fitted(x) = mu + (x - mean) beta, the other covariates at their means and reference levels
// (where mu is, summary.json mu_at), so that their terms vanish. At each x of a grid the line
// is the posterior mean of fitted(x) and the band its central 95% interval over the draws.
// Observed effects: metafor's escalc "PLO" (single-arm) or "OR" (two-arm), 1/2 added to every
// cell of a study with a zero cell (add = 1/2, to = "only0").
#include <algorithm>
#include <cmath>

#include "host/frequentist/frequentist.hpp"
#include "host/report/report_plots.hpp"
#include "host/report/report_stats.hpp"

namespace hbm::report {
namespace {

constexpr double kW = 560, kH = 360, kLeft = 72, kRight = 20, kTop = 56, kBottom = 52;
constexpr int kGrid = 60;
const char* const kLineColour = "#0072B2";
const char* const kStudyColour = "#555555";

// Each study's observed effect on the model scale: metafor's escalc "PLO" / "OR" (host/frequentist/frequentist.hpp).
std::vector<double> observed_effects(const OutcomeData& o) {
  if (!o.two_arm) {
    std::vector<long long> events, totals;
    for (const auto& s : o.studies) {
      events.push_back(s.events);
      totals.push_back(s.total);
    }
    return freq::escalc_plo(events, totals).yi;
  }
  freq::TwoArmCounts counts;
  for (const auto& s : o.studies) {
    counts.et.push_back(s.events_t);
    counts.nt.push_back(s.total_t);
    counts.ec.push_back(s.events_c);
    counts.nc.push_back(s.total_c);
  }
  return freq::escalc_or(counts).yi;
}

double study_size(const OutcomeData& o, const StudyRow& s) {
  return static_cast<double>(o.two_arm ? s.total_t + s.total_c : s.total);
}

}  // namespace

svg::Canvas bubble_plot(const OutcomeData& o, const std::string& column) {
  const std::string effect = o.two_arm ? "log odds ratio" : "logit rate";
  svg::Canvas c(kW, kH, "Meta-regression on " + column);
  double mean = NAN;
  for (const auto& [name, m] : o.mu_at)
    if (name == column) mean = m;
  const std::vector<double>* beta = nullptr;
  for (const auto& [name, draws] : o.d.beta)
    if (name == column) beta = &draws;
  // The studies with a value and a finite effect.
  const std::vector<double> effects = observed_effects(o);
  std::vector<double> xs, ys, sizes;
  for (std::size_t i = 0; i < o.studies.size(); ++i) {
    const StudyRow& s = o.studies[i];
    double x = NAN;
    for (const auto& [name, v] : s.x)
      if (name == column) x = v;
    const double y = i < effects.size() ? effects[i] : NAN;
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    xs.push_back(x);
    ys.push_back(y);
    sizes.push_back(study_size(o, s));
  }
  if (xs.empty() || !beta || !std::isfinite(mean) || beta->size() != o.d.mu.size()) {
    c.text(kW / 2, kH / 2, "no numeric covariate values to plot", "middle", 12);
    return c;
  }
  const auto [xmin_it, xmax_it] = std::minmax_element(xs.begin(), xs.end());
  const double pad = 0.05 * std::max(*xmax_it - *xmin_it, 1e-12 * std::max(1.0, std::fabs(*xmax_it)));
  const double x0 = *xmin_it - pad, x1 = *xmax_it + pad;
  // The line and band over a grid of x.
  std::vector<double> gx(kGrid), mid(kGrid), lo(kGrid), hi(kGrid), f(o.d.mu.size());
  for (int g = 0; g < kGrid; ++g) {
    gx[g] = x0 + (x1 - x0) * g / (kGrid - 1);
    double sum = 0;
    for (std::size_t k = 0; k < f.size(); ++k) {
      f[k] = o.d.mu[k] + (gx[g] - mean) * (*beta)[k];
      sum += f[k];
    }
    mid[g] = sum / static_cast<double>(f.size());
    lo[g] = quantile(f, 0.025);
    hi[g] = quantile(f, 0.975);
  }
  double ylo = *std::min_element(lo.begin(), lo.end()), yhi = *std::max_element(hi.begin(), hi.end());
  for (double y : ys) ylo = std::min(ylo, y), yhi = std::max(yhi, y);
  const auto yr = svg::nice_range(ylo - 0.05 * (yhi - ylo), yhi + 0.05 * (yhi - ylo), 6);
  const svg::Scale sx{x0, x1, kLeft, kW - kRight, false};
  const svg::Scale sy{yr.first, yr.second, kH - kBottom, kTop, false};
  c.text(kW / 2, 20, "Meta-regression on " + column, "middle", 13, "font-weight=\"bold\"");
  svg::x_axis(c, sx, svg::fitting_linear_ticks(sx, 6), kH - kBottom, column, true, kTop);
  svg::y_axis(c, sy, svg::linear_ticks(yr.first, yr.second, 6), kLeft, effect);
  // Band, then line, then the studies on top (largest first, so small ones stay visible).
  std::vector<std::pair<double, double>> band;
  for (int g = 0; g < kGrid; ++g) band.emplace_back(sx(gx[g]), sy(sy.clamp(hi[g])));
  for (int g = kGrid - 1; g >= 0; --g) band.emplace_back(sx(gx[g]), sy(sy.clamp(lo[g])));
  c.polygon(band, kLineColour, "fill-opacity=\"0.18\" class=\"band\"");
  std::vector<std::pair<double, double>> line;
  for (int g = 0; g < kGrid; ++g) line.emplace_back(sx(gx[g]), sy(sy.clamp(mid[g])));
  c.polyline(line, kLineColour, 2.0, "class=\"posterior-mean\"");
  // Areas proportional to study size: the largest study a circle of radius 14 px.
  const double largest = *std::max_element(sizes.begin(), sizes.end());
  std::vector<std::size_t> order(xs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });
  for (std::size_t i : order) {
    const double r = std::max(2.0, 14.0 * std::sqrt(sizes[i] / std::max(largest, 1.0)));
    c.circle(sx(xs[i]), sy(sy.clamp(ys[i])), r, kStudyColour, "fill-opacity=\"0.45\" class=\"study\"");
  }
  double lx = kLeft;
  lx = svg::legend_entry(c, lx, 40, svg::Mark::Circle, kStudyColour, "study (area: size)");
  lx = svg::legend_entry(c, lx, 40, svg::Mark::Line, kLineColour, "posterior mean");
  svg::legend_entry(c, lx, 40, svg::Mark::Band, kLineColour, "95% CrI");
  return c;
}

}  // namespace hbm::report
