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
// alive: the run then stays `running` until that process ends, which errs
// on the side of never declaring a live scan dead.
inline bool ProcessAlive(int64_t pid) {
  if (pid <= 0 || pid > INT_MAX) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace phiscan::catalog::internal

#endif  // PHISCAN_CATALOG_INTERNAL_HOST_H_
