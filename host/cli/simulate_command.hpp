// `hbmeta simulate --scenario FILE.json --reps N`: simulation studies of the meta-analysis
// methods (Bayesian priors through the batched engine, and the classical estimators), with
// per-replicate results, performance measures with Monte Carlo SEs, the report, sharding
// (--shard I/N + `hbmeta merge-simulations`) and MPI (mpirun -np R). docs/simulation.md.
#pragma once

namespace hbm {

int run_simulate(int argc, char** argv);

}  // namespace hbm
