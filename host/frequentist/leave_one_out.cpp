// Leave-one-out analysis (metafor's leave1out()): the model refitted without each study in turn,
// with predict()'s prediction interval of each refit.
#include <string>
#include <vector>

#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/sensitivity.hpp"
#include "host/frequentist/sensitivity_data.hpp"

namespace hbm::freq {

LeaveOneOut leave_one_out(const EffectData& data, Tau2Method method) {
  LeaveOneOut out;
  const std::vector<int> keep = detail::analysable_studies(data, out.note);
  if (keep.size() < 2) {  // leave1out() stops at k = 1: nothing is left to fit
    detail::append_note(out.note, "leave-one-out needs at least 2 studies");
    return out;
  }
  for (std::size_t j = 0; j < keep.size(); ++j) {
    std::vector<int> rest;
    rest.reserve(keep.size() - 1);
    for (std::size_t m = 0; m < keep.size(); ++m)
      if (m != j) rest.push_back(keep[m]);
    out.rows.push_back({keep[j], detail::fit_rma(detail::subset(data, rest), method)});
  }
  return out;
}

}  // namespace hbm::freq
