#include "host/report/report_format.hpp"

#include "host/support/words.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hbm::report {

std::string fmt_sig(double x, int sig, int min_decimals) {
  if (!std::isfinite(x)) return "NA";
  if (x == 0) return min_decimals > 0 ? fmt_fixed(0.0, min_decimals) : "0";
  const double a = std::fabs(x);
  char buf[48];
  if (a < 1e-4 || a >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.*e", std::max(0, sig - 1), x);
    return buf;
  }
  int dec = sig - 1 - static_cast<int>(std::floor(std::log10(a)));
  if (a < 10) dec = std::max(dec, min_decimals);
  dec = std::min(std::max(dec, 0), 8);
  std::snprintf(buf, sizeof buf, "%.*f", dec, x);
  return buf;
}

std::string fmt_interval(double est, double lo, double hi) {
  return fmt_sig(est, 2, 2) + " [" + fmt_sig(lo, 2, 2) + ", " + fmt_sig(hi, 2, 2) + "]";
}

std::string fmt_fixed(double x, int decimals) {
  if (!std::isfinite(x)) return "NA";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  std::string s = buf;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // "-0.00" -> "0.00"
  return s;
}

std::string in_units(const std::string& text, const std::string& unit) {
  if (unit.empty() || unit == "clinic") return text;
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    // Names stay: new_clinic, --new-clinic-size.
    const bool name = i > 0 && (text[i - 1] == '_' || (i >= 6 && text.compare(i - 6, 6, "--new-") == 0));
    if (name) {
      out += text[i++];
    } else if (text.compare(i, 7, "clinics") == 0) {
      out += plural(unit);
      i += 7;
    } else if (text.compare(i, 6, "clinic") == 0) {
      out += unit;
      i += 6;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string fmt_plain(double x) {
  if (!std::isfinite(x)) return "NA";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::string fmt_int(double x) {
  if (!std::isfinite(x)) return "NA";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.0f", x);
  return buf;
}

std::string fmt_prob(double p) {
  if (!std::isfinite(p)) return "NA";
  int dec = 3;
  if (p > 0 && p < 1e-3) dec = static_cast<int>(std::ceil(-std::log10(p))) + 1;
  if (p < 1 && p > 1 - 1e-3) dec = static_cast<int>(std::ceil(-std::log10(1 - p))) + 1;
  return fmt_fixed(p, std::min(dec, 8));
}

}  // namespace hbm::report
