#!/usr/bin/env python3
"""Checks that two hbmeta builds give the same outputs, byte for byte.

    scripts/compare_builds.py OLD/hbmeta NEW/hbmeta [--work DIR] [--keep]

For a change that must not change behaviour (moving code between files and libraries, splitting
a file): runs the same commands with both binaries, each from its own folder with the same
relative output paths (so the recorded command lines are equal), and compares every file written.
summary.json and batch_info.json are compared with their "timing" objects removed and report.html
with its run time blanked (wall-clock seconds differ run to run), stdout and stderr without their
progress and timing lines; every other file must be byte-identical. Exit status 0 when all
outputs match, 1 otherwise (each difference is listed).

The runs: the bundled rescue data (every outcome, HMC, draws and report), the same with the
Polya-Gamma Gibbs sampler, a two-arm meta-regression (BCG trials with year), a two-arm fit with
random baselines, a batch of every outcome of the bundled data and the BCG trials, and two
replicates of every example simulation scenario (with the simulated data). All on
the CPU backend with a fixed seed and two threads.
"""
import argparse
import filecmp
import re
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESCUE = os.path.join(ROOT, "data", "rescue_simulated.csv")
BCG = os.path.join(ROOT, "tests", "fixtures", "reference", "bcg_year.csv")
SCENARIOS = os.path.join(ROOT, "data", "scenarios_example.json")

COMMON = ["--device", "cpu", "--seed", "20261203", "--threads", "2"]
RUNS = [
    ("fit_rescue_hmc", ["fit", RESCUE, "--out", "out", "--report", "--unit", "clinic"]),
    ("fit_rescue_gibbs", ["fit", RESCUE, "--out", "out", "--sampler", "gibbs"]),
    ("fit_bcg_year", ["fit", BCG, "--out", "out", "--covariates", "year", "--ignore-columns", "ablat"]),
    ("fit_bcg_random_baselines", ["fit", BCG, "--out", "out", "--baseline", "random", "--ignore-columns", "year,ablat"]),
    ("batch_rescue", ["batch", RESCUE, "--out", "out"]),
    ("batch_bcg", ["batch", BCG, "--out", "out", "--ignore-columns", "year,ablat"]),
    ("simulate_example", ["simulate", "--scenario", SCENARIOS, "--reps", "2", "--out", "out", "--write-data"]),
]
TIMED = {"summary.json", "batch_info.json"}
# The report states the run's wall-clock time ("4.41 s on 2 threads"): compared with the number blanked.
REPORT_TIME = re.compile(rb"[0-9.]+ s on [0-9]+ threads?")


def drop_timing(value):
    if isinstance(value, dict):
        return {k: drop_timing(v) for k, v in value.items() if k != "timing"}
    if isinstance(value, list):
        return [drop_timing(v) for v in value]
    return value


def run_all(binary, where):
    for name, args in RUNS:
        folder = os.path.join(where, name)
        os.makedirs(folder)
        with open(os.path.join(folder, "stdout.txt"), "w") as out, open(os.path.join(folder, "stderr.txt"), "w") as err:
            rc = subprocess.call([binary] + args + COMMON, cwd=folder, stdout=out, stderr=err)
        with open(os.path.join(folder, "exit_status.txt"), "w") as f:
            f.write(f"{rc}\n")


def compare(a, b):
    """Relative paths that differ, are missing on one side, or match; files under a and b."""
    def files(top):
        found = set()
        for d, _, names in os.walk(top):
            for n in names:
                found.add(os.path.relpath(os.path.join(d, n), top))
        return found
    fa, fb = files(a), files(b)
    differ, same = [], 0
    for rel in sorted(fa ^ fb):
        differ.append(f"{rel}: only in {'old' if rel in fa else 'new'}")
    for rel in sorted(fa & fb):
        pa, pb = os.path.join(a, rel), os.path.join(b, rel)
        if os.path.basename(rel) in TIMED:
            with open(pa) as x, open(pb) as y:
                equal = drop_timing(json.load(x)) == drop_timing(json.load(y))
        elif rel.endswith("stderr.txt") or rel.endswith("stdout.txt"):
            # progress lines and "took N s" lines carry wall-clock times
            def clean(p):
                with open(p, errors="replace") as f:
                    return [l for l in f.read().replace("\r", "\n").split("\n") if " s" not in l and "it/s" not in l]
            equal = clean(pa) == clean(pb)
        elif rel.endswith(".html"):
            with open(pa, "rb") as x, open(pb, "rb") as y:
                equal = REPORT_TIME.sub(b"T", x.read()) == REPORT_TIME.sub(b"T", y.read())
        else:
            equal = filecmp.cmp(pa, pb, shallow=False)
        if equal:
            same += 1
        else:
            differ.append(f"{rel}: differs")
    return differ, same


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--work", help="folder for the outputs (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the outputs")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="hbmeta-compare-")
    old_dir, new_dir = os.path.join(work, "old"), os.path.join(work, "new")
    for d in (old_dir, new_dir):
        shutil.rmtree(d, ignore_errors=True)
    run_all(os.path.abspath(a.old), old_dir)
    run_all(os.path.abspath(a.new), new_dir)
    differ, same = compare(old_dir, new_dir)
    print(f"{len(RUNS)} runs; {same} files identical" + (" (summary.json and batch_info.json without timing)" if same else ""))
    for line in differ:
        print("DIFFERS " + line)
    if not a.keep and not a.work:
        shutil.rmtree(work)
    else:
        print(f"outputs in {work}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
