#include "host/design/design_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "host/design/operating_characteristics.hpp"
#include "host/design/prior_ess.hpp"
#include "host/stats/diagnostics.hpp"
#include "host/stats/posterior_summary.hpp"

namespace hbm::design {

namespace {

// The true rates of the OC grid: 41 control rates over the MAP's central 99%, widened by a
// quarter of its width on each side (prior-data conflict is where robustness shows), within
// [0.001, 0.999]; at each, the effects 0 (type I error), effect / 2, effect and 3 effect / 2.
std::vector<OcRow> oc_grid(const BetaMixture& map, double effect, EffectScale scale) {
  const double q0 = mixture_quantile(map, 0.005), q1 = mixture_quantile(map, 0.995), pad = 0.25 * (q1 - q0);
  const double lo = std::max(0.001, q0 - pad), hi = std::min(0.999, q1 + pad);
  std::vector<OcRow> rows;
  for (double f : {0.0, 0.5, 1.0, 1.5})
    for (int i = 0; i <= 40; ++i) {
      const double p_c = lo + (hi - lo) * i / 40.0, p_t = shifted_rate(p_c, f * effect, scale);
      if (p_t < 0 || p_t > 1) continue;
      rows.push_back({p_t, p_c, f * effect});
    }
  return rows;
}

}  // namespace

int control_size_for(int n_t, const DesignSettings& s) {
  if (!(s.allocation_ratio > 0)) return s.n_c;
  return std::max(1, static_cast<int>(std::ceil(n_t / s.allocation_ratio - 1e-9)));
}

DesignResult analyse_design(const std::vector<double>& map_draws, std::size_t chains, const DesignSettings& s,
                            ThreadPool& pool) {
  if (chains == 0 || map_draws.size() % chains != 0) throw std::invalid_argument("analyse_design: draws not chains x draws");
  if (!std::isfinite(s.effect)) throw std::invalid_argument("analyse_design: no planned effect");
  DesignResult r;
  const ChainDraws cd{map_draws.data(), chains, map_draws.size() / chains};
  std::vector<double> sorted = map_draws;
  std::sort(sorted.begin(), sorted.end());
  for (double q : kAccuracyProbs) {
    r.draws_quantiles.push_back(quantile_sorted(sorted, q));
    r.draws_mcse.push_back(mcse_quantile(cd, q));
  }
  double m = 0, v = 0;
  for (double x : map_draws) m += x;
  m /= static_cast<double>(map_draws.size());
  for (double x : map_draws) v += (x - m) * (x - m);
  v /= static_cast<double>(map_draws.size() - 1);
  r.draws_mean = m;
  r.draws_sd = std::sqrt(v);

  // MAP -> mixture -> robust mixture, and what each is worth in patients.
  r.mixture = auto_mixture_fit(map_draws, s.max_components, &r.candidates, &pool);
  r.accuracy = mixture_accuracy(map_draws, r.mixture.mix);
  r.robust = robustify(r.mixture.mix, s.robust_weight, s.robust_mean, s.robust_n);
  r.ess_map.moment = m * (1 - m) / v - 1;  // the draws' own moments; Morita and ELIR need a density
  r.ess_mixture = {ess_moment(r.mixture.mix), ess_morita(r.mixture.mix), ess_elir(r.mixture.mix)};
  r.ess_robust = {ess_moment(r.robust), ess_morita(r.robust), ess_elir(r.robust)};

  // The planned trial: boundary, OC grid, power at the MAP mean.
  const auto boundary_for = [&](int n_t, int n_c) {
    return decision_boundary(n_t, n_c, mixture_success(s.treatment_prior, r.robust, s.rule, n_t, n_c));
  };
  r.boundary = boundary_for(s.n_t, s.n_c);
  r.oc = oc_grid(r.mixture.mix, s.effect, s.rule.scale);
  for (auto& row : r.oc) row.prob_success = prob_success(r.boundary, s.n_t, row.p_t, row.p_c);
  r.power_p_c = mixture_mean(r.mixture.mix);
  r.power_p_t = std::clamp(shifted_rate(r.power_p_c, s.effect, s.rule.scale), 0.0, 1.0);
  const auto power_of = [&](const std::vector<int>& b, int n_t) { return prob_success(b, n_t, r.power_p_t, r.power_p_c); };
  const auto assurance_of = [&](const std::vector<int>& b, int n_t) {
    return s.has_design_prior ? assurance_independent(b, n_t, s.design_prior, r.mixture.mix)
                              : assurance_shifted(b, n_t, r.mixture.mix, s.effect, s.rule.scale);
  };
  r.power = power_of(r.boundary, s.n_t);
  r.type1_at_mean = prob_success(r.boundary, s.n_t, r.power_p_c, r.power_p_c);
  r.assurance = assurance_of(r.boundary, s.n_t);
  r.assurance_design = s.has_design_prior ? "p_t from the design prior, p_c from the MAP mixture, independently"
                                          : "p_c from the MAP mixture, p_t = p_c shifted by the planned effect";

  // The smallest n_t reaching the target power (n_c fixed, or n_c = control_size_for(n_t) with
  // an allocation ratio), and the curve around the plan along the same allocation.
  // A true effect at or below some criterion's DELTA cannot reach a target power above 1 - C in
  // large trials (P(effect > DELTA | data) > C then happens with probability about 1 - C at most):
  // no search then.
  bool reachable = true;
  for (const auto& cr : s.rule.criteria) reachable = reachable && s.effect > cr.delta;
  const auto boundary_at = [&](int n_t) {
    const int n_c = control_size_for(n_t, s);
    return n_t == s.n_t && n_c == s.n_c ? r.boundary : boundary_for(n_t, n_c);
  };
  r.sample_size_n_t = !reachable ? -1 : smallest_n(std::max(1, s.n_t), s.max_n_t, s.target_power, [&](int n_t) {
    return power_of(boundary_at(n_t), n_t);
  });
  if (r.sample_size_n_t > 0) {
    const auto b = boundary_at(r.sample_size_n_t);
    r.sample_size_n_c = control_size_for(r.sample_size_n_t, s);
    r.sample_size_power = power_of(b, r.sample_size_n_t);
    r.sample_size_assurance = assurance_of(b, r.sample_size_n_t);
  }
  std::vector<int> ns;
  const double n0 = std::max(4, s.n_t / 4), n1 = std::max(4 * s.n_t, r.sample_size_n_t > 0 ? r.sample_size_n_t + 1 : 0);
  for (int i = 0; i <= 8; ++i) ns.push_back(static_cast<int>(std::lround(n0 * std::pow(n1 / n0, i / 8.0))));
  ns.push_back(s.n_t);
  if (r.sample_size_n_t > 0) ns.push_back(r.sample_size_n_t);
  std::sort(ns.begin(), ns.end());
  ns.erase(std::unique(ns.begin(), ns.end()), ns.end());
  r.assurance_curve.resize(ns.size());
  pool.parallel_for(static_cast<int>(ns.size()), [&](int i) {
    const int n_t = ns[i];
    const auto b = boundary_at(n_t);
    r.assurance_curve[i] = {n_t, static_cast<int>(b.size()) - 1, assurance_of(b, n_t), power_of(b, n_t)};
  });
  return r;
}

int hierarchical_boundary_at(int y_c, const std::vector<double>& control_draws, const std::vector<double>& map_draws,
                             const DesignSettings& s) {
  if (y_c < 0 || y_c > s.n_c) throw std::invalid_argument("hierarchical_boundary_at: y_c outside 0..n_c");
  const BetaComponent rob{1.0, s.robust_mean * (s.robust_n + 1), (1 - s.robust_mean) * (s.robust_n + 1)};
  double lambda = 1.0;  // posterior weight of the MAP part
  if (s.robust_weight > 0) {
    double m_map = 0;
    for (double p : map_draws) m_map += binomial_pmf(y_c, s.n_c, p);
    m_map /= static_cast<double>(map_draws.size());
    const double m_rob = predictive_pmf({rob}, y_c, s.n_c);
    lambda = (1 - s.robust_weight) * m_map / ((1 - s.robust_weight) * m_map + s.robust_weight * m_rob);
  }
  const BetaMixture pr = posterior({rob}, y_c, s.n_c);
  const auto success = [&](int y_t, int) {
    const BetaMixture pt = posterior(s.treatment_prior, y_t, s.n_t);
    return all_criteria_hold(s.rule, [&](double delta) {
      double p = lambda * prob_effect_exceeds_draws(pt, control_draws, delta, s.rule.scale);
      if (lambda < 1) p += (1 - lambda) * prob_effect_exceeds(pt, pr, delta, s.rule.scale);
      return p;
    });
  };
  // With Monte Carlo draws the boundary need not be exactly monotone in y_c, so each y_c is
  // bisected over y_t on its own.
  return decision_boundary(s.n_t, 0, success, false)[0];
}

void set_hierarchical_boundary(DesignResult& r, std::vector<int> boundary, const DesignSettings& s) {
  if (static_cast<int>(boundary.size()) != s.n_c + 1)
    throw std::invalid_argument("set_hierarchical_boundary: one entry per control outcome 0..n_c expected");
  r.boundary_hierarchical = std::move(boundary);
  r.hierarchical = true;
  r.max_oc_difference = 0;
  for (auto& row : r.oc) {
    row.prob_success_hierarchical = prob_success(r.boundary_hierarchical, s.n_t, row.p_t, row.p_c);
    r.max_oc_difference = std::max(r.max_oc_difference, std::abs(row.prob_success_hierarchical - row.prob_success));
  }
  r.assurance_hierarchical = s.has_design_prior
                                 ? assurance_independent(r.boundary_hierarchical, s.n_t, s.design_prior, r.mixture.mix)
                                 : assurance_shifted(r.boundary_hierarchical, s.n_t, r.mixture.mix, s.effect, s.rule.scale);
}

void add_hierarchical(DesignResult& r, const std::vector<std::vector<double>>& control_draws,
                      const std::vector<double>& map_draws, const DesignSettings& s, ThreadPool& pool) {
  if (static_cast<int>(control_draws.size()) != s.n_c + 1)
    throw std::invalid_argument("add_hierarchical: one draw set per control outcome 0..n_c expected");
  std::vector<int> boundary(s.n_c + 1, 0);
  pool.parallel_for(s.n_c + 1, [&](int y_c) { boundary[y_c] = hierarchical_boundary_at(y_c, control_draws[y_c], map_draws, s); });
  set_hierarchical_boundary(r, std::move(boundary), s);
}

}  // namespace hbm::design
