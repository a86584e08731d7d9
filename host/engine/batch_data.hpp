// The study data of many outcomes (or simulated datasets) laid end to end for the batched
// engine (host/engine/batch_engine.hpp), as host vectors, and their copy in a backend's memory with
// the per-outcome view (models/batch_views.hpp) over it. One struct per model.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "models/batch_views.hpp"

namespace hbm::batch {

// Offsets of each outcome's studies, covariates and coefficient priors.
struct IndexHost {
  std::vector<int> study_offset{0}, n_cov, x_offset, beta_offset;
  int outcomes() const { return static_cast<int>(n_cov.size()); }
  int K(int o) const { return study_offset[o + 1] - study_offset[o]; }
  int studies() const { return study_offset.back(); }
  void add(int K, int P, std::size_t x_size, std::size_t beta_size) {
    x_offset.push_back(static_cast<int>(x_size));
    beta_offset.push_back(static_cast<int>(beta_size));
    n_cov.push_back(P);
    study_offset.push_back(study_offset.back() + K);
  }
};

template <class Backend>
struct IndexDevice {
  typename Backend::template Buffer<int> study_offset, n_cov, x_offset, beta_offset;
  IndexDevice(Backend& be, const IndexHost& h)
      : study_offset(be, h.study_offset.size()), n_cov(be, h.n_cov.size()), x_offset(be, h.x_offset.size()),
        beta_offset(be, h.beta_offset.size()) {
    study_offset.upload(h.study_offset);
    n_cov.upload(h.n_cov);
    x_offset.upload(h.x_offset);
    beta_offset.upload(h.beta_offset);
  }
  BatchIndex view(int outcomes) {
    return BatchIndex{outcomes, study_offset.data(), n_cov.data(), x_offset.data(), beta_offset.data()};
  }
};

// Appends one outcome's K x P covariates and P coefficient priors.
inline void append_covariates(int K, int P, const double* x_in, const Prior* priors_in, std::vector<double>& x,
                              std::vector<Prior>& priors) {
  if (P == 0) return;
  x.insert(x.end(), x_in, x_in + static_cast<std::size_t>(K) * P);
  priors.insert(priors.end(), priors_in, priors_in + P);
}

struct SingleArmBatch {
  using View = SingleArmView;
  IndexHost index;
  std::vector<double> y, n, y_hat, lambda, x;
  std::vector<Prior> prior_beta;
  std::vector<SingleArmHyperPriors> priors;  // one per outcome

  // Appends one outcome: the model's data and its own priors.
  void add(const SingleArmModel& m) {
    priors.push_back(SingleArmHyperPriors{m.mu_prior(), m.tau_prior()});
    index.add(m.K, m.P, x.size(), prior_beta.size());
    for (int i = 0; i < m.K; ++i) {
      y.push_back(m.y[i]);
      n.push_back(m.n[i]);
      const EffectData d = m.study_data(i);
      y_hat.push_back(d.y_hat);
      lambda.push_back(d.lambda);
    }
    append_covariates(m.K, m.P, m.x, m.prior_beta, x, prior_beta);
  }

  template <class Backend>
  struct Device {
    IndexDevice<Backend> index;
    typename Backend::template Buffer<double> y, n, y_hat, lambda, x;
    typename Backend::template Buffer<Prior> prior_beta;
    typename Backend::template Buffer<SingleArmHyperPriors> priors;
    const SingleArmBatch& host;
    Device(Backend& be, const SingleArmBatch& h)
        : index(be, h.index), y(be, h.y.size()), n(be, h.n.size()), y_hat(be, h.y_hat.size()),
          lambda(be, h.lambda.size()), x(be, h.x.size()), prior_beta(be, h.prior_beta.size()),
          priors(be, h.priors.size()), host(h) {
      y.upload(h.y);
      n.upload(h.n);
      y_hat.upload(h.y_hat);
      lambda.upload(h.lambda);
      x.upload(h.x);
      prior_beta.upload(h.prior_beta);
      priors.upload(h.priors);
    }
    View view(std::uint8_t* flags) {
      View v;
      v.idx = index.view(host.index.outcomes());
      v.y = y.data();
      v.n = n.data();
      v.y_hat = y_hat.data();
      v.lambda = lambda.data();
      v.x = x.data();
      v.prior_beta = prior_beta.data();
      v.priors = priors.data();
      v.centred = flags;
      return v;
    }
  };
};

struct TwoArmBatch {
  using View = TwoArmView;
  IndexHost index;
  std::vector<double> yt, nt, yc, nc, x;
  std::vector<double> approx[4];  // delta_hat, delta_lambda, alpha_hat, alpha_lambda
  std::vector<Prior> prior_beta;
  std::vector<TwoArmHyperPriors> priors;  // one per outcome
  // The batch's baseline model, the first outcome's: it decides the state layout of every
  // outcome (two hyperparameters more with random baselines), so a batch holds one kind.
  BaselineModel baseline = BaselineModel::Independent;

