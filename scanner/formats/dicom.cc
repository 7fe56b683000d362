#include "scanner/formats/dicom.h"

#include <cstring>
#include <vector>

namespace phiscan::scanner::formats::dicom {
namespace {

constexpr uint32_t kUndefined = 0xFFFFFFFFu;
constexpr uint32_t kPixelData = 0x7FE00010u;
constexpr uint32_t kItem = 0xFFFEE000u;
constexpr uint32_t kItemEnd = 0xFFFEE00Du;
constexpr uint32_t kSequenceEnd = 0xFFFEE0DDu;
// Unknown-VR values longer than this are not looked at as text: LT's
// largest value (an implicit-VR file's Image Comments or Study Comments, of
// an attribute the table below does not know, is UN here).
constexpr size_t kMaxUnknownText = 10240;
// An item's tag as implicit VR little endian writes it.
constexpr char kItemBytes[] = "\xFE\xFF\x00\xE0";

struct Attribute {
  uint32_t tag;
  const char* vr;
  const char* name;
  const char* evidence;  // a keyword term of the built-in pack, or ""
};

// The patient, study and provider attributes (PS3.6), with their VR for
// implicit-VR files. Evidence names equal keyword terms, so the attribute
// counts as a keyword for its value (like HL7's PID fields).
constexpr Attribute kAttributes[] = {
    {0x00080005, "CS", "Specific Character Set", ""},
    {0x00080016, "UI", "SOP Class UID", ""},
    {0x00080018, "UI", "SOP Instance UID", ""},
    {0x00080020, "DA", "Study Date", ""},
    {0x00080021, "DA", "Series Date", ""},
    {0x00080022, "DA", "Acquisition Date", ""},
    {0x00080023, "DA", "Content Date", ""},
    {0x00080030, "TM", "Study Time", ""},
    {0x00080050, "SH", "Accession Number", "accession number"},
    {0x00080060, "CS", "Modality", ""},
    {0x00080070, "LO", "Manufacturer", ""},
    {0x00080080, "LO", "Institution Name", ""},
    {0x00080081, "ST", "Institution Address", "address"},
    {0x00080090, "PN", "Referring Physician's Name", "name"},
    {0x00080092, "ST", "Referring Physician's Address", "address"},
    {0x00080094, "SH", "Referring Physician's Telephone Numbers", "phone"},
    {0x00081010, "SH", "Station Name", ""},
    {0x00081030, "LO", "Study Description", ""},
    {0x0008103E, "LO", "Series Description", ""},
    {0x00081048, "PN", "Physician(s) of Record", "name"},
    {0x00081050, "PN", "Performing Physician's Name", "name"},
    {0x00081060, "PN", "Name of Physician(s) Reading Study", "name"},
    {0x00081070, "PN", "Operators' Name", "name"},
    {0x00081110, "SQ", "Referenced Study Sequence", ""},
    {0x00100010, "PN", "Patient's Name", "patient name"},
    {0x00100020, "LO", "Patient ID", "patient id"},
    {0x00100021, "LO", "Issuer of Patient ID", ""},
    {0x00100030, "DA", "Patient's Birth Date", "birth date"},
    {0x00100032, "TM", "Patient's Birth Time", ""},
    {0x00100040, "CS", "Patient's Sex", ""},
    {0x00100050, "SQ", "Patient's Insurance Plan Code Sequence", ""},
    {0x00101000, "LO", "Other Patient IDs", "patient id"},
    {0x00101001, "PN", "Other Patient Names", "patient name"},
    {0x00101002, "SQ", "Other Patient IDs Sequence", ""},
    {0x00101005, "PN", "Patient's Birth Name", "patient name"},
    {0x00101010, "AS", "Patient's Age", ""},
    {0x00101040, "LO", "Patient's Address", "address"},
    {0x00101050, "LO", "Insurance Plan Identification", "insurance id"},
    {0x00101060, "PN", "Patient's Mother's Birth Name", "name"},
    {0x00101090, "LO", "Medical Record Locator", "medical record"},
    {0x00102000, "LO", "Medical Alerts", ""},
    {0x00102110, "LO", "Allergies", ""},
    {0x00102154, "SH", "Patient's Telephone Numbers", "phone"},
    {0x00102160, "SH", "Ethnic Group", ""},
    {0x00102180, "SH", "Occupation", ""},
    {0x001021B0, "LT", "Additional Patient History", ""},
    {0x00104000, "LT", "Patient Comments", ""},
    {0x00200010, "SH", "Study ID", ""},
    {0x00204000, "LT", "Image Comments", ""},
    {0x00324000, "LT", "Study Comments", ""},
    {0x0020000D, "UI", "Study Instance UID", ""},
    {0x0020000E, "UI", "Series Instance UID", ""},
    {0x00321032, "PN", "Requesting Physician", "name"},
    {0x00321060, "LO", "Requested Procedure Description", ""},
    {0x00380010, "LO", "Admission ID", ""},
    {0x00400006, "PN", "Scheduled Performing Physician's Name", "name"},
    {0x00400100, "SQ", "Scheduled Procedure Step Sequence", ""},
    {0x00400275, "SQ", "Request Attributes Sequence", ""},
    {0x0040A123, "PN", "Person Name", "name"},
    {0x0040A160, "UT", "Text Value", ""},
    {0x0040A730, "SQ", "Content Sequence", ""},
    {0x00880200, "SQ", "Icon Image Sequence", ""},
};

const Attribute* Find(uint32_t tag) {
  for (const auto& a : kAttributes) {
    if (a.tag == tag) return &a;
  }
  return nullptr;
}

bool IsTextVr(const char* vr) {
  static const char* kText[] = {"AE", "AS", "CS", "DA", "DT", "LO", "LT", "PN",
                                "SH", "ST", "TM", "UC", "UI", "UR", "UT"};
  for (const char* t : kText) {
    if (vr[0] == t[0] && vr[1] == t[1]) return true;
  }
  return false;
}

// VRs whose explicit encoding has two reserved bytes and a 32-bit length.
bool IsLongVr(const char* vr) {
  static const char* kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                "SV", "UC", "UN", "UR", "UT", "UV"};
  for (const char* t : kLong) {
    if (vr[0] == t[0] && vr[1] == t[1]) return true;
  }
  return false;
}

// Every VR of the standard (PS3.5 table 6.2-1).
bool IsKnownVr(const char* vr) {
  static const char* kAll[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO",
                               "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ",
                               "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT",
                               "UV"};
  for (const char* t : kAll) {
    if (vr[0] == t[0] && vr[1] == t[1]) return true;
  }
  return false;
}

bool Printable(std::string_view v) {
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\r' && c != '\n' && c != '\t') return false;
    if (u == 0x7F) return false;
  }
  return true;
}

