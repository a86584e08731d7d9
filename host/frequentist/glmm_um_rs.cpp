// The two-arm GLMM with random study intercepts and a random log odds ratio, uncorrelated
// (metafor::rma.glmm model="UM.RS", cor=FALSE): ML over (theta, b0, sigma, tau) by the Laplace
// approximation, and rma.glmm's heterogeneity tests from the common-effect and saturated models.
#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/gauss_hermite.hpp"
#include "host/frequentist/glmm_common.hpp"
#include "host/frequentist/glmm_heterogeneity.hpp"
#include "host/frequentist/glmm_likelihood.hpp"
#include "host/frequentist/glmm_tables.hpp"
#include "host/frequentist/maximize.hpp"
#include "host/frequentist/ml_fit.hpp"
#include "host/frequentist/newton.hpp"
#include "host/frequentist/result_helpers.hpp"

namespace hbm::freq {

using detail::append_note;
using detail::dl_start;
using detail::fd_derivatives;
using detail::fit_glmm;
using detail::fit_ml;
using detail::Fn;
using detail::kNaN;
using detail::logit_half;
using detail::MatrixXd;
using detail::MlFit;
using detail::nan_result;
using detail::Obs;
using detail::set_heterogeneity;
using detail::study_agq;
using detail::study_laplace2;
using detail::Tables;
using detail::typical_variance;
using detail::VectorXd;

namespace {

// UM.RS: logit p = b0 + sigma w + group1 theta +/- tau u/2; parameters (theta, b0, sigma, tau).
struct RsModel {
  Tables t;
  std::vector<std::array<Obs, 2>> obs;  // (treatment, control) per study
  mutable std::vector<Eigen::Vector2d> modes;

  explicit RsModel(const TwoArmCounts& counts) : t(counts) {
    modes.assign(t.k(), Eigen::Vector2d::Zero());
    obs.resize(t.k());
    for (int i = 0; i < t.k(); ++i) {
      obs[i][0].set_counts(t.a[i], t.n1[i]);
      obs[i][0].c1 = 1;
      obs[i][0].c2 = 0.5;
      obs[i][1].set_counts(t.c[i], t.n2[i]);
      obs[i][1].c1 = 1;
      obs[i][1].c2 = -0.5;
    }
  }
  double loglik(const VectorXd& x) const {
    double ll = 0;
    for (int i = 0; i < t.k(); ++i) {
      std::array<Obs, 2> o = obs[i];
      o[0].off = x(1) + x(0);
      o[1].off = x(1);
      ll += study_laplace2(o.data(), 2, x(2), x(3), modes[i]);
    }
    return ll;
  }
  // starting values for b0 and sigma from the control arms
  void start(double& b0, double& sigma) const {
    double mean = 0, var = 0;
    const int k = t.k();
    for (int i = 0; i < k; ++i) mean += logit_half(t.c[i], t.n2[i]) / k;
    for (int i = 0; i < k; ++i) var += std::pow(logit_half(t.c[i], t.n2[i]) - mean, 2) / std::max(1, k - 1);
    b0 = mean;
    sigma = std::max(std::sqrt(var), 0.25);
  }
};

// UM.RS's saturated model for the heterogeneity tests (rma.glmm: glmer with the random study
// intercepts b0 + sigma w_i and one log OR theta_i per table; Laplace, as every UM.RS fit). The
// theta_i are profiled out table by table, so the outer problem is (b0, sigma). A table whose
// treatment arm has no events (or only events) sends its theta_i to -+infinity, where that arm
// fits exactly: its contribution is the limit (the control arm alone), and it drops out of the
// Wald test (its coefficient's variance is infinite), as the glmer fit tends to.
struct RsSaturated {
  const RsModel& base;
  GHRule laplace = gh_rule(1);
  std::vector<int> free;             // tables with 0 < events_t < total_t
  std::vector<bool> is_free;
  mutable std::vector<double> th, modes;

