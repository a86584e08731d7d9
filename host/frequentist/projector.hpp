// The weighted residual projector of the normal-normal model, P = W - W X (X'WX)^-1 X' W, and
// the quantities metafor takes from it (not part of the public API).
#pragma once
#include <Eigen/Dense>

namespace hbm::freq::detail {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// (X' W X)^-1 for weights w.
inline MatrixXd xtwx_inverse(const MatrixXd& X, const VectorXd& w) {
  const MatrixXd XtWX = X.transpose() * w.asDiagonal() * X;
  return XtWX.ldlt().solve(MatrixXd::Identity(X.cols(), X.cols()));
}

// The weighted residual projector P = W - W X A X' W, A = (X'WX)^-1, never formed: every
// quantity metafor takes from P is computed in O(k p^2) from A and h_i = x_i' A x_i, so memory
// and time stay linear in the number of studies.
struct Projector {
  const MatrixXd& X;
  VectorXd w, h;
  MatrixXd A;

  Projector(const MatrixXd& X_, const VectorXd& w_) : X(X_), w(w_) {
    A = xtwx_inverse(X, w);
    h = ((X * A).array() * X.array()).rowwise().sum().matrix();
  }
  VectorXd apply(const VectorXd& y) const {  // P y
    const VectorXd wy = w.cwiseProduct(y);
    return wy - w.cwiseProduct(X * (A * (X.transpose() * wy)));
  }
  double quad(const VectorXd& y) const { return y.dot(apply(y)); }  // y' P y
  VectorXd diag() const { return w - w.cwiseAbs2().cwiseProduct(h); }
  double trace() const { return diag().sum(); }
  // sum_ij P_ij^2 = tr(P P) = tr(W^2) - 2 tr(W B) + tr(B B), B = W X A X' W, B_ii = w_i^2 h_i
  double frob2() const {
    const MatrixXd M = X.transpose() * w.cwiseAbs2().asDiagonal() * X;
    const MatrixXd AM = A * M;
    return w.squaredNorm() - 2 * (w.array().cube() * h.array()).sum() + (AM * AM).trace();
  }
  // sum_ij P_ij^2 v_i v_j = tr(P V P V)
  double frob2_vv(const VectorXd& v) const {
    const VectorXd wv = w.cwiseProduct(v);
    const MatrixXd N = X.transpose() * wv.cwiseProduct(w).asDiagonal() * X;
    const MatrixXd AN = A * N;
    return wv.squaredNorm() - 2 * (w.array().cube() * v.array().square() * h.array()).sum() + (AN * AN).trace();
  }
  // sum_ij P_ij^2 v_j = tr(V P P)
  double frob2_v(const VectorXd& v) const {
    const MatrixXd M = X.transpose() * w.cwiseAbs2().asDiagonal() * X;
    const MatrixXd N = X.transpose() * (w.cwiseProduct(v).cwiseProduct(w)).asDiagonal() * X;
    return (v.array() * w.array().square()).sum() - 2 * (v.array() * w.array().cube() * h.array()).sum() +
           (A * N * A * M).trace();
  }
};

}  // namespace hbm::freq::detail
