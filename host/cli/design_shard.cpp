// Shards of the hierarchical path of hbmeta design, written and merged; see design_shard.hpp.
#include "host/cli/design_shard.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "host/cli/command_line.hpp"
#include "host/cli/option_values.hpp"
#include "host/cli/shard_option.hpp"
#include "host/io/file_text.hpp"
#include "host/io/json_reader.hpp"
#include "host/io/json_writer.hpp"
#include "host/support/input_error.hpp"

namespace fs = std::filesystem;

namespace hbm {

using namespace design;

namespace {

constexpr const char* kFormat = "hbmeta design shard";
constexpr const char* kDefaultOut = "hbmeta-design";  // design's --out default

// 17 significant digits read back by strtod to the same double.
std::string exact(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

std::string mixture_exact(const BetaMixture& mix) {
  std::string t;
  for (const auto& c : mix) t += (t.empty() ? "" : "; ") + exact(c.w) + " " + exact(c.a) + " " + exact(c.b);
  return t;
}

const char* parametrisation_name(Parametrisation p) {
  return p == Parametrisation::Centred ? "centred" : p == Parametrisation::NonCentred ? "non-centred" : "auto";
}

// Thrown inside the reader of one file; becomes "PATH:LINE: not an hbmeta design shard (...)".
struct Malformed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

double real_of(const std::string& text) {
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') throw Malformed("'" + text + "' is not a number");
  return x;
}

int int_of(const std::string& text) {
  const double x = real_of(text);
  if (x != static_cast<int>(x)) throw Malformed("'" + text + "' is not an integer");
  return static_cast<int>(x);
}

BetaMixture mixture_of(const std::string& text) {
  BetaMixture mix;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ';')) {
    std::istringstream p(part);
    std::string w, a, b;
    if (!(p >> w >> a >> b)) throw Malformed("'" + part + "' is not 'w a b'");
    mix.push_back({real_of(w), real_of(a), real_of(b)});
  }
  return mix;
}

std::vector<Criterion> criteria_of(const std::string& text) {
  std::vector<Criterion> out;
  std::istringstream in(text);
  std::string item;
  while (in >> item) {
    const std::size_t colon = item.find(':');
    if (colon == std::string::npos) throw Malformed("criterion '" + item + "' is not DELTA:C");
    out.push_back({real_of(item.substr(0, colon)), real_of(item.substr(colon + 1))});
  }
  return out;
}

// One shard folder, read (not yet checked against the others).
struct ShardFile {
  std::string path;
  DesignShard shard;
  std::map<std::string, long> setting_line;  // where each setting is, for messages
  long shard_line = 1, draws_line = 1, boundary_line = 1;
};

ShardFile read_shard(const std::string& dir) {
  ShardFile f;
  f.path = (fs::path(dir) / "design_shard.json").string();
  const fs::path complete = fs::path(dir) / "design.json";
  if (!fs::exists(f.path) && fs::exists(complete))
    throw InputError(complete.string() + ":1: this folder holds a complete hbmeta design run, not a shard; merge the "
                     "folders that hbmeta design --shard I/N wrote");
  const std::string text =
      read_file_text(f.path, "shard's design_shard.json (is " + dir + " an hbmeta design --shard output folder?)");
  DesignShard& sh = f.shard;
  std::string version;
  try {
    const Json j = Json::parse(text);
    if (j["format"].str() != kFormat) throw Malformed("format is not '" + std::string(kFormat) + "'");
    version = j["hbmeta_version"].str();
    if (version != HBMETA_VERSION)
      throw InputError(f.path + ":1: written by hbmeta " + version + ", this is hbmeta " + HBMETA_VERSION +
                       "; merge the shards with the hbmeta that wrote them (other versions may draw differently)");
    f.shard_line = j["shard"].line();
    try {
      cli::parse_shard(j["shard"].str(), &sh.shard_i, &sh.shard_n);
    } catch (const InputError&) {
      throw Malformed("shard " + cli::quoted(j["shard"].str()) + " is not I/N with 0 <= I < N");
    }
    for (std::size_t i = 0; i < j["args"].size(); ++i) sh.args.push_back(j["args"][i].str());
    sh.run.seconds = j["seconds"].num();
    const Json& st = j["settings"];
    std::map<std::string, std::string> v;
    for (std::size_t i = 0; i < st.keys().size(); ++i) {
      const std::string& key = st.keys()[i];
      v[key] = st[key].str();
      f.setting_line[key] = st[key].line();
      sh.agreement.push_back({key, v[key]});
    }
    const auto at = [&](const std::string& key) -> const std::string& {
      const auto it = v.find(key);
      if (it == v.end()) throw Malformed("no setting '" + key + "'");
      return it->second;
    };
    DesignRun& run = sh.run;
    run.version = at("hbmeta_version");
    run.input = at("input");
    run.outcome = at("outcome");
    run.k = int_of(at("k"));
    run.model_kind = at("model_kind");
    run.device = at("device");
    run.method = at("method");
    run.seed = std::stoull(at("seed"));
    run.prior_mu = at("prior_mu");
    run.prior_tau = at("prior_tau");
    run.sampler = at("sampler");
    run.chains = int_of(at("chains"));
    run.warmup = int_of(at("warmup"));
    run.draws = int_of(at("draws"));
    run.effect_source = at("effect_source");
    for (std::size_t i = 0; i < j["warnings"].size(); ++i) run.warnings.push_back(j["warnings"][i].str());
    DesignSettings& s = sh.settings;
    s.n_t = int_of(at("n_t"));
    s.n_c = int_of(at("n_c"));
    const std::string scale = at("scale");
    if (scale != "difference" && scale != "log_or") throw Malformed("scale '" + scale + "'");
    s.rule.scale = scale == "difference" ? EffectScale::Difference : EffectScale::LogOddsRatio;
    s.rule.criteria = criteria_of(at("criteria"));
    s.treatment_prior = mixture_of(at("treatment_prior"));
    s.has_design_prior = !at("design_prior").empty();
    s.design_prior = mixture_of(at("design_prior"));
    s.robust_weight = real_of(at("robust_weight"));
    s.robust_mean = real_of(at("robust_mean"));
    s.robust_n = real_of(at("robust_n"));
    s.effect = real_of(at("effect"));
    s.target_power = real_of(at("target_power"));
    s.allocation_ratio = real_of(at("allocation_ratio"));
    s.max_n_t = int_of(at("max_n_t"));
    s.max_components = int_of(at("max_components"));
    const Json& md = j["map_draws"];
    f.draws_line = md.line();
    sh.chains = static_cast<std::size_t>(md["chains"].num());
    const Json& values = md["values"];
    sh.map_draws.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) sh.map_draws.push_back(values[i].num());
    if (sh.chains == 0 || sh.map_draws.empty() || sh.map_draws.size() % sh.chains != 0)
      throw Malformed("map_draws are not chains x draws");
    const Json& b = j["boundary_hierarchical"];
    f.boundary_line = b.line();
    for (std::size_t i = 0; i < b.size(); ++i)
      sh.boundary.push_back({static_cast<int>(b[i]["y_c"].num()), static_cast<int>(b[i]["y_t_min"].num())});
  } catch (const InputError&) {
    throw;
  } catch (const JsonSyntaxError& e) {
    throw InputError(f.path + ":" + std::to_string(e.line()) + ": not an hbmeta design shard (" + e.reason() +
                     "); give the folders that hbmeta design --shard I/N wrote");
  } catch (const std::exception& e) {
    throw InputError(f.path + ":1: not an hbmeta design shard (" + e.what() +
                     "); give the folders that hbmeta design --shard I/N wrote");
  }
  return f;
}

