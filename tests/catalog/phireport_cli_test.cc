// Runs the built phireport binary the way a user or a script does, against
// a catalog written through CatalogWriter, and checks the public output
// contract: field names, value shapes, exit codes, one-line errors.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/model.h"
#include "tests/catalog/fixtures.h"
#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

using nlohmann::json;
using testing::MakeAsset;
using testing::MakeFinding;
using testing::MakeRunInfo;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs phireport with `args` (a shell fragment) from `cwd` if given.
Outcome Run(const testing::TempDir& dir, const std::string& args, const std::string& cwd = "") {
  const std::string err_file = dir.Join("stderr.txt");
  Outcome o;
  o.exit_code =
      testing::RunCommand((cwd.empty() ? "" : "cd '" + cwd + "' && ") + "'" + testing::BinaryDir() +
                              "/tools/phireport' " + args + " 2>'" + err_file + "'",
                          &o.out);
  o.err = testing::ReadFile(err_file);
  return o;
}

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> rows;
  size_t start = 0;
  for (size_t pos; (pos = text.find('\n', start)) != std::string::npos; start = pos + 1) {
    rows.push_back(json::parse(text.substr(start, pos - start)));
  }
  CHECK(start == text.size());  // every line ends with a newline
  return rows;
}

std::set<std::string> Keys(const json& object) {
  std::set<std::string> keys;
  for (const auto& item : object.items()) keys.insert(item.key());
  return keys;
}

// Hostile path (newline, invalid UTF-8) with two findings; an archive member
// with a medium-confidence finding; an unreadable file.
std::string BuildCatalog(const testing::TempDir& dir) {
  const std::string db = dir.Join("scan.db");
  auto writer = catalog::CatalogWriter::Open(db);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());

  AssetRecord a = MakeAsset("/srv/Doe\nJohn\xff.csv");
  a.format = "text";
  a.label = "PHI";
  a.types = {{"US_SSN", 2, 2, 90}};
  a.findings = {MakeFinding("US_SSN", 90, 12, 2, "***-**-6789"),
                MakeFinding("US_SSN", 66, 40, 3, "***-**-1234")};
  (*writer)->Submit(std::move(a));

  AssetRecord m = MakeAsset("/srv/export.zip", "notes/visit.msg");
  m.format = "msg";
  m.label = "PHI";
  m.types = {{"US_MBI", 1, 1, 80}};
  m.findings = {MakeFinding("US_MBI", 80, 0, 1, "****-***-****")};
  (*writer)->Submit(std::move(m));

  AssetRecord u = MakeAsset("/srv/locked.pdf");
  u.status = AssetStatus::kUnreadable;
  u.reason = "permission_denied";
  u.detail = "open: Permission denied";
  (*writer)->Submit(std::move(u));
  REQUIRE((*writer)->FinishRun(catalog::RunStatus::kCompleted).ok());
  return db;
}

// Records one more completed run in `db` that scanned only `asset`.
void AddRun(const std::string& db, AssetRecord asset) {
  auto writer = catalog::CatalogWriter::Open(db);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());
  (*writer)->Submit(std::move(asset));
  REQUIRE((*writer)->FinishRun(catalog::RunStatus::kCompleted).ok());
}

TEST_CASE("phireport assets --format jsonl emits the documented fields") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  Outcome o = Run(dir, "assets --catalog '" + db + "' --format jsonl");
  INFO(o.err);
  REQUIRE(o.exit_code == 0);
  CHECK(o.err.empty());
  auto rows = JsonLines(o.out);
  REQUIRE(rows.size() == 3);
  // The foundation's fields, the exposure fields added by schema 2, the
  // format of schema 6, the detail of a coverage gap, and the run that last
  // saw the asset.
  const std::set<std::string> fields = {
      "path",    "member",        "status",         "reason",         "size",
      "mtime",   "label",         "types",          "mode",           "uid",
      "gid",     "readable_by",   "group_writable", "world_writable", "acl_readers",
      "exposed", "last_scan_run", "format",         "detail",         "last_seen_run"};
  for (const json& row : rows) CHECK(Keys(row) == fields);

  // Bytewise path order: "/srv/D" < "/srv/e" < "/srv/l".
  CHECK(rows[0]["path"] == "/srv/Doe\\nJohn\\xff.csv");
  CHECK(rows[0]["member"].is_null());
  CHECK(rows[0]["status"] == "complete");
  CHECK(rows[0]["reason"].is_null());
  CHECK(rows[0]["size"] == 1234);
  CHECK(rows[0]["mtime"] == "2026-11-29T21:33:13Z");
  CHECK(rows[0]["label"] == "PHI");
  CHECK(rows[0]["types"] == json({{"US_SSN", 2}}));
  CHECK(rows[0]["format"] == "text");
  CHECK(rows[0]["detail"].is_null());

  CHECK(rows[1]["path"] == "/srv/export.zip");
  CHECK(rows[1]["member"] == "notes/visit.msg");

  CHECK(rows[2]["status"] == "unreadable");
  CHECK(rows[2]["reason"] == "permission_denied");
  CHECK(rows[2]["label"].is_null());
  CHECK(rows[2]["types"] == json::object());
  CHECK(rows[2]["format"].is_null());  // never read
  // Why it was not scanned, in words, beside the stable reason id.
  CHECK(rows[2]["detail"] == "open: Permission denied");
}

