// Posterior of the single-arm logit-normal model by deterministic quadrature (test reference).
//
//   y_i ~ Bin(n_i, invlogit(theta_i)),  theta_i ~ N(mu, tau^2),  mu ~ N(m, s^2),  tau ~ p(tau).
//
// For every (mu, tau) grid node each theta_i is integrated out with Laplace-centred Gauss-Hermite
// quadrature: the mode of h(t) = log Bin(y|n, invlogit t) + log N(t | mu, tau) is found by
// safeguarded Newton, the rule is scaled by the curvature there, and the sum is formed relative
// to the mode (a log-sum-exp whose "max" is the mode value, so nothing overflows or underflows).
// The same nodes give the conditional moments of theta_i and p_i. Where the integrand is far
// from normal at the Laplace scale (one-sided y = 0 / y = n integrands under a wide prior) and the
// node carries weight, a sinh-mapped trapezoid rule replaces the GH sum (conditional_trapezoid).
//
// The (mu, tau) grid: mu uniform; tau = c (cosh z - 1) with z uniform, which is quadratic near
// tau = 0 (the u = sqrt(tau) map, so tau = 0 is a regular end point) and geometric for large tau
// (polynomial tails of half-Cauchy-type priors stay cheap); c is the posterior median of tau.
// The ranges come from a coarse (mu, log tau) pass that is expanded and zoomed until the region
// within `tail_log_threshold` log units of the maximum lies strictly inside. Integrals use the
// trapezoid rule (spectrally accurate for smooth densities that vanish at the ends) with the
// Euler-Maclaurin end correction at tau = 0; quantiles of mu and tau invert the CDF of a cubic
// Hermite interpolant of the marginal density (O(h^4); a piecewise-linear density would be
// O(h^2)). theta_new quantiles bisect (Newton-accelerated) the exact normal-mixture CDF over the
// grid nodes; p_new quantiles are invlogit of those; E[p_new] per node by GH, or for tau > 2 by
// a Gauss-Legendre form that does not degrade as invlogit becomes step-like.
//
// Rows of the grid (fixed tau) are log-concave in mu, so each is evaluated by climbing to its
// maximum and walking out until the node weight is negligible (skip_log_threshold).
#include "support/quadrature.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace hbm::test {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSqrt2 = 1.4142135623730951;
constexpr double kPi = 3.14159265358979323846;
const double kLogSqrtPi = 0.5 * std::log(kPi);

inline double sigmoid(double t) {
  if (t >= 0) return 1.0 / (1.0 + std::exp(-t));
  const double e = std::exp(t);
  return e / (1.0 + e);
}

struct Study {
  double y, n;
  double ll_sat;     // log-likelihood at the MLE (0 when y = 0 or y = n): keeps values O(log n)
  double logit_hat;  // logit((y + 1/2) / (n + 1)), a starting point
};

// y log sigmoid(t) + (n - y) log sigmoid(-t), one exp and one log1p; also p = sigmoid(t).
inline double loglik(double t, double y, double n, double& p) {
  const double e = std::exp(-std::fabs(t));
  const double l = std::log1p(e);
  const double r = 1.0 / (1.0 + e);
  if (t >= 0) {
    p = r;
    return -n * l - (n - y) * t;
  }
  p = e * r;
  return -n * l + y * t;
}

struct Rule {
  std::vector<double> x, w, lw;  // lw = log w + x^2 (the rule applied to exp(-x^2) * f e^{x^2})
  explicit Rule(int n) {
    gauss_hermite(n, x, w);
    lw.resize(x.size());
    for (size_t j = 0; j < x.size(); ++j) lw[j] = std::log(w[j]) + x[j] * x[j];
  }
};

struct Cond {
  double logint = 0;  // log int Bin(y | t) N(t | mu, tau) dt - ll_sat (binomial constant dropped)
  double mode = 0;
  double th_m = 0, th_v = 0, p_m = 0, p_v = 0;  // conditional moments of theta_i and p_i
  bool flagged = false;  // GH unreliable here (see kFallbackDeviation); fallback not taken
};

// Mode of h(t) = loglik(t) - (t - mu)^2 / (2 tau^2): the root of the decreasing function
// g(t) = y sigmoid(-t) - (n - y) sigmoid(t) - (t - mu) / tau^2, by Newton inside a bracket.
double find_mode(const Study& s, double mu, double tau, double start) {
  const double y = s.y, n = s.n, it2 = 1.0 / (tau * tau);
  auto g_at = [&](double t, double& dg) {
    const double e = std::exp(-std::fabs(t)), r = 1.0 / (1.0 + e);
    const double p = t >= 0 ? r : e * r, q = t >= 0 ? e * r : r;  // sigmoid(t), sigmoid(-t)
    dg = -n * p * q - it2;
    return y * q - (n - y) * p - (t - mu) * it2;
  };
  double d0;
  const double g0 = g_at(mu, d0);
  if (g0 == 0.0) return mu;
  double lo, hi;
  if (g0 > 0) {  // mode above mu; and below logit(y/n) because there the likelihood term is 0
    lo = mu;
    hi = mu + tau * tau * g0;
    if (s.y < s.n) hi = std::min(hi, std::log(s.y) - std::log(s.n - s.y));
  } else {
    hi = mu;
    lo = mu + tau * tau * g0;
    if (s.y > 0) lo = std::max(lo, std::log(s.y) - std::log(s.n - s.y));
  }
  if (!(hi > lo)) return 0.5 * (lo + hi);
  double x = start;
  if (!(x > lo && x < hi)) {
    x = mu - g0 / d0;  // one Newton step from mu (exact as tau -> 0)
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
  }
  for (int it = 0; it < 300; ++it) {
    double dg;
    const double g = g_at(x, dg);
    if (g > 0) {
      lo = x;
    } else if (g < 0) {
      hi = x;
    } else {
      return x;
    }
    const double scale = 1.0 / std::sqrt(-dg);  // Laplace scale at x
    const double dx = -g / dg;
    if (std::fabs(dx) <= 1e-12 * scale) return x + dx;  // converged (checked before the bracket:
                                                        // a vanishing step may sit on its end)
    double xn = x + dx;
    if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi);
    if (hi - lo <= 1e-12 * scale) return xn;
    x = xn;
  }
  return x;
}

