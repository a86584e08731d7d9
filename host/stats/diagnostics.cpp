// Convergence diagnostics reproducing the R package posterior 1.4.0 (R/convergence.R).
//
// Conventions taken from posterior's R source (numbers refer to posterior 1.4.0):
//  * split chains: a chain of n draws becomes draws [1, floor(n/2)] and
//    [ceiling(n/2 + 1), n] (1-based), so for odd n the middle draw is dropped. The resulting
//    matrix has the first halves of all chains as its first columns, then the second halves.
//    A chain of a single draw is not split.
//  * z_scale: ranks over ALL values of the (split) matrix, ties averaged, then
//    qnorm((r - 3/8) / (S + 1/4)) (Blom's offset, S = number of values).
//  * folding: abs(x - median(x)), the median taken over all draws (before splitting).
//  * autocovariance: posterior 1.4.0 computes it by FFT as
//      ac <- Re(fft(abs(fft(yc))^2, inverse = TRUE)[1:N]); ac / ac[1] * var(x) * (N - 1) / N
//    i.e. exactly the biased estimator (1/N) sum_t yc[t] yc[t+k] (zero for constant x). The
//    older form Re(ac)[1:N] / (N^2 * 2) with fft_next_good_size padding carried a spurious
//    factor M/N whenever N is not 5-smooth; it was fixed (posterior #126, #199) in 2021, long
//    before 1.4.0, so it is not reproduced. (For 5-smooth N the two forms coincide.) Lags are
//    computed directly and lazily, switching to a radix-2 FFT of our own when Geyer's sequence
//    needs many lags.
//  * ESS: Geyer's initial positive sequence and initial monotone sequence with posterior's
//    loop bounds, the "improved" tau estimate -1 + 2 * sum(rho[1:max_t]) + rho[max_t + 1]
//    (R's 1:0 == c(1, 0) when max_t == 0, which sums rho[1] = 1), and
//    tau = max(tau, 1 / log10(chains * iterations)).
//  * quantiles: R's type-7 quantile; quantile ESS uses the indicator x <= quantile(x, prob).
//  * mcse_quantile: qbeta(c(0.1586553, 0.8413447), ess * p + 1, ess * (1 - p) + 1), then
//    (sorted[min(ceiling(a2 * S), S)] - sorted[max(floor(a1 * S), 1)]) / 2.
//  * NA: a matrix is rejected when it has non-finite values or is constant
//    (|max - min| < .Machine$double.eps), and ESS needs at least 3 iterations per split chain.
//    One deliberate simplification: if ANY draw is non-finite, every statistic is NaN. (In R,
//    NaN draws give NA or an error; rank-based rhat/ess_bulk of draws containing +-Inf can
//    come out finite in R. hbmeta treats non-finite draws as a failed run instead.)
//  * ess_quantile(prob = 1) is NaN (the indicator x <= max(x) is constant; posterior versions
//    after 1.4.0 special-case prob = 1); probs outside [0, 1] (an error in R) give NaN.
#include "host/stats/diagnostics.hpp"
#include "host/stats/normal_quantile.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/beta.hpp>

namespace hbm {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kEps = std::numeric_limits<double>::epsilon();  // .Machine$double.eps

// Column-major matrix: `cols` columns of `rows` consecutive values (one column per split chain).
struct Matrix {
  std::vector<double> v;
  std::size_t rows = 0;
  std::size_t cols = 0;
  const double* col(std::size_t j) const { return v.data() + j * rows; }
};

// R's mean(): long-double sum, then one refinement pass.
double r_mean(const double* x, std::size_t n) {
  if (n == 0) return kNaN;
  long double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  s /= static_cast<long double>(n);
  if (std::isfinite(static_cast<double>(s))) {
    long double t = 0;
    for (std::size_t i = 0; i < n; ++i) t += x[i] - s;
    s += t / static_cast<long double>(n);
  }
  return static_cast<double>(s);
}

// R's var(): denominator n - 1, NaN for fewer than two values.
double r_var(const double* x, std::size_t n) {
  if (n < 2) return kNaN;
  const long double m = r_mean(x, n);
  long double ss = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const long double d = x[i] - m;
    ss += d * d;
  }
  return static_cast<double>(ss / static_cast<long double>(n - 1));
}

bool all_finite(const double* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return false;
  return true;
}

