// Prior effective sample size (ESS) of a beta mixture prior for a binomial rate, by three methods:
//
// - moment: the a + b of the beta with the mixture's mean m and variance v, m (1 - m) / v - 1.
// - Morita, Thall and Mueller (2008): the number of observations m at which the expected local
//   information of the posterior of an epsilon-information prior matches the prior's, at the prior
//   mean theta (the original paper's location; RBesT uses the mode): with the epsilon-information
//   prior's own information taken in its limit, -1/theta^2 - 1/(1 - theta)^2, and the expected
//   information of one Bernoulli observation under the prior predictive, m / theta^2 +
//   (1 - m) / (1 - theta)^2 (Neuenschwander et al. 2020, Eq. 9, continuous in m).
// - ELIR, the expected local-information ratio (Neuenschwander, Weber, Schmidli and O'Hagan
//   2020): E_prior[ i(theta) / I_F(theta) ] with i = -(log prior)'' and I_F = 1 / (theta (1 - theta))
//   the Fisher information of one Bernoulli observation. Finite only when every component has
//   a >= 1 and b >= 1 (RBesT refuses otherwise); NaN is returned then.
//
// For a single Beta(a, b) all three equal a + b (moment and Morita exactly, ELIR for a, b > 1).
#pragma once
#include "host/design/beta_mixture.hpp"

namespace hbm::design {

double ess_moment(const BetaMixture& mix);
double ess_morita(const BetaMixture& mix);
double ess_elir(const BetaMixture& mix);

// -(d/dtheta)^2 log mixture density at theta (the local information), with the components'
// derivatives weighted by their posterior shares as RBesT's mixInfo does.
double mixture_information(const BetaMixture& mix, double theta);

}  // namespace hbm::design
