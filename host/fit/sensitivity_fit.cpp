#include "host/fit/sensitivity_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numeric>
#include <string>

#include "host/fit/dataset_fit.hpp"
#include "host/fit/prior_spec.hpp"
#include "host/frequentist/sensitivity.hpp"
#include "host/stats/diagnostics.hpp"
#include "host/support/words.hpp"

namespace hbm {
namespace {

bool same_prior(const Prior& a, const Prior& b) { return a.kind == b.kind && a.a == b.a && a.b == b.b; }

int column_index(const OutcomeData& o, const std::string& column) {
  const auto it = std::find(o.study_columns.begin(), o.study_columns.end(), column);
  return it == o.study_columns.end() ? -1 : static_cast<int>(it - o.study_columns.begin());
}

// The outcome as the sensitivity analyses fit it: the model without covariates.
OutcomeData without_covariates(const OutcomeData& o) {
  OutcomeData b = o;
  b.x.clear();
  b.x_names.clear();
  b.covariates.clear();
  b.notes.clear();
  b.prior_mu.reset();
  b.prior_tau.reset();
  return b;
}

OutcomeData with_studies(const OutcomeData& base, const std::vector<int>& idx, const std::string& name) {
  OutcomeData d = base;
  d.name = name;
  d.studies.clear();
  for (int i : idx) d.studies.push_back(base.studies[i]);
  return d;
}

// The (mu, tau) prior pairs of the prior sensitivity analysis: the fit's own first, then each
// tau prior with the fit's mu prior, then each mu prior with the fit's tau prior (repeats of a
// row above are left out).
std::vector<std::pair<Prior, Prior>> prior_rows(const FitOptions& opt) {
  std::vector<std::pair<Prior, Prior>> rows;
  if (opt.sensitivity.tau_priors.empty() && opt.sensitivity.mu_priors.empty()) return rows;
  const auto add = [&](const Prior& m, const Prior& t) {
    for (const auto& [rm, rt] : rows)
      if (same_prior(rm, m) && same_prior(rt, t)) return;
    rows.emplace_back(m, t);
  };
  add(opt.prior_mu, opt.prior_tau);
  for (const auto& t : opt.sensitivity.tau_priors) add(opt.prior_mu, t);
  for (const auto& m : opt.sensitivity.mu_priors) add(m, opt.prior_tau);
  return rows;
}

// The subgroup levels of an outcome, sorted (byte order, as host/frequentist/subgroups.cpp).
std::vector<std::string> levels_of(const OutcomeData& o, int col) {
  std::vector<std::string> levels;
  for (const auto& s : o.studies) levels.push_back(s.study_column_text[col]);
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  return levels;
}

// A variant's (DatasetFit) or the fit's own (OutcomeResult) mu, tau and theta_new.
template <class Fit>
VariantPosterior posterior_of(const Fit& f, long long divergences) {
  VariantPosterior p;
  if (const ParamSummary* s = f.find("mu")) p.mu = *s;
  if (const ParamSummary* s = f.find("tau")) p.tau = *s;
  if (const ParamSummary* s = f.find("theta_new")) p.theta_new = *s;
  p.divergences = divergences;
  return p;
}
VariantPosterior posterior_of(const DatasetFit& f) { return posterior_of(f, f.divergences); }
VariantPosterior posterior_of(const OutcomeResult& r) { return posterior_of(r, r.diagnostics.divergences); }

struct ClassicalInput {
  freq::EffectData effects;
  std::vector<double> ni;
};

ClassicalInput classical_input(const OutcomeData& o) {
  ClassicalInput c;
  if (o.kind == OutcomeKind::TwoArm) {
    freq::TwoArmCounts counts;
    for (const auto& s : o.studies) {
      counts.et.push_back(s.events);
      counts.nt.push_back(s.total);
      counts.ec.push_back(s.events_c);
      counts.nc.push_back(s.total_c);
      c.ni.push_back(static_cast<double>(s.total + s.total_c));
    }
    c.effects = freq::escalc_or(counts);
  } else {
    std::vector<long long> events, totals;
    for (const auto& s : o.studies) {
      events.push_back(s.events);
      totals.push_back(s.total);
      c.ni.push_back(static_cast<double>(s.total));
    }
    c.effects = freq::escalc_plo(events, totals);
  }
  return c;
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

// How far the conclusions move across the priors, in words.
std::string priors_statement(const SensitivityResult& s, OutcomeKind kind) {
  if (s.priors.size() < 2) return {};
  const auto range = [&](auto get) {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& r : s.priors) {
      lo = std::min(lo, get(r.posterior));
      hi = std::max(hi, get(r.posterior));
    }
    return std::make_pair(lo, hi);
  };
  const auto mu = range([](const VariantPosterior& p) { return p.mu.q[3]; });
  const auto tau = range([](const VariantPosterior& p) { return p.tau.q[3]; });
  const auto lo = range([](const VariantPosterior& p) { return p.theta_new.q[0]; });
  const auto hi = range([](const VariantPosterior& p) { return p.theta_new.q[6]; });
  const VariantPosterior& own = s.priors[0].posterior;
  const double shift = own.mu.sd > 0 ? (mu.second - mu.first) / own.mu.sd : 0;
  std::string out = "across " + std::to_string(s.priors.size()) + " priors the posterior median of mu ranges over [" +
                    fmt(mu.first) + ", " + fmt(mu.second) + "] (" + fmt(shift) +
                    " posterior sd under the fit's priors), of tau over [" + fmt(tau.first) + ", " + fmt(tau.second) +
                    "], and the 95% prediction interval's bounds over [" + fmt(lo.first) + ", " + fmt(lo.second) +
                    "] and [" + fmt(hi.first) + ", " + fmt(hi.second) + "]";
  if (kind == OutcomeKind::TwoArm) {
    int excl = 0;
    for (const auto& r : s.priors) excl += r.posterior.mu.q[0] > 0 || r.posterior.mu.q[6] < 0;
    out += "; the 95% credible interval of the pooled log odds ratio excludes 0 under " + std::to_string(excl) +
           " of " + std::to_string(s.priors.size()) + " priors";
    if (excl > 0 && excl < static_cast<int>(s.priors.size())) out += ": the conclusion depends on the tau prior";
  }
  out += shift > 0.5 ? "; the pooled estimate moves by more than half a posterior sd: report these rows with it"
                     : "; the pooled estimate moves by less than half a posterior sd";
  return out;
}

}  // namespace

std::vector<int> cumulative_order(const OutcomeData& outcome, const std::string& column) {
  const int col = column_index(outcome, column);
  const int K = static_cast<int>(outcome.studies.size());
  std::vector<int> order(K);
  std::iota(order.begin(), order.end(), 0);
  if (col < 0) return order;
  std::vector<double> num(K);
  bool numeric = true;
  for (int i = 0; i < K; ++i) {
    const std::string& t = outcome.studies[i].study_column_text[col];
    char* end = nullptr;
    num[i] = std::strtod(t.c_str(), &end);
    numeric = numeric && end && *end == '\0' && !t.empty() && std::isfinite(num[i]);
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return numeric ? num[a] < num[b] : outcome.studies[a].study_column_text[col] < outcome.studies[b].study_column_text[col];
  });
  return order;
}

