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
  const auto boundary_for = [&](int n_t) {
    return decision_boundary(n_t, s.n_c, mixture_success(s.treatment_prior, r.robust, s.rule, n_t, s.n_c));
  };
  r.boundary = boundary_for(s.n_t);
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

  // The smallest n_t reaching the target power (n_c fixed), and the curve around the plan.
  // A true effect at or below some criterion's DELTA cannot reach a target power above 1 - C in
  // large trials (P(effect > DELTA | data) > C then happens with probability about 1 - C at most):
  // no search then.
  bool reachable = true;
  for (const auto& cr : s.rule.criteria) reachable = reachable && s.effect > cr.delta;
  r.sample_size_n_t = !reachable ? -1 : smallest_n(std::max(1, s.n_t), s.max_n_t, s.target_power, [&](int n_t) {
    return power_of(boundary_for(n_t), n_t);
  });
  if (r.sample_size_n_t > 0) {
    const auto b = boundary_for(r.sample_size_n_t);
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
    const auto b = n_t == s.n_t ? r.boundary : boundary_for(n_t);
    r.assurance_curve[i] = {n_t, assurance_of(b, n_t), power_of(b, n_t)};
  });
  return r;
}

void add_hierarchical(DesignResult& r, const std::vector<std::vector<double>>& control_draws,
                      const std::vector<double>& map_draws, const DesignSettings& s, ThreadPool& pool) {
  if (static_cast<int>(control_draws.size()) != s.n_c + 1)
    throw std::invalid_argument("add_hierarchical: one draw set per control outcome 0..n_c expected");
  const BetaComponent rob{1.0, s.robust_mean * (s.robust_n + 1), (1 - s.robust_mean) * (s.robust_n + 1)};
  std::vector<double> lambda(s.n_c + 1, 1.0);  // posterior weight of the MAP part
  if (s.robust_weight > 0)
    for (int y = 0; y <= s.n_c; ++y) {
      double m_map = 0;
      for (double p : map_draws) m_map += binomial_pmf(y, s.n_c, p);
      m_map /= static_cast<double>(map_draws.size());
      const double m_rob = predictive_pmf({rob}, y, s.n_c);
      lambda[y] = (1 - s.robust_weight) * m_map / ((1 - s.robust_weight) * m_map + s.robust_weight * m_rob);
    }
  const auto success = [&](int y_t, int y_c) {
    const BetaMixture pt = posterior(s.treatment_prior, y_t, s.n_t);
    const BetaMixture pr = posterior({rob}, y_c, s.n_c);
    return all_criteria_hold(s.rule, [&](double delta) {
      double p = lambda[y_c] * prob_effect_exceeds_draws(pt, control_draws[y_c], delta, s.rule.scale);
      if (lambda[y_c] < 1) p += (1 - lambda[y_c]) * prob_effect_exceeds(pt, pr, delta, s.rule.scale);
      return p;
    });
  };
  // Each y_c on its own (with Monte Carlo draws the boundary need not be exactly monotone in
  // y_c), one pool task per y_c: bisection over y_t for that y_c alone.
  r.boundary_hierarchical.assign(s.n_c + 1, 0);
  pool.parallel_for(s.n_c + 1, [&](int y_c) {
    const std::vector<int> one = decision_boundary(s.n_t, 0, [&](int y_t, int) { return success(y_t, y_c); }, false);
    r.boundary_hierarchical[y_c] = one[0];
  });
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

}  // namespace hbm::design
