// Compound files and what is in them: the CFB reader against an independent
// writer (tests/testutil/cfb_writer.h: mini and regular streams, DIFAT,
// version 4, many entries) and on damaged files (loops, bad links, a cut
// file); legacy Word, Excel and PowerPoint text and Outlook messages from
// streams built to the Microsoft specifications by an independent builder
// (tests/testutil/legacy_office_builder.h); and the extraction of each as an
// asset: its format, its findings, its embedded objects and attachments as
// members, and a clear status for what cannot be read.
#include <catch2/catch.hpp>
#include <cstring>

#include "scanner/formats/cfb.h"
#include "scanner/formats/compressed_rtf.h"
#include "scanner/formats/legacy_office.h"
#include "scanner/formats/tnef.h"
#include "tests/scanner/extract_fixture.h"
#include "tests/testutil/cfb_writer.h"
#include "tests/testutil/legacy_office_builder.h"

using namespace phiscan;
using namespace phiscan::testing;
using phiscan::scanner::formats::CompoundFile;

namespace {

std::string Pattern(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 7 + i / 251);
  return s;
}

// The stream at `path` ("a/b/c"), or kNone.
uint32_t Resolve(const CompoundFile& cf, std::string_view path) {
  uint32_t at = CompoundFile::kRoot;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    at = cf.Find(at, path.substr(0, slash));
    if (at == CompoundFile::kNone) return at;
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return at;
}

std::string ReadPath(const CompoundFile& cf, std::string_view path) {
  const uint32_t id = Resolve(cf, path);
  REQUIRE(id != CompoundFile::kNone);
  std::string out;
  const Status s = cf.Read(id, out, uint64_t{1} << 32);
  REQUIRE(s.ok());
  return out;
}

void PutLe32(std::string& b, uint64_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
}

}  // namespace

TEST_CASE("CFB: streams read back exactly, mini and regular, nested storages, v3 and v4") {
  const int version = GENERATE(3, 4);
  std::vector<CfbEntry> entries = {
      {"WordDocument", Pattern(5000, 'a')},
      {"1Table", Pattern(100, 'b')},
      {"\x05SummaryInformation", Pattern(4095, 'c')},
      {"edge", Pattern(4096, 'd')},
      {"empty", ""},
      {"ObjectPool/_1234/\x01Ole10Native", Pattern(700, 'e')},
      {"ObjectPool/_1235/Contents", Pattern(9000, 'f')},
      {"Lonely", "", true},
  };
  const std::string file = WriteCompoundFile(entries, CfbOptions{version, ""});
  auto cf = CompoundFile::Open(file);
  REQUIRE(cf.ok());
  CHECK_FALSE(cf.value().damaged());
  for (const auto& e : entries) {
    if (e.storage) {
      CHECK(cf.value().entry(Resolve(cf.value(), e.path)).storage);
      continue;
    }
    INFO(e.path);
    CHECK(ReadPath(cf.value(), e.path) == e.data);
  }
  // The writer leaves no sector unused: the structures reach the end.
  CHECK(cf.value().reached() == file.size());
  // Names compare without case, as the format does.
  CHECK(cf.value().Find(CompoundFile::kRoot, "worddocument") != CompoundFile::kNone);
  CHECK(cf.value().Find(CompoundFile::kRoot, "nothere") == CompoundFile::kNone);
}

TEST_CASE("CFB: 8 MB stream reached through DIFAT sectors; 300 entries in one storage") {
  std::vector<CfbEntry> entries = {{"big", Pattern(8 << 20, 'x')}};
  for (int i = 0; i < 300; ++i) {
    entries.push_back({"many/s" + std::to_string(i), Pattern(10 + i, static_cast<char>(i))});
  }
  CfbLayout layout;
  const std::string file = WriteCompoundFile(entries, {}, &layout);
  REQUIRE(layout.difat_sector_count > 0);
  auto cf = CompoundFile::Open(file);
  REQUIRE(cf.ok());
  CHECK(ReadPath(cf.value(), "big") == entries[0].data);
  CHECK(cf.value().entry(Resolve(cf.value(), "many")).children.size() == 300);
  CHECK(ReadPath(cf.value(), "many/s299") == entries[300].data);
  CHECK(cf.value().reached() == file.size());  // DIFAT and FAT sectors included
}

TEST_CASE("CFB: a read is capped, and a cap below the size says so") {
  const std::string file = WriteCompoundFile({{"s", Pattern(6000, 'q')}});
  auto cf = CompoundFile::Open(file);
  REQUIRE(cf.ok());
  std::string out;
  const Status s = cf.value().Read(cf.value().Find(CompoundFile::kRoot, "s"), out, 1000);
  CHECK(s.code() == StatusCode::kLimitExceeded);
  CHECK(out == Pattern(6000, 'q').substr(0, 1000));
}

TEST_CASE("CFB: damaged files are errors or partial reads, never hangs or crashes") {
  std::vector<CfbEntry> entries = {{"big", Pattern(6000, 'x')}, {"small", Pattern(300, 'y')}};
  CfbLayout layout;
  const std::string good = WriteCompoundFile(entries, {}, &layout);

  SECTION("not a compound file, or a cut header") {
    CHECK(CompoundFile::Open("hello").status().code() == StatusCode::kCorrupt);
    CHECK(CompoundFile::Open(good.substr(0, 300)).status().code() == StatusCode::kCorrupt);
  }
  SECTION("a FAT chain that loops back on itself ends the stream: kCorrupt, no hang") {
    std::string bad = good;
    // Make the big stream's second sector link back to its first.
    const uint32_t big = static_cast<uint32_t>(
        std::find(layout.directory_paths.begin(), layout.directory_paths.end(), "big") -
        layout.directory_paths.begin());
    const uint32_t first =
        static_cast<uint32_t>((layout.data_offsets[big] - layout.header_size) / layout.sector_size);
    PutLe32(bad, layout.fat_offset + 4 * (first + 1), first);
    auto cf = CompoundFile::Open(bad);
    REQUIRE(cf.ok());
    std::string out;
    CHECK(cf.value().Read(cf.value().Find(CompoundFile::kRoot, "big"), out, 1 << 20).code() ==
          StatusCode::kCorrupt);
    CHECK(out.size() == 1024);
  }
  SECTION("a directory whose siblings link in a circle lists each entry once") {
    std::string bad = good;
    for (uint32_t i = 1; i < layout.directory_paths.size(); ++i) {
      PutLe32(bad, layout.DirectoryEntryOffset(i) + 68, i);  // left sibling: itself
    }
    auto cf = CompoundFile::Open(bad);
    REQUIRE(cf.ok());
    CHECK(cf.value().damaged());
    CHECK(cf.value().entry(CompoundFile::kRoot).children.size() <= 2);
  }
  SECTION("a file cut in the middle of a stream reads what is there") {
    auto cf = CompoundFile::Open(std::string_view(good).substr(0, good.size() - 700));
    REQUIRE(cf.ok());
    std::string out;
    const Status s = cf.value().Read(cf.value().Find(CompoundFile::kRoot, "big"), out, 1 << 20);
    CHECK(s.code() == StatusCode::kCorrupt);
    CHECK(out.size() < 6000);
    CHECK(out == Pattern(6000, 'x').substr(0, out.size()));
  }
  SECTION("sector numbers past the file's end in the header and directory") {
    std::string bad = good;
    PutLe32(bad, 0x30, 0x00FFFFFF);  // first directory sector
    CHECK(CompoundFile::Open(bad).status().code() == StatusCode::kCorrupt);
    bad = good;
    PutLe32(bad, 0x4C, 0x7FFFFFFF);  // the only FAT sector
    CHECK(CompoundFile::Open(bad).status().code() == StatusCode::kCorrupt);
  }
}

// ---- Format decoders ----------------------------------------------------------

namespace {

namespace fmt = phiscan::scanner::formats;

std::vector<CfbEntry> Entries(const std::vector<StreamBytes>& streams) {
  std::vector<CfbEntry> out;
  for (const auto& s : streams) out.push_back({s.path, s.data});
  return out;
}

std::string OleFile(const std::vector<StreamBytes>& streams) {
  return WriteCompoundFile(Entries(streams));
}

// Word text through the reader's own steps, from a compound file.
Status WordTextOf(const std::string& file, std::string& text) {
  auto cf = CompoundFile::Open(file);
  REQUIRE(cf.ok());
  std::string word = ReadPath(cf.value(), "WordDocument");
  auto fib = fmt::ReadWordFib(word);
  if (!fib.ok()) return fib.status();
  std::string table = ReadPath(cf.value(), fib.value().table_one ? "1Table" : "0Table");
  fmt::TextOut out([&](std::string_view piece) {
    CHECK(piece.size() <= fmt::TextOut::kPieceBytes + 4);
    text.append(piece);
    return true;
  });
  const Status s = fmt::WordText(word, table, fib.value(), out);
  out.Flush();
  return s;
}

struct Cell {
  uint32_t row, col;
  std::string text;
  bool operator==(const Cell&) const = default;
};
class CollectCells : public fmt::CellSink {
 public:
  void OnSheet(std::string_view name) override { sheets.emplace_back(name); }
  bool OnCell(uint32_t row, uint32_t col, std::string_view text) override {
    cells.push_back({row, col, std::string(text)});
    return cells.size() < stop_after;
  }
  size_t stop_after = SIZE_MAX;
  void OnText(std::string_view text) override { texts.emplace_back(text); }
  std::vector<std::string> sheets;
  std::vector<Cell> cells;
  std::vector<std::string> texts;
};

const std::map<std::string, uint64_t> kPlant = {{"US_SSN", 1}, {"US_NPI", 1}, {"CREDIT_CARD", 1}};
const std::string kPlantLine =
    "Patient SSN 536-22-8726, NPI 1234567893, credit card 4111 1111 1111 1111.";

}  // namespace

