#include "host/cli/design_output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "host/design/prior_ess.hpp"
#include "host/io/json_writer.hpp"

namespace hbm {

using namespace design;

namespace {

void mixture_array(JsonWriter& j, const std::string& key, const BetaMixture& mix) {
  j.begin_array(key);
  for (const auto& c : mix) j.begin_object().value("w", c.w).value("a", c.a).value("b", c.b).end_object();
  j.end_array();
}

void quantiles(JsonWriter& j, const std::string& key, const double* q) {
  j.begin_object(key).value("q2.5", q[0]).value("q50", q[1]).value("q97.5", q[2]).end_object();
}

void ess_object(JsonWriter& j, const std::string& key, const Ess& e) {
  j.begin_object(key).value("moment", e.moment).value("morita", e.morita).value("elir", e.elir).end_object();
}

std::string fixed(double x, int decimals) {
  if (!std::isfinite(x)) return "NA";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

std::string criteria_text(const DesignSettings& s) {
  std::string t;
  for (std::size_t k = 0; k < s.rule.criteria.size(); ++k)
    t += std::string(k ? " and " : "") + "P(" + (s.rule.scale == EffectScale::Difference ? "p_t - p_c" : "log OR") + " > " +
         fixed(s.rule.criteria[k].delta, 3) + ") > " + fixed(s.rule.criteria[k].c, 3);
  return t;
}

std::string ess_text(const Ess& e) {
  return "moment " + fixed(e.moment, 1) + ", Morita " + fixed(e.morita, 1) + ", ELIR " + fixed(e.elir, 1);
}

// How the sample-size search sizes the control arm, in words.
std::string allocation_text(const DesignSettings& s) {
  if (!(s.allocation_ratio > 0)) return "n_c = " + std::to_string(s.n_c);
  char r[32];
  std::snprintf(r, sizeof r, "%g", s.allocation_ratio);
  return std::string("n_t : n_c = ") + r + " : 1, n_c = ceil(n_t / " + r + ")";
}

DesignCurve curve(const std::string& label) {
  DesignCurve c;
  c.label = label;
  return c;
}

}  // namespace

std::string design_json(const DesignRun& run, const DesignSettings& s, const DesignResult& r) {
  JsonWriter j;
  j.begin_object();
  j.value("hbmeta_version", run.version).value("command", run.command);
  j.value("seed", static_cast<long long>(run.seed)).value("device", run.device).value("method", run.method);  // as summary.json
  j.begin_object("historical").value("input", run.input).value("outcome", run.outcome).value("k", run.k);
  j.value("model_kind", run.model_kind).end_object();
  j.begin_object("fit").value("prior_mu", run.prior_mu).value("prior_tau", run.prior_tau).value("sampler", run.sampler);
  j.value("chains", run.chains).value("warmup", run.warmup).value("draws", run.draws).end_object();

  j.begin_object("map");
  quantiles(j, "draws_quantiles", r.draws_quantiles.data());
  quantiles(j, "draws_mcse", r.draws_mcse.data());
  quantiles(j, "mixture_quantiles", r.accuracy.mixture_q);
  j.value("draws_mean", r.draws_mean).value("draws_sd", r.draws_sd).value("ks_distance", r.accuracy.ks);
  j.begin_array("components_aic");
  for (const auto& f : r.candidates)
    j.begin_object().value("components", static_cast<int>(f.mix.size())).value("aic", f.aic).value("log_lik", f.log_lik)
        .value("converged", f.converged).end_object();
  j.end_array();
  mixture_array(j, "mixture", r.mixture.mix);
  mixture_array(j, "robust", r.robust);
  j.begin_object("robust_component").value("weight", s.robust_weight).value("mean", s.robust_mean).value("n", s.robust_n).end_object();
  j.begin_object("ess");
  ess_object(j, "map", r.ess_map);
  ess_object(j, "mixture", r.ess_mixture);
  ess_object(j, "robust", r.ess_robust);
  j.end_object();
  j.end_object();

  j.begin_object("decision").value("scale", scale_name(s.rule.scale)).begin_array("criteria");
  for (const auto& c : s.rule.criteria) j.begin_object().value("delta", c.delta).value("c", c.c).end_object();
  j.end_array().end_object();
  mixture_array(j, "treatment_prior", s.treatment_prior);
  j.begin_object("trial").value("n_t", s.n_t).value("n_c", s.n_c).end_object();
  j.begin_object("effect").value("value", s.effect).value("source", run.effect_source).end_object();
  j.begin_object("power").value("p_t", r.power_p_t).value("p_c", r.power_p_c).value("prob_success", r.power);
  j.value("type1_error_at_p_c", r.type1_at_mean).end_object();
  j.begin_array("oc");
  for (const auto& row : r.oc) {
    j.begin_object().value("p_t", row.p_t).value("p_c", row.p_c).value("effect", row.effect).value("prob_success", row.prob_success);
    if (r.hierarchical) j.value("prob_success_hierarchical", row.prob_success_hierarchical);
    j.end_object();
  }
  j.end_array();
  j.value("assurance", r.assurance).value("assurance_design", r.assurance_design);
  if (s.has_design_prior) mixture_array(j, "design_prior", s.design_prior);
  if (r.hierarchical) j.value("assurance_hierarchical", r.assurance_hierarchical).value("max_oc_difference", r.max_oc_difference);
  const bool ratio = s.allocation_ratio > 0;
  j.begin_object("sample_size").value("target_power", s.target_power);
  j.value("allocation", ratio ? "ratio" : "n_c fixed").value("allocation_ratio", ratio ? s.allocation_ratio : NAN);
  if (!ratio) j.value("n_c", s.n_c);
  else if (r.sample_size_n_t > 0) j.value("n_c", r.sample_size_n_c);
  else j.value("n_c", NAN);
  if (r.sample_size_n_t > 0) j.value("n_t", r.sample_size_n_t);
  else j.value("n_t", NAN);
  j.value("power", r.sample_size_power).value("assurance", r.sample_size_assurance).value("max_n_t", s.max_n_t).end_object();
  j.begin_array("assurance_curve");
  for (const auto& a : r.assurance_curve)
    j.begin_object().value("n_t", a.n_t).value("n_c", a.n_c).value("assurance", a.assurance).value("power", a.power).end_object();
  j.end_array();
  j.begin_array("boundary");  // y_t*(y_c): the trial succeeds with y_c control events iff y_t >= this
  for (int b : r.boundary) j.begin_object().value("y_t_min", b).end_object();
  j.end_array();
  if (r.hierarchical) {
    j.begin_array("boundary_hierarchical");
    for (int b : r.boundary_hierarchical) j.begin_object().value("y_t_min", b).end_object();
    j.end_array();
  }
  j.begin_array("warnings");
  for (const auto& w : run.warnings) j.value("", w);
  j.end_array();
  j.begin_object("timing").value("seconds", run.seconds).end_object();
  j.end_object();
  return j.str() + "\n";
}

std::string design_text(const DesignRun& run, const DesignSettings& s, const DesignResult& r) {
  std::ostringstream o;
  o << "MAP prior of the control rate (" << run.outcome << ", " << run.k << " historical studies, " << run.model_kind << ")\n";
  o << "  draws:   2.5% " << fixed(r.draws_quantiles[0], 4) << "  50% " << fixed(r.draws_quantiles[1], 4) << "  97.5% "
    << fixed(r.draws_quantiles[2], 4) << "  (MCSE " << fixed(r.draws_mcse[0], 4) << ", " << fixed(r.draws_mcse[1], 4) << ", "
    << fixed(r.draws_mcse[2], 4) << ")\n";
  o << "  mixture: 2.5% " << fixed(r.accuracy.mixture_q[0], 4) << "  50% " << fixed(r.accuracy.mixture_q[1], 4) << "  97.5% "
    << fixed(r.accuracy.mixture_q[2], 4) << "  KS distance " << fixed(r.accuracy.ks, 4) << "\n";
  o << "  mixture (" << r.mixture.mix.size() << " component(s), by AIC): " << mixture_text(r.mixture.mix) << "\n";
  o << "  robust (weight " << fixed(s.robust_weight, 2) << "):  " << mixture_text(r.robust) << "\n";
  o << "  ESS: MAP " << ess_text(r.ess_map) << "\n       mixture " << ess_text(r.ess_mixture) << "\n       robust "
    << ess_text(r.ess_robust) << "\n";
  o << "Planned trial: n_t = " << s.n_t << ", n_c = " << s.n_c << "; success when " << criteria_text(s) << "\n";
  o << "  treatment prior " << mixture_text(s.treatment_prior) << "; control prior: the robust MAP\n";
  o << "  planned effect " << fixed(s.effect, 4) << " (" << run.effect_source << ")\n";
  o << "  power at p_c = " << fixed(r.power_p_c, 4) << ", p_t = " << fixed(r.power_p_t, 4) << ": " << fixed(r.power, 4)
    << "; type I error at p_t = p_c = " << fixed(r.power_p_c, 4) << ": " << fixed(r.type1_at_mean, 4) << "\n";
  double worst = 0, worst_pc = 0;
  for (const auto& row : r.oc)
    if (row.effect == 0 && row.prob_success > worst) worst = row.prob_success, worst_pc = row.p_c;
  o << "  largest type I error on the grid: " << fixed(worst, 4) << " at p_c = " << fixed(worst_pc, 4) << "\n";
  o << "  assurance " << fixed(r.assurance, 4) << " (" << r.assurance_design << ")\n";
  if (r.sample_size_n_t > 0)
    o << "  smallest n_t with power >= " << fixed(s.target_power, 2) << " (" << allocation_text(s) << "): " << r.sample_size_n_t
      << (s.allocation_ratio > 0 ? " with n_c = " + std::to_string(r.sample_size_n_c) : std::string()) << " (power "
      << fixed(r.sample_size_power, 4) << ", assurance " << fixed(r.sample_size_assurance, 4) << ")\n";
  else if (std::all_of(s.rule.criteria.begin(), s.rule.criteria.end(), [&](const Criterion& c) { return s.effect > c.delta; }))
    o << "  power >= " << fixed(s.target_power, 2) << " is not reached with n_t up to " << s.max_n_t << " (" << allocation_text(s) << ")\n";
  else
    o << "  power >= " << fixed(s.target_power, 2) << ": no sample size, the planned effect " << fixed(s.effect, 4)
      << " does not exceed every criterion's DELTA\n";
  if (r.hierarchical)
    o << "Hierarchical path (" << s.n_c + 1 << " refits): assurance " << fixed(r.assurance_hierarchical, 4)
      << "; largest |OC difference| from the mixture path " << fixed(r.max_oc_difference, 4) << "\n";
  for (const auto& w : run.warnings) o << "warning: " << w << "\n";
  return o.str();
}

DesignReportData design_report_data(const DesignRun& run, const DesignSettings& s, const DesignResult& r,
                                    const std::vector<double>& map_draws) {
  DesignReportData d;
  d.command = run.command;
  d.input = run.input;
  d.outcome = run.outcome;
  // Histogram over the draws' central 99.8%, 60 bins, as a density (counts / (N width)).
  std::vector<double> sorted = map_draws;
  std::sort(sorted.begin(), sorted.end());
  const double lo = sorted[static_cast<std::size_t>(0.001 * (sorted.size() - 1))],
               hi = sorted[static_cast<std::size_t>(0.999 * (sorted.size() - 1))];
  const int bins = 60;
  const double width = (hi - lo) / bins;
  d.hist_density.assign(bins, 0.0);
  for (int i = 0; i <= bins; ++i) d.hist_edges.push_back(lo + i * width);
  if (width > 0)
    for (double x : map_draws) {
      const int b = static_cast<int>((x - lo) / width);
      if (b >= 0 && b < bins) d.hist_density[b] += 1.0 / (static_cast<double>(map_draws.size()) * width);
    }
  const BetaMixture robust_part = {r.robust.back()};
  DesignCurve mix = curve("beta mixture (" + std::to_string(r.mixture.mix.size()) + ")"), rob = curve("robust mixture"),
              comp = curve("robust component x " + fixed(s.robust_weight, 2));
  for (int i = 0; i <= 300; ++i) {
    const double p = lo + (hi - lo) * i / 300.0;
    mix.x.push_back(p), rob.x.push_back(p), comp.x.push_back(p);
    mix.y.push_back(mixture_pdf(r.mixture.mix, p));
    rob.y.push_back(mixture_pdf(r.robust, p));
    comp.y.push_back(s.robust_weight > 0 ? r.robust.back().w * mixture_pdf(robust_part, p) : 0.0);
  }
  comp.dashed = true;
  d.prior_curves = {mix, rob};
  if (s.robust_weight > 0) d.prior_curves.push_back(comp);

  const char* scale = s.rule.scale == EffectScale::Difference ? "difference" : "log OR";
  std::vector<double> effects;
  for (const auto& row : r.oc)
    if (std::find(effects.begin(), effects.end(), row.effect) == effects.end()) effects.push_back(row.effect);
  for (std::size_t e = 0; e < effects.size(); ++e) {
    DesignCurve m = curve("effect " + fixed(effects[e], 3) + (r.hierarchical ? ", mixture" : "")),
                h = curve("effect " + fixed(effects[e], 3) + ", hierarchical");
    m.colour = h.colour = static_cast<int>(e);
    h.dashed = true;
    for (const auto& row : r.oc)
      if (row.effect == effects[e]) {
        m.x.push_back(row.p_c), m.y.push_back(row.prob_success);
        h.x.push_back(row.p_c), h.y.push_back(row.prob_success_hierarchical);
      }
    d.oc_curves.push_back(m);
    if (r.hierarchical) d.oc_curves.push_back(h);
  }
  d.oc_x_label = std::string("true control rate p_c (effects on the ") + scale + " scale)";
  DesignCurve as = curve("assurance"), pw = curve("power at the planned effect");
  for (const auto& a : r.assurance_curve) {
    as.x.push_back(a.n_t), as.y.push_back(a.assurance);
    pw.x.push_back(a.n_t), pw.y.push_back(a.power);
  }
  d.assurance_curves = {as, pw};
  d.planned_n_t = s.n_t;

  d.summary_rows = {{"planned trial", "n_t = " + std::to_string(s.n_t) + ", n_c = " + std::to_string(s.n_c)},
                    {"success when", criteria_text(s)},
                    {"treatment prior", mixture_text(s.treatment_prior)},
                    {"control prior", "robust MAP mixture (below)"},
                    {"planned effect", fixed(s.effect, 4) + " (" + run.effect_source + ")"},
                    {"power", fixed(r.power, 4) + " at p_c = " + fixed(r.power_p_c, 4) + ", p_t = " + fixed(r.power_p_t, 4)},
                    {"type I error at p_t = p_c", fixed(r.type1_at_mean, 4) + " at p_c = " + fixed(r.power_p_c, 4)},
                    {"assurance", fixed(r.assurance, 4) + " (" + r.assurance_design + ")"},
                    {"sample size", r.sample_size_n_t > 0 ? "n_t = " + std::to_string(r.sample_size_n_t) +
                                                                (s.allocation_ratio > 0 ? ", n_c = " + std::to_string(r.sample_size_n_c) : std::string()) +
                                                                " (" + allocation_text(s) + ") for power " +
                                                                fixed(s.target_power, 2) + " (power " + fixed(r.sample_size_power, 4) + ")"
                                                          : "power " + fixed(s.target_power, 2) + " not reached up to n_t = " +
                                                                std::to_string(s.max_n_t) + " (" + allocation_text(s) + ")"},
                    {"method", run.method}};
  if (r.hierarchical)
    d.summary_rows.push_back({"hierarchical path", "assurance " + fixed(r.assurance_hierarchical, 4) +
                                                       "; largest |OC difference| " + fixed(r.max_oc_difference, 4)});
  d.prior_rows = {{"MAP draws 2.5/50/97.5%", fixed(r.draws_quantiles[0], 4) + ", " + fixed(r.draws_quantiles[1], 4) + ", " +
                                                 fixed(r.draws_quantiles[2], 4)},
                  {"mixture 2.5/50/97.5%", fixed(r.accuracy.mixture_q[0], 4) + ", " + fixed(r.accuracy.mixture_q[1], 4) + ", " +
                                               fixed(r.accuracy.mixture_q[2], 4)},
                  {"KS distance (draws vs mixture)", fixed(r.accuracy.ks, 4)},
                  {"mixture", mixture_text(r.mixture.mix)},
                  {"robust mixture", mixture_text(r.robust)}};
  for (const auto& f : r.candidates)
    d.prior_rows.push_back({"AIC, " + std::to_string(f.mix.size()) + " component(s)", fixed(f.aic, 1)});
  d.ess_rows = {{"MAP draws", ess_text(r.ess_map)}, {"mixture", ess_text(r.ess_mixture)}, {"robust mixture", ess_text(r.ess_robust)}};
  d.notes = run.warnings;
  return d;
}

}  // namespace hbm
