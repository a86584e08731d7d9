#!/usr/bin/env bash
# scripts/gpu-check.sh: the check of hbmeta's CUDA backend on a GPU (Hopper, sm_90), in two halves.
#
#   scripts/gpu-check.sh --prepare          on the build machine (nvcc, Boost, GoogleTest, NetCDF)
#   scripts/gpu-check.sh [--out DIR] [--bundle FILE]          on the GPU machine
#
# Why a bundle: the GPU machine is bare (CUDA driver and toolkit, CMake, Python with JAX/NumPyro;
# no Boost, GoogleTest or NetCDF, no network), and GPU time is rare, so nothing is built there.
# --prepare builds hbmeta and hbmeta_tests for sm_90 in build-gpu/ (SASS only: the PTX that the
# project's default adds for newer GPUs is about 9 MB per binary, which would push the bundle over
# its limit; HBMETA_GPU_JOBS sets make's parallelism), or reuses the CUDA build in
# $HBMETA_GPU_BUILD (e.g. HBMETA_GPU_BUILD=build), strips them and packs them with
# every non-system shared library they load (ldd, transitively: libstdc++, libgcc_s, Boost,
# NetCDF, HDF5, MPI and what they need) into gpu-bundle.tar.gz at the checkout's root. Left out:
# glibc (libc, libm, libpthread, libdl, librt, libresolv, libnss*, libanl, libutil, libmvec,
# ld-linux), which must come from the machine that runs them, and the CUDA driver (libcuda,
# libnvidia*). In the bundle, hbmeta and hbmeta_tests are wrappers that put the bundle's lib/ on
# LD_LIBRARY_PATH of those two programs only (NumPyro, run beside them, keeps the machine's own
# libraries). --prepare checks that the bundled binaries resolve every library from the bundle
# or from that excluded list, and fails above 48 MiB (the device run carries 64 MiB at most).
# Its MANIFEST states what the GPU machine must have: glibc at least the newest symbol version
# the bundle uses (2.36 when built on Debian 12) and an NVIDIA driver of the CUDA runtime's major
# version or newer (CUDA 13: >= 580; the runtime is linked in statically); the device run prints
# both against the machine's before its first step, since either mismatch fails every step.
#
# On the device tool, from this checkout (gpu-bundle.tar.gz is git-ignored, so it is carried):
#   run  carry=["gpu-bundle.tar.gz"]  timeout_s=600  command: bash scripts/gpu-check.sh --out "$OUT"
#
# The device run unpacks the bundle into a temporary folder (never into the checkout) and runs
# the steps below, each under its own `timeout`, each logging to DIR/NN-name.log, recorded as
# ok / failed / timed out / skipped in DIR/steps.tsv and printed as it finishes. A failing step
# never stops the later ones. The whole run fits one 10-minute command: no GPU test starts after
# HBMETA_GPU_CHECK_TESTS seconds (default 300, leaving the table its time), no step starts after
# HBMETA_GPU_CHECK_SOFT seconds (default 510 = 8.5 min; the table stops starting rows then, and
# names the rows it left out), and no step runs past HBMETA_GPU_CHECK_HARD seconds (default 570).
# The exit status is 0 only if every step ran and passed. The session's whole output is also in
# DIR/gpu-check.log; DIR defaults to $OUT (the device tool's folder that comes back), else
# ./gpu-check-out. --bundle FILE uses another bundle than ./gpu-bundle.tar.gz.
#   nvidia-smi        the device, driver, memory and clocks: that a GPU is there at all, and the
#                     clocks the timings ran at;
#   ldd               both binaries with the bundle's library path: a "not found" line (a missing
#                     library, or a glibc older than the build machine's) fails here, with the
#                     machine's glibc version beside it, instead of as a crash in every later step;
#   version           hbmeta starts (the wrapper, the loader, static initialisation);
#   fit-cuda          a whole 256-chain fit of data/rescue_simulated.csv on --device cuda, outputs
#                     in DIR/fit-cuda: the first end-to-end run of the kernels;
#   gpu-tests-list    the CUDA tests (CudaEngine.*, and CudaParity.*: GPU = CPU step by step,
#                     which names the step, outcome and chain where they part), listed;
#   test-<name>       each CUDA test in its own process with HBMETA_REQUIRE_GPU=1 (fail, not skip,
#                     without a device), so a sticky CUDA error fails one test, not every later one;
#   table             scripts/bench/gpu_table.py: gradient rates, layout timings, GPU/CPU/NumPyro
#                     ESS/s (DIR/gpu-table.md); rows print as measured, a failing row is noted;
#   engine-tests-cpu  the engine and layout tests beside them (BatchEngine*, GroupLayout*,
#                     StudyStaging*, ParityHarness*), CPU-only, last: they pass on the build machine already.
#
# A GPU machine that has the build dependencies: scripts/gpu-check.sh --prepare && scripts/gpu-check.sh;
# without a bundle, HBMETA_GPU_BUILD=DIR runs the binaries of that build directly.
# The tests find this checkout's fixtures through HBMETA_TEST_SOURCE_DIR (tests/support/test_paths.hpp).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUNDLE_NAME=gpu-bundle
MAX_BUNDLE_MIB=48
GPU_FILTER='CudaEngine.*:CudaParity.*'                      # one process per test
CPU_FILTER='BatchEngine*:GroupLayout*:StudyStaging*:ParityHarness*:CudaEngineBounds*'  # one process for all
# glibc and the CUDA driver: never bundled (the machine's own must be used).
SYSTEM_LIBS='^(libc|libm|libpthread|libdl|librt|libresolv|libanl|libutil|libmvec|libcuda)\.so|^libnss|^ld-linux|^libnvidia'

