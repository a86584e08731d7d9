// Reading an input as a stream of physical lines, in fixed-size chunks, whatever its bytes come
// from (a file descriptor, text in memory): memory stays bounded by the longest line read (or
// the cap on it), and nothing past the line asked for is read.
#pragma once
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hbm {

// Where the bytes come from.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes into buf and returns how many; 0 at the end. Throws InputError when
  // the source cannot be read.
  virtual std::size_t read(char* buf, std::size_t n) = 0;
};

// An open file descriptor, closed with the source. A read(2) that fails (other than EINTR)
// throws InputError(read_error(errno)): each reader words it its own way.
class FdSource final : public ByteSource {
 public:
  FdSource(int fd, std::function<std::string(int err)> read_error);
  ~FdSource() override;
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;
  std::size_t read(char* buf, std::size_t n) override;

 private:
  int fd_;
  std::function<std::string(int)> read_error_;
};

// Text already in memory; not copied, so it must outlive the source.
class TextSource final : public ByteSource {
 public:
  explicit TextSource(std::string_view text) : text_(text) {}
  std::size_t read(char* buf, std::size_t n) override;

 private:
  std::string_view text_;
};

// Buffered reading of a ByteSource, in fixed-size chunks.
class LineStream {
 public:
  // line_cap: the most bytes of one physical line that next_line() reads (the rest of a longer
  // line is never read); no cap by default.
  explicit LineStream(std::unique_ptr<ByteSource> source,
                      std::size_t line_cap = std::numeric_limits<std::size_t>::max());

  // Buffers at least k bytes unless the input ends first; returns how many are buffered.
  std::size_t fill(std::size_t k);
  const char* data() const { return buf_.data() + pos_; }
  std::size_t available() const { return len_ - pos_; }
  void skip(std::size_t k) { pos_ += k; }

  // The next physical line, without its line ending (LF, CRLF or a lone CR), in `line`; false
  // when no byte is left. `terminated` says whether it had a line ending (the last line need
  // not). A line longer than the cap is cut there (the caller rejects it): the rest of it is
  // never read.
  bool next_line(std::string& line, bool& terminated);

 private:
  bool read_more();

  std::unique_ptr<ByteSource> source_;
  std::size_t line_cap_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
};

}  // namespace hbm
