// Internal: the Extractor's implementation, shared by the format modules
// (extract.cc, formats/*.cc). Not part of the scanner's public interface.
#ifndef PHISCAN_SCANNER_FORMATS_EXTRACT_IMPL_H_
#define PHISCAN_SCANNER_FORMATS_EXTRACT_IMPL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "classifiers/matcher.h"
#include "common/model.h"
#include "scanner/budget.h"
#include "scanner/extract.h"
#include "scanner/formats/byte_source.h"
#include "scanner/formats/text_sink.h"

namespace phiscan::scanner {

namespace formats {
class ArchiveReader;
class CompoundFile;
class StreamSkips;
}  // namespace formats

using Records = std::vector<AssetRecord>;

// A file name a container records for a file it carries (an attachment's,
// a packaged file's) as a member name: its last path part, control
// characters made '_', at most 255 bytes (not cut inside a UTF-8
// sequence); empty for none, "." and "..", where the caller names it.
std::string CarriedFileName(std::string name);

// Member names unique within one container (archive entries, Office
// embeddings, SQLite tables). A name seen before (a zip with
// two entries "a.txt", a file appended twice with `tar -r`) gets "part-K-"
// in front of its last component, K being the member's position among the
// container's members (from 1), as a repeated mail attachment name does:
// each copy is a record of its own rather than the later one replacing the
// earlier in the catalog, and a rescan gives the same names.
//
// A '!' in a name becomes '_' first, as in mail attachment names: '!'
// separates the nesting levels of a member path, so "x!y.txt" as one name
// would read as member y.txt of a container x.
//
// Thread safety: one per container, on the thread reading it.
class MemberNames {
 public:
  std::string Take(std::string_view name) {
    ++count_;
    // A member without a name (one its container could not decode) must
    // not read as the container itself, whose member path is empty.
    std::string unique = name.empty() ? "part-" + std::to_string(count_) : std::string(name);
    // A zip allows 64 KiB names, and each member's record holds its name
    // until its file ends (9,001 such names took 1.2 GB): a long one keeps
    // its start and its end (the extension, which decides how it is read).
    if (unique.size() > kMaxName) {
      unique = unique.substr(0, kMaxName / 2) + "..." + unique.substr(unique.size() - kMaxName / 4);
    }
    std::replace(unique.begin(), unique.end(), '!', '_');
    while (!used_.insert(unique).second) {
      size_t cut = unique.find_last_of('/');
      cut = cut == std::string::npos ? 0 : cut + 1;
      unique.insert(cut, "part-" + std::to_string(count_) + "-");
    }
    return unique;
  }

  // A name in place of the one the member last taken was given: "part-K",
  // K its position. For a member whose data its container found damaged:
  // its header, and so its name, may be the damage, and a name is stored
  // and printed where a member's data never is.
  std::string Withheld() {
    std::string unique = "part-" + std::to_string(count_);
    while (!used_.insert(unique).second) unique += "-damaged";
    return unique;
  }

 private:
  static constexpr size_t kMaxName = 1024;
  std::set<std::string> used_;
  size_t count_ = 0;
};

class Extractor::Impl {
 public:
  Impl(std::shared_ptr<const classifiers::RuleSet> rules, const classifiers::TokenKey* key,
       const ScanLimits& limits);

  void Run(formats::ByteSource& src, std::string_view name, AssetRecord top, Records& out,
           const std::atomic<bool>* cancel);

  // Processes `src` as the content of out[idx], which sits at nesting
  // `depth` (the top-level file is 0). `name` is its file or member name.
  void Process(formats::ByteSource& src, std::string_view name, size_t idx, int depth,
               Records& out);

  // Renames out[m], the member `member` of out[parent], and the records
  // below it (out[m] to the end) to names.Withheld(), for a member whose
  // container found its data damaged (ArchiveReader::entry_damaged) and
  // whose name nothing else confirms; says so in its detail. `member`
  // becomes the new name.
  static void WithholdName(size_t m, size_t parent, std::string& member, MemberNames& names,
                           Records& out);

  // The comments a container carries beside its members (a zip's archive
  // and entry comments, a gzip's FCOMMENT), `text`, classified as a member
  // of out[idx] named "(comments)": what its reader shows only on request.
  // `cut`: comment text past what was kept was not read (the member is
  // partial(limit_size)).
  void CommentMember(const std::string& text, bool cut, size_t idx, int depth, MemberNames& names,
                     Records& out);

  // Adds a member record below out[parent], with its parent's owner, group,
  // mode and reach (what decides who may read it); returns its index.
  size_t AddMember(std::string_view name, size_t parent, int64_t size, int64_t mtime_ns,
                   Records& out);

