// Reading draws CSVs and CmdStan output CSVs; the formats are described in draws_reader.hpp.
#include "host/io/draws_reader.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "host/io/csv_tokenizer.hpp"
#include "host/io/input_text.hpp"

namespace hbm {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The file as a byte source, or an InputError "file: cannot open: ...".
std::unique_ptr<ByteSource> open_draws_file(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw InputError("(empty path): cannot open: no file name was given");
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw InputError(path + ": cannot open: it is a directory, not a file");
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    if (!fs::exists(path, ec)) throw InputError(path + ": cannot open: no such file");
    throw InputError(path + ": cannot open: " + std::string(std::strerror(err)));
  }
  return std::make_unique<FdSource>(fd, [path](int) { return path + ": cannot read the file"; });
}

// Text after a closing quote in the draws reader's words; an unterminated quote in the study
// CSV's (csv_tokenizer.hpp).
std::string draws_quote_message(const CsvQuoteError& e) {
  if (e.kind == CsvQuoteError::Kind::kTextAfter)
    return "unexpected text after a closing quote: '" + shown(std::string(e.rest)) + "'";
  return csv_quote_message(e);
}

bool parse_number(const std::string& s, double& v) {
  if (s == "NA" || s == "NaN" || s == "nan") {
    v = kNaN;
    return true;
  }
  if (s.empty()) return false;
  const char* b = s.c_str();
  char* e = nullptr;
  v = std::strtod(b, &e);
  return e != b && *e == '\0';
}

enum class Role { Ignore, Chain, Position, Quantity, Sampler };

bool is_sampler_name(const std::string& name) {
  return name.size() > 2 && name.compare(name.size() - 2, 2, "__") == 0 && name != "lp__";
}

// One file's rows, numbers only, row-major over the numeric columns.
struct ParsedFile {
  std::string path;
  bool cmdstan = false;
  long header_line = 0;
  std::vector<std::string> header;
  std::vector<Role> roles;
  std::vector<std::size_t> slot;  // header column -> numeric column, for non-Ignore roles
  std::size_t numeric_cols = 0;
  std::vector<double> cells;
  std::vector<long> row_lines;
  // CmdStan configuration seen in comments
  bool save_warmup = false;
  long num_warmup = -1, thin = 1;
  std::size_t rows_before_adaptation_end = static_cast<std::size_t>(-1);
  std::size_t rows() const { return row_lines.size(); }
  double at(std::size_t r, std::size_t col) const { return cells[r * numeric_cols + col]; }
};

// "#   key = value (Default)" -> key, value (first word); false if the comment is not of that form.
bool comment_setting(std::string_view text, std::string& key, std::string& value) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) return false;
  key = std::string(trim_blanks(text.substr(0, eq)));
  std::string_view rest = trim_blanks(text.substr(eq + 1));
  const std::size_t sp = rest.find_first_of(" \t");
  value = std::string(rest.substr(0, sp));
  return !key.empty();
}

