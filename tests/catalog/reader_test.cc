#include "catalog/reader.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/internal/asset_buffer.h"
#include "common/escape.h"
#include "common/model.h"
#include "tests/catalog/fixtures.h"
#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

using catalog::CatalogReader;
using catalog::CatalogWriter;
using catalog::Filter;
using catalog::RunStatus;
using testing::MakeAsset;
using testing::MakeFinding;
using testing::MakeRunInfo;
using testing::MakeUnlistedFolder;

// Two runs. Run 1 defines OLD_ID (only there) and US_SSN as PII; run 2
// redefines US_SSN as PHI, which is what reports must show.
//
//   /r/a.txt          complete  PHI   US_SSN max 90 (findings 90, 70)
//   /r/b.txt          complete  PII   EMAIL max 70
//   /r/c.zip          complete  -     (no types)
//   /r/c.zip!x.csv    partial   PHI   US_MBI max 80, reason limit_bytes
//   /r/d.bin          unreadable -    reason permission_denied
//   /r/old.txt        complete  PII   OLD_ID max 65 (run 1 only)
//   /r/undefined.txt  complete  -     MYSTERY max 95 (no run defines it)
void BuildFixture(const std::string& db) {
  auto writer = CatalogWriter::Open(db);
  REQUIRE(writer.ok());
  REQUIRE((*writer)
              ->BeginRun(MakeRunInfo({{"US_SSN", "SSN", "PII", 7, "digits"},
                                      {"OLD_ID", "Old identifier", "PII", 18, "none"}}))
              .ok());
  AssetRecord old = MakeAsset("/r/old.txt");
  old.label = "PII";
  old.types = {{"OLD_ID", 1, 1, 65}};
  old.findings = {MakeFinding("OLD_ID", 65, 3, 1, "****")};
  (*writer)->Submit(std::move(old));
  REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());

  REQUIRE((*writer)
              ->BeginRun(MakeRunInfo({{"US_SSN", "SSN", "PHI", 7, "digits"},
                                      {"US_MBI", "MBI", "PHI", 10, "alnum_upper"},
                                      {"EMAIL", "Email", "PII", 6, "lower"}}))
              .ok());
  AssetRecord a = MakeAsset("/r/a.txt");
  a.label = "PHI";
  a.types = {{"US_SSN", 2, 2, 90}};
  a.findings = {MakeFinding("US_SSN", 70, 50, 3, "***-**-0002"),
                MakeFinding("US_SSN", 90, 5, 1, "***-**-0001")};
  (*writer)->Submit(std::move(a));

  AssetRecord b = MakeAsset("/r/b.txt");
  b.label = "PII";
  b.types = {{"EMAIL", 4, 1, 70}};
  b.findings = {MakeFinding("EMAIL", 70, 0, 1, "x***@*****.net")};
  (*writer)->Submit(std::move(b));

  (*writer)->Submit(MakeAsset("/r/c.zip"));

  AssetRecord member = MakeAsset("/r/c.zip", "x.csv");
  member.status = AssetStatus::kPartial;
  member.reason = "limit_bytes";
  member.label = "PHI";
  member.types = {{"US_MBI", 1, 1, 80}};
  member.findings = {MakeFinding("US_MBI", 80, 7, 2, "****-***-****")};
  (*writer)->Submit(std::move(member));

  AssetRecord d = MakeAsset("/r/d.bin");
  d.status = AssetStatus::kUnreadable;
  d.reason = "permission_denied";
  d.bytes_scanned = 0;
  (*writer)->Submit(std::move(d));

  AssetRecord u = MakeAsset("/r/undefined.txt");
  u.types = {{"MYSTERY", 1, 1, 95}};
  (*writer)->Submit(std::move(u));
  REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
}

std::unique_ptr<CatalogReader> OpenReader(const std::string& db) {
  auto reader = CatalogReader::Open(db);
  INFO(reader.status().message());
  REQUIRE(reader.ok());
  return std::move(reader.value());
}

std::vector<catalog::AssetRow> Assets(CatalogReader& reader, int min_score) {
  std::vector<catalog::AssetRow> rows;
  Filter filter;
  filter.min_score = min_score;
  Status s = reader.ListAssets(filter, [&](const catalog::AssetRow& a) { rows.push_back(a); });
  REQUIRE(s.ok());
  return rows;
}

std::vector<std::string> AssetNames(const std::vector<catalog::AssetRow>& rows) {
  std::vector<std::string> names;
  for (const auto& a : rows) names.push_back(a.path + (a.member ? "!" + *a.member : ""));
  return names;
}

// Names of the assets a filter lists, in listing order.
std::vector<std::string> ListedNames(CatalogReader& reader, const Filter& filter) {
  std::vector<catalog::AssetRow> rows;
  REQUIRE(reader.ListAssets(filter, [&](const catalog::AssetRow& a) { rows.push_back(a); }).ok());
  return AssetNames(rows);
}

std::vector<std::string> FindingKeys(CatalogReader& reader, int min_score) {
  std::vector<std::string> keys;
  Filter filter;
  filter.min_score = min_score;
  Status s = reader.ListFindings(filter, [&](const catalog::FindingRow& f) {
    keys.push_back(f.path + (f.member ? "!" + *f.member : "") + " " + f.type_id + " " +
                   std::to_string(f.score) + "@" + std::to_string(f.start));
  });
  REQUIRE(s.ok());
  return keys;
}

