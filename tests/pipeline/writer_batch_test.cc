// The catalog writer's batched path, as the pipeline drives it: records
// submitted in batches, carried-over assets applied set-wise, scanned ones
// written without a savepoint each, and a failure still costing only the
// record that caused it.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/model.h"
#include "tests/catalog/fixtures.h"
#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

using catalog::CatalogWriter;
using catalog::RunStatus;
using catalog::WriterOptions;
using testing::MakeAsset;
using testing::MakeFinding;
using testing::MakeRunInfo;
using testing::MakeUnchanged;
using testing::OpenWriter;
using testing::PeekOne;

AssetRecord Sensitive(const std::string& path, std::optional<std::string> member = {}) {
  AssetRecord a = MakeAsset(path, std::move(member));
  if (a.member) a.kind = AssetKind::kMember;
  a.label = "PHI";
  a.types = {{"US_SSN", 2, 1, 90}};
  a.findings = {MakeFinding("US_SSN", 90, 0, 1, "***-**-****"),
                MakeFinding("US_SSN", 90, 40, 2, "***-**-****")};
  return a;
}

std::string Path(int i) { return "/srv/share/f" + std::to_string(i) + ".txt"; }

// Run 1: n files, every fifth sensitive, and a zip with two members.
void FirstRun(CatalogWriter& writer, int n) {
  REQUIRE(writer.BeginRun(MakeRunInfo()).ok());
  std::vector<AssetRecord> batch;
  for (int i = 0; i < n; ++i) batch.push_back(i % 5 == 0 ? Sensitive(Path(i)) : MakeAsset(Path(i)));
  batch.push_back(MakeAsset("/srv/share/b.zip"));
  batch.push_back(Sensitive("/srv/share/b.zip", "in/a.txt"));
  batch.push_back(Sensitive("/srv/share/b.zip", "in/b.txt"));
  writer.SubmitBatch(std::move(batch));
  REQUIRE(writer.FinishRun(RunStatus::kCompleted).ok());
}

TEST_CASE("Carried-over batches move last_seen_run for files and members, set-wise") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  WriterOptions options;
  options.batch_assets = 97;  // batches that do not line up with the carry chunks
  auto writer = OpenWriter(db, options);
  const int n = 500;
  FirstRun(*writer, n);
  const std::string findings = PeekOne(db, "SELECT group_concat(id) FROM findings");
  CHECK(PeekOne(db, "SELECT findings FROM runs WHERE id = 1") == std::to_string(2 * (n / 5 + 2)));

  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  std::vector<AssetRecord> batch;
  for (int i = 0; i < n; ++i) batch.push_back(MakeUnchanged(Path(i)));
  batch.push_back(MakeUnchanged(Path(3)));  // the same path twice (overlapping roots)
  batch.push_back(MakeUnchanged("/srv/share/b.zip"));
  writer->SubmitBatch(std::move(batch));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());

  CHECK(PeekOne(db, "SELECT assets || ' ' || unchanged || ' ' || bytes_scanned || ' ' || removed"
                    " FROM runs WHERE id = 2") == std::to_string(n + 2) + " " +
                                                     std::to_string(n + 2) + " 0 0");
  CHECK(PeekOne(db, "SELECT count(*) FROM assets WHERE last_seen_run = 2") ==
        std::to_string(n + 3));
  CHECK(PeekOne(db, "SELECT group_concat(id) FROM findings") == findings);
  CHECK(writer->committed() == static_cast<uint64_t>(n + 2));
}

TEST_CASE("A carried-over path the catalog lacks fails alone within its set-wise batch") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  FirstRun(*writer, 100);

  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  std::vector<AssetRecord> batch;
  for (int i = 0; i < 100; ++i) {
    batch.push_back(MakeUnchanged(Path(i)));
    if (i == 40) batch.push_back(MakeUnchanged("/srv/share/never-seen.txt"));
  }
  batch.push_back(MakeUnchanged("/srv/share/b.zip"));
  writer->SubmitBatch(std::move(batch));
  Status s = writer->FinishRun(RunStatus::kCompleted);
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("never-seen.txt"));
  CHECK(writer->committed() == 101);
  CHECK(PeekOne(db, "SELECT assets || ' ' || unchanged || ' ' || status FROM runs WHERE id = 2") ==
        "101 101 failed");
  CHECK(PeekOne(db, "SELECT count(*) FROM assets WHERE last_seen_run = 2") == "103");
}

