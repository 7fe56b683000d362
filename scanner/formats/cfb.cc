#include "scanner/formats/cfb.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "scanner/decode.h"
#include "scanner/formats/little_endian.h"

namespace phiscan::scanner::formats {
namespace {

constexpr std::string_view kSignature("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
constexpr uint32_t kMaxRegSect = 0xFFFFFFFA;  // above: special values
constexpr uint32_t kEndOfChain = 0xFFFFFFFE;
constexpr size_t kHeaderSize = 512;
constexpr size_t kEntrySize = 128;
constexpr size_t kHeaderDifat = 109;

char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// A stream's name as an error message may show it: control characters
// (a name is the file's to choose) become '?'.
std::string Printable(std::string name) {
  for (char& c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  return name;
}

bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Upper(a[i]) != Upper(b[i])) return false;
  }
  return true;
}

}  // namespace

bool IsCompoundFile(std::string_view head) { return head.starts_with(kSignature); }

std::string_view CompoundFile::Sector(uint32_t s) const {
  const uint64_t at = (static_cast<uint64_t>(s) + 1) * sector_size_;
  if (at >= bytes_.size()) return {};
  return bytes_.substr(at, sector_size_);
}

std::vector<uint32_t> CompoundFile::Chain(const std::vector<uint32_t>& table, uint32_t start,
                                          size_t limit, bool& complete) const {
  std::vector<uint32_t> chain;
  complete = true;
  // At most `limit` steps, and never more than the table has entries: a
  // loop cannot run on. Memory and time are those of the chain itself (a
  // stream's chain is as long as its size needs), not of the table, so
  // thousands of empty streams in a large file cost nothing.
  limit = std::min(limit, table.size());
  uint32_t s = start;
  while (s != kEndOfChain && chain.size() < limit) {
    if (s > kMaxRegSect || s >= table.size()) {
      complete = false;  // a bad link
      break;
    }
    chain.push_back(s);
    s = table[s];
  }
  // A sector met twice is a loop: the chain is cut before the repeat.
  if (chain.size() > 1) {
    std::vector<uint32_t> sorted = chain;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      complete = false;
      std::set<uint32_t> seen;
      for (size_t i = 0; i < chain.size(); ++i) {
        if (!seen.insert(chain[i]).second) {
          chain.resize(i);
          break;
        }
      }
    }
  }
  return chain;
}

void CompoundFile::Reach(uint32_t s) {
  const uint64_t end = (static_cast<uint64_t>(s) + 2) * sector_size_;
  reached_ = std::max(reached_, std::min<uint64_t>(end, bytes_.size()));
}

