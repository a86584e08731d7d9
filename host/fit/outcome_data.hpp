// What one outcome of the input is, once read: its studies' counts, its layout (single-arm or
// two-arm) and its meta-regression design. The fit layer works on this; host/io/ fills it from
// the CSV (host/io/csv_reader.hpp), the simulation layer from generated data.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "models/priors.hpp"

namespace hbm {

// One study's counts. Single-arm: events of total. Two-arm: events/total are the treatment
// arm (events_t, total_t), events_c/total_c the control arm.
struct StudyCounts {
  std::string name;
  long long events = 0;
  long long total = 0;
  long line = 0;  // line in the input file, for later messages
  long long events_c = 0;
  long long total_c = 0;
  std::vector<std::string> covariate_text;  // the --covariates columns' values, as written
  std::vector<std::string> study_column_text;  // OutcomeData::study_columns' values, as written
};

enum class OutcomeKind { SingleArm = 0, TwoArm = 1 };

// A --covariates column as used by one outcome: numeric (used as is) or categorical (any value
// that is not a number; expanded to indicators of every level but levels[0], the reference).
struct Covariate {
  std::string column;
  bool categorical = false;
  std::vector<std::string> levels;  // categorical: sorted levels; levels[0] is the reference
  bool dropped = false;             // constant within the outcome: left out (see notes)
};

struct OutcomeData {
  std::string name;
  std::string dataset;  // `hbmeta batch` files (with_dataset): the row's dataset column; else empty
  std::vector<StudyCounts> studies;  // in file order
  OutcomeKind kind = OutcomeKind::SingleArm;
  long first_line = 0;
  std::vector<Covariate> covariates;  // one per --covariates column
  std::vector<std::string> x_names;   // design columns: "a", "region=Europe", ...
  std::vector<double> x;              // K x P design (P = x_names.size()), row-major
  std::vector<std::string> notes;     // covariates left out, and why
  // Further per-study columns read as text (the --cumulative and --subgroups columns).
  std::vector<std::string> study_columns;
  // A variant's own mu and tau priors (the prior sensitivity analysis fits one unit per prior;
  // host/fit/sensitivity_units.hpp): when set, they replace the options' for this outcome alone.
  std::optional<Prior> prior_mu, prior_tau;
  int P() const { return static_cast<int>(x_names.size()); }
};

}  // namespace hbm
