#!/usr/bin/env bash
# Benchmark "hbmeta (CPU) vs rstan" (optionally also hbmeta's Gibbs sampler and JAGS): one
# command, prints a markdown table.
#
#   scripts/bench/install_deps.sh     # once: R + rstan (+ JAGS, rjags) from Debian packages
#   scripts/bench/bench.sh [> table.md]
#   BENCH_SAMPLERS="hbmeta hbmeta-gibbs rstan jags" scripts/bench/bench.sh   # all four arms
#
# Datasets: single-arm (columns outcome,study,events,total) pritz1997 hannum2020
# ivm_gv_maturation icsi_malformation large_n rare_events; two-arm (columns
# outcome,study,events_t,total_t,events_c,total_c) bcg nielweise2007 hine1989.
# For each dataset it runs the arms named in BENCH_SAMPLERS (default "hbmeta rstan"), always in
# this order:
#   hbmeta : build/hbmeta fit, CPU, --threads 2, 16 chains x 500 warmup + 1000 draws (its defaults),
#            fixed seed, priors
#              single-arm: --prior-mu normal(0,10) --prior-tau half-normal(1)
#              two-arm:    --prior-mu normal(0,10) --prior-tau half-normal(0.5)
#                          --prior-baseline normal(0,10)  (independent control-arm log-odds)
#   hbmeta-gibbs : the same hbmeta command with `--sampler gibbs` added (hbmeta's Gibbs
#            sampler; same chains, warmup, draws, threads, seed, priors); scored exactly like
#            hbmeta (run_rstan.R hbmeta ... --sampler=hbmeta-gibbs).
#   rstan  : scripts/bench/single_arm.stan or scripts/bench/two_arm.stan (same models,
#            non-centred, same priors, fixed in the .stan files), chosen by run_rstan.R from
#            the CSV header; 4 chains x 1000 warmup + 1000 draws, cores = 2, default
#            adapt_delta, fixed seed (scripts/bench/run_rstan.R; both models compiled once
#            beforehand, compile not timed).
#   jags   : scripts/bench/single_arm.jags or scripts/bench/two_arm.jags (same models and
#            priors, but the centred form theta_i / delta_i ~ N(mu, tau^2), JAGS's usual one),
#            chosen by run_jags.R from the CSV header; JAGS's default modules; 4 chains, each
#            500 adaptation + 500 burn-in + 1000 draws, 2 chains at a time
#            (parallel::mclapply, mc.cores = 2), fixed RNG seeds SEED..SEED+3
#            (base::Mersenne-Twister) (scripts/bench/run_jags.R).
# In both models mu and tau are the pooled effect (logit rate resp. log odds ratio) and the
# between-study SD; those two are scored.
# All arms use 2 cores. Each fit is repeated BENCH_REPS times (default 3) with the same seed, so
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
#   hbmeta-gibbs wall / internal: as for hbmeta.
#   jags   wall     = system.time() around the mclapply call running the 4 chains, 2 at a
#                     time: JAGS model construction, adaptation, burn-in and the 1000 draws
#                     per chain plus forking/collection; excludes R start-up and reading data;
#   jags   internal = jags wall (JAGS has no separate internal timer).
# ESS: bulk ESS of mu and tau from rstan::ess_bulk (Vehtari et al. 2021) for ALL samplers --
#   hbmeta's draws CSV is read into R and scored with the same function; hbmeta's own
#   summary.json ESS is shown as "own ESS". ESS/s uses wall time; ratio = that row's ESS/s /
#   the rstan row's ESS/s for the same dataset (shown on every non-rstan row; "—" when the
#   rstan arm was not run).
#
# Environment: HBMETA (binary, default build/hbmeta), BENCH_WORK (scratch dir, default
# /tmp/hbmeta_bench), BENCH_DATASETS (space-separated subset of the datasets above, default
# all 9), BENCH_SAMPLERS (space-separated subset of: hbmeta hbmeta-gibbs rstan jags; default
# "hbmeta rstan"), BENCH_REPS (default 3), BENCH_SEED (default 20240601),
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

