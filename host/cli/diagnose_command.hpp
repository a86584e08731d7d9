// `hbmeta diagnose FILE.csv... [--json] [--superchains K]`: hbmeta's convergence diagnostics
// for draws from any sampler.
//
// Input (host/io/draws_reader.hpp): one draws CSV (hbmeta's DIR/draws/NAME.csv, `chain,draw,...`,
// or posterior::as_draws_df written by write.csv, `.chain,.iteration,.draw`), or one or more
// CmdStan output CSVs, one chain per file.
//
// For every quantity: mean, sd (denominator n - 1), rhat (rank-normalised split R-hat, max of
// bulk and folded), rhat_nested (host/stats/nested_rhat.hpp), ess_bulk, ess_tail, mcse_mean,
// mcse_q5, mcse_q95 -- the same functions (hbm::diagnose) as hbmeta fit's summaries, which
// reproduce the R package posterior 1.4.0.
//
// Superchains for nested R-hat: --superchains K groups consecutive chains into K superchains
// (K >= 2 and a divisor of the number of chains). Without it, the default of
// hbm::default_superchains(): superchains of 4 consecutive chains when there are >= 8 chains and
// their number is a multiple of 4, otherwise one chain per superchain.
//
// Without --json, stdout has a table (one row per quantity), then, when the input has the
// sampler columns divergent__ and/or energy__ (CmdStan output), divergences and E-BFMI per chain,
// then plain warnings: R-hat > 1.01, bulk or tail ESS < 400, any divergent transition, E-BFMI
// < 0.3 in a chain; nested R-hat > 1.01 only when --superchains was given (with the default
// grouping the chains' initialisation design is unknown). With --json, stdout is exactly
//   {"QUANTITY": {"rhat", "rhat_nested", "ess_bulk", "ess_tail", "mcse_mean", "mcse_q5",
//                 "mcse_q95", "mean", "sd"}, ...}
// (quantities in column order, non-finite numbers as null) and the warnings go to stderr.
#pragma once
#include <cstddef>

namespace hbm {

// argv[0] is "diagnose", the rest its arguments. Returns 0 (also for --help); throws
// hbm::InputError for bad arguments or input (the CLI prints it and exits with status 2).
int run_diagnose(int argc, char** argv);


}  // namespace hbm
