#include "host/design/beta_mixture.hpp"

#include "host/design/beta_functions.hpp"
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace hbm::design {

double log_beta_of(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

namespace {

double log_beta(double a, double b) { return log_beta_of(a, b); }

// log Beta(p; a, b), with the limits at the edges (+inf for a < 1 at 0, -inf for a > 1 at 0).
double beta_log_pdf(double a, double b, double p) {
  if (p <= 0 || p >= 1) {
    const double e = p <= 0 ? a : b;
    if (p < 0 || p > 1) return -std::numeric_limits<double>::infinity();
    if (e == 1) return -log_beta(a, b);
    return e < 1 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  }
  return (a - 1) * std::log(p) + (b - 1) * std::log1p(-p) - log_beta(a, b);
}

}  // namespace

BetaDensity::BetaDensity(double a_, double b_) : a(a_), b(b_), log_beta(hbm::design::log_beta_of(a_, b_)) {}

double BetaDensity::operator()(double p) const {
  if (!(p > 0 && p < 1)) return 0;
  return std::exp((a - 1) * std::log(p) + (b - 1) * std::log1p(-p) - log_beta);
}

BetaMixture normalised(BetaMixture mix) {
  if (mix.empty()) throw std::invalid_argument("beta mixture: no components");
  double total = 0;
  for (const auto& c : mix) {
    if (!(std::isfinite(c.w) && c.w >= 0 && std::isfinite(c.a) && c.a > 0 && std::isfinite(c.b) && c.b > 0))
      throw std::invalid_argument("beta mixture: a component needs w >= 0, a > 0, b > 0 (finite)");
    total += c.w;
  }
  if (!(total > 0)) throw std::invalid_argument("beta mixture: the weights sum to 0");
  for (auto& c : mix) c.w /= total;
  return mix;
}

double mixture_log_pdf(const BetaMixture& mix, double p) {
  // log-sum-exp over the components, so that narrow components far from p do not underflow.
  double m = -std::numeric_limits<double>::infinity();
  std::vector<double> l(mix.size());
  for (std::size_t k = 0; k < mix.size(); ++k) {
    l[k] = mix[k].w > 0 ? std::log(mix[k].w) + beta_log_pdf(mix[k].a, mix[k].b, p)
                        : -std::numeric_limits<double>::infinity();
    m = std::max(m, l[k]);
  }
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (double v : l) s += std::exp(v - m);
  return m + std::log(s);
}

double mixture_pdf(const BetaMixture& mix, double p) { return std::exp(mixture_log_pdf(mix, p)); }

double mixture_cdf(const BetaMixture& mix, double p) {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  double s = 0;
  for (const auto& c : mix) s += c.w * design::ibeta(c.a, c.b, p);
  return s;
}

double mixture_survival(const BetaMixture& mix, double p) {
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  double s = 0;
  for (const auto& c : mix) s += c.w * design::ibetac(c.a, c.b, p);
  return s;
}

double mixture_quantile(const BetaMixture& mix, double prob) {
  if (!(prob >= 0 && prob <= 1)) throw std::invalid_argument("mixture_quantile: probability outside [0, 1]");
  if (mix.size() == 1) return design::ibeta_inv(mix[0].a, mix[0].b, prob);
  // Bracket by the components' own quantiles: the mixture's lies between their smallest and largest.
  double lo = 1, hi = 0;
  for (const auto& c : mix) {
    if (c.w <= 0) continue;
    const double q = design::ibeta_inv(c.a, c.b, prob);
    lo = std::min(lo, q);
    hi = std::max(hi, q);
  }
  for (int it = 0; it < 200 && hi - lo > 1e-15; ++it) {
    const double mid = 0.5 * (lo + hi);
    (mixture_cdf(mix, mid) < prob ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double mixture_mean(const BetaMixture& mix) {
  double m = 0;
  for (const auto& c : mix) m += c.w * c.a / (c.a + c.b);
  return m;
}

double mixture_variance(const BetaMixture& mix) {
  // E[p^2] per component: a (a + 1) / ((a + b)(a + b + 1)).
  double m2 = 0;
  for (const auto& c : mix) m2 += c.w * c.a * (c.a + 1) / ((c.a + c.b) * (c.a + c.b + 1));
  const double m = mixture_mean(mix);
  return m2 - m * m;
}

double log_beta_binomial_kernel(double a, double b, double y, double n) {
  return log_beta(a + y, b + n - y) - log_beta(a, b);
}

BetaMixture posterior(const BetaMixture& prior, double y, double n) {
  BetaMixture post(prior.size());
  double m = -std::numeric_limits<double>::infinity();
  std::vector<double> lw(prior.size());
  for (std::size_t k = 0; k < prior.size(); ++k) {
    const auto& c = prior[k];
    lw[k] = c.w > 0 ? std::log(c.w) + log_beta_binomial_kernel(c.a, c.b, y, n) : -std::numeric_limits<double>::infinity();
    m = std::max(m, lw[k]);
  }
  double s = 0;
  for (std::size_t k = 0; k < prior.size(); ++k) {
    post[k] = {std::exp(lw[k] - m), prior[k].a + y, prior[k].b + n - y};
    s += post[k].w;
  }
  for (auto& c : post) c.w /= s;
  return post;
}

double predictive_pmf(const BetaMixture& mix, long long y, long long n) {
  if (y < 0 || y > n) return 0;
  const double lchoose = std::lgamma(n + 1.0) - std::lgamma(y + 1.0) - std::lgamma(n - y + 1.0);
  double s = 0;
  for (const auto& c : mix)
    if (c.w > 0) s += c.w * std::exp(lchoose + log_beta_binomial_kernel(c.a, c.b, static_cast<double>(y), static_cast<double>(n)));
  return s;
}

BetaMixture robustify(const BetaMixture& mix, double weight, double mean, double n) {
  if (!(weight >= 0 && weight < 1)) throw std::invalid_argument("robustify: weight outside [0, 1)");
  if (!(mean > 0 && mean < 1)) throw std::invalid_argument("robustify: mean outside (0, 1)");
  if (!(n >= 0 && std::isfinite(n))) throw std::invalid_argument("robustify: n must be >= 0");
  BetaMixture out;
  for (const auto& c : mix) out.push_back({c.w * (1 - weight), c.a, c.b});
  if (weight > 0) out.push_back({weight, mean * (n + 1), (1 - mean) * (n + 1)});
  return normalised(out);
}

std::string mixture_text(const BetaMixture& mix) {
  std::ostringstream s;
  s.precision(4);
  for (std::size_t k = 0; k < mix.size(); ++k)
    s << (k ? " + " : "") << mix[k].w << " x Beta(" << mix[k].a << ", " << mix[k].b << ")";
  return s.str();
}

}  // namespace hbm::design
