// Whole-process reliability: the scanner never modifies what it scans, stops
// cleanly on SIGINT/SIGTERM, leaves a sound catalog after kill -9, keeps
// memory bounded on a file that is one huge line, and cannot dump core.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include "tests/testutil/testutil.h"

extern char** environ;

using phiscan::testing::BinaryDir;
using phiscan::testing::ReadFile;
using phiscan::testing::RunCommand;
using phiscan::testing::TempDir;
using phiscan::testing::WriteFile;

namespace {

std::string Phiscan() { return BinaryDir() + "/tools/phiscan"; }

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// A child process started with posix_spawn; stdout/stderr to /dev/null
// unless `out` is given.
struct Child {
  pid_t pid = -1;
  int status = 0;
  struct rusage usage {};

  static Child Start(const std::vector<std::string>& argv, const std::string& stdin_path = "") {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (!stdin_path.empty()) posix_spawn_file_actions_addopen(&fa, 0, stdin_path.c_str(), O_RDONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    Child c;
    int rc = posix_spawn(&c.pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
    return c;
  }
  void Wait() { REQUIRE(wait4(pid, &status, 0, &usage) == pid); }
  int ExitCode() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
};

// A tree big enough that a scan takes a while: `files` files of `size` bytes,
// each with a few synthetic identifiers.
void MakeTree(const std::string& root, int files, size_t size) {
  std::string block;
  while (block.size() < size) {
    block += "Patient seen for follow up. SSN: 536-22-8726. Email: jane.doe@example.org\n";
    block += std::string(200, 'x') + "\n";
  }
  block.resize(size);
  for (int i = 0; i < files; ++i) {
    WriteFile(root + "/d" + std::to_string(i % 10) + "/f" + std::to_string(i) + ".txt", block);
  }
}

struct Db {
  sqlite3* db = nullptr;
  explicit Db(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
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
  REQUIRE(RunCommand(Phiscan() + " scan --quiet --catalog " + catalog + " " + dir.Join("tree")) ==
          0);
  Db db(catalog);
  CHECK(db.Text("PRAGMA integrity_check") == "ok");
  CHECK(db.Text("SELECT status FROM runs ORDER BY id DESC LIMIT 1") == "completed");
  CHECK(db.Text("SELECT count(*) FROM assets WHERE kind = 0") == "300");
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
  long peak_mb = child.usage.ru_maxrss / 1024;
  INFO("peak RSS " << peak_mb << " MB");
  if (!kSanitized) CHECK(peak_mb < 150);  // the file is 64 MB; memory must not follow it
  std::string out;
  REQUIRE(RunCommand(BinaryDir() + "/tools/phireport assets --format jsonl --catalog " +
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
