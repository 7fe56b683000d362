#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/testutil/jsonl.h"
#include "tests/testutil/testutil.h"
#include "tools/run_lock.h"

using nlohmann::json;
using phiscan::testing::BinaryDir;
using phiscan::testing::ParseJsonl;
using phiscan::testing::ReadFile;
using phiscan::testing::RunCommand;
using phiscan::testing::TempDir;
using phiscan::testing::WriteFile;

namespace {

std::string Phiscan() { return phiscan::testing::ToolPath("phiscan"); }
std::string Phireport() { return phiscan::testing::ToolPath("phireport"); }

int Run(const std::string& cmd, std::string* out = nullptr, std::string* err = nullptr) {
  return RunCommand(cmd, out, err);
}

// A small share: one PHI file, one PII file, one file to exclude.
void MakeShare(const std::string& root) {
  WriteFile(root + "/notes/visit.txt", "Medicare beneficiary 1EG4-TE5-MK73 seen today.\n");
  WriteFile(root + "/hr/staff.csv", "name,ssn\nA,536-22-8726\n");
  WriteFile(root + "/tmp/scratch.tmp", "SSN: 536-22-8726\n");
}

}  // namespace

TEST_CASE("A job runs from the job file and jobs list shows its last run") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  WriteFile(dir.Join("jobs.yaml"), "defaults:\n  catalog: " + dir.Join("c.db") +
                                       "\njobs:\n  - name: share\n    roots: [" +
                                       dir.Join("share") + "/]\n    exclude: ['*.tmp']\n"
                                       "    schedule: daily\n  - name: other\n    roots: [/nonexistent]\n");
  std::string out, err;
  REQUIRE(Run(Phiscan() + " run share --quiet --config " + dir.Join("jobs.yaml"), &out, &err) == 0);
  REQUIRE(Run(Phiscan() + " jobs list --format jsonl --config " + dir.Join("jobs.yaml"), &out) == 0);
  auto rows = ParseJsonl(out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["name"] == "share");
  CHECK(rows[0]["last_status"] == "completed");  // its root written "share/" finds the run
  CHECK(rows[0]["schedule"] == "daily");
  // ISO 8601 UTC, as every report gives times.
  CHECK_THAT(rows[0]["last_finished"].get<std::string>(),
             Catch::Matches("20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z"));
  CHECK(rows[1]["last_status"] == "never");
  // The exclude from the job applied.
  REQUIRE(Run(Phireport() + " assets --format jsonl --catalog " + dir.Join("c.db"), &out) == 0);
  CHECK(out.find("scratch.tmp") == std::string::npos);
  CHECK(out.find("visit.txt") != std::string::npos);

  CHECK(Run(Phiscan() + " run nosuch --config " + dir.Join("jobs.yaml"), &out, &err) == 2);
  CHECK(err.find("no job named 'nosuch' (jobs: share, other)") != std::string::npos);
  // An identifier typed where the job's name goes is not echoed.
  CHECK(Run(Phiscan() + " run 'Jane 536-22-8726' --config " + dir.Join("jobs.yaml"), &out, &err) ==
        2);
  CHECK(err.find("no job named (a value with digits, not shown) (jobs: share, other)") !=
        std::string::npos);
  WriteFile(dir.Join("bad.yaml"), "jobs:\n  - name: x\n    roots: [/a]\n    catalog: c\n    speed: 9\n");
  CHECK(Run(Phiscan() + " run x --config " + dir.Join("bad.yaml"), &out, &err) == 1);
  CHECK(err == "phiscan: error: " + dir.Join("bad.yaml") + ":5: job x: unknown key 'speed'\n");
  // A value that names nothing is the job file's error too, for run and
  // jobs list alike, before any catalog file is made.
  WriteFile(dir.Join("bad2.yaml"), "jobs:\n  - name: x\n    roots: [" + dir.Join("share") +
                                       "]\n    catalog: " + dir.Join("x.db") +
                                       "\n    fail_on: phi\n");
  const std::string says =
      "phiscan: error: " + dir.Join("bad2.yaml") +
      ":5: job x: fail_on: 'phi' is neither a type id nor a label (did you mean PHI?)\n";
  CHECK(Run(Phiscan() + " run x --config " + dir.Join("bad2.yaml"), &out, &err) == 1);
  CHECK(err == says);
  // A good fail_on: the rules loaded to check it are the ones the run uses.
  WriteFile(dir.Join("good.yaml"), "jobs:\n  - name: x\n    roots: [" + dir.Join("share") +
                                       "]\n    catalog: " + dir.Join("g.db") +
                                       "\n    fail_on: US_SSN\n");
  CHECK(Run(Phiscan() + " run x --quiet --config " + dir.Join("good.yaml"), &out, &err) == 4);
  CHECK(err.empty());
  CHECK(Run(Phiscan() + " jobs list --config " + dir.Join("bad2.yaml"), &out, &err) == 1);
  CHECK(err == says);
  CHECK_FALSE(std::filesystem::exists(dir.Join("x.db")));
  // With a good job beside it, both are listed: one typo hid every job.
  WriteFile(dir.Join("bad3.yaml"),
            "jobs:\n  - name: x\n    roots: [" + dir.Join("share") + "]\n    catalog: " +
                dir.Join("x.db") + "\n    fail_on: phi\n  - name: y\n    roots: [" +
                dir.Join("share") + "]\n    catalog: " + dir.Join("y.db") + "\n");
  CHECK(Run(Phiscan() + " jobs list --format jsonl --config " + dir.Join("bad3.yaml"), &out,
            &err) == 1);
  CHECK(err == "phiscan: error: " + dir.Join("bad3.yaml") +
                   ":5: job x: fail_on: 'phi' is neither a type id nor a label (did you mean "
                   "PHI?)\n");
  const auto listed = ParseJsonl(out);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["name"] == "x");
  CHECK(listed[1]["name"] == "y");
  // And the good one runs.
  CHECK(Run(Phiscan() + " run y --quiet --config " + dir.Join("bad3.yaml"), &out, &err) == 0);
}

TEST_CASE("A data file given as the job file is one error that quotes nothing of it") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  // The share's own CSV, named as --config by mistake.
  const std::string records = dir.Join("share/hr/staff.csv");
  const std::string says = "phiscan: error: " + records +
                           ": not a job file (expected a YAML mapping with a 'jobs' list)\n";
  std::string out, err;
  CHECK(Run(Phiscan() + " run hr --config " + records, &out, &err) == 1);
  CHECK(err == says);
  CHECK(Run(Phiscan() + " jobs list --config " + records, &out, &err) == 1);
  CHECK(err == says);
  CHECK(out.empty());
}

