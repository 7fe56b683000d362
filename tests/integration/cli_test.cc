// The phiscan command line as a user meets it: help, exit codes, one-line
// errors, unreadable files recorded rather than fatal, rule pack checking.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/testutil/jsonl.h"
#include "tests/testutil/testutil.h"

using nlohmann::json;
using phiscan::testing::AsNobody;
using phiscan::testing::BinaryDir;
using phiscan::testing::ParseJsonl;
using phiscan::testing::RunCommand;
using phiscan::testing::TempDir;
using phiscan::testing::WriteFile;

namespace {

std::string Phiscan() { return phiscan::testing::ToolPath("phiscan"); }
std::string Phireport() { return phiscan::testing::ToolPath("phireport"); }

int Run(const std::string& args, std::string* out, std::string* err = nullptr) {
  return RunCommand(args, out, err);
}

int Lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("--help documents every flag of every command") {
  struct Help {
    std::string cmd;
    std::vector<std::string> flags;
  };
  std::vector<Help> helps = {
      {Phiscan() + " --help", {"scan", "classify", "rules", "--version"}},
      {Phiscan() + " scan --help",
       {"--catalog", "--key", "--threads", "--rules", "--max-file-size", "--chunk-size",
        "--quiet"}},
      {Phiscan() + " classify --help", {"--format", "--rules", "--chunk-size"}},
      {Phiscan() + " rules list --help", {"--rules", "--format"}},
      {Phiscan() + " rules check --help", {"files"}},
  };
  for (const auto& h : helps) {
    std::string out;
    INFO(h.cmd);
    REQUIRE(Run(h.cmd, &out) == 0);
    for (const auto& f : h.flags) {
      INFO(f);
      CHECK(out.find(f) != std::string::npos);
    }
  }
}

TEST_CASE("Usage errors are one line and exit 2") {
  TempDir dir;
  std::string out, err;
  CHECK(Run(Phiscan() + " scan --bogus " + dir.path(), &out, &err) == 2);
  CHECK(Lines(err) == 1);
  CHECK(err.rfind("phiscan: error: ", 0) == 0);

  std::string catalog = dir.Join("c.db");
  CHECK(Run(Phiscan() + " scan --catalog " + catalog + " " + dir.Join("missing"), &out, &err) ==
        2);
  CHECK(Lines(err) == 1);
  CHECK(err.find("missing") != std::string::npos);
  CHECK(access(catalog.c_str(), F_OK) != 0);  // nothing created for a typo

  CHECK(Run(Phiscan() + " scan --threads 0 " + dir.path(), &out, &err) == 2);
  CHECK(Lines(err) == 1);
  CHECK(Run(Phiscan() + " classify --format xml -", &out, &err) == 2);
  CHECK(Lines(err) == 1);

  // An unknown command is named, not "a subcommand is required", with the
  // command it is a typo of, or the commands there are.
  CHECK(Run(Phiscan() + " sacn " + dir.path(), &out, &err) == 2);
  CHECK(err ==
        "phiscan: error: unknown command 'sacn' (did you mean scan?) (see phiscan --help)\n");
  CHECK(Run(Phiscan() + " inspect " + dir.path(), &out, &err) == 2);
  CHECK(err ==
        "phiscan: error: unknown command 'inspect' (commands: scan, run, prune, jobs, classify, "
        "rules) (see phiscan --help)\n");
  CHECK(Run(Phiscan() + " rules lsit", &out, &err) == 2);
  CHECK(err ==
        "phiscan: error: unknown rules command 'lsit' (did you mean list?) "
        "(see phiscan rules --help)\n");
  CHECK(Run(Phiscan() + " rules show", &out, &err) == 2);
  CHECK(err ==
        "phiscan: error: unknown rules command 'show' (rules commands: list, check) (see "
        "phiscan rules --help)\n");
}

TEST_CASE("A usage error names its option: unknown, given twice, or empty") {
  TempDir dir;
  WriteFile(dir.Join("tree/a.txt"), "Patient SSN: 536-22-8726\n");
  // Run from an empty folder: `--catalog ""` once opened a temporary SQLite
  // database and wrote ".key" and ".lock" into the working directory.
  mkdir(dir.Join("cwd").c_str(), 0700);
  const std::string in_cwd = "cd " + dir.Join("cwd") + " && " + Phiscan();
  const std::string tree = " " + dir.Join("tree");
  struct Case {
    std::string args;
    std::string says;  // the whole error line
  };
  const std::vector<Case> cases = {
      {"scan --bogus" + tree, "unknown option '--bogus' (see phiscan scan --help)"},
      // CLI11 said "A subcommand is required" and named none.
      {"jobs", "jobs needs a command (one of: list) (see phiscan jobs --help)"},
      {"jobs --config jobs.yaml", "jobs needs a command (one of: list) (see phiscan jobs --help)"},
      {"rules", "rules needs a command (one of: list, check) (see phiscan rules --help)"},
      {"",
       "give a command (commands: scan, run, prune, jobs, classify, rules) (see phiscan --help)"},
      // The command's option before the command's name.
      {"--threads 2 scan" + tree,
       "option '--threads' goes after the command's name (phiscan scan --threads ...) (see "
       "phiscan scan --help)"},
      {"scan --therads=2" + tree,
       "unknown option '--therads' (did you mean --threads?) (see phiscan scan --help)"},
      // CLI11 said "paths is required": the typo was never named.
      {"scan -dash",
       "unknown option '-dash'; a path that starts with '-' goes after -- (or write ./-dash) "
       "(see phiscan scan --help)"},
      {"scan --catalog a.db --catalog b.db" + tree,
       "--catalog: given 2 times; give it once (see phiscan scan --help)"},
      {"scan --fail-on PHI --fail-on PII" + tree,
       "--fail-on: given 2 times; give it once (see phiscan scan --help)"},
      {"scan --catalog ''" + tree, "--catalog: empty value; give a FILE (see phiscan scan --help)"},
      {"scan --log-file ''" + tree,
       "--log-file: empty value; give a FILE (see phiscan scan --help)"},
      {"scan --exclude-from ''" + tree,
       "--exclude-from: empty value; give a FILE (see phiscan scan --help)"},
      {"prune --catalog '' --keep-runs 1",
       "--catalog: empty value; give a FILE (see phiscan prune --help)"},
      {"run x --config ''", "--config: empty value; give a FILE (see phiscan run --help)"},
      {"jobs list --config ''",
       "--config: empty value; give a FILE (see phiscan jobs list --help)"},
      {"classify --format '' -",
       "--format: empty value; give a FORMAT (see phiscan classify --help)"},
      {"classify ''", "FILE: empty value (see phiscan classify --help)"},
      // Nor where a command goes, digits alone or not; a number given to a
      // number option is quoted, whatever its size, but not an identifier.
      {"536228726",
       "unknown command (a value with digits, not shown) (commands: scan, run, prune, jobs, "
       "classify, rules) (see phiscan --help)"},
      {"scan --threads MRN12345678" + tree,
       "--threads: (a value with digits, not shown) is not a whole number from 1 to 1024 (see "
       "phiscan scan --help)"},
      {"scan --log-format 536228726" + tree,
       "--log-format: (a value with digits, not shown) not in {text,json} (see phiscan scan "
       "--help)"},
      {"scan --quiet --progress" + tree, "--quiet excludes --progress (see phiscan scan --help)"},
      {"scan", "PATH is required (see phiscan scan --help)"},
      {"classify", "FILE is required (see phiscan classify --help)"},
      {"rules check", "PACK is required (see phiscan rules check --help)"},
      {"run", "JOB is required (see phiscan run --help)"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    std::string out, err;
    CHECK(Run(in_cwd + " " + c.args, &out, &err) == 2);
    CHECK(err == "phiscan: error: " + c.says + "\n");
    CHECK(std::filesystem::is_empty(dir.Join("cwd")));
  }
}

TEST_CASE("A catalog that cannot be opened is a one-line fatal error") {
  TempDir dir;
  std::string out, err;
  WriteFile(dir.Join("tree/a.txt"), "hello");
  CHECK(Run(Phiscan() + " scan --catalog " + dir.Join("no/such/dir/c.db") + " " +
                dir.Join("tree"),
            &out, &err) == 1);
  CHECK(Lines(err) == 1);
  WriteFile(dir.Join("notdb"), std::string(4096, 'x'));
  CHECK(Run(Phiscan() + " scan --catalog " + dir.Join("notdb") + " " + dir.Join("tree"), &out,
            &err) == 1);
  CHECK(Lines(err) == 1);
}

TEST_CASE("classify names the file it cannot read") {
  // A name that is no file to classify is a usage error, as a missing root
  // of scan is.
  TempDir dir;
  mkdir(dir.Join("adir").c_str(), 0700);
  for (const std::string& name : {dir.Join("missing.txt"), dir.Join("adir")}) {
    INFO(name);
    std::string err;
    CHECK(Run(Phiscan() + " classify " + name, nullptr, &err) == 2);
    CHECK(err.rfind("phiscan: error: " + name + ": ", 0) == 0);
    CHECK(err.find("(classify takes one file, or - for standard input)\n") != std::string::npos);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  }
  std::string err;
  CHECK(Run(Phiscan() + " classify " + dir.Join("missing.txt"), nullptr, &err) == 2);
  CHECK(err == "phiscan: error: " + dir.Join("missing.txt") +
                   ": open: No such file or directory (classify takes one file, or - for "
                   "standard input)\n");
}

TEST_CASE("classify never reads kernel state, as scan does not") {
  // /proc/kmsg would block and consume the kernel's messages; scan records
  // such files special(pseudo_fs), classify refuses them.
  TempDir dir;
  REQUIRE(symlink("/proc/version", dir.Join("link").c_str()) == 0);
  for (const std::string& name : {std::string("/proc/self/environ"), dir.Join("link")}) {
    INFO(name);
    std::string out, err;
    CHECK(Run(Phiscan() + " classify " + name, &out, &err) == 2);
    CHECK(err == "phiscan: error: " + name + ": procfs: kernel state, not stored data; never "
                                             "read\n");
    CHECK(out.empty());
  }
}

TEST_CASE("classify follows a symlink it is given, as scan follows a root") {
  TempDir dir;
  WriteFile(dir.Join("real/note.txt"), "Patient SSN: 536-22-8726\n");
  REQUIRE(symlink(dir.Join("real/note.txt").c_str(), dir.Join("link.txt").c_str()) == 0);
  std::string out, err;
  CHECK(Run(Phiscan() + " classify --format jsonl " + dir.Join("link.txt"), &out, &err) == 0);
  INFO(err);
  auto rows = ParseJsonl(out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["type"] == "US_SSN");
  CHECK(rows[0]["path"] == dir.Join("link.txt"));
}

TEST_CASE("Sizes take K, M, G and T suffixes, powers of 1024") {
  TempDir dir;
  WriteFile(dir.Join("tree/big.txt"), std::string(3000, 'a'));
  for (const char* size : {"2k", "2K", "2KB", "2KiB", "2048"}) {
    INFO(size);
    std::string out;
    REQUIRE(Run(Phiscan() + " scan --quiet --full --max-file-size " + size + " --catalog " +
                    dir.Join("c.db") + " " + dir.Join("tree"),
                nullptr, nullptr) == 0);
    REQUIRE(Run(Phireport() + " assets --format jsonl --catalog " + dir.Join("c.db"), &out,
                nullptr) == 0);
    CHECK(out.find("content after the first 2048 bytes not read") != std::string::npos);
  }
}

TEST_CASE("classify prints the first --max-findings of a type and counts the rest") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 30; ++i) text += "Patient SSN: 234-56-" + std::to_string(7000 + i) + "\n";
  text += "Reach me at pat.doe@example.org\n";
  WriteFile(dir.Join("dense.txt"), text);
  std::string out, err;
  const std::string cmd = Phiscan() + " classify --format jsonl " + dir.Join("dense.txt");
  CHECK(Run(cmd + " --max-findings 5", &out, &err) == 0);
  auto rows = ParseJsonl(out);
  REQUIRE(rows.size() == 6);  // five SSNs, the first by offset, and the one email
  for (size_t i = 0; i < 5; ++i) {
    CHECK(rows[i]["type"] == "US_SSN");
    CHECK(rows[i]["line"] == i + 1);
  }
  CHECK(rows[5]["type"] == "EMAIL");
  CHECK(err == "phiscan: " + dir.Join("dense.txt") +
                   ": 30 US_SSN findings, the first 5 shown (--max-findings)\n");
  CHECK(Run(cmd + " --max-findings 0", &out, &err) == 0);  // 0: all
  CHECK(ParseJsonl(out).size() == 31);
  CHECK(err.empty());
}

