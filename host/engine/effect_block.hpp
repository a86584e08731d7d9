// A block of random effects as the engine's problems describe it (host/fit/single_arm_problem.hpp,
// host/fit/two_arm_problem.hpp): K study coordinates q[offset + i] holding normal random effects
// e_i ~ N(m_i, s^2), each centred (q = e_i) or non-centred (q = (e_i - m_i) / s). The flags
// start from the data's first guess (or as --parametrisation forces) and are re-chosen per study
// by the engine at the end of each metric window (models/batch_steps.hpp, ChooseMetric).
#pragma once
#include <cstdint>
#include <vector>

#include "host/engine/sampler_config.hpp"

namespace hbm {

struct EffectBlock {
  int offset = 0;                     // q index of study 0's coordinate
  std::vector<std::uint8_t> centred;  // one flag per study (1 = centred)
};

// A study's starting parametrisation: as forced, or the data's guess.
inline std::uint8_t initial_centring(Parametrisation p, bool data_says_centred) {
  switch (p) {
    case Parametrisation::Centred: return 1;
    case Parametrisation::NonCentred: return 0;
    default: return data_says_centred ? 1 : 0;
  }
}

}  // namespace hbm
