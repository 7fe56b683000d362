#include <catch2/catch.hpp>

#include "tests/testutil/testutil.h"
#include "tools/jobs.h"

using phiscan::testing::TempDir;
using phiscan::testing::WriteFile;
using phiscan::tools::FindJob;
using phiscan::tools::LoadJobsFile;

namespace {

// The error LoadJobsFile gives for a job file of `text` at `path`.
std::string LoadError(const std::string& path, const std::string& text) {
  WriteFile(path, text);
  auto r = LoadJobsFile(path);
  REQUIRE_FALSE(r.ok());
  return r.status().message();
}

}  // namespace

TEST_CASE("A job file with defaults and two jobs") {
  TempDir dir;
  WriteFile(dir.Join("jobs.yaml"), R"(defaults:
  catalog: /var/lib/phiscan/main.db
  threads: 4
jobs:
  - name: finance
    roots: [/srv/finance]
    exclude: ["*.tmp", "node_modules/"]
    one_file_system: true
    fail_on: PHI
  - name: hr.share
    roots: /srv/hr
    catalog: /var/lib/phiscan/hr.db
    threads: 1
    max_file_size: 1M
)");
  auto jobs = LoadJobsFile(dir.Join("jobs.yaml"));
  REQUIRE(jobs.ok());
  REQUIRE(jobs.value().size() == 2);
  auto fin = FindJob(jobs.value(), "finance");
  REQUIRE(fin.ok());
  CHECK(fin.value().catalog == "/var/lib/phiscan/main.db");
  CHECK(fin.value().threads == 4);
  CHECK(fin.value().exclude == std::vector<std::string>{"*.tmp", "node_modules/"});
  CHECK(fin.value().one_file_system);
  CHECK(fin.value().fail_on == "PHI");
  auto hr = FindJob(jobs.value(), "hr.share");
  REQUIRE(hr.ok());
  CHECK(hr.value().roots == std::vector<std::string>{"/srv/hr"});
  CHECK(hr.value().catalog == "/var/lib/phiscan/hr.db");
  CHECK(hr.value().threads == 1);
  CHECK(hr.value().max_file_size == 1048576);
  auto missing = FindJob(jobs.value(), "payroll");
  CHECK(missing.status().message() == "no job named 'payroll' (jobs: finance, hr.share)");
}

TEST_CASE("A job file's relative paths are relative to the file, not to the working directory") {
  // A systemd service runs in /: roots: [shares/a] meant /shares/a there,
  // and something else again from the shell that ran `jobs list`.
  TempDir dir;
  WriteFile(dir.Join("etc/site.yaml"), "types: []\n");
  WriteFile(dir.Join("etc/skip.txt"), "*.tmp\n");
  WriteFile(dir.Join("etc/jobs.yaml"), R"(defaults:
  catalog: ../var/phiscan.db
jobs:
  - name: rel
    roots: [shares/a, /srv/abs]
    rules: [site.yaml]
    exclude_from: ./skip.txt
)");
  auto jobs = LoadJobsFile(dir.Join("etc/jobs.yaml"));
  REQUIRE(jobs.ok());
  const auto& job = jobs.value()[0];
  CHECK(job.roots == std::vector<std::string>{dir.Join("etc/shares/a"), "/srv/abs"});
  CHECK(job.catalog == dir.Join("var/phiscan.db"));
  CHECK(job.rules == std::vector<std::string>{dir.Join("etc/site.yaml")});
  CHECK(job.exclude_from == dir.Join("etc/skip.txt"));
  // What the job names is found from anywhere.
  CHECK(phiscan::tools::CheckJob(job, dir.Join("etc/jobs.yaml"), nullptr).ok());
}

TEST_CASE("Job file errors name file, line and job") {
  TempDir dir;
  const std::string f = dir.Join("j.yaml");
  auto err = [&](const std::string& text) { return LoadError(f, text); };
  CHECK(err("jobs:\n  - name: a\n    roots: [/x]\n    catalog: c.db\n    colour: red\n") ==
        f + ":5: job a: unknown key 'colour'");
  CHECK(err("jobs:\n  - name: a\n    roots: [/x]\n    catalog: c.db\n    threds: 2\n") ==
        f + ":5: job a: unknown key 'threds' (did you mean threads?)");
  CHECK(err("job:\n  - name: a\n    roots: [/x]\ndefaults: {}\n") ==
        f + ":1: unknown key 'job' (did you mean jobs?)");
  CHECK(err("jobs:\n  - name: a\n    catalog: c.db\n") == f + ":2: job a: needs at least one root");
  CHECK(err("jobs:\n  - name: a\n    roots: [/x]\n") ==
        f + ":2: job a: needs a catalog (here or in defaults)");
  CHECK(err("jobs:\n  - name: 'a b'\n    roots: [/x]\n    catalog: c\n") ==
        f + ":2: job names use letters, digits, '-', '_' and '.' only");
  CHECK(err("jobs:\n  - {name: a, roots: [/x], catalog: c}\n  - {name: a, roots: [/y], catalog: c}\n") ==
        f + ":3: job a: duplicate job name");
  CHECK(err("jobs:\n  - name: a\n    roots: [/x]\n    catalog: c\n    threads: many\n") ==
        f + ":5: job a: threads must be a whole number");
  CHECK(err("jobs:\n  - name: a\n    roots: [/x]\n    catalog: c\n    one_file_system: maybe\n") ==
        f + ":5: job a: one_file_system must be true or false");
  CHECK(err("jobs: [\n").rfind(f + ":", 0) == 0);
  // An empty value at its key's line; a quote left open, a second document
  // and bytes that are not UTF-8 at theirs.
  CHECK(err("jobs:\n  - name: a\n    roots: [/x]\n    catalog: c\n    threads:\n\n") ==
        f + ":5: job a: threads must be a whole number");
  CHECK(err("jobs:\n  - name: a\n    roots: ['/x]\n    catalog: c\n") ==
        f + ":3: a quoted value does not end on its line (a quote missing?)");
  CHECK(err("jobs:\n  - {name: a, roots: [/x], catalog: c}\n---\njobs: []\n") ==
        f + ":3: a second YAML document after '---' (the file is one document)");
  CHECK(err("# Planifi\xe9\njobs:\n  - {name: a, roots: [/x], catalog: c}\n") ==
        f + ":1: not UTF-8 text (save the file as UTF-8)");
  CHECK(LoadJobsFile(dir.Join("nope.yaml")).status().code() == phiscan::StatusCode::kNotFound);
}

