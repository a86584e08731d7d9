// Reading hbmeta's long-format study CSV into outcomes (read_outcomes, csv_reader.hpp): each row
// checked as soon as it is read and grouped by outcome (and dataset); every message is listed in
// docs/input_errors.md.
#include "host/io/csv_reader.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "host/fit/design_matrix.hpp"
#include "host/io/count_fields.hpp"
#include "host/io/csv_table.hpp"
#include "host/io/input_text.hpp"
#include "host/io/outcome_columns.hpp"

namespace hbm {

std::vector<OutcomeData> read_outcomes(const std::string& path, const std::vector<std::string>& covariates,
                                       const std::vector<std::string>& ignore_columns, bool with_dataset,
                                       const std::vector<StudyColumn>& study_columns) {
  CsvRows rows(path);
  // The study columns are found as covariates are (a column may be both), after them.
  std::vector<std::string> named = covariates, options(covariates.size(), "--covariates");
  std::vector<std::size_t> study_column_at;
  for (const auto& c : study_columns) {
    const auto it = std::find(named.begin(), named.end(), c.column);
    study_column_at.push_back(static_cast<std::size_t>(it - named.begin()));
    if (it == named.end()) {
      named.push_back(c.column);
      options.push_back(c.option);
    }
  }
  const OutcomeColumns cols =
      find_outcome_columns(path, rows.header(), rows.header_line(), named, ignore_columns, with_dataset, options);

  std::vector<OutcomeData> out;
  std::unordered_map<std::string, std::size_t> outcome_index;
  // Per outcome: each label as written in the file -> the rows (indices into studies) that use
  // it; and every label in use (a repeated label's rows get "label [2]", ...).
  std::vector<std::unordered_map<std::string, std::vector<std::size_t>>> label_rows;
  std::vector<std::unordered_set<std::string>> labels_used;
  bool any_rows = false;

  const auto filled = [&](const std::vector<std::string>& row, std::size_t c) {
    return c != cols.ncols && !trim_blanks(row[c]).empty();
  };

  const std::string file_outcome = std::filesystem::path(path).stem().string();
  const auto add_row = [&](std::vector<std::string>& row, long line) {
    any_rows = true;
    std::string outcome = cols.outcome == cols.ncols ? file_outcome : row[cols.outcome];
    std::string& study = row[cols.study];
    if (trim_blanks(outcome).empty())
      fail_at(path, line,
              "outcome is empty; every row needs an outcome name (delete the line if it is an "
              "empty spreadsheet row)");
    if (trim_blanks(study).empty()) fail_at(path, line, "study is empty; every row needs a study name");

    // The row's layout: two-arm when any two-arm count is filled, else single-arm.
    const bool any_two =
        cols.has_two && std::any_of(cols.two, cols.two + 4, [&](std::size_t c) { return filled(row, c); });
    const bool any_single = cols.has_single && (filled(row, cols.single[0]) || filled(row, cols.single[1]));
    if (any_two && any_single)
      fail_at(path, line,
              "row fills both the single-arm columns (events, total) and the two-arm columns (events_t, "
              "total_t, events_c, total_c); fill one set and leave the other empty");
    const OutcomeKind kind = any_two || !cols.has_single ? OutcomeKind::TwoArm : OutcomeKind::SingleArm;

    StudyCounts sc;
    sc.line = line;
    if (kind == OutcomeKind::SingleArm) {
      sc.events = parse_count(path, line, "events", row[cols.single[0]]);
      sc.total = parse_count(path, line, "total", row[cols.single[1]]);
      if (sc.total == 0)
        fail_at(path, line,
                "total is 0; every study needs at least one participant (delete the row if the study "
                "did not report this outcome)");
      if (sc.events > sc.total)
        fail_at(path, line,
                "events (" + std::to_string(sc.events) + ") exceeds total (" + std::to_string(sc.total) + ")");
    } else {
      long long v[4];
      for (int r = 0; r < 4; ++r) {
        if (!filled(row, cols.two[r]) && cols.has_single)
          fail_at(path, line,
                  std::string(kTwoArmColumns[r]) + " is empty but other two-arm counts of the row are filled; "
                  "a two-arm row needs all of events_t, total_t, events_c, total_c");
        v[r] = parse_count(path, line, kTwoArmColumns[r], row[cols.two[r]]);
      }
      for (int arm = 0; arm < 2; ++arm) {
        const std::string e = kTwoArmColumns[2 * arm], t = kTwoArmColumns[2 * arm + 1];
        if (v[2 * arm + 1] == 0)
          fail_at(path, line,
                  t + " is 0; every arm needs at least one participant (delete the row if the study "
                      "did not report this outcome)");
        if (v[2 * arm] > v[2 * arm + 1])
          fail_at(path, line,
                  e + " (" + std::to_string(v[2 * arm]) + ") exceeds " + t + " (" + std::to_string(v[2 * arm + 1]) + ")");
      }
      sc.events = v[0];
      sc.total = v[1];
      sc.events_c = v[2];
      sc.total_c = v[3];
    }
    for (std::size_t k = 0; k < covariates.size(); ++k) {
      const std::string val(trim_blanks(row[cols.covariates[k]]));
      if (val.empty())
        fail_at(path, line,
                "covariate " + covariates[k] + " is empty; meta-regression needs every study's value: fill it "
                "in, or leave the study out of this analysis");
      if (is_missing_marker(val))
        fail_at(path, line,
                "covariate " + covariates[k] + " (" + shown(val) + ") is a missing-value marker; meta-regression "
                "needs every study's value: fill it in, or leave the study out of this analysis");
      sc.covariate_text.push_back(val);
    }
    for (std::size_t k = 0; k < study_columns.size(); ++k) {
      const StudyColumn& c = study_columns[k];
      const std::string val(trim_blanks(row[cols.covariates[study_column_at[k]]]));
      if (val.empty() || is_missing_marker(val))
        fail_at(path, line,
                "column " + c.column + (val.empty() ? std::string(" is empty") : " (" + shown(val) + ") is a missing-value marker") +
                    "; " + c.option + " needs every study's value: fill it in, or leave the study out of this analysis");
      sc.study_column_text.push_back(val);
    }

    std::string dataset;
    if (with_dataset && cols.dataset != cols.ncols) {
      dataset = row[cols.dataset];
      if (trim_blanks(dataset).empty())
        fail_at(path, line, "dataset is empty; every row of a batch file needs a dataset name");
    }
    const std::string label = with_dataset ? "outcome '" + outcome + "' of dataset '" + dataset + "'"
                                           : "outcome '" + outcome + "'";
    auto [oit, new_outcome] = outcome_index.emplace(with_dataset ? dataset + '\0' + outcome : outcome, out.size());
    if (new_outcome) {
      OutcomeData o;
      o.name = outcome;
      o.dataset = dataset;
      o.kind = kind;
      o.first_line = line;
      for (const auto& c : covariates) o.covariates.push_back(Covariate{c, false, {}, false});
      for (const auto& c : study_columns) o.study_columns.push_back(c.column);
      out.push_back(std::move(o));
      label_rows.emplace_back();
      labels_used.emplace_back();
    }
    const std::size_t o = oit->second;
    if (out[o].kind != kind) {
      const char* names[2] = {"single-arm (events, total)", "two-arm (events_t, total_t, events_c, total_c)"};
      fail_at(path, line,
              label + " has " + names[static_cast<int>(kind)] + " counts here but " +
                  names[static_cast<int>(out[o].kind)] + " counts on line " + std::to_string(out[o].first_line) +
                  "; all rows of an outcome must use the same layout (give the other rows their own outcome name)");
    }
    // A repeated label: the same counts (and covariates) is a duplicated row, an error; other
    // counts are usually another trial of the same paper (two trials of "Breddin et al 1980"),
    // kept as a study of its own under "label [2]" with a warning.
    std::vector<std::size_t>& rows = label_rows[o][study];
    for (std::size_t k : rows) {
      const StudyCounts& f = out[o].studies[k];
      if (f.events == sc.events && f.total == sc.total && f.events_c == sc.events_c && f.total_c == sc.total_c &&
          f.covariate_text == sc.covariate_text)
        fail_at(path, line,
                "study '" + study + "' appears twice in " + label + " with the same counts (first on line " +
                    std::to_string(f.line) + "): a duplicated row; delete one of them");
    }
    std::string name = study;
    for (std::size_t n = std::max<std::size_t>(2, rows.size() + 1); labels_used[o].count(name); ++n)
      name = study + " [" + std::to_string(n) + "]";
    if (!rows.empty())
      out[o].notes.push_back("study label '" + study + "' is on line " + std::to_string(out[o].studies[rows[0]].line) +
                             " and again on line " + std::to_string(line) +
                             " with other counts (e.g. two trials reported in one paper): both are kept, the one on "
                             "line " + std::to_string(line) + " as '" + name +
                             "' in every output; rename them in the file to choose the labels");
    else if (name != study)  // the label of a row above that was renamed
      out[o].notes.push_back("study label '" + study + "' on line " + std::to_string(line) +
                             " is already the new label of a repeated one: this row is '" + name + "' in every output");
    rows.push_back(out[o].studies.size());
    labels_used[o].insert(name);
    sc.name = std::move(name);
    out[o].studies.push_back(std::move(sc));
  };

  CsvRecord row;
  while (rows.next(row)) add_row(row.fields, row.line);
  if (!any_rows)
    fail_at(path, rows.header_line(),
            "no data rows after the header; add one row per study with the columns " +
                std::string(kRequiredColumns));
  for (auto& o : out) build_design(o, path);
  return out;
}

}  // namespace hbm
