// The catalog side of incremental scans: carried-over assets, removals,
// scan history and runs left behind by a dead process.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <ctime>
#include <string>
#include <tuple>
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
using testing::MakeAsset;
using testing::MakeFinding;
using testing::MakeRunInfo;
using testing::MakeUnchanged;
using testing::MakeUnlistedFolder;
using testing::OpenWriter;
using testing::PeekColumn;
using testing::PeekOne;

AssetRecord Sensitive(const std::string& path, uint32_t mode = 0100600) {
  AssetRecord a = MakeAsset(path);
  a.mode = mode;
  a.label = "PHI";
  a.types = {{"US_SSN", 1, 1, 90}};
  a.findings = {MakeFinding("US_SSN", 90, 0, 1, "***-**-****")};
  return a;
}

std::vector<std::string> Present(const std::string& db) {
  auto reader = CatalogReader::Open(db);
  REQUIRE(reader.ok());
  std::vector<std::string> paths;
  REQUIRE(
      (*reader)->ListAssets({}, [&](const catalog::AssetRow& a) { paths.push_back(a.path); }).ok());
  return paths;
}

// Run 1 scans a, b, c under /srv/share.
void FirstRun(CatalogWriter& writer) {
  REQUIRE(writer.BeginRun(MakeRunInfo()).ok());
  writer.Submit(Sensitive("/srv/share/a.txt"));
  writer.Submit(MakeAsset("/srv/share/b.txt"));
  writer.Submit(MakeAsset("/srv/share/sub/c.txt"));
  REQUIRE(writer.FinishRun(RunStatus::kCompleted).ok());
}

TEST_CASE("An unchanged asset keeps its findings and is only marked seen") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  FirstRun(*writer);
  const std::string findings_before = PeekOne(db, "SELECT group_concat(id) FROM findings");

  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  writer->Submit(MakeUnchanged("/srv/share/a.txt"));
  writer->Submit(MakeUnchanged("/srv/share/b.txt"));
  writer->Submit(MakeUnchanged("/srv/share/sub/c.txt"));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());

  // Same finding rows (not rewritten), same label, last scan still run 1.
  CHECK(PeekOne(db, "SELECT group_concat(id) FROM findings") == findings_before);
  CHECK(PeekColumn(db,
                   "SELECT label || ' ' || last_scan_run || ' ' || last_seen_run FROM assets"
                   " WHERE path = CAST('/srv/share/a.txt' AS BLOB)") ==
        std::vector<std::string>{"PHI 1 2"});
  CHECK(PeekOne(db,
                "SELECT assets || ' ' || unchanged || ' ' || bytes_scanned || ' ' || removed"
                " FROM runs WHERE id = 2") == "3 3 0 0");
  // Nothing to compare: carried-over assets leave no history.
  CHECK(PeekOne(db, "SELECT count(*) FROM asset_history WHERE run_id = 2") == "0");
}

TEST_CASE("A carried-over gap is a gap of the run that carries it over, as it is its asset") {
  // Run 2 of a share with a skipped image carried it over unread: its runs
  // row said 3 assets and 0 gaps, while the scan's summary line (the
  // catalog under the roots) said 1 coverage gap.
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  writer->Submit(Sensitive("/srv/share/a.txt"));
  AssetRecord image = MakeAsset("/srv/share/scan.png");
  image.status = AssetStatus::kSkipped;
  image.reason = "binary";
  writer->Submit(std::move(image));
  // A zip with an encrypted member: the member is no asset of a run that
  // carries the zip over, so no gap of it either.
  writer->Submit(MakeAsset("/srv/share/b.zip"));
  AssetRecord locked = MakeAsset("/srv/share/b.zip", "secret.txt");
  locked.status = AssetStatus::kEncrypted;
  writer->Submit(std::move(locked));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(writer->gaps() == 2);

  // Run 2 carries all three over, a.txt twice (overlapping roots); run 3
  // reads the image again, with the other two in the same batch.
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  std::vector<AssetRecord> batch;
  for (const char* path :
       {"/srv/share/a.txt", "/srv/share/scan.png", "/srv/share/b.zip", "/srv/share/a.txt"}) {
    batch.push_back(MakeUnchanged(path));
  }
  writer->SubmitBatch(std::move(batch));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(writer->gaps() == 1);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  writer->Submit(MakeUnchanged("/srv/share/a.txt"));
  AssetRecord again = MakeAsset("/srv/share/scan.png");
  again.status = AssetStatus::kSkipped;
  again.reason = "binary";
  writer->Submit(std::move(again));
  writer->Submit(MakeUnchanged("/srv/share/b.zip"));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(writer->gaps() == 1);
  CHECK(PeekColumn(db, "SELECT id || ': ' || assets || ' assets, ' || unchanged ||"
                       " ' unchanged, ' || gaps || ' gaps' FROM runs ORDER BY id") ==
        std::vector<std::string>{"1: 4 assets, 0 unchanged, 2 gaps",
                                 "2: 4 assets, 4 unchanged, 1 gaps",
                                 "3: 3 assets, 2 unchanged, 1 gaps"});
}

