// Test inputs for the batched engine and the group layouts: K studies with random totals,
// events, covariates and centring flags (the model structs point into them), and an engine
// start near 0 (tests/group_layout_test.cpp, tests/study_staging_test.cpp).
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "host/engine/batch_engine.hpp"
#include "models/philox.hpp"
#include "models/priors.hpp"
#include "models/single_arm.hpp"
#include "models/two_arm.hpp"

namespace hbm::test {

// Study data and covariates for K studies (the model structs point into these).
struct RandomStudies {
  std::vector<double> y, n, yc, nc, x;
  std::vector<std::uint8_t> centred, centred_alpha;
  std::vector<Prior> prior_beta;
  RandomStudies(int K, int P, std::uint64_t seed) {
    RngStream rng(seed, 1, 0, 0, RngPurpose::Init);
    for (int i = 0; i < K; ++i) {
      const double ni = 5 + std::floor(200 * rng.uniform()), nci = 5 + std::floor(200 * rng.uniform());
      n.push_back(ni);
      y.push_back(std::floor(ni * rng.uniform()));
      nc.push_back(nci);
      yc.push_back(std::floor(nci * rng.uniform()));
      centred.push_back(rng.uniform() < 0.4 ? 1 : 0);
      centred_alpha.push_back(rng.uniform() < 0.5 ? 1 : 0);
      for (int j = 0; j < P; ++j) x.push_back(rng.uniform() - 0.5);
    }
    for (int j = 0; j < P; ++j) prior_beta.push_back({PriorKind::Normal, 0.1 * j, 2.0 + j});
  }
  SingleArmModel single_arm(int K, int P) const {
    SingleArmModel m;
    m.K = K;
    m.P = P;
    m.y = y.data();
    m.n = n.data();
    m.x = P > 0 ? x.data() : nullptr;
    m.centred = centred.data();
    m.prior_mu = {PriorKind::Normal, 0.0, 10.0};
    m.prior_tau = {PriorKind::HalfNormal, 0.0, 1.0};
    m.prior_beta = P > 0 ? prior_beta.data() : nullptr;
    return m;
  }
  TwoArmModel two_arm(int K, int P, BaselineModel b) const {
    TwoArmModel m;
    m.K = K;
    m.P = P;
    m.yt = y.data();
    m.nt = n.data();
    m.yc = yc.data();
    m.nc = nc.data();
    m.x = P > 0 ? x.data() : nullptr;
    m.centred = centred.data();
    m.centred_alpha = b == BaselineModel::Random ? centred_alpha.data() : nullptr;
    m.baseline = b;
    m.prior_mu = {PriorKind::Normal, 0.0, 10.0};
    m.prior_tau = {PriorKind::HalfNormal, 0.0, 0.5};
    m.prior_beta = P > 0 ? prior_beta.data() : nullptr;
    m.prior_alpha = {PriorKind::Normal, 0.0, 10.0};
    m.prior_mu_alpha = {PriorKind::Normal, 0.0, 10.0};
    m.prior_sigma_alpha = {PriorKind::HalfNormal, 0.0, 2.0};
    return m;
  }
};

// One outcome's engine start: every chain near 0 (coordinate tau_at, tau in a Gibbs state,
// positive when given), unit metric, the given centring.
inline batch::OutcomeStart start_for(int dim, int K, int hyper, int blocks, int chains,
                                     const std::vector<std::uint8_t>& flags, std::uint32_t stream, int tau_at = -1) {
  batch::OutcomeStart s;
  s.stream = stream;
  s.K = K;
  s.hyper = hyper;
  s.blocks = blocks;
  s.dim = dim;
  s.flags = flags;
  s.inv_metric.assign(s.dim, 1.0);
  s.q0.resize(static_cast<std::size_t>(chains) * s.dim);
  for (int c = 0; c < chains; ++c) {
    RngStream rng(5, stream, static_cast<std::uint32_t>(c), 0, RngPurpose::Init);
    rng.normals(&s.q0[static_cast<std::size_t>(c) * s.dim], s.dim);
    for (int j = 0; j < s.dim; ++j) s.q0[static_cast<std::size_t>(c) * s.dim + j] *= 0.3;
    if (tau_at >= 0) {
      double& tau = s.q0[static_cast<std::size_t>(c) * s.dim + tau_at];
      tau = 0.3 + std::abs(tau);
    }
  }
  return s;
}

}  // namespace hbm::test