// posterior's is_constant(): abs(max(x) - min(x)) < .Machine$double.eps.
bool is_constant(const double* x, std::size_t n) {
  if (n == 0) return true;
  const auto [lo, hi] = std::minmax_element(x, x + n);
  return std::fabs(*hi - *lo) < kEps;
}

// posterior's should_return_NA(): any NA/non-finite value, or constant input.
bool should_return_na(const double* x, std::size_t n) {
  return !all_finite(x, n) || is_constant(x, n);
}

bool usable(const ChainDraws& x) {
  return x.data != nullptr && x.chains > 0 && x.draws > 0 &&
         all_finite(x.data, x.chains * x.draws);
}

// posterior's .split_chains() applied to f(draw).
template <class F>
Matrix split_chains(const ChainDraws& x, F&& f) {
  Matrix m;
  const std::size_t n = x.draws;
  if (n == 1) {
    m.rows = 1;
    m.cols = x.chains;
    m.v.resize(x.chains);
    for (std::size_t c = 0; c < x.chains; ++c) m.v[c] = f(x.at(c, 0));
    return m;
  }
  const std::size_t half = n / 2;          // floor(n / 2)
  const std::size_t second = n - half;     // 0-based start of ceiling(n/2 + 1):n
  m.rows = half;
  m.cols = 2 * x.chains;
  m.v.resize(m.rows * m.cols);
  for (std::size_t c = 0; c < x.chains; ++c) {
    double* first_half = m.v.data() + c * half;
    double* second_half = m.v.data() + (x.chains + c) * half;
    for (std::size_t t = 0; t < half; ++t) {
      first_half[t] = f(x.at(c, t));
      second_half[t] = f(x.at(c, second + t));
    }
  }
  return m;
}

Matrix split_chains(const ChainDraws& x) {
  return split_chains(x, [](double v) { return v; });
}

// R's quantile(x, prob, type = 7) of already sorted values.
double quantile7(const std::vector<double>& sorted, double prob) {
  const std::size_t n = sorted.size();
  const double index = 1.0 + static_cast<double>(n - 1) * prob;
  const double lo = std::floor(index);
  const double hi = std::ceil(index);
  double qs = sorted[static_cast<std::size_t>(lo) - 1];
  const double xhi = sorted[static_cast<std::size_t>(hi) - 1];
  if (index > lo && xhi != qs) {
    const double h = index - lo;
    qs = (1.0 - h) * qs + h * xhi;
  }
  return qs;
}

// R's median().
double median_sorted(const std::vector<double>& sorted) {
  const std::size_t n = sorted.size();
  const std::size_t half = n / 2;
  if (n % 2 == 1) return sorted[half];
  const double both[2] = {sorted[half - 1], sorted[half]};
  return r_mean(both, 2);
}

// All draws sorted once (values with their chain-major positions); every rank-based quantity
// (quantiles, median, z-scaled bulk and folded draws) is derived from this single sort.
struct SortedDraws {
  std::vector<double> values;     // ascending
  std::vector<std::size_t> where;  // where[i]: index into ChainDraws::data of values[i]
};

// Sorting key of a finite double: its bits as an unsigned integer that orders as the doubles do
// (sign bit set for positives, every bit flipped for negatives; -0 sorts just below +0, and the
// rank statistics treat them as the tie they are, by value).
std::uint64_t sort_key(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return (b >> 63) ? ~b : (b | (std::uint64_t{1} << 63));
}

// A least-significant-digit radix sort of the keys with their positions (11-bit digits, six
// passes, skipping a digit that every key shares: the sign and exponent bits of draws of one
// quantity mostly are). Several times faster than comparison sorting the thousands of draws of
// every study effect, which the summaries of a fit are mostly made of. Stable, so equal draws
// keep chain-major order (nothing depends on the order of ties).
SortedDraws sort_draws(const ChainDraws& x) {
  const std::size_t s = x.chains * x.draws;
  constexpr int kBits = 11, kPasses = 6;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  std::vector<std::uint64_t> key(s), key2(s);
  std::vector<std::size_t> pos(s), pos2(s);
  for (std::size_t i = 0; i < s; ++i) {
    key[i] = sort_key(x.data[i]);
    pos[i] = i;
  }
  std::vector<std::size_t> count(kBuckets);
  for (int pass = 0; pass < kPasses; ++pass) {
    const int shift = pass * kBits;
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < s; ++i) ++count[(key[i] >> shift) & (kBuckets - 1)];
    if (s == 0 || count[(key[0] >> shift) & (kBuckets - 1)] == s) continue;  // one digit for all
    std::size_t sum = 0;
    for (std::size_t& c : count) {
      const std::size_t n = c;
      c = sum;
      sum += n;
    }
    for (std::size_t i = 0; i < s; ++i) {
      const std::size_t to = count[(key[i] >> shift) & (kBuckets - 1)]++;
      key2[to] = key[i];
      pos2[to] = pos[i];
    }
    key.swap(key2);
    pos.swap(pos2);
  }
  SortedDraws out;
  out.values.resize(s);
  for (std::size_t i = 0; i < s; ++i) out.values[i] = x.data[pos[i]];
  out.where = std::move(pos);
  return out;
}

