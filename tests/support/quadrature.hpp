// Test helper: the posterior of the single-arm logit-normal model by numerical quadrature,
// an independent reference for the sampler. Each theta_i is integrated out with Laplace-
// centred (adaptive) Gauss-Hermite quadrature; (mu, tau) on a fine grid.
#pragma once
#include <functional>
#include <vector>

#include "host/frequentist/gauss_hermite.hpp"

namespace hbm::test {

struct QuadStudy { long long events; long long total; };

struct QuadSummary {
  double mean = 0, sd = 0;
  double q025 = 0, q05 = 0, q25 = 0, q50 = 0, q75 = 0, q95 = 0, q975 = 0;
};

struct QuadResult {
  QuadSummary mu, tau, theta_new, p_new, p_pooled;
  std::vector<double> study_theta_mean, study_theta_sd, study_p_mean, study_p_sd;
  // Grid diagnostics: the fine grid actually used and how much density sits on its edge.
  double grid_mu_lo = 0, grid_mu_hi = 0, grid_tau_lo = 0, grid_tau_hi = 0;
  double grid_tau_scale = 0;        // c in tau = c (cosh z - 1), z uniform on the grid
  int grid_n_mu = 0, grid_n_tau = 0;
  // max over the grid boundary of log(density / max density), in the grid coordinates
  // (mu, z); the tau = 0 boundary is excluded (it is the natural end of the range).
  double edge_log_density = 0;
};

struct QuadOptions {
  double mu_prior_mean = 0.0, mu_prior_sd = 10.0;
  std::function<double(double)> log_prior_tau;  // log density of tau on (0, inf), up to a constant
  int n_mu = 401, n_tau = 400;                   // grid sizes
  int gh_nodes = 40;                             // Gauss-Hermite nodes per study integral
  // Automatic range selection: a coarse (mu, log tau) grid is expanded/zoomed until the
  // region where the log density is within tail_log_threshold of its maximum is well inside.
  int coarse_n_mu = 81, coarse_n_tau = 72;
  int coarse_gh_nodes = 16;
  double tail_log_threshold = 20.0;
  // Fine-grid nodes whose weight is below e^-skip_log_threshold times the largest are not
  // evaluated (found by walking out from each tau row's maximum; the row is log-concave in mu).
  double skip_log_threshold = 27.0;
};

// Gauss-Hermite rule for weight exp(-x^2), nodes ascending: the library's rule
// (host/frequentist/gauss_hermite.hpp), which the GLMMs' adaptive quadrature also uses.
using hbm::freq::gauss_hermite;

// log of int L(t) N(t | mu, tau^2) dt with L(t) = Bin(y | n, invlogit t) / max_t Bin(y | n, invlogit t)
// (the likelihood relative to its maximum), by the Laplace-centred Gauss-Hermite rule used on
// the grid; tau = 0 gives log L(mu). Exposed for tests.
double study_log_marginal(const QuadStudy& study, double mu, double tau, int gh_nodes = 40);

QuadResult single_arm_quadrature(const std::vector<QuadStudy>& studies, const QuadOptions& opt);

}  // namespace hbm::test
