// Schema migrations: a catalog written by an older phiscan is upgraded in
// place, step by step, with its data intact; a newer one is refused.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/internal/schema.h"
#include "catalog/reader.h"
#include "common/model.h"
#include "tests/catalog/fixtures.h"
#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

using catalog::CatalogReader;
using catalog::CatalogWriter;
using catalog::RunStatus;
using testing::ExecSql;
using testing::FileMode;
using testing::MakeAsset;
using testing::MakeRunInfo;
using testing::PeekColumn;
using testing::PeekOne;

// A version-1 catalog as phiscan 0.1 wrote it: the schema text kept as
// migration step 1, one finished run, one left 'running' by a crash, a
// world-readable PHI file with a finding, and a private clean file.
void BuildVersion1(const std::string& db) {
  const auto steps = catalog::internal::MigrationSteps();
  REQUIRE(steps[0].version == 1);
  std::string sql =
      "BEGIN;" + std::string(steps[0].sql) +
      "PRAGMA user_version = 1;"
      "INSERT INTO runs (id, started_at, finished_at, status, roots, options,"
      " rules_version, host, user, assets) VALUES"
      " (1, 1795987000, 1795987100, 'completed', '[\"/srv/share\"]', '{}', 'r1',"
      " 'h', 'u', 2),"
      " (2, 1795988000, NULL, 'running', '[\"/srv/share\"]', '{}', 'r1', 'h', 'u', 0);"
      "INSERT INTO types VALUES (1, 'US_SSN', 'SSN', 'PII', 7);"
      "INSERT INTO assets (id, path, kind, status, size, mode, label,"
      " rules_version, first_seen_run, last_scan_run) VALUES"
      " (1, CAST('/srv/share/open.csv' AS BLOB), 0, 0, 10, 33188, 'PHI', 'r1', 1, 1),"
      " (2, CAST('/srv/share/private.txt' AS BLOB), 0, 0, 20, 33152, 'NONE', 'r1', 1, 1);"
      "INSERT INTO asset_types VALUES (1, 'US_SSN', 1, 1, 90);"
      "INSERT INTO findings (asset_id, type_id, score, start, \"end\", line, masked,"
      " token) VALUES (1, 'US_SSN', 90, 0, 11, 1, '***-**-****', zeroblob(32));"
      "COMMIT;";
  REQUIRE(ExecSql(db, sql));
  REQUIRE(PeekOne(db, "PRAGMA user_version") == "1");
}

// The indexes version 3 adds for the reports (catalog/migrations/v3.sql).
const std::vector<std::string> kReportIndexes = {"asset_types_by_type", "assets_by_label",
                                                 "assets_exposed", "assets_gaps"};

std::vector<std::string> ReportIndexes(const std::string& db) {
  return PeekColumn(db,
                    "SELECT name FROM sqlite_schema WHERE type = 'index' AND name IN"
                    " ('asset_types_by_type', 'assets_by_label', 'assets_exposed', 'assets_gaps')"
                    " ORDER BY name");
}

