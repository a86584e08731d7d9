// The output folder of a simulation study; see simulation_outputs.hpp.
#include "host/simulation/simulation_outputs.hpp"

#include <filesystem>
#include <iostream>

#include "host/io/output_writer.hpp"

namespace fs = std::filesystem;

namespace hbm {
namespace {

// The replicates' data in the input format of hbmeta batch (one dataset per replicate).
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

}  // namespace

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

void write_shard_outputs(const std::string& dir, bool force, bool quiet, bool write_data,
                         const std::vector<Scenario>& scenarios, const SimSettings& st, std::vector<RepRecord> records) {
  sort_records(records, scenarios);
  write_folder_atomically(dir, force, [&](const fs::path& tmp) {
    write_file(tmp / "replicates.csv", std::string(kReplicatesHeader) + "\n" + serialise_records(records));
    write_file(tmp / "simulation_config.json", st.config_json(true));
    if (write_data)
      write_file(tmp / "simulated_data.csv",
                 simulated_data_csv(scenarios, st, shard_reps(st.reps, st.shard_i, st.shard_n)));
  });
  if (!quiet)
    std::cout << "shard " << st.shard_i << "/" << st.shard_n << ": " << shard_reps(st.reps, st.shard_i, st.shard_n).size()
              << " replicate(s) per scenario in " << dir << "/replicates.csv; combine the " << st.shard_n
              << " shards with hbmeta merge-simulations DIR1 ... DIR" << st.shard_n << " --out DIR\n";
}

}  // namespace hbm
