// Whole-process reliability: the scanner never modifies what it scans, stops
// cleanly on SIGINT/SIGTERM, leaves a sound catalog after kill -9, keeps
// memory bounded on a file that is one huge line, and cannot dump core.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "tests/regression/child.h"
#include "tests/testutil/jsonl.h"
#include "tests/testutil/testutil.h"

using phiscan::testing::Child;
using phiscan::testing::kSanitized;
using phiscan::testing::ParseJsonl;
using phiscan::testing::ReadFile;
using phiscan::testing::RunCommand;
using phiscan::testing::TempDir;
using phiscan::testing::ToolPath;
using phiscan::testing::WriteFile;

namespace {

std::string Phiscan() { return ToolPath("phiscan"); }
std::string Phireport() { return ToolPath("phireport"); }

// A tree big enough that a scan takes a while: `files` files of `size` bytes,
// each with a few synthetic identifiers.
// `files` files of `size` bytes under `root`; `dense` leaves out the filler
// lines between the identifier lines, which makes the files about four times
// slower to classify.
void MakeTree(const std::string& root, int files, size_t size, bool dense = false) {
  std::string block;
  while (block.size() < size) {
    block += "Patient seen for follow up. SSN: 536-22-8726. Email: jane.doe@example.org\n";
    if (!dense) block += std::string(200, 'x') + "\n";
  }
  block.resize(size);
  for (int i = 0; i < files; ++i) {
    WriteFile(root + "/d" + std::to_string(i % 10) + "/f" + std::to_string(i) + ".txt", block);
  }
}

// A file whose path starts with `prefix` that `pid` has open, or "".
std::string OpenFileUnder(pid_t pid, const std::string& prefix) {
  std::string fds = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(fds, ec)) {
    std::error_code lec;
    auto target = std::filesystem::read_symlink(e.path(), lec);
    if (!lec && target.string().rfind(prefix, 0) == 0) return target.string();
  }
  return "";
}

// Waits until `pid` has opened a second file under `prefix`: the first one
// waits for the rules to compile, so only then is the scan really reading.
void WaitUntilReading(pid_t pid, const std::string& prefix) {
  std::string first;
  for (int i = 0; i < 10000; ++i) {
    std::string now = OpenFileUnder(pid, prefix);
    if (first.empty()) first = now;
    if (!now.empty() && now != first) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// Opened read-write, as the next phiscan start opens the catalog: a kill
// during the catalog's creation can leave a hot rollback journal (before the
// switch to WAL), which only a writable connection may roll back.
struct Db {
  sqlite3* db = nullptr;
  explicit Db(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  }
  ~Db() { sqlite3_close(db); }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }
};

}  // namespace

TEST_CASE("Scanning never modifies content, mtime or atime of scanned files") {
  TempDir dir;
  MakeTree(dir.Join("tree"), 20, 4096);
  std::string content = ReadFile(dir.Join("tree/d0/f0.txt"));  // before atimes are set
  struct timespec old_times[2] = {{1000000000, 0}, {1000000000, 0}};  // 2001
  std::vector<std::pair<std::string, struct stat>> before;
  for (int i = 0; i < 20; ++i) {
    std::string p = dir.Join("tree/d" + std::to_string(i % 10) + "/f" + std::to_string(i) + ".txt");
    REQUIRE(utimensat(AT_FDCWD, p.c_str(), old_times, 0) == 0);
    struct stat st;
    REQUIRE(stat(p.c_str(), &st) == 0);
    before.emplace_back(p, st);
  }
  REQUIRE(RunCommand(Phiscan() + " scan --quiet --catalog " + dir.Join("c.db") + " " +
                     dir.Join("tree")) == 0);
  for (const auto& [p, st] : before) {
    struct stat now;
    REQUIRE(stat(p.c_str(), &now) == 0);
    INFO(p);
    CHECK(now.st_mtim.tv_sec == st.st_mtim.tv_sec);
    CHECK(now.st_atim.tv_sec == st.st_atim.tv_sec);  // O_NOATIME: the file's owner scans it
    CHECK(now.st_ctim.tv_sec == st.st_ctim.tv_sec);
    CHECK(now.st_ctim.tv_nsec == st.st_ctim.tv_nsec);
    CHECK(now.st_size == st.st_size);
  }
  CHECK(ReadFile(before[0].first) == content);
}

