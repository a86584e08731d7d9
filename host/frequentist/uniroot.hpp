// R's uniroot() for the iterative estimators and intervals that metafor solves with it (not part
// of the public API).
#pragma once
#include <cmath>
#include <limits>

namespace hbm::freq::detail {

// R's uniroot() (stats/src/zeroin.c R_zeroin2, Brent 1973) step for step, so iterative
// estimators that metafor solves with uniroot() stop where metafor stops.
// f(a) = fa and f(b) = fb must bracket a root. On return *maxit is the number of iterations
// used (-1 when maxit was exhausted).
template <class F>
double r_zeroin2(F&& f, double ax, double bx, double fa, double fb, double tol, int* maxit) {
  const double eps = std::numeric_limits<double>::epsilon();
  double a = ax, b = bx, c = a, fc = fa;
  int left = *maxit + 1;
  if (fa == 0.0) { *maxit = 0; return a; }
  if (fb == 0.0) { *maxit = 0; return b; }
  while (left--) {
    double prev_step = b - a;
    if (std::fabs(fc) < std::fabs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    double tol_act = 2 * eps * std::fabs(b) + tol / 2;
    double new_step = (c - b) / 2;
    if (std::fabs(new_step) <= tol_act || fb == 0.0) {
      *maxit -= left;
      return b;
    }
    if (std::fabs(prev_step) >= tol_act && std::fabs(fa) > std::fabs(fb)) {
      double t1, cb, t2, p, q;
      cb = c - b;
      if (a == c) {
        t1 = fb / fa;
        p = cb * t1;
        q = 1.0 - t1;
      } else {
        q = fa / fc; t1 = fb / fc; t2 = fb / fa;
        p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0));
        q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0);
      }
      if (p > 0) q = -q; else p = -p;
      if (p < (0.75 * cb * q - std::fabs(tol_act * q) / 2) && p < std::fabs(prev_step * q / 2))
        new_step = p / q;
    }
    if (std::fabs(new_step) < tol_act) new_step = new_step > 0 ? tol_act : -tol_act;
    a = b; fa = fb;
    b += new_step; fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) { c = a; fc = fa; }
  }
  *maxit = -1;
  return b;
}

}  // namespace hbm::freq::detail
