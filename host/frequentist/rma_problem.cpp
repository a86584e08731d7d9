// Building a normal-normal model problem from (yi, vi, X), and its Q statistic and
// log-likelihood at a given tau^2.
#include "host/frequentist/rma_problem.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <vector>

#include "host/frequentist/projector.hpp"
#include "host/frequentist/result_helpers.hpp"

namespace hbm::freq::detail {

Problem make_problem(const EffectData& data, const MatrixXd& X, std::string& note, bool& x_ok) {
  Problem pr;
  x_ok = true;
  const std::size_t n = std::min(data.yi.size(), data.vi.size());
  std::vector<int> keep;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(data.yi[i]) && std::isfinite(data.vi[i]) && data.vi[i] > 0 &&
        (static_cast<Eigen::Index>(i) >= X.rows() || X.row(i).allFinite()))
      keep.push_back(static_cast<int>(i));
  }
  if (X.rows() != static_cast<Eigen::Index>(n)) {
    x_ok = false;
    note = "moderator matrix has " + std::to_string(X.rows()) + " rows for " + std::to_string(n) + " studies";
    return pr;
  }
  if (keep.size() < n)
    append_note(note, std::to_string(n - keep.size()) + " stud" + (n - keep.size() == 1 ? "y" : "ies") +
                          " without a finite effect and positive variance omitted");
  pr.k = static_cast<int>(keep.size());
  pr.p = static_cast<int>(X.cols());
  pr.y.resize(pr.k);
  pr.v.resize(pr.k);
  pr.X.resize(pr.k, pr.p);
  for (int r = 0; r < pr.k; ++r) {
    pr.y(r) = data.yi[keep[r]];
    pr.v(r) = data.vi[keep[r]];
    pr.X.row(r) = X.row(keep[r]);
  }
  pr.ymc = pr.y.array() - (pr.k > 0 ? pr.y.mean() : 0.0);
  if (pr.k > 0 && pr.p > 0) {
    Eigen::FullPivLU<MatrixXd> lu(pr.X);
    if (lu.rank() < pr.p) {
      x_ok = false;
      append_note(note, "model matrix not of full rank");
    }
  }
  return pr;
}

double q_at(const Problem& pr, double tau2) {
  const VectorXd w = (pr.v.array() + tau2).inverse().matrix();
  return Projector(pr.X, w).quad(pr.ymc);
}

double log_likelihood(const Problem& pr, double tau2, bool reml) {
  const VectorXd w = (pr.v.array() + tau2).inverse().matrix();
  const MatrixXd inv = xtwx_inverse(pr.X, w);
  const VectorXd beta = inv * (pr.X.transpose() * w.asDiagonal() * pr.ymc);
  const VectorXd r = pr.ymc - pr.X * beta;
  const double rss = (w.array() * r.array().square()).sum();
  const double logdet_v = (pr.v.array() + tau2).log().sum();
  const double two_pi = 2 * std::numbers::pi;
  if (!reml) return -0.5 * pr.k * std::log(two_pi) - 0.5 * logdet_v - 0.5 * rss;
  const MatrixXd XtWX = pr.X.transpose() * w.asDiagonal() * pr.X;
  const double logdet_x = std::log(XtWX.determinant());
  return -0.5 * (pr.k - pr.p) * std::log(two_pi) - 0.5 * logdet_v - 0.5 * logdet_x - 0.5 * rss;
}

}  // namespace hbm::freq::detail
