#include "host/simulation/simulation_scenario.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "host/support/input_error.hpp"
#include "host/io/json_reader.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/fit/prior_spec.hpp"
#include "models/binomial_rng.hpp"
#include "models/logistic.hpp"

namespace hbm {

namespace {

std::string num_text(double x) {
  std::ostringstream o;
  o.precision(6);
  o << x;
  return o.str();
}

bool valid_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 &&
         s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == std::string::npos;
}

}  // namespace

std::string SizeDist::text() const {
  if (fixed.empty()) return "U{" + std::to_string(lo) + ".." + std::to_string(hi) + "}";
  if (fixed.size() == 1) return std::to_string(fixed[0]);
  std::string s = "[";
  for (std::size_t i = 0; i < fixed.size(); ++i) s += (i ? "," : "") + std::to_string(fixed[i]);
  return s + "]";
}

std::string RateDist::text() const {
  return uniform ? "U(" + num_text(lo) + ", " + num_text(hi) + ")" : num_text(value);
}

std::vector<std::string> Scenario::all_methods() const {
  std::vector<std::string> m;
  for (const auto& p : priors) m.push_back(p.name);
  m.insert(m.end(), methods.begin(), methods.end());
  return m;
}

std::string Scenario::describe() const {
  std::string s = name + ": " + (kind == OutcomeKind::TwoArm ? "two-arm (log OR)" : "single-arm (logit rate)") +
                  ", K = " + std::to_string(k) + ", n " + (kind == OutcomeKind::TwoArm ? "per arm " : "") + "~ " +
                  size.text();
  if (kind == OutcomeKind::TwoArm) s += ", control rate ~ " + baseline.text();
  s += ", mu = " + num_text(mu) + ", tau = " + num_text(tau);
  return s;
}

bool known_method(const std::string& name, OutcomeKind kind) {
  static const std::set<std::string> kRma = {"FE", "DL", "REML", "ML", "PM", "SJ", "HS", "EB"};
  if (name == "GLMM") return true;
  if (kind == OutcomeKind::TwoArm && (name == "MH" || name == "Peto")) return true;
  const std::string base = name.size() > 5 && name.substr(name.size() - 5) == "_knha" ? name.substr(0, name.size() - 5)
                                                                                       : name;
  return kRma.count(base) > 0;
}

