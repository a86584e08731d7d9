// `hbmeta design HIST.csv --n-treat N --n-control N [options]`: the next trial designed from the
// meta-analysis: the historical outcome fitted as `hbmeta fit` would (its control arms for a
// two-arm outcome), its predictive rate for a new study (p_new) taken as the MAP prior,
// approximated by a beta mixture and robustified, and the planned two-arm trial's decision rule,
// exact operating characteristics, assurance and sample size computed (host/design/); with
// --method hierarchical|both also by refitting the model with each control outcome
// (host/cli/design_hierarchical.hpp). Writes DIR/design.json, DIR/design.html and a summary on stdout.
#pragma once

namespace hbm {

// argv[0] is "design". Returns 0 (also for --help); throws hbm::InputError for bad arguments
// or input (exit status 2, nothing written).
int run_design(int argc, char** argv);

}  // namespace hbm
