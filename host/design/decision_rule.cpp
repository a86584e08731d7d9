#include "host/design/decision_rule.hpp"

#include "host/design/beta_functions.hpp"
#include <cmath>

#include "host/design/mixture_quadrature.hpp"

namespace hbm::design {

const char* scale_name(EffectScale s) { return s == EffectScale::Difference ? "difference" : "log_or"; }

double shifted_rate(double p_c, double effect, EffectScale scale) {
  if (scale == EffectScale::Difference) return p_c + effect;
  if (p_c <= 0) return 0;
  if (p_c >= 1) return 1;
  const double z = std::log(p_c) - std::log1p(-p_c) + effect;
  return 1 / (1 + std::exp(-z));
}

double prob_effect_exceeds(const BetaMixture& post_t, const BetaMixture& post_c, double delta, EffectScale scale) {
  // P_t(p_t > h(y)) steps from 1 to 0 where h(y) crosses the treatment posterior: its inverse
  // images of the treatment components' quantiles are cut points too.
  std::vector<double> extra;
  for (const auto& c : post_t)
    for (double q : {0.001, 0.5, 0.999}) {
      const double x = design::ibeta_inv(c.a, c.b, q);
      extra.push_back(scale == EffectScale::Difference ? x - delta : shifted_rate(x, -delta, scale));
    }
  double total = 0;
  for (const auto& cc : post_c) {
    if (cc.w <= 0) continue;
    const BetaMixture one = {{1.0, cc.a, cc.b}};
    const BetaDensity density(cc.a, cc.b);
    const auto f = [&](double y) {
      const double d = density(y);
      if (!(d > 0)) return 0.0;
      return d * mixture_survival(post_t, shifted_rate(y, delta, scale));
    };
    total += cc.w * integrate_pieces(f, mixture_cuts(one, extra), 1e-9, true);  // tails: < 2e-10 of the mass
  }
  return std::min(1.0, std::max(0.0, total));
}

double prob_effect_exceeds_draws(const BetaMixture& post_t, const std::vector<double>& p_c_draws, double delta,
                                 EffectScale scale) {
  double s = 0;
  for (double y : p_c_draws) s += mixture_survival(post_t, shifted_rate(y, delta, scale));
  return s / static_cast<double>(p_c_draws.size());
}

}  // namespace hbm::design