TEST_CASE("ListFindings keeps findings at or above the confidence floor, ordered by location") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);
  auto reader = OpenReader(db);

  CHECK(FindingKeys(*reader, MinScoreFor(Confidence::kLow)) ==
        std::vector<std::string>{"/r/a.txt US_SSN 90@5", "/r/a.txt US_SSN 70@50",
                                 "/r/b.txt EMAIL 70@0", "/r/c.zip!x.csv US_MBI 80@7",
                                 "/r/old.txt OLD_ID 65@3"});
  CHECK(FindingKeys(*reader, MinScoreFor(Confidence::kMedium)) ==
        std::vector<std::string>{"/r/a.txt US_SSN 90@5", "/r/c.zip!x.csv US_MBI 80@7"});
  CHECK(FindingKeys(*reader, MinScoreFor(Confidence::kHigh)) ==
        std::vector<std::string>{"/r/a.txt US_SSN 90@5"});
}

TEST_CASE("ListAssets lists the whole inventory at the lowest floor and only hits above it") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);
  auto reader = OpenReader(db);

  SECTION("low: clean assets and coverage gaps are listed too") {
    auto rows = Assets(*reader, MinScoreFor(Confidence::kLow));
    CHECK(AssetNames(rows) == std::vector<std::string>{"/r/a.txt", "/r/b.txt", "/r/c.zip",
                                                       "/r/c.zip!x.csv", "/r/d.bin", "/r/old.txt",
                                                       "/r/undefined.txt"});
    REQUIRE(rows.size() == 7);
    CHECK(rows[1].types == std::map<std::string, uint64_t>{{"EMAIL", 4}});
    CHECK(rows[4].status == AssetStatus::kUnreadable);
    CHECK(rows[4].reason == "permission_denied");
    CHECK(rows[4].types.empty());
  }
  SECTION("medium: only assets with a type at 75 or more, with only those types") {
    auto rows = Assets(*reader, MinScoreFor(Confidence::kMedium));
    CHECK(AssetNames(rows) ==
          std::vector<std::string>{"/r/a.txt", "/r/c.zip!x.csv", "/r/undefined.txt"});
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].types == std::map<std::string, uint64_t>{{"US_SSN", 2}});
    CHECK(rows[0].max_score == 90);
    CHECK(rows[1].types == std::map<std::string, uint64_t>{{"US_MBI", 1}});
  }
  SECTION("high") {
    CHECK(AssetNames(Assets(*reader, MinScoreFor(Confidence::kHigh))) ==
          std::vector<std::string>{"/r/a.txt", "/r/undefined.txt"});
  }
}

TEST_CASE("A top-level asset has no member; a member of the same file has one") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);
  auto reader = OpenReader(db);
  auto rows = Assets(*reader, 0);
  REQUIRE(rows.size() == 7);
  CHECK(rows[2].path == "/r/c.zip");
  CHECK_FALSE(rows[2].member.has_value());
  CHECK(rows[2].kind == AssetKind::kFile);
  CHECK(rows[3].path == "/r/c.zip");
  CHECK(rows[3].member == std::optional<std::string>("x.csv"));
  CHECK(rows[3].kind == AssetKind::kMember);
  CHECK(rows[3].status == AssetStatus::kPartial);
}

TEST_CASE("Labels lists each label of a present asset once, sorted, and no removed one") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  {
    auto writer = CatalogWriter::Open(db);
    REQUIRE(writer.ok());
    // Run 1 sees a file with a label of its own, gone by run 2 (which sees
    // another file of run 1 again, so the share is not taken for unmounted).
    REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());
    AssetRecord gone = MakeAsset("/srv/share/gone.txt");
    gone.label = "GONE_ONLY";
    (*writer)->Submit(std::move(gone));
    (*writer)->Submit(MakeAsset("/srv/share/1.txt"));
    REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
    REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());
    int n = 0;
    for (const char* label : {"PHI", "SUD_RECORD", "PHI", "NONE", "", "PHI"}) {
      AssetRecord a = MakeAsset("/srv/share/" + std::to_string(++n) + ".txt");
      a.label = label;  // "": never read, no label
      (*writer)->Submit(std::move(a));
    }
    REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = OpenReader(db);
  auto labels = reader->Labels();
  REQUIRE(labels.ok());
  CHECK(*labels == std::vector<std::string>{"NONE", "PHI", "SUD_RECORD"});
}

TEST_CASE("A tally under the roots counts each present asset once, nested roots included") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);
  {
    // A sibling whose name starts like a root, and a file given as a root.
    auto writer = CatalogWriter::Open(db);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());
    AssetRecord sibling = MakeAsset("/r2/e.txt");
    sibling.label = "PHI";
    (*writer)->Submit(std::move(sibling));
    for (const char* path : {"/r/a.txt", "/r/b.txt", "/r/c.zip", "/r/d.bin", "/r/undefined.txt"}) {
      (*writer)->Submit(testing::MakeUnchanged(path));
    }
    REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = OpenReader(db);
  auto tally = [&](const std::vector<std::string>& roots) {
    auto t = reader->TallyUnderRoots(roots);
    REQUIRE(t.ok());
    return t.value();
  };
  // /r/old.txt stays present (no run's root covers /r); the zip's member
  // counts as an asset of its own.
  const catalog::RootTally r = tally({"/r"});
  CHECK(r.assets == 7);
  CHECK(r.sensitive_by_label == std::map<std::string, uint64_t>{{"PHI", 2}, {"PII", 2}});
  CHECK(r.gaps == 2);  // the partial member and the unreadable file
  // The same root again, a root inside it, or one with a trailing slash:
  // nothing is counted twice.
  for (const auto& roots : std::vector<std::vector<std::string>>{
           {"/r", "/r"}, {"/r", "/r/a.txt"}, {"/r/a.txt", "/r/"}, {"/r/", "/r"}}) {
    const catalog::RootTally t = tally(roots);
    INFO(roots[0] << " " << roots[1]);
    CHECK(t.assets == r.assets);
    CHECK(t.sensitive_by_label == r.sensitive_by_label);
    CHECK(t.gaps == r.gaps);
  }
  // A file root counts itself; /r does not take in /r2.
  const catalog::RootTally file = tally({"/r/a.txt"});
  CHECK(file.assets == 1);
  CHECK(file.sensitive_by_label == std::map<std::string, uint64_t>{{"PHI", 1}});
  CHECK(file.gaps == 0);
  const catalog::RootTally both = tally({"/r", "/r2"});
  CHECK(both.assets == 8);
  CHECK(both.sensitive_by_label.at("PHI") == 3);
  CHECK(tally({"/nowhere"}).assets == 0);
}

