// Where the tests find the sources, fixtures and the hbmeta binary. CMake compiles in the paths
// of the build (HBMETA_CONFIGURED_*); the environment variables HBMETA_TEST_SOURCE_DIR and
// HBMETA_TEST_BINARY override them at run time, for a test binary built on one machine and run
// from another checkout (scripts/gpu-check.sh --prepare, then scripts/gpu-check.sh on the GPU
// machine). Included into every test file by tests/CMakeLists.txt, which is why the macros the
// tests use (HBMETA_FIXTURES, HBMETA_DATA_DIR, HBMETA_SOURCE_DIR, HBMETA_BINARY) are defined
// here as calls.
#pragma once

namespace hbm::test {
const char* source_dir();    // HBMETA_TEST_SOURCE_DIR, else the configured source folder
const char* fixtures_dir();  // source_dir()/tests/fixtures
const char* data_dir();      // source_dir()/data
const char* binary_path();   // HBMETA_TEST_BINARY, else the hbmeta this build made
}  // namespace hbm::test

#define HBMETA_SOURCE_DIR (::hbm::test::source_dir())
#define HBMETA_FIXTURES (::hbm::test::fixtures_dir())
#define HBMETA_DATA_DIR (::hbm::test::data_dir())
#define HBMETA_BINARY (::hbm::test::binary_path())
