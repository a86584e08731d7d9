#!/usr/bin/env bash
# Fuzzes the CSV reader and the prior-spec parser with libFuzzer (clang, ASan + UBSan) for a
# fixed time per target: scripts/fuzz.sh [SECONDS per target, default 60].
# Builds into build-fuzz/ (CPU only); each run starts from a copy of tests/fuzz/corpus/<target>
# (the checked-in seeds are never modified). Exits non-zero when a fuzzer finds a crash, a
# sanitizer error, an exception other than hbm::InputError or a broken invariant; the input
# that did it is saved as build-fuzz/fuzz-out/<target>/crash-* (see docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "usage: scripts/fuzz.sh [SECONDS per target]" >&2; exit 2; }

scripts/install_deps.sh
# clang and its sanitizer/libFuzzer runtimes; llvm-14 for llvm-symbolizer (readable stack traces).
missing=()
for p in clang libclang-rt-14-dev llvm-14; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHBMETA_FUZZ=ON \
  -DHBMETA_ENABLE_CUDA=OFF -DHBMETA_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target csv_reader_fuzz prior_spec_fuzz

status=0
summary=()
for target in csv prior; do
  case "$target" in
    csv) exe=csv_reader_fuzz ;;
    prior) exe=prior_spec_fuzz ;;
  esac
  out="build-fuzz/fuzz-out/$target"
  rm -rf "$out"
  mkdir -p "$out/corpus"
  cp tests/fuzz/corpus/"$target"/* "$out/corpus/"
  log="$out/fuzz.log"
  echo "fuzzing $exe for ${seconds}s (log: $log)"
  rc=0
  # -max_len 4096: long enough for many rows, quoted newlines and every encoding check; the
  # 1 MiB line limit is covered by the unit tests.
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
    "build-fuzz/$exe" "$out/corpus" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  line="$exe: ${runs:-?} executions in ${seconds}s, coverage ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?} inputs"
  if ((rc != 0)); then
    status=1
    found=$(cd "$out" && ls -d crash-* timeout-* oom-* leak-* slow-unit-* 2>/dev/null | sed "s|^|$out/|" | paste -sd' ' || true)
    line="$line: FAILED (exit $rc; reproducer: ${found:-see $log})"
    tail -n 60 "$log" >&2
  fi
  summary+=("$line")
done
printf '%s\n' "${summary[@]}"
exit "$status"