die() { echo "gpu-check: $*" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# --prepare (build machine)
# ---------------------------------------------------------------------------------------------
bundle_libs() {  # the resolved non-system libraries of the binaries given: "name path" lines
  ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u | while read -r name path; do
    [[ $name =~ $SYSTEM_LIBS ]] || echo "$name $path"
  done
}

prepare() {
  local build=${HBMETA_GPU_BUILD:-build-gpu}
  [[ $build = /* ]] || build="$REPO/$build"
  if [ -n "${HBMETA_GPU_BUILD:-}" ]; then
    echo "reusing the build in $build (HBMETA_GPU_BUILD)"
    if [ ! -x "$build/hbmeta" ] || [ ! -x "$build/tests/hbmeta_tests" ]; then
      die "$build/hbmeta or $build/tests/hbmeta_tests is missing: build them (make hbmeta hbmeta_tests) first"
    fi
  else
    echo "building hbmeta and hbmeta_tests for sm_90 (SASS only) in $build"
    cmake -S "$REPO" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90-real >/dev/null ||
      die "cmake failed (scripts/install_deps.sh --tests installs the build dependencies)"
    cmake --build "$build" -j"${HBMETA_GPU_JOBS:-$(nproc)}" --target hbmeta hbmeta_tests || die "build failed"
  fi
  # A CUDA build for sm_90: the backend is compiled in and its flags name sm_90.
  grep -q '^HBMETA_ENABLE_CUDA:BOOL=ON' "$build/CMakeCache.txt" ||
    die "$build is not configured with HBMETA_ENABLE_CUDA=ON"
  local flags="$build/CMakeFiles/hbmeta_cuda.dir/flags.make"
  [ -f "$flags" ] || die "$build has no CUDA target (nvcc not found at configure time?)"
  grep -q 'sm_90' "$flags" || die "$build does not compile for sm_90: $(grep CUDA_FLAGS "$flags")"
  local bin
  for bin in "$build/hbmeta" "$build/tests/hbmeta_tests"; do
    [ "$(nm "$bin" 2>/dev/null | grep -c __cudaRegisterFatBinary)" -gt 0 ] ||
      die "$bin holds no CUDA kernels (no fat binary registered)"
  done
  local stale
  stale=$(find "$REPO/host" "$REPO/cuda" "$REPO/models" "$REPO/tests" \( -name '*.[ch]pp' -o -name '*.cu' -o -name '*.cuh' \) \
    -newer "$build/hbmeta" 2>/dev/null | sed "s|^$REPO/||" | head -20)
  [ -z "$stale" ] || printf 'WARNING: sources newer than %s/hbmeta (the bundle may not be the current code):\n%s\n' "$build" "$stale" >&2

  local tmp
  tmp=$(mktemp -d) || die "mktemp failed"
  local b="$tmp/$BUNDLE_NAME"
  mkdir -p "$b/bin" "$b/lib"
  cp "$build/hbmeta" "$build/tests/hbmeta_tests" "$b/bin/"
  strip --strip-unneeded "$b/bin/hbmeta" "$b/bin/hbmeta_tests"
  local name path missing
  missing=$(ldd "$build/hbmeta" "$build/tests/hbmeta_tests" | grep 'not found')
  [ -z "$missing" ] || die "libraries not found on this machine: $missing"
  while read -r name path; do
    cp -L "$path" "$b/lib/$name"
    strip --strip-unneeded "$b/lib/$name" 2>/dev/null || true
    printf '%-40s %s\n' "$name" "$path" >>"$b/LIBRARIES"
  done < <(bundle_libs "$build/hbmeta" "$build/tests/hbmeta_tests")
  for name in hbmeta hbmeta_tests; do
    cat >"$b/$name" <<EOF
#!/bin/sh
# $name from the GPU bundle (scripts/gpu-check.sh --prepare): the bundle's libraries on the
# library path of this program only.
here=\$(dirname "\$(readlink -f "\$0")")
LD_LIBRARY_PATH="\$here/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "\$here/bin/$name" "\$@"
EOF
    chmod +x "$b/$name"
  done
  # Self-contained: with only the bundle's lib/, every library resolves into it or is excluded.
  local outside
  outside=$(LD_LIBRARY_PATH="$b/lib" ldd "$b/bin/hbmeta" "$b/bin/hbmeta_tests" |
    awk '$2 == "=>" {print $1, $3}' | while read -r name path; do
      [[ $path == "$b/lib/"* || $name =~ $SYSTEM_LIBS ]] || echo "$name => $path"
    done)
  [ -z "$outside" ] || die "the bundle does not cover: $outside"
  local glibc cuda driver
  glibc=$(objdump -T "$b"/bin/* "$b"/lib/* 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
  # The CUDA runtime is linked in (static cudart): the driver must be of its major version or newer.
  cuda=$(sed -n 's/^set(CMAKE_CUDA_COMPILER_VERSION "\(.*\)")/\1/p' "$build"/CMakeFiles/*/CMakeCUDACompiler.cmake | head -1)
  case ${cuda%%.*} in
    12) driver=525 ;;
    13) driver=580 ;;
    *) driver="" ;;
  esac
  {
    echo "hbmeta GPU bundle, prepared $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -n)"
    echo "commit: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
    echo "build: $build ($(grep -o -- '--generate-code=[^ ]*' "$flags" | tr '\n' ' '))"
    echo "needs glibc >= ${glibc#GLIBC_} (build machine: $(ldd --version | head -1))"
    echo "needs NVIDIA driver >= ${driver:-?} (CUDA runtime ${cuda:-?}, linked statically)"
  } >"$b/MANIFEST"
  rm -f "$REPO/$BUNDLE_NAME.tar.gz"
  tar czf "$REPO/$BUNDLE_NAME.tar.gz" -C "$tmp" "$BUNDLE_NAME"
  cat "$b/MANIFEST"
  echo "bundled libraries ($(wc -l <"$b/LIBRARIES"), copied from):"
  sed 's/^/  /' "$b/LIBRARIES"
  rm -rf "$tmp"
  local bytes
  bytes=$(stat -c %s "$REPO/$BUNDLE_NAME.tar.gz")
  echo "prepared $REPO/$BUNDLE_NAME.tar.gz: $bytes bytes ($(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}') MiB; limit $MAX_BUNDLE_MIB MiB)"
  if [ "$bytes" -gt $((MAX_BUNDLE_MIB * 1048576)) ]; then
    rm -f "$REPO/$BUNDLE_NAME.tar.gz"
    grep -q 'code=\[compute_' "$flags" &&
      echo "$build also embeds PTX (CMAKE_CUDA_ARCHITECTURES with -virtual): about 9 MB per binary that an" \
        "H200 does not need; a build with -DCMAKE_CUDA_ARCHITECTURES=90-real (what --prepare makes without" \
        "HBMETA_GPU_BUILD) leaves it out" >&2
    die "the bundle is over $MAX_BUNDLE_MIB MiB: removed"
  fi
  # shellcheck disable=SC2016  # $OUT is the device's, printed as is
  echo 'on the device tool: carry ["gpu-bundle.tar.gz"], command: bash scripts/gpu-check.sh --out "$OUT"'
}

