// --shard I/N; see shard_option.hpp.
#include "host/cli/shard_option.hpp"

#include "host/cli/option_values.hpp"
#include "host/support/input_error.hpp"

namespace hbm::cli {

void parse_shard(const std::string& text, int* i, int* n) {
  const std::size_t slash = text.find('/');
  const auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 7 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  const std::string a = slash == std::string::npos ? "" : text.substr(0, slash);
  const std::string b = slash == std::string::npos ? "" : text.substr(slash + 1);
  if (!digits(a) || !digits(b) || std::stol(b) < 1 || std::stol(a) >= std::stol(b))
    throw InputError("--shard: " + quoted(text) + " is not I/N with 0 <= I < N; expected " + form_of("shard"));
  *i = static_cast<int>(std::stol(a));
  *n = static_cast<int>(std::stol(b));
}

}  // namespace hbm::cli
