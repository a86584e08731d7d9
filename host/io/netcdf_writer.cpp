// NetCDF-4 draws files; the layout is described in host/io/netcdf_writer.hpp.
#include "host/io/netcdf_writer.hpp"

#include <netcdf.h>

#include <ctime>
#include <map>
#include <stdexcept>
#include <vector>

#include "host/io/output_writer.hpp"

namespace hbm {
void check_netcdf(int status, const std::string& what) {
  if (status != NC_NOERR) throw std::runtime_error("NetCDF " + what + ": " + nc_strerror(status));
}

namespace {

void check(int status, const std::string& what) { check_netcdf(status, what); }

// Dimensions an outcome's variables use in one group. study < 0: none.
struct Dims {
  int chain = -1, draw = -1, study = -1;
};

int def_dim(int gid, const std::string& name, std::size_t n) {
  int d;
  check(nc_def_dim(gid, name.c_str(), n, &d), "def_dim " + name);
  return d;
}

void put_index_coordinate(int gid, const std::string& name, int dim, int n) {
  int var;
  check(nc_def_var(gid, name.c_str(), NC_INT, 1, &dim, &var), "def_var " + name);
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  check(nc_put_var_int(gid, var, v.data()), "put " + name);
}

void put_text_attr(int gid, int var, const char* name, const std::string& value) {
  check(nc_put_att_text(gid, var, name, value.size(), value.c_str()), std::string("put_att ") + name);
}

void put_study_coordinate(int gid, const std::string& name, int dim, const std::vector<std::string>& names) {
  int var;
  check(nc_def_var(gid, name.c_str(), NC_STRING, 1, &dim, &var), "def_var " + name);
  std::vector<const char*> p;
  for (const auto& s : names) p.push_back(s.c_str());
  check(nc_put_var_string(gid, var, p.data()), "put " + name);
}

// Names and dimension names of one outcome's variables: "" + VAR in its own file, BASE.VAR in
// the combined one.
struct Naming {
  std::string prefix;   // "" or "BASE."
  std::string outcome;  // attribute `outcome` on each variable; "" = none
  std::string var(const std::string& v) const { return prefix + v; }
};

int def_var(int gid, const Naming& nm, const std::string& name, nc_type type, std::vector<int> dims) {
  int var;
  const std::string full = nm.var(name);
  check(nc_def_var(gid, full.c_str(), type, static_cast<int>(dims.size()), dims.data(), &var), "def_var " + full);
  if (!nm.outcome.empty()) put_text_attr(gid, var, "outcome", nm.outcome);
  return var;
}

void put_chain_draw(int gid, const Dims& d, const Naming& nm, const std::string& name, const double* data) {
  const int var = def_var(gid, nm, name, NC_DOUBLE, {d.chain, d.draw});
  check(nc_put_var_double(gid, var, data), "put " + nm.var(name));
}

std::vector<std::string> study_names(const OutcomeResult& r) {
  std::vector<std::string> v;
  for (const auto& s : r.studies) v.push_back(s.name);
  return v;
}

// The draws columns that are study effects theta[i], when there is one per study (else empty).
std::vector<int> effect_columns(const OutcomeResult& r) {
  std::vector<int> cols;
  for (std::size_t k = 0; k < r.draw_names.size(); ++k)
    if (r.draw_names[k].rfind("theta[", 0) == 0) cols.push_back(static_cast<int>(k));
  if (cols.size() != r.studies.size()) cols.clear();
  return cols;
}

// posterior: scalar parameters as (chain, draw), the study effects as one (chain, draw, study)
// array. d.study must be defined when there are effect columns.
void write_posterior(int gid, const Dims& d, const Naming& nm, const OutcomeResult& r) {
  const std::vector<int> effects = effect_columns(r);
  for (std::size_t k = 0; k < r.draw_names.size(); ++k)
    if (r.draw_names[k].rfind("theta[", 0) != 0) put_chain_draw(gid, d, nm, r.draw_names[k], r.draw_columns[k].data());
  if (effects.empty()) return;
  const std::size_t C = r.chains, S = r.draws, K = effects.size();
  std::vector<double> theta(C * S * K);
  for (std::size_t idx = 0; idx < C * S; ++idx)
    for (std::size_t i = 0; i < K; ++i) theta[idx * K + i] = r.draw_columns[effects[i]][idx];
  const int var = def_var(gid, nm, "theta", NC_DOUBLE, {d.chain, d.draw, d.study});
  put_text_attr(gid, var, "long_name", r.kind == OutcomeKind::TwoArm ? "study log odds ratio" : "study logit rate");
  check(nc_put_var_double(gid, var, theta.data()), "put " + nm.var("theta"));
}

void write_sample_stats(int gid, const Dims& d, const Naming& nm, const OutcomeResult& r) {
  const std::size_t N = static_cast<std::size_t>(r.chains) * r.draws;
  {
    // NetCDF has no boolean type: int8 plus dtype = "bool", xarray's (and so ArviZ's) encoding
    // of a boolean variable, which it decodes back to bool.
    const int var = def_var(gid, nm, "diverging", NC_BYTE, {d.chain, d.draw});
    put_text_attr(gid, var, "dtype", "bool");
    std::vector<signed char> div(N, 0);
    for (std::size_t i = 0; i < N && i < r.sample_divergent.size(); ++i) div[i] = r.sample_divergent[i] ? 1 : 0;
    check(nc_put_var_schar(gid, var, div.data()), "put " + nm.var("diverging"));
  }
  put_chain_draw(gid, d, nm, "acceptance_rate", r.sample_accept_prob.data());
  if (r.diagnostics.sampler == "hmc") {
    put_chain_draw(gid, d, nm, "energy", r.sample_energy.data());
    std::vector<double> steps(r.sample_n_steps.begin(), r.sample_n_steps.end());
    put_chain_draw(gid, d, nm, "n_steps", steps.data());
    // One adapted step size shared by every chain and fixed after warmup.
    const std::vector<double> eps(N, r.diagnostics.step_size);
    put_chain_draw(gid, d, nm, "step_size", eps.data());
  }
}

void write_observed(int gid, const Dims& d, const Naming& nm, const OutcomeResult& r) {
  auto put_counts = [&](const char* name, auto field) {
    const int var = def_var(gid, nm, name, NC_INT64, {d.study});
    std::vector<long long> v;
    for (const auto& s : r.studies) v.push_back(field(s));
    check(nc_put_var_longlong(gid, var, v.data()), "put " + nm.var(name));
  };
  if (r.kind == OutcomeKind::TwoArm) {
    put_counts("events_t", [](const StudyResult& s) { return s.events; });
    put_counts("total_t", [](const StudyResult& s) { return s.total; });
    put_counts("events_c", [](const StudyResult& s) { return s.events_c; });
    put_counts("total_c", [](const StudyResult& s) { return s.total_c; });
  } else {
    put_counts("events", [](const StudyResult& s) { return s.events; });
    put_counts("total", [](const StudyResult& s) { return s.total; });
  }
}

void put_root_attrs(int nc) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  put_text_attr(nc, NC_GLOBAL, "created_at", stamp);
  put_text_attr(nc, NC_GLOBAL, "inference_library", "hbmeta");
  put_text_attr(nc, NC_GLOBAL, "inference_library_version", HBMETA_VERSION);
}

// Creates `path`, runs `body(ncid)` and closes the file (also when body throws).
template <class F>
void with_file(const std::string& path, F&& body) {
  int nc;
  check(nc_create(path.c_str(), NC_NETCDF4 | NC_CLOBBER, &nc), "create " + path);
  try {
    body(nc);
  } catch (...) {
    nc_close(nc);
    throw;
  }
  check(nc_close(nc), "close " + path);
}

int def_group(int nc, const char* name) {
  int g;
  check(nc_def_grp(nc, name, &g), std::string("def_grp ") + name);
  return g;
}

}  // namespace

