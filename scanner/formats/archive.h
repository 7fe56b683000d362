// ArchiveReader: libarchive behind a narrow, safe interface.
//
// Only an allowlist is enabled: formats zip, tar (ustar, pax, GNU) and 7z
// (plus "raw", a single compressed stream, when asked), and the filters
// gzip, bzip2, xz/lzma and zstd, each only if libarchive implements it
// in-process: a filter whose registration answers ARCHIVE_WARN would run an
// external program and is left out. archive_read_support_filter_all, program
// filters and passphrase callbacks are never used, and nothing is ever
// written to disk: members are read into caller buffers.
//
// A seekable source gets a seek callback (so zip is read through its central
// directory); anything else is read as a stream.
//
// Thread safety: one owner at a time.
#ifndef PHISCAN_SCANNER_FORMATS_ARCHIVE_H_
#define PHISCAN_SCANNER_FORMATS_ARCHIVE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "scanner/formats/byte_source.h"

struct archive;

namespace phiscan::scanner::formats {

struct ArchiveEntry {
  std::string name;        // member path as stored (UTF-8 when known)
  bool regular = false;    // a regular file (not a directory, link or device)
  bool encrypted = false;  // data or metadata encrypted
  int64_t size = -1;       // declared size, -1 if unknown
  int64_t mtime_ns = 0;
  uint32_t mode = 0;
};

class ArchiveReader {
 public:
  // Opens `src` (REQUIRES: outlives the reader). Errors: kCorrupt (no
  // allowlisted format recognised it), kEncrypted.
  static Result<std::unique_ptr<ArchiveReader>> Open(ByteSource& src, bool allow_raw);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // Advances to the next entry: true with `entry` filled, false at the end.
  // Errors: kEncrypted (encrypted headers), kCorrupt, or the source's own
  // error (e.g. kLimitExceeded from a budget) when reading it failed.
  Result<bool> Next(ArchiveEntry& entry);

  // Reads the current entry's data; 0 at its end. Errors: kEncrypted,
  // kCorrupt (then fatal() says whether later entries are lost too), or the
  // source's own error.
  Result<size_t> ReadData(std::span<char> buf);

  bool fatal() const { return fatal_; }
  // True when the content is a single compressed stream (format "raw"), not
  // an archive: its one entry has no name of its own.
  bool is_raw() const;
  // libarchive's name of the detected format, e.g. "ZIP 2.0 (deflation)".
  std::string format_name() const;

  // Filters this libarchive can decompress in-process (for the README/tests).
  static std::vector<std::string> InProcessFilters();

 private:
  ArchiveReader(ByteSource& src);
  Status ErrorStatus(int rc, bool reading_data);
  static long ReadCallback(struct archive*, void* client, const void** buffer);  // NOLINT
  static int64_t SeekCallback(struct archive*, void* client, int64_t offset, int whence);
  static int64_t SkipCallback(struct archive*, void* client, int64_t request);

  ByteSource& src_;
  struct archive* a_ = nullptr;
  std::vector<char> buf_;
  uint64_t pos_ = 0;      // for seekable sources
  Status source_error_;   // the source's own failure, reported instead of libarchive's
  bool fatal_ = false;
  bool entry_encrypted_ = false;
};

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_ARCHIVE_H_
