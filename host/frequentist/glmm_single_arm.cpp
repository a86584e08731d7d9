// The single-arm binomial GLMM (metafor::rma.glmm(measure="PLO"), i.e. lme4::glmer with a random
// study effect on the logit rate): ML fit by adaptive Gauss-Hermite quadrature and rma.glmm's
// heterogeneity tests.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <string>
#include <vector>

#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/gauss_hermite.hpp"
#include "host/frequentist/glmm_common.hpp"
#include "host/frequentist/glmm_heterogeneity.hpp"
#include "host/frequentist/glmm_likelihood.hpp"
#include "host/frequentist/result_helpers.hpp"

namespace hbm::freq {

using detail::append_note;
using detail::bin_term;
using detail::cochran_q;
using detail::dl_start;
using detail::fit_glmm;
using detail::kNaN;
using detail::nan_result;
using detail::Obs;
using detail::set_heterogeneity;
using detail::study_agq;
using detail::typical_variance;
using detail::VectorXd;

namespace {

// Single-arm logit-normal model; parameters (mu, tau).
struct SingleArmModel {
  std::vector<Obs> obs;
  GHRule gh;
  int invalid = 0;
  long long events = 0, non_events = 0;
  mutable std::vector<double> modes;  // warm starts of the conditional modes

  SingleArmModel(const std::vector<long long>& y, const std::vector<long long>& n, int nAGQ) : gh(gh_rule(std::max(1, nAGQ))) {
    for (std::size_t i = 0; i < std::min(y.size(), n.size()); ++i) {
      if (n[i] <= 0 || y[i] < 0 || y[i] > n[i]) {
        ++invalid;
        continue;
      }
      Obs o;
      o.set_counts(static_cast<double>(y[i]), static_cast<double>(n[i]));
      o.c1 = 1;
      obs.push_back(o);
      events += y[i];
      non_events += n[i] - y[i];
    }
    modes.assign(obs.size(), 0.0);
  }
  int k() const { return static_cast<int>(obs.size()); }
  // Notes the omitted studies; returns why the data admit no fit, or "".
  std::string problems(std::string& note) const {
    if (invalid) append_note(note, std::to_string(invalid) + " stud(ies) with invalid counts omitted");
    if (obs.empty()) return "no studies";
    if (events == 0) return "all studies have 0 events: the ML logit rate is -infinity";
    if (non_events == 0) return "all studies have only events: the ML logit rate is +infinity";
    return "";
  }
  double loglik(double mu, double tau) const {
    double ll = 0;
    for (std::size_t i = 0; i < obs.size(); ++i) {
      Obs o = obs[i];
      o.off = mu;
      ll += study_agq(&o, 1, tau, gh, modes[i]);
    }
    return ll;
  }
};

}  // namespace

MethodResult glmm_single_arm(const std::vector<long long>& events, const std::vector<long long>& totals, int nAGQ,
                             double level) {
  MethodResult m = nan_result("GLMM_ML", 0, "");
  try {
    const SingleArmModel model(events, totals, nAGQ);
    const auto start = [&] {
      double tau0;
      const double mu0 = dl_start(escalc_plo(events, totals), tau0);
      return VectorXd((VectorXd(2) << mu0, tau0).finished());
    };
    const auto loglik = [&](const VectorXd& x) { return model.loglik(x(0), x(1)); };
    if (!fit_glmm(m, {model.k(), model.problems(m.note), "study", {1}}, loglik, start, level)) return m;
    // heterogeneity: the common-effect model is the binomial with the pooled rate E/N; the
    // saturated model fits every study exactly (log-likelihood 0 on this scale); the Wald test
    // of the saturated glm is Cochran's Q of the uncorrected logits of studies with 0 < x < n
    double ll_fe = 0;
    std::vector<double> y, v;
    const double eta_fe = std::log(static_cast<double>(model.events) / static_cast<double>(model.non_events));
    for (const Obs& o : model.obs) {
      ll_fe += bin_term(o, eta_fe).ll;
      if (o.y > 0 && o.y < o.n) {
        y.push_back(o.eta_hat);
        v.push_back(1 / o.y + 1 / (o.n - o.y));
      }
    }
    set_heterogeneity(m, typical_variance(escalc_plo(events, totals)), cochran_q(y, v), ll_fe, 0.0);
    return m;
  } catch (const std::exception& e) {
    append_note(m.note, std::string("internal error: ") + e.what());
    return m;
  }
}

double glmm_single_arm_loglik(const std::vector<long long>& events, const std::vector<long long>& totals, double mu,
                              double tau, int nAGQ) {
  const SingleArmModel model(events, totals, nAGQ);
  return model.k() ? model.loglik(mu, tau) : kNaN;
}

}  // namespace hbm::freq
