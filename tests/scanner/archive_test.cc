// Archives: the differential test (the same files loose, in a zip, in a
// tar.gz inside a zip, as UTF-16 give the same findings), every allowlisted
// format and filter, nesting with container paths, and the budget limits.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <set>

#include "scanner/formats/archive.h"
#include "scanner/formats/byte_source.h"
#include "scanner/formats/seven_zip.h"
#include "scanner/formats/zip_layout.h"
#include "tests/scanner/extract_fixture.h"
#include "tests/testutil/testutil.h"

using namespace phiscan;
using namespace phiscan::testing;
namespace formats = phiscan::scanner::formats;

namespace {

const std::string kPlant =
    "Patient SSN 536-22-8726, NPI 1234567893, credit card 4111 1111 1111 1111.\n";
const std::map<std::string, uint64_t> kPlantTypes = {
    {"US_SSN", 1}, {"US_NPI", 1}, {"CREDIT_CARD", 1}};

// The bundled sample corpus's notes: real-looking text with planted values.
std::vector<ArchiveMember> SampleNotes() {
  std::vector<ArchiveMember> notes;
  for (const auto& e : std::filesystem::directory_iterator(SourceDir() + "/corpus/sample/notes")) {
    notes.push_back({"notes/" + e.path().filename().string(), ReadFile(e.path().string())});
  }
  std::sort(notes.begin(), notes.end(),
            [](const ArchiveMember& a, const ArchiveMember& b) { return a.name < b.name; });
  REQUIRE(notes.size() >= 3);
  return notes;
}

using Loc = std::tuple<std::string, int, std::string, Token, uint64_t, uint64_t>;
std::multiset<Loc> Located(const AssetRecord& r) {
  std::multiset<Loc> out;
  for (const auto& f : r.findings) out.insert({f.type_id, f.score, f.masked, f.token, f.start, f.end});
  return out;
}

std::string ToUtf16(const std::string& utf8, bool le, bool bom) {
  std::u16string u;
  for (size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp;
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (utf8[i + k] & 0x3F);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      u += static_cast<char16_t>(0xD800 + (cp >> 10));
      u += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    } else {
      u += static_cast<char16_t>(cp);
    }
  }
  std::string out = bom ? (le ? "\xFF\xFE" : "\xFE\xFF") : "";
  for (char16_t x : u) {
    char lo = static_cast<char>(x & 0xFF), hi = static_cast<char>(x >> 8);
    out += le ? lo : hi;
    out += le ? hi : lo;
  }
  return out;
}

std::string Nest(int levels, const std::string& leaf) {
  std::string data = leaf;
  std::string name = "leaf.txt";
  for (int i = 0; i < levels; ++i) {
    data = WriteArchive("zip", "", {{name, data}});
    name = "level" + std::to_string(levels - i) + ".zip";
  }
  return data;
}

}  // namespace

TEST_CASE("differential: loose, in a zip, in a tar.gz in a zip, and as UTF-16 agree") {
  auto notes = SampleNotes();
  auto zip = WriteArchive("zip", "", notes);
  auto tgz = WriteArchive("pax", "gzip", notes);
  auto outer = WriteArchive("zip", "", {{"exports/batch.tar.gz", tgz}});
  auto in_zip = ExtractMemory(zip, "notes.zip");
  auto nested = ExtractMemory(outer, "outer.zip");
  size_t total = 0;
  for (const auto& n : notes) {
    INFO(n.name);
    auto loose = ExtractMemory(n.data, n.name);
    REQUIRE(loose.size() == 1);
    total += loose[0].findings.size();
    const AssetRecord* z = FindRecord(in_zip, n.name);
    const AssetRecord* t = FindRecord(nested, "exports/batch.tar.gz!" + n.name);
    REQUIRE(z != nullptr);
    REQUIRE(t != nullptr);
    // Members' bytes are the file's bytes: even the offsets agree.
    CHECK(Located(*z) == Located(loose[0]));
    CHECK(Located(*t) == Located(loose[0]));
    CHECK(z->kind == AssetKind::kMember);
    for (bool le : {true, false}) {
      for (bool bom : {true, false}) {
        std::string u16 = ToUtf16(n.data, le, bom);
        auto wide = ExtractMemory(u16, n.name);
        REQUIRE(wide.size() == 1);
        REQUIRE(wide[0].findings.size() == loose[0].findings.size());
        for (size_t i = 0; i < wide[0].findings.size(); ++i) {
          const auto& w = wide[0].findings[i];
          const auto& l = loose[0].findings[i];
          CHECK(std::tie(w.type_id, w.score, w.masked, w.token, w.line) ==
                std::tie(l.type_id, l.score, l.masked, l.token, l.line));
          // The UTF-16 offsets frame the same value (Núñez too), encoded.
          CHECK(u16.substr(w.start, w.end - w.start) ==
                ToUtf16(n.data.substr(l.start, l.end - l.start), le, false));
        }
      }
    }
  }
  CHECK(total > 0);  // the sample notes do hold planted values
}

TEST_CASE("a member's finding lines are lines of its own bytes: markup, RTF, HL7 with CR") {
  // Lines were those of the extracted text in markup and RTF, and CR
  // ended no line: in a zip as loose, an SSN was on the wrong line.
  const std::vector<ArchiveMember> files = {
      {"cda/doc.xml", "<doc>\n  <id root=\"2.16.840.1.113883.19\"\n      extension=\"1\"/>\n"
                      "  <note>SSN: 536-22-8726</note>\n</doc>\n"},
      {"page.html", "<p>a&#10;b&#10;c</p>\n<p\n  id=\"x\">SSN: 536-22-8726</p>\n"},
      {"note.rtf", "{\\rtf1{\\fonttbl{\\f0 Arial;}\n{\\f1 Times;}\n}\n"
                   "\\pard SSN 536-22-8726\\par\n}"},
      {"feed.hl7", "MSH|^~\\&|A|B|C|D|20240101||ADT^A04|1|P|2.5\rEVN|A04|20240101\r"
                   "PID|1||M1||DOE^JANE||19800101|F|||||||||||536228726\r"}};
  const std::map<std::string, uint64_t> want = {
      {"cda/doc.xml", 4}, {"page.html", 3}, {"note.rtf", 4}, {"feed.hl7", 3}};
  auto zip = ExtractMemory(WriteArchive("zip", "", files), "records.zip");
  auto nested = ExtractMemory(
      WriteArchive("zip", "", {{"batch.tar.gz", WriteArchive("pax", "gzip", files)}}),
      "outer.zip");
  auto ssn_line = [](const AssetRecord* r) -> uint64_t {
    if (r == nullptr) return 0;
    for (const auto& f : r->findings) {
      if (f.type_id == "US_SSN") return f.line;
    }
    return 0;
  };
  for (const auto& file : files) {
    INFO(file.name);
    auto loose = ExtractMemory(file.data, file.name);
    REQUIRE(loose.size() == 1);
    CHECK(ssn_line(&loose[0]) == want.at(file.name));
    CHECK(ssn_line(FindRecord(zip, file.name)) == want.at(file.name));
    CHECK(ssn_line(FindRecord(nested, "batch.tar.gz!" + file.name)) == want.at(file.name));
    if (file.name != "note.rtf") {  // RTF is 8-bit: no UTF-16 form
      auto wide = ExtractMemory(ToUtf16(file.data, true, true), file.name);
      REQUIRE(wide.size() == 1);
      CHECK(ssn_line(&wide[0]) == want.at(file.name));
    }
  }
}

TEST_CASE("differential: mail, PDF, DICOM and xlsx agree loose, in a zip, in a tar.gz in a zip, as UTF-16") {
  TempDir dir;
  BuildFormatFixtures(dir.Join("fx"));
  size_t total = 0;
  for (const char* rel : {"mail/visit.eml", "mail/inbox.mbox", "pdf/referral.pdf",
                          "dicom/explicit.dcm", "dicom/implicit.dcm", "docs/header.xlsx"}) {
    INFO(rel);
    std::string data = ReadFile(dir.Join(std::string("fx/") + rel));
    std::string name = std::filesystem::path(rel).filename().string();
    auto loose = ExtractMemory(data, name);
    auto in_zip = ExtractMemory(WriteArchive("zip", "", {{name, data}}), "one.zip");
    auto nested = ExtractMemory(
        WriteArchive("zip", "", {{"exports/batch.tar.gz", WriteArchive("pax", "gzip", {{name, data}})}}),
        "outer.zip");
    std::vector<std::vector<AssetRecord>> variants = {in_zip, nested};
    std::vector<std::string> prefixes = {name, "exports/batch.tar.gz!" + name};
    if (name.find(".eml") != std::string::npos || name.find(".mbox") != std::string::npos) {
      for (bool le : {true, false}) {
        for (bool bom : {true, false}) {
          auto wide = ExtractMemory(ToUtf16(data, le, bom), name);
          // As a top-level file: lift the records one level to compare alike.
          std::vector<AssetRecord> lifted = {AssetRecord()};
          for (auto r : wide) {
            r.member = name + (r.member ? "!" + *r.member : "");
            lifted.push_back(r);
          }
          variants.push_back(lifted);
          prefixes.push_back(name);
        }
      }
    }
    for (size_t v = 0; v < variants.size(); ++v) {
      INFO("variant " << v);
      for (const auto& l : loose) {
        std::string member = prefixes[v] + (l.member ? "!" + *l.member : "");
        INFO("member " << member);
        const AssetRecord* r = FindRecord(variants[v], member);
        REQUIRE(r != nullptr);
        CHECK(StatusOf(*r) == StatusOf(l));
        CHECK(Located(*r) == Located(l));
      }
    }
    for (const auto& l : loose) total += l.findings.size();
  }
  CHECK(total > 0);
}

TEST_CASE("allowlisted formats and filters: 7z, zstd, xz, bzip2, tar, nested 7z buffered") {
  std::vector<ArchiveMember> one = {{"a/notes.txt", kPlant}};
  struct Case {
    const char* format;
    const char* filter;
  } cases[] = {{"7zip", ""}, {"pax", "zstd"}, {"pax", "xz"}, {"pax", "bzip2"},
               {"gnutar", ""}, {"zip", ""}, {"pax", "gzip"}};
  for (const auto& c : cases) {
    INFO(c.format << "+" << c.filter);
    auto bytes = WriteArchive(c.format, c.filter, one);
    auto recs = ExtractMemory(bytes, "archive");
    REQUIRE(recs.size() == 2);
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(recs[1].member == "a/notes.txt");
    CHECK(TypeCounts(recs[1]) == kPlantTypes);
    // The same inside a zip: read as a stream (7z through a memory buffer).
    auto outer = ExtractMemory(WriteArchive("zip", "", {{"in/x.bin", bytes}}), "outer.zip");
    REQUIRE(outer.size() == 3);
    CHECK(outer[2].member == "in/x.bin!a/notes.txt");
    CHECK(TypeCounts(outer[2]) == kPlantTypes);
  }
  // A single compressed stream is one member named after its container.
  auto zst = WriteArchive("raw", "zstd", {{"data", kPlant}});
  auto recs = ExtractMemory(zst, "dir/report.txt.zst");
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].member == "report.txt");
  CHECK(TypeCounts(recs[1]) == kPlantTypes);
}

TEST_CASE("only in-process filters are enabled") {
  auto filters = formats::ArchiveReader::InProcessFilters();
  std::set<std::string> have(filters.begin(), filters.end());
  // Debian 12's libarchive links zlib, bzip2, liblzma and libzstd.
  for (const char* f : {"gzip", "bzip2", "xz", "zstd"}) CHECK(have.count(f) == 1);
}

