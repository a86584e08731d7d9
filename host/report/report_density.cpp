// Density plots of the HTML report (declared in host/report/report_plots.hpp): the pooled rate / OR
// and tau with their priors, and the predictive distribution for a new clinic.
//
// Densities of rates and odds ratios are estimated on the model scale (logit rate, log OR),
// where the draws are unbounded and a Gaussian kernel fits, and then carried to the plotted
// scale by the change of variables. Rates are plotted on a linear axis, so the density is
// f_logit(logit p) / (p (1 - p)). Odds ratios are plotted on a log axis, where the area a reader
// sees is probability only for the density per unit log OR, which is f_log(log OR) itself.
#include <algorithm>
#include <cmath>
#include <tuple>

#include "host/fit/prior_spec.hpp"
#include "host/report/report_format.hpp"
#include "host/report/report_plots.hpp"
#include "host/report/report_stats.hpp"

namespace hbm::report {
namespace {

constexpr double kW = 470, kH = 310, kLeft = 70, kRight = 18, kTop = 58, kBottom = 52;
constexpr int kGrid = 300;
const char* const kPostColour = "#0072B2";
const char* const kPriorColour = "#D55E00";

struct Curve {
  std::vector<double> x, y;  // x on the plotted (natural) scale
  std::string colour, label;
  svg::Mark mark = svg::Mark::Line;
  bool sets_scale = true;  // priors may not squash the posterior: they get at most 1.5x its height
  std::string cls = "posterior";  // class of its polyline ("prior" for the prior overlays)
};

// The model-scale value of a plotted x, and the Jacobian that turns a model-scale density into
// the plotted one (see the file comment).
double to_model(const OutcomeData& o, double x) { return o.two_arm ? std::log(x) : logit(x); }
// log_axis: the x axis is logarithmic (odds ratios always; rare rates, see rare_rate_axis), where
// the density shown is per unit log x: for a rate, f_logit(logit p) / (1 - p).
double jacobian(const OutcomeData& o, double x, bool log_axis) {
  if (o.two_arm) return 1.0;
  return log_axis ? 1.0 / (1.0 - x) : 1.0 / (x * (1.0 - x));
}

// The plotted range for model-scale draws: their central 1 - 2 tail on the natural scale, padded
// by 10% of its width there (rates within [0, 1]; log OR: padded in log units), widened to nice
// limits and to include `include` (the threshold). Predictive distributions use a larger tail
// (0.5%): for rare rates their long right tail would squash the rest of the curve.
std::pair<double, double> natural_range(const OutcomeData& o, const std::vector<double>& model_draws, double tail,
                                        double include = NAN, bool log_axis = false) {
  const double qlo = quantile(model_draws, tail), qhi = quantile(model_draws, 1 - tail);
  if (!o.two_arm && log_axis) {  // rare rates on a log axis: padded in log units, as odds ratios
    const double la = std::log(inv_logit(qlo)), lb = std::log(inv_logit(qhi));
    const double pad = 0.1 * std::max(lb - la, 1e-6);
    double a = std::exp(la - pad), b = std::exp(lb + pad);
    if (std::isfinite(include) && include > 0 && include < 1) a = std::min(a, include / 1.25), b = std::max(b, include * 1.25);
    const auto [lo, hi] = svg::log_range(std::max(a, 1e-7), std::min(b, 1.0));
    return {lo, std::min(hi, 1.0)};
  }
  if (o.two_arm) {
    const double pad = 0.1 * std::max(qhi - qlo, 1e-6);
    double a = std::exp(qlo - pad), b = std::exp(qhi + pad);
    if (std::isfinite(include) && include > 0) a = std::min(a, include / 1.25), b = std::max(b, include * 1.25);
    return svg::log_range(std::max(a, 1e-4), std::min(b, 1e4));
  }
  double a = inv_logit(qlo), b = inv_logit(qhi);
  const double pad = 0.1 * std::max(b - a, 1e-9);
  a -= pad, b += pad;
  if (std::isfinite(include) && include > 0 && include < 1) {
    const double span = b - a;
    a = std::min(a, include - 0.05 * span), b = std::max(b, include + 0.05 * span);
  }
  const auto [lo, hi] = svg::nice_range(std::max(0.0, a), std::min(1.0, b), 6);
  return {std::max(0.0, lo), std::min(1.0, hi)};
}

std::vector<double> grid(double lo, double hi, bool log) {
  std::vector<double> g(kGrid);
  for (int i = 0; i < kGrid; ++i) {
    const double t = static_cast<double>(i) / (kGrid - 1);
    g[i] = log ? std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))) : lo + t * (hi - lo);
  }
  return g;
}