TEST_CASE("A coverage gap's listing says why it was not scanned, in every format") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  const std::string gaps = "assets --catalog '" + db + "' --status unreadable";
  Outcome table = Run(dir, gaps);
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("detail"));
  CHECK_THAT(table.out, Catch::Contains("permission_denied"));
  CHECK_THAT(table.out, Catch::Contains("open: Permission denied"));
  Outcome csv = Run(dir, gaps + " --format csv");
  REQUIRE(csv.exit_code == 0);
  CHECK_THAT(csv.out, Catch::Contains(",format,detail,last_seen_run\r\n"));
  CHECK_THAT(csv.out, Catch::EndsWith(",open: Permission denied,1\r\n"));
  Outcome doc = Run(dir, gaps + " --format json");
  REQUIRE(doc.exit_code == 0);
  const json rows = json::parse(doc.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["detail"] == "open: Permission denied");
}

TEST_CASE("A sensitive asset's event says why it was not fully scanned") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  AssetRecord cut = MakeAsset("/srv/cut.zip");
  cut.status = AssetStatus::kPartial;
  cut.reason = "corrupt";
  cut.detail = "zip: 40 bytes at offset 100 not accounted for";
  cut.label = "PHI";
  cut.types = {{"US_SSN", 1, 1, 90}};
  AddRun(db, std::move(cut));
  Outcome o = Run(dir, "events --catalog '" + db + "'");
  INFO(o.err);
  REQUIRE(o.exit_code == 0);
  std::map<std::string, json> by_path;
  for (const json& e : JsonLines(o.out)) by_path[e["path"].get<std::string>()] = e;
  REQUIRE(by_path.count("/srv/cut.zip") == 1);
  CHECK(by_path["/srv/cut.zip"]["status"] == "partial");
  CHECK(by_path["/srv/cut.zip"]["reason"] == "corrupt");
  CHECK(by_path["/srv/cut.zip"]["detail"] == "zip: 40 bytes at offset 100 not accounted for");
  // A fully scanned asset has none (the field is there, null).
  REQUIRE(by_path.count("/srv/Doe\\nJohn\\xff.csv") == 1);
  CHECK(by_path["/srv/Doe\\nJohn\\xff.csv"]["detail"].is_null());
  // Appended after the fields a feed already parses (schema 1: only added).
  Outcome csv = Run(dir, "events --catalog '" + db + "' --format csv");
  REQUIRE(csv.exit_code == 0);
  CHECK_THAT(csv.out, Catch::StartsWith("event,schema,"));
  CHECK_THAT(csv.out, Catch::Contains(",change,label_before,detail\r\n"));
  CHECK_THAT(csv.out, Catch::Contains(",,,zip: 40 bytes at offset 100 not accounted for\r\n"));
}

TEST_CASE(
    "phireport findings --format jsonl emits the documented fields and filters by confidence") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);

  Outcome o = Run(dir, "findings --catalog '" + db + "' --format jsonl");
  INFO(o.err);
  REQUIRE(o.exit_code == 0);
  auto rows = JsonLines(o.out);
  REQUIRE(rows.size() == 3);
  const std::set<std::string> fields = {"path",  "member", "type", "confidence", "score",
                                        "start", "end",    "line", "masked"};
  for (const json& row : rows) CHECK(Keys(row) == fields);
  CHECK(rows[0]["path"] == "/srv/Doe\\nJohn\\xff.csv");
  CHECK(rows[0]["member"].is_null());
  CHECK(rows[0]["type"] == "US_SSN");
  CHECK(rows[0]["confidence"] == "high");
  CHECK(rows[0]["score"] == 90);
  CHECK(rows[0]["start"] == 12);
  CHECK(rows[0]["end"] == 23);
  CHECK(rows[0]["line"] == 2);
  CHECK(rows[0]["masked"] == "***-**-6789");
  CHECK(rows[1]["confidence"] == "low");
  CHECK(rows[2]["member"] == "notes/visit.msg");
  CHECK(rows[2]["confidence"] == "medium");

  Outcome medium =
      Run(dir, "findings --catalog '" + db + "' --format jsonl --min-confidence medium");
  REQUIRE(medium.exit_code == 0);
  auto kept = JsonLines(medium.out);
  REQUIRE(kept.size() == 2);
  CHECK(kept[0]["score"] == 90);
  CHECK(kept[1]["score"] == 80);
}

