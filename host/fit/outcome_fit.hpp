// Fits one outcome with the model its columns ask for (single-arm or two-arm, with or without
// meta-regression): sampling, predictive quantities for a new clinic, summaries, diagnostics,
// warnings and the classical estimators beside them.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "host/fit/outcome_data.hpp"
#include "host/fit/fit_options.hpp"
#include "host/engine/memory_plan.hpp"
#include "host/fit/outcome_result.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm {

// Stable 32-bit FNV-1a hash of the outcome name: the outcome's RNG stream, so results do not
// depend on the outcome's position in the file.
std::uint32_t outcome_stream(const std::string& name);

OutcomeResult fit_outcome(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool);

// The options an outcome is fitted with: opt, with the outcome's own mu and tau priors where it
// has them (a prior sensitivity variant, OutcomeData::prior_mu / prior_tau).
FitOptions options_for(const OutcomeData& data, const FitOptions& opt);

// Samples every outcome with the batched engine, all outcomes of one model (single-arm;
// two-arm) in the same launches, on opt.device: the runs for opt.precomputed. The study draws
// kept follow one memory plan for all of them (host/engine/memory_plan.hpp), written to *plan if given.
std::map<std::string, HmcRun> prefit_batched(const std::vector<OutcomeData>& outcomes, const FitOptions& opt,
                                             ThreadPool& pool, MemoryPlan* plan = nullptr);

// The two models (host/fit/single_arm_fit.cpp, host/fit/two_arm_fit.cpp).
OutcomeResult fit_single_arm(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool);
OutcomeResult fit_two_arm(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool);

// The problems the fits sample (with the data and priors of the options).
class SingleArmProblem;
class TwoArmProblem;
SingleArmProblem single_arm_problem(const OutcomeData& data, const FitOptions& opt);
TwoArmProblem two_arm_problem(const OutcomeData& data, const FitOptions& opt);

}  // namespace hbm