// Above this departure (in log units, over |x| <= 2.5) the Gauss-Hermite sum is replaced by the
// trapezoid rule. Measured GH errors in the log integral against brute force: departure <= 5:
// < 1e-10 (one exception, y = n = 1 with tau = 5: 1.5e-6); 10-13: 1e-8..4e-8; 17-18:
// 1e-7..2e-6; 24-80 (y = 0 with tau 3-10; y = n = 1 with tau 50): 1e-5..2e-2.
constexpr double kFallbackDeviation = 8.0;
constexpr double kDevRange = 2.5;

// Robust fallback for a strongly non-Gaussian integrand: the trapezoid rule in v, with
// t = c0 + a sinh(v), a = min(sc, 1) (sc the Laplace scale), over the interval where
// h(t) - h(m) > -32 (h is concave, so that is an interval around the mode m). The local step in
// t, dv sqrt(a^2 + (t - c0)^2), is fine near c0 and grows away from it, so very wide priors (tau
// in the hundreds) cost a hundred or two points, not tens of thousands. The integrand is
// analytic; where the likelihood bends (n sigmoid(t) or n sigmoid(-t) ~ 1) it is bounded only on
// |Im t| <= pi/2, which needs a local step <= 0.45 there; the Gaussian factor stays bounded for
// |Im v| < pi/4: dv <= 0.2. Trapezoid errors are then ~exp(-pi^2 / 0.45) and
// ~exp(-2 pi (pi/4) / 0.2), ~1e-10, plus the e^-32 truncation; measured against brute force:
// <= 1e-9 in the log integral.
Cond conditional_trapezoid(const Study& s, double mu, double tau, double m, double ll_m, double sc,
                           bool moments) {
  const double i2t2 = 0.5 / (tau * tau), dm = m - mu;
  auto hrel = [&](double d, double& p) {  // h(m + d) - h(m)
    return (loglik(m + d, s.y, s.n, p) - ll_m) - d * (d + 2.0 * dm) * i2t2;
  };
  auto extent = [&](double sign, double drop) {  // |d| where h(m + d) - h(m) first falls to drop
    double p, lo = 0.0, hi = sc;
    for (int it = 0; it < 2000 && hrel(sign * hi, p) > drop; ++it) {
      lo = hi;
      hi *= 2.0;
    }
    for (int it = 0; it < 6; ++it) {  // the extent is only needed roughly
      const double md = 0.5 * (lo + hi);
      (hrel(sign * md, p) > drop ? lo : hi) = md;
    }
    return hi;
  };
  const double dl = extent(-1.0, -32.0), dr = extent(+1.0, -32.0);
  const double a = std::min(sc, 1.0);
  // The map is centred where resolution is needed: at the likelihood's bend point
  // logit((y + 1/2)/(n + 1)) if the integrand is still above e^-8 of its peak there, else at the
  // nearest such point. Around it, the bend zone (+-5) restricted to that region must get a local
  // step <= 0.45 (beyond it the trapezoid error is damped by the integrand's size); the Gaussian
  // core at the mode a step <= sc / 2.
  const double sl = extent(-1.0, -8.0), sr = extent(+1.0, -8.0);
  const double c0 = std::clamp(s.logit_hat, m - sl, m + sr);
  const double z0 = std::max(m - sl, s.logit_hat - 5.0), z1 = std::min(m + sr, s.logit_hat + 5.0);
  const double Z = z0 <= z1 ? std::max(std::fabs(z0 - c0), std::fabs(z1 - c0)) : 0.0;
  double dv = std::min({0.2, 0.45 / std::sqrt(a * a + Z * Z), 0.5 * sc / std::sqrt(a * a + (m - c0) * (m - c0))});
  const double vl = std::asinh((c0 - (m - dl)) / a), vr = std::asinh((m + dr - c0) / a);
  if ((vl + vr) / dv > 200000.0) dv = (vl + vr) / 200000.0;
  const int npts = static_cast<int>(std::ceil((vl + vr) / dv)) + 1;
  dv = (vl + vr) / (npts - 1);
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, sp = 0.0, sp2 = 0.0;
  // e^v by recurrence (sinh, cosh from it), re-anchored now and then against drift
  const double r = std::exp(dv);
  double ev = 0.0;
  for (int k = 0; k < npts; ++k) {
    const double v = -vl + k * dv;
    ev = (k % 64 == 0) ? std::exp(v) : ev * r;
    const double iev = 1.0 / ev;
    const double d = c0 - m + 0.5 * a * (ev - iev);
    double p;
    const double e = std::exp(hrel(d, p)) * 0.5 * a * (ev + iev) * (k == 0 || k == npts - 1 ? 0.5 : 1.0);
    s0 += e;
    if (moments) {
      s1 += e * d;
      s2 += e * d * d;
      sp += e * p;
      sp2 += e * p * p;
    }
  }
  Cond c;
  c.mode = m;
  // int = e^{h(m)} / (tau sqrt(2 pi)) * int e^{h - h(m)} dt
  c.logint = ll_m - s.ll_sat - dm * dm * i2t2 + std::log(s0 * dv) - std::log(tau) -
             0.5 * std::log(2.0 * kPi);
  if (moments) {
    const double md = s1 / s0, mp = sp / s0;
    c.th_m = m + md;
    c.th_v = std::max(0.0, s2 / s0 - md * md);
    c.p_m = mp;
    c.p_v = std::max(0.0, sp2 / s0 - mp * mp);
  }
  return c;
}

