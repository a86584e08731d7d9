#!/usr/bin/env bash
# Benchmark "hbmeta (CPU) vs rstan": one command, prints a markdown table.
#
#   scripts/bench/install_deps.sh     # once: R + rstan from Debian packages
#   scripts/bench/bench.sh [> table.md]
#
# Datasets: single-arm (columns outcome,study,events,total) pritz1997 hannum2020
# ivm_gv_maturation icsi_malformation large_n rare_events; two-arm (columns
# outcome,study,events_t,total_t,events_c,total_c) bcg nielweise2007 hine1989.
# For each dataset it runs
#   hbmeta : build/hbmeta fit, CPU, --threads 2, 16 chains x 500 warmup + 1000 draws (its defaults),
#            fixed seed, priors
#              single-arm: --prior-mu normal(0,10) --prior-tau half-normal(1)
#              two-arm:    --prior-mu normal(0,10) --prior-tau half-normal(0.5)
#                          --prior-baseline normal(0,10)  (independent control-arm log-odds)
#   rstan  : scripts/bench/single_arm.stan or scripts/bench/two_arm.stan (same models,
#            non-centred, same priors, fixed in the .stan files), chosen by run_rstan.R from
#            the CSV header; 4 chains x 1000 warmup + 1000 draws, cores = 2, default
#            adapt_delta, fixed seed (scripts/bench/run_rstan.R; both models compiled once
#            beforehand, compile not timed).
# In both models mu and tau are the pooled effect (logit rate resp. log odds ratio) and the
# between-study SD; those two are scored.
# Both use 2 cores. Each fit is repeated BENCH_REPS times (default 3) with the same seed, so
# the draws are identical and only the times vary; the median time is reported.
#
# Times (columns "wall s" and "internal s"):
#   hbmeta wall     = wall time of the whole `hbmeta fit` command (process start, CSV read,
#                     sampling, summaries, writing summary.json + draws CSV);
#   hbmeta internal = timing.seconds from its summary.json;
#   rstan  wall     = system.time() around rstan::sampling() (warmup + sampling of the 4
#                     chains, 2 at a time, plus rstan's forking/collection overhead; excludes
#                     R start-up, compilation and reading the data);
#   rstan  internal = Stan's get_elapsed_time() (warmup + sample) per chain, scheduled on 2
#                     cores in chain order (what mclapply does): the finish time of the last.
# ESS: bulk ESS of mu and tau from rstan::ess_bulk (Vehtari et al. 2021) for BOTH samplers --
#   hbmeta's draws CSV is read into R and scored with the same function; hbmeta's own
#   summary.json ESS is shown as "own ESS". ESS/s uses wall time; ratio = hbmeta/rstan ESS/s.
#
# Environment: HBMETA (binary, default build/hbmeta), BENCH_WORK (scratch dir, default
# /tmp/hbmeta_bench), BENCH_DATASETS (space-separated subset of the datasets above, default
# all 9), BENCH_REPS (default 3), BENCH_SEED (default 20240601),
# BENCH_WAIT_IDLE (seconds to wait for compilers to finish / load1 < 1 before starting,
# default 300), HBMETA_BENCH_CACHE (compiled Stan model cache, default /tmp/hbmeta_bench_stan).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
HBMETA="${HBMETA:-$root/build/hbmeta}"
WORK="${BENCH_WORK:-/tmp/hbmeta_bench}"
REPS="${BENCH_REPS:-3}"
SEED="${BENCH_SEED:-20240601}"
WAIT_IDLE="${BENCH_WAIT_IDLE:-300}"
THREADS=2
HB_CHAINS=16
HB_WARMUP="${HB_WARMUP:-500}"

log() { echo "[bench] $*" >&2; }
die() { echo "bench.sh: $*" >&2; exit 1; }
[ -x "$HBMETA" ] || die "no hbmeta binary at $HBMETA (cmake --build build --target hbmeta)"
command -v Rscript >/dev/null || die "Rscript missing: run scripts/bench/install_deps.sh"
Rscript -e 'suppressPackageStartupMessages({library(rstan); library(jsonlite)})' >/dev/null 2>&1 \
  || die "R packages rstan/jsonlite missing: run scripts/bench/install_deps.sh"

