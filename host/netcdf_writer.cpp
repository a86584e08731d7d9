#include "host/netcdf_writer.hpp"

#include <netcdf.h>

#include <ctime>
#include <stdexcept>
#include <vector>

namespace hbm {
namespace {

void check(int status, const char* what) {
  if (status != NC_NOERR) throw std::runtime_error(std::string("NetCDF ") + what + ": " + nc_strerror(status));
}

// A group with its chain and draw dimensions and their coordinate variables.
struct Group {
  int id = 0, chain = 0, draw = 0, study = -1;
};

Group define_group(int root, const char* name, int chains, int draws, const std::vector<std::string>* studies) {
  Group g;
  check(nc_def_grp(root, name, &g.id), "def_grp");
  if (chains > 0) {
    check(nc_def_dim(g.id, "chain", chains, &g.chain), "def_dim chain");
    check(nc_def_dim(g.id, "draw", draws, &g.draw), "def_dim draw");
  }
  if (studies) check(nc_def_dim(g.id, "study", studies->size(), &g.study), "def_dim study");
  return g;
}

void put_index_coordinate(int gid, const char* name, int dim, int n) {
  int var;
  check(nc_def_var(gid, name, NC_INT, 1, &dim, &var), "def_var coordinate");
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  check(nc_put_var_int(gid, var, v.data()), "put coordinate");
}

void put_study_coordinate(int gid, int dim, const std::vector<std::string>& names) {
  int var;
  check(nc_def_var(gid, "study", NC_STRING, 1, &dim, &var), "def_var study");
  std::vector<const char*> p;
  for (const auto& s : names) p.push_back(s.c_str());
  check(nc_put_var_string(gid, var, p.data()), "put study");
}

void put_chain_draw(const Group& g, const std::string& name, const double* data) {
  int var;
  const int dims[2] = {g.chain, g.draw};
  check(nc_def_var(g.id, name.c_str(), NC_DOUBLE, 2, dims, &var), ("def_var " + name).c_str());
  check(nc_put_var_double(g.id, var, data), ("put " + name).c_str());
}

void put_attr(int id, const char* name, const std::string& value) {
  check(nc_put_att_text(id, NC_GLOBAL, name, value.size(), value.c_str()), "put_att");
}

}  // namespace

void write_netcdf(const std::string& path, const OutcomeResult& r) {
  int nc;
  check(nc_create(path.c_str(), NC_NETCDF4 | NC_CLOBBER, &nc), ("create " + path).c_str());
  try {
    const int C = r.chains, S = r.draws;
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    put_attr(nc, "created_at", stamp);
    put_attr(nc, "inference_library", "hbmeta");
    put_attr(nc, "inference_library_version", HBMETA_VERSION);
    put_attr(nc, "outcome", r.name);
    put_attr(nc, "model", r.model);

    std::vector<std::string> studies;
    for (const auto& s : r.studies) studies.push_back(s.name);

    // posterior: scalar parameters, then the study effects as one (chain, draw, study) array.
    std::vector<int> effect_cols;
    for (std::size_t k = 0; k < r.draw_names.size(); ++k)
      if (r.draw_names[k].rfind("theta[", 0) == 0) effect_cols.push_back(static_cast<int>(k));
    const bool with_effects = !effect_cols.empty() && effect_cols.size() == studies.size();
    Group post = define_group(nc, "posterior", C, S, with_effects ? &studies : nullptr);
    put_index_coordinate(post.id, "chain", post.chain, C);
    put_index_coordinate(post.id, "draw", post.draw, S);
    if (with_effects) put_study_coordinate(post.id, post.study, studies);
    for (std::size_t k = 0; k < r.draw_names.size(); ++k)
      if (r.draw_names[k].rfind("theta[", 0) != 0) put_chain_draw(post, r.draw_names[k], r.draw_columns[k].data());
    if (with_effects) {
      const int K = static_cast<int>(studies.size());
      std::vector<double> theta(static_cast<std::size_t>(C) * S * K);
      for (std::size_t idx = 0; idx < static_cast<std::size_t>(C) * S; ++idx)
        for (int i = 0; i < K; ++i) theta[idx * K + i] = r.draw_columns[effect_cols[i]][idx];
      int var;
      const int dims[3] = {post.chain, post.draw, post.study};
      check(nc_def_var(post.id, "theta", NC_DOUBLE, 3, dims, &var), "def_var theta");
      const char* meaning = r.kind == OutcomeKind::TwoArm ? "study log odds ratio" : "study logit rate";
      check(nc_put_att_text(post.id, var, "long_name", std::string(meaning).size(), meaning), "put_att theta");
      check(nc_put_var_double(post.id, var, theta.data()), "put theta");
    }

    // sample_stats
    Group stats = define_group(nc, "sample_stats", C, S, nullptr);
    put_index_coordinate(stats.id, "chain", stats.chain, C);
    put_index_coordinate(stats.id, "draw", stats.draw, S);
    {
      int var;
      const int dims[2] = {stats.chain, stats.draw};
      check(nc_def_var(stats.id, "diverging", NC_BYTE, 2, dims, &var), "def_var diverging");
      std::vector<signed char> div(r.sample_divergent.begin(), r.sample_divergent.end());
      check(nc_put_var_schar(stats.id, var, div.data()), "put diverging");
    }
    put_chain_draw(stats, "acceptance_rate", r.sample_accept_prob.data());
    if (r.diagnostics.sampler == "hmc") {
      put_chain_draw(stats, "energy", r.sample_energy.data());
      std::vector<double> steps(r.sample_n_steps.begin(), r.sample_n_steps.end());
      put_chain_draw(stats, "n_steps", steps.data());
    }

    // observed_data
    Group obs = define_group(nc, "observed_data", 0, 0, &studies);
    put_study_coordinate(obs.id, obs.study, studies);
    auto put_counts = [&](const char* name, auto field) {
      int var;
      check(nc_def_var(obs.id, name, NC_INT64, 1, &obs.study, &var), "def_var counts");
      std::vector<long long> v;
      for (const auto& s : r.studies) v.push_back(field(s));
      check(nc_put_var_longlong(obs.id, var, v.data()), "put counts");
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
  } catch (...) {
    nc_close(nc);
    throw;
  }
  check(nc_close(nc), "close");
}

}  // namespace hbm
