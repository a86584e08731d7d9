// Fits one single-arm outcome: sampling, predictive quantities for a new clinic, summaries,
// diagnostics and warnings.
#pragma once
#include <cstdint>

#include "host/csv_reader.hpp"
#include "host/outcome_result.hpp"
#include "host/single_arm_sampler.hpp"

namespace hbm {

// Which classical estimators to report beside the posterior.
enum class FrequentistLevel { None, Basic, All };

struct FitOptions {
  Prior prior_mu{PriorKind::Normal, 0.0, 10.0};
  Prior prior_tau{PriorKind::HalfNormal, 0.0, 1.0};
  SamplerConfig sampler;
  long long new_clinic_size = 0;  // > 0: also predict events among this many at a new clinic
  FrequentistLevel frequentist = FrequentistLevel::Basic;
  // Per-study theta columns in DIR/draws/NAME.csv: chains x draws x K values, so by default
  // only up to kStudyDrawsAutoLimit studies (2,000 studies would be ~600 MB of text).
  enum class StudyDraws { Auto, Yes, No } study_draws = StudyDraws::Auto;
};

// Stable 32-bit FNV-1a hash of the outcome name: the outcome's RNG stream.
std::uint32_t outcome_stream(const std::string& name);

inline constexpr int kStudyDrawsAutoLimit = 100;

OutcomeResult fit_single_arm(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool);

}  // namespace hbm
