#!/usr/bin/env python3
"""Benchmark table of scripts/gpu-check.sh: hbmeta on the GPU, hbmeta on the CPU and NumPyro
(NUTS, chain_method="vectorized", on the same GPU) on the bundled single-arm outcomes, the same
model, priors and data, in one run. On the device it runs as a step of scripts/gpu-check.sh
(bash scripts/gpu-check.sh --out "$OUT", the bundle carried); alone:

    gpu_table.py HBMETA DATA.csv WORKDIR [--device cuda|cpu] [--budget-seconds S] [--skip-numpyro]
                 [--markdown FILE] [--fp64-tflops 33.5] [--gpu-chains 4096] [--numpyro-chains 1024]
                 [--numpyro-outcomes 3] [--min-kernel-seconds 0.1] [--repeats 3]
                 [--command-timeout 180] [--cpu-dry-run]

Made for a rare, short GPU session: every row is printed (and flushed, and appended to
--markdown) as soon as it is measured; a row that fails is printed with its error and the table
goes on; no row starts after --budget-seconds (the rows left out are named); every command has
a timeout. --device cpu (or --cpu-dry-run, which also uses 64 chains) runs the "GPU" rows on the
CPU to check the script without a GPU: the numbers then mean nothing.

Rows, in this order (cheapest and most wanted first):
  1. study-gradient evaluations per second, GPU (the engine's layout) and CPU, and the fraction
     of the FP64 arithmetic bound the gradient kernel reaches;
  2. the same for every GPU layout (lanes per chain 1, 4, 8, 32) at three sizes of K (the data,
     and its studies repeated 8 and 64 times): the measurement the engine's layout rule
     (host/engine/batch_engine.hpp, kWarpLayoutStudies) is to be set from;
  3. the engine's layout with the study data staged in shared memory against read from global;
  4. per outcome the bulk ESS per second of mu and tau for hbmeta GPU, hbmeta CPU and NumPyro,
     with ratios. NumPyro fits --numpyro-outcomes outcomes (the smallest, median and largest K).

Gradient timings: `hbmeta bench-gradient` times one kernel launch of E evaluations per chain
with the engine's clock (steady_clock around the launch and its synchronisation, after an
untimed one-evaluation round; process start-up, CUDA context creation, allocation and upload
excluded). E is sized so that the kernel runs at least --min-kernel-seconds (a calibration run
first), then one untimed run of that size warms the device up, then --repeats runs of that size
give the median. ESS: every sampler's draws go through the same estimator (hbmeta's, which
matches the R package posterior). Seconds: hbmeta's summary.json timing (sampling and all
summaries of all outcomes, which share one launch, so each outcome is charged the whole run:
conservative), NumPyro's mcmc.run per outcome after compilation (its first, compiling run is
reported separately).
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import threading
import time

LANES = (1, 4, 8, 32)
SIZES = ((1, 1), (8, 1), (64, 8))  # (studies repeated, chains divided by): state stays a few GB
START = time.monotonic()


class Table:
    """Prints lines as they come (flushed), and appends them to a markdown file when given."""

    def __init__(self, markdown):
        self.markdown = markdown

    def __call__(self, line=""):
        print(line, flush=True)
        if self.markdown:
            with open(self.markdown, "a", encoding="utf-8") as f:
                f.write(line + "\n")


class Budget:
    def __init__(self, seconds, command_timeout):
        self.seconds = seconds
        self.command_timeout = command_timeout
        self.skipped = []

    def left(self):
        return math.inf if self.seconds is None else self.seconds - (time.monotonic() - START)

    def allows(self, what):
        """Whether a row may start; if not, it is remembered as skipped."""
        if self.left() > 0:
            return True
        self.skipped.append(what)
        return False

    def timeout(self):
        """A command's timeout: its own limit, shortened once the budget is nearly spent (to no
        less than 20 s, so that a command allowed to start can finish a short run)."""
        return min(self.command_timeout, max(20.0, self.left() + 30))


def short_error(e):
    if isinstance(e, subprocess.TimeoutExpired):
        return f"timed out after {e.timeout:.0f} s"
    if isinstance(e, subprocess.CalledProcessError):
        lines = [ln.strip() for ln in (e.stderr or "").splitlines() if ln.strip()]
        return f"exit {e.returncode}: " + (lines[-1] if lines else "(no message)")
    return f"{type(e).__name__}: {e}"


def cell_error(e):
    return "error: " + short_error(e).replace("|", "/")[:160]


def run(cmd, timeout):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout)


class Bench:
    def __init__(self, args, budget):
        self.b, self.data, self.args, self.budget = args.binary, args.data, args, budget
        self.sized = {}  # (device, chains, replicate) -> E of the last cell: the next one calibrates from it

    def once(self, device, chains, evaluations, lanes, replicate, study_data):
        out = run([self.b, "bench-gradient", self.data, "--device", device, "--chains", str(chains),
                   "--evaluations", str(evaluations), "--lanes", str(lanes), "--replicate", str(replicate),
                   "--study-data", study_data], self.budget.timeout()).stdout
        return json.loads(out.strip().splitlines()[-1])

    def timed(self, device, chains, lanes=0, replicate=1, study_data="shared"):
        """Median of --repeats kernels of at least --min-kernel-seconds, after a warm-up run of
        the same size; returns the median run's report, with "runs": the sorted seconds of all."""
        target = self.args.min_kernel_seconds
        key = (device, chains, replicate)
        e = max(1, self.sized.get(key, 40) // 10)
        while True:  # calibration: grow E until the kernel takes 10 ms, then scale to the target
            g = self.once(device, chains, e, lanes, replicate, study_data)
            if g["seconds"] >= 0.01 or e >= 1_000_000:
                break
            e = min(1_000_000, e * max(2, math.ceil(0.02 / max(g["seconds"], 1e-6))))
        e = min(10_000_000, max(e, math.ceil(e * 1.2 * target / max(g["seconds"], 1e-9))))
        self.sized[key] = e
        self.once(device, chains, e, lanes, replicate, study_data)  # warm-up, same size
        runs = sorted((self.once(device, chains, e, lanes, replicate, study_data)
                       for _ in range(self.args.repeats)), key=lambda r: r["seconds"])
        med = runs[len(runs) // 2]
        med["runs"] = [r["seconds"] for r in runs]
        return med

    def layout_of(self, device, chains, replicate):
        return self.once(device, chains, 1, 0, replicate, "shared")["lanes_per_chain"]


def fit(args, budget, out, extra):
    t0 = time.perf_counter()
    run([args.binary, "fit", args.data, "--out", out, "--force", "--quiet", "--frequentist", "none"] + extra,
        budget.timeout())
    wall = time.perf_counter() - t0
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    # timing.seconds: sampling and summaries of every outcome, without process start-up (CUDA
    # context creation) and without writing the output files.
    seconds = summary["timing"]["seconds"]
    ess = {name: (o["parameters"]["mu"]["ess_bulk"], o["parameters"]["tau"]["ess_bulk"])
           for name, o in summary["outcomes"].items() if o.get("model_kind", "single-arm") == "single-arm"}
    return seconds, wall, ess


def single_arm_sizes(path):
    k = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row.get("events") and row.get("total"):
                k[row["outcome"]] = k.get(row["outcome"], 0) + 1
    return k


def spread_pick(sizes, n):
    """n outcomes spread over K: the smallest, the largest and evenly between (by rank)."""
    names = sorted(sizes, key=lambda o: (sizes[o], o))
    if n >= len(names):
        return names
    if n == 1:
        return [names[len(names) // 2]]
    return sorted({names[round(i * (len(names) - 1) / (n - 1))] for i in range(n)}, key=names.index)


def numpyro_fits(args, budget, table, outcomes, out_dir):
    """NumPyro per outcome, read line by line as each outcome finishes, so that a timeout keeps
    the outcomes already done. Returns {outcome: (seconds, seconds_first, ess_mu, ess_tau)}."""
    here = os.path.dirname(os.path.abspath(__file__))
    cmd = [sys.executable, os.path.join(here, "numpyro_single_arm.py"), args.data, out_dir,
           "--chains", str(args.numpyro_chains), "--warmup", "500", "--draws", "250",
           "--outcomes", ",".join(outcomes)]
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    limit = max(60.0, budget.left() + 30) if budget.seconds is not None else args.numpyro_timeout
    limit = min(limit, args.numpyro_timeout)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killer = threading.Timer(limit, proc.kill)
    killer.start()
    err = []
    reader = threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True)
    reader.start()
    res = {}
    try:
        for line in proc.stdout:
            try:
                rec = json.loads(line)
                d = json.loads(run([args.binary, "diagnose", os.path.join(out_dir, rec["outcome"] + ".csv"),
                                    "--json"], budget.timeout()).stdout)
                res[rec["outcome"]] = (rec["seconds"], rec["seconds_first"], d["mu"]["ess_bulk"], d["tau"]["ess_bulk"])
                table(f"NumPyro {rec['outcome']}: {rec['seconds']:.2f} s ({rec['seconds_first']:.2f} s with "
                      f"compilation)")
            except Exception as e:  # noqa: BLE001 - one outcome's failure is reported, the rest go on
                table(f"NumPyro: a result could not be read ({cell_error(e)}): {line.strip()[:120]}")
        proc.wait()
    finally:
        killer.cancel()
    reader.join(timeout=5)
    if proc.returncode != 0:
        last = [ln.strip() for ln in err if ln.strip()]
        why = (f"killed after {limit:.0f} s" if proc.returncode < 0 else f"exit {proc.returncode}")
        table(f"NumPyro: {why}; {len(res)} of {len(outcomes)} outcomes done"
              + (f"; last message: {last[-1][:160]}" if last else ""))
    return res


def fmt(x, spec=".3g", unit=""):
    return "-" if x is None else format(x, spec) + unit


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary", help="hbmeta (e.g. the bundle's wrapper)")
    ap.add_argument("data")
    ap.add_argument("work", help="folder for the fits' outputs")
    ap.add_argument("--device", choices=("cuda", "cpu"), default="cuda",
                    help="where the 'GPU' rows run (cpu: to check this script without a GPU)")
    ap.add_argument("--budget-seconds", type=float, default=None,
                    help="start no row after this many seconds from the start (default: no limit)")
    ap.add_argument("--skip-numpyro", action="store_true", help="leave NumPyro out")
    ap.add_argument("--markdown", help="also append every table line to this file")
    ap.add_argument("--fp64-tflops", type=float, default=33.5,
                    help="FP64 (non-tensor) peak of the GPU; H100/H200 SXM datasheet: 33.5-34 TFLOP/s")
    ap.add_argument("--gpu-chains", type=int, default=4096)
    ap.add_argument("--cpu-chains", type=int, default=64, help="chains of the CPU gradient row")
    ap.add_argument("--numpyro-chains", type=int, default=1024)
    ap.add_argument("--numpyro-outcomes", type=int, default=3,
                    help="fit this many outcomes with NumPyro (spread over K; 0 = all)")
    ap.add_argument("--numpyro-timeout", type=float, default=400)
    ap.add_argument("--min-kernel-seconds", type=float, default=0.1,
                    help="size each timed kernel to run at least this long")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per cell (the median is shown)")
    ap.add_argument("--command-timeout", type=float, default=180, help="seconds per hbmeta command")
    ap.add_argument("--cpu-dry-run", action="store_true",
                    help="--device cpu with 64 'GPU' chains; NumPyro skipped when not installed")
    args = ap.parse_args()
    if args.cpu_dry_run:
        args.device, args.gpu_chains = "cpu", 64
    os.makedirs(args.work, exist_ok=True)
    table = Table(args.markdown)
    budget = Budget(args.budget_seconds, args.command_timeout)
    bench = Bench(args, budget)
    dev = args.device
    gpu_name = "GPU" if dev == "cuda" else "'GPU' (run on the CPU)"
    failures = 0

    # 1. the gradient kernel
    table(f"Gradient timings: bench-gradient's own clock (one kernel launch + synchronisation; no start-up, "
          f"context creation, allocation or upload), kernels sized to >= {args.min_kernel_seconds:g} s, "
          f"median of {args.repeats} after a warm-up run of the same size.")
    table()
    table(f"| gradient kernel | study-gradients/s | GFLOP/s | fraction of FP64 bound ({args.fp64_tflops} TFLOP/s) "
          f"| evaluations x chains x studies | seconds (runs) |")
    table("|---|---:|---:|---:|---:|---|")
    for name, device, chains in ((f"hbmeta {gpu_name}", dev, args.gpu_chains), ("hbmeta CPU", "cpu", args.cpu_chains)):
        label = f"{name} ({chains} chains/outcome, engine's layout)"
        if not budget.allows(label):
            continue
        try:
            g = bench.timed(device, chains)
            frac = g["gflops"] / (args.fp64_tflops * 1e3) if device == "cuda" else None
            table(f"| {label} | {g['study_gradients_per_second']:.3g} | {g['gflops']:.3g} | {fmt(frac, '.1%')} | "
                  f"{g['evaluations']} x {g['chains']} x {g['studies']} | "
                  f"{g['seconds']:.3f} ({', '.join(f'{s:.3f}' for s in g['runs'])}) |")
        except Exception as e:  # noqa: BLE001 - a failing row is reported and the table goes on
            failures += 1
            table(f"| {label} | {cell_error(e)} | | | | |")
    table()

    # 2. layouts x K, and 3. where the study data are read
    table("| GPU layout: study-gradients/s | " + " | ".join(f"{n} lane{'s' if n > 1 else ''}/chain" for n in LANES)
          + " | best | engine's choice |")
    table("|---|" + "---:|" * (len(LANES) + 2))
    auto = {}
    for replicate, divide in SIZES:
        chains = max(1, args.gpu_chains // divide)
        label = f"studies x{replicate}, {chains} chains/outcome"
        if not budget.allows("layout row " + label):
            continue
        rates, studies = {}, None
        for n in LANES:
            try:
                g = bench.timed(dev, chains, n, replicate)
                rates[n], studies = g["study_gradients_per_second"], g["studies"]
            except Exception as e:  # noqa: BLE001
                failures += 1
                rates[n] = cell_error(e)
        try:
            auto[replicate] = bench.layout_of(dev, chains, replicate)
        except Exception as e:  # noqa: BLE001
            failures += 1
            auto[replicate] = cell_error(e)
        ok = {n: r for n, r in rates.items() if not isinstance(r, str)}
        best = max(ok, key=ok.get) if ok else "-"
        label = f"studies x{replicate} ({studies} in all), {chains} chains/outcome" if studies else label
        cells, seen = [], set()
        for r in list(rates.values()) + [auto[replicate]]:
            cells.append("(same error)" if isinstance(r, str) and r in seen else
                         r if isinstance(r, (str, int)) else f"{r:.3g}")
            if isinstance(r, str):
                seen.add(r)
        table(f"| {label} | " + " | ".join(cells[:-1]) + f" | {best} | {cells[-1]} |")
    table()
    table("| GPU study data (engine's layout) | shared memory | where | global memory | shared/global |")
    table("|---|---:|---|---:|---:|")
    for replicate, divide in SIZES:
        chains = max(1, args.gpu_chains // divide)
        lanes = auto.get(replicate)
        label = f"studies x{replicate}, {chains} chains/outcome, {lanes} lane(s)/chain"
        if not budget.allows("staging row " + label):
            continue
        if not isinstance(lanes, int):
            table(f"| studies x{replicate} | error: no engine's layout (see above) | | | |")
            continue
        try:
            sh = bench.timed(dev, chains, lanes, replicate, "shared")
            gl = bench.timed(dev, chains, lanes, replicate, "global")
            table(f"| {label} | {sh['study_gradients_per_second']:.3g} | {sh['study_data']} | "
                  f"{gl['study_gradients_per_second']:.3g} | "
                  f"{sh['study_gradients_per_second'] / gl['study_gradients_per_second']:.2f} |")
        except Exception as e:  # noqa: BLE001
            failures += 1
            table(f"| {label} | {cell_error(e)} | | | |")
    table()

    # 4. ESS per second
    fits = {}
    for key, label, extra in (
            ("gpu", f"hbmeta {gpu_name}: {args.gpu_chains} chains x 250 draws, all outcomes in one run",
             ["--device", dev, "--chains", str(args.gpu_chains), "--warmup", "500", "--draws", "250"]),
            ("cpu", "hbmeta CPU: 16 chains x 1000 draws", ["--device", "cpu"])):
        if not budget.allows("fit " + label):
            continue
        try:
            seconds, wall, ess = fit(args, budget, os.path.join(args.work, key), extra)
            fits[key] = (seconds, ess)
            table(f"{label}: {seconds:.2f} s (summary.json timing; whole command {wall:.2f} s)")
        except Exception as e:  # noqa: BLE001
            failures += 1
            table(f"{label}: {cell_error(e)}")
    npy = {}
    if args.skip_numpyro:
        table("NumPyro: skipped (--skip-numpyro)")
    else:
        try:
            import numpyro  # noqa: F401
            have_numpyro = True
        except ImportError as e:
            have_numpyro = False
            table(f"NumPyro: not installed ({e}): skipped")
            failures += 0 if args.device == "cpu" else 1
        if have_numpyro and budget.allows("NumPyro"):
            sizes = single_arm_sizes(args.data)
            outcomes = spread_pick(sizes, args.numpyro_outcomes) if args.numpyro_outcomes > 0 else sorted(sizes)
            try:
                npy = numpyro_fits(args, budget, table, outcomes, os.path.join(args.work, "numpyro"))
                failures += len(outcomes) - len(npy)
            except Exception as e:  # noqa: BLE001
                failures += 1
                table(f"NumPyro: {cell_error(e)}")
            table(f"NumPyro: {args.numpyro_chains} chains x 250 draws per outcome, vectorized.")
    table()
    names = list(dict.fromkeys([n for key in ("gpu", "cpu") if key in fits for n in fits[key][1]] + list(npy)))
    if names:
        table("| outcome | ESS/s mu GPU | ESS/s tau GPU | ESS/s tau CPU | ESS/s tau NumPyro | GPU/NumPyro (tau) "
              "| GPU/CPU (tau) |")
        table("|---|---:|---:|---:|---:|---:|---:|")
        ratios = []
        for name in names:
            try:
                g_mu = g_tau = c_tau = n_tau = None
                if "gpu" in fits and name in fits["gpu"][1]:
                    s, ess = fits["gpu"]
                    g_mu, g_tau = ess[name][0] / s, ess[name][1] / s
                if "cpu" in fits and name in fits["cpu"][1]:
                    s, ess = fits["cpu"]
                    c_tau = ess[name][1] / s
                if name in npy:
                    n_tau = npy[name][3] / npy[name][0]
                r_n = g_tau / n_tau if g_tau and n_tau else None
                r_c = g_tau / c_tau if g_tau and c_tau else None
                if r_n:
                    ratios.append(r_n)
                table(f"| {name} | {fmt(g_mu, '.4g')} | {fmt(g_tau, '.4g')} | {fmt(c_tau, '.4g')} | "
                      f"{fmt(n_tau, '.4g')} | {fmt(r_n, '.1f', 'x')} | {fmt(r_c, '.1f', 'x')} |")
            except Exception as e:  # noqa: BLE001
                failures += 1
                table(f"| {name} | {cell_error(e)} | | | | | |")
        if ratios:
            ratios.sort()
            table(f"\nmedian GPU/NumPyro ratio of tau's ESS/s: {ratios[len(ratios) // 2]:.1f}x "
                  f"(min {ratios[0]:.1f}x, max {ratios[-1]:.1f}x)")
    if budget.skipped:
        table()
        table(f"Not started, the budget of {args.budget_seconds:g} s being spent: " + "; ".join(budget.skipped))
    table(f"\n({time.monotonic() - START:.0f} s; {failures} failed row(s) or cell(s)"
          f"{'; ' + str(len(budget.skipped)) + ' skipped' if budget.skipped else ''})")
    return 1 if failures or budget.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
