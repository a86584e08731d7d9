// Gauss-Hermite quadrature rules: the rule for the weight exp(-x^2), and from it the rule for
// the standard normal density that the GLMMs' adaptive quadrature uses (lme4's GHrule).
#pragma once
#include <vector>

namespace hbm::freq {

// The n-point Gauss-Hermite rule for the weight exp(-x^2), n >= 1: sum_k w_k f(x_k) approximates
// the integral of f(x) exp(-x^2), exactly for polynomials f of degree <= 2n - 1 (the weights sum
// to sqrt(pi)). Nodes ascending. Nodes by Newton's method on the orthonormal (physicists')
// Hermite recurrence (Golub-Welsch gives the same rule).
void gauss_hermite(int n, std::vector<double>& nodes, std::vector<double>& weights);

// Gauss-Hermite rule for the standard normal density (lme4's GHrule): sum_k w_k f(z_k)
// approximates E f(Z), Z ~ N(0,1); z = sqrt(2) x, w = w_x / sqrt(pi) from the rule above, nodes
// ascending. n <= 1 gives the one-point rule z = 0, w = 1 (the Laplace approximation).
struct GHRule {
  std::vector<double> z, w;
};
GHRule gh_rule(int n);

}  // namespace hbm::freq
