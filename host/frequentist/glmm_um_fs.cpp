// The two-arm GLMM with fixed study intercepts and a random log odds ratio (metafor::rma.glmm
// model="UM.FS"): the intercepts profiled out study by study, ML over (theta, tau) by adaptive
// Gauss-Hermite quadrature, and rma.glmm's heterogeneity tests.
#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <string>
#include <vector>

#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/gauss_hermite.hpp"
#include "host/frequentist/glmm_common.hpp"
#include "host/frequentist/glmm_heterogeneity.hpp"
#include "host/frequentist/glmm_likelihood.hpp"
#include "host/frequentist/glmm_tables.hpp"
#include "host/frequentist/maximize.hpp"
#include "host/frequentist/newton.hpp"
#include "host/frequentist/result_helpers.hpp"

namespace hbm::freq {

using detail::append_note;
using detail::cochran_q;
using detail::dl_start;
using detail::fit_glmm;
using detail::Fn;
using detail::kNaN;
using detail::logit_half;
using detail::maximize;
using detail::nan_result;
using detail::Obs;
using detail::OptResult;
using detail::set_heterogeneity;
using detail::study_agq;
using detail::Tables;
using detail::typical_variance;
using detail::VectorXd;

namespace {

// UM.FS: logit p_t = alpha_i + theta + tau u/2, logit p_c = alpha_i - tau u/2; the study
// intercepts alpha_i are profiled out (one-dimensional maximisations), parameters (theta, tau).
struct FsModel {
  Tables t;
  GHRule gh;
  std::vector<std::array<Obs, 2>> obs;       // (treatment, control) per study
  mutable std::vector<double> alpha, modes;  // warm starts

  FsModel(const TwoArmCounts& counts, int nAGQ) : t(counts), gh(gh_rule(std::max(1, nAGQ))) {
    alpha.resize(t.k());
    modes.assign(t.k(), 0.0);
    obs.resize(t.k());
    for (int i = 0; i < t.k(); ++i) {
      alpha[i] = logit_half(t.c[i], t.n2[i]);
      obs[i][0].set_counts(t.a[i], t.n1[i]);
      obs[i][0].c1 = 0.5;
      obs[i][1].set_counts(t.c[i], t.n2[i]);
      obs[i][1].c1 = -0.5;
    }
  }
  double study_ll(int i, double a, double theta, double tau) const {
    std::array<Obs, 2> o = obs[i];
    o[0].off = a + theta;
    o[1].off = a;
    return study_agq(o.data(), 2, tau, gh, modes[i]);
  }
  double profile_study(int i, double theta, double tau) const {
    return detail::maximize_1d([&](double a) { return study_ll(i, a, theta, tau); }, alpha[i]);
  }
  double loglik(double theta, double tau) const {
    double ll = 0;
    for (int i = 0; i < t.k(); ++i) ll += profile_study(i, theta, tau);
    return ll;
  }
};

}  // namespace

MethodResult glmm_um_fs(const TwoArmCounts& counts, int nAGQ, double level) {
  MethodResult m = nan_result("GLMM_UM.FS", 0, "");
  try {
    const FsModel model(counts, nAGQ);
    const int k = model.t.k();
    const auto start = [&] {
      double tau0;
      const double th0 = dl_start(escalc_or(counts, true), tau0);
      return VectorXd((VectorXd(2) << th0, tau0).finished());
    };
    // the profile likelihood; its information is the (theta, tau) block of the full one
    const auto loglik = [&](const VectorXd& x) { return model.loglik(x(0), x(1)); };
    if (!fit_glmm(m, {k, model.t.problems(m.note), "table", {1}}, loglik, start, level)) return m;
    // heterogeneity: common-effect model = this model at tau = 0 (glm with study intercepts);
    // the saturated model fits every table exactly (0); Wald = Cochran's Q of the uncorrected
    // log ORs of tables without a zero cell (the others' coefficients diverge in the glm)
    double ll_fe = kNaN;
    if (k > 1) {
      Fn f0 = [&](const VectorXd& x) { return model.loglik(x(0), 0.0); };
      const OptResult fe = maximize(f0, (VectorXd(1) << m.estimate).finished());
      ll_fe = fe.f;
    }
    std::vector<double> y, v;
    for (int i = 0; i < k; ++i) {
      const double a = model.t.a[i], b = model.t.n1[i] - a, c = model.t.c[i], d = model.t.n2[i] - c;
      if (a > 0 && b > 0 && c > 0 && d > 0) {
        y.push_back(std::log(a * d / (b * c)));
        v.push_back(1 / a + 1 / b + 1 / c + 1 / d);
      }
    }
    set_heterogeneity(m, typical_variance(escalc_or(counts, true)), cochran_q(y, v), ll_fe, 0.0);
    return m;
  } catch (const std::exception& e) {
    append_note(m.note, std::string("internal error: ") + e.what());
    return m;
  }
}

double glmm_um_fs_profile_loglik(const TwoArmCounts& counts, double theta, double tau, int nAGQ) {
  const FsModel model(counts, nAGQ);
  std::string note;
  if (!model.t.problems(note).empty()) return kNaN;
  return model.loglik(theta, tau);
}

}  // namespace hbm::freq