TEST_CASE("classify, rules list and help exit 1 when their output cannot be written") {
  if (access("/dev/full", W_OK) != 0) {
    WARN("no /dev/full; not checked");
    return;
  }
  TempDir dir;
  WriteFile(dir.path() + "/note.txt", "Patient SSN: 234-56-7891\n");
  for (const std::string& cmd :
       {Phiscan() + " classify --format csv '" + dir.path() + "/note.txt'",
        Phiscan() + " rules list", Phiscan() + " --help", Phiscan() + " scan --help",
        Phiscan() + " --version"}) {
    INFO(cmd);
    std::string out, err;
    CHECK(Run(cmd + " >/dev/full", &out, &err) == 1);
    CHECK_THAT(err, Catch::StartsWith("phiscan: error: cannot write standard output: ") &&
                        Catch::EndsWith("; the output is incomplete\n"));
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  }
}

TEST_CASE("classify reads standard input and prints masked findings only") {
  std::string out;
  REQUIRE(Run("printf 'Patient SSN: 536-22-8726\\n' | " + Phiscan() +
                  " classify --format jsonl -",
              &out) == 0);
  auto rows = ParseJsonl(out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["type"] == "US_SSN");
  CHECK(rows[0]["confidence"] == "high");
  CHECK(rows[0]["start"] == 13);
  CHECK(rows[0]["end"] == 24);
  CHECK(rows[0]["line"] == 1);
  CHECK(rows[0]["masked"] == "***-**-****");
  CHECK(out.find("536-22-8726") == std::string::npos);
  CHECK(out.find("536228726") == std::string::npos);
}

