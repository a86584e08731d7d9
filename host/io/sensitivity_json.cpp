#include "host/io/sensitivity_json.hpp"
#include <cmath>

namespace hbm {

void write_param_summary(JsonWriter& j, const std::string& key, const ParamSummary& s) {
  j.begin_object(key);
  j.value("mean", s.mean).value("sd", s.sd);
  for (std::size_t k = 0; k < kQuantileLevels.size(); ++k) j.value(kQuantileNames[k], s.q[k]);
  j.value("rhat", s.rhat).value("ess_bulk", s.ess_bulk).value("ess_tail", s.ess_tail).value("mcse_mean", s.mcse_mean);
  j.value("rhat_nested", s.rhat_nested).value("mcse_q5", s.mcse_q5).value("mcse_q95", s.mcse_q95);
  j.end_object();
}

namespace {

void write_posterior(JsonWriter& j, const VariantPosterior& p) {
  j.begin_object("posterior");
  write_param_summary(j, "mu", p.mu);
  write_param_summary(j, "tau", p.tau);
  write_param_summary(j, "theta_new", p.theta_new);
  j.value("divergences", p.divergences);
  j.end_object();
}

// metafor's REML fit: estimate, se, CI, tau^2, prediction interval (and its heterogeneity).
void write_reml(JsonWriter& j, const freq::MethodResult& m) {
  j.begin_object("REML");
  j.value("estimate", m.estimate).value("se", m.se).value("ci_lb", m.ci_lb).value("ci_ub", m.ci_ub);
  j.value("tau2", m.tau2).value("pi_lb", m.pi_lb).value("pi_ub", m.pi_ub);
  j.value("Q", m.Q).value("Q_p", m.Q_p).value("I2", m.I2).value("H2", m.H2).value("k", m.k);
  j.value("note", m.note);
  j.end_object();
}

void write_regtest(JsonWriter& j, const char* key, const freq::Regtest& t) {
  j.begin_object(key);
  j.value("predictor", t.predictor).value("z", t.zval).value("p", t.pval);
  j.value("slope", t.slope).value("slope_se", t.slope_se);
  j.value("limit_estimate", t.est).value("limit_ci_lb", t.ci_lb).value("limit_ci_ub", t.ci_ub);
  j.value("tau2", t.tau2).value("k", t.k).value("note", t.note);
  j.end_object();
}

}  // namespace

void write_sensitivity(JsonWriter& j, const OutcomeResult& r) {
  const SensitivityResult& s = r.sensitivity;
  j.begin_object("sensitivity");
  if (!s.note.empty()) j.value("note", s.note);
  if (s.chains > 0) {  // how every Bayesian variant was sampled
    j.begin_object("sampler");
    j.value("chains", s.chains).value("warmup", s.warmup).value("draws_per_chain", s.draws);
    j.end_object();
  }
  if (!s.leave_one_out.empty()) {
    j.begin_array("leave_one_out");
    for (const auto& l : s.leave_one_out) {
      j.begin_object();
      j.value("study", l.study);
      write_posterior(j, l.posterior);
      write_reml(j, l.reml);
      const freq::InfluenceRow& f = l.influence;
      j.begin_object("influence");
      j.value("rstudent", f.rstudent).value("dffits", f.dffits).value("cook_d", f.cook_d).value("cov_r", f.cov_r);
      j.value("tau2_del", f.tau2_del).value("QE_del", f.QE_del).value("hat", f.hat).value("weight", f.weight);
      j.value("dfbs", f.dfbs).value("influential", f.influential);
      j.end_object();
      j.end_object();
    }
    j.end_array();
  }
  if (!s.cumulative.empty()) {
    j.begin_object("cumulative");
    j.value("by", s.cumulative_by);
    j.begin_array("steps");
    for (const auto& c : s.cumulative) {
      j.begin_object();
      j.value("study", c.study).value("key", c.key).value("k", c.k);
      write_posterior(j, c.posterior);
      write_reml(j, c.reml);
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  if (!s.priors.empty()) {
    j.begin_array("priors");
    for (const auto& p : s.priors) {
      j.begin_object();
      j.value("prior_mu", p.prior_mu).value("prior_tau", p.prior_tau).value("fit_priors", p.fit_priors);
      write_posterior(j, p.posterior);
      j.end_object();
    }
    j.end_array();
    j.value("priors_statement", s.priors_statement);
  }
  if (!s.groups.empty()) {
    j.begin_object("subgroups");
    j.value("by", s.subgroups_by);
    j.begin_array("groups");
    for (const auto& g : s.groups) {
      j.begin_object();
      j.value("level", g.level).value("k", g.k);
      write_posterior(j, g.posterior);
      write_reml(j, g.reml);
      j.end_object();
    }
    j.end_array();
    const freq::SubgroupTest& t = s.subgroup_test;
    j.begin_object("test");
    j.value("QM", t.QM).value("df", t.df).value("p", t.QM_p);
    j.value("QE", t.QE).value("QE_p", t.QE_p).value("tau2", t.tau2).value("k", t.k).value("note", t.note);
    j.end_object();
    j.begin_array("differences");
    for (const auto& d : s.differences) {
      j.begin_object();
      j.value("a", d.a).value("b", d.b);
      write_param_summary(j, "posterior", d.posterior);
      j.value("prob_greater", d.prob_greater);
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  if (s.small_study) {
    j.begin_object("small_study");
    write_regtest(j, "egger", s.egger);
    write_regtest(j, "peters", s.peters);
    const freq::Trimfill& t = s.trimfill;
    j.begin_object("trimfill");
    j.value("k0", t.k0).value("se_k0", t.se_k0).value("side", t.side);
    j.value("estimate", t.fit.estimate).value("se", t.fit.se).value("ci_lb", t.fit.ci_lb).value("ci_ub", t.fit.ci_ub);
    j.value("tau2", t.fit.tau2);
    j.begin_array("filled");
    for (std::size_t i = 0; i < t.filled_yi.size(); ++i) {
      j.begin_object();
      j.value("yi", t.filled_yi[i]).value("vi", t.filled_vi[i]);
      j.value("mirrors", i < t.filled_from.size() && t.filled_from[i] >= 0 && t.filled_from[i] < static_cast<int>(r.studies.size())
                             ? r.studies[t.filled_from[i]].name : std::string());
      j.end_object();
    }
    j.end_array();
    j.value("note", t.note);
    j.end_object();
    // The funnel plot: each study's escalc effect and standard error, and the regions metafor's
    // funnel() shades (their bounds at se_max; at se = 0 each bound is its centre).
    j.begin_object("funnel");
    j.begin_array("studies");
    for (std::size_t i = 0; i < s.yi.size(); ++i) {
      j.begin_object();
      j.value("study", i < r.studies.size() ? r.studies[i].name : std::string());
      j.value("yi", s.yi[i]).value("sei", std::sqrt(s.vi[i]));
      j.end_object();
    }
    j.end_array();
    j.value("se_max", s.funnel.se_max);
    j.begin_array("significance");
    for (const auto& g : s.funnel.significance) {
      j.begin_object();
      j.value("p", g.p).value("center", g.center).value("lb", g.at_se_max.lb).value("ub", g.at_se_max.ub);
      j.end_object();
    }
    j.end_array();
    j.begin_object("pooled");
    j.value("p", s.funnel.pooled.p).value("center", s.funnel.pooled.center);
    j.value("lb", s.funnel.pooled.at_se_max.lb).value("ub", s.funnel.pooled.at_se_max.ub);
    j.end_object();
    j.end_object();
    j.value("note", s.small_study_note);
    j.end_object();
  }
  // Posterior predictive checks: the mixed replicate (a new effect from the population) is the
  // check; the conditional one (the study's own effect) is kept for comparison.
  if (!r.predictive_checks.empty()) {
    j.begin_array("ppc");
    for (const auto& c : r.predictive_checks) {
      j.begin_object();
      j.value("study", c.study).value("observed", c.observed);
      j.value("q2.5", c.lo).value("q97.5", c.hi).value("p_value", c.p_value).value("outside", c.outside());
      j.begin_object("conditional");
      j.value("q2.5", c.cond_lo).value("q97.5", c.cond_hi).value("p_value", c.cond_p_value);
      j.end_object();
      j.end_object();
    }
    j.end_array();
  }
  j.end_object();
}

}  // namespace hbm