Result<CompoundFile> CompoundFile::Open(std::string_view bytes) {
  if (bytes.size() < kHeaderSize || !IsCompoundFile(bytes)) {
    return Status::Corrupt("not a compound file");
  }
  CompoundFile cf;
  cf.bytes_ = bytes;
  const uint16_t sector_shift = Le16(bytes, 0x1E);
  const uint16_t mini_shift = Le16(bytes, 0x20);
  if ((sector_shift != 9 && sector_shift != 12) || mini_shift != 6) {
    return Status::Corrupt("compound file: unsupported sector size");
  }
  cf.sector_size_ = 1u << sector_shift;
  cf.mini_sector_size_ = 1u << mini_shift;
  // The header fills the first sector (a version 4 one pads it with zeros).
  cf.reached_ = std::min<uint64_t>(cf.sector_size_, bytes.size());
  const uint64_t sectors =
      bytes.size() > cf.sector_size_ ? (bytes.size() - 1) / cf.sector_size_ : 0;
  const uint32_t entries_per_sector = cf.sector_size_ / 4;

  // The FAT's sectors: the header's first 109, then the DIFAT chain, each of
  // whose sectors lists entries_per_sector - 1 more and links the next.
  const uint64_t fat_sectors = std::min<uint64_t>(Le32(bytes, 0x2C), sectors);
  std::vector<uint32_t> fat_list;
  auto take = [&](uint32_t s) {
    if (fat_list.size() < fat_sectors && s <= kMaxRegSect && s < sectors) fat_list.push_back(s);
  };
  for (size_t i = 0; i < kHeaderDifat; ++i) take(Le32(bytes, 0x4C + 4 * i));
  uint32_t difat = Le32(bytes, 0x44);
  for (uint64_t hops = 0; fat_list.size() < fat_sectors && difat <= kMaxRegSect && hops < sectors;
       ++hops) {
    std::string_view sec = cf.Sector(difat);
    if (sec.size() < cf.sector_size_) break;
    cf.Reach(difat);
    for (uint32_t i = 0; i + 1 < entries_per_sector; ++i) take(Le32(sec, 4 * i));
    difat = Le32(sec, 4 * (entries_per_sector - 1));
  }
  if (fat_list.empty()) return Status::Corrupt("compound file: no allocation table");
  cf.fat_.reserve(fat_list.size() * entries_per_sector);
  for (uint32_t s : fat_list) {
    cf.Reach(s);
    std::string_view sec = cf.Sector(s);
    for (size_t at = 0; at + 4 <= sec.size(); at += 4) cf.fat_.push_back(Le32(sec, at));
  }
  // Entries for sectors past the end of the file describe nothing.
  if (cf.fat_.size() > sectors) cf.fat_.resize(sectors);

  Status dir = cf.ReadDirectory(Le32(bytes, 0x30));
  if (!dir.ok()) return dir;

  // The mini stream is the root entry's data; its table is a chain of its own.
  bool complete = true;
  const Entry& root = cf.entries_[kRoot];
  const uint64_t mini_bytes = std::min<uint64_t>(root.size, bytes.size());
  cf.mini_stream_sectors_ =
      cf.Chain(cf.fat_, root.start, (mini_bytes + cf.sector_size_ - 1) / cf.sector_size_, complete);
  for (uint32_t s : cf.mini_stream_sectors_) cf.Reach(s);
  const uint32_t mini_fat_sectors = Le32(bytes, 0x40);
  if (mini_fat_sectors > 0) {
    for (uint32_t s : cf.Chain(cf.fat_, Le32(bytes, 0x3C), mini_fat_sectors, complete)) {
      cf.Reach(s);
      std::string_view sec = cf.Sector(s);
      for (size_t at = 0; at + 4 <= sec.size(); at += 4) cf.mini_fat_.push_back(Le32(sec, at));
    }
  }
  // The regular sectors of the streams in the tree (the others are in the
  // mini stream, reached above).
  std::vector<uint32_t> storages{kRoot};
  while (!storages.empty()) {
    const Entry& storage = cf.entries_[storages.back()];
    storages.pop_back();
    for (uint32_t c : storage.children) {
      const Entry& e = cf.entries_[c];
      if (e.storage) {
        storages.push_back(c);
      } else if (e.size >= cf.mini_cutoff_) {
        const uint64_t needed = e.size / cf.sector_size_ + (e.size % cf.sector_size_ != 0);
        const size_t limit = static_cast<size_t>(std::min<uint64_t>(needed, SIZE_MAX));
        for (uint32_t s : cf.Chain(cf.fat_, e.start, limit, complete)) cf.Reach(s);
      }
    }
  }
  return cf;
}

Status CompoundFile::ReadDirectory(uint32_t first_sector) {
  bool complete = true;
  const uint64_t sectors = bytes_.size() / sector_size_;
  std::vector<uint32_t> chain = Chain(fat_, first_sector, sectors, complete);
  for (uint32_t s : chain) Reach(s);
  bool root_found = false;
  const size_t per_sector = sector_size_ / kEntrySize;
  for (uint32_t s : chain) {
    std::string_view sec = Sector(s);
    for (size_t i = 0; i < per_sector && (i + 1) * kEntrySize <= sec.size(); ++i) {
      std::string_view e = sec.substr(i * kEntrySize, kEntrySize);
      Entry entry;
      const uint8_t type = static_cast<uint8_t>(e[66]);
      if (entries_.empty()) root_found = type == 5;
      // Unused slots stay in place: links are entry numbers.
      if (type == 1 || type == 2 || type == 5) {
        const size_t units = std::min<size_t>(Le16(e, 64) / 2, 32);
        std::string utf16;
        for (size_t u = 0; u < units; ++u) {
          uint16_t c = Le16(e, 2 * u);
          if (c == 0) break;
          AppendUtf8(c >= 0xD800 && c <= 0xDFFF ? 0xFFFD : c, entry.name);
        }
        entry.storage = type != 2;
        entry.start = Le32(e, 116);
        // [MS-CFB] 2.6.3: with 512-byte sectors (version 3) older writers
        // left the size's high 32 bits uninitialised and readers must accept
        // that, so they are ignored; a version 4 size is a full 64-bit one,
        // and a size larger than the sectors hold reads as kCorrupt.
        entry.size = sector_size_ == 512 ? Le32(e, 120)
                                         : Le32(e, 120) | static_cast<uint64_t>(Le32(e, 124)) << 32;
      }
      entries_.push_back(std::move(entry));
      allocated_.push_back(type == 1 || type == 2 || type == 5);
      if (allocated_.back()) {
        raw_links_.insert(raw_links_.end(), {Le32(e, 68), Le32(e, 72), Le32(e, 76)});
      } else {
        raw_links_.insert(raw_links_.end(), {kNone, kNone, kNone});
      }
    }
  }
  if (entries_.empty() || !root_found) {
    return Status::Corrupt("compound file: no root directory entry");
  }
  if (!complete) damaged_ = true;
  BuildTree();
  return Status::Ok();
}

