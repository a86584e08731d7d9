// The steps of `hbmeta design` after the MAP fit, shared by `hbmeta design` (one run, or rank 0
// under mpirun) and `hbmeta merge-design` (the shards of one run), so that both write the same
// outputs from the same MAP draws, settings and hierarchical boundary.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "host/cli/design_output.hpp"
#include "host/design/design_analysis.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm {

// The mixture path (host/design/design_analysis.hpp, analyse_design), with the warning of a
// mixture that departs from the MAP draws added to run.warnings.
design::DesignResult design_mixture_path(DesignRun& run, const design::DesignSettings& s,
                                         const std::vector<double>& map_draws, std::size_t chains, ThreadPool& pool);

// DIR/design.json and DIR/design.html, written atomically, and (unless quiet) the summary on stdout.
void write_design_outputs(const std::string& out_dir, bool force, bool quiet, const DesignRun& run,
                          const design::DesignSettings& s, const design::DesignResult& r,
                          const std::vector<double>& map_draws);

}  // namespace hbm
