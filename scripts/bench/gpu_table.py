#!/usr/bin/env python3
"""Benchmark table of scripts/gpu-check.sh: hbmeta on the GPU, hbmeta on the CPU and NumPyro
(NUTS, chain_method="vectorized", on the same GPU) on the bundled single-arm outcomes, the same
model, priors and data, in one run.

Rows: study-gradient evaluations per second (and the fraction of the FP64 arithmetic bound the
gradient kernel reaches); the same for every GPU layout (lanes per chain 1, 4, 8, 32) at three
sizes of K (the data, and its studies repeated 8 and 64 times), which is the measurement the
engine's layout rule (host/engine/batch_engine.hpp, kWarpLayoutStudies) is to be set from; the engine's
layout with the study data staged in shared memory against read from global memory; and per
outcome the bulk ESS per second of mu and tau, with ratios. NumPyro fits --numpyro-outcomes
outcomes (the smallest, median and largest K by default), to keep the run inside a few minutes.
ESS of every sampler is computed by the same estimator (hbmeta's, which matches the R package
posterior), from each sampler's draws. Seconds: hbmeta's summary.json timing (sampling and all
summaries of all outcomes, which share one launch, so each outcome is charged the whole run:
conservative), NumPyro's mcmc.run per outcome after compilation (its first, compiling run is
reported separately).

usage: gpu_table.py HBMETA_BINARY DATA.csv WORKDIR [--fp64-tflops 33.5] [--numpyro-outcomes 3]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time


def run(cmd, **kw):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def fit(binary, data, out, extra):
    t0 = time.perf_counter()
    run([binary, "fit", data, "--out", out, "--force", "--quiet", "--frequentist", "none"] + extra)
    wall = time.perf_counter() - t0
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    # timing.seconds: sampling and summaries of every outcome, without process start-up (CUDA
    # context creation) and without writing the output files; the whole command's wall time is
    # printed beside it.
    seconds = summary["timing"]["seconds"]
    print(f"{out}: fit {seconds:.2f} s, whole command {wall:.2f} s", file=sys.stderr)
    ess = {name: (o["parameters"]["mu"]["ess_bulk"], o["parameters"]["tau"]["ess_bulk"])
           for name, o in summary["outcomes"].items() if o["model_kind"] == "single-arm"}
    return seconds, ess


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


def bench_gradient(b, data, device, chains, evaluations, lanes=0, replicate=1, study_data="shared"):
    return json.loads(run([b, "bench-gradient", data, "--device", device, "--chains", str(chains),
                           "--evaluations", str(evaluations), "--lanes", str(lanes),
                           "--replicate", str(replicate), "--study-data", study_data]).stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("data")
    ap.add_argument("work")
    ap.add_argument("--fp64-tflops", type=float, default=33.5,
                    help="FP64 (non-tensor) peak of the GPU; H100/H200 SXM datasheet: 33.5-34 TFLOP/s")
    ap.add_argument("--gpu-chains", type=int, default=4096)
    ap.add_argument("--numpyro-chains", type=int, default=1024)
    ap.add_argument("--numpyro-outcomes", type=int, default=3,
                    help="fit this many outcomes with NumPyro (spread over K; 0 = all)")
    ap.add_argument("--cpu-dry-run", action="store_true",
                    help="check this script without a GPU: the 'GPU' rows run on the CPU with 64 chains, "
                         "NumPyro is skipped when not installed (the numbers mean nothing)")
    args = ap.parse_args()
    gpu = "cpu" if args.cpu_dry_run else "cuda"
    if args.cpu_dry_run:
        args.gpu_chains = 64
    os.makedirs(args.work, exist_ok=True)
    b = args.binary

    grad_gpu = bench_gradient(b, args.data, gpu, args.gpu_chains, 200)
    grad_cpu = bench_gradient(b, args.data, "cpu", 64, 200)
    # Layouts: lanes per chain x K (the data's studies repeated), fewer chains at the largest K
    # so that the state stays a few GB.
    layout = []
    for replicate, chains in ((1, args.gpu_chains), (8, args.gpu_chains), (64, max(1, args.gpu_chains // 8))):
        row = {"replicate": replicate, "chains": chains, "auto": None, "rates": {}}
        for lanes in (1, 4, 8, 32):
            g = bench_gradient(b, args.data, gpu, chains, 50, lanes, replicate)
            row["rates"][lanes] = g["study_gradients_per_second"]
            row["studies"] = g["studies"]
        row["auto"] = bench_gradient(b, args.data, gpu, chains, 1, 0, replicate)["lanes_per_chain"]
        # The engine's layout with the study data read from global memory instead of staged in
        # shared memory (which the rows above used where they fit: "where" says).
        shared = bench_gradient(b, args.data, gpu, chains, 50, row["auto"], replicate, "shared")
        glob = bench_gradient(b, args.data, gpu, chains, 50, row["auto"], replicate, "global")
        row["staging"] = (shared["study_gradients_per_second"], shared["study_data"], glob["study_gradients_per_second"])
        layout.append(row)

    gpu_s, gpu_ess = fit(b, args.data, os.path.join(args.work, "gpu"),
                         ["--device", gpu, "--chains", str(args.gpu_chains), "--warmup", "500", "--draws", "250"])
    cpu_s, cpu_ess = fit(b, args.data, os.path.join(args.work, "cpu"), ["--device", "cpu"])

    npy_dir = os.path.join(args.work, "numpyro")
    here = os.path.dirname(os.path.abspath(__file__))
    lines = []
    try:
        import numpyro  # noqa: F401
        have_numpyro = True
    except ImportError:
        have_numpyro = False
    sizes = single_arm_sizes(args.data)
    npy_outcomes = spread_pick(sizes, args.numpyro_outcomes) if args.numpyro_outcomes > 0 else sorted(sizes)
    if have_numpyro or not args.cpu_dry_run:
        lines = run([sys.executable, os.path.join(here, "numpyro_single_arm.py"), args.data, npy_dir,
                     "--chains", str(args.numpyro_chains), "--warmup", "500", "--draws", "250",
                     "--outcomes", ",".join(npy_outcomes)]).stdout.splitlines()
    npy = {}
    for line in lines:
        rec = json.loads(line)
        d = json.loads(run([b, "diagnose", os.path.join(npy_dir, rec["outcome"] + ".csv"), "--json"]).stdout)
        npy[rec["outcome"]] = (rec["seconds"], rec["seconds_first"], d["mu"]["ess_bulk"], d["tau"]["ess_bulk"])

    print(f"| gradient kernel | study-gradients/s | GFLOP/s | fraction of FP64 bound ({args.fp64_tflops} TFLOP/s) |")
    print("|---|---:|---:|---:|")
    for name, g in (("hbmeta GPU", grad_gpu), ("hbmeta CPU", grad_cpu)):
        frac = g["gflops"] / (args.fp64_tflops * 1e3) if name == "hbmeta GPU" else float("nan")
        print(f"| {name} ({g['chains']} chains/outcome) | {g['study_gradients_per_second']:.3g} | "
              f"{g['gflops']:.3g} | {frac:.1%} |")
    print()
    print("| GPU layout: study-gradients/s | " + " | ".join(f"{l} lane{'s' if l > 1 else ''}/chain" for l in (1, 4, 8, 32))
          + " | best | engine's choice |")
    print("|---|" + "---:|" * 6)
    for row in layout:
        best = max(row["rates"], key=row["rates"].get)
        print(f"| studies x{row['replicate']} ({row['studies']} in all), {row['chains']} chains/outcome | "
              + " | ".join(f"{row['rates'][l]:.3g}" for l in (1, 4, 8, 32)) + f" | {best} | {row['auto']} |")
    print()
    print("| GPU study data (engine's layout) | shared memory | where | global memory | shared/global |")
    print("|---|---:|---|---:|---:|")
    for row in layout:
        sh, where, gl = row["staging"]
        print(f"| studies x{row['replicate']}, {row['auto']} lane(s)/chain | {sh:.3g} | {where} | {gl:.3g} | "
              f"{sh / gl:.2f} |")
    print()
    print(f"hbmeta GPU: {args.gpu_chains} chains x 250 draws per outcome, all outcomes in one run, {gpu_s:.2f} s; "
          f"hbmeta CPU: 16 chains x 1000 draws, {cpu_s:.2f} s; NumPyro: {args.numpyro_chains} chains x 250 draws "
          f"per outcome, vectorized.")
    print()
    print("| outcome | ESS/s mu GPU | ESS/s tau GPU | ESS/s tau CPU | ESS/s tau NumPyro | GPU/NumPyro (tau) | GPU/CPU (tau) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for name, (emu, etau) in gpu_ess.items():
        g_mu, g_tau = emu / gpu_s, etau / gpu_s
        c_tau = cpu_ess[name][1] / cpu_s
        if name not in npy:
            print(f"| {name} | {g_mu:.4g} | {g_tau:.4g} | {c_tau:.4g} | - | - | {g_tau / c_tau:.1f}x |")
        else:
            n_s, _, _, n_tau_ess = npy[name]
            n_tau = n_tau_ess / n_s
            ratios.append(g_tau / n_tau)
            print(f"| {name} | {g_mu:.4g} | {g_tau:.4g} | {c_tau:.4g} | {n_tau:.4g} | {g_tau / n_tau:.1f}x | "
                  f"{g_tau / c_tau:.1f}x |")
    if ratios:
        ratios.sort()
        print(f"\nmedian GPU/NumPyro ratio of tau's ESS/s: {ratios[len(ratios) // 2]:.1f}x "
              f"(min {ratios[0]:.1f}x, max {ratios[-1]:.1f}x)")


if __name__ == "__main__":
    main()
