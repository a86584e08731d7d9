// The study CSV row by row under its checked header (csv_table.hpp), and read_csv on it.
#include "host/io/csv_table.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <unordered_map>
#include <utility>

#include "host/io/csv_reader.hpp"
#include "host/io/input_text.hpp"

namespace hbm {
namespace {

[[noreturn]] void fail_open(const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what);
}

std::string os_reason(int err) {
  std::string r = std::strerror(err);
  if (!r.empty() && r[0] >= 'A' && r[0] <= 'Z' && !(r.size() > 1 && r[1] >= 'A' && r[1] <= 'Z'))
    r[0] = static_cast<char>(r[0] - 'A' + 'a');
  return r;
}

const char* const kNotAFile = "; give the path of the CSV file itself";

// The file as a byte source, or an InputError saying why it cannot be read and what to do.
std::unique_ptr<ByteSource> open_input(const std::string& path) {
  if (path.empty()) throw InputError("(empty path): cannot open: no input file name was given");
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      std::string where;
      if (!std::filesystem::path(path).is_absolute()) {
        std::error_code ec;
        const auto cwd = std::filesystem::current_path(ec);
        if (!ec) where = " (relative to the current directory " + cwd.string() + ")";
      }
      fail_open(path, "cannot open: no such file" + where +
                          "; check the spelling of the path");
    }
    if (err == EACCES || err == EPERM)
      fail_open(path, "cannot open: permission denied; make the file readable (chmod +r) or "
                      "copy it somewhere you can read");
    if (err == ENOTDIR)
      fail_open(path, "cannot open: a part of the path before the file name is not a directory");
    if (err == EISDIR)
      fail_open(path, std::string("cannot open: it is a directory, not a file") + kNotAFile);
    if (err == ENXIO)  // a socket, or a device without a driver
      fail_open(path, std::string("cannot open: it is a socket or device, not a file") + kNotAFile);
    fail_open(path, "cannot open: " + os_reason(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    const char* what = nullptr;
    if (S_ISDIR(st.st_mode)) what = "it is a directory, not a file";
    else if (S_ISCHR(st.st_mode))
      what = "it is a character device (such as /dev/zero or a terminal), not a file";
    else if (S_ISBLK(st.st_mode)) what = "it is a block device (a disk), not a file";
    else if (S_ISSOCK(st.st_mode)) what = "it is a socket, not a file";
    if (what) {
      ::close(fd);
      // Pipes (a FIFO, /dev/stdin from a pipe, <(command)) are read like files.
      fail_open(path, std::string("cannot open: ") + what + kNotAFile +
                          (S_ISCHR(st.st_mode) ? " (a pipe such as <(command) also works)" : ""));
    }
  }
  return std::make_unique<FdSource>(fd, [path](int err) {
    if (err == EISDIR) return path + ": " + std::string("cannot open: it is a directory, not a file") + kNotAFile;
    return path + ": cannot read: " + os_reason(err);
  });
}

CsvOptions study_csv_options() {
  CsvOptions o;
  o.check_text = true;
  return o;
}

}  // namespace

CsvRows::CsvRows(const std::string& path) : path_(path), records_(path, open_input(path), study_csv_options()) {
  CsvRecord first;
  if (!records_.next(first)) {
    if (records_.lines_read() == 0)
      fail_at(path, 1,
              std::string(records_.had_bom() ? "file is empty (only a byte-order mark)" : "file is empty") +
                  "; expected a header line such as " + std::string(kRequiredColumns) +
                  " followed by one row per study");
    fail_at(path, 1,
            "file contains only blank lines; expected a header line such as " +
                std::string(kRequiredColumns) + " followed by one row per study");
  }
  header_line_ = first.line;
  std::unordered_map<std::string, std::size_t> seen;
  const std::vector<std::string>& fields = first.fields;
  for (std::size_t c = 0; c < fields.size(); ++c) {
    std::string name(trim_blanks(fields[c]));
    if (name.empty())
      fail_at(path, header_line_,
              "header column " + std::to_string(c + 1) + " of " + std::to_string(fields.size()) +
                  " has no name; give every column a name (or remove the extra comma)");
    auto [it, fresh] = seen.emplace(name, c);
    if (!fresh)
      fail_at(path, header_line_,
              "duplicate column name '" + name + "' (columns " + std::to_string(it->second + 1) +
                  " and " + std::to_string(c + 1) +
                  "); each column name may appear only once; rename or delete one of them");
    header_.push_back(std::move(name));
  }
}

bool CsvRows::next(CsvRecord& row) {
  if (!records_.next(row)) return false;
  if (row.fields.size() != header_.size())
    fail_at(path_, row.line,
            "row has " + std::to_string(row.fields.size()) +
                (row.fields.size() == 1 ? " field" : " fields") + " but the header (line " +
                std::to_string(header_line_) + ") has " + std::to_string(header_.size()) +
                "; check for a missing or extra comma (a trailing comma adds an empty field) and "
                "put values that contain commas in double quotes");
  return true;
}

CsvTable read_csv(const std::string& path) {
  CsvRows rows(path);
  CsvTable table;
  table.path = path;
  table.header = rows.header();
  table.header_line = rows.header_line();
  CsvRecord row;
  while (rows.next(row)) {
    table.rows.push_back(std::move(row.fields));
    table.row_lines.push_back(row.line);
  }
  return table;
}

}  // namespace hbm