// Posterior density on the natural grid from model-scale draws.
Curve natural_kde(const OutcomeData& o, const std::vector<double>& model_draws, const std::vector<double>& xs,
                  bool log_axis) {
  Curve c;
  c.x = xs;
  std::vector<double> at;
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (xs[i] > 0 && (o.two_arm || xs[i] < 1)) at.push_back(to_model(o, xs[i])), idx.push_back(i);
  const std::vector<double> d = kde(model_draws, at);
  c.y.assign(xs.size(), 0.0);  // a rate of exactly 0 or 1 has density 0 under the logit-normal model
  for (std::size_t j = 0; j < idx.size(); ++j) c.y[idx[j]] = d[j] * jacobian(o, xs[idx[j]], log_axis);
  return c;
}

double max_of(const std::vector<double>& v) {
  double m = 0;
  for (double x : v)
    if (std::isfinite(x)) m = std::max(m, x);
  return m;
}

// The frame, the curves and the legend; shade_from (finite) shades the first curve above it.
svg::Canvas density_canvas(const std::string& title, const std::string& x_label, const std::string& y_label,
                           svg::Scale x, const std::vector<Curve>& curves, double shade_from = NAN,
                           const std::string& note = "") {
  svg::Canvas c(kW, kH + (note.empty() ? 0 : 16), title);
  x.r0 = kLeft, x.r1 = kW - kRight;
  double ymax = 0, other = 0;
  for (const auto& cv : curves) {
    double& m = cv.sets_scale ? ymax : other;
    m = std::max(m, max_of(cv.y));
  }
  if (!(ymax > 0)) ymax = std::max(other, 1.0);
  ymax = std::max(ymax, std::min(other, 1.5 * ymax)) * 1.08;
  // A note (the threshold probability) gets its own line under the legend, clear of the curves.
  const double top = note.empty() ? kTop : kTop + 16;
  const double bottom = c.height() - kBottom;
  const svg::Scale y{0, ymax, bottom, top, false};

  c.text(12, 20, title, "start", 14, "font-weight=\"bold\"");
  double lx = 12;
  for (const auto& cv : curves) lx = svg::legend_entry(c, lx, 42, cv.mark, cv.colour, cv.label);

  const auto xt = x.log ? svg::log_ticks(x.d0, x.d1) : svg::fitting_linear_ticks(x, 6);
  svg::x_axis(c, x, xt, bottom, x_label, true, top);
  svg::y_axis(c, y, svg::linear_ticks(0, ymax, 5), kLeft, y_label);

  auto pts = [&](const Curve& cv, double from) {
    std::vector<std::pair<double, double>> p;
    for (std::size_t i = 0; i < cv.x.size(); ++i)
      if (cv.x[i] >= from && std::isfinite(cv.y[i])) p.emplace_back(x(cv.x[i]), y(std::min(cv.y[i], ymax)));
    return p;
  };
  if (std::isfinite(shade_from) && !curves.empty() && shade_from < x.d1) {
    const Curve& cv = curves.front();
    const double from = std::max(shade_from, x.d0);
    auto p = pts(cv, from);
    // The curve's value at the threshold itself, interpolated, so the shading starts exactly there.
    double f_at = 0;
    for (std::size_t i = 1; i < cv.x.size(); ++i)
      if (cv.x[i] >= from) {
        const double t = (from - cv.x[i - 1]) / (cv.x[i] - cv.x[i - 1]);
        f_at = cv.y[i - 1] + std::clamp(t, 0.0, 1.0) * (cv.y[i] - cv.y[i - 1]);
        break;
      }
    p.insert(p.begin(), {x(from), y(std::min(f_at, ymax))});
    p.insert(p.begin(), {x(from), y(0)});
    p.emplace_back(x(x.d1), y(0));
    c.polygon(p, kPriorColour, "opacity=\"0.25\" class=\"above-threshold\"");
    if (shade_from >= x.d0)
      c.line(x(shade_from), top, x(shade_from), bottom, "#333333", 1.2, "stroke-dasharray=\"5,3\"");
  }
  for (const auto& cv : curves)
    c.polyline(pts(cv, -INFINITY), cv.colour, 2,
               (cv.mark == svg::Mark::Dashed ? "stroke-dasharray=\"6,4\" " : "") + std::string("class=\"") + cv.cls + "\"");
  if (!note.empty()) {
    c.rect(12, 52, 24, 12, kPriorColour, "opacity=\"0.25\"");
    c.text(42, 62, note, "start", 12, "font-weight=\"bold\"");
  }
  return c;
}