TEST_CASE("phireport summary --format json is one object with the documented keys") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  Outcome o = Run(dir, "summary --catalog '" + db + "' --format json");
  INFO(o.err);
  REQUIRE(o.exit_code == 0);
  json s = json::parse(o.out);
  CHECK(Keys(s) == std::set<std::string>{"run_id", "run_status", "assets", "bytes_scanned",
                                         "findings", "sensitive", "exposed", "removed",
                                         "by_status", "by_label", "unlabelled", "by_format",
                                         "by_category", "by_hipaa_class", "by_exposure",
                                         "by_type"});
  CHECK(s["run_id"] == 1);
  CHECK(s["run_status"] == "completed");
  CHECK(s["assets"] == 3);
  CHECK(s["by_status"] == json({{"complete", 2}, {"unreadable", 1}}));
  CHECK(s["by_label"] == json({{"PHI", 2}}));
  CHECK(s["unlabelled"] == 1);  // the unreadable file: never read
  CHECK(s["by_format"] == json({{"msg", 1}, {"text", 1}}));
  CHECK(s["by_category"] == json({{"PHI", 1}, {"PII", 1}}));
  REQUIRE(s["by_type"].size() == 2);
  for (const json& t : s["by_type"]) {
    CHECK(Keys(t) ==
          std::set<std::string>{"type", "category", "hipaa_class", "assets", "findings"});
    // A class 1-18, or null for a type that is no Safe Harbor identifier.
    CHECK((t["hipaa_class"].is_null() ||
           (t["hipaa_class"].get<int>() >= 1 && t["hipaa_class"].get<int>() <= 18)));
  }

  Outcome line = Run(dir, "summary --catalog '" + db + "' --format jsonl");
  REQUIRE(line.exit_code == 0);
  CHECK(JsonLines(line.out).size() == 1);
  CHECK(json::parse(line.out) == s);
}

TEST_CASE("phireport table output never lets a path break a line") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  Outcome o = Run(dir, "assets --catalog '" + db + "'");
  REQUIRE(o.exit_code == 0);
  CHECK(std::count(o.out.begin(), o.out.end(), '\n') == 4);  // header + 3 assets
  CHECK(o.out.find("/srv/Doe\\nJohn\\xff.csv") != std::string::npos);
}

TEST_CASE("phireport usage errors exit 2 with one line on stderr") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  const std::vector<std::string> bad_invocations = {
      "assets --catalog '" + db + "' --format xml",
      "findings --catalog '" + db + "' --min-confidence extreme",
      "assets --catalog '" + db + "' --no-such-flag",
      "",  // no report named
      "frobnicate",
      // A filter naming nothing the catalog knows is a typo, not an empty
      // answer: wrong case, unknown label, unknown type.
      "assets --catalog '" + db + "' --label phi",
      "events --catalog '" + db + "' --label SECRETISH",
      "assets --catalog '" + db + "' --type us_ssn",
      "findings --catalog '" + db + "' --type NO_SUCH_TYPE",
      "folders --catalog '" + db + "' --type NO_SUCH_TYPE",
      "locate --catalog '" + db + "' --value 536228726 --type NO_SUCH_TYPE",
      // A negative run id is a typo, not a request for the default runs
      // (it was taken as "not given" and showed the last two runs' diff).
      "diff --catalog '" + db + "' --from -5",
      "diff --catalog '" + db + "' --to -1",
      "diff --catalog '" + db + "' --to 0",
      // Formats are a fixed list.
      "assets --catalog '" + db + "' --content docx",
  };
  for (const std::string& args : bad_invocations) {
    INFO(args);
    Outcome o = Run(dir, args);
    CHECK(o.exit_code == 2);
    CHECK(o.out.empty());
    CHECK_THAT(o.err, Catch::StartsWith("phireport: error: "));
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  }
}

