#include "host/cli/design_hierarchical.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "host/fit/outcome_fit.hpp"
#include "host/support/interrupt.hpp"

namespace hbm {

std::vector<std::vector<double>> hierarchical_control_draws(const OutcomeData& history, int n_c, const FitOptions& opt,
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
  std::vector<std::vector<double>> out(n_c + 1);
  for (int lo = 0; lo <= n_c; lo += static_cast<int>(per_launch)) {
    const int hi = std::min(n_c + 1, lo + static_cast<int>(per_launch));
    std::vector<OutcomeData> units;
    for (int y = lo; y < hi; ++y) {
      OutcomeData u = history;
      // Its own name, hence its own RNG stream (outcome_stream): the draws for y_c depend only on
      // the data, the seed and y_c, never on the launch they share.
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
    for (int y = lo; y < hi; ++y) {
      const HmcRun& run = runs.at(units[y - lo].name);
      int S = 0;
      std::vector<double> theta = run.study_column(K, &S);
      for (double& t : theta) t = 1 / (1 + std::exp(-t));
      out[y] = std::move(theta);
    }
  }
  return out;
}

}  // namespace hbm
