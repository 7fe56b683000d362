// DICOM: the header parser over explicit, implicit and big-endian files with
// sequences, stopping at pixel data; truncated and malformed files end as
// statuses without reading out of bounds; extraction finds the patient
// attributes by their attribute names (MRN, date of birth, phone).
#include "scanner/formats/dicom.h"

#include <algorithm>
#include <cstring>

#include <catch2/catch.hpp>

#include "tests/scanner/extract_fixture.h"
#include "tests/testutil/testutil.h"

using namespace phiscan;
using namespace phiscan::testing;
namespace dicom = phiscan::scanner::formats::dicom;

namespace {

struct Seen {
  uint32_t tag;
  std::string vr, value;
  int depth;
  bool operator==(const Seen& o) const {
    return tag == o.tag && vr == o.vr && value == o.value && depth == o.depth;
  }
};

class Collect : public dicom::Visitor {
 public:
  bool OnElement(const dicom::Element& e) override {
    seen.push_back({e.tag, e.vr, std::string(e.value), e.depth});
    return true;
  }
  std::vector<Seen> seen;
};

std::string Le16(uint16_t v) { return {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; }
std::string Le32(uint32_t v) { return Le16(v & 0xFFFF) + Le16(v >> 16); }

// An explicit VR little endian element.
std::string Elem(uint32_t tag, const std::string& vr, std::string value) {
  if (value.size() % 2) value += ' ';
  std::string head = Le16(tag >> 16) + Le16(tag & 0xFFFF) + vr;
  if (vr == "SQ" || vr == "OB" || vr == "OW" || vr == "UT" || vr == "UN") {
    return head + std::string(2, '\0') + Le32(static_cast<uint32_t>(value.size())) + value;
  }
  return head + Le16(static_cast<uint16_t>(value.size())) + value;
}

std::string Part10(const std::string& dataset) {
  std::string meta = Elem(0x00020010, "UI", std::string("1.2.840.10008.1.2.1\0", 20));
  return std::string(128, '\0') + "DICM" + Elem(0x00020000, "UL", Le32(meta.size())) + meta +
         dataset;
}

// An implicit VR little endian element, and a Part 10 file of such.
std::string Implicit(uint32_t tag, std::string value) {
  if (value.size() % 2) value += ' ';
  return Le16(tag >> 16) + Le16(tag & 0xFFFF) + Le32(static_cast<uint32_t>(value.size())) + value;
}
std::string Part10Implicit(const std::string& dataset) {
  std::string meta = Elem(0x00020010, "UI", std::string("1.2.840.10008.1.2\0", 18));
  return std::string(128, '\0') + "DICM" + Elem(0x00020000, "UL", Le32(meta.size())) + meta +
         dataset;
}

const std::string kUndefined = "\xFF\xFF\xFF\xFF";

bool HasType(const AssetRecord& r, const std::string& type) {
  for (const auto& t : r.types) {
    if (t.type_id == type) return true;
  }
  return false;
}

}  // namespace

TEST_CASE(
    "DICOM parser: explicit, implicit and big-endian agree; sequence items; stops at pixel data") {
  std::vector<Seen> first;
  for (const char* f :
       {"explicit.dcm", "implicit.dcm", "bigendian.dcm", "IM000001", "bare_meta.dcm"}) {
    INFO(f);
    std::string bytes = ReadFile(FormatFixtureDir() + "/dicom/" + f);
    Collect c;
    dicom::Info info;
    REQUIRE(dicom::ParseBytes(bytes, 64, c, &info).ok());
    CHECK(info.pixel_data);
    bool name = false, nested = false;
    for (const auto& s : c.seen) {
      if (s.tag == 0x00100010) name = s.value == "DOE^JANE" && s.vr == "PN" && s.depth == 0;
      if (s.tag == 0x00100020 && s.depth == 1) nested = s.value == "MRN7654321";
      CHECK(s.value.find("PIXELS") == std::string::npos);  // pixel data never read
    }
    CHECK(name);
    CHECK(nested);
    if (first.empty()) first = c.seen;
    CHECK(c.seen == first);
  }
}

TEST_CASE("DICOM: patient attributes found by their attribute names") {
  for (const char* f :
       {"explicit.dcm", "implicit.dcm", "bigendian.dcm", "IM000001", "bare_meta.dcm"}) {
    INFO(f);
    auto recs = ExtractFile(FormatFixtureDir() + "/dicom/" + f);
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "complete");
    // Patient ID (and the one in the sequence) as MRN, the DA birth date as
    // a date of birth, the telephone attribute as a phone; the identifiers
    // planted in the pixel data are not counted twice.
    std::map<std::string, uint64_t> t;
    for (const auto& x : recs[0].types) t[x.type_id] = x.count;
    CHECK(t["MRN"] >= 2);  // Patient ID and the one in the sequence (the pack may add more)
    CHECK(t["DATE_OF_BIRTH"] == 1);
    CHECK(t["PHONE"] == 1);
    CHECK(t["PERSON_NAME"] >= 1);  // SMITH^JOHN, the referring physician
    CHECK(TypeCounts(recs[0]) ==
          std::map<std::string, uint64_t>{{"US_SSN", 1}, {"US_NPI", 1}, {"CREDIT_CARD", 1}});
    CHECK(recs[0].label == "PHI");
  }
}

