// Which column of the study CSV's header is which; see outcome_columns.hpp.
#include "host/io/outcome_columns.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>

#include "host/io/csv_table.hpp"
#include "host/io/input_text.hpp"

namespace hbm {
namespace {

constexpr std::string_view kKnownColumns = "outcome, study, events, total, events_t, total_t, events_c, total_c";

std::string join(const std::vector<std::string>& v, std::string_view sep, std::size_t max_items) {
  std::string out;
  for (std::size_t k = 0; k < v.size() && k < max_items; ++k) {
    if (k) out += sep;
    out += v[k];
  }
  if (v.size() > max_items)
    out += std::string(sep) + "... (" + std::to_string(v.size()) + " columns)";
  return out;
}

}  // namespace

OutcomeColumns find_outcome_columns(const std::string& path, const std::vector<std::string>& header, long header_line,
                                    const std::vector<std::string>& covariates,
                                    const std::vector<std::string>& ignore_columns, bool with_dataset,
                                    const std::vector<std::string>& column_options) {
  OutcomeColumns cols;
  const std::size_t ncols = cols.ncols = header.size();
  cols.covariates.resize(covariates.size());
  const auto find = [&](const std::string& name) {
    for (std::size_t c = 0; c < ncols; ++c)
      if (header[c] == name) return c;
    return ncols;
  };
  cols.outcome = find("outcome");
  cols.study = find("study");
  cols.dataset = find("dataset");
  for (int r = 0; r < 2; ++r) cols.single[r] = find(kSingleColumns[r]);
  for (int r = 0; r < 4; ++r) cols.two[r] = find(kTwoArmColumns[r]);
  cols.has_single = cols.single[0] != ncols || cols.single[1] != ncols;
  cols.has_two = std::any_of(cols.two, cols.two + 4, [&](std::size_t c) { return c != ncols; });

  // Which names are missing: outcome and study always; the count columns of the layout(s)
  // the header starts; the single-arm pair when it starts neither.
  // No outcome column: the file is one meta-analysis, named after the file (read_outcomes).
  std::vector<std::string> needed = {"study"};
  if (cols.has_single || !cols.has_two) needed.insert(needed.end(), kSingleColumns, kSingleColumns + 2);
  if (cols.has_two) needed.insert(needed.end(), kTwoArmColumns, kTwoArmColumns + 4);
  std::vector<std::string> missing, renames;
  for (const auto& name : needed) {
    if (find(name) != ncols) continue;
    missing.push_back(name);
  }
  for (const char* name : {"outcome", "study", "events", "total", "events_t", "total_t", "events_c", "total_c"})
    if (find(name) == ncols)
      for (const auto& h : header)
        if (lower_ascii(h) == name) renames.push_back(h + " to " + name);
  if (!missing.empty()) {
    // Names other tools use (metafor's escalc arguments, common spreadsheet headings): say
    // which hbmeta column each probably is.
    static const std::pair<const char*, const char*> kAliases[] = {
        {"xi", "events"}, {"ni", "total"}, {"n", "total"}, {"N", "total"}, {"x", "events"}, {"r", "events"},
        {"cases", "events"}, {"event", "events"}, {"deaths", "events"}, {"size", "total"},
        {"sample_size", "total"}, {"totals", "total"}, {"ai", "events_t"}, {"n1i", "total_t"},
        {"ci", "events_c"}, {"n2i", "total_c"}, {"author", "study"}, {"trial", "study"}, {"studlab", "study"},
        {"study_id", "study"}, {"id", "study"}, {"label", "study"}};
    std::vector<std::string> hints;
    bool two_arm_hint = false;
    for (const auto& [alias, name] : kAliases)
      if (find(alias) != ncols && find(name) == ncols) {
        hints.push_back(std::string(alias) + " -> " + name);
        two_arm_hint = two_arm_hint || std::string(name).find('_') != std::string::npos;
      }
    std::string non_events;
    if (find("bi") != ncols || find("di") != ncols)
      non_events = "; metafor's bi and di (each arm's non-events) are not read: give total_t = ai + bi and "
                   "total_c = ci + di";
    std::string msg = std::string(missing.size() == 1 ? "missing required column: "
                                                      : "missing required columns: ") +
                      join(missing, ", ", missing.size()) + "; the header must contain " +
                      std::string(kRequiredColumns) +
                      (cols.has_two || !cols.has_single
                           ? " (single-arm outcomes) or outcome,study,events_t,total_t,events_c,total_c "
                             "(two-arm outcomes)"
                           : "") +
                      " (in any order, lowercase; outcome may be left out when the file holds one "
                      "meta-analysis; other columns only with --covariates or --ignore-columns); found: " +
                      join(header, ",", 20);
    if (!renames.empty())
      msg += "; column names are case-sensitive: rename " + join(renames, ", ", renames.size());
    if (!hints.empty())
      msg += "; these columns are probably hbmeta's " + std::string(two_arm_hint ? "two-arm " : "") +
             "columns under other names (metafor's or common ones): rename " + join(hints, ", ", hints.size());
    msg += non_events;
    if (header.size() == 1) {
      const std::string& h = header[0];
      if (h.find(';') != std::string::npos)
        msg += "; the file looks semicolon-separated, but hbmeta reads comma-separated files: "
               "save it with commas as the separator";
      else if (h.find('\t') != std::string::npos)
        msg += "; the file looks tab-separated, but hbmeta reads comma-separated files: save it "
               "with commas as the separator";
    }
    fail_at(path, header_line, msg);
  }
  for (std::size_t k = 0; k < covariates.size(); ++k) {
    cols.covariates[k] = find(covariates[k]);
    if (cols.covariates[k] == ncols)
      fail_at(path, header_line,
              (k < column_options.size() ? column_options[k] : std::string("--covariates")) + " names column '" + covariates[k] + "', which is not in the header; found: " +
                  join(header, ",", 20) + " (names are case-sensitive)");
  }
  const auto known = [&](const std::string& name) {
    return name == "outcome" || name == "study" || (with_dataset && name == "dataset") ||
           std::find(std::begin(kSingleColumns), std::end(kSingleColumns), name) != std::end(kSingleColumns) ||
           std::find(std::begin(kTwoArmColumns), std::end(kTwoArmColumns), name) != std::end(kTwoArmColumns);
  };
  for (const auto& name : ignore_columns) {
    if (known(name))
      fail_at(path, header_line,
              "--ignore-columns names column '" + name + "', which hbmeta reads (" + std::string(kKnownColumns) +
                  "); only other columns can be left out");
    if (find(name) == ncols)
      fail_at(path, header_line,
              "--ignore-columns names column '" + name + "', which is not in the header; found: " +
                  join(header, ",", 20) + " (names are case-sensitive)");
  }
  // Every other column must be asked for: a column that is neither read, used as a covariate
  // nor explicitly ignored is usually a misspelt name or the wrong file.
  std::vector<std::string> unknown;
  for (const auto& h : header)
    if (!known(h) && std::find(covariates.begin(), covariates.end(), h) == covariates.end() &&
        std::find(ignore_columns.begin(), ignore_columns.end(), h) == ignore_columns.end())
      unknown.push_back(h);
  if (!with_dataset && std::find(unknown.begin(), unknown.end(), "dataset") != unknown.end())
    fail_at(path, header_line,
            "column 'dataset' holds many datasets in one file, which hbmeta batch fits (hbmeta batch " + path +
                "); hbmeta fit analyses one dataset: select its rows, or name the column in --ignore-columns dataset "
                "if it is not a dataset label");
  if (!unknown.empty()) {
    const bool one = unknown.size() == 1;
    std::vector<std::string> quoted;
    for (const auto& u : unknown) quoted.push_back("'" + u + "'");
    std::string list;  // as an option value: a,b (shell-quoted when it needs to be)
    for (const auto& u : unknown) list += (list.empty() ? "" : ",") + u;
    if (list.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,=-") !=
        std::string::npos)
      list = "'" + list + "'";
    fail_at(path, header_line,
            std::string(one ? "unknown column " : "unknown columns ") + join(quoted, ", ", 10) +
                "; known columns are " + std::string(kKnownColumns) + "; use " + (one ? "it" : "them") +
                " with --covariates " + list + ", or leave " + (one ? "it" : "them") + " out with --ignore-columns " +
                list);
  }
  return cols;
}

}  // namespace hbm
