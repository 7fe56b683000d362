// How many entries a 7z archive lists, read before libarchive opens it.
//
// libarchive's 7z reader unpacks the whole header (the list of every entry:
// names, sizes, times) and builds a record per entry before it hands over
// the first member, about 100 bytes each. The header is usually
// LZMA-compressed and compresses very well: a 983 KB archive of 3 million
// one-byte files unpacks a 111 MB header and took 415 MB to open, and a
// header of empty files needs two bits an entry (a 221-byte archive listed
// 4 million entries in 352 MB). So the header is unpacked here first (into
// a buffer no larger than the caller's limit) and read as far as its count
// of files; an archive that lists too many is not opened
// (ScanLimits::max_7z_header, max_7z_entries).
//
// The header's layout is 7-Zip's 7zFormat.txt. Only what libarchive reads
// is read: the header packed by the first folder of its streams, with one
// coder, LZMA or LZMA2 (what 7-Zip and libarchive write).
//
// Thread safety: pure functions of the source.
#ifndef PHISCAN_SCANNER_FORMATS_SEVEN_ZIP_H_
#define PHISCAN_SCANNER_FORMATS_SEVEN_ZIP_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "common/status.h"
#include "scanner/formats/byte_source.h"

namespace phiscan::scanner::formats {

struct SevenZipListing {
  uint64_t header_bytes = 0;  // the header, unpacked
  uint64_t files = 0;         // entries it lists
  // The ranges of the file that neither the signature header, nor the
  // packed streams the header lists, nor the header (packed and encoded)
  // account for, in file order: libarchive never reads them.
  std::vector<ByteRange> unaccounted;
};

// The listing of the seekable 7z archive `src`, its header unpacked only if
// that takes at most `max_header` bytes.
// Errors:
//   kNotFound: `src` is not seekable, or its signature header points
//     outside it, or at no header (libarchive judges such an archive, and
//     opens nothing);
//   kEncrypted: the header is encrypted (libarchive says so);
//   kLimitExceeded: the header unpacks to more than `max_header` bytes;
//   kUnsupported: the header is packed by another method or chain;
//   kCorrupt: its structures do not hold together or do not unpack.
Result<SevenZipListing> ReadSevenZipListing(ByteSource& src, uint64_t max_header);

// One past the last byte of the seekable 7z archive `src` that its
// structures reach: the end of the header the signature header points at
// (the packed streams lie in front of it; an empty archive ends with its
// signature header). Bytes after it belong to no entry and are never read.
// nullopt when `src` is not seekable or its signature header points outside
// the file.
std::optional<uint64_t> SevenZipEnd(ByteSource& src);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_SEVEN_ZIP_H_
