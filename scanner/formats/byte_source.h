// ByteSource: a pull stream of an asset's bytes (a file, an archive member,
// a decoded mail part, an in-memory buffer), with optional random access.
//
// Thread safety: one owner at a time.
#ifndef PHISCAN_SCANNER_FORMATS_BYTE_SOURCE_H_
#define PHISCAN_SCANNER_FORMATS_BYTE_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace phiscan::scanner::formats {

// The bytes [begin, end) of a source.
struct ByteRange {
  uint64_t begin;
  uint64_t end;  // one past the last byte
  bool operator==(const ByteRange&) const = default;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to buf.size() bytes from the current position; 0 at the end.
  // Errors: kIoError (read failed), kCorrupt (bad container data),
  // kLimitExceeded (the budget ran out), kEncrypted.
  virtual Result<size_t> Read(std::span<char> buf) = 0;

  // Random access, available only when seekable(): a top-level regular file
  // or an in-memory buffer. ReadAt does not move the Read() position.
  virtual bool seekable() const { return false; }
  virtual uint64_t size() const { return 0; }
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<char> buf) {
    return Status::Unsupported("not seekable");
  }
  // A path the OS can open for this content (a top-level file), or "".
  virtual std::string os_path() const { return {}; }

  // Holes: a sparse file's unallocated ranges read as zeros without costing
  // I/O, and reading them costs classifying them. HoleAhead() is the length
  // of the hole at the current Read() position (0 if none is known there);
  // SkipHole(n) moves the position past n bytes of it without reading them.
  // REQUIRES for SkipHole: n <= HoleAhead().
  virtual uint64_t HoleAhead() { return 0; }
  virtual void SkipHole(uint64_t n) { (void)n; }
};

// Reads up to buf.size() bytes, looping over short reads until full or EOF.
Result<size_t> ReadFully(ByteSource& src, std::span<char> buf);

// A buffer in memory; seekable.
class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  Result<size_t> Read(std::span<char> buf) override;
  bool seekable() const override { return true; }
  uint64_t size() const override { return bytes_.size(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> buf) override;

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

// A file descriptor read from its current position (pipes, standard input)
// or, when `seekable`, with pread from offset 0 (regular files).
class FdSource : public ByteSource {
 public:
  // REQUIRES: fd stays open while the source is used.
  FdSource(int fd, bool seekable, uint64_t size, std::string os_path);
  Result<size_t> Read(std::span<char> buf) override;
  bool seekable() const override { return seekable_; }
  uint64_t size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> buf) override;
  std::string os_path() const override { return os_path_; }
  // Holes of a seekable file found with lseek(SEEK_DATA), asked only when
  // at least kMinHole bytes remain and the file has fewer blocks than bytes
  // (one fstat per source, none for small files). Holes shorter than
  // kMinHole are not reported: reading them is cheaper than finding them.
  uint64_t HoleAhead() override;
  void SkipHole(uint64_t n) override {
    pos_ += n;
    Counted(n);
  }
  static constexpr uint64_t kMinHole = 1 << 20;
  // errno of the last failed read, for stable reason ids.
  int last_errno() const { return last_errno_; }
  // Adds every byte read to `counter` (progress; null: none). Not owned.
  void CountReads(std::atomic<uint64_t>* counter) { read_counter_ = counter; }

 private:
  int fd_;
  bool seekable_;
  uint64_t size_;
  uint64_t pos_ = 0;
  int sparse_ = -1;  // -1 not yet known, 0 no holes to look for, 1 sparse
  std::string os_path_;
  int last_errno_ = 0;
  std::atomic<uint64_t>* read_counter_ = nullptr;
  void Counted(size_t n) {
    if (read_counter_ != nullptr) read_counter_->fetch_add(n, std::memory_order_relaxed);
  }
};

// Replays a peeked head, then continues from the inner source. Random access
// passes through to a seekable inner source.
class PeekSource : public ByteSource {
 public:
  // Reads up to `peek` bytes from `inner` into head(). A read error keeps
  // what came before it in head() (a truncated stream's first bytes), is
  // peek_status(), and is what Read() returns once head() is replayed.
  // REQUIRES: `inner` outlives this and is at its start.
  PeekSource(ByteSource& inner, size_t peek);
  const std::string& head() const { return head_; }
  const Status& peek_status() const { return peek_status_; }
  Result<size_t> Read(std::span<char> buf) override;
  bool seekable() const override { return inner_.seekable(); }
  uint64_t size() const override { return inner_.size(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> buf) override {
    return inner_.ReadAt(offset, buf);
  }
  std::string os_path() const override { return inner_.os_path(); }
  uint64_t HoleAhead() override {
    return replayed_ < head_.size() || !peek_status_.ok() ? 0 : inner_.HoleAhead();
  }
  void SkipHole(uint64_t n) override { inner_.SkipHole(n); }

 private:
  ByteSource& inner_;
  std::string head_;
  size_t replayed_ = 0;
  Status peek_status_;
};

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_BYTE_SOURCE_H_
