// Selecting the GLMMs' two-arm tables (valid, not double-zero) and checking that a finite ML log
// odds ratio can exist.
#include "host/frequentist/glmm_tables.hpp"

#include <cstddef>
#include <string>

#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/two_by_two.hpp"

namespace hbm::freq::detail {

Tables::Tables(const TwoArmCounts& counts) {
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (!valid_table(counts, i)) {
      ++invalid;
      continue;
    }
    const long long ai = counts.et[i], bi = counts.nt[i] - ai, ci = counts.ec[i], di = counts.nc[i] - ci;
    if ((ai == 0 && ci == 0) || (bi == 0 && di == 0)) {
      ++dropped;
      continue;
    }
    a.push_back(static_cast<double>(ai));
    n1.push_back(static_cast<double>(counts.nt[i]));
    c.push_back(static_cast<double>(ci));
    n2.push_back(static_cast<double>(counts.nc[i]));
  }
}

std::string Tables::problems(std::string& note) const {
  if (invalid) append_note(note, std::to_string(invalid) + " table(s) with invalid counts omitted");
  if (dropped) append_note(note, std::to_string(dropped) + " double-zero table(s) dropped");
  double ea = 0, ec = 0, na = 0, nc = 0;
  for (int i = 0; i < k(); ++i) {
    ea += a[i];
    ec += c[i];
    na += n1[i] - a[i];
    nc += n2[i] - c[i];
  }
  if (k() == 0) return "no tables left: GLMM not estimable";
  if (ea == 0 || ec == 0 || na == 0 || nc == 0)
    return "one arm has no events (or only events) in every table: the ML log odds ratio is infinite";
  return "";
}

}  // namespace hbm::freq::detail
