#!/usr/bin/env python3
"""Generate SIMULATED single-arm binomial data for hbmeta (long CSV: outcome,study,events,total).

Three datasets, each from its own seeded random.Random so every file is reproducible byte for
byte on its own, whatever else is generated in the same run:

  rescue       data/rescue_simulated.csv       seed 20250101
               Synthetic data calibrated to the pooled results of the ESHRE 2025 meta-analysis
               of rescue IVM (24 studies, 7,183 cycles) and rescue ICSI (14 studies, 2,475
               cycles, 1,377 transfers). These are NOT the studies' real counts.
  large_n      tests/fixtures/large_n.csv      seed 20250102
               One outcome `large_n`, 8 studies, totals 50,000-400,000, rate 0.3, tau 0.15.
  rare_events  tests/fixtures/rare_events.csv  seed 20250103
               One outcome `rare`, 12 studies, totals 20-300, rate 0.005, tau 0.1, mostly zero
               events and at least one study with 1-2 events.

Model for every outcome: K studies are drawn (without replacement) from the dataset's study
pool; study i gets a denominator n_i from a per-outcome rule, z_i ~ N(0, 1) (then centred to
mean 0 within the outcome so the pooled estimate stays near the target), theta_i = logit(p) +
tau * z_i, and events_i ~ Binomial(n_i, expit(theta_i)) drawn exactly as a sum of n_i
Bernoulli trials. Outcomes with a stated shape (rare outcomes: most studies with zero events,
at least one with 1-2 events) are redrawn as a whole until the shape holds; every outcome of the
rescue dataset is also redrawn until its crude pooled rate is within one binomial standard error
of its target (calibration). The number of draws per outcome is printed.

Only random.Random.random() is used (uniforms; normals by Box-Muller; integers and subsets
built from uniforms), because its Mersenne Twister output for an integer seed is the same in
every Python 3 version, unlike helpers such as randrange/sample/gauss whose algorithms are not
guaranteed stable.

Usage:
  python3 scripts/make_rescue_data.py                  # all three files
  python3 scripts/make_rescue_data.py --dataset rescue # just one of them
  python3 scripts/make_rescue_data.py --dataset rescue --out /tmp/x.csv
Standard library only.
"""
import argparse
import math
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SEEDS = {"rescue": 20250101, "large_n": 20250102, "rare_events": 20250103}
DEFAULT_OUT = {
    "rescue": os.path.join("data", "rescue_simulated.csv"),
    "large_n": os.path.join("tests", "fixtures", "large_n.csv"),
    "rare_events": os.path.join("tests", "fixtures", "rare_events.csv"),
}

MAX_REDRAWS = 10000


# ----------------------------------------------------------------------------- random helpers
def uniform(rng, lo, hi):
    return lo + (hi - lo) * rng.random()


def randint(rng, lo, hi):
    """Integer uniform on [lo, hi]."""
    return lo + min(int(rng.random() * (hi - lo + 1)), hi - lo)


def loguniform_int(rng, lo, hi):
    return int(round(math.exp(uniform(rng, math.log(lo), math.log(hi)))))


def std_normal(rng):
    """Box-Muller (cosine branch only), from two uniforms."""
    u1 = 1.0 - rng.random()  # in (0, 1]
    u2 = rng.random()
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def binomial(rng, n, p):
    """Exact Binomial(n, p) draw: sum of n Bernoulli(p) trials."""
    count = 0
    for _ in range(n):
        if rng.random() < p:
            count += 1
    return count


def choose(rng, n, k):
    """k distinct indices from range(n) (partial Fisher-Yates), returned sorted."""
    idx = list(range(n))
    for i in range(k):
        j = i + min(int(rng.random() * (n - i)), n - i - 1)
        idx[i], idx[j] = idx[j], idx[i]
    return sorted(idx[:k])


