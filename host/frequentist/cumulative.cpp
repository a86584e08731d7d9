// Cumulative meta-analysis (metafor's cumul()): the model fitted to the first 1, 2, ..., k
// studies in a given order, with predict()'s prediction interval at each step.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/sensitivity.hpp"
#include "host/frequentist/sensitivity_data.hpp"

namespace hbm::freq {

namespace {

Cumulative cumulate(const EffectData& data, const std::vector<int>& order, std::string note, Tau2Method method) {
  Cumulative out;
  out.note = std::move(note);
  std::vector<int> first;
  first.reserve(order.size());
  for (int i : order) {
    first.push_back(i);
    out.steps.push_back({i, detail::fit_rma(detail::subset(data, first), method)});
  }
  if (out.steps.empty()) detail::append_note(out.note, "no studies");
  return out;
}

}  // namespace

Cumulative cumulative(const EffectData& data, const std::vector<double>& order_key, Tau2Method method) {
  std::string note;
  std::vector<int> keep = detail::analysable_studies(data, note);
  if (order_key.size() != std::max(data.yi.size(), data.vi.size())) {
    Cumulative bad;
    bad.note = "the order has " + std::to_string(order_key.size()) + " values for " +
               std::to_string(std::max(data.yi.size(), data.vi.size())) + " studies";
    return bad;
  }
  // R's order(): ascending, stable (ties keep input order), NA (here NaN) last.
  std::stable_sort(keep.begin(), keep.end(), [&](int a, int b) {
    const double ka = order_key[a], kb = order_key[b];
    if (std::isnan(ka)) return false;
    if (std::isnan(kb)) return true;
    return ka < kb;
  });
  return cumulate(data, keep, std::move(note), method);
}

Cumulative cumulative(const EffectData& data, Tau2Method method) {
  std::string note;
  const std::vector<int> keep = detail::analysable_studies(data, note);
  return cumulate(data, keep, std::move(note), method);
}

}  // namespace hbm::freq
