#include "scanner/extract.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

#include "classifiers/aggregate.h"
#include "scanner/formats/archive.h"
#include "scanner/formats/extract_impl.h"
#include "scanner/formats/seven_zip.h"
#include "scanner/formats/sniff.h"
#include "scanner/formats/structured.h"
#include "scanner/formats/xlsb.h"
#include "scanner/formats/xlsx.h"
#include "scanner/formats/gzip.h"
#include "scanner/formats/zip_layout.h"

namespace phiscan::scanner {

using formats::ByteSource;
using formats::PeekSource;

namespace {

// Bytes peeked to decide what an asset is. Covers the tar magic (offset 257),
// the DICOM preamble (128 + 4), and the first zip member's name, and gives
// the encoding heuristic enough text; never less than ScanLimits::sniff_bytes.
constexpr size_t kMinPeek = 4096;

// A member's bytes as libarchive decompresses them, charged to the budget
// unless `charge` is false: the members of a decompressed tar were charged
// already, as the bytes of the stream they were read from.
// Bytes charged to the budget as they are read (and refused once it is
// spent or the time is up): what ReadInner gives.
class ChargedSource : public ByteSource {
 public:
  ChargedSource(Budget& budget, bool charge) : budget_(budget), charge_(charge) {}
  Result<size_t> Read(std::span<char> buf) final {
    if (!budget_.CheckTime() || budget_.exhausted()) {
      return Status::LimitExceeded(std::string("budget: ") + budget_.reason());
    }
    auto n = ReadInner(buf);
    if (!n.ok()) return n;
    bytes_ += n.value();
    if (charge_ && !budget_.ChargeBytes(n.value())) {
      return Status::LimitExceeded(std::string("budget: ") + budget_.reason());
    }
    return n;
  }
  uint64_t bytes() const { return bytes_; }

 protected:
  virtual Result<size_t> ReadInner(std::span<char> buf) = 0;

 private:
  Budget& budget_;
  bool charge_;
  uint64_t bytes_ = 0;
};

// The current entry's data of an archive.
class MemberSource final : public ChargedSource {
 public:
  MemberSource(formats::ArchiveReader& reader, Budget& budget, bool charge = true)
      : ChargedSource(budget, charge), reader_(reader) {}

 private:
  Result<size_t> ReadInner(std::span<char> buf) override { return reader_.ReadData(buf); }
  formats::ArchiveReader& reader_;
};

// The decompressed bytes of a gzip file.
class GzipData final : public ChargedSource {
 public:
  GzipData(formats::GzipSource& gz, Budget& budget) : ChargedSource(budget, true), gz_(gz) {}

 private:
  Result<size_t> ReadInner(std::span<char> buf) override { return gz_.Read(buf); }
  formats::GzipSource& gz_;
};

// "notes.txt.gz" → "notes.txt": the name of the single stream inside a
// compressed file. Where the container's name says nothing (stdin, a name
// without a compression extension), the name gzip stored (`stored`, as
// libarchive's raw format gives it; "data" when there is none), without
// its directories; else "data".
std::string RawMemberName(std::string_view container, std::string_view stored) {
  size_t cut = container.find_last_of("/!");
  std::string base(cut == std::string_view::npos ? container : container.substr(cut + 1));
  char buf[16];
  std::string_view ext = formats::Extension(base, buf, sizeof buf);
  if (ext == "gz" || ext == "bz2" || ext == "xz" || ext == "zst" || ext == "lzma" ||
      ext == "z" || ext == "gzip") {
    base.resize(base.size() - ext.size() - 1);
    if (!base.empty()) return base;
  } else if (ext == "tgz") {
    base.resize(base.size() - 3);
    return base + "tar";
  }
  if (const size_t dir = stored.find_last_of("/\\"); dir != std::string_view::npos) {
    stored.remove_prefix(dir + 1);
  }
  if (!stored.empty() && stored != "data" && stored != "." && stored != "..") {
    return std::string(stored);
  }
  return base.empty() || base == "-" ? "data" : base;
}

// Office parts whose text is content (not styles, themes or settings).
bool IsOfficeTextPart(std::string_view n, bool odf) {
  auto starts = [&](std::string_view p) { return n.substr(0, p.size()) == p; };
  auto ends = [&](std::string_view s) {
    return n.size() >= s.size() && n.substr(n.size() - s.size()) == s;
  };
  if (odf) return n == "content.xml" || n == "meta.xml" || n == "styles.xml";
  if (!ends(".xml")) return false;
  return n == "word/document.xml" || starts("word/header") || starts("word/footer") ||
         n == "word/footnotes.xml" || n == "word/endnotes.xml" || n == "word/comments.xml" ||
         n == "xl/sharedStrings.xml" || starts("xl/worksheets/sheet") || starts("xl/comments") ||
         starts("ppt/slides/slide") || starts("ppt/notesSlides/") || starts("ppt/comments/") ||
         n == "docProps/core.xml" || n == "docProps/custom.xml" ||
         n == "word/glossary/document.xml" ||
         // SmartArt: the diagram's text is in its data part.
         starts("word/diagrams/data") || starts("xl/diagrams/data") ||
         starts("ppt/diagrams/data") ||
         // Custom XML data (bound content controls, a document library's
         // metadata); not its properties part.
         (starts("customXml/item") && !starts("customXml/itemProps"));
}

// Parts of a package that hold data, not running text: document properties
// (title, author, custom properties) and custom XML. Their elements sit
// side by side with nothing between them (<dc:title>..</dc:title>
// <dc:creator>..), so they are read as XML, each element's text apart and
// named as its field, not as a document's runs, which are joined.
bool IsOfficeDataPart(std::string_view n, bool odf) {
  if (odf) return n == "meta.xml";
  return n == "docProps/core.xml" || n == "docProps/custom.xml" ||
         (n.starts_with("customXml/item") && !n.starts_with("customXml/itemProps"));
}

// Extensions of the parts an Office application writes inside its package's
// folders: markup, relationships, embedded binaries, images, fonts, media.
bool IsOfficePartExtension(std::string_view n) {
  char buf[16];
  const std::string_view ext = formats::Extension(n, buf, sizeof buf);
  for (std::string_view e :
       {"xml", "rels", "vml", "bin", "png", "jpeg", "jpg", "jpe", "jfif", "gif", "emf", "wmf",
        "emz", "wmz", "bmp", "dib", "tif", "tiff", "svg", "ico", "wdp", "hdp", "jxr", "pict",
        "odttf", "fntdata", "ttf", "otf", "sigs", "psdsor", "mp3", "mp4", "m4a", "m4v", "wav",
        "wma", "wmv", "avi", "mov", "mpg", "mpeg", "data", "xlsb"}) {
    if (ext == e) return true;
  }
  return false;
}

// Whether a zip entry lies outside an Office package's own layout: a file
// an Office application neither writes nor reads (notes.txt in a zip
// renamed report.docx, a CSV slipped in beside word/, or inside it:
// word/media/notes.txt, xl/data.json). Such a file is read as a member, as
// in any other zip, not passed over as a part.
bool IsForeignToOffice(std::string_view n, bool odf) {
  auto starts = [&](std::string_view p) { return n.substr(0, p.size()) == p; };
  if (odf) {
    for (std::string_view p : {"META-INF/", "Pictures/", "Thumbnails/", "Configurations2/",
                               "Basic/", "Scripts/", "media/", "layout-cache"}) {
      if (starts(p)) return false;
    }
    return !(n == "mimetype" || n == "content.xml" || n == "styles.xml" || n == "meta.xml" ||
             n == "settings.xml" || n == "manifest.rdf");
  }
  for (std::string_view p : {"word/", "xl/", "ppt/", "docProps/", "customXml/", "_rels/"}) {
    if (starts(p)) return !IsOfficePartExtension(n);
  }
  return n != "[Content_Types].xml";
}

bool IsOfficeEmbedding(std::string_view n) {
  for (std::string_view p : {"word/embeddings/", "xl/embeddings/", "ppt/embeddings/",
                             "Object ", "ObjectReplacements/"}) {
    if (n.substr(0, p.size()) == p) return true;
  }
  // An altChunk: HTML, MHTML, RTF, text or a document that Word shows
  // inline, stored as a file of its own next to document.xml (report
  // generators write their output this way).
  if (n.substr(0, 5) == "word/" && n.find('/', 5) == std::string_view::npos) {
    char buf[16];
    std::string_view ext = formats::Extension(n, buf, sizeof buf);
    for (std::string_view e : {"htm", "html", "mht", "mhtml", "rtf", "txt", "docx", "docm"}) {
      if (ext == e) return true;
    }
  }
  return false;
}

// The last bytes of a file searched for a zip's end-of-central-directory
// record: the record (22 bytes) and a comment of up to 4 KiB. One read.
constexpr size_t kZipTail = 4096 + 22;

// Whether a seekable source that did not start like a zip ends like one: a
// self-extracting archive (an executable in front), a script stub with the
// zip appended. libarchive finds the central directory from the end.
// Returns where the data in front of the zip ends at the latest: the first
// directory entry's local header when the directory says where that is
// (shifted by the data in front when the zip's offsets were not adjusted
// for it), else the directory's own start; nullopt when the source does not
// end like a zip. Entries need not be in file order, so the data in front
// may end earlier: StubSource stops at the first local header.
std::optional<uint64_t> AppendedZip(ByteSource& src) {
  if (!src.seekable() || src.size() < 22) return std::nullopt;
  std::string tail(static_cast<size_t>(std::min<uint64_t>(src.size(), kZipTail)), '\0');
  auto n = src.ReadAt(src.size() - tail.size(), {tail.data(), tail.size()});
  if (!n.ok() || n.value() != tail.size()) return std::nullopt;
  uint64_t declared = UINT64_MAX;
  const int64_t cd = formats::ZipDirectoryStart(tail, src.size(), &declared);
  if (cd < 0) return std::nullopt;
  char entry[46];
  auto m = src.ReadAt(static_cast<uint64_t>(cd), {entry, sizeof entry});
  if (!m.ok() || m.value() < 4) return std::nullopt;
  const std::string_view e(entry, m.value());
  const auto at = static_cast<uint64_t>(cd);
  if (e.starts_with("PK\x06\x07")) return at;  // zip64: its locator
  if (!e.starts_with("PK\x01\x02")) return std::nullopt;
  if (e.size() < sizeof entry || declared > at) return at;
  uint64_t local = 0;
  for (int i = 3; i >= 0; --i) local = (local << 8) | static_cast<unsigned char>(entry[42 + i]);
  const uint64_t start = (at - declared) + local;  // cannot wrap: local < 2^32
  return std::min(start, at);
}

// The data in front of an appended zip: the source's bytes up to `limit`
// or the first zip local header ("PK\3\4"), whichever comes first, read
// with ReadAt, so the source's own Read() position stays where it was. Not
// seekable itself: what reads it cannot look for another zip appended to
// the stub, so stubs nested in stubs cost one pass, not a recursion.
class StubSource : public ByteSource {
 public:
  StubSource(ByteSource& inner, uint64_t limit) : inner_(inner), limit_(limit) {}
  Result<size_t> Read(std::span<char> buf) override {
    if (pos_ >= limit_) return size_t{0};
    auto n = inner_.ReadAt(
        pos_, buf.first(static_cast<size_t>(std::min<uint64_t>(buf.size(), limit_ - pos_))));
    if (!n.ok() || n.value() == 0) return n;
    // The signature may straddle reads: look from the last 3 bytes before.
    std::string_view got(buf.data(), n.value());
    std::string look = carry_;
    look.append(got.substr(0, std::min<size_t>(got.size(), 3)));
    size_t cut = std::string_view::npos;
    if (size_t k = look.find("PK\x03\x04"); k != std::string_view::npos) {
      cut = 0;  // began in bytes already handed on (at most 3 of them)
    } else if (size_t k2 = got.find("PK\x03\x04"); k2 != std::string_view::npos) {
      cut = k2;
    }
    if (cut != std::string_view::npos) {
      limit_ = pos_ + cut;
      got = got.substr(0, cut);
    }
    carry_.assign(got.substr(got.size() - std::min<size_t>(got.size(), 3)));
    pos_ += got.size();
    return got.size();
  }