TEST_CASE("Unreadable files and directories are recorded, and the scan still succeeds") {
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  WriteFile(dir.Join("tree/ok.txt"), "SSN: 536-22-8726\n");
  WriteFile(dir.Join("tree/secret.txt"), "SSN: 536-22-8726\n");
  WriteFile(dir.Join("tree/closed/inner.txt"), "SSN: 536-22-8726\n");
  chmod(dir.Join("tree").c_str(), 0755);
  chmod(dir.Join("tree/ok.txt").c_str(), 0644);
  chmod(dir.Join("tree/secret.txt").c_str(), 0000);
  chmod(dir.Join("tree/closed").c_str(), 0000);
  mkdir(dir.Join("out").c_str(), 0777);
  chmod(dir.Join("out").c_str(), 0777);
  std::string catalog = dir.Join("out/c.db");

  // As root, run the scanner as an unprivileged user, as it is meant to run.
  std::string as_user = AsNobody();
  std::string out, err;
  REQUIRE(Run(as_user + Phiscan() + " scan --quiet --catalog " + catalog + " " +
                  dir.Join("tree"),
              &out, &err) == 0);
  INFO(err);
  REQUIRE(Run(Phireport() + " assets --format jsonl --catalog " + catalog, &out) == 0);
  std::map<std::string, json> by_path;
  for (const auto& a : ParseJsonl(out)) by_path[a["path"]] = a;
  REQUIRE(by_path.count(dir.Join("tree/ok.txt")));
  CHECK(by_path[dir.Join("tree/ok.txt")]["status"] == "complete");
  CHECK(by_path[dir.Join("tree/ok.txt")]["types"]["US_SSN"] == 1);
  REQUIRE(by_path.count(dir.Join("tree/secret.txt")));
  CHECK(by_path[dir.Join("tree/secret.txt")]["status"] == "unreadable");
  CHECK(by_path[dir.Join("tree/secret.txt")]["reason"] == "permission_denied");
  REQUIRE(by_path.count(dir.Join("tree/closed")));
  CHECK(by_path[dir.Join("tree/closed")]["status"] == "unreadable");
  CHECK(by_path[dir.Join("tree/closed")]["reason"] == "permission_denied");
  CHECK_FALSE(by_path.count(dir.Join("tree/closed/inner.txt")));
  chmod(dir.Join("tree/closed").c_str(), 0755);
}