// Position of draw data[flat] in the split-chain matrix of split_chains(), or kDropped when the
// draw is dropped (the middle draw of an odd-length chain).
constexpr std::size_t kDropped = static_cast<std::size_t>(-1);
std::size_t split_position(const ChainDraws& x, std::size_t flat) {
  const std::size_t c = flat / x.draws, t = flat % x.draws;
  if (x.draws == 1) return c;
  const std::size_t half = x.draws / 2, second = x.draws - half;
  if (t < half) return c * half + t;
  if (t >= second) return (x.chains + c) * half + (t - second);
  return kDropped;
}

// posterior's z_scale() of a split-chain matrix, given the matrix's entries in ascending order
// as (value, matrix position) pairs: ties get their average rank r, then
// z = qnorm((r - 3/8) / (S + 1/4)).
void assign_z_scores(const std::vector<std::pair<double, std::size_t>>& ascending, Matrix& m) {
  const std::size_t s = ascending.size();
  const double denom = static_cast<double>(s) - 2.0 * 0.375 + 1.0;
  std::size_t i = 0;
  while (i < s) {
    std::size_t j = i + 1;
    while (j < s && ascending[j].first == ascending[i].first) ++j;
    // ranks i+1 .. j (1-based) share their average
    const double rank = 0.5 * (static_cast<double>(i + 1) + static_cast<double>(j));
    const double z = normal_quantile((rank - 0.375) / denom);
    for (std::size_t k = i; k < j; ++k) m.v[ascending[k].second] = z;
    i = j;
  }
}

Matrix empty_split(const ChainDraws& x) {
  Matrix m;
  if (x.draws == 1) {
    m.rows = 1;
    m.cols = x.chains;
  } else {
    m.rows = x.draws / 2;
    m.cols = 2 * x.chains;
  }
  m.v.assign(m.rows * m.cols, 0.0);
  return m;
}

// z_scale(split_chains(x)).
Matrix z_scaled_split(const ChainDraws& x, const SortedDraws& sorted) {
  Matrix m = empty_split(x);
  std::vector<std::pair<double, std::size_t>> ascending;
  ascending.reserve(m.v.size());
  for (std::size_t i = 0; i < sorted.values.size(); ++i) {
    const std::size_t pos = split_position(x, sorted.where[i]);
    if (pos != kDropped) ascending.emplace_back(sorted.values[i], pos);
  }
  assign_z_scores(ascending, m);
  return m;
}

// z_scale(split_chains(abs(x - median))). The folded values are sorted by merging the draws
// below the median (walked downwards) with those from the median up: rounding is monotone, so
// abs(v - med) is non-decreasing along each walk and the merge is an exact sort.
Matrix z_scaled_folded_split(const ChainDraws& x, const SortedDraws& sorted, double med) {
  Matrix m = empty_split(x);
  const std::vector<double>& v = sorted.values;
  const std::size_t s = v.size();
  const std::size_t mid =
      static_cast<std::size_t>(std::lower_bound(v.begin(), v.end(), med) - v.begin());
  std::vector<std::pair<double, std::size_t>> ascending;
  ascending.reserve(m.v.size());
  std::size_t lo = mid, hi = mid;  // next below: lo - 1; next above: hi
  while (lo > 0 || hi < s) {
    std::size_t i;
    if (hi == s || (lo > 0 && std::fabs(v[lo - 1] - med) <= std::fabs(v[hi] - med))) {
      i = --lo;
    } else {
      i = hi++;
    }
    const std::size_t pos = split_position(x, sorted.where[i]);
    if (pos != kDropped) ascending.emplace_back(std::fabs(v[i] - med), pos);
  }
  assign_z_scores(ascending, m);
  return m;
}

