// libFuzzer target for the prior-spec parser (host/fit/prior_spec.cpp): for both roles (location,
// scale), parse_prior must either return a prior with valid parameters or throw hbm::InputError
// naming the option; a parsed prior must print (prior_to_string) to text that parses back to the
// same kind and parameters. Anything else aborts. See docs/fuzzing.md.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "host/support/input_error.hpp"
#include "host/fit/prior_spec.hpp"

namespace {

const char* const kOption = "--prior-x";

[[noreturn]] void bug(const std::string& text, const std::string& what) {
  std::fprintf(stderr, "prior_spec_fuzz: input '%s': %s\n", text.c_str(), what.c_str());
  std::abort();
}

// prior_to_string prints 12 significant digits, so the round trip is exact to about 1e-12.
bool close(double x, double y) {
  if (x == y) return true;
  return std::fabs(x - y) <= 1e-11 * std::fmax(std::fabs(x), std::fabs(y));
}

void check_parameters(const std::string& text, const hbm::Prior& p, hbm::PriorRole role) {
  using hbm::PriorKind;
  if (!std::isfinite(p.a) || !std::isfinite(p.b)) bug(text, "non-finite parameter");
  if (!(p.b > 0)) bug(text, "scale parameter b is not > 0");
  const bool location_kind = p.kind == PriorKind::Normal;
  if (location_kind != (role == hbm::PriorRole::Location)) bug(text, "prior kind does not fit the role");
  switch (p.kind) {
    case PriorKind::HalfNormal:
    case PriorKind::HalfCauchy:
    case PriorKind::Uniform:
      if (p.a != 0) bug(text, "a must be 0 for this kind");
      break;
    case PriorKind::HalfT:
      if (!(p.a > 0)) bug(text, "half-t nu is not > 0");
      break;
    case PriorKind::Normal:
    case PriorKind::LogNormal:
      break;
    default:
      bug(text, "unknown prior kind");
  }
}

void check_role(const std::string& text, hbm::PriorRole role) {
  hbm::Prior p;
  try {
    p = hbm::parse_prior(text, role, kOption);
  } catch (const hbm::InputError& e) {
    const std::string msg = e.what(), prefix = std::string(kOption) + ": ";
    if (msg.compare(0, prefix.size(), prefix) != 0) bug(text, "InputError does not name the option: " + msg);
    return;
  }
  check_parameters(text, p, role);
  const std::string canonical = hbm::prior_to_string(p);
  hbm::Prior q;
  try {
    q = hbm::parse_prior(canonical, role, kOption);
  } catch (const hbm::InputError& e) {
    bug(text, "prior_to_string gives '" + canonical + "', which does not parse: " + e.what());
  }
  if (q.kind != p.kind || !close(q.a, p.a) || !close(q.b, p.b))
    bug(text, "round trip through '" + canonical + "' changes the prior");
  if (hbm::prior_to_string(q) != canonical) bug(text, "'" + canonical + "' is not a fixed point of the round trip");
  if (hbm::prior_in_words(p).empty()) bug(text, "prior_in_words is empty");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    check_role(text, hbm::PriorRole::Location);
    check_role(text, hbm::PriorRole::Scale);
  } catch (const std::exception& e) {
    bug(text, std::string("exception other than hbm::InputError: ") + e.what());
  } catch (...) {
    bug(text, "exception other than hbm::InputError (not a std::exception)");
  }
  return 0;
}
