#!/usr/bin/env bash
# Simulation-based calibration, the longer run: the calibration tests of
# tests/regression_calibration_test.cpp (both models, both samplers, two covariates; coverage of
# 95% / 50% intervals and SBC rank histograms with a chi-square test) with more repetitions.
#
#   scripts/sbc.sh [REPS]      # default 1000 per model and sampler; CI runs 200 (HMC) / 100 (Gibbs)
#
# Prints each histogram and coverage count; exits non-zero if a check fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reps="${1:-1000}"
"$root/scripts/build.sh" >/dev/null
HBMETA_SBC_REPS="$reps" "$root/build/tests/hbmeta_tests" --gtest_filter='RegressionCalibration.*'
