#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/reader.h"
#include "common/model.h"
#include "tests/catalog/fixtures.h"
#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

using catalog::CatalogReader;
using catalog::CatalogWriter;
using catalog::RunStatus;
using catalog::WriterOptions;
using testing::FileMode;
using testing::MakeAsset;
using testing::MakeFinding;
using testing::MakeRunInfo;
using testing::OpenWriter;
using testing::PeekColumn;
using testing::PeekOne;

// A path no walker should ever choke on: a newline and bytes that are not UTF-8.
const std::string kHostilePath = std::string("/srv/share/Doe\nJohn\xff\xfe.csv");

std::vector<catalog::AssetRow> AllAssets(const std::string& path) {
  auto reader = CatalogReader::Open(path);
  INFO(reader.status().message());
  REQUIRE(reader.ok());
  std::vector<catalog::AssetRow> rows;
  REQUIRE((*reader)->ListAssets({}, [&](const catalog::AssetRow& a) { rows.push_back(a); }).ok());
  return rows;
}

std::vector<catalog::FindingRow> AllFindings(const std::string& path) {
  auto reader = CatalogReader::Open(path);
  REQUIRE(reader.ok());
  std::vector<catalog::FindingRow> rows;
  REQUIRE(
      (*reader)->ListFindings({}, [&](const catalog::FindingRow& f) { rows.push_back(f); }).ok());
  return rows;
}

// True when `pred` holds within two seconds.
template <typename Pred>
bool Eventually(Pred pred) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

