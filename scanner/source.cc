#include "scanner/source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace phiscan::scanner {
namespace {

// "what: strerror(err)". Never the file name: callers attach the path, and
// keeping names out of messages keeps one escaping point for them.
Status ErrnoStatus(const char* what, int err) {
  return Status(StatusCodeForErrno(err), std::string(what) + ": " + std::strerror(err));
}

}  // namespace

int OpenAtNoAtime(int dirfd, const char* name, int flags) {
  int fd;
  do {
    fd = openat(dirfd, name, flags | O_NOATIME);
  } while (fd < 0 && errno == EINTR);
  if (fd >= 0 || errno != EPERM) return fd;
  // O_NOATIME is refused with EPERM unless we own the file or hold
  // CAP_FOWNER; reading without it is allowed, it only costs an atime update.
  do {
    fd = openat(dirfd, name, flags);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

Result<ReadOnlyFile> ReadOnlyFile::Open(int dirfd, const std::string& name,
                                        const FileIdentity* expected) {
  // O_NONBLOCK: if a FIFO or device was swapped in after the walker's
  // fstatat, open must not hang waiting for a writer. O_NOCTTY: a terminal
  // swapped in must not become our controlling terminal.
  const int fd =
      OpenAtNoAtime(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP && expected != nullptr) {
      // The walker saw a regular file; a symlink is there now.
      return Status::ChangedDuringRead("open: replaced by a symlink since it was listed");
    }
    return ErrnoStatus("open", err);
  }
  ReadOnlyFile file(fd, FileIdentity{});  // owns fd from here on

  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus("fstat", errno);
  if (!S_ISREG(st.st_mode)) return Status::Unsupported("not a regular file");
  file.identity_ = IdentityFromStat(st);
  if (expected != nullptr &&
      (file.identity_.dev != expected->dev || file.identity_.ino != expected->ino)) {
    return Status::ChangedDuringRead("file replaced since it was listed");
  }

  // Regular files never block, but clear O_NONBLOCK anyway so reads on
  // filesystems that honour it (some FUSE and network ones) do not fail with
  // EAGAIN.
  const int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) return ErrnoStatus("fcntl", errno);
  // Advisory only: doubles readahead for the front-to-back reads we do.
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return file;
}

ReadOnlyFile::ReadOnlyFile(ReadOnlyFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), identity_(other.identity_) {}

ReadOnlyFile& ReadOnlyFile::operator=(ReadOnlyFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    identity_ = other.identity_;
  }
  return *this;
}

ReadOnlyFile::~ReadOnlyFile() {
  if (fd_ >= 0) close(fd_);
}

Result<size_t> ReadOnlyFile::ReadAt(uint64_t offset, std::span<char> buf) const {
  size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n =
        pread(fd_, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", errno);
    }
    if (n == 0) break;  // EOF (possibly earlier than the size seen at open)
    done += static_cast<size_t>(n);
  }
  return done;
}

bool ReadOnlyFile::StillUnchanged() const {
  struct stat st;
  if (fstat(fd_, &st) != 0) return false;
  const FileIdentity now = IdentityFromStat(st);
  return now.size == identity_.size && now.mtime_ns == identity_.mtime_ns &&
         now.ctime_ns == identity_.ctime_ns;
}

const char* ReasonForErrno(int err) {
  switch (err) {
    case EACCES:
    case EPERM:
      return "permission_denied";
    case ENOENT:
    case ENOTDIR:
      return "not_found";
    case ELOOP:
      return "symlink";
    case ENAMETOOLONG:
      return "name_too_long";
    case ESTALE:
      return "stale_handle";
    case EMFILE:
    case ENFILE:
      return "fd_limit";
    case EIO:
    default:
      return "io_error";
  }
}

StatusCode StatusCodeForErrno(int err) {
  switch (err) {
    case EACCES:
    case EPERM:
      return StatusCode::kPermissionDenied;
    case ENOENT:
    case ENOTDIR:
      return StatusCode::kNotFound;
    case ELOOP:
    case ENAMETOOLONG:
      return StatusCode::kUnsupported;
    case EMFILE:
    case ENFILE:
      return StatusCode::kLimitExceeded;
    default:
      return StatusCode::kIoError;
  }
}

}  // namespace phiscan::scanner
