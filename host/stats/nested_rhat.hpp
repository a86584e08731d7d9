// Nested R-hat of Margossian, Hoffman, Sountsov, Riou-Durand, Vehtari and Gelman (2024),
// "Nested R-hat: assessing the convergence of Markov chain Monte Carlo when running many short
// chains", Bayesian Analysis, doi:10.1214/24-BA1453 (arXiv:2110.13017).
//
// The chains are grouped into K superchains of M chains each (in the paper's nested design the
// M chains of a superchain start from one common point). With N draws per chain, f[n,m,k]:
//
//   chain mean        fbar[.,m,k] = (1/N) sum_n f[n,m,k]
//   superchain mean   fbar[.,.,k] = (1/M) sum_m fbar[.,m,k]   (= mean of all its draws)
//   overall mean      fbar[.,.,.] = (1/K) sum_k fbar[.,.,k]
//   B_nu  = 1/(K-1) sum_k (fbar[.,.,k] - fbar[.,.,.])^2          between superchains
//   B_k   = 1/(M-1) sum_m (fbar[.,m,k] - fbar[.,.,k])^2           0 when M = 1
//   W_k   = (1/M) sum_m 1/(N-1) sum_n (f[n,m,k] - fbar[.,m,k])^2  0 when N = 1
//   W_nu  = (1/K) sum_k (B_k + W_k)                               within superchains
//   R_nu  = sqrt(1 + B_nu / W_nu)
//
// This is also what the R package posterior (>= 1.5.0) computes in rhat_nested(superchain_ids);
// tests/nested_rhat_test.cpp checks it against values from an R script that follows posterior's
// code step by step (tests/fixtures/diagnose/rhat_nested_reference.R) to 1e-12.
// Unlike the basic R-hat, R_nu >= 1 always. With M = 1 it is
// sqrt(1 + var(chain means) / mean(chain variances)), which differs from the (non-split) basic
// R-hat sqrt((N-1)/N + var(chain means) / mean(chain variances)) by the 1/N inside the root
// (the paper's footnote on this). For draws at stationarity, R_nu^2 - 1 is about 1 / (M N_eff)
// (N_eff the effective draws per chain), so with short chains M must be large enough for R_nu
// to be able to fall below a threshold such as 1.01.
#pragma once
#include <cstddef>

#include "host/stats/diagnostics.hpp"

namespace hbm {

// Nested R-hat of `x` with its chains grouped into `superchains` superchains of consecutive
// chains: superchain k (0-based) holds chains k*M .. k*M + M - 1, M = x.chains / superchains.
// Throws std::invalid_argument when superchains < 1 or does not divide x.chains.
// Returns NaN (printed as NA / null) where posterior returns NA or the ratio is undefined:
// any non-finite draw, all draws equal (|max - min| < DBL_EPSILON), a single superchain
// (K = 1: no between-superchain variance), or M = 1 together with N = 1 (W_nu is 0 by design).
// Otherwise W_nu = 0 (every superchain constant, superchains differing) gives +infinity, as
// posterior's arithmetic does.
double rhat_nested(const ChainDraws& x, int superchains);

// The superchain count `hbmeta diagnose` uses unless --superchains is given:
//   chains >= 8 and chains % 4 == 0  ->  chains / 4 superchains of 4 consecutive chains
//                                        (chains 1-4, 5-8, ... in the order they are read);
//   otherwise                         ->  one chain per superchain (K = chains).
// Grouping chains that were in fact started independently is still a valid diagnostic but a
// less sensitive one (disagreement between chains of one superchain counts as within-superchain
// variance); one chain per superchain is the classical design, but then R_nu^2 - 1 is about
// 1/N_eff at stationarity, which exceeds 0.01 for chains shorter than ~100 effective draws.
int default_superchains(std::size_t chains);

// The many-short-chains regime (the GPU's: e.g. 2048 chains of 20 draws), where the split R-hat
// of each chain's two short halves is dominated by within-chain autocorrelation and so flags
// well-mixed runs: chains >= 64 and draws per chain < 100. There hbmeta fit bases its R-hat
// warning (and the report its flags) on the nested R-hat instead.
bool rhat_warning_uses_nested(std::size_t chains, std::size_t draws_per_chain);

}  // namespace hbm
