// The exact (Clopper-Pearson) interval of a binomial rate, from Boost.Math's beta quantiles.
#include <boost/math/distributions/beta.hpp>

#include "host/frequentist/frequentist.hpp"

namespace hbm::freq {

RateInterval clopper_pearson(long long events, long long total, double level) {
  const double alpha = 1.0 - level;
  const double x = static_cast<double>(events), n = static_cast<double>(total);
  RateInterval r;
  r.lo = events <= 0 ? 0.0 : boost::math::quantile(boost::math::beta_distribution<double>(x, n - x + 1), alpha / 2);
  r.hi = events >= total ? 1.0
                         : boost::math::quantile(boost::math::beta_distribution<double>(x + 1, n - x), 1 - alpha / 2);
  return r;
}

}  // namespace hbm::freq
