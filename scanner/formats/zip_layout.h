// The layout of a zip file: which of its bytes the central directory
// accounts for.
//
// A zip on disk is read through its central directory (libarchive's
// seekable reader), as unzip and file managers read it. Bytes the directory
// does not account for are never seen that way: an entry whose local header
// the directory does not list (hidden from it), data between entries, data
// appended after the end record. UnlistedZipRanges walks the end record
// (zip64 too), the directory, and each listed entry's local header, data
// (its compressed size from the directory; nothing is decompressed) and
// data descriptor, and returns the byte ranges none of them covers.
//
// A zip too large to read through its directory is read as a stream
// instead, and StreamSkips follows what that reader passes over.
//
// Thread safety: the functions are pure functions of the source;
// StreamSkips has one owner at a time.
#ifndef PHISCAN_SCANNER_FORMATS_ZIP_LAYOUT_H_
#define PHISCAN_SCANNER_FORMATS_ZIP_LAYOUT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scanner/formats/byte_source.h"

namespace phiscan::scanner::formats {

// Where the end-of-central-directory record of the seekable `src` starts:
// the last one in the file's tail whose directory starts with a directory
// entry where the record says (zip64 records followed whenever a locator
// in front of the record names them, as libarchive follows them, needed or
// not), else the last one of an empty zip (it names no directory to
// check). UnlistedZipRanges reads
// the zip through it. Readers that take the last signature in the tail
// (libarchive) can be led astray by one in the archive comment or in data
// appended to the zip, which are anyone's to write; this is not.
// nullopt when no record holds together, or `src` is not seekable.
struct ZipEnd {
  uint64_t at;         // where the record starts
  uint64_t end;        // one past its comment
  uint64_t directory;  // where the central directory starts
  // Directory entries: those it declares (zip64 records followed), or as
  // many as its directory's size can hold (46 bytes each), if more.
  uint64_t entries;
};
std::optional<ZipEnd> ZipEndRecord(ByteSource& src);

// What the central directory at end.directory says besides where entries
// lie, read in one pass over up to `max_entries` entries:
// - names: the names it lists (raw bytes), the names a zip reader shows,
//   when `keep_names`. A local header's name may differ, and libarchive
//   reads a member's name from its local header: one whose name length was
//   changed reads the member's data as its name.
// - comments: the zip's archive comment and its entries' comments, each
//   followed by a line end, up to `max_comment_bytes` in all: text that
//   travels with the zip and that a zip reader shows only on request.
// Both empty when the directory cannot be read.
struct ZipDirectoryText {
  std::set<std::string> names;
  std::string comments;
  bool comments_cut = false;  // some comment text past max_comment_bytes was left out
  // Entries named like a folder ("hidden/") whose size says they hold
  // data: a zip reader lists them as folders and reads none of it.
  uint64_t folders_with_data = 0;
};
ZipDirectoryText ReadZipDirectoryText(ByteSource& src, const ZipEnd& end, uint64_t max_entries,
                                      bool keep_names, size_t max_comment_bytes);

// The ranges of the seekable `src` that the zip's end record, central
// directory and listed entries leave out, in file order. Bytes in front of
// the first listed local header count as unlisted only when
// `front_counts` (a zip that starts at offset 0; for a zip appended to a
// stub they are the stub's). A directory whose offsets were not adjusted
// for data put in front of the zip (`cat stub zip`) is read as libarchive
// reads it, shifted by that data's length.
//
// An Android APK Signing Block in front of the directory is the
// signature's, not unlisted.
//
// nullopt when the layout cannot be made out: no end record
// (ZipEndRecord), a directory entry or local header that is not where the
// end record or the directory says, a read error, or more than
// `max_entries` directory entries.
std::optional<std::vector<ByteRange>> UnlistedZipRanges(ByteSource& src, bool front_counts,
                                                        uint64_t max_entries = 1 << 20);

// Bytes a stream reader of a zip passed over: how many, and where the first
// run of them starts.
struct StreamGaps {
  uint64_t bytes = 0;
  uint64_t first = 0;  // 0 when there is none
};

// A zip read as a stream (its directory too large to hold) is read from
// local header to local header: after each entry libarchive's stream
// reader reads on to the next local header's signature, passing over
// whatever lies in front of it unread, and it ends at the first directory
// header's or end record's signature. Told where the reader began looking
// for each local header and where the data of the one it read starts,
// StreamSkips finds the bytes it passed over: in front of the first local
// header (when `front_counts`), after an entry up to the next local
// header, and after the last entry up to the central directory (all of it
// when the reader ended early, at a signature in between); an entry's own
// data descriptor, and an APK Signing Block in front of the directory,
// aside. It follows the reading, not the directory: the order in which the
// directory lists the entries, and whether it lists an entry at all, make
// no difference. Memory does not grow with the number of entries: each
// entry costs a read of its local header (through a window, so small
// entries share one read), and bytes passed over are read once, to find
// where the reader went on.
//
// Thread safety: one owner at a time.
class StreamSkips {
 public:
  // REQUIRES: `src` is seekable, holds the zip at the offsets the reader
  // reads it at, and outlives this. `directory` is where the zip's central
  // directory starts (ZipEnd::directory); bytes in front of the first local
  // header count only when `front_counts` (as for UnlistedZipRanges).
  StreamSkips(ByteSource& src, uint64_t directory, bool front_counts);
  ~StreamSkips();
  StreamSkips(const StreamSkips&) = delete;
  StreamSkips& operator=(const StreamSkips&) = delete;

  // The reader began looking for a local header at `from` and read one
  // whose data starts at `data`.
  void Entry(uint64_t from, uint64_t data);
  // The reader began looking for a local header at `from` and found none.
  void End(uint64_t from);

  // What the reader passed over so far: how many bytes, and where the
  // first run of them starts.
  const StreamGaps& gaps() const { return gaps_; }

 private:
  struct Reading;
  void Passed(uint64_t from, uint64_t to);

  std::unique_ptr<Reading> reading_;
  StreamGaps gaps_;
};

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_ZIP_LAYOUT_H_
