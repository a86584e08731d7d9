#!/usr/bin/env bash
# Wall time of `hbmeta fit --sensitivity all` against a single fit of the same outcome, and the
# equivalent rstan loop (docs/benchmarks.md, "Sensitivity analyses").
#   scripts/bench/sensitivity_timing.sh [BUILD_DIR] [K]     (defaults build 20)
# Data: one single-arm outcome of K studies (n ~ U{50..200}, mu = logit(0.3), tau = 0.5, simulated
# by `hbmeta simulate --write-data`, seed 1), with a column `year` (1990 + study index) and a
# column `group` (two levels, alternating). hbmeta: 16 chains on 2 threads (CPU defaults: 500
# warmup + 1000 draws; each variant 250 + 250), --frequentist basic, wall time of the whole
# command, median of 3. `--sensitivity all --cumulative year --subgroups group` fits K
# leave-one-out, K cumulative, 4 prior and 2 subgroup variants. rstan: the same 2K + 6 fits one after another
# (scripts/bench/run_rstan_loop.R: 4 chains x 1000 warmup + 1000 draws, cores = 2, compile not
# timed; the 4 prior variants are timed as fits of the full data under the loop's prior, the
# same cost).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$here/build}"
k="${2:-20}"
work="$(mktemp -d /tmp/hbmeta-sens-bench.XXXXXX)"
cat >"$work/scenario.json" <<JSON
{"scenarios": [{"name": "bench", "k": $k, "study_size": {"uniform": [50, 200]}, "mu": -0.8472978603872037,
  "tau": 0.5, "methods": []}]}
JSON
"$build/hbmeta" simulate --scenario "$work/scenario.json" --reps 1 --seed 1 --write-data --chains 1 --warmup 0 \
  --draws 4 --quiet --out "$work/sim" >/dev/null 2>&1
python3 - "$work" <<'PY'
import csv, sys
work = sys.argv[1]
rows = list(csv.DictReader(open(work + "/sim/simulated_data.csv")))
with open(work + "/data.csv", "w") as f:
    f.write("outcome,study,events,total,year,group\n")
    for i, r in enumerate(rows):
        f.write("rate,S%02d,%s,%s,%d,%s\n" % (i + 1, r["events"], r["total"], 1990 + i, "ab"[i % 2]))
# The rstan loop's datasets: every variant's data subset (the prior variants as the full data).
with open(work + "/variants.csv", "w") as f:
    f.write("dataset,outcome,study,events,total\n")
    def put(name, idx):
        for i in idx:
            f.write("%s,rate,S%02d,%s,%s\n" % (name, i + 1, rows[i]["events"], rows[i]["total"]))
    K = len(rows)
    for i in range(K): put("loo%d" % i, [j for j in range(K) if j != i])
    for k in range(1, K + 1): put("cum%d" % k, range(k))
    for p in range(4): put("prior%d" % p, range(K))
    for g in range(2): put("group%d" % g, [j for j in range(K) if j % 2 == (1 - g)])
PY
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
time_it() {
  for rep in 1 2 3; do
    start=$(date +%s.%N)
    "$build/hbmeta" fit "$work/data.csv" --threads 2 --chains 16 --quiet --force --out "$work/out" "$@"
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
  done | median
}
single=$(time_it --ignore-columns year,group)
all=$(time_it --sensitivity all --cumulative year --subgroups group)
echo "what,wall_s,ratio_to_single_fit"
printf 'hbmeta single fit,%.2f,1\n' "$single"
printf 'hbmeta --sensitivity all (%d variants),%.2f,%.1f\n' $((2 * k + 6)) "$all" "$(echo "$all / $single" | bc -l)"
rstan=$(Rscript "$here/scripts/bench/run_rstan_loop.R" "$work/variants.csv" | cut -d, -f3)
printf 'rstan loop (%d fits),%.2f,%.1f\n' $((2 * k + 6)) "$rstan" "$(echo "$rstan / $single" | bc -l)"
rm -rf "$work"