TEST_CASE("The example job file and the rule pack it names load as shipped") {
  // Installed as README says (both under /etc/phiscan), `jobs list` works
  // before the user edits anything: the job file names no pack that is not
  // shipped beside it.
  TempDir dir;
  const std::string examples = phiscan::testing::SourceDir() + "/tools/examples/";
  std::string jobs = ReadFile(examples + "jobs.yaml");
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"/etc/phiscan/", examples},
                                 {"/var/lib/phiscan/", dir.path() + "/"}}) {
    for (size_t at; (at = jobs.find(from)) != std::string::npos;) {
      jobs.replace(at, from.size(), to);
    }
  }
  WriteFile(dir.Join("jobs.yaml"), jobs);
  std::string out, err;
  CHECK(Run(Phiscan() + " jobs list --format jsonl --config " + dir.Join("jobs.yaml"), &out,
            &err) == 0);
  CHECK(err.empty());
  CHECK(ParseJsonl(out).size() == 2);
  CHECK(Run(Phiscan() + " rules check " + examples + "site-rules.yaml", &out, &err) == 0);
  // Its site MRN replaces the built-in one: each number is one finding.
  WriteFile(dir.Join("chart.txt"), "Chart number MRN0012345 reviewed\n");
  REQUIRE(Run(Phiscan() + " classify --format jsonl --rules " + examples + "site-rules.yaml " +
                  dir.Join("chart.txt"),
              &out, &err) == 0);
  const auto rows = ParseJsonl(out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["type"] == "SITE_MRN");
}

TEST_CASE("A second run on the same catalog exits 75 while the first holds it") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  auto lock = phiscan::tools::RunLock::Acquire(dir.Join("c.db"));
  REQUIRE(lock.ok());
  std::string out, err;
  CHECK(Run(Phiscan() + " scan --catalog " + dir.Join("c.db") + " " + dir.Join("share"), &out,
            &err) == 75);
  CHECK(err == "phiscan: error: another phiscan run (pid " + std::to_string(getpid()) +
                   ") is writing " + dir.Join("c.db") + "\n");
  // Turned away, it made nothing: no key of its own (--key or beside the
  // catalog), no catalog.
  CHECK(Run(Phiscan() + " scan --key " + dir.Join("k.key") + " --catalog " + dir.Join("c.db") +
                " " + dir.Join("share"),
            &out, &err) == 75);
  CHECK(access(dir.Join("k.key").c_str(), F_OK) != 0);
  CHECK(access(dir.Join("c.db.key").c_str(), F_OK) != 0);
  CHECK(access(dir.Join("c.db").c_str(), F_OK) != 0);
}

TEST_CASE("--fail-on gates on labels and types; --strict on coverage gaps") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  const std::string base = Phiscan() + " scan --quiet --catalog " + dir.Join("c.db") + " ";
  CHECK(Run(base + "--fail-on PHI " + dir.Join("share")) == 4);
  CHECK(Run(base + "--fail-on US_SSN --exclude '*.tmp' " + dir.Join("share")) == 4);
  CHECK(Run(base + "--fail-on CREDIT_CARD " + dir.Join("share")) == 0);
  // Carried-over (unchanged) files still count: the check reads the catalog.
  CHECK(Run(base + "--fail-on PHI " + dir.Join("share")) == 4);
  // --help says so; it said "any scanned asset".
  std::string help;
  REQUIRE(Run(Phiscan() + " scan --help", &help) == 0);
  CHECK_THAT(help, Catch::Contains("Exit 4 if any asset under the roots (read this run or "
                                   "carried over unread) has this label"));
  std::string err;
  CHECK(Run(base + "--fail-on SHINY " + dir.Join("share"), nullptr, &err) == 2);
  CHECK(err.find("neither a type id nor a label") != std::string::npos);
  CHECK(Run(base + "--fail-on CREDENTIAL " + dir.Join("share"), nullptr, &err) == 2);
  CHECK(err ==
        "phiscan: error: --fail-on: 'CREDENTIAL' is neither a type id nor a label (did you mean "
        "CREDENTIALS?)\n");
  // NONE is a label, but that of assets with nothing sensitive: it would
  // fail every scan of a clean file, the opposite of what was meant.
  CHECK(Run(base + "--fail-on NONE " + dir.Join("share"), nullptr, &err) == 2);
  CHECK(err ==
        "phiscan: error: --fail-on: NONE is the label of assets with nothing sensitive: every "
        "clean file would fail the scan; name a label such as PHI or a type such as US_SSN\n");

  // A label that names a category counts assets holding that category
  // whatever label won: the card number sits in a file labelled PHI.
  WriteFile(dir.Join("share3/visit.txt"),
            "Medicare beneficiary 1EG4-TE5-MK73, paid by credit card 4787 7893 2879 2170.\n");
  CHECK(Run(base + "--fail-on PCI " + dir.Join("share3")) == 4);
  CHECK(Run(base + "--fail-on PHI " + dir.Join("share3")) == 4);
  // The message says why the count is not the summary's PCI label count.
  CHECK(Run(Phiscan() + " scan --catalog " + dir.Join("c.db") + " --fail-on PCI " +
                dir.Join("share3"),
            nullptr, &err) == 4);
  CHECK(err.find("labels: PHI 1;") != std::string::npos);
  CHECK(err.find("phiscan: 1 asset reaches --fail-on PCI (0 labelled PCI, 1 labelled otherwise "
                 "holding a PCI type at medium confidence or above)\n") != std::string::npos);
  CHECK(Run(base + "--fail-on CREDENTIALS " + dir.Join("share3")) == 0);
  // DATE is never more than low confidence: naming it still fails a scan
  // that finds one, rather than never firing.
  WriteFile(dir.Join("share4/minutes.txt"), "The board met on 03/14/2023 in room 4.\n");
  CHECK(Run(base + "--fail-on DATE " + dir.Join("share4")) == 4);
  CHECK(Run(base + "--fail-on DATE " + dir.Join("share3")) == 0);

  WriteFile(dir.Join("share/bin/blob.bin"), std::string("\0\1\2binary", 9));
  CHECK(Run(base + dir.Join("share")) == 0);             // gaps alone do not fail a scan...
  CHECK(Run(base + "--strict " + dir.Join("share")) == 3);  // ...unless asked
  // Without --quiet the exit status is explained: the gap was carried over,
  // yet the summary line still counts it with the labels under the roots.
  const std::string loud = Phiscan() + " scan --catalog " + dir.Join("c.db") + " ";
  CHECK(Run(loud + "--strict " + dir.Join("share"), nullptr, &err) == 3);
  CHECK(err.find("phiscan: 1 asset under the roots is a coverage gap (--strict): "
                 "skipped(binary) 1; phireport assets --status STATUS lists them (--scan-binary "
                 "reads binary files, --exclude leaves them out)\n") != std::string::npos);
  CHECK(err.find("(4 unchanged)") != std::string::npos);
  // --fail-on decides the exit status, and the gaps are still told.
  std::string both;
  CHECK(Run(loud + "--strict --fail-on PHI " + dir.Join("share"), nullptr, &both) == 4);
  CHECK(both.find("phiscan: 1 asset under the roots is a coverage gap (--strict): "
                  "skipped(binary) 1;") != std::string::npos);
  CHECK(both.find("phiscan: 1 asset reaches --fail-on PHI\n") != std::string::npos);
  CHECK(err.find("; 0 findings; under the roots: 4 assets, labels: PHI 1, PII 2; "
                 "1 coverage gap;") != std::string::npos);
  // A root given twice, or inside another, is not counted twice.
  CHECK(Run(loud + dir.Join("share") + " " + dir.Join("share/hr") + " " + dir.Join("share"),
            nullptr, &err) == 0);
  CHECK(err.find("under the roots: 4 assets, labels: PHI 1, PII 2; 1 coverage gap;") !=
        std::string::npos);
  // The run records a repeated root once.
  std::string runs;
  REQUIRE(Run(Phireport() + " runs --format jsonl --catalog " + dir.Join("c.db"), &runs) == 0);
  CHECK(runs.find("\"roots\":[\"" + dir.Join("share") + "\",\"" + dir.Join("share/hr") + "\"]") !=
        std::string::npos);
}

