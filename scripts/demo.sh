#!/usr/bin/env bash
# Fits every outcome of the bundled (simulated) rescue IVM / rescue ICSI dataset and prints the
# results table. Outputs go to demo-out/ (replaced on each run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
build/hbmeta fit data/rescue_simulated.csv --out demo-out --force --new-clinic-size 100 "$@"
echo
echo "summary.json, summary.csv and per-outcome draws are in $(pwd)/demo-out/"