void assign_roles(ParsedFile& f) {
  const auto& h = f.header;
  std::unordered_set<std::string> seen;
  for (std::size_t j = 0; j < h.size(); ++j) {
    if (h[j].empty()) {
      if (j == 0) continue;  // R's write.csv row names
      fail_at(f.path, f.header_line, "column " + std::to_string(j + 1) + " of the header has no name");
    }
    if (!seen.insert(h[j]).second)
      fail_at(f.path, f.header_line, "column name '" + shown(h[j]) + "' appears twice in the header");
  }
  auto find = [&](const char* name) -> long {
    for (std::size_t j = 0; j < h.size(); ++j)
      if (h[j] == name) return static_cast<long>(j);
    return -1;
  };
  const long chain = find("chain"), dot_chain = find(".chain");
  const bool has_chain = chain >= 0 || dot_chain >= 0;
  long position = -1;
  if (chain >= 0) {
    position = find("draw");
    if (position < 0)
      fail_at(f.path, f.header_line,
              "there is a 'chain' column but no 'draw' column (the draw's number within its chain); hbmeta's draws "
              "files start chain,draw");
  } else if (dot_chain >= 0) {
    position = find(".iteration");
    if (position < 0) position = find(".draw");
    if (position < 0)
      fail_at(f.path, f.header_line, "there is a '.chain' column but neither '.iteration' nor '.draw'");
  }
  if (!has_chain) {
    if (find("draw") >= 0 || find(".iteration") >= 0 || find(".draw") >= 0)
      fail_at(f.path, f.header_line,
              "missing chain column: expected 'chain' (hbmeta draws files: chain,draw,...) or '.chain' "
              "(posterior::as_draws_df: .chain,.iteration,.draw)");
    if (!f.cmdstan && find("lp__") < 0)
      fail_at(f.path, f.header_line,
              "missing chain and draw columns: expected 'chain,draw' (hbmeta draws files), "
              "'.chain,.iteration,.draw' (posterior::as_draws_df written by write.csv) or a CmdStan output CSV "
              "(with lp__ and '#' comment lines)");
    f.cmdstan = true;
  } else {
    f.cmdstan = false;
  }
  f.roles.assign(h.size(), Role::Quantity);
  f.slot.assign(h.size(), 0);
  for (std::size_t j = 0; j < h.size(); ++j) {
    const std::string& name = h[j];
    Role r = Role::Quantity;
    if (name.empty()) r = Role::Ignore;
    else if (static_cast<long>(j) == position) r = Role::Position;
    else if (has_chain && static_cast<long>(j) == (chain >= 0 ? chain : dot_chain)) r = Role::Chain;
    else if (name == "chain" || name == "draw" || name == ".chain" || name == ".iteration" || name == ".draw")
      r = has_chain ? Role::Ignore : Role::Quantity;
    else if (is_sampler_name(name)) r = Role::Sampler;
    f.roles[j] = r;
    if (r != Role::Ignore) f.slot[j] = f.numeric_cols++;
  }
}

ParsedFile parse_file(const std::string& path) {
  ParsedFile f;
  f.path = path;
  CsvOptions options;
  options.comment_lines = true;
  options.quote_message = draws_quote_message;
  CsvTokenizer records(path, open_draws_file(path), options);
  bool comments_before_header = false;
  CsvRecord record;
  std::vector<double> row;
  while (records.next(record)) {
    const long lineno = record.line;
    if (record.is_comment) {
      if (f.header.empty()) comments_before_header = true;
      std::string key, value;
      const std::string_view body = record.comment;
      if (trim_blanks(body).rfind("Adaptation terminated", 0) == 0 &&
          f.rows_before_adaptation_end == static_cast<std::size_t>(-1))
        f.rows_before_adaptation_end = f.rows();
      if (f.header.empty() && comment_setting(body, key, value)) {
        if (key == "save_warmup") f.save_warmup = (value == "1" || value == "true");
        else if (key == "num_warmup") f.num_warmup = std::atol(value.c_str());
        else if (key == "thin") f.thin = std::max(1L, std::atol(value.c_str()));
      }
      continue;
    }
    const std::vector<std::string>& fields = record.fields;
    if (f.header.empty()) {
      f.header = fields;
      f.header_line = lineno;
      f.cmdstan = comments_before_header;
      assign_roles(f);
      row.assign(f.numeric_cols, 0.0);
      continue;
    }
    if (fields.size() != f.header.size())
      fail_at(path, lineno,
              std::to_string(fields.size()) + (fields.size() == 1 ? " field" : " fields") + ", but the header (line " +
                  std::to_string(f.header_line) + ") has " + std::to_string(f.header.size()) +
                  " columns; every row needs one value per column");
    for (std::size_t j = 0; j < fields.size(); ++j) {
      if (f.roles[j] == Role::Ignore) continue;
      double v;
      if (!parse_number(fields[j], v)) {
        const std::string what = fields[j].empty() ? "is empty" : "'" + shown(fields[j]) + "' is not a number";
        fail_at(path, lineno, "column '" + shown(f.header[j]) + "': " + what);
      }
      row[f.slot[j]] = v;
    }
    f.cells.insert(f.cells.end(), row.begin(), row.end());
    f.row_lines.push_back(lineno);
  }
  if (f.header.empty())
    fail_at(path, std::max(records.lines_read(), 1L), "the file has no header line (it is empty or only comments)");
  if (f.rows() == 0) fail_at(path, f.header_line, "no draws: the header is not followed by any data rows");
  return f;
}

