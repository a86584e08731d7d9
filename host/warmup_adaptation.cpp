#include "host/warmup_adaptation.hpp"

#include <algorithm>
#include <cmath>

namespace hbm {


// Exponent of the cost in the criterion ChEES / T^power. Power 1 (ChEES per gradient) chose
// trajectories so short that the hyperparameters random-walked (tau's ESS per gradient fell on
// pritz1997 and rare events); power 0 (plain ChEES) drifted to 25-80 leapfrog steps on large-n
// and rare-event data with no gain in ESS. Measured over 34 fits (pritz1997, hannum2020,
// large_n, rare_events and the 13 bundled outcomes, 2 seeds each), the geometric mean of
// min(ESS mu, ESS tau) per leapfrog step was 496 (power 0), 772 (0.25), 938 (0.5), 829 (0.75).
constexpr double kCostPower = 0.5;

double halton_base2(std::uint64_t i) {
  double f = 0.5, r = 0.0;
  while (i > 0) {
    r += f * static_cast<double>(i & 1u);
    i >>= 1;
    f *= 0.5;
  }
  return r;
}

void StepSizeAdapter::restart(double eps) {
  eps_ = eps;
  mu_ = std::log(10.0 * eps);
  h_bar_ = 0;
  log_eps_bar_ = std::log(eps);
  t_ = 0;
}

double StepSizeAdapter::update(const std::vector<double>& accept_probs) {
  // Harmonic mean: one chain stuck at low acceptance pulls the step size down, which is what
  // we want when all chains must share one step size.
  double inv_sum = 0.0;
  for (double a : accept_probs) inv_sum += 1.0 / std::max(a, 1e-10);
  const double stat = static_cast<double>(accept_probs.size()) / inv_sum;

  constexpr double gamma = 0.05, t0 = 10.0, kappa = 0.75;
  ++t_;
  const double w = 1.0 / (t_ + t0);
  h_bar_ = (1.0 - w) * h_bar_ + w * (target_ - stat);
  const double log_eps = mu_ - std::sqrt(static_cast<double>(t_)) / gamma * h_bar_;
  const double eta = std::pow(static_cast<double>(t_), -kappa);
  log_eps_bar_ = eta * log_eps + (1.0 - eta) * log_eps_bar_;
  eps_ = std::exp(std::clamp(log_eps, -30.0, 5.0));
  return eps_;
}

double StepSizeAdapter::averaged() const { return std::exp(std::clamp(log_eps_bar_, -30.0, 5.0)); }

void TrajectoryAdapter::update(int chains, int dim, const std::vector<double>& x0,
                               const std::vector<double>& x1, const std::vector<double>& v1,
                               const std::vector<double>& accept_probs, double jitter) {
  // Centres: plain mean of the start points; acceptance-weighted mean of the proposals.
  std::vector<double> c0(dim, 0.0), c1(dim, 0.0);
  double wsum = 0.0;
  // A rejected divergent proposal may hold non-finite values: it has weight 0, so skip it.
  for (int c = 0; c < chains; ++c) {
    for (int j = 0; j < dim; ++j) c0[j] += x0[c * dim + j];
    if (!(accept_probs[c] > 0)) continue;
    wsum += accept_probs[c];
    for (int j = 0; j < dim; ++j) c1[j] += accept_probs[c] * x1[c * dim + j];
  }
  if (!(wsum > 1e-12)) return;  // nothing accepted: no information on T this iteration
  for (int j = 0; j < dim; ++j) {
    c0[j] /= chains;
    c1[j] /= wsum;
  }
  // The criterion is ChEES per unit of cost, ChEES(T) / T^power (as in the "ChEES per grad"
  // criterion of Hoffman and Sountsov's fun_mc): plain ChEES is periodic in T and gradient
  // ascent can climb to spurious maxima at very long trajectories; dividing by the cost removes
  // them. Per chain, with d = |x1 - c1|^2 - |x0 - c0|^2: ChEES_c = d^2 / 4 and
  // d ChEES_c / d T = jitter * d * <x1 - c1, v1>. Then d log(ChEES / T^power) / d log T =
  // T dChEES/dT / ChEES - power; we ascend T dChEES/dT - power ChEES (same sign; Adam
  // normalises the scale).
  double dchees = 0.0, chees = 0.0;
  for (int c = 0; c < chains; ++c) {
    if (!(accept_probs[c] > 0)) continue;
    double d1 = 0, d0 = 0, dot = 0;
    for (int j = 0; j < dim; ++j) {
      const double a = x1[c * dim + j] - c1[j];
      const double b = x0[c * dim + j] - c0[j];
      d1 += a * a;
      d0 += b * b;
      dot += a * v1[c * dim + j];
    }
    dchees += accept_probs[c] * jitter * (d1 - d0) * dot;
    chees += accept_probs[c] * 0.25 * (d1 - d0) * (d1 - d0);
  }
  const double T = std::exp(log_T_);
  const double grad = (T * dchees - kCostPower * chees) / wsum;
  if (!std::isfinite(grad)) return;
  constexpr double beta2 = 0.95;
  ++t_;
  v_ = beta2 * v_ + (1.0 - beta2) * grad * grad;
  const double v_hat = v_ / (1.0 - std::pow(beta2, t_));
  log_T_ += lr_ * grad / (std::sqrt(v_hat) + 1e-300);  // ascent: maximise ChEES per gradient
  avg_sum_ += log_T_;
  ++avg_n_;
}

double TrajectoryAdapter::T() const { return std::exp(log_T_); }

void TrajectoryAdapter::clamp(double lo, double hi) {
  log_T_ = std::clamp(log_T_, std::log(lo), std::log(hi));
}

double TrajectoryAdapter::averaged_T() const {
  return avg_n_ > 0 ? std::exp(avg_sum_ / avg_n_) : T();
}

}  // namespace hbm
