// Test-only writer for Compound File Binary files (MS-CFB, a.k.a. "OLE2"),
// the container format of legacy .doc/.xls/.ppt/.msg files.
//
// Contract:
//   * WriteCompoundFile() returns the complete bytes of a compound file that
//     holds exactly the given streams and storages, laid out as MS-CFB
//     requires, so that any spec-following reader (olefile, libgsf, the
//     phiscan reader under test) finds every stream at its path with its
//     exact bytes.
//   * Streams shorter than 4096 bytes (the mini stream cutoff) live in the
//     mini stream (64-byte mini sectors chained through the mini FAT); all
//     others live in regular sectors chained through the FAT. FAT sectors
//     beyond the 109 listed in the header are reached through DIFAT sectors.
//   * Each storage's children form a size-balanced binary search tree under
//     the CFB name order (shorter name first, then code-unit compare after
//     uppercasing), colored so that it is a valid red-black tree.
//   * Output is deterministic: the same input always yields the same bytes
//     (all timestamps and non-root CLSIDs are zero).
//   * Invalid input (empty path component, name longer than 31 UTF-16 units,
//     characters CFB forbids in names, invalid UTF-8, a path that is both a
//     stream and a storage, duplicate streams, names equal under the CFB
//     case-insensitive rule, root_clsid neither empty nor 16 bytes,
//     major_version other than 3/4) throws std::invalid_argument, because a
//     test that builds a malformed file by accident should fail loudly.
//     Deliberately malformed files are made by editing the returned bytes
//     with the help of CfbLayout.
//
// This is test support code: it favours clarity over speed and builds the
// whole file in memory (fine for the tens of MB tests need).

#ifndef PHISCAN_TESTING_CFB_WRITER_H_
#define PHISCAN_TESTING_CFB_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace phiscan::testing {

struct CfbEntry {
  // '/'-separated path from the root, e.g. "WordDocument",
  // "ObjectPool/_1234/\x01Ole10Native". Components are UTF-8 (control
  // characters such as \x01 and \x05 are allowed, as in real files).
  std::string path;
  // Stream bytes; ignored for storages.
  std::string data;
  // true: an (empty or parent) storage. Parent storages named in a stream
  // path are created implicitly, so this is only needed for empty storages.
  bool storage = false;
};

struct CfbOptions {
  int major_version = 3;   // 3: 512-byte sectors; 4: 4096-byte sectors.
  std::string root_clsid;  // 16 raw bytes, or empty for all-zero.
};

// Where things ended up, so corruption tests can poke precise bytes.
// All *_offset fields are absolute file offsets. Each region below is a run
// of consecutive sectors (the writer never fragments them), so e.g. the k-th
// FAT sector starts at fat_offset + k * sector_size. A region that is absent
// (no DIFAT, no mini stream, ...) has offset 0 and count 0.
struct CfbLayout {
  uint32_t sector_size = 0;  // 512 (v3) or 4096 (v4).
  uint64_t header_size = 0;  // Bytes before sector 0 (== sector_size).

  uint64_t fat_offset = 0;  // First FAT sector.
  uint32_t fat_sector_count = 0;
  uint64_t difat_offset = 0;  // First DIFAT sector.
  uint32_t difat_sector_count = 0;
  uint64_t directory_offset = 0;  // First directory sector.
  uint32_t directory_sector_count = 0;
  uint64_t minifat_offset = 0;  // First mini FAT sector.
  uint32_t minifat_sector_count = 0;
  uint64_t mini_stream_offset = 0;  // First sector of the mini stream.
  uint32_t mini_stream_sector_count = 0;

  // directory_paths[i] is the path of directory entry i ("" for the root
  // entry, which is always entry 0). Entry i's 128 bytes start at
  // DirectoryEntryOffset(i).
  std::vector<std::string> directory_paths;

  // For every stream (same order as directory_paths; storages and the root
  // map to 0): absolute offset of the stream's first byte in the file. Mini
  // streams are stored contiguously inside the (contiguous) mini stream, and
  // regular streams in consecutive sectors, so the whole stream is at
  // [offset, offset + size).
  std::vector<uint64_t> data_offsets;

  // Absolute offset of regular sector `sector`.
  uint64_t SectorOffset(uint32_t sector) const {
    return header_size + uint64_t{sector} * sector_size;
  }
  // Absolute offset of directory entry `index` (128 bytes each).
  uint64_t DirectoryEntryOffset(uint32_t index) const {
    return directory_offset + uint64_t{index} * 128;
  }
};

// Returns the bytes of a valid compound file holding `entries`. If `layout`
// is non-null it receives the positions of the file's structures.
std::string WriteCompoundFile(const std::vector<CfbEntry>& entries, const CfbOptions& options = {},
                              CfbLayout* layout = nullptr);

}  // namespace phiscan::testing

#endif  // PHISCAN_TESTING_CFB_WRITER_H_