// A version-2 catalog as phiscan wrote it before the report indexes: steps 1
// and 2, one completed run with a removed asset, an exposed PHI file with a
// type, a private clean file and a partially scanned one.
void BuildVersion2(const std::string& db) {
  const auto steps = catalog::internal::MigrationSteps();
  REQUIRE(steps[1].version == 2);
  std::string sql =
      "BEGIN;" + std::string(steps[0].sql) + std::string(steps[1].sql) +
      "PRAGMA user_version = 2;"
      "INSERT INTO runs (id, started_at, finished_at, status, roots, options,"
      " rules_version, host, user, assets) VALUES"
      " (1, 1795987000, 1795987100, 'completed', '[\"/srv/share\"]', '{}', 'r1',"
      " 'h', 'u', 4);"
      "INSERT INTO run_roots VALUES (1, CAST('/srv/share' AS BLOB));"
      "INSERT INTO types VALUES (1, 'US_SSN', 'SSN', 'PII', 7, 'digits');"
      "INSERT INTO assets (id, path, kind, status, reason, size, mode, label, rules_version,"
      " first_seen_run, last_scan_run, last_seen_run, removed_run, readable_by, exposed,"
      " bytes_scanned) VALUES"
      " (1, CAST('/srv/share/open.csv' AS BLOB), 0, 0, NULL, 10, 33188, 'PHI', 'r1', 1, 1, 1,"
      "  NULL, 'everyone', 1, 10),"
      " (2, CAST('/srv/share/private.txt' AS BLOB), 0, 0, NULL, 20, 33152, 'NONE', 'r1', 1, 1, 1,"
      "  NULL, 'owner', 0, 20),"
      " (3, CAST('/srv/share/big.log' AS BLOB), 0, 1, 'limit_size', 30, 33152, 'NONE', 'r1', 1,"
      "  1, 1, NULL, 'owner', 0, 25),"
      " (4, CAST('/srv/share/gone.csv' AS BLOB), 0, 0, NULL, 40, 33188, 'PHI', 'r1', 1, 1, 1,"
      "  1, 'everyone', 1, 40);"
      "INSERT INTO asset_types VALUES (1, 'US_SSN', 1, 1, 90), (4, 'US_SSN', 1, 1, 90);"
      "COMMIT;";
  REQUIRE(ExecSql(db, sql));
  REQUIRE(PeekOne(db, "PRAGMA user_version") == "2");
}

TEST_CASE("A version-1 catalog is upgraded in place to the current version with its data") {
  testing::TempDir dir;
  const std::string db = dir.Join("old.db");
  BuildVersion1(db);

  SECTION("the reader refuses it until a scan upgrades it") {
    auto reader = CatalogReader::Open(db);
    REQUIRE_FALSE(reader.ok());
    CHECK_THAT(reader.status().message(), Catch::Contains("run a phiscan scan on it once"));
    CHECK(PeekOne(db, "PRAGMA user_version") == "1");
  }

  SECTION("opening it for writing upgrades it") {
    {
      auto writer = CatalogWriter::Open(db);
      INFO(writer.status().message());
      REQUIRE(writer.ok());
      // The crashed run has no pid (version 1), so it cannot be running now.
      CHECK((*writer)->stale_runs_marked() == 1);
    }
    CHECK(PeekOne(db, "PRAGMA user_version") == std::to_string(catalog::kSchemaVersion));
    CHECK(PeekColumn(db, "SELECT id || ' ' || status FROM runs ORDER BY id") ==
          std::vector<std::string>{"1 completed", "2 interrupted"});
    // Roots recovered as raw bytes; exposure derived from the mode bits.
    CHECK(PeekColumn(db, "SELECT CAST(root AS TEXT) FROM run_roots WHERE run_id = 1") ==
          std::vector<std::string>{"/srv/share"});
    CHECK(PeekColumn(db,
                     "SELECT readable_by || ' ' || exposed || ' ' || last_seen_run || ' ' ||"
                     " coalesce(removed_run, '-') FROM assets ORDER BY id") ==
          std::vector<std::string>{"everyone 1 1 -", "owner 0 1 -"});
    CHECK(PeekOne(db, "SELECT count(*) FROM asset_history WHERE run_id = 1") == "2");
    CHECK(ReportIndexes(db) == kReportIndexes);

    auto reader = CatalogReader::Open(db);
    INFO(reader.status().message());
    REQUIRE(reader.ok());
    auto summary = (*reader)->GetSummary({});
    REQUIRE(summary.ok());
    CHECK(summary->assets == 2);
    CHECK(summary->exposed == 1);
    CHECK(summary->by_hipaa_class == std::map<int, uint64_t>{{7, 1}});
    std::vector<catalog::FindingRow> findings;
    REQUIRE((*reader)
                ->ListFindings({}, [&](const catalog::FindingRow& f) { findings.push_back(f); })
                .ok());
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].masked == "***-**-****");
  }

  SECTION("the upgraded catalog takes new runs, and its old assets are carried over") {
    auto writer = CatalogWriter::Open(db);
    REQUIRE(writer.ok());
    std::vector<catalog::PriorAsset> prior;
    REQUIRE((*writer)
                ->ForEachPriorAsset([&](const catalog::PriorAsset& p) { prior.push_back(p); })
                .ok());
    REQUIRE(prior.size() == 2);
    CHECK(prior[0].rules_version == "r1");
    CHECK(prior[0].key_id.empty());  // version 1 did not record keys
    auto run = (*writer)->BeginRun(MakeRunInfo());
    REQUIRE(run.ok());
    CHECK(*run == 3);
    REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
  }
}