// posterior's .rhat() on an (already split / transformed) matrix.
double rhat_core(const Matrix& m) {
  if (m.v.empty() || should_return_na(m.v.data(), m.v.size())) return kNaN;
  const std::size_t n = m.rows;
  std::vector<double> chain_mean(m.cols), chain_var(m.cols);
  for (std::size_t j = 0; j < m.cols; ++j) {
    chain_mean[j] = r_mean(m.col(j), n);
    chain_var[j] = r_var(m.col(j), n);
  }
  const double var_between = static_cast<double>(n) * r_var(chain_mean.data(), m.cols);
  const double var_within = r_mean(chain_var.data(), m.cols);
  const double dn = static_cast<double>(n);
  return std::sqrt((var_between / var_within + dn - 1.0) / dn);
}

// ---- autocovariance -----------------------------------------------------------------------

// In-place iterative radix-2 FFT of size p = a.size() (a power of two); twiddle[k] holds
// exp(-2 pi i k / p) for k < p / 2. `inverse` conjugates the twiddles and does not scale by 1/p.
void fft_inplace(std::vector<std::complex<double>>& a,
                 const std::vector<std::complex<double>>& twiddle, bool inverse) {
  const std::size_t p = a.size();
  for (std::size_t i = 1, j = 0; i < p; ++i) {
    std::size_t bit = p >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= p; len <<= 1) {
    const std::size_t halflen = len / 2, stride = p / len;
    for (std::size_t i = 0; i < p; i += len) {
      for (std::size_t k = 0; k < halflen; ++k) {
        // plain complex product (std::complex operator* goes through __muldc3's NaN handling)
        const double wr = twiddle[k * stride].real();
        const double wi = inverse ? -twiddle[k * stride].imag() : twiddle[k * stride].imag();
        const std::complex<double> u = a[i + k];
        const std::complex<double> b = a[i + k + halflen];
        const std::complex<double> v{b.real() * wr - b.imag() * wi, b.real() * wi + b.imag() * wr};
        a[i + k] = u + v;
        a[i + k + halflen] = u - v;
      }
    }
  }
}

std::vector<std::complex<double>> fft_twiddles(std::size_t p) {
  const double pi = 3.14159265358979323846;
  std::vector<std::complex<double>> w(p / 2);
  for (std::size_t k = 0; k < p / 2; ++k) {
    const double ang = 2.0 * pi * static_cast<double>(k) / static_cast<double>(p);
    w[k] = {std::cos(ang), -std::sin(ang)};
  }
  return w;
}

// Chain-averaged biased autocovariances acov_mean[k] = mean_c (1/N) sum_t yc[t] yc[t+k],
// computed on demand: directly for small lags, all at once by FFT when many are needed.
class AcovMeans {
 public:
  explicit AcovMeans(const Matrix& m) : n_(m.rows), c_(m.cols), yc_(m.v.size()) {
    for (std::size_t j = 0; j < c_; ++j) {
      const double* x = m.col(j);
      double* y = yc_.data() + j * n_;
      if (is_constant_exact(x, n_)) {
        std::fill(y, y + n_, 0.0);  // posterior: zero autocovariance when var(x) == 0
        continue;
      }
      const double mu = r_mean(x, n_);
      for (std::size_t t = 0; t < n_; ++t) y[t] = x[t] - mu;
    }
    std::size_t p = 1, log2p = 0;
    while (p < 2 * n_) {
      p <<= 1;
      ++log2p;
    }
    direct_limit_ = 4 * log2p + 8;
  }

  double operator()(std::size_t lag) {
    if (lag >= n_) return 0.0;
    if (lag < cache_.size()) return cache_[lag];
    if (lag >= direct_limit_) {
      fill_by_fft();
      return cache_[lag];
    }
    while (cache_.size() <= lag) cache_.push_back(direct(cache_.size()));
    return cache_[lag];
  }

 private:
  static bool is_constant_exact(const double* x, std::size_t n) {
    for (std::size_t i = 1; i < n; ++i)
      if (x[i] != x[0]) return false;
    return true;
  }

