// `hbmeta bench-gradient` (the gradient-throughput probe of scripts/gpu-check.sh): its JSON
// line counts what it timed (outcomes, chains, studies with --replicate, the lanes per chain it
// used, where it read the study data), and bad --lanes / --replicate / --study-data values are
// one-line errors with exit status 2.
#include <gtest/gtest.h>

#include <string>

#include "host/io/csv_reader.hpp"
#include "support/cli_runner.hpp"
#include "support/mini_json.hpp"

namespace {

const std::string kData = std::string(HBMETA_DATA_DIR) + "/rescue_simulated.csv";

long long single_arm_studies() {
  long long k = 0;
  for (const auto& o : hbm::read_outcomes(kData))
    if (o.kind == hbm::OutcomeKind::SingleArm) k += static_cast<long long>(o.studies.size());
  return k;
}

TEST(BenchGradient, ReportsWhatItTimedOnTheCpu) {
  const auto r = hbm::test::run_hbmeta("bench-gradient " + kData +
                                       " --device cpu --chains 8 --evaluations 5 --replicate 3 --threads 2");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = hbm::test::Json::parse(r.out);
  EXPECT_EQ(j["device"].str(), "cpu");
  EXPECT_EQ(j["chains"].num(), 8);
  EXPECT_EQ(j["evaluations"].num(), 5);
  EXPECT_EQ(j["studies"].num(), 3.0 * single_arm_studies());
  EXPECT_EQ(j["lanes_per_chain"].num(), 1);  // the CPU runs one chain per thread
  EXPECT_EQ(j["study_data"].str(), "host");   // ... on the data where they are
  EXPECT_GT(j["seconds"].num(), 0);  // printed to 9 digits: the products below agree to 1e-6
  EXPECT_NEAR(j["study_gradients_per_second"].num(), 8.0 * 5 * j["studies"].num() / j["seconds"].num(),
              1e-6 * j["study_gradients_per_second"].num());
  EXPECT_NEAR(j["gflops"].num(), j["study_gradients_per_second"].num() * j["flops_per_study_gradient"].num() / 1e9,
              1e-6 * j["gflops"].num());
}

TEST(BenchGradient, BadLanesReplicateAndStudyDataAreOneLineErrors) {
  for (const char* args : {"--lanes 3", "--lanes 64", "--replicate 0", "--study-data constant"}) {
    const auto r = hbm::test::run_hbmeta("bench-gradient " + kData + " --device cpu " + args);
    EXPECT_EQ(r.status, 2) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_NE(r.err.find(std::string(args).substr(0, std::string(args).find(' '))), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

}  // namespace