// Moves the columns of the given role into chain-major vectors, given each chain's rows.
void fill(const ParsedFile& f, const std::vector<std::vector<std::size_t>>& chain_rows, std::size_t draws,
          DrawsTable& out) {
  for (std::size_t j = 0; j < f.header.size(); ++j) {
    if (f.roles[j] != Role::Quantity && f.roles[j] != Role::Sampler) continue;
    std::vector<double> v;
    v.reserve(chain_rows.size() * draws);
    for (const auto& rows : chain_rows)
      for (std::size_t r : rows) v.push_back(f.at(r, f.slot[j]));
    if (f.roles[j] == Role::Quantity) {
      out.names.push_back(f.header[j]);
      out.values.push_back(std::move(v));
    } else {
      out.sampler_names.push_back(f.header[j]);
      out.sampler_values.push_back(std::move(v));
    }
  }
}

std::string integer_text(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// "1000 draws: chains 1, 3, 4; 999 draws: chain 2" (at most 10 chain labels per length).
std::string lengths_summary(const std::vector<std::string>& labels, const std::vector<std::size_t>& lengths,
                            const char* unit) {
  std::map<std::size_t, std::vector<std::size_t>, std::greater<>> by_length;
  for (std::size_t c = 0; c < lengths.size(); ++c) by_length[lengths[c]].push_back(c);
  std::string s;
  for (const auto& [len, chains] : by_length) {
    if (!s.empty()) s += "; ";
    s += std::to_string(len) + (len == 1 ? " draw: " : " draws: ") + unit + (chains.size() > 1 ? "s " : " ");
    for (std::size_t i = 0; i < chains.size() && i < 10; ++i) s += (i ? ", " : "") + labels[chains[i]];
    if (chains.size() > 10) s += " and " + std::to_string(chains.size() - 10) + " more";
  }
  return s;
}

DrawsTable from_draws_csv(const ParsedFile& f) {
  std::size_t chain_col = 0, pos_col = 0, pos_j = 0;
  for (std::size_t j = 0; j < f.header.size(); ++j) {
    if (f.roles[j] == Role::Chain) chain_col = f.slot[j];
    if (f.roles[j] == Role::Position) {
      pos_col = f.slot[j];
      pos_j = j;
    }
  }
  std::map<long long, std::vector<std::size_t>> by_chain;
  for (std::size_t r = 0; r < f.rows(); ++r) {
    const double c = f.at(r, chain_col), p = f.at(r, pos_col);
    if (!(std::isfinite(c) && c == std::floor(c) && std::fabs(c) < 9e15))
      fail_at(f.path, f.row_lines[r], "chain '" + integer_text(c) + "' is not a whole chain number");
    if (!(std::isfinite(p) && p == std::floor(p) && std::fabs(p) < 9e15))
      fail_at(f.path, f.row_lines[r],
              "column '" + f.header[pos_j] + "': '" + integer_text(p) + "' is not a whole number");
    by_chain[static_cast<long long>(c)].push_back(r);
  }
  DrawsTable out;
  out.files = {f.path};
  std::vector<std::vector<std::size_t>> chain_rows;
  std::vector<std::size_t> lengths;
  std::vector<long> first_line;
  for (auto& [id, rows] : by_chain) {
    std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) { return f.at(a, pos_col) < f.at(b, pos_col); });
    for (std::size_t i = 1; i < rows.size(); ++i)
      if (f.at(rows[i], pos_col) == f.at(rows[i - 1], pos_col)) {
        const auto [a, b] = std::minmax(f.row_lines[rows[i]], f.row_lines[rows[i - 1]]);
        fail_at(f.path, b,
                "chain " + std::to_string(id) + " has " + f.header[pos_j] + " " +
                    integer_text(f.at(rows[i], pos_col)) + " twice (also on line " + std::to_string(a) + ")");
      }
    out.chain_labels.push_back(std::to_string(id));
    lengths.push_back(rows.size());
    long first = f.row_lines[rows[0]];
    for (std::size_t r : rows) first = std::min(first, f.row_lines[r]);
    first_line.push_back(first);
    chain_rows.push_back(std::move(rows));
  }
  for (std::size_t c = 1; c < lengths.size(); ++c)
    if (lengths[c] != lengths[0])
      fail_at(f.path, first_line[c],
              "chains have different numbers of draws (" + lengths_summary(out.chain_labels, lengths, "chain") +
                  "); every chain must have the same number of draws");
  out.chains = chain_rows.size();
  out.draws = lengths[0];
  fill(f, chain_rows, out.draws, out);
  return out;
}

