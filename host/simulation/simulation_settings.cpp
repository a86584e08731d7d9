// What an `hbmeta simulate` run was asked, written to and read back from
// DIR/simulation_config.json; see simulation_settings.hpp.
#include "host/simulation/simulation_settings.hpp"

#include <sstream>

#include "host/fit/prior_spec.hpp"
#include "host/io/json_reader.hpp"
#include "host/io/json_writer.hpp"

namespace hbm {

std::string SimSettings::fingerprint() const {
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

std::string SimSettings::config_json(bool shard) const {
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

SimSettings settings_from_config(const Json& cfg) {
  SimSettings st;
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
  return st;
}

std::vector<long> shard_reps(long reps, int i, int n) {
  std::vector<long> v;
  for (long r = i; r < reps; r += n) v.push_back(r);
  return v;
}

}  // namespace hbm