TEST_CASE("budget: nesting deeper than max_depth is partial(limit_depth)") {
  scanner::ScanLimits limits;
  limits.max_depth = 2;
  auto recs = ExtractMemory(Nest(4, kPlant), "top.zip", limits);
  // top.zip (0) → level2.zip (1) → level3.zip (2, may not be opened).
  REQUIRE(recs.size() == 3);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(recs[1].member == "level2.zip");
  CHECK(recs[2].member == "level2.zip!level3.zip");
  CHECK(StatusOf(recs[2]) == "partial(limit_depth)");
  // 0 opens no container: not a "no limit" (found by review, 2026-12-03).
  limits.max_depth = 0;
  auto none = ExtractMemory(Nest(4, kPlant), "top.zip", limits);
  REQUIRE(none.size() == 1);
  CHECK(StatusOf(none[0]) == "partial(limit_depth)");
  limits.max_depth = 8;
  auto deep = ExtractMemory(Nest(4, kPlant), "top.zip", limits);
  REQUIRE(deep.size() == 5);
  CHECK(deep[4].member == "level2.zip!level3.zip!level4.zip!leaf.txt");
  CHECK(TypeCounts(deep[4]) == kPlantTypes);
}

TEST_CASE("budget: members beyond max_members make the container partial(limit_members)") {
  std::vector<ArchiveMember> many;
  for (int i = 0; i < 30; ++i) many.push_back({"m" + std::to_string(i) + ".txt", "hello\n"});
  scanner::ScanLimits limits;
  limits.max_members = 10;
  auto recs = ExtractMemory(WriteArchive("zip", "", many), "many.zip", limits);
  CHECK(recs.size() == 11);
  CHECK(StatusOf(recs[0]) == "partial(limit_members)");
}

TEST_CASE("budget: a bomb stops at max_expanded_bytes, partial(limit_bytes) up the chain") {
  std::string zeros(4 << 20, 'a');
  auto bomb = WriteArchive("pax", "gzip", {{"zeros.txt", zeros}, {"after.txt", kPlant}});
  auto outer = WriteArchive("zip", "", {{"bomb.tar.gz", bomb}});
  scanner::ScanLimits limits;
  limits.max_expanded_bytes = 1 << 20;
  auto recs = ExtractMemory(outer, "outer.zip", limits);
  REQUIRE(recs.size() == 3);
  CHECK(StatusOf(recs[0]) == "partial(limit_bytes)");
  CHECK(StatusOf(recs[1]) == "partial(limit_bytes)");
  CHECK(recs[2].member == "bomb.tar.gz!zeros.txt");
  CHECK(StatusOf(recs[2]) == "partial(limit_bytes)");
  CHECK(recs[2].bytes_scanned <= (1u << 20) + (64u << 10));
}

TEST_CASE("a 7z inside a container larger than max_buffered_member is partial(limit_size)") {
  std::string noise;  // incompressible, so the 7z itself is large
  uint32_t x = 7;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1103515245u + 12345u;
    noise += static_cast<char>('a' + (x >> 16) % 26);
  }
  auto seven = WriteArchive("7zip", "", {{"n.txt", kPlant + noise}});
  REQUIRE(seven.size() > 100000);
  scanner::ScanLimits limits;
  limits.max_buffered_member = 1024;
  auto recs = ExtractMemory(WriteArchive("zip", "", {{"a.7z", seven}}), "o.zip", limits);
  REQUIRE(recs.size() == 2);
  CHECK(StatusOf(recs[1]) == "partial(limit_size)");
}

TEST_CASE("a name used twice in an archive: each copy is a member of its own") {
  // A zip with two entries "a.txt", a tar with a file appended twice: the
  // later copy must not replace the earlier one (in the catalog both had the
  // same member path, and the clean copy hid the SSN).
  std::vector<ArchiveMember> twice = {{"a.txt", kPlant}, {"a.txt", "nothing here\n"}};
  for (const char* format : {"zip", "gnutar", "pax"}) {
    INFO(format);
    auto bytes = WriteArchive(format, "", twice);
    auto recs = ExtractMemory(bytes, "dup2.zip");
    REQUIRE(recs.size() == 3);
    CHECK(recs[1].member == "a.txt");
    CHECK(TypeCounts(recs[1]) == kPlantTypes);
    CHECK(recs[2].member == "part-2-a.txt");
    CHECK(recs[2].findings.empty());
    // Read as a stream inside another zip: the same names.
    auto outer = ExtractMemory(WriteArchive("zip", "", {{"dup2.zip", bytes}}), "outer.zip");
    REQUIRE(outer.size() == 4);
    CHECK(outer[2].member == "dup2.zip!a.txt");
    CHECK(outer[3].member == "dup2.zip!part-2-a.txt");
  }
  // In a directory the prefix goes on the file name; a real name that is
  // already taken by a renamed copy is renamed in turn, never merged.
  auto recs = ExtractMemory(WriteArchive("pax", "gzip",
                                         {{"d/a.txt", kPlant},
                                          {"d/part-3-a.txt", kPlant},
                                          {"d/a.txt", kPlant},
                                          {"d/part-3-a.txt", kPlant}}),
                            "dup.tar.gz");
  REQUIRE(recs.size() == 5);
  CHECK(recs[1].member == "d/a.txt");
  CHECK(recs[2].member == "d/part-3-a.txt");
  CHECK(recs[3].member == "d/part-3-part-3-a.txt");
  CHECK(recs[4].member == "d/part-4-part-3-a.txt");
  for (size_t i = 1; i < recs.size(); ++i) CHECK(TypeCounts(recs[i]) == kPlantTypes);
}

TEST_CASE("a '!' in a member name becomes '_': it separates nesting levels") {
  // "x!y.txt" as one name would read as member y.txt of a container x; and
  // "x_y.txt" beside it stays a record of its own.
  auto recs = ExtractMemory(
      WriteArchive("zip", "", {{"x!y.txt", kPlant}, {"x_y.txt", kPlant}, {"ok.txt", kPlant}}),
      "bang.zip");
  REQUIRE(recs.size() == 4);
  CHECK(recs[1].member == "x_y.txt");
  CHECK(recs[2].member == "part-2-x_y.txt");
  CHECK(recs[3].member == "ok.txt");
  for (size_t i = 1; i < recs.size(); ++i) CHECK(TypeCounts(recs[i]) == kPlantTypes);
}

TEST_CASE("tar: what follows the end-of-archive zero blocks is read") {
  // `cat a.tar b.tar`: b.tar's members used to be skipped, the file complete.
  auto a = WriteArchive("gnutar", "", {{"a.txt", kPlant}});
  auto b = WriteArchive("gnutar", "", {{"b.txt", kPlant}});
  for (const char* filter : {"", "gzip", "xz"}) {
    INFO("filter " << filter);
    std::string bytes = *filter ? WriteArchive("raw", filter, {{"data", a + b}}) : a + b;
    auto recs = ExtractMemory(bytes, "cat.tar");
    REQUIRE(recs.size() == 3);
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(recs[1].member == "a.txt");
    CHECK(recs[2].member == "b.txt");
    CHECK(TypeCounts(recs[2]) == kPlantTypes);
  }
  // Text after the end of a tar is not a member: the tar is partial, not clean.
  std::string text;
  for (int i = 0; i < 20; ++i) text += kPlant;
  auto recs = ExtractMemory(a + text, "hidden.tar");
  REQUIRE(!recs.empty());
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
}

TEST_CASE("a compressed stream starting with zero blocks is read as its bytes, not as a tar") {
  // libarchive took 512 or 1024 zero bytes for the end of an empty tar: the
  // text after them was never read and the file recorded complete and clean.
  std::string text;
  for (int i = 0; i < 10; ++i) text += "Patient SSN: 536-22-8726 card 4111 1111 1111 1111\n";
  const std::map<std::string, uint64_t> types = {{"US_SSN", 10}, {"CREDIT_CARD", 10}};
  scanner::ScanLimits binary;
  binary.scan_binary = true;
  for (const char* filter : {"gzip", "bzip2", "xz"}) {
    for (size_t zeros : {512, 1024}) {
      INFO(filter << ", " << zeros << " zeros");
      auto bytes = WriteArchive("raw", filter, {{"data", std::string(zeros, '\0') + text}});
      // The same as those bytes in a plain file: binary, skipped with a
      // reason (a coverage gap), and classified with --scan-binary.
      auto recs = ExtractMemory(bytes, "z.txt.gz");
      REQUIRE(recs.size() == 2);
      CHECK(recs[1].member == "z.txt");
      CHECK(StatusOf(recs[1]) == "skipped(binary)");
      auto scanned = ExtractMemory(bytes, "z.txt.gz", binary);
      REQUIRE(scanned.size() == 2);
      CHECK(StatusOf(scanned[1]) == "complete");
      CHECK(TypeCounts(scanned[1]) == types);
    }
  }
}

TEST_CASE("a gzip's member is named by its file, else by the name gzip stored") {
  // gzip stores the original name (FNAME) when it has one: read from stdin
  // ("-") or under a name without .gz, the member was "-" or that name, and
  // a CSV inside was not read as CSV.
  const std::string csv = "name,ssn\nA,536228726\n";
  std::string gz = WriteArchive("raw", "gzip", {{"data", csv}});
  REQUIRE(gz.size() > 10);
  const auto stored = [&](const std::string& name) {
    std::string with = gz;
    with[3] = static_cast<char>(with[3] | 0x08);  // FLG.FNAME
    with.insert(10, name + '\0');
    return with;
  };
  const auto member = [](const std::string& bytes, const std::string& file) {
    auto recs = ExtractMemory(bytes, file);
    REQUIRE(recs.size() == 2);
    return std::pair{recs[1].member.value_or(""), TypeCounts(recs[1])};
  };
  const std::map<std::string, uint64_t> ssn = {{"US_SSN", 1}};
  CHECK(member(stored("export.csv"), "-") == std::pair{std::string("export.csv"), ssn});
  CHECK(member(stored("dir/export.csv"), "backup") == std::pair{std::string("export.csv"), ssn});
  // The file's own name first, as before; no stored name and none to cut: "data".
  CHECK(member(stored("export.csv"), "patients.csv.gz").first == "patients.csv");
  CHECK(member(gz, "-").first == "data");
  CHECK(member(gz, "backup").first == "backup");
}