// Rows of a CmdStan file that are sampling draws (warmup rows dropped when they were saved).
std::vector<std::size_t> cmdstan_rows(const ParsedFile& f, std::size_t& dropped) {
  std::size_t first = 0;
  if (f.save_warmup) {
    if (f.rows_before_adaptation_end != static_cast<std::size_t>(-1)) first = f.rows_before_adaptation_end;
    else if (f.num_warmup > 0) first = static_cast<std::size_t>((f.num_warmup + f.thin - 1) / f.thin);
    first = std::min(first, f.rows());
  }
  dropped = first;
  std::vector<std::size_t> rows;
  for (std::size_t r = first; r < f.rows(); ++r) rows.push_back(r);
  return rows;
}

std::string header_text(const std::vector<std::string>& h) {
  std::string s;
  for (std::size_t j = 0; j < h.size() && j < 12; ++j) s += (j ? "," : "") + h[j];
  if (h.size() > 12) s += ",... (" + std::to_string(h.size()) + " columns)";
  return s;
}

DrawsTable from_cmdstan(const std::vector<ParsedFile>& files) {
  DrawsTable out;
  out.cmdstan = true;
  std::vector<std::vector<std::size_t>> per_file;
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const ParsedFile& f = files[i];
    if (i > 0 && f.header != files[0].header)
      fail_at(f.path, f.header_line,
              "its columns differ from those of " + files[0].path + "; every CmdStan file must be a chain of the same "
              "model (" + header_text(f.header) + " vs " + header_text(files[0].header) + ")");
    std::size_t dropped = 0;
    per_file.push_back(cmdstan_rows(f, dropped));
    if (i == 0) out.warmup_dropped = dropped;
    if (per_file.back().empty())
      fail_at(f.path, f.row_lines.back(), "no sampling draws: every row is a warmup draw (save_warmup)");
    lengths.push_back(per_file.back().size());
    out.files.push_back(f.path);
    out.chain_labels.push_back(f.path);
  }
  for (std::size_t i = 1; i < files.size(); ++i)
    if (lengths[i] != lengths[0])
      fail_at(files[i].path, files[i].row_lines.back(),
              "chains have different numbers of draws (" + lengths_summary(out.chain_labels, lengths, "file") +
                  "); each CmdStan file is one chain and every chain must have the same number of draws");
  out.chains = files.size();
  out.draws = lengths[0];
  // Each file has its own cell layout; columns agree because the headers are equal.
  const ParsedFile& f0 = files[0];
  for (std::size_t j = 0; j < f0.header.size(); ++j) {
    if (f0.roles[j] != Role::Quantity && f0.roles[j] != Role::Sampler) continue;
    std::vector<double> v;
    v.reserve(out.chains * out.draws);
    for (std::size_t i = 0; i < files.size(); ++i)
      for (std::size_t r : per_file[i]) v.push_back(files[i].at(r, files[i].slot[j]));
    if (f0.roles[j] == Role::Quantity) {
      out.names.push_back(f0.header[j]);
      out.values.push_back(std::move(v));
    } else {
      out.sampler_names.push_back(f0.header[j]);
      out.sampler_values.push_back(std::move(v));
    }
  }
  return out;
}

}  // namespace

const std::vector<double>* DrawsTable::sampler(const std::string& name) const {
  for (std::size_t i = 0; i < sampler_names.size(); ++i)
    if (sampler_names[i] == name) return &sampler_values[i];
  return nullptr;
}

DrawsTable read_draws(const std::vector<std::string>& paths) {
  if (paths.empty()) throw InputError("diagnose: no input file was given");
  std::vector<ParsedFile> files;
  for (const auto& p : paths) {
    files.push_back(parse_file(p));
    if (paths.size() > 1 && !files.back().cmdstan)
      fail_at(p, files.back().header_line,
              "several files were given, which is only for CmdStan output (one file per chain), but this one is a "
              "draws CSV with a chain column; give it on its own");
  }
  DrawsTable out = files[0].cmdstan ? from_cmdstan(files) : from_draws_csv(files[0]);
  if (out.names.empty())
    fail_at(files[0].path, files[0].header_line,
            "no quantity columns: the header has only chain/draw or sampler columns");
  return out;
}

}  // namespace hbm
