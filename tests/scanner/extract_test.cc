// The Extractor over the generated format fixtures: every record, status and
// type count the manifest expects, independent of chunk size; offsets that
// point at the value's bytes; corrupt input, binary opt-in, cancellation.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <tuple>

#include "common/model.h"
#include "scanner/formats/byte_source.h"
#include "scanner/formats/sniff.h"
#include "scanner/formats/sqlite_wal.h"
#include "tests/scanner/extract_fixture.h"
#include "tests/testutil/testutil.h"

using namespace phiscan;
using namespace phiscan::testing;

namespace {

std::vector<nlohmann::json> Manifest() {
  static std::vector<nlohmann::json> lines = [] {
    std::vector<nlohmann::json> out;
    std::string text = ReadFile(FormatFixtureDir() + "/manifest.jsonl");
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      out.push_back(nlohmann::json::parse(text.substr(pos, nl - pos)));
      pos = nl + 1;
    }
    return out;
  }();
  return lines;
}

std::set<std::string> ManifestFiles() {
  std::set<std::string> files;
  for (const auto& l : Manifest()) files.insert(l["file"].get<std::string>());
  return files;
}

// Everything about a finding except where it sits.
using Finding = std::tuple<std::string, int, std::string, Token>;
std::multiset<Finding> Findings(const AssetRecord& r) {
  std::multiset<Finding> out;
  for (const auto& f : r.findings) out.insert({f.type_id, f.score, f.masked, f.token});
  return out;
}

}  // namespace

TEST_CASE("every fixture yields exactly the records, statuses and types of its manifest") {
  for (const auto& file : ManifestFiles()) {
    INFO("file " << file);
    auto recs = ExtractFile(FormatFixtureDir() + "/" + file);
    size_t expected = 0;
    for (const auto& line : Manifest()) {
      if (line["file"] != file) continue;
      ++expected;
      std::optional<std::string> member;
      if (!line["member"].is_null()) member = line["member"].get<std::string>();
      INFO("member " << (member ? *member : "(top)"));
      const AssetRecord* r = FindRecord(recs, member);
      REQUIRE(r != nullptr);
      CHECK(AssetStatusName(r->status) == line["status"].get<std::string>());
      CHECK(r->reason == (line["reason"].is_null() ? "" : line["reason"].get<std::string>()));
      std::map<std::string, uint64_t> want;
      for (auto& [k, v] : line["types"].items()) want[k] = v.get<uint64_t>();
      CHECK(TypeCounts(*r) == want);
      CHECK(r->kind == (member ? AssetKind::kMember : AssetKind::kFile));
      CHECK(r->path == FormatFixtureDir() + "/" + file);
    }
    CHECK(recs.size() == expected);
  }
}

TEST_CASE("chunk size never changes what is found") {
  for (const auto& file : ManifestFiles()) {
    INFO("file " << file);
    auto whole = ExtractFile(FormatFixtureDir() + "/" + file);
    for (size_t chunk : {3, 61, 4096}) {
      INFO("chunk " << chunk);
      scanner::ScanLimits limits;
      limits.chunk_size = chunk;
      auto recs = ExtractFile(FormatFixtureDir() + "/" + file, limits);
      REQUIRE(recs.size() == whole.size());
      for (size_t i = 0; i < recs.size(); ++i) {
        CHECK(recs[i].member == whole[i].member);
        CHECK(StatusOf(recs[i]) == StatusOf(whole[i]));
        CHECK(Findings(recs[i]) == Findings(whole[i]));
        for (size_t k = 0; k < recs[i].findings.size() && k < whole[i].findings.size(); ++k) {
          CHECK(recs[i].findings[k].start == whole[i].findings[k].start);
          CHECK(recs[i].findings[k].end == whole[i].findings[k].end);
        }
      }
    }
  }
}

TEST_CASE("offsets point at the value's bytes in every encoding") {
  const std::string value = "536-22-8726";
  for (const char* file : {"text/utf8.txt", "text/utf8_bom.txt", "text/cp1252.txt",
                           "text/utf16le.txt", "text/utf16be.txt", "text/utf16le_bom.txt",
                           "text/utf16be_bom.txt"}) {
    INFO(file);
    std::string bytes = ReadFile(FormatFixtureDir() + "/" + file);
    auto recs = ExtractFile(FormatFixtureDir() + "/" + file);
    REQUIRE(recs.size() == 1);
    const FindingRecord* ssn = nullptr;
    for (const auto& f : recs[0].findings) {
      if (f.type_id == "US_SSN") ssn = &f;
    }
    REQUIRE(ssn != nullptr);
    std::string slice = bytes.substr(ssn->start, ssn->end - ssn->start);
    std::string ascii;
    for (char c : slice) {
      if (c != '\0') ascii += c;
    }
    CHECK(ascii == value);
    CHECK(ssn->end - ssn->start == (std::string(file).find("utf16") != std::string::npos ? 22u : 11u));
  }
}

TEST_CASE("a truncated zip is partial(corrupt), never complete") {
  auto recs = ExtractFile(FormatFixtureDir() + "/archives/truncated.zip");
  REQUIRE(!recs.empty());
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  for (const auto& r : recs) CHECK(r.status != AssetStatus::kComplete);
}

TEST_CASE("--scan-binary classifies the raw bytes of a binary file") {
  auto skipped = ExtractFile(FormatFixtureDir() + "/text/blob.bin");
  CHECK(StatusOf(skipped[0]) == "skipped(binary)");
  CHECK(skipped[0].bytes_scanned == 0);
  scanner::ScanLimits limits;
  limits.scan_binary = true;
  auto raw = ExtractFile(FormatFixtureDir() + "/text/blob.bin", limits);
  CHECK(StatusOf(raw[0]) == "complete");
  CHECK(TypeCounts(raw[0]) == std::map<std::string, uint64_t>{
                                  {"US_SSN", 1}, {"US_NPI", 1}, {"CREDIT_CARD", 1}});
}

