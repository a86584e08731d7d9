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
      if (outcomes[name].contains("sensitivity"))
        o.sensitivity = read_sensitivity(outcomes[name]["sensitivity"], summary.string(), name);
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

// ---- The sensitivity block (host/io/sensitivity_json.cpp writes it).
namespace hbm::report {
namespace {

// Where a part of the block is, for errors: the file, the line of the value, its JSON path.
struct Where {
  const std::string& file;
  std::string path;  // outcomes.NAME.sensitivity...
  Where at(const std::string& key) const { return {file, path + "." + key}; }
  Where at(std::size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
  [[noreturn]] void fail(const Json& v, const std::string& what) const {
    throw InputError(file + ":" + std::to_string(v.line()) + ": " + path + " " + what +
                     "; summary.json is written by hbmeta fit: rerun it (with the same --sensitivity options) "
                     "rather than edit the file");
  }
};

// The member `key` of obj when it is of the type asked for; null when absent; an error otherwise.
const Json& member(const Json& obj, const std::string& key, Json::Type type, const Where& w) {
  static const Json null;
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return null;
  const Json& v = obj[key];
  if (v.type() != type) w.at(key).fail(v, type == Json::Type::Array ? "must be a list" : "must be an object");
  return v;
}

// The objects of the list `key` (none when absent); an element that is not an object is an error.
std::vector<const Json*> rows(const Json& obj, const std::string& key, const Where& w) {
  const Json& list = member(obj, key, Json::Type::Array, w);
  std::vector<const Json*> out;
  if (!list.is_array()) return out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) w.at(key).at(i).fail(list[i], "must be an object");
    out.push_back(&list[i]);
  }
  return out;
}

VariantSumm variant(const Json& row, const Where& w) {
  const Json& p = member(row, "posterior", Json::Type::Object, w);
  VariantSumm v;
  if (!p.is_object()) return v;
  v.mu = summ(member(p, "mu", Json::Type::Object, w.at("posterior")));
  v.tau = summ(member(p, "tau", Json::Type::Object, w.at("posterior")));
  v.theta_new = summ(member(p, "theta_new", Json::Type::Object, w.at("posterior")));
  v.divergences = num(p, "divergences");
  return v;
}

RemlSumm reml(const Json& row, const Where& w) {
  const Json& m = member(row, "REML", Json::Type::Object, w);
  RemlSumm r;
  r.est = num(m, "estimate");
  r.se = num(m, "se");
  r.ci_lb = num(m, "ci_lb");
  r.ci_ub = num(m, "ci_ub");
  r.tau2 = num(m, "tau2");
  r.pi_lb = num(m, "pi_lb");
  r.pi_ub = num(m, "pi_ub");
  r.k = num(m, "k");
  r.note = member_text(m, "note");
  return r;
}

RegtestSumm regtest(const Json& obj, const std::string& key, const Where& w) {
  const Json& t = member(obj, key, Json::Type::Object, w);
  return {num(t, "z"), num(t, "p"), num(t, "k"), member_text(t, "note")};
}

FunnelRegion region(const Json& g) { return {num(g, "p"), num(g, "center"), num(g, "lb"), num(g, "ub")}; }

void read_small_study(const Json& s, const Where& w, SensitivityData& d) {
  d.has_small_study = true;
  d.egger = regtest(s, "egger", w);
  d.peters = regtest(s, "peters", w);
  d.small_study_note = member_text(s, "note");
  const Json& tf = member(s, "trimfill", Json::Type::Object, w);
  d.trimfill.k0 = num(tf, "k0");
  d.trimfill.side = member_text(tf, "side");
  d.trimfill.est = num(tf, "estimate");
  d.trimfill.ci_lb = num(tf, "ci_lb");
  d.trimfill.ci_ub = num(tf, "ci_ub");
  d.trimfill.note = member_text(tf, "note");
  for (const Json* f : rows(tf, "filled", w.at("trimfill")))
    d.trimfill.filled.push_back({num(*f, "yi"), num(*f, "vi"), member_text(*f, "mirrors")});
  const Json& fu = member(s, "funnel", Json::Type::Object, w);
  const Where wf = w.at("funnel");
  for (const Json* p : rows(fu, "studies", wf))
    d.funnel.studies.push_back({member_text(*p, "study"), num(*p, "yi"), num(*p, "sei")});
  d.funnel.se_max = num(fu, "se_max");
  for (const Json* g : rows(fu, "significance", wf)) d.funnel.significance.push_back(region(*g));
  d.funnel.pooled = region(member(fu, "pooled", Json::Type::Object, wf));
}

}  // namespace