TEST_CASE("A bad record in a batch is rolled back alone; its neighbours are written once") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  FirstRun(*writer, 20);

  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  std::vector<AssetRecord> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(MakeUnchanged(Path(i)));
  batch.push_back(Sensitive(Path(10)));  // rescanned: replaces its findings
  AssetRecord bad = Sensitive("/srv/share/bad.txt");
  bad.types = {{"US_SSN", 1, 1, 85}, {"US_SSN", 2, 1, 85}};  // one type twice: PRIMARY KEY clash
  batch.push_back(std::move(bad));
  batch.push_back(Sensitive("/srv/share/new.txt"));
  for (int i = 11; i < 20; ++i) batch.push_back(MakeUnchanged(Path(i)));
  writer->SubmitBatch(std::move(batch));
  Status s = writer->FinishRun(RunStatus::kCompleted);

  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("/srv/share/bad.txt"));
  CHECK(writer->committed() == 21);
  CHECK(PeekOne(db, "SELECT assets || ' ' || unchanged || ' ' || findings FROM runs WHERE id = 2") ==
        "21 19 4");
  CHECK(PeekOne(db, "SELECT count(*) FROM assets WHERE path = CAST('/srv/share/bad.txt' AS BLOB)") ==
        "0");
  // The rescanned file has exactly its new findings, written once.
  CHECK(PeekOne(db, "SELECT count(*) FROM findings f JOIN assets a ON a.id = f.asset_id"
                    " WHERE a.path = CAST('" + Path(10) + "' AS BLOB)") == "2");
  CHECK(PeekOne(db, "SELECT count(*) FROM findings f JOIN assets a ON a.id = f.asset_id"
                    " WHERE a.path = CAST('/srv/share/new.txt' AS BLOB)") == "2");
  CHECK(PeekOne(db, "SELECT count(*) FROM asset_history WHERE run_id = 2") == "2");
}

TEST_CASE("A rescanned asset's old findings are replaced, a new asset's simply written") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  writer->SubmitBatch({Sensitive("/srv/share/a.txt"), Sensitive("/srv/share/b.txt")});
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(PeekOne(db, "SELECT count(*) FROM findings") == "4");

  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  AssetRecord clean = MakeAsset("/srv/share/a.txt");  // a.txt lost its SSNs
  std::vector<AssetRecord> batch;
  batch.push_back(std::move(clean));
  batch.push_back(Sensitive("/srv/share/b.txt"));
  batch.push_back(Sensitive("/srv/share/c.txt"));
  writer->SubmitBatch(std::move(batch));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(PeekOne(db, "SELECT group_concat(n) FROM (SELECT count(f.id) AS n FROM assets a"
                    " LEFT JOIN findings f ON f.asset_id = a.id GROUP BY a.id ORDER BY a.path)") ==
        "0,2,2");
  CHECK(PeekOne(db, "SELECT count(*) FROM asset_types") == "2");
}

TEST_CASE("Records submitted one by one and in batches commit in order, by count and time") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  WriterOptions options;
  options.batch_assets = 3;
  options.queue_capacity = 2;  // batches must block and resume, not drop
  auto writer = OpenWriter(db, options);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  for (int round = 0; round < 4; ++round) {
    std::vector<AssetRecord> batch;
    for (int i = 0; i < 5; ++i) batch.push_back(MakeAsset(Path(round * 10 + i)));
    writer->SubmitBatch(std::move(batch));
    writer->Submit(MakeAsset(Path(round * 10 + 5)));
  }
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(writer->committed() == 24);
  CHECK(PeekOne(db, "SELECT count(*) FROM assets") == "24");
  CHECK(PeekOne(db, "SELECT assets FROM runs") == "24");
  const auto stats = writer->writer_stats();
  CHECK(stats.busy_seconds > 0);
  CHECK(stats.findings_written == 0);
}

}  // namespace
}  // namespace phiscan
