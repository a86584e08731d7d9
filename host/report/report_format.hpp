// Number formatting for the HTML report's text and tables. Every function returns "NA" for a
// missing (non-finite) value, so that "nan" / "inf" never reach the page.
#pragma once
#include <string>

namespace hbm::report {

// sig significant digits in fixed notation ("0.31", "0.0031", "12.3", "1235"); scientific only
// below 1e-4 and from 1e6 on ("3.1e-05", "3.3e+08"). min_decimals pads values below 10 (e.g. rates: "1.00" with 2).
std::string fmt_sig(double x, int sig = 3, int min_decimals = 0);

// "0.31 [0.22, 0.42]": an estimate with its interval, 2 significant digits each.
std::string fmt_interval(double est, double lo, double hi);

// Fixed decimals ("%.*f"), "NA" when non-finite.
std::string fmt_fixed(double x, int decimals);

// A probability from draws: 3 decimals ("0.624", "0.000", "1.000"), and as many more as show
// the first significant digit of p or 1 - p when that is below 0.001 ("0.00013", "0.99987").
std::string fmt_prob(double p);

// Shortest natural form, up to 6 significant digits ("%g": "0.5", "1.25", "2e-05").
std::string fmt_plain(double x);

// `text` written for clinics in the run's unit (summary.json config.unit, --unit): every
// "clinics" becomes its plural and every "clinic" the unit ("a new clinic" -> "a new study").
std::string in_units(const std::string& text, const std::string& unit);

// Integer-valued counts and ESS: "472".
std::string fmt_int(double x);

}  // namespace hbm::report
