#!/usr/bin/env bash
# Builds the test suite with AddressSanitizer + UndefinedBehaviorSanitizer (g++, CPU only) into
# build-asan/ and runs it with ctest: any memory error, leak or undefined behaviour fails the
# test it happens in. Extra arguments go to ctest (e.g. -R CsvReader). See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
# -O1 -g1: the optimisation level ASan's documentation recommends, with line tables only (enough
# for file:line in every report). Full -g at -O2 compiled each test file about 2.4x slower
# (two_arm_gradient_test.cpp: 24.6 s against 10.1 s), most of CI's time in this build.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
  -DHBMETA_SANITIZE=ON -DHBMETA_ENABLE_CUDA=OFF >/dev/null
cmake --build build-asan -j"$(nproc)"

# The long statistical tests are left out: they run the same samplers, readers and writers as
# the fast tests (which do run here), only for many more iterations and replications, and under
# ASan/UBSan (2-5x slower) they would take most of CI's time budget. The normal build in
# scripts/test.sh runs them all.
long_tests='Calibration|SamplerMatchesQuadrature|TwoArmMatchesStan|ExtremeInputs|ExtremeData|PolyaGamma|CliReliability|GibbsPriors|GibbsVsHmc|StudyEffects|MixedPValuesAreCalibrated|VariantsEqualSeparateFits|LockstepLanesAndStaging|DesignHierarchical|DesignCli.BundledData|DesignCli.TwoArm'

cd build-asan
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
ctest --output-on-failure -j"$(nproc)" --timeout 900 -E "$long_tests|Mpi" "$@"
# The MPI test runs hbmeta under mpirun: Open MPI's own start-up allocations (in libmpi and in
# components it loads and unloads, so no suppression can name them) are reported as leaks at exit.
# It still runs here for memory errors and undefined behaviour, with leak detection off.
if [ $# -eq 0 ]; then
  ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}" ctest --output-on-failure --timeout 900 -R Mpi
fi
