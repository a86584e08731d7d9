// English words for messages and reports: the plural of the run's unit ("study" -> "studies",
// "clinic" -> "clinics"), so every layer writes it the same way.
#pragma once
#include <string>

namespace hbm {

inline std::string plural(const std::string& w) {
  const auto vowel = [](char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; };
  if (w.size() > 1 && w.back() == 'y' && !vowel(w[w.size() - 2])) return w.substr(0, w.size() - 1) + "ies";
  if (!w.empty() && (w.back() == 's' || w.back() == 'x' || (w.size() > 1 && w.compare(w.size() - 2, 2, "ch") == 0) ||
                     (w.size() > 1 && w.compare(w.size() - 2, 2, "sh") == 0)))
    return w + "es";
  return w + "s";
}

}  // namespace hbm
