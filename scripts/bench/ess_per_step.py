#!/usr/bin/env python3
"""Sampler efficiency independent of machine load: min(bulk ESS of mu, tau) per leapfrog step
(sampling phase), per outcome and as a geometric mean, over the validation and bundled datasets.
Deterministic for a given binary and seeds, so it compares tuning choices without timing noise.

    scripts/bench/ess_per_step.py [build/hbmeta] [extra hbmeta options...]
"""
import json, math, os, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build", "hbmeta")
extra = sys.argv[2:]
files = ["tests/fixtures/reference/pritz1997.csv", "tests/fixtures/reference/hannum2020.csv",
         "tests/fixtures/large_n.csv", "tests/fixtures/rare_events.csv", "data/rescue_simulated.csv"]
logs, worst = [], float("inf")
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "o")
    for f in files:
        for seed in (1, 2):
            subprocess.run([binary, "fit", os.path.join(root, f), "--out", out, "--force", "--quiet",
                            "--threads", "1", "--seed", str(seed)] + extra, check=True)
            d = json.load(open(os.path.join(out, "summary.json")))
            for name, o in d["outcomes"].items():
                steps = o["diagnostics"]["mean_leapfrog_steps"]
                ess = min(o["parameters"]["tau"]["ess_bulk"], o["parameters"]["mu"]["ess_bulk"])
                print(f"{name:34s} seed {seed}  min ESS {ess:8.0f}  steps {steps:6.1f}  ESS/step {ess / steps:8.1f}")
                logs.append(math.log(ess / steps))
                worst = min(worst, ess)
print(f"geometric mean ESS/step {math.exp(sum(logs) / len(logs)):.1f} over {len(logs)} fits; smallest min ESS {worst:.0f}")