std::string_view TrimValue(std::string_view v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return v;
}

// Pull reader over a ByteSource with a small buffer and a position count.
class Reader {
 public:
  explicit Reader(ByteSource& src) : src_(src), buf_(64 << 10) {}

  // Makes `n` (≤ buffer size) bytes available; false at a short end.
  Status Fill(size_t n, bool* ok) {
    if (end_ - begin_ >= n) {
      *ok = true;
      return Status::Ok();
    }
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    while (end_ < n && !eof_) {
      auto r = src_.Read({buf_.data() + end_, buf_.size() - end_});
      if (!r.ok()) return r.status();
      if (r.value() == 0) eof_ = true;
      end_ += r.value();
    }
    *ok = end_ - begin_ >= n;
    return Status::Ok();
  }
  // True when every byte was consumed. REQUIRES: a Fill() just answered.
  Status AtEnd(bool* at_end) {
    bool ok = false;
    Status s = Fill(1, &ok);
    *at_end = !ok;
    return s;
  }
  const char* data() const { return buf_.data() + begin_; }
  size_t available() const { return end_ - begin_; }
  void Consume(size_t n) {
    begin_ += n;
    pos_ += n;
  }
  // Reads `n` bytes into `out`, keeping at most `keep` of them.
  Status Take(uint64_t n, size_t keep, std::string& out, bool* ok) {
    out.clear();
    while (n > 0) {
      Status s = Fill(1, ok);
      if (!s.ok() || !*ok) return s;
      size_t have = std::min<uint64_t>(end_ - begin_, n);
      if (out.size() < keep) out.append(data(), std::min(have, keep - out.size()));
      Consume(have);
      n -= have;
    }
    *ok = true;
    return Status::Ok();
  }
  Status Skip(uint64_t n, bool* ok) {
    while (n > 0) {
      Status s = Fill(1, ok);
      if (!s.ok() || !*ok) return s;
      size_t have = std::min<uint64_t>(end_ - begin_, n);
      Consume(have);
      n -= have;
    }
    *ok = true;
    return Status::Ok();
  }
  uint64_t pos() const { return pos_; }

