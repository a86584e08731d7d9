// A frequentist result's field by its summary.json / metafor-fixture name, for tests that walk
// a list of field names (tests/frequentist_test.cpp, tests/frequentist_cli_test.cpp).
#pragma once
#include <stdexcept>
#include <string>

#include "host/frequentist/frequentist.hpp"

namespace hbm::test {

inline double method_field(const freq::MethodResult& m, const std::string& f) {
  if (f == "estimate") return m.estimate;
  if (f == "se") return m.se;
  if (f == "ci_lb") return m.ci_lb;
  if (f == "ci_ub") return m.ci_ub;
  if (f == "tau2") return m.tau2;
  if (f == "tau") return m.tau;
  if (f == "tau2_ci_lb") return m.tau2_ci_lb;
  if (f == "tau2_ci_ub") return m.tau2_ci_ub;
  if (f == "se_tau2") return m.se_tau2;
  if (f == "I2") return m.I2;
  if (f == "H2") return m.H2;
  if (f == "Q") return m.Q;
  if (f == "Q_p") return m.Q_p;
  if (f == "pi_lb") return m.pi_lb;
  if (f == "pi_ub") return m.pi_ub;
  if (f == "k") return m.k;
  if (f == "Q_lrt") return m.Q_lrt;
  if (f == "Q_lrt_p") return m.Q_lrt_p;
  if (f == "tau2_lrt") return m.tau2_lrt;
  if (f == "tau2_lrt_p") return m.tau2_lrt_p;
  throw std::runtime_error("unknown frequentist field " + f);
}

}  // namespace hbm::test
