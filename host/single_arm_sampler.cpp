#include "host/single_arm_sampler.hpp"

#include <algorithm>
#include <cmath>

#include "host/warmup_adaptation.hpp"
#include "models/hmc.hpp"
#include "models/logistic.hpp"
#include "models/philox.hpp"
#include "models/single_arm.hpp"

namespace hbm {
namespace {

// A study is centred when its posterior variance is below this fraction of tau's lower range.
constexpr double kCentreRatio = 0.25;

// Running mean and variance (Welford), for the metric and centring decisions of a window.
struct Welford {
  double n = 0, mean = 0, m2 = 0;
  void add(double x) {
    n += 1;
    const double d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  double var() const { return n > 1 ? m2 / (n - 1) : 0.0; }
};

// Stan's regularisation of a window's variance estimate towards 1e-3.
double regularised_var(const Welford& w) {
  const double n = w.n;
  return (n / (n + 5.0)) * w.var() + 1e-3 * (5.0 / (n + 5.0));
}

// Crude per-study information from the data alone, for initial values and the first
// parametrisation: the empirical logit (with 1/2 added) and its sampling variance.
struct StudyGuess {
  double logit, var;
};

StudyGuess guess_study(double y, double n) {
  return {std::log((y + 0.5) / (n - y + 0.5)), 1.0 / (y + 0.5) + 1.0 / (n - y + 0.5)};
}

}  // namespace

SingleArmRun sample_single_arm(const SingleArmInput& in, const SamplerConfig& cfg, ThreadPool& pool) {
  const int K = static_cast<int>(in.y.size());
  const int D = K + 2;
  const int C = cfg.chains;
  const int W = cfg.warmup;

  // ---- data-based starting point: DerSimonian-Laird on the empirical logits -------------
  std::vector<StudyGuess> g0(K);
  double sw = 0, swy = 0;
  for (int i = 0; i < K; ++i) {
    g0[i] = guess_study(in.y[i], in.n[i]);
    sw += 1 / g0[i].var;
    swy += g0[i].logit / g0[i].var;
  }
  const double mu_fe = swy / sw;
  double Q = 0, sw2 = 0;
  for (int i = 0; i < K; ++i) {
    Q += (g0[i].logit - mu_fe) * (g0[i].logit - mu_fe) / g0[i].var;
    sw2 += 1 / (g0[i].var * g0[i].var);
  }
  double tau2 = K > 1 ? std::max(0.0, (Q - (K - 1)) / (sw - sw2 / sw)) : 0.0;
  double tau0 = std::clamp(std::sqrt(tau2), 0.1, 2.0);
  if (in.prior_tau.kind == PriorKind::Uniform) tau0 = std::min(tau0, 0.5 * in.prior_tau.b);
  double sw_re = 0, swy_re = 0;
  for (int i = 0; i < K; ++i) {
    sw_re += 1 / (g0[i].var + tau0 * tau0);
    swy_re += g0[i].logit / (g0[i].var + tau0 * tau0);
  }
  const double mu0 = swy_re / sw_re;

  // Centre a study when its data pin theta_i down more tightly than the population spread.
  std::vector<std::uint8_t> centred(K);
  auto choose = [&](bool data_says_centred) -> std::uint8_t {
    switch (cfg.parametrisation) {
      case Parametrisation::Centred: return 1;
      case Parametrisation::NonCentred: return 0;
      default: return data_says_centred ? 1 : 0;
    }
  };
  for (int i = 0; i < K; ++i) centred[i] = choose(g0[i].var < kCentreRatio * tau0 * tau0);

  std::vector<double> inv_metric(D);
  inv_metric[0] = std::clamp(1.0 / sw_re, 1e-6, 4.0);
  inv_metric[1] = std::clamp(2.0 / std::max(K, 1), 0.02, 1.0);
  for (int i = 0; i < K; ++i) {
    const double post_var = 1.0 / (1.0 / g0[i].var + 1.0 / (tau0 * tau0));
    inv_metric[2 + i] = centred[i] ? post_var : post_var / (tau0 * tau0);
  }

  SingleArmModel model;
  model.K = K;
  model.y = in.y.data();
  model.n = in.n.data();
  model.centred = centred.data();
  model.prior_mu = in.prior_mu;
  model.prior_tau = in.prior_tau;

  // ---- per-chain state -------------------------------------------------------------------
  std::vector<double> q(C * D), g(C * D), lp(C), q0(C * D), p_buf(C * D), qp_buf(C * D), gp_buf(C * D);
  pool.parallel_for(C, [&](int c) {
    RngStream rng(cfg.seed, in.stream, static_cast<std::uint32_t>(c), 0, RngPurpose::Init);
    std::vector<double> z(D);
    rng.normals(z.data(), D);
    double* qc = &q[c * D];
    qc[0] = mu0 + 0.3 * z[0];
    const double tau_c = tau0 * std::exp(0.3 * z[1]);
    qc[1] = tau_to_unconstrained(in.prior_tau, tau_c);
    const double tau_used = tau_transform(in.prior_tau, qc[1]).tau;
    for (int i = 0; i < K; ++i) {
      const double prec = 1 / g0[i].var + 1 / (tau_used * tau_used);
      const double theta = (g0[i].logit / g0[i].var + qc[0] / (tau_used * tau_used)) / prec +
                           0.5 * z[2 + i] / std::sqrt(prec);
      qc[2 + i] = centred[i] ? theta : (theta - qc[0]) / tau_used;
    }
    lp[c] = model.log_density_grad(qc, &g[c * D]);
  });

  // ---- warmup schedule -------------------------------------------------------------------
  // Metric windows [b_k, b_{k+1}); after the last one only the step size and T adapt.
  std::vector<int> bounds;
  for (double f : {0.05, 0.1, 0.2, 0.35, 0.55, 0.8}) bounds.push_back(static_cast<int>(std::lround(f * W)));
  const int t_avg_start = static_cast<int>(std::lround(0.9 * W));

  StepSizeAdapter step(cfg.target_accept);
  double eps = 0.25;
  step.restart(eps);
  TrajectoryAdapter traj(1.0);

  SingleArmRun out;
  out.chains = C;
  out.draws = cfg.draws;
  out.K = K;
  const std::size_t S = static_cast<std::size_t>(C) * cfg.draws;
  out.mu.resize(S);
  out.tau.resize(S);
  out.theta.resize(S * K);
  out.accept_prob.resize(S);
  out.energy.resize(S);
  out.divergent.resize(S);
  out.n_steps.resize(S);

  std::vector<HmcStepInfo> info(C);
  std::vector<double> acc(C), x0(C * D), x1(C * D), v1(C * D);
  std::vector<Welford> w_mu(1), w_s(1), w_theta(K), w_z(K);
  std::vector<double> w_tau;  // tau draws of the window
  int window = 0;
  if (W == 0) {
    out.step_size = eps;
    out.trajectory_length = traj.T();
  }

  // Leapfrog steps of iteration `it` for trajectory length T: jittered by the Halton sequence,
  // the same for every chain.
  auto steps_at = [&](int it, double T, double step) {
    const double h = halton_base2(static_cast<std::uint64_t>(it) + 1);
    return std::clamp(static_cast<int>(std::ceil(h * T / step)), 1, cfg.max_steps);
  };

  // ---- warmup: all chains step together and share their adaptation --------------------
  for (int it = 0; it < W; ++it) {
    const double h = halton_base2(static_cast<std::uint64_t>(it) + 1);
    const int L = steps_at(it, traj.T(), eps);

    pool.parallel_for(C, [&](int c) {
      double* qc = &q[c * D];
      std::copy(qc, qc + D, &q0[c * D]);
      HmcWork w{&p_buf[c * D], &qp_buf[c * D], &gp_buf[c * D]};
      info[c] = hmc_transition(model, qc, &g[c * D], lp[c], inv_metric.data(), eps, L, cfg.seed,
                               in.stream, static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it), w);
    });

    for (int c = 0; c < C; ++c) {
      acc[c] = info[c].accept_prob;
      out.warmup_divergences += info[c].divergent;
      for (int j = 0; j < D; ++j) {
        const double sd = std::sqrt(inv_metric[j]);
        x0[c * D + j] = q0[c * D + j] / sd;
        x1[c * D + j] = qp_buf[c * D + j] / sd;
        v1[c * D + j] = sd * p_buf[c * D + j];
      }
    }
    eps = step.update(acc);
    traj.update(C, D, x0, x1, v1, acc, h);
    traj.clamp(eps, cfg.max_steps * eps);
    if (it + 1 == t_avg_start) traj.start_averaging();

    // Window statistics in both parametrisations of every study.
    if (window + 1 < static_cast<int>(bounds.size()) && it >= bounds[window]) {
      for (int c = 0; c < C; ++c) {
        const double* qc = &q[c * D];
        const double tau = tau_transform(in.prior_tau, qc[1]).tau;
        w_mu[0].add(qc[0]);
        w_s[0].add(qc[1]);
        w_tau.push_back(tau);
        for (int i = 0; i < K; ++i) {
          const double th = model.theta(qc, i, tau);
          w_theta[i].add(th);
          w_z[i].add((th - qc[0]) / tau);
        }
      }
      if (it + 1 == bounds[window + 1]) {
        // Re-choose each study's parametrisation, then the metric in that parametrisation.
        std::vector<std::uint8_t> next(K);
        // Centred when the study's posterior sd is well below the lower range of tau (its 10%
        // quantile): there the centred funnel at small tau is out of reach and the data, not
        // the population, pin theta_i down.
        std::sort(w_tau.begin(), w_tau.end());
        const double tau_lo = w_tau[w_tau.size() / 10];
        for (int i = 0; i < K; ++i) next[i] = choose(w_theta[i].var() < kCentreRatio * tau_lo * tau_lo);
        inv_metric[0] = regularised_var(w_mu[0]);
        inv_metric[1] = regularised_var(w_s[0]);
        for (int i = 0; i < K; ++i) inv_metric[2 + i] = regularised_var(next[i] ? w_theta[i] : w_z[i]);
        pool.parallel_for(C, [&](int c) {
          double* qc = &q[c * D];
          const double tau = tau_transform(in.prior_tau, qc[1]).tau;
          for (int i = 0; i < K; ++i) {
            if (next[i] == centred[i]) continue;
            const double th = model.theta(qc, i, tau);
            qc[2 + i] = next[i] ? th : (th - qc[0]) / tau;
          }
        });
        centred = next;
        model.centred = centred.data();
        pool.parallel_for(C, [&](int c) { lp[c] = model.log_density_grad(&q[c * D], &g[c * D]); });
        step.restart(eps);
        w_mu.assign(1, {});
        w_s.assign(1, {});
        w_tau.clear();
        w_theta.assign(K, {});
        w_z.assign(K, {});
        ++window;
      }
    }
    if (it + 1 == W) {
      eps = step.averaged();
      out.trajectory_length = std::clamp(traj.averaged_T(), eps, cfg.max_steps * eps);
      out.step_size = eps;
    }
  }

  // ---- sampling: the chains no longer interact, so each runs all its draws in one task -----
  pool.parallel_for(C, [&](int c) {
    double* qc = &q[c * D];
    HmcWork w{&p_buf[c * D], &qp_buf[c * D], &gp_buf[c * D]};
    for (int t = 0; t < cfg.draws; ++t) {
      const int it = W + t;
      const int L = steps_at(it, out.trajectory_length, eps);
      const HmcStepInfo inf = hmc_transition(model, qc, &g[c * D], lp[c], inv_metric.data(), eps, L, cfg.seed,
                                             in.stream, static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(it), w);
      const std::size_t idx = static_cast<std::size_t>(c) * cfg.draws + t;
      const double tau = tau_transform(in.prior_tau, qc[1]).tau;
      out.mu[idx] = qc[0];
      out.tau[idx] = tau;
      for (int i = 0; i < K; ++i) out.theta[idx * K + i] = model.theta(qc, i, tau);
      out.accept_prob[idx] = inf.accept_prob;
      out.energy[idx] = inf.energy;
      out.divergent[idx] = inf.divergent;
      out.n_steps[idx] = L;
    }
  });
  out.inv_metric = inv_metric;
  out.centred = centred;
  return out;
}

}  // namespace hbm