TEST_CASE("--fail-on and --strict count only what lies under the roots scanned") {
  TempDir dir;
  const std::string cat = " --quiet --catalog " + dir.Join("c.db") + " ";
  // share2 holds PHI and a coverage gap; share, a prefix of its name, holds neither.
  WriteFile(dir.Join("share2/visit.txt"), "Medicare beneficiary 1EG4-TE5-MK73 seen today.\n");
  WriteFile(dir.Join("share2/blob.bin"), std::string("\0\1\2binary", 9));
  WriteFile(dir.Join("share/clean.txt"), "nothing to see\n");
  REQUIRE(Run(Phiscan() + " scan" + cat + dir.Join("share2")) == 0);
  CHECK(Run(Phiscan() + " scan --fail-on PHI --strict" + cat + dir.Join("share")) == 0);
  CHECK(Run(Phiscan() + " scan --fail-on PHI" + cat + dir.Join("share2")) == 4);
  CHECK(Run(Phiscan() + " scan --strict" + cat + dir.Join("share2")) == 3);
}

TEST_CASE("--log-format json writes one line per coverage gap, never a value") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  WriteFile(dir.Join("share/bin/blob.bin"), std::string("SSN 536-22-8726\0bin", 19));
  REQUIRE(Run(Phiscan() + " scan --quiet --log-format json --log-file " + dir.Join("scan.log") +
              " --catalog " + dir.Join("c.db") + " " + dir.Join("share")) == 0);
  auto lines = ParseJsonl(ReadFile(dir.Join("scan.log")));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["event"] == "coverage_gap");
  CHECK(lines[0]["path"] == dir.Join("share/bin/blob.bin"));
  CHECK(lines[0]["status"] == "skipped");
  CHECK(lines[1]["event"] == "scan_finished");
  CHECK(lines[1]["gaps"] == 1);
  CHECK(lines[1]["assets_under_roots"] == 4);
  CHECK(lines[1]["gaps_under_roots"] == 1);
  CHECK(lines[1]["labels_under_roots"] == json{{"PHI", 1}, {"PII", 2}});
  // Carried over unread, the skipped file is still a gap of the run, as it
  // is one of its assets: in its log and in `runs` alike.
  REQUIRE(Run(Phiscan() + " scan --quiet --log-format json --log-file " + dir.Join("scan.log") +
              " --catalog " + dir.Join("c.db") + " " + dir.Join("share")) == 0);
  lines = ParseJsonl(ReadFile(dir.Join("scan.log")));
  REQUIRE(lines.size() == 3);  // no coverage_gap line: nothing was read
  CHECK(lines[2]["unchanged"] == 4);
  CHECK(lines[2]["gaps"] == 1);
  CHECK(lines[2]["gaps_under_roots"] == 1);
  std::string out;
  REQUIRE(Run(Phireport() + " runs --format jsonl --catalog " + dir.Join("c.db"), &out) == 0);
  auto runs = ParseJsonl(out);
  REQUIRE(runs.size() == 2);
  CHECK(runs[0]["assets"] == 4);
  CHECK(runs[0]["unchanged"] == 4);
  CHECK(runs[0]["gaps"] == 1);
  // The whole value in either spelling: a bare "536" can occur in a
  // timestamp, a duration or the temporary directory's name.
  const std::string log = ReadFile(dir.Join("scan.log"));
  CHECK(log.find("536-22-8726") == std::string::npos);
  CHECK(log.find("536228726") == std::string::npos);
}

TEST_CASE("A quiet run that reaches --fail-on says so in its log") {
  // A scheduled job runs --quiet and its unit counts exit 4 as success: the
  // log is the only place an alert can see it.
  TempDir dir;
  MakeShare(dir.Join("share"));
  const std::string scan = Phiscan() + " scan --quiet --log-format json --log-file " +
                           dir.Join("scan.log") + " --catalog " + dir.Join("c.db") + " ";
  std::string err;
  REQUIRE(Run(scan + "--fail-on PHI " + dir.Join("share"), nullptr, &err) == 4);
  CHECK(err.empty());
  auto lines = ParseJsonl(ReadFile(dir.Join("scan.log")));
  REQUIRE(!lines.empty());
  CHECK(lines.back()["event"] == "fail_on_reached");
  CHECK(lines.back()["level"] == "warn");
  CHECK(lines.back()["fail_on"] == "PHI");
  CHECK(lines.back()["assets"] == 1);
  // Not reached: no such event.
  REQUIRE(Run(scan + "--fail-on CREDIT_CARD " + dir.Join("share")) == 0);
  CHECK(ParseJsonl(ReadFile(dir.Join("scan.log"))).back()["event"] == "scan_finished");
}

TEST_CASE("More threads than CPUs are lowered: silent under --quiet, one note otherwise") {
  // libtbb runs no more threads than the CPUs, and printed its own warning
  // on stderr when asked for more, --quiet or not. 1024, the most --threads
  // takes, is more than any machine this runs on has.
  TempDir dir;
  MakeShare(dir.Join("share"));
  const std::string scan = Phiscan() + " scan --threads 1024 --catalog " + dir.Join("c.db") + " ";
  std::string err;
  REQUIRE(Run(scan + "--quiet --full " + dir.Join("share"), nullptr, &err) == 0);
  CHECK(err.empty());
  REQUIRE(Run(scan + "--full " + dir.Join("share"), nullptr, &err) == 0);
  CHECK_THAT(err, Catch::StartsWith("phiscan: 1024 threads asked for, but this process may run "
                                    "on "));
  CHECK(std::count(err.begin(), err.end(), '\n') == 2);  // the note and the summary
  CHECK(err.find("TBB") == std::string::npos);
  // A job's threads: the same, and its log says so.
  WriteFile(dir.Join("jobs.yaml"), "jobs:\n  - name: t\n    catalog: " + dir.Join("c.db") +
                                       "\n    threads: 1024\n    roots: [" + dir.Join("share") +
                                       "]\n");
  REQUIRE(Run(Phiscan() + " run t --quiet --full --log-format json --log-file " +
                  dir.Join("t.log") + " --config " + dir.Join("jobs.yaml"),
              nullptr, &err) == 0);
  CHECK(err.empty());
  auto lines = ParseJsonl(ReadFile(dir.Join("t.log")));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["event"] == "threads_limited");
  CHECK(lines[0]["level"] == "info");
  CHECK(lines[0]["requested"] == 1024);
  CHECK(lines[0]["threads"].get<int>() < 1024);
  CHECK(lines[1]["event"] == "scan_finished");
}

