// ArchiveReader: libarchive behind a narrow, safe interface.
//
// Only an allowlist is enabled: formats zip, tar (ustar, pax, GNU) and 7z
// (or only "raw", a compressed stream's decompressed bytes, when asked for a
// stream), and the filters
// gzip, bzip2, xz/lzma and zstd, each only if libarchive implements it
// in-process: a filter whose registration answers ARCHIVE_WARN would run an
// external program and is left out. archive_read_support_filter_all, program
// filters and passphrase callbacks are never used, and nothing is ever
// written to disk: members are read into caller buffers.
//
// A seekable source gets a seek callback (so zip is read through its central
// directory); anything else is read as a stream. Tar archives are read past
// their end-of-archive zero blocks (libarchive's read_concatenated_archives):
// `cat a.tar b.tar` and a tar with data after its end are read to the end of
// the input, not to the first zero block.
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
#include "scanner/budget.h"
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

// The words an error status of ArchiveReader carries (and so an asset's
// detail): one of a fixed set of phrases, chosen by what libarchive's
// message is about, never text of the message. libarchive's messages quote
// what they read from the archive: a header's compression method, codec or
// filter id, sizes from its headers, the CRC computed over a member's data
// (an unkeyed hash of what may be a single identifier), and the catalog
// must hold nothing of a scanned file. `libarchive_message` may be null.
inline constexpr const char* kEncryptedArchive = "encrypted archive content (needs a password)";
inline constexpr const char* kDamagedArchive = "damaged archive";
// The one detail that makes an archive error kUnsupported, not kCorrupt.
inline constexpr const char* kUnsupportedArchiveFeature =
    "compression method or archive feature not supported";
std::string ArchiveErrorDetail(const char* libarchive_message);

class ArchiveReader {
 public:
  enum class Content {
    kArchive,  // zip, tar or 7z, possibly compressed
    kStream,   // any bytes, decompressed: one entry holding them ("raw")
  };
  // Opens `src` (REQUIRES: `src` and `budget`, if given, outlive the
  // reader). With a budget, every read of `src` checks its time first, so
  // work libarchive does between two calls (skipping a long run of zero
  // blocks) stops at the deadline. Errors: kCorrupt (no allowlisted format
  // recognised it), kEncrypted.
  static Result<std::unique_ptr<ArchiveReader>> Open(ByteSource& src, Content content,
                                                     Budget* budget = nullptr);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // Advances to the next entry: true with `entry` filled, false at the end.
  // Errors: kEncrypted (encrypted headers), kCorrupt, or the source's own
  // error (e.g. kLimitExceeded from a budget) when reading it failed.
  Result<bool> Next(ArchiveEntry& entry);

  // Reads the current entry's data; 0 at its end. Holes of a sparse entry
  // read as zeros. Errors: kEncrypted, kCorrupt (then fatal() says whether
  // later entries are lost too), or the source's own error.
  Result<size_t> ReadData(std::span<char> buf);

  // libarchive's warning about the current entry's data, "" if none: its
  // data was delivered, but a check failed at its end (a zip member whose
  // CRC or size does not match its header). Cleared by Next().
  const std::string& data_warning() const { return data_warning_; }

  // Whether the current entry's data was found damaged: a warning as
  // above, or an error of the format or its decompression while reading it
  // (not the source's own, not encryption). Its header may be what is
  // damaged: a zip local header whose name length was changed reads the
  // entry's data as its name, and the data it reads from there fails.
  // Cleared by Next().
  bool entry_damaged() const { return !data_warning_.empty() || data_damaged_; }

  // True once the current entry's data was read to its end (ReadData
  // answered 0).
  bool data_done() const { return entry_done_; }

  // For a kStream reader whose entry was read to its end: whether the input
  // holds anything but zero bytes after the compressed data libarchive
  // read. libarchive reads streams written one after another (`cat a.gz
  // b.gz`) and stops, reporting a clean end, at the first bytes that do not
  // start another one: garbage, or data behind padding, that was never read.
  // Zero bytes alone (tape padding, which gzip also ignores) are not
  // counted. Reads the rest of the source. Errors: the source's own (e.g.
  // kLimitExceeded from the budget).
  Result<bool> DataAfterStream();

  bool fatal() const { return fatal_; }
  // True once a header was skipped as damaged (libarchive's tar reader steps
  // over a block that is not a valid header and goes on): bytes were passed
  // over unread.
  bool skipped_damage() const { return skipped_damage_; }
  // Whether the archive is a zip; known once a header was read (after
  // Open, libarchive has only chosen a reader).
  bool zip() const;
  // The bytes of the source the format reader has taken so far, not those
  // it only looked at ahead: at the end of a zip read as a stream, where
  // the directory header it stopped at starts.
  uint64_t consumed() const;
  // Where the format reader began reading the current entry's header (the
  // previous entry's end, as it took it): of a zip read as a stream, where
  // it began looking for the local header it read, or, at the end, for one
  // more. consumed() right after Next() is where the entry's data starts.
  uint64_t header_position() const;
  // Whether a decompression filter reads the source (a kStream reader of
  // bytes that no filter takes passes them through as they are).
  bool decompressing() const;
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
  Budget* budget_ = nullptr;
  struct archive* a_ = nullptr;
  // Blocks handed to libarchive. A kStream reader alternates between two, so
  // the bytes libarchive fetched but did not consume at the end of a stream
  // (at most a header's peek past it) are still here for DataAfterStream().
  std::vector<char> bufs_[2];
  size_t lens_[2] = {0, 0};
  int cur_ = 0;
  uint64_t pos_ = 0;      // for seekable sources
  Status source_error_;   // the source's own failure, reported instead of libarchive's
  bool fatal_ = false;
  bool entry_encrypted_ = false;
  bool skipped_damage_ = false;
  // The current entry's data block from libarchive not yet handed out.
  const char* block_ = nullptr;
  size_t block_left_ = 0;
  int64_t block_offset_ = 0;  // entry offset of block_
  int64_t out_offset_ = 0;    // entry bytes handed out so far
  bool entry_done_ = false;
  bool data_damaged_ = false;
  std::string data_warning_;
};

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_ARCHIVE_H_
