// The 2x2 table of one study of two-arm counts, as escalc, Mantel-Haenszel/Peto and the GLMMs
// read it (not part of the public API).
#pragma once
#include <cstddef>

#include "host/frequentist/frequentist.hpp"

namespace hbm::freq::detail {

// Whether study i has counts that make a table: present in all four vectors, both totals
// positive, 0 <= events <= total in both arms.
inline bool valid_table(const TwoArmCounts& c, std::size_t i) {
  if (i >= c.et.size() || i >= c.nt.size() || i >= c.ec.size() || i >= c.nc.size()) return false;
  if (c.nt[i] <= 0 || c.nc[i] <= 0 || c.et[i] < 0 || c.ec[i] < 0 || c.et[i] > c.nt[i] || c.ec[i] > c.nc[i])
    return false;
  return true;
}

// The 2x2 table of study i, or false when the counts are invalid.
inline bool table(const TwoArmCounts& c, std::size_t i, double& a, double& b, double& cc, double& d) {
  if (!valid_table(c, i)) return false;
  a = static_cast<double>(c.et[i]);
  b = static_cast<double>(c.nt[i] - c.et[i]);
  cc = static_cast<double>(c.ec[i]);
  d = static_cast<double>(c.nc[i] - c.ec[i]);
  return true;
}

// No events, or only events, in both arms.
inline bool double_zero(double a, double b, double c, double d) { return (a == 0 && c == 0) || (b == 0 && d == 0); }

}  // namespace hbm::freq::detail
