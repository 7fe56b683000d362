// RunLock: at most one scan writes a catalog at a time.
//
// Takes an exclusive, non-blocking flock(2) on CATALOG.lock (created 0600)
// and writes the holder's pid into it. The kernel drops the lock when the
// process exits however it exits, so a killed run never leaves a stale lock.
// Thread safety: one owner; the destructor releases the lock.
#ifndef PHISCAN_TOOLS_RUN_LOCK_H_
#define PHISCAN_TOOLS_RUN_LOCK_H_

#include <string>

#include "common/status.h"

namespace phiscan::tools {

class RunLock {
 public:
  // Errors: kLimitExceeded "another phiscan run (pid N) is writing CATALOG"
  // if the lock is held; kIoError if the lock file cannot be created.
  static Result<RunLock> Acquire(const std::string& catalog_path);

  RunLock(RunLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RunLock& operator=(RunLock&&) = delete;
  ~RunLock();

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_RUN_LOCK_H_
