// The hbmeta command line: `hbmeta fit DATA.csv [options]`. Returns the process exit status:
// 0 success, 2 bad input or options (message on stderr, nothing written), 1 internal error.
#pragma once
#include <boost/program_options.hpp>
#include <functional>
#include <string>
#include <vector>

#include "host/fit/run_info.hpp"

namespace hbm {

int cli_main(int argc, char** argv);

// The option helpers of host/cli/cli.cpp, shared by the other subcommands (batch, simulate,
// merge-simulations) so that every option error is the same one line (docs/input_errors.md).
namespace cli {
namespace po = boost::program_options;
// Parses argv with `opts` plus the positional argument(s) `positional` (one, or with `many`
// any number, as a vector<string>); every error is an InputError of one line.
po::variables_map parse_command(int argc, char** argv, const po::options_description& opts, const char* positional,
                                const char* command, bool many = false);
// The options of `hbmeta fit` that `want` accepts (by long name), and their parsing into
// info.options / info.threads (options not declared keep their defaults).
void add_fit_options(po::options_description& opts, const std::function<bool(const std::string&)>& want);
void parse_fit_settings(const po::variables_map& vm, RunInfo& info, std::vector<std::string>& ignore_columns);
long long int_option(const po::variables_map& vm, const char* name, long long lo, long long hi);
std::string join_command(int argc, char** argv);
std::string quoted(const std::string& v);
std::string form_of(const std::string& option);
std::string device_label(Device d);  // "cpu" or "cuda (DEVICE NAME)"
}  // namespace cli

}  // namespace hbm
