#include "scanner/formats/compressed_rtf.h"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "scanner/formats/little_endian.h"

namespace phiscan::scanner::formats {
namespace {

constexpr uint32_t kMagicCompressed = 0x75465A4C;    // "LZFu"
constexpr uint32_t kMagicUncompressed = 0x414C454D;  // "MELA"
constexpr size_t kHeaderBytes = 16;
constexpr size_t kDictionaryBytes = 4096;

// The dictionary's first bytes ([MS-OXRTFCP] 3.1.3.1): writing starts after them.
constexpr std::string_view kPrologue =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
    "\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
    "{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
static_assert(kPrologue.size() == 207);

// The format's CRC-32: the reflected 0xEDB88320 polynomial from 0, with no
// final inversion (zlib's crc32 inverts on the way in and out).
uint32_t RtfCrc(std::string_view data) {
  const uLong zlib = crc32(0xFFFFFFFFul, reinterpret_cast<const Bytef*>(data.data()),
                           static_cast<uInt>(data.size()));
  return static_cast<uint32_t>(zlib ^ 0xFFFFFFFFul);
}

}  // namespace

Status DecompressRtf(std::string_view in, size_t max_bytes, std::string& out) {
  out.clear();
  if (in.size() < kHeaderBytes) return Status::Corrupt("compressed RTF: no header");
  const uint32_t comp_size = Le32(in, 0);
  const uint32_t raw_size = Le32(in, 4);
  const uint32_t magic = Le32(in, 8);
  const uint32_t crc = Le32(in, 12);
  if (comp_size < kHeaderBytes - 4) return Status::Corrupt("compressed RTF: bad size");
  // The data the header counts, as far as the stream holds it.
  const size_t want = static_cast<size_t>(comp_size) + 4 - kHeaderBytes;
  const std::string_view data = in.substr(kHeaderBytes, want);
  const bool short_data = data.size() < want;
  const size_t limit = std::min<size_t>(raw_size, max_bytes);
  auto finish = [&](bool ended) {
    if (raw_size > max_bytes && out.size() >= max_bytes) {
      return Status::LimitExceeded("compressed RTF body of " + std::to_string(raw_size) +
                                   " bytes; read " + std::to_string(max_bytes));
    }
    if (short_data || !ended) return Status::Corrupt("compressed RTF: data ends early");
    if (out.size() != raw_size) {
      return Status::Corrupt("compressed RTF: " + std::to_string(out.size()) +
                             " bytes where the header says " + std::to_string(raw_size));
    }
    return Status::Ok();
  };

  if (magic == kMagicUncompressed) {
    out.assign(data.substr(0, limit));
    return finish(true);
  }
  if (magic != kMagicCompressed) return Status::Corrupt("compressed RTF: unknown kind");
  if (!short_data && RtfCrc(data) != crc) return Status::Corrupt("compressed RTF: CRC mismatch");

  std::array<char, kDictionaryBytes> dict{};
  std::memcpy(dict.data(), kPrologue.data(), kPrologue.size());
  size_t write = kPrologue.size();
  out.reserve(std::min<size_t>(limit, data.size() * 8));
  size_t at = 0;
  while (at < data.size()) {
    const auto control = static_cast<unsigned char>(data[at++]);
    for (int bit = 0; bit < 8; ++bit) {
      if (out.size() >= limit) {
        // The raw size reached: the next token, if any, must end the stream
        // (a body longer than its header says was cut, not read whole).
        auto end_marker = [&] {
          const size_t ref = size_t{static_cast<unsigned char>(data[at])} << 8 |
                             static_cast<unsigned char>(data[at + 1]);
          return (ref >> 4) == write;
        };
        const bool more = out.size() == raw_size && at < data.size() &&
                          ((control & (1u << bit)) == 0 || at + 2 > data.size() || !end_marker());
        if (more) return Status::Corrupt("compressed RTF: more data than its raw size");
        return finish(out.size() == raw_size);
      }
      if ((control & (1u << bit)) == 0) {
        if (at >= data.size()) return finish(false);
        const char c = data[at++];
        out.push_back(c);
        dict[write] = c;
        write = (write + 1) % kDictionaryBytes;
        continue;
      }
      if (at + 2 > data.size()) return finish(false);
      const unsigned ref = (static_cast<unsigned char>(data[at]) << 8) |
                           static_cast<unsigned char>(data[at + 1]);
      at += 2;
      size_t from = ref >> 4;
      if (from == write) return finish(true);  // the end of the stream
      const size_t length = (ref & 0xF) + 2;
      for (size_t i = 0; i < length && out.size() < limit; ++i) {
        // Byte by byte: a reference may overlap what it writes (a run).
        const char c = dict[from];
        from = (from + 1) % kDictionaryBytes;
        out.push_back(c);
        dict[write] = c;
        write = (write + 1) % kDictionaryBytes;
      }
    }
  }
  return finish(out.size() == raw_size);  // no end marker, every byte there
}

}  // namespace phiscan::scanner::formats
