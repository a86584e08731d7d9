#!/usr/bin/env python3
"""Registers, spills and stack per kernel from nvcc's `-Xptxas -v` output, as a markdown table.

    nvcc ... -Xptxas -v -c cuda/device_engine.cu 2> ptxas.log
    scripts/bench/ptxas_table.py ptxas.log [--compare BEFORE.log]

Each kernel is named by what it runs: the step functor (demangled with c++filt, namespaces
dropped), the model's view, the lanes per chain and whether the study data are staged in shared
memory; kernels of one kind with the same figures are merged into one row (lanes as a range).
With --compare, the BEFORE log's registers and spills are shown beside each row (matched by
name; "-" where the kernel is new).
"""
import argparse
import re
import subprocess
import sys

ENTRY = re.compile(r"Compiling entry function '([^']+)' for '(sm_\d+)'")
PROPS = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
USED = re.compile(r"Used (\d+) registers")


def parse(path):
    """[(mangled, regs, stack, spill_st, spill_ld)] in the log's order."""
    kernels, cur, props = [], None, None
    with open(path, errors="replace") as f:
        for line in f:
            m = ENTRY.search(line)
            if m:
                cur, props = m.group(1), None
                continue
            m = PROPS.search(line)
            if m and cur:
                props = tuple(int(x) for x in m.groups())
                continue
            m = USED.search(line)
            if m and cur:
                st, ss, sl = props or (0, 0, 0)
                kernels.append((cur, int(m.group(1)), st, ss, sl))
                cur = None
    return kernels


def demangle(names):
    if not names:
        return []
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def describe(pretty):
    """(kind, functor, model, lanes, staged) of one kernel's demangled name."""
    s = re.sub(r"hbm::(batch::|cuda::)?", "", pretty)
    model = "two-arm" if "TwoArmView" in s else "single-arm" if "SingleArmView" in s else "-"
    m = re.search(r"Scale(?:Mean|Square)Terms<(\d)>", s)  # per block: 1 block single-arm, 2 two-arm
    if m:
        model = "single-arm" if m.group(1) == "1" else "two-arm"
    m = re.match(r"void (\w+)<(.*)>\(", s)
    kernel, args = (m.group(1), m.group(2)) if m else (s, "")
    lanes, staged = "-", "global"
    functor = re.sub(r"<[^<>]*(<[^<>]*>[^<>]*)*>", "", args.split(",")[-1]).strip() if args else kernel
    if kernel.startswith("for_each_group"):
        lanes = args.split(",")[0].strip()
        staged = "staged" if "staged" in kernel else "global"
        functor = re.sub(r"<.*", "", args.split(",", 1)[1].strip())
    elif kernel.startswith("segmented_sum"):
        parts = [p.strip() for p in args.split(",")]
        functor = re.sub(r"<.*", "", ",".join(parts[2:]).strip())
        if functor.startswith("AbsTerms"):
            functor = "AbsTerms(" + re.sub(r"AbsTerms<(\w+).*", r"\1", ",".join(parts[2:]).strip()) + ")"
        kernel = "segmented_sum (warp per segment)" if "warp" in kernel else "segmented_sum (block per segment)"
        staged = "-"
    elif kernel.startswith("for_each_kernel"):
        functor = re.sub(r"<.*", "", args.strip())
        kernel, staged = "for_each", "-"
    return kernel, functor, model, lanes, staged


def rows(kernels):
    pretty = demangle([k[0] for k in kernels])
    table = {}
    for k, p in zip(kernels, pretty):
        kind, functor, model, lanes, staged = describe(p)
        key = (functor, model, kind.split(" ")[0] if kind.startswith("for_each_group") else kind, staged,
               k[1], k[2], k[3], k[4])
        table.setdefault(key, []).append(lanes)
    return table


def lanes_text(lanes):
    nums = sorted(int(x) for x in lanes if x.isdigit())
    if not nums:
        return "-"
    return str(nums[0]) if len(nums) == 1 else f"{nums[0]}-{nums[-1]}" if len(set(nums)) > 1 else str(nums[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log")
    ap.add_argument("--compare", help="the ptxas log before a change")
    a = ap.parse_args()
    kernels = parse(a.log)
    if not kernels:
        sys.exit(f"{a.log}: no 'Compiling entry function' lines: was it compiled with -Xptxas -v?")
    before = {}
    if a.compare:
        for (functor, model, kind, staged, regs, st, ss, sl), lanes in rows(parse(a.compare)).items():
            for l in lanes:
                before.setdefault((functor, model, kind, staged, l), []).append((regs, ss + sl))
    out = []
    for (functor, model, kind, staged, regs, st, ss, sl), lanes in rows(kernels).items():
        prev = sorted({b for l in lanes for b in before.get((functor, model, kind, staged, l), [])})
        prev_txt = ", ".join(f"{r}" + (f" (spill {s} B)" if s else "") for r, s in prev) if prev else "-"
        out.append((model, functor, kind, lanes_text(lanes), staged, regs, ss + sl, st, prev_txt))
    out.sort()
    head = "| model | step functor | kernel | lanes | study data | registers | spill bytes | stack bytes |"
    sep = "|---|---|---|---|---|---|---|---|"
    if a.compare:
        head += " registers before |"
        sep += "---|"
    print(f"{len(kernels)} kernels in {a.log}" + (f"; before: {len(parse(a.compare))} in {a.compare}" if a.compare else ""))
    print(head)
    print(sep)
    for r in out:
        cells = list(r[:8]) + ([r[8]] if a.compare else [])
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
