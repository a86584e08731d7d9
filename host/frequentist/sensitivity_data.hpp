// What every sensitivity analysis (sensitivity.hpp) needs (not part of the public API): the
// studies it can analyse, a subset of the data, and one rma() fit as leave1out()/cumul() make it.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "host/frequentist/frequentist.hpp"

namespace hbm::freq::detail {

// Input indices of the studies with a finite effect and a positive finite variance (the rule of
// make_problem, so metafor's na.omit), and a note counting the others (empty when none).
inline std::vector<int> analysable_studies(const EffectData& data, std::string& note) {
  std::vector<int> keep;
  const std::size_t n = std::min(data.yi.size(), data.vi.size());
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(data.yi[i]) && std::isfinite(data.vi[i]) && data.vi[i] > 0) keep.push_back(static_cast<int>(i));
  const std::size_t left_out = std::max(data.yi.size(), data.vi.size()) - keep.size();
  note.clear();
  if (left_out > 0)
    note = std::to_string(left_out) + " stud" + (left_out == 1 ? "y" : "ies") +
           " without a finite effect and positive variance left out";
  return keep;
}

inline EffectData subset(const EffectData& data, const std::vector<int>& idx) {
  EffectData s;
  s.yi.reserve(idx.size());
  s.vi.reserve(idx.size());
  for (int i : idx) {
    s.yi.push_back(data.yi[i]);
    s.vi.push_back(data.vi[i]);
  }
  return s;
}

// rma(yi, vi, method = M) + predict(): z tests, 95% intervals, no Q-profile interval of tau^2
// (leave1out() and cumul() report none).
inline MethodResult fit_rma(const EffectData& data, Tau2Method method) {
  RmaOptions o;
  o.tau2_ci = false;
  return rma(data, method, o);
}

}  // namespace hbm::freq::detail
