// Frequentist meta-analysis reproducing metafor 3.8-1: escalc, rma.uni (all tau^2 estimators,
// Knapp-Hartung, predict, Q-profile confint), meta-regression, rma.mh and rma.peto.
// The conventions that matter for agreement to 1e-8 are written next to the code; the method
// notes are in docs/frequentist.md. GLMMs are in frequentist_glmm.cpp.
#include "host/frequentist/frequentist.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>
#include <vector>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "host/frequentist/frequentist_internal.hpp"

namespace hbm::freq {

// ------------------------------------------------------------------ distribution helpers -----

namespace detail {

double qnorm_upper(double alpha) {
  if (!(alpha > 0 && alpha < 1)) return kNaN;
  try {
    return boost::math::quantile(boost::math::complement(boost::math::normal_distribution<>(), alpha));
  } catch (const std::exception&) {
    return kNaN;
  }
}

double qt_upper(double alpha, double df) {
  if (!(alpha > 0 && alpha < 1) || !(df > 0)) return kNaN;
  try {
    return boost::math::quantile(boost::math::complement(boost::math::students_t_distribution<>(df), alpha));
  } catch (const std::exception&) {
    return kNaN;
  }
}

double qchisq_lower(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return kNaN;
  try {
    return boost::math::quantile(boost::math::chi_squared_distribution<>(df), p);
  } catch (const std::exception&) {
    return kNaN;
  }
}

double pnorm_two_sided(double z) {
  if (std::isnan(z)) return kNaN;
  if (std::isinf(z)) return 0.0;
  try {
    return 2 * boost::math::cdf(boost::math::complement(boost::math::normal_distribution<>(), std::fabs(z)));
  } catch (const std::exception&) {
    return kNaN;
  }
}

double pt_two_sided(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return kNaN;
  if (std::isinf(t)) return 0.0;
  try {
    return 2 * boost::math::cdf(boost::math::complement(boost::math::students_t_distribution<>(df), std::fabs(t)));
  } catch (const std::exception&) {
    return kNaN;
  }
}

double pchisq_upper(double x, double df) {
  if (std::isnan(x) || !(df > 0)) return kNaN;
  if (x <= 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  try {
    return boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<>(df), x));
  } catch (const std::exception&) {
    return kNaN;
  }
}

double pf_upper(double x, double df1, double df2) {
  if (std::isnan(x) || !(df1 > 0) || !(df2 > 0)) return kNaN;
  if (x <= 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  try {
    return boost::math::cdf(boost::math::complement(boost::math::fisher_f_distribution<>(df1, df2), x));
  } catch (const std::exception&) {
    return kNaN;
  }
}

}  // namespace detail

using detail::append_note;
using detail::kNaN;

std::string method_name(Tau2Method m) {
  switch (m) {
    case Tau2Method::FE: return "FE";
    case Tau2Method::DL: return "DL";
    case Tau2Method::REML: return "REML";
    case Tau2Method::ML: return "ML";
    case Tau2Method::PM: return "PM";
    case Tau2Method::SJ: return "SJ";
    case Tau2Method::HS: return "HS";
    case Tau2Method::EB: return "EB";
  }
  return "?";
}

// ------------------------------------------------------------------------------ escalc -------

EffectData escalc_plo(const std::vector<long long>& events, const std::vector<long long>& totals) {
  EffectData d;
  const std::size_t k = std::min(events.size(), totals.size());
  d.yi.reserve(k);
  d.vi.reserve(k);
  for (std::size_t i = 0; i < k; ++i) {
    const long long x = events[i], n = totals[i];
    if (n <= 0 || x < 0 || x > n) {
      d.yi.push_back(kNaN);
      d.vi.push_back(kNaN);
      continue;
    }
    double a = static_cast<double>(x), b = static_cast<double>(n - x);
    if (x == 0 || x == n) {  // to = "only0": add 1/2 to both cells of studies with a zero cell
      a += 0.5;
      b += 0.5;
    }
    d.yi.push_back(std::log(a / b));
    d.vi.push_back(1.0 / a + 1.0 / b);
  }
  return d;
}

namespace {

// The 2x2 table of study i, or false when the counts are invalid.
bool table(const TwoArmCounts& c, std::size_t i, double& a, double& b, double& cc, double& d) {
  if (i >= c.et.size() || i >= c.nt.size() || i >= c.ec.size() || i >= c.nc.size()) return false;
  if (c.nt[i] <= 0 || c.nc[i] <= 0 || c.et[i] < 0 || c.ec[i] < 0 || c.et[i] > c.nt[i] || c.ec[i] > c.nc[i])
    return false;
  a = static_cast<double>(c.et[i]);
  b = static_cast<double>(c.nt[i] - c.et[i]);
  cc = static_cast<double>(c.ec[i]);
  d = static_cast<double>(c.nc[i] - c.ec[i]);
  return true;
}

bool double_zero(double a, double b, double c, double d) { return (a == 0 && c == 0) || (b == 0 && d == 0); }

template <class F>
EffectData escalc_2x2(const TwoArmCounts& counts, bool drop00, int* dropped, F&& measure) {
  EffectData out;
  int ndrop = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double a, b, c, d;
    if (!table(counts, i, a, b, c, d)) {
      out.yi.push_back(kNaN);
      out.vi.push_back(kNaN);
      continue;
    }
    if (drop00 && double_zero(a, b, c, d)) {
      ++ndrop;
      continue;
    }
    if (a == 0 || b == 0 || c == 0 || d == 0) {  // to = "only0": 1/2 to all cells of the table
      a += 0.5;
      b += 0.5;
      c += 0.5;
      d += 0.5;
    }
    double y, v;
    measure(a, b, c, d, y, v);
    out.yi.push_back(y);
    out.vi.push_back(v);
  }
  if (dropped) *dropped = ndrop;
  return out;
}

}  // namespace

