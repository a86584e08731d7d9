// Errors of the CUDA backend, as plain C++ types so that host code can catch them without
// CUDA headers.
#pragma once
#include <stdexcept>

namespace hbm::cuda {

class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An allocation failed: the caller may retry with a smaller batch.
class DeviceOutOfMemory : public DeviceError {
 public:
  using DeviceError::DeviceError;
};

}  // namespace hbm::cuda