TEST_CASE("DICOM: a name in upper case, as modalities write it, is a person name") {
  // SMITH^JOHN was written SMITH JOHN, which no name pattern takes for a
  // name: the patient's and physicians' names of nearly every image were
  // missed. Written as an EHR writes them, SMITH, JOHN, they are found.
  struct Case {
    std::string value;
    size_t name_size;  // of the name found: SMITH, JOHN is 11 bytes
  };
  for (const Case& c : std::vector<Case>{
           {"SMITH^JOHN", 11},
           {"SMITH^JOHN^A^^", 11},
           {" GARCIA ^MARIA^^DR", 13},
           {"Smith^John", 11},
           {"SMITH^JOHN\\JONES^MARY", 11},
           {"SMITH^JOHN=^=", 11},
       }) {
    INFO(c.value);
    auto recs = ExtractMemory(Part10(Elem(0x00100010, "PN", c.value)), "image.dcm");
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "complete");
    // "Patient's Name: SMITH, JOHN": the name right after the attribute's.
    const AssetRecord& r = recs[0];
    auto f = std::find_if(r.findings.begin(), r.findings.end(),
                          [](const auto& x) { return x.type_id == "PERSON_NAME"; });
    REQUIRE(f != r.findings.end());
    CHECK(f->start == 16);
    CHECK(f->end - f->start == c.name_size);
  }
}

TEST_CASE("DICOM: implicit VR: unknown sequences with a length are walked, long comments read") {
  // In implicit VR an attribute the parser's table does not know has no
  // VR. A sequence of one, written with its length (DCMTK's default), was
  // skipped as an unknown value with everything in it, and a comment of
  // more than 1 KiB (Image Comments, Imaging Service Request Comments) was
  // not read as text.
  const std::string item_body = Implicit(0x00400400, "Comments: patient SSN 536-22-8726");
  const std::string item = std::string("\xFE\xFF\x00\xE0", 4) +
                           Le32(static_cast<uint32_t>(item_body.size())) + item_body;
  const std::string sequence = Implicit(0x00081032, item);  // Procedure Code Sequence
  const std::string comments =
      Implicit(0x00402400, std::string(3000, '.') + " Referring NPI 1234567893");
  const std::string binary = Implicit(0x00291010, std::string(2000, '\x01'));
  auto recs = ExtractMemory(Part10Implicit(Implicit(0x00080060, "MR") + sequence + binary +
                                           Implicit(0x00100020, "MRN0012345") + comments),
                            "image.dcm");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}, {"US_NPI", 1}});
  CHECK(HasType(recs[0], "MRN"));  // what follows the sequence is read as before
}

TEST_CASE("DICOM: explicit VR: a sequence stored as UN is walked in implicit VR") {
  // A private or unknown sequence kept as UN (PS3.5 6.2.2: implicit VR
  // inside, whatever the file's syntax), with its length or without: with
  // it, it was skipped as one unknown value and the MRN in it missed; without
  // it, its elements were read as explicit VR, which they are not.
  const std::string item_body = Implicit(0x00100020, "MRN0012345") +
                                Implicit(0x00400400, "Comments: patient SSN 536-22-8726");
  const std::string item = std::string("\xFE\xFF\x00\xE0", 4) +
                           Le32(static_cast<uint32_t>(item_body.size())) + item_body;
  const std::string head = Le16(0x0029) + Le16(0x1010) + "UN" + std::string(2, '\0');
  const std::string defined = head + Le32(static_cast<uint32_t>(item.size())) + item;
  const std::string undefined =
      head + kUndefined + item + std::string("\xFE\xFF\xDD\xE0\0\0\0\0", 8);
  for (const std::string& seq : {defined, undefined}) {
    auto recs = ExtractMemory(
        Part10(Elem(0x00080060, "CS", "MR") + seq + Elem(0x00100010, "PN", "QUILLON^XAVIERA")),
        "image.dcm");
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(HasType(recs[0], "MRN"));
    CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
    CHECK(HasType(recs[0], "PERSON_NAME"));  // what follows the sequence is read as before
  }
}

