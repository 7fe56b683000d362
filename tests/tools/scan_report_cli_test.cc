// phiscan scan and phireport together, as a user runs them: incremental
// rescans, diff, locate, exposure, and every report format parsing.
//
// All identifiers are synthetic (a valid-looking SSN structure, example.org
// addresses); none is real.
#include <fcntl.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

using nlohmann::json;
using testing::TempDir;

const std::string kPlanted = "planted.person@example.org";
// A file name no report may pass through raw: newline, markup, a formula
// prefix and a byte that is not UTF-8.
const std::string kHostileName = std::string("=cmd\n<script>x\xff.txt");

std::string Bin(const char* name) { return testing::BinaryDir() + "/tools/" + name; }

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

Outcome Exec(const TempDir& dir, const std::string& command) {
  Outcome o;
  const std::string err = dir.Join("stderr.txt");
  o.code = testing::RunCommand(command + " 2>'" + err + "'", &o.out);
  o.err = testing::ReadFile(err);
  return o;
}

void Chmod(const std::string& path, mode_t mode) { REQUIRE(chmod(path.c_str(), mode) == 0); }

// The scanned tree: sensitive and clean files, three holding kPlanted, one
// with a hostile name, every file private unless a test opens it up.
struct Tree {
  explicit Tree(const TempDir& dir) : root(dir.Join("tree")), db(dir.Join("c.db")) {
    // The temporary directory is 0700, which keeps others from reaching
    // anything inside: open it so the files' own modes decide exposure.
    Chmod(dir.path(), 0755);
    Put("notes/a.txt", "visit summary\nemail: " + kPlanted + "\n");
    Put("notes/ssn.txt", "Patient SSN: 234-56-7891\n");
    Put("notes/clean.txt", "nothing to see here\n");
    Put("exports/b.csv", "name,email\nP,contact email " + kPlanted + "\n");
    Put("exports/deep/c.txt", "email: " + kPlanted + "\nemail: other.person@example.org\n");
    Put("exports/other.txt", "email: someone.else@example.net\n");
    Put("exports/" + kHostileName, "Patient SSN: 345-67-8912\n");
    for (int i = 0; i < 20; ++i) Put("bulk/f" + std::to_string(i) + ".txt", "plain text\n");
  }
  void Put(const std::string& rel, const std::string& content) {
    testing::WriteFile(root + "/" + rel, content);
    Chmod(root + "/" + rel, 0600);
  }
  std::string Path(const std::string& rel) const { return root + "/" + rel; }
  std::string root;
  std::string db;
};

Outcome Scan(const TempDir& dir, const Tree& t, const std::string& flags = "") {
  return Exec(dir, "'" + Bin("phiscan") + "' scan --threads 2 --catalog '" + t.db + "' " + flags +
                       " '" + t.root + "'");
}

Outcome Report(const TempDir& dir, const Tree& t, const std::string& args) {
  return Exec(dir, "'" + Bin("phireport") + "' " + args + " --catalog '" + t.db + "'");
}

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> rows;
  size_t start = 0;
  for (size_t pos; (pos = text.find('\n', start)) != std::string::npos; start = pos + 1) {
    rows.push_back(json::parse(text.substr(start, pos - start)));
  }
  REQUIRE(start == text.size());
  return rows;
}

std::vector<json> ReportRows(const TempDir& dir, const Tree& t, const std::string& args) {
  Outcome o = Report(dir, t, args + " --format jsonl");
  INFO(args << ": " << o.err);
  REQUIRE(o.code == 0);
  return JsonLines(o.out);
}

// The latest run as `phireport runs` shows it.
json LatestRun(const TempDir& dir, const Tree& t) {
  auto runs = ReportRows(dir, t, "runs");
  REQUIRE(!runs.empty());
  return runs[0];
}

std::string PathOf(const Tree& t, const json& row) {
  std::string p = row["path"].get<std::string>();
  REQUIRE(p.compare(0, t.root.size() + 1, t.root + "/") == 0);
  return p.substr(t.root.size() + 1);
}

// Splits RFC 4180 CSV (CRLF records) into rows of cells.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(cell);
      cell.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(cell);
      cell.clear();
      rows.emplace_back();
      ++i;
    } else {
      cell += c;
    }
  }
  REQUIRE(!quoted);
  REQUIRE(rows.back().empty());  // ended with CRLF
  rows.pop_back();
  return rows;
}

TEST_CASE("A second scan of an unchanged tree reads no file and keeps every result") {
  TempDir dir;
  Tree t(dir);
  REQUIRE(Scan(dir, t).code == 0);
  json first = LatestRun(dir, t);
  CHECK(first["unchanged"] == 0);
  CHECK(first["bytes_scanned"].get<uint64_t>() > 0);
  const std::string findings_before = Report(dir, t, "findings --format jsonl").out;
  const std::string assets_before = Report(dir, t, "assets --format jsonl").out;

  Outcome second = Scan(dir, t);
  REQUIRE(second.code == 0);
  CHECK_THAT(second.err, Catch::Contains("(27 unchanged)"));
  json run = LatestRun(dir, t);
  CHECK(run["status"] == "completed");
  CHECK(run["assets"] == 27);
  CHECK(run["unchanged"] == 27);
  CHECK(run["bytes_scanned"] == 0);  // not a byte classified
  CHECK(Report(dir, t, "findings --format jsonl").out == findings_before);
  // The same records, each last seen by the second run.
  std::string seen_again = assets_before;
  for (size_t at; (at = seen_again.find("\"last_seen_run\":1}")) != std::string::npos;) {
    seen_again.replace(at, 18, "\"last_seen_run\":2}");
  }
  CHECK(seen_again != assets_before);
  CHECK(Report(dir, t, "assets --format jsonl").out == seen_again);

  // Steps in sequence rather than SECTIONs: each scan compiles the rules,
  // and re-running the setup per section would multiply them.
  INFO("--full reads everything again");
  REQUIRE(Scan(dir, t, "--full").code == 0);
  json full = LatestRun(dir, t);
  CHECK(full["unchanged"] == 0);
  CHECK(full["bytes_scanned"] == first["bytes_scanned"]);

  INFO("a partially scanned file is retried, a complete one is not");
  REQUIRE(Scan(dir, t, "--full --max-file-size 30").code == 0);
  auto partial = ReportRows(dir, t, "assets --status partial");
  REQUIRE(partial.size() >= 3);
  for (const json& row : partial) {  // the detail says where reading stopped
    CHECK(row["reason"] == "limit_size");
    CHECK(row["detail"] == "content after the first 30 bytes not read (file size limit)");
  }
  REQUIRE(Scan(dir, t).code == 0);
  CHECK(LatestRun(dir, t)["unchanged"] == 27 - partial.size());
  CHECK(ReportRows(dir, t, "assets --status partial").empty());

  INFO("a rule change rescans");
  testing::WriteFile(dir.Join("site.yaml"),
                     "pack: site\ntypes:\n  - id: SITE_CODE\n    name: Site code\n"
                     "    category: PII\n    patterns:\n      - regex: '\\bSITE\\d{6}\\b'\n"
                     "        score: 70\n");
  REQUIRE(Scan(dir, t, "--rules '" + dir.Join("site.yaml") + "'").code == 0);
  CHECK(LatestRun(dir, t)["unchanged"] == 0);
}