def allocate(rng, total, n, minimum, spread):
    """Split `total` into n integers >= minimum with log-normal(0, spread) weights, exact sum."""
    weights = [math.exp(spread * std_normal(rng)) for _ in range(n)]
    free = total - n * minimum
    wsum = sum(weights)
    raw = [free * w / wsum for w in weights]
    base = [int(math.floor(r)) for r in raw]
    short = free - sum(base)
    order = sorted(range(n), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:short]:
        base[i] += 1
    return [minimum + b for b in base]


def logit(p):
    return math.log(p / (1.0 - p))


def expit(x):
    return 1.0 / (1.0 + math.exp(-x))


# ----------------------------------------------------------------------------- outcome engine
class Outcome:
    def __init__(self, name, pool, k, p, tau, total_rule, shape=None, calibrate=False):
        self.name = name
        self.pool = pool  # "ivm", "icsi", or a fixture pool name
        self.k = k
        self.p = p
        self.tau = tau
        self.total_rule = total_rule  # (rng, study dict) -> denominator
        self.shape = shape  # optional (events list) -> bool; redraw until True
        # calibrate: also redraw until the crude pooled rate sum(events)/sum(totals) lies
        # within one binomial standard error, sqrt(p(1-p)/sum(totals)), of the target p
        self.calibrate = calibrate

    def accepts(self, events, totals):
        if self.shape is not None and not self.shape(events):
            return False
        if self.calibrate:
            n = sum(totals)
            if abs(sum(events) / n - self.p) > math.sqrt(self.p * (1.0 - self.p) / n):
                return False
        return True


def draw_outcome(rng, outcome, studies):
    """Returns (rows, draws) with rows = [(study name, events, total)] in study order."""
    for attempt in range(1, MAX_REDRAWS + 1):
        chosen = [studies[i] for i in choose(rng, len(studies), outcome.k)]
        totals = [max(1, int(outcome.total_rule(rng, s))) for s in chosen]
        z = [std_normal(rng) for _ in chosen]
        zbar = sum(z) / len(z)
        z = [zi - zbar for zi in z]
        mu = logit(outcome.p)
        events = [binomial(rng, n, expit(mu + outcome.tau * zi)) for n, zi in zip(totals, z)]
        if outcome.accepts(events, totals):
            return [(s["name"], e, n) for s, e, n in zip(chosen, events, totals)], attempt
    raise RuntimeError("outcome %s: not accepted in %d draws" % (outcome.name, MAX_REDRAWS))


def mostly_zero(events):
    return sum(1 for e in events if e == 0) * 2 > len(events)


def mostly_zero_with_small_nonzero(events):
    return mostly_zero(events) and any(1 <= e <= 2 for e in events)


# ----------------------------------------------------------------------------- datasets
IVM_STUDIES, IVM_CYCLES = 24, 7183
ICSI_STUDIES, ICSI_CYCLES, ICSI_TRANSFERS = 14, 2475, 1377