EffectData escalc_or(const TwoArmCounts& counts, bool drop_double_zero, int* dropped_double_zero) {
  return escalc_2x2(counts, drop_double_zero, dropped_double_zero,
                    [](double a, double b, double c, double d, double& y, double& v) {
                      y = std::log((a * d) / (b * c));
                      v = 1 / a + 1 / b + 1 / c + 1 / d;
                    });
}

EffectData escalc_rr(const TwoArmCounts& counts, bool drop_double_zero, int* dropped_double_zero) {
  return escalc_2x2(counts, drop_double_zero, dropped_double_zero,
                    [](double a, double b, double c, double d, double& y, double& v) {
                      const double n1 = a + b, n2 = c + d;
                      y = std::log(a / n1) - std::log(c / n2);
                      v = 1 / a - 1 / n1 + 1 / c - 1 / n2;
                    });
}

// ------------------------------------------------------------ normal-normal model core -------

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// metafor control defaults for rma.uni.
constexpr double kThreshold = 1e-5;  // Fisher scoring convergence (change in tau^2)
constexpr int kMaxIter = 100;
const double kUnirootTol = std::pow(std::numeric_limits<double>::epsilon(), 0.25);

struct Problem {
  VectorXd y, v;  // finite y, positive finite v
  VectorXd ymc;   // y - mean(y) (metafor centres y for the tau^2 computations)
  MatrixXd X;
  int k = 0, p = 0;
};

// (X' W X)^-1 for weights w.
MatrixXd xtwx_inverse(const MatrixXd& X, const VectorXd& w) {
  const MatrixXd XtWX = X.transpose() * w.asDiagonal() * X;
  return XtWX.ldlt().solve(MatrixXd::Identity(X.cols(), X.cols()));
}

// The weighted residual projector P = W - W X A X' W, A = (X'WX)^-1, never formed: every
// quantity metafor takes from P is computed in O(k p^2) from A and h_i = x_i' A x_i, so memory
// and time stay linear in the number of studies.
struct Projector {
  const MatrixXd& X;
  VectorXd w, h;
  MatrixXd A;

  Projector(const MatrixXd& X_, const VectorXd& w_) : X(X_), w(w_) {
    A = xtwx_inverse(X, w);
    h = ((X * A).array() * X.array()).rowwise().sum().matrix();
  }
  VectorXd apply(const VectorXd& y) const {  // P y
    const VectorXd wy = w.cwiseProduct(y);
    return wy - w.cwiseProduct(X * (A * (X.transpose() * wy)));
  }
  double quad(const VectorXd& y) const { return y.dot(apply(y)); }  // y' P y
  VectorXd diag() const { return w - w.cwiseAbs2().cwiseProduct(h); }
  double trace() const { return diag().sum(); }
  // sum_ij P_ij^2 = tr(P P) = tr(W^2) - 2 tr(W B) + tr(B B), B = W X A X' W, B_ii = w_i^2 h_i
  double frob2() const {
    const MatrixXd M = X.transpose() * w.cwiseAbs2().asDiagonal() * X;
    const MatrixXd AM = A * M;
    return w.squaredNorm() - 2 * (w.array().cube() * h.array()).sum() + (AM * AM).trace();
  }
  // sum_ij P_ij^2 v_i v_j = tr(P V P V)
  double frob2_vv(const VectorXd& v) const {
    const VectorXd wv = w.cwiseProduct(v);
    const MatrixXd N = X.transpose() * wv.cwiseProduct(w).asDiagonal() * X;
    const MatrixXd AN = A * N;
    return wv.squaredNorm() - 2 * (w.array().cube() * v.array().square() * h.array()).sum() + (AN * AN).trace();
  }
  // sum_ij P_ij^2 v_j = tr(V P P)
  double frob2_v(const VectorXd& v) const {
    const MatrixXd M = X.transpose() * w.cwiseAbs2().asDiagonal() * X;
    const MatrixXd N = X.transpose() * (w.cwiseProduct(v).cwiseProduct(w)).asDiagonal() * X;
    return (v.array() * w.array().square()).sum() - 2 * (v.array() * w.array().cube() * h.array()).sum() +
           (A * N * A * M).trace();
  }
};

// .QE.func: Q statistic with weights 1/(v + tau2).
double q_at(const Problem& pr, double tau2) {
  const VectorXd w = (pr.v.array() + tau2).inverse().matrix();
  return Projector(pr.X, w).quad(pr.ymc);
}

double log_likelihood(const Problem& pr, double tau2, bool reml) {
  const VectorXd w = (pr.v.array() + tau2).inverse().matrix();
  const MatrixXd inv = xtwx_inverse(pr.X, w);
  const VectorXd beta = inv * (pr.X.transpose() * w.asDiagonal() * pr.ymc);
  const VectorXd r = pr.ymc - pr.X * beta;
  const double rss = (w.array() * r.array().square()).sum();
  const double logdet_v = (pr.v.array() + tau2).log().sum();
  const double two_pi = 2 * std::numbers::pi;
  if (!reml) return -0.5 * pr.k * std::log(two_pi) - 0.5 * logdet_v - 0.5 * rss;
  const MatrixXd XtWX = pr.X.transpose() * w.asDiagonal() * pr.X;
  const double logdet_x = std::log(XtWX.determinant());
  return -0.5 * (pr.k - pr.p) * std::log(two_pi) - 0.5 * logdet_v - 0.5 * logdet_x - 0.5 * rss;
}