  explicit RsSaturated(const RsModel& b) : base(b) {
    const int k = base.t.k();
    is_free.assign(k, false);
    th.assign(k, 0.0);
    modes.assign(k, 0.0);
    for (int i = 0; i < k; ++i) {
      const double a = base.t.a[i], n1 = base.t.n1[i];
      if (a > 0 && a < n1) {
        is_free[i] = true;
        free.push_back(i);
        th[i] = logit_half(a, n1) - logit_half(base.t.c[i], base.t.n2[i]);
      }
    }
  }
  double study(int i, double th_i, double b0, double sigma) const {
    std::array<Obs, 2> o = base.obs[i];
    o[0].off = b0 + th_i;
    o[1].off = b0;
    if (!is_free[i]) return study_agq(&o[1], 1, sigma, laplace, modes[i]);
    return study_agq(o.data(), 2, sigma, laplace, modes[i]);
  }
  double profile(int i, double b0, double sigma) const {
    if (!is_free[i]) return study(i, 0.0, b0, sigma);
    return detail::maximize_1d([&](double x) { return study(i, x, b0, sigma); }, th[i]);
  }
  double loglik(double b0, double sigma) const {
    double ll = 0;
    for (int i = 0; i < base.t.k(); ++i) ll += profile(i, b0, sigma);
    return ll;
  }
  // Not profiled: x = (theta_i of the free tables..., b0, sigma).
  double full(const VectorXd& x) const {
    const int nf = static_cast<int>(free.size());
    const double b0 = x(nf), sigma = x(nf + 1);
    double ll = 0;
    for (int i = 0; i < base.t.k(); ++i) ll += is_free[i] ? 0.0 : study(i, 0.0, b0, sigma);
    for (int j = 0; j < nf; ++j) ll += study(free[j], x(j), b0, sigma);
    return ll;
  }
};

// Fills the heterogeneity statistics of a UM.RS fit: ll_FE from the same model with tau = 0,
// ll_QE and the Wald test from RsSaturated.
void rs_heterogeneity(MethodResult& m, const RsModel& model, const TwoArmCounts& counts, double b0, double sigma) {
  const double vt = typical_variance(escalc_or(counts, true));
  if (model.t.k() <= 1) {
    set_heterogeneity(m, vt, kNaN, kNaN, kNaN);
    return;
  }
  Fn f_fe = [&](const VectorXd& x) { return model.loglik(x); };
  const MlFit fe = fit_ml(f_fe, (VectorXd(4) << m.estimate, b0, std::max(sigma, 0.25), 0.0).finished(), {2, 3},
                          {false, false, false, true});
  const RsSaturated sat(model);
  Fn f_qe = [&](const VectorXd& x) { return sat.loglik(x(0), x(1)); };
  const MlFit qe = fit_ml(f_qe, (VectorXd(2) << b0, std::max(sigma, 0.25)).finished(), {1}, {false, false});
  double wald = kNaN;
  const int nf = static_cast<int>(sat.free.size());
  if (qe.x.allFinite() && std::isfinite(qe.loglik)) {
    if (nf < 2) {
      wald = 0;
    } else {
      sat.loglik(qe.x(0), qe.x(1));  // theta_i at the optimum
      VectorXd x(nf + 2);
      for (int j = 0; j < nf; ++j) x(j) = sat.th[sat.free[j]];
      x(nf) = qe.x(0);
      x(nf + 1) = qe.x(1);
      const bool sigma0 = qe.fixed0.size() > 1 && qe.fixed0[1];
      const int d = sigma0 ? nf + 1 : nf + 2;  // sigma fixed at 0: information of the rest
      Fn ff = [&](const VectorXd& z) {
        VectorXd full = x;
        full.head(d) = z;
        return sat.full(full);
      };
      const VectorXd z = x.head(d);
      VectorXd g;
      MatrixXd H;
      fd_derivatives(ff, z, ff(z), 1e-4, g, H);
      Eigen::LDLT<MatrixXd> ldlt(-H);
      if (ldlt.info() == Eigen::Success && (ldlt.vectorD().array() > 0).all()) {
        const MatrixXd V = ldlt.solve(MatrixXd::Identity(d, d)).topLeftCorner(nf, nf);
        MatrixXd C = MatrixXd::Zero(nf - 1, nf);
        for (int j = 0; j < nf - 1; ++j) {
          C(j, j) = 1;
          C(j, nf - 1) = -1;
        }
        const VectorXd c = C * x.head(nf);
        wald = c.dot((C * V * C.transpose()).ldlt().solve(c));
      } else {
        append_note(m.note, "cannot invert the Hessian of the saturated model: no Wald test");
      }
    }
  } else {
    append_note(m.note, "saturated model for the heterogeneity tests failed");
  }
  set_heterogeneity(m, vt, wald, fe.loglik, qe.loglik);
}

}  // namespace

MethodResult glmm_um_rs(const TwoArmCounts& counts, double level) {
  MethodResult m = nan_result("GLMM_UM.RS", 0, "");
  try {
    const RsModel model(counts);
    const auto start = [&] {
      double tau0, b0, sigma0;
      const double th0 = dl_start(escalc_or(counts, true), tau0);
      model.start(b0, sigma0);
      return VectorXd((VectorXd(4) << th0, b0, sigma0, tau0).finished());
    };
    const auto loglik = [&](const VectorXd& x) { return model.loglik(x); };
    const std::optional<MlFit> fit =
        fit_glmm(m, {model.t.k(), model.t.problems(m.note), "table", {2, 3}}, loglik, start, level);
    if (!fit) return m;
    m.sigma2 = fit->x(2) * fit->x(2);
    rs_heterogeneity(m, model, counts, fit->x(1), fit->x(2));
    return m;
  } catch (const std::exception& e) {
    append_note(m.note, std::string("internal error: ") + e.what());
    return m;
  }
}

double glmm_um_rs_profile_loglik(const TwoArmCounts& counts, double theta, double tau) {
  const RsModel model(counts);
  std::string note;
  if (!model.t.problems(note).empty()) return kNaN;
  double b0, sigma0;
  model.start(b0, sigma0);
  Fn f = [&](const VectorXd& z) {
    VectorXd x(4);
    x << theta, z(0), z(1), tau;
    return model.loglik(x);
  };
  const MlFit fit = fit_ml(f, (VectorXd(2) << b0, sigma0).finished(), {1}, {false, false});
  return fit.loglik;
}

}  // namespace hbm::freq
