// Reading an input as a stream of physical lines; see byte_stream.hpp.
#include "host/io/byte_stream.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "host/support/input_error.hpp"

namespace hbm {
namespace {

constexpr std::size_t kChunk = std::size_t{1} << 16;

}  // namespace

FdSource::FdSource(int fd, std::function<std::string(int err)> read_error)
    : fd_(fd), read_error_(std::move(read_error)) {}

FdSource::~FdSource() { ::close(fd_); }

std::size_t FdSource::read(char* buf, std::size_t n) {
  for (;;) {
    const ssize_t got = ::read(fd_, buf, n);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno == EINTR) continue;
    throw InputError(read_error_(errno));
  }
}

std::size_t TextSource::read(char* buf, std::size_t n) {
  const std::size_t k = std::min(n, text_.size());
  std::memcpy(buf, text_.data(), k);
  text_.remove_prefix(k);
  return k;
}

LineStream::LineStream(std::unique_ptr<ByteSource> source, std::size_t line_cap)
    : source_(std::move(source)), line_cap_(line_cap), buf_(kChunk) {}

std::size_t LineStream::fill(std::size_t k) {
  while (available() < k && read_more()) {
  }
  return available();
}

bool LineStream::next_line(std::string& line, bool& terminated) {
  line.clear();
  terminated = false;
  if (fill(1) == 0) return false;
  for (;;) {
    if (available() == 0 && !read_more()) return true;  // last line, without a line ending
    const char* b = data();
    const std::size_t n = available();
    std::size_t k = 0;
    while (k < n && b[k] != '\n' && b[k] != '\r') ++k;
    const std::size_t room = line_cap_ - line.size();
    if (k >= room) {
      line.append(b, room);
      pos_ += room;
      return true;
    }
    line.append(b, k);
    pos_ += k;
    if (k < n) {
      const char c = b[k];
      ++pos_;
      if (c == '\r' && fill(1) > 0 && *data() == '\n') ++pos_;
      terminated = true;
      return true;
    }
  }
}

bool LineStream::read_more() {
  if (eof_) return false;
  if (pos_ > 0) {  // keep the unread bytes at the front
    std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
    len_ -= pos_;
    pos_ = 0;
  }
  if (len_ == buf_.size()) return true;  // full already (fill() never asks for more)
  const std::size_t got = source_->read(buf_.data() + len_, buf_.size() - len_);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  len_ += got;
  return true;
}

}  // namespace hbm
