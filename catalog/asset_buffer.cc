#include "catalog/internal/asset_buffer.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

namespace phiscan::catalog::internal {

namespace {

// Packed format, native to this process and never stored: the path and
// member bytes (their sizes are in the entry), then every other field as a
// LEB128 varint (signed ones zigzagged), strings as a varint size and
// their bytes. Most fields are small numbers: a byte or two each.

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void PutSigned(std::string& out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

// Reads what the Put functions wrote, from `p` on. The arena is ours, so
// there is no bound to check.
class Reader {
 public:
  explicit Reader(const char* p) : p_(p) {}
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<uint8_t>(*p_++);
      v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (byte < 0x80) return v;
    }
  }
  int64_t Signed() {
    const uint64_t z = Varint();
    return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  std::string_view String() {
    const size_t n = Varint();
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }

 private:
  const char* p_;
};

enum Flag : uint64_t {
  kHasMember = 1,
  kGroupWritable = 2,
  kWorldWritable = 4,
  kExposed = 8,
  kHasAclReaders = 16,
  kRemoved = 32,
};

}  // namespace

void AssetBuffer::Add(const AssetRow& row) {
  const std::string_view member = row.member ? std::string_view(*row.member) : "";
  std::string& packed = scratch_;
  packed.assign(row.path);
  packed += member;
  uint64_t flags = 0;
  if (row.member) flags |= kHasMember;
  if (row.group_writable) flags |= kGroupWritable;
  if (row.world_writable) flags |= kWorldWritable;
  if (row.exposed) flags |= kExposed;
  if (row.acl_readers) flags |= kHasAclReaders;
  if (row.removed_run) flags |= kRemoved;
  PutVarint(packed, flags);
  PutSigned(packed, row.id);
  PutSigned(packed, static_cast<int64_t>(row.kind));
  PutSigned(packed, static_cast<int64_t>(row.status));
  PutVarint(packed, row.size);
  PutSigned(packed, row.mtime_ns);
  PutSigned(packed, row.max_score);
  PutVarint(packed, row.mode);
  PutVarint(packed, row.uid);
  PutVarint(packed, row.gid);
  PutSigned(packed, row.acl_readers.value_or(0));
  PutSigned(packed, row.last_scan_run);
  PutSigned(packed, row.last_seen_run);
  PutSigned(packed, row.removed_run.value_or(0));
  PutString(packed, row.reason);
  PutString(packed, row.label);
  PutString(packed, row.label_rule);
  PutString(packed, row.readable_by);
  PutString(packed, row.format);
  PutString(packed, row.detail);
  PutVarint(packed, row.types.size());
  for (const auto& [type, count] : row.types) {
    PutString(packed, type);
    PutVarint(packed, count);
  }
  // Chunks never move or grow, so the entries' pointers stay valid and
  // nothing is copied twice (one doubling string copied the arena and
  // touched twice its pages: a tenth of the listing's time).
  if (chunk_left_ < packed.size()) {
    chunk_left_ = std::max(kChunkBytes, packed.size());
    chunks_.emplace_back(new char[chunk_left_]);  // not zeroed: every byte used is written
    chunk_end_ = chunks_.back().get();
  }
  entries_.push_back({chunk_end_, static_cast<uint32_t>(row.path.size()),
                      static_cast<uint32_t>(member.size()), row.id});
  std::memcpy(chunk_end_, packed.data(), packed.size());
  chunk_end_ += packed.size();
  chunk_left_ -= packed.size();
  bytes_ += packed.size();
}

std::string_view AssetBuffer::Path(const Entry& e) { return {e.data, e.path_size}; }

std::string_view AssetBuffer::Member(const Entry& e) {
  return {e.data + e.path_size, e.member_size};
}

void AssetBuffer::Unpack(const Entry& e, AssetRow& row) const {
  row.path.assign(Path(e));
  Reader in(e.data + e.path_size + e.member_size);
  const uint64_t flags = in.Varint();
  if (flags & kHasMember) {
    row.member.emplace(Member(e));
  } else {
    row.member.reset();
  }
  row.id = in.Signed();
  row.kind = static_cast<AssetKind>(in.Signed());
  row.status = static_cast<AssetStatus>(in.Signed());
  row.size = in.Varint();
  row.mtime_ns = in.Signed();
  row.max_score = std::max(row.max_score, static_cast<int>(in.Signed()));
  row.mode = static_cast<uint32_t>(in.Varint());
  row.uid = static_cast<uint32_t>(in.Varint());
  row.gid = static_cast<uint32_t>(in.Varint());
  const int64_t acl_readers = in.Signed();
  row.acl_readers.reset();
  if (flags & kHasAclReaders) row.acl_readers = acl_readers;
  row.last_scan_run = in.Signed();
  row.last_seen_run = in.Signed();
  const int64_t removed_run = in.Signed();
  row.removed_run.reset();
  if (flags & kRemoved) row.removed_run = removed_run;
  row.group_writable = (flags & kGroupWritable) != 0;
  row.world_writable = (flags & kWorldWritable) != 0;
  row.exposed = (flags & kExposed) != 0;
  row.reason.assign(in.String());
  row.label.assign(in.String());
  row.label_rule.assign(in.String());
  row.readable_by.assign(in.String());
  row.format.assign(in.String());
  row.detail.assign(in.String());
  for (uint64_t n = in.Varint(); n > 0; --n) {
    std::string type(in.String());
    row.types[std::move(type)] = in.Varint();
  }
}

void AssetBuffer::ForEachSorted(const std::function<void(const AssetRow&)>& fn) {
  // Ties (parts of one asset: (path, member) is unique) keep their order.
  std::stable_sort(entries_.begin(), entries_.end(), [&](const Entry& a, const Entry& b) {
    if (int c = Path(a).compare(Path(b)); c != 0) return c < 0;
    return Member(a) < Member(b);
  });
  AssetRow row;
  for (size_t i = 0; i < entries_.size(); ++i) {
    row.types.clear();
    row.max_score = 0;
    Unpack(entries_[i], row);
    while (i + 1 < entries_.size() && entries_[i + 1].id == entries_[i].id)
      Unpack(entries_[++i], row);
    fn(row);
  }
}

}  // namespace phiscan::catalog::internal