rm -rf "$WORK"; mkdir -p "$WORK/data" "$WORK/out"

# ---- datasets ----------------------------------------------------------------------
# reference data: tests/fixtures/reference, else scripts/bench/data, else ../shared copy
ref_csv() {
  local f
  for f in "$root/tests/fixtures/reference/$1.csv" "$here/data/$1.csv" \
           "$root/../shared/reference/data/$1.csv"; do
    [ -f "$f" ] && { echo "$f"; return; }
  done
  die "dataset $1 not found"
}
outcome_csv() {  # outcome_csv SRC OUTCOME DEST: keep the header + rows of one outcome
  awk -F, -v o="$2" 'NR == 1 || $1 == o || $1 == "\"" o "\""' "$1" > "$3"
  [ "$(wc -l < "$3")" -gt 1 ] || die "outcome $2 not in $1"
}
rescue="$root/data/rescue_simulated.csv"
[ -f "$root/tests/fixtures/rescue_simulated.csv" ] && rescue="$root/tests/fixtures/rescue_simulated.csv"
single_arm=(pritz1997 hannum2020 ivm_gv_maturation icsi_malformation large_n rare_events)
two_arm=(bcg nielweise2007 hine1989)
all_datasets=("${single_arm[@]}" "${two_arm[@]}")
read -r -a datasets <<< "${BENCH_DATASETS:-${all_datasets[*]}}"
[ "${#datasets[@]}" -gt 0 ] || die "BENCH_DATASETS is empty"
is_two_arm() { [[ " ${two_arm[*]} " == *" $1 "* ]]; }
for ds in "${datasets[@]}"; do
  case "$ds" in
    pritz1997|hannum2020|bcg|nielweise2007|hine1989) cp "$(ref_csv "$ds")" "$WORK/data/$ds.csv" ;;
    ivm_gv_maturation|icsi_malformation) outcome_csv "$rescue" "$ds" "$WORK/data/$ds.csv" ;;
    large_n|rare_events) cp "$root/tests/fixtures/$ds.csv" "$WORK/data/$ds.csv" ;;
    *) die "unknown dataset '$ds' in BENCH_DATASETS (known: ${all_datasets[*]})" ;;
  esac
done

# ---- compile both Stan models first (never timed) ----------------------------------
log "compiling / loading the cached Stan models (single_arm, two_arm)"
Rscript "$here/run_rstan.R" compile >/dev/null

# ---- wait (bounded) for the machine to be quiet -------------------------------------
busy() {  # prints a reason when compilers run or load1 >= 1
  local c l
  c=$(pgrep -c -x 'cc1plus|cc1|ld|nvcc|cicc|ptxas|ninja|make' 2>/dev/null || true)
  l=$(cut -d' ' -f1 /proc/loadavg)
  if [ "${c:-0}" -gt 0 ]; then echo "$c compiler/build processes running, load1 $l"; return 0; fi
  awk -v l="$l" 'BEGIN { exit !(l >= 1.0) }' && { echo "load1 $l"; return 0; }
  return 1
}
waited=0
while reason=$(busy) && [ "$waited" -lt "$WAIT_IDLE" ]; do
  log "machine busy ($reason); waiting ($waited/${WAIT_IDLE}s)"; sleep 10; waited=$((waited + 10))
done
start_uptime="$(uptime)"
start_busy="$(busy || echo "quiet")"

now() { date +%s.%N; }
results="$WORK/results.csv"
echo "dataset,model,K,sampler,chains,wall_s,internal_s,ess_mu,ess_tau,own_ess_mu,own_ess_tau,divergences,mean_mu,mean_tau,sd_mu,sd_tau,load1" > "$results"
load1() { cut -d' ' -f1 /proc/loadavg; }

