// Two sets of runs that must be the same bit for bit (the same batch under two launch shapes,
// layouts or study-data placements): every stored draw and per-draw statistic, and what the
// adaptation ended with.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/engine/sampler_run.hpp"

namespace hbm::test {

inline void expect_same_runs(const std::vector<HmcRun>& a, const std::vector<HmcRun>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t o = 0; o < a.size(); ++o) {
    SCOPED_TRACE("outcome " + std::to_string(o));
    EXPECT_EQ(a[o].outputs, b[o].outputs);
    EXPECT_EQ(a[o].study_outputs, b[o].study_outputs);
    EXPECT_EQ(a[o].accept_prob, b[o].accept_prob);
    EXPECT_EQ(a[o].energy, b[o].energy);
    EXPECT_EQ(a[o].divergent, b[o].divergent);
    EXPECT_EQ(a[o].step_size, b[o].step_size);
    EXPECT_EQ(a[o].trajectory_length, b[o].trajectory_length);
    EXPECT_EQ(a[o].inv_metric, b[o].inv_metric);
    EXPECT_EQ(a[o].centred, b[o].centred);
    EXPECT_EQ(a[o].warmup_divergences, b[o].warmup_divergences);
  }
}

}  // namespace hbm::test
