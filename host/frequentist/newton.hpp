// One-dimensional maximisation by damped Newton steps on finite-difference derivatives: how the
// two-arm GLMMs profile out one coordinate per study (a study intercept of UM.FS, a table's log
// odds ratio in UM.RS's saturated model). Not part of the public API.
#pragma once
#include <algorithm>
#include <cmath>

namespace hbm::freq::detail {

// Maximises f starting from x and leaves the maximiser in x; returns f there. Derivatives by
// central differences (step 1e-4); where f is not concave the step is a unit step uphill. Steps
// are clamped to [-5, 5] and halved until f does not fall. f may keep state between calls (warm
// starts): it is called in the same order every time, so results are reproducible.
template <class F>
double maximize_1d(F&& f, double& x) {
  const double h = 1e-4;
  double fx = f(x);
  for (int it = 0; it < 100; ++it) {
    const double fp = f(x + h), fm = f(x - h);
    const double d1 = (fp - fm) / (2 * h), d2 = (fp - 2 * fx + fm) / (h * h);
    double step = d2 < 0 ? -d1 / d2 : (d1 > 0 ? 1.0 : -1.0);
    step = std::clamp(step, -5.0, 5.0);
    double t = 1.0, fn = fx;
    for (int bt = 0; bt < 60; ++bt) {
      fn = f(x + t * step);
      if (fn >= fx - 1e-13 * (1 + std::fabs(fx))) break;
      t *= 0.5;
    }
    x += t * step;
    fx = fn;
    if (std::fabs(t * step) < 1e-10) break;
  }
  return fx;
}

}  // namespace hbm::freq::detail