for ds in "${datasets[@]}"; do
  csv="$WORK/data/$ds.csv"
  if is_two_arm "$ds"; then
    model=two-arm
    priors=(--prior-mu "normal(0,10)" --prior-tau "half-normal(0.5)" --prior-baseline "normal(0,10)")
  else
    model=single-arm
    priors=(--prior-mu "normal(0,10)" --prior-tau "half-normal(1)")
  fi
  # hbmeta ----------------------------------------------------------------------------
  l=$(load1); log "$ds: hbmeta x$REPS (load1 $l)"
  specs=()
  for r in $(seq 1 "$REPS"); do
    out="$WORK/out/hbmeta_${ds}_$r"
    t0=$(now)
    "$HBMETA" fit "$csv" --out "$out" --force --chains "$HB_CHAINS" --warmup "$HB_WARMUP" --draws 1000 \
      --threads "$THREADS" --seed "$SEED" "${priors[@]}" --quiet
    t1=$(now)
    specs+=("$out:$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
  done
  line=$(Rscript "$here/run_rstan.R" hbmeta "$ds" "${specs[@]}")
  echo "$ds,$model,${line#"$ds,"},$l" >> "$results"  # insert the model column
  # rstan -----------------------------------------------------------------------------
  l=$(load1); log "$ds: rstan x$REPS (load1 $l)"
  line=$(Rscript "$here/run_rstan.R" fit "$csv" "$ds" "$SEED" "$REPS")
  echo "$ds,$model,${line#"$ds,"},$l" >> "$results"  # insert the model column
done
end_uptime="$(uptime)"

# ---- report ------------------------------------------------------------------------
echo "## hbmeta (CPU, 2 threads) vs rstan (cores = 2)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), nproc $(nproc)"
echo "- datasets: ${datasets[*]}"
echo "- models: single-arm = y_i ~ Bin(n_i, logit^-1(mu + tau z_i)), mu ~ normal(0,10), tau ~ half-normal(1); two-arm = yc_i ~ Bin(nc_i, logit^-1(alpha_i)), yt_i ~ Bin(nt_i, logit^-1(alpha_i + mu + tau z_i)), mu ~ normal(0,10), tau ~ half-normal(0.5), alpha_i ~ normal(0,10); z_i ~ N(0,1) (non-centred) in both"
echo "- $("$HBMETA" --version 2>/dev/null | head -1) (CPU build): \`hbmeta fit DATA --chains $HB_CHAINS --warmup $HB_WARMUP --draws 1000 --threads $THREADS --seed $SEED PRIORS --quiet\`, PRIORS = \`--prior-mu 'normal(0,10)' --prior-tau 'half-normal(1)'\` (single-arm) or \`--prior-mu 'normal(0,10)' --prior-tau 'half-normal(0.5)' --prior-baseline 'normal(0,10)'\` (two-arm)"
echo "- rstan $(Rscript -e 'cat(as.character(packageVersion("rstan")))' 2>/dev/null) (R $(Rscript -e 'cat(as.character(getRversion()))' 2>/dev/null)): scripts/bench/single_arm.stan (single-arm) / scripts/bench/two_arm.stan (two-arm), same priors, 4 chains x 1000 warmup + 1000 draws, cores = 2, adapt_delta 0.8, seed $SEED; compile time excluded"
echo "- times: median of $REPS runs (same seed, identical draws). hbmeta wall = whole command incl. start-up and I/O; hbmeta internal = summary.json timing.seconds; rstan wall = system.time around sampling(); rstan internal = get_elapsed_time() per chain scheduled on 2 cores"
echo "- bulk ESS: rstan::ess_bulk (Vehtari et al. 2021) on the post-warmup draws of both samplers; own ESS = hbmeta's summary.json ess_bulk. ESS/s on wall time; ratio = hbmeta ESS/s / rstan ESS/s; load1 = 1-min load average when the arm started"
echo "- load at start: $start_uptime ($start_busy)"
echo "- load at end:   $end_uptime"
echo
Rscript "$here/make_table.R" "$results"