TEST_CASE("GetSummary counts assets by status, label, category and type") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);
  auto reader = OpenReader(db);

  auto summary = reader->GetSummary({});
  REQUIRE(summary.ok());
  CHECK(summary->run_id == 2);
  CHECK(summary->run_status == "completed");
  CHECK(summary->assets == 7);
  CHECK(summary->bytes_scanned == 6 * 1200);
  CHECK(summary->by_status ==
        std::map<std::string, uint64_t>{{"complete", 5}, {"partial", 1}, {"unreadable", 1}});
  CHECK(summary->by_label == std::map<std::string, uint64_t>{{"PHI", 2}, {"PII", 2}});
  // US_SSN counts as PHI (its latest definition), OLD_ID keeps run 1's PII.
  CHECK(summary->by_category ==
        std::map<std::string, uint64_t>{{"PHI", 2}, {"PII", 2}, {"unknown", 1}});
  REQUIRE(summary->by_type.size() == 5);
  std::map<std::string, catalog::TypeCount> by_type;
  for (const auto& t : summary->by_type) by_type[t.type_id] = t;
  CHECK(by_type["US_SSN"].category == "PHI");
  CHECK(by_type["US_SSN"].hipaa_class == 7);
  CHECK(by_type["US_SSN"].assets == 1);
  CHECK(by_type["US_SSN"].findings == 2);
  CHECK(by_type["EMAIL"].findings == 4);
  CHECK(by_type["OLD_ID"].category == "PII");
  CHECK(by_type["OLD_ID"].hipaa_class == 18);
  CHECK(by_type["MYSTERY"].category == "unknown");
  CHECK(by_type["MYSTERY"].hipaa_class == 0);

  Filter high;
  high.min_score = MinScoreFor(Confidence::kHigh);
  auto strict = reader->GetSummary(high);
  REQUIRE(strict.ok());
  CHECK(strict->assets == 7);  // the inventory does not shrink with the floor
  CHECK(strict->by_category == std::map<std::string, uint64_t>{{"PHI", 1}, {"unknown", 1}});
  REQUIRE(strict->by_type.size() == 2);
}

TEST_CASE("The most widespread type comes first in the summary") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  {
    auto writer = CatalogWriter::Open(db);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());
    for (int i = 0; i < 3; ++i) {
      AssetRecord a = MakeAsset("/r/" + std::to_string(i));
      a.types = {{"US_SSN", 1, 1, 85}};
      if (i == 0) a.types.push_back({"EMAIL", 9, 9, 85});
      (*writer)->Submit(std::move(a));
    }
    REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
  }
  auto summary = OpenReader(db)->GetSummary({});
  REQUIRE(summary.ok());
  REQUIRE(summary->by_type.size() == 2);
  CHECK(summary->by_type[0].type_id == "US_SSN");
  CHECK(summary->by_type[0].assets == 3);
  CHECK(summary->by_type[1].type_id == "EMAIL");
}

TEST_CASE("An empty catalog summarises as no run and no assets") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  { REQUIRE(CatalogWriter::Open(db).ok()); }
  auto summary = OpenReader(db)->GetSummary({});
  REQUIRE(summary.ok());
  CHECK(summary->run_id == 0);
  CHECK(summary->assets == 0);
  CHECK(summary->by_type.empty());
}

TEST_CASE("Reading never changes the catalog file") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);
  const std::string before = testing::ReadFile(db);
  REQUIRE_FALSE(before.empty());
  {
    auto reader = OpenReader(db);
    REQUIRE(reader->GetSummary({}).ok());
    Assets(*reader, 0);
    FindingKeys(*reader, 0);
  }
  CHECK(testing::ReadFile(db) == before);
  // Nothing landed in a WAL either.
  CHECK(testing::ReadFile(db + "-wal").empty());
}

TEST_CASE("The reader sees committed batches while a scan is still writing") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  catalog::WriterOptions options;
  options.batch_assets = 1;
  auto writer = CatalogWriter::Open(db, options);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());
  (*writer)->Submit(MakeAsset("/r/early.txt"));
  for (int i = 0; i < 400 && (*writer)->committed() == 0; ++i) usleep(5000);
  REQUIRE((*writer)->committed() == 1);
  auto reader = OpenReader(db);
  auto summary = reader->GetSummary({});
  REQUIRE(summary.ok());
  CHECK(summary->run_status == "running");
  CHECK(summary->assets == 1);
  REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
}

// A scan in progress that commits each asset as it comes (batch of one).
struct LiveScan {
  explicit LiveScan(const std::string& db) {
    catalog::WriterOptions options;
    options.batch_assets = 1;
    writer = testing::OpenWriter(db, options);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  }
  ~LiveScan() { writer->FinishRun(RunStatus::kCompleted); }
  // Submits a PHI asset with one SSN and waits until it is committed.
  void Commit(const std::string& path) {
    AssetRecord a = MakeAsset(path);
    a.label = "PHI";
    a.types = {{"US_SSN", 1, 1, 90}};
    a.findings = {MakeFinding("US_SSN", 90, 0, 1, "***-**-****")};
    const uint64_t before = writer->committed();
    writer->Submit(std::move(a));
    for (int i = 0; i < 400 && writer->committed() == before; ++i) usleep(5000);
    REQUIRE(writer->committed() == before + 1);
  }
  std::unique_ptr<CatalogWriter> writer;
};

