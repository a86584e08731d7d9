// Posterior predictive checks of each study's event count (always computed; cheap).
//
// For study i and every kept draw of the posterior, a replicated count is drawn two ways:
//   conditional: from the study's own effect, y_rep ~ Bin(n_i, inv_logit(theta_i));
//   mixed:       from a new effect of the population, theta_rep = mu + x_i' beta + tau z,
//                y_rep ~ Bin(n_i, inv_logit(theta_rep)) (Marshall & Spiegelhalter 2003).
// The conditional replicate reuses the study's own data through theta_i and is conservative
// (its p-values crowd around 0.5); the mixed replicate is the check: on data from the model its
// p-values are close to uniform once K is moderate, so a study outside its mixed 95% interval is
// surprising under the random-effects model (tests/predictive_checks_test.cpp checks both).
//
// Two-arm outcomes check the treatment arm's events given the study's total events m_i =
// yt_i + yc_i: y_rep ~ Fisher's noncentral hypergeometric(nt_i, nc_i, m_i, exp(delta_i)), the
// conditional likelihood of the log odds ratio, so the check needs no baseline (alpha_i) draws
// and tests the part of the model that pools (delta_i ~ N(mu + x_i' beta, tau^2)).
//
// p-values are mid-p: P(y_rep < y) + P(y_rep = y) / 2 (near 0: fewer events than the model
// expects; near 1: more).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "host/engine/sampler_run.hpp"
#include "host/engine/sampler_config.hpp"
#include "host/fit/outcome_data.hpp"
#include "host/fit/outcome_result.hpp"
#include "host/support/thread_pool.hpp"

namespace hbm {

// At most this many draws per study are replicated (evenly spread over the kept draws): the
// Monte Carlo sd of a p-value is then at most 0.008.
inline constexpr int kPredictiveCheckDraws = 4000;

// The checks of every study, in study order. `design` is the sampler's K x P design (the scale
// of run's beta outputs). Study i draws from its own stream, the hash of "NAME#ppc#i".
std::vector<PredictiveCheck> predictive_checks(const OutcomeData& data, const std::vector<double>& design,
                                               const HmcRun& run, const SamplerConfig& cfg,
                                               ThreadPool& pool);

// The warning when more studies fall outside their mixed 95% predictive intervals than chance
// explains (P(Binomial(K, 0.05) >= count) < 0.05 and count >= 2); empty otherwise.
std::string predictive_check_warning(const std::vector<PredictiveCheck>& checks, const std::string& unit);

// One draw of Fisher's noncentral hypergeometric distribution: the number of treatment-arm
// events among m total events, arms of nt and nc, odds ratio psi (inversion over the support,
// built outwards from the mode).
long long noncentral_hypergeometric_draw(long long nt, long long nc, long long m, double psi, double u);

}  // namespace hbm
