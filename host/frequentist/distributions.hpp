// Distribution functions of the frequentist methods (not part of the public API).
#pragma once

namespace hbm::freq::detail {

// Distribution functions (Boost.Math), NaN instead of exceptions for invalid arguments.
double qnorm_upper(double alpha);              // z with P(Z > z) = alpha
double qt_upper(double alpha, double df);      // t with P(T_df > t) = alpha
double qchisq_lower(double p, double df);      // chi^2_df quantile
double pnorm_two_sided(double z);              // 2 P(Z > |z|)
double pt_two_sided(double t, double df);      // 2 P(T_df > |t|)
double pchisq_upper(double x, double df);      // P(X > x)
double pf_upper(double x, double df1, double df2);

}  // namespace hbm::freq::detail
