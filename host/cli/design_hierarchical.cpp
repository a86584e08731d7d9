#include "host/cli/design_hierarchical.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "host/fit/outcome_fit.hpp"
#include "host/support/interrupt.hpp"

namespace hbm {

std::vector<std::vector<double>> hierarchical_control_draws(const OutcomeData& history, int n_c,
                                                            const std::vector<int>& y_values, const FitOptions& opt,
                                                            ThreadPool& pool, std::size_t per_launch) {
  FitOptions fo = opt;
  fo.frequentist = FrequentistLevel::None;
  fo.study_draws = FitOptions::StudyDraws::No;
  fo.precomputed = nullptr;
  const int K = static_cast<int>(history.studies.size());
  if (per_launch == 0) {
    const double bytes = 8.0 * fo.sampler.chains * fo.sampler.draws * (K + 6);
    per_launch = static_cast<std::size_t>(std::max(1.0, std::floor(1024.0 * 1024 * 1024 / bytes)));
  }
  const std::size_t n = y_values.size();
  std::vector<std::vector<double>> out(n);
  for (std::size_t lo = 0; lo < n; lo += per_launch) {
    const std::size_t hi = std::min(n, lo + per_launch);
    std::vector<OutcomeData> units;
    for (std::size_t i = lo; i < hi; ++i) {
      const int y = y_values[i];
      OutcomeData u = history;
      // Its own name, hence its own RNG stream (outcome_stream): the draws for y_c depend only on
      // the data, the seed and y_c, never on the launch they share, so the y_c may be split
      // across shards and MPI ranks in any way.
      u.name = history.name + "/design_control_events=" + std::to_string(y);
      StudyCounts trial;
      trial.name = "planned trial (control arm)";
      trial.events = y;
      trial.total = n_c;
      u.studies.push_back(trial);
      units.push_back(std::move(u));
    }
    throw_if_interrupted();
    const std::map<std::string, HmcRun> runs = prefit_batched(units, fo, pool);
    for (std::size_t i = lo; i < hi; ++i) {
      const HmcRun& run = runs.at(units[i - lo].name);
      int S = 0;
      std::vector<double> theta = run.study_column(K, &S);
      for (double& t : theta) t = 1 / (1 + std::exp(-t));
      out[i] = std::move(theta);
    }
  }
  return out;
}

std::vector<std::vector<double>> hierarchical_control_draws(const OutcomeData& history, int n_c, const FitOptions& opt,
                                                            ThreadPool& pool, std::size_t per_launch) {
  std::vector<int> all(n_c + 1);
  for (int y = 0; y <= n_c; ++y) all[y] = y;
  return hierarchical_control_draws(history, n_c, all, opt, pool, per_launch);
}

std::vector<int> hierarchical_boundaries(const OutcomeData& history, const std::vector<int>& y_values,
                                         const std::vector<double>& map_draws, const design::DesignSettings& s,
                                         const FitOptions& opt, ThreadPool& pool) {
  const auto draws = hierarchical_control_draws(history, s.n_c, y_values, opt, pool);
  std::vector<int> out(y_values.size());
  pool.parallel_for(static_cast<int>(y_values.size()), [&](int i) {
    out[i] = design::hierarchical_boundary_at(y_values[i], draws[i], map_draws, s);
  });
  return out;
}

}  // namespace hbm