TEST_CASE("An unknown option, an option given twice or an empty value is named, exit 2") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  const std::string cat = " --catalog '" + db + "'";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"assets" + cat + " --colour", "unknown option '--colour'"},
      // A value quoted back is not shown when it could be an identifier
      // pasted into the wrong flag; a short one is.
      {"assets" + cat + " --status 536-22-8726",
       "--status: (a value with digits, not shown) not in {complete,partial,encrypted,skipped,"
       "unreadable,vanished,changed_during_scan,special,loop}"},
      {"findings" + cat + " --min-confidence '4532 0151 1283 0366'",
       "--min-confidence: (a value with digits, not shown) not in {low,medium,high}"},
      {"findings" + cat + " --min-confidence 12345",
       "--min-confidence: 12345 not in {low,medium,high}"},
      {"assets" + cat + " --lable PHI", "unknown option '--lable' (did you mean --label?)"},
      // Not echoed: `--valeu=536-22-8726` would print the SSN.
      {"locate" + cat + " --valeu=536-22-8726", "unknown option '--valeu' (did you mean --value?)"},
      {"locate" + cat + " --value 4532-0151 -1283-0366",
       "an unknown option (not shown since it holds digits); a path that starts with '-' goes "
       "after --"},
      // A passphrase or a name typed unquoted is not echoed either.
      {"locate" + cat + " --value correct horse battery",
       "2 arguments not expected, not shown (a value with spaces must be quoted)"},
      {"locate" + cat + " --value correct -zebra",
       "an unknown option (not shown); a path that starts with '-' goes after --"},
      {"summary" + cat + " extra", "The following argument was not expected: extra"},
      {"locate" + cat + " --value 4532 0151 '1283 0366'",
       "2 arguments not expected, not shown since they hold digits (a value with spaces must be "
       "quoted)"},
      // Which of the two did the user mean? Neither is taken.
      {"assets" + cat + " --type US_SSN --type US_MBI", "--type: given 2 times; give it once"},
      {"html" + cat + " -o a.html -o b.html", "--output: given 2 times; give it once"},
      {"summary --catalog '" + db + "'" + cat, "--catalog: given 2 times; give it once"},
      // An unset variable: not a catalog named "", not "any type".
      {"assets --catalog ''", "--catalog: empty value; give a FILE"},
      {"html" + cat + " -o ''", "--output: empty value; give a FILE"},
      {"assets" + cat + " --type ''", "--type: empty value; give a TYPE"},
      {"events" + cat + " --path-prefix ''", "--path-prefix: empty value; give a PREFIX"},
      {"locate" + cat + " --value 536228726 --key ''", "--key: empty value; give a FILE"},
      // A value typed unquoted: its digits are not echoed.
      {"locate" + cat + " --value 4532 0151 1283 0366",
       "3 arguments not expected, not shown since they hold digits (a value with spaces must be "
       "quoted)"},
      {"locate" + cat + " --value 536 22-8726",
       "1 argument not expected, not shown since they hold digits (a value with spaces must be "
       "quoted)"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args);
    Outcome o = Run(dir, args, dir.path());
    CHECK(o.exit_code == 2);
    CHECK(o.out.empty());
    // The help of the report given, which lists its options.
    const std::string report = args.substr(0, args.find(' '));
    CHECK(o.err == "phireport: error: " + message + " (see phireport " + report + " --help)\n");
  }
  // A report's option before the report's name.
  Outcome before = Run(dir, cat.substr(1) + " summary", dir.path());
  CHECK(before.exit_code == 2);
  CHECK(before.err ==
        "phireport: error: option '--catalog' goes after the command's name (phireport summary "
        "--catalog ...) (see phireport summary --help)\n");
  // Nothing was written for the refused -o.
  CHECK_FALSE(std::filesystem::exists(dir.Join("a.html")));
  CHECK_FALSE(std::filesystem::exists(dir.Join("b.html")));
}

TEST_CASE("diff --from 0 is the state before the first run; a negative run id is refused") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);  // one run, id 1
  Outcome all = Run(dir, "diff --catalog '" + db + "' --from 0 --format jsonl");
  INFO(all.err);
  CHECK(all.exit_code == 0);
  auto rows = JsonLines(all.out);
  CHECK(rows.size() == 3);
  for (const json& row : rows) CHECK(row["change"] == "added");
  Outcome typo = Run(dir, "diff --catalog '" + db + "' --from -1 --to 1");
  CHECK(typo.exit_code == 2);
  CHECK(typo.out.empty());
  CHECK(typo.err ==
        "phireport: error: --from: '-1' is no run id: a run id is 1 or more, or 0 for before the "
        "first run ('phireport runs' lists them) (see phireport diff --help)\n");
  for (const char* args : {"diff --from abc", "diff --to 0", "events --since 2x"}) {
    INFO(args);
    Outcome bad = Run(dir, std::string(args) + " --catalog '" + db + "'");
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::Contains("is no run id: a run id is 1 or more"));
    CHECK_THAT(bad.err, !Catch::Contains("Could not convert"));
  }
}

