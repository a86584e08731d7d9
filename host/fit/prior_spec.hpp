// Parsing and printing prior specifications given on the command line, e.g. "normal(0,10)",
// "half-cauchy(0.5)", "half-t(3,1)", "uniform(0,5)", "log-normal(-1,1)".
#pragma once
#include <string>

#include "models/priors.hpp"

namespace hbm {

enum class PriorRole { Location, Scale };

// Throws InputError naming `option` and the accepted forms when the text is not a valid prior
// for the role (location parameters take normal(m,s); scales take the half-/uniform/log-normal
// families).
Prior parse_prior(const std::string& text, PriorRole role, const std::string& option);

// Canonical text, e.g. "half-normal(1)", parseable by parse_prior.
std::string prior_to_string(const Prior& p);

// Plain words for reports, e.g. "half-normal with scale 1 (median 0.674)".
std::string prior_in_words(const Prior& p);

}  // namespace hbm
