// What a run was asked to do, recorded in summary.json so that it can be read back and replayed.
#pragma once
#include <string>
#include <vector>

#include "host/fit/fit_options.hpp"
#include "host/engine/memory_plan.hpp"

namespace hbm {

struct RunInfo {
  std::string version = HBMETA_VERSION;
  std::string command;  // the command line as typed
  std::vector<std::string> argv;  // the arguments after `fit`, for --replay
  std::string input;    // data file path
  std::string device = "cpu";
  int threads = 1;
  double seconds = 0;   // wall time of the fit
  double sampling_seconds = 0;  // of which the sampler's (warmup and draws of every outcome)
  // Also write the draws as NetCDF-4 (--netcdf): netcdf/NAME.nc and posterior.nc. Off by
  // default: the draws CSVs hold the same numbers, and three stores of every draw made a fit of
  // the bundled data 122 MB.
  bool netcdf = false;
  FitOptions options;
  MemoryPlan memory;  // the memory budget and the study-draw thinning it led to (host/engine/memory_plan.hpp)
};

}  // namespace hbm
