#!/usr/bin/env bash
# The GPU check, one command on a machine with an NVIDIA GPU (Hopper, sm_90):
#   1. builds hbmeta for sm_90 + PTX in build-gpu/ (skipped when build-gpu/ was prepared already);
#   2. runs the GPU tests (the CudaEngine suite; they fail here rather than skip: a device is required);
#   3. prints the benchmark table (scripts/bench/gpu_table.py): study-gradient evaluations per
#      second and the fraction of the FP64 bound, bulk ESS/s of mu and tau for hbmeta on the GPU,
#      hbmeta on the CPU and NumPyro (vectorized chains) on the same GPU, with ratios.
#
# A GPU machine without the build dependencies (no network, no apt): prepare the build on a
# development machine with nvcc first, `scripts/gpu-check.sh --prepare`, which builds build-gpu/
# for sm_90 and copies the shared libraries the binaries need into build-gpu/lib; then bring
# build-gpu/ along and run `scripts/gpu-check.sh` there.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build-gpu

build() {
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="90-real;90-virtual" >/dev/null
  cmake --build "$BUILD" -j"$(nproc)"
}

if [ "${1:-}" = "--prepare" ]; then
  scripts/install_deps.sh --tests
  build
  mkdir -p "$BUILD/lib"
  for bin in "$BUILD/hbmeta" "$BUILD/tests/hbmeta_tests"; do
    ldd "$bin" | awk '/=> \//{print $3}' | grep -v -E '/(libc|libm|libpthread|libdl|librt|ld-linux)[.-]' |
      xargs -r -I{} cp -L {} "$BUILD/lib/"
  done
  echo "prepared $BUILD/ for sm_90 ($(du -sh "$BUILD" | cut -f1)); bring it to the GPU machine and run scripts/gpu-check.sh"
  exit 0
fi

if [ ! -x "$BUILD/hbmeta" ]; then
  build
fi
export LD_LIBRARY_PATH="$PWD/$BUILD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
"$BUILD/hbmeta" --version

echo "== GPU tests"
HBMETA_REQUIRE_GPU=1 "$BUILD/tests/hbmeta_tests" --gtest_filter='CudaEngine*:BatchEngine*'

echo "== benchmark table"
work=$(mktemp -d)
python3 scripts/bench/gpu_table.py "$BUILD/hbmeta" data/rescue_simulated.csv "$work"
