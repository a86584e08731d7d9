// Normal, t, chi^2 and F quantiles and tail probabilities from Boost.Math, NaN instead of
// exceptions for invalid arguments.
#include "host/frequentist/distributions.hpp"

#include <cmath>
#include <exception>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "host/frequentist/result_helpers.hpp"

namespace hbm::freq::detail {

double qnorm_upper(double alpha) {
  if (!(alpha > 0 && alpha < 1)) return kNaN;
  try {
    return boost::math::quantile(boost::math::complement(boost::math::normal_distribution<>(), alpha));
  } catch (const std::exception&) {
    return kNaN;
  }
}

double qt_upper(double alpha, double df) {
  if (!(alpha > 0 && alpha < 1) || !(df > 0)) return kNaN;
  try {
    return boost::math::quantile(boost::math::complement(boost::math::students_t_distribution<>(df), alpha));
  } catch (const std::exception&) {
    return kNaN;
  }
}

double qchisq_lower(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return kNaN;
  try {
    return boost::math::quantile(boost::math::chi_squared_distribution<>(df), p);
  } catch (const std::exception&) {
    return kNaN;
  }
}

double pnorm_two_sided(double z) {
  if (std::isnan(z)) return kNaN;
  if (std::isinf(z)) return 0.0;
  try {
    return 2 * boost::math::cdf(boost::math::complement(boost::math::normal_distribution<>(), std::fabs(z)));
  } catch (const std::exception&) {
    return kNaN;
  }
}

double pt_two_sided(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return kNaN;
  if (std::isinf(t)) return 0.0;
  try {
    return 2 * boost::math::cdf(boost::math::complement(boost::math::students_t_distribution<>(df), std::fabs(t)));
  } catch (const std::exception&) {
    return kNaN;
  }
}

double pchisq_upper(double x, double df) {
  if (std::isnan(x) || !(df > 0)) return kNaN;
  if (x <= 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  try {
    return boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<>(df), x));
  } catch (const std::exception&) {
    return kNaN;
  }
}

double pf_upper(double x, double df1, double df2) {
  if (std::isnan(x) || !(df1 > 0) || !(df2 > 0)) return kNaN;
  if (x <= 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  try {
    return boost::math::cdf(boost::math::complement(boost::math::fisher_f_distribution<>(df1, df2), x));
  } catch (const std::exception&) {
    return kNaN;
  }
}

}  // namespace hbm::freq::detail
