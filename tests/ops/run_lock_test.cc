#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testutil/testutil.h"
#include "tools/run_lock.h"

using phiscan::tools::RunLock;

TEST_CASE("One run at a time per catalog; the lock dies with its process") {
  phiscan::testing::TempDir dir;
  const std::string catalog = dir.Join("c.db");
  int ready[2], done[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(done) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto lock = RunLock::Acquire(catalog);
    char c = lock.ok() ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    (void)!read(done[0], &c, 1);  // hold the lock until told
    _exit(0);
  }
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  auto second = RunLock::Acquire(catalog);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == phiscan::StatusCode::kLimitExceeded);
  CHECK(second.status().message() ==
        "another phiscan run (pid " + std::to_string(pid) + ") is writing " + catalog);
  struct stat st;
  REQUIRE(stat((catalog + ".lock").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  kill(pid, SIGKILL);  // no cleanup runs: the kernel still releases the lock
  waitpid(pid, nullptr, 0);
  auto third = RunLock::Acquire(catalog);
  CHECK(third.ok());
}