TEST_CASE("A version-2 catalog gains the report indexes, and reports read the same through them") {
  testing::TempDir dir;
  const std::string db = dir.Join("old.db");
  BuildVersion2(db);
  CHECK(ReportIndexes(db).empty());
  { REQUIRE(CatalogWriter::Open(db).ok()); }
  CHECK(PeekOne(db, "PRAGMA user_version") == std::to_string(catalog::kSchemaVersion));
  CHECK(ReportIndexes(db) == kReportIndexes);
  // The partial indexes hold the existing rows they cover.
  CHECK(PeekOne(db, "SELECT count(*) FROM assets INDEXED BY assets_exposed WHERE exposed = 1") ==
        "2");
  CHECK(PeekOne(db, "SELECT count(*) FROM assets INDEXED BY assets_gaps WHERE status <> 0") == "1");

  auto reader = CatalogReader::Open(db);
  INFO(reader.status().message());
  REQUIRE(reader.ok());
  auto summary = (*reader)->GetSummary({});
  REQUIRE(summary.ok());
  CHECK(summary->assets == 3);
  CHECK(summary->bytes_scanned == 55);
  CHECK(summary->sensitive == 1);
  CHECK(summary->exposed == 1);
  CHECK(summary->removed == 1);
  CHECK(summary->by_status == std::map<std::string, uint64_t>{{"complete", 2}, {"partial", 1}});
  CHECK(summary->by_label == std::map<std::string, uint64_t>{{"NONE", 2}, {"PHI", 1}});
  CHECK(summary->by_exposure == std::map<std::string, uint64_t>{{"everyone", 1}});
  auto paths = [&](const catalog::Filter& f) {
    std::vector<std::string> out;
    REQUIRE(
        (*reader)->ListAssets(f, [&](const catalog::AssetRow& a) { out.push_back(a.path); }).ok());
    return out;
  };
  catalog::Filter f;
  f.label = "PHI";
  CHECK(paths(f) == std::vector<std::string>{"/srv/share/open.csv"});
  f = {};
  f.exposed_only = true;
  CHECK(paths(f) == std::vector<std::string>{"/srv/share/open.csv"});
  f = {};
  f.status = AssetStatus::kPartial;
  CHECK(paths(f) == std::vector<std::string>{"/srv/share/big.log"});
  f = {};
  f.type_id = "US_SSN";
  f.min_score = MinScoreFor(Confidence::kHigh);
  CHECK(paths(f) == std::vector<std::string>{"/srv/share/open.csv"});
}

// One completed run recording /srv/share/open.csv (a PHI file of fixed
// identity) as `edit` leaves it.
void RecordOpenCsv(catalog::CatalogWriter& writer, const std::function<void(AssetRecord&)>& edit) {
  auto info = MakeRunInfo();
  info.allow_empty_roots = true;
  REQUIRE(writer.BeginRun(info).ok());
  AssetRecord a = MakeAsset("/srv/share/open.csv");
  a.size = 10;
  a.mtime_ns = 0;
  a.ino = 0;
  a.mode = 0100644;
  a.label = "PHI";
  edit(a);
  writer.Submit(std::move(a));
  REQUIRE(writer.FinishRun(RunStatus::kCompleted).ok());
}

// diff's rows from run `from` to `to`, each as `line` writes it.
std::vector<std::string> DiffLines(
    const std::string& db, int64_t from, int64_t to,
    const std::function<std::string(const catalog::DiffRow&)>& line) {
  auto reader = CatalogReader::Open(db);
  REQUIRE(reader.ok());
  std::vector<std::string> out;
  REQUIRE(
      (*reader)->Diff(from, to, [&](const catalog::DiffRow& d) { out.push_back(line(d)); }).ok());
  return out;
}