TEST_CASE("Word: the piece table's text in character order, 8-bit and UTF-16 pieces") {
  WordOptions o;
  o.table_stream_one = GENERATE(true, false);
  o.with_prc = GENERATE(true, false);
  o.fast_saved = GENERATE(true, false);
  const std::vector<WordPiece> pieces = {
      {"Discharge summary\r", true},
      {"Patient: Zoë Ångström\x07"
       "MRN 4411\x07\r",
       false},
      {"Résumé café \x13 HYPERLINK \x14link\x15 end\r", true},
      {"Price 20\xE2\x82\xAC, emoji \xF0\x9F\x98\x80\r", false},
  };
  std::string text;
  REQUIRE(WordTextOf(OleFile(BuildWordDocument(pieces, o)), text).ok());
  CHECK(text ==
        "Discharge summary\nPatient: Zoë Ångström\tMRN 4411\t\nRésumé café   HYPERLINK  link  "
        "end\nPrice 20€, emoji 😀\n");
  CHECK(text.find(kWordDecoyText) == std::string::npos);
}

TEST_CASE("Word: an encrypted document, a Word 95 one, a damaged piece table") {
  std::vector<StreamBytes> streams = BuildWordDocument({{"text\r", true}});
  std::string text;
  SECTION("fEncrypted") {
    WordOptions o;
    o.encrypted = true;
    CHECK(WordTextOf(OleFile(BuildWordDocument({{"text\r", true}}, o)), text).code() ==
          StatusCode::kEncrypted);
  }
  SECTION("nFib of Word 95") {
    streams[0].data[2] = 0x65;
    streams[0].data[3] = 0x00;
    CHECK(WordTextOf(OleFile(streams), text).code() == StatusCode::kUnsupported);
  }
  SECTION("fEncrypted, with the rest of the FIB ciphertext") {
    WordOptions o;
    o.encrypted = true;
    std::vector<StreamBytes> locked = BuildWordDocument({{"text\r", true}}, o);
    for (size_t i = 0x44; i < 0x200; ++i) locked[0].data[i] = static_cast<char>(0xA5 ^ i);
    CHECK(WordTextOf(OleFile(locked), text).code() == StatusCode::kEncrypted);
  }
  SECTION("fcClx past the table stream") {
    PutLe32(streams[0].data, 0x1A2, 0x00FFFFFF);
    CHECK(WordTextOf(OleFile(streams), text).code() == StatusCode::kCorrupt);
  }
  SECTION("a piece past the document stream") {
    // The first piece descriptor's fc (after the Prcs, the Pcdt header and
    // two character positions).
    std::string& table = streams[1].data;
    const uint32_t fc_clx = static_cast<uint8_t>(streams[0].data[0x1A2]) |
                            static_cast<uint8_t>(streams[0].data[0x1A3]) << 8;
    const size_t pcdt = table.find('\x02', fc_clx);
    PutLe32(table, pcdt + 5 + 8 + 2, 0x3FFFFFF0);
    CHECK(WordTextOf(OleFile(streams), text).code() == StatusCode::kCorrupt);
  }
}

TEST_CASE("Excel: shared strings across CONTINUE records, inline strings, numbers, formulas") {
  XlsOptions o;
  o.sst_record_limit = GENERATE(8224, 64, 33);
  o.use_mulrk = GENERATE(true, false);
  const std::string long_text = std::string(300, 'a') + "é" + std::string(200, 'b');
  const std::string wide_tail = std::string(40, 'x') + "Ωmega " + std::string(40, 'y');
  // Stored 8-bit until a character needs UTF-16, or the other way round:
  // the option byte of a CONTINUE record switches between them.
  const std::string to_wide = std::string(200, 'c') + "Łódź";
  const std::string to_narrow = std::string("Ω").append(200, 'd');
  std::vector<XlsSheet> sheets = {
      {"Patients",
       {
           {0, 0, "Name"},
           {0, 1, "SSN"},
           {0, 2, "Phone"},
           {1, 0, "Zoë Ångström", 0, XlsCell::kSst, true, true},
           {1, 1, "", 536228726, XlsCell::kNumber},
           {1, 2, "", 2025550143, XlsCell::kRk},
           {1, 3, "", 12.5, XlsCell::kRk},
           {1, 4, "", 1234.56, XlsCell::kRk},
           {2, 0, long_text},
           {2, 1, wide_tail, 0, XlsCell::kSst, false, false, true},
           {2, 2, "inline label", 0, XlsCell::kLabel},
           {2, 3, "formula result", 0, XlsCell::kFormulaString},
           {3, 0, to_wide},
           {3, 1, to_narrow},
       }},
      {"Second", {{0, 0, "only"}}},
  };
  CollectCells got;
  REQUIRE(fmt::WorkbookCells(BuildWorkbook(sheets, o).data, 1 << 20, 1 << 20, got).ok());
  CHECK(got.sheets == std::vector<std::string>{"Patients", "Second"});
  const std::vector<Cell> want = {
      {0, 0, "Name"},      {0, 1, "SSN"},        {0, 2, "Phone"},        {1, 0, "Zoë Ångström"},
      {1, 1, "536228726"}, {1, 2, "2025550143"}, {1, 3, "12.5"},         {1, 4, "1234.56"},
      {2, 0, long_text},   {2, 1, wide_tail},    {2, 2, "inline label"}, {2, 3, "formula result"},
      {3, 0, to_wide},     {3, 1, to_narrow},    {0, 0, "only"}};
  CHECK(got.cells == want);

  SECTION("a table past its memory bound: the strings past it still read, as text") {
    CollectCells bounded;
    // Room for the first three strings ("Name", "SSN", "Phone": 12 bytes of
    // text and 3 x 32 of bookkeeping).
    REQUIRE(fmt::WorkbookCells(BuildWorkbook(sheets, o).data, 1 << 20, 108, bounded).ok());
    CHECK(bounded.texts.size() == 6);  // the shared strings after the first three
    CHECK(std::find(bounded.texts.begin(), bounded.texts.end(), long_text) !=
          bounded.texts.end());
    CHECK(bounded.cells.size() == got.cells.size() - 6);
  }
  SECTION("FILEPASS: encrypted") {
    o.encrypted = true;
    CollectCells none;
    CHECK(fmt::WorkbookCells(BuildWorkbook(sheets, o).data, 1 << 20, 1 << 20, none).code() ==
          StatusCode::kEncrypted);
    CHECK(none.cells.empty());
  }
  SECTION("a record cut by the stream's end") {
    std::string wb = BuildWorkbook(sheets, o).data;
    CollectCells part;
    CHECK(
        fmt::WorkbookCells(std::string_view(wb).substr(0, wb.size() - 30), 1 << 20, 1 << 20,
                                part).code() ==
        StatusCode::kCorrupt);
    CHECK(part.cells.size() >= 12);
  }
}

namespace {

std::string Record(uint16_t type, const std::string& body) {
  std::string r{static_cast<char>(type), static_cast<char>(type >> 8),
                static_cast<char>(body.size()), static_cast<char>(body.size() >> 8)};
  return r + body;
}
std::string Le(uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s += static_cast<char>(v >> (8 * i));
  return s;
}
std::string Double(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof d);
  return Le(bits, 8);
}

// A workbook with date formats: XF 0 General, XF 1 built-in format 14
// (m/d/yyyy), XF 2 custom "dd\-mmm\-yyyy", XF 3 custom "[h]:mm" (a time
// span, no date), XF 4 custom "0.00 \"days\"" (quoted: no date).
std::string DateWorkbook(bool date1904) {
  auto format = [](uint16_t ifmt, const std::string& f) {
    return Record(0x041E, Le(ifmt, 2) + Le(f.size(), 2) + '\0' + f);
  };
  auto xf = [](uint16_t ifmt) { return Record(0x00E0, Le(0, 2) + Le(ifmt, 2) + std::string(16, '\0')); };
  auto number = [](uint16_t row, uint16_t col, uint16_t ixfe, double v) {
    return Record(0x0203, Le(row, 2) + Le(col, 2) + Le(ixfe, 2) + Double(v));
  };
  std::string wb = Record(0x0809, Le(0x0600, 2) + Le(0x0005, 2) + std::string(12, '\0'));
  if (date1904) wb += Record(0x0022, Le(1, 2));
  wb += format(164, "dd\\-mmm\\-yyyy") + format(165, "[h]:mm") + format(166, "0.00 \"days\"");
  wb += xf(0) + xf(14) + xf(164) + xf(165) + xf(166) + Record(0x000A, "");
  wb += Record(0x0809, Le(0x0600, 2) + Le(0x0010, 2) + std::string(12, '\0'));
  wb += number(0, 0, 1, 30755) + number(0, 1, 2, 30755.75) + number(0, 2, 3, 30755) +
        number(0, 3, 4, 30755) + number(0, 4, 0, 30755) + number(0, 5, 1, 60) +
        number(0, 6, 1, 61) + number(0, 7, 1, 1);
  return wb + Record(0x000A, "");
}

}  // namespace

