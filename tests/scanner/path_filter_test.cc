#include <catch2/catch.hpp>

#include "scanner/path_filter.h"
#include "tests/testutil/testutil.h"

using phiscan::scanner::PathFilter;

namespace {
PathFilter Excludes(std::initializer_list<const char*> rules) {
  PathFilter f;
  for (const char* r : rules) REQUIRE(f.AddExclude(r).ok());
  return f;
}
}  // namespace

TEST_CASE("A name rule matches at any depth; a rule with a slash is anchored") {
  auto f = Excludes({"*.tmp", "node_modules", "/build", "exports/2019/*.csv"});
  CHECK(f.ExcludesFile("a.tmp"));
  CHECK(f.ExcludesFile("deep/down/a.tmp"));
  CHECK_FALSE(f.ExcludesFile("a.tmp.txt"));
  CHECK(f.ExcludesDirectory("src/node_modules"));
  CHECK(f.ExcludesDirectory("build"));
  CHECK_FALSE(f.ExcludesDirectory("src/build"));  // anchored at the root only
  CHECK(f.ExcludesFile("exports/2019/patients.csv"));
  CHECK_FALSE(f.ExcludesFile("exports/2020/patients.csv"));
  CHECK_FALSE(f.ExcludesFile("exports/2019/sub/patients.csv"));  // '*' does not cross '/'
}

TEST_CASE("Double star, directory-only rules and negation") {
  auto f = Excludes({"**/backup", "logs/**", "a/**/b.txt", "cache/", "*.log", "!keep.log"});
  CHECK(f.ExcludesDirectory("backup"));
  CHECK(f.ExcludesDirectory("x/y/backup"));
  CHECK(f.ExcludesFile("logs/2024/app.txt"));
  CHECK(f.ExcludesFile("a/b.txt"));
  CHECK(f.ExcludesFile("a/x/y/b.txt"));
  CHECK(f.ExcludesDirectory("cache"));
  CHECK_FALSE(f.ExcludesFile("cache"));  // a file named cache is not a directory
  CHECK(f.ExcludesFile("app.log"));
  CHECK_FALSE(f.ExcludesFile("keep.log"));  // the later '!' rule wins
}

TEST_CASE("A file is left out when it or a directory above it is excluded") {
  const PathFilter f = Excludes({"cache/", "*.tmp", "/exports/2019"});
  CHECK(f.LeavesOut("a/b.tmp"));
  CHECK(f.LeavesOut("app/cache/x.json"));           // under an excluded directory
  CHECK(f.LeavesOut("exports/2019/jan/rows.csv"));  // anchored, a directory above
  CHECK_FALSE(f.LeavesOut("exports/2020/rows.csv"));
  CHECK_FALSE(f.LeavesOut("cache"));  // a file named like the directory rule
}

TEST_CASE("Include rules restrict files, not directories") {
  PathFilter f;
  REQUIRE(f.AddInclude("*.csv").ok());
  REQUIRE(f.AddInclude("/notes/**").ok());
  CHECK_FALSE(f.ExcludesFile("x/y.csv"));
  CHECK_FALSE(f.ExcludesFile("notes/2024/visit.txt"));
  CHECK(f.ExcludesFile("other/visit.txt"));
  CHECK_FALSE(f.ExcludesDirectory("other"));
  CHECK_FALSE(f.AddInclude("!x").ok());
  CHECK_FALSE(f.AddExclude("").ok());
  CHECK_FALSE(f.AddExclude("!").ok());
}

TEST_CASE("An include rule naming a directory includes what is under it") {
  // "exports/" used to match no file at all: a rule for directories only,
  // and include rules were tried on files. (Found by review, 2026-12-03.)
  PathFilter f;
  REQUIRE(f.AddInclude("exports/").ok());
  REQUIRE(f.AddInclude("/hr/2019").ok());
  CHECK_FALSE(f.ExcludesFile("exports/a.csv"));
  CHECK_FALSE(f.ExcludesFile("dept/exports/deep/b.txt"));  // no '/' inside: any depth
  CHECK_FALSE(f.ExcludesFile("hr/2019/c.txt"));
  CHECK(f.ExcludesFile("exports"));          // a file named so is no directory
  CHECK(f.ExcludesFile("x/hr/2019/d.txt"));  // anchored at the root
  CHECK(f.ExcludesFile("exportsx/e.txt"));
}