TEST_CASE("A version-3 catalog gains the findings digest in its history; old rows compare as unknown") {
  testing::TempDir dir;
  const std::string db = dir.Join("old.db");
  BuildVersion2(db);
  const auto steps = catalog::internal::MigrationSteps();
  REQUIRE(steps[2].version == 3);
  REQUIRE(ExecSql(db, "BEGIN;" + std::string(steps[2].sql) +
                          "PRAGMA user_version = 3;"
                          "INSERT INTO asset_history (asset_id, run_id, event, status, label,"
                          " exposed, size, mtime_ns, ino) VALUES (1, 1, 'scanned', 0, 'PHI', 1,"
                          " 10, 0, 0);"
                          "COMMIT;"));
  CHECK(PeekOne(db, "SELECT count(*) FROM pragma_table_info('asset_history')"
                    " WHERE name = 'types_digest'") == "0");

  auto writer = testing::OpenWriter(db);
  CHECK(PeekOne(db, "PRAGMA user_version") == std::to_string(catalog::kSchemaVersion));
  CHECK(PeekOne(db, "SELECT coalesce(types_digest, 'null') FROM asset_history") == "null");

  // open.csv read again by version 4 with other counts: against the
  // version-3 row nothing is known, so nothing is reported...
  auto scan = [&](uint64_t count) {
    RecordOpenCsv(*writer, [&](AssetRecord& a) { a.types = {{"US_SSN", count, count, 90}}; });
  };
  scan(5);
  auto changes = [&](int64_t from, int64_t to) {
    return DiffLines(db, from, to,
                     [](const catalog::DiffRow& d) { return d.change + " " + d.path; });
  };
  CHECK(changes(1, 2).empty());
  // ...between two version-4 rows it is.
  scan(7);
  CHECK(changes(2, 3) == std::vector<std::string>{"findings_changed /srv/share/open.csv"});
  scan(7);
  CHECK(changes(3, 4).empty());
}

TEST_CASE(
    "A version-7 catalog gains who could read each asset in its history; old rows compare "
    "as unknown") {
  testing::TempDir dir;
  const std::string db = dir.Join("old.db");
  BuildVersion2(db);
  const auto steps = catalog::internal::MigrationSteps();
  std::string upgrade = "BEGIN;";
  for (size_t i = 2; i < 7; ++i) upgrade += std::string(steps[i].sql);
  REQUIRE(steps[6].version == 7);
  REQUIRE(ExecSql(db, upgrade +
                          "PRAGMA user_version = 7;"
                          "INSERT INTO asset_history (asset_id, run_id, event, status, label,"
                          " exposed, size, mtime_ns, ino) VALUES (1, 1, 'scanned', 0, 'PHI', 1,"
                          " 10, 0, 0);"
                          "COMMIT;"));
  CHECK(PeekOne(db,
                "SELECT count(*) FROM pragma_table_info('asset_history')"
                " WHERE name IN ('readable_by', 'access_digest')") == "0");

  auto writer = testing::OpenWriter(db);
  CHECK(PeekOne(db, "PRAGMA user_version") == std::to_string(catalog::kSchemaVersion));
  CHECK(PeekOne(db,
                "SELECT coalesce(access_digest, 'null') || ' ' ||"
                " coalesce(readable_by, 'null') FROM asset_history") == "null null");
  auto scan = [&](uint32_t mode, uint32_t uid) {
    RecordOpenCsv(*writer, [&](AssetRecord& a) {
      a.mode = mode;
      a.uid = uid;
    });
  };
  auto changes = [&](int64_t from, int64_t to) {
    return DiffLines(db, from, to, [](const catalog::DiffRow& d) {
      return d.change + " " + d.readable_by_before + " " + d.readable_by_after;
    });
  };
  // Against the version-7 row nothing is known about access...
  scan(0100600, 1000);
  CHECK(changes(1, 2) == std::vector<std::string>{"no_longer_exposed  owner"});
  // ...between two version-8 rows it is: owner to group, a new owner.
  scan(0100640, 1000);
  CHECK(changes(2, 3) == std::vector<std::string>{"access_changed owner group"});
  scan(0100640, 1001);
  CHECK(changes(3, 4) == std::vector<std::string>{"access_changed group group"});
  scan(0100640, 1001);
  CHECK(changes(4, 5).empty());
}