TEST_CASE("data after the end of a compressed stream makes it partial(corrupt), never complete") {
  // libarchive stops at the first bytes after a stream that do not start
  // another one and reports a clean end: garbage, or a second gzip behind
  // padding, went unread and the file was recorded complete.
  const std::string hello = "Clinic notes, nothing to see.\n";
  std::string text;
  for (int i = 0; i < 3; ++i) text += kPlant;
  // Incompressible, so the stream spans several of libarchive's reads.
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < (200 << 10); ++i) {
    x = x * 1103515245u + 12345u;
    noise += static_cast<char>('a' + (x >> 16) % 26);
  }
  for (const char* filter : {"gzip", "bzip2", "xz"}) {
    for (const std::string* body : {&hello, static_cast<const std::string*>(&noise)}) {
      INFO(filter << ", " << body->size() << " bytes");
      const std::string z = WriteArchive("raw", filter, {{"data", *body}});
      const std::string second = WriteArchive("raw", filter, {{"data", text}});
      // Loose (read at offsets) and inside a zip (read as a stream).
      auto status = [&](const std::string& bytes) {
        auto loose = ExtractMemory(bytes, "notes.txt.z");
        REQUIRE(!loose.empty());
        // libarchive's xz reader fails on what follows its stream instead
        // (the member is lost or cut, partial(corrupt) either way).
        if (std::string(filter) != "xz") {
          REQUIRE(loose.size() == 2);
          CHECK(StatusOf(loose[1]) == "complete");
        }
        auto zipped = ExtractMemory(WriteArchive("zip", "", {{"notes.txt.z", bytes}}), "a.zip");
        const AssetRecord* inner = FindRecord(zipped, "notes.txt.z");
        REQUIRE(inner != nullptr);
        CHECK(StatusOf(*inner) == StatusOf(loose[0]));
        return StatusOf(loose[0]);
      };
      CHECK(status(z + "trailing garbage: " + text) == "partial(corrupt)");
      // xz allows padding between streams; libarchive reads the second one.
      CHECK(status(z + std::string(700, '\0') + second) ==
            (std::string(filter) == "xz" ? "complete" : "partial(corrupt)"));
      CHECK(status(z + std::string(700, '\0')) == "complete");  // padding holds nothing
      CHECK(status(z) == "complete");
    }
  }
  // Streams one after another are all read, as before.
  auto both = ExtractMemory(WriteArchive("raw", "gzip", {{"data", hello}}) +
                                WriteArchive("raw", "gzip", {{"data", text}}),
                            "notes.txt.gz");
  REQUIRE(both.size() == 2);
  CHECK(StatusOf(both[0]) == "complete");
  CHECK(TypeCounts(both[1]) == std::map<std::string, uint64_t>{
                                   {"US_SSN", 3}, {"US_NPI", 3}, {"CREDIT_CARD", 3}});
  // A tar.gz: the tar's members are read, the garbage after the gzip is not.
  auto tgz = ExtractMemory(
      WriteArchive("pax", "gzip", {{"a.txt", kPlant}}) + "trailing garbage: " + text, "a.tgz");
  REQUIRE(tgz.size() == 2);
  CHECK(StatusOf(tgz[0]) == "partial(corrupt)");
  CHECK(TypeCounts(tgz[1]) == kPlantTypes);
}

TEST_CASE("a gzip cut short or failing its check gives everything that decompressed") {
  // libarchive dropped the 64 KiB block it was filling when a gzip ended
  // early: a file cut in its 8-byte trailer gave nothing at all, a tar.gz
  // so cut no member.
  std::string text;
  for (int i = 0; i < 40; ++i) text += kPlant;
  const std::map<std::string, uint64_t> all = {
      {"US_SSN", 40}, {"US_NPI", 40}, {"CREDIT_CARD", 40}};
  const std::string gz = WriteArchive("raw", "gzip", {{"data", text}});
  auto cut = ExtractMemory(gz.substr(0, gz.size() - 1), "notes.txt.gz");
  REQUIRE(cut.size() == 2);
  CHECK(StatusOf(cut[0]) == "partial(corrupt)");
  CHECK(cut[0].detail == "gzip stream truncated");
  CHECK(StatusOf(cut[1]) == "partial(corrupt)");
  CHECK(TypeCounts(cut[1]) == all);
  // A trailer whose CRC does not match the data: read, and recorded.
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 8] ^= 0x55;
  auto crc = ExtractMemory(bad_crc, "notes.txt.gz");
  REQUIRE(crc.size() == 2);
  CHECK(crc[0].detail == "gzip CRC or length does not match the data");
  CHECK(TypeCounts(crc[1]) == all);
  // A zip member whose CRC does not match its data is read and recorded,
  // and so is the damage in the zip: it said complete.
  std::string stored = WriteArchive("zip", "", {{"a.txt", "first line\n"}, {"b.txt", kPlant}},
                                    "zip:compression=store");
  const size_t at = stored.find("first line");
  REQUIRE(at != std::string::npos);
  stored[at] = 'F';
  auto damaged = ExtractMemory(stored, "notes.zip");
  REQUIRE(damaged.size() == 3);
  CHECK(StatusOf(damaged[0]) == "partial(corrupt)");
  CHECK(damaged[0].detail == "damaged data in member a.txt");
  CHECK(StatusOf(damaged[1]) == "partial(corrupt)");
  CHECK(damaged[1].detail == "member data does not match the CRC in its header");
  CHECK(StatusOf(damaged[2]) == "complete");
  CHECK(TypeCounts(damaged[2]) == kPlantTypes);
  // A tar.gz cut in its trailer keeps its members.
  const std::string tgz = WriteArchive("pax", "gzip", {{"a.txt", kPlant}, {"b.txt", kPlant}});
  auto tar = ExtractMemory(tgz.substr(0, tgz.size() - 3), "notes.tgz");
  REQUIRE(tar.size() == 3);
  CHECK(StatusOf(tar[0]) == "partial(corrupt)");
  CHECK(TypeCounts(tar[1]) == kPlantTypes);
  CHECK(TypeCounts(tar[2]) == kPlantTypes);
  // Cut anywhere: never a crash, always a status, never complete.
  for (size_t at = 10; at < gz.size(); at += 97) {
    INFO("cut at " << at);
    auto recs = ExtractMemory(gz.substr(0, at), "notes.txt.gz");
    REQUIRE(!recs.empty());
    CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  }
}

TEST_CASE("a zip with data in front of it (self-extracting, script stub) is read as a zip") {
  // Nothing at the start says zip: it was skipped(binary), its members unread.
  const std::string zip = WriteArchive("zip", "", {{"notes.txt", kPlant}});
  std::string exe = std::string("MZ\x90\0\x03\0\0\0", 8);
  for (int i = 0; i < 5000; ++i) exe += static_cast<char>(i * 7);
  const std::string stub = "#!/bin/sh\necho extracting\nexit 0\n";
  // A comment after the end-of-central-directory record.
  std::string commented = zip;
  const std::string comment = "Self-extracting archive, version 1.0";
  REQUIRE(commented.substr(commented.size() - 22, 4) == "PK\x05\x06");
  commented[commented.size() - 2] = static_cast<char>(comment.size());
  commented += comment;
  for (const std::string& bytes : {exe + zip, stub + zip, exe + commented}) {
    auto recs = ExtractMemory(bytes, "setup.exe");
    // The comment is read too, as a member of its own.
    const bool with_comment = bytes.size() == exe.size() + commented.size();
    REQUIRE(recs.size() == (with_comment ? 3u : 2u));
    CHECK((FindRecord(recs, "(comments)") != nullptr) == with_comment);
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(recs[1].member == "notes.txt");
    CHECK(TypeCounts(recs[1]) == kPlantTypes);
  }
  // Binary that merely ends like a zip, with no directory in front of that
  // end, is still binary.
  auto fake = ExtractMemory(exe + zip.substr(zip.size() - 22), "setup.exe");
  REQUIRE(fake.size() == 1);
  CHECK(StatusOf(fake[0]) == "skipped(binary)");
}

TEST_CASE("a script stub in front of a zip is classified as the file's own text") {
  // An installer script can hold what any script can; before, only the
  // zip's members were read and the script's text was never classified.
  const std::string zip = WriteArchive("zip", "", {{"notes.txt", kPlant}});
  const std::string stub = "#!/bin/sh\n# restore for the clinic\n" + kPlant + "exit 0\n";
  // The offsets as `cat stub zip` leaves them (relative to the zip), and as
  // `zip -A` adjusts them (relative to the file): the stub ends where the
  // first entry's local header starts, either way.
  std::string adjusted = stub + zip;
  const size_t cd = adjusted.find("PK\x01\x02");
  const size_t eocd = adjusted.rfind("PK\x05\x06");
  REQUIRE(cd != std::string::npos);
  REQUIRE(eocd != std::string::npos);
  auto shift = [&](size_t at) {
    uint32_t v;
    std::memcpy(&v, adjusted.data() + at, 4);
    v += static_cast<uint32_t>(stub.size());
    std::memcpy(adjusted.data() + at, &v, 4);
  };
  shift(cd + 42);
  shift(eocd + 16);
  // The file's own record: read as an archive, the stub's text classified.
  auto stub_read = [&](const AssetRecord& top) {
    CHECK(StatusOf(top) == "complete");
    CHECK(top.format == "archive");
    CHECK(TypeCounts(top) == kPlantTypes);
    CHECK(top.bytes_scanned == stub.size());
    CHECK(top.label == "PHI");
  };
  for (const std::string& bytes : {stub + zip, adjusted}) {
    auto recs = ExtractMemory(bytes, "restore.sh");
    REQUIRE(recs.size() == 2);
    stub_read(recs[0]);
    REQUIRE_FALSE(recs[0].findings.empty());
    CHECK(recs[0].findings[0].line == 3);
    CHECK(recs[1].member == "notes.txt");
    CHECK(TypeCounts(recs[1]) == kPlantTypes);
  }
  // An executable in front is not text: its bytes stay unclassified.
  std::string exe = std::string("MZ\x90\0\x03\0\0\0", 8) + std::string(4000, '\x01') + kPlant;
  auto recs = ExtractMemory(exe + zip, "setup.exe");
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].format == "archive");
  CHECK(TypeCounts(recs[0]).empty());
  CHECK(recs[0].bytes_scanned == 0);
  // Stubs nested in stubs: the last zip is the file's; the stub ends at the
  // first local header, and is not searched for another zip.
  std::string nested = stub;
  for (int i = 0; i < 200; ++i) nested += zip + "#!/bin/sh\n";
  nested += zip;
  auto many = ExtractMemory(nested, "nested.sh");
  REQUIRE(many.size() == 2);
  stub_read(many[0]);
  CHECK(TypeCounts(many[1]) == kPlantTypes);
  // Directory entries in another order than their data: the first entry's
  // header is not the first in the file, and the stub still ends at the
  // first one.
  const std::string two = WriteArchive("zip", "", {{"a.txt", "first\n"}, {"b.txt", kPlant}});
  const size_t cd_a = two.find("PK\x01\x02");
  const size_t cd_b = two.find("PK\x01\x02", cd_a + 4);
  const size_t end = two.rfind("PK\x05\x06");
  REQUIRE(cd_b != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string reordered = two.substr(0, cd_a) + two.substr(cd_b, end - cd_b) +
                                two.substr(cd_a, cd_b - cd_a) + two.substr(end);
  auto swapped = ExtractMemory(stub + reordered, "restore.sh");
  REQUIRE(swapped.size() == 3);
  stub_read(swapped[0]);
}