 private:
  ByteSource& src_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  uint64_t pos_ = 0;
  bool eof_ = false;
};

uint16_t U16(const char* p, bool big) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return big ? static_cast<uint16_t>(b[0] << 8 | b[1]) : static_cast<uint16_t>(b[1] << 8 | b[0]);
}
uint32_t U32(const char* p, bool big) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return big ? (uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3])
             : (uint32_t{b[3]} << 24 | uint32_t{b[2]} << 16 | uint32_t{b[1]} << 8 | b[0]);
}

struct Syntax {
  bool explicit_vr = true;
  bool big_endian = false;
};

struct Header {
  uint32_t tag = 0;
  char vr[3] = {};
  uint32_t length = 0;
};

Status Truncated() { return Status::Corrupt("DICOM: truncated element"); }

// Reads one element header. Item and delimiter tags (group FFFE) have no VR.
Status ReadHeader(Reader& r, const Syntax& syn, Header& h) {
  bool ok = false;
  Status s = r.Fill(8, &ok);
  if (!s.ok()) return s;
  if (!ok) return Truncated();
  const char* p = r.data();
  h.tag = uint32_t{U16(p, syn.big_endian)} << 16 | U16(p + 2, syn.big_endian);
  if ((h.tag >> 16) == 0xFFFE || !syn.explicit_vr) {
    h.length = U32(p + 4, syn.big_endian);
    if ((h.tag >> 16) == 0xFFFE) {
      std::memcpy(h.vr, "--", 3);
    } else {
      const Attribute* a = Find(h.tag);
      std::memcpy(h.vr, a != nullptr ? a->vr : "UN", 3);
    }
    r.Consume(8);
    return Status::Ok();
  }
  h.vr[0] = p[4];
  h.vr[1] = p[5];
  h.vr[2] = '\0';
  if (h.vr[0] < 'A' || h.vr[0] > 'Z' || h.vr[1] < 'A' || h.vr[1] > 'Z') {
    return Status::Corrupt("DICOM: invalid value representation");
  }
  if (IsLongVr(h.vr)) {
    s = r.Fill(12, &ok);
    if (!s.ok()) return s;
    if (!ok) return Truncated();
    h.length = U32(r.data() + 8, syn.big_endian);
    r.Consume(12);
  } else {
    h.length = U16(p + 6, syn.big_endian);
    r.Consume(8);
  }
  return Status::Ok();
}

// Skips an undefined-length encapsulated value: items up to the sequence
// delimiter.
Status SkipEncapsulated(Reader& r, const Syntax& syn) {
  Syntax items = syn;
  items.explicit_vr = false;
  for (;;) {
    Header h;
    Status s = ReadHeader(r, items, h);
    if (!s.ok()) return s;
    if (h.tag == kSequenceEnd) return Status::Ok();
    if (h.tag != kItem || h.length == kUndefined) {
      return Status::Corrupt("DICOM: bad encapsulated fragment");
    }
    bool ok = false;
    s = r.Skip(h.length, &ok);
    if (!s.ok()) return s;
    if (!ok) return Truncated();
  }
}

struct Frame {
  uint64_t end;  // position where the sequence or item ends, or kNoEnd
  bool item;
  // Inside a sequence stored as UN: implicit VR little endian, whatever the
  // file's transfer syntax (PS3.5 6.2.2).
  bool implicit = false;
};
constexpr uint64_t kNoEnd = ~uint64_t{0};

}  // namespace

std::string_view AttributeName(uint32_t tag) {
  const Attribute* a = Find(tag);
  return a != nullptr ? a->name : "";
}

std::string_view EvidenceName(uint32_t tag) {
  const Attribute* a = Find(tag);
  return a != nullptr ? a->evidence : "";
}

