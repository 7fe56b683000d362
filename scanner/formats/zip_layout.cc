#include "scanner/formats/zip_layout.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace phiscan::scanner::formats {
namespace {

// libarchive looks for the end record in the last 64 KiB and 22 bytes (the
// record and the longest comment): so does this.
constexpr uint64_t kEndSearch = 65535 + 22;

// Random-access reads through a window of `chunk` bytes (more when asked
// for more), so walking a directory of many small entries costs a read per
// window, not per entry. A view returned by At() lasts until the next call.
class Window {
 public:
  Window(ByteSource& src, size_t chunk) : src_(src), chunk_(chunk) {}

  // The `n` bytes at `at`, or empty if the file ends first or the read fails.
  std::string_view At(uint64_t at, size_t n) {
    if (at > src_.size() || src_.size() - at < n) return {};
    if (at < base_ || at + n > base_ + len_) {
      buf_.resize(std::max(chunk_, n));
      auto got = src_.ReadAt(at, {buf_.data(), buf_.size()});
      if (!got.ok()) return {};
      base_ = at;
      len_ = got.value();
      if (len_ < n) return {};
    }
    return {buf_.data() + (at - base_), n};
  }

 private:
  ByteSource& src_;
  size_t chunk_;
  std::string buf_;
  uint64_t base_ = 0;
  size_t len_ = 0;
};

uint64_t Le(std::string_view s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

struct EndRecord {
  uint64_t at = 0;   // where the end record starts
  uint64_t end = 0;  // one past its comment
  uint64_t entries = 0;
  uint64_t cd_at = 0;  // the directory's start in the file
  uint64_t cd_size = 0;
  uint64_t shift = 0;              // data in front that the offsets leave out
  std::vector<ByteRange> records;  // the end record and any zip64 records
};

// The end record `r` (22 bytes) found at `at`, or nullopt when it does not
// hold together: another disk, counts that differ, zip64 records that are
// not where the locator says, or a directory that does not fit in front of
// it or does not start with a directory entry's signature where the record
// puts it.
std::optional<EndRecord> EndRecordAt(ByteSource& src, Window& w, uint64_t at,
                                     std::string_view r) {
  const uint64_t size = src.size();
  if (Le(r, 4, 2) != 0 || Le(r, 6, 2) != 0) return std::nullopt;  // one disk only
  EndRecord e;
  e.at = at;
  e.end = std::min<uint64_t>(size, e.at + 22 + Le(r, 20, 2));
  e.entries = Le(r, 10, 2);
  if (Le(r, 8, 2) != e.entries) return std::nullopt;
  e.cd_size = Le(r, 12, 4);
  uint64_t declared = Le(r, 16, 4);
  e.records.push_back({e.at, e.end});
  uint64_t cd_end = e.at;  // where the directory must end
  // zip64: a locator right in front of the end record names the zip64 end
  // record, which holds the real counts and offsets. It is needed when a
  // field here is at its maximum, and some writers put one there anyway
  // (libarchive's zip64 option): the directory then ends at the zip64
  // record, not at this one. libarchive's reader follows a locator
  // whenever one holds together, and so does this.
  auto zip64 = [&] {
    if (e.at < 20) return false;
    const std::string_view loc = w.At(e.at - 20, 20);
    if (loc.empty() || loc.substr(0, 4) != "PK\x06\x07") return false;
    const uint64_t z = Le(loc, 8, 8);
    const std::string_view z64 = w.At(z, 56);
    if (z64.empty() || z64.substr(0, 4) != "PK\x06\x06") return false;
    const uint64_t z_end = z + 12 + Le(z64, 4, 8);
    if (z_end < z + 56 || z_end > e.at - 20) return false;
    if (Le(z64, 16, 4) != 0 || Le(z64, 20, 4) != 0) return false;  // one disk
    e.entries = Le(z64, 32, 8);
    e.cd_size = Le(z64, 40, 8);
    declared = Le(z64, 48, 8);
    e.records.push_back({e.at - 20, e.at});
    e.records.push_back({z, z_end});
    cd_end = z;
    return true;
  };
  const bool needed = e.entries == 0xFFFF || e.cd_size == 0xFFFFFFFF || declared == 0xFFFFFFFF;
  if (!zip64() && needed) return std::nullopt;
  if (e.cd_size > cd_end) return std::nullopt;
  e.cd_at = cd_end - e.cd_size;
  if (declared > e.cd_at) return std::nullopt;
  e.shift = e.cd_at - declared;
  if (e.entries == 0) {
    if (e.cd_size != 0) return std::nullopt;
  } else if (w.At(e.cd_at, 4) != "PK\x01\x02") {
    return std::nullopt;
  }
  return e;
}

// The end record the zip is read through. libarchive's seekable reader,
// like most, takes the last end-record signature in the file's tail; but
// the archive comment (and data appended after the zip) are anyone's to
// write, and a signature there pointing at no directory, or at an empty
// one, made a zip read as holding nothing. Taken instead: the last record
// whose directory starts where it says; only when none does, the last
// record of an empty zip (which names no directory to check).
std::optional<EndRecord> FindEnd(ByteSource& src) {
  const uint64_t size = src.size();
  if (size < 22) return std::nullopt;
  const uint64_t from = size > kEndSearch ? size - kEndSearch : 0;
  std::string tail(static_cast<size_t>(size - from), '\0');
  auto got = src.ReadAt(from, {tail.data(), tail.size()});
  if (!got.ok() || got.value() != tail.size()) return std::nullopt;
  // Each candidate costs a small read or two, whatever the caller's window.
  Window probe(src, 512);
  std::optional<EndRecord> empty;
  for (size_t i = tail.size() - 22 + 1; i-- > 0;) {
    if (std::string_view(tail).substr(i, 4) != "PK\x05\x06") continue;
    std::optional<EndRecord> e =
        EndRecordAt(src, probe, from + i, std::string_view(tail).substr(i, 22));
    if (!e) continue;
    if (e->entries > 0) return e;
    if (!empty) empty = std::move(e);
  }
  return empty;
}

// Whether [begin, end) is an Android APK Signing Block right in front of
// the directory (every signed APK has one): its length (8 bytes), its
// pairs, its length again, then the magic "APK Sig Block 42".
bool SigningBlock(Window& w, uint64_t begin, uint64_t end, uint64_t cd_at) {
  if (end != cd_at || end - begin < 32) return false;
  const std::string_view tail = w.At(end - 24, 24);
  if (tail.empty() || tail.substr(8) != "APK Sig Block 42") return false;
  const uint64_t size = Le(tail, 0, 8);
  const std::string_view head = w.At(begin, 8);
  return !head.empty() && size == end - begin - 8 && Le(head, 0, 8) == size;
}

// Walks the directory of the zip whose end record is `end` in directory
// order and calls visit(extent) with each listed entry's local extent: its
// local header, data (the directory's compressed size; nothing is
// decompressed) and data descriptor. False when the layout cannot be made
// out (a directory entry or local header not where it should be, a read
// error), or when visit returns false.
template <typename Visit>
bool WalkListedEntries(ByteSource& src, const EndRecord& end, Visit visit) {
  // The directory is read in order; local headers are far from it, and
  // from each other when entries are large.
  Window w(src, 64 * 1024), lw(src, 4096);
  const uint64_t size = src.size();
  uint64_t at = end.cd_at;
  for (uint64_t i = 0; i < end.entries; ++i) {
    const std::string_view h = w.At(at, 46);
    if (h.empty() || h.substr(0, 4) != "PK\x01\x02") return false;
    const uint64_t name_len = Le(h, 28, 2), extra_len = Le(h, 30, 2), comment_len = Le(h, 32, 2);
    const uint64_t flags = Le(h, 8, 2);
    uint64_t csize = Le(h, 20, 4), usize = Le(h, 24, 4), local = Le(h, 42, 4);
    // The zip64 extended information field holds, in this order, each of
    // the sizes and the offset that the fixed fields mark as too large.
    const std::string_view extra = w.At(at + 46 + name_len, static_cast<size_t>(extra_len));
    if (extra.size() != extra_len) return false;
    for (size_t x = 0; x + 4 <= extra.size();) {
      const uint64_t id = Le(extra, x, 2), len = Le(extra, x + 2, 2);
      if (x + 4 + len > extra.size()) break;
      if (id == 0x0001) {
        size_t f = x + 4;
        auto take = [&](uint64_t& v) {
          if (v == 0xFFFFFFFF && f + 8 <= x + 4 + len) {
            v = Le(extra, f, 8);
            f += 8;
          }
        };
        take(usize);
        take(csize);
        take(local);
        break;
      }
      x += 4 + len;
    }
    at += 46 + name_len + extra_len + comment_len;
    if (at > end.cd_at + end.cd_size) return false;

    if (local > size - end.shift) return false;
    local += end.shift;
    const std::string_view lh = lw.At(local, 30);
    if (lh.empty() || lh.substr(0, 4) != "PK\x03\x04") return false;
    uint64_t data_end = local + 30 + Le(lh, 26, 2) + Le(lh, 28, 2);
    if (csize > size || data_end > size - csize) return false;
    data_end += csize;
    if ((flags | Le(lh, 6, 2)) & 0x8) {
      // A data descriptor: an optional signature, the CRC, then the sizes,
      // 8 bytes each when the local header has a zip64 field, else 4.
      const std::string_view lx =
          lw.At(local + 30 + Le(lh, 26, 2), static_cast<size_t>(Le(lh, 28, 2)));
      bool zip64 = false;
      for (size_t x = 0; x + 4 <= lx.size(); x += 4 + Le(lx, x + 2, 2)) {
        if (Le(lx, x, 2) == 0x0001) zip64 = true;
      }
      const std::string_view sig = lw.At(data_end, 4);
      const uint64_t len = (sig == "PK\x07\x08" ? 4 : 0) + (zip64 ? 20 : 12);
      data_end = std::min(size, data_end + len);
    }
    if (!visit(ByteRange{local, data_end})) return false;
  }
  return true;
}

}  // namespace

std::optional<ZipEnd> ZipEndRecord(ByteSource& src) {
  if (!src.seekable()) return std::nullopt;
  std::optional<EndRecord> end = FindEnd(src);
  if (!end) return std::nullopt;
  // libarchive reads directory entries up to the end record whatever count
  // the record declares; each takes at least 46 bytes.
  return ZipEnd{end->at, end->end, end->cd_at, std::max(end->entries, end->cd_size / 46)};
}

ZipDirectoryText ReadZipDirectoryText(ByteSource& src, const ZipEnd& end, uint64_t max_entries,
                                      bool keep_names, size_t max_comment_bytes) {
  ZipDirectoryText out;
  Window w(src, 64 * 1024);
  auto comment = [&](uint64_t at, uint64_t len) {
    const uint64_t room = max_comment_bytes - std::min(max_comment_bytes, out.comments.size());
    if (len > room) out.comments_cut = true;
    len = std::min<uint64_t>(len, room);
    const std::string_view c = w.At(at, static_cast<size_t>(len));
    if (c.empty()) return;
    out.comments.append(c);
    out.comments += '\n';
  };
  if (end.end > end.at + 22) comment(end.at + 22, end.end - end.at - 22);
  uint64_t at = end.directory;
  for (uint64_t i = 0; i < std::min(end.entries, max_entries) && at < end.at; ++i) {
    const std::string_view h = w.At(at, 46);
    if (h.empty() || h.substr(0, 4) != "PK\x01\x02") break;
    const uint64_t name_len = Le(h, 28, 2), extra_len = Le(h, 30, 2), comment_len = Le(h, 32, 2);
    if (keep_names) {
      const std::string_view name = w.At(at + 46, static_cast<size_t>(name_len));
      if (name.size() != name_len) break;
      out.names.emplace(name);
    }
    const uint64_t size = Le(h, 24, 4);  // uncompressed; all ones when in its zip64 extra
    if (comment_len > 0) comment(at + 46 + name_len + extra_len, comment_len);
    if (name_len > 0 && size > 0 && w.At(at + 46 + name_len - 1, 1) == "/") {
      ++out.folders_with_data;
    }
    at += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

std::optional<std::vector<ByteRange>> UnlistedZipRanges(ByteSource& src, bool front_counts,
                                                        uint64_t max_entries) {
  if (!src.seekable()) return std::nullopt;
  std::optional<EndRecord> end = FindEnd(src);
  if (!end || end->entries > max_entries) return std::nullopt;
  const uint64_t size = src.size();
  std::vector<ByteRange> covered = end->records;
  covered.push_back({end->cd_at, end->cd_at + end->cd_size});
  uint64_t first_local = UINT64_MAX;
  const bool walked = WalkListedEntries(src, *end, [&](ByteRange extent) {
    covered.push_back(extent);
    first_local = std::min(first_local, extent.begin);
    return true;
  });
  if (!walked) return std::nullopt;

  std::sort(covered.begin(), covered.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.begin < b.begin; });
  Window lw(src, 4096);
  std::vector<ByteRange> unlisted;
  uint64_t pos = front_counts ? 0 : std::min(first_local, end->cd_at);
  for (const ByteRange& c : covered) {
    if (c.begin > pos && !SigningBlock(lw, pos, c.begin, end->cd_at)) {
      unlisted.push_back({pos, c.begin});
    }
    pos = std::max(pos, c.end);
  }
  if (pos < size) unlisted.push_back({pos, size});
  return unlisted;
}

struct StreamSkips::Reading {
  Reading(ByteSource& src, uint64_t directory, bool front_counts)
      : w(src, 4096), directory(directory), front_counts(front_counts) {}
  Window w;
  const uint64_t directory;
  const bool front_counts;
  bool first = true;
  // The entry read last: where its data starts, and whether a data
  // descriptor may follow it (with 8-byte sizes when zip64).
  uint64_t data = 0;
  bool descriptor = false;
  bool zip64 = false;

  // Where the first local header signature at or after `from` and before
  // `to` starts (the one a stream reader takes), else `to`.
  uint64_t NextLocalHeader(uint64_t from, uint64_t to) {
    constexpr size_t kStep = 64 * 1024;
    for (uint64_t at = from; at + 4 <= to; at += kStep - 3) {
      const std::string_view v = w.At(at, static_cast<size_t>(std::min<uint64_t>(kStep, to - at)));
      const size_t hit = v.find("PK\x03\x04");
      if (hit != std::string_view::npos) return at + hit;
      if (v.size() < 4) break;
    }
    return to;
  }

  // How many bytes at `at`, before `to`, are the data descriptor of the
  // entry read last: an optional signature, the CRC, then the sizes, its
  // compressed size that of the data in front of it. 0 when none is.
  uint64_t DescriptorAt(uint64_t at, uint64_t to) {
    if (!descriptor || at < data) return 0;
    const uint64_t fields = at + (w.At(at, 4) == "PK\x07\x08" ? 4 : 0);
    const int size = zip64 ? 8 : 4;
    const std::string_view d = w.At(fields, static_cast<size_t>(4 + 2 * size));
    if (d.empty() || fields + d.size() > to) return 0;
    const uint64_t csize = at - data;
    if (Le(d, 4, size) != (zip64 ? csize : csize & 0xFFFFFFFF)) return 0;
    return fields + d.size() - at;
  }
};

StreamSkips::StreamSkips(ByteSource& src, uint64_t directory, bool front_counts)
    : reading_(std::make_unique<Reading>(src, directory, front_counts)) {}

StreamSkips::~StreamSkips() = default;

void StreamSkips::Passed(uint64_t from, uint64_t to) {
  from += reading_->DescriptorAt(from, to);
  if (to <= from) return;
  if (gaps_.bytes == 0) gaps_.first = from;
  gaps_.bytes += to - from;
}

void StreamSkips::Entry(uint64_t from, uint64_t data) {
  Reading& r = *reading_;
  const uint64_t at = r.NextLocalHeader(from, data);
  if (!r.first || r.front_counts) Passed(from, at);
  r.first = false;
  r.data = data;
  r.descriptor = r.zip64 = false;
  const std::string_view lh = at < data ? r.w.At(at, 30) : std::string_view();
  if (lh.empty()) return;
  r.descriptor = (Le(lh, 6, 2) & 0x8) != 0;
  // libarchive reads 8-byte sizes in the descriptor of an entry whose local
  // header has a zip64 field.
  const std::string_view extra =
      r.w.At(at + 30 + Le(lh, 26, 2), static_cast<size_t>(Le(lh, 28, 2)));
  for (size_t x = 0; x + 4 <= extra.size(); x += 4 + Le(extra, x + 2, 2)) {
    if (Le(extra, x, 2) == 0x0001) r.zip64 = true;
  }
}

void StreamSkips::End(uint64_t from) {
  Reading& r = *reading_;
  if (r.first && !r.front_counts) return;
  const uint64_t start = from + r.DescriptorAt(from, r.directory);
  if (start < r.directory && SigningBlock(r.w, start, r.directory, r.directory)) return;
  Passed(from, r.directory);
}

}  // namespace phiscan::scanner::formats
