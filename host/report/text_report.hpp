// The readable results table printed on stdout, one block per outcome.
#pragma once
#include <string>

#include "host/fit/outcome_result.hpp"

namespace hbm {

std::string text_report(const OutcomeResult& r);

}  // namespace hbm