TEST_CASE("DICOM: a bare data set is recognised by its first two elements, nothing else is") {
  using dicom::BareSyntax;
  const std::string name = Elem(0x00100010, "PN", "DOE^JANE");
  const std::string charset = Elem(0x00080005, "CS", "ISO_IR 100");
  const std::string date = Elem(0x00080020, "DA", "20240102");
  CHECK(dicom::SniffBareDataSet(charset + date + name) == BareSyntax::kExplicitLittle);
  CHECK(dicom::SniffBareDataSet(charset + name) == BareSyntax::kExplicitLittle);
  // Implicit VR: tag, 32-bit length, value.
  auto implicit = [](uint32_t tag, const std::string& v) {
    return Le16(tag >> 16) + Le16(tag & 0xFFFF) + Le32(static_cast<uint32_t>(v.size())) + v;
  };
  const std::string bare = implicit(0x00080005, "ISO_IR 100") + implicit(0x00080020, "20240102") +
                           implicit(0x00100010, "DOE^JANE");
  CHECK(dicom::SniffBareDataSet(bare) == BareSyntax::kImplicitLittle);
  // Not DICOM: tags out of order, a length that leads nowhere, an odd
  // length, another first group, too short, text, the Part 10 preamble.
  CHECK(dicom::SniffBareDataSet(date + charset + name) == BareSyntax::kNone);
  CHECK(dicom::SniffBareDataSet(implicit(0x00080005, "ISO_IR 100") + std::string(40, '\xEE')) ==
        BareSyntax::kNone);
  CHECK(dicom::SniffBareDataSet(Le16(0x0008) + Le16(0x0005) + Le32(3) + "abc" + date) ==
        BareSyntax::kNone);
  CHECK(dicom::SniffBareDataSet(Elem(0x00100010, "PN", "DOE^JANE") + date) == BareSyntax::kNone);
  CHECK(dicom::SniffBareDataSet(charset.substr(0, 12)) == BareSyntax::kNone);
  CHECK(dicom::SniffBareDataSet("Patient: DOE^JANE, MRN 1234567, seen 2024-01-02") ==
        BareSyntax::kNone);
  CHECK(dicom::SniffBareDataSet(Part10(date)) == BareSyntax::kNone);

  // A long first element read through a source that returns 7 bytes at a
  // time: the parser looks as far as content sniffing does.
  class Trickle : public phiscan::scanner::formats::ByteSource {
   public:
    explicit Trickle(std::string bytes) : bytes_(std::move(bytes)) {}
    Result<size_t> Read(std::span<char> buf) override {
      size_t n = std::min({buf.size(), size_t{7}, bytes_.size() - at_});
      std::memcpy(buf.data(), bytes_.data() + at_, n);
      at_ += n;
      return n;
    }

   private:
    std::string bytes_;
    size_t at_ = 0;
  };
  const std::string long_first =
      implicit(0x00080005, std::string(600, 'A')) + implicit(0x00100010, "DOE^JANE");
  REQUIRE(dicom::SniffBareDataSet(long_first) == BareSyntax::kImplicitLittle);
  Trickle trickle(long_first);
  Collect got;
  REQUIRE(dicom::Parse(trickle, 64, got).ok());
  REQUIRE(got.seen.size() == 2);
  CHECK(got.seen[1].value == "DOE^JANE");

  // Extracted under a name without an extension, as DICOMDIR trees name
  // their files: the patient's SSN in a comment attribute is found.
  const std::string ssn = Elem(0x00104000, "LT", "SSN 536-22-8726");
  auto recs = ExtractMemory(charset + name + ssn, "IM000042");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(HasType(recs[0], "US_SSN"));
  // The same bytes behind a 0x01 byte are not DICOM, and stay binary.
  auto other = ExtractMemory("\x01" + charset + name + ssn, "IM000043");
  REQUIRE(other.size() == 1);
  CHECK(StatusOf(other[0]) != "complete");
}