TEST_CASE("A log that cannot be written fails the scan, saying so once") {
  if (!std::filesystem::exists("/dev/full")) {
    WARN("no /dev/full: not run");
    return;
  }
  TempDir dir;
  MakeShare(dir.Join("share"));
  std::string err;
  CHECK(Run(Phiscan() + " scan --quiet --log-format json --log-file /dev/full --catalog " +
                dir.Join("c.db") + " " + dir.Join("share"),
            nullptr, &err) == 1);
  CHECK(err == "phiscan: error: log /dev/full could not be written (No space left on device): "
               "the log is incomplete\n");
}

TEST_CASE("--log-file never appends to the catalog, its companions or its key") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  const std::string db = dir.Join("c.db");
  REQUIRE(Run(Phiscan() + " scan --quiet --catalog " + db + " " + dir.Join("share")) == 0);
  const std::string key = ReadFile(db + ".key");
  const std::string catalog = ReadFile(db);
  for (const std::string& target : {db, db + ".key", dir.Join("./c.db-wal"), db + ".lock"}) {
    INFO(target);
    CHECK(Run(Phiscan() + " scan --quiet --log-format json --log-file " + target +
              " --catalog " + db + " " + dir.Join("share")) == 2);
  }
  // With --key elsewhere, that file is the one protected.
  WriteFile(dir.Join("other.key"), std::string(32, 'k'));
  chmod(dir.Join("other.key").c_str(), 0600);
  CHECK(Run(Phiscan() + " scan --quiet --log-file " + dir.Join("other.key") + " --key " +
            dir.Join("other.key") + " --catalog " + db + " " + dir.Join("share")) == 2);
  CHECK(ReadFile(dir.Join("other.key")) == std::string(32, 'k'));
  CHECK(ReadFile(db + ".key") == key);
  CHECK(ReadFile(db) == catalog);
  CHECK(Run(Phiscan() + " scan --quiet --catalog " + db + " " + dir.Join("share")) == 0);
}

TEST_CASE("The second scan takes its compiled rules from the cache and finds the same; so does one after rules check") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  const std::string env = "PHISCAN_CACHE_DIR=" + dir.Join("cache") + " ";
  std::string findings[2];
  struct stat widths[2];
  for (int i = 0; i < 2; ++i) {
    const std::string cat = dir.Join("c" + std::to_string(i) + ".db");
    const std::string log = dir.Join("scan" + std::to_string(i) + ".log");
    REQUIRE(Run(env + Phiscan() + " scan --quiet --log-format json --log-file " + log +
                " --catalog " + cat + " " + dir.Join("share")) == 0);
    auto lines = ParseJsonl(ReadFile(log));
    REQUIRE(!lines.empty());
    CHECK(lines.back()["event"] == "scan_finished");
    CHECK(lines.back()["rules_from_cache"] == (i == 1));
    REQUIRE(Run(Phireport() + " findings --format csv --catalog " + cat, &findings[i]) == 0);
    // Beside the database, what Hyperscan said of each expression.
    REQUIRE(stat(dir.Join("cache/expression-widths").c_str(), &widths[i]) == 0);
  }
  CHECK(findings[0].find("US_SSN") != std::string::npos);
  CHECK(findings[0] == findings[1]);
  // The second scan read it and learned nothing new: not written again.
  CHECK(widths[0].st_ino == widths[1].st_ino);
  CHECK(widths[0].st_mtim.tv_nsec == widths[1].st_mtim.tv_nsec);

  // `rules check` stores what it compiled: the first scan with the checked
  // pack takes it from the cache too.
  const std::string pack = dir.Join("site.yaml");
  WriteFile(pack, "types:\n  - id: SITE_MRN\n    category: PHI\n    patterns:\n"
                  "      - regex: '\\bMRN\\d{7}\\b'\n        score: 80\n");
  REQUIRE(Run(env + Phiscan() + " rules check " + pack) == 0);
  const std::string log = dir.Join("scan-site.log");
  REQUIRE(Run(env + Phiscan() + " scan --quiet --log-format json --log-file " + log +
              " --rules " + pack + " --catalog " + dir.Join("site.db") + " " + dir.Join("share")) ==
          0);
  auto lines = ParseJsonl(ReadFile(log));
  REQUIRE(!lines.empty());
  CHECK(lines.back()["rules_from_cache"] == true);
}

TEST_CASE("A scan whose compiled rules cannot be kept says so, once per run") {
  // Each run then compiles the rules again, about a second, which nothing
  // showed. Not under the sanitizers: the compile alone takes 12 s there,
  // and the check is no memory's.
  if (phiscan::testing::kSanitized) return;
  TempDir dir;
  MakeShare(dir.Join("share"));
  WriteFile(dir.Join("plain"), "a file, not a folder\n");
  const std::string cache = dir.Join("plain/cache");
  std::string out, err;
  REQUIRE(Run("PHISCAN_CACHE_DIR=" + cache + " " + Phiscan() + " scan --catalog " +
                  dir.Join("c.db") + " " + dir.Join("share"),
              &out, &err) == 0);
  CHECK(err.rfind("phiscan: note: the compiled rules could not be kept in " + cache +
                      ", so each run compiles them again; PHISCAN_CACHE_DIR names another "
                      "folder (off: none)\n",
                  0) == 0);
  // Turned off on purpose: nothing to say.
  REQUIRE(Run("PHISCAN_CACHE_DIR=off " + Phiscan() + " scan --full --catalog " + dir.Join("c.db") +
                  " " + dir.Join("share"),
              &out, &err) == 0);
  CHECK(err.find("note:") == std::string::npos);
}

TEST_CASE("A live progress line on a terminal, nothing on a pipe") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  std::string out;
  // Under a pseudo-terminal (script(1)) the line is drawn and cleared.
  REQUIRE(Run("script -qfec \"" + Phiscan() + " scan --catalog " + dir.Join("t.db") + " " +
                  dir.Join("share") + "\" /dev/null",
              &out) == 0);
  CHECK(out.find("\x1b[K") != std::string::npos);
  CHECK(out.find("phiscan: scanned") != std::string::npos);
  // On a pipe: the summary only.
  std::string err;
  REQUIRE(Run(Phiscan() + " scan --catalog " + dir.Join("p.db") + " " + dir.Join("share"), &out,
              &err) == 0);
  CHECK(err.find("\x1b[K") == std::string::npos);
  CHECK(err.rfind("phiscan: scanned", 0) == 0);
  CHECK(err.find("labels: PHI 1, PII 2;") != std::string::npos);  // the final summary's labels
  // --quiet: nothing at all.
  REQUIRE(Run(Phiscan() + " scan --quiet --catalog " + dir.Join("q.db") + " " + dir.Join("share"),
              &out, &err) == 0);
  CHECK(err.empty());
}