 private:
  ByteSource& inner_;
  uint64_t limit_;
  uint64_t pos_ = 0;
  std::string carry_;  // the last bytes handed on, for a signature across reads
};

// The bytes [begin, end) of a seekable source, read in order with ReadAt
// (the source's own Read() position does not move) and not seekable
// itself, so an archive in them is read as a stream, followed by `trailer`.
class SliceSource : public ByteSource {
 public:
  SliceSource(ByteSource& inner, uint64_t begin, uint64_t end, std::string_view trailer)
      : inner_(inner), pos_(begin), end_(end), trailer_(trailer) {}
  Result<size_t> Read(std::span<char> buf) override {
    if (pos_ >= end_) {
      const size_t n = std::min(buf.size(), trailer_.size());
      std::memcpy(buf.data(), trailer_.data(), n);
      trailer_.remove_prefix(n);
      return n;
    }
    auto n = inner_.ReadAt(
        pos_, buf.first(static_cast<size_t>(std::min<uint64_t>(buf.size(), end_ - pos_))));
    if (n.ok()) pos_ += n.value();
    return n;
  }

 private:
  ByteSource& inner_;
  uint64_t pos_;
  uint64_t end_;
  std::string_view trailer_;
};

// A seekable zip up to the end of its end-of-central-directory record at
// `at` (formats::ZipEndRecord), the record's comment length read as 0: the
// file as libarchive must see it to read the directory that record names.
// libarchive reads through the last end-record signature in the file's
// tail, and one in the archive comment or in data appended to the zip made
// it read another directory, or none: the zip was recorded complete with
// nothing read. What the view leaves out is the whole file's to account
// for (formats::UnlistedZipRanges).
class ZipEndView : public ByteSource {
 public:
  ZipEndView(ByteSource& inner, uint64_t at) : inner_(inner), size_(at + 22) {}
  Result<size_t> Read(std::span<char> buf) override {
    auto n = ReadAt(pos_, buf);
    if (n.ok()) pos_ += n.value();
    return n;
  }
  bool seekable() const override { return true; }
  uint64_t size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> buf) override {
    if (offset >= size_) return size_t{0};
    auto n = inner_.ReadAt(
        offset, buf.first(static_cast<size_t>(std::min<uint64_t>(buf.size(), size_ - offset))));
    if (!n.ok()) return n;
    // The comment length: the view's last two bytes.
    for (uint64_t i = std::max(offset, size_ - 2); i < offset + n.value(); ++i) {
      buf[static_cast<size_t>(i - offset)] = 0;
    }
    return n;
  }

