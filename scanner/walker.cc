#include "scanner/walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>

#include "common/escape.h"
#include "scanner/source.h"

namespace phiscan::scanner {
namespace {

constexpr int kDirOpenFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

// Subdirectories found in one directory are handed to the shared stack in
// batches of this size, so idle threads can start on a huge directory's
// children before it has been read to the end (readdir on a network share
// can take seconds), without taking the lock per entry.
constexpr size_t kPushBatch = 16;

// Idle threads re-check the caller's cancel flag at this interval; the flag
// is a plain atomic, so nothing wakes them when it flips.
constexpr std::chrono::milliseconds kCancelPoll{20};

// One link of a directory's ancestor chain. Immutable and shared: every
// child of a directory points at the same chain, so pushing a subdirectory
// costs one allocation regardless of depth.
struct AncestorLink {
  uint64_t dev;
  uint64_t ino;
  std::shared_ptr<const AncestorLink> up;
};

bool OnChain(const AncestorLink* link, uint64_t dev, uint64_t ino) {
  for (; link != nullptr; link = link->up.get()) {
    if (link->dev == dev && link->ino == ino) return true;
  }
  return false;
}

// Who may search every directory on the way to a file, folded over the
// directories from "/" down: others, if each grants o+x; the file's owning
// group, if each grants it search. A directory's group bits are what its
// own group gets, even when the others bits grant more: a 0701 directory
// lets everyone through but its group (POSIX checks the first class that
// applies). So once a directory denies others, at most one group, its own,
// still gets through, and only while every later such directory is that
// group's too; while others get through, the groups of directories that
// grant others search but not their group are kept out (`denied`, nearly
// always empty).
struct SearchReach {
  bool others = true;
  bool one_group = false;  // !others: the directories denying others all let `gid` through
  uint32_t gid = 0;
  std::vector<uint32_t> denied;  // others: groups some directory keeps out

  static SearchReach Nobody() { return {false, false, 0, {}}; }