// fallback: whether a strongly non-Gaussian integrand may switch to conditional_trapezoid;
// without it the GH value is returned and Cond::flagged set.
Cond conditional(const Study& s, double mu, double tau, const Rule& rule, double start,
                 bool moments, std::vector<double>& buf, bool fallback) {
  Cond c;
  double p;
  if (tau <= 0) {  // theta_i = mu exactly
    c.logint = loglik(mu, s.y, s.n, p) - s.ll_sat;
    c.mode = mu;
    c.th_m = mu;
    c.p_m = p;
    return c;
  }
  const double m = find_mode(s, mu, tau, start);
  const double ll_m = loglik(m, s.y, s.n, p);
  const double pq = p * sigmoid(-m);
  const double a = s.n * pq * tau * tau;     // likelihood curvature relative to the prior's
  const double sc = tau / std::sqrt(1.0 + a);  // Laplace scale: 1/sqrt(n p q + 1/tau^2)
  const double i2t2 = 0.5 / (tau * tau);
  const double dm = m - mu;
  const size_t nj = rule.x.size();
  buf.resize(3 * nj);
  double* e = buf.data();
  double* del = e + nj;
  double* pj = del + nj;
  double s0 = 0.0;
  size_t used = 0;
  // Departure of the log integrand from the Laplace Gaussian over the central nodes: large when
  // the integrand is far from normal at the Laplace scale (one-sided y = 0 / y = n integrands
  // with a wide prior); then the Gauss-Hermite sum is no longer accurate.
  double dev = 0.0;
  // From the centre outwards on each side; h is log-concave, so the terms w_j e^{x_j^2}
  // h(t_j)/h(m) decrease away from the mode and a side can stop once they are negligible.
  auto node = [&](size_t j) {
    const double d = kSqrt2 * sc * rule.x[j];
    double pp;
    const double ll = loglik(m + d, s.y, s.n, pp);
    // h(m + d) - h(m), the normal part in factored form (no cancellation)
    const double dh = (ll - ll_m) - d * (d + 2.0 * dm) * i2t2;
    const double ej = std::exp(rule.lw[j] + dh);
    if (std::fabs(rule.x[j]) <= kDevRange) dev = std::max(dev, std::fabs(dh + rule.x[j] * rule.x[j]));
    e[used] = ej;
    del[used] = d;
    pj[used] = pp;
    ++used;
    s0 += ej;
    return ej;
  };
  const size_t mid = nj / 2;
  for (size_t j = mid; j < nj; ++j)
    if (node(j) < 1e-11 * s0 && j > mid + 2) break;
  for (size_t j = mid; j-- > 0;)
    if (node(j) < 1e-11 * s0 && j + 3 < mid) break;
  if (dev > kFallbackDeviation) {
    if (fallback) return conditional_trapezoid(s, mu, tau, m, ll_m, sc, moments);
    c.flagged = true;
  }
  // int = (1/(sqrt(2 pi) tau)) sqrt(2) sc e^{h(m)} S0 = (sc/tau) e^{h(m)} S0 / sqrt(pi)
  c.logint = ll_m - s.ll_sat - dm * dm * i2t2 - 0.5 * std::log1p(a) + std::log(s0) - kLogSqrtPi;
  c.mode = m;
  if (moments) {
    double md = 0.0, mp = 0.0;
    for (size_t j = 0; j < used; ++j) {
      md += e[j] * del[j];
      mp += e[j] * pj[j];
    }
    md /= s0;
    mp /= s0;
    double vd = 0.0, vp = 0.0;
    for (size_t j = 0; j < used; ++j) {
      vd += e[j] * (del[j] - md) * (del[j] - md);
      vp += e[j] * (pj[j] - mp) * (pj[j] - mp);
    }
    c.th_m = m + md;
    c.th_v = vd / s0;
    c.p_m = mp;
    c.p_v = vp / s0;
  }
  return c;
}

Study make_study(const QuadStudy& q) {
  if (q.total < 1 || q.events < 0 || q.events > q.total)
    throw std::invalid_argument("quadrature: need 0 <= events <= total, total >= 1");
  Study s;
  s.y = static_cast<double>(q.events);
  s.n = static_cast<double>(q.total);
  s.ll_sat = 0.0;
  if (q.events > 0 && q.events < q.total) {
    const double ph = s.y / s.n;
    s.ll_sat = s.y * std::log(ph) + (s.n - s.y) * std::log1p(-ph);
  }
  s.logit_hat = std::log((s.y + 0.5) / (s.n - s.y + 0.5));
  return s;
}

struct Model {
  std::vector<Study> studies;
  double mu_mean, mu_sd;
  std::function<double(double)> lpt;
  double lpt0;  // log prior of tau at tau -> 0

  double log_prior_mu(double mu) const {
    if (!std::isfinite(mu_sd)) return 0.0;
    const double z = (mu - mu_mean) / mu_sd;
    return -0.5 * z * z;
  }
  double log_prior_tau(double tau) const {
    const double v = tau > 0 ? lpt(tau) : lpt0;
    return std::isnan(v) ? -kInf : v;
  }
};

std::vector<double> linspace(double a, double b, int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = n == 1 ? a : a + (b - a) * i / (n - 1);
  if (n > 1) v[n - 1] = b;
  return v;
}

// Log joint density (up to a constant) on a mu x tau grid; index b * n_mu + a.
std::vector<double> grid_logpost(const Model& md, const std::vector<double>& mus,
                                 const std::vector<double>& taus, const Rule& rule) {
  const size_t K = md.studies.size(), na = mus.size(), nb = taus.size();
  std::vector<double> lp(na * nb);
  std::vector<double> mode(K), row_start(K), buf;
  for (size_t i = 0; i < K; ++i) row_start[i] = md.studies[i].logit_hat;
  for (size_t b = 0; b < nb; ++b) {
    mode = row_start;
    const double lpt = md.log_prior_tau(taus[b]);
    for (size_t a = 0; a < na; ++a) {
      double v = md.log_prior_mu(mus[a]) + lpt;
      if (v > -kInf) {
        for (size_t i = 0; i < K; ++i) {
          // ranges only: the GH value is good enough even where it is flagged
          const Cond c = conditional(md.studies[i], mus[a], taus[b], rule, mode[i], false, buf, false);
          mode[i] = c.mode;
          v += c.logint;
        }
      }
      if (a == 0) row_start = mode;
      lp[b * na + a] = std::isnan(v) ? -kInf : v;
    }
  }
  return lp;
}