std::vector<SensitivityUnit> sensitivity_units(const OutcomeData& outcome, const FitOptions& opt) {
  const SensitivityOptions& so = opt.sensitivity;
  std::vector<SensitivityUnit> units;
  const OutcomeData base = without_covariates(outcome);
  const int K = static_cast<int>(base.studies.size());
  const auto add = [&](SensitivityUnit::Kind kind, int index, OutcomeData d) {
    units.push_back(SensitivityUnit{kind, index, std::move(d)});
  };
  if (so.leave_one_out && K >= 2) {
    for (int i = 0; i < K; ++i) {
      std::vector<int> idx;
      for (int j = 0; j < K; ++j)
        if (j != i) idx.push_back(j);
      add(SensitivityUnit::Kind::LeaveOneOut, i, with_studies(base, idx, outcome.name + "#leave-one-out#" + std::to_string(i)));
    }
  }
  if (!so.cumulative_by.empty()) {
    const std::vector<int> order = cumulative_order(base, so.cumulative_by);
    for (int k = 1; k <= K; ++k)
      add(SensitivityUnit::Kind::Cumulative, k - 1,
          with_studies(base, std::vector<int>(order.begin(), order.begin() + k),
                       outcome.name + "#cumulative#" + std::to_string(k)));
  }
  const auto rows = prior_rows(opt);
  for (std::size_t j = 0; j < rows.size(); ++j) {
    if (j == 0 && outcome.P() == 0) continue;  // the fit itself
    OutcomeData d = base;
    d.name = outcome.name + "#prior#" + std::to_string(j);
    d.prior_mu = rows[j].first;
    d.prior_tau = rows[j].second;
    add(SensitivityUnit::Kind::Prior, static_cast<int>(j), std::move(d));
  }
  if (const int col = column_index(base, so.subgroups_by); !so.subgroups_by.empty() && col >= 0) {
    const std::vector<std::string> levels = levels_of(base, col);
    for (std::size_t l = 0; l < levels.size(); ++l) {
      std::vector<int> idx;
      for (int i = 0; i < K; ++i)
        if (base.studies[i].study_column_text[col] == levels[l]) idx.push_back(i);
      add(SensitivityUnit::Kind::Subgroup, static_cast<int>(l),
          with_studies(base, idx, outcome.name + "#subgroup#" + levels[l]));
    }
  }
  return units;
}