void write_netcdf(const std::string& path, const OutcomeResult& r) {
  with_file(path, [&](int nc) {
    put_root_attrs(nc);
    put_text_attr(nc, NC_GLOBAL, "outcome", r.name);
    put_text_attr(nc, NC_GLOBAL, "model", r.model);
    const Naming nm;
    const std::vector<std::string> studies = study_names(r);
    const bool with_effects = !effect_columns(r).empty();

    const int post = def_group(nc, "posterior");
    Dims pd{def_dim(post, "chain", r.chains), def_dim(post, "draw", r.draws), -1};
    put_index_coordinate(post, "chain", pd.chain, r.chains);
    put_index_coordinate(post, "draw", pd.draw, r.draws);
    if (with_effects) {
      pd.study = def_dim(post, "study", studies.size());
      put_study_coordinate(post, "study", pd.study, studies);
    }
    write_posterior(post, pd, nm, r);

    const int stats = def_group(nc, "sample_stats");
    const Dims sd{def_dim(stats, "chain", r.chains), def_dim(stats, "draw", r.draws), -1};
    put_index_coordinate(stats, "chain", sd.chain, r.chains);
    put_index_coordinate(stats, "draw", sd.draw, r.draws);
    write_sample_stats(stats, sd, nm, r);

    const int obs = def_group(nc, "observed_data");
    const Dims od{-1, -1, def_dim(obs, "study", studies.size())};
    put_study_coordinate(obs, "study", od.study, studies);
    write_observed(obs, od, nm, r);
  });
}

