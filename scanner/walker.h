// Walker: parallel, directory-fd-relative enumeration of the scan roots.
//
// Directories are opened with openat(parent_fd, name, O_DIRECTORY|O_NOFOLLOW)
// and entries examined with fstatat(AT_SYMLINK_NOFOLLOW), so a directory
// renamed or replaced by a symlink during the walk is never followed out of
// the tree, and path length is unlimited. Symlinks are never followed (they
// are not assets). A directory whose (dev, ino) is already on its own
// ancestor chain is reported as a kLoop gap. Unreadable directories are
// reported as kUnreadable gaps; FIFOs, sockets and devices as kSpecial; paths
// in `skip` (by dev/ino, e.g. the catalog and its WAL) are silently skipped.
//
// Threads: Run() starts `threads` walker threads that share a stack of
// directories (depth-first, which bounds open descriptors) and calls `emit`
// from those threads, concurrently. `emit` may block (backpressure). Run()
// returns when every root is exhausted or `cancel` becomes true.
//
// Roots: a root is named by the caller, so a symlink given as a root is
// followed (like find -H); nothing below a root is. A root that vanished
// between CheckRoots() and Run() becomes a gap (kVanished), one that is a
// FIFO/device a kSpecial gap. The same directory given twice is walked once.
//
// Other gaps: a directory replaced by a non-directory between listing and
// opening is kChangedDuringScan "changed_during_walk"; an entry whose
// fstatat() fails (other than ENOENT) is a kFile kUnreadable gap. Entries that
// vanish before they are examined are not reported.
//
// Run() raises the process's RLIMIT_NOFILE soft limit to the hard limit (once
// per process): each queued file pins its parent directory's descriptor.
#ifndef PHISCAN_SCANNER_WALKER_H_
#define PHISCAN_SCANNER_WALKER_H_

#include <sys/stat.h>  // struct stat in IdentityFromStat; must precede the namespace
#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/model.h"
#include "common/status.h"
#include "scanner/path_filter.h"

namespace phiscan::scanner {

// An open directory, shared by the entries found in it. Closes its fd when
// the last entry referring to it is done.
class DirHandle {
 public:
  DirHandle(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~DirHandle();
  DirHandle(const DirHandle&) = delete;
  DirHandle& operator=(const DirHandle&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  // Set by the walker for what it emits: others may search every directory
  // above (AssetRecord::others_can_reach), and so may the file's owning
  // group (AssetRecord::group_can_reach). The directories are those of the
  // real path: for a root or a followed link, its target's.
  bool others_can_reach = true;
  bool group_can_reach = true;
};

FileIdentity IdentityFromStat(const struct stat& st);

// The kernel pseudo file system `path` lies on, symlinks followed
// ("procfs", "sysfs", ...), or nullptr for stored data. Such files are
// never read: a read can block for ever (/proc/kmsg) or consume what
// another reader expects.
const char* PseudoFileSystemOf(const std::string& path);

// One thing the walker found.
struct WalkItem {
  enum class Kind { kFile, kGap };
  Kind kind = Kind::kFile;
  std::shared_ptr<DirHandle> dir;  // parent directory (kFile); null for a root file
  std::string name;                // entry name within `dir` (kFile)
  std::string path;                // full path as raw bytes (root joined with names)
  FileIdentity identity;           // from fstatat at walk time
  // kGap only: what kind of thing could not be covered and why.
  AssetKind gap_kind = AssetKind::kDirectory;
  AssetStatus gap_status = AssetStatus::kUnreadable;
  std::string gap_reason;          // stable reason id
  std::string gap_detail;          // e.g. strerror text
};

struct WalkOptions {
  int threads = 2;
  // (dev, ino) pairs never to emit (the catalog, its WAL/SHM, the key file).
  std::vector<std::pair<uint64_t, uint64_t>> skip;
  // --include / --exclude rules, matched against root-relative paths; excluded
  // directories are not entered. Not owned; may be null. Excluded entries are
  // counted in WalkStats::excluded and emit nothing.
  const PathFilter* filter = nullptr;
  // Do not enter directories on another filesystem than their root's
  // (counted in WalkStats::excluded).
  bool one_file_system = false;
  // Follow symbolic links below the roots. Loops stay impossible: a directory
  // already on the current path is a kLoop gap, and a directory reached twice
  // through different links is walked once.
  bool follow_symlinks = false;
};

// What the walk of one root found. A root given twice (or the same
// directory under two names) is walked once, under its first name: the
// other's counts stay 0.
struct RootWalkStats {
  uint64_t files = 0;     // kFile items emitted under it (the root itself, if a file)
  uint64_t filtered = 0;  // entries below it that WalkOptions::filter left out
};

struct WalkStats {
  uint64_t directories = 0;  // directories opened and listed (roots included)
  uint64_t files = 0;        // kFile items emitted
  uint64_t gaps = 0;         // kGap items emitted
  uint64_t excluded = 0;     // entries left out by the filter or --one-file-system
  std::vector<RootWalkStats> roots;  // per root given to Run(), in order
};

class Walker {
 public:
  using Emit = std::function<void(WalkItem&&)>;

  explicit Walker(WalkOptions options) : options_(std::move(options)) {}

  // Checks every root exists and is a directory or regular file, before any
  // walking. Errors: kNotFound / kInvalidArgument naming the root (escaped);
  // a root that stat() refuses for another reason (EACCES on a parent, ...)
  // gives StatusCodeForErrno's code, "root not accessible: ...".
  Status CheckRoots(const std::vector<std::string>& roots) const;

  // Walks all roots. A root that is a regular file is emitted as one item with
  // dir == null, path == the root as given, and name == the path to open
  // (the root, or its resolved target if the root is a symlink).
  // If `emit` throws, the walk stops and Run() rethrows the first exception
  // once all walker threads have finished.
  WalkStats Run(const std::vector<std::string>& roots, const Emit& emit,
                const std::atomic<bool>& cancel);

 private:
  WalkOptions options_;
};

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_WALKER_H_
