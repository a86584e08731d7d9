// rma.uni's tau^2 estimators, each as metafor computes it (iterations, truncation at 0, the
// ll0check), and the standard errors metafor reports for them.
#include "host/frequentist/tau2_estimators.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "host/frequentist/projector.hpp"
#include "host/frequentist/uniroot.hpp"

namespace hbm::freq::detail {

namespace {

// metafor control defaults for rma.uni.
constexpr double kThreshold = 1e-5;  // Fisher scoring convergence (change in tau^2)
constexpr int kMaxIter = 100;

// R's mad(): the median absolute deviation from the median, times 1.4826.
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

}  // namespace

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

}  // namespace hbm::freq::detail