double mad(std::vector<double> x) {
  auto median = [](std::vector<double> z) {
    std::sort(z.begin(), z.end());
    const std::size_t n = z.size();
    return n % 2 ? z[n / 2] : 0.5 * (z[n / 2 - 1] + z[n / 2]);
  };
  const double m = median(x);
  for (double& e : x) e = std::fabs(e - m);
  return 1.4826 * median(x);
}

struct Tau2Estimate {
  double tau2 = 0, se_tau2 = kNaN;
  bool converged = true;
  std::string note;
};

// metafor rma.uni's heterogeneity estimation, estimator by estimator (tau2.min = 0).
Tau2Estimate estimate_tau2(const Problem& pr, Tau2Method method) {
  Tau2Estimate out;
  const int k = pr.k, p = pr.p;
  if (method == Tau2Method::FE) {
    out.se_tau2 = kNaN;
    return out;
  }
  if (k == 1) {
    out.note = "tau^2 cannot be estimated from k = 1 study; set to 0";
    return out;
  }
  if (k <= p) {
    out.note = "tau^2 cannot be estimated with k <= p; set to 0";
    return out;
  }
  const VectorXd& v = pr.v;
  const VectorXd& ymc = pr.ymc;
  double tau2 = 0;
  double tau2_0 = 0;  // SJ's initial value
  VectorXd w;         // the weights of the P matrix the se formula of each estimator uses
  double trP = 0;

  switch (method) {
    case Tau2Method::HS: {
      w = v.cwiseInverse();
      tau2 = (Projector(pr.X, w).quad(ymc) - k) / w.sum();
      break;
    }
    case Tau2Method::DL: {
      w = v.cwiseInverse();
      const Projector P(pr.X, w);
      trP = P.trace();
      tau2 = (P.quad(ymc) - (k - p)) / trP;
      break;
    }
    case Tau2Method::SJ: {
      tau2_0 = ymc.squaredNorm() / k;  // var(ymci) * (k-1)/k
      w = (v.array() + tau2_0).inverse().matrix();
      tau2 = tau2_0 * Projector(pr.X, w).quad(ymc) / (k - p);
      break;
    }
    case Tau2Method::PM: {
      const double target = k - p;
      // control tau2.max: max(100, 10 * mad(yi)^2) (the adaptive part matters only for huge tau^2)
      const double mad_y = mad(std::vector<double>(pr.y.data(), pr.y.data() + k));
      const double tau2_max = std::max(100.0, 10 * mad_y * mad_y);
      auto f = [&](double t2) { return q_at(pr, t2) - target; };
      const double f_lo = f(0.0);
      if (f_lo < 0) {
        tau2 = 0;
      } else {
        const double f_hi = f(tau2_max);
        if (f_hi > 0) {
          out.converged = false;
          out.note = "PM: tau^2 exceeds the search interval (tau2.max)";
          out.tau2 = kNaN;
          return out;
        }
        int maxit = kMaxIter;
        tau2 = detail::r_zeroin2(f, 0.0, tau2_max, f_lo, f_hi, kUnirootTol, &maxit);
        if (maxit < 0) {
          out.converged = false;
          out.note = "PM: root search did not converge";
        }
      }
      break;
    }
    case Tau2Method::ML:
    case Tau2Method::REML:
    case Tau2Method::EB: {
      // Initial value: Hedges (HE) estimator, truncated at 0.
      {
        const Projector P0(pr.X, VectorXd::Ones(k));  // I - X (X'X)^-1 X'
        const double trPV = P0.diag().dot(v);
        tau2 = std::max(0.0, (P0.quad(ymc) - trPV) / (k - p));
      }
      double change = kThreshold + 1;
      int iter = 0;
      while (change > kThreshold) {
        ++iter;
        const double old = tau2;
        w = (v.array() + tau2).inverse().matrix();
        const Projector P(pr.X, w);
        double adj;
        if (method == Tau2Method::ML) {
          adj = (P.apply(ymc).squaredNorm() - w.sum()) / w.squaredNorm();
        } else if (method == Tau2Method::REML) {
          adj = (P.apply(ymc).squaredNorm() - P.trace()) / P.frob2();
        } else {
          adj = (P.quad(ymc) * k / (k - p) - k) / w.sum();
        }
        if (std::isnan(adj)) adj = 0;
        int halvings = 0;
        while (tau2 + adj < 0 && halvings < 2000) {  // step halving at tau2.min = 0
          adj /= 2;
          ++halvings;
        }
        tau2 = tau2 + adj;
        change = std::fabs(old - tau2);
        if (iter > kMaxIter || !std::isfinite(tau2)) {
          out.converged = false;
          break;
        }
      }
      if (!out.converged) {
        out.tau2 = kNaN;
        out.note = "Fisher scoring algorithm did not converge";
        return out;
      }
      if (method != Tau2Method::EB) {
        // ll0check: Fisher scoring may have stopped at a local maximum while tau^2 = 0 is better.
        const bool reml = method == Tau2Method::REML;
        const double ll0 = log_likelihood(pr, 0.0, reml), ll = log_likelihood(pr, tau2, reml);
        if (ll0 - ll > kUnirootTol && tau2 > kThreshold) {
          tau2 = 0;
          append_note(out.note, "Fisher scoring stopped at a local maximum; tau^2 set to 0 (metafor's ll0check)");
        }
      }
      w = (v.array() + tau2).inverse().matrix();
      break;
    }
    case Tau2Method::FE:
      break;
  }

  tau2 = std::max(0.0, tau2);
  out.tau2 = tau2;
  const double t = std::max(tau2, 0.0);

  // Standard errors exactly as metafor computes them (see rma.uni and its notes).
  switch (method) {
    case Tau2Method::HS: {
      const Projector P(pr.X, w);
      out.se_tau2 = std::sqrt(1 / (w.sum() * w.sum()) * (2 * (k - p) + 4 * t * P.trace() + 2 * t * t * P.frob2()));
      break;
    }
    case Tau2Method::DL:
      out.se_tau2 =
          std::sqrt(1 / (trP * trP) * (2 * (k - p) + 4 * t * trP + 2 * t * t * Projector(pr.X, w).frob2()));
      break;
    case Tau2Method::SJ: {
      // sum(PV * t(PV)) = sum_ij P_ij^2 v_i v_j, sum(PV * P) = sum_ij P_ij^2 v_j (P with SJ's weights)
      const Projector P(pr.X, w);
      out.se_tau2 = std::sqrt(tau2_0 * tau2_0 / ((k - p) * double(k - p)) *
                              (2 * P.frob2_vv(v) + 4 * t * P.frob2_v(v) + 2 * t * t * P.frob2()));
      break;
    }
    case Tau2Method::ML:
      out.se_tau2 = std::sqrt(2 / w.squaredNorm());
      break;
    case Tau2Method::REML:
      out.se_tau2 = std::sqrt(2 / Projector(pr.X, w).frob2());
      break;
    case Tau2Method::EB:
    case Tau2Method::PM: {
      const VectorXd wt = (v.array() + tau2).inverse().matrix();
      out.se_tau2 = std::sqrt(2.0 * k * k / (k - p) / (wt.sum() * wt.sum()));
      break;
    }
    case Tau2Method::FE:
      break;
  }
  return out;
}