inline double tau_of_z(double c, double z) {
  const double sh = std::sinh(0.5 * z);
  return 2.0 * c * sh * sh;  // c (cosh z - 1) without cancellation
}
inline double z_of_tau(double c, double tau) {
  const double x = tau / c;
  return std::log1p(x + std::sqrt(x * (2.0 + x)));  // acosh(1 + x)
}

struct Box {
  double mu_lo, mu_hi, tau_lo, tau_hi, c;
  double lp_max;      // max of the coarse log density in (mu, tau)
  double lpJ_max;     // max of the coarse log density in (mu, z), z = acosh(1 + tau / c)
  double mu_at_max;   // where that is attained
};

// Coarse pass: find a (mu, tau) box holding all but a negligible part of the posterior.
Box find_box(const Model& md, const QuadOptions& opt) {
  const int na = std::max(opt.coarse_n_mu, 21), nb = std::max(opt.coarse_n_tau, 21);
  const double thr = opt.tail_log_threshold;
  const Rule rule(std::max(4, opt.coarse_gh_nodes));
  double dlo = kInf, dhi = -kInf;
  for (const Study& s : md.studies) {
    dlo = std::min(dlo, s.logit_hat);
    dhi = std::max(dhi, s.logit_hat);
  }
  const double span = dhi - dlo;
  double mu_lo = dlo - 1.0 - 0.5 * span, mu_hi = dhi + 1.0 + 0.5 * span;
  const double lt_floor = std::log(1e-8);
  double lt_lo = lt_floor, lt_hi = std::log(std::max(2.0, 2.0 * span));
  for (int iter = 0; iter < 80; ++iter) {
    const auto mus = linspace(mu_lo, mu_hi, na);
    const auto lts = linspace(lt_lo, lt_hi, nb);
    std::vector<double> taus(nb);
    for (int b = 0; b < nb; ++b) taus[b] = std::exp(lts[b]);
    const auto lp = grid_logpost(md, mus, taus, rule);
    // Significance is judged on the density in (mu, log tau).
    std::vector<double> lq(lp.size());
    double M = -kInf, Mp = -kInf;
    for (int b = 0; b < nb; ++b)
      for (int a = 0; a < na; ++a) {
        lq[b * na + a] = lp[b * na + a] + lts[b];
        M = std::max(M, lq[b * na + a]);
        Mp = std::max(Mp, lp[b * na + a]);
      }
    if (!std::isfinite(M)) throw std::runtime_error("quadrature: log posterior is not finite");
    auto sig = [&](int a, int b) { return lq[b * na + a] > M - thr; };
    bool left = false, right = false, top = false, bottom = false;
    int a0 = na, a1 = -1, b0 = nb, b1 = -1;
    for (int b = 0; b < nb; ++b)
      for (int a = 0; a < na; ++a)
        if (sig(a, b)) {
          left |= a == 0;
          right |= a == na - 1;
          top |= b == nb - 1;
          bottom |= b == 0;
          a0 = std::min(a0, a);
          a1 = std::max(a1, a);
          b0 = std::min(b0, b);
          b1 = std::max(b1, b);
        }
    const double w = mu_hi - mu_lo;
    bool changed = false;
    if (left) { mu_lo -= 0.5 * w; changed = true; }
    if (right) { mu_hi += 0.5 * w; changed = true; }
    if (top) { lt_hi += std::log(4.0); changed = true; }
    if (bottom && lt_lo > lt_floor + 1e-9) { lt_lo = std::max(lt_floor, lt_lo - 4.0); changed = true; }
    if (changed) continue;
    // Zoom when the significant region covers too few coarse cells to be located reliably.
    if (a1 - a0 < na / 4) {
      mu_lo = mus[std::max(a0 - 2, 0)];
      mu_hi = mus[std::min(a1 + 2, na - 1)];
      changed = true;
    }
    if (b1 - b0 < nb / 4) {
      if (b0 - 2 > 0) lt_lo = lts[b0 - 2];
      lt_hi = lts[std::min(b1 + 2, nb - 1)];
      changed = true;
    }
    if (changed) continue;
    Box box;
    box.mu_lo = mus[std::max(a0 - 1, 0)];
    box.mu_hi = mus[std::min(a1 + 1, na - 1)];
    box.tau_hi = taus[std::min(b1 + 1, nb - 1)];
    box.tau_lo = b0 == 0 ? 0.0 : taus[b0 - 1];
    box.lp_max = Mp;
    // c: the coarse posterior median of tau
    std::vector<double> mb(nb, 0.0);
    double tot = 0.0;
    for (int b = 0; b < nb; ++b) {
      for (int a = 0; a < na; ++a) mb[b] += std::exp(lq[b * na + a] - M);
      tot += mb[b];
    }
    double acc = 0.0;
    box.c = taus[nb - 1];
    for (int b = 0; b < nb; ++b) {
      acc += mb[b];
      if (acc >= 0.5 * tot) {
        box.c = taus[b];
        break;
      }
    }
    box.c = std::max(box.c, 1e-3 * box.tau_hi);
    // A lower cut-off that small buys nothing (z_lo ~ sqrt(2 tau_lo / c) would be tiny) and
    // would put a density edge, however massless, at the bottom: start at tau = 0 instead.
    if (box.tau_lo < 1e-2 * box.c) box.tau_lo = 0.0;
    box.lpJ_max = -kInf;
    box.mu_at_max = 0.5 * (box.mu_lo + box.mu_hi);
    for (int b = 0; b < nb; ++b) {
      const double lj = std::log(box.c * std::sinh(z_of_tau(box.c, taus[b])));
      for (int a = 0; a < na; ++a)
        if (lp[b * na + a] + lj > box.lpJ_max) {
          box.lpJ_max = lp[b * na + a] + lj;
          box.mu_at_max = mus[a];
        }
    }
    return box;
  }
  throw std::runtime_error("quadrature: could not bracket the posterior (improper posterior?)");
}