  // Format handlers. Each fills out[idx] and may add members.
  // `compressed`: a gzip/bzip2/xz/zstd stream, holding a tar or any file.
  void Archive(formats::PeekSource& in, std::string_view name, size_t idx, int depth,
               bool compressed, Records& out);
  // The members of the zip, tar or 7z in `in`, added below out[idx];
  // `charge`: their bytes count against the budget (false when the stream
  // they come from was charged already).
  void Members(formats::PeekSource& in, size_t idx, int depth, bool charge, Records& out);
  // An archive's entries, each a member of out[idx] named through `names`
  // (`any` set once a regular one was met); true at the archive's end,
  // false when an error, the budget or an encrypted header stopped it (the
  // record says which). `skips`, if given, is told where each header was
  // looked for and read (a zip read as a stream).
  // A container's label is the most sensitive of its own and its members'
  // (label_rule "members" when a member's wins): `bundle.zip` holding PHI
  // is no NONE asset. Over the records from out[first], the top-level one.
  void RollUpLabels(size_t first, Records& out) const;
  size_t LabelRank(const std::string& label) const;
  // Where Entries stopped in a zip that can be opened again and read on
  // from the entry after a member whose data is damaged (`resume`, given).
  struct EntriesResume {
    uint64_t headers = 0;  // entry headers read, across openings
    std::string damaged;   // the member whose damaged data stopped the reading, if one did
    // The names the zip's central directory lists: a member whose data is
    // damaged keeps its name only if it is one of them (WithholdName).
    std::set<std::string> listed;
  };
  void Gzip(formats::PeekSource& in, std::string_view name, size_t idx, int depth, Records& out);
  // A compressed file's decompressed content, `head` at its start: the
  // archive it holds (a tar.gz's members), else one member `member` of
  // out[idx]. The member's index, or kNoMember.
  static constexpr size_t kNoMember = SIZE_MAX;
  size_t StreamContent(formats::PeekSource& head, const std::string& member, int64_t size,
                       int64_t mtime_ns, size_t idx, int depth, Records& out);
  bool Entries(formats::ArchiveReader& reader, size_t idx, int depth, bool charge,
               MemberNames& names, bool& any, Records& out, formats::StreamSkips* skips = nullptr,
               EntriesResume* resume = nullptr);
  // Reads and passes over the next n entry headers; false if there are not
  // that many, or the time is up.
  bool SkipEntries(formats::ArchiveReader& reader, uint64_t n);
  // After a zip on disk was read through its central directory: reads the
  // local entries the directory does not list as members too, and marks
  // out[idx] partial(corrupt) for other bytes it does not account for
  // (formats/zip_layout.h).
  void UnlistedZipBytes(formats::ByteSource& src, bool front_counts, size_t idx, int depth,
                        bool charge, MemberNames& names, Records& out);
  void OfficeZip(formats::PeekSource& in, size_t idx, int depth, bool odf, Records& out);
  void Text(formats::PeekSource& in, std::string_view name, size_t idx, int depth, Records& out);
  void Rtf(formats::PeekSource& in, size_t idx, int depth, Records& out);
  // The `n`th object embedded in an RTF document (its \objdata, decoded;
  // `cut` when it ran past --max-buffered-member and the rest was dropped):
  // a member of out[idx], the compound file (object-N) or packaged file
  // (its name) it carries (formats/rtf.cc).
  void RtfObject(std::string_view bytes, bool cut, int n, MemberNames& names, size_t idx,
                 int depth, Records& out);
  void Mail(formats::PeekSource& in, size_t idx, int depth, Records& out);
  void Pdf(formats::PeekSource& in, size_t idx, int depth, Records& out);
  void Dicom(formats::PeekSource& in, size_t idx, int depth, Records& out);
  void Sqlite(formats::PeekSource& in, size_t idx, int depth, Records& out);
  // NAME-wal or NAME-shm (`wal`): complete when NAME is an SQLite database
  // in WAL mode, which Sqlite reads with its log (and which incremental
  // scans read again whenever the log is there); otherwise read as any
  // file with that content is.
  void SqliteCompanion(formats::PeekSource& in, std::string_view name, size_t idx, int depth,
                       bool wal, Records& out);
  // Compound files (formats/ole_extract.cc): legacy Office, Outlook .msg.
  void Ole(formats::PeekSource& in, size_t idx, int depth, Records& out);
  // Reads storage `storage` of `cf` as the content of out[idx].
  void OleStorage(const formats::CompoundFile& cf, uint32_t storage, size_t idx, int depth,
                  Records& out);
  void OleMessageText(const formats::CompoundFile& cf, uint32_t storage, formats::TextSink& sink,
                      AssetRecord& rec);
  void OleAttachment(const formats::CompoundFile& cf, uint32_t storage, size_t idx, int depth,
                     MemberNames& names, Records& out);
  // A member of out[idx] named `name` whose bytes `decode(max_bytes, bytes)`
  // writes (up to --max-buffered-member), charged to the budget and read
  // as a file: a message body stored only as compressed RTF (body.rtf), a
  // presentation's compressed storage. A decoding fault marks the member.
  void DecodedMember(std::string_view name, size_t idx, int depth, MemberNames& names,
                     Records& out, const std::function<Status(size_t, std::string&)>& decode);
  // TNEF, an Outlook message's winmail.dat (formats/ole_extract.cc).
  void Tnef(formats::PeekSource& in, size_t idx, int depth, Records& out);
  void OleObject(const formats::CompoundFile& cf, uint32_t storage, std::string_view name,
                 size_t idx, int depth, MemberNames& names, Records& out);
  // Processes `data` as the content of member out[m] of a container at `depth`.
  void OleMember(std::string_view data, std::string_view name, size_t m, int depth,
                 Records& out);
  // Stream `id` in `data` (a view into the buffered file, or into `scratch`:
  // CompoundFile::View), charged to the budget. False (`data` empty, `rec`
  // partial) when the budget is spent; a stream read only in part marks
  // `rec` and returns true with what was read.
  bool ReadOleStream(const formats::CompoundFile& cf, uint32_t id, std::string& scratch,
                     std::string_view& data, AssetRecord& rec);

