#!/usr/bin/python3
"""Reads an hbmeta NetCDF file with xarray (as ArviZ would) and prints what the C++ test checks,
as JSON: the groups' dimensions and variables (with their dtypes), and a few values for
comparison with the draws CSV.

Usage: netcdf_roundtrip.py FILE.nc [OUTCOME]
  DIR/netcdf/NAME.nc: no OUTCOME; variables are mu, theta, ... along study.
  DIR/posterior.nc:   OUTCOME is the outcome's file base; its variables are OUTCOME.mu,
                      OUTCOME.theta, ... along OUTCOME.study."""
import json
import sys

import numpy as np
import xarray as xr

path = sys.argv[1]
p = sys.argv[2] + "." if len(sys.argv) > 2 else ""
study = p + "study"
out = {}
for group in ("posterior", "sample_stats", "observed_data"):
    ds = xr.open_dataset(path, group=group)
    out[group] = {
        "dims": {k: int(v) for k, v in ds.sizes.items()},
        "vars": sorted(ds.data_vars),
        "dtypes": {k: str(ds[k].dtype) for k in ds.data_vars},
        "var_dims": {k: list(ds[k].dims) for k in ds.data_vars},
    }
    ds.close()
post = xr.open_dataset(path, group="posterior")
out["mu_c0_d0"] = float(post[p + "mu"].values[0, 0])
out["mu_last"] = float(post[p + "mu"].values[-1, -1])
out["tau_mean"] = float(post[p + "tau"].values.mean())
if p + "theta" in post:
    th = post[p + "theta"].values
    out["theta_c1_d2_s2"] = float(th[1, 2, 2])
    if th.shape[2] > 3:
        out["theta_c1_d2_s3"] = float(th[1, 2, 3])
    out["study0"] = str(post[study].values[0])
    out["theta_study_dim"] = post[p + "theta"].dims[2]
out["chain_coord"] = [int(c) for c in post["chain"].values]
out["outcome_attr"] = str(post[p + "mu"].attrs.get("outcome", ""))
post.close()
stats = xr.open_dataset(path, group="sample_stats")
div = stats[p + "diverging"]
out["diverging_dtype"] = str(div.dtype)
out["diverging_sum"] = int(div.values.sum())
if p + "step_size" in stats:
    ss = stats[p + "step_size"].values
    out["step_size_finite"] = bool(np.isfinite(ss).all())
    out["step_size_min"] = float(ss.min())
    out["step_size_max"] = float(ss.max())
    out["step_size_dims"] = list(stats[p + "step_size"].dims)
stats.close()
obs = xr.open_dataset(path, group="observed_data")
out["observed"] = {k[len(p):]: [int(x) for x in obs[k].values] for k in obs.data_vars if k.startswith(p)}
out["observed_studies"] = [str(s) for s in obs[study].values]
obs.close()
root = xr.open_dataset(path)
out["root_attrs"] = {k: str(v) for k, v in root.attrs.items()}
root.close()
print(json.dumps(out))