 private:
  ByteSource& inner_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

// The zip in the seekable `src` as libarchive is to read it: `src` itself
// when its end record ends the file, else a ZipEndView of it held in
// `view`; `end` gets the record. nullptr when no end record holds
// together.
ByteSource* ThroughEndRecord(ByteSource& src, std::optional<ZipEndView>& view,
                             formats::ZipEnd& end) {
  const std::optional<formats::ZipEnd> found = formats::ZipEndRecord(src);
  if (!found) return nullptr;
  end = *found;
  if (end.at + 22 == src.size()) return &src;
  return &view.emplace(src, end.at);
}

// Whether a zip whose end record declares `entries` is read from its local
// headers, as a stream, because its directory is too large to hold
// (ScanLimits::max_listed_entries).
bool DirectoryTooLarge(uint64_t entries, const ScanLimits& limits) {
  return limits.max_listed_entries > 0 && entries > limits.max_listed_entries;
}

// Whether libarchive may open the 7z `src`: its header is unpacked and
// read first (formats/seven_zip.h), since libarchive holds the whole
// listing before the first member. Errors, the archive then not opened:
// kLimitExceeded (more entries than max_listed_entries, or a header larger
// than max_7z_header), kUnsupported (a header packed so that it cannot be
// read here), kCorrupt and read errors. A header that is no header at all,
// or encrypted, is libarchive's to judge.
// `listing` gets what the header says when it could be read.
Status CheckSevenZipListing(ByteSource& src, const ScanLimits& limits,
                            std::optional<formats::SevenZipListing>& listed) {
  const uint64_t max_header = limits.max_7z_header > 0 ? limits.max_7z_header : UINT64_MAX;
  auto listing = formats::ReadSevenZipListing(src, max_header);
  if (listing.ok()) {
    listed = std::move(listing.value());
    if (limits.max_listed_entries == 0 || listed->files <= limits.max_listed_entries) {
      return Status::Ok();
    }
    return Status::LimitExceeded("the 7z header lists more than " +
                                 std::to_string(limits.max_listed_entries) +
                                 " entries; no member read");
  }
  switch (listing.status().code()) {
    case StatusCode::kNotFound:
    case StatusCode::kEncrypted:
      return Status::Ok();
    case StatusCode::kLimitExceeded:
      return Status::LimitExceeded("the 7z header listing its entries unpacks to more than " +
                                   std::to_string(limits.max_7z_header) +
                                   " bytes; no member read");
    case StatusCode::kUnsupported:
    case StatusCode::kCorrupt:
      return Status(listing.status().code(), listing.status().message() + "; no member read");
    default:
      return listing.status();
  }
}

// Why a zip with no end record that holds together is partial(corrupt):
// which directory libarchive read, if any, cannot be told.
constexpr const char* kNoEndRecord =
    "no end-of-central-directory record points at a central directory; entries may be unread";

// Whether `rec` is a member of `container` (at any depth below it): every
// member of a top-level record, or a member path under the container's
// own followed by '!'.
bool IsMemberOf(const AssetRecord& rec, const AssetRecord& container) {
  if (!rec.member) return false;
  if (!container.member) return true;
  const std::string& m = *rec.member;
  const std::string& c = *container.member;
  return m.size() > c.size() && m[c.size()] == '!' && m.starts_with(c);
}

}  // namespace

std::string CarriedFileName(std::string name) {
  const size_t slash = name.find_last_of("/\\");
  if (slash != std::string::npos) name = name.substr(slash + 1);
  for (char& c : name) {
    if (static_cast<unsigned char>(c) < 0x20) c = '_';
  }
  if (name.size() > 255) {
    size_t cut = 255;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    name.resize(cut);  // not inside a UTF-8 sequence
  }
  if (name == "." || name == "..") name.clear();
  return name;
}

// ---- Impl: plumbing -------------------------------------------------------

Extractor::Impl::Impl(std::shared_ptr<const classifiers::RuleSet> rules,
                      const classifiers::TokenKey* key, const ScanLimits& limits)
    : rules_(std::move(rules)), key_(key), limits_(limits) {}

classifiers::Matcher& Extractor::Impl::MatcherAt(int depth) {
  size_t d = static_cast<size_t>(std::max(depth, 0));
  if (matchers_.size() <= d) matchers_.resize(d + 1);
  if (!matchers_[d]) {
    classifiers::MatcherOptions mo;
    mo.chunk_size = limits_.chunk_size;
    mo.max_candidates = limits_.max_candidates_per_asset;
    matchers_[d] = std::make_unique<classifiers::Matcher>(rules_, key_, mo);
  }
  return *matchers_[d];
}

std::span<char> Extractor::Impl::BufferAt(int depth) {
  size_t d = static_cast<size_t>(std::max(depth, 0));
  if (buffers_.size() <= d) buffers_.resize(d + 1);
  if (buffers_[d].empty()) buffers_[d].resize(std::max<size_t>(limits_.chunk_size, 1));
  return {buffers_[d].data(), buffers_[d].size()};
}

void Extractor::Impl::MarkPartial(AssetRecord& rec, const std::string& reason, std::string detail) {
  if (rec.status != AssetStatus::kComplete) return;
  rec.status = AssetStatus::kPartial;
  rec.reason = reason;
  rec.detail = std::move(detail);
}

void Extractor::Impl::MarkFailure(AssetRecord& rec, const Status& s, bool any_content) {
  switch (s.code()) {
    case StatusCode::kLimitExceeded:
      MarkPartial(rec, budget_->exhausted() ? budget_->reason() : "limit_size", s.message());
      return;
    case StatusCode::kEncrypted:
      if (rec.status == AssetStatus::kComplete || rec.status == AssetStatus::kPartial) {
        rec.status = AssetStatus::kEncrypted;
        rec.reason = "password_protected";
        rec.detail = s.message();
      }
      return;
    case StatusCode::kCorrupt:
      MarkPartial(rec, "corrupt", s.message());
      return;
    case StatusCode::kUnsupported:  // a compression method no reader here knows
      MarkPartial(rec, "unsupported", s.message());
      return;
    case StatusCode::kCancelled:
      MarkPartial(rec, "interrupted", s.message());
      return;
    default:
      if (any_content) {
        MarkPartial(rec, "read_error", s.message());
      } else if (rec.status == AssetStatus::kComplete) {
        rec.status = AssetStatus::kUnreadable;
        rec.reason = s.code() == StatusCode::kPermissionDenied ? "permission_denied"
                     : s.code() == StatusCode::kNotFound        ? "not_found"
                                                                : "io_error";
        rec.detail = s.message();
      }
  }
}

size_t Extractor::Impl::AddMember(std::string_view name, size_t parent, int64_t size,
                                  int64_t mtime_ns, Records& out) {
  AssetRecord r;
  r.path = out[parent].path;
  r.member = (out[parent].member ? *out[parent].member + "!" : std::string()) + std::string(name);
  r.kind = AssetKind::kMember;
  r.size = size > 0 ? static_cast<uint64_t>(size) : 0;
  r.mtime_ns = mtime_ns;
  // Who may read a member is who may read the file that holds it: its
  // owner, group and mode, not those stored for it inside the container.
  r.mode = out[parent].mode;
  r.uid = out[parent].uid;
  r.gid = out[parent].gid;
  r.others_can_reach = out[parent].others_can_reach;
  r.group_can_reach = out[parent].group_can_reach;
  r.label = "NONE";
  out.push_back(std::move(r));
  return out.size() - 1;
}

void Extractor::Impl::WithholdName(size_t m, size_t parent, std::string& member,
                                   MemberNames& names, Records& out) {
  const std::string old_path = *out[m].member;
  member = names.Withheld();
  const std::string new_path =
      (out[parent].member ? *out[parent].member + "!" : std::string()) + member;
  for (size_t k = m; k < out.size(); ++k) {
    if (out[k].member && out[k].member->starts_with(old_path)) {
      out[k].member = new_path + out[k].member->substr(old_path.size());
    }
  }
  constexpr const char* kWhy =
      "name not shown: the member's data is damaged, and a damaged header can make a name of "
      "the bytes that follow it";
  AssetRecord& rec = out[m];
  if (rec.status == AssetStatus::kComplete) {
    MarkPartial(rec, "corrupt", kWhy);
  } else {
    rec.detail = rec.detail.empty() ? kWhy : rec.detail + "; " + kWhy;
  }
}

void Extractor::Impl::CommentMember(const std::string& text, bool cut, size_t idx, int depth,
                                    MemberNames& names, Records& out) {
  if (text.empty() || !budget_->TakeMember()) return;
  const std::string member = names.Take("(comments)");
  const size_t m = AddMember(member, idx, static_cast<int64_t>(text.size()), 0, out);
  formats::MemorySource src(text);
  Process(src, member, m, depth + 1, out);
  // What lies past the kept text was never read: no clean bill for it, nor
  // for the file that carries it.
  if (cut) {
    MarkPartial(
        out[m], "limit_size",
        "comments longer than " + std::to_string(text.size()) + " bytes; the rest not read");
    MarkPartial(out[idx], "limit_size", "comments longer than read");
  }
}

bool Extractor::Impl::NestingAllowed(int depth, AssetRecord& rec) {
  if (budget_->DepthAllowed(depth)) return true;
  MarkPartial(rec, "limit_depth", "container nested deeper than " + std::to_string(limits_.max_depth));
  return false;
}

bool Extractor::Impl::BufferAll(ByteSource& src, std::string& buf, AssetRecord& rec) {
  const uint64_t cap = limits_.max_buffered_member;
  std::vector<char> local(64 << 10);
  for (;;) {
    auto n = src.Read({local.data(), local.size()});
    if (!n.ok()) {
      MarkFailure(rec, n.status(), false);
      return false;
    }
    if (n.value() == 0) return true;
    if (buf.size() + n.value() > cap) {
      MarkPartial(rec, "limit_size",
                  "needs random access and is larger than the in-memory limit (" +
                      std::to_string(cap) + " bytes)");
      return false;
    }
    buf.append(local.data(), n.value());
  }
}

void Extractor::Impl::Run(ByteSource& src, std::string_view name, AssetRecord top, Records& out,
                          const std::atomic<bool>* cancel) {
  budget_.emplace(limits_, cancel);
  top.status = AssetStatus::kComplete;
  top.reason.clear();
  top.label = "NONE";
  const size_t first = out.size();
  out.push_back(std::move(top));
  Process(src, name, first, 0, out);
  // `NONE` is a verdict on content; what was never read has none. Members
  // are recorded depth first, so a record's own members, if any, start
  // right after it.
  for (size_t i = first; i < out.size(); ++i) {
    AssetRecord& r = out[i];
    if (!ContentWasRead(r, i + 1 < out.size() && IsMemberOf(out[i + 1], r))) {
      r.label.clear();
      r.label_rule.clear();
    }
  }
  RollUpLabels(first, out);
}

// A label's rank for the roll-up: the place of its first rule in the order
// rules are tried (first match wins, so the first is the most specific);
// NONE, a label no rule gives, and none at all rank last.
size_t Extractor::Impl::LabelRank(const std::string& label) const {
  const auto& rules = rules_->labels();
  if (label.empty() || label == "NONE") return rules.size() + 1;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].label == label) return i;
  }
  return rules.size();
}