std::string scale_name(const OutcomeData& o) { return o.two_arm ? "log OR scale" : "logit scale"; }

}  // namespace

std::string new_clinic_quantity(const OutcomeData& o) {
  return in_units(o.two_arm ? "OR at a new clinic" : "rate at a new clinic", o.unit);
}

Exceedance exceedance(const std::vector<double>& draws, double threshold) {
  Exceedance e;
  for (double v : draws)
    if (!std::isnan(v)) {
      ++e.n;
      if (v > threshold) ++e.above;
    }
  return e;
}

bool rare_rate_axis(const OutcomeData& o, const std::vector<double>& model_draws) {
  return !o.two_arm && !model_draws.empty() && inv_logit(quantile(model_draws, 0.9)) < 0.05;
}

svg::Canvas mu_density_plot(const OutcomeData& o, const Prior& prior_mu) {
  const bool rare = rare_rate_axis(o, o.d.mu), log_axis = o.two_arm || rare;
  const auto [lo, hi] = natural_range(o, o.d.mu, 0.001, NAN, rare);
  const auto xs = grid(lo, hi, log_axis);
  Curve post = natural_kde(o, o.d.mu, xs, rare);
  post.colour = kPostColour;
  post.label = "posterior (kernel density)";
  Curve prior{xs, {}, kPriorColour, "prior of mu: " + prior_to_string(prior_mu), svg::Mark::Dashed, false, "prior"};
  for (double v : xs)
    prior.y.push_back(v > 0 && (o.two_arm || v < 1) ? prior_density(prior_mu, to_model(o, v)) * jacobian(o, v, rare)
                                                    : 0.0);
  const std::string covs = o.covariates.empty() ? "" : " at covariates 0";
  return density_canvas(o.two_arm ? "Pooled odds ratio exp(mu)" + covs : "Pooled rate invlogit(mu)" + covs,
                        o.two_arm ? "pooled odds ratio (log scale)"
                        : rare    ? "pooled rate (events / total; log scale for a rare rate)"
                                  : "pooled rate (events / total)",
                        o.two_arm ? "density per unit log OR" : rare ? "density per unit log rate" : "density",
                        svg::Scale{lo, hi, 0, 1, log_axis}, {post, prior});
}

svg::Canvas tau_density_plot(const OutcomeData& o, const Prior& prior_tau) {
  double hi = quantile(o.d.tau, 0.995) * 1.15;
  if (prior_tau.kind == PriorKind::Uniform) hi = std::min(hi, prior_tau.b);
  hi = svg::nice_range(0, std::max(hi, 1e-3), 6).second;
  const auto xs = grid(0, hi, false);
  Curve post{xs, kde(o.d.tau, xs, true), kPostColour, "posterior (kernel density)"};
  Curve prior{xs, {}, kPriorColour, "prior: " + prior_to_string(prior_tau), svg::Mark::Dashed, false, "prior"};
  // At tau = 0 itself the density is its limit from above (half-normal: 2 phi(0) / s), not the 0
  // that prior_density gives outside the open support.
  for (double v : xs) prior.y.push_back(prior_density(prior_tau, std::max(v, 1e-9 * hi)));
  return density_canvas("Between-study sd tau", "tau (" + scale_name(o) + ")", "density",
                        svg::Scale{0, hi, 0, 1, false}, {post, prior});
}

