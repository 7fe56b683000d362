// Test-only MS-CFB writer; see cfb_writer.h for the contract.
//
// File layout produced (sector numbers ascending, every region contiguous):
//   header | FAT | DIFAT | directory | mini FAT | mini stream | big streams
// Putting the FAT first lets us size it with a simple fixed-point loop (its
// own sectors, and the DIFAT sectors, must be covered by FAT entries too).

#include "tests/testutil/cfb_writer.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/testutil/utf.h"

namespace phiscan::testing {
namespace {

// Special sector / stream ids from MS-CFB 2.1.
constexpr uint32_t kDifSect = 0xFFFFFFFC;
constexpr uint32_t kFatSect = 0xFFFFFFFD;
constexpr uint32_t kEndOfChain = 0xFFFFFFFE;
constexpr uint32_t kFreeSect = 0xFFFFFFFF;
constexpr uint32_t kNoStream = 0xFFFFFFFF;
constexpr uint32_t kMaxRegSect = 0xFFFFFFFA;

constexpr uint32_t kMiniSectorSize = 64;
constexpr uint32_t kMiniStreamCutoff = 4096;
constexpr uint32_t kDirEntrySize = 128;
constexpr uint32_t kHeaderDifatEntries = 109;
constexpr size_t kMaxNameUnits = 31;  // 32 slots, one for the NUL.

constexpr uint8_t kTypeStorage = 1;
constexpr uint8_t kTypeStream = 2;
constexpr uint8_t kTypeRoot = 5;
constexpr uint8_t kColorRed = 0;
constexpr uint8_t kColorBlack = 1;

void Fail(const std::string& why) { throw std::invalid_argument("WriteCompoundFile: " + why); }

// Little-endian stores into a pre-sized buffer; the format is LE regardless
// of host, so we never memcpy integers.
void PutU16(std::string& out, uint64_t at, uint16_t v) {
  for (int i = 0; i < 2; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
}
void PutU32(std::string& out, uint64_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
}
void PutU64(std::string& out, uint64_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
}

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Strict: a name that is not valid UTF-8 is rejected rather than mangled.
std::u16string Utf8ToUtf16(const std::string& s) {
  bool valid = true;
  std::u16string out = CodePointsToUtf16(Utf8ToCodePoints(s, &valid));
  if (!valid) Fail("invalid UTF-8 in name");
  return out;
}

// MS-CFB orders siblings by uppercased UTF-16 code units. Full Unicode
// simple uppercasing is overkill for tests; ASCII and Latin-1 cover every
// name real Office files use, and readers only need us to be consistent
// with them on the names we actually emit.
char16_t UpperUnit(char16_t c) {
  if (c >= u'a' && c <= u'z') return static_cast<char16_t>(c - 0x20);
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) {
    return static_cast<char16_t>(c - 0x20);
  }
  if (c == 0xFF) return 0x178;
  return c;
}

// <0, 0, >0 like strcmp, per MS-CFB 2.6.4: shorter name sorts first, then
// code-unit compare of the uppercased names.
int CompareNames(const std::u16string& a, const std::u16string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    const char16_t x = UpperUnit(a[i]);
    const char16_t y = UpperUnit(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

struct Node {
  std::u16string name;
  std::string path;  // UTF-8, for CfbLayout::directory_paths.
  uint8_t type = kTypeStream;
  const std::string* data = nullptr;  // Streams only.
  std::vector<Node*> children;        // Storages / root only.
  uint32_t id = 0;
  uint32_t left = kNoStream;
  uint32_t right = kNoStream;
  uint32_t child = kNoStream;
  uint8_t color = kColorBlack;
  uint32_t start = 0;  // Set for streams and the root (mini stream).
  uint64_t size = 0;
  bool in_mini = false;
  uint32_t mini_start = 0;  // Index of first mini sector (in_mini only).
  uint32_t big_start = 0;   // Regular sector of first byte (!in_mini).
};

class TreeBuilder {
 public:
  TreeBuilder() {
    root_ = NewNode();
    root_->type = kTypeRoot;
    root_->name = u"Root Entry";
  }

  void Add(const CfbEntry& entry) {
    std::vector<std::string> parts;
    size_t begin = 0;
    while (true) {
      const size_t slash = entry.path.find('/', begin);
      parts.push_back(entry.path.substr(begin, slash - begin));
      if (slash == std::string::npos) break;
      begin = slash + 1;
    }
    Node* parent = root_;
    std::string prefix;
    for (size_t i = 0; i < parts.size(); ++i) {
      const bool last = i + 1 == parts.size();
      prefix += (i ? "/" : "") + parts[i];
      const uint8_t want = (last && !entry.storage) ? kTypeStream : kTypeStorage;
      Node* node = FindOrCreate(parent, parts[i], prefix, want);
      if (last && want == kTypeStream) {
        if (node->data != nullptr) Fail("duplicate stream: " + entry.path);
        node->data = &entry.data;
        node->size = entry.data.size();
      }
      parent = node;
    }
  }

  Node* root() { return root_; }
  std::vector<std::unique_ptr<Node>>& nodes() { return nodes_; }

 private:
  Node* NewNode() {
    nodes_.push_back(std::make_unique<Node>());
    nodes_.back()->id = static_cast<uint32_t>(nodes_.size() - 1);
    return nodes_.back().get();
  }

  Node* FindOrCreate(Node* parent, const std::string& name_utf8, const std::string& path,
                     uint8_t type) {
    if (name_utf8.empty()) Fail("empty path component in '" + path + "'");
    std::u16string name = Utf8ToUtf16(name_utf8);
    if (name.size() > kMaxNameUnits) Fail("name too long: " + name_utf8);
    for (char16_t c : name) {
      // MS-CFB 2.6.1 forbids these in names.
      if (c == u'\\' || c == u':' || c == u'!') {
        Fail("illegal character in name: " + name_utf8);
      }
    }
    for (Node* sibling : parent->children) {
      if (CompareNames(sibling->name, name) != 0) continue;
      // Names equal under the CFB rule can't coexist in one storage, even
      // if their bytes differ (e.g. "Foo" vs "FOO").
      if (sibling->name != name) Fail("names collide case-insensitively: " + path);
      if (sibling->type != type) Fail("path is both stream and storage: " + path);
      return sibling;
    }
    Node* node = NewNode();
    node->name = std::move(name);
    node->path = path;
    node->type = type;
    parent->children.push_back(node);
    return node;
  }

  Node* root_ = nullptr;
  std::vector<std::unique_ptr<Node>> nodes_;
};

// Builds a size-balanced BST from sorted siblings [lo, hi) and returns the
// id of its root. Splitting at the middle makes every level but the deepest
// full, so coloring exactly the deepest (partial) level red and the rest
// black gives equal black height on all paths and no red-red edge: a valid
// red-black tree, as MS-CFB 2.6.4 asks.
uint32_t BuildTree(std::vector<Node*>& sorted, size_t lo, size_t hi, int depth, int red_depth) {
  if (lo >= hi) return kNoStream;
  const size_t mid = lo + (hi - lo) / 2;
  Node* node = sorted[mid];
  node->left = BuildTree(sorted, lo, mid, depth + 1, red_depth);
  node->right = BuildTree(sorted, mid + 1, hi, depth + 1, red_depth);
  node->color = depth == red_depth ? kColorRed : kColorBlack;
  return node->id;
}

void LinkChildren(Node* storage) {
  std::vector<Node*> sorted = storage->children;
  std::sort(sorted.begin(), sorted.end(),
            [](const Node* a, const Node* b) { return CompareNames(a->name, b->name) < 0; });
  const size_t n = sorted.size();
  int height = 0;  // Depth of the deepest level: floor(log2(n)).
  while ((size_t{2} << height) <= n) ++height;
  const bool perfect = ((n + 1) & n) == 0;
  // depth 0 must stay black (root of a red-black tree); a perfect tree is
  // valid all black.
  const int red_depth = (perfect || height == 0) ? -1 : height;
  storage->child = BuildTree(sorted, 0, n, 0, red_depth);
  for (Node* c : storage->children) {
    if (c->type == kTypeStorage) LinkChildren(c);
  }
}

void WriteName(std::string& out, uint64_t at, const std::u16string& name) {
  for (size_t i = 0; i < name.size(); ++i) PutU16(out, at + 2 * i, name[i]);
  // Length in bytes including the terminating NUL (already zero).
  PutU16(out, at + 64, static_cast<uint16_t>((name.size() + 1) * 2));
}

}  // namespace

std::string WriteCompoundFile(const std::vector<CfbEntry>& entries, const CfbOptions& options,
                              CfbLayout* layout) {
  if (options.major_version != 3 && options.major_version != 4) {
    Fail("major_version must be 3 or 4");
  }
  if (!options.root_clsid.empty() && options.root_clsid.size() != 16) {
    Fail("root_clsid must be empty or 16 bytes");
  }
  const bool v4 = options.major_version == 4;
  const uint32_t sector_size = v4 ? 4096 : 512;
  const uint32_t ids_per_sector = sector_size / 4;

  TreeBuilder builder;
  for (const CfbEntry& e : entries) builder.Add(e);
  std::vector<std::unique_ptr<Node>>& nodes = builder.nodes();
  Node* root = builder.root();
  LinkChildren(root);
  const uint32_t entry_count = static_cast<uint32_t>(nodes.size());

  // Place stream data: small streams into the mini stream, others get
  // sector runs numbered relative to the start of the big-stream region.
  uint64_t mini_sectors = 0;
  uint64_t big_sectors = 0;
  for (auto& n : nodes) {
    if (n->type != kTypeStream || n->size == 0) continue;
    if (n->size < kMiniStreamCutoff) {
      n->in_mini = true;
      n->mini_start = static_cast<uint32_t>(mini_sectors);
      mini_sectors += CeilDiv(n->size, kMiniSectorSize);
    } else {
      n->big_start = static_cast<uint32_t>(big_sectors);
      big_sectors += CeilDiv(n->size, sector_size);
    }
  }
  const uint64_t mini_stream_bytes = mini_sectors * kMiniSectorSize;

  const uint64_t dir_count = CeilDiv(uint64_t{entry_count} * kDirEntrySize, sector_size);
  const uint64_t minifat_count = CeilDiv(mini_sectors * 4, sector_size);
  const uint64_t ministream_count = CeilDiv(mini_stream_bytes, sector_size);
  const uint64_t data_count = dir_count + minifat_count + ministream_count + big_sectors;

  // FAT must describe every sector, including the FAT and DIFAT sectors
  // themselves; DIFAT grows with the FAT. Iterate to a fixed point (it
  // converges in a couple of rounds since both are monotone and tiny).
  uint64_t fat_count = 0;
  uint64_t difat_count = 0;
  while (true) {
    const uint64_t total = data_count + fat_count + difat_count;
    const uint64_t need_fat = CeilDiv(total, ids_per_sector);
    const uint64_t need_difat = need_fat > kHeaderDifatEntries
                                    ? CeilDiv(need_fat - kHeaderDifatEntries, ids_per_sector - 1)
                                    : 0;
    if (need_fat == fat_count && need_difat == difat_count) break;
    fat_count = std::max(fat_count, need_fat);
    difat_count = std::max(difat_count, need_difat);
  }
  const uint64_t total_sectors = data_count + fat_count + difat_count;
  if (total_sectors > kMaxRegSect) Fail("file too large");

  const uint32_t fat_first = 0;
  const uint32_t difat_first = static_cast<uint32_t>(fat_count);
  const uint32_t dir_first = static_cast<uint32_t>(difat_first + difat_count);
  const uint32_t minifat_first = static_cast<uint32_t>(dir_first + dir_count);
  const uint32_t ministream_first = static_cast<uint32_t>(minifat_first + minifat_count);
  const uint32_t big_first = static_cast<uint32_t>(ministream_first + ministream_count);

  const uint64_t header_size = sector_size;  // v4 pads header to a sector.
  std::string out(header_size + total_sectors * sector_size, '\0');
  auto sector_offset = [&](uint64_t s) { return header_size + s * sector_size; };

  // ---- FAT. Start all-free, then mark each region.
  std::vector<uint32_t> fat(fat_count * ids_per_sector, kFreeSect);
  for (uint64_t i = 0; i < fat_count; ++i) fat[fat_first + i] = kFatSect;
  for (uint64_t i = 0; i < difat_count; ++i) fat[difat_first + i] = kDifSect;
  auto chain = [&](uint32_t first, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) {
      fat[first + i] = i + 1 == count ? kEndOfChain : static_cast<uint32_t>(first + i + 1);
    }
  };
  chain(dir_first, dir_count);
  chain(minifat_first, minifat_count);
  chain(ministream_first, ministream_count);
  for (auto& n : nodes) {
    if (n->type != kTypeStream) continue;
    if (n->size == 0) {
      n->start = kEndOfChain;  // Empty streams own no sectors.
    } else if (n->in_mini) {
      n->start = n->mini_start;
    } else {
      n->start = big_first + n->big_start;
      chain(n->start, CeilDiv(n->size, sector_size));
    }
  }
  for (uint64_t s = 0; s < fat_count; ++s) {
    for (uint32_t k = 0; k < ids_per_sector; ++k) {
      PutU32(out, sector_offset(fat_first + s) + 4 * k, fat[s * ids_per_sector + k]);
    }
  }

  // ---- DIFAT: FAT sectors 0..108 are listed in the header, the rest in
  // DIFAT sectors, each ending with the next DIFAT sector's number.
  for (uint64_t d = 0; d < difat_count; ++d) {
    const uint64_t base = sector_offset(difat_first + d);
    for (uint32_t k = 0; k + 1 < ids_per_sector; ++k) {
      const uint64_t fat_index = kHeaderDifatEntries + d * (ids_per_sector - 1) + k;
      PutU32(out, base + 4 * k,
             fat_index < fat_count ? static_cast<uint32_t>(fat_first + fat_index) : kFreeSect);
    }
    PutU32(out, base + 4 * (ids_per_sector - 1),
           d + 1 == difat_count ? kEndOfChain : static_cast<uint32_t>(difat_first + d + 1));
  }

  // ---- Mini FAT: each mini stream is one contiguous run of mini sectors.
  if (minifat_count > 0) {
    std::vector<uint32_t> minifat(minifat_count * ids_per_sector, kFreeSect);
    for (auto& n : nodes) {
      if (!n->in_mini) continue;
      const uint64_t count = CeilDiv(n->size, kMiniSectorSize);
      for (uint64_t i = 0; i < count; ++i) {
        minifat[n->mini_start + i] =
            i + 1 == count ? kEndOfChain : static_cast<uint32_t>(n->mini_start + i + 1);
      }
    }
    for (uint64_t i = 0; i < minifat.size(); ++i) {
      PutU32(out, sector_offset(minifat_first) + 4 * i, minifat[i]);
    }
  }

  // ---- Stream data.
  std::vector<uint64_t> data_offsets(entry_count, 0);
  for (auto& n : nodes) {
    if (n->type != kTypeStream || n->size == 0) continue;
    const uint64_t at =
        n->in_mini ? sector_offset(ministream_first) + uint64_t{n->mini_start} * kMiniSectorSize
                   : sector_offset(n->start);
    out.replace(at, n->data->size(), *n->data);
    data_offsets[n->id] = at;
  }

  // The root entry's stream *is* the mini stream.
  root->start = ministream_count > 0 ? ministream_first : kEndOfChain;
  root->size = mini_stream_bytes;

  // ---- Directory. Unused slots (padding to a whole sector) must have no
  // siblings/child, i.e. NOSTREAM links, and zeros elsewhere.
  const uint64_t dir_base = sector_offset(dir_first);
  for (uint64_t i = 0; i < dir_count * (sector_size / kDirEntrySize); ++i) {
    const uint64_t at = dir_base + i * kDirEntrySize;
    PutU32(out, at + 0x44, kNoStream);
    PutU32(out, at + 0x48, kNoStream);
    PutU32(out, at + 0x4C, kNoStream);
  }
  for (auto& n : nodes) {
    const uint64_t at = dir_base + uint64_t{n->id} * kDirEntrySize;
    WriteName(out, at, n->name);
    out[at + 0x42] = static_cast<char>(n->type);
    out[at + 0x43] = static_cast<char>(n->color);
    PutU32(out, at + 0x44, n->left);
    PutU32(out, at + 0x48, n->right);
    PutU32(out, at + 0x4C, n->child);
    if (n->type == kTypeRoot && !options.root_clsid.empty()) {
      out.replace(at + 0x50, 16, options.root_clsid);
    }
    // State bits and timestamps stay zero (spec allows zero; keeps output
    // deterministic).
    if (n->type != kTypeStorage) {
      PutU32(out, at + 0x74, n->start);
      PutU64(out, at + 0x78, n->size);
    }
  }

  // ---- Header (MS-CFB 2.2).
  static constexpr unsigned char kSignature[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(kSignature[i]);
  // 0x08: header CLSID, must be zero.
  PutU16(out, 0x18, 0x003E);  // Minor version.
  PutU16(out, 0x1A, static_cast<uint16_t>(options.major_version));
  PutU16(out, 0x1C, 0xFFFE);       // Byte order mark: little-endian.
  PutU16(out, 0x1E, v4 ? 12 : 9);  // Sector shift.
  PutU16(out, 0x20, 6);            // Mini sector shift.
  // 0x22: 6 reserved bytes, zero.
  // Directory sector count is only defined for v4; v3 requires zero.
  PutU32(out, 0x28, v4 ? static_cast<uint32_t>(dir_count) : 0);
  PutU32(out, 0x2C, static_cast<uint32_t>(fat_count));
  PutU32(out, 0x30, dir_first);
  PutU32(out, 0x34, 0);  // Transaction signature: unused.
  PutU32(out, 0x38, kMiniStreamCutoff);
  PutU32(out, 0x3C, minifat_count > 0 ? minifat_first : kEndOfChain);
  PutU32(out, 0x40, static_cast<uint32_t>(minifat_count));
  PutU32(out, 0x44, difat_count > 0 ? difat_first : kEndOfChain);
  PutU32(out, 0x48, static_cast<uint32_t>(difat_count));
  for (uint32_t k = 0; k < kHeaderDifatEntries; ++k) {
    PutU32(out, 0x4C + 4 * k, k < fat_count ? fat_first + k : kFreeSect);
  }

  if (layout != nullptr) {
    CfbLayout l;
    l.sector_size = sector_size;
    l.header_size = header_size;
    auto region = [&](uint32_t first, uint64_t count, uint64_t& offset, uint32_t& n) {
      offset = count > 0 ? sector_offset(first) : 0;
      n = static_cast<uint32_t>(count);
    };
    region(fat_first, fat_count, l.fat_offset, l.fat_sector_count);
    region(difat_first, difat_count, l.difat_offset, l.difat_sector_count);
    region(dir_first, dir_count, l.directory_offset, l.directory_sector_count);
    region(minifat_first, minifat_count, l.minifat_offset, l.minifat_sector_count);
    region(ministream_first, ministream_count, l.mini_stream_offset, l.mini_stream_sector_count);
    l.directory_paths.resize(entry_count);
    for (auto& n : nodes) l.directory_paths[n->id] = n->path;
    l.data_offsets = std::move(data_offsets);
    *layout = std::move(l);
  }
  return out;
}

}  // namespace phiscan::testing
