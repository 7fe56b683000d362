// This host's name and process liveness, shared by the writer (marking runs
// a dead process left `running`) and the reader (showing them so before the
// next writer does). Internal to catalog/.
#ifndef PHISCAN_CATALOG_INTERNAL_HOST_H_
#define PHISCAN_CATALOG_INTERNAL_HOST_H_

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

#include "common/escape.h"

namespace phiscan::catalog::internal {

// gethostname(), escaped as the catalog stores it; "unknown" if unavailable.
inline std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return EscapeBytes(buf);
}

// False only when process `pid` is known not to exist on this host. EPERM
// means it exists but belongs to another user. A recycled pid reads as
// alive here (RunProcessAlive tells it apart by its start time).
inline bool ProcessAlive(int64_t pid) {
  if (pid <= 0 || pid > INT_MAX) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// When process `pid` started, in seconds since the epoch: the boot time
// (/proc/stat's btime) plus its start in clock ticks after boot
// (/proc/PID/stat's 22nd field, after the command name in parentheses,
// which may hold spaces and parentheses itself). nullopt if unknown.
inline std::optional<int64_t> ProcessStartTime(int64_t pid) {
  if (pid <= 0 || pid > INT_MAX) return std::nullopt;
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const std::string stat = read("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  // Fields 3 to 22 follow the name; the last of them is the start time.
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return std::nullopt;
  }
  const std::string boot = read("/proc/stat");
  const size_t at = boot.find("\nbtime ");
  const long ticks = sysconf(_SC_CLK_TCK);
  if (at == std::string::npos || ticks <= 0) return std::nullopt;
  const int64_t btime = std::strtoll(boot.c_str() + at + 7, nullptr, 10);
  return btime + std::strtoll(field.c_str(), nullptr, 10) / ticks;
}

// False when the process that recorded a run started at `run_started`
// (seconds since the epoch) with `pid` is known to be gone: no such
// process, or one that started after the run did, a recycled pid (after a
// reboot a daemon's low pid is often one a scan had). Five minutes of
// slack: a clock stepped forward after the run began moves the start
// computed from the boot time, and a live scan must never read as dead.
inline bool RunProcessAlive(int64_t pid, int64_t run_started) {
  if (!ProcessAlive(pid)) return false;
  const std::optional<int64_t> start = ProcessStartTime(pid);
  return !start || *start <= run_started + 300;
}

}  // namespace phiscan::catalog::internal

#endif  // PHISCAN_CATALOG_INTERNAL_HOST_H_
