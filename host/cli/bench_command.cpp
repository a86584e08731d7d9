#include "host/cli/bench_command.hpp"

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "host/engine/batch_data.hpp"
#include "host/engine/batch_engine.hpp"
#include "host/engine/batched_run.hpp"
#include "host/engine/cpu_backend.hpp"
#include "host/io/csv_reader.hpp"
#include "host/fit/fit_options.hpp"
#include "host/support/input_error.hpp"
#include "host/fit/outcome_fit.hpp"
#include "host/fit/single_arm_problem.hpp"
#ifdef HBMETA_HAVE_CUDA
#include "cuda/device_engine.hpp"
#endif

namespace hbm {

// FP64 operations of one study's term in SingleArmModel::gradient (non-centred, P = 0), counted
// from the source as the instructions they compile to, an FMA counting 2: linear predictor and
// effect (3), binomial-logit gradient (exp ~12, 1 + e 1, division ~8, n s - (n - y) 3), random-effect
// chain rule (3), accumulation into dmu and dtau (2). scripts/gpu-check.sh also counts them with
// Nsight Compute where its counters are readable.
constexpr double kFlopsPerStudyGradient = 32.0;

int run_bench_gradient(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description opts("hbmeta bench-gradient options");
  opts.add_options()("help,h", "show this help")("data", po::value<std::string>(), "input CSV (single-arm outcomes)")(
      "device", po::value<std::string>()->default_value("cpu"), "cpu or cuda")(
      "chains", po::value<int>()->default_value(4096), "chains per outcome")(
      "evaluations", po::value<int>()->default_value(200), "gradient evaluations per chain")(
      "lanes", po::value<int>()->default_value(0), "GPU lanes per chain: 0 (the engine's choice), 1, 2, 4, 8, 16, 32")(
      "study-data", po::value<std::string>()->default_value("shared"),
      "GPU: shared (study data staged in shared memory where they fit) or global")(
      "replicate", po::value<int>()->default_value(1),
      "repeat each outcome's studies this many times (larger K from the same data, for layout timings)")(
      "threads", po::value<int>()->default_value(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
      "CPU threads");
  po::positional_options_description pos;
  pos.add("data", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help") || !vm.count("data")) {
    std::cout << "usage: hbmeta bench-gradient DATA.csv [--device cpu|cuda] [--chains N] [--evaluations E]\n"
                 "                              [--lanes L] [--study-data shared|global] [--replicate R]\n"
              << opts;
    return vm.count("help") ? 0 : 2;
  }
  const std::string device = vm["device"].as<std::string>();
  const int chains = vm["chains"].as<int>(), evals = vm["evaluations"].as<int>();
  const int lanes = vm["lanes"].as<int>(), replicate = vm["replicate"].as<int>();
  if (lanes < 0 || lanes > 32 || (lanes & (lanes - 1)) != 0)
    throw InputError("--lanes: " + std::to_string(lanes) + " is not one of 0, 1, 2, 4, 8, 16, 32");
  if (replicate < 1 || replicate > 100000) throw InputError("--replicate: expected an integer from 1 to 100000");
  const std::string study_data = vm["study-data"].as<std::string>();
  if (study_data != "shared" && study_data != "global")
    throw InputError("--study-data: '" + study_data + "' is not one of shared, global");
  if (device != "cpu" && device != "cuda") throw InputError("--device: '" + device + "' is not one of cpu, cuda");
  if (chains < 1 || evals < 1) throw InputError("--chains and --evaluations: expected positive integers");

  FitOptions opt;
  opt.sampler.chains = chains;
  std::vector<std::unique_ptr<SingleArmProblem>> probs;
  std::vector<batch::OutcomeStart> starts;
  batch::SingleArmBatch data;
  long long studies = 0;
  for (auto o : read_outcomes(vm["data"].as<std::string>())) {
    if (o.kind != OutcomeKind::SingleArm) continue;
    const auto one = o.studies;
    for (int r = 1; r < replicate; ++r) o.studies.insert(o.studies.end(), one.begin(), one.end());
    probs.push_back(std::make_unique<SingleArmProblem>(single_arm_problem(o, opt)));
    starts.push_back(hmc_start(*probs.back(), opt.sampler, outcome_stream(o.name)));
    data.add(probs.back()->model());
    studies += static_cast<long long>(o.studies.size());
  }
  if (probs.empty()) throw InputError("bench-gradient: no single-arm outcome in the input");

  double seconds = 0;
  batch::GradientLayout used;
  const bool stage = study_data == "shared";
  if (device == "cpu") {
    ThreadPool pool(vm["threads"].as<int>());
    CpuBackend be(pool);
    seconds = batch::time_gradients(be, data, starts, chains, evals, lanes, stage, &used);
  } else {
#ifdef HBMETA_HAVE_CUDA
    std::string no_device;
    if (cuda::device_count(&no_device) == 0)
      throw InputError("--device cuda: no usable CUDA device (" + no_device + "); use --device cpu");
    seconds = cuda::time_gradients(data, starts, chains, evals, lanes, stage, &used);
#else
    throw InputError("--device cuda: this hbmeta was built without CUDA");
#endif
  }
  const double per_second = static_cast<double>(chains) * evals * studies / seconds;
  std::printf("{\"device\": \"%s\", \"outcomes\": %zu, \"chains\": %d, \"studies\": %lld, \"evaluations\": %d, "
              "\"lanes_per_chain\": %d, \"study_data\": \"%s\", \"seconds\": %.9g, "
              "\"study_gradients_per_second\": %.9g, \"flops_per_study_gradient\": %g, \"gflops\": %.9g}\n",
              device.c_str(), probs.size(), chains, studies, evals, used.lanes, used.study_data, seconds, per_second,
              kFlopsPerStudyGradient, per_second * kFlopsPerStudyGradient / 1e9);
  return 0;
}

}  // namespace hbm
