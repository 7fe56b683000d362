#include "scanner/formats/sqlite_wal.h"

#include <cstring>

namespace phiscan::scanner::formats {
namespace {

constexpr size_t kWalHeader = 32;
constexpr size_t kFrameHeader = 24;
constexpr uint32_t kMagicLittle = 0x377f0682;  // checksums over little-endian words
constexpr uint32_t kMagicBig = 0x377f0683;     // over big-endian words

uint32_t Big32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

uint32_t Little32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{b[3]} << 24) | (uint32_t{b[2]} << 16) | (uint32_t{b[1]} << 8) | b[0];
}

// The log's running checksum over `n` bytes (a multiple of 8), continuing
// from s[0], s[1].
void Checksum(const char* p, size_t n, bool big, uint32_t s[2]) {
  for (size_t i = 0; i + 8 <= n; i += 8) {
    s[0] += (big ? Big32(p + i) : Little32(p + i)) + s[1];
    s[1] += (big ? Big32(p + i + 4) : Little32(p + i + 4)) + s[0];
  }
}

bool PageSizeValid(uint32_t size) {
  return size >= 512 && size <= 65536 && (size & (size - 1)) == 0;
}

// The page size a database file's header names (offset 16; 1 means 65536).
uint32_t DatabasePageSize(std::string_view image) {
  if (image.size() < 100) return 0;
  uint32_t size = (uint32_t{static_cast<unsigned char>(image[16])} << 8) |
                  static_cast<unsigned char>(image[17]);
  return size == 1 ? 65536 : size;
}

}  // namespace

void MarkRollbackMode(std::string& image) {
  if (SqliteHeaderSaysWal(image)) image[18] = image[19] = 1;
}

WalResult ApplyWal(std::string& image, std::string_view wal, uint64_t max_bytes) {
  WalResult result;
  if (wal.size() < kWalHeader) return result;
  const uint32_t magic = Big32(wal.data());
  if (magic != kMagicLittle && magic != kMagicBig) return result;
  const bool big = magic == kMagicBig;
  const uint32_t page_size = Big32(wal.data() + 8);
  if (!PageSizeValid(page_size)) return result;
  if (!image.empty() && DatabasePageSize(image) != page_size) return result;
  uint32_t sum[2] = {0, 0};
  Checksum(wal.data(), 24, big, sum);
  if (sum[0] != Big32(wal.data() + 24) || sum[1] != Big32(wal.data() + 28)) return result;
  const uint32_t salt1 = Big32(wal.data() + 16);
  const uint32_t salt2 = Big32(wal.data() + 20);

  // First pass: how far the valid frames go, and the last commit among them.
  const size_t frame_bytes = kFrameHeader + page_size;
  size_t committed_frames = 0;
  uint64_t database_pages = 0;
  for (size_t i = 0;; ++i) {
    const size_t at = kWalHeader + i * frame_bytes;
    if (wal.size() - kWalHeader < (i + 1) * frame_bytes) break;  // a torn last frame
    const char* frame = wal.data() + at;
    if (Big32(frame) == 0 || Big32(frame + 8) != salt1 || Big32(frame + 12) != salt2) break;
    Checksum(frame, 8, big, sum);
    Checksum(frame + kFrameHeader, page_size, big, sum);
    if (sum[0] != Big32(frame + 16) || sum[1] != Big32(frame + 20)) break;
    if (const uint32_t pages = Big32(frame + 4); pages != 0) {
      committed_frames = i + 1;
      database_pages = pages;
    }
  }
  if (committed_frames == 0) return result;
  if (database_pages * page_size > max_bytes) {
    result.outcome = WalResult::Outcome::kTooLarge;
    return result;
  }

  // Second pass: the committed frames in order, later ones over earlier.
  image.resize(database_pages * page_size, '\0');
  for (size_t i = 0; i < committed_frames; ++i) {
    const char* frame = wal.data() + kWalHeader + i * frame_bytes;
    const uint64_t page = Big32(frame);
    if (page > database_pages) continue;  // beyond the end a later commit truncated to
    std::memcpy(image.data() + (page - 1) * page_size, frame + kFrameHeader, page_size);
    ++result.frames;
  }
  result.outcome = WalResult::Outcome::kApplied;
  return result;
}

}  // namespace phiscan::scanner::formats
