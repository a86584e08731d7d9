// The options of `hbmeta fit` (priors, sampler, device, chains, draws, ...) and their parsing
// into a RunInfo, shared by `hbmeta batch` and `hbmeta simulate`, which take some of them.
#pragma once
#include <boost/program_options.hpp>
#include <functional>
#include <string>
#include <vector>

#include "host/fit/run_info.hpp"

namespace hbm::cli {

// The options of `hbmeta fit` that `want` accepts (by long name), and their parsing into
// info.options / info.threads (options not declared keep their defaults).
void add_fit_options(boost::program_options::options_description& opts,
                     const std::function<bool(const std::string&)>& want);
void parse_fit_settings(const boost::program_options::variables_map& vm, RunInfo& info,
                        std::vector<std::string>& ignore_columns);

}  // namespace hbm::cli
