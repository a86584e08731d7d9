// Exact operating characteristics of a two-arm design (n_t, n_c) with a decision rule: the
// probability of success under true rates (p_t, p_c) is a finite sum over all outcomes
// (y_t, y_c). Success is monotone in y_t for each y_c (the treatment posterior grows
// stochastically with y_t, the binomial likelihood having monotone likelihood ratio), so it
// holds exactly from a boundary y_t*(y_c) on, and
//   P(success) = sum_{y_c} Bin(y_c; n_c, p_c) P(Y_t >= y_t*(y_c); n_t, p_t).
// The boundary is nondecreasing in y_c (a larger control count makes the control posterior
// larger), so it is found by galloping up from the previous one: a few decisions per y_c.
#pragma once
#include <functional>
#include <vector>

#include "host/design/beta_mixture.hpp"
#include "host/design/decision_rule.hpp"

namespace hbm::design {

// Whether the trial succeeds with y_t of n_t and y_c of n_c (any monotone rule).
using SuccessFn = std::function<bool(int y_t, int y_c)>;

// y_t*(y_c) for y_c = 0..n_c: the smallest y_t that succeeds, n_t + 1 where none does.
// `monotone_in_yc`: use the nondecreasing boundary (gallop); otherwise bisect each y_c alone.
std::vector<int> decision_boundary(int n_t, int n_c, const SuccessFn& success, bool monotone_in_yc = true);

// The rule with conjugate beta-mixture posteriors of both arms.
SuccessFn mixture_success(const BetaMixture& prior_t, const BetaMixture& prior_c, const DecisionRule& rule, int n_t,
                          int n_c);

// P(success | p_t, p_c) from a boundary (exact sum).
double prob_success(const std::vector<int>& boundary, int n_t, double p_t, double p_c);

// P(success) with p_t and p_c drawn independently from beta mixtures (the prior predictive of
// each arm a beta-binomial mixture): exact sum.
double assurance_independent(const std::vector<int>& boundary, int n_t, const BetaMixture& design_t,
                             const BetaMixture& design_c);
// P(success) with p_c from a beta mixture and p_t = shifted_rate(p_c, effect) (the planned
// effect at every control rate), by quadrature over p_c.
double assurance_shifted(const std::vector<int>& boundary, int n_t, const BetaMixture& design_c, double effect,
                         EffectScale scale);

// The smallest n in [1, n_max] with metric(n) >= target, by doubling from n_start and then
// bisection, or -1 when metric(n_max) stays below it. Power and assurance grow with n only
// roughly (discreteness makes them saw-toothed by a few 0.001), so the n found is where the
// metric first reaches the target along the bisection; the caller reports metric(n) with it.
int smallest_n(int n_start, int n_max, double target, const std::function<double(int)>& metric);

// Binomial probability and upper tail, P(Y = y), P(Y >= k) for Y ~ Bin(n, p).
double binomial_pmf(int y, int n, double p);
double binomial_upper(int k, int n, double p);

}  // namespace hbm::design