TEST_CASE("DICOM: truncated anywhere is corrupt, never a crash or an overread") {
  std::string bytes = ReadFile(FormatFixtureDir() + "/dicom/explicit.dcm");
  for (size_t cut = 0; cut < bytes.size(); cut += 3) {
    Collect c;
    Status s = dicom::ParseBytes(std::string_view(bytes).substr(0, cut), 64, c);
    INFO("cut " << cut << ": " << s.message());
    // Cut exactly at an element boundary the file is merely short.
    CHECK((s.ok() || s.code() == StatusCode::kCorrupt));
    if (cut < 132) CHECK(s.code() == StatusCode::kCorrupt);
  }
  auto recs = ExtractFile(FormatFixtureDir() + "/dicom/truncated.dcm");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  CHECK(HasType(recs[0], "MRN"));  // what came before the cut is kept
}

TEST_CASE("DICOM: malformed lengths and nesting end as corrupt") {
  Collect c;
  // A value length far past the end of the file.
  std::string huge = Le16(0x0010) + Le16(0x4000) + "LT" + Le16(0xFFF0) + "short";
  CHECK(dicom::ParseBytes(Part10(huge), 64, c).code() == StatusCode::kCorrupt);
  // A value longer than the item that holds it.
  std::string inner = Elem(0x00100020, "LO", "MRN0012345");
  std::string item = "\xFE\xFF\x00\xE0" + Le32(4) + inner;
  std::string seq = Elem(0x00101002, "SQ", item);
  CHECK(dicom::ParseBytes(Part10(seq), 64, c).code() == StatusCode::kCorrupt);
  // Sequences nested deeper than the limit.
  std::string deep;
  for (int i = 0; i < 100; ++i) {
    deep += Le16(0x0010) + Le16(0x1002) + "SQ" + std::string(2, '\0') + kUndefined;
    deep += std::string("\xFE\xFF\x00\xE0", 4) + kUndefined;
  }
  Status s = dicom::ParseBytes(Part10(deep), 64, c);
  CHECK(s.code() == StatusCode::kCorrupt);
  CHECK(s.message().find("deep") != std::string::npos);
  // Stray delimiters and an invalid VR.
  CHECK(dicom::ParseBytes(Part10(std::string("\xFE\xFF\xDD\xE0", 4) + Le32(0)), 64, c).code() ==
        StatusCode::kCorrupt);
  CHECK(dicom::ParseBytes(Part10(Le16(0x0010) + Le16(0x0010) + "p!" + Le16(0)), 64, c).code() ==
        StatusCode::kCorrupt);
  // Not DICOM at all.
  CHECK(dicom::ParseBytes("DICM", 64, c).code() == StatusCode::kCorrupt);
}

TEST_CASE("DICOM: deflated transfer syntax is partial(unsupported); inside a zip as loose") {
  auto recs = ExtractFile(FormatFixtureDir() + "/dicom/deflated.dcm");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "partial(unsupported)");
  std::string bytes = ReadFile(FormatFixtureDir() + "/dicom/implicit.dcm");
  auto loose = ExtractMemory(bytes, "a.dcm");
  auto zipped = ExtractMemory(WriteArchive("zip", "", {{"study/a.dcm", bytes}}), "s.zip");
  REQUIRE(zipped.size() == 2);
  CHECK(zipped[1].member == "study/a.dcm");
  REQUIRE(zipped[1].findings.size() == loose[0].findings.size());
  for (size_t i = 0; i < loose[0].findings.size(); ++i) {
    CHECK(zipped[1].findings[i].type_id == loose[0].findings[i].type_id);
    CHECK(zipped[1].findings[i].start == loose[0].findings[i].start);
  }
}

TEST_CASE("DICOM: an encapsulated PDF is read as DICOM, its patient attributes found") {
  // Encapsulated PDF Storage: the document in (0042,0011), its "%PDF-" in
  // the first KiB of a small header. Sniffed as a PDF, the patient's
  // attributes were never read.
  const std::string pdf = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n";
  auto recs = ExtractMemory(Part10(Elem(0x00080060, "CS", "DOC") +
                                   Elem(0x00104000, "LT", "SSN 536-22-8726") +
                                   Elem(0x00420011, "OB", pdf)),
                            "report.dcm");
  REQUIRE(!recs.empty());
  CHECK(recs[0].format == "dicom");
  CHECK(HasType(recs[0], "US_SSN"));
}
