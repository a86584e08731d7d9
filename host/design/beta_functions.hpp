// Boost's regularised incomplete beta and its inverse evaluated in double precision. Boost's
// default policy promotes double arguments to long double, which made these calls three
// quarters of hbmeta design's run time; double keeps ~1e-15 relative accuracy, far below every
// tolerance of the design computations (1e-9).
#pragma once
#include <boost/math/special_functions/beta.hpp>

namespace hbm::design {

using DoublePolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

inline double ibeta(double a, double b, double x) { return boost::math::ibeta(a, b, x, DoublePolicy()); }
inline double ibetac(double a, double b, double x) { return boost::math::ibetac(a, b, x, DoublePolicy()); }
inline double ibeta_inv(double a, double b, double p) { return boost::math::ibeta_inv(a, b, p, DoublePolicy()); }

}  // namespace hbm::design
