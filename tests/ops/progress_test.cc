#include <catch2/catch.hpp>

#include "tools/progress.h"

using phiscan::tools::FormatProgress;
using phiscan::tools::ProgressCounters;

TEST_CASE("The progress line shows counts, rate, findings, ETA once the walk is done") {
  phiscan::scanner::WalkProgress walk;
  ProgressCounters c;
  c.walk = &walk;
  c.files_done = 120;
  c.bytes_done = 50 * 1024 * 1024;
  c.findings = 7;
  walk.files = 300;
  c.SetCurrent("/share/dept/2024/patients.csv");
  auto during = FormatProgress(c, 2.0, 200);
  CHECK(during ==
        "120 files  50.0 MiB  25.0 MiB/s  7 findings  (300 found so far)  "
        "/share/dept/2024/patients.csv");
  walk.bytes = 100 * 1024 * 1024;
  walk.done = true;
  auto after = FormatProgress(c, 2.0, 200);
  CHECK(after.find("ETA 0:02") != std::string::npos);
}

TEST_CASE("The progress line fits the terminal, shortening the path from the left") {
  ProgressCounters c;
  c.files_done = 1;
  c.SetCurrent("/a/very/long/path/that/does/not/fit/in/the/terminal/width/file.txt");
  auto line = FormatProgress(c, 1.0, 70);
  CHECK(line.size() <= 69);
  CHECK(line.find("file.txt") != std::string::npos);
  CHECK(line.find("/a/very") == std::string::npos);
}

TEST_CASE("The progress line moves while a large file is read, and names it") {
  phiscan::scanner::WalkProgress walk;
  ProgressCounters c;
  c.walk = &walk;
  walk.files = 1;
  walk.bytes = 4ULL << 30;
  walk.done = true;
  // No record yet: the file is being read.
  walk.bytes_read = 1ULL << 30;
  walk.SetReading("/share/exports/huge\ncsv.csv");
  auto line = FormatProgress(c, 2.0, 200);
  CHECK(line.rfind("0 files  1.0 GiB  512.0 MiB/s  0 findings  ETA 0:06", 0) == 0);
  // Escaped for the terminal.
  CHECK(line.find("/share/exports/huge\\ncsv.csv") != std::string::npos);
}

TEST_CASE("While the rules compile, the line says so instead of a rate and an ETA") {
  // The first file read waits for them: the line showed an ETA that grew
  // for a second or more.
  phiscan::scanner::WalkProgress walk;
  ProgressCounters c;
  c.walk = &walk;
  walk.files = 40;
  walk.bytes_read = 1 << 20;
  bool compiling = true;
  c.compiling = [&] { return compiling; };
  CHECK(FormatProgress(c, 1.5, 200) == "compiling the rules  (40 files found so far)");
  CHECK(FormatProgress(c, 1.5, 12) == "compiling t");  // fits 12 columns, as every line
  compiling = false;
  CHECK(FormatProgress(c, 1.0, 200).rfind("0 files  1.0 MiB  1.0 MiB/s", 0) == 0);
  // An unchanged rescan reads nothing and never compiles: the plain line.
  compiling = true;
  walk.bytes_read = 0;
  CHECK(FormatProgress(c, 1.0, 200).rfind("0 files  0 B  0 B/s", 0) == 0);
}
