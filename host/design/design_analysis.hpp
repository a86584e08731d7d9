// Everything `hbmeta design` computes from the MAP prior's draws: the mixture approximation and
// its accuracy, the robust mixture, the effective sample sizes, the decision boundary of the
// planned trial, its operating characteristics on a grid of true rates, assurance, and the
// smallest treatment arm reaching the target power; and, given the control posteriors of the
// hierarchical refits (host/cli/design_hierarchical.hpp), the same OC by the hierarchical path.
#pragma once
#include <cmath>
#include <cstddef>
#include <vector>

#include "host/design/beta_mixture.hpp"
#include "host/design/decision_rule.hpp"
#include "host/design/mixture_em.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm::design {

struct DesignSettings {
  int n_t = 0, n_c = 0;
  DecisionRule rule;
  BetaMixture treatment_prior = {{1.0, 1, 1}};
  double robust_weight = 0.2, robust_mean = 0.5, robust_n = 1;
  double effect = NAN;  // planned effect on rule.scale (power, sample size, default assurance)
  bool has_design_prior = false;
  BetaMixture design_prior;  // with has_design_prior: p_t's design prior for assurance (independent of p_c)
  double target_power = 0.8;
  // Sample-size search: 0 keeps n_c fixed; R > 0 allocates n_t : n_c = R : 1, n_c = ceil(n_t / R)
  // (control_size_for). The planned trial (n_t, n_c) is analysed as given either way.
  double allocation_ratio = 0;
  int max_components = 4;
  int max_n_t = 20000;  // sample-size search limit
};

// The control arm beside a treatment arm of n_t in the sample-size search and the assurance
// curve: s.n_c, or with an allocation ratio R, ceil(n_t / R) (at least 1; rounded up so the
// control arm is never smaller than the ratio asks; n_t / R within 1e-9 of an integer counts as
// that integer, so R = 0.1 gives n_c = 10 n_t despite rounding in n_t / 0.1).
int control_size_for(int n_t, const DesignSettings& s);

struct Ess {
  double moment = NAN, morita = NAN, elir = NAN;
};

struct OcRow {
  double p_t = 0, p_c = 0, effect = 0;
  double prob_success = 0;
  double prob_success_hierarchical = NAN;
};

struct AssurancePoint {
  int n_t = 0, n_c = 0;
  double assurance = 0, power = 0;
};

struct DesignResult {
  std::vector<double> draws_quantiles;  // 2.5, 50, 97.5% of the MAP draws (type 7)
  std::vector<double> draws_mcse;       // their MCSE (posterior's mcse_quantile)
  double draws_mean = 0, draws_sd = 0;
  MixtureFit mixture;
  std::vector<MixtureFit> candidates;  // K = 1..max_components
  MixtureAccuracy accuracy;
  BetaMixture robust;
  Ess ess_map, ess_mixture, ess_robust;
  std::vector<int> boundary;  // y_t*(y_c) of the planned trial
  double power_p_c = 0, power_p_t = 0, power = 0, type1_at_mean = 0;
  std::vector<OcRow> oc;
  double assurance = 0;
  const char* assurance_design = "";  // what p_t was averaged over, in words
  int sample_size_n_t = -1;           // smallest n_t with power >= target (-1: none up to max_n_t)
  int sample_size_n_c = -1;           // its control arm, control_size_for(sample_size_n_t)
  double sample_size_power = NAN, sample_size_assurance = NAN;
  std::vector<AssurancePoint> assurance_curve;
  // Hierarchical path (when run).
  bool hierarchical = false;
  std::vector<int> boundary_hierarchical;
  double assurance_hierarchical = NAN;
  double max_oc_difference = NAN;  // max |mixture - hierarchical| over the OC grid
};

// The mixture path. map_draws chain-major, `chains` chains (for the quantiles' MCSE). The pool
// runs independent pieces (the EM fits, the points of the assurance curve); results do not
// depend on it.
DesignResult analyse_design(const std::vector<double>& map_draws, std::size_t chains, const DesignSettings& s,
                            ThreadPool& pool);

// The hierarchical path: control_draws[y_c] are the draws of the new trial's control rate from
// the model refitted with y_c of n_c added as a study (y_c = 0..n_c). The robust component enters
// as in the mixture path: its posterior weight is w m_r(y_c) / (w m_r(y_c) + (1 - w) m_MAP(y_c)),
// m_MAP(y_c) = mean over the MAP draws of Bin(y_c; n_c, p) and m_r the robust component's
// beta-binomial probability. Fills the *_hierarchical fields and each OC row's.
void add_hierarchical(DesignResult& r, const std::vector<std::vector<double>>& control_draws,
                      const std::vector<double>& map_draws, const DesignSettings& s, ThreadPool& pool);

// add_hierarchical in its two steps, so that the refits can be split across shards or MPI ranks:
// y_t*(y_c) of one control outcome from that refit's draws alone (it depends on nothing else of
// the other refits), and then the OC, assurance and differences from the whole boundary
// (y_c = 0..n_c), however its entries were computed.
int hierarchical_boundary_at(int y_c, const std::vector<double>& control_draws, const std::vector<double>& map_draws,
                             const DesignSettings& s);
void set_hierarchical_boundary(DesignResult& r, std::vector<int> boundary, const DesignSettings& s);

}  // namespace hbm::design
