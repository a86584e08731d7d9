// Newton's method with Levenberg-Marquardt damping on central finite-difference derivatives.
#include "host/frequentist/maximize.hpp"

#include <algorithm>
#include <cmath>

namespace hbm::freq::detail {

void fd_derivatives(const Fn& f, const VectorXd& x, double fx, double h, VectorXd& g, MatrixXd& H) {
  const int d = static_cast<int>(x.size());
  g.resize(d);
  H.resize(d, d);
  VectorXd fp(d), fm(d);
  for (int i = 0; i < d; ++i) {
    VectorXd xp = x, xm = x;
    xp(i) += h;
    xm(i) -= h;
    fp(i) = f(xp);
    fm(i) = f(xm);
    g(i) = (fp(i) - fm(i)) / (2 * h);
    H(i, i) = (fp(i) - 2 * fx + fm(i)) / (h * h);
  }
  for (int i = 0; i < d; ++i)
    for (int j = i + 1; j < d; ++j) {
      VectorXd a = x, b = x, c = x, e = x;
      a(i) += h; a(j) += h;
      b(i) += h; b(j) -= h;
      c(i) -= h; c(j) += h;
      e(i) -= h; e(j) -= h;
      H(i, j) = H(j, i) = (f(a) - f(b) - f(c) + f(e)) / (4 * h * h);
    }
}

OptResult maximize(const Fn& f, VectorXd x) {
  OptResult r;
  double fx = f(x);
  if (!std::isfinite(fx)) return r;
  const double h = 1e-4;
  double lambda = 0;
  for (int iter = 0; iter < 300; ++iter) {
    VectorXd g;
    MatrixXd H;
    fd_derivatives(f, x, fx, h, g, H);
    if (!g.allFinite() || !H.allFinite()) break;
    const MatrixXd A = -H;
    const double scale = std::max(1.0, A.diagonal().cwiseAbs().maxCoeff());
    bool accepted = false;
    VectorXd step;
    double lam = lambda;
    for (int tries = 0; tries < 60; ++tries) {
      MatrixXd M = A;
      M.diagonal().array() += lam;
      Eigen::LLT<MatrixXd> llt(M);
      if (llt.info() != Eigen::Success) {
        lam = lam == 0 ? 1e-6 * scale : lam * 10;
        continue;
      }
      step = llt.solve(g);
      const VectorXd xn = x + step;
      const double fn = f(xn);
      if (std::isfinite(fn) && fn >= fx - 1e-10 * (1 + std::fabs(fx))) {
        const bool tiny = step.cwiseAbs().maxCoeff() < 1e-9;
        x = xn;
        const double gain = fn - fx;
        fx = fn;
        accepted = true;
        lambda = lam * 0.1 < 1e-12 * scale ? 0 : lam * 0.1;
        if (lam == 0 && (tiny || (step.cwiseAbs().maxCoeff() < 1e-7 && gain < 1e-12 * (1 + std::fabs(fx))))) {
          r.converged = true;
        }
        break;
      }
      lam = lam == 0 ? 1e-6 * scale : lam * 10;
    }
    if (!accepted) {
      // no ascent possible along any damped Newton direction: at the optimum up to FD noise
      r.converged = g.cwiseAbs().maxCoeff() < 1e-4 * (1 + std::fabs(fx));
      break;
    }
    if (r.converged) break;
  }
  r.x = x;
  r.f = fx;
  return r;
}

}  // namespace hbm::freq::detail
