#!/usr/bin/env bash
# Throughput of simulation-study-sized batches (docs/benchmarks.md, "Batch throughput"): datasets
# per second to R-hat < 1.01 and bulk ESS >= 400 for mu and tau, `hbmeta batch` on the CPU (the
# batched engine, every dataset's chains in the same launches, 2 threads) vs rstan fitting the
# same datasets one after another (scripts/bench/run_rstan_loop.R, cores = 2).
#   scripts/bench/batch_throughput.sh [BUILD_DIR] [DATASETS] [K]     (defaults build 200 20)
# Datasets: single-arm, K studies of n ~ U{50..200}, mu = logit(0.3), tau = 0.5, simulated by
# `hbmeta simulate --write-data` (seed 1). Both samplers: mu ~ normal(0,10), tau ~ half-normal(1).
# hbmeta: its CPU defaults (16 chains x 500 warmup + 1000 draws), --frequentist none, wall time
# of the whole command (start-up, CSV, sampling, summaries, outputs). rstan: 4 chains x 1000
# warmup + 1000 draws, compile not timed. On a GPU add HBMETA_BATCH_ARGS="--device cuda".
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$here/build}"
n="${2:-200}"
k="${3:-20}"
work="$(mktemp -d /tmp/hbmeta-batch-bench.XXXXXX)"
cat >"$work/scenario.json" <<JSON
{"scenarios": [{"name": "bench", "k": $k, "study_size": {"uniform": [50, 200]}, "mu": -0.8472978603872037,
  "tau": 0.5, "methods": []}]}
JSON
"$build/hbmeta" simulate --scenario "$work/scenario.json" --reps "$n" --seed 1 --write-data --chains 1 --warmup 0 \
  --draws 4 --quiet --out "$work/sim" >/dev/null 2>&1
data="$work/sim/simulated_data.csv"
start=$(date +%s.%N)
"$build/hbmeta" batch "$data" --threads 2 --frequentist none --quiet --out "$work/batch" ${HBMETA_BATCH_ARGS:-}
end=$(date +%s.%N)
wall=$(echo "$end - $start" | bc -l)
conv=$(python3 -c "import json,sys; d=json.load(open('$work/batch/batch_info.json')); print(d['units'] - d['units_not_converged'])")
echo "sampler,datasets,converged,wall_s,datasets_per_s,converged_per_s"
python3 -c "print('hbmeta-cpu,%d,%d,%.2f,%.3f,%.3f' % ($n, $conv, $wall, $n / $wall, $conv / $wall))"
echo "rstan-loop,$(Rscript "$here/scripts/bench/run_rstan_loop.R" "$data")"
rm -rf "$work"