void add_sensitivity(const std::vector<OutcomeData>& outcomes, std::vector<OutcomeResult>& results,
                     const FitOptions& opt, ThreadPool& pool) {
  const SensitivityOptions& so = opt.sensitivity;
  if (!so.any()) return;
  // Every variant of every outcome, fitted in the same launches.
  std::vector<OutcomeData> all;
  std::vector<std::pair<std::size_t, SensitivityUnit>> refs;  // (outcome, unit without its data)
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    for (auto& u : sensitivity_units(outcomes[k], opt)) {
      all.push_back(std::move(u.data));
      refs.emplace_back(k, SensitivityUnit{u.kind, u.index, {}});
    }
  }
  // The subgroups' mu draws, for the posterior of their differences.
  std::vector<std::vector<double>> mu_draws(all.size());
  int chains = 0, draws = 0;
  const UnitResultHook keep_mu = [&](std::size_t u, const OutcomeResult& r) {
    if (refs[u].second.kind != SensitivityUnit::Kind::Subgroup) return;
    for (std::size_t c = 0; c < r.draw_names.size(); ++c)
      if (r.draw_names[c] == "mu") mu_draws[u] = r.draw_columns[c];
  };
  FitOptions fo = opt;
  fo.frequentist = FrequentistLevel::None;
  fo.sensitivity = {};
  fo.precomputed = nullptr;
  fo.sampler.warmup = so.variant_warmup(opt.sampler.warmup);
  fo.sampler.draws = so.variant_draws(opt.sampler.draws);
  const std::vector<DatasetFit> fits = all.empty() ? std::vector<DatasetFit>{} : fit_datasets(all, fo, pool, 0, {}, keep_mu);
  chains = fo.sampler.chains;
  draws = fo.sampler.draws;

  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    const OutcomeData& o = outcomes[k];
    SensitivityResult& s = results[k].sensitivity;
    for (const auto& ref : refs)
      if (ref.first == k) {
        s.chains = chains;
        s.warmup = fo.sampler.warmup;
        s.draws = draws;
      }
    const int K = static_cast<int>(o.studies.size());
    if (o.P() > 0)
      s.note = "the sensitivity analyses are of the random-effects model without covariates (as metafor's leave1out, "
               "cumul, regtest and trimfill)";
    const ClassicalInput ci = classical_input(o);
    // Posteriors of this outcome's units, by kind and index.
    std::map<std::pair<int, int>, std::size_t> unit_of;
    for (std::size_t u = 0; u < refs.size(); ++u)
      if (refs[u].first == k) unit_of[{static_cast<int>(refs[u].second.kind), refs[u].second.index}] = u;
    const auto unit = [&](SensitivityUnit::Kind kind, int index) -> const std::size_t* {
      const auto it = unit_of.find({static_cast<int>(kind), index});
      return it == unit_of.end() ? nullptr : &it->second;
    };

    if (so.leave_one_out && K >= 2) {
      const freq::LeaveOneOut loo = freq::leave_one_out(ci.effects);
      const freq::Influence inf = freq::influence(ci.effects);
      for (int i = 0; i < K; ++i) {
        SensitivityResult::LeaveOneOut row;
        row.study = o.studies[i].name;
        if (const std::size_t* u = unit(SensitivityUnit::Kind::LeaveOneOut, i)) row.posterior = posterior_of(fits[*u]);
        for (const auto& r : loo.rows)
          if (r.study == i) row.reml = r.fit;
        for (const auto& r : inf.rows)
          if (r.study == i) row.influence = r;
        s.leave_one_out.push_back(std::move(row));
      }
    }
    if (!so.cumulative_by.empty()) {
      s.cumulative_by = so.cumulative_by;
      const std::vector<int> order = cumulative_order(o, so.cumulative_by);
      std::vector<double> rank(K);
      for (int j = 0; j < K; ++j) rank[order[j]] = j;
      const freq::Cumulative cum = freq::cumulative(ci.effects, rank);
      const int col = column_index(o, so.cumulative_by);
      for (int j = 0; j < K; ++j) {
        SensitivityResult::Step st;
        st.study = o.studies[order[j]].name;
        st.key = col >= 0 ? o.studies[order[j]].study_column_text[col] : "";
        st.k = j + 1;
        if (const std::size_t* u = unit(SensitivityUnit::Kind::Cumulative, j)) st.posterior = posterior_of(fits[*u]);
        if (j < static_cast<int>(cum.steps.size())) st.reml = cum.steps[j].fit;
        s.cumulative.push_back(std::move(st));
      }
    }
    const auto rows = prior_rows(opt);
    for (std::size_t j = 0; j < rows.size(); ++j) {
      SensitivityResult::PriorRow pr;
      pr.prior_mu = prior_to_string(rows[j].first);
      pr.prior_tau = prior_to_string(rows[j].second);
      pr.fit_priors = j == 0;
      if (const std::size_t* u = unit(SensitivityUnit::Kind::Prior, static_cast<int>(j))) pr.posterior = posterior_of(fits[*u]);
      else pr.posterior = posterior_of(results[k]);
      s.priors.push_back(std::move(pr));
    }
    s.priors_statement = priors_statement(s, o.kind);
    if (const int col = column_index(o, so.subgroups_by); !so.subgroups_by.empty() && col >= 0) {
      s.subgroups_by = so.subgroups_by;
      std::vector<std::string> labels;
      for (const auto& st : o.studies) labels.push_back(st.study_column_text[col]);
      const freq::Subgroups sg = freq::subgroups(ci.effects, labels);
      s.subgroup_test = sg.test;
      const std::vector<std::string> levels = levels_of(o, col);
      std::vector<const std::vector<double>*> draws_of(levels.size(), nullptr);
      for (std::size_t l = 0; l < levels.size(); ++l) {
        SensitivityResult::Group g;
        g.level = levels[l];
        for (const auto& st : o.studies) g.k += st.study_column_text[col] == levels[l];
        if (const std::size_t* u = unit(SensitivityUnit::Kind::Subgroup, static_cast<int>(l))) {
          g.posterior = posterior_of(fits[*u]);
          draws_of[l] = &mu_draws[*u];
        }
        for (const auto& lv : sg.levels)
          if (lv.level == levels[l]) g.reml = lv.fit;
        s.groups.push_back(std::move(g));
      }
      // Every pair's difference of means, from independent fits: draw t of one with draw t of the other.
      for (std::size_t a = 0; a < levels.size(); ++a) {
        for (std::size_t b = a + 1; b < levels.size(); ++b) {
          if (!draws_of[a] || !draws_of[b] || draws_of[a]->size() != draws_of[b]->size() || draws_of[a]->empty()) continue;
          std::vector<double> d(draws_of[a]->size());
          double greater = 0;
          for (std::size_t t = 0; t < d.size(); ++t) {
            d[t] = (*draws_of[a])[t] - (*draws_of[b])[t];
            greater += d[t] > 0;
          }
          SensitivityResult::Difference diff;
          diff.a = levels[a];
          diff.b = levels[b];
          diff.posterior = summarise(ChainDraws{d.data(), static_cast<std::size_t>(chains), static_cast<std::size_t>(draws)});
          diff.prob_greater = greater / static_cast<double>(d.size());
          s.differences.push_back(std::move(diff));
        }
      }
    }
    if (so.small_study) {
      s.small_study = true;
      s.yi = ci.effects.yi;
      s.vi = ci.effects.vi;
      s.egger = freq::regtest(ci.effects, freq::RegtestPredictor::SEI);
      s.peters = freq::regtest(ci.effects, freq::RegtestPredictor::NINV, ci.ni);
      s.trimfill = freq::trimfill(ci.effects);
      s.funnel = freq::funnel(ci.effects, freq::rma(ci.effects, freq::Tau2Method::REML).estimate);
      if (K < freq::kRegtestMinStudies)
        s.small_study_note = "only " + std::to_string(K) + " " + plural(results[k].unit) +
                             ": with fewer than 10 the tests for funnel asymmetry have too little power to tell "
                             "chance from real asymmetry (Cochrane Handbook 13.3.5.4; Sterne et al. 2011)";
    }
  }
}

}  // namespace hbm
