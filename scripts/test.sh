#!/usr/bin/env bash
# Builds hbmeta and runs the whole test suite (ctest), then the sanitizer build of the suite and
# a short fuzzing run (docs/fuzzing.md). This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh --tests
# The draws-CSV test must find R and its posterior package here (installed above), not skip.
export HBMETA_REQUIRE_R=1
scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 900
cd ..
# ASan + UBSan build of the suite (build-asan/, CPU only; ~5 min on 2 cores) and 20 s of
# fuzzing per target (build-fuzz/; ~1 min): docs/fuzzing.md. HBMETA_SKIP_SANITIZE=1 or
# HBMETA_SKIP_FUZZ=1 leaves one out; HBMETA_FUZZ_SECONDS sets the fuzzing time per target.
[ "${HBMETA_SKIP_SANITIZE:-0}" = 1 ] || scripts/sanitize.sh
[ "${HBMETA_SKIP_FUZZ:-0}" = 1 ] || scripts/fuzz.sh "${HBMETA_FUZZ_SECONDS:-20}"
