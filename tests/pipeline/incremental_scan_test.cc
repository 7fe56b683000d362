// Incremental rescans through the real `phiscan scan`, asserted through the
// counters each run records in the catalog (never through time): an
// unchanged tree is carried over without a byte classified, members of an
// unchanged zip keep their findings, and a touched, an added and a deleted
// file among unchanged ones are each handled right.
//
// All identifiers are synthetic (a valid-looking SSN structure); none is real.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tests/catalog/fixtures.h"
#include "tests/scanner/extract_fixture.h"
#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

using testing::PeekOne;
using testing::TempDir;

const std::string kSensitive = "Patient SSN: 234-56-7891\n";

struct Tree {
  explicit Tree(const TempDir& dir) : root(dir.Join("tree")), db(dir.Join("c.db")) {}
  std::string Path(const std::string& rel) const { return root + "/" + rel; }
  void Put(const std::string& rel, const std::string& content) const {
    testing::WriteFile(Path(rel), content);
  }
  std::string root;
  std::string db;
};

void Scan(const Tree& t, const std::string& flags = "") {
  std::string out, err;
  const int rc = testing::RunCommand("'" + testing::ToolPath("phiscan") + "' scan --threads 2 " +
                                         flags + " --catalog '" + t.db + "' '" + t.root + "'",
                                     &out, &err);
  INFO(err);
  REQUIRE(rc == 0);
}

// "assets unchanged bytes_scanned removed" of the latest run.
std::string LatestCounters(const Tree& t) {
  return PeekOne(t.db,
                 "SELECT assets || ' ' || unchanged || ' ' || bytes_scanned || ' ' || removed"
                 " FROM runs ORDER BY id DESC LIMIT 1");
}

std::string LatestRun(const Tree& t) {
  return PeekOne(t.db, "SELECT max(id) FROM runs");
}

// Findings of every present asset: path, member, type, offsets and token.
std::string FindingsDump(const Tree& t) {
  return PeekOne(t.db,
                 "SELECT group_concat(x, '|') FROM (SELECT hex(a.path) || ':' || hex(a.member) ||"
                 " ':' || f.type_id || ':' || f.start || ':' || f.\"end\" || ':' || hex(f.token)"
                 " AS x FROM findings f JOIN assets a ON a.id = f.asset_id"
                 " WHERE a.removed_run IS NULL ORDER BY x)");
}

TEST_CASE("A rescan of an unchanged tree records every file unchanged and 0 bytes classified") {
  TempDir dir;
  Tree t(dir);
  // More files than one batch, in several directories, a few sensitive.
  const int n = 1300;
  for (int i = 0; i < n; ++i) {
    t.Put("d" + std::to_string(i % 11) + "/f" + std::to_string(i) + ".txt",
          i % 50 == 0 ? kSensitive : "plain text\n");
  }
  Scan(t);
  CHECK(LatestCounters(t) == std::to_string(n) + " 0 " +
                                 PeekOne(t.db, "SELECT sum(size) FROM assets") + " 0");
  const std::string findings = FindingsDump(t);
  CHECK(findings != "<null>");

  Scan(t);
  CHECK(LatestCounters(t) == std::to_string(n) + " " + std::to_string(n) + " 0 0");
  // Every asset was seen by the rescan, and its results are untouched.
  CHECK(PeekOne(t.db, "SELECT count(*) FROM assets WHERE last_seen_run = " + LatestRun(t)) ==
        std::to_string(n));
  CHECK(PeekOne(t.db, "SELECT count(*) FROM assets WHERE last_scan_run <> 1") == "0");
  CHECK(FindingsDump(t) == findings);
  CHECK(PeekOne(t.db, "SELECT status FROM runs ORDER BY id DESC LIMIT 1") == "completed");
}

TEST_CASE("Members of an unchanged zip carry over with their findings, unread") {
  TempDir dir;
  Tree t(dir);
  t.Put("loose.txt", "nothing here\n");
  t.Put("bundle.zip", testing::WriteArchive("zip", "", {{"notes/visit.txt", kSensitive},
                                                        {"notes/clean.txt", "nothing\n"}}));
  Scan(t);
  CHECK(LatestCounters(t).rfind("4 0 ", 0) == 0);  // loose, zip and its two members
  const std::string member_findings =
      PeekOne(t.db,
              "SELECT count(*) FROM findings f JOIN assets a ON a.id = f.asset_id"
              " WHERE a.member = CAST('notes/visit.txt' AS BLOB)");
  REQUIRE(member_findings == "1");
  const std::string findings = FindingsDump(t);

  Scan(t);
  // The two files are carried over; nothing is read, members included.
  CHECK(LatestCounters(t) == "2 2 0 0");
  CHECK(FindingsDump(t) == findings);
  CHECK(PeekOne(t.db, "SELECT count(*) FROM assets WHERE member <> x''"
                      " AND last_seen_run = " + LatestRun(t) + " AND last_scan_run = 1"
                      " AND removed_run IS NULL") == "2");

  // Deleted, the zip and its members are removed together.
  REQUIRE(unlink(t.Path("bundle.zip").c_str()) == 0);
  Scan(t);
  CHECK(LatestCounters(t) == "1 1 0 3");
  CHECK(PeekOne(t.db, "SELECT count(*) FROM assets WHERE removed_run IS NULL") == "1");
}

