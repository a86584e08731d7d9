// Draws for ArviZ and xarray in the InferenceData layout of NetCDF-4 (ArviZ's `az.from_netcdf`,
// or `xarray.open_dataset(path, group=...)`).
//
// write_netcdf: DIR/netcdf/NAME.nc, one outcome per file:
//   posterior      every summarised parameter as (chain, draw); the study effects as
//                  theta (chain, draw, study) when the draws file has them
//   sample_stats   diverging (int8 with attribute dtype = "bool", which xarray and ArviZ decode
//                  as a boolean array, as ArviZ itself writes booleans), acceptance_rate; for HMC
//                  also energy, n_steps and step_size (the adapted step size, which hbmeta's
//                  cross-chain adaptation shares between chains and keeps fixed after warmup, so
//                  constant); all (chain, draw). Gibbs runs have no step size, energy or leapfrog
//                  steps: those variables are left out rather than filled with placeholders.
//   observed_data  the counts as read: events, total (single-arm) or events_t, total_t,
//                  events_c, total_c (two-arm), with dimension study
// Coordinates chain and draw are 0-based integers (ArviZ's convention), study holds the study
// names; the root has ArviZ's attributes (inference_library, created_at) and hbmeta's model.
//
// write_netcdf_combined: DIR/posterior.nc, every outcome of the run in one file with the same
// three groups. Each outcome's variables are named BASE.VAR (e.g. ivm_maturation.mu,
// ivm_maturation.theta, ivm_maturation.diverging, ivm_maturation.events), BASE being the
// outcome's file-name-safe name as for DIR/draws/BASE.csv (letters, digits, '.', '_', '-'; all
// legal in NetCDF-4 names, which only forbid '/'). Its studies have their own dimension and
// coordinate BASE.study; chain and draw are shared (every outcome of a run has the same chains
// and draws; an outcome that differed would get BASE.chain / BASE.draw). Each variable carries
// the attribute `outcome` (the outcome's name as in summary.json) and the root the attribute
// `outcomes` (the BASEs, comma-separated, in summary.json order).
#pragma once
#include <string>
#include <vector>

#include "host/fit/outcome_result.hpp"

namespace hbm {

// Throws std::runtime_error("NetCDF WHAT: reason") when a NetCDF call did not return NC_NOERR.
void check_netcdf(int status, const std::string& what);

// Writes `path`; throws std::runtime_error naming the NetCDF call that failed.
void write_netcdf(const std::string& path, const OutcomeResult& r);
void write_netcdf_combined(const std::string& path, const std::vector<OutcomeResult>& results);

}  // namespace hbm
