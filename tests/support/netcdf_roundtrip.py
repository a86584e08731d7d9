#!/usr/bin/python3
"""Reads an hbmeta NetCDF file with xarray (as ArviZ would) and prints what the C++ test checks,
as JSON: the groups' dimensions and variables, and a few values for comparison with the draws
CSV. Usage: netcdf_roundtrip.py FILE.nc"""
import json
import sys

import xarray as xr

path = sys.argv[1]
out = {}
for group in ("posterior", "sample_stats", "observed_data"):
    ds = xr.open_dataset(path, group=group)
    out[group] = {
        "dims": {k: int(v) for k, v in ds.sizes.items()},
        "vars": sorted(ds.data_vars),
    }
    ds.close()
post = xr.open_dataset(path, group="posterior")
out["mu_c0_d0"] = float(post["mu"].values[0, 0])
out["mu_last"] = float(post["mu"].values[-1, -1])
out["tau_mean"] = float(post["tau"].values.mean())
if "theta" in post:
    out["theta_c1_d2_s3"] = float(post["theta"].values[1, 2, 3])
    out["study0"] = str(post["study"].values[0])
out["chain_coord"] = [int(c) for c in post["chain"].values]
post.close()
obs = xr.open_dataset(path, group="observed_data")
out["observed"] = {k: [int(x) for x in obs[k].values] for k in obs.data_vars}
obs.close()
print(json.dumps(out))
