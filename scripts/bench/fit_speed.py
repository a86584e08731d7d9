#!/usr/bin/env python3
"""Side-by-side speed of `hbmeta fit` builds: ESS per second of mu and tau, per outcome.

Runs each build (NAME=PATH) on each data file and seed with the same options, and prints one
row per (data, outcome, build): wall seconds of the whole command (median over seeds), bulk
ESS of mu and tau (median over seeds), ESS/s, step size, mean acceptance, mean leapfrog steps,
divergences (sum over seeds) and the ratio of ESS/s of tau to the first build's. Used for the
engine's before/after table in docs/benchmarks.md.

  scripts/bench/fit_speed.py --build before=/path/hbmeta --build after=build/hbmeta \
      --data data/rescue_simulated.csv --seeds 3 --threads 2 [-- extra fit options]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run(binary, data, seed, threads, extra, env, use_internal):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        cmd = [binary, "fit", data, "--out", out, "--seed", str(seed), "--threads", str(threads), "--quiet"] + extra
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env)
        wall = time.perf_counter() - t0
        with open(os.path.join(out, "summary.json")) as f:
            s = json.load(f)
        if use_internal:
            wall = s["timing"]["seconds"]
    rows = {}
    for name, o in s["outcomes"].items():
        p = o["parameters"]
        d = o["diagnostics"]
        rows[name] = dict(ess_mu=p["mu"]["ess_bulk"], ess_tau=p["tau"]["ess_bulk"], eps=d.get("step_size", float("nan")),
                          acc=d.get("mean_accept_prob", float("nan")), steps=d.get("mean_leapfrog_steps", float("nan")),
                          div=d.get("divergences", 0))
    return wall, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", action="append", required=True, help="NAME=PATH of an hbmeta binary (first = baseline)")
    ap.add_argument("--data", action="append", required=True)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--internal", action="store_true",
                    help="time = summary.json timing.seconds (sampling and summaries, without start-up and writing)")
    ap.add_argument("extra", nargs="*")
    a = ap.parse_args()
    builds = [b.split("=", 1) for b in a.build]
    print("| data | outcome | build | %s s |" % ("internal" if a.internal else "wall") + " ESS mu | ESS tau | ESS/s mu | ESS/s tau | tau ESS/s vs %s | step size | accept | leapfrog | div |" % builds[0][0])
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for data in a.data:
        # The builds take turns seed by seed, so that a slow spell of the machine hits them alike.
        walls = {name: [] for name, _ in builds}
        pers = {name: {} for name, _ in builds}
        for k in range(a.seeds):
            for name, path in builds:
                w, rows = run(path, data, 20240601 + k, a.threads, a.extra, dict(os.environ), a.internal)
                walls[name].append(w)
                for o, r in rows.items():
                    pers[name].setdefault(o, []).append(r)
        res = {name: (statistics.median(walls[name]), pers[name]) for name, _ in builds}
        base_wall, base = res[builds[0][0]]
        for o in base:
            for name, _ in builds:
                wall, per = res[name]
                rs = per[o]
                n_out = len(per)
                med = lambda key: statistics.median(r[key] for r in rs)
                # The command fits every outcome: charge each outcome its share of the wall time.
                share = wall / n_out
                b_rs = base[o]
                b_share = base_wall / len(base)
                ratio = (med("ess_tau") / share) / (statistics.median(r["ess_tau"] for r in b_rs) / b_share)
                print("| %s | %s | %s | %.3f | %.0f | %.0f | %.0f | %.0f | %.2f | %.3g | %.3f | %.1f | %d |" % (
                    os.path.basename(data), o, name, wall, med("ess_mu"), med("ess_tau"), med("ess_mu") / share,
                    med("ess_tau") / share, ratio, med("eps"), med("acc"), med("steps"), sum(r["div"] for r in rs)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
