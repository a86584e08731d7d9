// Mixtures of beta densities: the MAP prior's approximation, the robust prior, the treatment arm's
// prior, and their conjugate updates by binomial data (the currency of `hbmeta design`).
//
// A mixture sum_k w_k Beta(a_k, b_k) updated by y events of n is again a beta mixture: component
// k becomes Beta(a_k + y, b_k + n - y) and its weight is proportional to w_k times the
// component's beta-binomial marginal likelihood B(a_k + y, b_k + n - y) / B(a_k, b_k) (the
// binomial coefficient is common to every component and cancels).
#pragma once
#include <string>
#include <vector>

namespace hbm::design {

struct BetaComponent {
  double w = 1, a = 1, b = 1;
};
using BetaMixture = std::vector<BetaComponent>;

// Throws std::invalid_argument unless every w >= 0 (sum > 0), a > 0, b > 0, all finite; returns
// the mixture with weights scaled to sum to 1.
BetaMixture normalised(BetaMixture mix);

double mixture_pdf(const BetaMixture& mix, double p);

// One component's density with log B(a, b) computed once: integrands evaluate it thousands of
// times, and the three lgamma calls would otherwise dominate.
struct BetaDensity {
  double a, b, log_beta;
  BetaDensity(double a_, double b_);
  double operator()(double p) const;  // 0 outside (0, 1)
};
double mixture_log_pdf(const BetaMixture& mix, double p);
double mixture_cdf(const BetaMixture& mix, double p);
double mixture_survival(const BetaMixture& mix, double p);  // 1 - cdf, without cancellation
// Quantile by bisection on the cdf to 1e-14 in p (a mixture has no closed-form inverse).
double mixture_quantile(const BetaMixture& mix, double prob);
double mixture_mean(const BetaMixture& mix);
double mixture_variance(const BetaMixture& mix);

// log B(a, b).
double log_beta_of(double a, double b);

// log B(a + y, b + n - y) - log B(a, b): a component's marginal log likelihood of y of n, up to
// the binomial coefficient.
double log_beta_binomial_kernel(double a, double b, double y, double n);

// The posterior after y events of n (see the file comment).
BetaMixture posterior(const BetaMixture& prior, double y, double n);

// The prior predictive probability of y events of n: sum_k w_k BetaBinomial(y; n, a_k, b_k).
double predictive_pmf(const BetaMixture& mix, long long y, long long n);

// The robust mixture (Schmidli et al. 2014): (1 - weight) x mix plus weight x Beta(mean n0,
// (1 - mean) n0), where n0 = n + 1 as RBesT's robustify counts it (n = 1: Beta(1, 1) at mean 1/2).
BetaMixture robustify(const BetaMixture& mix, double weight, double mean, double n);

// "0.8 x Beta(12.3, 40.1) + 0.2 x Beta(1, 1)", for messages and the stdout summary.
std::string mixture_text(const BetaMixture& mix);

}  // namespace hbm::design