TEST_CASE("prune keeps the current inventory and drops old runs and long-removed assets") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  WriteFile(dir.Join("share/old/gone.txt"), "SSN: 536-22-8726\n");
  const std::string catalog = dir.Join("c.db");
  const std::string scan = Phiscan() + " scan --quiet --catalog " + catalog + " " + dir.Join("share");
  REQUIRE(Run(scan) == 0);                                           // run 1
  REQUIRE(unlink(dir.Join("share/old/gone.txt").c_str()) == 0);
  REQUIRE(Run(scan) == 0);                                           // run 2 notices the removal
  WriteFile(dir.Join("share/new.txt"), "Email: jane.doe@example.org\n");
  REQUIRE(Run(scan) == 0);                                           // run 3
  std::string before;
  REQUIRE(Run(Phireport() + " findings --format jsonl --catalog " + catalog, &before) == 0);

  std::string out, err;
  CHECK(Run(Phiscan() + " prune --catalog " + catalog, &out, &err) == 2);  // needs a limit
  // A catalog that is not there: an error, and no lock file left behind.
  CHECK(Run(Phiscan() + " prune --keep-runs 1 --catalog " + dir.Join("missing.db"), &out, &err) ==
        1);
  CHECK(access(dir.Join("missing.db.lock").c_str(), F_OK) != 0);
  // Nor beside a file that is no catalog.
  WriteFile(dir.Join("notes.db"), "not a database\n");
  CHECK(Run(Phiscan() + " prune --keep-runs 1 --catalog " + dir.Join("notes.db"), &out, &err) ==
        1);
  CHECK(access(dir.Join("notes.db.lock").c_str(), F_OK) != 0);
  REQUIRE(Run(Phiscan() + " prune --keep-runs 1 --catalog " + catalog, &out, &err) == 0);
  CHECK(err == "phiscan: pruned 2 runs and 1 removed asset; oldest kept run 3\n");
  // A feed saved at a pruned run is told what it can no longer be sent.
  CHECK(Run(Phireport() + " events --since 1 --catalog " + catalog, &out, &err) == 0);
  CHECK(err == "phireport: warning: --since 1: runs up to 2 were pruned; what changed in them "
               "(removals, files no longer sensitive or exposed) is not in this feed\n");
  CHECK(Run(Phireport() + " events --since 3 --catalog " + catalog, &out, &err) == 0);
  CHECK(err.empty());
  // The one run left compared with nothing: its files were not found in it.
  CHECK(Run(Phireport() + " diff --format jsonl --catalog " + catalog, &out, &err) == 0);
  auto added = ParseJsonl(out);
  CHECK(added.size() == 4);  // every present file, as added
  for (const auto& row : added) CHECK(row["change"] == "added");
  CHECK(err == "phireport: warning: runs up to 2 were pruned; what they recorded shows as added "
               "in run 3, not found then\n");
  // A pruned run named: said so, not "no run 1".
  CHECK(Run(Phireport() + " diff --from 1 --catalog " + catalog, &out, &err) == 2);
  CHECK(err ==
        "phireport: error: --from: run 1 was pruned (the oldest run kept is 3; --from 0 "
        "compares against nothing)\n");

  REQUIRE(Run(Phireport() + " runs --format jsonl --catalog " + catalog, &out) == 0);
  CHECK(ParseJsonl(out).size() == 1);
  std::string after;
  REQUIRE(Run(Phireport() + " findings --format jsonl --catalog " + catalog, &after) == 0);
  CHECK(after == before);  // every present asset keeps its findings
  REQUIRE(Run(Phireport() + " assets --format jsonl --catalog " + catalog, &out) == 0);
  CHECK(out.find("gone.txt") == std::string::npos);
  CHECK(out.find("new.txt") != std::string::npos);
  // A scan after pruning is still incremental and complete.
  REQUIRE(Run(scan + " 2>&1", &out) == 0);
  REQUIRE(Run(Phireport() + " runs --format jsonl --catalog " + catalog, &out) == 0);
  auto runs = ParseJsonl(out);
  REQUIRE(runs.size() == 2);
  CHECK(runs[0]["status"] == "completed");
}

TEST_CASE("prune --keep-runs keeps each job's newest runs in a catalog that jobs share") {
  // A weekly job's one run was pushed out by a nightly job's three: its
  // job then showed as never run and its files were credited to the other.
  TempDir dir;
  WriteFile(dir.Join("weekly/p.txt"), "SSN: 536-22-8726\n");
  WriteFile(dir.Join("nightly/q.txt"), "Email: jane.doe@example.org\n");
  const std::string catalog = dir.Join("c.db");
  auto scan = [&](const std::string& root) {
    return Run(Phiscan() + " scan --quiet --catalog " + catalog + " " + dir.Join(root));
  };
  REQUIRE(scan("weekly") == 0);  // run 1
  for (int i = 0; i < 3; ++i) REQUIRE(scan("nightly") == 0);  // runs 2-4
  std::string out, err;
  REQUIRE(Run(Phiscan() + " prune --keep-runs 2 --catalog " + catalog, &out, &err) == 0);
  CHECK(err == "phiscan: pruned 0 runs and 0 removed assets; oldest kept run 1\n");
  REQUIRE(scan("nightly") == 0);  // run 5
  REQUIRE(scan("nightly") == 0);  // run 6
  REQUIRE(Run(Phiscan() + " prune --keep-runs 2 --catalog " + catalog, &out, &err) == 0);
  CHECK(err == "phiscan: pruned 0 runs and 0 removed assets; oldest kept run 1\n");
  REQUIRE(scan("weekly") == 0);  // run 7: now the weekly job's two newest are 1 and 7
  REQUIRE(scan("weekly") == 0);  // run 8: 7 and 8; the nightly job's 5 and 6
  REQUIRE(Run(Phiscan() + " prune --keep-runs 2 --catalog " + catalog, &out, &err) == 0);
  CHECK(err == "phiscan: pruned 4 runs and 0 removed assets; oldest kept run 5\n");
  REQUIRE(Run(Phireport() + " runs --format jsonl --catalog " + catalog, &out) == 0);
  CHECK(ParseJsonl(out).size() == 4);
}