// Quantile of a density known at equally spaced nodes, interpolated by a cubic Hermite spline
// (slopes from 4th-order central differences). The CDF is integrated exactly on each cell, so
// it is the trapezoid rule plus its Euler-Maclaurin end correction: O(h^4), where the CDF of a
// piecewise-linear interpolant (cumulative trapezoid) would be O(h^2).
double spline_quantile(const std::vector<double>& x, const std::vector<double>& f, double prob) {
  const size_t n = x.size();
  const double h = x[1] - x[0];
  std::vector<double> d(n);
  for (size_t k = 0; k < n; ++k) {
    if (k >= 2 && k + 2 < n) {
      d[k] = (f[k - 2] - 8.0 * f[k - 1] + 8.0 * f[k + 1] - f[k + 2]) / (12.0 * h);
    } else if (k >= 1 && k + 1 < n) {
      d[k] = (f[k + 1] - f[k - 1]) / (2.0 * h);
    } else if (k == 0) {
      d[k] = (-3.0 * f[0] + 4.0 * f[1] - f[2]) / (2.0 * h);
    } else {
      d[k] = (3.0 * f[k] - 4.0 * f[k - 1] + f[k - 2]) / (2.0 * h);
    }
  }
  // integral over [x_k, x_k + t h] of the Hermite cubic
  auto partial = [&](size_t k, double t) {
    const double t2 = t * t, t3 = t2 * t, t4 = t3 * t;
    const double A = t - t3 + 0.5 * t4, B = 0.25 * t4 - 2.0 * t3 / 3.0 + 0.5 * t2;
    const double C = t3 - 0.5 * t4, D = 0.25 * t4 - t3 / 3.0;
    return h * (f[k] * A + h * d[k] * B + f[k + 1] * C + h * d[k + 1] * D);
  };
  std::vector<double> cdf(n, 0.0);
  for (size_t k = 0; k + 1 < n; ++k) cdf[k + 1] = cdf[k] + partial(k, 1.0);
  const double target = prob * cdf[n - 1];
  size_t k = 0;
  while (k + 2 < n && cdf[k + 1] < target) ++k;
  const double r = target - cdf[k];
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 64; ++it) {
    const double mid = 0.5 * (lo + hi);
    (partial(k, mid) < r ? lo : hi) = mid;
  }
  return x[k] + 0.5 * (lo + hi) * h;
}

struct MixNode {
  double mu, tau, w;
};

// Quantile of sum_k w_k N(mu_k, tau_k^2) (w normalised), safeguarded Newton inside a bisection bracket.
double mixture_quantile(const std::vector<MixNode>& nodes, double prob, double lo, double hi,
                        double guess) {
  const double inv_sqrt2 = 1.0 / kSqrt2, inv_sqrt2pi = 0.3989422804014327;
  auto eval = [&](double x, double& dens) {
    double F = 0.0, f = 0.0;
    for (const MixNode& nd : nodes) {
      if (nd.tau > 0) {
        const double z = (x - nd.mu) / nd.tau;
        F += nd.w * 0.5 * std::erfc(-z * inv_sqrt2);
        f += nd.w * inv_sqrt2pi * std::exp(-0.5 * z * z) / nd.tau;
      } else if (x >= nd.mu) {
        F += nd.w;
      }
    }
    dens = f;
    return F - prob;
  };
  double x = std::clamp(guess, lo, hi);
  for (int it = 0; it < 200; ++it) {
    double f;
    const double r = eval(x, f);
    if (r < 0) {
      lo = x;
    } else if (r > 0) {
      hi = x;
    } else {
      return x;
    }
    double xn = f > 0 ? x - r / f : 0.5 * (lo + hi);
    const bool newton = xn > lo && xn < hi;
    if (!newton) xn = 0.5 * (lo + hi);
    const double tol = 1e-12 * (1.0 + std::fabs(x));
    if ((newton && std::fabs(xn - x) <= tol) || hi - lo <= tol) return xn;
    x = xn;
  }
  return x;
}