namespace {

// A share of one file with an SSN, readable by all, and a folder "out" all
// may write, for scans run as nobody; the catalog path in it.
std::string NobodyShare(TempDir& dir) {
  chmod(dir.path().c_str(), 0755);
  WriteFile(dir.Join("share/a.txt"), "SSN: 536-22-8726\n");
  chmod(dir.Join("share").c_str(), 0755);
  chmod(dir.Join("share/a.txt").c_str(), 0644);
  mkdir(dir.Join("out").c_str(), 0777);
  chmod(dir.Join("out").c_str(), 0777);
  return dir.Join("out/c.db");
}

}  // namespace

TEST_CASE("A catalog in a folder the scan cannot write is named with its folder") {
  // SQLite said "attempt to write a readonly database": its -wal and -shm
  // go beside the catalog.
  TempDir dir;
  const std::string catalog = NobodyShare(dir);
  const std::string scan = AsNobody() + Phiscan() + " scan --quiet --catalog " + catalog + " " +
                           dir.Join("share");
  REQUIRE(Run(scan, nullptr, nullptr) == 0);
  REQUIRE(chmod(dir.Join("out").c_str(), 0555) == 0);
  std::string err;
  CHECK(Run(scan, nullptr, &err) == 1);
  CHECK(err == "phiscan: error: catalog " + catalog + ": its folder " + dir.Join("out/") +
                   " cannot be written (Permission denied), and SQLite keeps its write-ahead "
                   "log (-wal) and index (-shm) there\n");
  chmod(dir.Join("out").c_str(), 0777);
}

TEST_CASE("A root that cannot be opened is warned of and exits 3, nothing under it removed") {
  TempDir dir;
  const std::string catalog = NobodyShare(dir);
  const std::string as_user = AsNobody();
  const std::string scan =
      as_user + Phiscan() + " scan --quiet --catalog " + catalog + " " + dir.Join("share");
  std::string out, err;
  REQUIRE(Run(scan, &out, &err) == 0);
  CHECK(err.empty());
  // The service account loses access to the whole share.
  chmod(dir.Join("share").c_str(), 0700);
  CHECK(Run(scan, &out, &err) == 3);
  chmod(dir.Join("share").c_str(), 0755);
  CHECK(err == "phiscan: warning: root " + dir.Join("share") +
                   " could not be opened (Permission denied); nothing under it was read: "
                   "recorded as a coverage gap, nothing under it marked removed\n");
  REQUIRE(Run(Phireport() + " assets --format jsonl --catalog " + catalog, &out) == 0);
  std::map<std::string, json> by_path;
  for (const auto& a : ParseJsonl(out)) by_path[a["path"]] = a;
  REQUIRE(by_path.count(dir.Join("share")));
  CHECK(by_path[dir.Join("share")]["status"] == "unreadable");
  REQUIRE(by_path.count(dir.Join("share/a.txt")));
  CHECK(by_path[dir.Join("share/a.txt")]["types"]["US_SSN"] == 1);
  // Readable again: a plain run.
  CHECK(Run(scan, &out, &err) == 0);
  CHECK(err.empty());
}

