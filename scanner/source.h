// ReadOnlyFile: opening and reading a scanned file without changing it.
//
// Opens with O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC, and O_NOATIME when the
// kernel permits it (owner or CAP_FOWNER; otherwise retried without), then
// fstat()s the descriptor and compares (dev, ino) with what the walker saw:
// a different file behind the same name is kChangedDuringRead; a missing one
// kNotFound; anything but a regular file kUnsupported. Reads use pread into
// caller buffers (no mmap: a file truncated under us cannot SIGBUS).
// StillUnchanged() re-fstat()s after reading and reports whether size, mtime
// or ctime moved.
//
// Thread safety: one owner at a time; the descriptor is closed by the
// destructor.
#ifndef PHISCAN_SCANNER_SOURCE_H_
#define PHISCAN_SCANNER_SOURCE_H_

#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"
#include "scanner/walker.h"

namespace phiscan::scanner {

class ReadOnlyFile {
 public:
  // `dirfd` may be AT_FDCWD with an absolute or relative `name`. If
  // `expected` is non-null its dev/ino must match the opened file.
  // Errors: kNotFound (vanished), kPermissionDenied, kChangedDuringRead,
  // kUnsupported (not a regular file), kIoError.
  static Result<ReadOnlyFile> Open(int dirfd, const std::string& name,
                                   const FileIdentity* expected);

  ReadOnlyFile(ReadOnlyFile&& other) noexcept;
  ReadOnlyFile& operator=(ReadOnlyFile&& other) noexcept;
  ~ReadOnlyFile();

  // Reads up to buf.size() bytes at `offset`, retrying on EINTR and short
  // reads until buf is full or EOF. Returns the byte count (0 at EOF).
  Result<size_t> ReadAt(uint64_t offset, std::span<char> buf) const;

  // Identity at open time.
  const FileIdentity& identity() const { return identity_; }

  // True if size, mtime and ctime are still those seen at open.
  bool StillUnchanged() const;

  int fd() const { return fd_; }

 private:
  ReadOnlyFile(int fd, FileIdentity identity) : fd_(fd), identity_(identity) {}
  int fd_ = -1;
  FileIdentity identity_;
};

// Maps an errno to a Status code and a stable reason id, used in
// AssetRecord::reason: EACCES/EPERM "permission_denied" (kPermissionDenied),
// ENOENT/ENOTDIR "not_found" (kNotFound), ELOOP "symlink" and ENAMETOOLONG
// "name_too_long" (kUnsupported), ESTALE "stale_handle" (kIoError),
// EMFILE/ENFILE "fd_limit" (kLimitExceeded), EIO and anything else
// "io_error" (kIoError).
const char* ReasonForErrno(int err);
StatusCode StatusCodeForErrno(int err);

// openat(dirfd, name, flags | O_NOATIME), retried without O_NOATIME on EPERM
// (it needs the file's owner or CAP_FOWNER) and on EINTR. Used for every
// open of a scanned file or directory so that scanning never moves atime
// where the kernel lets us avoid it. Returns the fd, or -1 with errno set.
int OpenAtNoAtime(int dirfd, const char* name, int flags);

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_SOURCE_H_
