#include "host/design/prior_ess.hpp"

#include <cmath>
#include <limits>

#include "host/design/mixture_quadrature.hpp"

namespace hbm::design {

double ess_moment(const BetaMixture& mix) {
  const double m = mixture_mean(mix), v = mixture_variance(mix);
  return m * (1 - m) / v - 1;
}

double mixture_information(const BetaMixture& mix, double t) {
  // With lambda_k = w_k f_k / f (the components' shares at t), g_k = (log f_k)', h_k = (log f_k)'':
  // (log f)'' = sum lambda_k (h_k + g_k^2) - (sum lambda_k g_k)^2.
  const double lf = mixture_log_pdf(mix, t);
  double g = 0, hg = 0;
  for (const auto& c : mix) {
    if (c.w <= 0) continue;
    const double lfk = (c.a - 1) * std::log(t) + (c.b - 1) * std::log1p(-t) -
                       (std::lgamma(c.a) + std::lgamma(c.b) - std::lgamma(c.a + c.b));
    const double lambda = std::exp(std::log(c.w) + lfk - lf);
    const double gk = (c.a - 1) / t - (c.b - 1) / (1 - t);
    const double hk = -(c.a - 1) / (t * t) - (c.b - 1) / ((1 - t) * (1 - t));
    g += lambda * gk;
    hg += lambda * (hk + gk * gk);
  }
  return g * g - hg;
}

double ess_morita(const BetaMixture& mix) {
  const double t = mixture_mean(mix);
  const double prior_info = mixture_information(mix, t);
  const double flat_info = -1 / (t * t) - 1 / ((1 - t) * (1 - t));  // Beta(eps t, eps (1 - t)), eps -> 0
  const double one_obs = t / (t * t) + (1 - t) / ((1 - t) * (1 - t));  // E_Y[i_F(Y; t)], P(Y = 1) = t
  return (prior_info - flat_info) / one_obs;
}

double ess_elir(const BetaMixture& mix) {
  for (const auto& c : mix)
    if (c.w > 0 && (c.a < 1 || c.b < 1)) return std::numeric_limits<double>::quiet_NaN();
  // The integrand f i t (1 - t) written with bounded factors, so that it stays finite near 0 and
  // 1 where 1/t^2 overflows: with f_k the weighted components, G_k = g_k t (1 - t) and
  // Q_k = (h_k + g_k^2) (t (1 - t))^2,
  //   f i t (1 - t) = [(sum f_k G_k)^2 / f - sum f_k Q_k] / (t (1 - t)).
  const auto integrand = [&](double t) {
    const double u = 1 - t;
    double f = 0, fg = 0, fq = 0;
    for (const auto& c : mix) {
      if (c.w <= 0) continue;
      const double fk = c.w * std::exp((c.a - 1) * std::log(t) + (c.b - 1) * std::log1p(-t) -
                                       (std::lgamma(c.a) + std::lgamma(c.b) - std::lgamma(c.a + c.b)));
      const double G = (c.a - 1) * u - (c.b - 1) * t;
      const double Q = (c.a - 1) * (c.a - 2) * u * u - 2 * (c.a - 1) * (c.b - 1) * t * u + (c.b - 1) * (c.b - 2) * t * t;
      f += fk, fg += fk * G, fq += fk * Q;
    }
    if (!(f > 0)) return 0.0;
    return (fg * fg / f - fq) / (t * u);
  };
  return integrate_pieces(integrand, mixture_cuts(mix));
}

}  // namespace hbm::design
