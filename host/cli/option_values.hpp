// The values of hbmeta's options: their accepted forms, the wording of a bad value, and the
// parsers of integer, seed, real and list values, shared by every subcommand.
//
// Every bad value gets ONE line naming the option and the accepted form:
//   --chains: -4 is not allowed; expected a positive integer up to 1000000, e.g. --chains 16
// (docs/input_errors.md lists them; tests/input_hardening_test.cpp checks them).
#pragma once
#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace hbm::cli {

// The accepted form of each option that takes a value, as shown in its messages; nullptr for
// an option without one.
const char* accepted_form(const std::string& option);
// The accepted form, or a pointer to `hbmeta fit --help` for an option without one.
std::string form_of(const std::string& option);
// A value as quoted in a message (long values cut, so the message stays one short line).
std::string quoted(const std::string& v);
// `s` without surrounding spaces and tabs.
std::string trim_copy(const std::string& s);

// Throw the one-line InputError "--OPTION: WHAT; expected FORM".
[[noreturn]] void bad_value(const std::string& option, const std::string& what);
// Throw the one-line InputError for a value that is not one of the words `choices`.
[[noreturn]] void not_one_of(const std::string& option, const std::string& value, const char* choices);

// An integer option: plain decimal digits (a leading '-' only to say that negative values are
// not allowed), within [lo, hi].
long long int_option(const boost::program_options::variables_map& vm, const char* name, long long lo, long long hi);
// --seed: any unsigned 64-bit integer, in digits (no sign: -1 must not wrap to 2^64 - 1).
unsigned long long seed_option(const boost::program_options::variables_map& vm);
// A real-valued option: a plain finite decimal number (no hex, inf or nan).
double real_option(const std::string& name, const std::string& text);
// "a, b,c" -> {a, b, c}; empty text -> {}. Empty items and repeats are errors.
std::vector<std::string> split_list(const std::string& text, const char* option);

}  // namespace hbm::cli
