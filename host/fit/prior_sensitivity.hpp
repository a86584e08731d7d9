// Power-scaling prior sensitivity (Kallioinen, Paananen, Bürkner & Vehtari 2023, "Detecting and
// diagnosing prior and likelihood sensitivity with power-scaling", the R package priorsense):
// how far a posterior quantile moves when one prior is raised to a power alpha near 1, that is
// when its weight against the likelihood changes, estimated from the posterior draws with
// importance weights p(theta)^(alpha - 1) (no refit).
//
// Reported as the derivative of the quantile with respect to log alpha, in units of the
// quantity's posterior sd, by a central difference at alpha = exp(+-0.1). For a normal prior and
// a normal likelihood it is f ((m0 - mean) / sd - z / 2), f the prior's share of the posterior
// precision and z the quantile's normal score: about 0 when the data decide the bound, and near
// 1 when the prior does (f = 1). hbmeta calls a bound prior-driven above 0.5: for a prior centred
// on the posterior, about half of the bound's information from the prior. (0.1, near priorsense's
// default, flags the upper bound of the prediction interval in most analyses of 10-20 studies
// under half-normal(1); on pritz1997, 14 studies, tau's upper bound scores 0.74 and moves from
// 1.21 to 1.59 to 1.84 under half-normal(0.5), (1) and (2): prior-driven by this rule.)
#pragma once
#include <vector>

namespace hbm {

// Derivatives of the 2.5% and 97.5% quantiles of `quantity` with respect to log alpha, in sd units.
struct TailSensitivity {
  double lower = 0, upper = 0;
};

// `log_prior[i]`: the log density of the power-scaled prior at draw i (its own parameter's draw).
TailSensitivity power_scaling_sensitivity(const std::vector<double>& quantity, const std::vector<double>& log_prior);

// Bounds with a sensitivity above this are prior-driven.
inline constexpr double kPriorDrivenSensitivity = 0.5;

}  // namespace hbm
