#include "host/io/batch_summary.hpp"

#include <netcdf.h>

#include <cmath>
#include <stdexcept>

#include "host/io/netcdf_writer.hpp"
#include "host/io/output_writer.hpp"

namespace hbm {

namespace {

// One tidy row.
struct Row {
  const DatasetFit* fit;
  std::string method, parameter;
  double v[8];  // mean, sd, q2.5, q50, q97.5, rhat, ess_bulk, ess_tail
};

constexpr const char* kStatNames[8] = {"mean", "sd", "q2.5", "q50", "q97.5", "rhat", "ess_bulk", "ess_tail"};

std::vector<Row> tidy_rows(const std::vector<DatasetFit>& fits) {
  std::vector<Row> rows;
  for (const auto& f : fits) {
    for (const auto& p : f.posterior) {
      if (p.name == "events_new") continue;  // a predictive count, not a parameter
      const ParamSummary& s = p.s;
      rows.push_back({&f, "posterior", p.name, {s.mean, s.sd, s.q[0], s.q[3], s.q[6], s.rhat, s.ess_bulk, s.ess_tail}});
    }
    // Each classical estimator as summary.csv writes it: mu (estimate, se, CI), tau (Q-profile
    // interval where computed), the natural-scale pooled value, theta_new and the natural-scale
    // new-study value (prediction interval).
    const bool two = f.kind == OutcomeKind::TwoArm;
    double (*nat)(double) = two ? static_cast<double (*)(double)>(std::exp) : static_cast<double (*)(double)>(inv_logit);
    const double na = NAN;
    for (const auto& m : f.frequentist) {
      rows.push_back({&f, m.name, "mu", {m.estimate, m.se, m.ci_lb, na, m.ci_ub, na, na, na}});
      rows.push_back({&f, m.name, "tau", {m.tau, na, std::sqrt(m.tau2_ci_lb), na, std::sqrt(m.tau2_ci_ub), na, na, na}});
      rows.push_back({&f, m.name, two ? "or_pooled" : "p_pooled",
                      {nat(m.estimate), na, nat(m.ci_lb), na, nat(m.ci_ub), na, na, na}});
      rows.push_back({&f, m.name, "theta_new", {na, na, m.pi_lb, na, m.pi_ub, na, na, na}});
      rows.push_back({&f, m.name, two ? "or_new" : "p_new", {na, na, nat(m.pi_lb), na, nat(m.pi_ub), na, na, na}});
    }
  }
  return rows;
}

}  // namespace

std::string batch_summary_csv(const std::vector<DatasetFit>& fits) {
  std::string s = "dataset,outcome,method,parameter";
  for (const char* n : kStatNames) s += std::string(",") + n;
  s += "\n";
  for (const Row& r : tidy_rows(fits)) {
    s += csv_field(r.fit->dataset) + "," + csv_field(r.fit->outcome) + "," + csv_field(r.method) + "," +
         csv_field(r.parameter);
    for (double v : r.v) s += "," + csv_number(v);
    s += "\n";
  }
  return s;
}

void write_batch_summary_netcdf(const std::string& path, const std::vector<DatasetFit>& fits) {
  const std::vector<Row> rows = tidy_rows(fits);
  int nc;
  check_netcdf(nc_create(path.c_str(), NC_NETCDF4 | NC_CLOBBER, &nc), "create " + path);
  try {
    int dim;
    check_netcdf(nc_def_dim(nc, "row", rows.size(), &dim), "def_dim row");
    const char* text_cols[4] = {"dataset", "outcome", "method", "parameter"};
    int text_var[4], num_var[8];
    for (int c = 0; c < 4; ++c) check_netcdf(nc_def_var(nc, text_cols[c], NC_STRING, 1, &dim, &text_var[c]), "def_var");
    const double fill = NAN;
    for (int c = 0; c < 8; ++c) {
      check_netcdf(nc_def_var(nc, kStatNames[c], NC_DOUBLE, 1, &dim, &num_var[c]), std::string("def_var ") + kStatNames[c]);
      check_netcdf(nc_def_var_fill(nc, num_var[c], 0, &fill), "def_var_fill");
    }
    const std::string layout = "tidy table: one row per (dataset, outcome, method, parameter), as batch_summary.csv; "
                               "xarray.open_dataset(path).to_dataframe()";
    check_netcdf(nc_put_att_text(nc, NC_GLOBAL, "layout", layout.size(), layout.c_str()), "put_att");
    const std::string prog = std::string("hbmeta ") + HBMETA_VERSION;
    check_netcdf(nc_put_att_text(nc, NC_GLOBAL, "created_by", prog.size(), prog.c_str()), "put_att");
    check_netcdf(nc_enddef(nc), "enddef");
    if (!rows.empty()) {
      for (int c = 0; c < 4; ++c) {
        std::vector<const char*> p;
        for (const Row& r : rows)
          p.push_back(c == 0 ? r.fit->dataset.c_str() : c == 1 ? r.fit->outcome.c_str() : c == 2 ? r.method.c_str()
                                                                                                  : r.parameter.c_str());
        check_netcdf(nc_put_var_string(nc, text_var[c], p.data()), std::string("put ") + text_cols[c]);
      }
      for (int c = 0; c < 8; ++c) {
        std::vector<double> v;
        for (const Row& r : rows) v.push_back(std::isfinite(r.v[c]) ? r.v[c] : NAN);
        check_netcdf(nc_put_var_double(nc, num_var[c], v.data()), std::string("put ") + kStatNames[c]);
      }
    }
  } catch (...) {
    nc_close(nc);
    throw;
  }
  check_netcdf(nc_close(nc), "close " + path);
}

}  // namespace hbm