TEST_CASE("SIGINT and SIGTERM stop a scan cleanly: batch committed, run interrupted") {
  TempDir dir;
  MakeTree(dir.Join("tree"), 400, 256 << 10);  // 100 MB
  for (int sig : {SIGINT, SIGTERM}) {
    INFO("signal " << sig);
    std::string catalog = dir.Join("sig" + std::to_string(sig) + ".db");
    auto child = Child::Start({Phiscan(), "scan", "--quiet", "--threads", "1", "--catalog",
                               catalog, dir.Join("tree")});
    // Signal once the scan is under way (its catalog exists), not during start-up.
    struct stat st;
    for (int i = 0; i < 500 && stat(catalog.c_str(), &st) != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(child.pid, sig);
    child.Wait();
    if (child.ExitCode() == 0) {
      WARN("the scan finished before the signal; nothing to check");
      continue;
    }
    CHECK(child.ExitCode() == 130);
    Db db(catalog);
    CHECK(db.Text("PRAGMA integrity_check") == "ok");
    CHECK(db.Text("SELECT status FROM runs ORDER BY id DESC LIMIT 1") == "interrupted");
    CHECK_FALSE(db.Text("SELECT finished_at FROM runs ORDER BY id DESC LIMIT 1").empty());
    // What was scanned before the signal is committed.
    CHECK(std::stoi(db.Text("SELECT count(*) FROM assets")) > 0);
  }
}

TEST_CASE("kill -9 at any moment leaves a catalog that passes integrity_check") {
  TempDir dir;
  MakeTree(dir.Join("tree"), 300, 128 << 10);  // 38 MB
  std::string catalog = dir.Join("crash.db");
  std::mt19937 rng(7);
  int killed = 0;
  for (int round = 0; round < 6; ++round) {
    auto child = Child::Start({Phiscan(), "scan", "--quiet", "--threads", "2", "--catalog",
                               catalog, dir.Join("tree")});
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 400));
    kill(child.pid, SIGKILL);
    child.Wait();
    if (WIFSIGNALED(child.status)) ++killed;
    struct stat st;
    if (stat(catalog.c_str(), &st) != 0) continue;  // killed before the catalog existed
    Db db(catalog);
    INFO("round " << round);
    CHECK(db.Text("PRAGMA integrity_check") == "ok");
  }
  CHECK(killed > 0);
  // A later scan completes and covers every file.
  std::string out, err;
  int rc = RunCommand(Phiscan() + " scan --quiet --catalog " + catalog + " " + dir.Join("tree"),
                      &out, &err);
  INFO(err);
  REQUIRE(rc == 0);
  Db db(catalog);
  CHECK(db.Text("PRAGMA integrity_check") == "ok");
  CHECK(db.Text("SELECT status FROM runs ORDER BY id DESC LIMIT 1") == "completed");
  CHECK(db.Text("SELECT count(*) FROM assets WHERE kind = 0") == "300");
}

