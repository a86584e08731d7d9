// Reading MCMC draws from other samplers (and hbmeta's own) for `hbmeta diagnose`.
//
// Two formats, told apart by the header (the first line that is not blank and not a '#' comment):
//
//  (a) draws CSV: a chain column and a within-chain position column, then one column per
//      quantity, one row per draw:
//        * hbmeta's DIR/draws/NAME.csv: `chain,draw,...`;
//        * the R package posterior's as_draws_df() written by write.csv(): `.chain`, `.iteration`
//          and `.draw` columns (quoted headers), and an unnamed first column of row names, which
//          is ignored. (`.iteration` orders the draws; without it `.draw` does.)
//      Rows may come in any order: chains are ordered by their (integer) chain number, draws
//      within a chain by the position column. One file only.
//  (b) CmdStan output CSV: '#' comment lines (configuration, adaptation info, timing) anywhere,
//      a header starting lp__, accept_stat__, stepsize__, treedepth__, n_leapfrog__,
//      divergent__, energy__ (columns present depend on the algorithm) then the parameters. One
//      file is one chain; several files are several chains, in the order given, and must have
//      the same columns. A file is read as CmdStan when it has no chain column and either has
//      '#' comment lines or an lp__ column. Warmup draws are only in the file when CmdStan ran
//      with save_warmup = 1 (or true); then the rows before the "# Adaptation terminated"
//      comment are dropped (or, without that comment, the first ceil(num_warmup / thin) rows).
//
// In both formats, columns whose names end in "__" other than lp__ are sampler diagnostics
// (accept_stat__, divergent__, energy__, ...): they are kept apart from the quantities, which
// are all the remaining columns in file order (lp__ included). Values are numbers as strtod
// reads them; NA, NaN, Inf and -Inf (R's spellings) are accepted and give non-finite draws, for
// which the diagnostics are NA. Lines may end in LF, CRLF or CR; a UTF-8 BOM is skipped; blank
// lines are skipped; fields may be quoted ("" for a quote, and a quoted field may span lines: host/io/csv_tokenizer.hpp).
//
// Every problem throws hbm::InputError with "file:line: message" (just "file: message" when the
// file cannot be opened or read): ragged rows, non-numeric values, missing chain / position
// columns, empty or duplicate column names, non-integer chain numbers, a draw position repeated
// within a chain, no draws, chains of unequal length (naming how many draws each chain has),
// CmdStan files with different columns, several files that are not all CmdStan output.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "host/stats/diagnostics.hpp"
#include "host/support/input_error.hpp"

namespace hbm {

struct DrawsTable {
  bool cmdstan = false;
  std::vector<std::string> files;           // the files read, in order
  std::size_t chains = 0, draws = 0;        // draws per chain, equal for all chains
  std::vector<std::string> chain_labels;    // chain number as written (a) or file name (b)
  std::size_t warmup_dropped = 0;           // per chain, CmdStan with save_warmup only

  std::vector<std::string> names;           // quantities, in column order
  std::vector<std::vector<double>> values;  // values[q]: chain-major, [c * draws + t]
  std::vector<std::string> sampler_names;   // "__" columns other than lp__
  std::vector<std::vector<double>> sampler_values;  // chain-major, like values

  ChainDraws view(std::size_t q) const { return {values[q].data(), chains, draws}; }
  // The chain-major values of a sampler column, or nullptr when the input has none.
  const std::vector<double>* sampler(const std::string& name) const;
};

// Reads one draws CSV or one or more CmdStan CSVs (see above). Throws InputError.
DrawsTable read_draws(const std::vector<std::string>& paths);

}  // namespace hbm
