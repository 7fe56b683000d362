// Schema migrations: a catalog written by an older phiscan is upgraded in
// place, step by step, with its data intact; a newer one is refused.
#include <catch2/catch.hpp>
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
