// Little-endian integers at a byte offset of a buffer, as the binary
// formats read here store them (compound files, legacy Office records,
// zip headers, compressed RTF, TNEF).
//
// REQUIRES: `at` + the integer's size <= b.size(); callers check lengths
// first. Pure functions; thread-safe.
#ifndef PHISCAN_SCANNER_FORMATS_LITTLE_ENDIAN_H_
#define PHISCAN_SCANNER_FORMATS_LITTLE_ENDIAN_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace phiscan::scanner::formats {

inline uint16_t Le16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) | static_cast<uint8_t>(b[at + 1]) << 8);
}

inline uint32_t Le32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(Le16(b, at)) | static_cast<uint32_t>(Le16(b, at + 2)) << 16;
}

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_LITTLE_ENDIAN_H_