// E[invlogit(X)] and E[invlogit(X)^2] for X ~ N(mu, tau^2) with tau large, where sigmoid is
// step-like on the scale of tau and Gauss-Hermite converges slowly. With u = invlogit(-x):
//   E[s]   = Phi(mu/tau) + int_0^inf u [phi(x + mu) - phi(x - mu)] dx
//   E[s^2] = Phi(mu/tau) + int_0^inf [u^2 phi(x + mu) - u (2 - u) phi(x - mu)] dx
// (phi the N(0, tau^2) density): the integrands are smooth on [0, inf) and decay like e^-x, so
// 10 Gauss-Legendre panels of 10 nodes on [0, 40] give ~1e-11.
struct LogisticNormal {
  std::vector<double> x, w;
  LogisticNormal() {
    const int n = 10, panels = 10;
    const double width = 4.0;
    std::vector<double> gx(n), gw(n);
    for (int i = 0; i < n; ++i) {  // Gauss-Legendre on [-1, 1]: Newton on P_n
      double z = std::cos(kPi * (i + 0.75) / (n + 0.5)), dp = 1.0;
      for (int it = 0; it < 100; ++it) {
        double p0 = 1.0, p1 = z;
        for (int k = 2; k <= n; ++k) {
          const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
          p0 = p1;
          p1 = p2;
        }
        dp = n * (z * p1 - p0) / (z * z - 1.0);
        const double dz = p1 / dp;
        z -= dz;
        if (std::fabs(dz) < 1e-15) break;
      }
      gx[i] = z;
      gw[i] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
    for (int pnl = 0; pnl < panels; ++pnl)
      for (int i = 0; i < n; ++i) {
        x.push_back(width * (pnl + 0.5 * (gx[i] + 1.0)));
        w.push_back(0.5 * width * gw[i]);
      }
  }
  void moments(double mu, double tau, double& e1, double& e2) const {
    const double c = 1.0 / (tau * std::sqrt(2.0 * kPi));
    auto phi = [&](double v) { return c * std::exp(-0.5 * (v / tau) * (v / tau)); };
    const double base = 0.5 * std::erfc(-mu / (tau * kSqrt2));
    double a1 = 0.0, a2 = 0.0;
    for (size_t k = 0; k < x.size(); ++k) {
      const double u = sigmoid(-x[k]), fp = phi(x[k] + mu), fm = phi(x[k] - mu);
      a1 += w[k] * u * (fp - fm);
      a2 += w[k] * (u * u * fp - u * (2.0 - u) * fm);
    }
    e1 = base + a1;
    e2 = base + a2;
  }
};

const double kProbs[7] = {0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975};

void set_quantiles(QuadSummary& s, const double q[7]) {
  s.q025 = q[0];
  s.q05 = q[1];
  s.q25 = q[2];
  s.q50 = q[3];
  s.q75 = q[4];
  s.q95 = q[5];
  s.q975 = q[6];
}

}  // namespace

double study_log_marginal(const QuadStudy& study, double mu, double tau, int gh_nodes) {
  if (!(tau >= 0)) throw std::invalid_argument("study_log_marginal: tau must be >= 0");
  const Study s = make_study(study);
  const Rule rule(gh_nodes);
  std::vector<double> buf;
  return conditional(s, mu, tau, rule, s.logit_hat, false, buf, true).logint;
}

