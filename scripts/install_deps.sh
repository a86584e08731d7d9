#!/usr/bin/env bash
# Installs the Debian packages hbmeta builds and tests with (idempotent: only what is missing).
#   scripts/install_deps.sh           what the build and the core test suite need (openmpi: the
#                                     MPI runs of hbmeta simulate and their test, docs/simulation.md)
#   scripts/install_deps.sh --tests   also what the interoperability tests use: headless Chromium
#                                     (renders the HTML report) and R with the posterior package
#                                     (reads the draws CSV); scripts/test.sh passes it
set -euo pipefail
pkgs=(cmake g++ make libeigen3-dev libboost-program-options-dev libboost-math-dev libgtest-dev googletest
      libnetcdf-dev python3-xarray python3-netcdf4 openmpi-bin libopenmpi-dev)
if [ "${1:-}" = "--tests" ]; then
  pkgs+=(chromium r-base-core r-cran-posterior)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