TEST_CASE("Upgrading to version 6 knows the databases whose write-ahead log was recorded") {
  // An incremental scan looks for a live database's log only beside assets
  // recorded as SQLite (tools/prior_state.cc); a catalog from before version
  // 6 recorded no formats, but a log recorded beside a file says what it is.
  testing::TempDir dir;
  const std::string db = dir.Join("old.db");
  BuildVersion2(db);
  const auto steps = catalog::internal::MigrationSteps();
  REQUIRE(steps[4].version == 5);
  REQUIRE(ExecSql(
      db, "BEGIN;" + std::string(steps[2].sql) + std::string(steps[3].sql) +
              std::string(steps[4].sql) +
              "PRAGMA user_version = 5;"
              "INSERT INTO assets (id, path, kind, status, size, mode, label, rules_version,"
              " first_seen_run, last_scan_run, last_seen_run, readable_by, exposed,"
              " bytes_scanned) VALUES"
              " (5, CAST('/srv/share/app.db' AS BLOB), 0, 0, 4096, 33152, 'PHI', 'r1', 1, 1, 1,"
              "  'owner', 0, 4096),"
              " (6, CAST('/srv/share/app.db-wal' AS BLOB), 0, 2, 8272, 33152, 'NONE', 'r1', 1,"
              "  1, 1, 'owner', 0, 0);"
              "INSERT INTO assets (id, path, member, kind, status, size, mode, label,"
              " rules_version, first_seen_run, last_scan_run, last_seen_run, readable_by,"
              " exposed, bytes_scanned) VALUES"
              " (7, CAST('/srv/share/app.db' AS BLOB), CAST('patients' AS BLOB), 2, 0, 40, 33152,"
              "  'PHI', 'r1', 1, 1, 1, 'owner', 0, 40);"
              "COMMIT;"));
  { REQUIRE(CatalogWriter::Open(db).ok()); }
  CHECK(PeekOne(db, "PRAGMA user_version") == std::to_string(catalog::kSchemaVersion));
  CHECK(PeekColumn(db, "SELECT id || ':' || coalesce(format, '-') FROM assets ORDER BY id") ==
        std::vector<std::string>{"1:-", "2:-", "3:-", "4:-", "5:sqlite", "6:-", "7:-"});
}

