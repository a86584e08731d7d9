#!/usr/bin/env python3
"""Self-test of scripts/bench/gpu_table.py without a GPU, hbmeta or NumPyro, in a few seconds:

    python3 scripts/bench/gpu_table_selftest.py

gpu_table.py is copied into a temporary folder beside stand-ins: a fake `hbmeta` (its
bench-gradient fails on 8 lanes per chain and hangs on global study data at K x64; fit and
diagnose print what the real ones do), a fake `numpyro` package and a fake
numpyro_single_arm.py that finishes two outcomes and then hangs. Checked: rows are printed while
the script still runs (not all at the end); a failing cell and a hanging one are reported in
their row and the later rows still come; --budget-seconds names the rows it did not start;
--skip-numpyro; NumPyro killed at its timeout keeps the outcomes it finished; the exit status
is 1 whenever something failed or was skipped. Why: the table runs once, in a short GPU session,
where a script error would cost the session.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "rescue_simulated.csv")

FAKE_HBMETA = r'''#!/usr/bin/env python3
import json, os, sys, time
a = sys.argv[1:]
def opt(name, default=None):
    return a[a.index(name) + 1] if name in a else default
if a[0] == "bench-gradient":
    lanes, rep = int(opt("--lanes")), int(opt("--replicate"))
    chains, ev, sd = int(opt("--chains")), int(opt("--evaluations")), opt("--study-data")
    if lanes == 8:
        sys.exit(print("hbmeta: CUDA error: an illegal memory access was encountered", file=sys.stderr) or 1)
    if rep == 64 and sd == "global":
        time.sleep(60)
    used, studies = lanes or (32 if rep > 1 else 1), 130 * rep
    secs = ev * chains * studies * 2e-11 / used ** 0.5
    rate = chains * ev * studies / secs
    print(json.dumps({"device": opt("--device"), "outcomes": 13, "chains": chains, "studies": studies,
                      "evaluations": ev, "lanes_per_chain": used, "study_data": sd, "seconds": secs,
                      "study_gradients_per_second": rate, "flops_per_study_gradient": 32, "gflops": rate * 32e-9}))
elif a[0] == "fit":
    out = opt("--out")
    os.makedirs(out, exist_ok=True)
    outcomes = {n: {"model_kind": "single-arm", "parameters": {"mu": {"ess_bulk": 1000.0}, "tau": {"ess_bulk": 500.0}}}
                for n in sorted({line.split(",")[0] for line in open(a[1]).read().splitlines()[1:]})}
    json.dump({"timing": {"seconds": 1.5}, "outcomes": outcomes}, open(os.path.join(out, "summary.json"), "w"))
elif a[0] == "diagnose":
    print(json.dumps({"mu": {"ess_bulk": 800}, "tau": {"ess_bulk": 300}}))
else:
    sys.exit(2)
'''

FAKE_NUMPYRO_SCRIPT = r'''import json, os, sys, time
a = sys.argv[1:]
os.makedirs(a[1], exist_ok=True)
for i, n in enumerate(a[a.index("--outcomes") + 1].split(",")):
    if i == 2:
        print("compiling...", file=sys.stderr, flush=True)
        time.sleep(600)
    open(os.path.join(a[1], n + ".csv"), "w").close()
    print(json.dumps({"outcome": n, "seconds_first": 20.0, "seconds": 2.0}), flush=True)
'''


def run(tmp, *extra):
    """Runs the copied gpu_table.py; returns (exit status, stdout, seconds at the first row,
    seconds in all)."""
    env = dict(os.environ, PYTHONPATH=os.path.join(tmp, "py"))
    cmd = [sys.executable, os.path.join(tmp, "gpu_table.py"), os.path.join(tmp, "hbmeta"), DATA,
           os.path.join(tmp, "work"), "--command-timeout", "3", "--numpyro-timeout", "6", *extra]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    lines, first_row = [], None
    for line in p.stdout:
        if first_row is None and line.startswith("| hbmeta"):
            first_row = time.monotonic() - t0
        lines.append(line)
    p.wait()
    return p.returncode, "".join(lines), first_row, time.monotonic() - t0


def expect(cond, what, out):
    if not cond:
        sys.exit(f"FAILED: {what}\n--- output ---\n{out}")
    print(f"ok: {what}")


def main():
    tmp = tempfile.mkdtemp(prefix="gpu-table-selftest.")
    try:
        shutil.copy(os.path.join(HERE, "gpu_table.py"), tmp)
        with open(os.path.join(tmp, "numpyro_single_arm.py"), "w") as f:
            f.write(FAKE_NUMPYRO_SCRIPT)
        with open(os.path.join(tmp, "hbmeta"), "w") as f:
            f.write(FAKE_HBMETA)
        os.chmod(os.path.join(tmp, "hbmeta"), 0o755)
        os.makedirs(os.path.join(tmp, "py", "numpyro"))
        open(os.path.join(tmp, "py", "numpyro", "__init__.py"), "w").close()

        rc, out, first, total = run(tmp)
        expect(rc == 1, "exit status 1 when cells fail", out)
        expect(first is not None and first < total - 2, f"the first row came at {first:.1f} s of {total:.1f} s", out)
        expect(out.count("CUDA error: an illegal memory access") == 3, "the 8-lane cell fails in each layout row", out)
        expect("studies x64" in out and "timed out after" in out, "the hanging cell times out in its row", out)
        expect("| ivm_gv_maturation |" in out, "the ESS rows come after the failures", out)
        expect("NumPyro: killed after 6 s; 2 of 3 outcomes done; last message: compiling..." in out,
               "NumPyro killed at its timeout keeps the outcomes it finished", out)
        expect(out.count("| 150 | 2.2x | 1.0x |") == 2, "ESS/s ratios of the two NumPyro outcomes done", out)

        rc, out, _, _ = run(tmp, "--budget-seconds", "1", "--skip-numpyro")
        expect(rc == 1 and "Not started, the budget of 1 s being spent: " in out and "layout row studies x64" in out
               and "| studies x1 | error" not in out,
               "--budget-seconds names the rows it did not start", out)
        expect("NumPyro: skipped (--skip-numpyro)" in out, "--skip-numpyro", out)
        print("gpu_table.py self-test passed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
