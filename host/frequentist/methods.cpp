// The method sets: which classical estimators run beside a fit, all of them or the short list of
// a side-by-side table.
#include <vector>

#include "host/frequentist/frequentist.hpp"

namespace hbm::freq {

namespace {

constexpr Tau2Method kAllMethods[] = {Tau2Method::FE, Tau2Method::DL, Tau2Method::REML, Tau2Method::ML,
                                      Tau2Method::PM, Tau2Method::SJ, Tau2Method::HS, Tau2Method::EB};

void add_rma_set(const EffectData& es, std::vector<MethodResult>& out) {
  for (Tau2Method m : kAllMethods) out.push_back(rma(es, m, false));
  for (Tau2Method m : kAllMethods)
    if (m != Tau2Method::FE) out.push_back(rma(es, m, true));
}

}  // namespace

std::vector<MethodResult> all_methods_single_arm(const std::vector<long long>& events,
                                                 const std::vector<long long>& totals) {
  std::vector<MethodResult> out;
  add_rma_set(escalc_plo(events, totals), out);
  out.push_back(glmm_single_arm(events, totals));
  return out;
}

std::vector<MethodResult> all_methods_two_arm(const TwoArmCounts& counts) {
  std::vector<MethodResult> out;
  add_rma_set(escalc_or(counts, false), out);
  out.push_back(mantel_haenszel(counts));
  out.push_back(peto(counts));
  out.push_back(glmm_um_fs(counts));
  out.push_back(glmm_um_rs(counts));
  return out;
}

std::vector<MethodResult> basic_methods_single_arm(const std::vector<long long>& events,
                                                   const std::vector<long long>& totals) {
  const EffectData es = escalc_plo(events, totals);
  return {rma(es, Tau2Method::FE, false), rma(es, Tau2Method::DL, false), rma(es, Tau2Method::REML, false),
          rma(es, Tau2Method::REML, true), glmm_single_arm(events, totals)};
}

std::vector<MethodResult> basic_methods_two_arm(const TwoArmCounts& counts) {
  const EffectData es = escalc_or(counts, false);
  return {rma(es, Tau2Method::FE, false), rma(es, Tau2Method::DL, false), rma(es, Tau2Method::REML, false),
          rma(es, Tau2Method::REML, true), mantel_haenszel(counts), glmm_um_fs(counts)};
}

}  // namespace hbm::freq