void CompoundFile::BuildTree() {
  // Each storage's child link is the root of a binary tree of its children
  // (left and right siblings); an in-order walk lists them in name order.
  std::vector<bool> seen(entries_.size(), false);
  seen[kRoot] = true;
  std::vector<uint32_t> storages{kRoot};
  while (!storages.empty()) {
    const uint32_t parent = storages.back();
    storages.pop_back();
    std::vector<uint32_t> stack;
    uint32_t node = raw_links_[3 * parent + 2];
    auto valid = [&](uint32_t id) {
      if (id == kNone) return false;
      if (id >= entries_.size() || seen[id] || !allocated_[id]) {
        damaged_ = true;
        return false;
      }
      seen[id] = true;
      return true;
    };
    if (!valid(node)) node = kNone;
    while (node != kNone || !stack.empty()) {
      while (node != kNone) {
        stack.push_back(node);
        const uint32_t left = raw_links_[3 * node];
        node = valid(left) ? left : kNone;
      }
      node = stack.back();
      stack.pop_back();
      entries_[parent].children.push_back(node);
      if (entries_[node].storage) storages.push_back(node);
      const uint32_t right = raw_links_[3 * node + 1];
      node = valid(right) ? right : kNone;
    }
  }
}

uint32_t CompoundFile::Find(uint32_t parent, std::string_view name) const {
  if (parent >= entries_.size()) return kNone;
  for (uint32_t c : entries_[parent].children) {
    if (SameName(entries_[c].name, name)) return c;
  }
  return kNone;
}

Status CompoundFile::Read(uint32_t id, std::string& out, uint64_t cap) const {
  std::string scratch;
  std::string_view data;
  const Status s = View(id, cap, scratch, data);
  out.append(data);
  return s;
}

Status CompoundFile::View(uint32_t id, uint64_t cap, std::string& scratch,
                          std::string_view& data) const {
  data = {};
  scratch.clear();
  if (id >= entries_.size() || entries_[id].storage) {
    return Status::InvalidArgument("not a stream");
  }
  const Entry& e = entries_[id];
  const uint64_t want = std::min(e.size, cap);
  const bool mini = e.size < mini_cutoff_;
  const uint32_t unit = mini ? mini_sector_size_ : sector_size_;
  bool complete = true;
  std::vector<uint32_t> chain =
      Chain(mini ? mini_fat_ : fat_, e.start, (want + unit - 1) / unit, complete);
  uint64_t got = 0;
  bool in_order = !mini;
  for (size_t i = 1; in_order && i < chain.size(); ++i) in_order = chain[i] == chain[i - 1] + 1;
  if (in_order && !chain.empty()) {
    const uint64_t at = (static_cast<uint64_t>(chain[0]) + 1) * sector_size_;
    if (at < bytes_.size()) data = bytes_.substr(at, std::min<uint64_t>(want, chain.size() * unit));
    got = data.size();
  } else {
    for (uint32_t s : chain) {
      std::string_view sector;
      if (mini) {
        // Mini sector s sits at byte s * 64 of the mini stream.
        const uint64_t at = static_cast<uint64_t>(s) * unit;
        const uint64_t index = at / sector_size_;
        if (index >= mini_stream_sectors_.size()) break;
        sector = Sector(mini_stream_sectors_[index]);
        const size_t within = at % sector_size_;
        sector = within < sector.size() ? sector.substr(within, unit) : std::string_view();
      } else {
        sector = Sector(s);
      }
      const size_t n = static_cast<size_t>(std::min<uint64_t>(sector.size(), want - got));
      scratch.append(sector.data(), n);
      got += n;
      if (sector.size() < unit) break;
    }
    data = scratch;
  }
  if (got < want) {
    return Status::Corrupt("compound file: stream " + Printable(e.name) + " ends after " +
                           std::to_string(got) + " of " + std::to_string(e.size) + " bytes");
  }
  if (e.size > cap) {
    return Status::LimitExceeded("compound file: stream " + Printable(e.name) + " is larger than " +
                                 std::to_string(cap) + " bytes");
  }
  return Status::Ok();
}

}  // namespace phiscan::scanner::formats
