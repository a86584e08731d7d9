#include "host/fit/prior_spec.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "host/support/input_error.hpp"

namespace hbm {
namespace {

std::string accepted(PriorRole role) {
  return role == PriorRole::Location
             ? "accepted: normal(mean,sd) with sd > 0"
             : "accepted: half-normal(s), half-cauchy(s), half-t(nu,s), uniform(0,u), log-normal(m,s) "
               "with s, nu, u > 0";
}

std::string fmt(double x) {
  std::ostringstream o;
  o.precision(12);
  o << x;
  return o.str();
}

}  // namespace

Prior parse_prior(const std::string& text, PriorRole role, const std::string& option) {
  auto fail = [&](const std::string& why) -> Prior {
    throw InputError(option + ": invalid prior '" + text + "': " + why + " (" + accepted(role) + ")");
  };
  std::string s;
  for (char ch : text)
    if (!std::isspace(static_cast<unsigned char>(ch))) s += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const auto open = s.find('('), close = s.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close != s.size() - 1 || close < open)
    return fail("expected NAME(ARGS)");
  std::string name = s.substr(0, open);
  for (char& ch : name)
    if (ch == '_') ch = '-';
  std::vector<double> args;
  std::string body = s.substr(open + 1, close - open - 1);
  std::stringstream ss(body);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) return fail("empty argument");
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (end != item.c_str() + item.size() || !std::isfinite(v)) return fail("'" + item + "' is not a finite number");
    args.push_back(v);
  }
  if (!body.empty() && body.back() == ',') return fail("empty argument");
  auto need = [&](std::size_t k) {
    if (args.size() != k) fail(name + " takes " + std::to_string(k) + " argument" + (k > 1 ? "s" : ""));
  };
  auto positive = [&](double v, const char* what) {
    if (!(v > 0)) fail(std::string(what) + " must be > 0");
  };
  Prior p;
  if (role == PriorRole::Location) {
    if (name != "normal") return fail("unknown prior '" + name + "'");
    need(2);
    positive(args[1], "sd");
    p = {PriorKind::Normal, args[0], args[1]};
    return p;
  }
  if (name == "half-normal") {
    need(1);
    positive(args[0], "scale");
    p = {PriorKind::HalfNormal, 0, args[0]};
  } else if (name == "half-cauchy") {
    need(1);
    positive(args[0], "scale");
    p = {PriorKind::HalfCauchy, 0, args[0]};
  } else if (name == "half-t" || name == "half-student-t") {
    need(2);
    positive(args[0], "nu");
    positive(args[1], "scale");
    p = {PriorKind::HalfT, args[0], args[1]};
  } else if (name == "uniform") {
    need(2);
    if (args[0] != 0) fail("the lower bound must be 0");
    positive(args[1], "upper bound");
    p = {PriorKind::Uniform, 0, args[1]};
  } else if (name == "log-normal" || name == "lognormal") {
    need(2);
    positive(args[1], "sdlog");
    p = {PriorKind::LogNormal, args[0], args[1]};
  } else {
    return fail("unknown prior '" + name + "'");
  }
  return p;
}

std::string prior_to_string(const Prior& p) {
  switch (p.kind) {
    case PriorKind::Normal: return "normal(" + fmt(p.a) + "," + fmt(p.b) + ")";
    case PriorKind::HalfNormal: return "half-normal(" + fmt(p.b) + ")";
    case PriorKind::HalfCauchy: return "half-cauchy(" + fmt(p.b) + ")";
    case PriorKind::HalfT: return "half-t(" + fmt(p.a) + "," + fmt(p.b) + ")";
    case PriorKind::Uniform: return "uniform(0," + fmt(p.b) + ")";
    case PriorKind::LogNormal: return "log-normal(" + fmt(p.a) + "," + fmt(p.b) + ")";
  }
  return "?";
}

std::string prior_in_words(const Prior& p) {
  switch (p.kind) {
    case PriorKind::Normal: return "normal with mean " + fmt(p.a) + " and standard deviation " + fmt(p.b);
    case PriorKind::HalfNormal: return "half-normal with scale " + fmt(p.b) + " (median " + fmt(0.6745 * p.b) + ")";
    case PriorKind::HalfCauchy: return "half-Cauchy with scale " + fmt(p.b) + " (median " + fmt(p.b) + ")";
    case PriorKind::HalfT: return "half-Student-t with " + fmt(p.a) + " degrees of freedom and scale " + fmt(p.b);
    case PriorKind::Uniform: return "uniform between 0 and " + fmt(p.b);
    case PriorKind::LogNormal: return "log-normal with log-mean " + fmt(p.a) + " and log-sd " + fmt(p.b) + " (median " + fmt(std::exp(p.a)) + ")";
  }
  return "?";
}

}  // namespace hbm