BareSyntax SniffBareDataSet(std::string_view h) {
  auto u16 = [&](size_t at) { return U16(h.data() + at, false); };
  auto u32 = [&](size_t at) { return U32(h.data() + at, false); };
  if (h.size() < 16) return BareSyntax::kNone;
  const uint16_t group = u16(0), element = u16(2);
  if (group != 0x0002 && group != 0x0008) return BareSyntax::kNone;
  // The element after the first: in view, and later in tag order.
  auto second_follows = [&](uint64_t at) {
    if (at + 4 > h.size()) return false;
    const uint16_t g = u16(static_cast<size_t>(at)), e = u16(static_cast<size_t>(at) + 2);
    return g == group ? e > element : g > group && g <= 0x7FE0;
  };
  if (IsKnownVr(h.data() + 4)) {
    uint64_t length, next;
    if (IsLongVr(h.data() + 4)) {
      if (h[6] != 0 || h[7] != 0) return BareSyntax::kNone;  // reserved bytes
      length = u32(8);
      next = 12 + length;
    } else {
      length = u16(6);
      next = 8 + length;
    }
    if (length % 2 == 0 && second_follows(next)) return BareSyntax::kExplicitLittle;
    return BareSyntax::kNone;
  }
  if (group == 0x0002) return BareSyntax::kNone;  // the meta group is always explicit
  const uint32_t length = u32(4);
  if (length % 2 == 0 && length <= 1024 && second_follows(8 + uint64_t{length})) {
    return BareSyntax::kImplicitLittle;
  }
  return BareSyntax::kNone;
}