TEST_CASE("A run round-trips through the catalog with every field intact") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  int64_t run_id = 0;
  {
    auto writer = OpenWriter(db);
    auto run = writer->BeginRun(MakeRunInfo());
    REQUIRE(run.ok());
    run_id = *run;

    AssetRecord hostile = MakeAsset(kHostilePath);
    hostile.label = "PHI";
    hostile.label_rule = "identifier_with_health_context";
    hostile.dev = 0xFFFFFFFFFFFFFFF0ull;  // above INT64_MAX: must survive the signed column
    hostile.types = {{"US_SSN", 3, 2, 85}, {"US_MBI", 1, 1, 75}};
    hostile.findings = {MakeFinding("US_SSN", 85, 10, 1, "***-**-6789", 0x11),
                        MakeFinding("US_SSN", 85, 40, 2, "***-**-1234", 0x22),
                        MakeFinding("US_MBI", 75, 90, 4, "*****-***-**")};
    writer->Submit(std::move(hostile));

    AssetRecord member = MakeAsset("/srv/share/export.zip", "notes/visit.txt");
    member.status = AssetStatus::kPartial;
    member.reason = "limit_bytes";
    member.detail = "stopped after 512 MiB";
    member.label = "PII";
    member.types = {{"EMAIL", 2, 2, 65}};
    member.findings = {MakeFinding("EMAIL", 65, 0, 1, "j***@*****.org")};
    writer->Submit(std::move(member));

    writer->Submit(MakeAsset("/srv/share/clean.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->committed() == 3);
    CHECK(writer->write_error().ok());
  }

  auto assets = AllAssets(db);
  REQUIRE(assets.size() == 3);
  // Bytewise order: "/srv/share/D" < "/srv/share/c" < "/srv/share/e".
  const catalog::AssetRow& a = assets[0];
  CHECK(a.path == kHostilePath);
  CHECK_FALSE(a.member.has_value());
  CHECK(a.kind == AssetKind::kFile);
  CHECK(a.status == AssetStatus::kComplete);
  CHECK(a.reason.empty());
  CHECK(a.size == 1234);
  CHECK(a.mtime_ns == 1'795'987'993'000'000'000);
  CHECK(a.label == "PHI");
  CHECK(a.types == std::map<std::string, uint64_t>{{"US_MBI", 1}, {"US_SSN", 3}});
  CHECK(a.max_score == 85);

  CHECK(assets[1].path == "/srv/share/clean.txt");
  CHECK(assets[1].types.empty());
  CHECK(assets[1].label.empty());

  const catalog::AssetRow& m = assets[2];
  CHECK(m.path == "/srv/share/export.zip");
  REQUIRE(m.member.has_value());
  CHECK(*m.member == "notes/visit.txt");
  CHECK(m.kind == AssetKind::kMember);
  CHECK(m.status == AssetStatus::kPartial);
  CHECK(m.reason == "limit_bytes");
  CHECK(m.label == "PII");

  auto findings = AllFindings(db);
  REQUIRE(findings.size() == 4);
  CHECK(findings[0].path == kHostilePath);
  CHECK(findings[0].type_id == "US_SSN");
  CHECK(findings[0].score == 85);
  CHECK(findings[0].start == 10);
  CHECK(findings[0].end == 10 + std::string("***-**-6789").size());
  CHECK(findings[0].line == 1);
  CHECK(findings[0].masked == "***-**-6789");
  CHECK(findings[1].start == 40);
  CHECK(findings[2].type_id == "US_MBI");
  CHECK(findings[2].line == 4);
  CHECK(findings[3].member == std::optional<std::string>("notes/visit.txt"));
  CHECK(findings[3].masked == "j***@*****.org");

  // Columns the reader API does not expose, straight from SQL.
  const std::string where = " FROM assets WHERE label = 'PHI'";
  CHECK(PeekOne(db, "SELECT ctime_ns" + where) == "1795987994500000000");
  CHECK(PeekOne(db, "SELECT dev" + where) == std::to_string(int64_t(0xFFFFFFFFFFFFFFF0ull)));
  CHECK(PeekOne(db, "SELECT ino || ' ' || mode || ' ' || uid || ' ' || gid" + where) ==
        "131073 33188 1000 1000");
  CHECK(PeekOne(db, "SELECT bytes_scanned || ' ' || label_rule || ' ' || rules_version" + where) ==
        "1200 identifier_with_health_context builtin-1");
  CHECK(PeekOne(db, "SELECT typeof(path) || ' ' || hex(member)" + where) == "blob ");
  CHECK(PeekOne(db, "SELECT first_seen_run || ' ' || last_scan_run" + where) ==
        std::to_string(run_id) + " " + std::to_string(run_id));
  CHECK(PeekOne(db, "SELECT detail FROM assets WHERE reason = 'limit_bytes'") ==
        "stopped after 512 MiB");
  CHECK(PeekOne(db, "SELECT count(*) FROM assets WHERE detail IS NULL AND reason IS NULL") == "2");
  CHECK(PeekOne(db, "SELECT unique_count FROM asset_types WHERE type_id = 'US_SSN'") == "2");
  CHECK(PeekOne(db, "SELECT hex(token) FROM findings WHERE start = 10") == std::string(64, '1'));

  // The run journal.
  CHECK(PeekOne(db, "SELECT status FROM runs") == "completed");
  CHECK(PeekOne(db,
                "SELECT assets || ' ' || bytes_scanned || ' ' || findings || ' ' || gaps"
                " FROM runs") == "3 3600 6 1");
  CHECK(PeekOne(db, "SELECT finished_at >= started_at AND started_at > 1700000000 FROM runs") ==
        "1");
  CHECK(PeekOne(db, "SELECT roots || ' ' || options || ' ' || rules_version FROM runs") ==
        R"(["/srv/share"] {"threads":4} builtin-1)");
  CHECK(PeekOne(db, "SELECT length(host) > 0 AND length(user) > 0 FROM runs") == "1");
  CHECK(PeekColumn(db,
                   "SELECT type_id || ' ' || category || ' ' || hipaa_class FROM types"
                   " ORDER BY type_id") ==
        std::vector<std::string>{"EMAIL PII 6", "US_MBI PHI 10", "US_SSN PII 7"});
  CHECK(PeekOne(db, "PRAGMA integrity_check") == "ok");
  CHECK(PeekOne(db, "PRAGMA foreign_key_check") == "<no row>");
}

TEST_CASE("Run roots are stored escaped, never as raw bytes") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  auto writer = OpenWriter(db);
  auto info = MakeRunInfo();
  info.roots = {"/srv/a\nb\xff", "/srv/quote\"d"};
  REQUIRE(writer->BeginRun(info).ok());
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(PeekOne(db, "SELECT roots FROM runs") == R"(["/srv/a\\nb\\xff","/srv/quote\"d"])");
  CHECK(PeekOne(db, "SELECT json_extract(roots, '$[0]') FROM runs") == "/srv/a\\nb\\xff");
}

