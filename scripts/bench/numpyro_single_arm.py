#!/usr/bin/env python3
"""NumPyro anchor for the GPU benchmark (scripts/gpu-check.sh): the single-arm model of hbmeta
with the same priors and data, NUTS with chain_method="vectorized" (all chains in one XLA
program on the GPU), one fit per outcome.

    y_i ~ Binomial(n_i, logit^-1(theta_i)), theta_i = mu + tau z_i, z_i ~ N(0, 1),
    mu ~ Normal(0, 10), tau ~ HalfNormal(1)          (hbmeta's defaults)

Writes each outcome's draws of mu and tau as DIR/NAME.csv in the layout `hbmeta diagnose`
reads (.chain,.iteration,.draw,mu,tau), so the ESS is computed by the same estimator as
hbmeta's, and prints one JSON line per outcome: {"outcome", "seconds", "seconds_first"}.
"seconds_first" includes XLA compilation; "seconds" is a second run of the same MCMC object
(compiled functions reused) with another seed; its draws are the ones written.

usage: numpyro_single_arm.py DATA.csv OUTDIR [--chains 1024] [--warmup 500] [--draws 1000]
                             [--outcomes NAME,NAME,...]
"""
import argparse
import csv
import json
import os
import time
from collections import OrderedDict


def read_single_arm(path):
    data = OrderedDict()
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if not row.get("events") or not row.get("total"):
                continue  # two-arm rows
            data.setdefault(row["outcome"], ([], []))
            data[row["outcome"]][0].append(int(row["events"]))
            data[row["outcome"]][1].append(int(row["total"]))
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("outdir")
    ap.add_argument("--chains", type=int, default=1024)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--outcomes", default="", help="comma-separated outcomes to fit (default: every single-arm one)")
    args = ap.parse_args()

    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    jax.config.update("jax_enable_x64", True)  # hbmeta computes in double precision

    def model(y, n):
        mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
        tau = numpyro.sample("tau", dist.HalfNormal(1.0))
        with numpyro.plate("studies", y.shape[0]):
            z = numpyro.sample("z", dist.Normal(0.0, 1.0))
            numpyro.sample("y", dist.Binomial(total_count=n, logits=mu + tau * z), obs=y)

    os.makedirs(args.outdir, exist_ok=True)
    wanted = [o for o in args.outcomes.split(",") if o]
    for name, (y, n) in read_single_arm(args.data).items():
        if wanted and name not in wanted:
            continue
        y_a, n_a = jnp.asarray(y, dtype=jnp.float64), jnp.asarray(n, dtype=jnp.float64)
        times = []
        samples = None
        mcmc = MCMC(NUTS(model), num_warmup=args.warmup, num_samples=args.draws, num_chains=args.chains,
                    chain_method="vectorized", progress_bar=False)
        for rep in range(2):
            t0 = time.perf_counter()
            mcmc.run(jax.random.PRNGKey(args.seed + rep), y_a, n_a)
            s = mcmc.get_samples(group_by_chain=True)
            s["tau"].block_until_ready()
            times.append(time.perf_counter() - t0)
            samples = s
        mu, tau = samples["mu"], samples["tau"]
        with open(os.path.join(args.outdir, name + ".csv"), "w") as f:
            f.write(".chain,.iteration,.draw,mu,tau\n")
            C, S = mu.shape
            for c in range(C):
                for t in range(S):
                    f.write(f"{c + 1},{t + 1},{c * S + t + 1},{float(mu[c, t])!r},{float(tau[c, t])!r}\n")
        print(json.dumps({"outcome": name, "seconds_first": times[0], "seconds": times[1]}), flush=True)


if __name__ == "__main__":
    main()
