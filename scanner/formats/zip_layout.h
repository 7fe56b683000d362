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
// Thread safety: pure functions of the source.
#ifndef PHISCAN_SCANNER_FORMATS_ZIP_LAYOUT_H_
#define PHISCAN_SCANNER_FORMATS_ZIP_LAYOUT_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "scanner/formats/byte_source.h"

namespace phiscan::scanner::formats {

// Where the end-of-central-directory record of the seekable `src` starts:
// the last one in the file's tail whose directory starts with a directory
// entry where the record says (zip64 records followed), else the last one
// of an empty zip (it names no directory to check). UnlistedZipRanges reads
// the zip through it. Readers that take the last signature in the tail
// (libarchive) can be led astray by one in the archive comment or in data
// appended to the zip, which are anyone's to write; this is not.
// nullopt when no record holds together, or `src` is not seekable.
struct ZipEnd {
  uint64_t at;   // where the record starts
  uint64_t end;  // one past its comment
  // Directory entries: those it declares (zip64 records followed), or as
  // many as its directory's size can hold (46 bytes each), if more.
  uint64_t entries;
};
std::optional<ZipEnd> ZipEndRecord(ByteSource& src);

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

// A zip read as a stream (its directory too large to hold) is read from
// local header to local header: a stream reader looks for the next local
// header's signature after each entry, passing over whatever lies between
// unread. The bytes between the directory's entries, in file order, that
// do not start with a local header (an entry the directory does not list,
// which the stream reads): how many, and where the first such gap starts.
// Bytes after the last entry's to the directory count; in front of the
// first, only when `front_counts`. Memory does not grow with the number of
// entries. nullopt when the layout cannot be made out (as for
// UnlistedZipRanges) or the directory does not list its entries in file
// order (allowed, and rare: then this is not checked).
struct StreamGaps {
  uint64_t bytes = 0;
  uint64_t first = 0;  // where the first gap starts; 0 when there is none
};
std::optional<StreamGaps> GapsBetweenLocalEntries(ByteSource& src, bool front_counts);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_ZIP_LAYOUT_H_
