#include "host/io/output_writer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "host/support/input_error.hpp"
#include "host/support/interrupt.hpp"
#include "host/io/json_writer.hpp"
#include "host/io/sensitivity_json.hpp"
#include "host/io/netcdf_writer.hpp"
#include "host/fit/prior_spec.hpp"
#include "models/logistic.hpp"

namespace fs = std::filesystem;

namespace hbm {
namespace {

void write_summary(JsonWriter& j, const std::string& key, const ParamSummary& s) { write_param_summary(j, key, s); }

ParamSummary na_summary() {
  ParamSummary s;
  s.mean = s.sd = s.rhat = s.ess_bulk = s.ess_tail = s.mcse_mean = NAN;
  s.rhat_nested = s.mcse_q5 = s.mcse_q95 = NAN;
  s.q.fill(NAN);
  return s;
}


// A classical estimator as summary rows on the model scale and the natural scale (rate for
// single-arm outcomes, odds ratio for two-arm ones).
std::vector<std::pair<std::string, ParamSummary>> frequentist_rows(const freq::MethodResult& m, OutcomeKind kind) {
  const bool two = kind == OutcomeKind::TwoArm;
  double (*nat)(double) = two ? static_cast<double (*)(double)>(std::exp) : static_cast<double (*)(double)>(inv_logit);
  ParamSummary mu = na_summary(), tau = na_summary(), pp = na_summary(), tn = na_summary(), pn = na_summary();
  mu.mean = m.estimate;
  mu.sd = m.se;
  mu.q[0] = m.ci_lb;
  mu.q[6] = m.ci_ub;
  tau.mean = m.tau;
  tau.q[0] = std::sqrt(m.tau2_ci_lb);
  tau.q[6] = std::sqrt(m.tau2_ci_ub);
  pp.mean = nat(m.estimate);
  pp.q[0] = nat(m.ci_lb);
  pp.q[6] = nat(m.ci_ub);
  tn.q[0] = m.pi_lb;
  tn.q[6] = m.pi_ub;
  pn.q[0] = nat(m.pi_lb);
  pn.q[6] = nat(m.pi_ub);
  return {{"mu", mu}, {"tau", tau}, {two ? "or_pooled" : "p_pooled", pp}, {"theta_new", tn}, {two ? "or_new" : "p_new", pn}};
}

const char* natural_key(OutcomeKind kind) { return kind == OutcomeKind::TwoArm ? "or" : "p"; }


}  // namespace

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string r = "\"";
  for (char c : s) r += c == '"' ? std::string("\"\"") : std::string(1, c);
  return r + "\"";
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "NA";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream f(p, std::ios::binary);
  f << content;
  f.close();
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

std::string safe_file_name(const std::string& name) {
  std::string r;
  for (unsigned char c : name) r += (std::isalnum(c) || c == '.' || c == '_' || c == '-') ? static_cast<char>(c) : '_';
  if (r.empty() || r[0] == '.') r = "_" + r;
  return r;
}

std::string summary_json(const RunInfo& info, const std::vector<OutcomeResult>& results) {
  JsonWriter j;
  j.begin_object();
  j.value("hbmeta_version", info.version);
  j.value("command", info.command);
  j.value("seed", static_cast<long long>(info.options.sampler.seed));
  j.value("device", info.device);
  j.begin_object("config");
  j.value("input", info.input);
  j.begin_array("argv");
  for (const auto& a : info.argv) j.value("", a);
  j.end_array();
  j.value("sampler", info.options.sampler.algorithm == Algorithm::Gibbs ? "gibbs" : "hmc");
  j.value("chains", info.options.sampler.chains);
  j.value("warmup", info.options.sampler.warmup);
  j.value("draws", info.options.sampler.draws);
  j.value("max_steps", info.options.sampler.max_steps);
  j.value("target_accept", info.options.sampler.target_accept);
  const Parametrisation par = info.options.sampler.parametrisation;
  j.value("parametrisation", par == Parametrisation::Auto ? "auto" : par == Parametrisation::Centred ? "centred" : "non-centred");
  j.value("prior_mu", prior_to_string(info.options.prior_mu));
  j.value("prior_tau", prior_to_string(info.options.prior_tau));
  j.value("new_clinic_size", info.options.new_clinic_size);
  j.begin_array("covariates");
  for (const auto& c : info.options.covariates) j.value("", c);
  j.end_array();
  j.value("prior_beta", prior_to_string(info.options.prior_beta));
  j.begin_object("prior_beta_named");
  for (const auto& [name, prior] : info.options.prior_beta_named) j.value(name, prior_to_string(prior));
  j.end_object();
  j.begin_object("new_clinic");
  for (const auto& [name, value] : info.options.new_clinic) j.value(name, value);
  j.end_object();
  j.value("baseline", info.options.baseline == BaselineModel::Random ? "random" : "independent");
  j.value("prior_baseline", prior_to_string(info.options.prior_baseline));
  j.value("prior_baseline_sd", prior_to_string(info.options.prior_baseline_sd));
  j.value("baseline_rate", info.options.baseline_rate > 0 ? info.options.baseline_rate : NAN);
  const FrequentistLevel fl = info.options.frequentist;
  j.value("frequentist", fl == FrequentistLevel::None ? "none" : fl == FrequentistLevel::Basic ? "basic" : "all");
  j.value("unit", info.options.unit);
  j.end_object();
  // What this run had and took on this machine (the only block that may differ between two runs
  // with the same inputs): threads, seconds (of which the sampler's), and the memory budget with the peak it planned for
  // (host/engine/memory_plan.hpp; each outcome's diagnostics say how its study draws were thinned).
  j.begin_object("timing");
  j.value("threads", info.threads);
  j.value("seconds", info.seconds);
  j.value("sampling_seconds", info.sampling_seconds);
  j.value("memory_budget_bytes", info.memory.budget_bytes);
  j.value("memory_budget_source", info.memory.budget_source);
  j.value("estimated_peak_bytes", info.memory.need_bytes);
  j.end_object();
  j.begin_object("outcomes");
  for (const auto& r : results) {
    j.begin_object(r.name);
    const bool two = r.kind == OutcomeKind::TwoArm;
    j.value("model_kind", two ? "two-arm" : "single-arm");
    j.value("model", r.model);
    j.value("k", r.k);
    if (two) j.value("double_zero_studies", r.double_zero_studies);
    j.begin_array("covariates");
    for (const auto& c : r.covariates) j.value("", c);
    j.end_array();
    j.value("new_clinic", r.new_clinic);
    // With covariates: the covariate values mu (and the classical regressions' intercept) is at.
    if (!r.mu_at.empty()) {
      j.begin_object("mu_at");
      for (const auto& a : r.mu_at) {
        if (a.level.empty()) j.value(a.column, a.value);
        else j.value(a.column, a.level);
      }
      j.end_object();
    }
    j.begin_object("parameters");
    for (const auto& p : r.parameters) write_summary(j, p.name, p.s);
    j.end_object();
    j.begin_array("studies");
    for (const auto& s : r.studies) {
      j.begin_object();
      j.value("study", s.name);
      if (two)
        j.value("events_t", s.events).value("total_t", s.total).value("events_c", s.events_c).value("total_c", s.total_c);
      else
        j.value("events", s.events).value("total", s.total);
      j.value("parametrisation", s.centred ? "centred" : "non-centred");
      if (!s.covariates.empty()) {
        j.begin_object("covariates");
        for (const auto& c : s.covariates) {
          if (c.is_number) j.value(c.column, c.value);
          else j.value(c.column, c.text);
        }
        j.end_object();
      }
      write_summary(j, natural_key(r.kind), s.natural);
      write_summary(j, "theta", s.theta);
      j.end_object();
    }
    j.end_array();
    const RunDiagnostics& d = r.diagnostics;
    j.begin_object("diagnostics");
    j.value("sampler", d.sampler);
    j.value("chains", r.chains).value("draws_per_chain", r.draws);
    j.value("divergences", d.divergences).value("warmup_divergences", d.warmup_divergences);
    j.value("step_size", d.step_size).value("trajectory_length", d.trajectory_length);
    j.value("mean_leapfrog_steps", d.mean_leapfrog_steps).value("mean_accept_prob", d.mean_accept_prob);
    j.value("max_rhat", d.max_rhat).value("min_ess_bulk", d.min_ess_bulk).value("min_ess_tail", d.min_ess_tail);
    j.value("max_rhat_nested", d.max_rhat_nested);
    j.value("min_ebfmi", d.min_ebfmi);
    j.value("centred_studies", d.centred_studies);
    // Power-scaling sensitivity of the 95% bounds (above kPriorDrivenSensitivity: warned about).
    j.begin_object("prior_sensitivity");
    for (const auto& ps : d.prior_sensitivity) {
      j.begin_object(ps.quantity);
      j.value("prior", ps.prior).value("lower", ps.lower).value("upper", ps.upper);
      j.end_object();
    }
    j.end_object();
    if (d.centred_baselines >= 0) j.value("centred_baselines", d.centred_baselines);
    j.value("lanes_per_chain", d.lanes_per_chain);
    j.value("study_data", d.study_data);
    // The study summaries come from every study_thin-th draw of each chain (host/engine/memory_plan.hpp).
    j.value("study_draws_per_chain", d.study_draws_per_chain).value("study_thin", d.study_thin);
    j.value("study_draws_from", d.study_draws_from);
    j.end_object();
    j.begin_object("frequentist");
    for (const auto& m : r.frequentist) {
      j.begin_object(m.name);
      j.value("estimate", m.estimate).value("se", m.se).value("ci_lb", m.ci_lb).value("ci_ub", m.ci_ub);
      j.value("tau2", m.tau2).value("tau", m.tau).value("tau2_ci_lb", m.tau2_ci_lb).value("tau2_ci_ub", m.tau2_ci_ub);
      j.value("I2", m.I2).value("H2", m.H2).value("Q", m.Q).value("Q_p", m.Q_p);
      if (m.name.rfind("GLMM", 0) == 0)  // rma.glmm's likelihood-ratio tests (docs/frequentist.md)
        j.value("Q_lrt", m.Q_lrt).value("Q_lrt_p", m.Q_lrt_p).value("tau2_lrt", m.tau2_lrt).value("tau2_lrt_p", m.tau2_lrt_p);
      j.value("pi_lb", m.pi_lb).value("pi_ub", m.pi_ub).value("k", m.k);
      j.value("note", m.note);
      j.end_object();
    }
    j.end_object();
    // Classical meta-regression (REML; with --frequentist all also REML_knha), coefficient by
    // coefficient: intercept, then the covariates.
    for (const freq::RegressionResult* gp : {&r.regression, &r.regression_knha}) {
      if (!r.has_regression || gp->method.empty()) continue;
      const freq::RegressionResult& g = *gp;
      j.begin_object(gp == &r.regression ? "frequentist_regression" : "frequentist_regression_knha");
      j.value("method", g.method);
      j.begin_array("coefficients");
      for (int c = 0; c < g.beta.size(); ++c) {
        j.begin_object();
        j.value("name", c == 0 ? std::string("intercept") : r.covariates[c - 1]);
        j.value("estimate", g.beta[c]).value("se", g.se[c]).value("ci_lb", g.ci_lb[c]).value("ci_ub", g.ci_ub[c]);
        j.value("pval", g.pval[c]);
        j.end_object();
      }
      j.end_array();
      j.value("tau2", g.tau2).value("I2", g.I2).value("H2", g.H2).value("R2", g.R2);
      j.value("QE", g.QE).value("QE_p", g.QE_p).value("QM", g.QM).value("QM_p", g.QM_p).value("k", g.k);
      if (g.df > 0) j.value("df", g.df);  // Knapp-Hartung: t(df) intervals, QM ~ F(p - 1, df)
      // At the new clinic's covariates (metafor's predict(..., newmods =)): the classical
      // counterpart of fitted_new (CI) and theta_new (prediction interval).
      const freq::RegressionPrediction& pr = gp == &r.regression ? r.regression_pred : r.regression_knha_pred;
      j.begin_object("prediction");
      j.value("at", r.new_clinic);
      j.value("pred", pr.pred).value("se", pr.se).value("ci_lb", pr.ci_lb).value("ci_ub", pr.ci_ub);
      j.value("pi_lb", pr.pi_lb).value("pi_ub", pr.pi_ub);
      j.end_object();
      j.value("note", g.note);
      j.end_object();
    }
    write_sensitivity(j, r);
    j.begin_array("warnings");
    for (const auto& w : r.warnings) j.value("", w);
    j.end_array();
    j.end_object();
  }
  j.end_object();
  j.end_object();
  return j.str();
}

std::string summary_csv(const std::vector<OutcomeResult>& results) {
  std::string out = "outcome,method,parameter,study,mean,sd";
  for (const char* q : kQuantileNames) out += std::string(",") + q;
  out += ",rhat,ess_bulk,ess_tail,mcse_mean\n";
  auto row = [&](const std::string& outcome, const std::string& method, const std::string& param,
                 const std::string& study, const ParamSummary& s) {
    out += csv_field(outcome) + "," + method + "," + param + "," + csv_field(study) + "," + csv_number(s.mean) + "," +
           csv_number(s.sd);
    for (double q : s.q) out += "," + csv_number(q);
    out += "," + csv_number(s.rhat) + "," + csv_number(s.ess_bulk) + "," + csv_number(s.ess_tail) + "," +
           csv_number(s.mcse_mean) + "\n";
  };
  for (const auto& r : results) {
    for (const auto& p : r.parameters) row(r.name, "posterior", p.name, "", p.s);
    for (const auto& s : r.studies) {
      row(r.name, "posterior", natural_key(r.kind), s.name, s.natural);
      row(r.name, "posterior", "theta", s.name, s.theta);
    }
    // Classical estimators in the same columns: the estimate in `mean`, its standard error in
    // `sd`, the 95% interval in q2.5/q97.5 (confidence interval for mu and p_pooled, Q-profile
    // interval for tau, prediction interval for theta_new and p_new); other cells are NA.
    for (const auto& m : r.frequentist) {
      for (const auto& fs : frequentist_rows(m, r.kind)) row(r.name, m.name, fs.first, "", fs.second);
    }
    // Sensitivity variants' posteriors (mu, tau, theta_new), the method naming the analysis and
    // the study column naming the variant: the study left out, the study added (cumulative), the
    // priors ("tau=...; mu=..."), the subgroup level, or "A - B" for a difference of subgroups.
    const SensitivityResult& sr = r.sensitivity;
    const auto variant = [&](const std::string& method, const std::string& label, const VariantPosterior& p) {
      row(r.name, method, "mu", label, p.mu);
      row(r.name, method, "tau", label, p.tau);
      row(r.name, method, "theta_new", label, p.theta_new);
    };
    for (const auto& l : sr.leave_one_out) variant("posterior_leave_one_out", l.study, l.posterior);
    for (const auto& c : sr.cumulative) variant("posterior_cumulative", c.study, c.posterior);
    for (const auto& p : sr.priors) variant("posterior_prior", "tau=" + p.prior_tau + "; mu=" + p.prior_mu, p.posterior);
    for (const auto& g : sr.groups) variant("posterior_subgroup", g.level, g.posterior);
    for (const auto& d : sr.differences) row(r.name, "posterior_subgroup_difference", "mu", d.a + " - " + d.b, d.posterior);
    // Their classical (REML) counterparts, in the classical rows' columns.
    const auto classical = [&](const std::string& method, const std::string& label, const freq::MethodResult& m) {
      for (const auto& fs : frequentist_rows(m, r.kind)) row(r.name, method, fs.first, label, fs.second);
    };
    for (const auto& l : sr.leave_one_out) classical("REML_leave_one_out", l.study, l.reml);
    for (const auto& c : sr.cumulative) classical("REML_cumulative", c.study, c.reml);
    for (const auto& g : sr.groups) classical("REML_subgroup", g.level, g.reml);
    // Classical meta-regression coefficients: estimate, se and 95% CI in the same columns.
    for (const freq::RegressionResult* gp : {&r.regression, &r.regression_knha}) {
      if (!r.has_regression || gp->method.empty()) continue;
      const freq::RegressionResult& g = *gp;
      for (int c = 0; c < g.beta.size(); ++c) {
        ParamSummary b = na_summary();
        b.mean = g.beta[c];
        b.sd = g.se[c];
        b.q[0] = g.ci_lb[c];
        b.q[6] = g.ci_ub[c];
        row(r.name, g.method + "_regression", c == 0 ? std::string("mu") : "beta[" + r.covariates[c - 1] + "]", "", b);
      }
    }
  }
  return out;
}

// posterior::as_draws_df's reserved columns, so that read.csv + as_draws_df in R (and pandas)
// take the file as it is: .chain (1-based), .iteration within the chain, .draw over all chains.
std::string draws_csv(const OutcomeResult& r) {
  std::string out = ".chain,.iteration,.draw";
  for (const auto& n : r.draw_names) out += "," + n;
  out += "\n";
  for (int c = 0; c < r.chains; ++c) {
    for (int t = 0; t < r.draws; ++t) {
      const std::size_t idx = static_cast<std::size_t>(c) * r.draws + t;
      out += std::to_string(c + 1) + "," + std::to_string(t + 1) + "," + std::to_string(idx + 1);
      for (const auto& col : r.draw_columns) out += "," + csv_number(col[idx]);
      out += "\n";
    }
  }
  return out;
}

// The study behind each study column of the draws file ("theta[i]" -> the i-th study's label
// as written in the input, repeated labels disambiguated), so that columns can be matched to
// studies without counting rows; empty when the draws file has no study columns.
std::string draw_studies_csv(const OutcomeResult& r) {
  std::string out;
  for (std::size_t i = 0; i < r.studies.size(); ++i) {
    const std::string col = "theta[" + std::to_string(i + 1) + "]";
    if (std::find(r.draw_names.begin(), r.draw_names.end(), col) == r.draw_names.end()) continue;
    out += csv_field(col) + "," + csv_field(r.studies[i].name) + "\n";
  }
  return out.empty() ? out : "column,study\n" + out;
}

void refuse_existing_folder(const std::string& dir, bool force) {
  if (fs::exists(dir) && !force)
    throw InputError(dir + ": output folder exists; choose another --out or pass --force to replace it");
}

// A folder written in full or not at all: filled in a temporary sibling, then renamed into place
// (an existing one replaced only with force); on any error or interrupt the temporary is removed.
void write_folder_atomically(const std::string& dir, bool force, const std::function<void(const fs::path& tmp)>& fill) {
  const fs::path target(dir);
  refuse_existing_folder(dir, force);
  fs::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent))
    throw InputError(dir + ": parent folder " + parent.string() + " does not exist; create it first");
  const fs::path tmp = parent / (target.filename().string() + ".hbmeta-tmp-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  try {
    fs::create_directories(tmp);
    fill(tmp);
    throw_if_interrupted();
    if (fs::exists(target)) {
      const fs::path old = parent / (target.filename().string() + ".hbmeta-old-" + std::to_string(::getpid()));
      fs::rename(target, old);
      fs::rename(tmp, target);
      fs::remove_all(old);
    } else {
      fs::rename(tmp, target);
    }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

void write_outputs(const std::string& dir, bool force, const RunInfo& info,
                   const std::vector<OutcomeResult>& results, ThreadPool& pool,
                   const std::function<void(const std::string& folder)>& finish) {
  write_folder_atomically(dir, force, [&](const fs::path& tmp) {
    fs::create_directories(tmp / "draws");
    if (info.netcdf) fs::create_directories(tmp / "netcdf");
    write_file(tmp / "summary.json", summary_json(info, results));
    write_file(tmp / "summary.csv", summary_csv(results));
    std::vector<std::string> bases;
    std::map<std::string, int> used;
    for (const auto& r : results) {
      std::string base = safe_file_name(r.name);
      if (used[base]++ > 0) base += "_" + std::to_string(used[base]);
      bases.push_back(base);
    }
    // Each outcome's draws file on its own thread: formatting every draw as text dominates.
    pool.parallel_for(static_cast<int>(results.size()), [&](int k) {
      write_file(tmp / "draws" / (bases[k] + ".csv"), draws_csv(results[k]));
      const std::string studies = draw_studies_csv(results[k]);
      if (!studies.empty()) write_file(tmp / "draws" / (bases[k] + ".studies.csv"), studies);
    });
    if (info.netcdf) {
      for (std::size_t k = 0; k < results.size(); ++k)
        write_netcdf((tmp / "netcdf" / (bases[k] + ".nc")).string(), results[k]);
      write_netcdf_combined((tmp / "posterior.nc").string(), results);  // every outcome in one file
    }
    if (finish) finish(tmp.string());
  });
}

}  // namespace hbm