TEST_CASE("A catalog another account owns is refused naming its owner, not in SQLite's words") {
  if (AsNobody().empty()) return;  // needs root, to run as another account
  // phireport said "unable to open database file"; a scan, "cannot create
  // lock file" for a lock file that was there.
  TempDir dir;
  const std::string catalog = NobodyShare(dir);
  REQUIRE(Run(Phiscan() + " scan --quiet --catalog " + catalog + " " + dir.Join("share"), nullptr,
              nullptr) == 0);
  std::string out, err;
  CHECK(Run(AsNobody() + Phireport() + " summary --catalog " + catalog, &out, &err) == 1);
  CHECK(err == "phireport: error: catalog " + catalog +
                   ": Permission denied (mode 0600, owner uid 0: read it as that account)\n");
  CHECK(Run(AsNobody() + Phiscan() + " scan --catalog " + catalog + " " + dir.Join("share"), &out,
            &err) == 1);
  CHECK(err == "phiscan: error: cannot open lock file " + catalog +
                   ".lock: Permission denied (it belongs to uid 0: scan as the account that "
                   "owns the catalog)\n");
}

TEST_CASE("A file named as the root that cannot be read is warned of and exits 3") {
  if (AsNobody().empty()) return;  // needs root, to run as another account
  // It exited 0, its summary saying "nothing sensitive", as if it were clean.
  TempDir dir;
  const std::string catalog = NobodyShare(dir);
  const std::string file = dir.Join("share/a.txt");
  const std::string scan = AsNobody() + Phiscan() + " scan --catalog " + catalog + " " + file;
  std::string out, err;
  REQUIRE(Run(scan, &out, &err) == 0);
  CHECK(err.find("under the roots: 1 asset, labels: PII 1; 0 coverage gaps;") !=
        std::string::npos);
  chmod(file.c_str(), 0600);
  CHECK(Run(scan, &out, &err) == 3);
  CHECK(err.rfind("phiscan: warning: root " + file +
                      " could not be opened (Permission denied); it was not read: recorded as a "
                      "coverage gap (its results from an earlier run, if any, kept)\n",
                  0) == 0);
  // Its last label stands, and the gap is counted.
  CHECK(err.find("under the roots: 1 asset, labels: PII 1; 1 coverage gap;") !=
        std::string::npos);
  // Never read: no label, and the summary does not call it clean.
  const std::string fresh = dir.Join("out/fresh.db");
  CHECK(Run(AsNobody() + Phiscan() + " scan --catalog " + fresh + " " + file, &out, &err) == 3);
  CHECK(err.find("labels: none, as nothing was read in full; 1 coverage gap;") !=
        std::string::npos);
  chmod(file.c_str(), 0644);
}

TEST_CASE("rules check reports file:line and the rule id; rules list shows the types") {
  TempDir dir;
  WriteFile(dir.Join("bad.yaml"),
            "types:\n  - id: SITE_MRN\n    category: PHI\n    patterns:\n"
            "      - regex: 'MRN\\d+'\n        score: 80\n");
  std::string out, err;
  CHECK(Run(Phiscan() + " rules check " + dir.Join("bad.yaml"), &out, &err) == 1);
  CHECK(err.rfind(dir.Join("bad.yaml") + ":5: rule SITE_MRN: regex has no bounded match width",
                  0) == 0);
  // The same rule error from `rules check` and `scan`, a regex's backslash
  // as written in the pack.
  WriteFile(dir.Join("exclude.yaml"),
            "types:\n  - id: SITE_MRN\n    category: PHI\n    patterns:\n"
            "      - regex: '\\bMRN\\d{7}\\b'\n        score: 80\n"
            "        exclude: ['MRN-\\d+']\n");
  std::string message = dir.Join("exclude.yaml") +
                        ":5: rule SITE_MRN: exclude 'MRN-\\d+' must match a fixed number of "
                        "bytes, at most 64\n";
  CHECK(Run(Phiscan() + " rules check " + dir.Join("exclude.yaml"), &out, &err) == 1);
  CHECK(err == message);
  WriteFile(dir.Join("tree/a.txt"), "nothing here\n");
  CHECK(Run(Phiscan() + " scan --quiet --catalog " + dir.Join("c.db") + " --rules " +
                dir.Join("exclude.yaml") + " " + dir.Join("tree"),
            &out, &err) == 2);
  CHECK(err == "phiscan: error: " + message);
  WriteFile(dir.Join("good.yaml"),
            "types:\n  - id: SITE_MRN\n    category: PHI\n    hipaa: 8\n    patterns:\n"
            "      - regex: '\\bMRN\\d{7}\\b'\n        score: 80\n");
  CHECK(Run(Phiscan() + " rules check " + dir.Join("good.yaml"), &out, &err) == 0);
  REQUIRE(Run(Phiscan() + " rules list --format jsonl --rules " + dir.Join("good.yaml"), &out) ==
          0);
  std::set<std::string> ids;
  for (const auto& r : ParseJsonl(out)) ids.insert(r["id"]);
  for (const char* id : {"US_SSN", "CREDIT_CARD", "EMAIL", "PHONE", "US_NPI", "US_MBI", "SITE_MRN"}) {
    CHECK(ids.count(id));
  }
  // The table ends with the version a scan with these packs records (the
  // runs' rules_version), which check reports too; json has rows only.
  std::string check_out;
  REQUIRE(Run(Phiscan() + " rules check " + dir.Join("good.yaml"), &check_out) == 0);
  const size_t at = check_out.find("rules version ");
  REQUIRE(at != std::string::npos);
  const std::string version = check_out.substr(at + 14, 16);
  std::string table;
  REQUIRE(Run(Phiscan() + " rules list --rules " + dir.Join("good.yaml"), &table) == 0);
  CHECK_THAT(table, Catch::EndsWith("\nrules version " + version + " (" +
                                    std::to_string(ids.size()) + " types)\n"));
  CHECK(out.find("rules version") == std::string::npos);
  // A user rule works end to end through classify.
  REQUIRE(Run("printf 'chart MRN0012345 reviewed\\n' | " + Phiscan() +
                  " classify --format jsonl --rules " + dir.Join("good.yaml") + " -",
              &out) == 0);
  auto rows = ParseJsonl(out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["type"] == "SITE_MRN");
}