  SearchReach Through(const struct stat& dir) const {
    const auto dir_gid = static_cast<uint32_t>(dir.st_gid);
    const bool group_may = (dir.st_mode & S_IXGRP) != 0;
    if ((dir.st_mode & S_IXOTH) != 0) {
      if (group_may) return *this;
      SearchReach next = *this;
      if (others) {
        if (std::find(denied.begin(), denied.end(), dir_gid) == denied.end()) {
          next.denied.push_back(dir_gid);
        }
      } else if (one_group && gid == dir_gid) {
        next.one_group = false;
      }
      return next;
    }
    if (!group_may) return Nobody();
    if (others) {
      if (std::find(denied.begin(), denied.end(), dir_gid) != denied.end()) return Nobody();
      return {false, true, dir_gid, {}};
    }
    if (one_group && gid == dir_gid) return *this;
    return Nobody();
  }
  bool Group(uint32_t file_gid) const {
    if (others) return std::find(denied.begin(), denied.end(), file_gid) == denied.end();
    return one_group && gid == file_gid;
  }
  void Mark(FileIdentity& id) const {
    id.others_can_reach = others;
    id.group_can_reach = Group(id.gid);
  }
};

// A directory waiting to be read.
struct PendingDir {
  std::shared_ptr<DirHandle> parent;  // null for a root; `name` is then the path
  std::string name;
  std::string path;
  FileIdentity identity;                          // from fstatat at discovery (stat for a root)
  std::shared_ptr<const AncestorLink> ancestors;  // the parent's chain; excludes this dir
  size_t root_len = 0;     // bytes of `path` that name the root, with its '/'
  size_t root = 0;         // the root's index among Run()'s roots
  uint64_t root_dev = 0;   // the root's device, for --one-file-system
  bool via_symlink = false;  // reached through a followed symlink: open without O_NOFOLLOW
  SearchReach reach = {};  // who may search every directory above this one
};

// Who may search every directory above `path`, from "/" down to its parent:
// if one of them denies others search, nothing below it is reachable by
// others whatever its own mode says. The directories are those of the real
// path, symbolic links resolved: whoever opens the file goes through them
// whatever name is used, and not through a link's own directory (a root
// named by a link in a 0700 directory may still be read by everyone). A
// directory that cannot be examined counts as searchable (the mode bits
// alone then decide, as before).
SearchReach SearchAbove(const std::string& path) {
  SearchReach reach;
  std::string abs;
  if (char* resolved = realpath(path.c_str(), nullptr)) {
    abs = resolved;
    std::free(resolved);
  } else {
    std::error_code ec;
    abs = std::filesystem::absolute(path, ec).lexically_normal().string();
    if (ec) return reach;
  }
  struct stat st;
  if (stat("/", &st) == 0) reach = reach.Through(st);
  for (size_t slash = abs.find('/', 1); slash != std::string::npos && slash + 1 < abs.size();
       slash = abs.find('/', slash + 1)) {
    if (stat(abs.substr(0, slash).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      reach = reach.Through(st);
    }
  }
  return reach;
}

// Length of the prefix of every path below `root` that names the root.
size_t RootPrefixLength(const std::string& root) {
  return root.empty() || root.back() == '/' ? root.size() : root.size() + 1;
}

std::string_view Relative(const std::string& path, size_t root_len) {
  return root_len <= path.size() ? std::string_view(path).substr(root_len) : std::string_view();
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

std::string JoinPath(const std::string& dir, std::string_view name) {
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out.append(dir);
  if (out.empty() || out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

// realpath() of `name` relative to the directory `dirfd`, via /proc so that
// the directory's path need not be resolved again. Caller frees.
char* RealPathAt(int dirfd, const char* name) {
  std::string proc = "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
  return realpath(proc.c_str(), nullptr);
}

const char* SpecialReason(mode_t mode) {
  if (S_ISFIFO(mode)) return "fifo";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "device";
  return "special";
}

// The kernel's pseudo file systems hold live kernel state, not stored data.
// Reading them can block for ever (/proc/kmsg waits for the next kernel
// message, and blocks SIGTERM's clean exit with it) or consume what another
// reader expects (the same file); their names and sizes change by the
// second. Named by statfs's f_type; anything else is nullptr.
const char* PseudoFileSystem(const struct statfs& fs) {
  switch (static_cast<unsigned long>(fs.f_type)) {  // NOLINT(runtime/int): f_type's width varies
    case PROC_SUPER_MAGIC: return "procfs";
    case SYSFS_MAGIC: return "sysfs";
    case DEBUGFS_MAGIC: return "debugfs";
    case TRACEFS_MAGIC: return "tracefs";
    case SECURITYFS_MAGIC: return "securityfs";
    case SELINUX_MAGIC: return "selinuxfs";
    case SMACK_MAGIC: return "smackfs";
    case CGROUP_SUPER_MAGIC: return "cgroup";
    case CGROUP2_SUPER_MAGIC: return "cgroup2";
    case BPF_FS_MAGIC: return "bpf";
    case PSTOREFS_MAGIC: return "pstore";
    case EFIVARFS_MAGIC: return "efivarfs";
    case BINFMTFS_MAGIC: return "binfmt_misc";
    case DEVPTS_SUPER_MAGIC: return "devpts";
    case NSFS_MAGIC: return "nsfs";
    default: return nullptr;
  }
}

// PseudoFileSystem of `name` in `dirfd`, symlinks followed (the walk only
// gets here for one it follows, or a file bind-mounted in place).
const char* PseudoFileSystemAt(int dirfd, const char* name) {
  const int fd = openat(dirfd, name, O_PATH | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct statfs fs;
  const char* pseudo = fstatfs(fd, &fs) == 0 ? PseudoFileSystem(fs) : nullptr;
  close(fd);
  return pseudo;
}

// Every queued file pins its parent directory's descriptor, and a deep or
// wide walk can hold thousands; the default soft limit (often 1024) is far
// below what the kernel allows this process. Raised once per process.
void RaiseOpenFileLimit() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
    rl.rlim_cur = rl.rlim_max;
    // May fail when the hard limit is RLIM_INFINITY (above fs.nr_open); the
    // walk still works, it just reports fd_limit gaps sooner.
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  });
}

// State of one Run(): the shared directory stack and the counters.
// Thread-safe: workers share it; `mu_` guards the stack, `busy_` and
// `error_`; the counters and `failed_` are atomics.
class WalkRun {
 public:
  WalkRun(const WalkOptions& options, const Walker::Emit& emit, const std::atomic<bool>& cancel,
          size_t roots)
      : options_(options), emit_(emit), cancel_(cancel), per_root_(roots) {}

  // Called before the workers start; no locking needed then. Root files are
  // emitted from the calling thread. `index`: the root's among Run()'s.
  void AddRoot(const std::string& root, size_t index);

  void Worker();

  // Rethrows the first exception a worker caught (from `emit`), if any.
  void RethrowIfFailed() {
    if (error_) std::rethrow_exception(error_);
  }

  WalkStats stats() const {
    WalkStats stats{directories_.load(), files_.load(), gaps_.load(), excluded_.load(), {}};
    for (const RootCounters& r : per_root_) {
      stats.roots.push_back({r.files.load(), r.filtered.load()});
    }
    return stats;
  }

 private:
  bool Cancelled() const {
    return cancel_.load(std::memory_order_relaxed) || failed_.load(std::memory_order_relaxed);
  }
  bool Skipped(uint64_t dev, uint64_t ino) const {
    return std::any_of(options_.skip.begin(), options_.skip.end(),
                       [&](const auto& s) { return s.first == dev && s.second == ino; });
  }

  void ReadDir(PendingDir& dir, std::vector<PendingDir>& children);
  void PushChildren(std::vector<PendingDir>& children);

  void EmitFile(std::shared_ptr<DirHandle> dir, std::string name, std::string path,
                const FileIdentity& identity) {
    WalkItem item;
    item.kind = WalkItem::Kind::kFile;
    item.dir = std::move(dir);
    item.name = std::move(name);
    item.path = std::move(path);
    item.identity = identity;
    files_.fetch_add(1, std::memory_order_relaxed);
    emit_(std::move(item));
  }

  // A file or directory of a kernel pseudo file system: never read.
  void EmitPseudo(std::string name, std::string path, const FileIdentity& identity, bool dir,
                  const char* fs) {
    EmitGap(std::move(name), std::move(path), identity,
            dir ? AssetKind::kDirectory : AssetKind::kSpecialFile, AssetStatus::kSpecial,
            "pseudo_fs", std::string(fs) + ": kernel state, not stored data; never read");
  }

  void EmitGap(std::string name, std::string path, const FileIdentity& identity, AssetKind kind,
               AssetStatus status, const char* reason, std::string detail) {
    WalkItem item;
    item.kind = WalkItem::Kind::kGap;
    item.name = std::move(name);
    item.path = std::move(path);
    item.identity = identity;
    item.gap_kind = kind;
    item.gap_status = status;
    item.gap_reason = reason;
    item.gap_detail = std::move(detail);
    gaps_.fetch_add(1, std::memory_order_relaxed);
    emit_(std::move(item));
  }

  void EmitErrnoGap(const std::string& name, const std::string& path, const FileIdentity& identity,
                    AssetKind kind, int err) {
    EmitGap(name, path, identity, kind, AssetStatus::kUnreadable, ReasonForErrno(err),
            std::strerror(err));
  }

  const WalkOptions& options_;
  const Walker::Emit& emit_;
  const std::atomic<bool>& cancel_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PendingDir> stack_;    // GUARDED_BY(mu_); LIFO keeps the walk depth-first
  int busy_ = 0;                     // GUARDED_BY(mu_); workers inside ReadDir
  std::exception_ptr error_;         // GUARDED_BY(mu_); the first exception from `emit`
  std::atomic<bool> failed_{false};  // error_ is set: every worker stops like on cancel

  std::atomic<uint64_t> directories_{0};
  std::atomic<uint64_t> files_{0};
  std::atomic<uint64_t> gaps_{0};
  std::atomic<uint64_t> excluded_{0};
  // RootWalkStats of each root, by PendingDir::root; sized once.
  struct RootCounters {
    std::atomic<uint64_t> files{0};
    std::atomic<uint64_t> filtered{0};
  };
  std::vector<RootCounters> per_root_;

  // With --follow-symlinks, directories already walked (a directory linked
  // from two places is walked once).
  std::mutex visited_mu_;
  std::set<std::pair<uint64_t, uint64_t>> visited_;  // GUARDED_BY(visited_mu_)
  bool FirstVisit(const FileIdentity& id) {
    std::lock_guard<std::mutex> lock(visited_mu_);
    return visited_.emplace(id.dev, id.ino).second;
  }
};

void WalkRun::AddRoot(const std::string& root, size_t index) {
  struct stat st;
  if (stat(root.c_str(), &st) != 0) {
    // Checked by CheckRoots, so this root vanished since.
    const int err = errno;
    if (err == ENOENT) {
      EmitGap(root, root, FileIdentity{}, AssetKind::kDirectory, AssetStatus::kVanished,
              "not_found", std::strerror(err));
    } else {
      EmitErrnoGap(root, root, FileIdentity{}, AssetKind::kDirectory, err);
    }
    return;
  }
  const FileIdentity identity = IdentityFromStat(st);
  if (Skipped(identity.dev, identity.ino)) return;
  if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
    if (const char* pseudo = PseudoFileSystemOf(root)) {
      EmitPseudo(root, root, identity, S_ISDIR(st.st_mode), pseudo);
      return;
    }
  }
  if (S_ISREG(st.st_mode)) {
    // The reader opens with O_NOFOLLOW, so give it the link's target when the
    // root itself is a symlink; `path` stays as the user wrote it.
    std::string name = root;
    struct stat lst;
    if (lstat(root.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
      if (char* resolved = realpath(root.c_str(), nullptr)) {
        name = resolved;
        std::free(resolved);
      }
    }
    FileIdentity file = identity;
    SearchAbove(root).Mark(file);
    per_root_[index].files.fetch_add(1, std::memory_order_relaxed);
    EmitFile(nullptr, std::move(name), root, file);
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    EmitGap(root, root, identity, AssetKind::kSpecialFile, AssetStatus::kSpecial,
            SpecialReason(st.st_mode), "");
    return;
  }
  // The same directory named twice (or via two spellings) is walked once.
  for (const PendingDir& d : stack_) {
    if (d.identity.dev == identity.dev && d.identity.ino == identity.ino) return;
  }
  PendingDir pending{nullptr, root, root, identity, nullptr};
  pending.root_len = RootPrefixLength(root);
  pending.root = index;
  pending.root_dev = identity.dev;
  pending.reach = SearchAbove(root);
  if (options_.follow_symlinks) FirstVisit(identity);
  stack_.push_back(std::move(pending));
}

void WalkRun::Worker() {
  std::vector<PendingDir> children;  // reused across directories
  for (;;) {
    PendingDir dir;
    {
      std::unique_lock<std::mutex> lock(mu_);
      for (;;) {
        if (Cancelled()) {
          cv_.notify_all();
          return;
        }
        if (!stack_.empty()) break;
        if (busy_ == 0) {  // nothing queued and nobody can queue more
          cv_.notify_all();
          return;
        }
        cv_.wait_for(lock, kCancelPoll);
      }
      dir = std::move(stack_.back());
      stack_.pop_back();
      ++busy_;
    }
    try {
      ReadDir(dir, children);
      PushChildren(children);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true);
    }
    children.clear();
    std::lock_guard<std::mutex> lock(mu_);
    --busy_;
    if (busy_ == 0 && stack_.empty()) cv_.notify_all();
  }
}

void WalkRun::PushChildren(std::vector<PendingDir>& children) {
  if (children.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Reversed so that the first-listed subdirectory is popped first.
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      stack_.push_back(std::move(*it));
    }
  }
  children.clear();
  cv_.notify_all();
}

void WalkRun::ReadDir(PendingDir& dir, std::vector<PendingDir>& children) {
  const bool is_root = dir.parent == nullptr;
  // A root may be a symlink the user named on purpose; below the root no
  // symlink is ever followed, so a directory swapped for a link after our
  // fstatat cannot lead the walk out of the tree.
  const bool follow = is_root || dir.via_symlink;
  const int fd = OpenAtNoAtime(is_root ? AT_FDCWD : dir.parent->fd(), dir.name.c_str(),
                               follow ? kDirOpenFlags : kDirOpenFlags | O_NOFOLLOW);
  if (fd < 0) {
    const int err = errno;
    if (!is_root && (err == ENOENT || err == ELOOP)) {
      return;  // removed, or replaced by a symlink (never followed) since listed
    }
    if (err == ENOTDIR) {
      EmitGap(dir.name, dir.path, dir.identity, AssetKind::kDirectory,
              AssetStatus::kChangedDuringScan, "changed_during_walk",
              "replaced by a non-directory since it was listed");
      return;
    }
    EmitErrnoGap(dir.name, dir.path, dir.identity, AssetKind::kDirectory, err);
    return;
  }
  auto handle = std::make_shared<DirHandle>(fd, dir.path);  // owns fd from here on
  dir.parent.reset();  // the parent's fd is no longer needed by this directory

  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    EmitErrnoGap(dir.name, dir.path, dir.identity, AssetKind::kDirectory, err);
    return;
  }
  const FileIdentity opened = IdentityFromStat(st);
  // A mount point below the root: once per file system crossed, not per
  // directory (roots were checked by AddRoot).
  struct statfs fs;
  if (dir.ancestors != nullptr && opened.dev != dir.ancestors->dev && fstatfs(fd, &fs) == 0) {
    if (const char* pseudo = PseudoFileSystem(fs)) {
      EmitPseudo(dir.name, dir.path, opened, true, pseudo);
      return;
    }
  }
  if (opened.dev != dir.identity.dev || opened.ino != dir.identity.ino) {
    // Replaced by another directory between listing and opening. Walk what is
    // there now (it is inside the tree: openat on the parent fd, no symlinks),
    // but the loop check must use its real identity.
    if (OnChain(dir.ancestors.get(), opened.dev, opened.ino)) {
      EmitGap(dir.name, dir.path, opened, AssetKind::kDirectory, AssetStatus::kLoop, "loop",
              "directory is its own ancestor");
      return;
    }
    dir.identity = opened;
  }
  // Who may reach what this directory lists: who may search it and
  // everything above it.
  const SearchReach reach = dir.reach.Through(st);
  auto chain = std::make_shared<const AncestorLink>(
      AncestorLink{opened.dev, opened.ino, std::move(dir.ancestors)});