PredictiveAxis predictive_axis(const OutcomeData& o, double threshold) {
  PredictiveAxis a;
  const bool use_threshold = std::isfinite(threshold) && (!o.two_arm || threshold > 0);
  a.log = o.two_arm || rare_rate_axis(o, o.d.theta_new);
  const bool rare = a.log && !o.two_arm;
  std::tie(a.lo, a.hi) = natural_range(o, o.d.theta_new, 0.005, NAN, rare);
  if (!use_threshold) return a;
  // Near the predictive mass (within a quarter of the plotted width beyond it; log axes: in log
  // units) the axis stretches to show the threshold; farther out it would squash the curve into
  // a sliver, so the threshold is only marked at the edge it lies beyond.
  auto pos = [&](double v) { return a.log ? std::log(std::max(v, 1e-300)) : v; };
  const double span = pos(a.hi) - pos(a.lo), t = pos(threshold);
  if (t < pos(a.lo) - 0.25 * span) {
    a.threshold_side = -1;
  } else if (t > pos(a.hi) + 0.25 * span) {
    a.threshold_side = 1;
  } else {
    std::tie(a.lo, a.hi) = natural_range(o, o.d.theta_new, 0.005, threshold, rare);
  }
  return a;
}

svg::Canvas predictive_plot(const OutcomeData& o, double threshold) {
  const bool use_threshold = std::isfinite(threshold) && (!o.two_arm || threshold > 0);
  const PredictiveAxis ax = predictive_axis(o, threshold);
  const double lo = ax.lo, hi = ax.hi;
  const bool rare = ax.log && !o.two_arm;
  const auto xs = grid(lo, hi, ax.log);
  Curve pred = natural_kde(o, o.d.theta_new, xs, rare);
  pred.colour = kPostColour;
  pred.label = new_clinic_quantity(o);
  Curve pooled = natural_kde(o, o.d.mu, xs, rare);
  pooled.colour = "#777777";
  pooled.mark = svg::Mark::Dashed;
  pooled.cls = "pooled";
  pooled.label = o.two_arm ? "pooled OR" : "pooled rate";
  std::string note;
  if (std::isfinite(threshold)) {
    const Exceedance e = exceedance(o.d.natural_new, threshold);
    note = "P(" + std::string(o.two_arm ? "OR" : "rate") + " > " + fmt_plain(threshold) + ") = " +
           fmt_prob(e.prob()) + " (" + std::to_string(e.above) + " of " + std::to_string(e.n) + " draws)";
  }
  svg::Canvas c = density_canvas(
      "Predictive distribution: " + new_clinic_quantity(o),
      o.two_arm ? "odds ratio (log scale)"
      : rare    ? "rate (events / total; log scale for a rare rate)"
                : "rate (events / total)",
      o.two_arm ? "density per unit log OR" : rare ? "density per unit log rate" : "density",
      svg::Scale{lo, hi, 0, 1, ax.log}, {pred, pooled},
      use_threshold && ax.threshold_side == 0 ? threshold : NAN, note);
  if (ax.threshold_side != 0) {
    // The threshold beyond the axis: an arrow at that edge pointing out of the plot, labelled.
    const double y = kTop + 16 + 18, right = kW - kRight, left = kLeft;
    const std::string label = "threshold " + fmt_plain(threshold) + (ax.threshold_side > 0 ? ": far to the right" : ": far to the left");
    c.begin_group("class=\"threshold-offaxis\"");
    if (ax.threshold_side > 0) {
      c.line(right - 26, y, right - 6, y, "#333333", 1.5);
      c.polygon({{right, y}, {right - 8, y - 5}, {right - 8, y + 5}}, "#333333");
      c.text(right - 30, y + 4, label, "end", 11, "fill=\"#333333\"");
    } else {
      c.line(left + 6, y, left + 26, y, "#333333", 1.5);
      c.polygon({{left, y}, {left + 8, y - 5}, {left + 8, y + 5}}, "#333333");
      c.text(left + 30, y + 4, label, "start", 11, "fill=\"#333333\"");
    }
    c.end_group();
  }
  return c;
}

}  // namespace hbm::report
