// GPU tests skip without a usable CUDA device, saying why (the CUDA runtime's own error from
// cuda::device_count), unless HBMETA_REQUIRE_GPU is set (scripts/gpu-check.sh sets it on the
// device machine): then a missing device is a failure, not a skip.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#ifdef HBMETA_HAVE_CUDA
#include "cuda/device_engine.hpp"
#endif

namespace hbm::test {

inline bool have_gpu() {
#ifdef HBMETA_HAVE_CUDA
  return cuda::device_count() > 0;
#else
  return false;
#endif
}

inline std::string gpu_skip_reason() {
#ifdef HBMETA_HAVE_CUDA
  std::string why;
  cuda::device_count(&why);
  return "no usable CUDA device (" + why + "): GPU test skipped";
#else
  return "built without CUDA (nvcc not found at configure time): GPU test skipped";
#endif
}

}  // namespace hbm::test

#define HBMETA_SKIP_WITHOUT_GPU()                                                          \
  do {                                                                                     \
    if (!hbm::test::have_gpu()) {                                                          \
      if (std::getenv("HBMETA_REQUIRE_GPU")) FAIL() << hbm::test::gpu_skip_reason();       \
      GTEST_SKIP() << hbm::test::gpu_skip_reason();                                        \
    }                                                                                      \
  } while (0)