TEST_CASE("diff reports a touched, an added and a deleted file") {
  TempDir dir;
  Tree t(dir);
  REQUIRE(Scan(dir, t).code == 0);
  // Edited: now holds an SSN (and a new mtime even within the same second).
  t.Put("notes/clean.txt", "now with Patient SSN: 456-78-9123\n");
  struct timespec times[2] = {{0, UTIME_OMIT}, {2'000'000'000, 0}};
  REQUIRE(utimensat(AT_FDCWD, t.Path("notes/clean.txt").c_str(), times, 0) == 0);
  t.Put("notes/new.txt", "fresh note\n");
  REQUIRE(unlink(t.Path("exports/other.txt").c_str()) == 0);
  Outcome scan = Scan(dir, t);
  REQUIRE(scan.code == 0);
  CHECK_THAT(scan.err, Catch::Contains("1 removed"));

  std::set<std::string> changes;
  for (const json& row : ReportRows(dir, t, "diff")) {
    changes.insert(row["change"].get<std::string>() + " " + PathOf(t, row));
    CHECK(row["from_run"] == 1);
    CHECK(row["to_run"] == 2);
  }
  CHECK(changes == std::set<std::string>{"changed notes/clean.txt",
                                         "became_sensitive notes/clean.txt", "added notes/new.txt",
                                         "removed exports/other.txt"});
  // The removed file is no longer in the inventory; an explicit range works too.
  for (const json& a : ReportRows(dir, t, "assets")) CHECK(PathOf(t, a) != "exports/other.txt");
  CHECK(ReportRows(dir, t, "diff --from 1 --to 2").size() == 4);
  CHECK(Report(dir, t, "diff --from 2 --to 1").code == 2);
  // --to alone compares with the completed run before it.
  CHECK(ReportRows(dir, t, "diff --to 2").size() == 4);
  // An unknown run is an error and the only output.
  Outcome unknown = Report(dir, t, "diff --from 99 --to 100");
  CHECK(unknown.code == 2);
  CHECK(unknown.out.empty());
  CHECK(unknown.err ==
        "phireport: error: --from: no run 99 in this catalog ('phireport runs' lists them)\n");
  unknown = Report(dir, t, "diff --from 1 --to 100");
  CHECK(unknown.code == 2);
  CHECK_THAT(unknown.err, Catch::StartsWith("phireport: error: --to: no run 100 in this"));
  // Nothing before an added asset, nothing after a removed one.
  for (const json& row : ReportRows(dir, t, "diff")) {
    if (row["change"] == "added") CHECK(row["exposed_before"].is_null());
    if (row["change"] == "removed") CHECK(row["exposed_after"].is_null());
    if (row["change"] == "changed") CHECK(row["exposed_before"].is_boolean());
  }

  // A rerun without changes differs in nothing.
  REQUIRE(Scan(dir, t).code == 0);
  CHECK(ReportRows(dir, t, "diff").empty());
}

TEST_CASE("diff reports an edit in place that kept size and mtime when what the file holds changed") {
  TempDir dir;
  Tree t(dir);
  // Two SSNs; then one, in a text of the same size with the mtime put
  // back: only the ctime tells, and the incremental scan reads it again.
  t.Put("notes/two.txt", "Patient SSN: 234-56-7891\nPatient SSN: 234-56-7892\n");
  REQUIRE(Scan(dir, t).code == 0);
  struct stat before;
  REQUIRE(stat(t.Path("notes/two.txt").c_str(), &before) == 0);
  t.Put("notes/two.txt", "Patient SSN: 234-56-7891\nPatient xyz: abcdefghijk\n");
  struct timespec times[2] = {{0, UTIME_OMIT}, before.st_mtim};
  REQUIRE(utimensat(AT_FDCWD, t.Path("notes/two.txt").c_str(), times, 0) == 0);
  REQUIRE(Scan(dir, t).code == 0);

  auto rows = ReportRows(dir, t, "diff");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["change"] == "findings_changed");
  CHECK(PathOf(t, rows[0]) == "notes/two.txt");
  CHECK(rows[0]["label_before"] == rows[0]["label_after"]);
  for (const json& a : ReportRows(dir, t, "assets --path-prefix " + t.Path("notes/two.txt"))) {
    CHECK(a["types"] == json{{"US_SSN", 1}});
  }

  // A chmod moves the ctime too: the file is read again, finds the same,
  // and diff says only what the chmod changed.
  Chmod(t.Path("notes/two.txt"), 0640);
  REQUIRE(Scan(dir, t).code == 0);
  for (const json& row : ReportRows(dir, t, "diff")) CHECK(row["change"] != "findings_changed");
}

TEST_CASE("events: a container labelled by its members carries their types") {
  // A PHI zip's event said types {}, categories [] and max_confidence null:
  // a SIEM rule on category or confidence skipped it.
  TempDir dir;
  Tree t(dir);
  REQUIRE(Exec(dir, phiscan::testing::Python() + " -c \"import zipfile; z = zipfile.ZipFile('" +
                        t.Path("exports/bundle.zip") +
                        "', 'w'); z.writestr('roster.txt', 'Patient SSN: 456-78-9123\\n'); "
                        "z.close()\"")
              .code == 0);
  REQUIRE(Scan(dir, t).code == 0);
  const json* zip = nullptr;
  const auto events = ReportRows(dir, t, "events");
  for (const json& e : events) {
    if (PathOf(t, e) == "exports/bundle.zip" && e["member"].is_null()) zip = &e;
  }
  REQUIRE(zip != nullptr);
  CHECK((*zip)["label"] == "PHI");
  CHECK((*zip)["label_rule"] == "members");
  CHECK((*zip)["types"] == json::parse(R"({"US_SSN": 1})"));
  CHECK((*zip)["categories"] == json::parse(R"(["PII"])"));
  CHECK((*zip)["max_confidence"] == "high");
}

TEST_CASE("events --since N also reports what was removed or stopped being sensitive") {
  TempDir dir;
  Tree t(dir);
  REQUIRE(Scan(dir, t).code == 0);
  REQUIRE(unlink(t.Path("notes/ssn.txt").c_str()) == 0);
  t.Put("exports/other.txt", "nothing sensitive any more\n");
  struct timespec times[2] = {{0, UTIME_OMIT}, {2'000'000'000, 0}};
  REQUIRE(utimensat(AT_FDCWD, t.Path("exports/other.txt").c_str(), times, 0) == 0);
  REQUIRE(Scan(dir, t).code == 0);
  std::set<std::string> changes;
  for (const json& e : ReportRows(dir, t, "events --since 1")) {
    if (e["event"] != "phiscan.asset_change") continue;
    changes.insert(e["change"].get<std::string>() + " " + PathOf(t, e));
    CHECK(e["run_id"] == 2);
    CHECK(e["label_before"] != nullptr);
  }
  CHECK(changes == std::set<std::string>{"removed notes/ssn.txt",
                                         "no_longer_sensitive exports/other.txt"});
  // Without --since there is no "before": sensitive assets only.
  for (const json& e : ReportRows(dir, t, "events")) CHECK(e["event"] == "phiscan.sensitive_asset");
  // --path-prefix applies to them too.
  for (const json& e : ReportRows(dir, t, "events --since 1 --path-prefix " + t.Path("notes/"))) {
    CHECK(PathOf(t, e).rfind("notes/", 0) == 0);
  }
  // A prefix only removed assets have is a question, not a typo: what went
  // away there.
  auto gone = ReportRows(dir, t, "events --since 1 --path-prefix " + t.Path("notes/ssn"));
  REQUIRE(gone.size() == 1);
  CHECK(gone[0]["change"] == "removed");
}

TEST_CASE("locate finds exactly the files holding the value, in any spelling") {
  TempDir dir;
  Tree t(dir);
  t.Put("contacts/intl.txt", "Patient phone: +1 (617) 432-1234\n");
  t.Put("contacts/local.txt", "Patient phone: 617.432.1234\n");
  REQUIRE(Scan(dir, t).code == 0);
  auto located = [&](const std::string& args) {
    std::set<std::string> paths;
    for (const json& row : ReportRows(dir, t, "locate " + args)) {
      paths.insert(PathOf(t, row));
      // A shape, never the value: no letter or digit survives masking.
      const std::string masked = row["masked"].get<std::string>();
      CHECK(std::none_of(masked.begin(), masked.end(),
                         [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }));
    }
    return paths;
  };
  const std::set<std::string> planted = {"notes/a.txt", "exports/b.csv", "exports/deep/c.txt"};
  CHECK(located("--value '" + kPlanted + "'") == planted);
  CHECK(located("--value 'PLANTED.Person@Example.ORG' --type EMAIL") == planted);  // normalised
  CHECK(located("--value 'nobody@example.org'").empty());
  CHECK(located("--value '234567891'") == std::set<std::string>{"notes/ssn.txt"});  // digits only
  CHECK(located("--value '234-56-7891' --type US_SSN") == std::set<std::string>{"notes/ssn.txt"});
  CHECK(located("--value '234-56-7891' --type EMAIL").empty());
  // A NANP number is one number with or without its country code.
  const std::set<std::string> phones = {"contacts/intl.txt", "contacts/local.txt"};
  CHECK(located("--value 6174321234") == phones);
  CHECK(located("--value '+1 617 432 1234' --type PHONE") == phones);
  CHECK(located("--value '1-617-432-1234'") == phones);

  // The value can come from standard input, and is never printed.
  Outcome piped = Exec(dir, "echo '" + kPlanted + "' | '" + Bin("phireport") +
                                "' locate --value - --format jsonl --catalog '" + t.db + "'");
  REQUIRE(piped.code == 0);
  CHECK(JsonLines(piped.out).size() == 3);
  CHECK(piped.out.find("planted") == std::string::npos);
  // One value: a list would have been looked up by its first line alone.
  Outcome listed = Exec(dir, "printf '" + kPlanted + "\\n987-65-4320\\n' | '" + Bin("phireport") +
                                 "' locate --value - --catalog '" + t.db + "'");
  CHECK(listed.code == 2);
  CHECK(listed.out.empty());
  CHECK(listed.err ==
        "phireport: error: --value -: standard input holds more than one line; locate looks up "
        "one value (run it once per value)\n");
  // Typed at a terminal, the line is the value: it waited for the end of
  // the input (Ctrl-D) to look for a second line. Under a pseudo-terminal
  // (script(1)), with a time limit.
  // It asks for the value and reads it without echo, as a password prompt
  // does: typed after the prompt, the value is not on the screen.
  Outcome typed = Exec(dir, "(sleep 1; printf '" + kPlanted + "\\n') | timeout 20 script -qec \"'" +
                                Bin("phireport") + "' locate --value - --format jsonl --catalog '" +
                                t.db + "'\" /dev/null");
  CHECK(typed.code == 0);
  CHECK(typed.out.find("value to locate: ") != std::string::npos);
  CHECK(typed.out.find("\"type\":\"EMAIL\"") != std::string::npos);
  CHECK(typed.out.find(kPlanted) == std::string::npos);
  // A blank line after it is no second value.
  Outcome blank = Exec(dir, "printf '" + kPlanted + "\\n\\n' | '" + Bin("phireport") +
                                "' locate --value - --format jsonl --catalog '" + t.db + "'");
  CHECK(blank.code == 0);
  CHECK(JsonLines(blank.out).size() == 3);

  // Another key is refused instead of silently matching nothing.
  const std::string other_key = dir.Join("other.key");
  REQUIRE(
      Exec(dir, "head -c 32 /dev/urandom > '" + other_key + "' && chmod 600 '" + other_key + "'")
          .code == 0);
  Outcome refused = Report(dir, t, "locate --value '" + kPlanted + "' --key '" + other_key + "'");
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains("not the key"));
  // No key beside the catalog (the scans used --key elsewhere): say so.
  REQUIRE(rename((t.db + ".key").c_str(), dir.Join("moved.key").c_str()) == 0);
  Outcome missing = Report(dir, t, "locate --value '" + kPlanted + "'");
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::Contains("pass the same --key"));
  REQUIRE(rename(dir.Join("moved.key").c_str(), (t.db + ".key").c_str()) == 0);
}

TEST_CASE("locate names the files that may hold the value beyond their located findings") {
  // The catalog locates the first occurrences of each type in a file: a
  // roster's 20th SSN has no finding, and locate answered a breach
  // investigation with the other files alone, on exit 0, saying nothing.
  TempDir dir;
  Tree t(dir);
  std::string roster = "ssn\n";
  for (int i = 0; i < 20; ++i) {
    roster += std::to_string(120 + i) + "-20-" + std::to_string(3100 + i) + "\n";
  }
  t.Put("hr/roster.csv", roster);
  t.Put("hr/memo.txt", "SSN: 139-20-3119\n");
  REQUIRE(Scan(dir, t).code == 0);
  const std::string note =
      "phireport: note: 1 file holds more US_SSN values than the catalog "
      "locates (it keeps the first occurrences of each type per file), so "
      "this value may also be in it, beyond what was located:\n  " +
      t.root + "/hr/roster.csv\n";
  Outcome last = Report(dir, t, "locate --value 139-20-3119 --format jsonl");
  CHECK(last.code == 0);
  REQUIRE(JsonLines(last.out).size() == 1);
  CHECK(PathOf(t, JsonLines(last.out)[0]) == "hr/memo.txt");
  CHECK(last.err == note);
  // Located in the roster itself: nothing to add.
  Outcome first = Report(dir, t, "locate --value 120-20-3100 --format jsonl");
  CHECK(first.code == 0);
  REQUIRE(JsonLines(first.out).size() == 1);
  CHECK(PathOf(t, JsonLines(first.out)[0]) == "hr/roster.csv");
  CHECK(first.err.empty());
  // Found nowhere, with its type: the roster may hold it.
  Outcome typed = Report(dir, t, "locate --value 150-20-3150 --type US_SSN --format jsonl");
  CHECK(typed.code == 0);
  CHECK(typed.out.empty());
  CHECK(typed.err == note);
  // Found nowhere, type unknown: counted, and --type suggested.
  Outcome untyped = Report(dir, t, "locate --value nobody@example.org --format jsonl");
  CHECK(untyped.code == 0);
  CHECK_THAT(untyped.err, Catch::Contains("give --type TYPE to list those that may hold"));
}

TEST_CASE("locate says so when findings were made with another key, never a silent nothing") {
  // Run 1 used the catalog's key, run 2 --key elsewhere: every present
  // finding has run 2's tokens. The catalog's key matches run 1, so it is
  // not refused, but it can find nothing. (Found by review, 2026-12-03.)
  TempDir dir;
  Tree t(dir);
  REQUIRE(Scan(dir, t).code == 0);
  const std::string other_key = dir.Join("other.key");
  REQUIRE(
      Exec(dir, "head -c 32 /dev/urandom > '" + other_key + "' && chmod 600 '" + other_key + "'")
          .code == 0);
  REQUIRE(Scan(dir, t, "--key '" + other_key + "'").code == 0);
  Outcome stale = Report(dir, t, "locate --value '" + kPlanted + "' --format jsonl");
  CHECK(stale.code == 1);
  CHECK(stale.out.empty());
  CHECK_THAT(stale.err, Catch::StartsWith("phireport: error: nothing found, but some assets'"));
  CHECK(std::count(stale.err.begin(), stale.err.end(), '\n') == 1);
  // In every format the error is the only output: no table or CSV header,
  // no empty JSON array, in front of it.
  for (const std::string format : {"table", "json", "csv"}) {
    INFO(format);
    Outcome failed = Report(dir, t, "locate --value '" + kPlanted + "' --format " + format);
    CHECK(failed.code == 1);
    CHECK(failed.out.empty());
  }
  Outcome found =
      Report(dir, t, "locate --value '" + kPlanted + "' --format jsonl --key '" + other_key + "'");
  CHECK(found.code == 0);
  CHECK(JsonLines(found.out).size() == 3);
  CHECK(found.err.empty());
  // Part of the tree scanned again with the first key: what that key can
  // find is listed, with a warning for what it cannot search.
  REQUIRE(Exec(dir, "'" + Bin("phiscan") + "' scan --catalog '" + t.db + "' '" +
                        t.Path("notes") + "'")
              .code == 0);
  Outcome part = Report(dir, t, "locate --value '" + kPlanted + "' --format jsonl");
  CHECK(part.code == 0);
  CHECK(JsonLines(part.out).size() == 1);
  CHECK_THAT(part.err, Catch::StartsWith("phireport: warning: some assets'"));
}

TEST_CASE("Exposure follows each file's mode; only exposed sensitive files are flagged") {
  TempDir dir;
  Tree t(dir);
  Chmod(t.Path("notes/ssn.txt"), 0644);       // sensitive, world-readable: exposed
  Chmod(t.Path("notes/a.txt"), 0660);         // sensitive, group-writable: exposed
  Chmod(t.Path("exports/b.csv"), 0640);       // sensitive, group-readable: not flagged
  Chmod(t.Path("exports/deep/c.txt"), 0600);  // sensitive, private
  Chmod(t.Path("notes/clean.txt"), 0666);     // wide open but nothing sensitive
  REQUIRE(Scan(dir, t).code == 0);

  std::map<std::string, std::string> seen;
  for (const json& a : ReportRows(dir, t, "assets")) {
    seen[PathOf(t, a)] = a["mode"].get<std::string>() + " " + a["readable_by"].get<std::string>() +
                         (a["exposed"].get<bool>() ? " exposed" : "");
  }
  CHECK(seen["notes/ssn.txt"] == "0644 everyone exposed");
  CHECK(seen["notes/a.txt"] == "0660 group exposed");
  CHECK(seen["exports/b.csv"] == "0640 group");
  CHECK(seen["exports/deep/c.txt"] == "0600 owner");
  CHECK(seen["notes/clean.txt"] == "0666 everyone");

  std::set<std::string> exposed;
  for (const json& a : ReportRows(dir, t, "assets --exposed")) exposed.insert(PathOf(t, a));
  CHECK(exposed == std::set<std::string>{"notes/a.txt", "notes/ssn.txt"});
  json summary = json::parse(Report(dir, t, "summary --format json").out);
  CHECK(summary["exposed"] == 2);
  CHECK(summary["by_exposure"]["everyone"] == 1);
  CHECK(summary["by_exposure"]["group"] == 2);

  // A chmod is noticed by the next incremental scan.
  Chmod(t.Path("notes/ssn.txt"), 0600);
  REQUIRE(Scan(dir, t).code == 0);
  CHECK(LatestRun(dir, t)["unchanged"] == 26);
  std::set<std::string> changes;
  for (const json& row : ReportRows(dir, t, "diff")) {
    changes.insert(row["change"].get<std::string>() + " " + PathOf(t, row) + " " +
                   row["readable_by_before"].get<std::string>() + " -> " +
                   row["readable_by_after"].get<std::string>());
  }
  CHECK(changes == std::set<std::string>{"no_longer_exposed notes/ssn.txt everyone -> owner",
                                         "access_changed notes/ssn.txt everyone -> owner"});
  // Access widened on a file that was never exposed (owner to group), and
  // a new owner: exposure says nothing, access_changed does.
  Chmod(t.Path("exports/deep/c.txt"), 0640);
  REQUIRE(Scan(dir, t).code == 0);
  changes.clear();
  for (const json& row : ReportRows(dir, t, "diff")) {
    changes.insert(row["change"].get<std::string>() + " " + PathOf(t, row) + " " +
                   row["readable_by_before"].get<std::string>() + " -> " +
                   row["readable_by_after"].get<std::string>());
  }
  CHECK(changes == std::set<std::string>{"access_changed exports/deep/c.txt owner -> group"});
  if (geteuid() == 0) {
    REQUIRE(chown(t.Path("exports/deep/c.txt").c_str(), 4242, 4242) == 0);
    REQUIRE(Scan(dir, t).code == 0);
    changes.clear();
    for (const json& row : ReportRows(dir, t, "diff")) {
      changes.insert(row["change"].get<std::string>() + " " + PathOf(t, row));
    }
    CHECK(changes == std::set<std::string>{"access_changed exports/deep/c.txt"});
  }
  Chmod(t.Path("exports/deep/c.txt"), 0600);
  REQUIRE(Scan(dir, t).code == 0);

  // Under a directory others cannot search, a world-readable file is not
  // readable by everyone: a private home directory holding 0644 files.
  Chmod(t.Path("notes/ssn.txt"), 0644);
  Chmod(t.Path("exports"), 0750);
  Chmod(t.Path("exports/b.csv"), 0644);
  REQUIRE(Scan(dir, t).code == 0);
  seen.clear();
  for (const json& a : ReportRows(dir, t, "assets")) {
    seen[PathOf(t, a)] = a["mode"].get<std::string>() + " " + a["readable_by"].get<std::string>() +
                         (a["exposed"].get<bool>() ? " exposed" : "");
  }
  CHECK(seen["notes/ssn.txt"] == "0644 everyone exposed");
  CHECK(seen["exports/b.csv"] == "0644 group");
  CHECK(seen["exports/deep/c.txt"] == "0600 owner");
  // Opening the directory again, and nothing else, is seen by the next
  // incremental scan: the file's own ctime does not move.
  Chmod(t.Path("exports"), 0755);
  REQUIRE(Scan(dir, t).code == 0);
  seen.clear();
  for (const json& a : ReportRows(dir, t, "assets")) {
    seen[PathOf(t, a)] = a["mode"].get<std::string>() + " " + a["readable_by"].get<std::string>() +
                         (a["exposed"].get<bool>() ? " exposed" : "");
  }
  CHECK(seen["exports/b.csv"] == "0644 everyone exposed");
  CHECK(seen["exports/deep/c.txt"] == "0600 owner");
  CHECK(LatestRun(dir, t)["unchanged"] == 26);  // b.csv alone was read again

  // The same for the group: a 0640 file in a 0700 directory is its owner's
  // alone, and in a 0750 directory of its group, the group's.
  Chmod(t.Path("exports/b.csv"), 0640);
  REQUIRE(Scan(dir, t).code == 0);
  Chmod(t.Path("exports"), 0700);
  REQUIRE(Scan(dir, t).code == 0);
  CHECK(LatestRun(dir, t)["unchanged"] == 26);  // b.csv was read again
  auto readers = [&](const std::string& rel) {
    for (const json& a : ReportRows(dir, t, "assets")) {
      if (PathOf(t, a) == rel) return a["readable_by"].get<std::string>();
    }
    return std::string("missing");
  };
  CHECK(readers("exports/b.csv") == "owner");
  Chmod(t.Path("exports"), 0750);
  REQUIRE(Scan(dir, t).code == 0);
  CHECK(LatestRun(dir, t)["unchanged"] == 26);
  CHECK(readers("exports/b.csv") == "group");
  REQUIRE(Scan(dir, t).code == 0);  // and it stays carried over
  CHECK(LatestRun(dir, t)["unchanged"] == 27);
}

TEST_CASE("A directory chmod that lets writers reach a sensitive file shows on the next scan") {
  // Only a chmod of the folder: the files' own ctimes do not move.
  TempDir dir;
  Tree t(dir);
  Chmod(t.Path("notes/ssn.txt"), 0602);  // others may write it
  Chmod(t.Path("notes/a.txt"), 0620);    // its group may write it
  Chmod(t.Path("notes"), 0700);
  REQUIRE(Scan(dir, t).code == 0);
  auto exposed = [&] {
    std::set<std::string> out;
    for (const json& a : ReportRows(dir, t, "assets --exposed")) out.insert(PathOf(t, a));
    return out;
  };
  CHECK(exposed().empty());
  Chmod(t.Path("notes"), 0755);
  REQUIRE(Scan(dir, t).code == 0);
  CHECK(exposed() == std::set<std::string>{"notes/a.txt", "notes/ssn.txt"});
  std::set<std::string> changes;
  for (const json& row : ReportRows(dir, t, "diff")) {
    changes.insert(row["change"].get<std::string>() + " " + PathOf(t, row));
  }
  CHECK(changes ==
        std::set<std::string>{"newly_exposed notes/a.txt", "newly_exposed notes/ssn.txt"});
  CHECK(LatestRun(dir, t)["unchanged"] == 25);  // the two were read again, nothing else
  // Closing it again is a remediation the next scan records.
  Chmod(t.Path("notes"), 0700);
  REQUIRE(Scan(dir, t).code == 0);
  CHECK(exposed().empty());
  changes.clear();
  for (const json& row : ReportRows(dir, t, "diff")) {
    changes.insert(row["change"].get<std::string>() + " " + PathOf(t, row));
  }
  CHECK(changes == std::set<std::string>{"no_longer_exposed notes/a.txt",
                                         "no_longer_exposed notes/ssn.txt"});
  REQUIRE(Scan(dir, t).code == 0);  // and then they stay carried over
  CHECK(LatestRun(dir, t)["unchanged"] == 27);
  Chmod(t.Path("notes"), 0755);  // let TempDir clean up as any user
}

TEST_CASE("Exposure follows the real directories of a root named through a symbolic link") {
  // A share linked into the service account's private directory is read by
  // everyone through its own directories, not through the link's; and a
  // link in an open directory to a share under a closed one lets nobody in.
  TempDir dir;
  Tree t(dir);
  Chmod(t.root, 0755);
  Chmod(t.Path("notes"), 0755);
  Chmod(t.Path("notes/ssn.txt"), 0644);
  testing::WriteFile(dir.Join("closed/hidden/ssn.txt"), "Patient SSN: 234-56-7891\n");
  Chmod(dir.Join("closed/hidden"), 0755);
  Chmod(dir.Join("closed/hidden/ssn.txt"), 0644);
  Chmod(dir.Join("closed"), 0700);
  REQUIRE(mkdir(dir.Join("private").c_str(), 0700) == 0);
  REQUIRE(symlink(t.Path("notes").c_str(), dir.Join("private/notes").c_str()) == 0);
  REQUIRE(symlink(dir.Join("closed/hidden").c_str(), dir.Join("open").c_str()) == 0);
  auto readers = [&](const std::string& root, const std::string& file,
                     const std::string& flags = "") {
    const std::string db = dir.Join("links.db");
    Outcome scan = Exec(dir, "'" + Bin("phiscan") + "' scan -q " + flags + " --catalog '" + db +
                                 "' '" + dir.Join(root) + "'");
    INFO(scan.err);
    REQUIRE(scan.code == 0);
    Outcome o = Exec(dir, "'" + Bin("phireport") + "' assets --format jsonl --catalog '" + db +
                              "' --path-prefix '" + dir.Join(root + "/" + file) + "'");
    INFO(o.err);
    REQUIRE(o.code == 0);
    auto rows = JsonLines(o.out);
    REQUIRE(rows.size() == 1);
    return rows[0]["readable_by"].get<std::string>() +
           (rows[0]["exposed"].get<bool>() ? " exposed" : "");
  };
  CHECK(readers("private/notes", "ssn.txt") == "everyone exposed");
  CHECK(readers("open", "ssn.txt") == "owner");
  // The same for links followed in the walk, to a folder and to a file.
  REQUIRE(mkdir(dir.Join("private/walk").c_str(), 0755) == 0);
  REQUIRE(symlink(t.Path("notes").c_str(), dir.Join("private/walk/notes").c_str()) == 0);
  REQUIRE(symlink(t.Path("notes/ssn.txt").c_str(), dir.Join("private/walk/ssn.txt").c_str()) ==
          0);
  REQUIRE(mkdir(dir.Join("walk").c_str(), 0755) == 0);
  REQUIRE(symlink(dir.Join("closed/hidden").c_str(), dir.Join("walk/hidden").c_str()) == 0);
  REQUIRE(symlink(dir.Join("closed/hidden/ssn.txt").c_str(), dir.Join("walk/ssn.txt").c_str()) ==
          0);
  const std::string follow = "--follow-symlinks";
  CHECK(readers("private/walk", "notes/ssn.txt", follow) == "everyone exposed");
  CHECK(readers("private/walk", "ssn.txt", follow) == "everyone exposed");
  CHECK(readers("walk", "hidden/ssn.txt", follow) == "owner");
  CHECK(readers("walk", "ssn.txt", follow) == "owner");
  Chmod(dir.Join("closed"), 0755);  // let TempDir clean up as any user
}

TEST_CASE("A file read through a symbolic link has its target's ACL readers") {
  TempDir dir;
  Tree t(dir);
  const std::string file = t.Path("notes/ssn.txt");
  acl_t acl = acl_from_text("u::rw-,u:54321:r--,g::---,m::r--,o::---");
  REQUIRE(acl != nullptr);
  const bool set = acl_set_file(file.c_str(), ACL_TYPE_ACCESS, acl) == 0;
  acl_free(acl);
  if (!set) {
    WARN("the temporary directory's file system does not support POSIX ACLs; skipped");
    return;
  }
  REQUIRE(mkdir(dir.Join("walk").c_str(), 0755) == 0);
  REQUIRE(symlink(file.c_str(), dir.Join("walk/ssn.txt").c_str()) == 0);
  REQUIRE(symlink(file.c_str(), dir.Join("root.txt").c_str()) == 0);
  const std::string db = dir.Join("links.db");
  for (const std::string& scan : {"--follow-symlinks '" + dir.Join("walk") + "'",
                                  "'" + dir.Join("root.txt") + "' '" + file + "'"}) {
    INFO(scan);
    Outcome o = Exec(dir, "'" + Bin("phiscan") + "' scan -q --catalog '" + db + "' " + scan);
    INFO(o.err);
    REQUIRE(o.code == 0);
  }
  Outcome o = Exec(dir, "'" + Bin("phireport") + "' assets --format jsonl --catalog '" + db + "'");
  REQUIRE(o.code == 0);
  std::map<std::string, std::string> seen;
  for (const json& a : JsonLines(o.out)) {
    seen[a["path"].get<std::string>()] =
        a["readable_by"].get<std::string>() + " " + a["acl_readers"].dump();
  }
  // The owning group may not read it (its entry has no read bit, whatever
  // the mask shows in the mode); one named user may.
  CHECK(seen[file] == "acl 1");
  CHECK(seen[dir.Join("root.txt")] == "acl 1");
  CHECK(seen[dir.Join("walk/ssn.txt")] == "acl 1");
}

TEST_CASE("A member is as exposed as the file that holds it, whatever mode it was stored with") {
  // A world-readable zip whose member was archived 0600, and a
  // world-readable mbox whose attachment carries no mode at all: everyone
  // who can read the file reads the member. They were recorded "owner" and
  // not exposed, so `assets --exposed` missed the PHI they hold.
  TempDir dir;
  Tree t(dir);
  const std::string zip = t.Path("archive/labs.zip");
  testing::WriteFile(t.Path("archive/.keep"), "");
  REQUIRE(Exec(dir, "python3 -c \"import zipfile; z = zipfile.ZipFile('" + zip +
                        "', 'w'); i = zipfile.ZipInfo('p.txt'); i.external_attr = 0o100600 << 16;"
                        " z.writestr(i, 'Patient SSN: 234-56-7891\\n'); z.close()\"")
              .code == 0);
  t.Put("mail/inbox.mbox",
        "From a@example.org Mon Jan  1 00:00:00 2024\nFrom: a@example.org\nSubject: labs\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n"
        "Content-Type: text/plain\n\nsee attached\n--XX\nContent-Type: text/plain; name=p.txt\n"
        "Content-Disposition: attachment; filename=p.txt\n\nPatient SSN: 234-56-7891\n--XX--\n");
  Chmod(zip, 0644);
  Chmod(t.Path("mail/inbox.mbox"), 0644);
  REQUIRE(Scan(dir, t).code == 0);
  std::map<std::string, std::string> seen;
  for (const json& a : ReportRows(dir, t, "assets")) {
    if (a["member"].is_null()) continue;
    seen[PathOf(t, a) + "!" + a["member"].get<std::string>()] =
        a["mode"].get<std::string>() + " " + a["readable_by"].get<std::string>() +
        (a["exposed"].get<bool>() ? " exposed" : "");
  }
  CHECK(seen["archive/labs.zip!p.txt"] == "0644 everyone exposed");
  CHECK(seen["mail/inbox.mbox!msg-1/p.txt"] == "0644 everyone exposed");
  std::set<std::string> exposed;
  for (const json& a : ReportRows(dir, t, "assets --exposed")) {
    if (!a["member"].is_null()) exposed.insert(a["member"].get<std::string>());
  }
  CHECK(exposed.count("p.txt") == 1);
  CHECK(exposed.count("msg-1/p.txt") == 1);
  // Made private, the file takes its members with it.
  Chmod(zip, 0600);
  REQUIRE(Scan(dir, t).code == 0);
  for (const json& a : ReportRows(dir, t, "assets")) {
    if (!a["member"].is_null() && a["member"] == "p.txt") {
      CHECK(a["readable_by"] == "owner");
      CHECK_FALSE(a["exposed"].get<bool>());
    }
  }
}

// One catalog for the report checks below: two runs (the second adds
// later.txt), ssn.txt and the hostile file world-readable.
struct ReportFixture {
  ReportFixture() : t(dir) {
    Chmod(t.Path("notes/ssn.txt"), 0644);
    Chmod(t.Path("exports/" + kHostileName), 0644);
    REQUIRE(Scan(dir, t).code == 0);
    t.Put("notes/later.txt", "email: late.person@example.org\n");
    REQUIRE(Scan(dir, t).code == 0);
  }
  TempDir dir;
  Tree t;
};

TEST_CASE("Reports on one catalog") {
  ReportFixture fx;
  const TempDir& dir = fx.dir;
  const Tree& t = fx.t;

  // --- every report parses in every format, hostile paths escaped alike ---
  {
    const std::vector<std::string> reports = {"summary",  "assets",
                                              "findings", "folders --depth 2",
                                              "diff",     "locate --value '" + kPlanted + "'",
                                              "runs",     "events"};
    const std::string escaped = "=cmd\\n<script>x\\xff.txt";
    for (const std::string& r : reports) {
      INFO(r);
      Outcome json_out = Report(dir, t, r + " --format json");
      REQUIRE(json_out.code == 0);
      CHECK(json_out.err.empty());
      json doc = json::parse(json_out.out);  // throws (fails) if invalid
      CHECK((doc.is_array() || doc.is_object()));

      Outcome lines = Report(dir, t, r + " --format jsonl");
      REQUIRE(lines.code == 0);
      auto rows = JsonLines(lines.out);
      if (doc.is_array()) CHECK(rows.size() == doc.size());

      Outcome csv = Report(dir, t, r + " --format csv");
      REQUIRE(csv.code == 0);
      auto cells = ParseCsv(csv.out);
      REQUIRE(!cells.empty());
      for (const auto& row : cells) CHECK(row.size() == cells[0].size());
      if (doc.is_array()) CHECK(cells.size() == doc.size() + 1);

      Outcome table = Report(dir, t, r + " --format table");
      REQUIRE(table.code == 0);
      for (const std::string* text : {&json_out.out, &lines.out, &csv.out, &table.out}) {
        CHECK(text->find(kHostileName) == std::string::npos);
        CHECK(text->find('\xff') == std::string::npos);
      }
      if (r == "assets" || r == "events" || r == "findings") {
        // The same escaped spelling everywhere (JSON escapes its backslashes).
        CHECK(json_out.out.find("=cmd\\\\n<script>x\\\\xff.txt") != std::string::npos);
        CHECK(table.out.find(escaped) != std::string::npos);
        CHECK(csv.out.find(escaped) != std::string::npos);
      }
    }
  }

  // --- events: one object per sensitive asset, documented fields ---
  {
    auto events = ReportRows(dir, t, "events");
    CHECK(JsonLines(Report(dir, t, "events").out).size() == events.size());  // jsonl by default
    const std::set<std::string> fields = {"event",
                                          "schema",
                                          "time",
                                          "run_id",
                                          "scan_run_id",
                                          "host",
                                          "path",
                                          "member",
                                          "label",
                                          "label_rule",
                                          "max_confidence",
                                          "max_score",
                                          "types",
                                          "categories",
                                          "hipaa_classes",
                                          "readable_by",
                                          "exposed",
                                          "group_writable",
                                          "world_writable",
                                          "acl_readers",
                                          "mode",
                                          "uid",
                                          "gid",
                                          "size",
                                          "mtime",
                                          "status",
                                          "reason",
                                          "change",
                                          "label_before",
                                          "detail"};
    std::set<std::string> paths;
    for (const json& e : events) {
      std::set<std::string> keys;
      for (const auto& item : e.items()) keys.insert(item.key());
      CHECK(keys == fields);
      CHECK(e["event"] == "phiscan.sensitive_asset");
      CHECK(e["run_id"] == 2);  // every file was seen by run 2, scanned or carried over
      CHECK(e["label"] != "NONE");
      CHECK(!e["types"].empty());
      paths.insert(PathOf(t, e));
      if (PathOf(t, e) == "notes/ssn.txt") {
        CHECK(e["scan_run_id"] == 1);
        CHECK(e["exposed"] == true);
        CHECK(e["types"] == json({{"US_SSN", 1}}));
        CHECK(e["hipaa_classes"] == json({7}));
      }
    }
    CHECK(paths == std::set<std::string>{"notes/a.txt", "notes/ssn.txt", "notes/later.txt",
                                         "exports/b.csv", "exports/deep/c.txt", "exports/other.txt",
                                         "exports/=cmd\\n<script>x\\xff.txt"});
    // An incremental feed: only what run 2 classified.
    std::set<std::string> since;
    for (const json& e : ReportRows(dir, t, "events --since 1")) since.insert(PathOf(t, e));
    CHECK(since == std::set<std::string>{"notes/later.txt"});
  }

  // --- folders: below the scan root, riskiest first ---
  {
    auto rows = ReportRows(dir, t, "folders --depth 1");
    std::vector<std::string> order;
    for (const json& r : rows) {
      order.push_back(r["folder"].get<std::string>().substr(t.root.size()) + " " +
                      std::to_string(r["risk"].get<int>()) + " " +
                      std::to_string(r["exposed"].get<int>()) + "/" +
                      std::to_string(r["sensitive"].get<int>()) + "/" +
                      std::to_string(r["assets"].get<int>()));
    }
    // The documented risk, recomputed from the assets report (so the check
    // does not depend on which label the built-in rules give each file):
    // 10 PHI, 8 PCI, 5 other sensitive, x3 when exposed, +1 per gap.
    std::map<std::string, int> risk;
    std::map<std::string, int> exposed;
    for (const json& a : ReportRows(dir, t, "assets")) {
      const std::string rel = PathOf(t, a);
      const std::string folder = "/" + rel.substr(0, rel.find('/'));
      const std::string label = a["label"].is_null() ? "" : a["label"].get<std::string>();
      int weight = label == "PHI"                       ? 10
                   : label == "PCI"                     ? 8
                   : (label.empty() || label == "NONE") ? 0
                                                        : 5;
      if (a["exposed"].get<bool>()) {
        weight *= 3;
        exposed[folder] += 1;
      }
      risk[folder] += weight + (a["status"] == "complete" ? 0 : 1);
    }
    CHECK(exposed == std::map<std::string, int>{{"/exports", 1}, {"/notes", 1}});
    std::vector<std::pair<int, std::string>> expected;
    for (const auto& [folder, r] : risk) expected.emplace_back(-r, folder);
    std::sort(expected.begin(), expected.end());
    std::vector<std::string> expected_order;
    for (const auto& [neg, folder] : expected) {
      expected_order.push_back(folder + " " + std::to_string(-neg) + " " +
                               std::to_string(exposed[folder]) + "/" +
                               (folder == "/bulk"      ? "0/20"
                                : folder == "/exports" ? "4/4"
                                                       : "3/4"));
    }
    CHECK(order == expected_order);
    CHECK(rows.back()["folder"] == t.root + "/bulk");
    CHECK(rows.back()["top_label"] == "NONE");
    CHECK(ReportRows(dir, t, "folders --depth 2").size() == 4);  // exports/deep on its own
    auto root_only = ReportRows(dir, t, "folders --depth 0");
    REQUIRE(root_only.size() == 1);
    CHECK(root_only[0]["assets"] == 28);
  }

  // --- html: one self-contained page, escaped; rendered if Chromium is here ---
  {
    const std::string page = dir.Join("report.html");
    Outcome o = Report(dir, t, "html -o '" + page + "'");
    INFO(o.err);
    REQUIRE(o.code == 0);
    struct stat st;
    REQUIRE(stat(page.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    const std::string html = testing::ReadFile(page);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    CHECK(html.find("default-src 'none'") != std::string::npos);
    CHECK(html.find(kHostileName) == std::string::npos);
    CHECK(html.find("=cmd\\n&lt;script&gt;x\\xff.txt") != std::string::npos);
    CHECK(html.find("id=\"total-exposed\" data-value=\"2\"") != std::string::npos);

    const char* chromium = "/usr/bin/chromium";
    if (access(chromium, X_OK) != 0) {
      WARN("chromium not installed: the HTML page was checked as text only");
    } else {
      Outcome dom = Exec(dir, std::string("'") + chromium +
                                  "' --headless --no-sandbox --disable-gpu --no-first-run"
                                  " --disable-background-networking --disable-component-update"
                                  " --disable-sync --user-data-dir='" +
                                  dir.Join("chromium") + "' --dump-dom 'file://" + page + "'");
      REQUIRE(dom.code == 0);
      const std::string& d = dom.out;
      CHECK(d.find("id=\"summary\"") != std::string::npos);
      CHECK(d.find("id=\"chart-labels\"") != std::string::npos);
      CHECK(d.find("id=\"folder-table\"") != std::string::npos);
      CHECK(d.find("id=\"total-exposed\" data-value=\"2\"") != std::string::npos);
      CHECK(d.find("<script") == std::string::npos);  // the file name stayed text
      CHECK(d.find("&lt;script&gt;") != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace phiscan