void Extractor::Impl::RollUpLabels(size_t first, Records& out) const {
  // Records are depth first, so a record's container is on the stack of
  // the records whose members are still being listed when it comes.
  std::vector<size_t> container(out.size() - first, 0);
  std::vector<size_t> open = {first};
  for (size_t i = first + 1; i < out.size(); ++i) {
    while (open.size() > 1 && !IsMemberOf(out[i], out[open.back()])) open.pop_back();
    container[i - first] = open.back();
    open.push_back(i);
  }
  // From the last record back, a member has its own members' labels before
  // it passes the most sensitive on.
  for (size_t i = out.size(); i-- > first + 1;) {
    const AssetRecord& member = out[i];
    AssetRecord& c = out[container[i - first]];
    if (!member.label.empty() && LabelRank(member.label) < LabelRank(c.label)) {
      c.label = member.label;
      c.label_rule = "members";
    }
  }
}

void Extractor::Impl::Process(ByteSource& src, std::string_view name, size_t idx, int depth,
                              Records& out) {
  PeekSource in(src, std::max(limits_.sniff_bytes, kMinPeek));
  // A source that fails after some bytes (a truncated compressed member)
  // is read as far as it goes; the error comes back after them.
  if (!in.peek_status().ok() && in.head().empty()) {
    MarkFailure(out[idx], in.peek_status(), false);
    return;
  }
  if (!budget_->CheckTime()) {
    MarkPartial(out[idx], budget_->reason());
    return;
  }
  using formats::ContentKind;
  const ContentKind kind = formats::SniffContent(in.head(), name);
  out[idx].format = formats::ContentKindName(kind);
  switch (kind) {
    case ContentKind::kArchive: return Archive(in, name, idx, depth, false, out);
    case ContentKind::kCompressed: return Archive(in, name, idx, depth, true, out);
    case ContentKind::kOoxml: return OfficeZip(in, idx, depth, false, out);
    case ContentKind::kOdf: return OfficeZip(in, idx, depth, true, out);
    case ContentKind::kPdf: return Pdf(in, idx, depth, out);
    case ContentKind::kSqlite: return Sqlite(in, idx, depth, out);
    case ContentKind::kSqliteWal:
    case ContentKind::kSqliteShm:
      return SqliteCompanion(in, name, idx, depth, kind == ContentKind::kSqliteWal, out);
    case ContentKind::kDicom: return Dicom(in, idx, depth, out);
    case ContentKind::kRtf: return Rtf(in, idx, depth, out);
    case ContentKind::kOle: return Ole(in, idx, depth, out);
    case ContentKind::kTnef: return Tnef(in, idx, depth, out);
    case ContentKind::kText:
    case ContentKind::kBinary:
      return Text(in, name, idx, depth, out);
  }
}

// ---- Archives -------------------------------------------------------------

