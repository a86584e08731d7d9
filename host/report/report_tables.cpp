#include "host/report/report_tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "host/support/input_error.hpp"
#include "host/stats/nested_rhat.hpp"
#include "host/fit/prior_spec.hpp"
#include "host/report/report_format.hpp"
#include "host/report/report_plots.hpp"
#include "host/report/report_stats.hpp"
#include "host/report/svg_plot.hpp"

namespace hbm::report {
namespace {

std::string esc(const std::string& s) { return svg::escape(s); }

std::string row(const std::vector<std::string>& cells, const char* tag = "td") {
  std::string r = "<tr>";
  for (const auto& c : cells) r += std::string("<") + tag + ">" + c + "</" + tag + ">";
  return r + "</tr>\n";
}

// "[lo, hi]" (built by appending: GCC 12 warns falsely on "literal" + temporary string).
std::string bracket(double lo, double hi) {
  std::string r = "[";
  r.append(fmt_sig(lo, 2, 2)).append(", ").append(fmt_sig(hi, 2, 2)).append("]");
  return r;
}

std::string natural_interval(const Summ* s) { return s ? fmt_interval(s->q50, s->q025, s->q975) : "NA"; }

// What each parameter of summary.json means, for the posterior table.
std::string meaning(const OutcomeData& o, const std::string& key) {
  static const std::map<std::string, std::string> single = {
      {"mu", "pooled logit rate"},
      {"tau", "between-study sd (logit scale)"},
      {"theta_new", "logit rate at a new clinic"},
      {"p_pooled", "rate at a typical clinic"},
      {"p_new", "rate at a new clinic (95% prediction interval)"},
      {"events_new", "events among the new clinic's patients"},
      {"fitted_new", "fitted logit rate at the new clinic's covariates"},
      {"p_fitted_new", "fitted rate at the new clinic's covariates"}};
  static const std::map<std::string, std::string> two = {
      {"mu", "pooled log odds ratio"},
      {"or_pooled", "odds ratio at a typical clinic"},
      {"tau", "between-study sd (log OR scale)"},
      {"theta_new", "log odds ratio at a new clinic"},
      {"or_new", "odds ratio at a new clinic (95% prediction interval)"},
      {"mu_alpha", "mean control-arm logit"},
      {"sigma_alpha", "sd of control-arm logits"},
      {"fitted_new", "fitted log OR at the new clinic's covariates"},
      {"or_fitted_new", "fitted OR at the new clinic's covariates"},
      {"p_treat_pooled", "treatment-arm rate at a typical clinic with the given control rate"},
      {"p_treat_new", "treatment-arm rate at a new clinic with the given control rate"}};
  const auto& m = o.two_arm ? two : single;
  const auto it = m.find(key);
  if (it != m.end()) return in_units(it->second, o.unit);
  if (key.rfind("beta[", 0) == 0) return "meta-regression coefficient";
  return "";
}

// A prior in canonical text, in the project's words, and what it means on the outcome scale.
std::string prior_line(const std::string& what, const std::string& text, PriorRole role, const std::string& scale) {
  std::string r = "<tr><th>" + esc(what) + "</th><td><code>" + esc(text) + "</code>";
  try {
    const Prior p = parse_prior(text, role, what);
    r += ": " + esc(prior_in_words(p));
    if (!scale.empty()) r += " " + esc(scale);
  } catch (const InputError&) {
    // An unknown prior text is shown as it is: the report still says what the run used.
  }
  return r + "</td></tr>\n";
}

std::string mu_prior_plain(const Prior& p, bool any_single, bool any_two) {
  const double lo = p.a - 1.959964 * p.b, hi = p.a + 1.959964 * p.b;
  std::string r;
  if (any_single)
    r += "Its central 95% covers pooled rates from " + fmt_sig(inv_logit(lo), 2) + " to " + fmt_sig(inv_logit(hi), 2) +
         (any_two ? "; " : ".");
  if (any_two)
    r += std::string(any_single ? "its" : "Its") + " central 95% covers pooled odds ratios from " +
         fmt_sig(std::exp(lo), 2) + " to " + fmt_sig(std::exp(hi), 2) + ".";
  return r;
}

std::string tau_prior_plain(const Prior& p) {
  const double med = prior_quantile(p, 0.5), q95 = prior_quantile(p, 0.95);
  // Two clinics 1.96 tau either side of the typical one differ by exp(2 * 1.96 tau) in odds.
  return "Prior median of tau " + fmt_sig(med, 3) + ", 95th percentile " + fmt_sig(q95, 3) +
         ": at tau = " + fmt_sig(q95, 3) +
         " the odds of clinics within the middle 95% would differ by a factor of up to " +
         fmt_sig(std::exp(2 * 1.959964 * q95), 2) + ".";
}

}  // namespace

std::string manifest_html(const RunData& run) {
  bool any_single = false, any_two = false, any_cov = false;
  for (const auto& o : run.outcomes) (o.two_arm ? any_two : any_single) = true, any_cov |= !o.covariates.empty();
  std::string h = "<table class=\"kv\">\n";
  auto kv = [&](const std::string& k, const std::string& v) {
    if (!v.empty()) h += "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>\n";
  };
  kv("hbmeta version", run.version);
  kv("command", run.command);
  kv("input file", run.input);
  kv("seed", run.seed);
  kv("device", run.device);
  kv("sampler", run.sampler);
  if (!run.chains.empty())
    kv("chains x draws (warmup)", run.chains + " x " + run.draws + " (" + run.warmup + " warmup iterations per chain)");
  if (!run.seconds.empty()) {
    double s = std::atof(run.seconds.c_str());
    kv("time", fmt_sig(s, 3) + " s" + (run.threads.empty() ? "" : " on " + run.threads + " threads"));
  }
  const std::string mu_scale = any_single && any_two
                                   ? "(pooled logit rate, or pooled log odds ratio for two-arm outcomes)"
                               : any_two ? "(pooled log odds ratio)"
                                         : "(pooled logit rate)";
  h += prior_line("prior of mu", run.prior_mu, PriorRole::Location, "on mu " + mu_scale + ".");
  try {
    h += "<tr><th></th><td>" +
         esc(mu_prior_plain(parse_prior(run.prior_mu, PriorRole::Location, "prior_mu"), any_single, any_two)) +
         "</td></tr>\n";
  } catch (const InputError&) {
  }
  h += prior_line("prior of tau", run.prior_tau, PriorRole::Scale,
                  "on tau, the between-study sd of the " + std::string(any_single && !any_two ? "logit rates."
                                                                       : any_two && !any_single
                                                                           ? "log odds ratios."
                                                                           : "logit rates (log odds ratios)."));
  try {
    h += "<tr><th></th><td>" +
         esc(in_units(tau_prior_plain(parse_prior(run.prior_tau, PriorRole::Scale, "prior_tau")), run.unit)) +
         "</td></tr>\n";
  } catch (const InputError&) {
  }
  if (any_cov && !run.prior_beta.empty())
    h += prior_line("prior of each coefficient", run.prior_beta, PriorRole::Location, "(beta).");
  if (any_two) {
    kv("control-arm baselines", run.baseline);
    if (!run.prior_baseline.empty())
      h += prior_line(
          run.baseline == "random" ? "prior of the mean control-arm logit" : "prior of each control-arm logit",
          run.prior_baseline, PriorRole::Location, "");
    if (run.baseline == "random" && !run.prior_baseline_sd.empty())
      h += prior_line("prior of sigma_alpha", run.prior_baseline_sd, PriorRole::Scale, "");
    kv("baseline rate for predictions", run.baseline_rate);
  }
  return h + "</table>\n";
}

std::string headline_html(const OutcomeData& o) {
  const std::string q = o.two_arm ? "odds ratio" : "rate";
  return in_units("<p class=\"headline\">Pooled " + q + " (typical clinic): <b>" +
                      natural_interval(o.param(o.pooled_key())) + "</b>; " + q +
                      " at a new clinic (95% prediction interval): <b>" + natural_interval(o.param(o.new_key())) +
                      "</b>; tau: <b>" + natural_interval(o.param("tau")) +
                      "</b> (posterior medians, 95% intervals).</p>\n",
                  o.unit);
}

std::string threshold_html(const OutcomeData& o, double threshold) {
  if (std::isnan(threshold)) return "";
  const Exceedance e = exceedance(o.d.natural_new, threshold);
  return "<p class=\"threshold\">" +
         esc("P(" + new_clinic_quantity(o) + " > " + fmt_plain(threshold) + ") = " + fmt_prob(e.prob()) + " (" +
             std::to_string(e.above) + " of " + std::to_string(e.n) + " draws)") +
         "</p>\n";
}

std::string new_clinic_html(const OutcomeData& o, const RunData& run, double threshold) {
  const std::string q = o.two_arm ? "odds ratio" : "rate";
  const Summ* pred = o.param(o.new_key());
  const Summ* pooled = o.param(o.pooled_key());
  std::string h = "<div class=\"explain\">\n";
  if (pred && pooled)
    h += "<p>With 95% probability the " + q + " at a new clinic, drawn from the same population as these studies" +
         (o.covariates.empty() ? "" : " and with the covariates above") + ", lies between <b>" +
         fmt_sig(pred->q025, 2, 2) + "</b> and <b>" + fmt_sig(pred->q975, 2, 2) + "</b> (median " +
         fmt_sig(pred->q50, 2, 2) + "). The pooled " + q + " of a typical clinic is " +
         fmt_interval(pooled->q50, pooled->q025, pooled->q975) +
         ": the prediction interval is wider because it adds the spread between clinics (tau).</p>\n";
  if (!std::isnan(threshold)) {
    const Exceedance e = exceedance(o.d.natural_new, threshold);
    h += "<p>The probability that a new clinic's " + q + " exceeds " + esc(fmt_plain(threshold)) + " is <b>" +
         fmt_prob(e.prob()) + "</b>" +
         (predictive_axis(o, threshold).threshold_side == 0
              ? " (shaded)."
              : ": the threshold lies far outside the predictive distribution (the arrow at the plot's edge).") +
         "</p>\n";
  }
  const Summ* events = o.param("events_new");
  if (events && !run.new_clinic_size.empty() && run.new_clinic_size != "0")
    h += "<p>Among " + esc(run.new_clinic_size) + " patients at a new clinic: " + fmt_plain(events->q50) +
         " events expected (median), 95% interval " + fmt_plain(events->q025) + " to " + fmt_plain(events->q975) +
         ".</p>\n";
  const Summ* treat = o.param("p_treat_new");
  if (treat && !run.baseline_rate.empty())
    h += "<p>At a new clinic whose control-arm rate is " + esc(run.baseline_rate) + ", the treatment-arm rate is " +
         fmt_interval(treat->q50, treat->q025, treat->q975) + ".</p>\n";
  return in_units(h + "</div>\n", o.unit);
}

std::string posterior_table(const OutcomeData& o) {
  // The nested R-hat column when summary.json has it; which R-hat is flagged follows hbmeta's
  // own warning (host/stats/nested_rhat.hpp: nested R-hat for many short chains).
  bool nested = false;
  for (const auto& [key, s] : o.params) nested |= std::isfinite(s.rhat_nested);
  const bool use_nested = nested && rhat_warning_uses_nested(o.d.chains, o.d.draws);
  std::vector<std::string> head = {"parameter", "meaning", "mean", "sd", "2.5%", "50%", "97.5%", "R-hat"};
  if (nested) head.push_back("nested R-hat");
  for (const char* h : {"ESS bulk", "ESS tail", "MCSE mean"}) head.push_back(h);
  std::string h = "<table class=\"num\">\n" + row(head, "th");
  // Flagged with the limits of hbmeta's own warnings (R-hat 1.01, ESS 400).
  auto flag = [](const std::string& text, bool bad) { return bad ? "<span class=\"bad\">" + text + "</span>" : text; };
  for (const auto& [key, s] : o.params) {
    std::vector<std::string> cells = {"<code>" + esc(key) + "</code>", esc(meaning(o, key)), fmt_sig(s.mean),
                                      fmt_sig(s.sd), fmt_sig(s.q025), fmt_sig(s.q50), fmt_sig(s.q975),
                                      flag(fmt_fixed(s.rhat, 3), !use_nested && s.rhat > 1.01)};
    if (nested) cells.push_back(flag(fmt_fixed(s.rhat_nested, 3), use_nested && s.rhat_nested > 1.01));
    cells.push_back(flag(fmt_int(s.ess_bulk), s.ess_bulk < 400));
    cells.push_back(flag(fmt_int(s.ess_tail), s.ess_tail < 400));
    cells.push_back(fmt_sig(s.mcse_mean, 2));
    h += row(cells);
  }
  h += "</table>\n";
  if (nested)
    h += "<p>R-hat: rank-normalised split R-hat; nested R-hat: Margossian et al. (2024) with " +
         std::to_string(default_superchains(o.d.chains)) + " superchains of " +
         std::to_string(o.d.chains / std::max<std::size_t>(1, default_superchains(o.d.chains))) +
         " consecutive chains. " +
         (use_nested ? "With " + std::to_string(o.d.chains) + " chains of " + std::to_string(o.d.draws) +
                           " draws the R-hat check uses the nested R-hat (split R-hat of chains this short reflects "
                           "their autocorrelation more than their mixing)."
                     : std::string("The R-hat check uses the split R-hat.")) +
         "</p>\n";
  return h;
}

namespace {

// The comparison table: the posterior's row (its `point_key` on the natural scale, tau, the
// prediction interval for a new clinic) and one row per classical method, on the natural scale.
std::string comparison_rows(const OutcomeData& o, const std::string& point_label, const std::string& posterior_label,
                            const std::string& point_key, const std::vector<FreqRow>& rows) {
  auto nat = [&](double v) { return o.two_arm ? std::exp(v) : inv_logit(v); };
  std::string h = "<table class=\"num\">\n" +
                  row({"method", point_label + " [95% CI]", "tau", "95% prediction interval", "note"}, "th");
  const Summ* tau = o.param("tau");
  const Summ* pred = o.param(o.new_key());
  h += row({"<b>" + posterior_label + "</b> (medians, 95% CrI)", natural_interval(o.param(point_key)),
            tau ? fmt_interval(tau->q50, tau->q025, tau->q975) : "NA", pred ? bracket(pred->q025, pred->q975) : "NA",
            ""});
  for (const auto& f : rows) {
    const bool pi = std::isfinite(f.pi_lb) && std::isfinite(f.pi_ub);
    h += row({esc(f.method), fmt_interval(nat(f.est), nat(f.ci_lb), nat(f.ci_ub)), fmt_sig(f.tau),
              pi ? bracket(nat(f.pi_lb), nat(f.pi_ub)) : "NA", esc(f.note)});
  }
  return h + "</table>\n";
}

}  // namespace

std::string comparison_table(const OutcomeData& o) {
  if (!o.covariates.empty() && !o.freq_regression.empty())
    // Like with like: the meta-regressions at the new clinic's covariates (the intercept-only
    // estimators pool over the covariates, another question; they stay in summary.json).
    return in_units("<p>At the new clinic's covariates (" + esc(o.new_clinic) +
           "): the posterior and the classical meta-regressions (metafor's <code>predict(rma(yi, vi, mods = "
           "...), newmods = ...)</code>); tau is the residual heterogeneity.</p>\n" +
           comparison_rows(o, o.two_arm ? "fitted OR" : "fitted rate", "Bayesian meta-regression",
                           o.two_arm ? "or_fitted_new" : "p_fitted_new", o.freq_regression),
                    o.unit);
  return in_units(comparison_rows(o, o.two_arm ? "pooled OR" : "pooled rate", "Bayesian posterior", o.pooled_key(), o.freq),
                  o.unit);
}

std::string diagnostics_html(const OutcomeData& o) {
  static const std::map<std::string, std::string> label = {{"sampler", "sampler"},
                                                           {"chains", "chains"},
                                                           {"draws_per_chain", "draws per chain"},
                                                           {"divergences", "divergent transitions after warmup"},
                                                           {"warmup_divergences", "divergent transitions in warmup"},
                                                           {"step_size", "step size"},
                                                           {"trajectory_length", "trajectory length"},
                                                           {"mean_leapfrog_steps", "mean leapfrog steps"},
                                                           {"mean_accept_prob", "mean acceptance probability"},
                                                           {"max_rhat", "max R-hat"},
                                                           {"max_rhat_nested", "max nested R-hat"},
                                                           {"min_ess_bulk", "min bulk ESS"},
                                                           {"min_ess_tail", "min tail ESS"},
                                                           {"min_ebfmi", "min E-BFMI"},
                                                           {"centred_studies", "studies in centred parametrisation"}};
  std::string h = "<table class=\"kv\">\n";
  // Many short chains: the R-hat check (and so the flag) is on the nested R-hat.
  const bool use_nested = rhat_warning_uses_nested(o.d.chains, o.d.draws);
  for (const auto& [key, value] : o.diagnostics) {
    const auto it = label.find(key);
    const double v = std::atof(value.c_str());
    // The same limits hbmeta's own warnings use: R-hat 1.01, ESS 400, E-BFMI 0.3, any divergence.
    const std::string checked_rhat = use_nested ? "max_rhat_nested" : "max_rhat";
    const bool bad = !value.empty() && ((key == checked_rhat && v > 1.01) || (key.rfind("min_ess", 0) == 0 && v < 400) ||
                                        (key == "min_ebfmi" && v < 0.3) || (key == "divergences" && v > 0));
    std::string shown = value.empty() ? "NA" : value;
    // R-hat with 3 decimals, so that a flagged 1.011 does not read as 1.01.
    if (key == "max_rhat" || key == "max_rhat_nested") shown = value.empty() ? "NA" : fmt_fixed(v, 3);
    if (key == "min_ebfmi" || key == "mean_accept_prob" || key == "step_size")
      shown = value.empty() ? "NA" : fmt_sig(v, 3);
    if (key.rfind("min_ess", 0) == 0) shown = value.empty() ? "NA" : fmt_int(v);
    h += "<tr><th>" + esc(it != label.end() ? it->second : key) + "</th><td" + (bad ? " class=\"bad\"" : "") + ">" +
         esc(shown) + "</td></tr>\n";
  }
  h += "</table>\n";
  if (o.warnings.empty()) return h + "<p class=\"ok\">No warnings.</p>\n";
  h += "<ul class=\"warnings\">\n";
  for (const auto& w : o.warnings) h += "<li>" + esc(w) + "</li>\n";
  return h + "</ul>\n";
}

std::string data_table(const OutcomeData& o) {
  std::string h = "<table class=\"num\">\n";
  if (o.two_arm)
    h += row({"#", "study", "events_t", "total_t", "events_c", "total_c", "observed OR [95% CI]",
              "posterior OR [95% CrI]", "parametrisation"},
             "th");
  else
    h += row({"#", "study", "events", "total", "observed rate [95% CI]", "posterior rate [95% CrI]", "parametrisation"},
             "th");
  for (std::size_t i = 0; i < o.studies.size(); ++i) {
    const auto& s = o.studies[i];
    const std::string post = fmt_interval(s.post.q50, s.post.q025, s.post.q975);
    if (o.two_arm) {
      Interval iv;
      const std::string obs = wald_odds_ratio(s.events_t, s.total_t, s.events_c, s.total_c, &iv)
                                  ? fmt_interval(iv.est, iv.lo, iv.hi)
                                  : (s.events_t == 0 ? "no events" : "all events");
      h += row({std::to_string(i + 1), esc(s.name), std::to_string(s.events_t), std::to_string(s.total_t),
                std::to_string(s.events_c), std::to_string(s.total_c), obs, post, esc(s.parametrisation)});
    } else {
      const std::string obs = s.total > 0 ? [&] {
        const Interval iv = clopper_pearson(s.events, s.total);
        return fmt_interval(iv.est, iv.lo, iv.hi);
      }()
                                          : "NA";
      h += row({std::to_string(i + 1), esc(s.name), std::to_string(s.events), std::to_string(s.total), obs, post,
                esc(s.parametrisation)});
    }
  }
  return h + "</table>\n";
}

}  // namespace hbm::report