std::vector<Scenario> parse_scenarios(const std::string& path, const std::string& text, const FitOptions& defaults) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const JsonSyntaxError& e) {
    throw InputError(path + ":" + std::to_string(e.line()) + ": not valid JSON (" + e.reason() + ")");
  }
  if (!root.is_object() || !root.contains("scenarios") || !root["scenarios"].is_array() || root["scenarios"].size() == 0)
    throw InputError(path + ":1: expected an object {\"scenarios\": [ {...}, ... ]} with at least one scenario "
                            "(see docs/simulation.md)");
  for (const auto& k : root.keys())
    if (k != "scenarios" && k != "comment" && k != "description")
      throw InputError(path + ":" + std::to_string(root[k].line()) + ": unknown key '" + k +
                       "'; the file holds {\"scenarios\": [...]} (and optionally \"description\")");
  const Json& list = root["scenarios"];
  std::vector<Scenario> out;
  std::set<std::string> names;
  for (std::size_t si = 0; si < list.size(); ++si) {
    const Json& j = list[si];
    std::string label = "scenario " + std::to_string(si + 1);
    // FILE:LINE of the scenario's value under `key`, or of the scenario itself when it has no
    // such key (or none is named: a key that is missing).
    const auto fail = [&](const std::string& key, const std::string& what) -> void {
      const Json& at = !key.empty() && j.contains(key) ? j[key] : j;
      throw InputError(path + ":" + std::to_string(at.line()) + ": " + label + ": " + what);
    };
    if (!j.is_object()) fail("", "expected an object {\"name\": ..., \"k\": ..., ...}");
    Scenario s;
    if (!j.contains("name") || !j["name"].is_string() || !valid_name(j["name"].str()))
      fail("name", "\"name\" must be a string of letters, digits, '_', '.', '-' (at most 64), e.g. \"k5_tau05\"");
    s.name = j["name"].str();
    label = "scenario '" + s.name + "'";
    static const std::set<std::string> kKeys = {"name", "model", "k", "study_size", "baseline_rate", "mu", "tau",
                                                "priors", "methods", "comment"};
    for (const auto& key : j.keys())
      if (!kKeys.count(key))
        fail(key, "unknown key '" + key + "'; expected name, model, k, study_size, baseline_rate, mu, tau, priors, methods");
    if (!names.insert(s.name).second) fail("name", "the name is used by an earlier scenario; give each its own");
    const std::string model = j.contains("model") ? (j["model"].is_string() ? j["model"].str() : "?") : "single-arm";
    if (model == "single-arm") s.kind = OutcomeKind::SingleArm;
    else if (model == "two-arm") s.kind = OutcomeKind::TwoArm;
    else fail("model", "\"model\" must be \"single-arm\" or \"two-arm\"");
    const auto number = [&](const char* key, bool required, double def) {
      if (!j.contains(key)) {
        if (required) fail("", std::string("missing \"") + key + "\"");
        return def;
      }
      if (!j[key].is_number() || !std::isfinite(j[key].num())) fail(key, std::string("\"") + key + "\" must be a finite number");
      return j[key].num();
    };
    const double k = number("k", true, 0);
    if (k != std::floor(k) || k < 1 || k > 100000) fail("k", "\"k\" (studies per meta-analysis) must be a whole number from 1 to 100000");
    s.k = static_cast<int>(k);
    s.mu = number("mu", true, 0);
    s.tau = number("tau", true, 0);
    if (s.tau < 0 || s.tau > 20) fail("tau", "\"tau\" must be from 0 to 20 (logit / log OR scale)");
    if (std::fabs(s.mu) > 20) fail("mu", "\"mu\" must be within -20..20 (logit / log OR scale)");
    // study sizes
    if (!j.contains("study_size")) fail("", "missing \"study_size\": a number, a list of K numbers or {\"uniform\": [lo, hi]}");
    const Json& sz = j["study_size"];
    const auto whole = [&](const Json& v) {
      if (!v.is_number() || v.num() != std::floor(v.num()) || v.num() < 1 || v.num() > 1e9)
        fail("study_size", "study sizes must be whole numbers from 1 to 1000000000");
      return static_cast<long long>(v.num());
    };
    if (sz.is_number()) s.size.fixed = {whole(sz)};
    else if (sz.is_array()) {
      if (sz.size() != static_cast<std::size_t>(s.k))
        fail("study_size", "a list of study sizes needs one per study (K = " + std::to_string(s.k) + "), got " +
                               std::to_string(sz.size()));
      for (std::size_t i = 0; i < sz.size(); ++i) s.size.fixed.push_back(whole(sz[i]));
    } else if (sz.is_object() && sz.contains("uniform") && sz["uniform"].is_array() && sz["uniform"].size() == 2 &&
               sz.size() == 1) {
      s.size.lo = whole(sz["uniform"][0]);
      s.size.hi = whole(sz["uniform"][1]);
      if (s.size.lo > s.size.hi) fail("study_size", "{\"uniform\": [lo, hi]} needs lo <= hi");
    } else {
      fail("study_size", "\"study_size\" must be a number, a list of K numbers or {\"uniform\": [lo, hi]} (integers)");
    }
    // baseline rates
    if (s.kind == OutcomeKind::TwoArm) {
      if (!j.contains("baseline_rate")) fail("", "two-arm scenarios need \"baseline_rate\": a probability or {\"uniform\": [lo, hi]}");
      const Json& b = j["baseline_rate"];
      const auto prob = [&](const Json& v) {
        if (!v.is_number() || !(v.num() > 0 && v.num() < 1)) fail("baseline_rate", "baseline rates must be strictly between 0 and 1");
        return v.num();
      };
      if (b.is_number()) s.baseline.value = prob(b);
      else if (b.is_object() && b.contains("uniform") && b["uniform"].is_array() && b["uniform"].size() == 2 && b.size() == 1) {
        s.baseline.uniform = true;
        s.baseline.lo = prob(b["uniform"][0]);
        s.baseline.hi = prob(b["uniform"][1]);
        if (s.baseline.lo > s.baseline.hi) fail("baseline_rate", "{\"uniform\": [lo, hi]} needs lo <= hi");
      } else {
        fail("baseline_rate", "\"baseline_rate\" must be a probability or {\"uniform\": [lo, hi]}");
      }
    } else if (j.contains("baseline_rate")) {
      fail("baseline_rate", "\"baseline_rate\" is for two-arm scenarios (\"model\": \"two-arm\")");
    }
    // Bayesian methods
    if (j.contains("priors")) {
      const Json& pl = j["priors"];
      if (!pl.is_array() || pl.size() == 0) fail("priors", "\"priors\" must be a non-empty list of {\"name\", \"mu\", \"tau\"}");
      for (std::size_t p = 0; p < pl.size(); ++p) {
        const Json& e = pl[p];
        if (!e.is_object()) fail("priors", "each prior must be an object {\"name\": ..., \"mu\": ..., \"tau\": ...}");
        for (const auto& key : e.keys())
          if (key != "name" && key != "mu" && key != "tau" && key != "baseline" && key != "prior_baseline" &&
              key != "prior_baseline_sd")
            fail("priors", "unknown key '" + key + "' in a prior; expected name, mu, tau, baseline, prior_baseline, prior_baseline_sd");
        ScenarioPrior sp{"bayes", defaults.prior_mu, defaults.prior_tau, defaults.baseline, defaults.prior_baseline,
                         defaults.prior_baseline_sd};
        if (!e.contains("name") || !e["name"].is_string() || !valid_name(e["name"].str()))
          fail("priors", "each prior needs a \"name\" of letters, digits, '_', '.', '-', e.g. \"bayes_hn1\"");
        sp.name = e["name"].str();
        const auto spec = [&](const char* key, PriorRole role, Prior* into) {
          if (!e.contains(key)) return;
          if (!e[key].is_string()) fail("priors", std::string("\"") + key + "\" must be a prior as text, e.g. \"half-normal(1)\"");
          try {
            *into = parse_prior(e[key].str(), role, key);
          } catch (const InputError& err) {
            fail("priors", "prior '" + sp.name + "': " + err.what());
          }
        };
        spec("mu", PriorRole::Location, &sp.mu);
        spec("tau", PriorRole::Scale, &sp.tau);
        spec("prior_baseline", PriorRole::Location, &sp.prior_baseline);
        spec("prior_baseline_sd", PriorRole::Scale, &sp.prior_baseline_sd);
        if (e.contains("baseline")) {
          const std::string b = e["baseline"].is_string() ? e["baseline"].str() : "?";
          if (b == "independent") sp.baseline = BaselineModel::Independent;
          else if (b == "random") sp.baseline = BaselineModel::Random;
          else fail("priors", "\"baseline\" must be \"independent\" or \"random\"");
        }
        s.priors.push_back(sp);
      }
    } else {
      s.priors.push_back({"bayes", defaults.prior_mu, defaults.prior_tau, defaults.baseline, defaults.prior_baseline,
                          defaults.prior_baseline_sd});
    }
    // classical methods
    if (j.contains("methods")) {
      const Json& ml = j["methods"];
      if (!ml.is_array()) fail("methods", "\"methods\" must be a list such as [\"FE\", \"DL\", \"REML\", \"PM\", \"REML_knha\", \"GLMM\"]");
      for (std::size_t m = 0; m < ml.size(); ++m) {
        if (!ml[m].is_string() || !known_method(ml[m].str(), s.kind))
          fail("methods", "unknown method " + (ml[m].is_string() ? "'" + ml[m].str() + "'" : std::string("(not a string)")) +
                              "; expected FE, DL, REML, ML, PM, SJ, HS, EB, any of them + _knha (Knapp-Hartung / HKSJ), "
                              "GLMM" + (s.kind == OutcomeKind::TwoArm ? ", MH, Peto" : ""));
        s.methods.push_back(ml[m].str());
      }
    } else {
      s.methods = {"FE", "DL", "REML", "PM", "REML_knha", "GLMM"};
    }
    std::set<std::string> seen;
    for (const auto& m : s.all_methods())
      if (!seen.insert(m).second) fail("priors", "method name '" + m + "' is used twice in this scenario");
    out.push_back(std::move(s));
  }
  return out;
}

