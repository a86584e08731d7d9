// The two-arm trial's decision: success when every criterion (delta, c) holds,
// P(effect > delta | data) > c, with effect = p_t - p_c (difference scale) or
// logit(p_t) - logit(p_c) (log odds ratio), the arms' posteriors being beta mixtures (the
// conjugate updates of their priors) or, for the control arm, draws (the hierarchical path).
//
// P(effect > delta) = integral of f_c(y) P_t(p_t > h(y)) dy over the control posterior, where
// h(y) = y + delta or inv_logit(logit(y) + delta): one dimension, exact up to quadrature error
// (1e-10), component by component of the control posterior.
#pragma once
#include <string>
#include <vector>

#include "host/design/beta_mixture.hpp"

namespace hbm::design {

enum class EffectScale { Difference, LogOddsRatio };

struct Criterion {
  double delta = 0, c = 0.975;
};

struct DecisionRule {
  EffectScale scale = EffectScale::Difference;
  std::vector<Criterion> criteria = {Criterion{}};
};

// "difference" or "log_or" (design.json's words).
const char* scale_name(EffectScale s);

// The treatment rate at which the effect equals `effect` for control rate p_c: h(p_c) above;
// for the difference scale it may leave [0, 1] (the caller decides what that means).
double shifted_rate(double p_c, double effect, EffectScale scale);

// P(effect > delta) for posteriors of the two arms.
double prob_effect_exceeds(const BetaMixture& post_t, const BetaMixture& post_c, double delta, EffectScale scale);

// The same with the control rate given by draws: the mean over draws of P_t(p_t > h(p_c)).
double prob_effect_exceeds_draws(const BetaMixture& post_t, const std::vector<double>& p_c_draws, double delta,
                                 EffectScale scale);

// Whether every criterion holds, given a function returning P(effect > delta) for a delta.
template <class ProbAbove>
bool all_criteria_hold(const DecisionRule& rule, const ProbAbove& prob_above) {
  for (const auto& cr : rule.criteria)
    if (!(prob_above(cr.delta) > cr.c)) return false;
  return true;
}

}  // namespace hbm::design
