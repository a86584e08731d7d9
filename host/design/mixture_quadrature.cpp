#include "host/design/mixture_quadrature.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include "host/design/beta_functions.hpp"
#include <algorithm>

namespace hbm::design {

std::vector<double> mixture_cuts(const BetaMixture& mix, const std::vector<double>& extra) {
  std::vector<double> cuts = {0.0, 1.0};
  for (const auto& c : mix)
    for (double q : {1e-10, 0.01, 0.5, 0.99, 1 - 1e-10}) cuts.push_back(design::ibeta_inv(c.a, c.b, q));
  for (double x : extra)
    if (x > 0 && x < 1) cuts.push_back(x);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end(), [](double x, double y) { return y - x <= 1e-15; }), cuts.end());
  return cuts;
}

double integrate_pieces(const std::function<double(double)>& f, const std::vector<double>& cuts, double tol,
                        bool skip_tails) {
  double total = 0;
  for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
    const double lo = cuts[k], hi = cuts[k + 1];
    if (!(hi > lo)) continue;
    if (lo == 0 || hi == 1) {
      if (skip_tails) continue;
      // tanh-sinh crowds its nodes at the ends, where they may round onto 0 or 1: keep them
      // strictly inside, where an integrable pole is still finite.
      thread_local boost::math::quadrature::tanh_sinh<double> ts(12);  // integrate() is not const in Boost 1.74
      const auto inside = [&](double x) { return f(std::clamp(x, 1e-300, 1 - 1.2e-16)); };
      total += ts.integrate(inside, lo, hi, tol);
    } else {
      total += boost::math::quadrature::gauss_kronrod<double, 31>::integrate(f, lo, hi, 12, tol);
    }
  }
  return total;
}

}  // namespace hbm::design