# ---- samplers (arms) ---------------------------------------------------------------
all_samplers=(hbmeta hbmeta-gibbs rstan jags)
read -r -a req_samplers <<< "${BENCH_SAMPLERS:-hbmeta rstan}"
[ "${#req_samplers[@]}" -gt 0 ] || die "BENCH_SAMPLERS is empty"
for s in "${req_samplers[@]}"; do
  [[ " ${all_samplers[*]} " == *" $s "* ]] || die "unknown sampler '$s' in BENCH_SAMPLERS (known: ${all_samplers[*]})"
done
samplers=()  # the requested ones, in the fixed order of all_samplers, no duplicates
for s in "${all_samplers[@]}"; do
  [[ " ${req_samplers[*]} " == *" $s "* ]] && samplers+=("$s")
done
has() { [[ " ${samplers[*]} " == *" $1 "* ]]; }

if has hbmeta || has hbmeta-gibbs; then
  [ -x "$HBMETA" ] || die "no hbmeta binary at $HBMETA (cmake --build build --target hbmeta)"
fi
command -v Rscript >/dev/null || die "Rscript missing: run scripts/bench/install_deps.sh"
# rstan is needed by every arm (ess_bulk), jsonlite to read hbmeta's summary.json
Rscript -e 'suppressPackageStartupMessages({library(rstan); library(jsonlite)})' >/dev/null 2>&1 \
  || die "R packages rstan/jsonlite missing: run scripts/bench/install_deps.sh"
if has jags; then
  Rscript -e 'suppressPackageStartupMessages(library(rjags))' >/dev/null 2>&1 \
    || die "JAGS / R package rjags missing: run scripts/bench/install_deps.sh"
fi

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
if has rstan; then
  log "compiling / loading the cached Stan models (single_arm, two_arm)"
  Rscript "$here/run_rstan.R" compile >/dev/null
fi

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
  for s in "${samplers[@]}"; do
    l=$(load1); log "$ds: $s x$REPS (load1 $l)"
    case "$s" in
      hbmeta|hbmeta-gibbs)  # the same command; hbmeta-gibbs adds --sampler gibbs
        extra=(); [ "$s" = hbmeta-gibbs ] && extra=(--sampler gibbs)
        specs=()
        for r in $(seq 1 "$REPS"); do
          out="$WORK/out/${s}_${ds}_$r"
          t0=$(now)
          "$HBMETA" fit "$csv" --out "$out" --force --chains "$HB_CHAINS" --warmup "$HB_WARMUP" --draws 1000 \
            --threads "$THREADS" --seed "$SEED" "${priors[@]}" "${extra[@]}" --quiet
          t1=$(now)
          specs+=("$out:$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
        done
        line=$(Rscript "$here/run_rstan.R" hbmeta "$ds" --sampler="$s" "${specs[@]}") ;;
      rstan) line=$(Rscript "$here/run_rstan.R" fit "$csv" "$ds" "$SEED" "$REPS") ;;
      jags)  line=$(Rscript "$here/run_jags.R" fit "$csv" "$ds" "$SEED" "$REPS") ;;
    esac
    echo "$ds,$model,${line#"$ds,"},$l" >> "$results"  # insert the model column
  done
done
end_uptime="$(uptime)"

