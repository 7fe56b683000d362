// phireport is safe to point at a catalog: it opens it read-only (it works on
// a read-only file in a read-only directory and leaves every byte as it
// was), and every filter value is a bound parameter (SQL in a filter is just
// a string that matches nothing).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/testutil/jsonl.h"
#include "tests/testutil/testutil.h"

using phiscan::testing::ParseJsonl;
using phiscan::testing::ReadFile;
using phiscan::testing::RunCommand;
using phiscan::testing::TempDir;
using phiscan::testing::ToolPath;
using phiscan::testing::WriteFile;

namespace {

std::string Scan(const TempDir& dir, const std::string& catalog) {
  WriteFile(dir.Join("tree/notes.txt"), "Patient SSN: 536-22-8726\n");
  WriteFile(dir.Join("tree/o'brien.txt"), "Patient email jane.doe@example.org\n");
  WriteFile(dir.Join("tree/plain.txt"), "nothing here\n");
  REQUIRE(RunCommand(ToolPath("phiscan") + " scan --quiet --catalog " + catalog + " " +
                     dir.Join("tree")) == 0);
  return catalog;
}

// Every report, as a list of argument strings (html writes to `html`).
std::vector<std::string> Reports(const std::string& html) {
  std::vector<std::string> r;
  for (const char* cmd : {"summary", "assets", "findings", "folders", "runs", "diff"}) {
    for (const char* fmt : {"table", "json", "jsonl", "csv"}) {
      r.push_back(std::string(cmd) + " --format " + fmt);
    }
  }
  r.push_back("events");
  r.push_back("html -o " + html);
  return r;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs every report as a user who may only read the catalog (nobody, when
// the tests run as root: mode bits do not stop root) and checks no byte of
// it changed. `dir_writable`: whether that user may create files beside it
// (SQLite's -shm for a WAL-mode catalog).
void ReportsLeaveCatalogAlone(bool dir_writable) {
  TempDir dir;
  std::string catdir = dir.Join("cat");
  REQUIRE(mkdir(catdir.c_str(), 0700) == 0);
  std::string catalog = Scan(dir, catdir + "/c.db");
  const std::string before = ReadFile(catalog);
  REQUIRE_FALSE(before.empty());
  mkdir(dir.Join("out").c_str(), 0777);
  chmod(dir.Join("out").c_str(), 0777);
  std::string as_user;
  if (geteuid() == 0) {
    REQUIRE(chown(catdir.c_str(), 65534, 65534) == 0);
    REQUIRE(chown(catalog.c_str(), 65534, 65534) == 0);
    chmod(dir.path().c_str(), 0755);
    as_user = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  }
  REQUIRE(chmod(catalog.c_str(), 0400) == 0);
  REQUIRE(chmod(catdir.c_str(), dir_writable ? 0700 : 0500) == 0);
  for (const auto& args : Reports(dir.Join("out/r.html"))) {
    INFO(args);
    std::string out, err;
    CHECK(RunCommand(as_user + ToolPath("phireport") + " " + args + " --catalog " + catalog, &out,
                     &err) == 0);
    INFO(err);
    CHECK(err.empty());
  }
  CHECK(ReadFile(catalog) == before);
  struct stat st;
  REQUIRE(stat(catalog.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0400);
  chmod(catdir.c_str(), 0700);
}

}  // namespace

TEST_CASE("phireport reads a read-only catalog file and changes no byte of it") {
  ReportsLeaveCatalogAlone(/*dir_writable=*/true);
}

// A WAL-mode catalog needs a -shm beside it; in a read-only directory with
// no -wal, phireport reads the file as immutable instead.
TEST_CASE("phireport reads a read-only catalog in a read-only directory",
          "[readonly_dir]") {
  ReportsLeaveCatalogAlone(/*dir_writable=*/false);
}

// A -wal left by a killed scan holds committed changes that only a -shm
// lets SQLite read: in a read-only directory that cannot be made, and the
// error says so, not SQLite's "unable to open database file".
TEST_CASE("phireport names the log it cannot read in a read-only directory", "[readonly_dir]") {
  TempDir dir;
  const std::string catdir = dir.Join("cat");
  REQUIRE(mkdir(catdir.c_str(), 0700) == 0);
  const std::string catalog = Scan(dir, catdir + "/c.db");
  WriteFile(catalog + "-wal", std::string(4096, '\x7f'));
  std::string as_user;
  if (geteuid() == 0) {
    REQUIRE(chown(catdir.c_str(), 65534, 65534) == 0);
    REQUIRE(chown(catalog.c_str(), 65534, 65534) == 0);
    REQUIRE(chown((catalog + "-wal").c_str(), 65534, 65534) == 0);
    chmod(dir.path().c_str(), 0755);
    as_user = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  }
  REQUIRE(chmod(catdir.c_str(), 0500) == 0);
  std::string out, err;
  CHECK(RunCommand(as_user + ToolPath("phireport") + " summary --catalog " + catalog, &out,
                   &err) == 1);
  CHECK_THAT(err, Catch::Contains("its write-ahead log (-wal) holds changes"));
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  chmod(catdir.c_str(), 0700);
}

TEST_CASE("SQL in a report filter is a plain value: no error, no damage") {
  TempDir dir;
  std::string catalog = Scan(dir, dir.Join("c.db"));
  const std::string before = ReadFile(catalog);
  std::string out;
  REQUIRE(RunCommand(ToolPath("phireport") + " assets --format jsonl --catalog " + catalog, &out) ==
          0);
  const size_t assets = ParseJsonl(out).size();
  REQUIRE(assets == 3);

  for (const std::string& evil :
       {std::string("'; DROP TABLE assets; --"), std::string("\" OR 1=1 --"),
        std::string("x' OR '1'='1"), std::string("%"), std::string("_"),
        std::string("'); DELETE FROM findings; --")}) {
    INFO(evil);
    for (const char* flag : {"--path-prefix", "--type"}) {
      for (const char* cmd : {"assets", "findings", "folders", "events"}) {
        std::string err;
        int rc = RunCommand(ToolPath("phireport") + " " + cmd + " --format jsonl " + flag + " " +
                                Quote(evil) + " --catalog " + catalog,
                            &out, &err);
        INFO(cmd << " " << flag << ": " << err);
        // A value that matches nothing, or a usage error for a malformed id:
        // never a catalog error, never rows it does not match.
        CHECK((rc == 0 || rc == 2));
        if (rc == 0) CHECK(ParseJsonl(out).empty());
      }
    }
  }
  // The one path with a quote in its name is found by its own prefix.
  REQUIRE(RunCommand(ToolPath("phireport") + " assets --format jsonl --path-prefix " +
                         Quote(dir.Join("tree/o'brien")) + " --catalog " + catalog,
                     &out) == 0);
  CHECK(ParseJsonl(out).size() == 1);
  REQUIRE(RunCommand(ToolPath("phireport") + " assets --format jsonl --catalog " + catalog, &out) ==
          0);
  CHECK(ParseJsonl(out).size() == assets);
  CHECK(ReadFile(catalog) == before);
}