  // Appends one outcome: the model's data and its own priors.
  void add(const TwoArmModel& m) {
    if (index.outcomes() == 0) baseline = m.baseline;
    else if (m.baseline != baseline)
      throw std::logic_error(
          "TwoArmBatch::add: an outcome's baseline model differs from its batch's; batch outcomes by baseline model");
    priors.push_back(TwoArmHyperPriors{m.mu_prior(), m.tau_prior(), m.alpha_prior(), m.mu_alpha_prior(), m.sigma_alpha_prior()});
    index.add(m.K, m.P, x.size(), prior_beta.size());
    for (int i = 0; i < m.K; ++i) {
      yt.push_back(m.yt[i]);
      nt.push_back(m.nt[i]);
      yc.push_back(m.yc[i]);
      nc.push_back(m.nc[i]);
      const EffectData dd = m.delta_data(i), ad = m.alpha_data(i);
      approx[0].push_back(dd.y_hat);
      approx[1].push_back(dd.lambda);
      approx[2].push_back(ad.y_hat);
      approx[3].push_back(ad.lambda);
    }
    append_covariates(m.K, m.P, m.x, m.prior_beta, x, prior_beta);
  }

  template <class Backend>
  struct Device {
    IndexDevice<Backend> index;
    typename Backend::template Buffer<double> yt, nt, yc, nc, dh, dl, ah, al, x;
    typename Backend::template Buffer<Prior> prior_beta;
    typename Backend::template Buffer<TwoArmHyperPriors> priors;
    const TwoArmBatch& host;
    Device(Backend& be, const TwoArmBatch& h)
        : index(be, h.index), yt(be, h.yt.size()), nt(be, h.nt.size()), yc(be, h.yc.size()), nc(be, h.nc.size()),
          dh(be, h.approx[0].size()), dl(be, h.approx[1].size()), ah(be, h.approx[2].size()),
          al(be, h.approx[3].size()), x(be, h.x.size()), prior_beta(be, h.prior_beta.size()),
          priors(be, h.priors.size()), host(h) {
      yt.upload(h.yt);
      nt.upload(h.nt);
      yc.upload(h.yc);
      nc.upload(h.nc);
      dh.upload(h.approx[0]);
      dl.upload(h.approx[1]);
      ah.upload(h.approx[2]);
      al.upload(h.approx[3]);
      x.upload(h.x);
      prior_beta.upload(h.prior_beta);
      priors.upload(h.priors);
    }
    View view(std::uint8_t* flags) {
      View v;
      v.idx = index.view(host.index.outcomes());
      v.yt = yt.data();
      v.nt = nt.data();
      v.yc = yc.data();
      v.nc = nc.data();
      v.delta_hat = dh.data();
      v.delta_lambda = dl.data();
      v.alpha_hat = ah.data();
      v.alpha_lambda = al.data();
      v.x = x.data();
      v.prior_beta = prior_beta.data();
      v.priors = priors.data();
      v.centred = flags;
      v.baseline = host.baseline;
      return v;
    }
  };
};

// The batch type of each model.
template <class Model>
struct BatchOf;
template <>
struct BatchOf<SingleArmModel> {
  using type = SingleArmBatch;
};
template <>
struct BatchOf<TwoArmModel> {
  using type = TwoArmBatch;
};

}  // namespace hbm::batch