TEST_CASE("diff says when a file became a coverage gap, and when a gap was read in full") {
  testing::TempDir dir;
  const std::string db = dir.Join("scan.db");
  {
    auto writer = catalog::CatalogWriter::Open(db);
    REQUIRE(writer.ok());
    for (int run = 1; run <= 2; ++run) {
      REQUIRE((*writer)->BeginRun(MakeRunInfo()).ok());
      // A PHI file the scan account lost access to: it keeps its label and
      // findings, so only its status says that nobody looked inside.
      AssetRecord lost = MakeAsset("/srv/share/lost.txt");
      lost.label = "PHI";
      lost.types = {{"US_SSN", 1, 1, 90}};
      lost.findings = {MakeFinding("US_SSN", 90, 12, 1, "***-**-****")};
      if (run == 2) {
        lost.status = AssetStatus::kUnreadable;
        lost.reason = "permission_denied";
      }
      (*writer)->Submit(std::move(lost));
      // A file cut short by a limit, then read to its end.
      AssetRecord big = MakeAsset("/srv/share/big.log");
      big.label = "NONE";
      if (run == 1) {
        big.status = AssetStatus::kPartial;
        big.reason = "limit_size";
      }
      (*writer)->Submit(std::move(big));
      REQUIRE((*writer)->FinishRun(catalog::RunStatus::kCompleted).ok());
    }
  }
  Outcome o = Run(dir, "diff --catalog '" + db + "' --format jsonl");
  INFO(o.err);
  REQUIRE(o.exit_code == 0);
  auto rows = JsonLines(o.out);
  REQUIRE(rows.size() == 2);  // before: no row at all, which read as "nothing changed"
  CHECK(rows[0]["change"] == "coverage_changed");
  CHECK(rows[0]["path"] == "/srv/share/big.log");
  CHECK(rows[0]["status_before"] == "partial");
  CHECK(rows[0]["status_after"] == "complete");
  CHECK(rows[1]["change"] == "coverage_changed");
  CHECK(rows[1]["path"] == "/srv/share/lost.txt");
  CHECK(rows[1]["status_before"] == "complete");
  CHECK(rows[1]["status_after"] == "unreadable");
  CHECK(rows[1]["label_before"] == "PHI");
  CHECK(rows[1]["label_after"] == "PHI");
  // Added and removed rows have a status on their one side only.
  Outcome all = Run(dir, "diff --catalog '" + db + "' --from 0 --to 1 --format jsonl");
  for (const json& row : JsonLines(all.out)) {
    CHECK(row["change"] == "added");
    CHECK(row["status_before"].is_null());
    CHECK(row["status_after"].is_string());
  }
}

TEST_CASE("An unknown report is named in the usage error, with the reports there are") {
  testing::TempDir dir;
  for (const std::string name : {"bogus", "rules"}) {
    Outcome o = Run(dir, name + " --catalog '" + dir.Join("c.db") + "'");
    CHECK(o.exit_code == 2);
    CHECK(o.out.empty());
    CHECK(o.err == "phireport: error: unknown report '" + name +
                       "' (reports: summary, assets, findings, folders, diff, locate, runs, html, "
                       "events) (see phireport --help)\n");
  }
}

TEST_CASE("A mistyped report names the report nearest to it") {
  testing::TempDir dir;
  // A letter left out, two swapped, a wrong case, a letter missing at the end.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"sumary", "summary"}, {"asets", "assets"},      {"summry", "summary"},
      {"evnets", "events"},  {"Findings", "findings"}, {"run", "runs"},
  };
  for (const auto& [typed, meant] : cases) {
    Outcome o = Run(dir, typed + " --catalog '" + dir.Join("c.db") + "'");
    CHECK(o.exit_code == 2);
    CHECK(o.out.empty());
    CHECK(o.err == "phireport: error: unknown report '" + typed + "' (did you mean " + meant +
                       "?) (see phireport --help)\n");
  }
  // Nothing was opened or created for a typo.
  CHECK(!std::filesystem::exists(dir.Join("c.db")));
}

TEST_CASE("phireport --label and --type take what the catalog knows") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  Outcome o = Run(dir, "assets --catalog '" + db + "' --type US_SSN --format csv");
  CHECK(o.exit_code == 0);
  CHECK(std::count(o.out.begin(), o.out.end(), '\n') == 2);  // header and one asset
  o = Run(dir, "assets --catalog '" + db + "' --label PHI --format csv");
  CHECK(o.exit_code == 0);
  CHECK(std::count(o.out.begin(), o.out.end(), '\n') == 3);
  // A built-in label no asset has yet is a valid, empty answer.
  o = Run(dir, "assets --catalog '" + db + "' --label CREDENTIALS --format csv");
  CHECK(o.exit_code == 0);
  CHECK(std::count(o.out.begin(), o.out.end(), '\n') == 1);
  o = Run(dir, "assets --catalog '" + db + "' --type us_ssn");
  CHECK(o.exit_code == 2);
  CHECK_THAT(o.err, Catch::Contains("did you mean US_SSN?"));
}

