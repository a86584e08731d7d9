// Many (dataset, outcome) units fitted together by the batched engine and kept as summaries: the
// machinery of `hbmeta batch` (host/cli/batch_command.cpp) and `hbmeta simulate`.
//
// Each (dataset, outcome) is fitted as an outcome named "DATASET/OUTCOME": its RNG stream is
// outcome_stream("DATASET/OUTCOME") (a stable FNV-1a hash), so its result depends only on its
// data, the seed and that name, never on which other datasets are in the file or share a launch.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "host/fit/fit_options.hpp"
#include "host/fit/outcome_data.hpp"
#include "host/fit/outcome_result.hpp"
#include "host/frequentist/frequentist.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm {

// The name a (dataset, outcome) is fitted under (and whose hash is its RNG stream).
std::string batch_unit_name(const std::string& dataset, const std::string& outcome);

// What is kept of one fitted (dataset, outcome): the summaries of summary.json's parameters and
// the classical estimators (draws are dropped as soon as they are summarised).
struct DatasetFit {
  std::string dataset, outcome;
  OutcomeKind kind = OutcomeKind::SingleArm;
  int k = 0;
  std::vector<NamedSummary> posterior;          // mu, tau, [beta..], theta_new, p_pooled/or_pooled, ...
  std::vector<freq::MethodResult> frequentist;  // as opt.frequentist asks, then `extra`'s
  long long divergences = 0;
  const ParamSummary* find(const std::string& name) const {
    for (const auto& p : posterior)
      if (p.name == name) return &p.s;
    return nullptr;
  }
};

// Further classical estimators to compute for a unit (simulate's method list).
using ExtraFrequentist = std::function<std::vector<freq::MethodResult>(const OutcomeData&)>;

// Called with each unit's whole result (draws included) before it is reduced to a DatasetFit,
// for callers that need more than the summaries (the draws of a subgroup's mu, a new study's
// rate). Called from the pool's threads, one call per unit; `unit` indexes `units`.
using UnitResultHook = std::function<void(std::size_t unit, const OutcomeResult& result)>;

// Fits every unit (OutcomeData with `dataset` and `name` = outcome) with the batched engine on
// opt.device (opt.batched is forced on), in launches of at most `per_launch` units (0: as many
// as fit in about 2 GiB of stored draws; the results do not depend on it), then summarises the
// units in parallel over `pool` (one unit per task). Results in the order of `units`.
std::vector<DatasetFit> fit_datasets(const std::vector<OutcomeData>& units, const FitOptions& opt, ThreadPool& pool,
                                     std::size_t per_launch = 0, const ExtraFrequentist& extra = {},
                                     const UnitResultHook& on_result = {});

}  // namespace hbm