std::string rep_dataset_name(const Scenario& s, long rep) { return s.name + "_r" + std::to_string(rep); }

SimulatedRep simulate_rep(const Scenario& s, std::uint64_t seed, long rep) {
  const std::uint32_t stream = outcome_stream("simulate/" + s.name);
  const auto r32 = static_cast<std::uint32_t>(rep);
  SimulatedRep out;
  {
    RngStream rng(seed, stream, r32, 0, kSimulatePurpose);
    double z, unused;
    rng.normal2(z, unused);
    out.theta_new_true = s.mu + s.tau * z;
  }
  OutcomeData& d = out.data;
  d.dataset = rep_dataset_name(s, rep);
  d.name = "y";
  d.kind = s.kind;
  const auto size = [&](RngStream& rng, int i) {
    if (!s.size.fixed.empty()) return s.size.fixed.size() == 1 ? s.size.fixed[0] : s.size.fixed[i];
    const double span = static_cast<double>(s.size.hi - s.size.lo + 1);
    return s.size.lo + std::min(static_cast<long long>(span) - 1, static_cast<long long>(std::floor(rng.uniform() * span)));
  };
  for (int i = 0; i < s.k; ++i) {
    RngStream rng(seed, stream, r32, static_cast<std::uint32_t>(1 + i), kSimulatePurpose);
    double z, unused;
    rng.normal2(z, unused);
    const double theta = s.mu + s.tau * z;
    StudyCounts sc;
    sc.name = "s" + std::to_string(i + 1);
    if (s.kind == OutcomeKind::SingleArm) {
      sc.total = size(rng, i);
      sc.events = static_cast<long long>(binomial_draw(static_cast<double>(sc.total), inv_logit(theta), rng));
    } else {
      sc.total = size(rng, i);    // treatment arm
      sc.total_c = size(rng, i);  // control arm
      const double p0 = s.baseline.uniform ? s.baseline.lo + (s.baseline.hi - s.baseline.lo) * rng.uniform() : s.baseline.value;
      const double alpha = std::log(p0 / (1 - p0));
      sc.events_c = static_cast<long long>(binomial_draw(static_cast<double>(sc.total_c), inv_logit(alpha), rng));
      sc.events = static_cast<long long>(binomial_draw(static_cast<double>(sc.total), inv_logit(alpha + theta), rng));
    }
    d.studies.push_back(std::move(sc));
  }
  return out;
}

}  // namespace hbm
