// Probing the CUDA device (host/cli/device_probe.hpp); without CUDA, no device is present.
#include "host/cli/device_probe.hpp"

#ifdef HBMETA_HAVE_CUDA
#include "cuda/device_engine.hpp"
#endif

namespace hbm::cli {
namespace {

std::string cuda_device_name() {
#ifdef HBMETA_HAVE_CUDA
  return cuda::device_info(0).name;
#else
  return "none";
#endif
}

}  // namespace

bool cuda_built() {
#ifdef HBMETA_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

bool cuda_device_present(std::string* why) {
#ifdef HBMETA_HAVE_CUDA
  return cuda::device_count(why) > 0;
#else
  (void)why;
  return false;
#endif
}

// The device as summary.json and stdout name it: "cpu" or "cuda (NVIDIA H200)".
std::string device_label(Device d) { return d == Device::Cuda ? "cuda (" + cuda_device_name() + ")" : "cpu"; }

}  // namespace hbm::cli
