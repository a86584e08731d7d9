// rma.glmm's I^2, H^2 and heterogeneity tests from the GLMM tau^2 and the log-likelihoods of the
// common-effect and saturated models.
#include "host/frequentist/glmm_heterogeneity.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "host/frequentist/distributions.hpp"
#include "host/frequentist/result_helpers.hpp"

namespace hbm::freq::detail {

double typical_variance(const EffectData& es) {
  double sw = 0, sw2 = 0;
  int k = 0;
  for (std::size_t i = 0; i < std::min(es.yi.size(), es.vi.size()); ++i) {
    if (!std::isfinite(es.yi[i]) || !std::isfinite(es.vi[i]) || !(es.vi[i] > 0)) continue;
    const double w = 1 / es.vi[i];
    sw += w;
    sw2 += w * w;
    ++k;
  }
  return k >= 2 ? (k - 1) / (sw - sw2 / sw) : kNaN;
}

double cochran_q(const std::vector<double>& y, const std::vector<double>& v) {
  double sw = 0, swy = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    sw += 1 / v[i];
    swy += y[i] / v[i];
  }
  if (y.size() < 2) return 0.0;
  const double mean = swy / sw;
  double q = 0;
  for (std::size_t i = 0; i < y.size(); ++i) q += (y[i] - mean) * (y[i] - mean) / v[i];
  return q;
}

void set_heterogeneity(MethodResult& m, double vt, double wald, double ll_fe, double ll_qe) {
  if (m.k <= 1) {
    m.I2 = 0;
    m.H2 = 1;
    m.Q = m.Q_p = m.Q_lrt = m.Q_lrt_p = m.tau2_lrt = m.tau2_lrt_p = kNaN;
    append_note(m.note, "no heterogeneity test with k = 1");
    return;
  }
  if (std::isfinite(vt) && std::isfinite(m.tau2)) {
    m.I2 = 100 * m.tau2 / (vt + m.tau2);
    m.H2 = m.tau2 / vt + 1;
  }
  const int df = m.k - 1;
  m.Q = std::isfinite(wald) ? std::max(0.0, wald) : kNaN;
  m.Q_p = detail::pchisq_upper(m.Q, df);
  m.Q_lrt = std::isfinite(ll_fe) && std::isfinite(ll_qe) ? std::max(0.0, -2 * (ll_fe - ll_qe)) : kNaN;
  m.Q_lrt_p = detail::pchisq_upper(m.Q_lrt, df);
  m.tau2_lrt = std::isfinite(ll_fe) && std::isfinite(m.loglik) ? std::max(0.0, 2 * (m.loglik - ll_fe)) : kNaN;
  m.tau2_lrt_p = std::isnan(m.tau2_lrt) ? kNaN : m.tau2_lrt > 0 ? 0.5 * detail::pchisq_upper(m.tau2_lrt, 1) : 1.0;
}

}  // namespace hbm::freq::detail