TEST_CASE("What a job's values name is checked, with the file, line and job") {
  // fail_on and exclude_from used to pass `jobs list` and fail only when the
  // job ran, as a usage error without file or line. (Found by review,
  // 2026-12-03.)
  TempDir dir;
  WriteFile(dir.Join("site.exclude"), "*.tmp\n");
  WriteFile(dir.Join("jobs.yaml"), R"(defaults:
  catalog: /tmp/c.db
jobs:
  - name: good
    roots: [/srv/a]
    fail_on: PHI
    exclude_from: )" + dir.Join("site.exclude") + R"(
  - name: typed
    roots: [/srv/a]
    fail_on: US_SSN
  - name: lower
    roots: [/srv/a]
    fail_on: phi
  - name: missing
    roots: [/srv/a]
    exclude_from: )" + dir.Join("nope.exclude") + R"(
  - name: rules
    roots: [/srv/a]
    rules: [)" + dir.Join("nope.yaml") + R"(]
)");
  const std::string file = dir.Join("jobs.yaml");
  auto jobs = LoadJobsFile(file);
  REQUIRE(jobs.ok());
  auto check = [&](const std::string& name) {
    auto job = FindJob(jobs.value(), name);
    REQUIRE(job.ok());
    return phiscan::tools::CheckJob(job.value(), file);
  };
  CHECK(check("good").ok());
  CHECK(check("typed").ok());
  phiscan::Status lower = check("lower");
  CHECK(lower.message() == file + ":13: job lower: fail_on: 'phi' is neither a type id nor a label "
                                 "(did you mean PHI?)");
  CHECK_THAT(check("missing").message(),
             Catch::StartsWith(file + ":16: job missing: exclude_from: "));
  CHECK_THAT(check("rules").message(), Catch::StartsWith(file + ":19: job rules: rules: "));
}

TEST_CASE("A file that is no job file is one error that quotes nothing of it") {
  // A data file given as --config by mistake: its records must not reach
  // the terminal or the journal. The values are synthetic.
  TempDir dir;
  const std::string f = dir.Join("j.yaml");
  const std::string expected =
      f + ": not a job file (expected a YAML mapping with a 'jobs' list)";
  for (const std::string& text :
       {std::string("name,ssn\nMarisol Quintanilla,536-22-8726\n"),
        std::string("name,ssn\nMarisol Quintanilla,536-22-8726,note: call\n"),
        std::string("patient: Marisol Quintanilla\nssn: 536-22-8726\n"),
        std::string("types:\n  - id: SITE_X\n"),  // a rule pack
        std::string("\x7f" "ELF\0\0", 6) + "536-22-8726"}) {
    INFO(text);
    CHECK(LoadError(f, text) == expected);
  }
  // Keys and names that are values are not quoted either.
  auto err = [&](const std::string& text) {
    const std::string message = LoadError(f, text);
    CHECK(message.find("536-22-8726") == std::string::npos);
    CHECK(message.find("Marisol") == std::string::npos);
    return message;
  };
  CHECK(err("jobs: []\n'Marisol Quintanilla': 536-22-8726\n") ==
        f + ":2: unknown key at column 1");
  CHECK(err("jobs:\n  - name: a\n    roots: [/x]\n    catalog: c\n    536-22-8726: 1\n") ==
        f + ":5: job a: unknown key at column 5");
  CHECK(err("jobs:\n  - name: 536-22-8726\n    catalog: c\n") ==
        f + ":2: a job: needs at least one root");
  CHECK(err("jobs:\n  - name: Marisol Quintanilla\n    roots: [/x]\n    catalog: c\n") ==
        f + ":2: job names use letters, digits, '-', '_' and '.' only");
  CHECK_THAT(err("jobs:\n  - name: a\n    roots: [\"536-22-8726\\q\"]\n"),
             Catch::Matches(".*j\\.yaml:3: YAML error: [a-z ]+ \\(column [0-9]+\\)"));
}

TEST_CASE("fail_on NONE is refused: every clean file would fail the job") {
  TempDir dir;
  const std::string f = dir.Join("jobs.yaml");
  WriteFile(f, "jobs:\n  - name: a\n    roots: [/srv/a]\n    catalog: c.db\n"
               "    fail_on: NONE\n  - name: b\n    roots: [/srv/a]\n    catalog: c.db\n"
               "    fail_on: Marisol Quintanilla\n");
  auto jobs = LoadJobsFile(f);
  REQUIRE(jobs.ok());
  CHECK(phiscan::tools::CheckJob(jobs.value()[0], f).message() ==
        f + ":5: job a: fail_on: NONE is the label of assets with nothing sensitive: every clean "
            "file would fail the scan; name a label such as PHI or a type such as US_SSN");
  CHECK(phiscan::tools::CheckJob(jobs.value()[1], f).message() ==
        f + ":9: job b: fail_on: the value is neither a type id nor a label");
}