TEST_CASE("rules check lists every error of the packs, checked together as --rules loads them") {
  TempDir dir;
  const std::string site = dir.Join("site.yaml");
  WriteFile(site,
            "keywords:\n  acme_terms: [badge]\ntypes:\n  - id: ACME_EMP\n    category: PII\n"
            "    patterns:\n      - regex: '\\bE\\d{6}\\b'\n        confidence: hihg\n"
            "      - {regex: '\\bE\\d{6}\\b', score: 80, evidence: [{any_of: [acme_term]}]}\n"
            "  - id: US_PASPORT\n"
            "    enabled: false\nlabels:\n  - label: HR\n    any_type: [ACME_EMP]\n"
            "    min_confidence: medium\n    min_score: 50\n");
  std::string out, err;
  CHECK(Run(Phiscan() + " rules check " + site, &out, &err) == 1);
  CHECK(out.empty());
  CHECK(err == site + ":8: rule ACME_EMP: confidence must be low, medium or high (or a score "
                      "1-100)\n" +
                   site + ":9: rule ACME_EMP: unknown keyword list 'acme_term' (did you mean "
                          "acme_terms?)\n" +
                   site + ":10: rule US_PASPORT: enabled: false names no type of the built-in "
                          "pack or an earlier pack (did you mean US_PASSPORT?)\n" +
                   site + ":13: label HR: give either min_confidence or min_score, not both\n");
  // A scan names the first and writes nothing: a usage error (exit 2), a
  // pack of the user's to fix.
  CHECK(Run(Phiscan() + " scan --quiet --catalog " + dir.Join("c.db") + " --rules " + site + " " +
                dir.path(),
            &out, &err) == 2);
  CHECK(err == "phiscan: error: " + site +
                   ":8: rule ACME_EMP: confidence must be low, medium or high (or a score "
                   "1-100)\n");
  // Two packs, the second using the first's keyword list, as a site that
  // keeps its lists apart: checked together, as the scan loads them.
  WriteFile(dir.Join("lists.yaml"), "keywords:\n  acme_terms: [badge]\n");
  WriteFile(dir.Join("types.yaml"),
            "types:\n  - id: ACME_EMP\n    category: PII\n    patterns:\n"
            "      - regex: '\\bE\\d{6}\\b'\n        score: 80\n"
            "        evidence: [{any_of: [acme_terms]}]\n");
  CHECK(Run(Phiscan() + " rules check " + dir.Join("lists.yaml") + " " + dir.Join("types.yaml"),
            &out, &err) == 0);
  CHECK(out.rfind(dir.Join("lists.yaml") + ", " + dir.Join("types.yaml") + ": ok (46 types", 0) ==
        0);
  CHECK(Run(Phiscan() + " rules check " + dir.Join("types.yaml"), &out, &err) == 1);
  CHECK(err == dir.Join("types.yaml") + ":7: rule ACME_EMP: unknown keyword list 'acme_terms'\n");
  // A file that cannot be read says why.
  CHECK(Run(Phiscan() + " rules check " + dir.path(), &out, &err) == 1);
  CHECK(err == dir.path() + ": cannot read rule pack: Is a directory\n");
}