TEST_CASE("A mistyped --type or --label names the nearest names the catalog knows") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  // A site pack's label (42 CFR Part 2 records), so a typo of it is caught.
  AssetRecord sud = MakeAsset("/srv/share/intake.txt");
  sud.label = "SUD_RECORD";
  AddRun(db, std::move(sud));
  const std::string cat = " --catalog '" + db + "'";
  const std::string types_hint = "; 'phiscan rules list' shows the type ids\n";
  const std::string labels_hint =
      "; the built-in labels are PHI, PCI, CREDENTIALS, PII and NONE\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Two letters swapped, a wrong case, one letter off: one edit each.
      {"assets" + cat + " --type US_SNN",
       "--type: no type 'US_SNN' in this catalog (did you mean US_SSN?)" + types_hint},
      {"findings" + cat + " --type us_mbi",
       "--type: no type 'us_mbi' in this catalog (did you mean US_MBI?)" + types_hint},
      {"locate" + cat + " --value - --type EMIAL",
       "--type: no type 'EMIAL' in this catalog (did you mean EMAIL?)" + types_hint},
      // Nothing near: no guess.
      {"assets" + cat + " --type PASSPORT_NUMBER",
       "--type: no type 'PASSPORT_NUMBER' in this catalog" + types_hint},
      {"assets" + cat + " --label phi",
       "--label: no asset has label 'phi' (did you mean PHI?)" + labels_hint},
      // Equally near: every one of them, in the order the labels are listed.
      {"events" + cat + " --label PXI",
       "--label: no asset has label 'PXI' (did you mean PHI, PCI or PII?)" + labels_hint},
      {"folders" + cat + " --label sud_recrod",
       "--label: no asset has label 'sud_recrod' (did you mean SUD_RECORD?)" + labels_hint},
      {"assets" + cat + " --label SECRETISH",
       "--label: no asset has label 'SECRETISH'" + labels_hint},
      // A value pasted where a name belongs (an SSN, a card number) is not
      // repeated: errors reach terminals, logs and tickets.
      {"assets" + cat + " --type 536-22-8726",
       "--type: no type of that name in this catalog" + types_hint},
      {"assets" + cat + " --label 4807302157368199",
       "--label: no asset has the label given" + labels_hint},
  };
  for (const auto& [args, message] : cases) {
    INFO(args);
    Outcome o = Run(dir, args + " </dev/null");
    CHECK(o.exit_code == 2);
    CHECK(o.out.empty());
    CHECK(o.err == "phireport: error: " + message);
  }
  // The site label itself is a valid filter.
  Outcome o = Run(dir, "assets" + cat + " --label SUD_RECORD --format csv");
  CHECK(o.exit_code == 0);
  CHECK(std::count(o.out.begin(), o.out.end(), '\n') == 2);
}

TEST_CASE("phireport --content takes every format the scanner records") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  for (const char* format : {"tnef", "sqlite-wal", "sqlite-shm", "msg", "xls"}) {
    INFO(format);
    Outcome o = Run(dir, "assets --catalog '" + db + "' --content " + format + " --format csv");
    CHECK(o.exit_code == 0);
    CHECK(o.err.empty());
  }
}

TEST_CASE("phireport --content lists the assets read as that format") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  Outcome o = Run(dir, "assets --catalog '" + db + "' --content msg --format jsonl");
  REQUIRE(o.exit_code == 0);
  auto rows = JsonLines(o.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["member"] == "notes/visit.msg");
  o = Run(dir, "folders --catalog '" + db + "' --content text --format jsonl");
  REQUIRE(o.exit_code == 0);
  CHECK(o.out.find("/srv") != std::string::npos);
  // A format nothing was read as is an empty answer, not an error.
  o = Run(dir, "assets --catalog '" + db + "' --content doc --format csv");
  CHECK(o.exit_code == 0);
  CHECK(std::count(o.out.begin(), o.out.end(), '\n') == 1);
}

TEST_CASE("A --path-prefix no asset has is a usage error naming the spelling that matches") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  const std::string cat = " --catalog '" + db + "' --format jsonl";
  Outcome o = Run(dir, "assets" + cat + " --path-prefix /srv/");
  CHECK(o.exit_code == 0);
  CHECK(JsonLines(o.out).size() == 3);
  // The bytes themselves (a newline, an invalid byte) find the file.
  o = Run(dir, "assets" + cat + " --path-prefix \"$(printf '/srv/Doe\\nJohn\\377')\"");
  CHECK(o.exit_code == 0);
  CHECK(JsonLines(o.out).size() == 1);

  // A typo, a relative path, the escaped text a listing shows: each read
  // as "nothing here" before, exit 0 and no row.
  struct Case {
    std::string args;
    std::string cwd;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"assets" + cat + " --path-prefix /srv/hr/", "",
       "no asset in this catalog has a path starting with '/srv/hr/' ('phireport runs' lists"},
      {"findings" + cat + " --path-prefix /srv/hr/", "", "starting with '/srv/hr/'"},
      {"folders" + cat + " --path-prefix /srv/hr/", "", "starting with '/srv/hr/'"},
      {"events" + cat + " --path-prefix /srv/hr/", "", "starting with '/srv/hr/'"},
      {"assets" + cat + " --path-prefix srv/", "/",
       "starting with 'srv/' (paths are absolute: did you mean /srv/?)"},
      {"assets" + cat + " --path-prefix ./srv/export", "/", "did you mean /srv/export?"},
      {"assets" + cat + " --path-prefix elsewhere/", "/", "paths in the catalog are absolute"},
      {"assets" + cat + " --path-prefix '/srv/Doe\\nJohn\\xff'", "",
       "the prefix is raw bytes, and a listing's \\n, \\t or \\xNN stand for one byte"},
  };
  for (const Case& c : cases) {
    INFO(c.args);
    o = Run(dir, c.args, c.cwd);
    CHECK(o.exit_code == 2);
    CHECK(o.out.empty());
    CHECK_THAT(o.err, Catch::StartsWith("phireport: error: --path-prefix: "));
    CHECK_THAT(o.err, Catch::Contains(c.says));
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  }
}

