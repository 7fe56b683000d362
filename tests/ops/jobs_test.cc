#include <catch2/catch.hpp>

#include "tests/testutil/testutil.h"
#include "tools/jobs.h"

using phiscan::testing::TempDir;
using phiscan::testing::WriteFile;
using phiscan::tools::FindJob;
using phiscan::tools::LoadJobsFile;

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
    max_file_size: 1048576
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

TEST_CASE("Job file errors name file, line and job") {
  TempDir dir;
  auto err = [&](const std::string& text) {
    WriteFile(dir.Join("j.yaml"), text);
    auto r = LoadJobsFile(dir.Join("j.yaml"));
    REQUIRE_FALSE(r.ok());
    return r.status().message();
  };
  const std::string f = dir.Join("j.yaml");
  CHECK(err("jobs:\n  - name: a\n    roots: [/x]\n    catalog: c.db\n    colour: red\n") ==
        f + ":5: job a: unknown key 'colour'");
  CHECK(err("jobs:\n  - name: a\n    catalog: c.db\n") == f + ":2: job a: needs at least one root");
  CHECK(err("jobs:\n  - name: a\n    roots: [/x]\n") ==
        f + ":2: job a: needs a catalog (here or in defaults)");
  CHECK(err("jobs:\n  - name: 'a b'\n    roots: [/x]\n    catalog: c\n") ==
        f + ":2: job a b: names use letters, digits, '-', '_' and '.' only");
  CHECK(err("jobs:\n  - {name: a, roots: [/x], catalog: c}\n  - {name: a, roots: [/y], catalog: c}\n") ==
        f + ":3: job a: duplicate job name");
  CHECK(err("jobs:\n  - name: a\n    roots: [/x]\n    catalog: c\n    threads: many\n") ==
        f + ":5: job a: threads has the wrong type");
  CHECK(err("jobs: [\n").rfind(f + ":", 0) == 0);
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
  CHECK(lower.message() == file + ":13: job lower: fail_on: 'phi' is neither a type id nor a label");
  CHECK_THAT(check("missing").message(),
             Catch::StartsWith(file + ":16: job missing: exclude_from: "));
  CHECK_THAT(check("rules").message(), Catch::StartsWith(file + ":19: job rules: rules: "));
}