TEST_CASE(
    "A summary's numbers come from one commit, even when a scan commits between its queries") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  LiveScan scan(db);
  scan.Commit("/srv/share/a.txt");
  auto reader = OpenReader(db);
  int queries = 0;
  reader->SetAfterQueryHookForTesting([&] {
    if (++queries == 1) scan.Commit("/srv/share/b.txt");
  });
  auto summary = reader->GetSummary({});
  REQUIRE(summary.ok());
  REQUIRE(queries > 1);  // the commit came between two of its queries
  CHECK(summary->assets == 1);
  CHECK(summary->sensitive == 1);
  CHECK(summary->by_label.at("PHI") == 1);
  REQUIRE(summary->by_type.size() == 1);
  CHECK(summary->by_type[0].assets == 1);
  CHECK(summary->findings == 1);

  // The next report sees the new commit.
  reader->SetAfterQueryHookForTesting(nullptr);
  summary = reader->GetSummary({});
  REQUIRE(summary.ok());
  CHECK(summary->assets == 2);
  CHECK(summary->findings == 2);
}

TEST_CASE("A snapshot holds one moment of the catalog across calls until it ends") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  LiveScan scan(db);
  scan.Commit("/srv/share/a.txt");
  auto reader = OpenReader(db);
  auto count = [&] {
    size_t n = 0;
    REQUIRE(reader->ListAssets({}, [&](const catalog::AssetRow&) { ++n; }).ok());
    return n;
  };
  {
    CatalogReader::Snapshot snapshot(*reader);
    REQUIRE(snapshot.status().ok());
    CHECK(reader->BeginSnapshot().code() == StatusCode::kInvalidArgument);
    scan.Commit("/srv/share/b.txt");
    CHECK(count() == 1);
    {
      CatalogReader::Snapshot joined(*reader);  // joins, and ends nothing
      REQUIRE(joined.status().ok());
    }
    auto summary = reader->GetSummary({});
    REQUIRE(summary.ok());
    CHECK(summary->assets == 1);
    CHECK(count() == 1);
  }
  CHECK(count() == 2);
}

TEST_CASE("Opening something that is not a usable catalog fails with a clear status") {
  testing::TempDir dir;

  SECTION("missing file") {
    auto reader = CatalogReader::Open(dir.Join("absent.db"));
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == StatusCode::kNotFound);
    CHECK_THAT(reader.status().message(), Catch::Contains("absent.db"));
    CHECK(access(dir.Join("absent.db").c_str(), F_OK) != 0);  // and it was not created
  }
  SECTION("empty SQLite database") {
    // What a first scan's catalog is until its tables are committed: said
    // so, rather than "not a phiscan catalog" to a report run beside it.
    testing::WriteFile(dir.Join("empty.db"), "");
    auto reader = CatalogReader::Open(dir.Join("empty.db"));
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(reader.status().message(), Catch::Contains("is empty: no scan has written it yet"));
  }
  SECTION("another application's database") {
    REQUIRE(testing::ExecSql(dir.Join("other.db"), "CREATE TABLE notes(body TEXT);"));
    auto reader = CatalogReader::Open(dir.Join("other.db"));
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(reader.status().message(), Catch::Contains("not a phiscan catalog"));
  }
  SECTION("not SQLite at all") {
    testing::WriteFile(dir.Join("notes.txt"), std::string(2048, 'n'));
    auto reader = CatalogReader::Open(dir.Join("notes.txt"));
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == StatusCode::kInvalidArgument);
  }
  SECTION("a directory") {
    auto reader = CatalogReader::Open(dir.path());
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == StatusCode::kInvalidArgument);
  }
  SECTION("a newer schema") {
    const std::string db = dir.Join("future.db");
    { REQUIRE(CatalogWriter::Open(db).ok()); }
    REQUIRE(testing::ExecSql(db, "PRAGMA user_version = 9;"));
    auto reader = CatalogReader::Open(db);
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(reader.status().message(),
               Catch::Contains("has schema version 9; this phiscan supports up to " +
                               std::to_string(catalog::kSchemaVersion)));
  }
}

TEST_CASE("ListAssets filters by type, label, path prefix, status and exposure") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);
  auto reader = OpenReader(db);
  auto names = [&](const Filter& f) { return ListedNames(*reader, f); };
  Filter f;
  f.type_id = "US_SSN";
  CHECK(names(f) == std::vector<std::string>{"/r/a.txt"});
  f = {};
  f.label = "PHI";
  CHECK(names(f) == std::vector<std::string>{"/r/a.txt", "/r/c.zip!x.csv"});
  f = {};
  f.path_prefix = "/r/c";
  CHECK(names(f) == std::vector<std::string>{"/r/c.zip", "/r/c.zip!x.csv"});
  f = {};
  f.status = AssetStatus::kUnreadable;
  CHECK(names(f) == std::vector<std::string>{"/r/d.bin"});
  f = {};
  f.sensitive_only = true;
  f.min_score = 75;
  CHECK(names(f) == std::vector<std::string>{"/r/a.txt", "/r/c.zip!x.csv"});
  f = {};
  f.exposed_only = true;  // every fixture file is 0644: the labelled ones are exposed
  CHECK(names(f) ==
        std::vector<std::string>{"/r/a.txt", "/r/b.txt", "/r/c.zip!x.csv", "/r/old.txt"});
  f = {};
  f.type_id = "US_SSN";
  f.min_score = 95;  // the type is there, but not at this score
  CHECK(names(f).empty());
}

