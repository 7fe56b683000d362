// Compound files (formats/cfb.h): legacy Word, Excel and PowerPoint
// documents, Outlook messages, and the OLE objects embedded in documents;
// and Outlook's other message container, TNEF (formats/tnef.h: a
// winmail.dat's text, its compressed RTF body and attachments as members,
// as for a .msg).
//
// The file is read into memory (up to ScanLimits::max_buffered_member) and
// its directory read. What a storage holds says what it is, and the asset's
// format says so too:
//   - WordDocument: "doc", the text in character order;
//   - Workbook (BIFF8) or Book (BIFF5): "xls", cells written as for xlsx,
//     each under its column's name (formats/xlsx.h SheetCells); comments,
//     text boxes and page headers as text apart;
//   - PowerPoint Document: "ppt", every text atom;
//   - __substg1.0_ property streams: "msg", an Outlook message: its string
//     properties (subject, body, names and addresses) and its recipients'
//     as text, its attachments as members; an attached message is a member
//     read like the message; a body stored only as compressed RTF
//     (Outlook's rich-text messages) is member body.rtf, decompressed
//     (formats/compressed_rtf.h) and read as an RTF file;
//   - EncryptedPackage: an OOXML document saved with a password: encrypted;
//   - \x01Ole10Native or Package: an embedded object's storage standing
//     alone (a presentation's, an RTF document's): "ole", the file it
//     carries a member, as for an ObjectPool storage;
//   - anything else ("ole": Visio, Publisher, an installer, a thumbnail
//     cache): the printable runs of every stream, 8-bit and UTF-16.
// A document's summary streams (\x05SummaryInformation: title, subject,
// author, comments; \x05DocumentSummaryInformation: company, manager) are
// read as printable runs too.
//
// Embedded objects are members: Word's ObjectPool storages, Excel's MBD
// storages and PowerPoint's ExOleObjStg records (object-N, inflated when
// compressed), each read like a compound file of its own; an OLE package
// (\x01Ole10Native) is the file it carries, named as the package names it;
// a Package stream (an embedded OOXML document) or a CONTENTS stream (an
// embedded PDF) is read as a file. Attachments and packaged files are read
// from memory; their bytes and every stream read are charged to the
// container budget, so streams that share sectors cannot expand a small
// file without bound.
//
// Memory: the file itself, and little more. A stream is a view into it when
// its sectors are in order (a copy otherwise), text goes to the matcher in
// 64 KiB pieces (formats::TextOut), and an .xls shared-string table is held
// up to max_buffered_member bytes (strings past it are read as text). A
// 60 MB .doc scans in 98 MB peak RSS.
//
// Offsets are in the extracted text.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "scanner/formats/cfb.h"
#include "scanner/formats/compressed_rtf.h"
#include "scanner/formats/extract_impl.h"
#include "scanner/formats/legacy_office.h"
#include "scanner/formats/tnef.h"
#include "scanner/formats/xlsx.h"

