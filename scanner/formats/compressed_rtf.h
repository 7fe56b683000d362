// Compressed RTF ([MS-OXRTFCP]): how Outlook stores a rich-text message body
// (the PidTagRtfCompressed property, stream "__substg1.0_10090102" of a
// .msg). A 16-byte header (compressed size, raw size, a magic naming the
// kind, a CRC) and then either the RTF itself ("MELA") or an LZ77 stream
// ("LZFu") over a 4,096-byte circular dictionary that starts holding a fixed
// 207-byte RTF prologue: each control byte's bits, lowest first, say whether
// the next token is a literal byte or a 16-bit reference (12-bit dictionary
// offset, 4-bit length - 2); a reference to the dictionary's own write
// position ends the stream.
//
// Hostile input: nothing is read past `in`, the output never grows past
// `max_bytes`, and every reference stays inside the dictionary. Pure
// function; thread-safe.
#ifndef PHISCAN_SCANNER_FORMATS_COMPRESSED_RTF_H_
#define PHISCAN_SCANNER_FORMATS_COMPRESSED_RTF_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace phiscan::scanner::formats {

// Writes the RTF that `in` holds to `out` (cleared first).
// Returns:
//   Ok             the whole body, its CRC and raw size as the header says;
//   Corrupt        no header, a magic other than LZFu or MELA, a CRC or raw
//                  size that does not hold (data that ends before it, or goes
//                  on past it): `out` holds what decoded before the fault;
//   LimitExceeded  the header's raw size is over `max_bytes`: `out` holds
//                  its first `max_bytes` bytes.
Status DecompressRtf(std::string_view in, size_t max_bytes, std::string& out);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_COMPRESSED_RTF_H_