namespace {

// CRC-32 (the zip and 7z polynomial), bit by bit.
uint32_t Crc32(std::string_view s) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char ch : s) {
    crc ^= ch;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// A zip of `members`, stored, with their sizes in their local headers and
// no data descriptors: as zip and Python's zipfile write one to a file
// (libarchive, writing to a stream, puts a descriptor after every entry).
std::string PlainZip(const std::vector<ArchiveMember>& members) {
  auto le = [](uint64_t v, int bytes) {
    std::string b(bytes, '\0');  // bytes past the eighth stay 0
    for (int i = 0; i < bytes && i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    return b;
  };
  std::string local, dir;
  for (const ArchiveMember& m : members) {
    // Version needed, flags, method (stored), time, date (1980-01-01),
    // CRC, sizes, name and extra field lengths.
    const std::string fields = le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0x21, 2) +
                               le(Crc32(m.data), 4) + le(m.data.size(), 4) + le(m.data.size(), 4) +
                               le(m.name.size(), 2) + le(0, 2);
    dir += "PK\x01\x02" + le(20, 2) + fields + le(0, 10) + le(local.size(), 4) + m.name;
    local += "PK\x03\x04" + fields + m.name + m.data;
  }
  return local + dir + "PK\x05\x06" + le(0, 4) + le(members.size(), 2) + le(members.size(), 2) +
         le(dir.size(), 4) + le(local.size(), 4) + le(0, 2);
}

// Where each central directory entry of `zip` (written by WriteArchive)
// starts, then where its end record does.
std::vector<size_t> DirectoryEntries(const std::string& zip) {
  const size_t end = zip.rfind("PK\x05\x06");
  REQUIRE(end != std::string::npos);
  std::vector<size_t> cd{zip.find("PK\x01\x02")};
  while (true) {
    size_t next = zip.find("PK\x01\x02", cd.back() + 4);
    if (next == std::string::npos || next > end) break;
    cd.push_back(next);
  }
  cd.push_back(end);
  return cd;
}

// `zip` (written by WriteArchive) without the central directory entry of
// member `k` (from 0): its local header and data stay where they are, the
// end record counts one entry fewer.
std::string HideFromDirectory(const std::string& zip, int k) {
  const std::vector<size_t> cd = DirectoryEntries(zip);
  const size_t end = cd.back();
  REQUIRE(k + 1 < static_cast<int>(cd.size()));
  std::string out = zip.substr(0, cd[k]) + zip.substr(cd[k + 1]);
  const size_t out_end = end - (cd[k + 1] - cd[k]);
  auto put = [&](size_t at, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  const auto entries = static_cast<uint64_t>(cd.size() - 2);
  put(out_end + 8, entries, 2);
  put(out_end + 10, entries, 2);
  put(out_end + 12, out_end - cd[0], 4);
  return out;
}

// `zip` with `bytes` put in at offset `at` (in front of a local header or
// of the directory), the offsets of its directory and end record moved to
// match: data between entries that the directory leaves out.
std::string InsertIntoZip(const std::string& zip, size_t at, const std::string& bytes) {
  std::string out = zip.substr(0, at) + bytes + zip.substr(at);
  auto get = [&](size_t pos) {
    uint64_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(out.at(pos + i));
    return v;
  };
  auto put = [&](size_t pos, uint64_t v) {
    for (int i = 0; i < 4; ++i) out.at(pos + i) = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  const size_t end = out.rfind("PK\x05\x06");
  const size_t cd = get(end + 16) >= at ? get(end + 16) + bytes.size() : get(end + 16);
  put(end + 16, cd);
  for (size_t e = cd; e < end && out.compare(e, 4, "PK\x01\x02") == 0;) {
    if (get(e + 42) >= at) put(e + 42, get(e + 42) + bytes.size());
    e += 46 + (get(e + 28) & 0xFFFF) + (get(e + 30) & 0xFFFF) + (get(e + 32) & 0xFFFF);
  }
  return out;
}

// `zip` (written by WriteArchive) with its central directory entries in
// reverse order: the directory no longer lists them in file order, which
// zips may do.
std::string ReverseDirectory(const std::string& zip) {
  const std::vector<size_t> cd = DirectoryEntries(zip);
  std::string out = zip.substr(0, cd.front());
  for (size_t k = cd.size() - 1; k-- > 0;) out += zip.substr(cd[k], cd[k + 1] - cd[k]);
  return out + zip.substr(cd.back());
}

// What libarchive's stream reader passes over in `zip`: formats::StreamSkips
// fed as the extractor feeds it, each entry's data read to its end or
// left for the reader to skip.
formats::StreamGaps Passed(const std::string& zip, bool read_data) {
  formats::MemorySource src(zip);
  const std::optional<formats::ZipEnd> end = formats::ZipEndRecord(src);
  REQUIRE(end.has_value());
  struct Stream : formats::ByteSource {  // not seekable: read as a stream
    explicit Stream(const std::string& bytes) : bytes(bytes) {}
    Result<size_t> Read(std::span<char> buf) override { return bytes.Read(buf); }
    formats::MemorySource bytes;
  } stream(zip);
  auto reader = formats::ArchiveReader::Open(stream, formats::ArchiveReader::Content::kArchive);
  REQUIRE(reader.ok());
  formats::StreamSkips skips(src, end->directory, true);
  formats::ArchiveEntry entry;
  std::string buf(4096, '\0');
  for (;;) {
    auto next = reader.value()->Next(entry);
    REQUIRE(next.ok());
    if (!next.value()) break;
    skips.Entry(reader.value()->header_position(), reader.value()->consumed());
    while (read_data) {
      auto n = reader.value()->ReadData({buf.data(), buf.size()});
      REQUIRE(n.ok());
      if (n.value() == 0) break;
    }
  }
  skips.End(reader.value()->header_position());
  return skips.gaps();
}

std::optional<std::vector<formats::ByteRange>> Unlisted(const std::string& bytes,
                                                        bool front = true) {
  formats::MemorySource src(bytes);
  return formats::UnlistedZipRanges(src, front);
}

}  // namespace

TEST_CASE("zip layout: the bytes a zip's central directory does not account for") {
  const std::string two = WriteArchive("zip", "", {{"a.txt", "first\n"}, {"b.txt", kPlant}});
  // libarchive writes a data descriptor after each deflated entry.
  REQUIRE(two.find("PK\x07\x08") != std::string::npos);
  CHECK(Unlisted(two) == std::vector<formats::ByteRange>{});
  // A comment after the end record is the record's.
  std::string commented = two;
  commented[commented.size() - 2] = 7;
  commented += "comment";
  CHECK(Unlisted(commented) == std::vector<formats::ByteRange>{});

  // An entry the directory does not list: its local header to the next one.
  const size_t b_local = two.find("PK\x03\x04", 4);
  const size_t cd = two.find("PK\x01\x02");
  REQUIRE(b_local != std::string::npos);
  CHECK(Unlisted(HideFromDirectory(two, 1)) == std::vector<formats::ByteRange>{{b_local, cd}});
  // The first entry hidden: counted only when the zip starts the file.
  CHECK(Unlisted(HideFromDirectory(two, 0)) == std::vector<formats::ByteRange>{{0, b_local}});
  CHECK(Unlisted(HideFromDirectory(two, 0), false) == std::vector<formats::ByteRange>{});
  // Data appended after the end record.
  CHECK(Unlisted(two + "appended") ==
        std::vector<formats::ByteRange>{{two.size(), two.size() + 8}});
  // An APK Signing Block in front of the directory is no unlisted data;
  // the same bytes with a wrong length field are.
  {
    const size_t cd_at = two.find("PK\x01\x02");
    std::string pairs(40, 'p');
    auto le8 = [](uint64_t v) {
      std::string b(8, '\0');
      for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
      return b;
    };
    auto signed_apk = [&](uint64_t size_field) {
      const std::string block = le8(size_field) + pairs + le8(size_field) + "APK Sig Block 42";
      std::string apk = two.substr(0, cd_at) + block + two.substr(cd_at);
      const size_t end = apk.rfind("PK\x05\x06");
      const uint64_t cd_off = cd_at + block.size();
      for (int i = 0; i < 4; ++i) apk[end + 16 + i] = static_cast<char>((cd_off >> (8 * i)) & 0xFF);
      return apk;
    };
    const uint64_t good = 40 + 8 + 16;
    CHECK(Unlisted(signed_apk(good)) == std::vector<formats::ByteRange>{});
    CHECK(Unlisted(signed_apk(good + 1)) ==
          std::vector<formats::ByteRange>{{cd_at, cd_at + 8 + good}});
    // Nor does a stream reader, which passes over both, read it.
    CHECK(Passed(signed_apk(good), true).bytes == 0);
    CHECK(Passed(signed_apk(good + 1), true).bytes == 8 + good);
  }
  // What a stream reader passes over, its data read or skipped: nothing
  // of a whole zip, nor of an entry the directory does not list (which it
  // reads); bytes between entries, also after a hidden entry and whatever
  // order the directory lists the entries in; and, when a directory
  // header's signature ends its reading early, everything from there to
  // the directory.
  const std::string stored =
      WriteArchive("zip", "", {{"a.txt", "first\n"}, {"b.txt", kPlant}}, "zip:compression=store");
  // libarchive writes a data descriptor after every entry: stored, the
  // sizes are in the local header too, and the stream reader skips by them,
  // leaving the descriptor to pass over; deflated, they are only there.
  CHECK(stored.find("PK\x07\x08") != std::string::npos);
  // With zip64 fields in the local headers, 8-byte sizes in descriptors.
  const std::string zip64 =
      WriteArchive("zip", "", {{"a.txt", "first\n"}, {"b.txt", kPlant}}, "zip:zip64");
  const std::string plain = PlainZip({{"a.txt", "first\n"}, {"b.txt", kPlant}});
  const size_t p_local = plain.find("PK\x03\x04", 4);
  const size_t p_cd = plain.find("PK\x01\x02");
  REQUIRE(p_local != std::string::npos);
  const size_t s_local = stored.find("PK\x03\x04", 4);
  const size_t s_cd = stored.find("PK\x01\x02");
  REQUIRE(s_local != std::string::npos);
  using Gap = std::pair<uint64_t, uint64_t>;  // bytes, first
  const std::vector<std::pair<std::string, Gap>> streams = {
      {two, {0, 0}},
      {stored, {0, 0}},
      {ReverseDirectory(two), {0, 0}},
      {HideFromDirectory(two, 1), {0, 0}},
      {InsertIntoZip(two, b_local, "hidden"), {6, b_local}},
      {InsertIntoZip(stored, s_local, "hidden"), {6, s_local}},
      {ReverseDirectory(InsertIntoZip(two, b_local, "hidden")), {6, b_local}},
      {HideFromDirectory(InsertIntoZip(two, cd, "hidden"), 1), {6, cd}},
      {HideFromDirectory(InsertIntoZip(stored, s_cd, "hidden"), 1), {6, s_cd}},
      {zip64, {0, 0}},
      {plain, {0, 0}},
      {ReverseDirectory(InsertIntoZip(plain, p_local, "hidden")), {6, p_local}},
      {HideFromDirectory(InsertIntoZip(plain, p_cd, "hidden"), 1), {6, p_cd}},
      {InsertIntoZip(two, b_local, "PK\x01\x02"), {cd + 4 - b_local, b_local}},
  };
  for (size_t i = 0; i < streams.size(); ++i) {
    for (bool read_data : {true, false}) {
      INFO("zip " << i << (read_data ? ", data read" : ", data skipped"));
      const formats::StreamGaps passed = Passed(streams[i].first, read_data);
      CHECK(Gap{passed.bytes, passed.first} == streams[i].second);
    }
  }
  // Not a zip, or a directory that points at no local header: not known.
  CHECK_FALSE(Unlisted(kPlant).has_value());
  std::string broken = two;
  broken[0] = 'X';
  CHECK_FALSE(Unlisted(broken).has_value());
}

TEST_CASE("a zip with zip64 end records its end record does not need is read through them") {
  // libarchive's zip64 option writes a zip64 end record and its locator
  // between the directory and the end record, whose own fields still hold
  // the counts: the directory ends at the zip64 record. Such zips were
  // partial(corrupt), no end record found, with nothing checked.
  const std::string zip64 =
      WriteArchive("zip", "", {{"a.txt", "first\n"}, {"b.txt", kPlant}}, "zip:zip64");
  const size_t end = zip64.rfind("PK\x05\x06");
  REQUIRE(end != std::string::npos);
  REQUIRE(zip64.compare(end - 20, 4, "PK\x06\x07") == 0);
  REQUIRE(zip64[end + 10] == 2);  // the end record's own count
  CHECK(Unlisted(zip64) == std::vector<formats::ByteRange>{});
  scanner::ScanLimits streamed;
  streamed.max_listed_entries = 1;
  for (const scanner::ScanLimits& limits : {scanner::ScanLimits{}, streamed}) {
    INFO("max_listed_entries " << limits.max_listed_entries);
    auto recs = ExtractMemory(zip64, "export.zip", limits);
    REQUIRE(recs.size() == 3);
    INFO(recs[0].detail);
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(TypeCounts(*FindRecord(recs, "b.txt")) == kPlantTypes);
  }
  // Text appended after the end record is told, as in any zip.
  auto appended = ExtractMemory(zip64 + "Patient SSN 536-22-8726\n", "export.zip");
  REQUIRE(appended.size() == 3);
  CHECK(StatusOf(appended[0]) == "partial(corrupt)");
  CHECK(appended[0].detail == "24 bytes at offset " + std::to_string(zip64.size()) +
                                  " that the central directory does not list, not read");
}

TEST_CASE("a zip entry its central directory does not list is read; other unlisted bytes make it "
          "partial(corrupt)") {
  // unzip and file managers list only a.txt; the local entry of b.txt,
  // holding the identifiers, was skipped by the directory-driven reader
  // while the zip was recorded complete.
  const std::string two = WriteArchive("zip", "", {{"a.txt", "first\n"}, {"b.txt", kPlant}});
  for (int hidden : {1, 0}) {
    INFO("hidden entry " << hidden);
    auto recs = ExtractMemory(HideFromDirectory(two, hidden), "export.zip");
    REQUIRE(recs.size() == 3);
    INFO(recs[0].detail);
    CHECK(StatusOf(recs[0]) == "complete");
    std::map<std::string, std::map<std::string, uint64_t>> by_member;
    for (size_t i = 1; i < recs.size(); ++i) by_member[*recs[i].member] = TypeCounts(recs[i]);
    CHECK(by_member == std::map<std::string, std::map<std::string, uint64_t>>{
                           {"a.txt", {}}, {"b.txt", kPlantTypes}});
  }
  // Text appended after the end record: not a zip entry, not read, and so
  // not complete.
  auto appended = ExtractMemory(two + "Patient SSN 536-22-8726\n", "export.zip");
  REQUIRE(appended.size() == 3);
  CHECK(StatusOf(appended[0]) == "partial(corrupt)");
  CHECK(appended[0].detail.find("that the central directory does not list, not read") !=
        std::string::npos);
  // A zip whose directory lists everything: its members, once each.
  auto plain = ExtractMemory(two, "export.zip");
  REQUIRE(plain.size() == 3);
  CHECK(StatusOf(plain[0]) == "complete");
}

TEST_CASE("a zip whose directory is too large to hold is read from its local headers") {
  // libarchive's seekable reader holds the whole directory before the first
  // member: 200 MB for a million entries. Above max_listed_entries entries
  // the zip is read as a stream instead, in file order, every local entry
  // reached, the directory never loaded.
  const std::string three = WriteArchive(
      "zip", "", {{"a.txt", kPlant}, {"b.txt", "second\n"}, {"c.txt", "third\n"}});
  // a.txt left out of the directory: through it, b and c come first.
  const std::string zip = HideFromDirectory(three, 0);
  auto order = [](const std::vector<AssetRecord>& recs) {
    std::vector<std::string> names;
    for (size_t i = 1; i < recs.size(); ++i) names.push_back(recs[i].member.value_or(""));
    return names;
  };
  auto listed = ExtractMemory(zip, "export.zip");
  CHECK(order(listed) == std::vector<std::string>{"b.txt", "c.txt", "a.txt"});

  scanner::ScanLimits limits;
  limits.max_listed_entries = 1;  // the directory lists 2
  auto streamed = ExtractMemory(zip, "export.zip", limits);
  REQUIRE(order(streamed) == std::vector<std::string>{"a.txt", "b.txt", "c.txt"});
  CHECK(StatusOf(streamed[0]) == "complete");
  CHECK(TypeCounts(streamed[1]) == kPlantTypes);
  for (const auto& r : streamed) CHECK(StatusOf(r) == "complete");
  // libarchive reads the directory to its end record whatever count the
  // record declares: a count of 1 does not keep the directory in memory.
  std::string understated = zip;
  const size_t end = understated.rfind("PK\x05\x06");
  REQUIRE(end != std::string::npos);
  for (size_t at : {end + 8, end + 10}) {
    understated[at] = 1;
    understated[at + 1] = 0;
  }
  CHECK(order(ExtractMemory(understated, "export.zip", limits)) ==
        std::vector<std::string>{"a.txt", "b.txt", "c.txt"});
  // Data appended after the end record is still told, and not read.
  auto appended = ExtractMemory(zip + "Patient SSN 536-22-8726\n", "export.zip", limits);
  REQUIRE(appended.size() == 4);
  CHECK(StatusOf(appended[0]) == "partial(corrupt)");
  CHECK(appended[0].detail == "24 bytes at offset " + std::to_string(zip.size()) +
                                  " after the end-of-central-directory record, not read");

  // Bytes between entries: a stream reader passes over them to the next
  // local header, unread. Told, as through the directory.
  const std::string hidden = "Patient SSN 536-22-8726\n";
  const size_t b_local = three.find("PK\x03\x04", 4);
  const size_t cd_at = three.find("PK\x01\x02");
  REQUIRE(b_local != std::string::npos);
  for (size_t at : {b_local, cd_at}) {
    INFO("inserted at " << at);
    const std::string padded = InsertIntoZip(three, at, hidden);
    auto through_directory = ExtractMemory(padded, "export.zip");
    REQUIRE(through_directory.size() == 4);
    CHECK(StatusOf(through_directory[0]) == "partial(corrupt)");
    auto gaps = ExtractMemory(padded, "export.zip", limits);
    REQUIRE(gaps.size() == 4);
    CHECK(StatusOf(gaps[0]) == "partial(corrupt)");
    CHECK(gaps[0].detail == "24 bytes from offset " + std::to_string(at) +
                                " between the entries the central directory lists, not read");
    for (size_t i = 1; i < gaps.size(); ++i) CHECK(StatusOf(gaps[i]) == "complete");
  }
  CHECK(StatusOf(ExtractMemory(three, "export.zip", limits)[0]) == "complete");
  // Whatever order the directory lists its entries in, and after an entry
  // it does not list: what the stream reader passes over is followed as it
  // reads, never from the directory. A directory header's signature in
  // between ends its reading: the entries after it are not read either.
  const size_t c_local = three.find("PK\x03\x04", b_local + 4);
  REQUIRE(c_local != std::string::npos);
  const std::string plain =
      PlainZip({{"a.txt", kPlant}, {"b.txt", "second\n"}, {"c.txt", "third\n"}});
  const size_t p_local = plain.find("PK\x03\x04", 4);
  struct Skipped {
    std::string what, zip;
    size_t members;
    uint64_t bytes, at;
  };
  const std::vector<Skipped> skipped = {
      {"directory reversed", ReverseDirectory(three), 3, 0, 0},
      {"stored, directory reversed", ReverseDirectory(plain), 3, 0, 0},
      {"directory reversed, data between entries",
       ReverseDirectory(InsertIntoZip(three, b_local, hidden)), 3, hidden.size(), b_local},
      {"stored, directory reversed, data between entries",
       ReverseDirectory(InsertIntoZip(plain, p_local, hidden)), 3, hidden.size(), p_local},
      {"data after an entry the directory does not list",
       HideFromDirectory(InsertIntoZip(three, c_local, hidden), 1), 3, hidden.size(), c_local},
      {"a directory header's signature between entries",
       InsertIntoZip(three, b_local, "PK\x01\x02" + hidden), 1, cd_at + 4 + hidden.size() - b_local,
       b_local},
  };
  for (const Skipped& z : skipped) {
    INFO(z.what);
    auto recs = ExtractMemory(z.zip, "export.zip", limits);
    REQUIRE(recs.size() == z.members + 1);
    for (size_t i = 1; i < recs.size(); ++i) CHECK(StatusOf(recs[i]) == "complete");
    CHECK(TypeCounts(recs[1]) == kPlantTypes);
    if (z.bytes == 0) {
      CHECK(StatusOf(recs[0]) == "complete");
    } else {
      CHECK(StatusOf(recs[0]) == "partial(corrupt)");
      CHECK(recs[0].detail == std::to_string(z.bytes) + " bytes from offset " +
                                  std::to_string(z.at) +
                                  " between the entries the central directory lists, not read");
    }
  }

  // An Office package so large is read the same way: its text still found.
  TempDir dir;
  BuildFormatFixtures(dir.Join("fx"));
  const std::string xlsx = ReadFile(dir.Join("fx/docs/header.xlsx"));
  auto whole = ExtractMemory(xlsx, "header.xlsx");
  auto parts = ExtractMemory(xlsx, "header.xlsx", limits);
  REQUIRE(whole.size() == 1);
  REQUIRE(parts.size() == 1);
  CHECK(StatusOf(parts[0]) == "complete");
  CHECK(!TypeCounts(whole[0]).empty());
  CHECK(TypeCounts(parts[0]) == TypeCounts(whole[0]));
}

namespace {
// The little-endian 8-byte field at `at` (a 7z signature header's).
uint64_t Le64(const std::string& s, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s.at(at + i));
  return v;
}
}  // namespace

TEST_CASE("a 7z listing more than max_listed_entries is not opened: partial(limit_members)") {
  // libarchive holds the whole listing before the first member, and the
  // header compresses very well: a 983 KB 7z of 3 million entries took
  // 415 MB, a 221-byte one of 4 million empty files 352 MB.
  std::vector<ArchiveMember> many = {{"notes.txt", kPlant}};
  for (int i = 0; i < 300; ++i) many.push_back({"m" + std::to_string(i) + ".txt", "x\n"});
  for (const std::string options : {"", "7zip:compression=store"}) {
    INFO("options " << options);
    const std::string archive = WriteArchive("7zip", "", many, options);
    // libarchive encodes (compresses) the header unless told to store.
    CHECK(archive[32 + Le64(archive, 12)] == (options.empty() ? '\x17' : '\x01'));
    formats::MemorySource src(archive);
    auto listing = formats::ReadSevenZipListing(src, UINT64_MAX);
    REQUIRE(listing.ok());
    CHECK(listing.value().files == many.size());
    CHECK(listing.value().header_bytes > 300 * 12);  // every name, in UTF-16
    if (!options.empty()) CHECK(listing.value().header_bytes == Le64(archive, 20));

    scanner::ScanLimits limits;
    limits.max_listed_entries = many.size();
    auto fits = ExtractMemory(archive, "export.7z", limits);
    REQUIRE(fits.size() == many.size() + 1);
    CHECK(StatusOf(fits[0]) == "complete");
    CHECK(TypeCounts(*FindRecord(fits, "notes.txt")) == kPlantTypes);
    limits.max_listed_entries = many.size() - 1;
    auto over = ExtractMemory(archive, "export.7z", limits);
    REQUIRE(over.size() == 1);
    CHECK(StatusOf(over[0]) == "partial(limit_members)");
    CHECK(over[0].detail == "the 7z header lists more than 300 entries; no member read");
    // The same inside a zip, where it is buffered first.
    auto nested = ExtractMemory(WriteArchive("zip", "", {{"inner.7z", archive}}), "outer.zip",
                                limits);
    REQUIRE(nested.size() == 2);
    CHECK(StatusOf(nested[1]) == "partial(limit_members)");

    // The header is unpacked into at most max_7z_header bytes.
    limits = {};
    limits.max_7z_header = listing.value().header_bytes;
    CHECK(ExtractMemory(archive, "export.7z", limits).size() == many.size() + 1);
    limits.max_7z_header = listing.value().header_bytes - 1;
    auto large = ExtractMemory(archive, "export.7z", limits);
    REQUIRE(large.size() == 1);
    CHECK(StatusOf(large[0]) == "partial(limit_members)");
    CHECK(large[0].detail.find("unpacks to more than") != std::string::npos);
  }
  // Empty files take two bits each in the header: counted, not measured.
  std::vector<ArchiveMember> empty;
  for (int i = 0; i < 3000; ++i) empty.push_back({std::to_string(i), ""});
  const std::string empties = WriteArchive("7zip", "", empty);
  formats::MemorySource src(empties);
  auto listing = formats::ReadSevenZipListing(src, UINT64_MAX);
  REQUIRE(listing.ok());
  CHECK(listing.value().files == 3000);
  scanner::ScanLimits limits;
  limits.max_listed_entries = 2999;
  auto over = ExtractMemory(empties, "empty.7z", limits);
  REQUIRE(over.size() == 1);
  CHECK(StatusOf(over[0]) == "partial(limit_members)");
}

TEST_CASE("a 7z header is read only from structures that hold together") {
  std::vector<ArchiveMember> members = {{"notes.txt", kPlant}};
  for (int i = 0; i < 40; ++i) members.push_back({"m" + std::to_string(i) + ".txt", "x\n"});
  const std::string archive = WriteArchive("7zip", "", members);
  auto listing_of = [](const std::string& bytes) {
    formats::MemorySource src(bytes);
    return formats::ReadSevenZipListing(src, UINT64_MAX);
  };
  REQUIRE(listing_of(archive).ok());
  const uint64_t header_at = 32 + Le64(archive, 12);
  REQUIRE(archive[header_at] == '\x17');
  // A header past the end of the file, the file cut inside the header, a
  // header of another kind, a short file: no header, and libarchive judges
  // the archive as before.
  std::string past = archive;
  past[12 + 7] = '\x7f';
  const std::string cut = archive.substr(0, header_at + 4);
  std::string other = archive;
  other[header_at] = '\x02';
  for (const std::string& bad : {past, cut, other, archive.substr(0, 31)}) {
    CHECK(listing_of(bad).status().code() == StatusCode::kNotFound);
  }
  // A description that does not hold together, packed bytes that do not
  // unpack: corrupt, and the archive is not opened.
  std::string described = archive;
  described[header_at + 1] = '\x42';  // kPackInfo
  // The header's packed bytes start at its pack position (a 7z NUMBER
  // after kEncodedHeader and kPackInfo: one byte below 0x80, else two).
  const auto b0 = static_cast<unsigned char>(archive[header_at + 2]);
  REQUIRE(b0 < 0xC0);
  const uint64_t pack_at =
      32 + (b0 < 0x80 ? b0
                      : (uint64_t{b0 & 0x3Fu} << 8) |
                            static_cast<unsigned char>(archive[header_at + 3]));
  std::string packed = archive;
  for (uint64_t i = pack_at; i < pack_at + 8; ++i) packed[i] = static_cast<char>(~packed[i]);
  for (const std::string& bad : {described, packed}) {
    CHECK(listing_of(bad).status().code() == StatusCode::kCorrupt);
  }
  for (const std::string& bad : {past, cut, other, described, packed}) {
    auto recs = ExtractMemory(bad, "bad.7z");
    REQUIRE(!recs.empty());
    CHECK(StatusOf(recs[0]) != "complete");
  }
  auto recs = ExtractMemory(described, "bad.7z");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  CHECK(recs[0].detail.find("no member read") != std::string::npos);
}

TEST_CASE("bytes no 7z stream or header accounts for are not read: partial(corrupt)") {
  std::vector<ArchiveMember> members = {{"notes.txt", kPlant}};
  for (int i = 0; i < 40; ++i) members.push_back({"m" + std::to_string(i) + ".txt", "x\n"});
  const std::string note = "Patient SSN 536-22-8726\n";
  for (const std::string options : {"", "7zip:compression=store"}) {
    INFO("options " << options);
    const std::string archive = WriteArchive("7zip", "", members, options);
    auto plain = ExtractMemory(archive, "export.7z");
    REQUIRE(plain.size() == members.size() + 1);
    CHECK(StatusOf(plain[0]) == "complete");

    // Appended after the header.
    auto appended = ExtractMemory(archive + note, "export.7z");
    REQUIRE(appended.size() == members.size() + 1);
    CHECK(StatusOf(appended[0]) == "partial(corrupt)");
    CHECK(appended[0].detail == std::to_string(note.size()) + " bytes from offset " +
                                    std::to_string(archive.size()) +
                                    " that no 7z stream or header accounts for, not read");
    CHECK(TypeCounts(*FindRecord(appended, "notes.txt")) == kPlantTypes);

    // In front of the header, the signature header pointing past it (its
    // CRC made right): libarchive reads every member and never the note.
    const uint64_t offset = Le64(archive, 12);
    std::string inserted = archive.substr(0, 32 + offset) + note + archive.substr(32 + offset);
    for (int i = 0; i < 8; ++i) {
      inserted[12 + i] = static_cast<char>(((offset + note.size()) >> (8 * i)) & 0xFF);
    }
    const uint32_t crc = Crc32(std::string_view(inserted).substr(12, 20));
    for (int i = 0; i < 4; ++i) inserted[8 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
    auto hidden = ExtractMemory(inserted, "export.7z");
    REQUIRE(hidden.size() == members.size() + 1);
    CHECK(TypeCounts(*FindRecord(hidden, "notes.txt")) == kPlantTypes);
    CHECK(StatusOf(hidden[0]) == "partial(corrupt)");
    CHECK(hidden[0].detail == std::to_string(note.size()) + " bytes from offset " +
                                  std::to_string(32 + offset) +
                                  " that no 7z stream or header accounts for, not read");
  }

  // A zeroed signature header names an empty archive: libarchive read what
  // follows as nothing and the file as complete.
  std::string zeroed(std::string_view("7z\xBC\xAF\x27\x1C\x00\x04", 8));
  zeroed.append(24, '\0');
  formats::MemorySource empty_src(zeroed);
  CHECK(formats::SevenZipEnd(empty_src) == 32);
  auto empty = ExtractMemory(zeroed + note, "hidden.7z");
  REQUIRE(!empty.empty());
  CHECK(StatusOf(empty[0]) != "complete");
}

namespace {

// An end-of-central-directory record: one disk, `entries` entries, a
// directory of `cd_size` bytes at `cd_offset`, a comment of `comment_len`.
std::string EndRecord(uint16_t entries, uint32_t cd_size, uint32_t cd_offset,
                      uint16_t comment_len) {
  std::string r = "PK\x05\x06";
  auto put = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) r += static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  put(0, 2);  // this disk
  put(0, 2);  // the directory's disk
  put(entries, 2);
  put(entries, 2);
  put(cd_size, 4);
  put(cd_offset, 4);
  put(comment_len, 2);
  return r;
}

// `zip` (written by WriteArchive, no comment) with `comment` after its end
// record, the record's comment length saying so.
std::string WithComment(const std::string& zip, const std::string& comment) {
  REQUIRE(zip.substr(zip.size() - 22, 4) == "PK\x05\x06");
  std::string out = zip;
  out[out.size() - 2] = static_cast<char>(comment.size() & 0xFF);
  out[out.size() - 1] = static_cast<char>(comment.size() >> 8);
  return out + comment;
}

}  // namespace

TEST_CASE("a zip's and a gzip's comments are read as a member, (comments)") {
  // Text unzip -z and gzip -l show only on request; it was neither read
  // nor reported.
  std::string zip = PlainZip({{"a.txt", "Nothing here.\n"}});
  // The entry's comment in its directory entry (the comment length at 32).
  const size_t central = zip.find("PK\x01\x02");
  REQUIRE(central != std::string::npos);
  const std::string entry_comment = kPlant.substr(0, kPlant.size() - 1);
  const size_t name_end = central + 46 + 5;  // "a.txt"
  zip.insert(name_end, entry_comment);
  zip[central + 32] = static_cast<char>(entry_comment.size());
  // The end record's directory size grows by the comment.
  const size_t eocd = zip.size() - 22;
  zip[eocd + 12] = static_cast<char>(zip[eocd + 12] + static_cast<char>(entry_comment.size()));
  zip = WithComment(zip, "Archived with patient SSN 536-22-8726.");
  auto recs = ExtractMemory(zip, "notes.zip");
  const AssetRecord* comments = FindRecord(recs, "(comments)");
  REQUIRE(comments != nullptr);
  CHECK(StatusOf(*comments) == "complete");
  CHECK(TypeCounts(*comments) ==
        std::map<std::string, uint64_t>{{"US_SSN", 2}, {"US_NPI", 1}, {"CREDIT_CARD", 1}});
  REQUIRE(FindRecord(recs, "a.txt") != nullptr);
  CHECK(StatusOf(recs[0]) == "complete");
  // No comment, no such member.
  CHECK(FindRecord(ExtractMemory(PlainZip({{"a.txt", kPlant}}), "n.zip"), "(comments)") ==
        nullptr);

  // gzip's FCOMMENT (flag 0x10), after its FNAME (0x08).
  std::string gz = WriteArchive("raw", "gzip", {{"data", "Nothing here.\n"}});
  REQUIRE(gz.size() > 10);
  gz[3] = static_cast<char>(gz[3] | 0x10);
  const size_t after_name = (gz[3] & 0x08) ? gz.find('\0', 10) + 1 : 10;
  gz.insert(after_name, kPlant + std::string(1, '\0'));
  auto zipped = ExtractMemory(gz, "notes.txt.gz");
  const AssetRecord* gz_comments = FindRecord(zipped, "(comments)");
  REQUIRE(gz_comments != nullptr);
  CHECK(TypeCounts(*gz_comments) == kPlantTypes);
  REQUIRE(FindRecord(zipped, "notes.txt") != nullptr);
  CHECK(TypeCounts(*FindRecord(zipped, "notes.txt")).empty());
  CHECK(StatusOf(zipped[0]) == "complete");

  // A comment longer than what is kept (64 KiB of gzip's) was cut without
  // a word: the SSN past the cut was never read, and the file said complete.
  std::string long_gz = WriteArchive("raw", "gzip", {{"data", "Nothing here.\n"}});
  long_gz[3] = static_cast<char>(long_gz[3] | 0x10);
  const size_t long_after_name = (long_gz[3] & 0x08) ? long_gz.find('\0', 10) + 1 : 10;
  long_gz.insert(long_after_name, std::string(70'000, 'x') + " " + kPlant + std::string(1, '\0'));
  auto cut = ExtractMemory(long_gz, "notes.txt.gz");
  const AssetRecord* cut_comments = FindRecord(cut, "(comments)");
  REQUIRE(cut_comments != nullptr);
  CHECK(StatusOf(*cut_comments) == "partial(limit_size)");
  CHECK(StatusOf(cut[0]) == "partial(limit_size)");
}

TEST_CASE("a member's name is kept to its first 512 and last 256 bytes") {
  // Each member's record holds its name until its file ends: 9,001 names of
  // 65 KB took 1.2 GB and wrote a 1.2 GB catalog. The end, which holds the
  // extension that decides how it is read, stays.
  const std::string long_name = std::string(5000, 'd') + "/roster.csv";
  auto recs = ExtractMemory(PlainZip({{long_name, "ssn\n536228726\n"}}), "n.zip");
  REQUIRE(recs.size() == 2);
  REQUIRE(recs[1].member.has_value());
  const std::string& member = *recs[1].member;
  CHECK(member.size() == 512 + 3 + 256);
  CHECK(member.starts_with(std::string(512, 'd') + "..."));
  CHECK(member.ends_with("/roster.csv"));
  CHECK(TypeCounts(recs[1]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
}

TEST_CASE("a zip entry named as a folder that holds data makes the zip partial(corrupt)") {
  // "hidden/" with an SSN in its data: unzip lists a folder, Python's
  // zipfile reads the text, and the zip was recorded complete and clean.
  auto recs = ExtractMemory(PlainZip({{"hidden/", kPlant}, {"a.txt", "Nothing here.\n"}}), "n.zip");
  REQUIRE(!recs.empty());
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  CHECK(recs[0].detail == "1 entry named as a folder but holding data, not read");
  // An empty folder entry is a folder.
  auto plain = ExtractMemory(PlainZip({{"docs/", ""}, {"a.txt", "Nothing here.\n"}}), "n.zip");
  REQUIRE(!plain.empty());
  CHECK(StatusOf(plain[0]) == "complete");
}

TEST_CASE("a zip whose stored member puts \"ustar\" at 257 is read as a zip, comment and all") {
  // A zip was told from a tar by "ustar" at 257 alone: a stored member's
  // bytes there made it read without its end record, and the archive
  // comment, with the SSN in it, was never read.
  const std::string first = std::string(222, 'x') + "ustar" + std::string(100, 'y') + "\n";
  const std::string zip =
      WithComment(PlainZip({{"a.txt", first}, {"b.txt", kPlant}}), "Patient SSN 536-22-8726.");
  REQUIRE(zip.substr(257, 5) == "ustar");
  auto recs = ExtractMemory(zip, "notes.zip");
  const AssetRecord* comments = FindRecord(recs, "(comments)");
  REQUIRE(comments != nullptr);
  CHECK(TypeCounts(*comments) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  REQUIRE(FindRecord(recs, "b.txt") != nullptr);
  CHECK(TypeCounts(*FindRecord(recs, "b.txt")) == kPlantTypes);
}

TEST_CASE("a zip whose comment holds an end record is read through its real one") {
  // Readers take the last end-record signature in the file's tail. One in
  // the archive comment pointing at no directory (or an empty one) made the
  // zip read as holding nothing: recorded complete, label NONE, 0 bytes
  // read, its member never classified.
  const std::string zip = WriteArchive("zip", "", {{"notes.txt", kPlant}});
  const size_t real_end = zip.size() - 22;
  const size_t cd = zip.find("PK\x01\x02");
  REQUIRE(cd != std::string::npos);
  const auto cd_size = static_cast<uint32_t>(real_end - cd);
  const std::string note = "Exported by the records system. ";
  const std::vector<std::pair<std::string, std::string>> fakes = {
      // An empty archive's end record, its own comment reaching the end.
      {"empty", note + EndRecord(0, 0, 0, 0)},
      {"empty, offset at itself",
       note + EndRecord(0, 0, static_cast<uint32_t>(zip.size() + note.size()), 0)},
      // The real record's counts and offsets, copied after the real one.
      {"copy", note + EndRecord(1, cd_size, static_cast<uint32_t>(cd), 5) + "trail"},
      {"copy, text after", note + EndRecord(1, cd_size, static_cast<uint32_t>(cd), 0) + "end"},
  };
  for (const auto& [what, comment] : fakes) {
    INFO(what);
    const std::string bytes = WithComment(zip, comment);
    // The layout is that of the real record: the comment is its own.
    CHECK(Unlisted(bytes) == std::vector<formats::ByteRange>{});
    auto recs = ExtractMemory(bytes, "export.zip");
    // The member, and the comment as a member of its own (binary, with the
    // record in it: unread, a gap).
    REQUIRE(recs.size() == 3);
    INFO(recs[0].detail);
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(recs[1].member == "notes.txt");
    CHECK(TypeCounts(recs[1]) == kPlantTypes);
    CHECK(recs[1].label == "PHI");
    CHECK(recs[2].member == "(comments)");
    CHECK(StatusOf(recs[2]) == "skipped(binary)");
  }
  // An Office document is a zip read the same way; its text was never read.
  const std::string docx = WriteArchive(
      "zip", "",
      {{"[Content_Types].xml",
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"},
       {"word/document.xml", "<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>" + kPlant +
                                 "</w:t></w:r></w:p></w:body></w:document>"}});
  const size_t docx_cd = docx.find("PK\x01\x02");
  REQUIRE(docx_cd != std::string::npos);
  for (const std::string& comment :
       {note + EndRecord(0, 0, 0, 0),
        note + EndRecord(2, static_cast<uint32_t>(docx.size() - 22 - docx_cd),
                         static_cast<uint32_t>(docx_cd), 0)}) {
    auto recs = ExtractMemory(WithComment(docx, comment), "letter.docx");
    REQUIRE(recs.size() == 1);
    INFO(recs[0].detail);
    CHECK(recs[0].format == "ooxml");
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(TypeCounts(recs[0]) == kPlantTypes);
  }
}

TEST_CASE("a zip none of whose end records matches a directory is never complete") {
  // The real record's directory size is off by one, so it points into the
  // directory's first entry, and the comment holds a record that points at
  // nothing: no record says where a directory is. libarchive reads what it
  // reads; the zip is not recorded as read whole.
  std::string zip = WriteArchive("zip", "", {{"notes.txt", kPlant}});
  const size_t real_end = zip.size() - 22;
  zip[real_end + 12] = static_cast<char>(zip[real_end + 12] - 1);
  for (const std::string& comment :
       {std::string(), "note " + EndRecord(0, 0, 0, 0), "note " + EndRecord(1, 46, 7, 0)}) {
    INFO("comment of " << comment.size() << " bytes");
    auto recs = ExtractMemory(comment.empty() ? zip : WithComment(zip, comment), "export.zip");
    REQUIRE_FALSE(recs.empty());
    INFO(recs[0].detail);
    CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  }
}

TEST_CASE("a member of which nothing was read has no label; a container whose members were read "
          "keeps NONE") {
  // NONE says "read, nothing found": a zip cut at the depth limit was not
  // read, and `--label NONE` must not list it among the clean files.
  const std::string inner = WriteArchive("zip", "", {{"notes.txt", kPlant}});
  const std::string outer =
      WriteArchive("zip", "", {{"inner.zip", inner}, {"readme.txt", "nothing here\n"}});
  scanner::ScanLimits limits;
  limits.max_depth = 1;
  auto recs = ExtractMemory(outer, "outer.zip", limits);
  const AssetRecord* cut = FindRecord(recs, "inner.zip");
  const AssetRecord* clean = FindRecord(recs, "readme.txt");
  REQUIRE(cut != nullptr);
  REQUIRE(clean != nullptr);
  CHECK(StatusOf(*cut) == "partial(limit_depth)");
  CHECK(cut->label.empty());
  CHECK(StatusOf(*clean) == "complete");
  CHECK(clean->label == "NONE");
  CHECK(recs[0].label == "NONE");  // the outer zip: read whole
  // A zip cut after its first member: partial, none of its own text read,
  // but a member read below it, so it was read and keeps NONE.
  scanner::ScanLimits one;
  one.max_members = 1;
  auto first = ExtractMemory(outer, "outer.zip", one);
  REQUIRE(first.size() == 2);
  CHECK(StatusOf(first[0]) == "partial(limit_members)");
  CHECK(first[0].bytes_scanned == 0);
  CHECK(first[0].label == "NONE");
}

TEST_CASE("a container's label is the most sensitive of its own and its members'") {
  // bundle.zip holding PHI was listed by `assets --label NONE` among the
  // clean files: its own record carries no findings.
  const std::string inner = WriteArchive(
      "zip", "", {{"contact.txt", "Email: jane.doe@example.org\n"}, {"x.txt", "nothing\n"}});
  const std::string outer = WriteArchive("zip", "",
                                         {{"inner.zip", inner},
                                          {"chart.txt", "MBI 1EG4TE5MK73, patient chart\n"},
                                          {"readme.txt", "nothing here\n"}});
  auto recs = ExtractMemory(outer, "bundle.zip");
  const AssetRecord* in = FindRecord(recs, "inner.zip");
  const AssetRecord* chart = FindRecord(recs, "chart.txt");
  const AssetRecord* readme = FindRecord(recs, "readme.txt");
  REQUIRE(in != nullptr);
  REQUIRE(chart != nullptr);
  REQUIRE(readme != nullptr);
  CHECK(chart->label == "PHI");
  CHECK(chart->label_rule == "health_identifier");
  CHECK(in->label == "PII");  // from its own member, one level down
  CHECK(in->label_rule == "members");
  CHECK(readme->label == "NONE");
  CHECK(recs[0].label == "PHI");  // PHI outranks the PII below inner.zip
  CHECK(recs[0].label_rule == "members");
  CHECK(recs[0].findings.empty());  // the label only: findings stay the members'
  // A clean archive stays NONE.
  auto clean = ExtractMemory(WriteArchive("zip", "", {{"a.txt", "nothing\n"}}), "clean.zip");
  CHECK(clean[0].label == "NONE");
}

TEST_CASE("a zip member whose CRC does not match is read and recorded partial(corrupt)") {
  // libarchive warns at the member's end, together with its last block;
  // read through archive_read_data() that block was lost, and the member
  // recorded complete with nothing found.
  const std::string text = "Clinic notes.\n" + kPlant;
  for (bool big : {false, true}) {
    INFO((big ? "several blocks" : "one block"));
    std::string body = big ? std::string(300 << 10, 'x') + "\n" + text : text;
    std::string zip = WriteArchive("zip", "", {{"notes.txt", body}, {"more.txt", "More.\n" + text}});
    // The first member's CRC, wherever the writer put it: the central
    // directory, and the local header or data descriptor.
    size_t cd = zip.find("PK\x01\x02");
    REQUIRE(cd != std::string::npos);
    uint32_t crc;
    std::memcpy(&crc, zip.data() + cd + 16, 4);
    const std::string old(reinterpret_cast<const char*>(&crc), 4);
    const uint32_t bad_crc = crc ^ 0x5A5A5A5Au;
    const std::string bad(reinterpret_cast<const char*>(&bad_crc), 4);
    for (size_t at = zip.find(old); at != std::string::npos; at = zip.find(old, at + 4)) {
      zip.replace(at, 4, bad);
    }
    auto recs = ExtractMemory(zip, "notes.zip");
    const AssetRecord* notes = FindRecord(recs, "notes.txt");
    REQUIRE(notes != nullptr);
    CHECK(StatusOf(*notes) == "partial(corrupt)");
    CHECK(notes->detail.find("CRC") != std::string::npos);
    // libarchive's message names the CRC computed over the data, an unkeyed
    // hash of the content: it is not kept.
    CHECK(notes->detail.find("0x") == std::string::npos);
    CHECK(TypeCounts(*notes) == kPlantTypes);
    const AssetRecord* more = FindRecord(recs, "more.txt");
    REQUIRE(more != nullptr);
    CHECK(StatusOf(*more) == "complete");
    CHECK(TypeCounts(*more) == kPlantTypes);
  }
}

TEST_CASE("a zip member whose local header's name length was changed never shows its data") {
  // libarchive reads a member's name from its local header; one whose name
  // length grew read the member's first bytes as its name, which went into
  // the catalog, the log and every report.
  const std::string text = "Clinic notes.\n" + kPlant + "More notes.\n";
  const std::string zip = PlainZip({{"notes.txt", text}, {"other.txt", "Other.\n" + kPlant}});
  const size_t central = zip.find("PK\x01\x02");
  REQUIRE(central != std::string::npos);
  std::string longer = zip;
  longer[26] = static_cast<char>(longer[26] + 40);
  // Through the central directory, which lists the real name, and as a
  // stream of local headers (the directory cut off).
  for (const std::string& bytes : {longer, longer.substr(0, central)}) {
    INFO(bytes.size());
    auto recs = ExtractMemory(bytes, "notes.zip");
    for (const AssetRecord& r : recs) {
      INFO(r.member.value_or("(top)") << ": " << r.detail);
      CHECK((!r.member || r.member->find("Clinic") == std::string::npos));
      CHECK(r.detail.find("Clinic") == std::string::npos);
      CHECK(r.detail.find("536-22") == std::string::npos);
    }
    const AssetRecord* withheld = FindRecord(recs, "part-1");
    REQUIRE(withheld != nullptr);
    CHECK(withheld->detail.find("name not shown") != std::string::npos);
    CHECK(withheld->status != AssetStatus::kComplete);
    if (bytes.size() == zip.size()) {
      // Through the directory, the member after it is read under its name.
      const AssetRecord* other = FindRecord(recs, "other.txt");
      REQUIRE(other != nullptr);
      CHECK(TypeCounts(*other) == kPlantTypes);
    }
  }
  // Damaged data under a name the directory lists keeps that name.
  std::string bad_crc = zip;
  bad_crc[14] = static_cast<char>(bad_crc[14] ^ 0x5A);
  bad_crc[central + 16] = static_cast<char>(bad_crc[central + 16] ^ 0x5A);
  auto recs = ExtractMemory(bad_crc, "notes.zip");
  const AssetRecord* notes = FindRecord(recs, "notes.txt");
  REQUIRE(notes != nullptr);
  CHECK(StatusOf(*notes) == "partial(corrupt)");
}

TEST_CASE("a file in an Office package whose local header's name length changed never shows its "
          "data") {
  // The package's own reading of its parts withholds such a name too: the
  // embedding's name read on into its text.
  const std::string ct(kDocxContentTypes);
  const std::string doc(kDocxLetter);
  std::string docx = PlainZip({{"[Content_Types].xml", ct},
                               {"word/document.xml", doc},
                               {"word/embeddings/notes.txt", "Clinic notes.\n" + kPlant}});
  const size_t local = docx.rfind("PK\x03\x04", docx.find("PK\x01\x02"));
  REQUIRE(docx.substr(local + 30, 25) == "word/embeddings/notes.txt");
  docx[local + 26] = static_cast<char>(docx[local + 26] + 20);
  auto recs = ExtractMemory(docx, "letter.docx");
  for (const AssetRecord& r : recs) {
    INFO(r.member.value_or("(top)") << ": " << r.detail);
    CHECK((!r.member || r.member->find("Clinic") == std::string::npos));
    CHECK(r.detail.find("Clinic") == std::string::npos);
  }
  const AssetRecord* withheld = FindRecord(recs, "part-1");
  REQUIRE(withheld != nullptr);
  CHECK(withheld->detail.find("name not shown") != std::string::npos);
  CHECK(withheld->status != AssetStatus::kComplete);
}

namespace {

// `zip` with the compressed data of its first `n` entries overwritten with
// bytes no decompressor accepts (their sizes and headers intact).
std::string GarbleFirstEntries(std::string zip, int n) {
  size_t cd = zip.find("PK\x01\x02");
  for (int i = 0; i < n; ++i) {
    REQUIRE(cd != std::string::npos);
    uint32_t csize, local;
    uint16_t name_len, extra_len, comment_len;
    std::memcpy(&csize, zip.data() + cd + 20, 4);
    std::memcpy(&name_len, zip.data() + cd + 28, 2);
    std::memcpy(&extra_len, zip.data() + cd + 30, 2);
    std::memcpy(&comment_len, zip.data() + cd + 32, 2);
    std::memcpy(&local, zip.data() + cd + 42, 4);
    uint16_t local_name, local_extra;
    std::memcpy(&local_name, zip.data() + local + 26, 2);
    std::memcpy(&local_extra, zip.data() + local + 28, 2);
    const size_t data = local + 30 + local_name + local_extra;
    REQUIRE(csize > 8);
    for (size_t k = data; k < data + csize; ++k) zip[k] = '\xFF';
    cd += 46 + name_len + extra_len + comment_len;
  }
  return zip;
}

}  // namespace

TEST_CASE("a zip member whose data is damaged does not hide the members after it") {
  // libarchive stops reading an archive at the first member whose data
  // does not decompress; a zip read through its central directory is opened
  // again and read on from the next entry. Before, b.txt and c.txt were
  // never recorded.
  const std::string body = std::string(4000, 'x') + "\n";
  const std::string zip =
      WriteArchive("zip", "", {{"a.txt", body}, {"b.txt", "Notes.\n" + kPlant},
                               {"c.txt", body}, {"d.txt", "More.\n" + kPlant}});
  auto recs = ExtractMemory(GarbleFirstEntries(zip, 1), "notes.zip");
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  CHECK(recs[0].detail == "damaged data in member a.txt");
  const AssetRecord* a = FindRecord(recs, "a.txt");
  REQUIRE(a != nullptr);
  CHECK(StatusOf(*a) == "partial(corrupt)");
  for (const char* later : {"b.txt", "d.txt"}) {
    INFO(later);
    const AssetRecord* m = FindRecord(recs, later);
    REQUIRE(m != nullptr);
    CHECK(StatusOf(*m) == "complete");
    CHECK(TypeCounts(*m) == kPlantTypes);
  }
  CHECK(FindRecord(recs, "c.txt") != nullptr);
  // Two damaged ones in a row, and the rest still read.
  auto two = ExtractMemory(GarbleFirstEntries(zip, 3), "notes.zip");
  const AssetRecord* d = FindRecord(two, "d.txt");
  REQUIRE(d != nullptr);
  CHECK(TypeCounts(*d) == kPlantTypes);
  // Past 16 openings the rest is left, and the container says so.
  std::vector<ArchiveMember> many;
  for (int i = 0; i < 20; ++i) many.push_back({"m" + std::to_string(i) + ".txt", body});
  many.push_back({"last.txt", kPlant});
  auto capped = ExtractMemory(GarbleFirstEntries(WriteArchive("zip", "", many), 20), "many.zip");
  CHECK(FindRecord(capped, "last.txt") == nullptr);
  CHECK(capped[0].detail == "archive unreadable after member m16.txt");
}

TEST_CASE("libarchive's messages never reach a detail: each becomes one of phiscan's phrases") {
  // Messages as libarchive's zip, tar and 7z readers and its filters word
  // them, with what they quote from the archive: a header's compression
  // method, codec or filter id, sizes from its headers, the CRC computed
  // over a member's data.
  const std::string truncated = "archive ends early (truncated)";
  const std::string checksum = "data does not match its checksum";
  const std::string inflate = "compressed data is damaged";
  const std::string unsupported = "compression method or archive feature not supported";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Unsupported ZIP compression method (77: unknown)", unsupported},
      {"Unknown codec ID: 30111", unsupported},
      {"Unsupported filter 3030103 for 21", unsupported},
      {"7-Zip bad CRC: 0x1a2b3c4d should be 0x5e6f7081", checksum},
      {"ZIP bad CRC: 0x1a2b3c4d should be 0x5e6f7081", checksum},
      {"Truncated input file (needed 4096 bytes, only 17 available)", truncated},
      {"Truncated tar archive", truncated},
      {"truncated gzip input", truncated},
      {"ZIP decompression failed (-5)", inflate},
      {"xz data error (error 9)", inflate},
      {"Inconsistent compressed size: 1234 in central directory, 99 in local header",
       formats::kDamagedArchive},
      {"Pathname cannot be converted from CP437 to current locale.", formats::kDamagedArchive},
      {"Damaged tar archive", formats::kDamagedArchive},
      {"Unrecognized archive format", "not a zip, tar or 7z archive"},
      // Encryption is still told, in words of its own.
      {"The archive header is encrypted, but currently not supported", formats::kEncryptedArchive},
      {"Crypto codec not supported yet (ID: 0x6F10701)", formats::kEncryptedArchive},
      {"Passphrase required for this entry", formats::kEncryptedArchive},
  };
  for (const auto& [message, words] : cases) {
    INFO(message);
    CHECK(formats::ArchiveErrorDetail(message.c_str()) == words);
  }
  CHECK(formats::ArchiveErrorDetail(nullptr) == formats::kDamagedArchive);
}

TEST_CASE("a member libarchive cannot read says why in phiscan's words, not libarchive's") {
  // A compression method no reader knows: libarchive's message quotes the
  // header's method field ("Unsupported ZIP compression method (77: ...)").
  std::string zip = WriteArchive("zip", "", {{"notes.txt", "Clinic notes.\n" + kPlant}});
  const uint16_t unknown_method = 77;
  const size_t local = zip.find("PK\x03\x04");
  const size_t central = zip.find("PK\x01\x02");
  REQUIRE(local != std::string::npos);
  REQUIRE(central != std::string::npos);
  std::memcpy(zip.data() + local + 8, &unknown_method, 2);
  std::memcpy(zip.data() + central + 10, &unknown_method, 2);
  auto recs = ExtractMemory(zip, "notes.zip");
  const AssetRecord* notes = FindRecord(recs, "notes.txt");
  REQUIRE(notes != nullptr);
  CHECK(StatusOf(*notes) == "partial(unsupported)");
  CHECK(notes->detail == "compression method or archive feature not supported");

  // A tar cut short inside a member's data.
  std::string tar = WriteArchive("pax", "", {{"notes.txt", std::string(4000, 'x') + kPlant}});
  tar.resize(2048);
  recs = ExtractMemory(tar, "notes.tar");
  notes = FindRecord(recs, "notes.txt");
  REQUIRE(notes != nullptr);
  CHECK(StatusOf(*notes) == "partial(corrupt)");
  CHECK(notes->detail == "archive ends early (truncated)");
}

TEST_CASE("reading an encrypted zip member is kEncrypted, in phiscan's words") {
  // The ZipCrypto flag on the entry, in its local and directory headers.
  std::string zip = WriteArchive("zip", "", {{"secret.txt", kPlant}});
  for (const auto& [signature, flags_at] :
       {std::pair<std::string, size_t>{"PK\x03\x04", 6}, {"PK\x01\x02", 8}}) {
    const size_t at = zip.find(signature);
    REQUIRE(at != std::string::npos);
    zip[at + flags_at] = static_cast<char>(zip[at + flags_at] | 1);
  }
  formats::MemorySource src(zip);
  auto reader = formats::ArchiveReader::Open(src, formats::ArchiveReader::Content::kArchive);
  REQUIRE(reader.ok());
  formats::ArchiveEntry entry;
  auto next = reader.value()->Next(entry);
  REQUIRE(next.ok());
  REQUIRE(next.value());
  CHECK(entry.encrypted);
  char buf[256];
  auto read = reader.value()->ReadData(buf);
  REQUIRE(!read.ok());
  CHECK(read.status().code() == StatusCode::kEncrypted);
  CHECK(read.status().message() == formats::kEncryptedArchive);
}

TEST_CASE("budget: a file embedded in an Office document past max_depth is recorded, not dropped") {
  // The embedded workbook was skipped without a record: the document and
  // the zip holding it read complete, the workbook's content unread.
  const std::string ct(kDocxContentTypes);
  const std::string doc(kDocxLetter);
  const std::string docx = WriteArchive(
      "zip", "", {{"[Content_Types].xml", ct}, {"word/document.xml", doc},
                  {"word/embeddings/patients.txt", kPlant}});
  const std::string zip = WriteArchive("zip", "", {{"letter.docx", docx}});
  scanner::ScanLimits limits;
  limits.max_depth = 1;
  auto recs = ExtractMemory(zip, "mail.zip", limits);
  const AssetRecord* embedded = FindRecord(recs, "letter.docx!word/embeddings/patients.txt");
  REQUIRE(embedded != nullptr);
  CHECK(StatusOf(*embedded) == "partial(limit_depth)");
  // Within the limit it is read.
  auto within = ExtractMemory(zip, "mail.zip");
  embedded = FindRecord(within, "letter.docx!word/embeddings/patients.txt");
  REQUIRE(embedded != nullptr);
  CHECK(TypeCounts(*embedded) == kPlantTypes);
}
