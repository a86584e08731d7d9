#include "host/fit/outcome_fit.hpp"

#include <memory>

#include "host/engine/batched_run.hpp"
#include "host/fit/fit_common.hpp"
#include "host/fit/single_arm_problem.hpp"
#include "host/fit/two_arm_problem.hpp"

namespace hbm {

std::uint32_t outcome_stream(const std::string& name) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : name) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

FitOptions options_for(const OutcomeData& data, const FitOptions& opt) {
  FitOptions o = opt;
  if (data.prior_mu) o.prior_mu = *data.prior_mu;
  if (data.prior_tau) o.prior_tau = *data.prior_tau;
  return o;
}

OutcomeResult fit_outcome(const OutcomeData& data, const FitOptions& opt, ThreadPool& pool) {
  const FitOptions o = options_for(data, opt);
  return data.kind == OutcomeKind::TwoArm ? fit_two_arm(data, o, pool) : fit_single_arm(data, o, pool);
}

std::map<std::string, HmcRun> prefit_batched(const std::vector<OutcomeData>& outcomes, const FitOptions& opt,
                                             ThreadPool& pool, MemoryPlan* plan) {
  std::vector<std::unique_ptr<SingleArmProblem>> single;
  std::vector<std::unique_ptr<TwoArmProblem>> two;
  std::vector<std::string> single_names, two_names;
  std::vector<std::uint32_t> single_streams, two_streams;
  for (const auto& o : outcomes) {
    check_sampler_supports(o, opt.sampler);
    if (o.kind == OutcomeKind::TwoArm) {
      two.push_back(std::make_unique<TwoArmProblem>(two_arm_problem(o, options_for(o, opt))));
      two_names.push_back(o.name);
      two_streams.push_back(outcome_stream(o.name));
    } else {
      single.push_back(std::make_unique<SingleArmProblem>(single_arm_problem(o, options_for(o, opt))));
      single_names.push_back(o.name);
      single_streams.push_back(outcome_stream(o.name));
    }
  }
  // One memory plan for both models' runs: they are in memory together until every fit is done.
  RunSize size;
  for (const auto& p : single) add_to_run_size(size, *p);
  for (const auto& p : two) add_to_run_size(size, *p);
  const MemoryPlan mp = plan_fit_memory(opt, pool.size(), size);
  if (plan) *plan = mp;
  std::map<std::string, HmcRun> runs;
  auto run_all = [&](auto& problems, const std::vector<std::string>& names, const std::vector<std::uint32_t>& streams) {
    if (problems.empty()) return;
    std::vector<typename std::decay_t<decltype(problems)>::value_type::element_type*> ptrs;
    for (auto& p : problems) ptrs.push_back(p.get());
    std::vector<HmcRun> r = run_batched(ptrs, streams, opt.sampler, opt.device, pool, mp.study_thin);
    for (std::size_t k = 0; k < r.size(); ++k) {
      r[k].study_thinned_for_budget = mp.thinned_for_budget;
      runs[names[k]] = std::move(r[k]);
    }
  };
  run_all(single, single_names, single_streams);
  run_all(two, two_names, two_streams);
  return runs;
}

}  // namespace hbm
