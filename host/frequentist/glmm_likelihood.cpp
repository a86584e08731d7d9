// A study's marginal log-likelihood: its conditional mode by damped Newton, then adaptive
// Gauss-Hermite quadrature (one random effect) or the Laplace approximation (two).
#include "host/frequentist/glmm_likelihood.hpp"

#include <cmath>
#include <cstddef>

namespace hbm::freq::detail {

namespace {

// The pieces of the damped Newton iteration below for a scalar state and for a 2-vector.
double newton_step(double g1, double g2) { return -g1 / g2; }  // g2 <= -1: g is strictly concave
Eigen::Vector2d newton_step(const Eigen::Vector2d& g1, const Eigen::Matrix2d& g2) { return (-g2).ldlt().solve(g1); }
double max_abs(double x) { return std::fabs(x); }
double max_abs(const Eigen::Vector2d& x) { return x.cwiseAbs().maxCoeff(); }

// The mode of the strictly concave g (g_at(u, &g1, &g2) returns g(u) and sets its gradient and
// Hessian) by Newton's method from u, halving each step until g does not decrease (up to
// rounding): at most 200 steps, stopping at a step below 1e-13 relative to u. Returns g at the
// mode u, with g1 and g2 there.
template <class U, class G1, class G2, class GAt>
double newton_mode(const GAt& g_at, U& u, G1& g1, G2& g2) {
  double g = g_at(u, &g1, &g2);
  for (int it = 0; it < 200; ++it) {
    const U step = newton_step(g1, g2);
    double t = 1.0, gn = 0;
    G1 g1n{};
    G2 g2n{};
    for (int bt = 0; bt < 60; ++bt) {
      gn = g_at(u + t * step, &g1n, &g2n);
      if (gn >= g - 1e-12 * (1 + std::fabs(g))) break;
      t *= 0.5;
    }
    u += t * step;
    g = gn;
    g1 = g1n;
    g2 = g2n;
    if (max_abs(t * step) <= 1e-13 * (1 + max_abs(u))) break;
  }
  return g;
}

}  // namespace

double study_agq(const Obs* o, int J, double s, const GHRule& gh, double& u0) {
  auto g_at = [&](double u, double* g1, double* g2) {
    double g = -0.5 * u * u, d1 = -u, d2 = -1;
    for (int j = 0; j < J; ++j) {
      const double cs = o[j].c1 * s;
      const BinTerm t = bin_term(o[j], o[j].off + cs * u);
      g += t.ll;
      d1 += cs * t.d1;
      d2 += cs * cs * t.d2;
    }
    if (g1) *g1 = d1;
    if (g2) *g2 = d2;
    return g;
  };
  double u = std::isfinite(u0) ? u0 : 0.0;
  double g1, g2;
  const double g = newton_mode(g_at, u, g1, g2);
  u0 = u;
  const double sd = 1 / std::sqrt(-g2);
  if (gh.z.size() == 1) return g + std::log(sd);
  double acc = 0;
  for (std::size_t k = 0; k < gh.z.size(); ++k) {
    const double z = gh.z[k];
    const double gz = z == 0.0 ? g : g_at(u + sd * z, nullptr, nullptr);
    acc += gh.w[k] * std::exp(gz - g + 0.5 * z * z);
  }
  return g + std::log(sd) + std::log(acc);
}

double study_laplace2(const Obs* o, int J, double s1, double s2, Eigen::Vector2d& u0) {
  auto g_at = [&](const Eigen::Vector2d& u, Eigen::Vector2d* grad, Eigen::Matrix2d* hess) {
    double g = -0.5 * u.squaredNorm();
    Eigen::Vector2d d1 = -u;
    Eigen::Matrix2d d2 = -Eigen::Matrix2d::Identity();
    for (int j = 0; j < J; ++j) {
      const Eigen::Vector2d z(o[j].c1 * s1, o[j].c2 * s2);
      const BinTerm t = bin_term(o[j], o[j].off + z.dot(u));
      g += t.ll;
      d1 += t.d1 * z;
      d2 += t.d2 * z * z.transpose();
    }
    if (grad) *grad = d1;
    if (hess) *hess = d2;
    return g;
  };
  Eigen::Vector2d u = u0.allFinite() ? u0 : Eigen::Vector2d::Zero();
  Eigen::Vector2d g1;
  Eigen::Matrix2d g2;
  const double g = newton_mode(g_at, u, g1, g2);
  u0 = u;
  return g - 0.5 * std::log((-g2).determinant());
}

}  // namespace hbm::freq::detail
