// The command line of an hbmeta subcommand: parse_command reads it with Boost.Program_options
// and turns every Boost error into a one-line InputError (with "did you mean" for a mistyped
// option); join_command records it as typed, for summary.json.
#pragma once
#include <boost/program_options.hpp>
#include <string>

namespace hbm::cli {

// Parses argv with `opts` plus the positional argument(s) `positional` (one, or with `many`
// any number, as a vector<string>); every error is an InputError of one line.
boost::program_options::variables_map parse_command(int argc, char** argv,
                                                    const boost::program_options::options_description& opts,
                                                    const char* positional, const char* command, bool many = false);
// "hbmeta ARG..." with arguments holding spaces, quotes or parentheses in single quotes.
std::string join_command(int argc, char** argv);

}  // namespace hbm::cli