bool is_intercept(const MatrixXd& X, int j) {
  return ((X.col(j).array() - 1.0).abs() < 1e-8).all();
}

// Builds the problem from (yi, vi, X), dropping studies with non-finite yi or non-positive /
// non-finite vi (metafor drops NA pairs; it rejects vi <= 0 for most estimators).
Problem make_problem(const EffectData& data, const MatrixXd& X, std::string& note, bool& x_ok) {
  Problem pr;
  x_ok = true;
  const std::size_t n = std::min(data.yi.size(), data.vi.size());
  std::vector<int> keep;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(data.yi[i]) && std::isfinite(data.vi[i]) && data.vi[i] > 0 &&
        (static_cast<Eigen::Index>(i) >= X.rows() || X.row(i).allFinite()))
      keep.push_back(static_cast<int>(i));
  }
  if (X.rows() != static_cast<Eigen::Index>(n)) {
    x_ok = false;
    note = "moderator matrix has " + std::to_string(X.rows()) + " rows for " + std::to_string(n) + " studies";
    return pr;
  }
  if (keep.size() < n)
    append_note(note, std::to_string(n - keep.size()) + " stud" + (n - keep.size() == 1 ? "y" : "ies") +
                          " without a finite effect and positive variance omitted");
  pr.k = static_cast<int>(keep.size());
  pr.p = static_cast<int>(X.cols());
  pr.y.resize(pr.k);
  pr.v.resize(pr.k);
  pr.X.resize(pr.k, pr.p);
  for (int r = 0; r < pr.k; ++r) {
    pr.y(r) = data.yi[keep[r]];
    pr.v(r) = data.vi[keep[r]];
    pr.X.row(r) = X.row(keep[r]);
  }
  pr.ymc = pr.y.array() - (pr.k > 0 ? pr.y.mean() : 0.0);
  if (pr.k > 0 && pr.p > 0) {
    Eigen::FullPivLU<MatrixXd> lu(pr.X);
    if (lu.rank() < pr.p) {
      x_ok = false;
      append_note(note, "model matrix not of full rank");
    }
  }
  return pr;
}

RegressionResult nan_regression(int k, int p, const std::string& note) {
  RegressionResult r;
  r.beta = r.se = r.zval = r.pval = r.ci_lb = r.ci_ub = VectorXd::Constant(p, kNaN);
  r.vcov = MatrixXd::Constant(p, p, kNaN);
  r.tau2 = r.se_tau2 = r.I2 = r.H2 = r.QE = r.QE_p = r.QM = r.QM_p = r.R2 = kNaN;
  r.k = k;
  r.p = p;
  r.converged = false;
  r.note = note;
  return r;
}