  double direct(std::size_t lag) const {
    double total = 0;
    const std::size_t len = n_ - lag;
    for (std::size_t j = 0; j < c_; ++j) {
      const double* y = yc_.data() + j * n_;
      const double* z = y + lag;
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      std::size_t t = 0;
      for (; t + 4 <= len; t += 4) {
        s0 += y[t] * z[t];
        s1 += y[t + 1] * z[t + 1];
        s2 += y[t + 2] * z[t + 2];
        s3 += y[t + 3] * z[t + 3];
      }
      for (; t < len; ++t) s0 += y[t] * z[t];
      total += ((s0 + s1) + (s2 + s3)) / static_cast<double>(n_);
    }
    return total / static_cast<double>(c_);
  }

  void fill_by_fft() {
    std::size_t p = 1;
    while (p < 2 * n_) p <<= 1;  // zero padding to >= 2N avoids circular wrap-around
    const std::vector<std::complex<double>> twiddle = fft_twiddles(p);
    std::vector<double> power(p, 0.0);
    std::vector<std::complex<double>> z(p);
    // Two real chains per complex transform: z = a + i b, then
    // |A_k|^2 + |B_k|^2 = (|Z_k|^2 + |Z_{P-k}|^2) / 2.
    for (std::size_t j = 0; j < c_; j += 2) {
      const double* a = yc_.data() + j * n_;
      const double* b = (j + 1 < c_) ? yc_.data() + (j + 1) * n_ : nullptr;
      for (std::size_t t = 0; t < p; ++t) z[t] = {0.0, 0.0};
      for (std::size_t t = 0; t < n_; ++t) z[t] = {a[t], b ? b[t] : 0.0};
      fft_inplace(z, twiddle, false);
      for (std::size_t k = 0; k < p; ++k) {
        const std::size_t kr = (p - k) % p;
        power[k] += 0.5 * (std::norm(z[k]) + std::norm(z[kr]));
      }
    }
    for (std::size_t k = 0; k < p; ++k) z[k] = {power[k], 0.0};
    fft_inplace(z, twiddle, true);
    const double scale = 1.0 / (static_cast<double>(p) * static_cast<double>(n_) *
                                static_cast<double>(c_));
    const std::size_t have = cache_.size();
    cache_.resize(n_);
    for (std::size_t k = have; k < n_; ++k) cache_[k] = z[k].real() * scale;
  }

  std::size_t n_, c_;
  std::vector<double> yc_;  // centred columns
  std::vector<double> cache_;
  std::size_t direct_limit_ = 0;
};

// posterior's .ess() on an (already split / transformed) matrix.
double ess_core(const Matrix& m) {
  const std::size_t nchains = m.cols;
  const std::size_t niter = m.rows;
  if (niter < 3 || m.v.empty() || should_return_na(m.v.data(), m.v.size())) return kNaN;
  AcovMeans acov(m);
  const double dn = static_cast<double>(niter);
  const double mean_var = acov(0) * dn / (dn - 1.0);
  double var_plus = mean_var * (dn - 1.0) / dn;
  if (nchains > 1) {
    std::vector<double> chain_mean(nchains);
    for (std::size_t j = 0; j < nchains; ++j) chain_mean[j] = r_mean(m.col(j), niter);
    var_plus += r_var(chain_mean.data(), nchains);
  }
  auto rho = [&](std::size_t lag) { return 1.0 - (mean_var - acov(lag)) / var_plus; };

  // Geyer's initial positive sequence (0-based: rho_hat[k] is lag k).
  std::vector<double> rho_hat(niter, 0.0);
  const long long limit = static_cast<long long>(niter) - 5;  // t < NROW(acov) - 5
  long long t = 0;
  double rho_even = 1.0;
  rho_hat[0] = rho_even;
  double rho_odd = rho(1);
  rho_hat[1] = rho_odd;
  while (t < limit && !std::isnan(rho_even + rho_odd) && (rho_even + rho_odd > 0)) {
    t += 2;
    rho_even = rho(static_cast<std::size_t>(t));
    rho_odd = rho(static_cast<std::size_t>(t + 1));
    if (rho_even + rho_odd >= 0) {
      rho_hat[t] = rho_even;
      rho_hat[t + 1] = rho_odd;
    }
  }
  const long long max_t = t;
  if (rho_even > 0) rho_hat[max_t] = rho_even;  // used in the improved estimate

  // Geyer's initial monotone sequence.
  t = 0;
  while (t <= max_t - 4) {
    t += 2;
    if (rho_hat[t] + rho_hat[t + 1] > rho_hat[t - 2] + rho_hat[t - 1]) {
      rho_hat[t] = (rho_hat[t - 2] + rho_hat[t - 1]) / 2.0;
      rho_hat[t + 1] = rho_hat[t];
    }
  }
  const double ess = static_cast<double>(nchains) * dn;
  // R: sum(rho_hat_t[1:max_t]); for max_t == 0, 1:0 is c(1, 0), selecting rho_hat_t[1].
  double sum = 0.0;
  if (max_t == 0) {
    sum = rho_hat[0];
  } else {
    for (long long k = 0; k < max_t; ++k) sum += rho_hat[k];
  }
  double tau_hat = -1.0 + 2.0 * sum + rho_hat[max_t];
  const double tau_bound = 1.0 / std::log10(ess);
  if (tau_hat < tau_bound) tau_hat = tau_bound;  // NaN stays NaN, as with R's max()
  return ess / tau_hat;
}

