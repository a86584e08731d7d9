// Small helpers every frequentist file uses (not part of the public API): the NaN of values that
// do not exist, notes joined with "; ", and the all-NaN result of a method that cannot be fitted.
#pragma once
#include <string>

#include "host/frequentist/frequentist.hpp"

namespace hbm::freq::detail {

inline constexpr double kNaN = kNoValue;

inline void append_note(std::string& note, const std::string& what) {
  if (what.empty()) return;
  if (!note.empty()) note += "; ";
  note += what;
}

// A result with every value NaN and converged = false: method `name` on k studies, `note` says why.
inline MethodResult nan_result(const std::string& name, int k, const std::string& note) {
  MethodResult m;
  m.name = name;
  m.estimate = m.se = m.zval = m.pval = m.ci_lb = m.ci_ub = kNaN;
  m.tau2 = m.tau = m.se_tau2 = m.tau2_ci_lb = m.tau2_ci_ub = kNaN;
  m.I2 = m.H2 = m.Q = m.Q_p = m.pi_lb = m.pi_ub = m.sigma2 = m.loglik = kNaN;
  m.k = k;
  m.converged = false;
  m.note = note;
  return m;
}

}  // namespace hbm::freq::detail
