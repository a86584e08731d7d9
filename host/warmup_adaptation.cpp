#include "host/warmup_adaptation.hpp"

namespace hbm {

double StepSizeAdapter::update(const std::vector<double>& accept_probs) {
  double inv_sum = 0.0;
  for (double a : accept_probs) inv_sum += inverse_accept(a);
  return da_.update(harmonic_accept_stat(static_cast<double>(accept_probs.size()), inv_sum));
}

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
  if (!(wsum > 1e-12)) return;
  for (int j = 0; j < dim; ++j) {
    c0[j] /= chains;
    c1[j] /= wsum;
  }
  double dchees = 0.0, chees = 0.0;
  for (int c = 0; c < chains; ++c) {
    const CheesTerms t = chees_terms(dim, &x0[c * dim], &x1[c * dim], &v1[c * dim], c0.data(), c1.data(),
                                     accept_probs[c], jitter);
    dchees += t.dchees;
    chees += t.chees;
  }
  adam_.update(dchees, chees, wsum);
}

}  // namespace hbm