# ---- report ------------------------------------------------------------------------
arm_title() {
  case "$1" in
    hbmeta) echo "hbmeta (CPU, 2 threads)" ;;
    hbmeta-gibbs) echo "hbmeta-gibbs (CPU, 2 threads)" ;;
    rstan) echo "rstan (cores = 2)" ;;
    jags) echo "JAGS (2 chains at a time)" ;;
  esac
}
title=""
for s in "${samplers[@]}"; do title="${title:+$title vs }$(arm_title "$s")"; done
default_arms=0; [ "${samplers[*]}" = "hbmeta rstan" ] && default_arms=1
hb_prior_desc="PRIORS = \`--prior-mu 'normal(0,10)' --prior-tau 'half-normal(1)'\` (single-arm) or \`--prior-mu 'normal(0,10)' --prior-tau 'half-normal(0.5)' --prior-baseline 'normal(0,10)'\` (two-arm)"
models="- models: single-arm = y_i ~ Bin(n_i, logit^-1(mu + tau z_i)), mu ~ normal(0,10), tau ~ half-normal(1); two-arm = yc_i ~ Bin(nc_i, logit^-1(alpha_i)), yt_i ~ Bin(nt_i, logit^-1(alpha_i + mu + tau z_i)), mu ~ normal(0,10), tau ~ half-normal(0.5), alpha_i ~ normal(0,10); z_i ~ N(0,1) (non-centred) in both"
has jags && models="$models; JAGS fits the same models in the centred form theta_i (two-arm: delta_i) ~ N(mu, tau^2)"
times=()
has hbmeta && times+=("hbmeta wall = whole command incl. start-up and I/O; hbmeta internal = summary.json timing.seconds")
has hbmeta-gibbs && times+=("hbmeta-gibbs wall = whole command incl. start-up and I/O; hbmeta-gibbs internal = summary.json timing.seconds")
has rstan && times+=("rstan wall = system.time around sampling(); rstan internal = get_elapsed_time() per chain scheduled on 2 cores")
has jags && times+=("jags wall = system.time around the 4 chains run 2 at a time (model construction + adaptation + burn-in + draws, excl. R start-up and data read); jags internal = jags wall (JAGS has no separate timer)")
times_txt=$(printf '%s; ' "${times[@]}"); times_txt="${times_txt%; }"
if [ "$default_arms" = 1 ]; then
  ess_txt="- bulk ESS: rstan::ess_bulk (Vehtari et al. 2021) on the post-warmup draws of both samplers; own ESS = hbmeta's summary.json ess_bulk. ESS/s on wall time; ratio = hbmeta ESS/s / rstan ESS/s; load1 = 1-min load average when the arm started"
else
  ess_txt="- bulk ESS: rstan::ess_bulk (Vehtari et al. 2021) on the post-warmup draws of every sampler; own ESS = hbmeta's summary.json ess_bulk (hbmeta arms only). ESS/s on wall time; ratio = the row's ESS/s / the rstan row's ESS/s for the same dataset (— without an rstan row); load1 = 1-min load average when the arm started"
fi

echo "## $title"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), nproc $(nproc)"
echo "- datasets: ${datasets[*]}"
echo "$models"
has hbmeta && echo "- $("$HBMETA" --version 2>/dev/null | head -1) (CPU build): \`hbmeta fit DATA --chains $HB_CHAINS --warmup $HB_WARMUP --draws 1000 --threads $THREADS --seed $SEED PRIORS --quiet\`, $hb_prior_desc"
has hbmeta-gibbs && echo "- hbmeta-gibbs = $("$HBMETA" --version 2>/dev/null | head -1) (CPU build), Gibbs sampler: \`hbmeta fit DATA --chains $HB_CHAINS --warmup $HB_WARMUP --draws 1000 --threads $THREADS --seed $SEED PRIORS --sampler gibbs --quiet\`, $hb_prior_desc"
has rstan && echo "- rstan $(Rscript -e 'cat(as.character(packageVersion("rstan")))' 2>/dev/null) (R $(Rscript -e 'cat(as.character(getRversion()))' 2>/dev/null)): scripts/bench/single_arm.stan (single-arm) / scripts/bench/two_arm.stan (two-arm), same priors, 4 chains x 1000 warmup + 1000 draws, cores = 2, adapt_delta 0.8, seed $SEED; compile time excluded"
has jags && echo "- JAGS $(Rscript -e 'suppressPackageStartupMessages(library(rjags)); cat(as.character(jags.version()))' 2>/dev/null) (rjags $(Rscript -e 'cat(as.character(packageVersion("rjags")))' 2>/dev/null)): scripts/bench/single_arm.jags / scripts/bench/two_arm.jags (centred), same priors, default modules, 4 chains x (500 adaptation + 500 burn-in + 1000 draws), 2 chains at a time (mclapply, mc.cores = 2), RNG base::Mersenne-Twister seeds $SEED..$((SEED + 3))"
echo "- times: median of $REPS runs (same seed, identical draws). $times_txt"
echo "$ess_txt"
echo "- load at start: $start_uptime ($start_busy)"
echo "- load at end:   $end_uptime"
echo
Rscript "$here/make_table.R" "$results"