def rescue_outcomes():
    u = uniform
    outcomes = [
        # --- rescue IVM (pool of 24 studies) -----------------------------------------------
        # events: GV oocytes reaching MII; total: GV oocytes put into IVM culture
        Outcome("ivm_gv_maturation", "ivm", 20, 0.68, 0.50,
                lambda r, s: round(s["cycles"] * u(r, 0.35, 0.90))),
        # events: MI oocytes reaching MII; total: MI oocytes put into IVM culture
        Outcome("ivm_mi_maturation", "ivm", 17, 0.57, 0.50,
                lambda r, s: round(s["cycles"] * u(r, 0.25, 0.70))),
        # events: blastocysts; total: fertilised (2PN) zygotes from MI->MII oocytes
        Outcome("ivm_mi_blastulation", "ivm", 10, 0.21, 0.40,
                lambda r, s: round(s["cycles"] * u(r, 0.25, 0.70) * 0.57 * u(r, 0.50, 0.75))),
        # events: blastocysts; total: fertilised (2PN) zygotes from GV->MII oocytes
        Outcome("ivm_gv_blastulation", "ivm", 9, 0.16, 0.40,
                lambda r, s: round(s["cycles"] * u(r, 0.35, 0.90) * 0.68 * u(r, 0.45, 0.70))),
        # events: clinical pregnancies; total: transfers of embryos from MI->MII oocytes
        Outcome("ivm_mi_clinical_pregnancy", "ivm", 8, 0.19, 0.30,
                lambda r, s: max(4, round(s["cycles"] * u(r, 0.03, 0.12)))),
        # events: miscarriages; total: clinical pregnancies from GV->MII oocytes (few)
        Outcome("ivm_gv_miscarriage", "ivm", 6, 0.67, 0.20,
                lambda r, s: max(1, min(9, round(s["cycles"] * u(r, 0.004, 0.015))))),
        # events: oocytes intact (not degenerated) after IVM culture, before vitrification;
        # total: immature oocytes cultured for vitrification
        Outcome("ivm_survival_pre_vitrification", "ivm", 7, 0.95, 0.30,
                lambda r, s: round(s["cycles"] * u(r, 0.15, 0.50))),
        # events: oocytes surviving warming; total: IVM-matured oocytes vitrified and warmed
        Outcome("ivm_survival_post_vitrification", "ivm", 6, 0.82, 0.40,
                lambda r, s: round(s["cycles"] * u(r, 0.08, 0.30))),
        # --- rescue ICSI (pool of 14 studies) ----------------------------------------------
        # events: normally fertilised (2PN) oocytes; total: oocytes re-injected (rescue ICSI)
        Outcome("icsi_fertilisation", "icsi", 12, 0.68, 0.50,
                lambda r, s: round(s["cycles"] * u(r, 1.5, 4.0))),
        # events: clinical pregnancies; total: embryo transfers
        Outcome("icsi_clinical_pregnancy", "icsi", 12, 0.45, 0.30,
                lambda r, s: s["transfers"]),
        # events: gestational sacs; total: embryos transferred
        Outcome("icsi_implantation", "icsi", 8, 0.30, 0.30,
                lambda r, s: round(s["transfers"] * u(r, 1.2, 1.9))),
        # events: infants with a major malformation; total: infants born (rare outcome)
        Outcome("icsi_malformation", "icsi", 6, 0.003, 0.10,
                lambda r, s: max(5, round(s["transfers"] * 0.45 * u(r, 0.75, 0.90) * u(r, 1.0, 1.2))),
                shape=mostly_zero_with_small_nonzero),
        # events: polyploid (>= 3PN) zygotes; total: oocytes re-injected
        Outcome("icsi_polyploidy", "icsi", 9, 0.06, 0.35,
                lambda r, s: round(s["cycles"] * u(r, 1.5, 4.0))),
    ]
    for o in outcomes:  # every rescue outcome is calibrated to its pooled target
        o.calibrate = True
    return outcomes


def rescue_studies(rng):
    ivm_cycles = allocate(rng, IVM_CYCLES, IVM_STUDIES, 40, 0.8)
    ivm = [{"name": "IVM-S%02d (simulated)" % (i + 1), "cycles": c} for i, c in enumerate(ivm_cycles)]
    icsi_cycles = allocate(rng, ICSI_CYCLES, ICSI_STUDIES, 30, 0.7)
    # transfers: a share of each study's cycles, then rescaled to sum to exactly 1,377
    share = [c * uniform(rng, 0.40, 0.70) for c in icsi_cycles]
    scale = (ICSI_TRANSFERS - ICSI_STUDIES * 10) / sum(share)
    raw = [10 + x * scale for x in share]
    transfers = [int(math.floor(x)) for x in raw]
    short = ICSI_TRANSFERS - sum(transfers)
    for i in sorted(range(ICSI_STUDIES), key=lambda i: (-(raw[i] - transfers[i]), i))[:short]:
        transfers[i] += 1
    icsi = [{"name": "ICSI-S%02d (simulated)" % (i + 1), "cycles": c, "transfers": t}
            for i, (c, t) in enumerate(zip(icsi_cycles, transfers))]
    return {"ivm": ivm, "icsi": icsi}


