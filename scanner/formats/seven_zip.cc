#include "scanner/formats/seven_zip.h"

#include <lzma.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace phiscan::scanner::formats {
namespace {

// Property ids of the 7z header format (7zFormat.txt).
constexpr unsigned char kEnd = 0x00;
constexpr unsigned char kHeader = 0x01;
constexpr unsigned char kArchiveProperties = 0x02;
constexpr unsigned char kAdditionalStreamsInfo = 0x03;
constexpr unsigned char kMainStreamsInfo = 0x04;
constexpr unsigned char kFilesInfo = 0x05;
constexpr unsigned char kPackInfo = 0x06;
constexpr unsigned char kUnpackInfo = 0x07;
constexpr unsigned char kSubStreamsInfo = 0x08;
constexpr unsigned char kSize = 0x09;
constexpr unsigned char kCrc = 0x0A;
constexpr unsigned char kFolder = 0x0B;
constexpr unsigned char kCodersUnpackSize = 0x0C;
constexpr unsigned char kNumUnpackStream = 0x0D;
constexpr unsigned char kEncodedHeader = 0x17;

// Coder ids: the methods a header is packed with, and 7-Zip's AES.
constexpr std::string_view kLzma("\x03\x01\x01", 3);
constexpr std::string_view kLzma2("\x21", 1);
constexpr std::string_view kAes("\x06\xF1\x07\x01", 4);

// An encoded header only says where its packed bytes are and how they
// unpack: a few dozen bytes in real archives.
constexpr uint64_t kMaxEncodedHeader = 64 << 10;

// Coders in one folder; libarchive takes at most 4.
constexpr uint64_t kMaxCoders = 64;

uint64_t Le(std::string_view s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

// A cursor over a header's bytes. Once a read would pass the end it fails
// for good: ok() turns false and every read returns zero or empty without
// moving, so loops over a count taken from the input check ok() to end.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool ok() const { return ok_; }
  uint64_t remaining() const { return s_.size() - pos_; }
  unsigned char Byte() {
    if (!ok_ || pos_ >= s_.size()) return Fail(), 0;
    return static_cast<unsigned char>(s_[pos_++]);
  }
  std::string_view Take(uint64_t n) {
    if (!ok_ || n > remaining()) return Fail(), std::string_view();
    std::string_view v = s_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return v;
  }
  void Skip(uint64_t n) { Take(n); }
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
  void Fail() {
    ok_ = false;
    pos_ = s_.size();
  }
  std::string_view s_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Skips a digests record for `n` items: whether all are defined, else a bit
// per item, then 4 bytes per defined item. `defined`, when given, gets a
// flag per item (n is then a count of records already read, each at least
// a byte).
void SkipDigests(Cursor& c, uint64_t n, std::vector<bool>* defined) {
  const bool all = c.Byte() != 0;
  if (defined != nullptr) defined->assign(static_cast<size_t>(n), all);
  uint64_t count = all ? n : 0;
  for (uint64_t i = 0; !all && i < n && c.ok(); i += 8) {
    const unsigned char bits = c.Byte();
    for (uint64_t b = 0; b < 8 && i + b < n; ++b) {
      if (((bits >> (7 - b)) & 1u) == 0) continue;
      ++count;
      if (defined != nullptr) (*defined)[static_cast<size_t>(i + b)] = true;
    }
  }
  if (count > c.remaining() / 4) {
    c.Take(c.remaining() + 1);  // fails the cursor
    return;
  }
  c.Skip(count * 4);
}

struct Coder {
  std::string_view id;
  std::string_view props;
};

// What a streams-info record says that unpacking a header needs: where the
// packed streams start, the first one's size, and the first folder (the
// only one libarchive decodes a header from). Later folders are walked
// over, not kept: a non-solid archive has one per file.
struct Streams {
  uint64_t pack_pos = 0;
  uint64_t pack_total = 0;  // the packed streams' sizes, summed
  std::optional<uint64_t> first_pack_size;
  uint64_t folders = 0;
  std::vector<Coder> coders;  // the first folder's
  uint64_t outputs = 0;       // the first folder's output streams
  uint64_t unpack_size = 0;   // the largest of them
  std::vector<bool> folder_crc;
};

// One folder's coders, bind pairs and packed streams; its output streams
// are added to `outputs`, its coders to `coders` when given.
bool ReadFolder(Cursor& c, std::vector<Coder>* coders, uint64_t& outputs) {
  const uint64_t n = c.Number();
  if (!c.ok() || n == 0 || n > kMaxCoders) return false;
  uint64_t in = 0, out = 0;
  for (uint64_t k = 0; k < n && c.ok(); ++k) {
    const unsigned char flags = c.Byte();
    if ((flags & 0x80u) != 0) return false;  // alternative methods: none reads them
    Coder coder;
    coder.id = c.Take(flags & 0x0Fu);
    if ((flags & 0x10u) != 0) {
      in = SaturatingAdd(in, c.Number());
      out = SaturatingAdd(out, c.Number());
    } else {
      ++in;
      ++out;
    }
    if ((flags & 0x20u) != 0) coder.props = c.Take(c.Number());
    if (in > kMaxCoders || out > kMaxCoders) return false;
    if (coders != nullptr) coders->push_back(coder);
  }
  if (!c.ok() || out == 0 || in + 1 < out) return false;
  for (uint64_t b = 0; b + 1 < out && c.ok(); ++b) {  // bind pairs
    c.Number();
    c.Number();
  }
  const uint64_t packed = in - (out - 1);
  for (uint64_t p = 0; packed > 1 && p < packed && c.ok(); ++p) c.Number();
  outputs = out;
  return c.ok();
}

bool ReadPackInfo(Cursor& c, Streams& s) {
  s.pack_pos = c.Number();
  const uint64_t n = c.Number();
  for (unsigned char id = c.Byte(); c.ok() && id != kEnd; id = c.Byte()) {
    if (id == kSize) {
      for (uint64_t i = 0; i < n && c.ok(); ++i) {
        const uint64_t size = c.Number();
        if (i == 0) s.first_pack_size = size;
        s.pack_total = SaturatingAdd(s.pack_total, size);
      }
    } else if (id == kCrc) {
      SkipDigests(c, n, nullptr);
    } else {
      return false;
    }
  }
  return c.ok();
}

bool ReadUnpackInfo(Cursor& c, Streams& s) {
  if (c.Byte() != kFolder) return false;
  s.folders = c.Number();
  if (c.Byte() != 0) return false;  // folders kept elsewhere: libarchive reads none
  uint64_t outputs = 0;
  for (uint64_t f = 0; f < s.folders && c.ok(); ++f) {
    uint64_t out = 0;
    if (!ReadFolder(c, f == 0 ? &s.coders : nullptr, out)) return false;
    if (f == 0) s.outputs = out;
    outputs = SaturatingAdd(outputs, out);
  }
  if (c.Byte() != kCodersUnpackSize) return false;
  for (uint64_t i = 0; i < outputs && c.ok(); ++i) {
    const uint64_t size = c.Number();
    if (i < s.outputs) s.unpack_size = std::max(s.unpack_size, size);
  }
  for (unsigned char id = c.Byte(); c.ok() && id != kEnd; id = c.Byte()) {
    if (id != kCrc) return false;
    SkipDigests(c, s.folders, &s.folder_crc);
  }
  return c.ok();
}

bool ReadSubStreamsInfo(Cursor& c, const Streams& s) {
  auto crc = [&](uint64_t f) { return f < s.folder_crc.size() && s.folder_crc[f]; };
  uint64_t sizes = 0, digests = 0;
  unsigned char id = c.Byte();
  if (id == kNumUnpackStream) {
    for (uint64_t f = 0; f < s.folders && c.ok(); ++f) {
      const uint64_t n = c.Number();
      sizes = SaturatingAdd(sizes, n > 0 ? n - 1 : 0);
      if (n != 1 || !crc(f)) digests = SaturatingAdd(digests, n);
    }
    id = c.Byte();
  } else {
    for (uint64_t f = 0; f < s.folders; ++f) digests += crc(f) ? 0 : 1;
  }
  if (id == kSize) {
    for (uint64_t i = 0; i < sizes && c.ok(); ++i) c.Number();
    id = c.Byte();
  }
  for (; c.ok() && id != kEnd; id = c.Byte()) {
    if (id != kCrc) return false;
    SkipDigests(c, digests, nullptr);
  }
  return c.ok();
}

bool ReadStreams(Cursor& c, Streams& s) {
  for (unsigned char id = c.Byte(); c.ok(); id = c.Byte()) {
    if (id == kEnd) return true;
    bool ok = false;
    if (id == kPackInfo) {
      ok = ReadPackInfo(c, s);
    } else if (id == kUnpackInfo) {
      ok = ReadUnpackInfo(c, s);
    } else if (id == kSubStreamsInfo) {
      ok = ReadSubStreamsInfo(c, s);
    }
    if (!ok) return false;
  }
  return false;
}

// The header packed as `s` says, unpacked: at most `max_header` bytes.
Result<std::string> Unpack(ByteSource& src, const Streams& s, uint64_t max_header) {
  if (s.folders == 0 || !s.first_pack_size || s.coders.empty()) {
    return Status::Corrupt("the 7z header's packed stream is not described");
  }
  for (const Coder& coder : s.coders) {
    if (coder.id == kAes) return Status(StatusCode::kEncrypted, "encrypted 7z header");
  }
  if (s.unpack_size > max_header) return Status::LimitExceeded("7z header");
  if (s.coders.size() != 1 || s.outputs != 1) {
    return Status::Unsupported("a 7z header packed by a chain of methods");
  }
  lzma_filter filters[2] = {{LZMA_VLI_UNKNOWN, nullptr}, {LZMA_VLI_UNKNOWN, nullptr}};
  const Coder& coder = s.coders[0];
  if (coder.id == kLzma) {
    filters[0].id = LZMA_FILTER_LZMA1;
  } else if (coder.id == kLzma2) {
    filters[0].id = LZMA_FILTER_LZMA2;
  } else {
    return Status::Unsupported("a 7z header packed by a method other than LZMA");
  }
  const auto* props = reinterpret_cast<const uint8_t*>(coder.props.data());
  if (lzma_properties_decode(&filters[0], nullptr, props, coder.props.size()) != LZMA_OK) {
    return Status::Corrupt("the 7z header's LZMA properties do not hold together");
  }
  // The window needs to reach no further back than the header is long: a
  // dictionary size read from the file is not what memory is spent on.
  auto* options = static_cast<lzma_options_lzma*>(filters[0].options);
  const uint64_t stated = std::max<uint64_t>(options->dict_size, LZMA_DICT_SIZE_MIN);
  options->dict_size =
      static_cast<uint32_t>(std::clamp<uint64_t>(s.unpack_size, LZMA_DICT_SIZE_MIN, stated));
  lzma_stream strm = LZMA_STREAM_INIT;
  const lzma_ret init = lzma_raw_decoder(&strm, filters);
  free(filters[0].options);
  if (init != LZMA_OK) return Status::Corrupt("the 7z header's LZMA stream cannot be set up");

  std::string out(static_cast<size_t>(s.unpack_size), '\0');
  strm.next_out = reinterpret_cast<uint8_t*>(out.data());
  strm.avail_out = out.size();
  uint64_t at = 32 + s.pack_pos;  // cannot wrap: checked against the file's size below
  const uint64_t end =
      s.pack_pos <= src.size() - 32 && *s.first_pack_size <= src.size() - 32 - s.pack_pos
          ? at + *s.first_pack_size
          : 0;
  Status status = end == 0 ? Status::Corrupt("the 7z header's packed stream is outside the file")
                           : Status::Ok();
  std::string chunk(64 << 10, '\0');
  while (status.ok() && strm.avail_out > 0) {
    if (strm.avail_in == 0) {
      if (at >= end) {
        status = Status::Corrupt("the 7z header's packed stream ends early");
        break;
      }
      auto got = src.ReadAt(at, {chunk.data(), static_cast<size_t>(std::min<uint64_t>(
                                                   chunk.size(), end - at))});
      if (!got.ok() || got.value() == 0) {
        status = got.ok() ? Status::Corrupt("the 7z header's packed stream ends early")
                          : got.status();
        break;
      }
      at += got.value();
      strm.next_in = reinterpret_cast<const uint8_t*>(chunk.data());
      strm.avail_in = got.value();
    }
    const lzma_ret r = lzma_code(&strm, LZMA_RUN);
    if (r == LZMA_STREAM_END && strm.avail_out > 0) {
      status = Status::Corrupt("the 7z header unpacks shorter than it says");
    } else if (r != LZMA_OK && r != LZMA_STREAM_END) {
      status = Status::Corrupt("the 7z header does not unpack");
    }
  }
  lzma_end(&strm);
  if (!status.ok()) return status;
  return out;
}

// The packed streams `s` lists, as a file range.
ByteRange PackedRange(const Streams& s) {
  const uint64_t begin = SaturatingAdd(32, s.pack_pos);
  return {begin, SaturatingAdd(begin, s.pack_total)};
}

// The number of files a header (starting with kHeader) lists; the file
// ranges of the packed streams it lists are added to `packed`.
Result<uint64_t> CountFiles(std::string_view header, std::vector<ByteRange>& packed) {
  Cursor c(header);
  const Status bad = Status::Corrupt("the 7z header does not hold together");
  if (c.Byte() != kHeader) return bad;
  unsigned char id = c.Byte();
  if (id == kArchiveProperties) {
    for (unsigned char type = c.Byte(); c.ok() && type != 0; type = c.Byte()) {
      c.Skip(c.Number());
    }
    id = c.Byte();
  }
  for (const unsigned char streams : {kAdditionalStreamsInfo, kMainStreamsInfo}) {
    if (id != streams) continue;
    Streams s;
    if (!ReadStreams(c, s)) return bad;
    packed.push_back(PackedRange(s));
    id = c.Byte();
  }
  if (!c.ok()) return bad;
  if (id == kEnd) return uint64_t{0};
  if (id != kFilesInfo) return bad;
  const uint64_t files = c.Number();
  if (!c.ok()) return bad;
  return files;
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

Result<SevenZipListing> ReadSevenZipListing(ByteSource& src, uint64_t max_header) {
  const std::optional<NextHeader> h = ReadSignatureHeader(src);
  if (!h || h->size == 0) return Status::NotFound("no 7z header");
  const uint64_t at = 32 + h->offset;
  char kind = 0;
  auto got = src.ReadAt(at, {&kind, 1});
  if (!got.ok()) return got.status();
  std::string header;
  if (static_cast<unsigned char>(kind) == kHeader) {
    if (h->size > max_header) return Status::LimitExceeded("7z header");
    header.resize(static_cast<size_t>(h->size));
  } else if (static_cast<unsigned char>(kind) == kEncodedHeader) {
    if (h->size > kMaxEncodedHeader) {
      return Status::Corrupt("the 7z header's description is too long");
    }
    header.resize(static_cast<size_t>(h->size));
  } else {
    return Status::NotFound("no 7z header");
  }
  got = src.ReadAt(at, {header.data(), header.size()});
  if (!got.ok()) return got.status();
  if (got.value() != header.size()) return Status::Corrupt("the 7z header ends early");
  std::vector<ByteRange> covered = {{0, 32}, {at, at + h->size}};
  if (static_cast<unsigned char>(kind) == kEncodedHeader) {
    Cursor c(std::string_view(header).substr(1));
    Streams s;
    if (!ReadStreams(c, s)) {
      return Status::Corrupt("the 7z header's description does not hold together");
    }
    covered.push_back(PackedRange(s));
    auto unpacked = Unpack(src, s, max_header);
    if (!unpacked.ok()) return unpacked.status();
    header = std::move(unpacked.value());
  }
  auto files = CountFiles(header, covered);
  if (!files.ok()) return files.status();
  SevenZipListing listing{header.size(), files.value(), {}};
  std::sort(covered.begin(), covered.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.begin < b.begin; });
  uint64_t reached = 0;
  for (const ByteRange& r : covered) {
    if (r.begin > reached) listing.unaccounted.push_back({reached, std::min(r.begin, src.size())});
    reached = std::max(reached, r.end);
    if (reached >= src.size()) break;
  }
  if (reached < src.size()) listing.unaccounted.push_back({reached, src.size()});
  return listing;
}

}  // namespace phiscan::scanner::formats
