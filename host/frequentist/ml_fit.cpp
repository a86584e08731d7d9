// Maximum likelihood with random-effect sds on the boundary: optimise, fix at 0 the sds whose
// boundary is as good, and invert the observed information of the free parameters.
#include "host/frequentist/ml_fit.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

namespace hbm::freq::detail {

MlFit fit_ml(const Fn& f, const VectorXd& x0, const std::vector<int>& sd_idx, std::vector<bool> fixed0) {
  MlFit out;
  const int d = static_cast<int>(x0.size());
  // Optimises over the coordinates not fixed at 0, starting from `start`.
  auto run = [&](const std::vector<bool>& fx, const VectorXd& start) {
    std::vector<int> free;
    for (int i = 0; i < d; ++i)
      if (!fx[i]) free.push_back(i);
    auto expand = [&](const VectorXd& z) {
      VectorXd full = start;
      for (int i = 0; i < d; ++i)
        if (fx[i]) full(i) = 0.0;
      for (std::size_t j = 0; j < free.size(); ++j) full(free[j]) = z(j);
      return full;
    };
    Fn fr = [&](const VectorXd& z) { return f(expand(z)); };
    VectorXd z0(free.size());
    for (std::size_t j = 0; j < free.size(); ++j) z0(j) = start(free[j]);
    OptResult res = free.empty() ? OptResult{z0, fr(z0), true} : maximize(fr, z0);
    res.x = expand(res.x);
    for (int i : sd_idx) res.x(i) = std::fabs(res.x(i));
    return res;
  };
  OptResult res = run(fixed0, x0);
  if (!res.x.allFinite() || !std::isfinite(res.f)) return out;
  // boundary: an sd near 0 whose removal does not lower the likelihood is fixed at 0
  for (int i : sd_idx) {
    if (fixed0[i] || res.x(i) > 1e-3) continue;
    std::vector<bool> fx = fixed0;
    fx[i] = true;
    OptResult r0 = run(fx, res.x);
    if (std::isfinite(r0.f) && r0.f >= res.f - 1e-9 * (1 + std::fabs(res.f))) {
      fixed0 = fx;
      res = r0;
    }
  }
  std::vector<int> free;
  for (int i = 0; i < d; ++i)
    if (!fixed0[i]) free.push_back(i);
  out.fixed0 = fixed0;
  out.x = res.x;
  out.converged = res.converged;
  out.loglik = f(res.x);
  const int m = static_cast<int>(free.size());
  out.cov = MatrixXd::Constant(d, d, kNaN);
  if (m == 0) return out;
  Fn fr = [&](const VectorXd& z) {
    VectorXd full = out.x;
    for (int j = 0; j < m; ++j) full(free[j]) = z(j);
    return f(full);
  };
  VectorXd z(m);
  for (int j = 0; j < m; ++j) z(j) = out.x(free[j]);
  VectorXd g;
  MatrixXd H;
  fd_derivatives(fr, z, out.loglik, 1e-4, g, H);
  Eigen::LDLT<MatrixXd> ldlt(-H);
  if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().array() > 0).all()) return out;
  const MatrixXd C = ldlt.solve(MatrixXd::Identity(m, m));
  for (int a = 0; a < m; ++a)
    for (int b = 0; b < m; ++b) out.cov(free[a], free[b]) = C(a, b);
  out.info_ok = true;
  return out;
}

}  // namespace hbm::freq::detail