TEST_CASE("phireport summary gives null, not 0, for a type that is no HIPAA identifier") {
  testing::TempDir dir;
  const std::string db = dir.Join("scan.db");
  auto writer = catalog::CatalogWriter::Open(db);
  REQUIRE(writer.ok());
  REQUIRE((*writer)
              ->BeginRun(MakeRunInfo({{"US_SSN", "U.S. Social Security Number", "PII", 7, "digits"},
                                      {"CREDIT_CARD", "Payment card number", "PCI", 0, "digits"}}))
              .ok());
  AssetRecord a = MakeAsset("/srv/pay.csv");
  a.label = "PCI";
  a.types = {{"CREDIT_CARD", 1, 1, 85}, {"US_SSN", 1, 1, 85}};
  (*writer)->Submit(std::move(a));
  REQUIRE((*writer)->FinishRun(catalog::RunStatus::kCompleted).ok());
  Outcome o = Run(dir, "summary --catalog '" + db + "' --format json");
  REQUIRE(o.exit_code == 0);
  std::map<std::string, json> cls;
  const json summary = json::parse(o.out);
  for (const json& t : summary["by_type"]) cls[t["type"].get<std::string>()] = t["hipaa_class"];
  REQUIRE(cls.size() == 2);
  CHECK(cls["CREDIT_CARD"].is_null());
  CHECK(cls["US_SSN"] == 7);
  o = Run(dir, "summary --catalog '" + db + "' --format csv");
  CHECK_THAT(o.out, Catch::Contains("CREDIT_CARD,PCI,,1,1"));
}

TEST_CASE("phireport html never writes over the catalog's own files") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  testing::WriteFile(dir.Join("scan.db.key"), std::string(32, 'k'));
  const std::string key_before = testing::ReadFile(dir.Join("scan.db.key"));
  for (const std::string& target :
       {db, dir.Join("./scan.db"), db + "-wal", db + ".key", db + ".lock"}) {
    INFO(target);
    Outcome o = Run(dir, "html --catalog '" + db + "' -o '" + target + "'");
    CHECK(o.exit_code == 2);
    CHECK_THAT(o.err, Catch::Contains("one of the catalog's own files"));
  }
  CHECK(testing::ReadFile(dir.Join("scan.db.key")) == key_before);
  CHECK(Run(dir, "summary --catalog '" + db + "'").exit_code == 0);
  CHECK(Run(dir, "html --catalog '" + db + "' -o '" + dir.Join("report.html") + "'").exit_code ==
        0);
}

TEST_CASE("phireport html that cannot create its page names the file given") {
  // It named the temporary file it writes first: "cannot create
  // .../missing/r.html.tmp".
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  const std::string page = dir.Join("missing/r.html");
  Outcome o = Run(dir, "html --catalog '" + db + "' -o '" + page + "'");
  CHECK(o.exit_code == 1);
  CHECK(o.err == "phireport: error: cannot create " + page + ": No such file or directory\n");
  // A directory where the temporary file goes is in the way, and told.
  REQUIRE(mkdir(dir.Join("r.html.tmp").c_str(), 0700) == 0);
  o = Run(dir, "html --catalog '" + db + "' -o '" + dir.Join("r.html") + "'");
  CHECK(o.exit_code == 1);
  CHECK(o.err == "phireport: error: cannot create " + dir.Join("r.html") + ": File exists (" +
                     dir.Join("r.html.tmp") + " is in the way)\n");
}