double ess_quantile_sorted(const ChainDraws& x, const std::vector<double>& sorted, double prob) {
  if (!(prob >= 0.0 && prob <= 1.0)) return kNaN;
  if (sorted.front() == sorted.back()) return kNaN;  // should_return_NA(x): constant draws
  const double q = quantile7(sorted, prob);
  return ess_core(split_chains(x, [q](double v) { return v <= q ? 1.0 : 0.0; }));
}

double mcse_quantile_sorted(const std::vector<double>& sorted, double prob, double ess) {
  if (std::isnan(ess)) return kNaN;
  const double p1 = 0.1586553, p2 = 0.8413447;
  const double a_shape = ess * prob + 1.0, b_shape = ess * (1.0 - prob) + 1.0;
  double a1, a2;
  try {
    a1 = boost::math::ibeta_inv(a_shape, b_shape, p1);
    a2 = boost::math::ibeta_inv(a_shape, b_shape, p2);
  } catch (...) {
    return kNaN;
  }
  const double s = static_cast<double>(sorted.size());
  const double i1 = std::max(std::floor(a1 * s), 1.0);  // 1-based
  const double i2 = std::min(std::ceil(a2 * s), s);
  const double th1 = sorted[static_cast<std::size_t>(i1) - 1];
  const double th2 = sorted[static_cast<std::size_t>(i2) - 1];
  return (th2 - th1) / 2.0;
}

double max_na(double a, double b) {
  return (std::isnan(a) || std::isnan(b)) ? kNaN : std::max(a, b);
}
double min_na(double a, double b) {
  return (std::isnan(a) || std::isnan(b)) ? kNaN : std::min(a, b);
}

std::vector<double> sorted_values(const ChainDraws& x) {
  std::vector<double> s(x.data, x.data + x.chains * x.draws);
  std::sort(s.begin(), s.end());
  return s;
}

double sd_all(const ChainDraws& x) { return std::sqrt(r_var(x.data, x.chains * x.draws)); }

}  // namespace

double rhat(const ChainDraws& x) {
  if (!usable(x)) return kNaN;
  const SortedDraws sorted = sort_draws(x);
  const double med = median_sorted(sorted.values);
  return max_na(rhat_core(z_scaled_split(x, sorted)),
                rhat_core(z_scaled_folded_split(x, sorted, med)));
}

double rhat_basic(const ChainDraws& x) {
  if (!usable(x)) return kNaN;
  return rhat_core(split_chains(x));
}

double ess_bulk(const ChainDraws& x) {
  if (!usable(x)) return kNaN;
  return ess_core(z_scaled_split(x, sort_draws(x)));
}

double ess_tail(const ChainDraws& x) {
  if (!usable(x)) return kNaN;
  const std::vector<double> sorted = sorted_values(x);
  return min_na(ess_quantile_sorted(x, sorted, 0.05), ess_quantile_sorted(x, sorted, 0.95));
}

double ess_basic(const ChainDraws& x) {
  if (!usable(x)) return kNaN;
  return ess_core(split_chains(x));
}

double ess_mean(const ChainDraws& x) { return ess_basic(x); }

double ess_quantile(const ChainDraws& x, double prob) {
  if (!usable(x)) return kNaN;
  return ess_quantile_sorted(x, sorted_values(x), prob);
}