void Extractor::Impl::Archive(PeekSource& in, std::string_view name, size_t idx, int depth,
                              bool compressed, Records& out) {
  if (!NestingAllowed(depth + 1, out[idx])) return;
  if (!compressed) return Members(in, idx, depth, true, out);
  if (formats::IsGzip(in.head())) return Gzip(in, name, idx, depth, out);
  // A compressed file is decompressed first and its content sniffed like any
  // file's: a tar (zip, 7z) is read as the archive, anything else is one
  // member named after the file. Left to choose, libarchive reads a leading
  // zero block as an empty tar and never looks past it (text after 1 KiB of
  // zeros went unread, the file recorded clean); and the stream's bytes pass
  // through here, where they are charged to the budget, rather than only
  // inside libarchive's tar reader.
  auto stream = formats::ArchiveReader::Open(in, formats::ArchiveReader::Content::kStream,
                                             &*budget_);
  if (!stream.ok()) {
    MarkFailure(out[idx], stream.status(), false);
    return;
  }
  // Magic that no decompressor takes: passed through as it is, the same
  // bytes would be sniffed as compressed again at every level down to the
  // depth limit, as members of nothing, and read as clean.
  if (!stream.value()->decompressing()) {
    MarkPartial(out[idx], "corrupt", "starts like a compressed stream, but none could be read");
    return;
  }
  formats::ArchiveEntry entry;
  auto next = stream.value()->Next(entry);
  if (!next.ok()) {
    MarkFailure(out[idx], next.status(), false);
    return;
  }
  if (!next.value()) return;
  MemberSource data(*stream.value(), *budget_);
  PeekSource head(data, std::max(limits_.sniff_bytes, kMinPeek));
  if (!head.peek_status().ok()) {
    MarkFailure(out[idx], head.peek_status(), false);
    return;
  }
  const size_t m = StreamContent(head, RawMemberName(name, entry.name), entry.size,
                                 entry.mtime_ns, idx, depth, out);
  if (m != kNoMember) {
    if (entry.size < 0) out[m].size = data.bytes();
    if (!stream.value()->data_warning().empty()) {
      MarkPartial(out[m], "corrupt", stream.value()->data_warning());
    }
  }
  if (budget_->exhausted()) MarkPartial(out[idx], budget_->reason());
  if (stream.value()->fatal()) MarkPartial(out[idx], "corrupt", "compressed stream unreadable");
  // Data after the last compressed stream (garbage, a second gzip behind
  // padding) was passed over by libarchive without a word.
  if (out[idx].status == AssetStatus::kComplete && stream.value()->data_done()) {
    auto after = stream.value()->DataAfterStream();
    if (!after.ok()) {
      MarkFailure(out[idx], after.status(), true);
    } else if (after.value()) {
      MarkPartial(out[idx], "corrupt", "data after the end of the compressed stream not read");
    }
  }
}

size_t Extractor::Impl::StreamContent(PeekSource& head, const std::string& member, int64_t size,
                                      int64_t mtime_ns, size_t idx, int depth, Records& out) {
  if (formats::SniffContent(head.head(), member) == formats::ContentKind::kArchive) {
    Members(head, idx, depth, false, out);
    return kNoMember;
  }
  if (!budget_->TakeMember()) {
    MarkPartial(out[idx], budget_->reason());
    return kNoMember;
  }
  const size_t m = AddMember(member, idx, size, mtime_ns, out);
  Process(head, member, m, depth + 1, out);
  return m;
}

// A gzip file through zlib (formats/gzip.h), not libarchive's filter: a
// stream cut short or damaged gives every byte that decompressed before
// the damage, and the damage is recorded on the member and the file.
void Extractor::Impl::Gzip(PeekSource& in, std::string_view name, size_t idx, int depth,
                           Records& out) {
  formats::GzipSource gz(in);
  GzipData data(gz, *budget_);
  PeekSource head(data, std::max(limits_.sniff_bytes, kMinPeek));
  if (!head.peek_status().ok() && head.head().empty()) {
    MarkFailure(out[idx], head.peek_status(), false);
    return;
  }
  const size_t m = StreamContent(head, RawMemberName(name, gz.stored_name()), -1,
                                 gz.mtime_ns().value_or(out[idx].mtime_ns), idx, depth, out);
  if (m != kNoMember) out[m].size = data.bytes();
  if (!gz.comment().empty() && !budget_->exhausted()) {
    MemberNames names;
    if (m != kNoMember) names.Take(*out[m].member);
    CommentMember(gz.comment(), gz.comment_cut(), idx, depth, names, out);
  }
  if (budget_->exhausted()) MarkPartial(out[idx], budget_->reason());
  // What ended the stream early, after whatever decompressed before it.
  char probe;
  if (auto rest = data.Read({&probe, 1}); !rest.ok() && !budget_->exhausted()) {
    MarkFailure(out[idx], rest.status(), true);
  } else if (gz.trailing_data()) {
    MarkPartial(out[idx], "corrupt", "data after the end of the compressed stream not read");
  }
}

void Extractor::Impl::Members(PeekSource& in, size_t idx, int depth, bool charge, Records& out) {
  ByteSource* src = &in;
  std::string buffer;
  std::optional<formats::MemorySource> memory;
  if (formats::IsSevenZip(in.head()) && !in.seekable()) {
    if (!BufferAll(in, buffer, out[idx])) return;
    memory.emplace(buffer);
    src = &*memory;
  }
  std::optional<formats::SevenZipListing> listing;
  if (formats::IsSevenZip(in.head())) {
    const Status listed = CheckSevenZipListing(*src, limits_, listing);
    if (!listed.ok()) {
      if (listed.code() == StatusCode::kLimitExceeded) {
        MarkPartial(out[idx], "limit_members", listed.message());
      } else if (listed.code() == StatusCode::kUnsupported) {
        MarkPartial(out[idx], "unsupported", listed.message());
      } else {
        MarkFailure(out[idx], listed, false);
      }
      return;
    }
  }
  auto reader = formats::ArchiveReader::Open(*src, formats::ArchiveReader::Content::kArchive,
                                             &*budget_);
  if (!reader.ok()) {
    MarkFailure(out[idx], reader.status(), false);
    return;
  }
  // A zip on disk is read through the end record its layout is checked
  // against: opened again on the view when it needs one. Which format
  // libarchive chose shows only once it has read a header, so a zip is
  // told by what is not: a 7z or tar says so at its start (a zip behind a
  // stub does not start like one). A zip's local header wins: a stored
  // member's bytes can put "ustar" at 257.
  const std::string_view head = in.head();
  const bool maybe_zip = src->seekable() &&
                         (head.starts_with("PK\x03\x04") ||
                          (!formats::IsSevenZip(head) && !formats::IsTarHeader(head)));
  std::optional<ZipEndView> view;
  formats::ZipEnd end{};
  ByteSource* through = maybe_zip ? ThroughEndRecord(*src, view, end) : src;
  // A directory too large to hold is left unread: the stream of local
  // headers also reaches any entry the directory would not list.
  std::optional<SliceSource> stream;
  const bool streamed = maybe_zip && through != nullptr && DirectoryTooLarge(end.entries, limits_);
  ByteSource* const seekable_zip = through;
  if (streamed) through = &stream.emplace(*through, 0, through->size(), "");
  if (through != nullptr && through != src) {
    reader = formats::ArchiveReader::Open(*through, formats::ArchiveReader::Content::kArchive,
                                          &*budget_);
    if (!reader.ok()) {
      MarkFailure(out[idx], reader.status(), false);
      return;
    }
  }
  MemberNames names;
  bool any = false;
  // Read as a stream, the directory never held: what the stream reader
  // passes over between local entries is followed as it reads.
  std::optional<formats::StreamSkips> skips;
  if (streamed) skips.emplace(*seekable_zip, end.directory, in.head().starts_with("PK\x03\x04"));
  // A zip on disk read through its central directory goes on past a
  // member whose data is damaged: opened again, its headers up to that
  // member passed over (a stream of local entries cannot: where the next
  // one starts is not known).
  // Read once, from the file: the view the zip is read through ends at its
  // end record, before the archive comment.
  constexpr size_t kMaxCommentBytes = 1 << 20;
  formats::ZipDirectoryText directory;
  if (maybe_zip && through != nullptr) {
    directory = formats::ReadZipDirectoryText(*src, end, end.entries, /*keep_names=*/!streamed,
                                              kMaxCommentBytes);
  }
  std::optional<EntriesResume> resume;
  if (maybe_zip && through != nullptr && !streamed) {
    resume.emplace();
    resume->listed = std::move(directory.names);
  }
  bool ended = Entries(*reader.value(), idx, depth, charge, names, any, out,
                       skips ? &*skips : nullptr, resume ? &*resume : nullptr);
  constexpr int kMaxZipReopens = 16;
  for (int reopens = 0; resume && !resume->damaged.empty(); ++reopens) {
    const std::string damaged = std::exchange(resume->damaged, {});
    bool reopened = reopens < kMaxZipReopens;
    if (reopened) {
      reader = formats::ArchiveReader::Open(*through, formats::ArchiveReader::Content::kArchive,
                                            &*budget_);
      reopened = reader.ok() && SkipEntries(*reader.value(), resume->headers);
    }
    if (!reopened) {
      // What is no longer read matters more than an earlier member's damage.
      MarkPartial(out[idx], "corrupt");
      if (out[idx].reason == "corrupt") {
        out[idx].detail = "archive unreadable after member " + damaged;
      }
      if (!reader.ok()) return;
      break;
    }
    MarkPartial(out[idx], "corrupt", "damaged data in member " + damaged);
    ended = Entries(*reader.value(), idx, depth, charge, names, any, out, nullptr, &*resume);
  }
  if (reader.value()->skipped_damage()) {
    MarkPartial(out[idx], "corrupt", "damaged tar header skipped");
  }
  // Bytes no stream or header of a 7z accounts for (in front of its
  // packed streams, between them and the header, after it) belong to no
  // entry: libarchive never looks at them. An archive with no header at
  // all ends with its signature header (a zeroed one followed by data read
  // as an empty, complete archive).
  if (ended && listing && !listing->unaccounted.empty()) {
    uint64_t bytes = 0;
    for (const formats::ByteRange& r : listing->unaccounted) bytes += r.end - r.begin;
    MarkPartial(out[idx], "corrupt",
                std::to_string(bytes) + " bytes from offset " +
                    std::to_string(listing->unaccounted.front().begin) +
                    " that no 7z stream or header accounts for, not read");
  } else if (ended && formats::IsSevenZip(in.head()) && !listing) {
    const std::optional<uint64_t> end = formats::SevenZipEnd(*src);
    if (end && *end < src->size()) {
      MarkPartial(out[idx], "corrupt",
                  std::to_string(src->size() - *end) + " bytes after the 7z header, not read");
    }
  }
  const bool zip = src->seekable() && reader.value()->zip();
  if (zip && through == nullptr) MarkPartial(out[idx], "corrupt", kNoEndRecord);
  if (zip && through != nullptr && !budget_->exhausted()) {
    CommentMember(directory.comments, directory.comments_cut, idx, depth, names, out);
  }
  if (zip && through != nullptr && directory.folders_with_data > 0) {
    MarkPartial(out[idx], "corrupt",
                std::to_string(directory.folders_with_data) +
                    (directory.folders_with_data == 1 ? " entry" : " entries") +
                    " named as a folder but holding data, not read");
  }
  if (ended && zip && !streamed) {
    UnlistedZipBytes(*src, in.head().starts_with("PK\x03\x04"), idx, depth, charge, names, out);
  } else if (ended && streamed) {
    // What the stream reader passed over between entries, and data
    // appended after the end record.
    const formats::StreamGaps& gaps = skips->gaps();
    if (gaps.bytes > 0) {
      MarkPartial(out[idx], "corrupt",
                  std::to_string(gaps.bytes) + " bytes from offset " +
                      std::to_string(gaps.first) +
                      " between the entries the central directory lists, not read");
    }
    if (end.end < src->size()) {
      MarkPartial(out[idx], "corrupt",
                  std::to_string(src->size() - end.end) + " bytes at offset " +
                      std::to_string(end.end) +
                      " after the end-of-central-directory record, not read");
    }
  }
}