  // Read through a dup so closedir() frees the DIR buffer now while `fd`
  // stays open in the handle for the readers' openat() later.
  const int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  std::unique_ptr<DIR, DirCloser> d(dup_fd >= 0 ? fdopendir(dup_fd) : nullptr);
  if (d == nullptr) {
    const int err = errno;
    if (dup_fd >= 0) close(dup_fd);
    EmitErrnoGap(dir.name, dir.path, dir.identity, AssetKind::kDirectory, err);
    return;
  }
  directories_.fetch_add(1, std::memory_order_relaxed);

  int read_error = 0;
  for (;;) {
    if (Cancelled()) break;
    errno = 0;
    const struct dirent* ent = readdir(d.get());
    if (ent == nullptr) {
      read_error = errno;
      break;
    }
    const std::string_view name(ent->d_name);
    if (name == "." || name == "..") continue;
    // Symlinks are not assets and are not followed unless asked; skipping
    // them by d_type saves the fstatat.
    if (ent->d_type == DT_LNK && !options_.follow_symlinks) continue;

    struct stat est;
    if (fstatat(fd, ent->d_name, &est, AT_SYMLINK_NOFOLLOW) != 0) {
      const int err = errno;
      if (err == ENOENT) continue;  // vanished between readdir and fstatat
      EmitErrnoGap(std::string(name), JoinPath(dir.path, name), FileIdentity{}, AssetKind::kFile,
                   err);
      continue;
    }
    bool via_symlink = false;
    if (S_ISLNK(est.st_mode)) {
      if (!options_.follow_symlinks) continue;
      if (fstatat(fd, ent->d_name, &est, 0) != 0) {
        // A link to nothing has nothing to scan; one whose target cannot be
        // reached (permissions, a chain of links too long) is a gap.
        const int err = errno;
        if (err == ELOOP) {  // links that lead back to themselves
          EmitGap(std::string(name), JoinPath(dir.path, name), FileIdentity{}, AssetKind::kFile,
                  AssetStatus::kLoop, "loop", "symbolic links that lead back to themselves");
        } else if (err != ENOENT && err != ENOTDIR) {
          EmitErrnoGap(std::string(name), JoinPath(dir.path, name), FileIdentity{},
                       AssetKind::kFile, err);
        }
        continue;
      }
      via_symlink = true;
    }
    FileIdentity id = IdentityFromStat(est);
    // A followed link's target is reached through the directories above
    // it, not through the link's.
    std::string target;  // the link's target, if followed and resolved
    SearchReach target_reach;
    if (char* resolved = via_symlink ? RealPathAt(fd, ent->d_name) : nullptr) {
      target = resolved;
      std::free(resolved);
      target_reach = SearchAbove(target);
    }
    const SearchReach& entry_reach = target.empty() ? reach : target_reach;
    entry_reach.Mark(id);
    std::string path = JoinPath(dir.path, name);
    if (S_ISREG(est.st_mode)) {
      if (Skipped(id.dev, id.ino)) continue;
      if (id.dev != opened.dev) {
        if (const char* pseudo = PseudoFileSystemAt(fd, ent->d_name)) {
          EmitPseudo(std::string(name), std::move(path), id, false, pseudo);
          continue;
        }
      }
      if (options_.filter != nullptr &&
          options_.filter->ExcludesFile(Relative(path, dir.root_len))) {
        excluded_.fetch_add(1, std::memory_order_relaxed);
        per_root_[dir.root].filtered.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      std::string open_name(name);
      std::shared_ptr<DirHandle> open_dir = handle;
      if (via_symlink) {
        // The reader opens with O_NOFOLLOW: hand it the link's target.
        if (target.empty()) continue;
        open_name = target;
        open_dir = nullptr;
      }
      per_root_[dir.root].files.fetch_add(1, std::memory_order_relaxed);
      EmitFile(std::move(open_dir), std::move(open_name), std::move(path), id);
    } else if (S_ISDIR(est.st_mode)) {
      if (Skipped(id.dev, id.ino)) continue;
      if (options_.one_file_system && id.dev != dir.root_dev) {
        excluded_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (options_.filter != nullptr &&
          options_.filter->ExcludesDirectory(Relative(path, dir.root_len))) {
        excluded_.fetch_add(1, std::memory_order_relaxed);
        per_root_[dir.root].filtered.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      // Bind mounts (and hard-linked directories on some filesystems) make
      // loops without any symlink; followed symlinks make them easily.
      if (OnChain(chain.get(), id.dev, id.ino)) {
        EmitGap(std::string(name), std::move(path), id, AssetKind::kDirectory, AssetStatus::kLoop,
                "loop", "directory is its own ancestor");
        continue;
      }
      if (options_.follow_symlinks && !FirstVisit(id)) continue;  // walked via another link
      PendingDir child{handle, std::string(name), std::move(path), id, chain};
      child.root_len = dir.root_len;
      child.root = dir.root;
      child.root_dev = dir.root_dev;
      child.via_symlink = via_symlink;
      child.reach = entry_reach;
      children.push_back(std::move(child));
      if (children.size() >= kPushBatch) PushChildren(children);
    } else {
      if (options_.filter != nullptr &&
          options_.filter->ExcludesFile(Relative(path, dir.root_len))) {
        excluded_.fetch_add(1, std::memory_order_relaxed);
        per_root_[dir.root].filtered.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      EmitGap(std::string(name), std::move(path), id, AssetKind::kSpecialFile,
              AssetStatus::kSpecial, SpecialReason(est.st_mode), "");
    }
  }
  d.reset();
  if (read_error != 0) {
    // Entries already emitted stay; the rest of this directory is a gap.
    EmitGap(dir.name, dir.path, dir.identity, AssetKind::kDirectory, AssetStatus::kUnreadable,
            "io_error", std::string("readdir: ") + std::strerror(read_error));
  }
}

}  // namespace

DirHandle::~DirHandle() {
  if (fd_ >= 0) close(fd_);
}

const char* PseudoFileSystemOf(const std::string& path) {
  struct statfs fs;
  return statfs(path.c_str(), &fs) == 0 ? PseudoFileSystem(fs) : nullptr;
}

FileIdentity IdentityFromStat(const struct stat& st) {
  FileIdentity id;
  id.dev = static_cast<uint64_t>(st.st_dev);
  id.ino = static_cast<uint64_t>(st.st_ino);
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  id.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  id.mode = st.st_mode;
  id.uid = st.st_uid;
  id.gid = st.st_gid;
  return id;
}

Status Walker::CheckRoots(const std::vector<std::string>& roots) const {
  for (const std::string& root : roots) {
    struct stat st;
    if (root.empty() || stat(root.c_str(), &st) != 0) {
      const int err = root.empty() ? ENOENT : errno;
      if (err == ENOENT || err == ENOTDIR) {
        return Status::NotFound("root not found: " + EscapeBytes(root));
      }
      return Status(StatusCodeForErrno(err),
                    "root not accessible: " + EscapeBytes(root) + ": " + std::strerror(err));
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
      return Status::InvalidArgument("root is not a file or directory: " + EscapeBytes(root));
    }
  }
  return Status::Ok();
}

WalkStats Walker::Run(const std::vector<std::string>& roots, const Emit& emit,
                      const std::atomic<bool>& cancel) {
  RaiseOpenFileLimit();
  WalkRun run(options_, emit, cancel, roots.size());
  for (size_t i = 0; i < roots.size(); ++i) {
    if (cancel.load()) return run.stats();
    run.AddRoot(roots[i], i);
  }
  const int n = std::max(1, options_.threads);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i) threads.emplace_back([&run] { run.Worker(); });
  for (std::thread& t : threads) t.join();
  run.RethrowIfFailed();
  return run.stats();
}

}  // namespace phiscan::scanner
