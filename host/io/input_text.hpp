// Small text helpers the input readers share (the study CSV, draws CSVs): the "file:line:
// message" error, trimming spaces and tabs, and a user value cut to a readable length.
#pragma once
#include <string>
#include <string_view>

namespace hbm {

// Throws InputError("path:line: what").
[[noreturn]] void fail_at(const std::string& path, long line, const std::string& what);

// A space or a tab: what the readers trim around fields.
bool is_blank(char c);

// s without the spaces and tabs around it.
std::string_view trim_blanks(std::string_view s);

// s with ASCII capitals made small (other bytes as they are).
std::string lower_ascii(std::string s);

// A user value as shown inside a message: long values are cut so the message stays readable.
std::string shown(const std::string& v);

}  // namespace hbm
