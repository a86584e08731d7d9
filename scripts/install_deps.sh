#!/usr/bin/env bash
# Installs the Debian packages hbmeta builds and tests with (idempotent: only what is missing).
set -euo pipefail
pkgs=(cmake g++ make libeigen3-dev libboost-program-options-dev libboost-math-dev libgtest-dev googletest
      libnetcdf-dev python3-xarray python3-netcdf4)
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