RegressionResult fit_problem(const Problem& pr, Tau2Method method, const RmaOptions& opt, double* vt_out) {
  const int k = pr.k, p = pr.p;
  RegressionResult r;
  r.k = k;
  r.p = p;
  const Tau2Estimate est = estimate_tau2(pr, method);
  r.note = est.note;
  r.converged = est.converged;
  r.tau2 = est.tau2;
  r.se_tau2 = est.se_tau2;
  if (!std::isfinite(est.tau2)) {
    RegressionResult bad = nan_regression(k, p, est.note);
    return bad;
  }
  const double tau2 = est.tau2;
  const VectorXd w = (pr.v.array() + tau2).inverse().matrix();
  MatrixXd vb = xtwx_inverse(pr.X, w);
  r.beta = vb * (pr.X.transpose() * w.asDiagonal() * pr.y);
  const VectorXd res = pr.y - pr.X * r.beta;
  const double rss = (w.array() * res.array().square()).sum();
  double crit;
  const double alpha = 1 - opt.level;
  if (opt.knha) {
    r.df = k - p;
    if (k - p > 0) {
      const double s2w = rss <= std::numeric_limits<double>::epsilon() ? 0.0 : rss / (k - p);
      vb *= s2w;
      crit = detail::qt_upper(alpha / 2, k - p);
    } else {
      vb.setConstant(kNaN);
      crit = kNaN;
      append_note(r.note, "Knapp-Hartung needs k > p (no residual degrees of freedom)");
    }
  } else {
    crit = detail::qnorm_upper(alpha / 2);
  }
  r.vcov = vb;
  r.se = vb.diagonal().cwiseSqrt();
  r.zval = r.beta.cwiseQuotient(r.se);
  r.pval.resize(p);
  for (int j = 0; j < p; ++j)
    r.pval(j) = opt.knha ? detail::pt_two_sided(r.zval(j), k - p) : detail::pnorm_two_sided(r.zval(j));
  r.ci_lb = r.beta.array() - crit * r.se.array();
  r.ci_ub = r.beta.array() + crit * r.se.array();

  // Heterogeneity test with inverse-variance weights 1/v; typical variance vt = (k-p)/tr(P).
  double vt = kNaN;
  if (k > p) {
    const Projector P(pr.X, pr.v.cwiseInverse());
    r.QE = std::max(0.0, P.quad(pr.ymc));
    r.QE_p = detail::pchisq_upper(r.QE, k - p);
    vt = (k - p) / P.trace();
    if (method == Tau2Method::FE) {
      r.I2 = std::max(0.0, 100 * (r.QE - (k - p)) / r.QE);
      r.H2 = r.QE / (k - p);
    } else {
      r.I2 = 100 * tau2 / (vt + tau2);
      r.H2 = tau2 / vt + 1;
    }
  } else {
    r.QE = 0;
    r.QE_p = 1;
    r.I2 = 0;
    r.H2 = 1;
    vt = 0;
  }
  if (vt_out) *vt_out = vt;

  // Omnibus test of the moderators (all coefficients but an intercept column).
  std::vector<int> btt;
  bool has_int = false;
  for (int j = 0; j < p; ++j) {
    if (p > 1 && is_intercept(pr.X, j)) {
      has_int = true;
      continue;
    }
    btt.push_back(j);
  }
  if (p == 1) has_int = is_intercept(pr.X, 0);
  const int m = static_cast<int>(btt.size());
  if (m > 0) {
    VectorXd b(m);
    MatrixXd V(m, m);
    for (int a = 0; a < m; ++a) {
      b(a) = r.beta(btt[a]);
      for (int c = 0; c < m; ++c) V(a, c) = vb(btt[a], btt[c]);
    }
    const double qm = b.dot(V.ldlt().solve(b));
    if (opt.knha) {
      r.QM = qm / m;
      r.QM_p = detail::pf_upper(r.QM, m, k - p);
    } else {
      r.QM = qm;
      r.QM_p = detail::pchisq_upper(qm, m);
    }
  } else {
    r.QM = r.QM_p = kNaN;
  }

  // Pseudo R^2 against the intercept-only model with the same estimator.
  r.R2 = kNaN;
  if (has_int && p > 1 && method == Tau2Method::FE && k > p) {
    // metafor's FE models: max(0, 100 * adjusted R^2 of lm(yi ~ X, weights = 1/vi)), i.e.
    // 1 - (QE / QE_0) (k-1)/(k-p) with QE_0 the Q of the intercept-only model
    const double q0 = Projector(MatrixXd::Ones(k, 1), pr.v.cwiseInverse()).quad(pr.ymc);
    r.R2 = q0 > 0 ? std::max(0.0, 100 * (1 - r.QE / q0 * (k - 1.0) / (k - p))) : 0.0;
  }
  if (has_int && p > 1 && method != Tau2Method::FE) {
    Problem pr0 = pr;
    pr0.X = MatrixXd::Ones(k, 1);
    pr0.p = 1;
    const Tau2Estimate e0 = estimate_tau2(pr0, method);
    if (std::isfinite(e0.tau2)) r.R2 = e0.tau2 > 0 ? std::max(0.0, 100 * (e0.tau2 - tau2) / e0.tau2) : 0.0;
  }
  return r;
}

MethodResult nan_result(const std::string& name, int k, const std::string& note) {
  MethodResult m;
  m.name = name;
  m.estimate = m.se = m.zval = m.pval = m.ci_lb = m.ci_ub = kNaN;
  m.tau2 = m.tau = m.se_tau2 = m.tau2_ci_lb = m.tau2_ci_ub = kNaN;
  m.I2 = m.H2 = m.Q = m.Q_p = m.pi_lb = m.pi_ub = m.sigma2 = m.loglik = kNaN;
  m.k = k;
  m.converged = false;
  m.note = note;
  return m;
}