double mcse_mean(const ChainDraws& x) {
  if (!usable(x)) return kNaN;
  return sd_all(x) / std::sqrt(ess_mean(x));
}

double mcse_quantile(const ChainDraws& x, double prob) {
  if (!usable(x)) return kNaN;
  const std::vector<double> sorted = sorted_values(x);
  return mcse_quantile_sorted(sorted, prob, ess_quantile_sorted(x, sorted, prob));
}

namespace {

// diagnose() given x's sort.
Diagnostics diagnose_sorted(const ChainDraws& x, const SortedDraws& sorted) {
  Diagnostics d{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
  {
    const Matrix split = split_chains(x);
    d.rhat_basic = rhat_core(split);
    d.ess_basic = ess_core(split);  // ess_basic(split = TRUE) == ess_mean
  }
  {
    const Matrix bulk = z_scaled_split(x, sorted);
    d.ess_bulk = ess_core(bulk);
    const double med = median_sorted(sorted.values);
    d.rhat = max_na(rhat_core(bulk), rhat_core(z_scaled_folded_split(x, sorted, med)));
  }
  const double ess_q05 = ess_quantile_sorted(x, sorted.values, 0.05);
  const double ess_q95 = ess_quantile_sorted(x, sorted.values, 0.95);
  d.ess_tail = min_na(ess_q05, ess_q95);
  d.mcse_mean = sd_all(x) / std::sqrt(d.ess_basic);
  d.mcse_q05 = mcse_quantile_sorted(sorted.values, 0.05, ess_q05);
  d.mcse_q95 = mcse_quantile_sorted(sorted.values, 0.95, ess_q95);
  return d;
}

}  // namespace

Diagnostics diagnose(const ChainDraws& x, std::vector<double>* sorted_values) {
  if (sorted_values) sorted_values->clear();
  if (!usable(x)) return Diagnostics{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
  const SortedDraws sorted = sort_draws(x);
  if (sorted_values) *sorted_values = sorted.values;
  return diagnose_sorted(x, sorted);
}

// y = f(x) with f increasing puts the draws in x's order, so y needs no sort of its own: x's
// order is a sort of y wherever y is non-decreasing along it (checked; f may also tie draws that
// x had apart, e.g. rates within an ulp of 1, which the statistics handle as any ties). Ranks
// are not shared: the sampler's block moves leave near-copies of a draw an ulp apart in x that
// f rounds to one value, so x's and y's ties differ in almost every run.
std::pair<Diagnostics, Diagnostics> diagnose_increasing(const ChainDraws& x, const ChainDraws& y,
                                                        std::vector<double>* sorted_x, std::vector<double>* sorted_y) {
  const auto separately = [&] { return std::make_pair(diagnose(x, sorted_x), diagnose(y, sorted_y)); };
  if (!usable(x) || !usable(y) || x.chains != y.chains || x.draws != y.draws) return separately();
  SortedDraws sx = sort_draws(x);
  SortedDraws sy;
  sy.values.resize(sx.values.size());
  for (std::size_t i = 0; i < sx.values.size(); ++i) sy.values[i] = y.data[sx.where[i]];
  for (std::size_t i = 1; i < sy.values.size(); ++i)
    if (!(sy.values[i - 1] <= sy.values[i])) return separately();
  sy.where = sx.where;
  const Diagnostics dx = diagnose_sorted(x, sx), dy = diagnose_sorted(y, sy);
  if (sorted_x) *sorted_x = std::move(sx.values);
  if (sorted_y) *sorted_y = std::move(sy.values);
  return {dx, dy};
}

double ebfmi(const double* energy, std::size_t n) {
  if (energy == nullptr || n < 2) return std::numeric_limits<double>::quiet_NaN();
  for (std::size_t t = 0; t < n; ++t)
    if (!std::isfinite(energy[t])) return std::numeric_limits<double>::quiet_NaN();
  long double mean = 0;
  for (std::size_t t = 0; t < n; ++t) mean += energy[t];
  mean /= static_cast<long double>(n);
  long double num = 0, den = 0;
  for (std::size_t t = 0; t < n; ++t) {
    const long double d = energy[t] - mean;
    den += d * d;
    if (t > 0) {
      const long double step = static_cast<long double>(energy[t]) - energy[t - 1];
      num += step * step;
    }
  }
  if (den == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(num / den);
}

}  // namespace hbm