void write_netcdf_combined(const std::string& path, const std::vector<OutcomeResult>& results) {
  // The outcomes' BASEs as the draws files have them (host/io/output_writer.cpp): the safe name,
  // with _2, _3, ... for later outcomes whose safe names collide.
  std::vector<std::string> bases;
  std::map<std::string, int> used;
  for (const auto& r : results) {
    std::string base = safe_file_name(r.name);
    if (used[base]++ > 0) base += "_" + std::to_string(used[base]);
    bases.push_back(base);
  }
  with_file(path, [&](int nc) {
    put_root_attrs(nc);
    std::string list;
    for (const auto& b : bases) list += (list.empty() ? "" : ",") + b;
    put_text_attr(nc, NC_GLOBAL, "outcomes", list);
    put_text_attr(nc, NC_GLOBAL, "variable_naming",
                  "OUTCOME.VARIABLE, OUTCOME as in the outcomes attribute; studies along OUTCOME.study");
    const int post = def_group(nc, "posterior"), stats = def_group(nc, "sample_stats"),
              obs = def_group(nc, "observed_data");
    // chain and draw, shared by every outcome with the first outcome's counts.
    const int C0 = results.empty() ? 0 : results.front().chains, S0 = results.empty() ? 0 : results.front().draws;
    Dims shared_post, shared_stats;
    if (!results.empty()) {
      for (auto [gid, dims] : {std::pair<int, Dims*>{post, &shared_post}, {stats, &shared_stats}}) {
        dims->chain = def_dim(gid, "chain", C0);
        dims->draw = def_dim(gid, "draw", S0);
        put_index_coordinate(gid, "chain", dims->chain, C0);
        put_index_coordinate(gid, "draw", dims->draw, S0);
      }
    }
    for (std::size_t o = 0; o < results.size(); ++o) {
      const OutcomeResult& r = results[o];
      const Naming nm{bases[o] + ".", r.name};
      const std::vector<std::string> studies = study_names(r);
      Dims pd = shared_post, sd = shared_stats;
      if (r.chains != C0 || r.draws != S0)
        for (auto [gid, dims] : {std::pair<int, Dims*>{post, &pd}, {stats, &sd}}) {
          dims->chain = def_dim(gid, nm.var("chain"), r.chains);
          dims->draw = def_dim(gid, nm.var("draw"), r.draws);
          put_index_coordinate(gid, nm.var("chain"), dims->chain, r.chains);
          put_index_coordinate(gid, nm.var("draw"), dims->draw, r.draws);
        }
      if (!effect_columns(r).empty()) {
        pd.study = def_dim(post, nm.var("study"), studies.size());
        put_study_coordinate(post, nm.var("study"), pd.study, studies);
      }
      write_posterior(post, pd, nm, r);
      write_sample_stats(stats, sd, nm, r);
      Dims od;
      od.study = def_dim(obs, nm.var("study"), studies.size());
      put_study_coordinate(obs, nm.var("study"), od.study, studies);
      write_observed(obs, od, nm, r);
    }
  });
}

}  // namespace hbm
