// The tests read JSON with the project's reader (host/io/json_reader.hpp).
#pragma once
#include "host/io/json_reader.hpp"

namespace hbm::test {
using Json = hbm::Json;
}  // namespace hbm::test
