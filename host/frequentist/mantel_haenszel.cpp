// The two-arm common-effect methods: Mantel-Haenszel (metafor::rma.mh) and Peto (rma.peto) odds
// ratios with their heterogeneity statistics.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "host/frequentist/distributions.hpp"
#include "host/frequentist/frequentist.hpp"
#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/two_by_two.hpp"

namespace hbm::freq {

using detail::append_note;
using detail::double_zero;
using detail::kNaN;
using detail::nan_result;
using detail::table;

namespace {

// Q_p, I^2 and H^2 of a common-effect method from its heterogeneity statistic Q with df = k.yi - 1
// (rma.mh, rma.peto); without a test (`testable` false) p = 1, I^2 = 0 and H^2 = 1.
void set_q_heterogeneity(MethodResult& m, double Q, int df, bool testable) {
  m.Q = Q;
  if (testable) {
    m.Q_p = detail::pchisq_upper(m.Q, df);
    m.I2 = std::max(0.0, 100 * (m.Q - df) / m.Q);
    m.H2 = m.Q / df;
  } else {
    m.Q_p = 1;
    m.I2 = 0;
    m.H2 = 1;
  }
}

// Q, I^2, H^2 of rma.mh: inverse-variance weights of the log ORs (1/2 added to tables with a
// zero, double-zero tables dropped), residuals about the pooled estimate beta, df k.yi - 1.
void iv_heterogeneity(const TwoArmCounts& counts, double beta, MethodResult& m) {
  const EffectData es = escalc_or(counts, true);
  double q = 0;
  int kyi = 0;
  for (std::size_t i = 0; i < es.yi.size(); ++i) {
    if (!std::isfinite(es.yi[i]) || !std::isfinite(es.vi[i])) continue;
    ++kyi;
    q += (es.yi[i] - beta) * (es.yi[i] - beta) / es.vi[i];
  }
  set_q_heterogeneity(m, kyi > 1 ? std::max(0.0, q) : 0.0, kyi - 1, kyi > 1);
}

MethodResult common_effect_shell(const std::string& name) {
  MethodResult m;
  m.name = name;
  m.tau2 = m.tau = 0;
  m.se_tau2 = m.tau2_ci_lb = m.tau2_ci_ub = kNaN;
  m.pi_lb = m.pi_ub = m.sigma2 = m.loglik = kNaN;
  return m;
}

}  // namespace

MethodResult mantel_haenszel(const TwoArmCounts& counts, double level) {
  MethodResult m = common_effect_shell("MH");
  double R = 0, S = 0, sPR = 0, sPS_QR = 0, sQS = 0;
  int k = 0, invalid = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double a, b, c, d;
    if (!table(counts, i, a, b, c, d)) {
      ++invalid;
      continue;
    }
    ++k;  // double-zero tables count (metafor drop00 = c(TRUE, FALSE)) but add nothing to R, S
    const double N = a + b + c + d;
    const double Pi = a / N + d / N, Qi = b / N + c / N;
    const double Ri = (a / N) * d, Si = (b / N) * c;
    R += Ri;
    S += Si;
    sPR += Pi * Ri;
    sPS_QR += Pi * Si + Qi * Ri;
    sQS += Qi * Si;
  }
  m.k = k;
  if (invalid) append_note(m.note, std::to_string(invalid) + " table(s) with invalid counts omitted");
  if (k == 0 || R == 0 || S == 0) {
    MethodResult bad = nan_result("MH", k, m.note);
    append_note(bad.note, k == 0 ? "no tables" : "Mantel-Haenszel odds ratio undefined (no events in one of the diagonal products)");
    return bad;
  }
  m.estimate = std::log(R / S);
  m.se = std::sqrt(0.5 * (sPR / (R * R) + sPS_QR / (R * S) + sQS / (S * S)));  // Robins et al. (1986)
  m.zval = m.estimate / m.se;
  m.pval = detail::pnorm_two_sided(m.zval);
  const double crit = detail::qnorm_upper((1 - level) / 2);
  m.ci_lb = m.estimate - crit * m.se;
  m.ci_ub = m.estimate + crit * m.se;
  iv_heterogeneity(counts, m.estimate, m);
  return m;
}

MethodResult peto(const TwoArmCounts& counts, double level) {
  MethodResult m = common_effect_shell("Peto");
  double sumO_E = 0, sumV = 0, sumOE2_V = 0;
  int k = 0, kpos = 0, kyi = 0, invalid = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double a, b, c, d;
    if (!table(counts, i, a, b, c, d)) {
      ++invalid;
      continue;
    }
    ++k;
    if (!double_zero(a, b, c, d)) ++kyi;
    const double n1 = a + b, n2 = c + d, N = n1 + n2;
    const double xt = a + c, yt = b + d;
    const double E = xt * n1 / N;
    const double V = N > 1 ? xt * yt * (n1 / N) * (n2 / N) / (N - 1) : 0.0;
    sumO_E += a - E;
    sumV += V;
    if (V > 0) {
      ++kpos;
      sumOE2_V += (a - E) * (a - E) / V;
    }
  }
  m.k = k;
  if (invalid) append_note(m.note, std::to_string(invalid) + " table(s) with invalid counts omitted");
  if (k == 0 || sumV == 0) {
    MethodResult bad = nan_result("Peto", k, m.note);
    append_note(bad.note, k == 0 ? "no tables" : "one of the two outcomes never occurred in any table; Peto's method cannot be used");
    return bad;
  }
  m.estimate = sumO_E / sumV;
  m.se = std::sqrt(1 / sumV);
  m.zval = m.estimate / m.se;
  m.pval = detail::pnorm_two_sided(m.zval);
  const double crit = detail::qnorm_upper((1 - level) / 2);
  m.ci_lb = m.estimate - crit * m.se;
  m.ci_ub = m.estimate + crit * m.se;
  set_q_heterogeneity(m, std::max(0.0, sumOE2_V - sumO_E * sumO_E / sumV), kyi - 1, kpos > 1);
  return m;
}

}  // namespace hbm::freq