TEST_CASE("Bad flags and bad rule packs: one line naming the flag or FILE:LINE, nothing written") {
  TempDir dir;
  WriteFile(dir.Join("tree/a.txt"), "Patient SSN: 536-22-8726\n");
  mkdir(dir.Join("out").c_str(), 0700);
  WriteFile(dir.Join("malformed.yaml"), "types: [\n  - id: : :\n");
  WriteFile(dir.Join("validator.yaml"),
            "types:\n  - id: SITE_X\n    category: PHI\n    patterns:\n"
            "      - regex: '\\bX\\d{7}\\b'\n        score: 80\n        validator: bogus\n");
  WriteFile(dir.Join("pathological.yaml"),
            "types:\n  - id: SITE_X\n    category: PHI\n    patterns:\n"
            "      - regex: '((a|aa){1,30}){1,30}'\n        score: 80\n");
  WriteFile(dir.Join("conflict.yaml"),
            "types:\n  - id: SITE_X\n    category: PHI\n    patterns:\n"
            "      - regex: '\\bX\\d{7}\\b'\n        score: 80\n"
            "  - id: SITE_X\n    category: PHI\n    patterns:\n"
            "      - regex: '\\bY\\d{7}\\b'\n        score: 80\n");
  // A named pipe no process writes or reads, and a directory, where a file
  // belongs: opening the pipe used to wait for a writer, forever.
  REQUIRE(mkfifo(dir.Join("fifo").c_str(), 0600) == 0);
  mkdir(dir.Join("keydir").c_str(), 0700);
  struct Case {
    std::string args;
    int exit;
    std::string names;  // what the one error line must mention
  };
  std::vector<Case> cases = {
      {"--rules " + dir.Join("fifo"), 2, dir.Join("fifo") + ":1: the rule pack is empty"},
      {"--key " + dir.Join("fifo"), 1, "token key " + dir.Join("fifo") + " is not a regular file"},
      {"--key " + dir.Join("keydir"), 1,
       "token key " + dir.Join("keydir") + " is not a regular file"},
      {"--log-file " + dir.Join("fifo"), 1,
       "cannot open log file " + dir.Join("fifo") + ": it is a FIFO that no process reads"},
      {"--threads abc", 2, "--threads: 'abc' is not a whole number from 1 to 1024"},
      {"--threads -3", 2, "--threads"},
      {"--max-file-size -5", 2,
       "--max-file-size: '-5' is not a size in bytes (a whole number, optionally with K, M, G "
       "or T: 100M)"},
      {"--max-buffered-member 1q", 2, "'1q' is not a size in bytes"},
      {"--max-file-size 1KX", 2, "'1KX' is not a size in bytes"},
      {"--max-expanded-bytes 99999999999999999999999", 2,
       "'99999999999999999999999' is too large (at most 18446744073709551615 bytes)"},
      {"--max-expanded-bytes 16777216T", 2, "'16777216T' is too large"},
      {"--chunk-size 0", 2, "--chunk-size"},
      {"--max-depth x", 2, "--max-depth"},
      {"--rules " + dir.Join("missing.yaml"), 2,
       dir.Join("missing.yaml") + ": cannot read rule pack: No such file or directory"},
      {"--rules " + dir.path(), 2, dir.path() + ": cannot read rule pack: Is a directory"},
      {"--rules " + dir.Join("malformed.yaml"), 2, dir.Join("malformed.yaml") + ":"},
      {"--rules " + dir.Join("validator.yaml"), 2, dir.Join("validator.yaml") + ":"},
      {"--rules " + dir.Join("pathological.yaml"), 2, dir.Join("pathological.yaml") + ":5:"},
      {"--rules " + dir.Join("conflict.yaml"), 2, dir.Join("conflict.yaml") + ":"},
      // The file scanned, given as a pack by mistake: no line of it is quoted.
      {"--rules " + dir.Join("tree/a.txt"), 2, dir.Join("tree/a.txt") + ": not a rule pack"},
      {"--rules ''", 2, "--rules: empty value"},
      {"--key ''", 2, "--key: empty value"},
      {"--fail-on NONE", 2, "--fail-on: NONE is the label of assets with nothing sensitive"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    std::string catalog = dir.Join("out/c.db");
    std::string out, err;
    int rc = Run(Phiscan() + " scan --quiet --catalog " + catalog + " " + c.args + " " +
                     dir.Join("tree"),
                 &out, &err);
    INFO(err);
    CHECK(rc == c.exit);
    CHECK(Lines(err) == 1);
    CHECK(err.find(c.names) != std::string::npos);
    // Nothing written: no catalog, no WAL, no key, not even the directory's entries.
    for (const char* suffix : {"", "-wal", "-shm", ".key", ".lock"}) {
      CHECK(access((catalog + suffix).c_str(), F_OK) != 0);
    }
    CHECK(err.find("536-22-8726") == std::string::npos);
    for (const char* suffix : {"", "-wal", "-shm", ".key", ".lock"}) unlink((catalog + suffix).c_str());
  }
}

TEST_CASE("A data file given as a rule pack is one error that quotes nothing of it") {
  // `--rules` pointed at a file of records by mistake (synthetic ones): one
  // line naming the file, never a line of it, from every command.
  TempDir dir;
  WriteFile(dir.Join("tree/a.txt"), "nothing here\n");
  const std::string records = dir.Join("patients.csv");
  WriteFile(records,
            "name,ssn,dob,notes\nMarisol Quintanilla,536-22-8726,1961-04-09,note: call back\n"
            "Tobias Wren,536-22-8726,1970-01-02,follow up\n");
  const std::string binary = dir.Join("export.bin");
  WriteFile(binary, std::string("\x7f" "ELF\0\1\2", 7) + "Marisol Quintanilla 536-22-8726");
  for (const std::string& file : {records, binary}) {
    const std::string says =
        file + ": not a rule pack (expected a YAML mapping with keywords, types or labels)\n";
    struct Case {
      std::string cmd;
      int exit;
      std::string err;
    };
    const std::vector<Case> cases = {
        {"scan --quiet --catalog " + dir.Join("c.db") + " --rules " + file + " " +
             dir.Join("tree"),
         2, "phiscan: error: " + says},
        {"classify --rules " + file + " " + dir.Join("tree/a.txt"), 2, "phiscan: error: " + says},
        {"rules list --rules " + file, 2, "phiscan: error: " + says},
        {"rules check " + file, 1, says},
    };
    for (const auto& c : cases) {
      INFO(c.cmd);
      std::string out, err;
      CHECK(Run(Phiscan() + " " + c.cmd, &out, &err) == c.exit);
      CHECK(err == c.err);
      CHECK(err.find("536-22-8726") == std::string::npos);
      CHECK(err.find("Marisol") == std::string::npos);
      CHECK(out.empty());
    }
  }
  CHECK_FALSE(std::filesystem::exists(dir.Join("c.db")));
}

TEST_CASE("A catalog in a folder that does not exist is named in the error") {
  TempDir dir;
  WriteFile(dir.Join("tree/a.txt"), "hello\n");
  std::string out, err;
  const std::string catalog = dir.Join("no/such/c.db");
  CHECK(Run(Phiscan() + " scan --quiet --catalog " + catalog + " " + dir.Join("tree"), &out,
            &err) == 1);
  CHECK(err == "phiscan: error: cannot create catalog " + catalog + ": folder " +
                   dir.Join("no/such") + " does not exist\n");
  CHECK_FALSE(std::filesystem::exists(dir.Join("no")));
}

TEST_CASE("A file that is not a catalog is refused, and no key or lock is left beside it") {
  TempDir dir;
  WriteFile(dir.Join("tree/a.txt"), "hello\n");
  WriteFile(dir.Join("notes.txt"), std::string(4096, 'x'));
  std::string err;
  CHECK(Run(Phiscan() + " scan --quiet --catalog " + dir.Join("notes.txt") + " " +
                dir.Join("tree"),
            nullptr, &err) == 1);
  CHECK(Lines(err) == 1);
  CHECK(access(dir.Join("notes.txt.key").c_str(), F_OK) != 0);
  CHECK(access(dir.Join("notes.txt.lock").c_str(), F_OK) != 0);
  CHECK(phiscan::testing::ReadFile(dir.Join("notes.txt")) == std::string(4096, 'x'));
  // A key that was there before stays.
  REQUIRE(Run(Phiscan() + " scan --quiet --catalog " + dir.Join("c.db") + " " + dir.Join("tree"),
              nullptr, nullptr) == 0);
  CHECK(Run(Phiscan() + " scan --quiet --catalog " + dir.Join("notes.txt") + " --key " +
                dir.Join("c.db.key") + " " + dir.Join("tree"),
            nullptr, &err) == 1);
  CHECK(access(dir.Join("c.db.key").c_str(), F_OK) == 0);
}

// CLI11 would read "-5" into a uint64_t as 2^64-5 (no limit at all), so the
// size flags reject negative numbers; and the key file is created only after
// every usage check, so a usage error leaves nothing next to the catalog.
TEST_CASE("Negative sizes and late usage errors write nothing", "[negative_flags]") {
  TempDir dir;
  WriteFile(dir.Join("tree/a.txt"), "hello\n");
  for (const char* args : {"--log-format xml", "--fail-on NO_SUCH_THING"}) {
    INFO(args);
    std::string catalog = dir.Join("c.db");
    std::string out, err;
    CHECK(Run(Phiscan() + " scan --quiet --catalog " + catalog + " " + args + " " +
                  dir.Join("tree"),
              &out, &err) == 2);
    CHECK(access((catalog + ".key").c_str(), F_OK) != 0);
    unlink((catalog + ".key").c_str());
  }
  for (const char* flag : {"--max-file-size", "--max-members", "--max-expanded-bytes",
                           "--max-buffered-member", "--chunk-size"}) {
    INFO(flag);
    std::string catalog = dir.Join("c.db");
    std::string out, err;
    CHECK(Run(Phiscan() + " scan --quiet --catalog " + catalog + " " + flag + " -5 " +
                  dir.Join("tree"),
              &out, &err) == 2);
    CHECK(err.find(flag) != std::string::npos);
    CHECK(access(catalog.c_str(), F_OK) != 0);
    for (const char* suffix : {"", "-wal", "-shm", ".key", ".lock"}) unlink((catalog + suffix).c_str());
  }
}