TEST_CASE("phireport html writes no device, FIFO or link away; - is standard output") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  const std::string fifo = dir.Join("pipe");
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  const std::string link = dir.Join("link.html");
  testing::WriteFile(dir.Join("real.html"), "old");
  REQUIRE(symlink(dir.Join("real.html").c_str(), link.c_str()) == 0);
  for (const std::string& target : {fifo, link, std::string("/dev/null")}) {
    INFO(target);
    Outcome o = Run(dir, "html --catalog '" + db + "' -o '" + target + "'");
    CHECK(o.exit_code == 2);
    CHECK_THAT(o.err, Catch::Contains("is not a regular file"));
  }
  struct stat st;
  REQUIRE(lstat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  REQUIRE(lstat(link.c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  CHECK(testing::ReadFile(dir.Join("real.html")) == "old");
  Outcome o = Run(dir, "html --catalog '" + db + "' -o -", dir.path());
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, Catch::StartsWith("<!DOCTYPE html>"));
  CHECK_FALSE(std::filesystem::exists(dir.Join("-")));
}

TEST_CASE("phireport catalog errors exit 1 with one line on stderr") {
  testing::TempDir dir;
  testing::WriteFile(dir.Join("notes.txt"), std::string(1024, 'x'));
  struct Case {
    std::string name;       // file name given to --catalog
    std::string displayed;  // how the error line shows it
  };
  const std::vector<Case> cases = {
      {"missing.db", "missing.db"},
      {"notes.txt", "notes.txt"},         // exists, but is not SQLite
      {"new\nline.db", "new\\nline.db"},  // escaped once, on one line
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Outcome o = Run(dir, "summary --catalog '" + dir.Join(c.name) + "'");
    CHECK(o.exit_code == 1);
    CHECK(o.out.empty());
    CHECK_THAT(o.err, Catch::StartsWith("phireport: error: catalog "));
    CHECK_THAT(o.err, Catch::Contains(c.displayed + " "));
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  }
}

TEST_CASE("A report cut short by a full disk exits 1 and says so") {
  if (access("/dev/full", W_OK) != 0) {
    WARN("no /dev/full; not checked");
    return;
  }
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  // Every report, in a format that writes rows and in the table, which is
  // written at the end: a scheduled export must not believe a cut-short
  // file is the report.
  for (const char* report : {"summary", "assets", "findings", "folders", "runs", "diff",
                             "events"}) {
    for (const char* format : {"csv", "table"}) {
      INFO(report << " --format " << format);
      Outcome o = Run(dir, std::string(report) + " --catalog '" + db + "' --format " + format +
                               " >/dev/full");
      CHECK(o.exit_code == 1);
      CHECK_THAT(o.err, Catch::StartsWith("phireport: error: cannot write standard output: ") &&
                            Catch::EndsWith("; the output is incomplete\n"));
      CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
    }
  }
}

TEST_CASE("events --since a run the catalog never had is a usage error, not an empty feed") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);  // one run, id 1
  // A SIEM job's saved run id after the catalog was recreated: an empty
  // feed would hide every sensitive asset until run 41.
  for (const char* since : {"41", "2"}) {  // -1 is no run id at all (diff's test)
    INFO(since);
    Outcome o = Run(dir, "events --catalog '" + db + "' --since " + since);
    CHECK(o.exit_code == 2);
    CHECK(o.out.empty());
    CHECK_THAT(o.err, Catch::StartsWith(std::string("phireport: error: --since: no run ") +
                                        since + " in this catalog (its latest run is 1;"));
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  }
  // The latest run itself: nothing classified after it, and that is no error.
  Outcome latest = Run(dir, "events --catalog '" + db + "' --since 1");
  CHECK(latest.exit_code == 0);
  CHECK(latest.out.empty());
  Outcome all = Run(dir, "events --catalog '" + db + "' --since 0");
  CHECK(all.exit_code == 0);
  CHECK(JsonLines(all.out).size() == 2);  // the two PHI assets
}

TEST_CASE("phireport --catalog defaults to ./phiscan.db") {
  testing::TempDir dir;
  const std::string db = BuildCatalog(dir);
  REQUIRE(std::rename(db.c_str(), dir.Join("phiscan.db").c_str()) == 0);
  Outcome o = Run(dir, "summary --format jsonl", dir.path());
  INFO(o.err);
  REQUIRE(o.exit_code == 0);
  CHECK(json::parse(o.out)["assets"] == 3);
}

TEST_CASE("Every report documents its options in --help") {
  testing::TempDir dir;
  for (const char* sub : {"summary", "assets", "findings"}) {
    INFO(sub);
    Outcome o = Run(dir, std::string(sub) + " --help");
    CHECK(o.exit_code == 0);
    for (const char* flag : {"--catalog", "--format", "--min-confidence", "jsonl", "csv", "high"}) {
      CHECK_THAT(o.out, Catch::Contains(flag));
    }
  }
  Outcome top = Run(dir, "--help");
  CHECK(top.exit_code == 0);
  for (const char* sub : {"summary", "assets", "findings"})
    CHECK_THAT(top.out, Catch::Contains(sub));
  Outcome version = Run(dir, "--version");
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::StartsWith("phireport "));
}

}  // namespace
}  // namespace phiscan
