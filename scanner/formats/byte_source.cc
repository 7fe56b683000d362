#include "scanner/formats/byte_source.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace phiscan::scanner::formats {

Result<size_t> ReadFully(ByteSource& src, std::span<char> buf) {
  size_t got = 0;
  while (got < buf.size()) {
    auto n = src.Read(buf.subspan(got));
    if (!n.ok()) {
      if (got > 0) return got;  // report the error on the next call
      return n.status();
    }
    if (n.value() == 0) break;
    got += n.value();
  }
  return got;
}

Result<size_t> MemorySource::Read(std::span<char> buf) {
  size_t n = std::min(buf.size(), bytes_.size() - pos_);
  if (n == 0) return n;  // an empty view may have a null data()
  std::memcpy(buf.data(), bytes_.data() + pos_, n);
  pos_ += n;
  return n;
}

Result<size_t> MemorySource::ReadAt(uint64_t offset, std::span<char> buf) {
  if (offset >= bytes_.size()) return static_cast<size_t>(0);
  size_t n = std::min<uint64_t>(buf.size(), bytes_.size() - offset);
  std::memcpy(buf.data(), bytes_.data() + offset, n);
  return n;
}

FdSource::FdSource(int fd, bool seekable, uint64_t size, std::string os_path)
    : fd_(fd), seekable_(seekable), size_(size), os_path_(std::move(os_path)) {}

Result<size_t> FdSource::Read(std::span<char> buf) {
  if (seekable_) {
    auto n = ReadAt(pos_, buf);
    if (n.ok()) {
      pos_ += n.value();
      Counted(n.value());
    }
    return n;
  }
  for (;;) {
    ssize_t n = read(fd_, buf.data(), buf.size());
    if (n >= 0) {
      Counted(static_cast<size_t>(n));
      return static_cast<size_t>(n);
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {  // a non-blocking pipe with nothing yet: wait briefly
      usleep(1000);
      continue;
    }
    last_errno_ = errno;
    return Status::IoError(std::strerror(errno));
  }
}

Result<size_t> FdSource::ReadAt(uint64_t offset, std::span<char> buf) {
  if (!seekable_) return Status::Unsupported("not seekable");
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = pread(fd_, buf.data() + got, buf.size() - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      last_errno_ = errno;
      if (got > 0) break;
      return Status::IoError(std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

uint64_t FdSource::HoleAhead() {
  if (!seekable_ || sparse_ == 0 || pos_ >= size_ || size_ - pos_ < kMinHole) return 0;
  if (sparse_ < 0) {
    struct stat st;
    // st_blocks counts 512-byte units whatever the file system's block size.
    sparse_ = fstat(fd_, &st) == 0 && static_cast<uint64_t>(st.st_blocks) * 512 < size_ ? 1 : 0;
    if (sparse_ == 0) return 0;
  }
  off_t data = lseek(fd_, static_cast<off_t>(pos_), SEEK_DATA);
  if (data < 0) {
    // ENXIO: no data after pos_, a hole to the end. Anything else (a file
    // system without SEEK_DATA): stop asking and read everything.
    if (errno == ENXIO) return size_ - pos_;
    sparse_ = 0;
    return 0;
  }
  uint64_t hole = static_cast<uint64_t>(data) > pos_ ? static_cast<uint64_t>(data) - pos_ : 0;
  hole = std::min(hole, size_ - pos_);
  return hole >= kMinHole ? hole : 0;
}

PeekSource::PeekSource(ByteSource& inner, size_t peek) : inner_(inner) {
  head_.resize(peek);
  size_t got = 0;
  while (got < head_.size()) {
    auto n = inner_.Read({head_.data() + got, head_.size() - got});
    if (!n.ok()) {
      peek_status_ = n.status();
      break;
    }
    if (n.value() == 0) break;
    got += n.value();
  }
  head_.resize(got);
}

Result<size_t> PeekSource::Read(std::span<char> buf) {
  if (replayed_ < head_.size()) {
    size_t n = std::min(buf.size(), head_.size() - replayed_);
    std::memcpy(buf.data(), head_.data() + replayed_, n);
    replayed_ += n;
    return n;
  }
  if (!peek_status_.ok()) return peek_status_;
  return inner_.Read(buf);
}

}  // namespace phiscan::scanner::formats