TEST_CASE("Excel: sheet names by position, strings no cell shows, and a sink that stops") {
  auto bof = [](uint16_t dt) {
    return Record(0x0809, Le(0x0600, 2) + Le(dt, 2) + std::string(12, '\0'));
  };
  auto boundsheet = [](uint32_t pos, uint8_t dt, const std::string& name) {
    return Record(0x0085, Le(pos, 4) + '\0' + static_cast<char>(dt) +
                              static_cast<char>(name.size()) + '\0' + name);
  };
  auto sst_string = [](const std::string& s) { return Le(s.size(), 2) + '\0' + s; };
  // Globals: a chart sheet listed before the worksheet; two shared strings,
  // only the first shown in a cell.
  const std::string sst = Record(0x00FC, Le(2, 4) + Le(2, 4) + sst_string("shown") +
                                             sst_string("SSN 536-22-8726 in no cell"));
  auto globals = [&](uint32_t chart_at, uint32_t data_at) {
    return bof(5) + boundsheet(chart_at, 2, "Chart1") + boundsheet(data_at, 0, "Data") + sst +
           Record(0x000A, "");
  };
  const std::string chart = bof(0x20) + Record(0x000A, "");
  const uint32_t at = static_cast<uint32_t>(globals(0, 0).size());
  std::string wb = globals(at, at + static_cast<uint32_t>(chart.size())) + chart + bof(0x10);
  for (uint16_t row = 0; row < 5; ++row) {
    wb += Record(0x00FD, Le(row, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4));
  }
  wb += Record(0x000A, "");
  CollectCells got;
  REQUIRE(fmt::WorkbookCells(wb, 1 << 20, 1 << 20, got).ok());
  CHECK(got.sheets == std::vector<std::string>{"Data"});
  CHECK(got.cells.size() == 5);
  CHECK(got.texts == std::vector<std::string>{"SSN 536-22-8726 in no cell"});
  // A sink that wants no more ends the reading.
  CollectCells stopping;
  stopping.stop_after = 2;
  REQUIRE(fmt::WorkbookCells(wb, 1 << 20, 1 << 20, stopping).ok());
  CHECK(stopping.cells.size() == 2);
  CHECK(stopping.texts.empty());
}

TEST_CASE("Excel: comments, a text box, page headers and footers are text of their own") {
  XlsSheet sheet{"Ward", {{0, 0, "Bed"}, {1, 0, "4B"}}};
  sheet.header = "&L&\"Arial,Bold\"Ward 3&RSSN 536-22-8726 &P of &N";
  sheet.footer = "&C&12Printed &D && kept&K01+000 in red";
  // Split across CONTINUE records (each with its own option byte), or not.
  const size_t per_record = GENERATE(8000, 7, 1);
  sheet.comments = {{1, 0, "Dr Example", "Pt SSN 536-22-8726 verified", per_record},
                    {0, 0, "Nurse Łukasz", "Łódź: MRN 00123456", per_record, true}};
  sheet.text_box = "Call back re 536-22-8726";
  sheet.text_box_type = GENERATE(0x06, 0x0B);  // a text box, a check box (ControlInfo)
  CollectCells got;
  REQUIRE(fmt::WorkbookCells(BuildWorkbook({sheet}).data, 1 << 20, 1 << 20, got).ok());
  CHECK(got.cells == std::vector<Cell>{{0, 0, "Bed"}, {1, 0, "4B"}});
  // The codes are not text: a code letter before the SSN would join it
  // ("R536-22-8726") and hide it.
  CHECK(got.texts == std::vector<std::string>{"Ward 3\nSSN 536-22-8726  of ",
                                              "Printed  & kept in red",
                                              "Pt SSN 536-22-8726 verified",
                                              "Łódź: MRN 00123456",
                                              "Call back re 536-22-8726",
                                              "Dr Example",
                                              "Nurse Łukasz"});
}

TEST_CASE("extract .xls: an SSN only in a cell comment is found") {
  XlsSheet sheet{"Sheet1", {{0, 0, "Bed"}, {1, 0, "4B"}}};
  sheet.comments = {{1, 0, "Dr Example", "Pt SSN 536-22-8726 verified"}};
  auto recs = ExtractMemory(OleFile({BuildWorkbook({sheet})}), "beds.xls");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]).contains("US_SSN"));
}

TEST_CASE("Excel: a number in a date format is the date it shows") {
  CollectCells got;
  REQUIRE(fmt::WorkbookCells(DateWorkbook(false), 1 << 20, 1 << 20, got).ok());
  std::vector<std::string> texts;
  for (const auto& c : got.cells) texts.push_back(c.text);
  CHECK(texts == std::vector<std::string>{"1984-03-14", "1984-03-14", "30755", "30755", "30755",
                                          "1900-02-29", "1900-03-01", "1900-01-01"});
  CollectCells mac;
  REQUIRE(fmt::WorkbookCells(DateWorkbook(true), 1 << 20, 1 << 20, mac).ok());
  CHECK(mac.cells[0].text == "1988-03-15");  // the 1904 date system
}

TEST_CASE("Excel: a number in a zero-padded format (000-00-0000) is the digits it shows") {
  auto format = [](uint16_t ifmt, const std::string& f) {
    return Record(0x041E, Le(ifmt, 2) + Le(f.size(), 2) + '\0' + f);
  };
  auto xf = [](uint16_t ifmt) {
    return Record(0x00E0, Le(0, 2) + Le(ifmt, 2) + std::string(16, '\0'));
  };
  auto number = [](uint16_t col, uint16_t ixfe, double v) {
    return Record(0x0203, Le(0, 2) + Le(col, 2) + Le(ixfe, 2) + Double(v));
  };
  // XF 0 General, XF 1 Excel's Social Security Number format, XF 2 ZIP Code.
  std::string wb = Record(0x0809, Le(0x0600, 2) + Le(0x0005, 2) + std::string(12, '\0'));
  wb += format(164, "000\\-00\\-0000") + format(165, "00000");
  wb += xf(0) + xf(164) + xf(165) + Record(0x000A, "");
  wb += Record(0x0809, Le(0x0600, 2) + Le(0x0010, 2) + std::string(12, '\0'));
  wb += number(0, 1, 12345678) + number(1, 1, 536228726) + number(2, 2, 2134) +
        number(3, 0, 12345678) + Record(0x000A, "");
  CollectCells got;
  REQUIRE(fmt::WorkbookCells(wb, 1 << 20, 1 << 20, got).ok());
  std::vector<std::string> texts;
  for (const auto& c : got.cells) texts.push_back(c.text);
  CHECK(texts == std::vector<std::string>{"012-34-5678", "536-22-8726", "02134", "12345678"});
}

TEST_CASE("PowerPoint: every text atom, CString included; other records skipped") {
  std::string text;
  fmt::TextOut out([&](std::string_view piece) {
    text.append(piece);
    return true;
  });
  REQUIRE(fmt::PowerPointText(
              BuildPowerPointDocument({{"Slide one: Zoë", false}, {"Bytes atom café", true}}).data,
              out)
              .ok());
  out.Flush();
  CHECK(text.find("Slide one: Zoë\n") != std::string::npos);
  CHECK(text.find("Bytes atom café\n") != std::string::npos);
  CHECK(text.find(kPptCStringText) != std::string::npos);
  CHECK(text.find(kPptDecoyText) == std::string::npos);
}

TEST_CASE("A long text is handed on in pieces, never held whole") {
  // 3 MB of document text in one compressed and one UTF-16 piece.
  const std::string para = "Patient seen today, SSN 536-22-8726.\r";
  std::string body;
  while (body.size() < (1500 << 10)) body += para;
  std::string text;
  size_t pieces = 0;
  auto cf_bytes = OleFile(BuildWordDocument({{body, true}, {body, false}}));
  auto cf = CompoundFile::Open(cf_bytes);
  REQUIRE(cf.ok());
  std::string word = ReadPath(cf.value(), "WordDocument");
  std::string table = ReadPath(cf.value(), "1Table");
  auto fib = fmt::ReadWordFib(word);
  REQUIRE(fib.ok());
  fmt::TextOut out([&](std::string_view piece) {
    CHECK(piece.size() <= fmt::TextOut::kPieceBytes + 4);
    ++pieces;
    text.append(piece);
    return true;
  });
  REQUIRE(fmt::WordText(word, table, fib.value(), out).ok());
  out.Flush();
  CHECK(pieces > 40);
  std::string want = body + body;
  std::replace(want.begin(), want.end(), '\r', '\n');
  CHECK(text == want);
}

TEST_CASE("OLE package: the file, named by its label") {
  const std::string stream = BuildOle10Native("labs.csv", "C:\\tmp\\labs.csv", "a,b\n1,2\n");
  auto f = fmt::ReadOle10Native(stream);  // its data is a view into `stream`
  REQUIRE(f.ok());
  CHECK(f.value().name == "labs.csv");
  CHECK(f.value().data == "a,b\n1,2\n");
  CHECK(fmt::ReadOle10Native("\x10\0\0\0\x02\0no terminator").status().code() ==
        StatusCode::kCorrupt);
}

// ---- Extraction ----------------------------------------------------------------

