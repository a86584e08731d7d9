#!/usr/bin/env bash
# Configures and builds hbmeta into build/ (CUDA sources too when nvcc is present).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