# ---------------------------------------------------------------------------------------------
# the check (GPU machine)
# ---------------------------------------------------------------------------------------------
START=$(date +%s)
SOFT=${HBMETA_GPU_CHECK_SOFT:-510}         # no step starts after this many seconds
HARD=${HBMETA_GPU_CHECK_HARD:-570}         # no step runs past this many seconds
TESTS_SOFT=${HBMETA_GPU_CHECK_TESTS:-300}  # no GPU test starts after this: the table's time
N=0
FAILED=0

elapsed() { echo $(($(date +%s) - START)); }

# step NAME LIMIT_S COMMAND...: run COMMAND under `timeout`, log to DIR/NN-NAME.log, record it.
step() {
  local name=$1 limit=$2
  shift 2
  N=$((N + 1))
  local id
  id=$(printf '%02d-%s' "$N" "${name//[^A-Za-z0-9_.-]/_}")
  local log="$DIR/$id.log" now soft=${UNTIL:-$SOFT}
  now=$(elapsed)
  if [ "$now" -ge "$soft" ]; then
    echo "-- $id: skipped, its time budget is spent (${now} s elapsed; none starts after ${soft} s)" | tee "$log"
    printf '%s\tskipped\t-\t0\t%s\n' "$id" "$*" >>"$DIR/steps.tsv"
    FAILED=1
    return 0
  fi
  [ "$limit" -le $((HARD - now)) ] || limit=$((HARD - now))
  echo "-- $id (timeout ${limit} s): $*"
  local t0 rc status secs
  t0=$(date +%s%N)
  timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
  rc=$?
  secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
  case $rc in
    0) status=ok ;;
    124 | 137) status="timed out" ;;
    *) status=failed ;;
  esac
  [ "$rc" = 0 ] || FAILED=1
  printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$status" "$rc" "$secs" "$*" >>"$DIR/steps.tsv"
  printf '   %s: %s (exit %s, %s s), log %s\n' "$id" "$status" "$rc" "$secs" "$log"
  if [ "$rc" != 0 ]; then
    [ "$status" = "timed out" ] && echo "   (killed after ${limit} s)"
    [ "$status" = failed ] && [ "$rc" -gt 128 ] && echo "   (killed by signal $((rc - 128)): $(kill -l $((rc - 128))))"
    if grep -q ': Failure$' "$log"; then  # a test: what failed, not gtest's summary
      grep -m 3 -A 2 ': Failure$' "$log" | head -n 9 | sed 's/^/   | /'
    else
      tail -n 6 "$log" | sed 's/^/   | /'
    fi
  fi
  return 0
}