bool Extractor::Impl::SkipEntries(formats::ArchiveReader& reader, uint64_t n) {
  formats::ArchiveEntry entry;
  for (uint64_t i = 0; i < n; ++i) {
    if (i % 1024 == 0 && !budget_->CheckTime()) return false;
    auto next = reader.Next(entry);
    if (!next.ok() || !next.value()) return false;
  }
  return true;
}

bool Extractor::Impl::Entries(formats::ArchiveReader& reader, size_t idx, int depth, bool charge,
                              MemberNames& names, bool& any, Records& out,
                              formats::StreamSkips* skips, EntriesResume* resume) {
  formats::ArchiveEntry entry;
  for (;;) {
    if (!budget_->CheckTime()) {
      MarkPartial(out[idx], budget_->reason());
      return false;
    }
    auto next = reader.Next(entry);
    if (!next.ok()) {
      if (next.status().code() == StatusCode::kEncrypted && !any) {
        out[idx].status = AssetStatus::kEncrypted;
        out[idx].reason = "password_protected";
        out[idx].detail = next.status().message();
      } else {
        MarkFailure(out[idx], next.status(), any);
      }
      return false;
    }
    if (skips != nullptr) {
      if (next.value()) {
        skips->Entry(reader.header_position(), reader.consumed());
      } else {
        skips->End(reader.header_position());
      }
    }
    if (!next.value()) return true;
    if (resume != nullptr) ++resume->headers;
    if (!entry.regular) continue;
    any = true;
    if (!budget_->TakeMember()) {
      MarkPartial(out[idx], budget_->reason());
      return false;
    }
    std::string member = names.Take(entry.name);
    size_t m = AddMember(member, idx, entry.size, entry.mtime_ns, out);
    if (entry.encrypted) {
      out[m].status = AssetStatus::kEncrypted;
      out[m].reason = "password_protected";
      out[m].detail = "encrypted archive member";
      continue;
    }
    MemberSource ms(reader, *budget_, charge);
    Process(ms, member, m, depth + 1, out);
    if (entry.size < 0) out[m].size = ms.bytes();
    if (!reader.data_warning().empty()) {
      MarkPartial(out[m], "corrupt", reader.data_warning());
    }
    // A zip's local header has no checksum (a tar header has, 7z names are
    // in its checked header).
    if (reader.entry_damaged() && reader.zip() &&
        (resume == nullptr || !resume->listed.contains(entry.name))) {
      WithholdName(m, idx, member, names, out);
    }
    // A member whose CRC or size does not hold is damage in its archive too,
    // as one that does not decompress is ("damaged data in member ...").
    if (!reader.data_warning().empty()) {
      MarkPartial(out[idx], "corrupt", "damaged data in member " + member);
    }
    if (budget_->exhausted()) {
      MarkPartial(out[idx], budget_->reason());
      return false;
    }
    if (reader.fatal()) {
      if (resume != nullptr) {
        resume->damaged = member;
      } else {
        MarkPartial(out[idx], "corrupt", "archive unreadable after member " + member);
      }
      return false;
    }
  }
}