Tau2Interval qprofile(const Problem& pr, double tau2_hat, double level, double vt) {
  Tau2Interval ci;
  const int k = pr.k, p = pr.p;
  if (k - p < 1) {
    ci.lb = ci.ub = ci.I2_lb = ci.I2_ub = ci.H2_lb = ci.H2_ub = kNaN;
    ci.note = "no tau^2 interval with k <= p";
    return ci;
  }
  const double alpha = 1 - level;
  const double tau2_min = std::min(0.0, tau2_hat);
  const double tau2_max = std::max({100.0, 10 * tau2_hat, 10 * tau2_min});
  const double crit_u = detail::qchisq_lower(1 - alpha / 2, k - p);
  const double crit_l = detail::qchisq_lower(alpha / 2, k - p);
  const double q_max = q_at(pr, tau2_max), q_min = q_at(pr, tau2_min);
  const double tol = kUnirootTol;
  double lb = kNaN, ub = kNaN;
  bool ok = true;

  // upper bound
  if (q_min < crit_l) {
    lb = ub = tau2_min;
    ci.null_set = true;
    ci.lb_below_search = true;
    append_note(ci.note, "Q(0) is below the lower critical value: the tau^2 interval is the null set {0}");
  } else if (q_max > crit_l) {
    ub = tau2_max;
    ci.ub_above_search = true;
    append_note(ci.note, "upper bound of tau^2 beyond the search interval");
  } else {
    auto f = [&](double t) { return q_at(pr, t) - crit_l; };
    int maxit = 1000;
    ub = detail::r_zeroin2(f, tau2_min, tau2_max, q_min - crit_l, q_max - crit_l, tol, &maxit);
    ok = ok && maxit >= 0;
  }
  // lower bound
  if (q_max > crit_u) {
    lb = ub = tau2_max;
    ci.ub_above_search = true;
  } else if (q_min < crit_u) {
    lb = tau2_min;
    ci.lb_below_search = true;
  } else {
    auto f = [&](double t) { return q_at(pr, t) - crit_u; };
    int maxit = 1000;
    lb = detail::r_zeroin2(f, tau2_min, tau2_max, q_min - crit_u, q_max - crit_u, tol, &maxit);
    ok = ok && maxit >= 0;
  }
  if (!ok) append_note(ci.note, "Q-profile root search did not converge");
  ci.lb = std::max(0.0, lb);
  ci.ub = std::max(0.0, ub);
  ci.I2_lb = 100 * ci.lb / (vt + ci.lb);
  ci.I2_ub = 100 * ci.ub / (vt + ci.ub);
  ci.H2_lb = ci.lb / vt + 1;
  ci.H2_ub = ci.ub / vt + 1;
  return ci;
}

}  // namespace

RateInterval clopper_pearson(long long events, long long total, double level) {
  const double alpha = 1.0 - level;
  const double x = static_cast<double>(events), n = static_cast<double>(total);
  RateInterval r;
  r.lo = events <= 0 ? 0.0 : boost::math::quantile(boost::math::beta_distribution<double>(x, n - x + 1), alpha / 2);
  r.hi = events >= total ? 1.0
                         : boost::math::quantile(boost::math::beta_distribution<double>(x + 1, n - x), 1 - alpha / 2);
  return r;
}

RegressionPrediction predict_regression(const RegressionResult& g, const Eigen::VectorXd& x0) {
  RegressionPrediction p;
  if (g.beta.size() == 0 || g.beta.size() != x0.size() || g.vcov.rows() != x0.size()) return p;
  p.pred = x0.dot(g.beta);
  p.se = std::sqrt(x0.dot(g.vcov * x0));
  const double crit = g.df > 0 ? detail::qt_upper(0.025, g.df) : detail::qnorm_upper(0.025);
  p.ci_lb = p.pred - crit * p.se;
  p.ci_ub = p.pred + crit * p.se;
  const double spread = std::sqrt(p.se * p.se + g.tau2);
  p.pi_lb = p.pred - crit * spread;
  p.pi_ub = p.pred + crit * spread;
  return p;
}

RegressionResult rma_regression(const EffectData& data, const Eigen::MatrixXd& X, Tau2Method method,
                                const RmaOptions& options) {
  const std::string name = method_name(method) + (options.knha ? "_knha" : "");
  try {
    std::string note;
    bool x_ok = true;
    const Problem pr = make_problem(data, X, note, x_ok);
    if (!x_ok || pr.k == 0) {
      RegressionResult bad = !x_ok ? nan_regression(pr.k, static_cast<int>(X.cols()), note)
                                   : nan_regression(0, pr.p, note.empty() ? "no studies" : note + "; no studies left");
      bad.method = name;
      return bad;
    }
    RegressionResult r = fit_problem(pr, method, options, nullptr);
    if (!note.empty()) r.note = r.note.empty() ? note : note + "; " + r.note;
    r.method = name;
    return r;
  } catch (const std::exception& e) {
    RegressionResult r = nan_regression(0, static_cast<int>(X.cols()), std::string("internal error: ") + e.what());
    r.method = name;
    return r;
  }
}