TEST_CASE("A touched, an added and a deleted file among unchanged ones are each handled right") {
  TempDir dir;
  Tree t(dir);
  for (int i = 0; i < 40; ++i) t.Put("f" + std::to_string(i) + ".txt", "plain text\n");
  t.Put("edit.txt", "nothing yet\n");
  t.Put("gone.txt", kSensitive);
  Scan(t);
  CHECK(LatestCounters(t).rfind("42 0 ", 0) == 0);

  // Touched: new content and a new mtime (set explicitly, so it differs
  // even within the file system's timestamp granularity).
  t.Put("edit.txt", "now with " + kSensitive);
  struct timespec times[2] = {{0, UTIME_OMIT}, {2'000'000'000, 0}};
  REQUIRE(utimensat(AT_FDCWD, t.Path("edit.txt").c_str(), times, 0) == 0);
  t.Put("new.txt", kSensitive);
  REQUIRE(unlink(t.Path("gone.txt").c_str()) == 0);
  Scan(t);

  const std::string run = LatestRun(t);
  const uint64_t read_bytes = ("now with " + kSensitive).size() + kSensitive.size();
  CHECK(LatestCounters(t) == "42 40 " + std::to_string(read_bytes) + " 1");
  auto scanned_in = [&](const std::string& rel) {
    return PeekOne(t.db, "SELECT last_scan_run FROM assets WHERE path = CAST('" + t.Path(rel) +
                             "' AS BLOB) AND member = x''");
  };
  CHECK(scanned_in("edit.txt") == run);
  CHECK(scanned_in("new.txt") == run);
  CHECK(scanned_in("f7.txt") == "1");
  CHECK(PeekOne(t.db, "SELECT removed_run FROM assets WHERE path = CAST('" +
                          t.Path("gone.txt") + "' AS BLOB)") == run);
  // The edited file's findings are its new ones.
  CHECK(PeekOne(t.db, "SELECT count(*) FROM findings f JOIN assets a ON a.id = f.asset_id"
                      " WHERE a.path = CAST('" + t.Path("edit.txt") + "' AS BLOB)") == "1");
  // And the next rescan carries all of them over again.
  Scan(t);
  CHECK(LatestCounters(t) == "42 42 0 0");
}

}  // namespace
}  // namespace phiscan

namespace phiscan {
namespace {

// The run that last read the file at `rel` (its own record).
std::string LastScanRun(const Tree& t, const std::string& rel) {
  return PeekOne(t.db, "SELECT last_scan_run FROM assets WHERE path = CAST('" + t.Path(rel) +
                           "' AS BLOB) AND member = x''");
}

// SSNs counted in the table `patients` of the database at `rel`.
std::string TableSsnCount(const Tree& t, const std::string& rel) {
  return PeekOne(t.db,
                 "SELECT coalesce(sum(ty.count), 0) FROM asset_types ty"
                 " JOIN assets a ON a.id = ty.asset_id"
                 " WHERE a.path = CAST('" + t.Path(rel) + "' AS BLOB)"
                 " AND a.member = CAST('patients' AS BLOB) AND ty.type_id = 'US_SSN'"
                 " AND a.removed_run IS NULL");
}

TEST_CASE("A live SQLite database whose new rows are only in its write-ahead log is read again") {
  // An application keeps its database open; its newest rows sit in app.db-wal
  // until a checkpoint, and app.db keeps its size and times. Carried over by
  // the file's identity alone, the new patient was never seen by a nightly
  // incremental scan.
  TempDir dir;
  Tree t(dir);
  t.Put("notes.txt", "nothing here\n");
  const std::string db_path = t.Path("app.db");
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &raw) == SQLITE_OK);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
  auto exec = [&](const std::string& sql) {
    REQUIRE(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  };
  exec("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
       "CREATE TABLE patients (name TEXT, ssn TEXT);"
       "INSERT INTO patients VALUES ('Jane Roe', '536-22-8726');"
       "PRAGMA wal_checkpoint(TRUNCATE);");  // every row in app.db, the log empty

  Scan(t);
  CHECK(TableSsnCount(t, "app.db") == "1");
  CHECK(PeekOne(t.db, "SELECT format FROM assets WHERE path = CAST('" + db_path +
                          "' AS BLOB) AND member = x''") == "sqlite");
  // An empty log holds nothing: the database is carried over like any file
  // (the tree also holds the log and SQLite's shared-memory file).
  Scan(t);
  CHECK(LatestCounters(t) == "4 4 0 0");
  CHECK(LastScanRun(t, "app.db") == "1");

  struct stat before, after;
  REQUIRE(stat(db_path.c_str(), &before) == 0);
  exec("INSERT INTO patients VALUES ('John Roe', '536-22-8727');");
  REQUIRE(stat(db_path.c_str(), &after) == 0);
  REQUIRE(after.st_size == before.st_size);
  REQUIRE(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
  REQUIRE(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);

  Scan(t);
  // notes.txt is carried over; the database is read again, with its log.
  CHECK(LastScanRun(t, "notes.txt") == "1");
  CHECK(LastScanRun(t, "app.db") == LatestRun(t));
  CHECK(TableSsnCount(t, "app.db") == "2");
}

}  // namespace
}  // namespace phiscan
