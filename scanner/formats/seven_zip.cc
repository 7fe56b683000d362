#include "scanner/formats/seven_zip.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace phiscan::scanner::formats {
namespace {

// Property ids of the 7z header format (7-Zip's 7zFormat.txt).
constexpr unsigned char kEnd = 0x00;
constexpr unsigned char kHeader = 0x01;
constexpr unsigned char kPackInfo = 0x06;
constexpr unsigned char kUnpackInfo = 0x07;
constexpr unsigned char kSize = 0x09;
constexpr unsigned char kCrc = 0x0A;
constexpr unsigned char kFolder = 0x0B;
constexpr unsigned char kCodersUnpackSize = 0x0C;
constexpr unsigned char kEncodedHeader = 0x17;

// The first bytes of an encoded header hold its stream description; real
// ones take a few dozen bytes.
constexpr size_t kEncodedRead = 4096;

uint64_t Le(std::string_view s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// A cursor over the encoded header's bytes; every read fails (ok() false)
// once it would pass the end.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool ok() const { return ok_; }
  unsigned char Byte() {
    if (pos_ >= s_.size()) {
      ok_ = false;
      return 0;
    }
    return static_cast<unsigned char>(s_[pos_++]);
  }
  void Skip(uint64_t n) {
    if (n > s_.size() - pos_) {
      ok_ = false;
      pos_ = s_.size();
      return;
    }
    pos_ += static_cast<size_t>(n);
  }
  // A 7z NUMBER: the leading one bits of the first byte count the bytes
  // that follow (little-endian); its remaining bits are the high part.
  uint64_t Number() {
    const unsigned char first = Byte();
    unsigned char mask = 0x80;
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
      if ((first & mask) == 0) {
        const uint64_t high = first & (mask - 1u);
        return value | (high << (8 * i));
      }
      value |= static_cast<uint64_t>(Byte()) << (8 * i);
      mask >>= 1;
    }
    return value;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Skips an optional digests record for `n` items: whether all are defined,
// else a bit per item, then 4 bytes per defined item.
void SkipDigests(Cursor& c, uint64_t n) {
  uint64_t defined = n;
  if (c.Byte() == 0) {
    defined = 0;
    for (uint64_t i = 0; i < n && c.ok(); i += 8) {
      const unsigned char bits = c.Byte();
      for (int b = 0; b < 8 && i + b < n; ++b) defined += (bits >> (7 - b)) & 1u;
    }
  }
  c.Skip(defined * 4);
}

// The largest unpack size of the folders an encoded header's streams info
// describes, or nullopt when it does not hold together.
std::optional<uint64_t> EncodedUnpackSize(Cursor& c) {
  if (c.Byte() != kPackInfo) return std::nullopt;
  c.Number();  // where the packed streams start
  const uint64_t packed = c.Number();
  if (!c.ok() || packed > kEncodedRead) return std::nullopt;
  for (unsigned char id = c.Byte(); id != kEnd; id = c.Byte()) {
    if (!c.ok()) return std::nullopt;
    if (id == kSize) {
      for (uint64_t i = 0; i < packed; ++i) c.Number();
    } else if (id == kCrc) {
      SkipDigests(c, packed);
    } else {
      return std::nullopt;
    }
  }
  if (c.Byte() != kUnpackInfo || c.Byte() != kFolder) return std::nullopt;
  const uint64_t folders = c.Number();
  if (c.Byte() != 0 || !c.ok() || folders > kEncodedRead) return std::nullopt;  // not external
  uint64_t outputs = 0;
  for (uint64_t f = 0; f < folders; ++f) {
    const uint64_t coders = c.Number();
    if (!c.ok() || coders == 0 || coders > 64) return std::nullopt;
    uint64_t in = 0, out = 0;
    for (uint64_t k = 0; k < coders; ++k) {
      const unsigned char flags = c.Byte();
      c.Skip(flags & 0x0Fu);  // the codec's id
      if ((flags & 0x10u) != 0) {
        in += c.Number();
        out += c.Number();
      } else {
        ++in;
        ++out;
      }
      if ((flags & 0x20u) != 0) c.Skip(c.Number());  // its properties
      if (!c.ok() || in > 64 || out > 64) return std::nullopt;
    }
    if (out == 0 || in + 1 < out) return std::nullopt;
    for (uint64_t b = 0; b + 1 < out; ++b) {  // bind pairs
      c.Number();
      c.Number();
    }
    const uint64_t packed_in = in - (out - 1);
    if (packed_in > 1) {
      for (uint64_t p = 0; p < packed_in; ++p) c.Number();
    }
    outputs += out;
  }
  if (c.Byte() != kCodersUnpackSize || !c.ok()) return std::nullopt;
  uint64_t largest = 0;
  for (uint64_t i = 0; i < outputs; ++i) largest = std::max(largest, c.Number());
  if (!c.ok()) return std::nullopt;
  return largest;
}

// Where the signature header says the header is: its offset from the end
// of the signature header (32 bytes) and its size.
struct NextHeader {
  uint64_t offset = 0;
  uint64_t size = 0;
};

// The signature header's next-header fields, or nullopt when `src` is not
// seekable or they point outside the file.
std::optional<NextHeader> ReadSignatureHeader(ByteSource& src) {
  if (!src.seekable() || src.size() < 32) return std::nullopt;
  std::string start(32, '\0');
  auto got = src.ReadAt(0, {start.data(), start.size()});
  if (!got.ok() || got.value() != start.size()) return std::nullopt;
  NextHeader h{Le(start, 12, 8), Le(start, 20, 8)};
  if (h.offset > src.size() - 32 || h.size > src.size() - 32 - h.offset) return std::nullopt;
  return h;
}

}  // namespace

std::optional<uint64_t> SevenZipEnd(ByteSource& src) {
  const std::optional<NextHeader> h = ReadSignatureHeader(src);
  if (!h) return std::nullopt;
  return 32 + h->offset + h->size;
}

std::optional<uint64_t> SevenZipHeaderBytes(ByteSource& src) {
  const std::optional<NextHeader> h = ReadSignatureHeader(src);
  if (!h || h->size == 0) return std::nullopt;
  const uint64_t size = h->size;
  std::string head(static_cast<size_t>(std::min<uint64_t>(size, kEncodedRead)), '\0');
  auto got = src.ReadAt(32 + h->offset, {head.data(), head.size()});
  if (!got.ok() || got.value() == 0) return std::nullopt;
  head.resize(got.value());
  const auto kind = static_cast<unsigned char>(head[0]);
  if (kind == kHeader) return size;
  if (kind != kEncodedHeader) return std::nullopt;
  Cursor c(std::string_view(head).substr(1));
  return EncodedUnpackSize(c);
}

}  // namespace phiscan::scanner::formats
