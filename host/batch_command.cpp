#include "host/batch_command.hpp"

#include <netcdf.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>

#include "host/cli.hpp"
#include "host/input_error.hpp"
#include "host/interrupt.hpp"
#include "host/json_writer.hpp"
#include "host/netcdf_writer.hpp"
#include "host/outcome_fit.hpp"
#include "host/output_writer.hpp"
#include "host/prior_spec.hpp"
#include "host/sampler_run.hpp"
#include "models/logistic.hpp"

namespace fs = std::filesystem;

namespace hbm {

std::string batch_unit_name(const std::string& dataset, const std::string& outcome) {
  return dataset.empty() ? outcome : dataset + "/" + outcome;
}

namespace {

// Stored bytes of one unit's run (hyperparameter draws and per-draw sampler statistics, with
// the study store capped as fit_datasets caps it), for splitting launches.
double unit_run_bytes(const OutcomeData& u, const FitOptions& opt) {
  const double CS = static_cast<double>(opt.sampler.chains) * opt.sampler.draws;
  const double hyper = 2 + u.P() + (u.kind == OutcomeKind::TwoArm && opt.baseline == BaselineModel::Random ? 2 : 0);
  const double study = 8.0 * opt.sampler.chains * static_cast<double>(u.studies.size());
  return CS * (8.0 * (hyper + 2) + 25.0) + 8.0 * study;
}

DatasetFit keep(const OutcomeResult& r, const OutcomeData& u) {
  DatasetFit f;
  f.dataset = u.dataset;
  f.outcome = u.name;
  f.kind = r.kind;
  f.k = r.k;
  f.posterior = r.parameters;
  f.frequentist = r.frequentist;
  f.divergences = r.diagnostics.divergences;
  return f;
}

}  // namespace

std::vector<DatasetFit> fit_datasets(const std::vector<OutcomeData>& units, const FitOptions& opt, ThreadPool& pool,
                                     std::size_t per_launch, const ExtraFrequentist& extra) {
  FitOptions fo = opt;
  // Only the hyperparameters are reported: keep 8 draws per chain of each study effect (enough
  // for fit_outcome's study summaries, which the batch outputs leave out), so memory stays
  // bounded for thousands of datasets.
  fo.study_draw_cap = 8.0 * fo.sampler.chains;
  fo.study_draws = FitOptions::StudyDraws::No;
  fo.precomputed = nullptr;
  std::vector<OutcomeData> named = units;
  for (auto& u : named) u.name = batch_unit_name(u.dataset, u.name);

  std::vector<DatasetFit> out(units.size());
  constexpr double kLaunchBytes = 2.0 * 1024 * 1024 * 1024;
  std::size_t lo = 0;
  while (lo < named.size()) {
    std::size_t hi = lo;
    double bytes = 0;
    while (hi < named.size() && (per_launch == 0 ? (hi == lo || bytes + unit_run_bytes(named[hi], fo) <= kLaunchBytes)
                                                 : hi - lo < per_launch)) {
      bytes += unit_run_bytes(named[hi], fo);
      ++hi;
    }
    const std::vector<OutcomeData> part(named.begin() + lo, named.begin() + hi);
    throw_if_interrupted();
    // Every chain of every unit of this launch group in the same engine launches (single-arm
    // and two-arm units in one launch each), on the CPU threads or the GPU.
    std::map<std::string, HmcRun> runs = prefit_batched(part, fo, pool);
    FitOptions with_runs = fo;
    with_runs.precomputed = &runs;
    pool.parallel_for(static_cast<int>(part.size()), [&](int i) {
      ThreadPool one(1);  // summaries of one unit on the task's own thread
      const OutcomeResult r = fit_outcome(part[i], with_runs, one);
      DatasetFit f = keep(r, units[lo + i]);
      if (extra) {
        OutcomeData plain = units[lo + i];
        for (auto& m : extra(plain)) f.frequentist.push_back(std::move(m));
      }
      out[lo + i] = std::move(f);
    });
    lo = hi;
  }
  return out;
}

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

int run_batch(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description opts("hbmeta batch options");
  static const std::set<std::string> kSkip = {"out", "outcome", "replay", "report", "threshold", "netcdf", "unit", "study-draws",
                                              "study-draw-cap"};
  cli::add_fit_options(opts, [](const std::string& n) { return !kSkip.count(n); });
  opts.add_options()("out", po::value<std::string>()->default_value("hbmeta-batch"), "output folder")(
      "datasets-per-launch", po::value<std::string>()->default_value("0"),
      "at most this many (dataset, outcome) units per engine launch (0: as many as fit in ~2 GiB of draws; never "
      "changes the results)");
  const po::variables_map vm = cli::parse_command(argc, argv, opts, "data", "batch");
  if (vm.count("help")) {
    std::cout << "usage: hbmeta batch DATA.csv [--out DIR] [fit options]\n"
                 "  DATA.csv: a dataset column plus hbmeta fit's columns (outcome,study,events,total or the two-arm\n"
                 "  counts; without a dataset column each outcome is one dataset); every (dataset, outcome) is\n"
                 "  fitted in the same engine launches (docs/simulation.md); writes\n"
                 "  DIR/batch_summary.csv, DIR/batch_summary.nc and DIR/batch_info.json\n"
              << opts;
    return 0;
  }
  if (!vm.count("data"))
    throw InputError("batch: missing the input CSV; usage: hbmeta batch DATA.csv [options] (all options: hbmeta batch --help)");
  RunInfo info;
  info.command = cli::join_command(argc, argv);
  info.input = vm["data"].as<std::string>();
  std::vector<std::string> ignore_columns;
  cli::parse_fit_settings(vm, info, ignore_columns);
  const FitOptions& fo = info.options;
  const auto per_launch = static_cast<std::size_t>(cli::int_option(vm, "datasets-per-launch", 0, 100000000));
  const std::string out_dir = vm["out"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0, force = vm.count("force") > 0;

  const std::vector<OutcomeData> units = read_outcomes(info.input, fo.covariates, ignore_columns, true);
  if (std::filesystem::exists(out_dir) && !force)
    throw InputError(out_dir + ": output folder exists; choose another --out or pass --force to replace it");
  std::set<std::string> datasets;
  for (const auto& u : units) datasets.insert(u.dataset);
  info.device = cli::device_label(fo.device);
  if (!quiet)
    std::cout << "hbmeta " << info.version << " batch: " << datasets.size() << " dataset(s), " << units.size()
              << " (dataset, outcome) unit(s) from " << info.input << "; device " << info.device << ", "
              << info.threads << " thread(s), " << fo.sampler.chains << " chains x " << fo.sampler.draws << " draws ("
              << fo.sampler.warmup << " warmup), seed " << fo.sampler.seed << "\n"
              << std::flush;
  install_interrupt_handlers();
  ThreadPool pool(info.threads);
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<DatasetFit> fits = fit_datasets(units, fo, pool, per_launch);
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Convergence in the terms of the issue: R-hat < 1.01 and bulk ESS >= 400 for mu and tau.
  long long not_converged = 0, divergent = 0;
  for (const auto& f : fits) {
    bool ok = true;
    for (const char* p : {"mu", "tau"}) {
      const ParamSummary* s = f.find(p);
      ok = ok && s && s->rhat < 1.01 && s->ess_bulk >= 400;
    }
    not_converged += !ok;
    divergent += f.divergences > 0;
  }
  write_folder_atomically(out_dir, force, [&](const fs::path& tmp) {
    write_file(tmp / "batch_summary.csv", batch_summary_csv(fits));
    write_batch_summary_netcdf((tmp / "batch_summary.nc").string(), fits);
    JsonWriter j;
    j.begin_object();
    j.value("hbmeta_version", info.version).value("command", info.command).value("input", info.input);
    j.value("seed", std::to_string(fo.sampler.seed)).value("device", info.device);
    j.value("sampler", fo.sampler.algorithm == Algorithm::Gibbs ? "gibbs" : "hmc");
    j.value("chains", fo.sampler.chains).value("warmup", fo.sampler.warmup).value("draws", fo.sampler.draws);
    j.value("prior_mu", prior_to_string(fo.prior_mu)).value("prior_tau", prior_to_string(fo.prior_tau));
    j.value("datasets", static_cast<long long>(datasets.size())).value("units", static_cast<long long>(units.size()));
    j.value("units_not_converged", not_converged).value("units_with_divergences", divergent);
    j.begin_object("timing").value("threads", info.threads).value("seconds", info.seconds).end_object();
    j.end_object();
    write_file(tmp / "batch_info.json", j.str() + "\n");
  });
  if (!quiet)
    std::cout << "fitted " << units.size() << " unit(s) in " << info.seconds << " s ("
              << (info.seconds > 0 ? static_cast<double>(datasets.size()) / info.seconds : 0.0) << " datasets/s); "
              << not_converged << " unit(s) with R-hat >= 1.01 or bulk ESS < 400 for mu or tau, " << divergent
              << " with divergences\noutputs: " << out_dir << "/batch_summary.csv, " << out_dir << "/batch_summary.nc, "
              << out_dir << "/batch_info.json\n";
  return 0;
}

}  // namespace hbm
