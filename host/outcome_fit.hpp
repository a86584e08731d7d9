// Fits one outcome with the model its columns ask for (single-arm or two-arm, with or without
// meta-regression): sampling, predictive quantities for a new clinic, summaries, diagnostics,
// warnings and the classical estimators beside them.
#pragma once
#include <cstdint>
#include <string>

#include "host/csv_reader.hpp"
#include "host/fit_options.hpp"
#include "host/outcome_result.hpp"
#include "host/thread_pool.hpp"

namespace hbm {

// Stable 32-bit FNV-1a hash of the outcome name: the outcome's RNG stream, so results do not
// depend on the outcome's position in the file.
std::uint32_t outcome_stream(const std::string& name);

OutcomeResult fit_outcome(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool);

// The two models (host/single_arm_fit.cpp, host/two_arm_fit.cpp).
OutcomeResult fit_single_arm(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool);
OutcomeResult fit_two_arm(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool);

}  // namespace hbm