void Extractor::Impl::UnlistedZipBytes(ByteSource& src, bool front_counts, size_t idx, int depth,
                                       bool charge, MemberNames& names, Records& out) {
  auto unlisted = formats::UnlistedZipRanges(src, front_counts);
  if (!unlisted) return;  // libarchive read the directory; its verdict stands
  // Local entries the directory does not list are read from their local
  // headers, as a stream (as the same zip inside another container is
  // read). A stream reader stops at a directory header's signature, and
  // looks up to 24 bytes past an entry's data for its data descriptor: each
  // slice is followed by an empty directory header (46 bytes), as entries
  // are by the directory. Anything else (data between entries, data
  // appended after the end record) is no format this reads.
  std::string directory_header(46, '\0');
  directory_header.replace(0, 4, "PK\x01\x02");
  for (const formats::ByteRange& r : *unlisted) {
    if (!budget_->CheckTime()) {
      MarkPartial(out[idx], budget_->reason());
      return;
    }
    const std::string where = std::to_string(r.end - r.begin) + " bytes at offset " +
                              std::to_string(r.begin) + " that the central directory does not list";
    SliceSource slice(src, r.begin, r.end, directory_header);
    PeekSource head(slice, 4);
    if (!head.peek_status().ok() || !head.head().starts_with("PK\x03\x04")) {
      MarkPartial(out[idx], "corrupt", where + ", not read");
      continue;
    }
    auto hidden = formats::ArchiveReader::Open(head, formats::ArchiveReader::Content::kArchive,
                                               &*budget_);
    if (!hidden.ok()) {
      MarkPartial(out[idx], "corrupt", where + ", unreadable: " + hidden.status().message());
      continue;
    }
    bool any = false;
    if (!Entries(*hidden.value(), idx, depth, charge, names, any, out)) return;
    // The stream reader ends at the first directory header it meets, the
    // slice's own or one inside it (a whole zip's directory, when the zip
    // is read through an end record after it): what follows was not read.
    const uint64_t read = hidden.value()->consumed();
    if (read < r.end - r.begin) {
      MarkPartial(out[idx], "corrupt",
                  std::to_string(r.end - r.begin - read) + " bytes at offset " +
                      std::to_string(r.begin + read) +
                      " after the entries the central directory does not list, not read");
    }
  }
}

// ---- Office Open XML and OpenDocument ---------------------------------------

void Extractor::Impl::OfficeZip(PeekSource& in, size_t idx, int depth, bool odf, Records& out) {
  // An xlsx's shared strings are read first (formats/xlsx.h), which needs
  // random access: a member is buffered when its declared size fits.
  ByteSource* src = &in;
  std::string buffer;
  std::optional<formats::MemorySource> memory;
  std::optional<formats::SharedStrings> table;
  auto ends = [](const std::optional<std::string>& m, std::string_view s) {
    return m && m->size() >= s.size() && std::string_view(*m).substr(m->size() - s.size()) == s;
  };
  const bool workbook = in.head().find("xl/") != std::string::npos ||
                        ends(out[idx].member, ".xlsx") || ends(out[idx].member, ".xlsm") ||
                        ends(out[idx].member, ".xlsb");
  if (!odf) {
    if (!in.seekable() && workbook && out[idx].size > 0 &&
        out[idx].size <= limits_.max_buffered_member) {
      if (!BufferAll(in, buffer, out[idx])) return;
      memory.emplace(buffer);
      src = &*memory;
    }
  }
  // Read through the end record the zip's layout holds together with, as
  // any zip on disk is (ZipEndView).
  std::optional<ZipEndView> view;
  bool no_end = false;
  bool streamed = false;
  if (src->seekable()) {
    formats::ZipEnd end{};
    ByteSource* through = ThroughEndRecord(*src, view, end);
    no_end = through == nullptr;
    if (through != nullptr) src = through;
    streamed = through != nullptr && DirectoryTooLarge(end.entries, limits_);
  }
  // A package whose directory is too large to hold is read as a stream
  // twice: once for the shared strings, once for the parts.
  if (!odf && src->seekable()) {
    if (streamed) {
      SliceSource once(*src, 0, src->size(), "");
      table = formats::LoadSharedStrings(once, limits_, *budget_);
    } else {
      table = formats::LoadSharedStrings(*src, limits_, *budget_);
    }
  }
  std::optional<SliceSource> stream;
  if (streamed) src = &stream.emplace(*src, 0, src->size(), "");
  auto reader = formats::ArchiveReader::Open(*src, formats::ArchiveReader::Content::kArchive);
  if (!reader.ok()) {
    MarkFailure(out[idx], reader.status(), false);
    return;
  }
  MemberNames names;
  formats::TextSink sink(MatcherAt(depth), *budget_, limits_.max_locators);
  sink.ReportTextOffsets();
  formats::ArchiveEntry entry;
  // After a part's text: a line end, its damage noted; false once the sink
  // wants no more.
  auto end_part = [&] {
    sink.Synthetic("\n", sink.position());
    if (!reader.value()->data_warning().empty()) {
      // Not the part's name: its data is damaged, and so may be its header
      // (MemberNames::Withheld).
      MarkPartial(out[idx], "corrupt", "a part: " + reader.value()->data_warning());
    }
    return !sink.stopped();
  };
  for (;;) {
    if (!budget_->CheckTime()) break;
    auto next = reader.value()->Next(entry);
    if (!next.ok()) {
      MarkFailure(out[idx], next.status(), sink.position() > 0);
      break;
    }
    if (!next.value()) break;
    if (!entry.regular) continue;
    if (entry.encrypted) {
      MarkFailure(out[idx], Status(StatusCode::kEncrypted, "encrypted part"), true);
      continue;
    }
    if (IsOfficeEmbedding(entry.name) || IsForeignToOffice(entry.name, odf)) {
      // An embedded workbook or document is a member of its own, and so is
      // a file that is no part of the package.
      if (!budget_->TakeMember()) break;
      std::string member = names.Take(entry.name);
      size_t m = AddMember(member, idx, entry.size, entry.mtime_ns, out);
      if (!NestingAllowed(depth + 1, out[m])) continue;
      MemberSource ms(*reader.value(), *budget_);
      Process(ms, member, m, depth + 1, out);
      if (!reader.value()->data_warning().empty()) {
        MarkPartial(out[m], "corrupt", reader.value()->data_warning());
      }
      if (reader.value()->entry_damaged()) WithholdName(m, idx, member, names, out);
      if (!reader.value()->data_warning().empty()) {
        MarkPartial(out[idx], "corrupt", "damaged data in member " + member);
      }
      continue;
    }
    if (!odf && (formats::IsXlsbTextPart(entry.name) ||
                 (!table && entry.name == "xl/sharedStrings.bin"))) {
      // An .xlsb's sheets and comments (BIFF12 records); its strings when
      // they could not be held as a table.
      formats::SharedStrings none;
      formats::XlsbSheet sheet(sink, table ? *table : none, limits_);
      MemberSource ms(*reader.value(), *budget_);
      Pump(ms, depth + 1, out[idx], false, [&](std::string_view bytes) {
        sheet.Feed(bytes);
        return !sink.stopped();
      });
      if (sheet.End() && !sink.stopped()) {
        MarkPartial(out[idx], "corrupt", entry.name + ": ends inside a record");
      }
      if (!end_part()) break;
      continue;
    }
    if (!IsOfficeTextPart(entry.name, odf)) continue;
    // The table was read already; the strings come out through the cells.
    if (table && table->loaded && entry.name == "xl/sharedStrings.xml") continue;
    MemberSource ms(*reader.value(), *budget_);
    auto markup = table && formats::IsWorksheetPart(entry.name)
                      ? formats::MakeSheet(sink, *table, limits_)
                      : formats::MakeMarkup(sink,
                                            IsOfficeDataPart(entry.name, odf)
                                                ? formats::MarkupMode::kXml
                                                : formats::MarkupMode::kOffice,
                                            limits_);
    SniffingDecoder decoder;  // UTF-8 or UTF-16
    Pump(ms, depth + 1, out[idx], false, [&](std::string_view bytes) {
      decoder.Decode(bytes, *markup);
      return !sink.stopped();
    });
    decoder.Finish(*markup);
    markup->End();
    if (!end_part()) break;
  }
  if (no_end) MarkPartial(out[idx], "corrupt", kNoEndRecord);
  if (table && !sink.stopped()) formats::WriteUnusedStrings(sink, *table);
  sink.Finish(out[idx]);
}