TEST_CASE("a cancelled scan leaves the asset partial(interrupted)") {
  std::atomic<bool> cancel{true};
  auto recs = ExtractFile(FormatFixtureDir() + "/archives/outer.zip", {}, &cancel);
  REQUIRE(!recs.empty());
  CHECK(StatusOf(recs[0]) == "partial(interrupted)");
}

TEST_CASE("the type is decided by content, not by the extension") {
  // A zip named .txt is opened as an archive; a text file named .zip is text.
  auto zip = ExtractFile(FormatFixtureDir() + "/archives/looks_like_text.txt");
  CHECK(zip.size() == 2);
  auto text = ExtractMemory("Patient SSN 536-22-8726\n", "notes.zip");
  REQUIRE(text.size() == 1);
  CHECK(TypeCounts(text[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
}

TEST_CASE("text behind a format's magic bytes is read as text, not taken for that format") {
  // Each was taken for a compressed stream, a tar or a PDF: recorded clean
  // (a gzip magic passed through libarchive as itself, sniffed again down
  // to the depth limit) or partial, and its identifiers never read.
  const std::string note =
      "Patient SSN 536-22-8726 seen today; follow up in two weeks with the clinic.\n";
  std::string mustard = std::string(257, ' ');
  mustard.replace(250, 12, "with mustard");  // "ustar" at 257
  mustard += "\n" + note + std::string(600, '.') + "\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"gzip magic", std::string("\x1F\x8B\n", 3) + note},
      {"gzip magic alone", std::string("\x1F\x8B", 2) + note},
      {"bzip2 magic", "BZh9\n" + note},
      {"ustar at 257", mustard},
      {"a PDF named in a log line", "2024-03-28 INFO converted to %PDF-1.7 ok\n" + note},
      {"a UTF-16 BOM before UTF-8", "\xFF\xFE" + note},
  };
  for (const auto& [what, bytes] : cases) {
    INFO(what);
    auto recs = ExtractMemory(bytes, "notes.txt");
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  }
  // Magic that starts a stream no decompressor takes is a gap, not clean,
  // and no chain of members.
  auto xz = ExtractMemory(std::string("\xFD" "7zXZ\0", 6) + note, "notes.txt");
  CHECK(StatusOf(xz[0]) == "partial(corrupt)");
  // lzma-alone's bytes by its extension, which libarchive's filter refuses:
  // passed through, they were sniffed again at every level.
  auto lzma = ExtractMemory(std::string("\x5D\x00\x00", 3) + note, "notes.lzma");
  REQUIRE(lzma.size() == 1);
  CHECK(StatusOf(lzma[0]) == "partial(corrupt)");
  CHECK(lzma[0].detail == "starts like a compressed stream, but none could be read");
  // A PDF behind bytes that are no text is still a PDF.
  auto pdf = ExtractMemory(std::string("\x00\x05\x16\x07junk", 8) + "%PDF-1.4\n", "x.bin");
  CHECK(pdf[0].format == "pdf");
}

TEST_CASE("RTF offsets frame the value in the source, escapes included") {
  std::string bytes = ReadFile(FormatFixtureDir() + "/docs/letter.rtf");
  auto recs = ExtractFile(FormatFixtureDir() + "/docs/letter.rtf");
  REQUIRE(recs.size() == 1);
  bool seen = false;
  for (const auto& f : recs[0].findings) {
    if (f.type_id != "US_SSN") continue;
    seen = true;
    // The \generator destination's SSN is skipped; the text's uses \u45?.
    CHECK(bytes.substr(f.start, f.end - f.start) == "536\\u45?22-8726");
  }
  CHECK(seen);
}

TEST_CASE("RTF: comments and their authors are read, other \\* destinations are not") {
  // {\*\annotation ...} was skipped with every \* destination: a reviewer's
  // comment holding an SSN left the document complete and clean.
  const std::string rtf =
      "{\\rtf1\\ansi Visit summary.{\\*\\atnid JR}{\\*\\atnauthor Jane Roe}\\chatn"
      "{\\*\\annotation{\\*\\atnref 1}{\\*\\atndate 1234}\\pard Patient SSN 536-22-8726, "
      "card 4111 1111 1111 1111\\par}{\\*\\bkmkstart NPI 1234567893} Done.\\par}";
  auto recs = ExtractMemory(rtf, "note.rtf");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]) ==
        std::map<std::string, uint64_t>{{"US_SSN", 1}, {"CREDIT_CARD", 1}});
  for (const auto& f : recs[0].findings) {
    if (f.type_id == "US_SSN") CHECK(rtf.substr(f.start, f.end - f.start) == "536-22-8726");
  }
}

TEST_CASE("RTF: a huge \\uc cannot hide the text after a \\u") {
  // \ucN is how many fallback characters follow each \uN; \uc999999999 hid
  // the rest of the document, recorded complete. A fallback is a few bytes,
  // and it ends at a group boundary.
  const std::string rtf =
      "{\\rtf1\\ansi\\uc999999999 Caf\\u233\\'e9 note. Patient SSN 536-22-8726.\\par"
      "{\\u8212}{\\i NPI 1234567893}\\par}";
  auto recs = ExtractMemory(rtf, "note.rtf");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}, {"US_NPI", 1}});
}

TEST_CASE("RTF: \\binN's bytes are data, whatever braces they hold") {
  // A picture's \binN bytes were read as RTF: a brace among them closed the
  // picture early and let its bytes in as text (a false SSN), or opened
  // groups that hid the rest of the note.
  const std::string data = GENERATE(std::string("} 412-61-3374 {{"), std::string("{{\\*"));
  INFO(data);
  const std::string rtf = "{\\rtf1\\ansi Visit note.\\par {\\pict\\wmetafile8\\bin" +
                          std::to_string(data.size()) + " " + data +
                          "}Patient SSN 536-22-8726\\par}";
  auto recs = ExtractMemory(rtf, "note.rtf");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  for (const auto& f : recs[0].findings) {
    CHECK(rtf.substr(f.start, f.end - f.start) == "536-22-8726");
  }
  // A file that ends inside them is cut short; what came before is kept.
  recs = ExtractMemory("{\\rtf1 Patient SSN 536-22-8726\\par{\\pict\\bin100 abc", "cut.rtf");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
}

