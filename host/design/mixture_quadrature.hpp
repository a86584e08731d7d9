// Integrals over (0, 1) of functions that are concentrated where a beta mixture's components
// are: adaptive Gauss-Kronrod on pieces cut at each component's 1e-10, 1%, 50%, 99% and
// 1 - 1e-10 quantiles (and at extra points a caller knows about, e.g. where a step of the
// integrand is), so that narrow components (posteriors of large trials) are never stepped over.
#pragma once
#include <functional>
#include <vector>

#include "host/design/beta_mixture.hpp"

namespace hbm::design {

// Sorted, unique cut points in [0, 1] (0 and 1 included): the mixture's components' quantiles
// above, plus `extra` (values outside (0, 1) ignored).
std::vector<double> mixture_cuts(const BetaMixture& mix, const std::vector<double>& extra = {});

// Integral of f over [0, 1] as the sum over the pieces between consecutive cuts, each by
// adaptive 31-point Gauss-Kronrod to a relative tolerance `tol` (tanh-sinh on the two end
// pieces, where densities with a < 1 or b < 1 are unbounded). skip_tails leaves the two end
// pieces out: for f = a component's density times a probability, they hold at most 1e-10 each
// of its mass (the first and last cuts are its 1e-10 and 1 - 1e-10 quantiles).
double integrate_pieces(const std::function<double(double)>& f, const std::vector<double>& cuts, double tol = 1e-10,
                        bool skip_tails = false);

}  // namespace hbm::design