TEST_CASE("ListAssets combines filters, and a status filter also finds complete assets") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);
  auto reader = OpenReader(db);
  auto names = [&](const Filter& f) { return ListedNames(*reader, f); };
  Filter f;
  f.status = AssetStatus::kComplete;
  CHECK(names(f) == std::vector<std::string>{"/r/a.txt", "/r/b.txt", "/r/c.zip", "/r/old.txt",
                                             "/r/undefined.txt"});
  f = {};
  f.status = AssetStatus::kPartial;
  f.label = "PHI";
  f.exposed_only = true;
  CHECK(names(f) == std::vector<std::string>{"/r/c.zip!x.csv"});
  f = {};
  f.label = "PHI";
  f.min_score = MinScoreFor(Confidence::kHigh);
  CHECK(names(f) == std::vector<std::string>{"/r/a.txt"});
  f = {};
  f.label = "NONE";  // no asset has it; unlabelled assets are not "NONE"
  CHECK(names(f).empty());
  f = {};
  f.type_id = "US_MBI";
  f.path_prefix = "/r/c.zip";
  f.min_score = MinScoreFor(Confidence::kMedium);
  CHECK(names(f) == std::vector<std::string>{"/r/c.zip!x.csv"});
}

// The path filter is a byte range [prefix, bound) on the index; the bound
// is computed by incrementing the last byte that is not 0xFF.
TEST_CASE("A path prefix selects by raw bytes, 0xFF bytes included") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  const std::vector<std::string> paths = {
      "/r/a",    "/r/a/x",    "/r/a0",       "/r/b",          "/r/\xfe", "/r/\xfe\xff",
      "/r/\xff", "/r/\xff/y", "/r/\xff\xff", "/r/\xff\xff/z", "/s",      std::string("/r/a\0b", 6)};
  {
    auto writer = CatalogWriter::Open(db);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());
    for (const std::string& p : paths) {
      AssetRecord a = MakeAsset(p);
      a.label = "PII";
      a.types = {{"EMAIL", 1, 1, 80}};
      a.findings = {MakeFinding("EMAIL", 80, 0, 1, "x***@*****.org")};
      (*writer)->Submit(std::move(a));
    }
    REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = OpenReader(db);
  // What a bytewise starts-with says, for comparison.
  auto expected = [&](const std::string& prefix) {
    std::vector<std::string> out;
    for (const std::string& p : paths) {
      if (p.compare(0, prefix.size(), prefix) == 0) out.push_back(p);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  for (const std::string& prefix :
       {std::string("/r/a"), std::string("/r/a/"), std::string("/r/\xfe"), std::string("/r/\xff"),
        std::string("/r/\xff\xff"), std::string("/r/"), std::string("\xff"), std::string("/s"),
        std::string("/r/a\0", 5), std::string("/t")}) {
    INFO("prefix " << EscapeBytes(prefix));
    Filter f;
    f.path_prefix = prefix;
    std::vector<std::string> assets;
    REQUIRE(
        reader->ListAssets(f, [&](const catalog::AssetRow& a) { assets.push_back(a.path); }).ok());
    CHECK(assets == expected(prefix));
    std::vector<std::string> findings;
    REQUIRE(
        reader->ListFindings(f, [&](const catalog::FindingRow& r) { findings.push_back(r.path); })
            .ok());
    CHECK(findings == expected(prefix));
  }
}

// Every field of a listed asset, so two listings can be compared whole.
std::string Describe(const catalog::AssetRow& a) {
  std::string types;
  for (const auto& [type, count] : a.types) types += type + "=" + std::to_string(count) + ";";
  return EscapeBytes(a.path) + "|" + (a.member ? "!" + EscapeBytes(*a.member) : "-") + "|" +
         std::to_string(a.id) + "|" + AssetKindName(a.kind) + "|" + AssetStatusName(a.status) +
         "|" + a.reason + "|" + std::to_string(a.size) + "|" + std::to_string(a.mtime_ns) + "|" +
         a.label + "|" + a.label_rule + "|" + types + "|" + std::to_string(a.max_score) + "|" +
         std::to_string(a.mode) + "|" + std::to_string(a.uid) + "|" + std::to_string(a.gid) + "|" +
         a.readable_by + "|" + std::to_string(a.group_writable) + std::to_string(a.world_writable) +
         std::to_string(a.exposed) + "|" + (a.acl_readers ? std::to_string(*a.acl_readers) : "-") +
         "|" + std::to_string(a.last_scan_run) + "|" + std::to_string(a.last_seen_run) + "|" +
         (a.removed_run ? std::to_string(*a.removed_run) : "-") + "|" + a.format + "|" + a.detail;
}

// The type, confidence, label and format filters sort their assets in memory
// (catalog/internal/asset_buffer.h); the unfiltered listing is read in
// index order. Written in an order unlike the paths', the same assets must
// come out of both in the same order with the same fields.
TEST_CASE("Listings by type, confidence, label and format come in path order with every field") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  const std::vector<std::pair<std::string, std::optional<std::string>>> names = {
      {"/r/\xff", std::nullopt},  {"/r/m.zip", "b.csv"},     {"/r/b", std::nullopt},
      {"/r/m.zip", std::nullopt}, {"/r/a\xfe", "z"},         {"/r/a", std::nullopt},
      {"/r/m.zip", "a.csv"},      {"/r/a\xfe", std::nullopt}};
  {
    auto writer = CatalogWriter::Open(db);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());
    int n = 0;
    for (const auto& [path, member] : names) {
      ++n;
      AssetRecord a = MakeAsset(path, member);
      a.size = 1000u * n;
      a.mtime_ns = n % 2 ? int64_t{-1'500'000'000} * n : 1'795'987'993'000'000'000 + n;
      a.mode = n % 3 ? 0100600 : 0100666;
      a.uid = 1000 + n;
      a.gid = 2000 + n;
      a.label = n % 2 ? "PHI" : "PII";
      a.label_rule = "rule-" + std::to_string(n);
      a.format = n % 2 ? "text" : "csv";
      if (n == 3) {
        a.status = AssetStatus::kPartial;
        a.reason = "limit_bytes";
        a.detail = "member budget of 100 MiB spent";
      }
      if (n == 4) a.acl = AclSummary{2, 1, true};
      a.types = {{"EMAIL", static_cast<uint64_t>(n), 1, 70 + n}};
      if (n % 2) a.types.push_back({"US_SSN", 2, 2, 90});
      for (const auto& t : a.types)
        a.findings.push_back(MakeFinding(t.type_id, t.max_score, 0, 1, "**"));
      (*writer)->Submit(std::move(a));
    }
    REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = OpenReader(db);
  auto listed = [&](const Filter& f) {
    std::vector<std::string> rows;
    REQUIRE(reader->ListAssets(f, [&](const catalog::AssetRow& a) { rows.push_back(Describe(a)); })
                .ok());
    return rows;
  };
  const std::vector<std::string> all = listed({});
  REQUIRE(all.size() == names.size());
  // "/r/b", the third written, is the partial one with a detail.
  CHECK_THAT(all[3], Catch::EndsWith("|text|member budget of 100 MiB spent"));
  std::vector<std::string> expected_order;
  for (const std::string& row : all)
    expected_order.push_back(row.substr(0, row.find('|', row.find('|') + 1)));
  CHECK(expected_order == std::vector<std::string>{"/r/a|-", "/r/a\\xfe|-", "/r/a\\xfe|!z",
                                                   "/r/b|-", "/r/m.zip|-", "/r/m.zip|!a.csv",
                                                   "/r/m.zip|!b.csv", "/r/\\xff|-"});
  Filter f;
  f.min_score = MinScoreFor(Confidence::kLow);  // every type passes
  CHECK(listed(f) == all);
  f = {};
  f.type_id = "EMAIL";
  CHECK(listed(f) == all);
  std::vector<std::string> odd;  // the PHI assets: the odd ones, with US_SSN
  for (const std::string& row : all) {
    if (row.find("US_SSN") != std::string::npos) odd.push_back(row);
  }
  REQUIRE(odd.size() == 4);
  f = {};
  f.label = "PHI";
  CHECK(listed(f) == odd);
  f = {};
  f.format = "text";  // the odd ones too
  CHECK(listed(f) == odd);
}

TEST_CASE("The sorting buffer merges an asset's parts and keeps assets larger than its chunks") {
  catalog::internal::AssetBuffer buffer;
  catalog::AssetRow row;
  // 30,000 assets of 64-byte paths, newest first: over a megabyte of chunks.
  for (int i = 30'000; i > 0; --i) {
    row.id = i;
    char name[16];
    std::snprintf(name, sizeof name, "%06d", i);
    row.path = "/" + std::string(56, 'p') + "/" + name;
    row.types = {{"EMAIL", static_cast<uint64_t>(i)}};
    buffer.Add(row);
  }
  // A path longer than a chunk.
  row.id = 30'001;
  row.path = "/" + std::string(3 << 20, 'q');
  buffer.Add(row);
  // One asset in two parts, each with some of its types.
  row.id = 30'002;
  row.path = "/0";
  row.types = {{"US_SSN", 3}};
  row.max_score = 70;
  buffer.Add(row);
  row.types = {{"EMAIL", 5}};
  row.max_score = 90;
  buffer.Add(row);
  CHECK(buffer.size() == 30'003);
  CHECK(buffer.bytes() > (4u << 20));

  std::vector<catalog::AssetRow> out;
  buffer.ForEachSorted([&](const catalog::AssetRow& a) { out.push_back(a); });
  REQUIRE(out.size() == 30'002);
  CHECK(out[0].path == "/0");
  CHECK(out[0].types == std::map<std::string, uint64_t>{{"EMAIL", 5}, {"US_SSN", 3}});
  CHECK(out[0].max_score == 90);
  CHECK(out[1].id == 1);
  CHECK(out[1].types == std::map<std::string, uint64_t>{{"EMAIL", 1}});
  CHECK(out[30'000].id == 30'000);
  CHECK(out[30'001].path.size() == (3u << 20) + 1);
  CHECK(std::is_sorted(out.begin(), out.end(),
                       [](const auto& a, const auto& b) { return a.path < b.path; }));
}

TEST_CASE("FindByTokens returns the located findings of one identifier") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);  // every finding's token is 0x5a...
  auto reader = OpenReader(db);
  auto find = [&](uint8_t byte, const std::string& type) {
    catalog::TokenQuery q;
    q.token.fill(byte);
    q.type_id = type;
    std::vector<std::string> keys;
    REQUIRE(reader
                ->FindByTokens({q, q},
                               [&](const catalog::FindingRow& f) {
                                 keys.push_back(f.path + (f.member ? "!" + *f.member : "") + " " +
                                                f.type_id);
                               })
                .ok());
    return keys;
  };
  CHECK(find(0x5a, "") == std::vector<std::string>{"/r/a.txt US_SSN", "/r/a.txt US_SSN",
                                                   "/r/b.txt EMAIL", "/r/c.zip!x.csv US_MBI",
                                                   "/r/old.txt OLD_ID"});
  CHECK(find(0x5a, "EMAIL") == std::vector<std::string>{"/r/b.txt EMAIL"});
  CHECK(find(0x11, "").empty());
}

TEST_CASE("FindByTokens matches the whole token, not only the prefix it is looked up by") {
  // findings_by_token_prefix holds the first 8 bytes; tokens that share
  // them (a chance of 2^-64 for HMACs, made here) are still told apart.
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  auto make_token = [](uint8_t last) {
    Token t;
    t.fill(0xc4);  // first byte over 0x7f: a negative prefix
    t[31] = last;
    return t;
  };
  {
    auto writer = testing::OpenWriter(db);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    AssetRecord a = MakeAsset("/srv/share/a.txt");
    AssetRecord b = MakeAsset("/srv/share/b.txt");
    FindingRecord f1 = MakeFinding("US_SSN", 85, 10, 1, "***-**-****");
    f1.token = make_token(1);
    FindingRecord f2 = MakeFinding("US_SSN", 85, 20, 2, "***-**-****");
    f2.token = make_token(2);
    a.findings = {f1, f2};
    b.findings = {f2};
    writer->Submit(std::move(a));
    writer->Submit(std::move(b));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = OpenReader(db);
  auto find = [&](uint8_t last) {
    catalog::TokenQuery q;
    q.token = make_token(last);
    std::vector<std::string> keys;
    REQUIRE(reader
                ->FindByTokens({q},
                               [&](const catalog::FindingRow& f) {
                                 keys.push_back(f.path + " " + std::to_string(f.start));
                               })
                .ok());
    return keys;
  };
  CHECK(find(1) == std::vector<std::string>{"/srv/share/a.txt 10"});
  CHECK(find(2) == std::vector<std::string>{"/srv/share/a.txt 20", "/srv/share/b.txt 20"});
  CHECK(find(3).empty());
}

TEST_CASE("Folders roll up by path when no scan root contains the assets") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);  // roots are /srv/share; assets live under /r
  auto reader = OpenReader(db);
  auto folders = reader->Folders(1, {});
  REQUIRE(folders.ok());
  REQUIRE(folders->size() == 1);
  CHECK((*folders)[0].folder == "/r");
  CHECK((*folders)[0].assets == 7);
  CHECK((*folders)[0].top_label == "PHI");
  CHECK((*folders)[0].gaps == 2);  // partial member, unreadable file
  CHECK(reader->Folders(-1, {}).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Folders count levels below the outermost scan root, whatever the runs' order") {
  // A share scanned weekly and its hr folder daily: hr's files are grouped
  // at the share's levels, as every other folder of the share is, not one
  // level deeper because hr was once a root of its own.
  for (bool hr_first : {false, true}) {
    INFO("hr scanned first: " << hr_first);
    testing::TempDir dir;
    const std::string db = dir.Join("phiscan.db");
    {
      auto writer = testing::OpenWriter(db);
      const std::vector<std::string> share = {"/srv/share/finance/a.txt", "/srv/share/hr/b.txt",
                                              "/srv/share/hr/sub/c.txt"};
      const std::vector<std::string> hr = {share[1], share[2]};
      for (int run = 0; run < 2; ++run) {
        const bool hr_run = (run == 0) == hr_first;
        catalog::RunInfo info = MakeRunInfo();
        info.roots = {hr_run ? "/srv/share/hr" : "/srv/share"};
        REQUIRE(writer->BeginRun(info).ok());
        for (const auto& path : hr_run ? hr : share) writer->Submit(MakeAsset(path));
        REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
      }
    }
    auto reader = OpenReader(db);
    auto folders = reader->Folders(1, {});
    REQUIRE(folders.ok());
    std::map<std::string, uint64_t> assets;
    for (const auto& f : *folders) assets[f.folder] = f.assets;
    CHECK(assets == std::map<std::string, uint64_t>{{"/srv/share/finance", 1},
                                                    {"/srv/share/hr", 2}});
  }
}

TEST_CASE("Folders with a type count that type's findings") {
  // folders --type US_SSN counted the findings of every type in the folders'
  // SSN files: 12 "findings" for 2 SSNs beside 10 emails.
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  {
    auto writer = testing::OpenWriter(db);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    AssetRecord a = MakeAsset("/srv/share/hr/a.txt");
    a.label = "PHI";
    a.types = {{"US_SSN", 2, 2, 85}, {"EMAIL", 10, 10, 85}};
    a.findings = {MakeFinding("US_SSN", 85, 10, 1, "***-**-****"),
                  MakeFinding("US_SSN", 85, 30, 2, "***-**-****")};
    for (int i = 0; i < 10; ++i) {
      a.findings.push_back(MakeFinding("EMAIL", 85, 100 + 20 * i, 3, "x***@*****.net"));
    }
    writer->Submit(std::move(a));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = OpenReader(db);
  catalog::Filter ssn;
  ssn.type_id = "US_SSN";
  auto by_type = reader->Folders(1, ssn);
  REQUIRE(by_type.ok());
  REQUIRE(by_type->size() == 1);
  CHECK((*by_type)[0].findings == 2);
  auto all = reader->Folders(1, {});
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].findings == 12);
}

TEST_CASE(
    "A confidence threshold counts findings, not assets, in folders; containers reach it "
    "by their members") {
  // An HTML page's tiles (the summary) said 23 exposed and 1 gap while its
  // folder table added up to 22 and 0 at --min-confidence high; a zip
  // labelled PHI by its members dropped out of every threshold listing.
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  {
    auto writer = testing::OpenWriter(db);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    // A file or member holding one type at a score; a container labelled
    // by its members.
    auto typed = [&](const std::string& path, std::optional<std::string> member,
                     const std::string& label, const std::string& type, int score) {
      AssetRecord a = MakeAsset(path, std::move(member));
      a.label = label;
      a.types = {{type, 1, 1, score}};
      writer->Submit(std::move(a));
    };
    auto container = [&](const std::string& path, std::optional<std::string> member,
                         const std::string& label) {
      AssetRecord a = MakeAsset(path, std::move(member));
      a.label = label;
      a.label_rule = "members";
      writer->Submit(std::move(a));
    };
    typed("/srv/share/hr/a.txt", std::nullopt, "PHI", "US_SSN", 85);
    typed("/srv/share/hr/b.txt", std::nullopt, "PII", "EMAIL", 75);
    AssetRecord gap = MakeAsset("/srv/share/hr/c.bin");
    gap.status = AssetStatus::kSkipped;
    gap.reason = "binary";
    writer->Submit(std::move(gap));
    container("/srv/share/hr/d.zip", std::nullopt, "PHI");
    typed("/srv/share/hr/d.zip", "roster.csv", "PHI", "US_SSN", 85);
    container("/srv/share/hr/e.zip", std::nullopt, "PII");
    typed("/srv/share/hr/e.zip", "list.txt", "PII", "EMAIL", 75);
    // A zip in a zip: both containers reach the score through the inner
    // member.
    container("/srv/share/hr/f.zip", std::nullopt, "PHI");
    container("/srv/share/hr/f.zip", "inner.zip", "PHI");
    typed("/srv/share/hr/f.zip", "inner.zip!deep.csv", "PHI", "US_SSN", 85);
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = OpenReader(db);
  catalog::Filter high;
  high.min_score = 85;
  auto folders = reader->Folders(1, high);
  REQUIRE(folders.ok());
  REQUIRE(folders->size() == 1);
  CHECK((*folders)[0].assets == 10);
  CHECK((*folders)[0].sensitive == 9);
  CHECK((*folders)[0].gaps == 1);
  CHECK((*folders)[0].findings == 3);  // the SSNs only
  auto summary = reader->GetSummary(high);
  REQUIRE(summary.ok());
  CHECK(summary->assets == (*folders)[0].assets);
  CHECK(summary->sensitive == (*folders)[0].sensitive);
  std::vector<std::string> listed;
  REQUIRE(reader
              ->ListAssets(high,
                           [&](const catalog::AssetRow& a) {
                             listed.push_back(a.path + (a.member ? "!" + *a.member : ""));
                           })
              .ok());
  CHECK(listed == std::vector<std::string>{"/srv/share/hr/a.txt", "/srv/share/hr/d.zip",
                                           "/srv/share/hr/d.zip!roster.csv", "/srv/share/hr/f.zip",
                                           "/srv/share/hr/f.zip!inner.zip",
                                           "/srv/share/hr/f.zip!inner.zip!deep.csv"});
  // With another filter too: the containers pass it as any asset does.
  catalog::Filter phi = high;
  phi.label = "PHI";
  size_t phi_listed = 0;
  REQUIRE(reader->ListAssets(phi, [&](const catalog::AssetRow&) { ++phi_listed; }).ok());
  CHECK(phi_listed == 6);
  phi.label = "PII";
  size_t pii_listed = 0;
  REQUIRE(reader->ListAssets(phi, [&](const catalog::AssetRow&) { ++pii_listed; }).ok());
  CHECK(pii_listed == 0);
}

TEST_CASE("A folder the scan could not list is its own folder's row, not its parent's") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  {
    auto writer = testing::OpenWriter(db);
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());  // root /srv/share
    writer->Submit(MakeAsset("/srv/share/notes/a.txt"));
    writer->Submit(MakeUnlistedFolder("/srv/share/logs"));
    writer->Submit(MakeUnlistedFolder("/srv/share/notes/old/archive"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = OpenReader(db);
  auto folders = reader->Folders(1, {});
  REQUIRE(folders.ok());
  std::map<std::string, uint64_t> gaps;
  for (const auto& f : *folders) gaps[f.folder] = f.gaps;
  CHECK(gaps == std::map<std::string, uint64_t>{{"/srv/share/logs", 1}, {"/srv/share/notes", 1}});
  auto root = reader->Folders(0, {});
  REQUIRE(root.ok());
  REQUIRE(root->size() == 1);
  CHECK((*root)[0].folder == "/srv/share");
  CHECK((*root)[0].gaps == 2);
}

// Folders reads its assets in no particular order (the table from end to
// end), so nothing it reports may depend on that order: between two labels
// of one rank the bytewise smaller is the folder's top label.
TEST_CASE("A folder's top label does not depend on the order its assets were written in") {
  for (bool reverse : {false, true}) {
    INFO("written in reverse: " << reverse);
    testing::TempDir dir;
    const std::string db = dir.Join("phiscan.db");
    {
      auto writer = testing::OpenWriter(db);
      REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
      std::vector<std::pair<std::string, std::string>> assets = {
          {"/srv/share/x/a.txt", "RESTRICTED"},
          {"/srv/share/x/b.txt", "CONFIDENTIAL"},
          {"/srv/share/x/c.txt", "NONE"},
          {"/srv/share/y/a.txt", "NONE"},
          {"/srv/share/y/b.txt", ""}};
      if (reverse) std::reverse(assets.begin(), assets.end());
      for (const auto& [path, label] : assets) {
        AssetRecord a = MakeAsset(path);
        a.label = label;
        writer->Submit(std::move(a));
      }
      REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    }
    auto reader = OpenReader(db);
    auto folders = reader->Folders(1, {});
    REQUIRE(folders.ok());
    std::map<std::string, std::string> top;
    for (const auto& f : *folders) top[f.folder] = f.top_label;
    CHECK(top == std::map<std::string, std::string>{{"/srv/share/x", "CONFIDENTIAL"},
                                                    {"/srv/share/y", "NONE"}});
  }
}

TEST_CASE("Diff needs an earlier and an existing later run") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  BuildFixture(db);
  auto reader = OpenReader(db);
  auto runs = reader->DefaultDiffRuns();
  REQUIRE(runs.ok());
  CHECK(*runs == std::make_pair(int64_t{1}, int64_t{2}));
  auto none = [](const catalog::DiffRow&) {};
  CHECK(reader->Diff(2, 1, none).code() == StatusCode::kInvalidArgument);
  CHECK(reader->Diff(1, 9, none).code() == StatusCode::kInvalidArgument);
  std::vector<std::string> changes;
  REQUIRE(reader
              ->Diff(1, 2,
                     [&](const catalog::DiffRow& d) {
                       changes.push_back(d.change + " " + d.path +
                                         (d.member ? "!" + *d.member : ""));
                     })
              .ok());
  CHECK(changes == std::vector<std::string>{"added /r/a.txt", "added /r/b.txt", "added /r/c.zip",
                                            "added /r/c.zip!x.csv", "added /r/d.bin",
                                            "added /r/undefined.txt"});
}

}  // namespace
}  // namespace phiscan
