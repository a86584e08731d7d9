// `hbmeta batch`'s tidy table of every fitted (dataset, outcome): DIR/batch_summary.csv and
// DIR/batch_summary.nc.
#pragma once
#include <string>
#include <vector>

#include "host/fit/dataset_fit.hpp"

namespace hbm {

// The tidy rows of batch_summary.csv (header included).
std::string batch_summary_csv(const std::vector<DatasetFit>& fits);
// The same table in NetCDF-4 (dimension `row`, one variable per column).
void write_batch_summary_netcdf(const std::string& path, const std::vector<DatasetFit>& fits);

}  // namespace hbm
