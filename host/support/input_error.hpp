// The one exception type for bad user input. what() is the whole message the user sees,
// already in the form "file:line: what is wrong and how to fix it"; the CLI prints it and
// exits with status 2 before anything is written.
#pragma once
#include <stdexcept>
#include <string>

namespace hbm {

struct InputError : std::runtime_error {
  explicit InputError(const std::string& msg) : std::runtime_error(msg) {}
};

}  // namespace hbm
