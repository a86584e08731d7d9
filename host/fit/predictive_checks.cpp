#include "host/fit/predictive_checks.hpp"

#include <algorithm>
#include <cmath>

#include "host/fit/outcome_fit.hpp"
#include "models/binomial_rng.hpp"
#include "models/logistic.hpp"
#include "models/philox.hpp"
#include "host/support/words.hpp"

namespace hbm {

long long noncentral_hypergeometric_draw(long long nt, long long nc, long long m, double psi, double u) {
  const long long lo = std::max(0LL, m - nc), hi = std::min(nt, m);
  if (lo >= hi) return lo;
  // Ratio of successive terms f(y + 1) / f(y) of C(nt, y) C(nc, m - y) psi^y.
  const auto ratio = [&](long long y) {
    return static_cast<double>(nt - y) * static_cast<double>(m - y) * psi /
           (static_cast<double>(y + 1) * static_cast<double>(nc - m + y + 1));
  };
  // The mode: the largest y whose ratio from y - 1 is >= 1 (the ratio decreases in y).
  long long mode = lo, a = lo, b = hi;
  while (a < b) {
    const long long mid = a + (b - a + 1) / 2;
    if (ratio(mid - 1) >= 1) a = mid; else b = mid - 1;
  }
  mode = a;
  // Unnormalised terms relative to the mode, outwards until they are negligible.
  constexpr double kTiny = 1e-17;
  std::vector<double> left, right;  // left[j]: mode - 1 - j; right[j]: mode + 1 + j
  double f = 1;
  for (long long y = mode; y > lo; --y) {
    f /= ratio(y - 1);
    if (f < kTiny) break;
    left.push_back(f);
  }
  f = 1;
  for (long long y = mode; y < hi; ++y) {
    f *= ratio(y);
    if (f < kTiny) break;
    right.push_back(f);
  }
  double total = 1;
  for (double v : left) total += v;
  for (double v : right) total += v;
  // Inversion from the lowest kept value upwards.
  double target = u * total, acc = 0;
  for (std::size_t j = left.size(); j-- > 0;) {
    acc += left[j];
    if (acc >= target) return mode - 1 - static_cast<long long>(j);
  }
  acc += 1;
  if (acc >= target) return mode;
  for (std::size_t j = 0; j < right.size(); ++j) {
    acc += right[j];
    if (acc >= target) return mode + 1 + static_cast<long long>(j);
  }
  return mode + static_cast<long long>(right.size());
}

namespace {

// Type-1 quantile (the smallest value with cdf >= p) of sorted integer replicates.
double sorted_quantile(const std::vector<double>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  const auto i = static_cast<std::size_t>(std::max(0.0, std::ceil(p * n) - 1));
  return sorted[std::min(i, sorted.size() - 1)];
}

void summarise_replicates(std::vector<double>& rep, double y, double& lo, double& hi, double& p) {
  std::sort(rep.begin(), rep.end());
  lo = sorted_quantile(rep, 0.025);
  hi = sorted_quantile(rep, 0.975);
  const auto below = std::lower_bound(rep.begin(), rep.end(), y) - rep.begin();
  const auto equal = std::upper_bound(rep.begin(), rep.end(), y) - rep.begin() - below;
  p = (static_cast<double>(below) + 0.5 * static_cast<double>(equal)) / static_cast<double>(rep.size());
}

}  // namespace

std::vector<PredictiveCheck> predictive_checks(const OutcomeData& data, const std::vector<double>& design,
                                               const HmcRun& run, const SamplerConfig& cfg,
                                               ThreadPool& pool) {
  const int K = static_cast<int>(data.studies.size()), P = data.P(), R = run.n_outputs;
  const bool two_arm = data.kind == OutcomeKind::TwoArm;
  std::vector<PredictiveCheck> out(K);
  if (K == 0 || run.study_draws == 0) return out;
  const int C = run.chains, T = run.study_draws;
  const std::size_t kept = static_cast<std::size_t>(C) * T;
  const std::size_t step = std::max<std::size_t>(1, (kept + kPredictiveCheckDraws - 1) / kPredictiveCheckDraws);
  // Independent per study (its own stream): one pool task each, so the result does not depend
  // on the thread count.
  pool.parallel_for(K, [&](int i) {
    const StudyCounts& s = data.studies[i];
    const std::uint32_t study_stream = outcome_stream(data.name + "#ppc#" + std::to_string(i));
    std::vector<double> mixed, cond;
    for (std::size_t idx = 0; idx < kept; idx += step) {
      const auto c = static_cast<std::uint32_t>(idx / T), t = static_cast<std::uint32_t>(idx % T);
      const std::size_t h = static_cast<std::size_t>(c) * run.draws + static_cast<std::size_t>(t) * run.study_thin;
      const double* o = &run.outputs[h * R];  // mu, tau, beta_1..beta_P, ...
      double fitted = o[0];
      for (int j = 0; j < P; ++j) fitted += design[static_cast<std::size_t>(i) * P + j] * o[2 + j];
      const double own = run.study_outputs[idx * run.n_study + i];
      RngStream rng(cfg.seed, study_stream, c, static_cast<std::uint32_t>(cfg.warmup) + t * run.study_thin,
                    RngPurpose::PredictiveCheck);
      double z, u1, u2, unused;
      rng.normal2(z, unused);
      const double fresh = fitted + o[1] * z;
      if (two_arm) {
        rng.uniform2(u1, u2);
        const long long m = s.events + s.events_c;
        cond.push_back(static_cast<double>(noncentral_hypergeometric_draw(s.total, s.total_c, m, std::exp(own), u1)));
        mixed.push_back(static_cast<double>(noncentral_hypergeometric_draw(s.total, s.total_c, m, std::exp(fresh), u2)));
      } else {
        const auto n = static_cast<double>(s.total);
        cond.push_back(binomial_draw(n, inv_logit(own), rng));
        mixed.push_back(binomial_draw(n, inv_logit(fresh), rng));
      }
    }
    PredictiveCheck& pc = out[i];
    pc.study = s.name;
    pc.observed = s.events;
    summarise_replicates(mixed, static_cast<double>(s.events), pc.lo, pc.hi, pc.p_value);
    summarise_replicates(cond, static_cast<double>(s.events), pc.cond_lo, pc.cond_hi, pc.cond_p_value);
  });
  return out;
}

std::string predictive_check_warning(const std::vector<PredictiveCheck>& checks, const std::string& unit) {
  const int K = static_cast<int>(checks.size());
  int outside = 0;
  std::string names;
  for (const auto& c : checks) {
    if (!c.outside()) continue;
    ++outside;
    if (outside <= 5) names += (names.empty() ? "" : ", ") + c.study;
  }
  if (outside < 2) return {};
  // P(Binomial(K, 0.05) >= outside), summed from the top.
  double tail = 0;
  for (int j = outside; j <= K; ++j)
    tail += std::exp(std::lgamma(K + 1.0) - std::lgamma(j + 1.0) - std::lgamma(K - j + 1.0) + j * std::log(0.05) +
                     (K - j) * std::log(0.95));
  if (tail >= 0.05) return {};
  return std::to_string(outside) + " of " + std::to_string(K) + " " + plural(unit) +
         " have event counts outside their 95% posterior predictive intervals (" + names +
         (outside > 5 ? ", ..." : "") + "; about " + std::to_string(static_cast<int>(std::lround(0.05 * K))) +
         " expected by chance, P = " + (tail < 0.001 ? std::string("< 0.001") : std::to_string(tail).substr(0, 5)) +
         "): the random-effects model does not describe these " + plural(unit) +
         " well; look at them (outliers, a subgroup, a different design) before trusting the pooled estimate";
}

}  // namespace hbm
