#include "host/cli/simulate_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "host/fit/dataset_fit.hpp"
#include "host/io/output_writer.hpp"
#include "host/cli/cli.hpp"
#include "host/frequentist/frequentist.hpp"
#include "host/support/input_error.hpp"
#include "host/support/interrupt.hpp"
#include "host/io/json_reader.hpp"
#include "host/io/json_writer.hpp"
#include "host/simulation/mpi_support.hpp"
#include "host/fit/prior_spec.hpp"
#include "host/simulation/simulation_metrics.hpp"
#include "host/simulation/simulation_scenario.hpp"

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace hbm {
namespace {

std::string read_file_text(const std::string& path, const std::string& what) {
  std::ifstream f(path, std::ios::binary);
  if (!f || fs::is_directory(path)) throw InputError(path + ": cannot read the " + what + " (no such file, or not readable)");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The classical methods of a scenario on one replicate's data (metafor's conventions; the
// Q-profile tau^2 interval is not needed here and is skipped).
std::vector<freq::MethodResult> classical_methods(const OutcomeData& d, const std::vector<std::string>& methods) {
  const bool two = d.kind == OutcomeKind::TwoArm;
  std::vector<long long> ev, tot;
  freq::TwoArmCounts c;
  for (const auto& s : d.studies) {
    if (two) {
      c.et.push_back(s.events);
      c.nt.push_back(s.total);
      c.ec.push_back(s.events_c);
      c.nc.push_back(s.total_c);
    } else {
      ev.push_back(s.events);
      tot.push_back(s.total);
    }
  }
  const freq::EffectData e = two ? freq::escalc_or(c) : freq::escalc_plo(ev, tot);
  std::vector<freq::MethodResult> out;
  for (const auto& name : methods) {
    freq::MethodResult m;
    if (name == "GLMM") m = two ? freq::glmm_um_fs(c) : freq::glmm_single_arm(ev, tot);
    else if (name == "MH") m = freq::mantel_haenszel(c);
    else if (name == "Peto") m = freq::peto(c);
    else {
      const bool knha = name.size() > 5 && name.substr(name.size() - 5) == "_knha";
      const std::string base = knha ? name.substr(0, name.size() - 5) : name;
      freq::Tau2Method tm = freq::Tau2Method::REML;
      for (auto t : {freq::Tau2Method::FE, freq::Tau2Method::DL, freq::Tau2Method::REML, freq::Tau2Method::ML,
                     freq::Tau2Method::PM, freq::Tau2Method::SJ, freq::Tau2Method::HS, freq::Tau2Method::EB})
        if (freq::method_name(t) == base) tm = t;
      freq::RmaOptions o;
      o.knha = knha;
      o.tau2_ci = false;
      m = freq::rma(e, tm, o);
    }
    m.name = name;
    out.push_back(std::move(m));
  }
  return out;
}

// What a run was asked, recorded in DIR/simulation_config.json so that shards can be checked
// and merged (merge-simulations re-reads the scenarios from scenario_text).
struct SimSettings {
  std::string scenario_file, scenario_text, command;
  std::uint64_t seed = 0;
  long reps = 0;
  int shard_i = 0, shard_n = 1;
  FitOptions fo;  // sampler settings and default priors
  std::string device = "cpu";
  int threads = 1;
  // Everything that changes the numbers (not the shard, device, threads or command).
  std::string fingerprint() const {
    const SamplerConfig& s = fo.sampler;
    std::ostringstream o;
    o.precision(17);
    o << "hbmeta " << HBMETA_VERSION << "; seed " << seed << "; reps " << reps << "; sampler "
      << (s.algorithm == Algorithm::Gibbs ? "gibbs" : "hmc") << "; chains " << s.chains << "; warmup " << s.warmup
      << "; draws " << s.draws << "; max_steps " << s.max_steps << "; target_accept " << s.target_accept
      << "; parametrisation " << static_cast<int>(s.parametrisation) << "; prior_mu " << prior_to_string(fo.prior_mu)
      << "; prior_tau " << prior_to_string(fo.prior_tau) << "; baseline "
      << (fo.baseline == BaselineModel::Random ? "random" : "independent") << "; prior_baseline "
      << prior_to_string(fo.prior_baseline) << "; prior_baseline_sd " << prior_to_string(fo.prior_baseline_sd);
    return o.str();
  }
  std::string config_json(bool shard) const {
    JsonWriter j;
    j.begin_object();
    j.value("hbmeta_version", HBMETA_VERSION).value("command", command).value("scenario_file", scenario_file);
    j.value("seed", std::to_string(seed)).value("reps", static_cast<long long>(reps));
    j.value("shard", shard ? std::to_string(shard_i) + "/" + std::to_string(shard_n) : std::string("all"));
    j.value("settings", fingerprint());
    j.value("sampler", fo.sampler.algorithm == Algorithm::Gibbs ? "gibbs" : "hmc");
    j.value("chains", fo.sampler.chains).value("warmup", fo.sampler.warmup).value("draws", fo.sampler.draws);
    j.value("max_steps", fo.sampler.max_steps).value("target_accept", fo.sampler.target_accept);
    j.value("parametrisation", static_cast<int>(fo.sampler.parametrisation));
    j.value("prior_mu", prior_to_string(fo.prior_mu)).value("prior_tau", prior_to_string(fo.prior_tau));
    j.value("baseline", fo.baseline == BaselineModel::Random ? "random" : "independent");
    j.value("prior_baseline", prior_to_string(fo.prior_baseline));
    j.value("prior_baseline_sd", prior_to_string(fo.prior_baseline_sd));
    j.value("device", device).value("threads", threads);
    j.value("scenario_text", scenario_text);
    j.end_object();
    return j.str() + "\n";
  }
};

// The replicates of every scenario that this shard takes: r % N == I.
std::vector<long> shard_reps(long reps, int i, int n) {
  std::vector<long> v;
  for (long r = i; r < reps; r += n) v.push_back(r);
  return v;
}

// Simulates and fits this shard's replicates of every scenario: one batched engine run per
// (scenario, prior), all its replicates in the same launches.
std::vector<RepRecord> run_reps(const std::vector<Scenario>& scenarios, const SimSettings& st, ThreadPool& pool,
                                std::size_t per_launch, bool verbose) {
  std::vector<RepRecord> out;
  const std::vector<long> reps = shard_reps(st.reps, st.shard_i, st.shard_n);
  for (const auto& s : scenarios) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<OutcomeData> units;
    std::vector<double> theta_new;
    for (long r : reps) {
      SimulatedRep sr = simulate_rep(s, st.seed, r);
      units.push_back(std::move(sr.data));
      theta_new.push_back(sr.theta_new_true);
    }
    const auto base = [&](std::size_t i, const std::string& method) {
      RepRecord rec;
      rec.scenario = s.name;
      rec.method = method;
      rec.rep = reps[i];
      rec.mu_true = s.mu;
      rec.tau_true = s.tau;
      rec.theta_new_true = theta_new[i];
      rec.rhat_mu = rec.rhat_tau = rec.ess_mu = rec.ess_tau = NAN;
      return rec;
    };
    std::vector<std::vector<RepRecord>> per_method(s.all_methods().size());
    for (std::size_t p = 0; p < s.priors.size(); ++p) {
      const ScenarioPrior& pr = s.priors[p];
      FitOptions fo = st.fo;
      fo.prior_mu = pr.mu;
      fo.prior_tau = pr.tau;
      fo.baseline = pr.baseline;
      fo.prior_baseline = pr.prior_baseline;
      fo.prior_baseline_sd = pr.prior_baseline_sd;
      fo.frequentist = FrequentistLevel::None;
      ExtraFrequentist extra;
      if (p == 0 && !s.methods.empty())
        extra = [&](const OutcomeData& d) { return classical_methods(d, s.methods); };
      const std::vector<DatasetFit> fits = units.empty() ? std::vector<DatasetFit>{}
                                                         : fit_datasets(units, fo, pool, per_launch, extra);
      for (std::size_t i = 0; i < fits.size(); ++i) {
        const DatasetFit& f = fits[i];
        RepRecord rec = base(i, pr.name);
        const ParamSummary *mu = f.find("mu"), *tau = f.find("tau"), *tn = f.find("theta_new");
        rec.estimate = mu->mean;
        rec.ci_lb = mu->q[0];
        rec.ci_ub = mu->q[6];
        rec.pi_lb = tn->q[0];
        rec.pi_ub = tn->q[6];
        rec.tau = tau->mean;
        rec.rhat_mu = mu->rhat;
        rec.rhat_tau = tau->rhat;
        rec.ess_mu = mu->ess_bulk;
        rec.ess_tau = tau->ess_bulk;
        rec.failed = !(rec.rhat_mu <= 1.01 && rec.rhat_tau <= 1.01 && rec.ess_mu >= 400 && rec.ess_tau >= 400);
        per_method[p].push_back(rec);
        for (std::size_t m = 0; m < f.frequentist.size(); ++m) {
          const freq::MethodResult& fr = f.frequentist[m];
          RepRecord c = base(i, fr.name);
          c.estimate = fr.estimate;
          c.ci_lb = fr.ci_lb;
          c.ci_ub = fr.ci_ub;
          c.pi_lb = fr.pi_lb;
          c.pi_ub = fr.pi_ub;
          c.tau = fr.tau;
          c.failed = !(fr.converged && std::isfinite(fr.estimate) && std::isfinite(fr.ci_lb) && std::isfinite(fr.ci_ub));
          per_method[s.priors.size() + m].push_back(c);
        }
      }
    }
    for (auto& v : per_method) out.insert(out.end(), v.begin(), v.end());
    if (verbose)
      std::cerr << "hbmeta simulate: scenario " << s.name << ": " << reps.size() << " replicate(s) x "
                << s.all_methods().size() << " method(s) in "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n";
  }
  return out;
}

std::string simulated_data_csv(const std::vector<Scenario>& scenarios, const SimSettings& st, const std::vector<long>& reps) {
  bool single = false, two = false;
  for (const auto& s : scenarios) (s.kind == OutcomeKind::TwoArm ? two : single) = true;
  std::string h = "dataset,outcome,study";
  if (single) h += ",events,total";
  if (two) h += ",events_t,total_t,events_c,total_c";
  std::string out = h + "\n";
  for (const auto& s : scenarios)
    for (long r : reps) {
      const SimulatedRep sr = simulate_rep(s, st.seed, r);
      for (const auto& sc : sr.data.studies) {
        out += sr.data.dataset + "," + sr.data.name + "," + sc.name;
        if (s.kind == OutcomeKind::SingleArm) {
          out += "," + std::to_string(sc.events) + "," + std::to_string(sc.total) + (two ? ",,,," : "");
        } else {
          out += std::string(single ? ",," : "") + "," + std::to_string(sc.events) + "," + std::to_string(sc.total) +
                 "," + std::to_string(sc.events_c) + "," + std::to_string(sc.total_c);
        }
        out += "\n";
      }
    }
  return out;
}

// The outputs of a complete set of replicates (a single run, rank 0 of an MPI run, or a merge).
void write_full_outputs(const std::string& dir, bool force, bool quiet, bool write_data,
                        const std::vector<Scenario>& scenarios, const SimSettings& st, std::vector<RepRecord> records) {
  sort_records(records, scenarios);
  const std::vector<Metric> metrics = summarise_records(records, scenarios);
  if (!quiet)
    for (const auto& s : scenarios) std::cout << metrics_table(s, metrics, st.reps) << "\n";
  write_folder_atomically(dir, force, [&](const fs::path& tmp) {
    write_file(tmp / "simulation_summary.csv", metrics_csv(metrics));
    write_file(tmp / "replicates.csv", std::string(kReplicatesHeader) + "\n" + serialise_records(records));
    write_file(tmp / "simulation_config.json", st.config_json(false));
    write_file(tmp / "simulation_report.html", simulation_report_html(scenarios, metrics, st.reps, st.command));
    if (write_data) write_file(tmp / "simulated_data.csv", simulated_data_csv(scenarios, st, shard_reps(st.reps, 0, 1)));
  });
  if (!quiet)
    std::cout << "outputs: " << dir << "/simulation_summary.csv, " << dir << "/replicates.csv, " << dir
              << "/simulation_report.html, " << dir << "/simulation_config.json"
              << (write_data ? ", " + dir + "/simulated_data.csv" : std::string()) << "\n";
}

void parse_shard(const std::string& text, int* i, int* n) {
  const std::size_t slash = text.find('/');
  const auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 7 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  const std::string a = slash == std::string::npos ? "" : text.substr(0, slash);
  const std::string b = slash == std::string::npos ? "" : text.substr(slash + 1);
  if (!digits(a) || !digits(b) || std::stol(b) < 1 || std::stol(a) >= std::stol(b))
    throw InputError("--shard: " + cli::quoted(text) + " is not I/N with 0 <= I < N; expected " + cli::form_of("shard"));
  *i = static_cast<int>(std::stol(a));
  *n = static_cast<int>(std::stol(b));
}

int simulate_main(int argc, char** argv, MpiWorld& world) {
  po::options_description opts("hbmeta simulate options");
  static const std::set<std::string> kWant = {"help", "prior-mu", "prior-tau", "sampler", "device", "gpu-lanes",
                                              "gpu-study-data", "chains", "warmup", "draws", "seed", "threads", "max-steps", "target-accept",
                                              "parametrisation", "baseline", "prior-baseline", "prior-baseline-sd",
                                              "force", "quiet"};
  cli::add_fit_options(opts, [](const std::string& n) { return kWant.count(n) > 0; });
  opts.add_options()("scenario", po::value<std::string>(), "scenario file (JSON; docs/simulation.md)")(
      "reps", po::value<std::string>(), "replicates per scenario")(
      "out", po::value<std::string>()->default_value("hbmeta-simulation"), "output folder")(
      "write-data", "also write DIR/simulated_data.csv (the input format of hbmeta batch)")(
      "shard", po::value<std::string>(), "run only the replicates r with r % N == I and write them for merge-simulations")(
      "datasets-per-launch", po::value<std::string>()->default_value("0"),
      "at most this many replicates per engine launch (0: as many as fit in ~2 GiB; never changes the results)");
  const po::variables_map vm = cli::parse_command(argc, argv, opts, "extra", "simulate");
  if (vm.count("help")) {
    if (world.rank == 0)
      std::cout << "usage: hbmeta simulate --scenario FILE.json --reps N [--seed S] [--out DIR] [--write-data]\n"
                   "                       [--shard I/N] [--device auto|cpu|cuda] [--chains N] [--draws N] ...\n"
                   "       mpirun -np R hbmeta simulate ...   (with MPI at build time: replicates shared across ranks)\n"
                << opts;
    return 0;
  }
  if (vm.count("extra"))
    throw InputError("simulate: unexpected argument " + cli::quoted(vm["extra"].as<std::string>()) +
                     "; usage: hbmeta simulate --scenario FILE.json --reps N [options] (all options: hbmeta simulate --help)");
  if (!vm.count("scenario"))
    throw InputError("simulate: missing --scenario FILE.json; expected " + cli::form_of("scenario"));
  if (!vm.count("reps")) throw InputError("simulate: missing --reps N; expected " + cli::form_of("reps"));
  RunInfo info;
  std::vector<std::string> ignored;
  cli::parse_fit_settings(vm, info, ignored);
  SimSettings st;
  st.fo = info.options;
  st.threads = info.threads;
  st.command = cli::join_command(argc, argv);
  st.seed = st.fo.sampler.seed;
  st.reps = static_cast<long>(cli::int_option(vm, "reps", 1, 10000000));
  st.scenario_file = vm["scenario"].as<std::string>();
  st.scenario_text = read_file_text(st.scenario_file, "scenario file");
  const std::vector<Scenario> scenarios = parse_scenarios(st.scenario_file, st.scenario_text, st.fo);
  const bool by_hand = vm.count("shard") > 0;
  if (by_hand) {
    parse_shard(vm["shard"].as<std::string>(), &st.shard_i, &st.shard_n);
    if (world.size > 1)
      throw InputError("--shard: under mpirun the replicates are shared across the ranks already; give either "
                       "mpirun -np R or --shard I/N, not both");
  } else {
    st.shard_i = world.rank;
    st.shard_n = world.size;
  }
  const auto per_launch = static_cast<std::size_t>(cli::int_option(vm, "datasets-per-launch", 0, 100000000));
  const std::string out_dir = vm["out"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0, force = vm.count("force") > 0, write_data = vm.count("write-data") > 0;
  if (fs::exists(out_dir) && !force)
    throw InputError(out_dir + ": output folder exists; choose another --out or pass --force to replace it");
  // MPI + CUDA: one GPU per rank would be selected here, cudaSetDevice(world.rank % device_count),
  // once the CUDA backend takes a device index (cuda/ uses device 0 today, so every rank of a
  // multi-GPU node would share GPU 0).
  st.device = cli::device_label(st.fo.device);
  if (!quiet && world.rank == 0)
    std::cout << "hbmeta " << HBMETA_VERSION << " simulate: " << scenarios.size() << " scenario(s) from "
              << st.scenario_file << ", " << st.reps << " replicate(s) each"
              << (by_hand ? ", shard " + std::to_string(st.shard_i) + "/" + std::to_string(st.shard_n) : std::string())
              << (world.size > 1 ? ", " + std::to_string(world.size) + " MPI ranks" : std::string()) << "; device "
              << st.device << ", " << st.threads << " thread(s)" << (world.size > 1 ? " per rank" : "") << ", "
              << st.fo.sampler.chains << " chains x " << st.fo.sampler.draws << " draws (" << st.fo.sampler.warmup
              << " warmup), seed " << st.seed << "\n\n"
              << std::flush;
  install_interrupt_handlers();
  ThreadPool pool(st.threads);
  const std::vector<RepRecord> mine = run_reps(scenarios, st, pool, per_launch, !quiet && world.rank == 0);
  // The same text path for every way of running: serialised, gathered (MPI), parsed back.
  const std::vector<std::string> parts = mpi_gather_text(world, serialise_records(mine));
  if (world.rank != 0) return 0;
  std::vector<RepRecord> records;
  for (std::size_t r = 0; r < parts.size(); ++r) {
    std::vector<RepRecord> p = parse_records(parts[r], "rank " + std::to_string(r));
    records.insert(records.end(), p.begin(), p.end());
  }
  if (by_hand) {
    sort_records(records, scenarios);
    write_folder_atomically(out_dir, force, [&](const fs::path& tmp) {
      write_file(tmp / "replicates.csv", std::string(kReplicatesHeader) + "\n" + serialise_records(records));
      write_file(tmp / "simulation_config.json", st.config_json(true));
      if (write_data)
        write_file(tmp / "simulated_data.csv",
                   simulated_data_csv(scenarios, st, shard_reps(st.reps, st.shard_i, st.shard_n)));
    });
    if (!quiet)
      std::cout << "shard " << st.shard_i << "/" << st.shard_n << ": " << shard_reps(st.reps, st.shard_i, st.shard_n).size()
                << " replicate(s) per scenario in " << out_dir << "/replicates.csv; combine the " << st.shard_n
                << " shards with hbmeta merge-simulations DIR1 ... DIR" << st.shard_n << " --out DIR\n";
    return 0;
  }
  st.shard_i = 0;
  st.shard_n = 1;
  write_full_outputs(out_dir, force, quiet, write_data, scenarios, st, std::move(records));
  return 0;
}

}  // namespace

int run_simulate(int argc, char** argv) {
  MpiSession mpi(&argc, &argv);
  if (!mpi.world.active || mpi.world.size == 1) return simulate_main(argc, argv, mpi.world);
  // Several ranks: an error on one must not leave the others waiting in the gather. Bad input
  // is the same on every rank (same arguments), so rank 0 reports it and all stop.
  try {
    return simulate_main(argc, argv, mpi.world);
  } catch (const InputError& e) {
    if (mpi.world.rank == 0) std::cerr << "hbmeta: " << e.what() << "\n";
    std::cerr.flush();
    mpi_abort(mpi.world, 2);
  } catch (const Interrupted& e) {
    mpi_abort(mpi.world, 128 + e.signal);
  } catch (const std::exception& e) {
    std::cerr << "hbmeta: internal error on MPI rank " << mpi.world.rank << ": " << e.what() << "\n";
    mpi_abort(mpi.world, 1);
  }
}

int run_merge_simulations(int argc, char** argv) {
  po::options_description opts("hbmeta merge-simulations options");
  opts.add_options()("help,h", "show this help")("out", po::value<std::string>()->default_value("hbmeta-simulation"),
                                                  "output folder")(
      "write-data", "also write DIR/simulated_data.csv (regenerated: data depend only on seed, scenario and rep)")(
      "force", "replace the output folder if it exists")("quiet", "print nothing on success");
  const po::variables_map vm = cli::parse_command(argc, argv, opts, "dirs", "merge-simulations", true);
  if (vm.count("help")) {
    std::cout << "usage: hbmeta merge-simulations DIR1 DIR2 ... --out DIR   (DIRs: hbmeta simulate --shard outputs)\n"
              << opts;
    return 0;
  }
  if (!vm.count("dirs"))
    throw InputError("merge-simulations: no shard folders given; usage: hbmeta merge-simulations DIR1 DIR2 ... --out DIR");
  const std::vector<std::string> dirs = vm["dirs"].as<std::vector<std::string>>();
  SimSettings st;
  std::vector<Scenario> scenarios;
  std::vector<RepRecord> records;
  std::string first_settings;
  int shard_n = 0;
  std::set<int> shards_seen;
  for (std::size_t k = 0; k < dirs.size(); ++k) {
    const std::string cfg_path = (fs::path(dirs[k]) / "simulation_config.json").string();
    const std::string text = read_file_text(cfg_path, "shard's simulation_config.json (is " + dirs[k] +
                                                          " an hbmeta simulate --shard output folder?)");
    Json cfg;
    try {
      cfg = Json::parse(text);
      (void)cfg["settings"].str();
      (void)cfg["scenario_text"].str();
      (void)cfg["shard"].str();
    } catch (const std::exception& e) {
      throw InputError(cfg_path + ":1: not an hbmeta simulate configuration (" + e.what() + ")");
    }
    const std::string shard = cfg["shard"].str();
    if (shard == "all")
      throw InputError(cfg_path + ":1: this folder holds a complete run (shard \"all\"), not a shard; merge the "
                       "outputs of hbmeta simulate --shard I/N");
    int si = 0, sn = 0;
    parse_shard(shard, &si, &sn);
    if (k == 0) {
      first_settings = cfg["settings"].str();
      st.scenario_text = cfg["scenario_text"].str();
      st.scenario_file = cfg["scenario_file"].str();
      st.seed = std::stoull(cfg["seed"].str());
      st.reps = static_cast<long>(cfg["reps"].num());
      st.fo.sampler.chains = static_cast<int>(cfg["chains"].num());
      st.fo.sampler.warmup = static_cast<int>(cfg["warmup"].num());
      st.fo.sampler.draws = static_cast<int>(cfg["draws"].num());
      st.fo.sampler.max_steps = static_cast<int>(cfg["max_steps"].num());
      st.fo.sampler.target_accept = cfg["target_accept"].num();
      st.fo.sampler.parametrisation = static_cast<Parametrisation>(static_cast<int>(cfg["parametrisation"].num()));
      st.fo.sampler.algorithm = cfg["sampler"].str() == "gibbs" ? Algorithm::Gibbs : Algorithm::Hmc;
      st.fo.sampler.seed = st.seed;
      st.fo.prior_mu = parse_prior(cfg["prior_mu"].str(), PriorRole::Location, "prior_mu");
      st.fo.prior_tau = parse_prior(cfg["prior_tau"].str(), PriorRole::Scale, "prior_tau");
      st.fo.baseline = cfg["baseline"].str() == "random" ? BaselineModel::Random : BaselineModel::Independent;
      st.fo.prior_baseline = parse_prior(cfg["prior_baseline"].str(), PriorRole::Location, "prior_baseline");
      st.fo.prior_baseline_sd = parse_prior(cfg["prior_baseline_sd"].str(), PriorRole::Scale, "prior_baseline_sd");
      st.device = cfg["device"].str();
      st.threads = static_cast<int>(cfg["threads"].num());
      scenarios = parse_scenarios(cfg_path + " (scenario_text)", st.scenario_text, st.fo);
      shard_n = sn;
    } else {
      if (cfg["settings"].str() != first_settings || cfg["scenario_text"].str() != st.scenario_text)
        throw InputError(cfg_path + ":1: this shard was run with other settings or scenarios than " + dirs[0] +
                         " (" + cfg["settings"].str() + " vs " + first_settings +
                         "); only shards of one hbmeta simulate command can be merged");
      if (sn != shard_n)
        throw InputError(cfg_path + ":1: shard " + shard + " is of another split than " + dirs[0] + " (N = " +
                         std::to_string(shard_n) + ")");
    }
    if (!shards_seen.insert(si).second)
      throw InputError(cfg_path + ":1: shard " + shard + " is given twice; give each shard once");
    const std::string rep_path = (fs::path(dirs[k]) / "replicates.csv").string();
    std::vector<RepRecord> p = parse_records(read_file_text(rep_path, "shard's replicates.csv"), rep_path);
    records.insert(records.end(), p.begin(), p.end());
  }
  if (static_cast<int>(shards_seen.size()) != shard_n) {
    std::string missing;
    for (int i = 0; i < shard_n; ++i)
      if (!shards_seen.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(shard_n);
    throw InputError("merge-simulations: shard(s) " + missing + " missing; give all " + std::to_string(shard_n) +
                     " shard folders of the run");
  }
  // Every (scenario, method, rep) exactly once.
  std::map<std::pair<std::string, std::string>, std::set<long>> seen;
  for (const auto& r : records)
    if (!seen[{r.scenario, r.method}].insert(r.rep).second)
      throw InputError("merge-simulations: replicate " + std::to_string(r.rep) + " of " + r.scenario + "/" + r.method +
                       " appears in more than one shard");
  for (const auto& s : scenarios)
    for (const auto& m : s.all_methods())
      if (static_cast<long>(seen[{s.name, m}].size()) != st.reps)
        throw InputError("merge-simulations: " + s.name + "/" + m + " has " + std::to_string(seen[{s.name, m}].size()) +
                         " of " + std::to_string(st.reps) + " replicates; a shard's replicates.csv is incomplete");
  st.command = cli::join_command(argc, argv);
  const std::string out_dir = vm["out"].as<std::string>();
  if (fs::exists(out_dir) && !vm.count("force"))
    throw InputError(out_dir + ": output folder exists; choose another --out or pass --force to replace it");
  write_full_outputs(out_dir, vm.count("force") > 0, vm.count("quiet") > 0, vm.count("write-data") > 0, scenarios, st,
                     std::move(records));
  return 0;
}

}  // namespace hbm
