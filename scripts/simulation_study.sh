#!/usr/bin/env bash
# The full known-truth simulation study of docs/simulation.md: 1000 replicates of each scenario
# of data/scenarios_coverage.json (Bayesian 95% CrI calibration at K = 10; DL's under-coverage
# at K = 5, tau = 0.5; a two-arm log OR scenario), 16 chains x 1000 draws (500 warmup) per fit
# (the CPU defaults; with 8 x 300, as in the CI test, R-hat > 1.01 flags ~40% of the fits).
# The CI test (tests/simulate_test.cpp) runs a 500-replicate version of the first two.
#   scripts/simulation_study.sh [BUILD_DIR] [OUT_DIR]      (default build, simulation-study)
# Extra arguments after OUT_DIR go to hbmeta simulate (e.g. --device cuda, --reps 4000).
# With MPI:  mpirun -np 2 BUILD_DIR/hbmeta simulate ...  gives the same table.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
out="${2:-simulation-study}"
shift $(( $# > 2 ? 2 : $# )) || true
if [ ! -x "$build/hbmeta" ]; then
  "$here/scripts/build.sh" >/dev/null
  build="$here/build"
fi
time "$build/hbmeta" simulate --scenario "$here/data/scenarios_coverage.json" --reps 1000 --seed 20251201 \
  --chains 16 --warmup 500 --draws 1000 --out "$out" --force "$@"