TEST_CASE("Upgrading to version 7 takes NONE off assets never read, and summary counts formats") {
  // Before version 7 an encrypted, skipped or unreadable asset was labelled
  // NONE like a file read and found clean; `--label NONE` listed it as clean.
  testing::TempDir dir;
  const std::string db = dir.Join("old.db");
  BuildVersion2(db);
  const auto steps = catalog::internal::MigrationSteps();
  REQUIRE(steps[5].version == 6);
  const std::string cols =
      "INSERT INTO assets (id, path, member, kind, status, reason, size, mode, label,"
      " rules_version, first_seen_run, last_scan_run, last_seen_run, readable_by,"
      " exposed, bytes_scanned, format) VALUES";
  REQUIRE(ExecSql(
      db, "BEGIN;" + std::string(steps[2].sql) + std::string(steps[3].sql) +
              std::string(steps[4].sql) + std::string(steps[5].sql) +
              "PRAGMA user_version = 6;"
              "UPDATE assets SET format = 'text' WHERE id IN (1, 2, 3);" +
              cols +
              // Never read: an encrypted PDF, a skipped binary, a file never
              // readable, a member cut at the depth limit, a file that
              // changed between the walk and its open.
              " (5, CAST('/srv/share/locked.pdf' AS BLOB), x'', 0, 2, 'password_protected',"
              "  50, 33152, 'NONE', 'r1', 1, 1, 1, 'owner', 0, 0, 'pdf'),"
              " (6, CAST('/srv/share/tool.bin' AS BLOB), x'', 0, 3, 'binary', 60, 33152, 'NONE',"
              "  'r1', 1, 1, 1, 'owner', 0, 0, 'binary'),"
              " (7, CAST('/srv/share/hr.csv' AS BLOB), x'', 0, 4, 'permission_denied', 70,"
              "  33152, 'NONE', 'r1', 1, 1, 1, 'owner', 0, 0, NULL),"
              " (12, CAST('/srv/share/deep.zip' AS BLOB), CAST('inner.zip' AS BLOB), 2, 1,"
              "  'limit_depth', 80, 33152, 'NONE', 'r1', 1, 1, 1, 'owner', 0, 0, 'archive'),"
              " (13, CAST('/srv/share/moved.txt' AS BLOB), x'', 0, 6, 'modified_during_read',"
              "  90, 33152, 'NONE', 'r1', 1, 1, 1, 'owner', 0, 0, NULL),"
              // Read, nothing found: an encrypted .doc whose summary was read,
              // a file changed while it was read, a file read clean before it
              // became unreadable (its history says so), a container whose
              // member was recorded.
              " (8, CAST('/srv/share/report.doc' AS BLOB), x'', 0, 2, 'password_protected', 80,"
              "  33152, 'NONE', 'r1', 1, 1, 1, 'owner', 0, 40, 'doc'),"
              " (9, CAST('/srv/share/changed.txt' AS BLOB), x'', 0, 6, 'modified_during_read',"
              "  90, 33152, 'NONE', 'r1', 1, 1, 1, 'owner', 0, 90, 'text'),"
              " (10, CAST('/srv/share/was-read.csv' AS BLOB), x'', 0, 4, 'permission_denied',"
              "  100, 33152, 'NONE', 'r1', 1, 1, 1, 'owner', 0, 0, NULL),"
              " (11, CAST('/srv/share/deep.zip' AS BLOB), x'', 0, 1, 'limit_depth', 110, 33152,"
              "  'NONE', 'r1', 1, 1, 1, 'owner', 0, 0, 'archive');"
              "INSERT INTO asset_history (asset_id, run_id, event, status, label) VALUES"
              " (10, 1, 'scanned', 0, 'NONE'), (7, 1, 'scanned', 4, 'NONE');"
              "COMMIT;"));
  { REQUIRE(CatalogWriter::Open(db).ok()); }
  CHECK(PeekOne(db, "PRAGMA user_version") == std::to_string(catalog::kSchemaVersion));
  CHECK(PeekColumn(db, "SELECT id || ':' || coalesce(label, '-') FROM assets ORDER BY id") ==
        std::vector<std::string>{"1:PHI", "2:NONE", "3:NONE", "4:PHI", "5:-", "6:-", "7:-",
                                 "8:NONE", "9:NONE", "10:NONE", "11:NONE", "12:-", "13:-"});
  CHECK(PeekColumn(db, "SELECT name FROM pragma_index_info('assets_by_label') ORDER BY seqno") ==
        std::vector<std::string>{"label", "status", "readable_by", "exposed", "format", "id",
                                 "bytes_scanned", "removed_run"});

  auto reader = CatalogReader::Open(db);
  INFO(reader.status().message());
  REQUIRE(reader.ok());
  auto summary = (*reader)->GetSummary({});
  REQUIRE(summary.ok());
  CHECK(summary->assets == 12);
  CHECK(summary->by_label == std::map<std::string, uint64_t>{{"NONE", 6}, {"PHI", 1}});
  CHECK(summary->unlabelled == 5);
  CHECK(summary->by_format == std::map<std::string, uint64_t>{{"archive", 2},
                                                              {"binary", 1},
                                                              {"doc", 1},
                                                              {"pdf", 1},
                                                              {"text", 4}});
  catalog::Filter f;
  f.label = "NONE";
  std::vector<std::string> clean;
  REQUIRE((*reader)
              ->ListAssets(f, [&](const catalog::AssetRow& a) { clean.push_back(a.path); })
              .ok());
  CHECK(clean == std::vector<std::string>{"/srv/share/big.log", "/srv/share/changed.txt",
                                          "/srv/share/deep.zip", "/srv/share/private.txt",
                                          "/srv/share/report.doc", "/srv/share/was-read.csv"});
}