SensitivityData read_sensitivity(const Json& block, const std::string& file, const std::string& outcome) {
  const Where w{file, "outcomes." + outcome + ".sensitivity"};
  if (block.is_null()) return {};  // written as null: no analyses
  if (!block.is_object()) w.fail(block, "must be an object");
  SensitivityData d;
  d.present = true;
  d.note = member_text(block, "note");
  const auto indexed = [&](const std::string& key, std::size_t i) { return w.at(key).at(i); };
  {
    std::size_t i = 0;
    for (const Json* r : rows(block, "leave_one_out", w)) {
      const Where wr = indexed("leave_one_out", i++);
      LeaveOneOutRow row;
      row.study = member_text(*r, "study");
      row.post = variant(*r, wr);
      row.reml = reml(*r, wr);
      const Json& f = member(*r, "influence", Json::Type::Object, wr);
      row.cook_d = num(f, "cook_d");
      row.dffits = num(f, "dffits");
      row.hat = num(f, "hat");
      row.cov_r = num(f, "cov_r");
      row.influential = f.is_object() && f.contains("influential") && f["influential"].type() == Json::Type::Bool &&
                        f["influential"].boolean();
      d.leave_one_out.push_back(row);
    }
  }
  const Json& cumul = member(block, "cumulative", Json::Type::Object, w);
  if (cumul.is_object()) {
    d.cumulative_by = member_text(cumul, "by");
    std::size_t i = 0;
    for (const Json* r : rows(cumul, "steps", w.at("cumulative"))) {
      const Where wr = w.at("cumulative").at("steps").at(i++);
      d.cumulative.push_back({member_text(*r, "study"), member_text(*r, "key"), count(*r, "k"), variant(*r, wr),
                              reml(*r, wr)});
    }
  }
  {
    std::size_t i = 0;
    for (const Json* r : rows(block, "priors", w)) {
      const Where wr = indexed("priors", i++);
      const bool fit = r->contains("fit_priors") && (*r)["fit_priors"].type() == Json::Type::Bool &&
                       (*r)["fit_priors"].boolean();
      d.priors.push_back({member_text(*r, "prior_mu"), member_text(*r, "prior_tau"), fit, variant(*r, wr)});
    }
    d.priors_statement = member_text(block, "priors_statement");
  }
  const Json& sub = member(block, "subgroups", Json::Type::Object, w);
  if (sub.is_object()) {
    const Where ws = w.at("subgroups");
    d.has_subgroups = true;
    d.subgroups_by = member_text(sub, "by");
    std::size_t i = 0;
    for (const Json* r : rows(sub, "groups", ws)) {
      const Where wr = ws.at("groups").at(i++);
      d.groups.push_back({member_text(*r, "level"), count(*r, "k"), variant(*r, wr), reml(*r, wr)});
    }
    const Json& t = member(sub, "test", Json::Type::Object, ws);
    d.test = {num(t, "QM"), num(t, "df"), num(t, "p"), member_text(t, "note")};
    i = 0;
    for (const Json* r : rows(sub, "differences", ws)) {
      const Where wr = ws.at("differences").at(i++);
      d.differences.push_back({member_text(*r, "a"), member_text(*r, "b"),
                               summ(member(*r, "posterior", Json::Type::Object, wr)), num(*r, "prob_greater")});
    }
  }
  const Json& small = member(block, "small_study", Json::Type::Object, w);
  if (small.is_object()) read_small_study(small, w.at("small_study"), d);
  for (const Json* r : rows(block, "ppc", w)) {
    PredictiveCheckRow c;
    c.study = member_text(*r, "study");
    c.observed = num(*r, "observed");
    c.lo = num(*r, "q2.5");
    c.hi = num(*r, "q97.5");
    c.p_value = num(*r, "p_value");
    c.outside = r->contains("outside") && (*r)["outside"].type() == Json::Type::Bool && (*r)["outside"].boolean();
    const Json& cond = member(*r, "conditional", Json::Type::Object, w.at("ppc"));
    c.cond_lo = num(cond, "q2.5");
    c.cond_hi = num(cond, "q97.5");
    c.cond_p_value = num(cond, "p_value");
    d.ppc.push_back(c);
  }
  return d;
}

}  // namespace hbm::report