# The steps that are more than one command (run under `timeout` as `bash -c`, so exported).
gpu_info() {
  nvidia-smi || return 1
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,clocks.mem,power.limit \
    --format=csv
}
check_ldd() {  # BIN...: ldd with the bundle's library path; any "not found" fails
  echo "this machine: $(ldd --version | head -1)"
  [ -f "$BUNDLE_DIR/MANIFEST" ] && grep glibc "$BUNDLE_DIR/MANIFEST"
  local out
  out=$(LD_LIBRARY_PATH="$LIB_PATH" ldd "$@" 2>&1)
  echo "$out"
  if grep -q 'not found' <<<"$out"; then
    echo "FAILED: missing libraries or symbol versions:"
    grep 'not found' <<<"$out"
    return 1
  fi
}
export -f gpu_info check_ldd

older() {  # older HAVE NEED: true when both are known and version HAVE < NEED
  [ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]
}

check() {
  DIR=${DIR:-${OUT:-gpu-check-out}}
  mkdir -p "$DIR" || die "cannot create $DIR"
  DIR=$(cd "$DIR" && pwd)
  : >"$DIR/steps.tsv"
  main_check 2>&1 | tee "$DIR/gpu-check.log"
  return "${PIPESTATUS[0]}"
}

main_check() {
  echo "gpu-check: $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(uname -n), checkout $REPO, logs in $DIR"
  echo "budget: no GPU test starts after ${TESTS_SOFT} s, no step after ${SOFT} s, none runs past ${HARD} s"
  BUNDLE_DIR="" LIB_PATH=""
  local bundle=${BUNDLE:-$REPO/$BUNDLE_NAME.tar.gz}
  if [ -f "$bundle" ]; then
    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/hbmeta-gpu.XXXXXX") || die "mktemp failed"
    tar xzf "$bundle" -C "$work" || die "cannot unpack $bundle"
    BUNDLE_DIR="$work/$BUNDLE_NAME"
    LIB_PATH="$BUNDLE_DIR/lib"
    BIN="$BUNDLE_DIR/hbmeta"
    TESTS="$BUNDLE_DIR/hbmeta_tests"
    REAL_BINS=("$BUNDLE_DIR/bin/hbmeta" "$BUNDLE_DIR/bin/hbmeta_tests")
    echo "bundle: $bundle unpacked in $BUNDLE_DIR"
    sed 's/^/  /' "$BUNDLE_DIR/MANIFEST"
    cp "$BUNDLE_DIR/MANIFEST" "$DIR/bundle-MANIFEST.txt"
    # glibc is the machine's (never bundled): too old a one is the likeliest way to lose the run.
    local need have
    need=$(sed -n 's/^needs glibc >= \([0-9.]*\).*/\1/p' "$BUNDLE_DIR/MANIFEST")
    have=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
    echo "glibc: this machine ${have:-unknown}, the bundle needs >= ${need:-?}"
    if older "$have" "$need"; then
      echo "WARNING: this machine's glibc is older than the bundle needs: the binaries will not start (see the ldd step)"
    fi
    # So is a driver older than the CUDA runtime linked in (every CUDA call: cudaErrorInsufficientDriver).
    need=$(sed -n 's/^needs NVIDIA driver >= \([0-9.]*\).*/\1/p' "$BUNDLE_DIR/MANIFEST")
    have=$(timeout 20 nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1)
    echo "NVIDIA driver: this machine ${have:-none found}, the bundle needs >= ${need:-?}"
    if older "$have" "$need"; then
      echo "WARNING: this machine's driver is older than the bundle's CUDA runtime: every CUDA step will fail"
    fi
  elif [ -n "${HBMETA_GPU_BUILD:-}" ] && [ -z "${BUNDLE:-}" ]; then
    local build=$HBMETA_GPU_BUILD
    [[ $build = /* ]] || build="$REPO/$build"
    BIN="$build/hbmeta"
    TESTS="$build/tests/hbmeta_tests"
    REAL_BINS=("$BIN" "$TESTS")
    echo "no bundle: running the binaries of $build (HBMETA_GPU_BUILD)"
  else
    die "no $bundle: run scripts/gpu-check.sh --prepare on the build machine and carry the file (or set HBMETA_GPU_BUILD)"
  fi
  export BUNDLE_DIR LIB_PATH HBMETA_TEST_SOURCE_DIR="$REPO" HBMETA_TEST_BINARY="$BIN"
  cd "$REPO" || die "cannot enter $REPO"

  step nvidia-smi 60 bash -c gpu_info
  step ldd 30 bash -c 'check_ldd "$@"' _ "${REAL_BINS[@]}"
  step version 30 "$BIN" --version
  step fit-cuda 120 "$BIN" fit data/rescue_simulated.csv --device cuda --chains 256 \
    --out "$DIR/fit-cuda" --force

  # The CUDA tests, one process each.
  step gpu-tests-list 30 "$TESTS" --gtest_list_tests --gtest_filter="$GPU_FILTER"
  local tests
  tests=$(awk '/^[^ ]/ {suite=$1} /^  [^ ]/ {print suite $1}' "$DIR/$(printf '%02d' "$N")-gpu-tests-list.log" 2>/dev/null)
  # The parity tests first: seconds each, and where a GPU bug shows they say where it starts.
  tests=$(printf '%s\n' $tests | awk '/^CudaParity\./ {print; next} {rest = rest $0 "\n"} END {printf "%s", rest}')
  if [ -z "$tests" ]; then
    echo "   no CUDA test listed: running the filter $GPU_FILTER in one process instead"
    UNTIL=$TESTS_SOFT step gpu-tests 240 env HBMETA_REQUIRE_GPU=1 "$TESTS" --gtest_filter="$GPU_FILTER"
  else
    local t
    for t in $tests; do
      UNTIL=$TESTS_SOFT step "test-$t" 90 env HBMETA_REQUIRE_GPU=1 "$TESTS" --gtest_filter="$t"
    done
  fi

  # The table: rows stop starting at the soft limit; the step is killed at the hard one.
  local now
  now=$(elapsed)
  step table $((HARD - now)) python3 "$REPO/scripts/bench/gpu_table.py" "$BIN" data/rescue_simulated.csv \
    "$DIR/table-work" --budget-seconds $((SOFT - now > 0 ? SOFT - now : 0)) --markdown "$DIR/gpu-table.md"
  if [ -s "$DIR/gpu-table.md" ]; then
    echo "== benchmark table ($DIR/gpu-table.md)"
    cat "$DIR/gpu-table.md"
  fi

  step engine-tests-cpu 120 "$TESTS" --gtest_filter="$CPU_FILTER"

  echo "== steps ($(elapsed) s in all; $DIR/steps.tsv)"
  awk -F'\t' '{printf "  %-70s %-9s %6s s\n", $1, $2, $4}' "$DIR/steps.tsv"
  if [ "$FAILED" = 0 ]; then
    echo "gpu-check: every step passed"
  else
    echo "gpu-check: FAILED: $(awk -F'\t' '$2 != "ok"' "$DIR/steps.tsv" | wc -l) step(s) did not pass (see above)"
  fi
  [ -n "$BUNDLE_DIR" ] && rm -rf "$(dirname "$BUNDLE_DIR")"
  return "$FAILED"
}

usage() {
  echo "usage: scripts/gpu-check.sh --prepare              (build machine: build/reuse, pack gpu-bundle.tar.gz)" >&2
  echo "       scripts/gpu-check.sh [--out DIR] [--bundle FILE]   (GPU machine: DIR defaults to \$OUT, else gpu-check-out)" >&2
  exit 2
}

DIR="" BUNDLE=""
PREPARE=0
while [ $# -gt 0 ]; do
  case $1 in
    --prepare) PREPARE=1 ;;
    --out | --log-dir) DIR=${2:-}; [ -n "$DIR" ] || usage; shift ;;
    --bundle) BUNDLE=${2:-}; [ -n "$BUNDLE" ] || usage; BUNDLE=$(readlink -f "$BUNDLE"); shift ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
    *) usage ;;
  esac
  shift
done
if [ "$PREPARE" = 1 ]; then
  prepare
else
  check
fi
