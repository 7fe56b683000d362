// A child process for the regression tests: started with posix_spawn, waited
// for with wait4 so its peak RSS and CPU time can be checked.
#ifndef PHISCAN_TESTS_REGRESSION_CHILD_H_
#define PHISCAN_TESTS_REGRESSION_CHILD_H_

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testutil/testutil.h"

extern char** environ;

namespace phiscan::testing {

struct Child {
  pid_t pid = -1;
  int status = 0;
  struct rusage usage {};
  std::chrono::steady_clock::time_point started;
  double seconds = 0;  // wall time, set by Wait()

  // stdout and stderr go to /dev/null unless `out_path` names a file for
  // both; stdin comes from `stdin_path` if given.
  static Child Start(const std::vector<std::string>& argv, const std::string& stdin_path = "",
                     const std::string& out_path = "") {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const char* out = out_path.empty() ? "/dev/null" : out_path.c_str();
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (!stdin_path.empty()) {
      posix_spawn_file_actions_addopen(&fa, 0, stdin_path.c_str(), O_RDONLY, 0);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    Child c;
    c.started = std::chrono::steady_clock::now();
    int rc = posix_spawn(&c.pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
    return c;
  }
  // Polls the child's VmHWM while it runs: ru_maxrss of a spawned child
  // also counts the parent's pages it shared before exec, so it would charge
  // the test's own memory to the scanner.
  void Wait() {
    const std::string proc = "/proc/" + std::to_string(pid) + "/status";
    for (;;) {
      pid_t r = wait4(pid, &status, WNOHANG, &usage);
      REQUIRE(r >= 0);
      if (r == pid) break;
      std::ifstream in(proc);
      std::string line;
      while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) hwm_kb = std::max(hwm_kb, std::atol(line.c_str() + 6));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  int ExitCode() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
  long PeakRssMb() const { return (hwm_kb > 0 ? hwm_kb : usage.ru_maxrss) / 1024; }
  long hwm_kb = 0;
};

}  // namespace phiscan::testing

#endif  // PHISCAN_TESTS_REGRESSION_CHILD_H_