Status Parse(ByteSource& src, size_t max_depth, Visitor& visitor, Info* info) {
  Info local;
  Info& inf = info != nullptr ? *info : local;
  Reader r(src);
  bool ok = false;
  Status s = r.Fill(132, &ok);
  if (!s.ok()) return s;
  BareSyntax bare = BareSyntax::kNone;
  if (ok && std::memcmp(r.data() + 128, "DICM", 4) == 0) {
    r.Consume(132);
  } else {
    // As much as content sniffing looks at, however the source cuts its reads.
    s = r.Fill(4096, &ok);
    if (!s.ok()) return s;
    bare = SniffBareDataSet(std::string_view(r.data(), r.available()));
    if (bare == BareSyntax::kNone) return Status::Corrupt("DICOM: no DICM marker");
  }

  // File meta group: explicit VR little endian, group 0002 only.
  Syntax meta;
  std::string value;
  for (;;) {
    s = r.Fill(2, &ok);
    if (!s.ok()) return s;
    if (!ok || U16(r.data(), false) != 0x0002) break;
    Header h;
    s = ReadHeader(r, meta, h);
    if (!s.ok()) return s;
    if (h.length == kUndefined) return Status::Corrupt("DICOM: undefined length in meta group");
    s = r.Take(h.length, 256, value, &ok);
    if (!s.ok()) return s;
    if (!ok) return Truncated();
    if (h.tag == 0x00020010) inf.transfer_syntax = std::string(TrimValue(value));
  }
  Syntax syn;
  const std::string& ts = inf.transfer_syntax;
  if (ts.empty() && bare == BareSyntax::kImplicitLittle) {
    syn.explicit_vr = false;
  } else if (ts == "1.2.840.10008.1.2") {
    syn.explicit_vr = false;
  } else if (ts == "1.2.840.10008.1.2.2") {
    syn.big_endian = true;
  } else if (ts == "1.2.840.10008.1.2.1.99") {
    return Status::Unsupported("DICOM: deflated transfer syntax");
  }

  std::vector<Frame> stack;
  for (;;) {
    // Close defined-length items and sequences that end here.
    while (!stack.empty() && stack.back().end != kNoEnd && r.pos() >= stack.back().end) {
      if (r.pos() > stack.back().end) return Status::Corrupt("DICOM: element overruns its item");
      stack.pop_back();
    }
    bool at_end;
    s = r.AtEnd(&at_end);
    if (!s.ok()) return s;
    if (at_end) {
      if (!stack.empty()) return Status::Corrupt("DICOM: truncated inside a sequence");
      return Status::Ok();
    }
    Header h;
    // Items and delimiters inside sequences are always implicit-VR coded,
    // and so is everything inside a sequence stored as UN.
    const bool implicit = !stack.empty() && stack.back().implicit;
    s = ReadHeader(r, implicit ? Syntax{false, false} : syn, h);
    if (!s.ok()) return s;
    const uint64_t limit = stack.empty() ? kNoEnd : stack.back().end;
    if (h.tag == kItem) {
      if (stack.empty() || stack.back().item)
        return Status::Corrupt("DICOM: item outside a sequence");
      if (stack.size() >= max_depth) return Status::Corrupt("DICOM: sequences nested too deep");
      uint64_t end = h.length == kUndefined ? kNoEnd : r.pos() + h.length;
      if (end != kNoEnd && limit != kNoEnd && end > limit) {
        return Status::Corrupt("DICOM: item longer than its sequence");
      }
      stack.push_back({end, true, implicit});
      continue;
    }
    if (h.tag == kItemEnd) {
      if (stack.empty() || !stack.back().item)
        return Status::Corrupt("DICOM: stray item delimiter");
      stack.pop_back();
      continue;
    }
    if (h.tag == kSequenceEnd) {
      if (!stack.empty() && stack.back().item && stack.back().end == kNoEnd) stack.pop_back();
      if (stack.empty() || stack.back().item)
        return Status::Corrupt("DICOM: stray sequence delimiter");
      stack.pop_back();
      continue;
    }
    if (!stack.empty() && !stack.back().item) {
      return Status::Corrupt("DICOM: element directly inside a sequence");
    }
    if (h.tag == kPixelData && stack.empty()) {
      inf.pixel_data = true;
      return Status::Ok();
    }
    const bool un = h.vr[0] == 'U' && h.vr[1] == 'N';
    bool sequence = (h.vr[0] == 'S' && h.vr[1] == 'Q') || (h.length == kUndefined && un);
    if (!sequence && un && h.length >= 8) {
      // A sequence stored as UN with its length: of an attribute the table
      // does not know in implicit VR (as DCMTK writes them: a worklist's
      // Scheduled Procedure Step Sequence), or of a private or unknown one
      // in explicit VR. Its value starts with an item.
      s = r.Fill(4, &ok);
      if (!s.ok()) return s;
      sequence = ok && std::memcmp(r.data(), kItemBytes, 4) == 0;
    }
    if (sequence) {
      if (stack.size() >= max_depth) return Status::Corrupt("DICOM: sequences nested too deep");
      uint64_t end = h.length == kUndefined ? kNoEnd : r.pos() + h.length;
      if (end != kNoEnd && limit != kNoEnd && end > limit) {
        return Status::Corrupt("DICOM: sequence longer than its item");
      }
      // Stored as UN in explicit VR: implicit VR inside.
      stack.push_back({end, false, implicit || (un && syn.explicit_vr)});
      continue;
    }
    if (h.length == kUndefined) {
      s = SkipEncapsulated(r, syn);
      if (!s.ok()) return s;
      continue;
    }
    if (limit != kNoEnd && r.pos() + h.length > limit) {
      return Status::Corrupt("DICOM: value longer than its item");
    }
    const bool text = IsTextVr(h.vr);
    const bool unknown =
        h.vr[0] == 'U' && h.vr[1] == 'N' && h.length <= kMaxUnknownText && (h.tag >> 16) != 0xFFFC;
    if (!text && !unknown) {
      s = r.Skip(h.length, &ok);
      if (!s.ok()) return s;
      if (!ok) return Truncated();
      continue;
    }
    s = r.Take(h.length, kMaxValue, value, &ok);
    if (!s.ok()) return s;
    if (!ok) return Truncated();
    if (!text && !Printable(TrimValue(value))) continue;
    Element e;
    e.tag = h.tag;
    std::memcpy(e.vr, h.vr, 3);
    e.depth = static_cast<int>(stack.size() / 2);
    e.value = TrimValue(value);
    e.cut = h.length > kMaxValue;
    if (e.value.empty()) continue;
    if (!visitor.OnElement(e)) return Status::Ok();
  }
}

Status ParseBytes(std::string_view bytes, size_t max_depth, Visitor& visitor, Info* info) {
  MemorySource src(bytes);
  return Parse(src, max_depth, visitor, info);
}

}  // namespace phiscan::scanner::formats::dicom
