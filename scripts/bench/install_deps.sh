#!/usr/bin/env bash
# Installs the Debian packages the hbmeta-vs-rstan(-vs-JAGS) benchmark needs (scripts/bench/bench.sh).
# Non-interactive and idempotent: only packages that are not already installed are fetched.
# Debian packages only (no CRAN downloads): r-cran-rstan pulls in R, StanHeaders, Rcpp,
# RcppEigen, BH (-> libboost-dev) and a C++ toolchain; r-cran-jsonlite reads hbmeta's
# summary.json; r-cran-codetools only silences a warning when rstan loads; jags (the JAGS
# Gibbs sampler) + r-cran-rjags run the JAGS arm (scripts/bench/run_jags.R).
set -euo pipefail
pkgs=(r-base-core r-cran-rstan r-cran-jsonlite r-cran-codetools jags r-cran-rjags g++ make)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install_deps: all present (${pkgs[*]})"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_deps: done"
