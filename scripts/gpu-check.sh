#!/usr/bin/env bash
# The GPU check, one command on a machine with an NVIDIA GPU (Hopper, sm_90):
#   1. uses the prepared bundle gpu-bundle.tar.gz (see --prepare) or else builds hbmeta for sm_90 + PTX
#      in build-gpu/;
#   2. runs the GPU tests (CudaEngine, and the engine and layout tests beside them; the CUDA ones
#      fail here rather than skip: a device is required);
#   3. prints the benchmark table (scripts/bench/gpu_table.py): study-gradient evaluations per
#      second and the fraction of the FP64 bound, the same for each GPU layout (lanes per chain)
#      at three sizes of K, and bulk ESS/s of mu and tau for hbmeta on the GPU, hbmeta on the CPU
#      and NumPyro (vectorized chains) on the same GPU, with ratios.
# The table is printed even when a test fails; the exit status is then 1. With --log-dir DIR the
# test log and the table are also written there (gpu-tests.log, gpu-table.md).
#
# A GPU machine without the build dependencies (no network, no apt): prepare on a development
# machine with nvcc, `scripts/gpu-check.sh --prepare`, which builds build-gpu/ for sm_90 and packs
# the two binaries (stripped) and the shared libraries they need into gpu-bundle.tar.gz (about
# 40 MB); bring that file along and run `scripts/gpu-check.sh` there, which unpacks it. In the
# bundle, hbmeta and hbmeta_tests are small wrappers that put the bundle's libraries on the
# library path of those two programs only (NumPyro, run beside them, keeps the machine's own).
# The tests find this checkout's fixtures through HBMETA_TEST_SOURCE_DIR
# (tests/support/test_paths.hpp).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${HBMETA_GPU_BUILD:-build-gpu}  # the build folder (overridable, e.g. to reuse an sm_90 build)
BUNDLE=gpu-bundle
LOG_DIR=""

build() {
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="90-real;90-virtual" >/dev/null
  cmake --build "$BUILD" -j"$(nproc)"
}

case "${1:-}" in
  --prepare)
    scripts/install_deps.sh --tests
    build
    rm -rf "$BUNDLE" "$BUNDLE.tar.gz"
    mkdir -p "$BUNDLE/bin" "$BUNDLE/lib"
    cp "$BUILD/hbmeta" "$BUILD/tests/hbmeta_tests" "$BUNDLE/bin/"
    strip --strip-unneeded "$BUNDLE/bin/hbmeta" "$BUNDLE/bin/hbmeta_tests"
    for bin in "$BUNDLE/bin/hbmeta" "$BUNDLE/bin/hbmeta_tests"; do
      ldd "$bin" | awk '/=> \//{print $3}' | grep -v -E '/(libc|libm|libpthread|libdl|librt|ld-linux|libcuda)[.-]' |
        xargs -r -I{} cp -L -n {} "$BUNDLE/lib/"
      name=$(basename "$bin")
      printf '#!/bin/sh\nhere=$(dirname "$(readlink -f "$0")")\nLD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/bin/%s" "$@"\n' \
        "$name" >"$BUNDLE/$name"
      chmod +x "$BUNDLE/$name"
    done
    tar czf "$BUNDLE.tar.gz" "$BUNDLE"
    rm -rf "$BUNDLE"
    echo "prepared $BUNDLE.tar.gz for sm_90 ($(du -h "$BUNDLE.tar.gz" | cut -f1)); bring it to the GPU machine and run scripts/gpu-check.sh"
    exit 0
    ;;
  --log-dir)
    LOG_DIR="${2:?--log-dir needs a folder}"
    mkdir -p "$LOG_DIR"
    ;;
  "") ;;
  *)
    echo "usage: scripts/gpu-check.sh [--prepare | --log-dir DIR]" >&2
    exit 2
    ;;
esac

if [ -f "$BUNDLE.tar.gz" ] && [ ! -d "$BUNDLE" ]; then
  tar xzf "$BUNDLE.tar.gz"
fi
if [ -x "$BUNDLE/hbmeta" ]; then
  BIN="$PWD/$BUNDLE/hbmeta"
  TESTS="$PWD/$BUNDLE/hbmeta_tests"
else
  [ -x "$BUILD/hbmeta" ] || build
  BIN="$PWD/$BUILD/hbmeta"
  TESTS="$PWD/$BUILD/tests/hbmeta_tests"
fi
export HBMETA_TEST_SOURCE_DIR="$PWD" HBMETA_TEST_BINARY="$BIN"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader || true
"$BIN" --version

echo "== GPU tests"
tests_ok=1
log=$(mktemp)
if ! HBMETA_REQUIRE_GPU=1 "$TESTS" --gtest_filter='CudaEngine*:BatchEngine*:GroupLayout*' 2>&1 | tee "$log"; then
  tests_ok=0
fi
grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$log" || true
[ -n "$LOG_DIR" ] && cp "$log" "$LOG_DIR/gpu-tests.log"

echo "== benchmark table"
work=$(mktemp -d)
table=$(mktemp)
python3 scripts/bench/gpu_table.py "$BIN" data/rescue_simulated.csv "$work" | tee "$table"
[ -n "$LOG_DIR" ] && cp "$table" "$LOG_DIR/gpu-table.md"
if [ "$tests_ok" = 0 ]; then
  echo "GPU tests FAILED (log above)" >&2
  exit 1
fi
