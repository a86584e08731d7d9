// merge-simulations: shard folders checked and combined; see shard_merge.hpp.
#include "host/simulation/shard_merge.hpp"

#include <filesystem>
#include <map>
#include <set>

#include "host/io/file_text.hpp"
#include "host/io/json_reader.hpp"
#include "host/support/input_error.hpp"

namespace fs = std::filesystem;

namespace hbm {

MergedRun merge_shards(const std::vector<std::string>& dirs, const ShardParser& parse_shard) {
  MergedRun run;
  SimSettings& st = run.settings;
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
      st = settings_from_config(cfg);
      run.scenarios = parse_scenarios(cfg_path + " (scenario_text)", st.scenario_text, st.fo);
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
    run.records.insert(run.records.end(), p.begin(), p.end());
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
  for (const auto& r : run.records)
    if (!seen[{r.scenario, r.method}].insert(r.rep).second)
      throw InputError("merge-simulations: replicate " + std::to_string(r.rep) + " of " + r.scenario + "/" + r.method +
                       " appears in more than one shard");
  for (const auto& s : run.scenarios)
    for (const auto& m : s.all_methods())
      if (static_cast<long>(seen[{s.name, m}].size()) != st.reps)
        throw InputError("merge-simulations: " + s.name + "/" + m + " has " + std::to_string(seen[{s.name, m}].size()) +
                         " of " + std::to_string(st.reps) + " replicates; a shard's replicates.csv is incomplete");
  return run;
}

}  // namespace hbm