TEST_CASE("Files a filter leaves out are marked removed, said so, and the run keeps its filters") {
  // They were reported removed (diff, the event feed) with nothing saying
  // that they were still on disk, nor which filters the run had.
  TempDir dir;
  MakeShare(dir.Join("share"));
  const std::string catalog = dir.Join("c.db");
  const std::string scan = Phiscan() + " scan --catalog " + catalog + " ";
  std::string out, err;
  REQUIRE(Run(scan + dir.Join("share"), &out, &err) == 0);
  CHECK(err.find("still there") == std::string::npos);
  REQUIRE(Run(scan + "--exclude '*.tmp' --exclude hr/ " + dir.Join("share"), &out, &err) == 0);
  CHECK(err.find("phiscan: 2 files marked removed are still there, left out by "
                 "--include/--exclude; phireport diff lists them as removed (the run records "
                 "its filters)\n") != std::string::npos);
  CHECK(err.find("; 2 removed;") != std::string::npos);
  // A file the filters leave out that was deleted too is no file still
  // there; nor one that another root, inside the first, still walks.
  REQUIRE(Run(scan + dir.Join("share"), &out, &err) == 0);  // all back
  REQUIRE(unlink(dir.Join("share/tmp/scratch.tmp").c_str()) == 0);
  REQUIRE(Run(scan + "--exclude '*.tmp' --exclude=hr/ " + dir.Join("share") + " " +
                  dir.Join("share/hr"),
              &out, &err) == 0);
  CHECK(err.find("still there") == std::string::npos);
  CHECK(err.find("; 1 removed;") != std::string::npos);
  REQUIRE(Run(Phireport() + " runs --format jsonl --catalog " + catalog, &out) == 0);
  const auto runs = ParseJsonl(out);  // newest first
  REQUIRE(runs.size() == 4);
  // A repeatable flag takes one value: both roots are roots, not globs.
  CHECK(runs[0]["roots"] == json::array({dir.Join("share"), dir.Join("share/hr")}));
  CHECK(runs[0]["filters"] == json::parse(R"({"exclude": ["*.tmp", "hr/"]})"));
  CHECK(runs[2]["filters"] == json::parse(R"({"exclude": ["*.tmp", "hr/"]})"));
  CHECK(runs[3]["filters"].is_null());
}

TEST_CASE("A catalog whose key went missing is warned of, and its files read again") {
  TempDir dir;
  WriteFile(dir.Join("share/visit.txt"), "Patient SSN: 536-22-8726\n");
  const std::string catalog = dir.Join("c.db");
  const std::string scan =
      Phiscan() + " scan --quiet --catalog " + catalog + " " + dir.Join("share");
  std::string out, err;
  REQUIRE(Run(scan, &out, &err) == 0);
  CHECK(err.empty());  // a new catalog's key: nothing to say
  REQUIRE(unlink((catalog + ".key").c_str()) == 0);
  CHECK(Run(scan, &out, &err) == 0);
  CHECK(err == "phiscan: warning: key " + catalog +
                   ".key was not found, so a new one was created: tokens from earlier runs no "
                   "longer match, and every file is read again. If the key was moved, put it "
                   "back (or give --key) before the next run\n");
  REQUIRE(Run(scan, &out, &err) == 0);
  CHECK(err.empty());
  // Also from a catalog of an older schema, which this run upgrades (the
  // check read the catalog as it was, and an older one not at all).
  REQUIRE(Run(phiscan::testing::Python() + " -c \"import sqlite3; c = sqlite3.connect('" + catalog +
                  "'); [c.execute('ALTER TABLE asset_history DROP COLUMN ' + col) for col in "
                  "('readable_by', 'access_digest')]; c.execute('PRAGMA user_version = 7'); "
                  "c.commit()\"",
              &out, &err) == 0);
  REQUIRE(unlink((catalog + ".key").c_str()) == 0);
  CHECK(Run(scan, &out, &err) == 0);
  CHECK(err.rfind("phiscan: warning: key " + catalog + ".key was not found", 0) == 0);
}

TEST_CASE("A --key that is not there is refused once the catalog has runs, not made anew") {
  TempDir dir;
  WriteFile(dir.Join("share/visit.txt"), "Patient SSN: 536-22-8726\n");
  const std::string catalog = dir.Join("c.db");
  const std::string key = dir.Join("site.key");
  const std::string scan = Phiscan() + " scan --quiet --catalog " + catalog + " " +
                           dir.Join("share") + " --key ";
  std::string out, err;
  // The first run makes the key it is given.
  REQUIRE(Run(scan + key, &out, &err) == 0);
  CHECK(err.empty());
  // A typo of it: a new key would have made every earlier token unmatchable.
  const std::string typo = dir.Join("stie.key");
  CHECK(Run(scan + typo, &out, &err) == 2);
  CHECK(err == "phiscan: error: --key " + typo +
                   ": not found, and the catalog's earlier runs made their tokens with a key; "
                   "give that key. To start new tokens on purpose, create the file first: "
                   "(umask 077; head -c 32 /dev/urandom > FILE)\n");
  CHECK_FALSE(std::filesystem::exists(typo));
  // Refused before anything is made: not even the log file it was given.
  CHECK(Run(scan + typo + " --log-file " + dir.Join("scan.log"), &out, &err) == 2);
  CHECK_FALSE(std::filesystem::exists(dir.Join("scan.log")));
  // Made on purpose, as the error says, it is used.
  REQUIRE(Run("(umask 077; head -c 32 /dev/urandom > " + typo + ")", &out, &err) == 0);
  CHECK(Run(scan + typo, &out, &err) == 0);
  CHECK(err.empty());
}

TEST_CASE("A catalog file made empty beforehand gets its key without a warning") {
  // It was warned of as a catalog whose key went missing: it had no runs.
  TempDir dir;
  WriteFile(dir.Join("share/visit.txt"), "Patient SSN: 536-22-8726\n");
  const std::string catalog = dir.Join("c.db");
  WriteFile(catalog, "");
  REQUIRE(chmod(catalog.c_str(), 0600) == 0);
  std::string out, err;
  CHECK(Run(Phiscan() + " scan --quiet --catalog " + catalog + " " + dir.Join("share"), &out,
            &err) == 0);
  CHECK(err.empty());
  CHECK(std::filesystem::exists(catalog + ".key"));
}

TEST_CASE("The catalog's files, its key, its lock and the run's log are never scanned") {
  TempDir dir;
  WriteFile(dir.Join("share/visit.txt"), "Patient SSN: 536-22-8726\n");
  const std::string cat = dir.Join("share/c.db");
  const std::string log = dir.Join("share/scan.log");
  for (int run = 0; run < 2; ++run) {  // the second run finds them all in place
    REQUIRE(Run(Phiscan() + " scan --quiet --log-format json --log-file " + log + " --catalog " +
                cat + " " + dir.Join("share")) == 0);
  }
  std::string out;
  REQUIRE(Run(Phireport() + " assets --format jsonl --catalog " + cat, &out) == 0);
  auto rows = ParseJsonl(out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["path"] == dir.Join("share/visit.txt"));
}