TEST_CASE("A file that can no longer be read keeps its last classification, as a gap") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  writer->Submit(Sensitive("/srv/share/a.txt"));
  AssetRecord zip = Sensitive("/srv/share/b.zip");
  writer->Submit(std::move(zip));
  AssetRecord member = Sensitive("/srv/share/b.zip");
  member.member = "inner.txt";
  writer->Submit(std::move(member));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());

  // Run 2: permissions taken away from both; a never-seen file is
  // unreadable too.
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  for (const char* path : {"/srv/share/a.txt", "/srv/share/b.zip", "/srv/share/new.txt"}) {
    AssetRecord u = MakeAsset(path);
    u.status = AssetStatus::kUnreadable;
    u.reason = "permission_denied";
    writer->Submit(std::move(u));
  }
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());

  CHECK(PeekColumn(db,
                   "SELECT path || '!' || member || ' ' || status || ' ' || coalesce(label, '-')"
                   " || ' ' || (removed_run IS NULL) FROM assets ORDER BY path, member") ==
        std::vector<std::string>{"/srv/share/a.txt! 4 PHI 1", "/srv/share/b.zip! 4 PHI 1",
                                 "/srv/share/b.zip!inner.txt 0 PHI 1",
                                 "/srv/share/new.txt! 4 - 1"});
  CHECK(PeekOne(db, "SELECT count(*) FROM findings") == "3");
  CHECK(PeekOne(db, "SELECT count(*) FROM asset_types") == "3");
  // diff: nothing stopped being sensitive, nothing was removed.
  auto reader = CatalogReader::Open(db);
  REQUIRE(reader.ok());
  std::vector<std::string> changes;
  REQUIRE((*reader)
              ->Diff(1, 2,
                     [&](const catalog::DiffRow& d) { changes.push_back(d.change + " " + d.path); })
              .ok());
  for (const auto& c : changes) {
    INFO(c);
    CHECK(c.find("no_longer_sensitive") == std::string::npos);
    CHECK(c.find("removed") == std::string::npos);
  }
}

TEST_CASE("A carried-over asset the catalog does not hold is a write error, not a silent loss") {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.Join("c.db"));
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  writer->Submit(MakeUnchanged("/srv/share/never-seen.txt"));
  Status s = writer->FinishRun(RunStatus::kCompleted);
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("never-seen.txt"));
}

