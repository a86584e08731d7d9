// Whether this hbmeta can run on a CUDA device, and the device's name as the outputs show it.
#pragma once
#include <string>

#include "host/engine/sampler_config.hpp"

namespace hbm::cli {

// Whether this hbmeta was built with CUDA (nvcc found at configure time).
bool cuda_built();
// Whether a CUDA device is present (always false without CUDA). If not and CUDA is built, *why
// (when given) says what the CUDA runtime reported (cuda/device_engine.hpp, device_count).
bool cuda_device_present(std::string* why = nullptr);
// The device as summary.json and stdout name it: "cpu" or "cuda (NVIDIA H200)".
std::string device_label(Device d);

}  // namespace hbm::cli