namespace phiscan::scanner {
namespace {

using formats::CompoundFile;

enum class OleKind {
  kWord,
  kExcel,
  kPowerPoint,
  kMessage,
  kEncryptedPackage,
  kObject,  // an embedded object's storage: a packaged file, an OOXML package
  kOther
};

// The stream (not a storage) named `name` in `storage`, or kNone.
uint32_t FindStream(const CompoundFile& cf, uint32_t storage, std::string_view name) {
  const uint32_t id = cf.Find(storage, name);
  return id != CompoundFile::kNone && !cf.entry(id).storage ? id : CompoundFile::kNone;
}

OleKind KindOf(const CompoundFile& cf, uint32_t storage) {
  auto has = [&](std::string_view name) {
    return FindStream(cf, storage, name) != CompoundFile::kNone;
  };
  if (has("EncryptedPackage")) return OleKind::kEncryptedPackage;
  if (has("WordDocument")) return OleKind::kWord;
  if (has("Workbook") || has("Book")) return OleKind::kExcel;
  if (has("PowerPoint Document")) return OleKind::kPowerPoint;
  for (uint32_t c : cf.entry(storage).children) {
    if (formats::ParseMsgPropertyName(cf.entry(c).name)) return OleKind::kMessage;
  }
  // The storage of an embedded object standing alone, as a presentation or
  // an RTF document holds one: what it carries is a file (OleObject).
  if (has("\x01Ole10Native") || has("Package")) return OleKind::kObject;
  return OleKind::kOther;
}

const char* FormatName(OleKind kind) {
  switch (kind) {
    case OleKind::kWord:
      return "doc";
    case OleKind::kExcel:
      return "xls";
    case OleKind::kPowerPoint:
      return "ppt";
    case OleKind::kMessage:
      return "msg";
    case OleKind::kEncryptedPackage:
    case OleKind::kObject:
    case OleKind::kOther:
      return "ole";
  }
  return "ole";
}

// The compressed RTF stream of a message whose body is only that (no plain
// or HTML body, which would repeat it), or kNone.
uint32_t RtfOnlyBody(const CompoundFile& cf, uint32_t storage) {
  uint32_t rtf = CompoundFile::kNone;
  for (uint32_t c : cf.entry(storage).children) {
    if (cf.entry(c).storage) continue;
    auto p = formats::ParseMsgPropertyName(cf.entry(c).name);
    if (!p) continue;
    if (p->id == 0x1000 || p->id == 0x1013) return CompoundFile::kNone;
    if (p->id == 0x1009 && p->type == formats::kMsgBinary) rtf = c;
  }
  return rtf;
}

// Decoded text handed to `sink` as extracted text (offsets in it), in
// TextOut's pieces, until the sink stops.
formats::TextOut SinkText(formats::TextSink& sink) {
  return formats::TextOut([&sink](std::string_view t) {
    if (!sink.stopped()) sink.Synthetic(t, sink.position());
    return !sink.stopped();
  });
}

// An attached message's member name, as Outlook saves one: its subject
// (cleaned) with ".msg" unless it ends so already, whatever dots it holds
// ("labs of 12.03.msg"); "attached.msg" without one.
std::string MessageName(std::string subject) {
  if (subject.empty()) return "attached.msg";
  constexpr std::string_view kExt = ".msg";
  const bool has_ext =
      subject.size() > kExt.size() &&
      std::equal(kExt.begin(), kExt.end(), subject.end() - kExt.size(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
  if (!has_ext) subject += kExt;
  return subject;
}

// A decoder (Impl::DecodedMember) of a message body stored only as
// compressed RTF.
auto RtfDecoder(std::string_view compressed) {
  return [compressed](size_t max, std::string& out) {
    return formats::DecompressRtf(compressed, max, out);
  };
}

uint64_t StorageBytes(const CompoundFile& cf, uint32_t storage) {
  uint64_t total = 0;
  std::vector<uint32_t> stack{storage};
  while (!stack.empty()) {
    const CompoundFile::Entry& e = cf.entry(stack.back());
    stack.pop_back();
    if (!e.storage) total += e.size;
    stack.insert(stack.end(), e.children.begin(), e.children.end());
  }
  return total;
}

// Cells to the sink, each charged to the budget: a 14-byte record can show
// a 32 KiB shared string, so the cells, not the stream, are what expands.
class XlsCells : public formats::CellSink {
 public:
  XlsCells(formats::TextSink& sink, const ScanLimits& limits, Budget& budget)
      : sink_(sink), limits_(limits), budget_(budget) {}
  void OnSheet(std::string_view name) override {
    End();
    cells_.emplace(sink_, limits_);
    row_ = kNoRow;
    if (!name.empty()) {
      sink_.Synthetic(name, sink_.position());
      sink_.Synthetic("\n", sink_.position());
    }
  }
  bool OnCell(uint32_t row, uint32_t col, std::string_view text) override {
    if (!cells_) cells_.emplace(sink_, limits_);
    if (row != row_) {
      cells_->StartRow();
      row_ = row;
    }
    cells_->Cell(col, text);
    return budget_.ChargeBytes(text.size()) && !sink_.stopped();
  }
  void OnText(std::string_view text) override {
    End();
    sink_.Synthetic(text, sink_.position());
    sink_.Synthetic("\n", sink_.position());
  }
  void End() {
    if (cells_) cells_->End();
    cells_.reset();
  }

 private:
  static constexpr uint32_t kNoRow = 0xFFFFFFFF;
  formats::TextSink& sink_;
  const ScanLimits& limits_;
  Budget& budget_;
  std::optional<formats::SheetCells> cells_;
  uint32_t row_ = kNoRow;
};

}  // namespace

bool Extractor::Impl::ReadOleStream(const CompoundFile& cf, uint32_t id, std::string& scratch,
                                    std::string_view& data, AssetRecord& rec) {
  data = {};
  if (!budget_->CheckTime()) {
    MarkPartial(rec, budget_->reason());
    return false;
  }
  const Status read = cf.View(id, limits_.max_buffered_member, scratch, data);
  if (!budget_->ChargeBytes(data.size())) {
    MarkPartial(rec, budget_->reason());
    data = {};
    return false;
  }
  if (!read.ok()) MarkFailure(rec, read, true);
  return true;
}

void Extractor::Impl::Ole(formats::PeekSource& in, size_t idx, int depth, Records& out) {
  std::string bytes;
  if (!BufferAll(in, bytes, out[idx])) return;
  auto cf = CompoundFile::Open(bytes);
  if (!cf.ok()) {
    MarkFailure(out[idx], cf.status(), false);
    return;
  }
  if (cf.value().damaged()) {
    MarkPartial(out[idx], "corrupt", "compound file directory damaged; some streams not found");
  }
  OleStorage(cf.value(), CompoundFile::kRoot, idx, depth, out);
  // Data appended after the last sector the file's structures reach is no
  // stream's, and was skipped while the file read as complete. Zeros there
  // are padding, as after a compressed stream.
  const std::string_view after = std::string_view(bytes).substr(cf.value().reached());
  if (after.find_first_not_of('\0') != std::string_view::npos) {
    MarkPartial(out[idx], "corrupt",
                std::to_string(after.size()) + " bytes at offset " +
                    std::to_string(cf.value().reached()) +
                    " after the compound file's last sector, not read");
  }
}

void Extractor::Impl::OleStorage(const CompoundFile& cf, uint32_t storage, size_t idx, int depth,
                                 Records& out) {
  const OleKind kind = KindOf(cf, storage);
  out[idx].format = FormatName(kind);
  if (kind == OleKind::kEncryptedPackage) {
    MarkFailure(out[idx],
                Status(StatusCode::kEncrypted, "Office document encrypted with a password"), false);
    return;
  }
  const CompoundFile::Entry& dir = cf.entry(storage);
  // Members to add once the text is read: (entry, name).
  std::vector<std::pair<uint32_t, std::string>> members;
  // A stream's bytes are a view into the buffered file, or into `scratch`
  // when its sectors are out of order.
  std::string scratch;
  std::string_view data;
  // A presentation's embedded storages: views into its stream, which stays
  // in `ppt_scratch` when not in place.
  std::string ppt_scratch;
  std::vector<formats::PptStorage> ppt_storages;
  {
    formats::TextSink sink(MatcherAt(depth), *budget_, limits_.max_locators);
    sink.ReportTextOffsets();
    formats::TextOut text = SinkText(sink);
    auto runs_of = [&](uint32_t id) {
      if (id == CompoundFile::kNone || cf.entry(id).storage) return;
      if (!ReadOleStream(cf, id, scratch, data, out[idx])) return;
      formats::PrintableRuns(data, text);
      text.Flush();
    };
    switch (kind) {
      case OleKind::kWord: {
        const uint32_t word = FindStream(cf, storage, "WordDocument");
        std::string word_scratch;
        if (!ReadOleStream(cf, word, word_scratch, data, out[idx])) break;
        auto fib = formats::ReadWordFib(data);
        Status status = fib.status();
        if (fib.ok()) {
          std::string_view table;
          const uint32_t t = FindStream(cf, storage, fib.value().table_one ? "1Table" : "0Table");
          if (t == CompoundFile::kNone) {
            status = Status::Corrupt("Word: no table stream");
          } else if (ReadOleStream(cf, t, scratch, table, out[idx])) {
            status = formats::WordText(data, table, fib.value(), text);
          }
        }
        if (status.code() == StatusCode::kEncrypted) {
          MarkFailure(out[idx], status, false);
        } else if (!status.ok()) {
          // Word 6/95, or a damaged piece table (nothing of it was written):
          // the stream's printable runs.
          if (status.code() != StatusCode::kUnsupported) MarkFailure(out[idx], status, true);
          formats::PrintableRuns(data, text);
        }
        text.Flush();
        break;
      }
      case OleKind::kExcel: {
        uint32_t book = FindStream(cf, storage, "Workbook");
        if (book == CompoundFile::kNone) book = FindStream(cf, storage, "Book");
        if (!ReadOleStream(cf, book, scratch, data, out[idx])) break;
        XlsCells cells(sink, limits_, *budget_);
        Status status =
            formats::WorkbookCells(data, formats::kMaxCell, limits_.max_buffered_member, cells);
        cells.End();
        if (!status.ok()) MarkFailure(out[idx], status, sink.position() > 0);
        break;
      }
      case OleKind::kPowerPoint: {
        const uint32_t ppt = FindStream(cf, storage, "PowerPoint Document");
        if (!ReadOleStream(cf, ppt, ppt_scratch, data, out[idx])) break;
        // One more than the members allowed: enough to say they ran out.
        const size_t max_storages =
            limits_.max_members == 0 ? SIZE_MAX : static_cast<size_t>(limits_.max_members) + 1;
        Status status = formats::PowerPointText(data, text, &ppt_storages, max_storages);
        if (!status.ok()) MarkFailure(out[idx], status, true);
        text.Flush();
        break;
      }
      case OleKind::kMessage:
        OleMessageText(cf, storage, sink, out[idx]);
        break;
      case OleKind::kEncryptedPackage:
      case OleKind::kObject:  // its file is a member
        break;
      case OleKind::kOther: {
        // Every stream, storages below included (an embedded object in an
        // unknown container is not told apart from its structure).
        std::vector<uint32_t> stack(dir.children.rbegin(), dir.children.rend());
        while (!stack.empty() && !sink.stopped()) {
          const uint32_t id = stack.back();
          stack.pop_back();
          const CompoundFile::Entry& e = cf.entry(id);
          if (e.storage) {
            stack.insert(stack.end(), e.children.rbegin(), e.children.rend());
          } else {
            runs_of(id);
          }
        }
        break;
      }
    }
    if (kind != OleKind::kOther && kind != OleKind::kMessage) {
      runs_of(FindStream(cf, storage, "\x05SummaryInformation"));
      runs_of(FindStream(cf, storage, "\x05DocumentSummaryInformation"));
    }
    sink.Finish(out[idx]);
  }

  // Embedded objects and attachments.
  if (kind == OleKind::kMessage) {
    const uint32_t rtf = RtfOnlyBody(cf, storage);
    if (rtf != CompoundFile::kNone) members.emplace_back(rtf, std::string());
    for (uint32_t c : dir.children) {
      if (cf.entry(c).storage && cf.entry(c).name.starts_with("__attach_version1.0_#")) {
        members.emplace_back(c, std::string());
      }
    }
  } else if (kind == OleKind::kObject) {
    members.emplace_back(storage, "embedded");
  } else if (kind != OleKind::kOther) {
    const uint32_t pool = cf.Find(storage, "ObjectPool");
    if (pool != CompoundFile::kNone) {
      for (uint32_t c : cf.entry(pool).children) {
        if (cf.entry(c).storage) members.emplace_back(c, cf.entry(c).name);
      }
    }
    for (uint32_t c : dir.children) {
      if (cf.entry(c).storage && cf.entry(c).name.starts_with("MBD")) {
        members.emplace_back(c, cf.entry(c).name);
      }
    }
  }
  MemberNames names;
  // Each false, with out[idx] partial, once the budget allows no more.
  auto take_member = [&] {
    if (budget_->CheckTime() && budget_->TakeMember()) return true;
    MarkPartial(out[idx], budget_->reason());
    return false;
  };
  auto budget_left = [&] {
    if (!budget_->exhausted()) return true;
    MarkPartial(out[idx], budget_->reason());
    return false;
  };
  for (auto& [id, name] : members) {
    if (!take_member()) return;
    if (kind == OleKind::kMessage && !cf.entry(id).storage) {
      // The body in compressed RTF (RtfOnlyBody).
      std::string scratch;
      std::string_view data;
      if (ReadOleStream(cf, id, scratch, data, out[idx])) {
        DecodedMember("body.rtf", idx, depth, names, out, RtfDecoder(data));
      }
    } else if (kind == OleKind::kMessage) {
      OleAttachment(cf, id, idx, depth, names, out);
    } else {
      OleObject(cf, id, name, idx, depth, names, out);
    }
    if (!budget_left()) return;
  }
  // A presentation's storages (embedded objects), by their place in it.
  for (size_t i = 0; i < ppt_storages.size(); ++i) {
    if (!take_member()) return;
    DecodedMember("object-" + std::to_string(i + 1), idx, depth, names, out,
                  [&](size_t max, std::string& bytes) {
                    return formats::PowerPointStorage(ppt_storages[i], max, bytes);
                  });
    if (!budget_left()) return;
  }
}

void Extractor::Impl::OleMessageText(const CompoundFile& cf, uint32_t storage,
                                     formats::TextSink& sink, AssetRecord& rec) {
  std::string scratch;
  std::string_view data;
  formats::TextOut text = SinkText(sink);
  auto strings_of = [&](uint32_t s) {
    bool body = false;
    for (uint32_t c : cf.entry(s).children) {
      if (auto p = formats::ParseMsgPropertyName(cf.entry(c).name)) body |= p->id == 0x1000;
    }
    for (uint32_t c : cf.entry(s).children) {
      if (sink.stopped()) return;
      auto p = formats::ParseMsgPropertyName(cf.entry(c).name);
      if (!p || cf.entry(c).storage || formats::SkipMessageProperty(p->id)) continue;
      // The HTML body (binary, or a string) only when there is no plain one:
      // it repeats it.
      if (p->id == 0x1013 && body) continue;
      const bool html = p->id == 0x1013 && p->type == formats::kMsgBinary;
      if (p->type != formats::kMsgUnicode && p->type != formats::kMsgString8 && !html) continue;
      if (!ReadOleStream(cf, c, scratch, data, rec)) continue;
      const uint64_t start = sink.position();  // the buffer is empty here
      if (p->type == formats::kMsgUnicode) {
        formats::Utf16LeText(data, text);
      } else {
        formats::Cp1252Text(data, text);
      }
      if (const char* field = formats::MessagePropertyField(p->id)) {
        text.Flush();
        sink.Field(start, sink.position(), field);
      }
      text.buffer() += '\n';
      text.Flush();
    }
  };
  strings_of(storage);
  for (uint32_t c : cf.entry(storage).children) {
    if (cf.entry(c).storage && cf.entry(c).name.starts_with("__recip_version1.0_#")) strings_of(c);
  }
}

void Extractor::Impl::OleAttachment(const CompoundFile& cf, uint32_t storage, size_t idx, int depth,
                                    MemberNames& names, Records& out) {
  // The attachment's name: its long file name, its 8.3 name, its display
  // name, in that order.
  std::string name, scratch;
  std::string_view data;
  for (uint16_t id : {0x3707, 0x3704, 0x3001}) {
    for (uint16_t type : {formats::kMsgUnicode, formats::kMsgString8}) {
      char stream[32];
      std::snprintf(stream, sizeof stream, "__substg1.0_%04X%04X", id, type);
      const uint32_t s = FindStream(cf, storage, stream);
      if (!name.empty() || s == CompoundFile::kNone) continue;
      std::string raw;
      cf.Read(s, raw, 4096);  // a name cut short is still a name
      if (type == formats::kMsgUnicode) {
        formats::AppendUtf16Le(raw, name);
      } else {
        formats::AppendCp1252(raw, name);
      }
    }
  }
  name = CarriedFileName(std::move(name));
  const uint32_t bytes = FindStream(cf, storage, "__substg1.0_37010102");
  const uint32_t object = cf.Find(storage, "__substg1.0_3701000D");
  if (object != CompoundFile::kNone && cf.entry(object).storage) {
    // An attached message (or an OLE object attached to a rich-text one).
    const bool message = KindOf(cf, object) == OleKind::kMessage;
    if (message) {
      name = MessageName(std::move(name));
    } else if (name.empty()) {
      name = "object";
    }
    const std::string member = names.Take(name);
    size_t m = AddMember(member, idx, static_cast<int64_t>(StorageBytes(cf, object)),
                         out[idx].mtime_ns, out);
    if (!NestingAllowed(depth + 1, out[m])) return;
    OleStorage(cf, object, m, depth + 1, out);
    return;
  }
  if (bytes == CompoundFile::kNone) return;  // a link or a reference: no content
  const std::string member = names.Take(name.empty() ? "attachment" : name);
  size_t m =
      AddMember(member, idx, static_cast<int64_t>(cf.entry(bytes).size), out[idx].mtime_ns, out);
  if (!ReadOleStream(cf, bytes, scratch, data, out[m])) return;
  OleMember(data, member, m, depth, out);
}

void Extractor::Impl::DecodedMember(
    std::string_view name, size_t idx, int depth, MemberNames& names, Records& out,
    const std::function<Status(size_t, std::string&)>& decode) {
  const std::string member = names.Take(std::string(name));
  const size_t m = AddMember(member, idx, 0, out[idx].mtime_ns, out);
  std::string bytes;
  const Status s = decode(limits_.max_buffered_member, bytes);
  out[m].size = bytes.size();
  if (!budget_->ChargeBytes(bytes.size())) {
    MarkPartial(out[m], budget_->reason());
    return;
  }
  if (!s.ok()) MarkFailure(out[m], s, !bytes.empty());
  OleMember(bytes, member, m, depth, out);
}

void Extractor::Impl::Tnef(formats::PeekSource& in, size_t idx, int depth, Records& out) {
  std::string bytes;
  if (!BufferAll(in, bytes, out[idx])) return;
  formats::TnefMessage message;
  const Status parsed = formats::ParseTnef(bytes, message);
  {
    formats::TextSink sink(MatcherAt(depth), *budget_, limits_.max_locators);
    sink.ReportTextOffsets();
    formats::TextOut text = SinkText(sink);
    // A text read once: TNEF carries a message's subject (and a short body)
    // both as a legacy attribute and as a MAPI property, in two encodings.
    // Compared whole, up to 64 KiB (a longer text is always read).
    constexpr size_t kMaxRepeatCheck = 64 << 10;
    std::set<std::string, std::less<>> seen;
    std::string decoded;
    for (const formats::TnefText& t : message.text) {
      if (text.stopped() || !budget_->ChargeBytes(t.bytes.size())) break;
      decoded.clear();
      if (t.utf16) {
        formats::AppendUtf16Le(t.bytes, decoded);
      } else {
        formats::AppendCp1252(t.bytes, decoded);
      }
      if (decoded.size() <= kMaxRepeatCheck && !seen.insert(decoded).second) continue;
      const uint64_t start = sink.position();
      text.buffer() += decoded;
      text.Flush();
      if (t.field != nullptr) sink.Field(start, sink.position(), t.field);
      text.buffer() += '\n';
      text.Flush();
    }
    sink.Finish(out[idx]);
  }
  if (!parsed.ok()) MarkFailure(out[idx], parsed, true);
  MemberNames names;
  auto take_member = [&] { return budget_->CheckTime() && budget_->TakeMember(); };
  if (!message.rtf_compressed.empty() && take_member()) {
    DecodedMember("body.rtf", idx, depth, names, out, RtfDecoder(message.rtf_compressed));
  }
  for (const formats::TnefAttachment& a : message.attachments) {
    if (budget_->exhausted() || !take_member()) break;
    if (a.data.empty()) continue;  // a link, or nothing attached
    std::string name = CarriedFileName(a.name);
    if (a.message) {
      name = MessageName(std::move(name));
    } else if (name.empty()) {
      name = "attachment";
    }
    const std::string member = names.Take(name);
    const size_t m = AddMember(member, idx, static_cast<int64_t>(a.data.size()),
                               out[idx].mtime_ns, out);
    OleMember(a.data, member, m, depth, out);
  }
  if (budget_->exhausted()) MarkPartial(out[idx], budget_->reason());
}

void Extractor::Impl::OleObject(const CompoundFile& cf, uint32_t storage, std::string_view name,
                                size_t idx, int depth, MemberNames& names, Records& out) {
  std::string scratch;
  std::string_view data;
  const uint32_t native = cf.Find(storage, "\x01Ole10Native");
  if (native != CompoundFile::kNone && !cf.entry(native).storage) {
    // A packaged file: the member is the file, under its own name.
    if (!ReadOleStream(cf, native, scratch, data, out[idx])) return;
    auto file = formats::ReadOle10Native(data);
    if (file.ok()) {
      std::string fname = CarriedFileName(file.value().name);
      const std::string member = names.Take(fname.empty() ? std::string(name) : fname);
      size_t m = AddMember(member, idx, static_cast<int64_t>(file.value().data.size()),
                           out[idx].mtime_ns, out);
      OleMember(file.value().data, member, m, depth, out);
      return;
    }
    // Not a package's layout: the stream is read as a file of its own.
    const std::string member = names.Take(name);
    size_t m = AddMember(member, idx, static_cast<int64_t>(data.size()), out[idx].mtime_ns, out);
    OleMember(data, member, m, depth, out);
    return;
  }
  for (const char* stream : {"Package", "CONTENTS"}) {
    const uint32_t s = cf.Find(storage, stream);
    if (s == CompoundFile::kNone || cf.entry(s).storage) continue;
    const std::string member = names.Take(name);
    size_t m =
        AddMember(member, idx, static_cast<int64_t>(cf.entry(s).size), out[idx].mtime_ns, out);
    if (!ReadOleStream(cf, s, scratch, data, out[m])) return;
    OleMember(data, member, m, depth, out);
    return;
  }
  const std::string member = names.Take(name);
  size_t m = AddMember(member, idx, static_cast<int64_t>(StorageBytes(cf, storage)),
                       out[idx].mtime_ns, out);
  if (!NestingAllowed(depth + 1, out[m])) return;
  OleStorage(cf, storage, m, depth + 1, out);
}

void Extractor::Impl::OleMember(std::string_view data, std::string_view name, size_t m, int depth,
                                Records& out) {
  if (!NestingAllowed(depth + 1, out[m])) return;
  formats::MemorySource src(data);
  Process(src, name, m, depth + 1, out);
}

}  // namespace phiscan::scanner
