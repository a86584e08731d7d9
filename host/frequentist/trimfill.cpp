// Trim and fill (Duval & Tweedie 2000) as metafor's trimfill.rma.uni() with its defaults: the L0
// estimator of the number of missing studies, iterated on the trimmed data until k0 repeats,
// then the fit of the observed studies plus the mirror images of the k0 most extreme ones.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "host/frequentist/result_helpers.hpp"
#include "host/frequentist/sensitivity.hpp"
#include "host/frequentist/sensitivity_data.hpp"

namespace hbm::freq {

namespace {

constexpr int kMaxIter = 100;  // trimfill()'s maxiter default

// R's sign(): -1, 0, 1
double sign(double x) { return static_cast<double>((x > 0) - (x < 0)); }

}  // namespace

Trimfill trimfill(const EffectData& data, Tau2Method method, TrimfillSide side_choice) {
  Trimfill out;
  const std::vector<int> keep = detail::analysable_studies(data, out.note);
  const int k = static_cast<int>(keep.size());
  auto fail = [&](const std::string& why) {
    detail::append_note(out.note, why);
    out.k0 = 0;
    out.fit = detail::nan_result(method_name(method), k, why);
    return out;
  };
  if (k < 2) return fail("trim and fill needs at least 2 studies");
  const EffectData obs = detail::subset(data, keep);

  // The side: metafor regresses the effects on their standard errors (same estimator) and
  // imputes on the side opposite to the asymmetry ("right" when the slope is negative).
  bool right;
  if (side_choice == TrimfillSide::Auto) {
    Eigen::MatrixXd X(k, 2);
    for (int r = 0; r < k; ++r) {
      X(r, 0) = 1;
      X(r, 1) = std::sqrt(obs.vi[r]);
    }
    RmaOptions o;
    o.tau2_ci = false;
    const RegressionResult reg = rma_regression(obs, X, method, o);
    if (reg.beta.size() != 2 || !std::isfinite(reg.beta(1)))
      return fail("the side cannot be chosen (regression on the standard errors failed: " + reg.note +
                  "); give the side explicitly");
    right = reg.beta(1) < 0;
  } else {
    right = side_choice == TrimfillSide::Right;
  }
  out.side = right ? "right" : "left";

  // Work on the effects flipped to the left side, sorted ascending (ties in input order, as R's
  // sort(index.return = TRUE)).
  std::vector<int> ix(k);
  std::iota(ix.begin(), ix.end(), 0);
  std::vector<double> yw(k);
  for (int r = 0; r < k; ++r) yw[r] = right ? -obs.yi[r] : obs.yi[r];
  std::stable_sort(ix.begin(), ix.end(), [&](int a, int b) { return yw[a] < yw[b]; });
  std::vector<double> y(k), v(k);
  for (int r = 0; r < k; ++r) {
    y[r] = yw[ix[r]];
    v[r] = obs.vi[ix[r]];
  }

  int k0 = 0, k0_prev = -1, iter = 0;
  double beta = 0, se_k0 = 0;
  std::vector<double> yc(k);
  while (k0 != k0_prev) {
    k0_prev = k0;
    if (++iter > kMaxIter) return fail("trim and fill did not converge in 100 iterations");
    EffectData trimmed;
    trimmed.yi.assign(y.begin(), y.begin() + (k - k0));
    trimmed.vi.assign(v.begin(), v.begin() + (k - k0));
    beta = detail::fit_rma(trimmed, method).estimate;
    if (!std::isfinite(beta)) return fail("the fit of the trimmed data failed");
    for (int r = 0; r < k; ++r) yc[r] = y[r] - beta;
    // signed ranks of |y - beta| (ties.method = "first")
    std::vector<int> by_abs(k);
    std::iota(by_abs.begin(), by_abs.end(), 0);
    std::stable_sort(by_abs.begin(), by_abs.end(), [&](int a, int b) { return std::fabs(yc[a]) < std::fabs(yc[b]); });
    double Sr = 0;
    for (int rank = 1; rank <= k; ++rank)
      if (sign(yc[by_abs[rank - 1]]) > 0) Sr += rank;
    const double kk = k;
    const double L0 = (4 * Sr - kk * (kk + 1)) / (2 * kk - 1);
    const double varSr = 1.0 / 24 *
                         (kk * (kk + 1) * (2 * kk + 1) + 10 * L0 * L0 * L0 + 27 * L0 * L0 + 17 * L0 -
                          18 * kk * L0 * L0 - 18 * kk * L0 + 6 * kk * kk * L0);
    se_k0 = std::max(0.0, 4 * std::sqrt(varSr) / (2 * kk - 1));
    // R's round(): half to even (L0 is never exactly half an integer: 2k - 1 is odd)
    k0 = std::max(0, static_cast<int>(std::nearbyint(L0)));
    if (k0 >= k) return fail("trim and fill estimated as many missing studies as observed ones");
  }
  out.k0 = k0;
  out.se_k0 = se_k0;

  EffectData filled = obs;  // observed studies in input order, then the filled ones
  for (int r = k - k0; r < k; ++r) {
    // metafor: yi.c - beta (= y - 2 beta), negated back on the right side, then mirrored
    const double twice = yc[r] - beta;
    const double fill = right ? twice : -twice;
    filled.yi.push_back(fill);
    filled.vi.push_back(v[r]);
    out.filled_yi.push_back(fill);
    out.filled_vi.push_back(v[r]);
    out.filled_from.push_back(keep[ix[r]]);
  }
  out.fit = detail::fit_rma(filled, method);
  detail::append_note(out.note, out.fit.note);
  return out;
}

}  // namespace hbm::freq