TEST_CASE("RTF: a finding's line is its line in the file, not in the text") {
  // Source line breaks are no text in RTF and \par is one that is not in the
  // source: an SSN on line 4, after a font table over three lines, was
  // reported on line 1.
  const std::string rtf =
      "{\\rtf1\\ansi\\deff0\n"                                          // 1
      "{\\fonttbl{\\f0\\froman Times;}\n{\\f1\\fswiss Arial;}\n}\n"        // 2-4
      "{\\colortbl;\\red0\\green0\\blue0;\n\\red255\\green0\\blue0;}\n"  // 5-6
      "{\\*\\generator Writer\n 1.0;}\n"                                 // 7-8
      "\\pard Visit summary.\\par\\par\n"                                // 9
      "Patient SSN 536-22-8726\\line next\\par\n"                        // 10
      "{\\pict\\pngblip\n89504e47\n0d0a1a0a\n}\n"                        // 11-14
      "Caf\\'e9 note, SSN \n412-61-3374\\par\n"                           // 15-16
      "\\u83?SN 345-67-8912 \n"                                            // 17
      "and more.\\par\n"                                                  // 18
      "}";
  for (const char* eol : {"\n", "\r\n", "\r"}) {
    INFO("eol " << std::string_view(eol).size());
    CHECK(FindingLines(WithEol(rtf, eol), "note.rtf", "US_SSN") ==
          std::vector<uint64_t>{10, 16, 17});
  }
}

namespace {

// A database the test writes, created if absent; closed when it goes.
using TestDb = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;
TestDb OpenTestDb(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open(path.c_str(), &raw);
  TestDb db(raw, sqlite3_close);
  REQUIRE(rc == SQLITE_OK);
  return db;
}

}  // namespace

TEST_CASE("SQLite: tables are members, opened without touching the file") {
  const std::string path = FormatFixtureDir() + "/db/clinic.sqlite";
  std::string before = ReadFile(path);
  auto recs = ExtractFile(path);
  REQUIRE(recs.size() == 4);
  CHECK(recs[1].member == "patients");
  CHECK(recs[1].kind == AssetKind::kMember);
  CHECK(ReadFile(path) == before);
  CHECK(!std::ifstream(path + "-journal").good());
  CHECK(!std::ifstream(path + "-wal").good());
}

TEST_CASE("SQLite: a BLOB holding text is read, a '!' in a table name becomes '_'") {
  // BLOB cells were skipped without a status: text an app stores as a BLOB
  // went unread and the table was recorded complete and clean.
  TempDir dir;
  const std::string path = dir.Join("app.db");
  TestDb db = OpenTestDb(path);
  REQUIRE(sqlite3_exec(db.get(),
                       "CREATE TABLE notes (id INTEGER, body BLOB);"
                       "CREATE TABLE \"db!we!rd\" (note TEXT);"
                       "INSERT INTO \"db!we!rd\" VALUES ('Patient SSN 536-22-8726');",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  const std::string utf8 = "Patient SSN 536-22-8726, credit card 4111 1111 1111 1111.";
  std::string utf16 = "\xFF\xFE";  // with a BOM
  for (char c : std::string("Provider NPI 1234567893")) utf16 += std::string{c, '\0'};
  const std::string c_string = std::string("SSN: 536-22-8726") + '\0';
  // Binary: left unread, as a binary file is skipped.
  const std::string png = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + "SSN 536-22-8726";
  for (const std::string& blob : {utf8, utf16, c_string, png}) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db.get(), "INSERT INTO notes VALUES (1, ?)", -1, &st, nullptr) ==
            SQLITE_OK);
    sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
  }
  db.reset();
  const std::string bytes = ReadFile(path);
  auto loose = ExtractFile(path);
  auto inner = ExtractMemory(bytes, "app.db");  // read from memory, as in a container
  for (const auto* recs : {&loose, &inner}) {
    REQUIRE(recs->size() == 3);
    const AssetRecord* notes = FindRecord(*recs, "notes");
    REQUIRE(notes != nullptr);
    CHECK(StatusOf(*notes) == "complete");
    CHECK(TypeCounts(*notes) == std::map<std::string, uint64_t>{
                                    {"US_SSN", 2}, {"US_NPI", 1}, {"CREDIT_CARD", 1}});
    // One level of nesting, not member "we!rd" of a container "db".
    const AssetRecord* weird = FindRecord(*recs, "db_we_rd");
    REQUIRE(weird != nullptr);
    CHECK(TypeCounts(*weird) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  }
  scanner::ScanLimits binary;
  binary.scan_binary = true;
  auto raw_bytes = ExtractFile(path, binary);
  const AssetRecord* notes = FindRecord(raw_bytes, "notes");
  REQUIRE(notes != nullptr);
  CHECK(TypeCounts(*notes).at("US_SSN") == 3);
}