TEST_CASE("After kill -9 the next scan reads only the files the killed run had not committed") {
  TempDir dir;
  const int kFiles = 800;
  // A sanitized phiscan reads about a tenth as fast: smaller files last as long.
  const size_t kSize = kSanitized ? (64 << 10) : (256 << 10);
  // The writer commits every 2,000 assets or every second: the scan must
  // outlast the first commit on a quiet machine too (filler lines made it
  // 0.97 s in Release, and the first commit was the last), so the files
  // are identifier lines only: about 3 s.
  MakeTree(dir.Join("tree"), kFiles, kSize, true);  // 210 MB (52 MB sanitized)
  std::string catalog = dir.Join("resume.db");
  auto committed = [&](std::set<std::string>& paths) {
    std::string out;
    paths.clear();
    if (RunCommand(Phireport() + " assets --format jsonl --catalog " + catalog, &out) != 0) return;
    for (const auto& a : ParseJsonl(out)) {
      if (a["status"] == "complete") paths.insert(a["path"].get<std::string>());
    }
  };
  // Kill as soon as a first batch is committed, so some but not all files
  // are done: reports read the catalog safely while a scan writes it.
  std::set<std::string> done;
  std::string out;
  for (int attempt = 0; attempt < 5; ++attempt) {
    for (const char* suffix : {"", "-wal", "-shm", ".key"}) unlink((catalog + suffix).c_str());
    auto child = Child::Start({Phiscan(), "scan", "--quiet", "--threads", "1", "--catalog",
                               catalog, dir.Join("tree")});
    WaitUntilReading(child.pid, dir.Join("tree/"));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      committed(done);
      if (!done.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(child.pid, SIGKILL);
    child.Wait();
    if (!WIFSIGNALED(child.status)) continue;  // finished first
    committed(done);
    if (!done.empty() && done.size() < static_cast<size_t>(kFiles)) break;
  }
  // What the killed run committed is final and must not be read again.
  INFO("committed before the kill: " << done.size());
  REQUIRE(done.size() > 0);
  REQUIRE(done.size() < static_cast<size_t>(kFiles));

  REQUIRE(RunCommand(Phiscan() + " scan --quiet --threads 2 --catalog " + catalog + " " +
                     dir.Join("tree")) == 0);
  REQUIRE(RunCommand(Phireport() + " runs --format jsonl --catalog " + catalog, &out) == 0);
  auto runs = ParseJsonl(out);  // newest first
  REQUIRE(runs.size() == 2);
  CHECK(runs[1]["status"] == "interrupted");
  CHECK(runs[0]["status"] == "completed");
  CHECK(runs[0]["assets"] == kFiles);
  // The run's own counters: files carried over unread, and bytes classified.
  CHECK(runs[0]["unchanged"] == done.size());
  CHECK(runs[0]["bytes_scanned"] == (kFiles - done.size()) * kSize);
  // Every carried-over file keeps the killed run as the one that classified it.
  REQUIRE(RunCommand(Phireport() + " assets --format jsonl --catalog " + catalog, &out) == 0);
  int carried = 0;
  for (const auto& a : ParseJsonl(out)) {
    CHECK(a["status"] == "complete");
    if (done.count(a["path"].get<std::string>())) {
      CHECK(a["last_scan_run"] == runs[1]["run"]);
      ++carried;
    } else {
      CHECK(a["last_scan_run"] == runs[0]["run"]);
    }
  }
  CHECK(carried == static_cast<int>(done.size()));
  Db db(catalog);
  CHECK(db.Text("PRAGMA integrity_check") == "ok");
}

// Regression: the writer once closed a descriptor of "-shm" after
// sqlite3_open, which drops the process's POSIX locks on it; the next reader
// then believed it was alone, reset the shared-memory index, and the scan died
// of SIGBUS or lost its writes while exiting 0.
TEST_CASE("A report run during a scan neither crashes it nor loses its results",
          "[reader_during_scan]") {
  TempDir dir;
  // A sanitized phiscan reads about a tenth as fast: smaller files last as long.
  MakeTree(dir.Join("tree"), 300, kSanitized ? (64 << 10) : (256 << 10));
  std::string catalog = dir.Join("busy.db");
  auto child = Child::Start({Phiscan(), "scan", "--quiet", "--threads", "1", "--catalog", catalog,
                             dir.Join("tree")});
  WaitUntilReading(child.pid, dir.Join("tree/"));
  std::string out;
  for (int i = 0; i < 10; ++i) {
    RunCommand(Phireport() + " runs --format jsonl --catalog " + catalog + " 2>&1", &out);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  child.Wait();
  CHECK(child.ExitCode() == 0);
  Db db(catalog);
  CHECK(db.Text("SELECT status FROM runs ORDER BY id DESC LIMIT 1") == "completed");
  CHECK(db.Text("SELECT count(*) FROM assets") == "300");
}

TEST_CASE("A file that is one huge line is scanned in constant memory") {
  TempDir dir;
  const size_t kSize = 64 << 20;
  {
    std::ofstream out(dir.Join("line.txt"), std::ios::binary);
    std::string piece = "SSN 536-22-8726 " + std::string(4000, 'a') + " ";
    for (size_t n = 0; n < kSize; n += piece.size()) out << piece;
  }
  auto child = Child::Start({Phiscan(), "scan", "--quiet", "--catalog", dir.Join("c.db"),
                             dir.Join("line.txt")});
  child.Wait();
  REQUIRE(child.ExitCode() == 0);
  long peak_mb = child.PeakRssMb();
  INFO("peak RSS " << peak_mb << " MB");
  if (!kSanitized) CHECK(peak_mb < 150);  // the file is 64 MB; memory must not follow it
  std::string out;
  REQUIRE(RunCommand(Phireport() + " assets --format jsonl --catalog " +
                         dir.Join("c.db"),
                     &out) == 0);
  CHECK(out.find("\"status\":\"complete\"") != std::string::npos);
}

TEST_CASE("The scanner cannot write a core file") {
  TempDir dir;
  std::string fifo = dir.Join("in");
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  // classify blocks reading the FIFO; meanwhile look at its limits.
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = open(fifo.c_str(), O_RDONLY);
    dup2(fd, 0);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execl(Phiscan().c_str(), Phiscan().c_str(), "classify", "-", static_cast<char*>(nullptr));
    _exit(127);
  }
  int writer = open(fifo.c_str(), O_WRONLY);  // blocks until the child opened it
  REQUIRE(writer >= 0);
  std::string limits;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    limits = ReadFile("/proc/" + std::to_string(pid) + "/limits");
    // Poll for soft AND hard limit 0: ASan alone sets only the soft limit.
    if (limits.find("Max core file size        0                    0") != std::string::npos) break;
  }
  close(writer);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(limits.find("Max core file size        0                    0") != std::string::npos);
  CHECK(WIFEXITED(status));
}