TEST_CASE("Exclude files: comments, blank lines, and errors with file:line") {
  phiscan::testing::TempDir dir;
  phiscan::testing::WriteFile(dir.Join("ex"), "# comment\n\n*.bak  \n/tmp/\n!\n");
  PathFilter f;
  auto s = f.AddExcludesFromFile(dir.Join("ex"));
  CHECK(s.message() == dir.Join("ex") + ":5: empty path pattern");
  PathFilter g;
  phiscan::testing::WriteFile(dir.Join("ok"), "# comment\n\n*.bak  \n/tmp/\n");
  REQUIRE(g.AddExcludesFromFile(dir.Join("ok")).ok());
  CHECK(g.ExcludesFile("a/b.bak"));
  CHECK(g.ExcludesDirectory("tmp"));
  const auto missing = g.AddExcludesFromFile(dir.Join("missing"));
  CHECK(missing.code() == phiscan::StatusCode::kNotFound);
  CHECK(missing.message() ==
        "cannot read exclude file " + dir.Join("missing") + ": No such file or directory");
}

TEST_CASE("A glob fnmatch would read otherwise than written is refused, saying why") {
  // fnmatch takes an unclosed '[' and a final '\\' as plain characters: the
  // rule then matched nothing the user meant, silently.
  PathFilter f;
  const auto open = f.AddExclude("exports/[!");
  CHECK(open.code() == phiscan::StatusCode::kInvalidArgument);
  CHECK(open.message() ==
        "glob 'exports/[!': a '[' starts a character class that no ']' closes (write \\[ for "
        "a '[')");
  CHECK(f.AddInclude("[abc").message().find("no ']' closes") != std::string::npos);
  CHECK(f.AddExclude("a\\").message() ==
        "glob 'a\\\\': a '\\' at the end of a name escapes nothing");
  // A glob that could be an identifier typed into the wrong place is not
  // quoted back.
  CHECK(f.AddExclude("536-22-8726[").message() ==
        "glob (not shown: it holds digits): a '[' starts a character class that no ']' closes "
        "(write \\[ for a '[')");
  // Closed classes, a ']' first in one, and escapes are fine.
  for (const char* good : {"[abc]*.csv", "[!.]*", "[]x]", "[^a-z]", "a\\[b", "*\\*"}) {
    INFO(good);
    CHECK(f.AddExclude(good).ok());
  }
  CHECK(f.ExcludesFile("a[b"));
  CHECK(f.ExcludesFile("x]"));
  CHECK_FALSE(f.ExcludesFile(".hidden"));
}

TEST_CASE("An exclude file's bad line is named by its number, never quoted") {
  // A data file given as the exclude file by mistake: its record would
  // have reached the terminal and the journal.
  phiscan::testing::TempDir dir;
  phiscan::testing::WriteFile(dir.Join("records.csv"),
                              "name,ssn\nJane Roe,536-22-8726,see [chart\n");
  PathFilter f;
  const auto bad = f.AddExcludesFromFile(dir.Join("records.csv"));
  CHECK(bad.message() == dir.Join("records.csv") +
                             ":2: a '[' starts a character class that no ']' closes (write \\[ "
                             "for a '[')");
  // A folder is no exclude file (it read as one with no rules); /dev/null
  // or a pipe is one.
  CHECK(f.AddExcludesFromFile(dir.path()).message() ==
        "exclude file " + dir.path() + " is a directory");
  CHECK(f.AddExcludesFromFile("/dev/null").ok());
  // A space a backslash escapes stays, as in gitignore; the rules read are
  // kept as written.
  // A UTF-8 byte-order mark (Notepad's) is no part of the first rule, and
  // an escaped backslash escapes no space.
  phiscan::testing::WriteFile(dir.Join("ex"), "\xEF\xBB\xBF*.tmp  \r\nname\\ \nback\\\\ \n");
  PathFilter g;
  REQUIRE(g.AddExcludesFromFile(dir.Join("ex")).ok());
  CHECK(g.ExcludesFile("a/b.tmp"));
  CHECK(g.ExcludesFile("a/name "));
  CHECK_FALSE(g.ExcludesFile("a/name"));
  CHECK(g.file_excludes() == std::vector<std::string>{"*.tmp", "name\\ ", "back\\\\"});
}