TEST_CASE("extract .doc: text across pieces classified; an encrypted one says so") {
  // The SSN is split between an 8-bit and a UTF-16 piece.
  const std::string file = OleFile(
      BuildWordDocument({{"Patient SSN 536-22-", true},
                         {"8726, NPI 1234567893, credit card 4111 1111 1111 1111.\r", false}}));
  auto recs = ExtractMemory(file, "letter.doc");
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].format == "doc");
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]) == kPlant);

  WordOptions o;
  o.encrypted = true;
  recs = ExtractMemory(OleFile(BuildWordDocument({{kPlantLine, true}}, o)), "locked.doc");
  CHECK(StatusOf(recs[0]) == "encrypted(password_protected)");
  CHECK(recs[0].types.empty());
}

TEST_CASE("extract .doc with a damaged piece table: partial(corrupt), its text still read") {
  std::vector<StreamBytes> streams = BuildWordDocument({{kPlantLine + "\r", true}});
  PutLe32(streams[0].data, 0x1A2, 0x00FFFFFF);
  auto recs = ExtractMemory(OleFile(streams), "damaged.doc");
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  CHECK(TypeCounts(recs[0]) == kPlant);
}

TEST_CASE("extract .doc whose pieces overlap: partial(corrupt), its text read once") {
  // Two pieces of 3,000 characters (the builder stores the second first in
  // the stream); the piece table is then made to claim two pieces of 4,000
  // both starting where the second is stored: each inside the stream,
  // together more than it, as a table repeating one region thousands of
  // times would be.
  WordOptions o;
  o.with_prc = false;
  std::vector<StreamBytes> streams = BuildWordDocument(
      {{kPlantLine + std::string(3000 - kPlantLine.size(), ' '), true}, {std::string(3000, 'b'), true}},
      o);
  const std::string& word = streams[0].data;
  std::string& table = streams[1].data;
  const uint32_t clx = static_cast<uint8_t>(word[0x1A2]) | static_cast<uint8_t>(word[0x1A3]) << 8;
  REQUIRE(table[clx] == '\x02');
  const size_t plc = clx + 5;
  const size_t second_pcd = plc + 12 + 8;
  const uint32_t second_fc = static_cast<uint8_t>(table[second_pcd + 2]) |
                             static_cast<uint8_t>(table[second_pcd + 3]) << 8 |
                             static_cast<uint8_t>(table[second_pcd + 4]) << 16 |
                             static_cast<uint8_t>(table[second_pcd + 5]) << 24;
  REQUIRE((second_fc & 0x3FFFFFFF) / 2 + 4000 <= word.size());
  REQUIRE(8000 > word.size());
  PutLe32(table, plc + 4, 4000);
  PutLe32(table, plc + 8, 8000);
  PutLe32(table, plc + 12 + 2, second_fc);
  std::string text;
  CHECK(WordTextOf(OleFile(streams), text).code() == StatusCode::kCorrupt);
  CHECK(text.empty());
  auto recs = ExtractMemory(OleFile(streams), "overlap.doc");
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  CHECK(TypeCounts(recs[0]) == kPlant);
}

TEST_CASE("extract .xls: a number under an SSN column is an SSN; format xls") {
  // The number is far below its header: only the column name says SSN.
  std::vector<XlsSheet> sheets = {{"Sheet1", {{0, 0, "Name"}, {0, 1, "SSN"}}}};
  for (uint16_t row = 1; row < 40; ++row) {
    sheets[0].cells.push_back({row, 0, "Example Person " + std::to_string(row)});
  }
  sheets[0].cells.push_back({40, 1, "", 536228726, XlsCell::kNumber});
  sheets[0].cells.push_back({41, 0, kPlantLine});
  auto recs = ExtractMemory(OleFile({BuildWorkbook(sheets)}), "roster.xls");
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].format == "xls");
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]) ==
        std::map<std::string, uint64_t>{{"US_SSN", 2}, {"US_NPI", 1}, {"CREDIT_CARD", 1}});
  // Alone, the bare number is an SSN only by its column's name, as in the
  // same table saved as CSV.
  sheets[0].cells.pop_back();
  recs = ExtractMemory(OleFile({BuildWorkbook(sheets)}), "roster.xls");
  std::string csv = "Name,SSN\n";
  for (int row = 1; row < 40; ++row) csv += "Example Person " + std::to_string(row) + ",\n";
  csv += ",536228726\n";
  auto same_as_csv = ExtractMemory(csv, "roster.csv");
  REQUIRE(same_as_csv[0].types.size() == 1);
  REQUIRE(recs[0].types.size() == 1);
  CHECK(recs[0].types[0].type_id == "US_SSN");
  CHECK(recs[0].types[0].max_score == same_as_csv[0].types[0].max_score);

  XlsOptions o;
  o.encrypted = true;
  recs = ExtractMemory(OleFile({BuildWorkbook(sheets, o)}), "locked.xls");
  CHECK(StatusOf(recs[0]) == "encrypted(password_protected)");
}

TEST_CASE("extract .xls: a birth date in a date cell under a DOB column is a date of birth") {
  auto label = [](uint16_t row, uint16_t col, const std::string& t) {
    return Record(0x0204, Le(row, 2) + Le(col, 2) + Le(0, 2) + Le(t.size(), 2) + '\0' + t);
  };
  std::string wb = Record(0x0809, Le(0x0600, 2) + Le(0x0005, 2) + std::string(12, '\0'));
  wb += Record(0x00E0, std::string(20, '\0'));                               // XF 0: General
  wb += Record(0x00E0, Le(0, 2) + Le(14, 2) + std::string(16, '\0'));        // XF 1: m/d/yyyy
  wb += Record(0x000A, "");
  wb += Record(0x0809, Le(0x0600, 2) + Le(0x0010, 2) + std::string(12, '\0'));
  wb += label(0, 0, "Name") + label(0, 1, "DOB") + label(1, 0, "Zoe Example");
  wb += Record(0x0203, Le(1, 2) + Le(1, 2) + Le(1, 2) + Double(30755));
  wb += Record(0x000A, "");
  auto recs = ExtractMemory(OleFile({{"Workbook", wb}}), "roster.xls");
  REQUIRE(recs.size() == 1);
  bool dob = false;
  for (const auto& t : recs[0].types) dob |= t.type_id == "DATE_OF_BIRTH";
  CHECK(dob);
}

TEST_CASE("extract .ppt: slide text classified; format ppt") {
  auto recs = ExtractMemory(OleFile(BuildPowerPointFile({{"Title", false}, {kPlantLine, true}})),
                            "deck.ppt");
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].format == "ppt");
  CHECK(TypeCounts(recs[0]) == kPlant);
}

TEST_CASE("extract .ppt: an embedded workbook is a member, its cells classified") {
  // Compressed (as PowerPoint stores them) and not; an SSN only inside.
  const std::string book = OleFile({BuildWorkbook(
      {{"Sheet1", {{0, 0, "SSN"}, {1, 0, "", 536228726, XlsCell::kNumber}}}})});
  const std::string note = OleFile(BuildWordDocument({{"Note: SSN 536-22-8726\r", true}}));
  auto recs = ExtractMemory(
      OleFile(BuildPowerPointFile({{"Census", false}}, {{book, true}, {note, false}})), "deck.ppt");
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].format == "ppt");
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]).empty());
  const AssetRecord* sheet = FindRecord(recs, "object-1");
  REQUIRE(sheet);
  CHECK(sheet->format == "xls");
  CHECK(sheet->size == book.size());
  CHECK(TypeCounts(*sheet) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  const AssetRecord* doc = FindRecord(recs, "object-2");
  REQUIRE(doc);
  CHECK(doc->format == "doc");
  CHECK(TypeCounts(*doc) == std::map<std::string, uint64_t>{{"US_SSN", 1}});

  // A storage bigger than --max-buffered-member (the deck, compressed,
  // within it): its first bytes only.
  XlsSheet big{"Sheet1", {{0, 0, "SSN"}, {1, 0, "", 536228726, XlsCell::kNumber}}};
  for (uint16_t row = 2; row < 3000; ++row) big.cells.push_back({row, 1, "", 7, XlsCell::kRk});
  const std::string big_book = OleFile({BuildWorkbook({big})});
  const std::string deck = OleFile(BuildPowerPointFile({{"Census", false}}, {{big_book, true}}));
  scanner::ScanLimits small;
  small.max_buffered_member = big_book.size() / 2;
  REQUIRE(deck.size() < small.max_buffered_member);
  recs = ExtractMemory(deck, "deck.ppt", small);
  sheet = FindRecord(recs, "object-1");
  REQUIRE(sheet);
  CHECK(StatusOf(*sheet).starts_with("partial(limit_size)"));
}