TEST_CASE("A completed run marks what it did not see under its roots as removed") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  FirstRun(*writer);
  {
    // An asset outside the run's roots is never touched.
    auto info = MakeRunInfo();
    info.roots = {"/elsewhere"};
    REQUIRE(writer->BeginRun(info).ok());
    writer->Submit(MakeAsset("/elsewhere/x.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }

  SECTION("interrupted and failed runs never mark removals") {
    for (RunStatus status : {RunStatus::kInterrupted, RunStatus::kFailed}) {
      REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
      writer->Submit(MakeUnchanged("/srv/share/a.txt"));
      REQUIRE(writer->FinishRun(status).ok());
      CHECK(writer->removed() == 0);
    }
    CHECK(Present(db).size() == 4);
  }

  SECTION("completed: b and c are gone, a stays, /elsewhere is not this run's business") {
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    writer->Submit(MakeUnchanged("/srv/share/a.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->removed() == 2);
    CHECK(Present(db) == std::vector<std::string>{"/elsewhere/x.txt", "/srv/share/a.txt"});
    CHECK(PeekColumn(db,
                     "SELECT CAST(path AS TEXT) || ' ' || removed_run FROM assets"
                     " WHERE removed_run IS NOT NULL ORDER BY path") ==
          std::vector<std::string>{"/srv/share/b.txt 3", "/srv/share/sub/c.txt 3"});
    CHECK(PeekOne(db, "SELECT removed FROM runs WHERE id = 3") == "2");

    // Seen again: present again, removed_run cleared.
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    writer->Submit(MakeUnchanged("/srv/share/a.txt"));
    writer->Submit(MakeAsset("/srv/share/b.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->removed() == 0);
    CHECK(Present(db).size() == 3);
    CHECK(PeekOne(db,
                  "SELECT coalesce(removed_run, 'present') FROM assets"
                  " WHERE path = CAST('/srv/share/b.txt' AS BLOB)") == "present");
  }

  SECTION("nothing below a directory the run could not read is marked removed") {
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    writer->Submit(MakeUnchanged("/srv/share/a.txt"));
    writer->Submit(MakeAsset("/srv/share/b.txt"));
    writer->Submit(MakeUnlistedFolder("/srv/share/sub"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->removed() == 0);
    CHECK(Present(db).size() == 5);  // four files and the gap
  }

  SECTION(
      "a root given with a trailing slash covers the same tree, and a sibling prefix is "
      "not below it") {
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    writer->Submit(
        MakeAsset("/srv/share-other.txt"));  // outside: "/srv/share-" is not "/srv/share/"
    writer->Submit(MakeUnchanged("/srv/share/a.txt"));
    writer->Submit(MakeUnchanged("/srv/share/b.txt"));
    writer->Submit(MakeUnchanged("/srv/share/sub/c.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    auto info = MakeRunInfo();
    info.roots = {"/srv/share/"};
    REQUIRE(writer->BeginRun(info).ok());
    writer->Submit(MakeUnchanged("/srv/share/a.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->removed() == 2);
    CHECK(Present(db) ==
          std::vector<std::string>{"/elsewhere/x.txt", "/srv/share-other.txt", "/srv/share/a.txt"});
  }
}

TEST_CASE("A root whose files the filters all left out keeps them, and is no gap") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  FirstRun(*writer);  // a, b, sub/c under /srv/share
  const std::vector<std::string> files = {"/srv/share/a.txt", "/srv/share/b.txt",
                                          "/srv/share/sub/c.txt"};

  // /srv/share again, and /srv around it, which saw one new file: the
  // filtered-out root is kept through either.
  auto info = MakeRunInfo();
  info.roots = {"/srv", "/srv/share"};
  REQUIRE(writer->BeginRun(info).ok());
  writer->Submit(MakeAsset("/srv/new.txt"));
  writer->SetFilteredOutRoots({"/srv/share"});
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(writer->removed() == 0);
  CHECK(writer->guarded_roots().empty());
  CHECK(writer->gaps() == 0);
  std::vector<std::string> present = files;
  present.insert(present.begin(), "/srv/new.txt");
  CHECK(Present(db) == present);
  CHECK(PeekOne(db, "SELECT count(*) FROM assets WHERE status <> 0") == "0");

  // Set for one run only; RunInfo::allow_empty_roots takes the filters at
  // their word.
  info.roots = {"/srv/share"};
  info.allow_empty_roots = true;
  REQUIRE(writer->BeginRun(info).ok());
  writer->Submit(MakeUnchanged("/srv/share/a.txt"));
  writer->SetFilteredOutRoots({"/srv/share"});
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(writer->removed() == 2);
  info.allow_empty_roots = false;
  REQUIRE(writer->BeginRun(info).ok());
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(writer->guarded_roots().size() == 1);  // an empty root: guarded again
}

TEST_CASE("A root that shows none of its files is a gap, not the removal of everything below it") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  FirstRun(*writer);  // a, b, sub/c under /srv/share
  const std::vector<std::string> files = {"/srv/share/a.txt", "/srv/share/b.txt",
                                          "/srv/share/sub/c.txt"};
  auto status_of_root = [&] {
    return PeekOne(db,
                   "SELECT s.name || '(' || a.reason || ') ' || a.kind || ' ' || "
                   "coalesce(a.removed_run, 'present') FROM assets a JOIN status_names s"
                   " ON s.code = a.status WHERE a.path = CAST('/srv/share' AS BLOB)");
  };

  SECTION("a run that lists nothing under the root (an empty mountpoint) removes nothing") {
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->removed() == 0);
    REQUIRE(writer->guarded_roots().size() == 1);
    CHECK(writer->guarded_roots()[0].root == "/srv/share");
    CHECK(writer->guarded_roots()[0].reason == "root_empty");
    CHECK(writer->guarded_roots()[0].held == 3);
    // The root is a coverage gap (a directory, kind 1) that hides its tree.
    CHECK(status_of_root() == "unreadable(root_empty) 1 present");
    std::vector<std::string> present = files;
    present.insert(present.begin(), "/srv/share");
    CHECK(Present(db) == present);
    CHECK(PeekOne(db, "SELECT removed || ' ' || gaps || ' ' || assets FROM runs WHERE id = 2") ==
          "0 1 1");
    CHECK(PeekOne(db, "SELECT count(*) FROM asset_history WHERE event = 'removed'") == "0");

    // Mounted again: every file is seen, and only the gap record goes.
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    for (const auto& f : files) writer->Submit(MakeUnchanged(f));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->guarded_roots().empty());
    CHECK(Present(db) == files);
    // The cleared gap record is no asset that went away: neither the run
    // nor the summary counts it as removed.
    CHECK(writer->removed() == 0);
    CHECK(PeekOne(db, "SELECT removed FROM runs WHERE id = 3") == "0");
    auto reader = CatalogReader::Open(db);
    REQUIRE(reader.ok());
    auto summary = (*reader)->GetSummary({});
    REQUIRE(summary.ok());
    CHECK(summary->removed == 0);
    // Nor does a diff: the root's gap came and went, its coverage changed.
    for (auto [from, to, before, after] :
         {std::tuple{1, 2, AssetStatus::kComplete, AssetStatus::kUnreadable},
          std::tuple{2, 3, AssetStatus::kUnreadable, AssetStatus::kComplete}}) {
      INFO("runs " << from << " to " << to);
      std::vector<catalog::DiffRow> rows;
      auto keep = [&](const catalog::DiffRow& r) { rows.push_back(r); };
      REQUIRE((*reader)->Diff(from, to, keep).ok());
      REQUIRE(rows.size() == 1);
      CHECK(rows[0].path == "/srv/share");
      CHECK(rows[0].change == "coverage_changed");
      CHECK(rows[0].status_before == before);
      CHECK(rows[0].status_after == after);
    }
  }

  SECTION("a run that finds only files new to the catalog (another file system) removes nothing") {
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    writer->Submit(MakeAsset("/srv/share/lost+found/stray.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->removed() == 0);
    REQUIRE(writer->guarded_roots().size() == 1);
    CHECK(writer->guarded_roots()[0].reason == "root_replaced");
    CHECK(status_of_root() == "unreadable(root_replaced) 1 present");
    CHECK(Present(db).size() == 5);  // three files, the stray and the gap
  }

  SECTION("a guarded root inside another root: nothing below it is removed through either") {
    auto info = MakeRunInfo();
    info.roots = {"/srv"};
    REQUIRE(writer->BeginRun(info).ok());
    for (const auto& f : files) writer->Submit(MakeUnchanged(f));
    writer->Submit(MakeAsset("/srv/top.txt"));
    writer->Submit(MakeAsset("/srv/old.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    // /srv shows top.txt, which it knew: trusted, old.txt is removed.
    // /srv/share shows nothing: guarded, and /srv does not remove its files.
    info.roots = {"/srv", "/srv/share"};
    REQUIRE(writer->BeginRun(info).ok());
    writer->Submit(MakeUnchanged("/srv/top.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    REQUIRE(writer->guarded_roots().size() == 1);
    CHECK(writer->guarded_roots()[0].root == "/srv/share");
    CHECK(writer->removed() == 1);
    CHECK(PeekColumn(db,
                     "SELECT CAST(path AS TEXT) FROM assets WHERE removed_run IS NOT NULL") ==
          std::vector<std::string>{"/srv/old.txt"});
  }

  SECTION("allow_empty_roots accepts a root that was really emptied") {
    auto info = MakeRunInfo();
    info.allow_empty_roots = true;
    REQUIRE(writer->BeginRun(info).ok());
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->guarded_roots().empty());
    CHECK(writer->removed() == 3);
    CHECK(Present(db).empty());
  }

  SECTION("a root that shows some of its files marks the rest removed as before") {
    REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
    writer->Submit(MakeUnchanged("/srv/share/b.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
    CHECK(writer->guarded_roots().empty());
    CHECK(writer->removed() == 2);
  }
}

TEST_CASE("ForEachPriorAsset lists present top-level files with the run's key") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  auto info = MakeRunInfo();
  info.key_id = "0123456789abcdef";
  REQUIRE(writer->BeginRun(info).ok());
  AssetRecord a = MakeAsset("/srv/share/a.txt");
  a.status = AssetStatus::kPartial;
  writer->Submit(std::move(a));
  writer->Submit(MakeAsset("/srv/share/z.zip", "inner.txt"));  // a member: never carried alone
  writer->Submit(MakeUnlistedFolder("/srv/share/locked"));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());

  std::vector<catalog::PriorAsset> prior;
  REQUIRE(
      writer->ForEachPriorAsset([&](const catalog::PriorAsset& p) { prior.push_back(p); }).ok());
  REQUIRE(prior.size() == 1);
  CHECK(prior[0].path == "/srv/share/a.txt");
  CHECK(prior[0].status == AssetStatus::kPartial);
  CHECK(prior[0].key_id == "0123456789abcdef");
  CHECK(prior[0].rules_version == "builtin-1");
  CHECK(prior[0].ino == 131'073);
  CHECK(prior[0].ctime_ns == 1'795'987'994'500'000'000);

  REQUIRE(writer->BeginRun(info).ok());
  CHECK(writer->ForEachPriorAsset([](const catalog::PriorAsset&) {}).code() ==
        StatusCode::kInvalidArgument);
  REQUIRE(writer->FinishRun(RunStatus::kInterrupted).ok());
}

TEST_CASE("A run left running by a dead process shows as interrupted, then is marked so") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  {
    auto writer = OpenWriter(db);
    FirstRun(*writer);
  }
  // A child that has exited and been reaped: its pid names no process.
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) _exit(0);
  REQUIRE(waitpid(child, nullptr, 0) == child);
  // What a killed scan leaves behind (SIGKILL runs no destructor): a run
  // still 'running' with its pid, on this host. Run 1 reuses its own host.
  REQUIRE(testing::ExecSql(
      db,
      "INSERT INTO runs (started_at, status, roots, options, rules_version, host, user, pid)"
      " SELECT 1795990000, 'running', roots, options, rules_version, host, user, " +
          std::to_string(child) +
          " FROM runs WHERE id = 1;"
          "INSERT INTO runs (started_at, status, roots, options, rules_version, host, user, pid)"
          " SELECT " + std::to_string(std::time(nullptr)) +
          ", 'running', roots, options, rules_version, host, user, " + std::to_string(getpid()) +
          " FROM runs WHERE id = 1;"
          "INSERT INTO runs (started_at, status, roots, options, rules_version, host, user, pid)"
          " VALUES (1795990000, 'running', '[]', '{}', 'x', 'another-host', 'u', " +
          std::to_string(child) + ");"
          // A run whose pid is now another process's, one that started
          // after it (this test's): a recycled pid, as after a reboot.
          "INSERT INTO runs (started_at, status, roots, options, rules_version, host, user, pid)"
          " SELECT 1795990000, 'running', roots, options, rules_version, host, user, " +
          std::to_string(getpid()) + " FROM runs WHERE id = 1;"));

  {
    auto reader = CatalogReader::Open(db);
    REQUIRE(reader.ok());
    std::vector<std::string> seen;
    REQUIRE((*reader)
                ->ListRuns([&](const catalog::RunRow& r) {
                  seen.push_back(std::to_string(r.id) + " " + r.status + (r.stale ? " stale" : ""));
                })
                .ok());
    CHECK(seen == std::vector<std::string>{"5 interrupted stale", "4 running", "3 running",
                                           "2 interrupted stale", "1 completed"});
    CHECK(PeekOne(db, "SELECT status FROM runs WHERE id = 2") ==
          "running");  // reader wrote nothing
  }
  auto writer = OpenWriter(db);
  // The dead process's run and the recycled pid's on this host: ours is
  // alive, the other host's cannot be judged.
  CHECK(writer->stale_runs_marked() == 2);
  CHECK(PeekColumn(db, "SELECT status FROM runs ORDER BY id") ==
        std::vector<std::string>{"completed", "interrupted", "running", "running",
                                 "interrupted"});
}

TEST_CASE("Each run records its process, raw roots and key fingerprint") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  auto info = MakeRunInfo();
  info.roots = {"/srv/a\nb\xff", "/srv/c"};
  info.key_id = "feedfacecafebeef";
  REQUIRE(writer->BeginRun(info).ok());
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(PeekOne(db, "SELECT pid FROM runs") == std::to_string(getpid()));
  CHECK(PeekOne(db, "SELECT key_id FROM runs") == "feedfacecafebeef");
  CHECK(PeekColumn(db, "SELECT hex(root) FROM run_roots ORDER BY root") ==
        std::vector<std::string>{"2F7372762F610A62FF", "2F7372762F63"});
  CHECK(PeekColumn(db, "SELECT type_id || ' ' || normalize FROM types ORDER BY type_id") ==
        std::vector<std::string>{"EMAIL lower", "US_MBI alnum_upper", "US_SSN digits"});
}

TEST_CASE("Exposure is stored with each scanned asset") {
  testing::TempDir dir;
  const std::string db = dir.Join("c.db");
  auto writer = OpenWriter(db);
  REQUIRE(writer->BeginRun(MakeRunInfo()).ok());
  writer->Submit(Sensitive("/srv/share/open.txt", 0100644));
  writer->Submit(Sensitive("/srv/share/team.txt", 0100660));
  writer->Submit(Sensitive("/srv/share/mine.txt", 0100600));
  AssetRecord acl = Sensitive("/srv/share/acl.txt", 0100640);
  acl.acl = AclSummary{2, 1, false};
  writer->Submit(std::move(acl));
  AssetRecord clean = MakeAsset("/srv/share/clean.txt");
  clean.mode = 0100666;
  clean.label = "NONE";
  writer->Submit(std::move(clean));
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  CHECK(PeekColumn(db,
                   "SELECT CAST(path AS TEXT) || ' ' || readable_by || ' ' || group_writable ||"
                   " world_writable || ' ' || coalesce(acl_readers, '-') || ' ' || exposed"
                   " FROM assets ORDER BY path") ==
        std::vector<std::string>{
            "/srv/share/acl.txt acl 00 1 0", "/srv/share/clean.txt everyone 11 - 0",
            "/srv/share/mine.txt owner 00 - 0", "/srv/share/open.txt everyone 00 - 1",
            "/srv/share/team.txt group 10 - 1"});
}

}  // namespace
}  // namespace phiscan
