#include "host/report/report_data.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "host/io/draws_reader.hpp"
#include "host/support/input_error.hpp"
#include "host/io/json_reader.hpp"
#include "host/io/output_writer.hpp"

namespace hbm::report {
namespace fs = std::filesystem;

const Summ* OutcomeData::param(const std::string& key) const {
  for (const auto& [k, s] : params)
    if (k == key) return &s;
  return nullptr;
}

namespace {

double num(const Json& obj, const std::string& key) {
  if (!obj.is_object() || !obj.contains(key)) return NAN;
  const Json& v = obj[key];
  return v.is_number() ? v.num() : NAN;
}

// Any JSON value as short text for the manifest and diagnostics tables ("" for null).
std::string text(const Json& v) {
  switch (v.type()) {
    case Json::Type::Null: return "";
    case Json::Type::Bool: return v.boolean() ? "yes" : "no";
    case Json::Type::String: return v.str();
    case Json::Type::Number: {
      char buf[48];
      const double x = v.num();
      if (!std::isfinite(x)) return "";
      if (x == std::round(x) && std::fabs(x) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", x);
      else
        std::snprintf(buf, sizeof buf, "%.4g", x);
      return buf;
    }
    case Json::Type::Array: {
      std::string r;
      for (std::size_t i = 0; i < v.size(); ++i) r += (i ? ", " : "") + text(v[i]);
      return r;
    }
    case Json::Type::Object: {
      std::string r;
      for (const auto& k : v.keys()) r += (r.empty() ? "" : ", ") + k + "=" + text(v[k]);
      return r;
    }
  }
  return "";
}

std::string member_text(const Json& obj, const std::string& key) {
  return obj.is_object() && obj.contains(key) ? text(obj[key]) : "";
}

Summ summ(const Json& s) {
  Summ r;
  r.mean = num(s, "mean");
  r.sd = num(s, "sd");
  r.q025 = num(s, "q2.5");
  r.q50 = num(s, "q50");
  r.q975 = num(s, "q97.5");
  r.rhat = num(s, "rhat");
  r.ess_bulk = num(s, "ess_bulk");
  r.ess_tail = num(s, "ess_tail");
  r.rhat_nested = num(s, "rhat_nested");
  r.mcse_mean = num(s, "mcse_mean");
  r.mcse_q5 = num(s, "mcse_q5");
  r.mcse_q95 = num(s, "mcse_q95");
  return r;
}

long long count(const Json& obj, const std::string& key) {
  const double v = num(obj, key);
  return std::isfinite(v) ? static_cast<long long>(v) : 0;
}

// The seed is a 64-bit integer; a double would round seeds above 2^53, so it is taken from the
// file's text (summary.json writes it as a bare integer right after "seed": at the top level).
std::string seed_text(const std::string& raw, const Json& j) {
  const auto at = raw.find("\"seed\":");
  if (at != std::string::npos) {
    std::size_t i = at + 7;
    while (i < raw.size() && raw[i] == ' ') ++i;
    std::size_t e = i;
    while (e < raw.size() && std::isdigit(static_cast<unsigned char>(raw[e]))) ++e;
    if (e > i) return raw.substr(i, e - i);
  }
  return member_text(j, "seed");
}

void read_outcome_draws(const std::string& path, OutcomeData& o) {
  if (!fs::exists(path))
    throw InputError(path + ": draws file missing; the report needs DIR/draws/NAME.csv as hbmeta fit writes it");
  const DrawsTable t = read_draws({path});
  auto column = [&](const std::string& name) -> const std::vector<double>& {
    for (std::size_t q = 0; q < t.names.size(); ++q)
      if (t.names[q] == name) return t.values[q];
    throw InputError(path + ": no column '" + name + "'; not a draws file of hbmeta fit");
  };
  o.d.chains = t.chains;
  o.d.draws = t.draws;
  o.d.mu = column("mu");
  o.d.tau = column("tau");
  o.d.theta_new = column("theta_new");
  o.d.natural_new = column(o.new_key());
  for (const auto& [c, mean] : o.mu_at) o.d.beta.emplace_back(c, column("beta[" + c + "]"));
}

OutcomeData read_outcome(const std::string& name, const Json& o) {
  OutcomeData r;
  r.name = name;
  const Json& params = o["parameters"];
  r.two_arm = o.contains("model_kind") ? member_text(o, "model_kind") == "two-arm" : params.contains("or_pooled");
  r.model = member_text(o, "model");
  r.k = static_cast<std::size_t>(count(o, "k"));
  if (o.contains("covariates") && o["covariates"].is_array())
    for (std::size_t i = 0; i < o["covariates"].size(); ++i) r.covariates.push_back(text(o["covariates"][i]));
  r.new_clinic = member_text(o, "new_clinic");
  for (const auto& key : params.keys()) r.params.emplace_back(key, summ(params[key]));
  if (o.contains("studies"))
    for (std::size_t i = 0; i < o["studies"].size(); ++i) {
      const Json& s = o["studies"][i];
      StudyRow row;
      row.name = member_text(s, "study");
      row.events = count(s, "events");
      row.total = count(s, "total");
      row.events_t = count(s, "events_t");
      row.total_t = count(s, "total_t");
      row.events_c = count(s, "events_c");
      row.total_c = count(s, "total_c");
      row.parametrisation = member_text(s, "parametrisation");
      if (s.contains("covariates") && s["covariates"].is_object())
        for (const auto& c : s["covariates"].keys())
          if (std::isfinite(num(s["covariates"], c))) row.x.emplace_back(c, num(s["covariates"], c));
      const std::string key = r.two_arm ? "or" : "p";
      if (s.contains(key)) row.post = summ(s[key]);
      r.studies.push_back(row);
    }
  if (o.contains("frequentist") && o["frequentist"].is_object())
    for (const auto& m : o["frequentist"].keys()) {
      const Json& f = o["frequentist"][m];
      r.freq.push_back({m, num(f, "estimate"), num(f, "ci_lb"), num(f, "ci_ub"), num(f, "tau"), num(f, "pi_lb"),
                        num(f, "pi_ub"), member_text(f, "note")});
    }
  for (const char* key : {"frequentist_regression", "frequentist_regression_knha"}) {
    if (!o.contains(key) || !o[key].is_object() || !o[key].contains("prediction")) continue;
    const Json& g = o[key];
    const Json& p = g["prediction"];
    r.freq_regression.push_back({member_text(g, "method") + " regression", num(p, "pred"), num(p, "ci_lb"),
                                 num(p, "ci_ub"), std::sqrt(num(g, "tau2")), num(p, "pi_lb"), num(p, "pi_ub"),
                                 member_text(g, "note")});
  }
  if (o.contains("mu_at") && o["mu_at"].is_object())
    for (const auto& c : o["mu_at"].keys())
      if (std::isfinite(num(o["mu_at"], c))) r.mu_at.emplace_back(c, num(o["mu_at"], c));
  if (o.contains("diagnostics") && o["diagnostics"].is_object())
    for (const auto& key : o["diagnostics"].keys()) r.diagnostics.emplace_back(key, text(o["diagnostics"][key]));
  if (o.contains("warnings") && o["warnings"].is_array())
    for (std::size_t i = 0; i < o["warnings"].size(); ++i) r.warnings.push_back(text(o["warnings"][i]));
  return r;
}

}  // namespace

RunData load_run(const std::string& dir) {
  const fs::path summary = fs::path(dir) / "summary.json";
  if (!fs::is_directory(dir))
    throw InputError(dir + ": no such folder; give an hbmeta output folder (hbmeta fit --out DIR)");
  if (!fs::exists(summary))
    throw InputError(dir + ": not an hbmeta output folder (no summary.json); give the folder hbmeta fit --out wrote");
  std::ifstream in(summary, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string raw = ss.str();
  Json j;
  try {
    j = Json::parse(raw);
  } catch (const std::exception& e) {
    throw InputError(summary.string() + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("hbmeta_version") || !j.contains("outcomes") || !j["outcomes"].is_object())
    throw InputError(summary.string() + ": not an hbmeta summary (needs hbmeta_version and outcomes)");

  RunData run;
  run.dir = dir;
  try {
    run.version = member_text(j, "hbmeta_version");
    run.command = member_text(j, "command");
    run.seed = seed_text(raw, j);
    run.device = member_text(j, "device");
    const Json empty;
    const Json& cfg = j.contains("config") ? j["config"] : empty;
    const Json& timing = j.contains("timing") ? j["timing"] : empty;
    run.sampler = member_text(cfg, "sampler");
    run.input = member_text(cfg, "input");
    run.chains = member_text(cfg, "chains");
    run.warmup = member_text(cfg, "warmup");
    run.draws = member_text(cfg, "draws");
    run.prior_mu = member_text(cfg, "prior_mu");
    run.prior_tau = member_text(cfg, "prior_tau");
    run.prior_beta = member_text(cfg, "prior_beta");
    run.prior_baseline = member_text(cfg, "prior_baseline");
    run.prior_baseline_sd = member_text(cfg, "prior_baseline_sd");
    run.baseline = member_text(cfg, "baseline");
    run.baseline_rate = member_text(cfg, "baseline_rate");
    run.new_clinic_size = member_text(cfg, "new_clinic_size");
    if (!member_text(cfg, "unit").empty()) run.unit = member_text(cfg, "unit");
    run.seconds = member_text(timing, "seconds");
    run.threads = member_text(timing, "threads");

    // File bases as hbmeta's output writer makes them (host/io/output_writer.cpp): the safe name,
    // with _2, _3, ... for later outcomes whose safe names collide.
    std::map<std::string, int> used;
    const Json& outcomes = j["outcomes"];
    for (const auto& name : outcomes.keys()) {
      OutcomeData o = read_outcome(name, outcomes[name]);
      o.unit = run.unit;
      std::string base = safe_file_name(name);
      if (used[base]++ > 0) base.append(1, '_').append(std::to_string(used[base]));
      o.file_base = base;
      run.outcomes.push_back(std::move(o));
    }
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(summary.string() + ": not an hbmeta summary (" + e.what() + ")");
  }
  if (run.outcomes.empty()) throw InputError(summary.string() + ": no outcomes");
  for (auto& o : run.outcomes) read_outcome_draws((fs::path(dir) / "draws" / (o.file_base + ".csv")).string(), o);
  return run;
}

}  // namespace hbm::report