// ---- Text -------------------------------------------------------------------

namespace {
class Collect : public TextConsumer {
 public:
  void OnText(std::string_view t, uint64_t, uint64_t) override { text += t; }
  std::string text;
};
// The UTF-8 of a text stream in another encoding (BOM skipped).
class Utf8Source : public ByteSource {
 public:
  Utf8Source(ByteSource& inner, EncodingGuess guess)
      : inner_(inner), decoder_(guess.encoding, guess.bom_bytes), skip_(guess.bom_bytes),
        buf_(64 << 10) {}
  Result<size_t> Read(std::span<char> buf) override {
    while (pos_ >= out_.text.size()) {
      if (eof_) return size_t{0};
      out_.text.clear();
      pos_ = 0;
      auto n = inner_.Read({buf_.data(), buf_.size()});
      if (!n.ok()) return n;
      if (n.value() == 0) {
        eof_ = true;
        decoder_.Finish(out_);
        continue;
      }
      std::string_view bytes(buf_.data(), n.value());
      size_t s = std::min(skip_, bytes.size());
      skip_ -= s;
      decoder_.Decode(bytes.substr(s), out_);
    }
    size_t n = std::min(buf.size(), out_.text.size() - pos_);
    std::memcpy(buf.data(), out_.text.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  ByteSource& inner_;
  TextDecoder decoder_;
  size_t skip_;
  std::vector<char> buf_;
  Collect out_;
  size_t pos_ = 0;
  bool eof_ = false;
};

}  // namespace

void Extractor::Impl::Text(PeekSource& in, std::string_view name, size_t idx, int depth,
                           Records& out) {
  const std::string& head = in.head();
  EncodingGuess guess = SniffEncoding(std::string_view(head).substr(0, limits_.sniff_bytes));
  // A zip with data in front of it. Only binary content and scripts are
  // looked at: a stub is one or the other, and text files are spared the
  // extra read. A script's text is classified as the file's own (it can
  // hold what any script can: a password, a connection string), then the
  // zip's members as members.
  const bool script = head.starts_with("#!");
  if (guess.encoding == TextEncoding::kBinary || script) {
    if (std::optional<uint64_t> stub = AppendedZip(in)) {
      out[idx].format = formats::ContentKindName(formats::ContentKind::kArchive);
      if (script) {
        StubSource stub_bytes(in, *stub);
        PeekSource text(stub_bytes, std::max(limits_.sniff_bytes, kMinPeek));
        if (!text.peek_status().ok()) {
          MarkPartial(out[idx], "read_error", text.peek_status().message());
        } else if (SniffEncoding(std::string_view(text.head()).substr(0, limits_.sniff_bytes))
                       .encoding != TextEncoding::kBinary) {
          Text(text, name, idx, depth, out);
        }
        // A stub that is not text after all is left unread, as an
        // executable's bytes are.
      }
      return Archive(in, name, idx, depth, false, out);
    }
  }
  if (guess.encoding == TextEncoding::kBinary) {
    if (!limits_.scan_binary) {
      // Binary content with no extractor: classifying raw bytes would give
      // noise, so it is skipped with a reason rather than called clean.
      out[idx].status = AssetStatus::kSkipped;
      out[idx].reason = "binary";
      out[idx].format = formats::ContentKindName(formats::ContentKind::kBinary);
      out[idx].bytes_scanned = 0;
      return;
    }
    guess = {TextEncoding::kUtf8, 0};
  }
  // Decode the head to see what kind of text it is.
  Collect sample;
  {
    TextDecoder probe(guess.encoding, guess.bom_bytes);
    probe.Decode(std::string_view(head).substr(std::min(guess.bom_bytes, head.size())), sample);
  }
  formats::TextFormat format = formats::SniffTextFormat(sample.text, name);
  if (format == formats::TextFormat::kMail) {
    if (guess.encoding == TextEncoding::kUtf8) return Mail(in, idx, depth, out);
    // A UTF-16 message: the MIME reader gets it as UTF-8.
    Utf8Source utf8(in, guess);
    PeekSource peeked(utf8, 1);
    return Mail(peeked, idx, depth, out);
  }

  formats::TextSink sink(MatcherAt(depth), *budget_, limits_.max_locators);
  std::unique_ptr<formats::StructuredText> structured;
  switch (format) {
    case formats::TextFormat::kCsv: {
      // Exports use ';' (where ',' is the decimal mark) and '|' as often.
      const char sniffed = formats::SniffDelimiter(sample.text);
      const char delim = sniffed != 0 ? sniffed : ',';
      structured =
          formats::MakeDelimited(sink, delim, limits_, formats::SniffHeaderRow(sample.text, delim));
      break;
    }
    case formats::TextFormat::kTsv:
      structured =
          formats::MakeDelimited(sink, '\t', limits_, formats::SniffHeaderRow(sample.text, '\t'));
      break;
    case formats::TextFormat::kMarkdown:
      structured = formats::MakePipeTables(sink, limits_);
      break;
    case formats::TextFormat::kJson: structured = formats::MakeJson(sink, limits_); break;
    case formats::TextFormat::kHl7: structured = formats::MakeHl7(sink, limits_); break;
    case formats::TextFormat::kX12: structured = formats::MakeX12(sink, limits_); break;
    case formats::TextFormat::kXml:
      structured = formats::MakeMarkup(sink, formats::MarkupMode::kXml, limits_);
      break;
    case formats::TextFormat::kHtml:
      structured = formats::MakeMarkup(sink, formats::MarkupMode::kHtml, limits_);
      break;
    default: break;
  }
  TextConsumer& consumer = structured ? static_cast<TextConsumer&>(*structured) : sink;
  TextDecoder decoder(guess.encoding, guess.bom_bytes);
  size_t skip = guess.bom_bytes;
  // A hole in a sparse file is classified as its first 64 KiB of zeros
  // (TextDecoder::SkipZeros): the same findings as reading all of it, at
  // the cost of none of it.
  Pump(
      in, depth, out[idx], true,
      [&](std::string_view bytes) {
        size_t s = std::min(skip, bytes.size());
        skip -= s;
        decoder.Decode(bytes.substr(s), consumer);
        return !sink.stopped();
      },
      [&](uint64_t n) -> uint64_t {
        return skip > 0 || sink.stopped() ? 0 : decoder.SkipZeros(n, consumer);
      });
  decoder.Finish(consumer);
  if (structured) structured->End();
  sink.Finish(out[idx]);
}

// ---- Extractor ----------------------------------------------------------------

Extractor::Extractor(std::shared_ptr<const classifiers::RuleSet> rules,
                     const classifiers::TokenKey* key, const ScanLimits& limits)
    : impl_(std::make_unique<Impl>(std::move(rules), key, limits)) {}
Extractor::~Extractor() = default;

void Extractor::ExtractDescriptor(int fd, bool seekable, uint64_t size, std::string_view name,
                                  AssetRecord top, Records& out,
                                  const std::atomic<bool>* cancel) {
  formats::FdSource src(fd, seekable, size,
                        seekable ? "/proc/self/fd/" + std::to_string(fd) : std::string());
  src.CountReads(read_counter_);
  impl_->Run(src, name, std::move(top), out, cancel);
}

void Extractor::ExtractBytes(std::string_view bytes, std::string_view name, AssetRecord top,
                             Records& out) {
  formats::MemorySource src(bytes);
  impl_->Run(src, name, std::move(top), out, nullptr);
}

}  // namespace phiscan::scanner