  // Streams `src` in chunks of BufferAt(depth) to `fn(bytes)` until the end,
  // a read error (marked on `rec`), the per-asset size limit
  // (partial(limit_size)) or `fn` returning false. Returns bytes read.
  // With `hole` (uint64_t(uint64_t n)), a hole of the source is offered to it
  // instead of being read; it returns n if it took the hole, 0 to have the
  // bytes read as usual. Skipped hole bytes count as read.
  template <typename Fn, typename HoleFn = std::nullptr_t>
  uint64_t Pump(formats::ByteSource& src, int depth, AssetRecord& rec, bool apply_size_limit,
                Fn&& fn, HoleFn&& hole = nullptr);

  // Reads all of `src` into `buf`, up to max_buffered_member. False (with
  // out[idx] marked) if it is larger or unreadable.
  bool BufferAll(formats::ByteSource& src, std::string& buf, AssetRecord& rec);

  // False, with `rec` partial(limit_depth), when a member at `depth` would
  // nest deeper than ScanLimits::max_depth.
  bool NestingAllowed(int depth, AssetRecord& rec);

  // Marks `rec` for a failed read or open. `any_content`: something was
  // classified before it failed.
  void MarkFailure(AssetRecord& rec, const Status& status, bool any_content);
  // Marks `rec` partial with `reason` unless it already has a worse status.
  static void MarkPartial(AssetRecord& rec, const std::string& reason, std::string detail = {});

  classifiers::Matcher& MatcherAt(int depth);
  std::span<char> BufferAt(int depth);

  const ScanLimits& limits() const { return limits_; }
  Budget& budget() { return *budget_; }

 private:
  std::shared_ptr<const classifiers::RuleSet> rules_;
  const classifiers::TokenKey* key_;
  ScanLimits limits_;
  std::vector<std::unique_ptr<classifiers::Matcher>> matchers_;  // per depth, lazily
  std::vector<std::vector<char>> buffers_;                       // per depth, lazily
  std::optional<Budget> budget_;
};

// partial(limit_size)'s detail when a file's content stops at
// ScanLimits::max_file_size.
inline std::string SizeLimitDetail(uint64_t cap) {
  return "content after the first " + std::to_string(cap) + " bytes not read (file size limit)";
}

template <typename Fn, typename HoleFn>
uint64_t Extractor::Impl::Pump(formats::ByteSource& src, int depth, AssetRecord& rec,
                               bool apply_size_limit, Fn&& fn, HoleFn&& hole) {
  std::span<char> buf = BufferAt(depth);
  uint64_t total = 0;
  const uint64_t cap = apply_size_limit ? limits_.max_file_size : 0;
  for (;;) {
    std::span<char> want = buf;
    if (cap > 0) {
      uint64_t room = cap - total;
      if (room == 0) {
        char probe;
        auto more = src.Read({&probe, 1});
        if (more.ok() && more.value() > 0) MarkPartial(rec, "limit_size", SizeLimitDetail(cap));
        break;
      }
      if (room < want.size()) want = want.first(room);
    }
    if constexpr (!std::is_null_pointer_v<std::decay_t<HoleFn>>) {
      uint64_t gap = src.HoleAhead();
      if (cap > 0) gap = std::min(gap, cap - total);
      if (gap > 0 && hole(gap) == gap) {
        src.SkipHole(gap);
        total += gap;
        continue;
      }
    }
    auto n = src.Read(want);
    if (!n.ok()) {
      MarkFailure(rec, n.status(), total > 0);
      break;
    }
    if (n.value() == 0) break;
    total += n.value();
    if (!fn(std::string_view(want.data(), n.value()))) break;
  }
  return total;
}

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_FORMATS_EXTRACT_IMPL_H_
