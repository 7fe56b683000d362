// Compound File Binary ([MS-CFB], "OLE2"): the container of legacy Office
// files (.doc, .xls, .ppt), Outlook .msg, and the OLE objects embedded in
// documents. A small file system in one file: a header, a sector allocation
// table (FAT) reached through the header and DIFAT sectors, a directory of
// 128-byte entries forming one red-black tree of siblings per storage, and a
// mini stream (64-byte sectors, its own allocation table) holding every
// stream shorter than the cutoff (4,096 bytes).
//
// The whole file is in memory (the extractor buffers it, up to
// ScanLimits::max_buffered_member); nothing here allocates more than a small
// multiple of its size. Hostile input: every sector number, chain and
// sibling link is checked against the file; a chain that loops is cut at the
// length its stream's size needs, a directory tree that loops or shares a
// node reaches each entry once (damaged() says so), a sector past the end of
// the file ends the stream with kCorrupt.
//
// Thread safety: immutable after Open; safe to read from several threads.
#ifndef PHISCAN_SCANNER_FORMATS_CFB_H_
#define PHISCAN_SCANNER_FORMATS_CFB_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace phiscan::scanner::formats {

// True when `head` starts with the compound file signature.
bool IsCompoundFile(std::string_view head);

class CompoundFile {
 public:
  static constexpr uint32_t kNone = 0xFFFFFFFF;

  struct Entry {
    std::string name;                // UTF-8 ("\x01Ole10Native", "\x05SummaryInformation")
    bool storage = false;            // a storage (or the root) rather than a stream
    uint64_t size = 0;               // stream bytes as recorded (see ReadDirectory)
    uint32_t start = 0;              // first sector (mini sector below the cutoff)
    std::vector<uint32_t> children;  // a storage's entries, in name order
  };

  // Reads the header, allocation tables and directory of `bytes`.
  // REQUIRES: `bytes` outlives the object.
  // Errors: kCorrupt when it is no compound file, or its header, allocation
  // table or directory cannot be read.
  static Result<CompoundFile> Open(std::string_view bytes);

  // The root storage, entry 0.
  static constexpr uint32_t kRoot = 0;
  const Entry& entry(uint32_t id) const { return entries_[id]; }
  size_t entry_count() const { return entries_.size(); }

  // The child of storage `parent` named `name` (ASCII case-insensitive, as
  // the format compares names), or kNone.
  uint32_t Find(uint32_t parent, std::string_view name) const;

  // Appends stream `id`'s bytes to `out`: its recorded size, or `cap` bytes
  // when that is smaller. Errors (`out` then holds what could be read):
  // kLimitExceeded when the stream is larger than `cap`; kCorrupt when its
  // sector chain ends or leaves the file before its size; kInvalidArgument
  // for a storage.
  Status Read(uint32_t id, std::string& out, uint64_t cap) const;

  // As Read, without the copy where it can: `data` is a view into the file
  // when the stream's sectors follow one another in it (as writers lay out
  // most large streams), else into `scratch`, which holds a copy.
  Status View(uint32_t id, uint64_t cap, std::string& scratch, std::string_view& data) const;

  // One past the last byte of the file that the compound file's structures
  // reach: the header, the FAT and DIFAT sectors, the directory, the mini
  // FAT, the mini stream, and the sectors of every stream in the directory
  // tree (as many as its size needs). Bytes after it (data appended to the
  // file) are no stream's and are never read; at most the file's size.
  uint64_t reached() const { return reached_; }

  // True when the directory tree looped, shared an entry between two
  // places, or pointed outside the directory: entries reached are listed,
  // some may be missing.
  bool damaged() const { return damaged_; }

 private:
  CompoundFile() = default;
  // The sectors of the chain from `start` in `table`, at most `limit` of
  // them. Sets `complete` false if the chain broke (a bad link, a loop)
  // before its end-of-chain mark or the limit.
  std::vector<uint32_t> Chain(const std::vector<uint32_t>& table, uint32_t start, size_t limit,
                              bool& complete) const;
  // The bytes of regular sector `s` (shorter at the end of a truncated
  // file; empty past it).
  std::string_view Sector(uint32_t s) const;
  Status ReadDirectory(uint32_t first_sector);
  void BuildTree();
  // Extends reached() to the end of regular sector `s`.
  void Reach(uint32_t s);

  std::string_view bytes_;
  uint32_t sector_size_ = 512;
  uint32_t mini_sector_size_ = 64;
  // Streams shorter than this live in the mini stream. The format fixes it
  // at 4,096; the header's copy is not trusted.
  uint64_t mini_cutoff_ = 4096;
  std::vector<uint32_t> fat_;
  std::vector<uint32_t> mini_fat_;
  std::vector<uint32_t> mini_stream_sectors_;  // the root entry's chain
  std::vector<Entry> entries_;
  std::vector<uint32_t> raw_links_;  // left, right, child per entry (3 each)
  std::vector<bool> allocated_;      // a storage, stream or root (not an unused slot)
  bool damaged_ = false;
  uint64_t reached_ = 0;
};

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_CFB_H_
