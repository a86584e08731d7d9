#include "host/outcome_fit.hpp"

namespace hbm {

std::uint32_t outcome_stream(const std::string& name) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : name) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

OutcomeResult fit_outcome(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool) {
  return data.kind == OutcomeKind::TwoArm ? fit_two_arm(data, opt, pool) : fit_single_arm(data, opt, pool);
}

}  // namespace hbm
