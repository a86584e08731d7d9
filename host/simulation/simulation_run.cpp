// Running a shard of a simulation study; see simulation_run.hpp.
#include "host/simulation/simulation_run.hpp"

#include <chrono>
#include <cmath>
#include <iostream>

#include "host/fit/dataset_fit.hpp"
#include "host/frequentist/frequentist.hpp"

namespace hbm {
namespace {

// The classical methods of a scenario on one replicate's data (metafor's conventions; the
// Q-profile tau^2 interval is not needed here and is skipped).
std::vector<freq::MethodResult> classical_methods(const OutcomeData& d, const std::vector<std::string>& methods) {
  const bool two = d.kind == OutcomeKind::TwoArm;
  std::vector<long long> ev, tot;
  freq::TwoArmCounts c;
  for (const auto& s : d.studies) {
    if (two) {
      c.et.push_back(s.events);
      c.nt.push_back(s.total);
      c.ec.push_back(s.events_c);
      c.nc.push_back(s.total_c);
    } else {
      ev.push_back(s.events);
      tot.push_back(s.total);
    }
  }
  const freq::EffectData e = two ? freq::escalc_or(c) : freq::escalc_plo(ev, tot);
  std::vector<freq::MethodResult> out;
  for (const auto& name : methods) {
    freq::MethodResult m;
    if (name == "GLMM") m = two ? freq::glmm_um_fs(c) : freq::glmm_single_arm(ev, tot);
    else if (name == "MH") m = freq::mantel_haenszel(c);
    else if (name == "Peto") m = freq::peto(c);
    else {
      const bool knha = name.size() > 5 && name.substr(name.size() - 5) == "_knha";
      const std::string base = knha ? name.substr(0, name.size() - 5) : name;
      freq::Tau2Method tm = freq::Tau2Method::REML;
      for (auto t : {freq::Tau2Method::FE, freq::Tau2Method::DL, freq::Tau2Method::REML, freq::Tau2Method::ML,
                     freq::Tau2Method::PM, freq::Tau2Method::SJ, freq::Tau2Method::HS, freq::Tau2Method::EB})
        if (freq::method_name(t) == base) tm = t;
      freq::RmaOptions o;
      o.knha = knha;
      o.tau2_ci = false;
      m = freq::rma(e, tm, o);
    }
    m.name = name;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

std::vector<RepRecord> run_replicates(const std::vector<Scenario>& scenarios, const SimSettings& st, ThreadPool& pool,
                                      std::size_t per_launch, bool verbose) {
  std::vector<RepRecord> out;
  const std::vector<long> reps = shard_reps(st.reps, st.shard_i, st.shard_n);
  for (const auto& s : scenarios) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<OutcomeData> units;
    std::vector<double> theta_new;
    for (long r : reps) {
      SimulatedRep sr = simulate_rep(s, st.seed, r);
      units.push_back(std::move(sr.data));
      theta_new.push_back(sr.theta_new_true);
    }
    const auto base = [&](std::size_t i, const std::string& method) {
      RepRecord rec;
      rec.scenario = s.name;
      rec.method = method;
      rec.rep = reps[i];
      rec.mu_true = s.mu;
      rec.tau_true = s.tau;
      rec.theta_new_true = theta_new[i];
      rec.rhat_mu = rec.rhat_tau = rec.ess_mu = rec.ess_tau = NAN;
      return rec;
    };
    std::vector<std::vector<RepRecord>> per_method(s.all_methods().size());
    for (std::size_t p = 0; p < s.priors.size(); ++p) {
      const ScenarioPrior& pr = s.priors[p];
      FitOptions fo = st.fo;
      fo.prior_mu = pr.mu;
      fo.prior_tau = pr.tau;
      fo.baseline = pr.baseline;
      fo.prior_baseline = pr.prior_baseline;
      fo.prior_baseline_sd = pr.prior_baseline_sd;
      fo.frequentist = FrequentistLevel::None;
      ExtraFrequentist extra;
      if (p == 0 && !s.methods.empty())
        extra = [&](const OutcomeData& d) { return classical_methods(d, s.methods); };
      const std::vector<DatasetFit> fits = units.empty() ? std::vector<DatasetFit>{}
                                                         : fit_datasets(units, fo, pool, per_launch, extra);
      for (std::size_t i = 0; i < fits.size(); ++i) {
        const DatasetFit& f = fits[i];
        RepRecord rec = base(i, pr.name);
        const ParamSummary *mu = f.find("mu"), *tau = f.find("tau"), *tn = f.find("theta_new");
        rec.estimate = mu->mean;
        rec.ci_lb = mu->q[0];
        rec.ci_ub = mu->q[6];
        rec.pi_lb = tn->q[0];
        rec.pi_ub = tn->q[6];
        rec.tau = tau->mean;
        rec.rhat_mu = mu->rhat;
        rec.rhat_tau = tau->rhat;
        rec.ess_mu = mu->ess_bulk;
        rec.ess_tau = tau->ess_bulk;
        rec.failed = !(rec.rhat_mu <= 1.01 && rec.rhat_tau <= 1.01 && rec.ess_mu >= 400 && rec.ess_tau >= 400);
        per_method[p].push_back(rec);
        for (std::size_t m = 0; m < f.frequentist.size(); ++m) {
          const freq::MethodResult& fr = f.frequentist[m];
          RepRecord c = base(i, fr.name);
          c.estimate = fr.estimate;
          c.ci_lb = fr.ci_lb;
          c.ci_ub = fr.ci_ub;
          c.pi_lb = fr.pi_lb;
          c.pi_ub = fr.pi_ub;
          c.tau = fr.tau;
          c.failed = !(fr.converged && std::isfinite(fr.estimate) && std::isfinite(fr.ci_lb) && std::isfinite(fr.ci_ub));
          per_method[s.priors.size() + m].push_back(c);
        }
      }
    }
    for (auto& v : per_method) out.insert(out.end(), v.begin(), v.end());
    if (verbose)
      std::cerr << "hbmeta simulate: scenario " << s.name << ": " << reps.size() << " replicate(s) x "
                << s.all_methods().size() << " method(s) in "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n";
  }
  return out;
}

}  // namespace hbm