TEST_CASE("One tree spelt two ways, or scanned from two directories, is one inventory") {
  TempDir dir;
  WriteFile(dir.Join("share/notes/visit.txt"), "Patient SSN: 536-22-8726\n");
  const std::string cat = " --quiet --catalog " + dir.Join("c.db") + " ";
  REQUIRE(Run("cd " + dir.path() + " && " + Phiscan() + " scan" + cat + "share") == 0);
  REQUIRE(Run("cd " + dir.Join("share") + " && " + Phiscan() + " scan" + cat + "./notes/../") == 0);
  REQUIRE(Run(Phiscan() + " scan" + cat + dir.Join("share") + "/") == 0);
  std::string out;
  REQUIRE(Run(Phireport() + " assets --format jsonl --catalog " + dir.Join("c.db"), &out) == 0);
  auto rows = ParseJsonl(out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["path"] == dir.Join("share/notes/visit.txt"));
  REQUIRE(Run(Phireport() + " diff --format jsonl --catalog " + dir.Join("c.db"), &out) == 0);
  CHECK(ParseJsonl(out).empty());  // the third run changed nothing
}

TEST_CASE("Overlapping roots read and count each file once") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  // A link below a root is not followed by that root's walk; named as a
  // root of its own it is, so it must still be walked.
  WriteFile(dir.Join("elsewhere/x.txt"), "SSN: 536-22-8726\n");
  REQUIRE(symlink(dir.Join("elsewhere").c_str(), dir.Join("share/link").c_str()) == 0);
  const std::string db = dir.Join("c.db");
  const std::string share = dir.Join("share");
  std::string err;
  REQUIRE(Run(Phiscan() + " scan --catalog " + db + " " + share + " " + share + "/hr " + share +
                  " " + share + "/hr/staff.csv " + share + "/link",
              nullptr, &err) == 0);
  // Four files: notes/visit.txt, hr/staff.csv, tmp/scratch.tmp, link/x.txt.
  CHECK_THAT(err, Catch::Contains("scanned 4 assets"));
  std::string out;
  REQUIRE(Run(Phireport() + " summary --format json --catalog " + db, &out) == 0);
  const json summary = json::parse(out);
  CHECK(summary["assets"] == 4);
  REQUIRE(Run(Phireport() + " runs --format jsonl --catalog " + db, &out) == 0);
  auto runs = ParseJsonl(out);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["assets"] == 4);
  CHECK(runs[0]["findings"] == summary["findings"]);
  CHECK(runs[0]["bytes_scanned"] == summary["bytes_scanned"]);
  REQUIRE(Run(Phireport() + " assets --format jsonl --path-prefix " + share + "/link/ --catalog " +
                  db,
              &out) == 0);
  CHECK(ParseJsonl(out).size() == 1);
}

TEST_CASE("Turning --scan-binary on or off reads the files again, incremental or not") {
  TempDir dir;
  WriteFile(dir.Join("share/blob.bin"), std::string("SSN 536-22-8726\0bin", 19));
  WriteFile(dir.Join("share/note.txt"), "nothing here\n");
  const std::string cat = " --quiet --catalog " + dir.Join("c.db") + " ";
  auto blob = [&] {
    std::string out;
    REQUIRE(Run(Phireport() + " assets --format jsonl --catalog " + dir.Join("c.db"), &out) == 0);
    for (const auto& row : ParseJsonl(out)) {
      if (row["path"] == dir.Join("share/blob.bin")) return row;
    }
    FAIL("blob.bin not in the catalog");
    return json();
  };
  REQUIRE(Run(Phiscan() + " scan" + cat + dir.Join("share")) == 0);
  CHECK(blob()["status"] == "skipped");
  REQUIRE(Run(Phiscan() + " scan --scan-binary" + cat + dir.Join("share")) == 0);
  CHECK(blob()["status"] == "complete");
  CHECK(blob()["types"].contains("US_SSN"));
  REQUIRE(Run(Phiscan() + " scan --scan-binary" + cat + dir.Join("share")) == 0);
  CHECK(blob()["types"].contains("US_SSN"));  // carried over with the same option
  REQUIRE(Run(Phiscan() + " scan" + cat + dir.Join("share")) == 0);
  CHECK(blob()["status"] == "skipped");
}

TEST_CASE("A share that did not mount is a coverage gap, not the removal of everything on it") {
  TempDir dir;
  const std::string mnt = dir.Join("mnt");
  MakeShare(mnt);
  WriteFile(dir.Join("jobs.yaml"), "jobs:\n  - name: share\n    catalog: " + dir.Join("c.db") +
                                       "\n    roots: [" + mnt + "]\n");
  const std::string job = Phiscan() + " run share --config " + dir.Join("jobs.yaml");
  const std::string report = " --catalog " + dir.Join("c.db");
  std::string out, err;
  REQUIRE(Run(job + " --quiet") == 0);

  // The share is not mounted: its mountpoint is an empty directory.
  REQUIRE(rename(mnt.c_str(), dir.Join("real").c_str()) == 0);
  REQUIRE(mkdir(mnt.c_str(), 0755) == 0);
  CHECK(Run(job + " --quiet", &out, &err) == 3);
  CHECK(err == "phiscan: warning: root " + mnt +
                   " showed none of the 3 files the catalog holds under it (root_empty: it "
                   "lists nothing: is the share mounted?); recorded as a coverage gap, nothing "
                   "under it marked removed. If it was emptied on purpose, scan it again with "
                   "--allow-empty-root\n");
  REQUIRE(Run(Phireport() + " summary --format json" + report, &out) == 0);
  json summary = json::parse(out);
  CHECK(summary["removed"] == 0);
  CHECK(summary["by_label"]["PHI"] == 1);
  // No SIEM removal events for the files of the share.
  REQUIRE(Run(Phireport() + " events --since 1" + report, &out) == 0);
  CHECK(out.find("asset_change") == std::string::npos);
  REQUIRE(Run(Phireport() + " assets --status unreadable --format jsonl" + report, &out) == 0);
  auto gaps = ParseJsonl(out);
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]["path"] == mnt);
  CHECK(gaps[0]["reason"] == "root_empty");

  // Mounted again: nothing was lost, nothing is read again, the gap goes.
  REQUIRE(rmdir(mnt.c_str()) == 0);
  REQUIRE(rename(dir.Join("real").c_str(), mnt.c_str()) == 0);
  CHECK(Run(job, &out, &err) == 0);
  CHECK(err.find("3 assets (3 unchanged)") != std::string::npos);
  REQUIRE(Run(Phireport() + " assets --format jsonl" + report, &out) == 0);
  CHECK(ParseJsonl(out).size() == 3);

  // Emptied on purpose: --allow-empty-root accepts it.
  REQUIRE(RunCommand("rm -rf '" + mnt + "'/*") == 0);
  CHECK(Run(job + " --quiet") == 3);
  CHECK(Run(job + " --quiet --allow-empty-root") == 0);
  REQUIRE(Run(Phireport() + " summary --format json" + report, &out) == 0);
  CHECK(json::parse(out)["assets"] == 0);
  CHECK(json::parse(out)["removed"] == 3);  // the three files; the root's cleared gap is no asset
}

