#!/usr/bin/env bash
# Fits every outcome of the bundled (simulated) rescue IVM / rescue ICSI dataset, prints the
# results tables and writes the HTML report. Outputs go to demo-out/ (replaced on each run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
# --unit clinic: the rescue IVM / ICSI studies are clinics' series, and the prediction is for a new clinic.
build/hbmeta fit data/rescue_simulated.csv --out demo-out --force --new-clinic-size 100 --unit clinic --report "$@"
echo
echo "report: $(pwd)/demo-out/report.html (one self-contained page: open it in a web browser, e.g."
echo "        xdg-open demo-out/report.html on Linux, open demo-out/report.html on macOS)"
echo "tables: demo-out/summary.json and demo-out/summary.csv; draws: demo-out/draws/"
