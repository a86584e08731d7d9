#include "host/fit/initial_values.hpp"

#include "models/random_effect.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace hbm {

EmpiricalEffect empirical_logit(double y, double n) {
  const EffectData d = empirical_logit_data(y, n);
  return {d.y_hat, 1.0 / d.lambda};
}

EmpiricalEffect empirical_log_or(double yt, double nt, double yc, double nc) {
  const EmpiricalEffect t = empirical_logit(yt, nt), c = empirical_logit(yc, nc);
  return {t.y - c.y, t.v + c.v};
}

InitialFit initial_fit(const std::vector<EmpiricalEffect>& e, const double* x, int P, const Prior& prior_tau) {
  const int K = static_cast<int>(e.size());
  double sw = 0, swy = 0, sw2 = 0;
  for (const auto& s : e) {
    sw += 1 / s.v;
    swy += s.y / s.v;
    sw2 += 1 / (s.v * s.v);
  }
  const double mu_fe = swy / sw;
  double Q = 0;
  for (const auto& s : e) Q += (s.y - mu_fe) * (s.y - mu_fe) / s.v;
  const double tau2 = K > 1 ? std::max(0.0, (Q - (K - 1)) / (sw - sw2 / sw)) : 0.0;
  InitialFit f;
  f.tau = std::clamp(std::sqrt(tau2), 0.1, 2.0);
  if (prior_tau.kind == PriorKind::Uniform) f.tau = std::min(f.tau, 0.5 * prior_tau.b);

  // Weighted least squares with a tiny ridge, so that K <= P + 1 still gives an answer.
  Eigen::MatrixXd XtWX = Eigen::MatrixXd::Zero(P + 1, P + 1);
  Eigen::VectorXd XtWy = Eigen::VectorXd::Zero(P + 1);
  for (int i = 0; i < K; ++i) {
    Eigen::VectorXd xi(P + 1);
    xi[0] = 1;
    for (int j = 0; j < P; ++j) xi[1 + j] = x[i * P + j];
    const double w = 1 / (e[i].v + f.tau * f.tau);
    XtWX += w * xi * xi.transpose();
    XtWy += w * e[i].y * xi;
  }
  if (P > 0) XtWX.diagonal().array() += 1e-8;
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(XtWX);
  const Eigen::VectorXd b = ldlt.solve(XtWy);
  const Eigen::MatrixXd inv = ldlt.solve(Eigen::MatrixXd::Identity(P + 1, P + 1));
  f.b.assign(b.data(), b.data() + P + 1);
  for (int j = 0; j <= P; ++j) f.var.push_back(inv(j, j));
  return f;
}

}  // namespace hbm