Tau2Interval tau2_ci_qprofile(const EffectData& data, double tau2_hat, double level) {
  std::string note;
  bool x_ok = true;
  const std::size_t n = std::min(data.yi.size(), data.vi.size());
  const Problem pr = make_problem(data, MatrixXd::Ones(static_cast<Eigen::Index>(n), 1), note, x_ok);
  if (pr.k < 2) {
    Tau2Interval ci;
    ci.lb = ci.ub = ci.I2_lb = ci.I2_ub = ci.H2_lb = ci.H2_ub = kNaN;
    ci.note = "no tau^2 interval with fewer than 2 studies";
    return ci;
  }
  const double vt = (pr.k - pr.p) / Projector(pr.X, pr.v.cwiseInverse()).trace();
  return qprofile(pr, std::isfinite(tau2_hat) ? tau2_hat : 0.0, level, vt);
}

MethodResult rma(const EffectData& data, Tau2Method method, const RmaOptions& options) {
  const std::string name = method_name(method) + (options.knha ? "_knha" : "");
  try {
    std::string note;
    bool x_ok = true;
    const std::size_t n = std::min(data.yi.size(), data.vi.size());
    const Problem pr = make_problem(data, MatrixXd::Ones(static_cast<Eigen::Index>(n), 1), note, x_ok);
    if (pr.k == 0) return nan_result(name, 0, note.empty() ? "no studies" : note + "; no studies left");
    double vt = kNaN;
    const RegressionResult r = fit_problem(pr, method, options, &vt);
    MethodResult m;
    m.name = name;
    m.k = pr.k;
    m.df = r.df;
    m.converged = r.converged;
    m.note = note;
    append_note(m.note, r.note);
    m.estimate = r.beta(0);
    m.se = r.se(0);
    m.zval = r.zval(0);
    m.pval = r.pval(0);
    m.ci_lb = r.ci_lb(0);
    m.ci_ub = r.ci_ub(0);
    m.tau2 = r.tau2;
    m.tau = std::sqrt(r.tau2);
    m.se_tau2 = r.se_tau2;
    m.I2 = r.I2;
    m.H2 = r.H2;
    m.Q = r.QE;
    m.Q_p = r.QE_p;
    m.sigma2 = m.loglik = kNaN;
    m.tau2_ci_lb = m.tau2_ci_ub = kNaN;
    const double alpha = 1 - options.level;
    if (method == Tau2Method::FE) {
      m.pi_lb = m.pi_ub = kNaN;  // metafor's predict() gives no prediction interval for FE models
    } else {
      const double crit = options.knha ? detail::qt_upper(alpha / 2, pr.k - 1) : detail::qnorm_upper(alpha / 2);
      const double sd = std::sqrt(m.se * m.se + m.tau2);
      m.pi_lb = m.estimate - crit * sd;
      m.pi_ub = m.estimate + crit * sd;
      if (options.tau2_ci && pr.k >= 2 && std::isfinite(m.tau2)) {
        const Tau2Interval ci = qprofile(pr, m.tau2, options.level, vt);
        m.tau2_ci_lb = ci.lb;
        m.tau2_ci_ub = ci.ub;
        if (ci.null_set || ci.ub_above_search) append_note(m.note, ci.note);
      }
    }
    return m;
  } catch (const std::exception& e) {
    return nan_result(name, 0, std::string("internal error: ") + e.what());
  }
}

// --------------------------------------------------------------- Mantel-Haenszel, Peto -------

namespace {

// Q, I^2, H^2 of rma.mh: inverse-variance weights of the log ORs (1/2 added to tables with a
// zero, double-zero tables dropped), residuals about the pooled estimate beta, df k.yi - 1.
void iv_heterogeneity(const TwoArmCounts& counts, double beta, MethodResult& m) {
  const EffectData es = escalc_or(counts, true);
  double q = 0;
  int kyi = 0;
  for (std::size_t i = 0; i < es.yi.size(); ++i) {
    if (!std::isfinite(es.yi[i]) || !std::isfinite(es.vi[i])) continue;
    ++kyi;
    q += (es.yi[i] - beta) * (es.yi[i] - beta) / es.vi[i];
  }
  if (kyi > 1) {
    m.Q = std::max(0.0, q);
    m.Q_p = detail::pchisq_upper(m.Q, kyi - 1);
    m.I2 = std::max(0.0, 100 * (m.Q - (kyi - 1)) / m.Q);
    m.H2 = m.Q / (kyi - 1);
  } else {
    m.Q = 0;
    m.Q_p = 1;
    m.I2 = 0;
    m.H2 = 1;
  }
}

MethodResult common_effect_shell(const std::string& name) {
  MethodResult m;
  m.name = name;
  m.tau2 = m.tau = 0;
  m.se_tau2 = m.tau2_ci_lb = m.tau2_ci_ub = kNaN;
  m.pi_lb = m.pi_ub = m.sigma2 = m.loglik = kNaN;
  return m;
}

}  // namespace

