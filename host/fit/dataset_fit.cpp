#include "host/fit/dataset_fit.hpp"

#include <algorithm>
#include <cmath>

#include "host/fit/outcome_fit.hpp"
#include "host/engine/sampler_run.hpp"
#include "host/support/interrupt.hpp"

namespace hbm {

std::string batch_unit_name(const std::string& dataset, const std::string& outcome) {
  return dataset.empty() ? outcome : dataset + "/" + outcome;
}

namespace {

// Stored bytes of one unit's run (hyperparameter draws and per-draw sampler statistics, with
// the study store capped as fit_datasets caps it), for splitting launches.
double unit_run_bytes(const OutcomeData& u, const FitOptions& opt) {
  const double CS = static_cast<double>(opt.sampler.chains) * opt.sampler.draws;
  const double hyper = 2 + u.P() + (u.kind == OutcomeKind::TwoArm && opt.baseline == BaselineModel::Random ? 2 : 0);
  const double study = 8.0 * opt.sampler.chains * static_cast<double>(u.studies.size());
  return CS * (8.0 * (hyper + 2) + 25.0) + 8.0 * study;
}

DatasetFit keep(const OutcomeResult& r, const OutcomeData& u) {
  DatasetFit f;
  f.dataset = u.dataset;
  f.outcome = u.name;
  f.kind = r.kind;
  f.k = r.k;
  f.posterior = r.parameters;
  f.frequentist = r.frequentist;
  f.divergences = r.diagnostics.divergences;
  return f;
}

}  // namespace

std::vector<DatasetFit> fit_datasets(const std::vector<OutcomeData>& units, const FitOptions& opt, ThreadPool& pool,
                                     std::size_t per_launch, const ExtraFrequentist& extra,
                                     const UnitResultHook& on_result) {
  FitOptions fo = opt;
  // Only the hyperparameters are reported: keep 8 draws per chain of each study effect (enough
  // for fit_outcome's study summaries, which the batch outputs leave out), so memory stays
  // bounded for thousands of datasets.
  fo.study_draw_cap = 8.0 * fo.sampler.chains;
  fo.study_draws = FitOptions::StudyDraws::No;
  fo.predictive_checks = false;  // per-study outputs are not reported for batch units
  fo.precomputed = nullptr;
  std::vector<OutcomeData> named = units;
  for (auto& u : named) u.name = batch_unit_name(u.dataset, u.name);

  std::vector<DatasetFit> out(units.size());
  constexpr double kLaunchBytes = 2.0 * 1024 * 1024 * 1024;
  std::size_t lo = 0;
  while (lo < named.size()) {
    std::size_t hi = lo;
    double bytes = 0;
    while (hi < named.size() && (per_launch == 0 ? (hi == lo || bytes + unit_run_bytes(named[hi], fo) <= kLaunchBytes)
                                                 : hi - lo < per_launch)) {
      bytes += unit_run_bytes(named[hi], fo);
      ++hi;
    }
    const std::vector<OutcomeData> part(named.begin() + lo, named.begin() + hi);
    throw_if_interrupted();
    // Every chain of every unit of this launch group in the same engine launches (single-arm
    // and two-arm units in one launch each), on the CPU threads or the GPU.
    std::map<std::string, HmcRun> runs = prefit_batched(part, fo, pool);
    FitOptions with_runs = fo;
    with_runs.precomputed = &runs;
    pool.parallel_for(static_cast<int>(part.size()), [&](int i) {
      ThreadPool one(1);  // summaries of one unit on the task's own thread
      const OutcomeResult r = fit_outcome(part[i], with_runs, one);
      if (on_result) on_result(lo + i, r);
      DatasetFit f = keep(r, units[lo + i]);
      if (extra) {
        OutcomeData plain = units[lo + i];
        for (auto& m : extra(plain)) f.frequentist.push_back(std::move(m));
      }
      out[lo + i] = std::move(f);
    });
    lo = hi;
  }
  return out;
}

}  // namespace hbm