TEST_CASE("The catalog, its WAL and shared-memory files are 0600 even under umask 000") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  const mode_t old_umask = umask(0);
  auto writer = CatalogWriter::Open(db);
  umask(old_umask);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());
  (*writer)->Submit(MakeAsset("/srv/share/a.txt"));
  REQUIRE(Eventually([&] { return (*writer)->committed() == 1; }));
  // While the writer is open, all three exist and hold catalog content.
  CHECK(FileMode(db) == 0600);
  CHECK(FileMode(db + "-wal") == 0600);
  CHECK(FileMode(db + "-shm") == 0600);
  REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
}

TEST_CASE("A stale world-readable -shm left beside the catalog is tightened on open") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  { OpenWriter(db); }
  testing::WriteFile(db + "-shm", "");
  REQUIRE(chmod((db + "-shm").c_str(), 0666) == 0);
  auto writer = OpenWriter(db);
  CHECK(FileMode(db + "-shm") == 0600);
}

TEST_CASE("A new catalog has 16 KiB pages; an existing one keeps its own") {
  testing::TempDir dir;
  const std::string fresh = dir.Join("fresh.db");
  {
    auto writer = OpenWriter(fresh);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    writer->Submit(MakeAsset("/srv/share/a"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  CHECK(PeekOne(fresh, "PRAGMA page_size") == "16384");

  // A catalog made with SQLite's default pages (as before this change).
  const std::string old = dir.Join("old.db");
  { OpenWriter(old); }
  REQUIRE(testing::ExecSql(old, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM;"));
  REQUIRE(PeekOne(old, "PRAGMA page_size") == "4096");
  {
    auto writer = OpenWriter(old);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    AssetRecord a = MakeAsset("/srv/share/b");
    a.findings.push_back(testing::MakeFinding("US_SSN", 85, 10, 1, "***-**-****"));
    writer->Submit(std::move(a));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  CHECK(PeekOne(old, "PRAGMA page_size") == "4096");
  CHECK(PeekOne(old, "SELECT count(*) FROM findings") == "1");
  CHECK(PeekOne(old, "PRAGMA integrity_check") == "ok");
}

TEST_CASE("Reopening an existing catalog keeps earlier runs and replaces an asset's findings") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  {
    auto writer = OpenWriter(db);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    AssetRecord a = MakeAsset("/srv/share/a.txt");
    a.types = {{"US_SSN", 2, 2, 85}};
    a.findings = {MakeFinding("US_SSN", 85, 0, 1, "***-**-0001"),
                  MakeFinding("US_SSN", 85, 20, 2, "***-**-0002")};
    writer->Submit(std::move(a));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  const uint32_t mode_before = FileMode(db);
  {
    auto writer = OpenWriter(db);
    auto run = writer->BeginRun(MakeRunInfo());
    REQUIRE(run.ok());
    CHECK(*run == 2);
    AssetRecord a = MakeAsset("/srv/share/a.txt");  // same asset, rescanned after an edit
    a.types = {{"EMAIL", 1, 1, 65}};
    a.findings = {MakeFinding("EMAIL", 65, 5, 1, "a***@*****.com")};
    writer->Submit(std::move(a));
    writer->Submit(MakeAsset("/srv/share/b.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  CHECK(FileMode(db) == mode_before);
  CHECK(PeekColumn(db, "SELECT id || ' ' || status || ' ' || assets FROM runs ORDER BY id") ==
        std::vector<std::string>{"1 completed 1", "2 completed 2"});
  auto assets = AllAssets(db);
  REQUIRE(assets.size() == 2);
  CHECK(assets[0].types == std::map<std::string, uint64_t>{{"EMAIL", 1}});
  auto findings = AllFindings(db);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].masked == "a***@*****.com");
  CHECK(PeekColumn(db, "SELECT first_seen_run || ' ' || last_scan_run FROM assets ORDER BY path") ==
        std::vector<std::string>{"1 2", "2 2"});
}

TEST_CASE("A catalog from a newer phiscan is refused, naming both versions, and left untouched") {
  testing::TempDir dir;
  const std::string db = dir.Join("future.db");
  const std::string newer = std::to_string(catalog::kSchemaVersion + 1);
  REQUIRE(testing::ExecSql(db,
                           "CREATE TABLE runs(id); CREATE TABLE assets(id);"
                           "PRAGMA user_version = " + newer + ";"));
  const std::string before = testing::ReadFile(db);
  auto writer = CatalogWriter::Open(db);
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(writer.status().message(),
             Catch::Contains("has schema version " + newer + "; this phiscan supports up to " +
                             std::to_string(catalog::kSchemaVersion)));
  CHECK_THAT(writer.status().message(), Catch::Contains(db));
  CHECK(testing::ReadFile(db) == before);
}

TEST_CASE("A SQLite file that is not a phiscan catalog is refused and left untouched") {
  testing::TempDir dir;
  const std::string db = dir.Join("other.db");
  REQUIRE(testing::ExecSql(db, "CREATE TABLE notes(body TEXT); INSERT INTO notes VALUES ('x');"));
  const std::string before = testing::ReadFile(db);
  auto writer = CatalogWriter::Open(db);
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(writer.status().message(), Catch::Contains("not a phiscan catalog"));
  CHECK(testing::ReadFile(db) == before);
  CHECK(access((db + "-wal").c_str(), F_OK) != 0);
}

TEST_CASE("A file that is not SQLite at all is refused and left untouched") {
  testing::TempDir dir;
  const std::string db = dir.Join("notes.txt");
  const std::string text(4096, 'x');
  testing::WriteFile(db, text);
  auto writer = CatalogWriter::Open(db);
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(writer.status().message(), Catch::Contains("not a phiscan catalog"));
  CHECK(testing::ReadFile(db) == text);
}

TEST_CASE("A symlinked catalog path is refused without touching the target") {
  testing::TempDir dir;
  const std::string target = dir.Join("elsewhere.db");
  const std::string link = dir.Join("phiscan.db");
  REQUIRE(symlink(target.c_str(), link.c_str()) == 0);

  SECTION("dangling: the target is not created") {
    auto writer = CatalogWriter::Open(link);
    REQUIRE_FALSE(writer.ok());
    CHECK(writer.status().code() == StatusCode::kPermissionDenied);
    CHECK_THAT(writer.status().message(), Catch::Contains("symbolic link"));
    CHECK(access(target.c_str(), F_OK) != 0);
  }
  SECTION("pointing at a real catalog") {
    { OpenWriter(target); }
    const std::string before = testing::ReadFile(target);
    auto writer = CatalogWriter::Open(link);
    REQUIRE_FALSE(writer.ok());
    CHECK(writer.status().code() == StatusCode::kPermissionDenied);
    CHECK(testing::ReadFile(target) == before);
  }
}

TEST_CASE("A catalog with a second name (a hard link) is refused, and left as it was") {
  // Each name had its own -wal and run lock: a run through each wrote the
  // one database at once and left it malformed.
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  { OpenWriter(db); }
  REQUIRE(link(db.c_str(), dir.Join("other.db").c_str()) == 0);
  const std::string before = testing::ReadFile(db);
  for (const std::string& name : {db, dir.Join("other.db")}) {
    auto writer = CatalogWriter::Open(name);
    REQUIRE_FALSE(writer.ok());
    CHECK(writer.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(writer.status().message(), Catch::Contains("has 2 names (hard links)"));
  }
  CHECK(testing::ReadFile(db) == before);
  REQUIRE(unlink(dir.Join("other.db").c_str()) == 0);
  OpenWriter(db);
}

TEST_CASE("A symlinked -wal beside the catalog is refused") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  const std::string target = dir.Join("captured");
  { OpenWriter(db); }
  REQUIRE(symlink(target.c_str(), (db + "-wal").c_str()) == 0);
  auto writer = CatalogWriter::Open(db);
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(writer.status().message(), Catch::Contains("-wal is a symbolic link"));
  CHECK(access(target.c_str(), F_OK) != 0);
}

TEST_CASE("Batches: every submitted asset is committed by FinishRun") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  WriterOptions options;
  options.batch_assets = 2;
  options.queue_capacity = 2;  // Submit must block and resume, not drop
  auto writer = OpenWriter(db, options);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  for (int i = 0; i < 5; ++i) writer->Submit(MakeAsset("/srv/share/f" + std::to_string(i)));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(writer->committed() == 5);
  CHECK(AllAssets(db).size() == 5);
  CHECK(PeekOne(db, "SELECT status || ' ' || assets FROM runs") == "completed 5");
}

TEST_CASE("Queue: a byte budget smaller than a batch holds one batch at a time, and loses none") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  WriterOptions options;
  options.batch_assets = 4;
  options.queue_bytes = 1;  // every batch is over it: it goes in only when the queue is empty
  auto writer = OpenWriter(db, options);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  size_t largest = 0;
  for (int b = 0; b < 8; ++b) {
    std::vector<AssetRecord> batch;
    size_t bytes = 0;
    for (int i = 0; i <= b % 3; ++i) {
      AssetRecord a = MakeAsset("/srv/share/b" + std::to_string(b) + "_" + std::to_string(i));
      for (int j = 0; j < 3 * b; ++j) {
        a.findings.push_back(testing::MakeFinding("US_SSN", 85, 20 * j, 1, "***-**-****",
                                                  static_cast<uint8_t>(j + 1)));
      }
      bytes += catalog::RecordFootprint(a);
      batch.push_back(std::move(a));
    }
    largest = std::max(largest, bytes);
    writer->SubmitBatch(std::move(batch));
  }
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  // Batches of 1, 2, 3, 1, 2, 3, 1 and 2 records; batch b's records hold 3b
  // findings each.
  CHECK(writer->committed() == 15);
  CHECK(PeekOne(db, "SELECT count(*) FROM findings") == "162");
  const auto stats = writer->writer_stats();
  CHECK(stats.peak_queue_bytes > 0);
  CHECK(stats.peak_queue_bytes <= largest);
}

TEST_CASE("Queue: time spent waiting for room is reported") {
  // Another connection holds the write lock, so the writer stalls on its
  // first batch; with room for one record the third submission must wait
  // until the lock is released.
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  WriterOptions options;
  options.batch_assets = 1;
  options.queue_capacity = 1;
  auto writer = OpenWriter(db, options);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  const auto held = std::chrono::milliseconds(300);
  std::thread release([&] {
    std::this_thread::sleep_for(held);
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) writer->Submit(MakeAsset("/srv/share/w" + std::to_string(i)));
  const double submitting =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  release.join();
  sqlite3_close(other);
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(writer->committed() == 4);
  const auto stats = writer->writer_stats();
  // The submissions could not all go in before the lock was released, and
  // the wait the writer counted is that delay, not more.
  CHECK(submitting >= 0.25);
  CHECK(stats.queue_wait_seconds >= 0.2);
  CHECK(stats.queue_wait_seconds <= submitting + 0.01);
}

TEST_CASE("A report reading the catalog does not hold up the end of a run") {
  // FinishRun's checkpoint must not wait out the busy timeout (5 s) for a
  // reader: it copies what it can and leaves the rest in the WAL.
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  auto writer = OpenWriter(db);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  writer->Submit(MakeAsset("/srv/share/first"));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());

  sqlite3* report = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &report, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(report, "BEGIN; SELECT count(*) FROM assets", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  writer->Submit(MakeAsset("/srv/share/second"));
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  const double finishing =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(finishing < 2.0);
  struct stat wal {};
  REQUIRE(stat((db + "-wal").c_str(), &wal) == 0);
  CHECK(wal.st_size > 0);  // the reader still needed it: left for later
  sqlite3_exec(report, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(report);

  // With no reader left, the next run's end moves the WAL into the catalog.
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  writer->Submit(MakeAsset("/srv/share/third"));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  REQUIRE(stat((db + "-wal").c_str(), &wal) == 0);
  CHECK(wal.st_size == 0);
  std::vector<std::string> paths;
  for (const auto& a : AllAssets(db)) paths.push_back(a.path);
  for (const char* p : {"/srv/share/first", "/srv/share/second", "/srv/share/third"}) {
    CHECK(std::count(paths.begin(), paths.end(), p) == 1);
  }
}

TEST_CASE("Findings of a batch each stay with their asset") {
  // Every finding lands on its own asset, with its own fields, whatever its
  // token (tokens here descend while assets ascend: the writer once
  // inserted a batch's findings in token order), and one value found in
  // several assets lists them in the order they were written.
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  WriterOptions options;
  options.batch_assets = 50;
  auto writer = OpenWriter(db, options);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  for (int i = 0; i < 40; ++i) {
    AssetRecord a = MakeAsset("/srv/share/f" + std::to_string(100 + i));
    for (int j = 0; j < 5; ++j) {
      // Tokens descend with i and j, so token order is the reverse of
      // submission order; token 0x01 is shared by every asset.
      auto byte = static_cast<uint8_t>(j == 4 ? 0x01 : 250 - i * 5 - j);
      a.findings.push_back(testing::MakeFinding("US_SSN", 85, 100 * j + i, j + 1, "***-**-****", byte));
    }
    writer->Submit(std::move(a));
  }
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  // Each asset's findings: the right starts, lines and tokens, whatever the
  // order rows were inserted in.
  for (int i = 0; i < 40; ++i) {
    const std::string path = "/srv/share/f" + std::to_string(100 + i);
    std::string rows = PeekOne(
        db, "SELECT group_concat(x, ' ') FROM (SELECT f.start || ':' || f.line || ':' ||"
            " hex(substr(f.token, 1, 1)) AS x FROM findings f JOIN assets a ON a.id = f.asset_id"
            " WHERE a.path = CAST('" + path + "' AS BLOB) ORDER BY f.start)");
    std::string want;
    for (int j = 0; j < 5; ++j) {
      char hex[3];
      std::snprintf(hex, sizeof hex, "%02X", j == 4 ? 0x01 : 250 - i * 5 - j);
      want += (j ? " " : "") + std::to_string(100 * j + i) + ":" + std::to_string(j + 1) + ":" + hex;
    }
    CHECK(rows == want);
  }
  // The value all assets share, by finding id: in submission order.
  std::string want_order, shared_hex;
  for (int i = 0; i < 40; ++i) want_order += (i ? ",/srv/share/f" : "/srv/share/f") + std::to_string(100 + i);
  for (int k = 0; k < 32; ++k) shared_hex += "01";
  CHECK(PeekOne(db, "SELECT group_concat(p, ',') FROM (SELECT CAST(a.path AS TEXT) AS p"
                    " FROM findings f JOIN assets a ON a.id = f.asset_id"
                    " WHERE f.token = x'" + shared_hex + "' ORDER BY f.id)") == want_order);
}

TEST_CASE("A path written twice in one batch keeps only the second write's findings") {
  // Overlapping roots hand the same file on twice. The second write replaces
  // the first, findings included.
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  auto writer = OpenWriter(db);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  for (uint64_t start : {10, 20}) {
    AssetRecord a = MakeAsset("/srv/share/twice.txt");
    a.types = {{"EMAIL", 1, 1, 85}};
    a.findings = {testing::MakeFinding("EMAIL", 85, start, 1, "***@***.***", 0x33)};
    writer->Submit(std::move(a));
  }
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(PeekOne(db, "SELECT count(*) FROM assets") == "1");
  CHECK(PeekOne(db, "SELECT group_concat(start) FROM findings") == "20");
  CHECK(PeekOne(db, "SELECT count FROM asset_types") == "1");
}

TEST_CASE("A finding's token_prefix is its token's first 8 bytes as a signed big-endian integer") {
  // The key findings are looked up by (catalog/migrations/v5.sql); the
  // values are written out here, not computed the way the writer does.
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  auto writer = OpenWriter(db);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  AssetRecord a = MakeAsset("/srv/share/tokens.txt");
  const std::vector<std::vector<uint8_t>> heads = {
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
      {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef},
      {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
      {0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
      {0xf3, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01},
      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
  };
  for (size_t i = 0; i < heads.size(); ++i) {
    FindingRecord f = testing::MakeFinding("US_SSN", 85, 10 * i, 1, "***-**-****", 0x5a);
    std::copy(heads[i].begin(), heads[i].end(), f.token.begin());
    a.findings.push_back(f);
  }
  writer->Submit(std::move(a));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(PeekColumn(db, "SELECT token_prefix FROM findings ORDER BY start") ==
        std::vector<std::string>{"0", "81985529216486895", "9223372036854775807",
                                 "-9223372036854775808", "-936748722493063167", "-1"});
}

TEST_CASE("Batches commit on count and on time, before the run finishes") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");

  SECTION("a full batch commits without waiting for the clock") {
    WriterOptions options;
    options.batch_assets = 2;
    options.batch_millis = 60'000;
    auto writer = OpenWriter(db, options);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    for (int i = 0; i < 3; ++i) writer->Submit(MakeAsset("/srv/share/f" + std::to_string(i)));
    REQUIRE(Eventually([&] { return writer->committed() >= 2; }));
    // A second connection sees the committed batch while the scan goes on.
    CHECK(PeekOne(db, "SELECT count(*) FROM assets") == "2");
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->committed() == 3);
  }
  SECTION("a lone record commits once batch_millis has passed") {
    WriterOptions options;
    options.batch_assets = 1000;
    options.batch_millis = 20;
    auto writer = OpenWriter(db, options);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    writer->Submit(MakeAsset("/srv/share/only"));
    REQUIRE(Eventually([&] { return writer->committed() == 1; }));
    CHECK(PeekOne(db, "SELECT count(*) FROM assets") == "1");
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
}

TEST_CASE("Destroying the writer mid-run commits what was queued and marks the run interrupted") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  {
    WriterOptions options;
    options.batch_millis = 60'000;  // nothing commits on its own before the destructor
    auto writer = OpenWriter(db, options);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    for (int i = 0; i < 3; ++i) writer->Submit(MakeAsset("/srv/share/f" + std::to_string(i)));
  }
  CHECK(
      PeekOne(db, "SELECT status || ' ' || assets || ' ' || (finished_at IS NOT NULL) FROM runs") ==
      "interrupted 3 1");
  CHECK(AllAssets(db).size() == 3);
  CHECK(PeekOne(db, "PRAGMA integrity_check") == "ok");
}

TEST_CASE("A record that cannot be written is reported without losing the rest of its batch") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  WriterOptions options;
  options.batch_assets = 10;
  auto writer = OpenWriter(db, options);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  // The good records carry findings: the replay after the failure must
  // write the first one's again with its asset, and the batch must go on
  // to the record after the bad one.
  AssetRecord good1 = MakeAsset("/srv/share/good1");
  good1.findings = {testing::MakeFinding("US_SSN", 85, 10, 1, "***-**-****", 0x21)};
  writer->Submit(std::move(good1));
  AssetRecord bad = MakeAsset("/srv/share/bad");
  bad.types = {{"US_SSN", 1, 1, 85}, {"US_SSN", 2, 1, 85}};  // one type twice: PRIMARY KEY clash
  bad.findings = {testing::MakeFinding("US_SSN", 85, 30, 3, "***-**-****", 0x22)};
  writer->Submit(std::move(bad));
  AssetRecord good2 = MakeAsset("/srv/share/good2");
  good2.findings = {testing::MakeFinding("US_SSN", 85, 20, 2, "***-**-****", 0x20)};
  writer->Submit(std::move(good2));
  Status finish = writer->FinishRun(RunStatus::kCompleted);

  CHECK_FALSE(finish.ok());
  CHECK_FALSE(writer->write_error().ok());
  CHECK_THAT(writer->write_error().message(), Catch::Contains("/srv/share/bad"));
  CHECK(writer->committed() == 2);
  auto assets = AllAssets(db);
  REQUIRE(assets.size() == 2);
  CHECK(assets[0].path == "/srv/share/good1");
  CHECK(assets[1].path == "/srv/share/good2");
  // The failed asset left no partial rows behind; the good ones kept theirs.
  CHECK(PeekOne(db, "SELECT count(*) FROM asset_types") == "0");
  CHECK(PeekOne(db, "SELECT group_concat(x, ' ') FROM (SELECT CAST(a.path AS TEXT) || ':' ||"
                    " f.start AS x FROM findings f JOIN assets a ON a.id = f.asset_id"
                    " ORDER BY a.path)") == "/srv/share/good1:10 /srv/share/good2:20");
  // A run that lost an asset must not claim to be complete.
  CHECK(PeekOne(db, "SELECT status || ' ' || assets FROM runs") == "failed 2");
}

TEST_CASE("A second run on the same writer starts after the first finishes") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  auto writer = OpenWriter(db);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  CHECK(writer->BeginRun(MakeRunInfo()).status().code() == StatusCode::kInvalidArgument);
  writer->Submit(MakeAsset("/srv/share/a"));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(writer->FinishRun(RunStatus::kCompleted).code() == StatusCode::kInvalidArgument);
  auto second = writer->BeginRun(MakeRunInfo());
  REQUIRE(second.ok());
  CHECK(writer->committed() == 0);
  writer->Submit(MakeAsset("/srv/share/b"));
  REQUIRE(writer->FinishRun(RunStatus::kFailed).ok());
  CHECK(PeekColumn(db, "SELECT status || ' ' || assets FROM runs ORDER BY id") ==
        std::vector<std::string>{"completed 1", "failed 1"});
}

// A run writes with foreign key enforcement off (BeginRun) and turns it back
// on when it finishes: a prune on the same writer afterwards must still
// cascade an asset's deletion to its types, findings and history.
TEST_CASE("A prune after runs on the same writer deletes a removed asset's rows with it") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  auto writer = OpenWriter(db);
  auto scan = [&](bool with_a) {
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    if (with_a) {
      AssetRecord a = MakeAsset("/srv/share/a.txt");
      a.types = {{"US_SSN", 2, 2, 85}};
      a.findings = {MakeFinding("US_SSN", 85, 0, 1, "***-**-0001"),
                    MakeFinding("US_SSN", 85, 20, 2, "***-**-0002")};
      writer->Submit(std::move(a));
    }
    writer->Submit(MakeAsset("/srv/share/b.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  };
  scan(true);
  scan(false);  // a.txt is gone: marked removed in run 2
  scan(false);
  CHECK(PeekOne(db, "SELECT count(*) FROM findings") == "2");
  auto pruned = writer->Prune(1, 0);
  REQUIRE(pruned.ok());
  CHECK(pruned->assets_deleted == 1);
  CHECK(PeekColumn(db, "SELECT path FROM assets") == std::vector<std::string>{"/srv/share/b.txt"});
  CHECK(PeekOne(db, "SELECT count(*) FROM findings") == "0");
  CHECK(PeekOne(db, "SELECT count(*) FROM asset_types") == "0");
  CHECK(PeekOne(db, "SELECT count(DISTINCT asset_id) FROM asset_history") == "1");
  CHECK(PeekOne(db, "PRAGMA foreign_key_check") == "<no row>");
}

TEST_CASE("The schema's enum name tables match the names this build prints") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  { OpenWriter(db); }
  CHECK(PeekOne(db, "PRAGMA user_version") == std::to_string(catalog::kSchemaVersion));
  // If model.h gains a value, a migration must seed its name: this fails
  // until it does. Codes are the enum values, so the lists must line up.
  std::vector<std::string> statuses;
  for (int code = 0; std::string(AssetStatusName(static_cast<AssetStatus>(code))) != "unknown";
       ++code) {
    statuses.push_back(std::to_string(code) + " " +
                       AssetStatusName(static_cast<AssetStatus>(code)));
  }
  CHECK(statuses.size() == 9);
  CHECK(PeekColumn(db, "SELECT code || ' ' || name FROM status_names ORDER BY code") == statuses);
  std::vector<std::string> kinds;
  for (int code = 0; std::string(AssetKindName(static_cast<AssetKind>(code))) != "unknown";
       ++code) {
    kinds.push_back(std::to_string(code) + " " + AssetKindName(static_cast<AssetKind>(code)));
  }
  CHECK(kinds.size() == 5);
  CHECK(PeekColumn(db, "SELECT code || ' ' || name FROM kind_names ORDER BY code") == kinds);
}

}  // namespace
}  // namespace phiscan