TEST_CASE("A version-4 catalog's findings are keyed by token prefix, and locate finds them") {
  testing::TempDir dir;
  const std::string db = dir.Join("old.db");
  BuildVersion2(db);
  const auto steps = catalog::internal::MigrationSteps();
  REQUIRE(steps[3].version == 4);
  // open.csv holds four findings whose tokens' first 8 bytes span the
  // sign bit; the last two share them and differ in their final byte.
  const std::string rest(48, 'A');  // hex of 24 bytes 0xaa
  REQUIRE(ExecSql(
      db, "BEGIN;" + std::string(steps[2].sql) + std::string(steps[3].sql) +
              "PRAGMA user_version = 4;"
              "INSERT INTO findings (asset_id, type_id, score, start, \"end\", line, masked,"
              " token) VALUES"
              " (1, 'US_SSN', 90, 0, 11, 1, '***-**-****', zeroblob(32)),"
              " (1, 'US_SSN', 90, 20, 31, 2, '***-**-****', x'0123456789ABCDEF" + rest + "'),"
              " (1, 'US_SSN', 90, 40, 51, 3, '***-**-****', x'F300000000000001" + rest + "'),"
              " (1, 'US_SSN', 90, 60, 71, 4, '***-**-****', x'F300000000000001" +
              rest.substr(2) + "BB');"
              "COMMIT;"));
  CHECK(PeekOne(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'findings_by_token'") == "1");

  { REQUIRE(CatalogWriter::Open(db).ok()); }
  CHECK(PeekOne(db, "PRAGMA user_version") == std::to_string(catalog::kSchemaVersion));
  CHECK(PeekColumn(db, "SELECT token_prefix FROM findings ORDER BY start") ==
        std::vector<std::string>{"0", "81985529216486895", "-936748722493063167",
                                 "-936748722493063167"});
  CHECK(PeekColumn(db,
                   "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'findings'"
                   " ORDER BY name") ==
        std::vector<std::string>{"findings_by_asset", "findings_by_token_prefix"});

  auto reader = CatalogReader::Open(db);
  INFO(reader.status().message());
  REQUIRE(reader.ok());
  auto locate = [&](const std::string& hex) {
    catalog::TokenQuery q;
    for (size_t i = 0; i < q.token.size(); ++i) {
      q.token[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    }
    std::vector<uint64_t> starts;
    REQUIRE((*reader)
                ->FindByTokens({q}, [&](const catalog::FindingRow& f) { starts.push_back(f.start); })
                .ok());
    return starts;
  };
  CHECK(locate(std::string(64, '0')) == std::vector<uint64_t>{0});
  CHECK(locate("0123456789ABCDEF" + rest) == std::vector<uint64_t>{20});
  CHECK(locate("F300000000000001" + rest) == std::vector<uint64_t>{40});
  CHECK(locate("F300000000000001" + rest.substr(2) + "BB") == std::vector<uint64_t>{60});
  CHECK(locate("F300000000000001" + rest.substr(2) + "CC").empty());
}

TEST_CASE("A failed migration leaves the old catalog as it was") {
  testing::TempDir dir;
  const std::string db = dir.Join("old.db");
  BuildVersion1(db);
  // Something of ours the version-2 step would create already exists: the
  // step fails half way, and the transaction must take it all back.
  REQUIRE(ExecSql(db, "CREATE TABLE run_roots (x INTEGER);"));
  const uint32_t mode = FileMode(db);
  auto writer = CatalogWriter::Open(db);
  REQUIRE_FALSE(writer.ok());
  CHECK(PeekOne(db, "PRAGMA user_version") == "1");
  CHECK(PeekOne(db, "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'pid'") == "0");
  CHECK(PeekOne(db, "SELECT count(*) FROM assets") == "2");
  CHECK(FileMode(db) == mode);
}

TEST_CASE("Every migration step is numbered in order up to the current version") {
  const auto steps = catalog::internal::MigrationSteps();
  for (size_t i = 0; i < steps.size(); ++i) {
    CHECK(steps[i].version == static_cast<int>(i) + 1);
    CHECK_FALSE(steps[i].sql.empty());
  }
  CHECK(steps.back().version == catalog::kSchemaVersion);
}

}  // namespace
}  // namespace phiscan