MethodResult mantel_haenszel(const TwoArmCounts& counts, double level) {
  MethodResult m = common_effect_shell("MH");
  double R = 0, S = 0, sPR = 0, sPS_QR = 0, sQS = 0;
  int k = 0, invalid = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double a, b, c, d;
    if (!table(counts, i, a, b, c, d)) {
      ++invalid;
      continue;
    }
    ++k;  // double-zero tables count (metafor drop00 = c(TRUE, FALSE)) but add nothing to R, S
    const double N = a + b + c + d;
    const double Pi = a / N + d / N, Qi = b / N + c / N;
    const double Ri = (a / N) * d, Si = (b / N) * c;
    R += Ri;
    S += Si;
    sPR += Pi * Ri;
    sPS_QR += Pi * Si + Qi * Ri;
    sQS += Qi * Si;
  }
  m.k = k;
  if (invalid) append_note(m.note, std::to_string(invalid) + " table(s) with invalid counts omitted");
  if (k == 0 || R == 0 || S == 0) {
    MethodResult bad = nan_result("MH", k, m.note);
    append_note(bad.note, k == 0 ? "no tables" : "Mantel-Haenszel odds ratio undefined (no events in one of the diagonal products)");
    return bad;
  }
  m.estimate = std::log(R / S);
  m.se = std::sqrt(0.5 * (sPR / (R * R) + sPS_QR / (R * S) + sQS / (S * S)));  // Robins et al. (1986)
  m.zval = m.estimate / m.se;
  m.pval = detail::pnorm_two_sided(m.zval);
  const double crit = detail::qnorm_upper((1 - level) / 2);
  m.ci_lb = m.estimate - crit * m.se;
  m.ci_ub = m.estimate + crit * m.se;
  iv_heterogeneity(counts, m.estimate, m);
  return m;
}

MethodResult peto(const TwoArmCounts& counts, double level) {
  MethodResult m = common_effect_shell("Peto");
  double sumO_E = 0, sumV = 0, sumOE2_V = 0;
  int k = 0, kpos = 0, kyi = 0, invalid = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double a, b, c, d;
    if (!table(counts, i, a, b, c, d)) {
      ++invalid;
      continue;
    }
    ++k;
    if (!double_zero(a, b, c, d)) ++kyi;
    const double n1 = a + b, n2 = c + d, N = n1 + n2;
    const double xt = a + c, yt = b + d;
    const double E = xt * n1 / N;
    const double V = N > 1 ? xt * yt * (n1 / N) * (n2 / N) / (N - 1) : 0.0;
    sumO_E += a - E;
    sumV += V;
    if (V > 0) {
      ++kpos;
      sumOE2_V += (a - E) * (a - E) / V;
    }
  }
  m.k = k;
  if (invalid) append_note(m.note, std::to_string(invalid) + " table(s) with invalid counts omitted");
  if (k == 0 || sumV == 0) {
    MethodResult bad = nan_result("Peto", k, m.note);
    append_note(bad.note, k == 0 ? "no tables" : "one of the two outcomes never occurred in any table; Peto's method cannot be used");
    return bad;
  }
  m.estimate = sumO_E / sumV;
  m.se = std::sqrt(1 / sumV);
  m.zval = m.estimate / m.se;
  m.pval = detail::pnorm_two_sided(m.zval);
  const double crit = detail::qnorm_upper((1 - level) / 2);
  m.ci_lb = m.estimate - crit * m.se;
  m.ci_ub = m.estimate + crit * m.se;
  m.Q = std::max(0.0, sumOE2_V - sumO_E * sumO_E / sumV);
  if (kpos > 1) {
    m.Q_p = detail::pchisq_upper(m.Q, kyi - 1);
    m.I2 = std::max(0.0, 100 * (m.Q - (kyi - 1)) / m.Q);
    m.H2 = m.Q / (kyi - 1);
  } else {
    m.Q_p = 1;
    m.I2 = 0;
    m.H2 = 1;
  }
  return m;
}

// ------------------------------------------------------------------------ method sets --------

namespace {

constexpr Tau2Method kAllMethods[] = {Tau2Method::FE, Tau2Method::DL, Tau2Method::REML, Tau2Method::ML,
                                      Tau2Method::PM, Tau2Method::SJ, Tau2Method::HS, Tau2Method::EB};

void add_rma_set(const EffectData& es, std::vector<MethodResult>& out) {
  for (Tau2Method m : kAllMethods) out.push_back(rma(es, m, false));
  for (Tau2Method m : kAllMethods)
    if (m != Tau2Method::FE) out.push_back(rma(es, m, true));
}

}  // namespace

std::vector<MethodResult> all_methods_single_arm(const std::vector<long long>& events,
                                                 const std::vector<long long>& totals) {
  std::vector<MethodResult> out;
  add_rma_set(escalc_plo(events, totals), out);
  out.push_back(glmm_single_arm(events, totals));
  return out;
}

std::vector<MethodResult> all_methods_two_arm(const TwoArmCounts& counts) {
  std::vector<MethodResult> out;
  add_rma_set(escalc_or(counts, false), out);
  out.push_back(mantel_haenszel(counts));
  out.push_back(peto(counts));
  out.push_back(glmm_um_fs(counts));
  out.push_back(glmm_um_rs(counts));
  return out;
}

std::vector<MethodResult> basic_methods_single_arm(const std::vector<long long>& events,
                                                   const std::vector<long long>& totals) {
  const EffectData es = escalc_plo(events, totals);
  return {rma(es, Tau2Method::FE, false), rma(es, Tau2Method::DL, false), rma(es, Tau2Method::REML, false),
          rma(es, Tau2Method::REML, true), glmm_single_arm(events, totals)};
}

std::vector<MethodResult> basic_methods_two_arm(const TwoArmCounts& counts) {
  const EffectData es = escalc_or(counts, false);
  return {rma(es, Tau2Method::FE, false), rma(es, Tau2Method::DL, false), rma(es, Tau2Method::REML, false),
          rma(es, Tau2Method::REML, true), mantel_haenszel(counts), glmm_um_fs(counts)};
}

}  // namespace hbm::freq
