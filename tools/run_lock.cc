#include "tools/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/escape.h"

namespace phiscan::tools {

Result<RunLock> RunLock::Acquire(const std::string& catalog_path) {
  const std::string path = catalog_path + ".lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    const int err = errno;
    // One that is there and another account's belongs to the account the
    // catalog's runs use.
    struct stat st;
    if ((err == EACCES || err == EPERM) && lstat(path.c_str(), &st) == 0 &&
        st.st_uid != geteuid()) {
      return Status::IoError("cannot open lock file " + EscapeBytes(path) + ": " +
                             std::strerror(err) + " (it belongs to uid " +
                             std::to_string(st.st_uid) +
                             ": scan as the account that owns the catalog)");
    }
    return Status::IoError("cannot create lock file " + EscapeBytes(path) + ": " +
                           std::strerror(err));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char pid[32] = {0};
    ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
    close(fd);
    if (err == EWOULDBLOCK) {
      std::string holder = n > 0 ? std::string(pid, strnlen(pid, sizeof pid)) : "?";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      return Status::LimitExceeded("another phiscan run (pid " + holder + ") is writing " +
                                   EscapeBytes(catalog_path));
    }
    return Status::IoError("cannot lock " + EscapeBytes(path) + ": " + std::strerror(err));
  }
  std::string me = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) == 0) (void)!pwrite(fd, me.data(), me.size(), 0);
  return RunLock(fd);
}

RunLock::~RunLock() {
  if (fd_ >= 0) close(fd_);  // closing the descriptor releases the flock
}

}  // namespace phiscan::tools