QuadResult single_arm_quadrature(const std::vector<QuadStudy>& studies, const QuadOptions& opt) {
  if (studies.empty()) throw std::invalid_argument("quadrature: no studies");
  if (!opt.log_prior_tau) throw std::invalid_argument("quadrature: log_prior_tau not set");
  if (!(opt.mu_prior_sd > 0)) throw std::invalid_argument("quadrature: mu_prior_sd must be > 0");
  if (opt.n_mu < 11 || opt.n_tau < 11) throw std::invalid_argument("quadrature: grid too small");
  Model md;
  md.mu_mean = opt.mu_prior_mean;
  md.mu_sd = opt.mu_prior_sd;
  md.lpt = opt.log_prior_tau;
  md.lpt0 = opt.log_prior_tau(0.0);
  if (std::isnan(md.lpt0) || md.lpt0 == kInf) md.lpt0 = opt.log_prior_tau(1e-300);
  for (const QuadStudy& q : studies) md.studies.push_back(make_study(q));
  const size_t K = md.studies.size();
  const Rule rule(opt.gh_nodes);
  const double thr = opt.tail_log_threshold;

  Box box = find_box(md, opt);
  const int na = opt.n_mu, nb = opt.n_tau;

  QuadResult res;
  std::vector<double> mus, zs, taus, jac, wmu, wz, lp;
  // per-study weighted (West/Welford) accumulators over grid nodes
  double Wtot = 0.0, ref = box.lp_max;
  std::vector<double> th_mean(K), th_m2(K), th_ev(K), p_mean(K), p_m2(K), p_ev(K);

  for (int attempt = 0;; ++attempt) {
    const double c = box.c;
    const double z_lo = box.tau_lo > 0 ? z_of_tau(c, box.tau_lo) : 0.0;
    const double z_hi = z_of_tau(c, box.tau_hi);
    mus = linspace(box.mu_lo, box.mu_hi, na);
    zs = linspace(z_lo, z_hi, nb);
    const double hmu = mus[1] - mus[0], hz = zs[1] - zs[0];
    taus.assign(nb, 0.0);
    jac.assign(nb, 0.0);
    wz.assign(nb, 0.0);
    wmu.assign(na, hmu);
    wmu[0] = wmu[na - 1] = 0.5 * hmu;
    for (int b = 0; b < nb; ++b) {
      taus[b] = tau_of_z(c, zs[b]);
      jac[b] = c * std::sinh(zs[b]);
      wz[b] = hz * jac[b] * ((b == 0 || b == nb - 1) ? 0.5 : 1.0);
    }
    // Euler-Maclaurin: int_0 g = trapezoid + h^2/12 g'(0) + O(h^4), with g'(0) = f(0) c.
    if (z_lo == 0.0) wz[0] = hz * hz / 12.0 * c;

    lp.assign(static_cast<size_t>(na) * nb, -kInf);
    Wtot = 0.0;
    ref = box.lp_max;
    std::fill(th_mean.begin(), th_mean.end(), 0.0);
    std::fill(th_m2.begin(), th_m2.end(), 0.0);
    std::fill(th_ev.begin(), th_ev.end(), 0.0);
    std::fill(p_mean.begin(), p_mean.end(), 0.0);
    std::fill(p_m2.begin(), p_m2.end(), 0.0);
    std::fill(p_ev.begin(), p_ev.end(), 0.0);
    std::vector<double> buf;
    std::vector<Cond> cond(K);
    std::vector<char> done(na);
    double refJ = box.lpJ_max - 2.0;  // running max of the log node density in (mu, z)
    const double skip = std::max(opt.skip_log_threshold, thr + 5.0);
    double lJ_cur = 0.0;              // log Jacobian (x z-weight / hz) of the current row
    // Evaluates node (a, b) once: stores its log density and adds it to the running moments.
    // `mode` carries the per-study Newton starting points along a walk.
    auto eval = [&](int a, int b, double lpt, std::vector<double>& mode) -> double {
      const size_t k = static_cast<size_t>(b) * na + a;
      if (done[a]) return lp[k];
      done[a] = 1;
      double v = md.log_prior_mu(mus[a]) + lpt;
      if (!(v > -kInf)) return -kInf;
      bool flagged = false;
      for (size_t i = 0; i < K; ++i) {
        cond[i] = conditional(md.studies[i], mus[a], taus[b], rule, mode[i], true, buf, false);
        mode[i] = cond[i].mode;
        v += cond[i].logint;
        flagged |= cond[i].flagged;
      }
      // The (costlier) fallback only where the node carries weight; the GH value (off by at
      // most a few % there) is good enough to decide that.
      if (flagged && v + lJ_cur > refJ - skip) {
        v = md.log_prior_mu(mus[a]) + lpt;
        for (size_t i = 0; i < K; ++i) {
          if (cond[i].flagged)
            cond[i] = conditional(md.studies[i], mus[a], taus[b], rule, cond[i].mode, true, buf, true);
          v += cond[i].logint;
        }
      }
      if (std::isnan(v)) return -kInf;
      lp[k] = v;
      if (v - ref > 30.0) {  // keep the running weights in range
        const double f = std::exp(ref - v);
        Wtot *= f;
        for (size_t i = 0; i < K; ++i) {
          th_m2[i] *= f;
          th_ev[i] *= f;
          p_m2[i] *= f;
          p_ev[i] *= f;
        }
        ref = v;
      }
      const double w = wmu[a] * wz[b] * std::exp(v - ref);
      if (!(w > 0)) return v;
      Wtot += w;
      const double r = w / Wtot;
      for (size_t i = 0; i < K; ++i) {
        const double d1 = cond[i].th_m - th_mean[i];
        th_mean[i] += d1 * r;
        th_m2[i] += w * d1 * (cond[i].th_m - th_mean[i]);
        th_ev[i] += w * cond[i].th_v;
        const double d2 = cond[i].p_m - p_mean[i];
        p_mean[i] += d2 * r;
        p_m2[i] += w * d2 * (cond[i].p_m - p_mean[i]);
        p_ev[i] += w * cond[i].p_v;
      }
      return v;
    };
    // For fixed tau the log density is concave in mu (the joint of (theta, mu) is log-concave,
    // and marginalising keeps that), so each row is evaluated by climbing to its maximum and
    // walking out on both sides until the node weight, in the grid coordinates (mu, z), is below
    // e^-skip_log_threshold times the largest one; the rest of the row is negligible.
    std::vector<double> row_mode(K), m0(K), m1(K);
    for (size_t i = 0; i < K; ++i) row_mode[i] = md.studies[i].logit_hat;
    int a_start = static_cast<int>(std::lround((box.mu_at_max - mus[0]) / hmu));
    a_start = std::clamp(a_start, 0, na - 1);
    for (int b = 0; b < nb; ++b) {
      const double lpt = md.log_prior_tau(taus[b]);
      if (!(lpt > -kInf) || !(wz[b] > 0)) continue;
      const double lJ = std::log(wz[b] / hz);
      lJ_cur = lJ;
      std::fill(done.begin(), done.end(), 0);
      auto note = [&](double v) {
        if (v + lJ > refJ) refJ = v + lJ;
        return v;
      };
      int cur = a_start;
      m0 = row_mode;
      double vcur = note(eval(cur, b, lpt, m0));
      // climb to the row maximum
      for (int dir : {+1, -1}) {
        bool moved = false;
        while (cur + dir >= 0 && cur + dir < na) {
          m1 = m0;
          const double v = note(eval(cur + dir, b, lpt, m1));
          if (!(v > vcur)) break;
          cur += dir;
          vcur = v;
          m0 = m1;
          moved = true;
        }
        if (moved) break;
      }
      a_start = cur;
      row_mode = m0;
      // walk out both ways
      for (int dir : {+1, -1}) {
        m1 = m0;
        for (int a = cur + dir; a >= 0 && a < na; a += dir) {
          const double v = note(eval(a, b, lpt, m1));
          if (!(v + lJ > refJ - skip)) break;
        }
      }
    }
    if (!(Wtot > 0)) throw std::runtime_error("quadrature: no posterior mass on the grid");

    // Edge check on the density in the grid coordinates (mu, z).
    double M = -kInf;
    for (int b = 0; b < nb; ++b)
      for (int a = 0; a < na; ++a)
        if (jac[b] > 0) M = std::max(M, lp[static_cast<size_t>(b) * na + a] + std::log(jac[b]));
    double e_left = -kInf, e_right = -kInf, e_top = -kInf, e_bottom = -kInf;
    for (int b = 0; b < nb; ++b) {
      if (!(jac[b] > 0)) continue;
      const double lj = std::log(jac[b]) - M;
      e_left = std::max(e_left, lp[static_cast<size_t>(b) * na] + lj);
      e_right = std::max(e_right, lp[static_cast<size_t>(b) * na + na - 1] + lj);
    }
    for (int a = 0; a < na; ++a) {
      e_top = std::max(e_top, lp[static_cast<size_t>(nb - 1) * na + a] + std::log(jac[nb - 1]) - M);
      if (z_lo > 0) e_bottom = std::max(e_bottom, lp[static_cast<size_t>(a)] + std::log(jac[0]) - M);
    }
    res.edge_log_density = std::max({e_left, e_right, e_top, e_bottom});
    const double lim = -(thr - 6.0);
    if (attempt < 4 && res.edge_log_density > lim) {
      const double w = box.mu_hi - box.mu_lo;
      if (e_left > lim) box.mu_lo -= 0.3 * w;
      if (e_right > lim) box.mu_hi += 0.3 * w;
      if (e_top > lim) box.tau_hi *= 1.5;
      if (e_bottom > lim) box.tau_lo = box.tau_lo < 0.05 * box.c ? 0.0 : 0.5 * box.tau_lo;
      continue;
    }
    break;
  }

  res.grid_mu_lo = mus.front();
  res.grid_mu_hi = mus.back();
  res.grid_tau_lo = taus.front();
  res.grid_tau_hi = taus.back();
  res.grid_tau_scale = box.c;
  res.grid_n_mu = na;
  res.grid_n_tau = nb;

  // Normalised node weights W(a, b) (trapezoid x Jacobian x density).
  double lpmax = -kInf;
  for (double v : lp) lpmax = std::max(lpmax, v);
  std::vector<double> W(lp.size(), 0.0);
  double tot = 0.0;
  for (int b = 0; b < nb; ++b)
    for (int a = 0; a < na; ++a) {
      const size_t k = static_cast<size_t>(b) * na + a;
      W[k] = wmu[a] * wz[b] * std::exp(lp[k] - lpmax);
      tot += W[k];
    }
  for (double& v : W) v /= tot;

  // mu: marginal density at the mu nodes (integrated over tau), moments and quantiles.
  std::vector<double> fmu(na, 0.0), gz(nb, 0.0);
  double mu_mean = 0.0, tau_mean = 0.0, tau2 = 0.0, pp_mean = 0.0;
  for (int b = 0; b < nb; ++b)
    for (int a = 0; a < na; ++a) {
      const double w = W[static_cast<size_t>(b) * na + a];
      fmu[a] += w / wmu[a];
      mu_mean += w * mus[a];
      tau_mean += w * taus[b];
      tau2 += w * taus[b] * taus[b];
      pp_mean += w * sigmoid(mus[a]);
      gz[b] += jac[b] * std::exp(lp[static_cast<size_t>(b) * na + a] - lpmax) * wmu[a];
    }
  double mu_var = 0.0, tau_var = 0.0, pp_var = 0.0;
  for (int b = 0; b < nb; ++b)
    for (int a = 0; a < na; ++a) {
      const double w = W[static_cast<size_t>(b) * na + a];
      mu_var += w * (mus[a] - mu_mean) * (mus[a] - mu_mean);
      tau_var += w * (taus[b] - tau_mean) * (taus[b] - tau_mean);
      const double dp = sigmoid(mus[a]) - pp_mean;
      pp_var += w * dp * dp;
    }
  double qmu[7], qtau[7], qpp[7];
  for (int k = 0; k < 7; ++k) {
    qmu[k] = spline_quantile(mus, fmu, kProbs[k]);
    qtau[k] = tau_of_z(box.c, spline_quantile(zs, gz, kProbs[k]));
    qpp[k] = sigmoid(qmu[k]);
  }
  res.mu.mean = mu_mean;
  res.mu.sd = std::sqrt(mu_var);
  set_quantiles(res.mu, qmu);
  res.tau.mean = tau_mean;
  res.tau.sd = std::sqrt(tau_var);
  set_quantiles(res.tau, qtau);
  res.p_pooled.mean = pp_mean;
  res.p_pooled.sd = std::sqrt(pp_var);
  set_quantiles(res.p_pooled, qpp);

  // theta_new ~ N(mu, tau^2) mixed over the posterior; p_new = invlogit(theta_new).
  std::vector<MixNode> mix;
  double tmax = 0.0;
  for (int b = 0; b < nb; ++b)
    for (int a = 0; a < na; ++a) {
      const double w = W[static_cast<size_t>(b) * na + a];
      if (w > 1e-17) {
        mix.push_back({mus[a], taus[b], w});
        tmax = std::max(tmax, taus[b]);
      }
    }
  double msum = 0.0;
  for (const MixNode& m : mix) msum += m.w;
  for (MixNode& m : mix) m.w /= msum;
  res.theta_new.mean = mu_mean;
  res.theta_new.sd = std::sqrt(mu_var + tau2);
  {
    const double lo = mus.front() - 12.0 * tmax - 1.0, hi = mus.back() + 12.0 * tmax + 1.0;
    const double zq[7] = {-1.959963984540054, -1.6448536269514722, -0.6744897501960817, 0.0,
                          0.6744897501960817, 1.6448536269514722, 1.959963984540054};
    double qt[7], qp[7];
    for (int k = 0; k < 7; ++k) {
      qt[k] = mixture_quantile(mix, kProbs[k], lo, hi, mu_mean + zq[k] * res.theta_new.sd);
      qp[k] = sigmoid(qt[k]);
    }
    set_quantiles(res.theta_new, qt);
    set_quantiles(res.p_new, qp);
  }
  {
    double m1 = 0.0, m2 = 0.0;
    const double isp = 1.0 / std::sqrt(kPi);
    const LogisticNormal ln;
    for (const MixNode& m : mix) {
      double e1 = 0.0, e2 = 0.0;
      if (m.tau <= 2.0) {  // GH error here < 1e-8 (the poles of sigmoid are pi / (sqrt2 tau) away)
        for (size_t j = 0; j < rule.x.size(); ++j) {
          const double p = sigmoid(m.mu + kSqrt2 * m.tau * rule.x[j]);
          e1 += rule.w[j] * p;
          e2 += rule.w[j] * p * p;
        }
        e1 *= isp;
        e2 *= isp;
      } else {
        ln.moments(m.mu, m.tau, e1, e2);
      }
      m1 += m.w * e1;
      m2 += m.w * e2;
    }
    res.p_new.mean = m1;
    res.p_new.sd = std::sqrt(std::max(0.0, m2 - m1 * m1));
  }

  res.study_theta_mean.resize(K);
  res.study_theta_sd.resize(K);
  res.study_p_mean.resize(K);
  res.study_p_sd.resize(K);
  for (size_t i = 0; i < K; ++i) {
    res.study_theta_mean[i] = th_mean[i];
    res.study_theta_sd[i] = std::sqrt((th_m2[i] + th_ev[i]) / Wtot);
    res.study_p_mean[i] = p_mean[i];
    res.study_p_sd[i] = std::sqrt((p_m2[i] + p_ev[i]) / Wtot);
  }
  return res;
}

}  // namespace hbm::test