TEST_CASE("SQLite: a broken schema is a corrupt database, its text never in the detail") {
  // SQLite's own message quotes the schema near the error: here a DEFAULT
  // literal that holds an identifier.
  TempDir dir;
  const std::string path = dir.Join("broken.db");
  TestDb db = OpenTestDb(path);
  REQUIRE(sqlite3_exec(db.get(),
                       "CREATE TABLE t (a); PRAGMA writable_schema=ON;"
                       "UPDATE sqlite_master SET sql = "
                       "'CREATE TABLE t (a DEFAULT ''x'' ''536-22-8726'')' WHERE name = 't';",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  db.reset();
  for (const auto& recs : {ExtractFile(path), ExtractMemory(ReadFile(path), "broken.db")}) {
    REQUIRE(!recs.empty());
    CHECK(StatusOf(recs[0]) == "partial(corrupt)");
    CHECK(recs[0].detail.find("sqlite: ") == 0);
    CHECK(recs[0].detail.find("536-22-8726") == std::string::npos);
    CHECK(recs[0].detail.find("near") == std::string::npos);
  }
}

namespace {

// A database in WAL mode whose newest transactions are only in its log, as a
// live application leaves it: copies of `db` and `db-wal` taken while the
// writing connection is still open (closing it would checkpoint the log).
// Each statement of `transactions` commits on its own.
void WriteLiveWalDatabase(const std::string& dir, const std::string& name,
                          const std::vector<std::string>& transactions, bool with_index = false) {
  TempDir live;
  const std::string path = live.Join("app.db");
  TestDb db = OpenTestDb(path);
  REQUIRE(sqlite3_exec(db.get(),
                       "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                       "CREATE TABLE patients (name TEXT, ssn TEXT);",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  for (const std::string& sql : transactions) {
    REQUIRE(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  WriteFile(dir + "/" + name, ReadFile(path));
  WriteFile(dir + "/" + name + "-wal", ReadFile(path + "-wal"));
  if (with_index) WriteFile(dir + "/" + name + "-shm", ReadFile(path + "-shm"));
}

}  // namespace

TEST_CASE("SQLite: rows only in the write-ahead log are read, the files untouched") {
  // Opened immutable, the database showed none of the rows its log held: a
  // live application's newest patients were a clean, complete table.
  TempDir dir;
  WriteLiveWalDatabase(dir.path(), "app.db",
                       {"INSERT INTO patients VALUES ('Jane Roe', '536-22-8726')",
                        "PRAGMA wal_checkpoint(TRUNCATE)",  // the table and Jane in the file
                        "INSERT INTO patients VALUES ('John Roe', '536-22-8727')",
                        "INSERT INTO patients VALUES ('Jim Roe', '536-22-8728')"});
  const std::string path = dir.Join("app.db");
  const std::string db_before = ReadFile(path);
  const std::string wal_before = ReadFile(path + "-wal");
  struct stat wal_stat_before;
  REQUIRE(stat((path + "-wal").c_str(), &wal_stat_before) == 0);
  auto recs = ExtractFile(path);
  const AssetRecord* patients = FindRecord(recs, "patients");
  REQUIRE(patients != nullptr);
  CHECK(StatusOf(*patients) == "complete");
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(recs[0].format == "sqlite");  // what an incremental scan looks for a log by
  CHECK(TypeCounts(*patients) == std::map<std::string, uint64_t>{{"US_SSN", 3}});
  CHECK(ReadFile(path) == db_before);
  CHECK(ReadFile(path + "-wal") == wal_before);
  CHECK(!std::ifstream(path + "-shm").good());
  struct stat wal_stat_after;
  REQUIRE(stat((path + "-wal").c_str(), &wal_stat_after) == 0);
  CHECK(wal_stat_after.st_mtim.tv_nsec == wal_stat_before.st_mtim.tv_nsec);

  SECTION("a torn last transaction is left out, the ones before it read") {
    std::string wal = wal_before;
    wal[wal.size() - 100] ^= 0x5a;  // inside the last frame's page: its checksum fails
    WriteFile(path + "-wal", wal);
    auto torn = ExtractFile(path);
    const AssetRecord* p = FindRecord(torn, "patients");
    REQUIRE(p != nullptr);
    CHECK(TypeCounts(*p) == std::map<std::string, uint64_t>{{"US_SSN", 2}});
  }
  SECTION("a log larger than the in-memory limit is a partial database") {
    scanner::ScanLimits small;
    small.max_buffered_member = wal_before.size() - 1;
    auto capped = ExtractFile(path, small);
    CHECK(StatusOf(capped[0]) == "partial(limit_size)");
    CHECK(capped[0].detail.find("write-ahead log") != std::string::npos);
    const AssetRecord* p = FindRecord(capped, "patients");
    REQUIRE(p != nullptr);  // the database file's own rows are still read
    CHECK(TypeCounts(*p) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
    // The database and its log count together against the limit.
    small.max_buffered_member = wal_before.size() + db_before.size() - 1;
    auto together = ExtractFile(path, small);
    CHECK(StatusOf(together[0]) == "partial(limit_size)");
    const AssetRecord* q = FindRecord(together, "patients");
    REQUIRE(q != nullptr);
    CHECK(TypeCounts(*q) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
    small.max_buffered_member = wal_before.size() + db_before.size();
    auto fits = ExtractFile(path, small);
    CHECK(StatusOf(fits[0]) == "complete");
  }
}

TEST_CASE("SQLite: a live database's log and index are read with it, not skipped as binary") {
  // Each was skipped(binary), so --strict failed on every live app database.
  TempDir dir;
  WriteLiveWalDatabase(dir.path(), "app.db",
                       {"INSERT INTO patients VALUES ('Jane Roe', '536-22-8726')"}, true);
  const std::string path = dir.Join("app.db");
  for (const char* suffix : {"-wal", "-shm"}) {
    INFO(suffix);
    auto recs = ExtractFile(path + suffix);
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(recs[0].format == std::string("sqlite") + suffix);
    CHECK(recs[0].detail.find("WAL mode") != std::string::npos);
    // Inside a container there is no database beside it: its bytes are binary.
    CHECK(StatusOf(ExtractMemory(ReadFile(path + suffix), std::string("app.db") + suffix)[0]) ==
          "skipped(binary)");
  }
  // A log whose database is gone, or is no longer in WAL mode, is read by
  // nobody: still a gap.
  std::string db = ReadFile(path);
  db[18] = db[19] = 1;
  WriteFile(path, db);
  CHECK(StatusOf(ExtractFile(path + "-wal")[0]) == "skipped(binary)");
  REQUIRE(unlink(path.c_str()) == 0);
  CHECK(StatusOf(ExtractFile(path + "-wal")[0]) == "skipped(binary)");
  CHECK(StatusOf(ExtractFile(path + "-shm")[0]) == "skipped(binary)");
}

TEST_CASE("SQLite: a database in WAL mode is read from memory, as in a container") {
  // The header of a database in WAL mode made SQLite look for a log a memory
  // image cannot have: every app database in an archive was partial(corrupt).
  TempDir dir;
  WriteLiveWalDatabase(dir.path(), "app.db",
                       {"INSERT INTO patients VALUES ('Jane Roe', '536-22-8726')",
                        "PRAGMA wal_checkpoint(TRUNCATE)"});  // the row now in the file
  const std::string bytes = ReadFile(dir.Join("app.db"));
  REQUIRE(bytes.size() > 19);
  CHECK(bytes[18] == 2);  // still in WAL mode
  auto recs = ExtractMemory(bytes, "app.db");
  CHECK(StatusOf(recs[0]) == "complete");
  const AssetRecord* patients = FindRecord(recs, "patients");
  REQUIRE(patients != nullptr);
  CHECK(StatusOf(*patients) == "complete");
  CHECK(TypeCounts(*patients) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
}

namespace {

void PutBig32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

// A hostile log: valid checksums (anyone can compute them) around frames
// whose page numbers and database sizes are whatever the writer chose.
// Checksums over big-endian words (magic 0x377f0683).
std::string CraftWal(uint32_t page_size,
                     const std::vector<std::pair<uint32_t, uint32_t>>& frames) {
  auto sum = [](const std::string& s, size_t at, size_t n, uint32_t c[2]) {
    auto word = [&](size_t i) {
      return (uint32_t{static_cast<unsigned char>(s[i])} << 24) |
             (uint32_t{static_cast<unsigned char>(s[i + 1])} << 16) |
             (uint32_t{static_cast<unsigned char>(s[i + 2])} << 8) |
             static_cast<unsigned char>(s[i + 3]);
    };
    for (size_t i = at; i + 8 <= at + n; i += 8) {
      c[0] += word(i) + c[1];
      c[1] += word(i + 4) + c[0];
    }
  };
  std::string wal(32, '\0');
  PutBig32(wal, 0, 0x377f0683);
  PutBig32(wal, 4, 3007000);
  PutBig32(wal, 8, page_size);
  PutBig32(wal, 16, 0x1234);
  PutBig32(wal, 20, 0x5678);
  uint32_t c[2] = {0, 0};
  sum(wal, 0, 24, c);
  PutBig32(wal, 24, c[0]);
  PutBig32(wal, 28, c[1]);
  for (const auto& [page, db_size] : frames) {
    const size_t at = wal.size();
    wal.append(24 + page_size, 'x');
    PutBig32(wal, at, page);
    PutBig32(wal, at + 4, db_size);
    PutBig32(wal, at + 8, 0x1234);
    PutBig32(wal, at + 12, 0x5678);
    sum(wal, at, 8, c);
    sum(wal, at + 24, page_size, c);
    PutBig32(wal, at + 16, c[0]);
    PutBig32(wal, at + 20, c[1]);
  }
  return wal;
}

}  // namespace

TEST_CASE("SQLite log: a hostile log cannot make the image large or write outside it") {
  using scanner::formats::ApplyWal;
  using Outcome = scanner::formats::WalResult::Outcome;
  std::string image;
  // A database of 2^32-1 pages: refused before anything is allocated.
  auto huge = ApplyWal(image, CraftWal(512, {{1, 0xFFFFFFFFu}}), 64 << 20);
  CHECK(huge.outcome == Outcome::kTooLarge);
  CHECK(image.empty());
  // A page beyond the committed size is not written; the rest is.
  auto beyond = ApplyWal(image, CraftWal(512, {{0xFFFFFFF0u, 0}, {2, 2}}), 64 << 20);
  CHECK(beyond.outcome == Outcome::kApplied);
  CHECK(beyond.frames == 1);
  CHECK(image.size() == 1024);
  CHECK(image.substr(512) == std::string(512, 'x'));
  // Page 0 does not exist: the log ends there, nothing is committed.
  std::string none;
  CHECK(ApplyWal(none, CraftWal(512, {{0, 1}}), 64 << 20).outcome == Outcome::kNothing);
  // A page size that is not a power of two, and frames without a commit.
  CHECK(ApplyWal(none, CraftWal(1000, {{1, 1}}), 64 << 20).outcome == Outcome::kNothing);
  CHECK(ApplyWal(none, CraftWal(512, {{1, 0}, {2, 0}}), 64 << 20).outcome == Outcome::kNothing);
  // A log whose page size is not the database's is not this database's log.
  std::string db(1024, '\0');
  db[16] = 4;  // 1024-byte pages
  CHECK(ApplyWal(db, CraftWal(512, {{1, 1}}), 64 << 20).outcome == Outcome::kNothing);
  CHECK(db.size() == 1024);
  // Garbage and a torn header.
  CHECK(ApplyWal(none, std::string(4096, '\x37'), 64 << 20).outcome == Outcome::kNothing);
  CHECK(ApplyWal(none, CraftWal(512, {{1, 1}}).substr(0, 31), 64 << 20).outcome ==
        Outcome::kNothing);
  CHECK(none.empty());
}

// ---- sparse files ---------------------------------------------------------

namespace {

// Writes head, then a hole of `hole` bytes (sparse) or that many zero bytes
// (dense), then tail. Returns false if the file system made no hole.
bool WriteWithHole(const std::string& path, const std::string& head, uint64_t hole,
                   const std::string& tail, bool sparse) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, head.data(), head.size()) == static_cast<ssize_t>(head.size()));
  if (sparse) {
    REQUIRE(lseek(fd, static_cast<off_t>(hole), SEEK_CUR) >= 0);
  } else {
    std::string zeros(1 << 20, '\0');
    for (uint64_t left = hole; left > 0;) {
      size_t n = std::min<uint64_t>(left, zeros.size());
      REQUIRE(write(fd, zeros.data(), n) == static_cast<ssize_t>(n));
      left -= n;
    }
  }
  REQUIRE(write(fd, tail.data(), tail.size()) == static_cast<ssize_t>(tail.size()));
  struct stat st;
  REQUIRE(fstat(fd, &st) == 0);
  close(fd);
  return !sparse || static_cast<uint64_t>(st.st_blocks) * 512 < static_cast<uint64_t>(st.st_size);
}

std::string Utf16Le(std::string_view ascii) {
  std::string out;
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

using FindingKey = std::tuple<std::string, int, uint64_t, uint64_t, uint64_t>;
std::vector<FindingKey> Keys(const AssetRecord& rec) {
  std::vector<FindingKey> out;
  for (const auto& f : rec.findings) out.emplace_back(f.type_id, f.score, f.start, f.end, f.line);
  return out;
}

}  // namespace

TEST_CASE("A sparse file's hole is skipped, not read: the source reports it") {
  TempDir dir;
  const std::string path = dir.Join("sparse.bin");
  const uint64_t hole = 8 << 20;
  if (!WriteWithHole(path, std::string(4096, 'a'), hole, "tail", true)) {
    WARN("this file system keeps no holes; nothing to test");
    return;
  }
  int fd = open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  scanner::formats::FdSource src(fd, true, 4096 + hole + 4, path);
  CHECK(src.HoleAhead() == 0);  // data at offset 0
  std::string buf(4096, '\0');
  REQUIRE(src.Read({buf.data(), buf.size()}).value() == 4096);
  uint64_t gap = src.HoleAhead();
  CHECK(gap == hole);
  src.SkipHole(gap);
  REQUIRE(src.Read({buf.data(), buf.size()}).value() == 4);
  CHECK(buf.substr(0, 4) == "tail");
  close(fd);
}

TEST_CASE("A sparse file gives exactly the findings of the same bytes written out") {
  TempDir dir;
  // Evidence before and after the hole, a value on each side, and a value
  // right after it: offsets and lines past the hole must be the true ones.
  // More text than the format sniffer looks at, so the file reads as text.
  std::string head;
  while (head.size() < 12000) head += "Clinic note, nothing sensitive here.\n";
  head += "Patient notes\nSSN: 536-22-8726 phone (617) 555-0142\n";
  const std::string tail = "536-22-8726 seen again\nSocial Security Number 536-22-8726\n";
  const uint64_t hole = 6 << 20;
  SECTION("UTF-8") {
    const std::string sparse = dir.Join("sparse.txt"), dense = dir.Join("dense.txt");
    if (!WriteWithHole(sparse, head, hole, tail, true)) {
      WARN("this file system keeps no holes; nothing to test");
      return;
    }
    WriteWithHole(dense, head, hole, tail, false);
    auto a = ExtractFile(sparse), b = ExtractFile(dense);
    REQUIRE(a.size() == 1);
    REQUIRE(b.size() == 1);
    CHECK(StatusOf(a[0]) == "complete");
    CHECK(Keys(a[0]) == Keys(b[0]));
    CHECK(TypeCounts(a[0]) == TypeCounts(b[0]));
    CHECK(TypeCounts(a[0])["US_SSN"] == 3);
    // Only what the format sniffer peeked at and the hole's first 64 KiB
    // went through the classifier.
    CHECK(b[0].bytes_scanned >= head.size() + hole + tail.size());
    CHECK(a[0].bytes_scanned < b[0].bytes_scanned - hole + (2 << 20));
    bool past_hole = false;
    for (const auto& f : a[0].findings) past_hole |= f.start >= head.size() + hole;
    CHECK(past_hole);
  }
  SECTION("UTF-16LE") {
    const std::string sparse = dir.Join("sparse16.txt"), dense = dir.Join("dense16.txt");
    const std::string h16 = "\xFF\xFE" + Utf16Le(head), t16 = Utf16Le(tail);
    if (!WriteWithHole(sparse, h16, hole, t16, true)) {
      WARN("this file system keeps no holes; nothing to test");
      return;
    }
    WriteWithHole(dense, h16, hole, t16, false);
    auto a = ExtractFile(sparse), b = ExtractFile(dense);
    REQUIRE(a.size() == 1);
    REQUIRE(b.size() == 1);
    CHECK(Keys(a[0]) == Keys(b[0]));
    CHECK(TypeCounts(a[0])["US_SSN"] == 3);
  }
}

TEST_CASE("Office: a file that is no part of the package is read as a member") {
  // A zip renamed report.docx, or a CSV slipped in beside word/, was passed
  // over with the parts Office ignores: the file recorded complete and clean.
  const std::string plant = "Patient SSN 536-22-8726, NPI 1234567893.";
  const std::map<std::string, uint64_t> types = {{"US_SSN", 1}, {"US_NPI", 1}};
  auto liar = ExtractMemory(WriteArchive("zip", "", {{"notes.txt", plant}}), "report.docx");
  const AssetRecord* notes = FindRecord(liar, "notes.txt");
  REQUIRE(notes != nullptr);
  CHECK(TypeCounts(*notes) == types);
  const std::string ct(kDocxContentTypes);
  const std::string doc(kDocxLetter);
  auto extra = ExtractMemory(
      WriteArchive("zip", "", {{"[Content_Types].xml", ct}, {"word/document.xml", doc},
                               {"word/styles.xml", "<w:styles>" + plant + "</w:styles>"},
                               {"data/export.csv", "name,ssn\nA,536-22-8726\n"}}),
      "letter.docx");
  const AssetRecord* csv = FindRecord(extra, "data/export.csv");
  REQUIRE(csv != nullptr);
  CHECK(TypeCounts(*csv) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  // The package's own parts stay parts: no member for styles, no finding in
  // them (Office shows no text from styles.xml).
  CHECK(FindRecord(extra, "word/styles.xml") == nullptr);
  CHECK(extra.size() == 2);
  CHECK(TypeCounts(extra[0]).empty());
  // An OpenDocument package likewise.
  auto odt = ExtractMemory(
      WriteArchive("zip", "", {{"mimetype", "application/vnd.oasis.opendocument.text"},
                               {"content.xml", "<office:document-content/>"},
                               {"notes.txt", plant}}),
      "letter.odt");
  const AssetRecord* odt_notes = FindRecord(odt, "notes.txt");
  REQUIRE(odt_notes != nullptr);
  CHECK(TypeCounts(*odt_notes) == types);
}

TEST_CASE("Office: a file hidden in the package's own folders is read, and custom XML") {
  // Only files outside word/, xl/, ppt/... counted as foreign: word/notes.csv,
  // word/media/hidden.txt, xl/data.json, an altChunk in a subfolder and the
  // custom XML data were passed over, the document complete and clean.
  const std::string plant = "Patient SSN 536-22-8726, NPI 1234567893.";
  const std::map<std::string, uint64_t> types = {{"US_SSN", 1}, {"US_NPI", 1}};
  const std::string ct(kDocxContentTypes);
  const std::string doc(kDocxLetter);
  const std::string png = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + plant;
  auto recs = ExtractMemory(
      WriteArchive("zip", "",
                   {{"[Content_Types].xml", ct},
                    {"word/document.xml", doc},
                    {"word/notes.csv", "name,ssn\nA,536-22-8726\n"},
                    {"word/media/hidden.txt", plant},
                    {"word/chunks/afchunk2.htm", "<html><body>" + plant + "</body></html>"},
                    {"word/media/image1.png", png},
                    {"customXml/item1.xml", "<record><ssn>536-22-8726</ssn></record>"},
                    {"customXml/itemProps1.xml", "<ds:datastoreItem ds:itemID=\"x\"/>"}}),
      "letter.docx");
  for (const char* member : {"word/media/hidden.txt", "word/chunks/afchunk2.htm"}) {
    INFO(member);
    const AssetRecord* m = FindRecord(recs, member);
    REQUIRE(m != nullptr);
    CHECK(TypeCounts(*m) == types);
  }
  const AssetRecord* csv = FindRecord(recs, "word/notes.csv");
  REQUIRE(csv != nullptr);
  CHECK(TypeCounts(*csv) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  // An image stays a part, not a member; custom XML data is document text.
  CHECK(FindRecord(recs, "word/media/image1.png") == nullptr);
  CHECK(FindRecord(recs, "customXml/item1.xml") == nullptr);
  CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  CHECK(recs.size() == 4);
}

namespace {

// The text of each PERSON_NAME finding of `text` read as `file`.
std::vector<std::string> PersonNames(const std::string& text, const std::string& file) {
  std::vector<std::string> out;
  for (const auto& rec : ExtractMemory(text, file)) {
    for (const auto& f : rec.findings) {
      if (f.type_id == "PERSON_NAME") out.push_back(text.substr(f.start, f.end - f.start));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("A name split over first and last name columns or keys is found") {
  const auto names = PersonNames;
  CHECK(names("first_name,last_name,plan\nMary,Smith,gold\nJOHN,GARCIA,silver\n", "p.csv") ==
        std::vector<std::string>{"Mary", "Smith", "JOHN", "GARCIA"});
  CHECK(names("{\"firstName\": \"Linda\", \"surname\": \"Garcia\", \"plan\": \"Mary\"}\n",
              "p.json") == std::vector<std::string>{"Linda", "Garcia"});
  // Not a known name, or not a name column: nothing.
  CHECK(names("first_name,city\nAcme,Austin\n", "q.csv").empty());
}

TEST_CASE("A whole name in a patient name field is found, known to the dictionary or not") {
  // Marguerite Delacroix is in no name list: a patient name column, HL7
  // PID-5 and a FHIR-like key said what the value was, and it was missed.
  const auto names = PersonNames;
  CHECK(names("patient_name,mrn\nMarguerite Delacroix,MRN0012345\n\"QUILLON, XAVIERA B\",x\n",
              "p.csv") == std::vector<std::string>{"Marguerite Delacroix", "QUILLON, XAVIERA B"});
  CHECK(names("MSH|^~\\&|A|B|C|D|202401011200||ADT^A01|1|P|2.5\rPID|1||123456^^^H^MR||"
              "QUILLON^XAVIERA^B||19800101|F\r",
              "a.hl7") == std::vector<std::string>{"QUILLON^XAVIERA^B"});
  CHECK(names("{\"subscriberName\": \"Ostrava Pellinore\"}\n", "p.json") ==
        std::vector<std::string>{"Ostrava Pellinore"});
  // A bare name column (products, files), or one word: nothing.
  CHECK(names("name,price\nBlue Widget,3\n", "q.csv").empty());
  CHECK(names("patient_name,mrn\nDelacroix,x\n", "r.csv").empty());
}

TEST_CASE("Office: properties and custom XML keep each element's text apart") {
  // Word writes title, subject and author side by side: read as a
  // document's runs, "SSN 536-22-8726" ran into "Maria" (no SSN) and an
  // email took in the SSN and name before it (a wrong span and token).
  const std::string ct(kDocxContentTypes);
  const std::string doc(kDocxLetter);
  const std::string core =
      "<cp:coreProperties xmlns:cp=\"c\" xmlns:dc=\"d\"><dc:title>SSN 536-22-8726</dc:title>"
      "<dc:creator>Maria Garcia</dc:creator></cp:coreProperties>";
  const std::string item =
      "<r><ssn>536-22-8727</ssn><first>Maria</first><email>maria@example.com</email>"
      "<dept>cardiology</dept></r>";
  const std::string custom =
      "<Properties><property name=\"Reviewer\"><vt:lpwstr>SSN 536-22-8728</vt:lpwstr>"
      "</property><property name=\"Contact\"><vt:lpwstr>jo@example.org</vt:lpwstr></property>"
      "</Properties>";
  auto recs = ExtractMemory(WriteArchive("zip", "",
                                         {{"[Content_Types].xml", ct},
                                          {"word/document.xml", doc},
                                          {"docProps/core.xml", core},
                                          {"docProps/custom.xml", custom},
                                          {"customXml/item1.xml", item}}),
                            "letter.docx");
  REQUIRE(recs.size() == 1);
  CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 3}});
  std::set<std::string> emails;
  for (const auto& f : recs[0].findings) {
    if (f.type_id == "EMAIL") emails.insert(f.masked);
  }
  CHECK(emails == std::set<std::string>{"*****@*******.***", "**@*******.***"});

  auto odt = ExtractMemory(
      WriteArchive("zip", "", {{"mimetype", "application/vnd.oasis.opendocument.text"},
                               {"content.xml", "<office:document-content/>"},
                               {"meta.xml", "<office:meta><dc:title>SSN 536-22-8726</dc:title>"
                                            "<meta:initial-creator>Maria Garcia"
                                            "</meta:initial-creator></office:meta>"}}),
      "letter.odt");
  REQUIRE(!odt.empty());
  CHECK(TypeCounts(odt[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
}

TEST_CASE("Office: SmartArt, glossary and altChunk text is read") {
  // Text in these parts is shown by Word and PowerPoint but was never read:
  // the document recorded complete and clean.
  const std::string plant =
      "Patient SSN 536-22-8726, NPI 1234567893, credit card 4111 1111 1111 1111.";
  const std::map<std::string, uint64_t> types = {
      {"US_SSN", 1}, {"US_NPI", 1}, {"CREDIT_CARD", 1}};
  const std::string ct(kDocxContentTypes);
  const std::string doc =
      "<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>Letter.</w:t></w:r></w:p>"
      "<w:altChunk r:id=\"c1\"/></w:body></w:document>";
  for (const char* part : {"word/diagrams/data1.xml", "word/glossary/document.xml",
                           "ppt/diagrams/data2.xml"}) {
    INFO(part);
    auto recs = ExtractMemory(
        WriteArchive("zip", "", {{"[Content_Types].xml", ct}, {"word/document.xml", doc},
                                 {part, "<dgm:dataModel><dgm:pt><dgm:t><a:p><a:r><a:t>" + plant +
                                            "</a:t></a:r></a:p></dgm:t></dgm:pt>"
                                            "</dgm:dataModel>"}}),
        "letter.docx");
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(TypeCounts(recs[0]) == types);
  }
  auto recs = ExtractMemory(
      WriteArchive("zip", "", {{"[Content_Types].xml", ct}, {"word/document.xml", doc},
                               {"word/afchunk.htm", "<html><body><p>" + plant + "</p></body></html>"}}),
      "letter.docx");
  const AssetRecord* chunk = FindRecord(recs, "word/afchunk.htm");
  REQUIRE(chunk != nullptr);
  CHECK(StatusOf(*chunk) == "complete");
  CHECK(TypeCounts(*chunk) == types);
}

TEST_CASE("Every format an asset is recorded as is one that phireport --content filters by") {
  using phiscan::scanner::formats::ContentKind;
  for (int k = static_cast<int>(ContentKind::kText); k <= static_cast<int>(ContentKind::kSqliteShm);
       ++k) {
    const std::string_view name =
        phiscan::scanner::formats::ContentKindName(static_cast<ContentKind>(k));
    INFO(name);
    CHECK(std::find(phiscan::kAssetFormats.begin(), phiscan::kAssetFormats.end(), name) !=
          phiscan::kAssetFormats.end());
  }
}

namespace {

// ASCII `text` as UTF-16, little- or big-endian, with a byte-order mark or
// without one.
std::string Utf16(std::string_view text, bool big_endian, bool bom) {
  std::string out;
  auto unit = [&](char c) {
    out += big_endian ? '\0' : c;
    out += big_endian ? c : '\0';
  };
  if (bom) {
    out += big_endian ? "\xFE\xFF" : "\xFF\xFE";
  }
  for (char c : text) unit(c);
  return out;
}

}  // namespace

TEST_CASE("Office: XML parts in UTF-16 are read, as in UTF-8") {
  // ECMA-376 Part 2 lets a package's XML parts be UTF-16; they were read as
  // UTF-8, and a document with an SSN recorded complete and clean.
  const std::string ct(kDocxContentTypes);
  const std::string doc =
      "<?xml version=\"1.0\" encoding=\"UTF-16\"?><w:document xmlns:w=\"w\"><w:body><w:p><w:r>"
      "<w:t>Patient SSN 536-22-8726</w:t></w:r></w:p></w:body></w:document>";
  const std::map<std::string, uint64_t> one_ssn = {{"US_SSN", 1}};
  for (bool big_endian : {false, true}) {
    for (bool bom : {true, false}) {
      INFO("big endian " << big_endian << ", BOM " << bom);
      auto recs = ExtractMemory(WriteArchive("zip", "", {{"[Content_Types].xml", ct},
                                                         {"word/document.xml",
                                                          Utf16(doc, big_endian, bom)}}),
                                "letter.docx");
      REQUIRE(recs.size() == 1);
      CHECK(StatusOf(recs[0]) == "complete");
      CHECK(TypeCounts(recs[0]) == one_ssn);
    }
  }
  // A workbook's shared strings and sheet, under a column named SSN.
  const std::string sst = "<sst><si><t>SSN</t></si></sst>";
  const std::string sheet =
      "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
      "<row r=\"2\"><c r=\"A2\"><v>536228726</v></c></row></sheetData></worksheet>";
  auto book = ExtractMemory(
      WriteArchive("zip", "", {{"[Content_Types].xml", ct},
                               {"xl/sharedStrings.xml", Utf16(sst, false, true)},
                               {"xl/worksheets/sheet1.xml", Utf16(sheet, false, true)}}),
      "book.xlsx");
  REQUIRE(book.size() == 1);
  CHECK(TypeCounts(book[0]) == one_ssn);
  // An OpenDocument text.
  auto odt = ExtractMemory(
      WriteArchive("zip", "", {{"mimetype", "application/vnd.oasis.opendocument.text"},
                               {"content.xml", Utf16("<office:document-content><text:p>"
                                                     "SSN 536-22-8726</text:p>"
                                                     "</office:document-content>",
                                                     true, true)}}),
      "letter.odt");
  REQUIRE(odt.size() == 1);
  CHECK(TypeCounts(odt[0]) == one_ssn);
}
