// Draws for ArviZ and xarray: one NetCDF-4 file per outcome in the InferenceData layout
// (ArviZ's `az.from_netcdf`, or `xarray.open_dataset(path, group=...)`):
//   posterior      every summarised parameter as (chain, draw); the study effects as
//                  theta (chain, draw, study) when the draws file has them
//   sample_stats   diverging, energy (HMC), acceptance_rate, n_steps, all (chain, draw)
//   observed_data  the counts as read: events, total (single-arm) or events_t, total_t,
//                  events_c, total_c (two-arm), with dimension study
// Coordinates chain and draw are 0-based integers (ArviZ's convention), study holds the study
// names; the root has ArviZ's attributes (inference_library, created_at) and hbmeta's model.
// One file per outcome because an InferenceData object describes one model.
#pragma once
#include <string>

#include "host/outcome_result.hpp"

namespace hbm {

// Writes `path`; throws std::runtime_error naming the NetCDF call that failed.
void write_netcdf(const std::string& path, const OutcomeResult& r);

}  // namespace hbm
