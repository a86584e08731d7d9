// `hbmeta bench-gradient`: study-gradient evaluations per second of the single-arm model on the
// CPU backend or the GPU, through the batched engine's gradient probe (models/batch_steps.hpp),
// for the benchmark table of scripts/gpu-check.sh.
#pragma once

namespace hbm {

int run_bench_gradient(int argc, char** argv);

}  // namespace hbm
