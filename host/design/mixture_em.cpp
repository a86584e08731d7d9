#include "host/design/mixture_em.hpp"

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "host/stats/posterior_summary.hpp"

namespace hbm::design {

namespace {

constexpr double kEdge = 1e-15;  // draws at 0 or 1 (p_new rounds there for extreme logits)

double log_beta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

// The M-step objective of one component per unit responsibility: E_r[log Beta(p; a, b)], which
// the draws enter only through s1 = E_r[log p] and s2 = E_r[log(1 - p)].
double objective(double a, double b, double s1, double s2) { return -log_beta(a, b) + (a - 1) * s1 + (b - 1) * s2; }

// Maximises the (concave) objective over a, b > 0 by damped Newton from (a, b).
std::pair<double, double> newton_ab(double a, double b, double s1, double s2) {
  using boost::math::digamma;
  using boost::math::trigamma;
  double g = objective(a, b, s1, s2);
  for (int it = 0; it < 200; ++it) {
    const double dab = digamma(a + b), tab = trigamma(a + b);
    const double ga = dab - digamma(a) + s1, gb = dab - digamma(b) + s2;
    const double haa = tab - trigamma(a), hbb = tab - trigamma(b), hab = tab;
    const double det = haa * hbb - hab * hab;  // > 0: the Hessian is negative definite
    double da = -(hbb * ga - hab * gb) / det, db = -(haa * gb - hab * ga) / det;
    if (!(det > 0) || !std::isfinite(da) || !std::isfinite(db)) da = ga * a, db = gb * b;  // gradient fallback
    double t = 1;
    bool moved = false;
    for (int h = 0; h < 60; ++h, t *= 0.5) {
      const double na = a + t * da, nb = b + t * db;
      if (!(na > 0 && nb > 0)) continue;
      const double ng = objective(na, nb, s1, s2);
      if (ng >= g) {
        moved = std::abs(na - a) > 1e-12 * a || std::abs(nb - b) > 1e-12 * b;
        a = na, b = nb, g = ng;
        break;
      }
    }
    if (!moved || a > 1e9 || b > 1e9) break;
  }
  return {a, b};
}

// 1-D version with one parameter held at 1 (the other free), for the faces of a, b >= 1.
double newton_1d(double x, double s_free, double s_fixed, bool free_is_a) {
  using boost::math::digamma;
  using boost::math::trigamma;
  const auto f = [&](double v) { return free_is_a ? objective(v, 1, s_free, s_fixed) : objective(1, v, s_fixed, s_free); };
  double g = f(x);
  for (int it = 0; it < 200; ++it) {
    const double gr = digamma(x + 1) - digamma(x) + s_free, h = trigamma(x + 1) - trigamma(x);
    double d = h < 0 ? -gr / h : gr * x;
    bool moved = false;
    for (int k = 0; k < 60; ++k, d *= 0.5) {
      const double nx = x + d;
      if (!(nx >= 1)) continue;
      const double ng = f(nx);
      if (ng >= g) {
        moved = std::abs(nx - x) > 1e-12 * x;
        x = nx, g = ng;
        break;
      }
    }
    if (!moved || x > 1e9) break;
  }
  return x;
}

// The M-step of one component: the weighted beta MLE subject to a, b >= 1. The objective is
// concave in (a, b), so the constrained maximum is the unconstrained one when feasible, else the
// best of the maxima on the faces a = 1, b = 1 and the corner (1, 1).
BetaComponent m_step(const BetaComponent& start, double s1, double s2) {
  auto [a, b] = newton_ab(std::max(start.a, 1.0), std::max(start.b, 1.0), s1, s2);
  if (a >= 1 && b >= 1) return {start.w, a, b};
  std::pair<double, double> best{1, 1};
  double best_g = objective(1, 1, s1, s2);
  const double bf = newton_1d(std::max(start.b, 1.0), s2, s1, false), af = newton_1d(std::max(start.a, 1.0), s1, s2, true);
  for (const auto& [ca, cb] : {std::pair<double, double>{1, bf}, std::pair<double, double>{af, 1}}) {
    const double g = objective(ca, cb, s1, s2);
    if (g > best_g) best_g = g, best = {ca, cb};
  }
  return {start.w, best.first, best.second};
}

// A beta with the given mean and variance, a, b >= 1 (the count n = a + b at least 2 and
// enough to make both >= 1).
BetaComponent moment_beta(double w, double m, double v) {
  m = std::clamp(m, 1e-6, 1 - 1e-6);
  double n = v > 0 ? m * (1 - m) / v - 1 : 1e6;
  n = std::max({n, 1 / m, 1 / (1 - m), 2.0});
  return {w, std::max(1.0, m * n), std::max(1.0, (1 - m) * n)};
}

// Deterministic start: k-means on the logit draws (Lloyd, centres at the (j - 1/2)/K
// quantiles), each cluster's mean and variance of p giving its beta by moments; clusters of
// fewer than 10 draws get the overall mean and 1.5 x the overall variance (as RBesT does).
BetaMixture initial_mixture(const std::vector<double>& p, int K) {
  const std::size_t N = p.size();
  std::vector<double> z(N);
  for (std::size_t i = 0; i < N; ++i) z[i] = std::log(p[i]) - std::log1p(-p[i]);
  std::vector<double> sorted = z;
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> centre(K);
  for (int j = 0; j < K; ++j) centre[j] = quantile_sorted(sorted, (j + 0.5) / K);
  std::vector<int> cluster(N, 0);
  for (int it = 0; it < 100; ++it) {
    bool changed = false;
    std::vector<double> sum(K, 0);
    std::vector<std::size_t> count(K, 0);
    for (std::size_t i = 0; i < N; ++i) {
      int best = 0;
      for (int j = 1; j < K; ++j)
        if (std::abs(z[i] - centre[j]) < std::abs(z[i] - centre[best])) best = j;
      changed = changed || best != cluster[i];
      cluster[i] = best;
      sum[best] += z[i];
      ++count[best];
    }
    for (int j = 0; j < K; ++j)
      if (count[j] > 0) centre[j] = sum[j] / static_cast<double>(count[j]);
    if (!changed && it > 0) break;
  }
  double all_m = 0, all_v = 0;
  for (double x : p) all_m += x;
  all_m /= static_cast<double>(N);
  for (double x : p) all_v += (x - all_m) * (x - all_m);
  all_v /= static_cast<double>(N - 1);
  BetaMixture mix;
  for (int j = 0; j < K; ++j) {
    double m = 0, v = 0;
    std::size_t n = 0;
    for (std::size_t i = 0; i < N; ++i)
      if (cluster[i] == j) m += p[i], ++n;
    if (n < 10) {
      mix.push_back(moment_beta(std::max<double>(n, 1) / static_cast<double>(N), all_m, 1.5 * all_v));
      continue;
    }
    m /= static_cast<double>(n);
    for (std::size_t i = 0; i < N; ++i)
      if (cluster[i] == j) v += (p[i] - m) * (p[i] - m);
    v /= static_cast<double>(n - 1);
    mix.push_back(moment_beta(static_cast<double>(n) / static_cast<double>(N), m, v));
  }
  return normalised(mix);
}

}  // namespace

MixtureFit fit_beta_mixture(const std::vector<double>& draws, int K, int max_iterations, double tol) {
  if (K < 1) throw std::invalid_argument("fit_beta_mixture: K must be at least 1");
  if (draws.size() < 10 * static_cast<std::size_t>(K))
    throw std::invalid_argument("fit_beta_mixture: fewer than 10 draws per component");
  const std::size_t N = draws.size();
  std::vector<double> p(N), lx(N), l1x(N);
  for (std::size_t i = 0; i < N; ++i) {
    if (!(draws[i] >= 0 && draws[i] <= 1)) throw std::invalid_argument("fit_beta_mixture: a draw outside [0, 1]");
    p[i] = std::clamp(draws[i], kEdge, 1 - kEdge);
    lx[i] = std::log(p[i]);
    l1x[i] = std::log1p(-p[i]);
  }
  MixtureFit fit;
  fit.mix = initial_mixture(p, K);
  std::vector<double> r(N * K);
  double previous = -std::numeric_limits<double>::infinity();
  for (int it = 0; it < max_iterations; ++it) {
    // E-step (log-sum-exp per draw), and the log likelihood of the current mixture.
    std::vector<double> lw(K), lb(K);
    for (int k = 0; k < K; ++k) {
      lw[k] = std::log(fit.mix[k].w);
      lb[k] = log_beta(fit.mix[k].a, fit.mix[k].b);
    }
    double ll = 0;
    for (std::size_t i = 0; i < N; ++i) {
      double m = -std::numeric_limits<double>::infinity();
      for (int k = 0; k < K; ++k) {
        const double l = lw[k] + (fit.mix[k].a - 1) * lx[i] + (fit.mix[k].b - 1) * l1x[i] - lb[k];
        r[i * K + k] = l;
        m = std::max(m, l);
      }
      double s = 0;
      for (int k = 0; k < K; ++k) s += (r[i * K + k] = std::exp(r[i * K + k] - m));
      for (int k = 0; k < K; ++k) r[i * K + k] /= s;
      ll += m + std::log(s);
    }
    fit.log_lik = ll;
    fit.iterations = it;
    if (std::abs(ll - previous) < tol * static_cast<double>(N)) {
      fit.converged = true;
      break;
    }
    previous = ll;
    // M-step: weights, then each component's weighted MLE from its two sufficient statistics.
    for (int k = 0; k < K; ++k) {
      double nk = 0, s1 = 0, s2 = 0;
      for (std::size_t i = 0; i < N; ++i) {
        const double ri = r[i * K + k];
        nk += ri, s1 += ri * lx[i], s2 += ri * l1x[i];
      }
      if (!(nk > 1e-9 * static_cast<double>(N))) {  // an emptied component: keep its shape, tiny weight
        fit.mix[k].w = 1e-12;
        continue;
      }
      fit.mix[k] = m_step(fit.mix[k], s1 / nk, s2 / nk);
      fit.mix[k].w = nk / static_cast<double>(N);
    }
    fit.mix = normalised(fit.mix);
  }
  std::sort(fit.mix.begin(), fit.mix.end(), [](const BetaComponent& x, const BetaComponent& y) { return x.w > y.w; });
  fit.aic = -2 * fit.log_lik + kAicPenalty * (3.0 * K - 1);
  return fit;
}

MixtureFit auto_mixture_fit(const std::vector<double>& draws, int max_components, std::vector<MixtureFit>* all,
                            ThreadPool* pool) {
  std::vector<MixtureFit> fits(max_components);
  const auto one = [&](int k) { fits[k] = fit_beta_mixture(draws, k + 1); };
  if (pool) pool->parallel_for(max_components, one);
  else
    for (int k = 0; k < max_components; ++k) one(k);
  std::size_t best = 0;
  for (std::size_t k = 1; k < fits.size(); ++k)
    if (fits[k].aic < fits[best].aic) best = k;
  MixtureFit chosen = fits[best];
  if (all) *all = std::move(fits);
  return chosen;
}

MixtureAccuracy mixture_accuracy(const std::vector<double>& draws, const BetaMixture& mix) {
  std::vector<double> x = draws;
  std::sort(x.begin(), x.end());
  MixtureAccuracy acc;
  const double N = static_cast<double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double F = mixture_cdf(mix, x[i]);
    acc.ks = std::max({acc.ks, std::abs(F - static_cast<double>(i) / N), std::abs(static_cast<double>(i + 1) / N - F)});
  }
  for (int j = 0; j < 3; ++j) {
    acc.draws_q[j] = quantile_sorted(x, kAccuracyProbs[j]);
    acc.mixture_q[j] = mixture_quantile(mix, kAccuracyProbs[j]);
  }
  return acc;
}

}  // namespace hbm::design