def make_rescue(rng):
    pools = rescue_studies(rng)
    info = ["study pools: IVM %d studies, %d cycles; ICSI %d studies, %d cycles, %d transfers" % (
        len(pools["ivm"]), sum(s["cycles"] for s in pools["ivm"]),
        len(pools["icsi"]), sum(s["cycles"] for s in pools["icsi"]),
        sum(s["transfers"] for s in pools["icsi"]))]
    return [(o, pools[o.pool]) for o in rescue_outcomes()], info


def make_large_n(rng):
    studies = [{"name": "LARGE-S%02d (simulated)" % (i + 1)} for i in range(8)]
    o = Outcome("large_n", "large", 8, 0.30, 0.15, lambda r, s: randint(r, 50000, 400000))
    return [(o, studies)], []


def make_rare_events(rng):
    studies = [{"name": "RARE-S%02d (simulated)" % (i + 1)} for i in range(12)]
    o = Outcome("rare", "rare", 12, 0.005, 0.10, lambda r, s: loguniform_int(r, 20, 300),
                shape=mostly_zero_with_small_nonzero)
    return [(o, studies)], []


MAKERS = {"rescue": make_rescue, "large_n": make_large_n, "rare_events": make_rare_events}


# ----------------------------------------------------------------------------- output
def generate(dataset):
    rng = random.Random(SEEDS[dataset])
    plan, info = MAKERS[dataset](rng)
    results = []
    for outcome, studies in plan:
        rows, draws = draw_outcome(rng, outcome, studies)
        results.append((outcome, rows, draws))
    return results, info


def to_csv(results):
    lines = ["outcome,study,events,total"]
    for outcome, rows, _ in results:
        for name, events, total in rows:
            for field in (outcome.name, name):
                if any(c in field for c in ',"\r\n'):
                    raise ValueError("field needs quoting: %r" % field)
            if not (0 <= events <= total and total > 0):
                raise ValueError("bad counts %s/%s in %s" % (events, total, outcome.name))
            lines.append("%s,%s,%d,%d" % (outcome.name, name, events, total))
    return "\n".join(lines) + "\n"


def summary(dataset, results, info, path):
    out = ["%s -> %s (seed %d)" % (dataset, path, SEEDS[dataset])]
    out += ["  " + s for s in info]
    out.append("  %-32s %3s %8s %7s %8s %7s %5s %6s %5s" % (
        "outcome", "K", "total_n", "events", "crude", "target", "tau", "zeros", "draws"))
    for o, rows, draws in results:
        n = sum(r[2] for r in rows)
        e = sum(r[1] for r in rows)
        zeros = sum(1 for r in rows if r[1] == 0)
        out.append("  %-32s %3d %8d %7d %8.4f %7.4f %5.2f %6d %5d" % (
            o.name, len(rows), n, e, e / n, o.p, o.tau, zeros, draws))
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", choices=["all"] + sorted(MAKERS), default="all")
    ap.add_argument("--out", help="output path (only with a single --dataset)")
    args = ap.parse_args(argv)
    names = ["rescue", "large_n", "rare_events"] if args.dataset == "all" else [args.dataset]
    if args.out and len(names) != 1:
        ap.error("--out needs a single --dataset")
    for name in names:
        results, info = generate(name)
        path = args.out or os.path.join(ROOT, DEFAULT_OUT[name])
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="ascii", newline="") as f:
            f.write(to_csv(results))
        shown = os.path.relpath(path, ROOT) if not args.out else path
        print(summary(name, results, info, shown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