TEST_CASE("extract: an embedded object's storage standing alone is the file it carries") {
  // As a presentation or an RTF document holds one: a packaged file, or an
  // OOXML workbook in a "Package" stream (Excel 2007 and later), with the
  // wrapper's own small streams beside it.
  const std::string csv = "name,ssn\nZoe Example,536-22-8726\n";
  const std::string packaged =
      OleFile({{"\x01Ole10Native", BuildOle10Native("labs.csv", "C:\\labs.csv", csv)},
               {"\x01" "CompObj", std::string(40, '\0')}});
  const std::string xlsx = WriteArchive(
      "zip", "",
      {{"[Content_Types].xml", "<Types/>"},
       {"xl/worksheets/sheet1.xml",
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>SSN 536-22-8726"
        "</t></is></c></row></sheetData></worksheet>"}});
  const std::string workbook =
      OleFile({{"Package", xlsx}, {"\x01" "CompObj", std::string(40, '\0')}});
  auto recs = ExtractMemory(
      OleFile(BuildPowerPointFile({{"Census", false}}, {{packaged, true}, {workbook, true}})),
      "deck.ppt");
  const AssetRecord* wrapper = FindRecord(recs, "object-1");
  REQUIRE(wrapper);
  CHECK(wrapper->format == "ole");
  CHECK(TypeCounts(*wrapper).empty());  // its file's text is the member's, not its own
  const AssetRecord* labs = FindRecord(recs, "object-1!labs.csv");
  REQUIRE(labs);
  CHECK(TypeCounts(*labs) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  const AssetRecord* book = FindRecord(recs, "object-2!embedded");
  REQUIRE(book);
  CHECK(book->format == "ooxml");
  CHECK(TypeCounts(*book) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
}

TEST_CASE("PowerPoint: a compressed storage inflates to its size, and no further") {
  const std::string bytes = OleFile({BuildWorkbook({{"S", {{0, 0, "x"}}}})});
  std::vector<fmt::PptStorage> found;
  std::string ignored;
  fmt::TextOut text([](std::string_view) { return true; });
  const std::string doc =
      BuildPowerPointDocument({{"t", true}}, {{bytes, true}, {bytes, false}}).data;
  REQUIRE(fmt::PowerPointText(doc, text, &found).ok());
  REQUIRE(found.size() == 2);
  CHECK(found[0].compressed);
  CHECK(!found[1].compressed);
  std::string out;
  CHECK(fmt::PowerPointStorage(found[0], 1 << 30, out).ok());
  CHECK(out == bytes);
  CHECK(fmt::PowerPointStorage(found[1], 1 << 30, out).ok());
  CHECK(out == bytes);
  // Over the limit: its first bytes.
  CHECK(fmt::PowerPointStorage(found[0], 100, out).code() == StatusCode::kLimitExceeded);
  CHECK(out == bytes.substr(0, 100));
  CHECK(fmt::PowerPointStorage(found[1], 100, out).code() == StatusCode::kLimitExceeded);
  CHECK(out == bytes.substr(0, 100));
  // A size the stream does not reach, a stream cut short, data that is not
  // zlib: corrupt, with what inflated.
  std::string body(found[0].body);
  PutLe32(body, 0, static_cast<uint32_t>(bytes.size() + 10));
  CHECK(fmt::PowerPointStorage({body, true}, 1 << 30, out).code() == StatusCode::kCorrupt);
  CHECK(out == bytes);
  body = std::string(found[0].body);
  CHECK(fmt::PowerPointStorage({std::string_view(body).substr(0, body.size() / 2), true}, 1 << 30,
                               out)
            .code() == StatusCode::kCorrupt);
  CHECK(!out.empty());
  CHECK(bytes.starts_with(out));
  CHECK(fmt::PowerPointStorage({"\x10\0\0\0not zlib at all", true}, 1 << 30, out).code() ==
        StatusCode::kCorrupt);
  // A size far beyond what its data could hold gets no buffer that size.
  body = std::string(found[0].body);
  PutLe32(body, 0, 0xFFFFFFF0);
  CHECK(fmt::PowerPointStorage({body, true}, SIZE_MAX, out).code() == StatusCode::kCorrupt);
  CHECK(out.capacity() < (64u << 20));
  // Millions of empty storages: a short list, as long as it is asked to be.
  std::string many = doc;
  for (int i = 0; i < 100000; ++i) many += std::string("\x10\x00\x11\x10\0\0\0\0", 8);
  found.clear();
  REQUIRE(fmt::PowerPointText(many, text, &found, 11).ok());
  CHECK(found.size() == 11);
  scanner::ScanLimits few;
  few.max_members = 10;
  auto recs = ExtractMemory(OleFile({{"PowerPoint Document", many}}), "many.ppt", few);
  CHECK(recs.size() == 11);
  CHECK(StatusOf(recs[0]) == "partial(limit_members)");
  // A stream that goes on past its size is cut there.
  body = std::string(found[0].body);
  PutLe32(body, 0, 512);
  CHECK(fmt::PowerPointStorage({body, true}, 1 << 30, out).ok());
  CHECK(out == bytes.substr(0, 512));
}

TEST_CASE("extract RTF: embedded objects are members: a workbook, a packaged file") {
  // An OLE 1.0 object ([MS-OLEDS] 2.2.4): version, format id, class, topic
  // and item names (u32 length with the NUL), the native data's size and
  // the data; in the RTF as hex, in lines.
  auto name = [](const std::string& v) { return Le(v.size() + 1, 4) + v + '\0'; };
  auto ole1 = [&](const std::string& cls, const std::string& native, uint32_t format = 2) {
    return Le(0x0501, 4) + Le(format, 4) + name(cls) + name("") + name("") +
           Le(native.size(), 4) + native;
  };
  auto hex = [](const std::string& b) {
    static const char* kDigits = "0123456789abcdef";
    std::string h;
    for (size_t i = 0; i < b.size(); ++i) {
      h += kDigits[static_cast<uint8_t>(b[i]) >> 4];
      h += kDigits[static_cast<uint8_t>(b[i]) & 15];
      if (i % 64 == 63) h += "\r\n";
    }
    return h;
  };
  auto object = [&](const std::string& bytes) {
    return "{\\object\\objemb{\\*\\objclass X}{\\*\\objdata " + hex(bytes) + "}}";
  };
  const std::string book = OleFile({BuildWorkbook(
      {{"Sheet1", {{0, 0, "SSN"}, {1, 0, "", 536228726, XlsCell::kNumber}}}})});
  // A packaged file's native data is an Ole10Native stream's, without
  // its size (which the object gives).
  const std::string package =
      BuildOle10Native("labs.txt", "C:\\labs.txt", "SSN 536-22-8726\n").substr(4);
  const std::string rtf = "{\\rtf1\\ansi Visit note.\\par " + object(ole1("Excel.Sheet.8", book)) +
                          "\\par " + object(ole1("Package", package)) + "\\par End.}";
  auto recs = ExtractMemory(rtf, "note.rtf");
  REQUIRE(recs.size() == 3);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(recs[0].types.empty());  // the hex is no text
  const AssetRecord* sheet = FindRecord(recs, "object-1");
  REQUIRE(sheet);
  CHECK(sheet->format == "xls");
  CHECK(TypeCounts(*sheet) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  const AssetRecord* labs = FindRecord(recs, "labs.txt");  // named as its package names it
  REQUIRE(labs);
  CHECK(labs->format == "text");
  CHECK(TypeCounts(*labs) == std::map<std::string, uint64_t>{{"US_SSN", 1}});

  // Over --max-buffered-member: partial, unread; a linked object has no
  // data here, and no member.
  scanner::ScanLimits small;
  small.max_buffered_member = book.size() / 2;
  recs = ExtractMemory(rtf, "note.rtf", small);
  sheet = FindRecord(recs, "object-1");
  REQUIRE(sheet);
  CHECK(StatusOf(*sheet) == "partial(limit_size)");
  recs = ExtractMemory("{\\rtf1 " + object(ole1("Excel.Sheet.8", "", 1)) + "}", "link.rtf");
  CHECK(recs.size() == 1);
  // The object's bytes given raw (\binN) rather than as hex: the same.
  const std::string raw = ole1("Excel.Sheet.8", book);
  recs = ExtractMemory("{\\rtf1 {\\object\\objemb{\\*\\objdata \\bin" +
                           std::to_string(raw.size()) + " " + raw + "}}\\par}",
                       "raw.rtf");
  sheet = FindRecord(recs, "object-1");
  REQUIRE(sheet);
  CHECK(sheet->format == "xls");
  CHECK(TypeCounts(*sheet) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  // A file that ends inside the object's data: damaged, not over a limit.
  const std::string cut = rtf.substr(0, rtf.find("\\par End") - 500);
  recs = ExtractMemory(cut, "cut.rtf");
  REQUIRE(FindRecord(recs, "object-2"));  // no name: its package is cut
  CHECK(StatusOf(*FindRecord(recs, "object-2")) == "partial(corrupt)");
}

TEST_CASE("extract .msg: body and recipients; attachments and an attached message are members") {
  const bool unicode = GENERATE(true, false);
  MsgSpec inner;
  inner.subject = "Fwd: labs of 12.03";  // a subject's dot is not an extension
  inner.body = "Inner body: SSN 536-22-8726\r\n";
  MsgSpec m;
  m.subject = "Referral";
  m.body = kPlantLine + "\r\n";
  m.sender_name = "Dr Example";
  m.sender_email = "dr.example@clinic.example";
  m.display_to = "Nurse Example";
  m.recipients = {{"Nurse Example", "nurse@clinic.example"}};
  m.attachments = {{"labs.csv", "name,ssn\nZoe,536-22-8726\n"}, {"labs.csv", "x"}};
  m.embedded = {inner};
  auto recs = ExtractMemory(OleFile(BuildMsg(m, MsgOptions{unicode})), "referral.msg");
  const AssetRecord* top = FindRecord(recs, std::nullopt);
  REQUIRE(top);
  CHECK(top->format == "msg");
  CHECK(StatusOf(*top) == "complete");
  CHECK(TypeCounts(*top) == kPlant);
  const AssetRecord* labs = FindRecord(recs, "labs.csv");
  REQUIRE(labs);
  CHECK(labs->format == "text");
  CHECK(TypeCounts(*labs) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  CHECK(labs->size == 25);
  // The second attachment of the same name is a record of its own.
  CHECK(recs.size() == 4);
  const AssetRecord* attached = FindRecord(recs, "Fwd: labs of 12.03.msg");
  REQUIRE(attached);
  CHECK(attached->format == "msg");
  CHECK(TypeCounts(*attached) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
}

namespace {

// An LZFu stream from its tokens: a literal (one byte) or a reference
// {offset, length}; the header and its CRC (bitwise, independent of the
// reader's table) around them.
struct RtfToken {
  char literal = 0;
  unsigned offset = 0, length = 0;  // a reference when length > 0
};
std::string LzfuStream(const std::vector<RtfToken>& tokens, uint32_t raw_size) {
  std::string data;
  for (size_t i = 0; i < tokens.size(); i += 8) {
    unsigned control = 0;
    std::string group;
    for (size_t k = i; k < std::min(tokens.size(), i + 8); ++k) {
      if (tokens[k].length == 0) {
        group.push_back(tokens[k].literal);
        continue;
      }
      control |= 1u << (k - i);
      const unsigned ref = tokens[k].offset << 4 | (tokens[k].length - 2);
      group.push_back(static_cast<char>(ref >> 8));
      group.push_back(static_cast<char>(ref & 0xFF));
    }
    data.push_back(static_cast<char>(control));
    data += group;
  }
  uint32_t crc = 0;
  for (unsigned char c : data) {
    crc ^= c;
    for (int b = 0; b < 8; ++b) crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
  }
  std::string out(16, '\0');
  PutLe32(out, 0, static_cast<uint32_t>(data.size() + 12));
  PutLe32(out, 4, raw_size);
  PutLe32(out, 8, 0x75465A4C);
  PutLe32(out, 12, crc);
  return out + data;
}

const std::string kRtfNote =
    "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}\r\n"
    "\\pard\\f0\\fs20 Referral for the patient below.\\par\r\n"
    "\\pard\\f0\\fs20 Patient SSN 536-22-8726, NPI 1234567893,\\par\r\n"
    "\\pard\\f0\\fs20 credit card 4111 1111 1111 1111.\\par\r\n}\r\n";

}  // namespace

TEST_CASE("compressed RTF: a compressed body reads back as its RTF; MELA is stored as is") {
  std::string rtf;
  const std::string packed = CompressRtf(kRtfNote);
  CHECK(packed.size() < kRtfNote.size());  // references were used
  CHECK(scanner::formats::DecompressRtf(packed, 1 << 20, rtf).ok());
  CHECK(rtf == kRtfNote);
  CHECK(scanner::formats::DecompressRtf(CompressRtf(kRtfNote, false), 1 << 20, rtf).ok());
  CHECK(rtf == kRtfNote);
  // A body longer than the dictionary: references wrap around it.
  std::string long_rtf = "{\\rtf1 ";
  for (int i = 0; i < 400; ++i) long_rtf += "Visit " + std::to_string(i * 7919 % 1000) + ". ";
  long_rtf += "}";
  CHECK(scanner::formats::DecompressRtf(CompressRtf(long_rtf), 1 << 20, rtf).ok());
  CHECK(rtf == long_rtf);
}

TEST_CASE("compressed RTF: references into the prologue, overlapping runs, the end marker") {
  std::string rtf;
  // Offset 0 is the prologue's "{\rtf1"; after one literal 'A' at 207, a
  // reference to 207 of 17 bytes repeats it (each byte copied as written).
  const std::string s = LzfuStream({{0, 0, 6}, {'A'}, {0, 213, 17}, {0, 231, 2}}, 24);
  // 213: the 'A' (written after the six prologue bytes copied to 207-212).
  CHECK(scanner::formats::DecompressRtf(s, 1 << 20, rtf).ok());
  CHECK(rtf == "{\\rtf1" + std::string(18, 'A'));
  // A reference to the write position (209 after two literals) ends the
  // stream: what follows it is not read, and fewer bytes than the header's
  // raw size is a damaged body.
  CHECK(scanner::formats::DecompressRtf(LzfuStream({{'x'}, {'y'}, {0, 209, 2}, {'z'}}, 2),
                                        1 << 20, rtf)
            .ok());
  CHECK(rtf == "xy");
  CHECK(scanner::formats::DecompressRtf(LzfuStream({{'x'}, {'y'}, {0, 209, 2}, {'z'}}, 3),
                                        1 << 20, rtf)
            .code() == StatusCode::kCorrupt);
  CHECK(rtf == "xy");
}

TEST_CASE("compressed RTF: damaged or oversized bodies say so and keep what decoded") {
  std::string rtf;
  const std::string packed = CompressRtf(kRtfNote);
  std::string bad_crc = packed;
  bad_crc[12] ^= 1;
  CHECK(scanner::formats::DecompressRtf(bad_crc, 1 << 20, rtf).code() == StatusCode::kCorrupt);
  CHECK(rtf.empty());
  const std::string cut = packed.substr(0, packed.size() / 2);
  CHECK(scanner::formats::DecompressRtf(cut, 1 << 20, rtf).code() == StatusCode::kCorrupt);
  CHECK(!rtf.empty());
  CHECK(kRtfNote.starts_with(rtf));
  std::string bad_magic = packed;
  bad_magic[8] = 'X';
  CHECK(scanner::formats::DecompressRtf(bad_magic, 1 << 20, rtf).code() == StatusCode::kCorrupt);
  CHECK(scanner::formats::DecompressRtf(packed.substr(0, 15), 1 << 20, rtf).code() ==
        StatusCode::kCorrupt);
  // A raw size below what the data holds: the body was cut, not read whole.
  std::string short_size = packed;
  PutLe32(short_size, 4, static_cast<uint32_t>(kRtfNote.size() - 40));
  CHECK(scanner::formats::DecompressRtf(short_size, 1 << 20, rtf).code() ==
        StatusCode::kCorrupt);
  CHECK(rtf == kRtfNote.substr(0, kRtfNote.size() - 40));
  CHECK(scanner::formats::DecompressRtf(packed, 100, rtf).code() == StatusCode::kLimitExceeded);
  CHECK(rtf == kRtfNote.substr(0, 100));
  // Random bytes after a valid header never read past the input or the bound.
  for (uint32_t seed = 1; seed < 200; ++seed) {
    std::string junk = packed.substr(0, 16);
    uint32_t x = seed;
    for (int i = 0; i < 300; ++i) {
      x = x * 1103515245u + 12345u;
      junk.push_back(static_cast<char>(x >> 16));
    }
    PutLe32(junk, 4, 0xFFFFFFFF);  // claims 4 GiB
    const Status st = scanner::formats::DecompressRtf(junk, 4096, rtf);
    CHECK(!st.ok());
    CHECK(rtf.size() <= 4096);
  }
}

TEST_CASE("extract .msg: a body only in compressed RTF is member body.rtf, read as RTF") {
  MsgSpec m;
  m.subject = "Referral";
  m.rtf_compressed = CompressRtf(kRtfNote);
  m.attachments = {{"body.rtf", "{\\rtf1 nothing here}"}};
  auto recs = ExtractMemory(OleFile(BuildMsg(m)), "referral.msg");
  const AssetRecord* top = FindRecord(recs, std::nullopt);
  REQUIRE(top);
  CHECK(TypeCounts(*top).empty());
  const AssetRecord* body = FindRecord(recs, "body.rtf");
  REQUIRE(body);
  CHECK(body->format == "rtf");
  CHECK(StatusOf(*body) == "complete");
  CHECK(TypeCounts(*body) == kPlant);
  CHECK(body->size == kRtfNote.size());
  // The attachment of the same name is a record of its own.
  CHECK(recs.size() == 3);

  // With a plain body, the RTF repeats it and is not read again.
  m.body = kPlantLine;
  recs = ExtractMemory(OleFile(BuildMsg(m)), "referral.msg");
  CHECK(TypeCounts(*FindRecord(recs, std::nullopt)) == kPlant);
  CHECK(recs.size() == 2);

  // A damaged body: what decoded is read, and the member says it is partial.
  m.body.clear();
  m.rtf_compressed = CompressRtf(kRtfNote);
  m.rtf_compressed[12] ^= 1;
  recs = ExtractMemory(OleFile(BuildMsg(m)), "referral.msg");
  body = FindRecord(recs, "body.rtf");
  REQUIRE(body);
  CHECK(StatusOf(*body) == "partial(corrupt)");
  CHECK(TypeCounts(*body).empty());  // a CRC mismatch: nothing trusted, nothing decoded
  m.rtf_compressed = CompressRtf(kRtfNote).substr(0, CompressRtf(kRtfNote).size() - 30);
  recs = ExtractMemory(OleFile(BuildMsg(m)), "referral.msg");
  body = FindRecord(recs, "body.rtf");
  REQUIRE(body);
  CHECK(StatusOf(*body) == "partial(corrupt)");
  CHECK(TypeCounts(*body).contains("US_SSN"));
}

namespace {

TnefSpec ReferralTnef() {
  TnefSpec inner;
  inner.subject = "Fwd: labs";
  inner.body = "Inner body: SSN 536-22-8726\r\n";
  TnefSpec t;
  t.subject = "Referral";
  t.body = kPlantLine + "\r\n";
  t.from_name = "Dr Example";
  t.from_address = "dr.example@clinic.example";
  t.recipients = {{"Nurse Example", "nurse@clinic.example"}};
  t.attachments = {{"lab results.csv", "name,ssn\nZoe,536-22-8726\n"}};
  t.embedded = {inner};
  return t;
}

std::string Base64(std::string_view in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += k[v >> 18 & 63];
    out += k[v >> 12 & 63];
    out += i + 1 < in.size() ? k[v >> 6 & 63] : '=';
    out += i + 2 < in.size() ? k[v & 63] : '=';
    if (out.size() % 78 == 76) out += "\r\n";
  }
  return out;
}

}  // namespace

TEST_CASE("TNEF: text, names and attachments parsed from an independent builder's stream") {
  TnefSpec t = ReferralTnef();
  t.named_value = "site note";
  t.unicode_subject = "Referral";
  const std::string stream = BuildTnef(t);  // what `m` views
  scanner::formats::TnefMessage m;
  REQUIRE(scanner::formats::ParseTnef(stream, m).ok());
  std::vector<std::string> text;
  for (const auto& piece : m.text) {
    std::string s;
    if (piece.utf16) {
      scanner::formats::AppendUtf16Le(piece.bytes, s);
    } else {
      scanner::formats::AppendCp1252(piece.bytes, s);
    }
    text.push_back(s);
  }
  CHECK(text == std::vector<std::string>{"Dr Example", "dr.example@clinic.example", "Referral",
                                         kPlantLine + "\r\n", "site note", "Referral",
                                         "Nurse Example", "nurse@clinic.example"});
  REQUIRE(m.attachments.size() == 2);
  CHECK(m.attachments[0].name == "lab results.csv");  // the long name, not LABRES~1.CSV
  CHECK(m.attachments[0].data == "name,ssn\nZoe,536-22-8726\n");
  CHECK(!m.attachments[0].message);
  CHECK(m.attachments[1].name == "Fwd: labs");
  CHECK(m.attachments[1].message);
  CHECK(scanner::formats::IsTnef(m.attachments[1].data));
  CHECK(m.rtf_compressed.empty());
}

TEST_CASE("TNEF: an attachment object other than a message is not taken for one") {
  // PidTagAttachDataObject with IID_IStorage (an OLE object of a rich-text
  // message) holds a compound file, not TNEF: it was flagged a message and,
  // unnamed, became member "attached.msg".
  TnefSpec inner;
  inner.body = "x";
  TnefSpec t;
  t.embedded = {inner};
  std::string stream = BuildTnef(t);
  const std::string iid_message("\x07\x03\x02\x00\x00\x00\x00\x00\xC0", 9);
  const size_t at = stream.find(iid_message);
  REQUIRE(at != std::string::npos);
  scanner::formats::TnefMessage m;
  REQUIRE(scanner::formats::ParseTnef(stream, m).ok());
  REQUIRE(m.attachments.size() == 1);
  CHECK(m.attachments[0].message);
  stream.replace(at, 4, std::string("\x0B\x00\x00\x00", 4));  // IID_IStorage
  (void)scanner::formats::ParseTnef(stream, m);  // the checksum no longer holds
  REQUIRE(m.attachments.size() == 1);
  CHECK(!m.attachments[0].message);
  CHECK(!m.attachments[0].data.empty());
}

TEST_CASE("extract TNEF: winmail.dat's body and recipients; its attachments are members") {
  auto recs = ExtractMemory(BuildTnef(ReferralTnef()), "winmail.dat");
  const AssetRecord* top = FindRecord(recs, std::nullopt);
  REQUIRE(top);
  CHECK(top->format == "tnef");
  CHECK(StatusOf(*top) == "complete");
  CHECK(TypeCounts(*top) == kPlant);
  const AssetRecord* labs = FindRecord(recs, "lab results.csv");
  REQUIRE(labs);
  CHECK(TypeCounts(*labs) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  const AssetRecord* inner = FindRecord(recs, "Fwd: labs.msg");  // named as Outlook saves it
  REQUIRE(inner);
  CHECK(inner->format == "tnef");
  CHECK(TypeCounts(*inner) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  CHECK(recs.size() == 3);

  // Inside an e-mail, as Outlook sends it: winmail.dat's members under it.
  const std::string eml =
      "From: Dr Example <dr.example@clinic.example>\r\nTo: nurse@clinic.example\r\n"
      "Subject: Referral\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
      "--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
      "--b1\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=\"winmail.dat\"\r\n\r\n" +
      Base64(BuildTnef(ReferralTnef())) + "\r\n--b1--\r\n";
  recs = ExtractMemory(eml, "referral.eml");
  const AssetRecord* dat = FindRecord(recs, "winmail.dat");
  REQUIRE(dat);
  CHECK(dat->format == "tnef");
  CHECK(TypeCounts(*dat) == kPlant);
  labs = FindRecord(recs, "winmail.dat!lab results.csv");
  REQUIRE(labs);
  CHECK(TypeCounts(*labs) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
}

TEST_CASE("extract TNEF: a subject carried twice (attribute and property) is counted once") {
  TnefSpec t;
  t.subject = "Re: SSN 536-22-8726";
  t.unicode_subject = "Re: SSN 536-22-8726";
  auto recs = ExtractMemory(BuildTnef(t), "winmail.dat");
  REQUIRE(recs.size() == 1);
  CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  t.unicode_subject = "Re: SSN 536-22-8727";  // another text: both read
  recs = ExtractMemory(BuildTnef(t), "winmail.dat");
  CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 2}});
}

TEST_CASE("Outlook messages: senders and recipients are name and email fields, as headers are") {
  // A .msg's or winmail.dat's sender and recipient addresses were weighed
  // as any address in a body (medium); an .eml's From: and To: as the
  // fields they are (high).
  auto scores = [](const std::vector<AssetRecord>& recs, const std::string& type) {
    std::vector<int> out;
    for (const auto& f : recs[0].findings) {
      if (f.type_id == type) out.push_back(f.score);
    }
    return out;
  };
  MsgSpec m;
  m.subject = "Labs";
  m.sender_name = "Dr Example";
  m.sender_email = "dr.example@clinic.example";
  m.recipients = {{"Maria Garcia", "maria.garcia@mail.example"}};
  auto msg = ExtractMemory(OleFile(BuildMsg(m)), "labs.msg");
  CHECK(scores(msg, "EMAIL") == std::vector<int>{85, 85});
  TnefSpec t;
  t.subject = "Labs";
  t.from_name = "Dr Example";
  t.from_address = "dr.example@clinic.example";
  t.recipients = {{"Maria Garcia", "maria.garcia@mail.example"}};
  auto tnef = ExtractMemory(BuildTnef(t), "winmail.dat");
  CHECK(scores(tnef, "EMAIL") == std::vector<int>{85, 85});
}

TEST_CASE("extract TNEF: a body only in compressed RTF or HTML is read; the plain one wins") {
  TnefSpec t;
  t.subject = "Rich";
  t.rtf_compressed = CompressRtf(kRtfNote);
  auto recs = ExtractMemory(BuildTnef(t), "winmail.dat");
  const AssetRecord* body = FindRecord(recs, "body.rtf");
  REQUIRE(body);
  CHECK(body->format == "rtf");
  CHECK(TypeCounts(*body) == kPlant);

  t.html = "<html><body><p>" + kPlantLine + "</p></body></html>";
  recs = ExtractMemory(BuildTnef(t), "winmail.dat");
  CHECK(recs.size() == 1);  // the HTML body, not the RTF
  CHECK(TypeCounts(recs[0]) == kPlant);

  t.body = "Plain body, nothing sensitive.";
  recs = ExtractMemory(BuildTnef(t), "winmail.dat");
  CHECK(recs.size() == 1);
  CHECK(TypeCounts(recs[0]).empty());
}

TEST_CASE("extract TNEF: a winmail.dat carrying a small PDF is read as TNEF") {
  // The PDF's "%PDF-" lies in the stream's first KiB: sniffed as a PDF, the
  // body and the other attachment were never read, and it was complete.
  TnefSpec t;
  t.subject = "Scan";
  t.body = kPlantLine + "\r\n";
  t.attachments = {{"scan.pdf", "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"},
                   {"lab results.csv", "name,ssn\nZoe,536-22-8726\n"}};
  const std::string stream = BuildTnef(t);
  REQUIRE(stream.find("%PDF-") < 1024);
  auto recs = ExtractMemory(stream, "winmail.dat");
  const AssetRecord* top = FindRecord(recs, std::nullopt);
  REQUIRE(top);
  CHECK(top->format == "tnef");
  CHECK(TypeCounts(*top) == kPlant);
  const AssetRecord* labs = FindRecord(recs, "lab results.csv");
  REQUIRE(labs);
  CHECK(TypeCounts(*labs) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  REQUIRE(FindRecord(recs, "scan.pdf"));
  // An RTF document that mentions "%PDF-" early is RTF too.
  recs = ExtractMemory("{\\rtf1\\ansi Export as %PDF-1.7 failed.\\par " + kPlantLine + "}",
                       "note.rtf");
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].format == "rtf");
  CHECK(TypeCounts(recs[0]) == kPlant);
}

TEST_CASE("extract TNEF: damaged streams say so and keep what was read") {
  const std::string good = BuildTnef(ReferralTnef());
  // A checksum that does not hold: the attribute is still read.
  std::string bad_sum = good;
  const size_t body = bad_sum.find("Patient SSN");
  REQUIRE(body != std::string::npos);
  bad_sum[body] = 'p';
  auto recs = ExtractMemory(bad_sum, "winmail.dat");
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  CHECK(TypeCounts(recs[0]) == kPlant);
  // Cut inside the attachment: the body before it is read.
  recs = ExtractMemory(good.substr(0, good.find("name,ssn") + 4), "winmail.dat");
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  CHECK(TypeCounts(recs[0]) == kPlant);
  // A property type of unknown size ends the list; what came before stays.
  TnefSpec t;
  t.unicode_subject = "SSN 536-22-8726";
  std::string odd = BuildTnef(t);
  const size_t flags = odd.find(std::string("\x03\x00\x07\x0E", 4));
  REQUIRE(flags != std::string::npos);
  odd[flags] = '\x77';  // 0x0E070077: no such type
  scanner::formats::TnefMessage m;
  CHECK(scanner::formats::ParseTnef(odd, m).code() == StatusCode::kCorrupt);
  CHECK(m.text.empty());  // the subject came after the broken property
  CHECK(scanner::formats::ParseTnef("\x78\x9F\x3E", m).code() == StatusCode::kCorrupt);
  // Random bytes after a valid start never read past the input.
  for (uint32_t seed = 1; seed < 300; ++seed) {
    std::string junk = good.substr(0, 6 + (seed % 40));
    uint32_t x = seed;
    for (int i = 0; i < 200; ++i) {
      x = x * 1103515245u + 12345u;
      junk.push_back(static_cast<char>(x >> 16));
    }
    (void)scanner::formats::ParseTnef(junk, m);
    for (const auto& a : m.attachments) {
      CHECK(a.data.data() >= junk.data());
      CHECK(a.data.data() + a.data.size() <= junk.data() + junk.size());
    }
  }
}

TEST_CASE("extract: embedded objects in a .doc are members; an OLE package is its file") {
  std::vector<StreamBytes> streams = BuildWordDocument({{"See the attached objects.\r", true}});
  streams.push_back({"ObjectPool/_1001/\x01Ole10Native",
                     BuildOle10Native("notes.txt", "C:\\x\\notes.txt", kPlantLine + "\n")});
  StreamBytes wb = BuildWorkbook({{"S", {{0, 0, "SSN"}, {1, 0, "536-22-8726"}}}});
  streams.push_back({"ObjectPool/_1002/Workbook", wb.data});
  auto recs = ExtractMemory(OleFile(streams), "report.doc");
  CHECK(recs.size() == 3);
  const AssetRecord* notes = FindRecord(recs, "notes.txt");
  REQUIRE(notes);
  CHECK(TypeCounts(*notes) == kPlant);
  const AssetRecord* sheet = FindRecord(recs, "_1002");
  REQUIRE(sheet);
  CHECK(sheet->format == "xls");
  CHECK(TypeCounts(*sheet) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  CHECK(TypeCounts(recs[0]).empty());
}

TEST_CASE("extract: another compound file's printable runs; an encrypted OOXML package") {
  std::string utf16;
  for (char c : kPlantLine) utf16 += std::string{c, '\0'};
  auto recs = ExtractMemory(
      OleFile({{"VisioDocument", std::string("\x01\x02") + utf16 + "\xFF"}, {"Other/x", "\x03zz"}}),
      "a.vsd");
  CHECK(recs[0].format == "ole");
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]) == kPlant);

  recs = ExtractMemory(OleFile({{"EncryptedPackage", "\x10\0\0\0\0\0\0\0ciphertext"},
                                {"EncryptionInfo", "\x04\0\x04\0"}}),
                       "secret.docx");
  CHECK(StatusOf(recs[0]) == "encrypted(password_protected)");
}

TEST_CASE("extract: streams sharing sectors cannot expand a small file without bound") {
  std::vector<CfbEntry> entries = {{"big", std::string(64 << 10, '7')}};
  for (int i = 0; i < 40; ++i) {
    entries.push_back({std::string("s").append(std::to_string(i)), std::string(8, 'x')});
  }
  CfbLayout layout;
  std::string file = WriteCompoundFile(entries, {}, &layout);
  // Point every small stream at the big one's sectors, with its size.
  uint32_t big = 0;
  for (uint32_t i = 0; i < layout.directory_paths.size(); ++i) {
    if (layout.directory_paths[i] == "big") big = i;
  }
  const uint64_t big_at = layout.DirectoryEntryOffset(big);
  for (uint32_t i = 1; i < layout.directory_paths.size(); ++i) {
    if (i == big) continue;
    const uint64_t at = layout.DirectoryEntryOffset(i);
    for (int k = 0; k < 12; ++k) file[at + 116 + k] = file[big_at + 116 + k];
  }
  scanner::ScanLimits limits;
  limits.max_expanded_bytes = 1 << 20;
  auto recs = ExtractMemory(file, "bomb.ole", limits);
  CHECK(StatusOf(recs[0]) == "partial(limit_bytes)");
}

TEST_CASE("extract: a .msg inside a zip; a compound file too large to buffer") {
  MsgSpec m;
  m.subject = "s";
  m.body = kPlantLine;
  m.attachments = {{"a.txt", kPlantLine}};
  const std::string zip = WriteArchive("zip", "", {{"mail/note.msg", OleFile(BuildMsg(m))}});
  auto recs = ExtractMemory(zip, "export.zip");
  const AssetRecord* msg = FindRecord(recs, "mail/note.msg");
  REQUIRE(msg);
  CHECK(msg->format == "msg");
  CHECK(TypeCounts(*msg) == kPlant);
  const AssetRecord* att = FindRecord(recs, "mail/note.msg!a.txt");
  REQUIRE(att);
  CHECK(TypeCounts(*att) == kPlant);

  scanner::ScanLimits limits;
  limits.max_buffered_member = 1024;
  recs = ExtractMemory(OleFile(BuildMsg(m)), "big.msg", limits);
  CHECK(StatusOf(recs[0]) == "partial(limit_size)");
}

TEST_CASE("extract: data appended after a compound file's last sector makes it partial(corrupt)") {
  // Bytes past every sector the header, allocation tables, directory and
  // streams reach are no stream's: they were skipped while the file was
  // recorded complete.
  const std::string notes = "Drawing notes for the clinic floor plan.";
  for (int version : {3, 4}) {
    INFO("version " << version);
    const std::string file =
        WriteCompoundFile({{"VisioDocument", notes}, {"Big", Pattern(6000, 'v')}},
                          CfbOptions{version, ""});
    auto plain = ExtractMemory(file, "plan.vsd");
    REQUIRE(plain.size() == 1);
    CHECK(StatusOf(plain[0]) == "complete");

    const std::string appended = file + kPlantLine + "\n";
    auto cf = CompoundFile::Open(appended);
    REQUIRE(cf.ok());
    CHECK(cf.value().reached() == file.size());
    auto recs = ExtractMemory(appended, "plan.vsd");
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "partial(corrupt)");
    CHECK(recs[0].detail.find(std::to_string(kPlantLine.size() + 1) + " bytes at offset " +
                              std::to_string(file.size()) +
                              " after the compound file's last sector, not read") !=
          std::string::npos);
    CHECK(recs[0].detail.find("536-22-8726") == std::string::npos);
    // What the streams hold is still read.
    CHECK(recs[0].format == "ole");
    CHECK(recs[0].bytes_scanned == plain[0].bytes_scanned);

    // Zeros after the last sector are padding.
    auto padded = ExtractMemory(file + std::string(700, '\0'), "plan.vsd");
    REQUIRE(padded.size() == 1);
    CHECK(StatusOf(padded[0]) == "complete");
  }
  // The same inside a Word document, read through its piece table.
  const std::string doc =
      OleFile(BuildWordDocument({{"Referral for the clinic.\r", true}}));
  CHECK(StatusOf(ExtractMemory(doc, "referral.doc")[0]) == "complete");
  auto recs = ExtractMemory(doc + "Patient SSN 536-22-8726\n", "referral.doc");
  CHECK(recs[0].format == "doc");
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
}

TEST_CASE("CFB: a stream size's high 32 bits are garbage in version 3, the size's in version 4") {
  // [MS-CFB] 2.6.3: with 512-byte sectors (version 3) older writers left
  // the size's high DWORD uninitialised, and readers must accept it; a
  // version 4 file's size is a full 64-bit integer. Ignored there, a
  // stream of 4 GiB and more would read as its low bytes and be complete.
  const std::string text = std::string(3000, ' ') + kPlantLine + "\n" + std::string(2000, ' ');
  REQUIRE(text.size() >= 4096);  // in regular sectors, whichever size is read
  for (int version : {3, 4}) {
    INFO("version " << version);
    CfbLayout layout;
    std::string file =
        WriteCompoundFile({{"VisioDocument", text}}, CfbOptions{version, ""}, &layout);
    const auto at = static_cast<uint32_t>(
        std::find(layout.directory_paths.begin(), layout.directory_paths.end(), "VisioDocument") -
        layout.directory_paths.begin());
    PutLe32(file, layout.DirectoryEntryOffset(at) + 124, version == 3 ? 0xDEADBEEF : 1);
    auto cf = CompoundFile::Open(file);
    REQUIRE(cf.ok());
    const uint64_t size = cf.value().entry(at).size;
    auto recs = ExtractMemory(file, "drawing.vsd");
    REQUIRE(recs.size() == 1);
    INFO(recs[0].detail);
    CHECK(TypeCounts(recs[0]) == kPlant);
    if (version == 3) {
      CHECK(size == text.size());
      CHECK(ReadPath(cf.value(), "VisioDocument") == text);
      CHECK(StatusOf(recs[0]) == "complete");
    } else {
      CHECK(size == (uint64_t{1} << 32) + text.size());
      CHECK(StatusOf(recs[0]) == "partial(corrupt)");
    }
  }
}
