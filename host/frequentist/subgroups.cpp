// Subgroup analysis: a separate random-effects fit per level of a grouping variable (each with
// its own tau^2) and the test of subgroup differences as the omnibus moderator test of
// rma(yi, vi, mods = ~ factor(g)) (one residual tau^2 shared by the levels, metafor's test).
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/sensitivity.hpp"
#include "host/frequentist/sensitivity_data.hpp"

namespace hbm::freq {

Subgroups subgroups(const EffectData& data, const std::vector<std::string>& group, Tau2Method method) {
  Subgroups out;
  const std::size_t n = std::max(data.yi.size(), data.vi.size());
  if (group.size() != n) {
    out.note = "the grouping has " + std::to_string(group.size()) + " labels for " + std::to_string(n) + " studies";
    out.test.note = out.note;
    return out;
  }
  std::vector<int> keep = detail::analysable_studies(data, out.note);
  const auto missing = std::count_if(keep.begin(), keep.end(), [&](int i) { return group[i].empty(); });
  if (missing > 0) {
    std::erase_if(keep, [&](int i) { return group[i].empty(); });
    detail::append_note(out.note, std::to_string(missing) + " stud" + (missing == 1 ? "y" : "ies") +
                                      " without a group label left out");
  }
  std::map<std::string, std::vector<int>> members;  // sorted levels, as R's factor() in the C locale
  for (int i : keep) members[group[i]].push_back(i);
  for (const auto& [level, studies] : members)
    out.levels.push_back({level, studies, detail::fit_rma(detail::subset(data, studies), method)});

  // The test: intercept + indicators of every level but the first.
  SubgroupTest& t = out.test;
  const int k = static_cast<int>(keep.size()), L = static_cast<int>(members.size());
  t.k = k;
  if (L < 2) {
    t.note = L == 0 ? "no studies" : "one subgroup only: no test of subgroup differences";
    return out;
  }
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(k, L);
  X.col(0).setOnes();
  std::map<std::string, int> column;
  int c = 0;
  for (const auto& kv : members) column[kv.first] = c++;
  for (int r = 0; r < k; ++r) {
    const int col = column[group[keep[r]]];
    if (col > 0) X(r, col) = 1;
  }
  RmaOptions o;
  o.tau2_ci = false;
  const RegressionResult reg = rma_regression(detail::subset(data, keep), X, method, o);
  t.QM = reg.QM;
  t.QM_p = reg.QM_p;
  t.df = L - 1;
  t.QE = reg.QE;
  t.QE_p = reg.QE_p;
  t.tau2 = reg.tau2;
  t.note = reg.note;
  return out;
}

}  // namespace hbm::freq