// The design command as one run writing out_dir would have been typed: --shard dropped (also
// an unambiguous abbreviation such as --sha, and --shard=I/N) and --out's value replaced.
std::string merged_command(const std::vector<std::string>& args, const std::string& out_dir) {
  std::vector<std::string> a;
  bool had_out = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--out" && i + 1 < args.size()) {
      a.push_back("--out");
      a.push_back(out_dir);
      had_out = true;
      ++i;
    } else if (args[i].rfind("--out=", 0) == 0) {
      a.push_back("--out=" + out_dir);
      had_out = true;
    } else {
      a.push_back(args[i]);
    }
  }
  if (!had_out && out_dir != kDefaultOut) {
    a.push_back("--out");
    a.push_back(out_dir);
  }
  std::vector<char*> argv;
  for (auto& x : a) argv.push_back(x.data());
  return cli::join_command(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

std::vector<int> shard_control_outcomes(int n_c, int i, int n) {
  std::vector<int> v;
  for (int y = i; y <= n_c; y += n) v.push_back(y);
  return v;
}

std::vector<std::pair<std::string, std::string>> design_agreement(const DesignRun& run, const SamplerConfig& sampler,
                                                                  const DesignSettings& s) {
  std::string warnings, criteria;
  for (const auto& w : run.warnings) warnings += (warnings.empty() ? "" : "\n") + w;
  for (const auto& c : s.rule.criteria) criteria += (criteria.empty() ? "" : " ") + exact(c.delta) + ":" + exact(c.c);
  return {{"hbmeta_version", run.version},
          {"input", run.input},
          {"outcome", run.outcome},
          {"k", std::to_string(run.k)},
          {"model_kind", run.model_kind},
          {"device", run.device},
          {"method", run.method},
          {"seed", std::to_string(run.seed)},
          {"prior_mu", run.prior_mu},
          {"prior_tau", run.prior_tau},
          {"sampler", run.sampler},
          {"chains", std::to_string(run.chains)},
          {"warmup", std::to_string(run.warmup)},
          {"draws", std::to_string(run.draws)},
          {"max_steps", std::to_string(sampler.max_steps)},
          {"target_accept", exact(sampler.target_accept)},
          {"parametrisation", parametrisation_name(sampler.parametrisation)},
          {"gpu_lanes", std::to_string(sampler.lanes)},
          {"gpu_study_data", sampler.stage_studies ? "shared" : "global"},
          {"effect_source", run.effect_source},
          {"warnings", warnings},
          {"n_t", std::to_string(s.n_t)},
          {"n_c", std::to_string(s.n_c)},
          {"scale", scale_name(s.rule.scale)},
          {"criteria", criteria},
          {"treatment_prior", mixture_exact(s.treatment_prior)},
          {"design_prior", s.has_design_prior ? mixture_exact(s.design_prior) : ""},
          {"robust_weight", exact(s.robust_weight)},
          {"robust_mean", exact(s.robust_mean)},
          {"robust_n", exact(s.robust_n)},
          {"effect", exact(s.effect)},
          {"target_power", exact(s.target_power)},
          {"allocation_ratio", exact(s.allocation_ratio)},
          {"max_n_t", std::to_string(s.max_n_t)},
          {"max_components", std::to_string(s.max_components)}};
}

std::string design_shard_json(const DesignShard& sh) {
  JsonWriter j;
  j.begin_object();
  j.value("format", kFormat).value("hbmeta_version", sh.run.version);
  j.value("shard", std::to_string(sh.shard_i) + "/" + std::to_string(sh.shard_n));
  j.begin_array("args");
  for (const auto& a : sh.args) j.value("", a);
  j.end_array();
  j.value("seconds", sh.run.seconds);
  j.begin_object("settings");
  for (const auto& [key, text] : sh.agreement) j.value(key, text);
  j.end_object();
  j.begin_array("warnings");
  for (const auto& w : sh.run.warnings) j.value("", w);
  j.end_array();
  j.begin_object("map_draws").value("chains", static_cast<long long>(sh.chains)).begin_array("values");
  for (double x : sh.map_draws) j.value("", x);
  j.end_array().end_object();
  j.begin_array("boundary_hierarchical");
  for (const auto& [y_c, b] : sh.boundary) j.begin_object().value("y_c", y_c).value("y_t_min", b).end_object();
  j.end_array();
  j.end_object();
  return j.str() + "\n";
}

MergedDesign merge_design_shards(const std::vector<std::string>& dirs, const std::string& out_dir) {
  std::vector<ShardFile> files;
  std::map<int, std::size_t> by_index;  // shard I -> its file
  for (const auto& dir : dirs) {
    ShardFile f = read_shard(dir);
    const DesignShard& sh = f.shard;
    const std::string where = f.path + ":";
    const std::string name = std::to_string(sh.shard_i) + "/" + std::to_string(sh.shard_n);
    if (!files.empty()) {
      const ShardFile& first = files.front();
      if (sh.shard_n != first.shard.shard_n)
        throw InputError(where + std::to_string(f.shard_line) + ": shard " + name + " is of another split than " +
                         first.path + " (N = " + std::to_string(first.shard.shard_n) +
                         "); merge the shards of one hbmeta design --shard I/N command");
      for (std::size_t k = 0; k < sh.agreement.size() || k < first.shard.agreement.size(); ++k) {
        const bool both = k < sh.agreement.size() && k < first.shard.agreement.size();
        if (both && sh.agreement[k] == first.shard.agreement[k]) continue;
        const std::string key = k < sh.agreement.size() ? sh.agreement[k].first : first.shard.agreement[k].first;
        const auto line = f.setting_line.count(key) ? f.setting_line.at(key) : 1L;
        throw InputError(where + std::to_string(line) + ": this shard was run with other settings than " + first.path +
                         " (" + key + ": " + cli::quoted(both ? sh.agreement[k].second : "") + " vs " +
                         cli::quoted(both ? first.shard.agreement[k].second : "") +
                         "); only the shards of one hbmeta design command can be merged");
      }
      if (sh.map_draws != first.shard.map_draws || sh.chains != first.shard.chains)
        throw InputError(where + std::to_string(f.draws_line) + ": its MAP draws differ from those of " + first.path +
                         " although every setting agrees (another hbmeta build or machine?); run all shards with one "
                         "hbmeta build");
    }
    if (by_index.count(sh.shard_i))
      throw InputError(where + std::to_string(f.shard_line) + ": shard " + name + " is given twice (also " +
                       files[by_index[sh.shard_i]].path + "); give each shard once");
    // Its boundary must hold exactly its share of the control outcomes.
    std::vector<int> ys;
    for (const auto& e : sh.boundary) ys.push_back(e.first);
    if (ys != shard_control_outcomes(sh.settings.n_c, sh.shard_i, sh.shard_n))
      throw InputError(where + std::to_string(f.boundary_line) + ": boundary_hierarchical does not hold the control "
                       "outcomes of shard " + name + " (y_c = " + std::to_string(sh.shard_i) + ", " +
                       std::to_string(sh.shard_i + sh.shard_n) + ", ... up to " + std::to_string(sh.settings.n_c) +
                       "); the file is incomplete or edited: run that shard again");
    by_index[sh.shard_i] = files.size();
    files.push_back(std::move(f));
  }
  if (files.empty()) throw InputError("merge-design: no shard folders given; usage: hbmeta merge-design DIR1 DIR2 ... --out DIR");
  const int n = files.front().shard.shard_n;
  if (static_cast<int>(by_index.size()) != n) {
    std::string missing;
    for (int i = 0; i < n; ++i)
      if (!by_index.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(n);
    throw InputError("merge-design: shard(s) " + missing + " missing; give all " + std::to_string(n) +
                     " shard folders of the hbmeta design --shard I/N run");
  }
  const DesignShard& zero = files[by_index.at(0)].shard;
  MergedDesign m;
  m.run = zero.run;
  m.run.command = merged_command(zero.args, out_dir);
  m.run.seconds = 0;
  for (const auto& f : files) m.run.seconds += f.shard.run.seconds;
  m.settings = zero.settings;
  m.map_draws = zero.map_draws;
  m.chains = zero.chains;
  m.boundary.assign(m.settings.n_c + 1, 0);
  for (const auto& f : files)
    for (const auto& [y_c, b] : f.shard.boundary) m.boundary[y_c] = b;
  return m;
}

}  // namespace hbm
