// The size of a 7z archive's header, read before libarchive opens it.
//
// libarchive's 7z reader unpacks the whole header (the list of every entry:
// names, sizes, times) and builds a record per entry before it hands over
// the first member. The header is usually LZMA-compressed and compresses
// very well: a 983 KB archive of 3 million one-byte files unpacks a 111 MB
// header and took 415 MB of memory to open (measured). So the header's
// unpacked size is read from the archive's own structures first, and an
// archive whose header is too large is not opened (ScanLimits::max_7z_header).
//
// Thread safety: pure function of the source.
#ifndef PHISCAN_SCANNER_FORMATS_SEVEN_ZIP_H_
#define PHISCAN_SCANNER_FORMATS_SEVEN_ZIP_H_

#include <cstdint>
#include <optional>

#include "scanner/formats/byte_source.h"

namespace phiscan::scanner::formats {

// The bytes the header of the seekable 7z archive `src` takes once
// unpacked: the next-header size from the signature header when the header
// is stored plain, else the largest unpack size of the folder its encoded
// header names. nullopt when `src` is not seekable, or the signature header
// or the encoded header's stream description cannot be made out (libarchive
// then judges the archive itself, and a header it cannot read opens nothing).
std::optional<uint64_t> SevenZipHeaderBytes(ByteSource& src);

// One past the last byte of the seekable 7z archive `src` that its
// structures reach: the end of the header the signature header points at
// (the packed streams lie in front of it; an empty archive ends with its
// signature header). Bytes after it belong to no entry and are never read.
// nullopt when `src` is not seekable or its signature header points outside
// the file.
std::optional<uint64_t> SevenZipEnd(ByteSource& src);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_SEVEN_ZIP_H_