TEST_CASE("Filters that leave out every file of a root are an error, not an unmounted share") {
  // `--include '*.xlsx'` on a share with none was taken for a share that
  // did not mount: "it lists nothing: is the share mounted?", exit 3, and
  // an unreadable(root_empty) record.
  TempDir dir;
  const std::string share = dir.Join("share");
  MakeShare(share);
  const std::string db = dir.Join("c.db");
  const std::string report = " --catalog " + db;
  const std::string scan = Phiscan() + " scan --catalog " + db + " ";
  std::string out, err;
  REQUIRE(Run(scan + "--quiet " + share) == 0);
  const std::string says = "phiscan: error: root " + share +
                           ": the --include/--exclude filters left out every file under it (3 "
                           "entries); nothing under it was scanned, and nothing under it marked "
                           "removed. Globs match paths relative to the root\n";
  CHECK(Run(scan + "--quiet --include '*.xlsx' " + share, &out, &err) == 2);
  CHECK(err == says);
  CHECK(out.empty());
  REQUIRE(Run(Phireport() + " assets --format jsonl" + report, &out) == 0);
  auto assets = ParseJsonl(out);
  CHECK(assets.size() == 3);  // no gap record, nothing removed
  for (const json& a : assets) CHECK(a["status"] == "complete");
  // Excludes that leave nothing behave alike; it wins over --fail-on.
  CHECK(Run(scan + "--quiet --exclude '*.*' --fail-on PHI " + share, nullptr, &err) == 2);
  CHECK(err == says);
  // A root with something left to read is scanned as the filters say, and
  // an empty one is no filter's doing.
  REQUIRE(mkdir(dir.Join("empty").c_str(), 0755) == 0);
  CHECK(Run(scan + "--quiet --include '*.csv' " + share + " " + dir.Join("empty"), nullptr,
            &err) == 0);
  CHECK(err.empty());

  // A job's include: the same, in its log too, and on a catalog that holds
  // nothing under the root.
  WriteFile(dir.Join("jobs.yaml"), "jobs:\n  - name: x\n    catalog: " + dir.Join("x.db") +
                                       "\n    include: ['*.xlsx']\n    roots: [" + share + "]\n");
  CHECK(Run(Phiscan() + " run x --quiet --log-format json --log-file " + dir.Join("x.log") +
                " --config " + dir.Join("jobs.yaml"),
            nullptr, &err) == 2);
  CHECK(err == says);
  auto lines = ParseJsonl(ReadFile(dir.Join("x.log")));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["event"] == "root_filtered_out");
  CHECK(lines[0]["level"] == "error");
  CHECK(lines[0]["root"] == share);
  CHECK(lines[0]["left_out"] == 3);
  CHECK(lines[1]["gaps"] == 0);

  // --allow-empty-root takes the filters at their word.
  CHECK(Run(scan + "--quiet --include '*.xlsx' --allow-empty-root " + share, nullptr, &err) == 2);
  CHECK_THAT(err, Catch::Contains("what the catalog held there was marked removed"));
  REQUIRE(Run(Phireport() + " summary --format json" + report, &out) == 0);
  CHECK(json::parse(out)["assets"] == 0);
}

TEST_CASE("A catalog others may read is used, with a warning even under --quiet") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  const std::string db = dir.Join("c.db");
  const std::string scan = Phiscan() + " scan --quiet --catalog " + db + " " + dir.Join("share");
  std::string err;
  REQUIRE(Run(scan, nullptr, &err) == 0);
  CHECK(err.empty());  // created 0600: nothing to say
  REQUIRE(chmod(db.c_str(), 0644) == 0);
  REQUIRE(Run(scan, nullptr, &err) == 0);
  CHECK(err == "phiscan: warning: catalog " + db +
                   " is readable or writable by others (mode 0644); it lists where sensitive "
                   "data is: chmod 600 it\n");
  REQUIRE(chmod(db.c_str(), 0640) == 0);
  REQUIRE(Run(scan, nullptr, &err) == 0);
  CHECK(err.find("by its group (mode 0640)") != std::string::npos);
}

TEST_CASE("A root that looks like a rule pack is scanned, with a note") {
  // --rules a.yaml b.yaml: the flag takes one value, so b.yaml is a root,
  // and the pack meant is not loaded.
  TempDir dir;
  MakeShare(dir.Join("share"));
  const std::string pack =
      "types:\n  - id: SITE_MRN\n    category: PHI\n    patterns:\n"
      "      - regex: '\\bMRN\\d{7}\\b'\n        score: 80\n";
  WriteFile(dir.Join("b.yaml"), pack);
  WriteFile(dir.Join("settings.yaml"), "db:\n  host: db01\n");
  std::string out, err;
  // (Without the first pack: compiling it takes 12 s under ASan.)
  REQUIRE(Run(Phiscan() + " scan --catalog " + dir.Join("c.db") + " " + dir.Join("b.yaml") + " " +
                  dir.Join("settings.yaml") + " " + dir.Join("share"),
              &out, &err) == 0);
  CHECK(err.rfind("phiscan: note: root " + dir.Join("b.yaml") +
                      " looks like a rule pack; it is scanned as a file. To load it, give it its "
                      "own --rules\n",
                  0) == 0);
  CHECK(err.find("settings.yaml") == std::string::npos);
}

TEST_CASE("A run that fails after its log is open says why in the log too") {
  // A job's alert may watch only its log, which such a run left empty.
  TempDir dir;
  MakeShare(dir.Join("share"));
  WriteFile(dir.Join("notes.db"), "not a catalog\n");
  const std::string log = dir.Join("scan.log");
  std::string out, err;
  CHECK(Run(Phiscan() + " scan --quiet --log-format json --log-file " + log + " --catalog " +
                dir.Join("notes.db") + " " + dir.Join("share"),
            &out, &err) == 1);
  const auto lines = ParseJsonl(ReadFile(log));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["event"] == "scan_failed");
  CHECK(lines[0]["level"] == "error");
  CHECK(err == "phiscan: error: " + lines[0]["message"].get<std::string>() + "\n");
}

TEST_CASE("A log file others may read is used, with a warning even under --quiet") {
  TempDir dir;
  MakeShare(dir.Join("share"));
  const std::string db = dir.Join("c.db");
  const std::string log = dir.Join("scan.log");
  const std::string scan = Phiscan() + " scan --quiet --log-format json --log-file " + log +
                           " --catalog " + db + " " + dir.Join("share");
  std::string err;
  REQUIRE(Run(scan, nullptr, &err) == 0);
  CHECK(err.empty());  // created 0600
  REQUIRE(chmod(log.c_str(), 0644) == 0);
  REQUIRE(Run(scan, nullptr, &err) == 0);
  CHECK(err == "phiscan: warning: log file " + log +
                   " is readable or writable by others (mode 0644); it names the files that "
                   "hold sensitive data: chmod 600 it\n");
  // Told, not changed: its mode is its owner's.
  struct stat st;
  REQUIRE(stat(log.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
}
