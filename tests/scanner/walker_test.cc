#include "scanner/walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <future>
#include <mutex>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scanner/source.h"
#include "tests/testutil/testutil.h"

namespace phiscan::scanner {
namespace {

using phiscan::testing::DropFileCapabilities;
using phiscan::testing::TempDir;
using phiscan::testing::WriteFile;

// Thread-safe sink for the walker's items.
class Collector {
 public:
  Walker::Emit AsEmit() {
    return [this](WalkItem&& item) {
      std::lock_guard<std::mutex> lock(mu_);
      items_.push_back(std::move(item));
    };
  }
  const std::vector<WalkItem>& items() const { return items_; }

  std::vector<std::string> FilePaths() const {
    std::vector<std::string> out;
    for (const WalkItem& it : items_) {
      if (it.kind == WalkItem::Kind::kFile) out.push_back(it.path);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<const WalkItem*> Gaps() const {
    std::vector<const WalkItem*> out;
    for (const WalkItem& it : items_) {
      if (it.kind == WalkItem::Kind::kGap) out.push_back(&it);
    }
    return out;
  }
  const WalkItem* FindFile(const std::string& path) const {
    for (const WalkItem& it : items_) {
      if (it.kind == WalkItem::Kind::kFile && it.path == path) return &it;
    }
    return nullptr;
  }

 private:
  std::mutex mu_;
  std::vector<WalkItem> items_;
};

WalkStats Walk(const std::vector<std::string>& roots, int threads, Collector& out,
               std::vector<std::pair<uint64_t, uint64_t>> skip = {}) {
  WalkOptions options;
  options.threads = threads;
  options.skip = std::move(skip);
  Walker walker(options);
  std::atomic<bool> cancel{false};
  return walker.Run(roots, out.AsEmit(), cancel);
}

// Reads a walked file back through the handle the walker gave, as the
// pipeline does.
std::string ReadThroughHandle(const WalkItem& item) {
  const int dirfd = item.dir ? item.dir->fd() : AT_FDCWD;
  auto file = ReadOnlyFile::Open(dirfd, item.name, &item.identity);
  if (!file.ok()) return "<open failed: " + file.status().message() + ">";
  std::string content(file->identity().size, '\0');
  auto n = file->ReadAt(0, std::span<char>(content.data(), content.size()));
  if (!n.ok()) return "<read failed>";
  content.resize(*n);
  return content;
}

struct stat Lstat(const std::string& path) {
  struct stat st;
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st;
}

TEST_CASE("Walker emits every regular file once with its full path") {
  const int threads = GENERATE(1, 4);
  TempDir tmp;
  const std::string root = tmp.Join("root");
  std::vector<std::string> expected;
  auto add = [&](const std::string& rel) {
    WriteFile(root + "/" + rel, "content of " + rel);
    expected.push_back(root + "/" + rel);
  };
  add("top.txt");
  add("a/one.txt");
  add("a/b/two.txt");
  add("a/b/c/three.txt");
  // Enough directories that several threads really share the stack.
  for (int d = 0; d < 40; ++d) {
    for (int f = 0; f < 5; ++f) {
      add("wide/d" + std::to_string(d) + "/f" + std::to_string(f) + ".csv");
    }
  }
  REQUIRE(mkdir((root + "/empty").c_str(), 0755) == 0);
  std::sort(expected.begin(), expected.end());

  Collector out;
  const WalkStats stats = Walk({root}, threads, out);

  CHECK(out.FilePaths() == expected);  // sorted: a duplicate would show here
  CHECK(out.Gaps().empty());
  CHECK(stats.files == expected.size());
  CHECK(stats.gaps == 0);
  // root, empty, a, a/b, a/b/c, wide, wide/d0..d39
  CHECK(stats.directories == 46);

  // Every item's (dir, name) opens the very file at `path`.
  for (const WalkItem& item : out.items()) {
    REQUIRE(item.dir != nullptr);
    const std::string rel = item.path.substr(root.size() + 1);
    CHECK(ReadThroughHandle(item) == "content of " + rel);
    CHECK(item.dir->path() + "/" + item.name == item.path);
  }
}

TEST_CASE("Walker keeps a root's spelling and never doubles a trailing slash") {
  TempDir tmp;
  WriteFile(tmp.Join("tree/x.txt"), "x");
  WriteFile(tmp.Join("tree/sub/y.txt"), "y");

  Collector slash;
  Walk({tmp.Join("tree/")}, 2, slash);
  CHECK(slash.FilePaths() ==
        std::vector<std::string>{tmp.Join("tree/sub/y.txt"), tmp.Join("tree/x.txt")});

  // A relative root stays relative in every emitted path.
  const int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(cwd >= 0);
  REQUIRE(chdir(tmp.path().c_str()) == 0);
  Collector relative;
  Walk({"tree"}, 2, relative);
  REQUIRE(fchdir(cwd) == 0);
  close(cwd);
  CHECK(relative.FilePaths() == std::vector<std::string>{"tree/sub/y.txt", "tree/x.txt"});
}

TEST_CASE("Walker marks what others cannot reach: a directory on the way they cannot search") {
  TempDir tmp;
  chmod(tmp.path().c_str(), 0755);
  WriteFile(tmp.Join("tree/open/a.txt"), "a");
  WriteFile(tmp.Join("tree/closed/b.txt"), "b");
  WriteFile(tmp.Join("tree/closed/sub/c.txt"), "c");
  WriteFile(tmp.Join("tree/group-only/d.txt"), "d");
  chmod(tmp.Join("tree").c_str(), 0755);
  chmod(tmp.Join("tree/open").c_str(), 0755);
  chmod(tmp.Join("tree/closed").c_str(), 0700);
  chmod(tmp.Join("tree/closed/sub").c_str(), 0755);  // open, but below a closed one
  chmod(tmp.Join("tree/group-only").c_str(), 0750);
  Collector out;
  Walk({tmp.Join("tree")}, 2, out);
  auto reach = [&](const std::string& rel) {
    const WalkItem* it = out.FindFile(tmp.Join("tree/" + rel));
    REQUIRE(it != nullptr);
    return it->identity.others_can_reach;
  };
  CHECK(reach("open/a.txt"));
  CHECK_FALSE(reach("closed/b.txt"));
  CHECK_FALSE(reach("closed/sub/c.txt"));
  CHECK_FALSE(reach("group-only/d.txt"));
  // A root below a closed directory: nothing under it, a file root neither.
  Collector below, file;
  Walk({tmp.Join("tree/closed/sub")}, 2, below);
  REQUIRE(below.FindFile(tmp.Join("tree/closed/sub/c.txt")) != nullptr);
  CHECK_FALSE(below.FindFile(tmp.Join("tree/closed/sub/c.txt"))->identity.others_can_reach);
  Walk({tmp.Join("tree/closed/b.txt"), tmp.Join("tree/open/a.txt")}, 2, file);
  CHECK_FALSE(file.FindFile(tmp.Join("tree/closed/b.txt"))->identity.others_can_reach);
  CHECK(file.FindFile(tmp.Join("tree/open/a.txt"))->identity.others_can_reach);
  chmod(tmp.Join("tree/closed").c_str(), 0755);  // let TempDir clean up as any user
}

TEST_CASE("Walker marks what the owning group cannot reach: a directory it may not search") {
  TempDir tmp;
  chmod(tmp.path().c_str(), 0755);
  const gid_t own = getegid();
  const gid_t other = own + 4242;  // some other group; chown to it needs root
  WriteFile(tmp.Join("tree/open/a.txt"), "a");
  WriteFile(tmp.Join("tree/private/b.txt"), "b");
  WriteFile(tmp.Join("tree/group/c.txt"), "c");
  WriteFile(tmp.Join("tree/group/inner/d.txt"), "d");
  WriteFile(tmp.Join("tree/group/inner/e.txt"), "e");
  chmod(tmp.Join("tree").c_str(), 0755);
  chmod(tmp.Join("tree/open").c_str(), 0755);
  chmod(tmp.Join("tree/private").c_str(), 0700);  // nobody but the owner
  chmod(tmp.Join("tree/group").c_str(), 0750);    // the directory's group only
  chmod(tmp.Join("tree/group/inner").c_str(), 0750);
  const bool can_chown = chown(tmp.Join("tree/group/inner/e.txt").c_str(), -1, other) == 0;
  Collector out;
  Walk({tmp.Join("tree")}, 2, out);
  auto group = [&](const std::string& rel) {
    const WalkItem* it = out.FindFile(tmp.Join("tree/" + rel));
    REQUIRE(it != nullptr);
    return it->identity.group_can_reach;
  };
  CHECK(group("open/a.txt"));
  CHECK_FALSE(group("private/b.txt"));
  CHECK(group("group/c.txt"));  // file and directories share the group
  CHECK(group("group/inner/d.txt"));
  if (can_chown) CHECK_FALSE(group("group/inner/e.txt"));  // another group: kept out
  // The same from a root below the 0700 directory, and for a file root.
  Collector below;
  WriteFile(tmp.Join("tree/private/sub/f.txt"), "f");
  chmod(tmp.Join("tree/private/sub").c_str(), 0755);
  Walk({tmp.Join("tree/private/sub"), tmp.Join("tree/group/c.txt")}, 2, below);
  REQUIRE(below.FindFile(tmp.Join("tree/private/sub/f.txt")) != nullptr);
  CHECK_FALSE(below.FindFile(tmp.Join("tree/private/sub/f.txt"))->identity.group_can_reach);
  REQUIRE(below.FindFile(tmp.Join("tree/group/c.txt")) != nullptr);
  CHECK(below.FindFile(tmp.Join("tree/group/c.txt"))->identity.group_can_reach);
  // Two directories denying others, owned by different groups: no group
  // gets through both.
  if (chown(tmp.Join("tree/group/inner").c_str(), -1, other) == 0) {
    Collector mixed;
    Walk({tmp.Join("tree")}, 2, mixed);
    CHECK_FALSE(mixed.FindFile(tmp.Join("tree/group/inner/d.txt"))->identity.group_can_reach);
    CHECK_FALSE(mixed.FindFile(tmp.Join("tree/group/inner/e.txt"))->identity.group_can_reach);
    CHECK(mixed.FindFile(tmp.Join("tree/group/c.txt"))->identity.group_can_reach);
  }
  chmod(tmp.Join("tree/private").c_str(), 0755);  // let TempDir clean up as any user
}

TEST_CASE("Walker keeps out the group of a directory that grants others search but not it") {
  // POSIX applies a directory's group bits to its group even when the others
  // bits grant more: a 0701 directory lets everyone through but its group.
  TempDir tmp;
  chmod(tmp.path().c_str(), 0755);
  WriteFile(tmp.Join("tree/skip/a.txt"), "a");
  WriteFile(tmp.Join("tree/skip/group/b.txt"), "b");
  WriteFile(tmp.Join("tree/open/c.txt"), "c");
  chmod(tmp.Join("tree").c_str(), 0755);
  chmod(tmp.Join("tree/open").c_str(), 0755);
  chmod(tmp.Join("tree/skip/group").c_str(), 0750);  // below it: the same group only
  chmod(tmp.Join("tree/skip").c_str(), 0701);        // others may search, its group may not
  Collector out;
  Walk({tmp.Join("tree")}, 2, out);
  auto find = [&](const std::string& rel) {
    const WalkItem* it = out.FindFile(tmp.Join("tree/" + rel));
    REQUIRE(it != nullptr);
    return it->identity;
  };
  CHECK(find("skip/a.txt").others_can_reach);
  CHECK_FALSE(find("skip/a.txt").group_can_reach);  // the files share the directory's group
  CHECK_FALSE(find("skip/group/b.txt").others_can_reach);
  CHECK_FALSE(find("skip/group/b.txt").group_can_reach);  // kept out above, let in below
  CHECK(find("open/c.txt").group_can_reach);
  // The same when the 0701 directory is above the root.
  Collector below;
  Walk({tmp.Join("tree/skip/group")}, 2, below);
  REQUIRE(below.FindFile(tmp.Join("tree/skip/group/b.txt")) != nullptr);
  CHECK_FALSE(below.FindFile(tmp.Join("tree/skip/group/b.txt"))->identity.group_can_reach);
  chmod(tmp.Join("tree/skip").c_str(), 0755);  // let TempDir clean up as any user
}

TEST_CASE("Walker emits a root that is a regular file as one item") {
  TempDir tmp;
  const std::string file = tmp.Join("single.txt");
  WriteFile(file, "just me");
  symlink(file.c_str(), tmp.Join("link-to-single").c_str());

  Collector out;
  const WalkStats stats = Walk({file, tmp.Join("link-to-single")}, 2, out);
  REQUIRE(out.items().size() == 2);
  CHECK(stats.files == 2);
  for (const WalkItem& item : out.items()) {
    CHECK(item.kind == WalkItem::Kind::kFile);
    CHECK(item.dir == nullptr);
    CHECK(ReadThroughHandle(item) == "just me");
  }
  CHECK(out.FindFile(file)->name == file);
  // A symlink named as a root is followed; the path stays as given.
  CHECK(out.FindFile(tmp.Join("link-to-single")) != nullptr);
}

TEST_CASE("Walker does not follow symlinks, so symlink loops end and nothing repeats") {
  const int threads = GENERATE(1, 4);
  TempDir tmp;
  const std::string root = tmp.Join("root");
  WriteFile(root + "/a/f.txt", "f");
  WriteFile(root + "/top.txt", "t");
  WriteFile(tmp.Join("outside/secret.txt"), "outside the root");
  REQUIRE(symlink("..", (root + "/a/b").c_str()) == 0);  // a/b -> .. : a loop if followed
  REQUIRE(symlink(tmp.Join("outside/secret.txt").c_str(), (root + "/to-outside").c_str()) == 0);
  REQUIRE(symlink(tmp.Join("outside").c_str(), (root + "/dir-outside").c_str()) == 0);
  REQUIRE(symlink("top.txt", (root + "/alias.txt").c_str()) == 0);
  REQUIRE(symlink("nowhere", (root + "/dangling").c_str()) == 0);

  Collector out;
  auto done = std::async(std::launch::async, [&] { return Walk({root}, threads, out); });
  REQUIRE(done.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  done.get();

  CHECK(out.FilePaths() == std::vector<std::string>{root + "/a/f.txt", root + "/top.txt"});
  CHECK(out.Gaps().empty());
}

TEST_CASE("Walker reports a directory that is its own ancestor (bind mount) as a loop") {
  TempDir tmp;
  const std::string root = tmp.Join("root");
  WriteFile(root + "/top.txt", "t");
  WriteFile(root + "/a/f.txt", "f");
  REQUIRE(mkdir((root + "/a/loop").c_str(), 0755) == 0);

  // Mounting needs a private mount namespace; do it in a child so the test
  // process and the host are untouched. Exit 77: not permitted here.
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount(root.c_str(), (root + "/a/loop").c_str(), nullptr, MS_BIND, nullptr) != 0) {
      _exit(77);
    }
    Collector out;
    Walk({root}, 2, out);
    const auto gaps = out.Gaps();
    const bool ok =
        out.FilePaths() == std::vector<std::string>{root + "/a/f.txt", root + "/top.txt"} &&
        gaps.size() == 1 && gaps[0]->path == root + "/a/loop" &&
        gaps[0]->gap_status == AssetStatus::kLoop && gaps[0]->gap_reason == "loop" &&
        gaps[0]->gap_kind == AssetKind::kDirectory;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    WARN("cannot bind-mount in a private namespace here; loop detection not exercised");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("Walker reports an unreadable directory as one gap and walks the rest") {
  TempDir tmp;
  const std::string root = tmp.Join("root");
  WriteFile(root + "/top.txt", "t");
  WriteFile(root + "/open/x.txt", "x");
  WriteFile(root + "/locked/secret.txt", "s");
  WriteFile(root + "/locked/deeper/more.txt", "m");
  REQUIRE(chmod((root + "/locked").c_str(), 0) == 0);

  DropFileCapabilities drop;  // the walker's threads start inside this scope
  if (!drop.effective()) {
    WARN("cannot drop root's file capabilities; permission test skipped");
    return;
  }
  Collector out;
  const WalkStats stats = Walk({root}, 2, out);

  CHECK(out.FilePaths() == std::vector<std::string>{root + "/open/x.txt", root + "/top.txt"});
  const auto gaps = out.Gaps();
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->path == root + "/locked");
  CHECK(gaps[0]->gap_kind == AssetKind::kDirectory);
  CHECK(gaps[0]->gap_status == AssetStatus::kUnreadable);
  CHECK(gaps[0]->gap_reason == "permission_denied");
  CHECK(gaps[0]->gap_detail == std::strerror(EACCES));
  CHECK(gaps[0]->identity.ino == Lstat(root + "/locked").st_ino);
  CHECK(stats.gaps == 1);
}

TEST_CASE("Walker emits an unreadable file; opening it reports permission denied") {
  TempDir tmp;
  const std::string root = tmp.Join("root");
  WriteFile(root + "/private.txt", "p");
  WriteFile(root + "/public.txt", "q");
  REQUIRE(chmod((root + "/private.txt").c_str(), 0) == 0);

  DropFileCapabilities drop;
  if (!drop.effective()) {
    WARN("cannot drop root's file capabilities; permission test skipped");
    return;
  }
  Collector out;
  Walk({root}, 2, out);
  CHECK(out.FilePaths() == std::vector<std::string>{root + "/private.txt", root + "/public.txt"});
  CHECK(out.Gaps().empty());

  const WalkItem* item = out.FindFile(root + "/private.txt");
  REQUIRE(item != nullptr);
  auto file = ReadOnlyFile::Open(item->dir->fd(), item->name, &item->identity);
  REQUIRE_FALSE(file.ok());
  CHECK(file.status().code() == StatusCode::kPermissionDenied);
  CHECK(ReadThroughHandle(*out.FindFile(root + "/public.txt")) == "q");
}

TEST_CASE("Walker reports FIFOs, sockets and devices as special without opening them") {
  TempDir tmp;
  const std::string root = tmp.Join("root");
  WriteFile(root + "/plain.txt", "p");
  REQUIRE(mkfifo((root + "/pipe").c_str(), 0644) == 0);

  const int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(sock >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock_path = root + "/sock";
  REQUIRE(sock_path.size() < sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, sock_path.c_str(), sock_path.size() + 1);
  REQUIRE(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  const bool have_device = mknod((root + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0;

  Collector out;
  // An open() of the FIFO without a writer would block: the walk must finish
  // anyway. If it does not, opening the FIFO read-write releases it.
  auto done = std::async(std::launch::async, [&] { return Walk({root}, 2, out); });
  if (done.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    const int unblock = open((root + "/pipe").c_str(), O_RDWR | O_CLOEXEC);
    done.wait();
    close(unblock);
    FAIL("walker blocked on a FIFO");
  }
  close(sock);

  CHECK(out.FilePaths() == std::vector<std::string>{root + "/plain.txt"});
  std::set<std::pair<std::string, std::string>> got;
  for (const WalkItem* gap : out.Gaps()) {
    CHECK(gap->gap_kind == AssetKind::kSpecialFile);
    CHECK(gap->gap_status == AssetStatus::kSpecial);
    got.insert({gap->path, gap->gap_reason});
  }
  std::set<std::pair<std::string, std::string>> want{{root + "/pipe", "fifo"},
                                                     {root + "/sock", "socket"}};
  if (have_device) want.insert({root + "/null", "device"});
  CHECK(got == want);
}

TEST_CASE("Walker never reads a kernel pseudo file system: its roots and links into it") {
  // /proc/kmsg blocks a reader until the next kernel message, for ever.
  struct statfs fs;
  if (statfs("/proc/self", &fs) != 0 || fs.f_type != PROC_SUPER_MAGIC) {
    WARN("no procfs at /proc: nothing to test");
    return;
  }
  TempDir dir;
  const std::string root = dir.Join("tree");
  WriteFile(root + "/plain.txt", "p");
  REQUIRE(symlink("/proc/self", (root + "/proc").c_str()) == 0);
  REQUIRE(symlink("/proc/self/status", (root + "/status").c_str()) == 0);
  WalkOptions options;
  options.follow_symlinks = true;
  Walker walker(options);
  Collector out;
  std::atomic<bool> cancel{false};
  auto fut = std::async(std::launch::async, [&] {
    return walker.Run({root, "/proc/self/status", "/proc/self/fd"}, out.AsEmit(), cancel);
  });
  REQUIRE(fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  fut.get();
  CHECK(out.FilePaths() == std::vector<std::string>{root + "/plain.txt"});
  std::map<std::string, AssetKind> got;
  for (const WalkItem* gap : out.Gaps()) {
    INFO(gap->path);
    CHECK(gap->gap_status == AssetStatus::kSpecial);
    CHECK(gap->gap_reason == std::string("pseudo_fs"));
    CHECK(gap->gap_detail.rfind("procfs: ", 0) == 0);
    got[gap->path] = gap->gap_kind;
  }
  CHECK(got == std::map<std::string, AssetKind>{{root + "/proc", AssetKind::kDirectory},
                                                {root + "/status", AssetKind::kSpecialFile},
                                                {"/proc/self/status", AssetKind::kSpecialFile},
                                                {"/proc/self/fd", AssetKind::kDirectory}});
}

TEST_CASE("Walker never emits a file whose (dev, ino) is on the skip list") {
  TempDir tmp;
  const std::string root = tmp.Join("root");
  WriteFile(root + "/catalog.db", "ours");
  WriteFile(root + "/sub/catalog.db-wal", "ours too");
  WriteFile(root + "/data.txt", "theirs");
  const struct stat db = Lstat(root + "/catalog.db");
  const struct stat wal = Lstat(root + "/sub/catalog.db-wal");

  Collector out;
  const WalkStats stats = Walk({root}, 2, out, {{db.st_dev, db.st_ino}, {wal.st_dev, wal.st_ino}});
  CHECK(out.FilePaths() == std::vector<std::string>{root + "/data.txt"});
  CHECK(out.Gaps().empty());
  CHECK(stats.files == 1);

  // Also when the skipped file is named as a root.
  Collector as_root;
  Walk({root + "/catalog.db"}, 1, as_root, {{db.st_dev, db.st_ino}});
  CHECK(as_root.items().empty());
}

TEST_CASE("Walker emits names with newlines and invalid UTF-8 byte for byte") {
  TempDir tmp;
  const std::string root = tmp.Join("root");
  const std::string odd_file = std::string("line1\nline2\xff\xfe\x01.txt");
  const std::string odd_dir = std::string("dir\r\x80\xc0");
  WriteFile(root + "/" + odd_dir + "/" + odd_file, "odd");

  Collector out;
  Walk({root}, 2, out);
  const std::string want = root + "/" + odd_dir + "/" + odd_file;
  REQUIRE(out.FilePaths() == std::vector<std::string>{want});
  const WalkItem& item = out.items()[0];
  CHECK(item.name == odd_file);
  CHECK(ReadThroughHandle(item) == "odd");
}

// Builds root/<name>/<name>/... `depth` levels deep with fd-relative calls
// (the full path exceeds PATH_MAX) and writes `leaf.txt` at the bottom and
// `mid.txt` halfway down.
void BuildDeepTree(const std::string& root, const std::string& name, int depth) {
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  for (int i = 0; i < depth; ++i) {
    REQUIRE(mkdirat(fd, name.c_str(), 0755) == 0);
    const int next = openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(next >= 0);
    close(fd);
    fd = next;
    if (i == depth / 2 || i == depth - 1) {
      const char* file = i == depth - 1 ? "leaf.txt" : "mid.txt";
      const int f = openat(fd, file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      REQUIRE(f >= 0);
      REQUIRE(write(f, file, std::strlen(file)) == static_cast<ssize_t>(std::strlen(file)));
      close(f);
    }
  }
  close(fd);
}

// Removes a tree too deep for path-based removal (TempDir's cleanup).
void RemoveTreeAt(int parent, const char* name) {
  const int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    unlinkat(parent, name, 0);
    return;
  }
  DIR* d = fdopendir(fd);
  std::vector<std::string> names;
  while (const dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      names.emplace_back(e->d_name);
    }
  }
  for (const std::string& n : names) RemoveTreeAt(dirfd(d), n.c_str());
  closedir(d);
  unlinkat(parent, name, AT_REMOVEDIR);
}

TEST_CASE("Walker walks a tree deeper than PATH_MAX") {
  TempDir tmp;
  const std::string name(20, 'n');
  constexpr int kDepth = 300;
  BuildDeepTree(tmp.path(), name, kDepth);

  Collector out;
  const WalkStats stats = Walk({tmp.path()}, 2, out);

  std::string leaf = tmp.path();
  std::string mid;
  for (int i = 0; i < kDepth; ++i) {
    leaf += "/" + name;
    if (i == kDepth / 2) mid = leaf + "/mid.txt";
  }
  leaf += "/leaf.txt";
  REQUIRE(leaf.size() > 4096);
  std::vector<std::string> want{mid, leaf};
  std::sort(want.begin(), want.end());
  CHECK(out.FilePaths() == want);
  CHECK(out.Gaps().empty());
  CHECK(stats.directories == kDepth + 1);
  const WalkItem* item = out.FindFile(leaf);
  REQUIRE(item != nullptr);
  CHECK(ReadThroughHandle(*item) == "leaf.txt");

  const int top = open(tmp.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  RemoveTreeAt(top, name.c_str());
  close(top);
}

TEST_CASE("Walker stops early when cancelled") {
  const int threads = GENERATE(1, 4);
  TempDir tmp;
  constexpr int kDirs = 50, kFiles = 20;
  for (int d = 0; d < kDirs; ++d) {
    for (int f = 0; f < kFiles; ++f) {
      WriteFile(tmp.Join("d" + std::to_string(d) + "/f" + std::to_string(f)), "");
    }
  }
  WalkOptions options;
  options.threads = threads;
  Walker walker(options);
  std::atomic<bool> cancel{false};
  std::atomic<int> emitted{0};
  const WalkStats stats = walker.Run(
      {tmp.path()},
      [&](WalkItem&&) {
        emitted.fetch_add(1);
        cancel.store(true);
      },
      cancel);
  // Each thread may finish the entry it was on; nothing more.
  CHECK(emitted.load() >= 1);
  CHECK(emitted.load() <= threads);
  CHECK(stats.files == static_cast<uint64_t>(emitted.load()));

  Collector none;
  const WalkStats before = walker.Run({tmp.path()}, none.AsEmit(), cancel);  // already set
  CHECK(none.items().empty());
  CHECK(before.directories == 0);
}

TEST_CASE("Walker stops and rethrows when emit throws") {
  TempDir tmp;
  for (int d = 0; d < 10; ++d) WriteFile(tmp.Join("d" + std::to_string(d) + "/f"), "");
  Walker walker(WalkOptions{4, {}});
  std::atomic<bool> cancel{false};
  std::atomic<int> calls{0};
  CHECK_THROWS_AS(walker.Run(
                      {tmp.path()},
                      [&](WalkItem&&) {
                        calls.fetch_add(1);
                        throw std::runtime_error("sink full");
                      },
                      cancel),
                  std::runtime_error);
  CHECK(calls.load() <= 4);
}

TEST_CASE("Walking does not change a directory's atime") {
  TempDir tmp;
  const std::string root = tmp.Join("root");
  WriteFile(root + "/sub/f.txt", "f");
  const std::string sub = root + "/sub";
  // atime older than mtime: with relatime, any ordinary readdir updates it.
  const timespec times[2] = {{1'000'000'000, 0}, {UTIME_OMIT, UTIME_OMIT}};
  REQUIRE(utimensat(AT_FDCWD, sub.c_str(), times, 0) == 0);
  const struct stat before = Lstat(sub);

  Collector out;
  Walk({root}, 2, out);
  REQUIRE(out.FilePaths().size() == 1);
  const struct stat after = Lstat(sub);
  CHECK(after.st_atim.tv_sec == before.st_atim.tv_sec);
  CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
  CHECK(after.st_ctim.tv_sec == before.st_ctim.tv_sec);
  CHECK(after.st_ctim.tv_nsec == before.st_ctim.tv_nsec);

  // Control: an ordinary listing does move atime here, or the check above
  // proved nothing.
  DIR* d = opendir(sub.c_str());
  REQUIRE(d != nullptr);
  while (readdir(d) != nullptr) {
  }
  closedir(d);
  if (Lstat(sub).st_atim.tv_sec == before.st_atim.tv_sec) {
    WARN("this filesystem does not update atime on readdir; atime check is vacuous");
  }
}

TEST_CASE("CheckRoots names a missing root and rejects special files") {
  TempDir tmp;
  WriteFile(tmp.Join("file.txt"), "f");
  REQUIRE(mkfifo(tmp.Join("pipe").c_str(), 0644) == 0);
  Walker walker(WalkOptions{});

  CHECK(walker.CheckRoots({tmp.path(), tmp.Join("file.txt")}).ok());

  const Status missing = walker.CheckRoots({tmp.path(), tmp.Join("nope")});
  CHECK(missing.code() == StatusCode::kNotFound);
  CHECK(missing.message() == "root not found: " + tmp.Join("nope"));

  const Status fifo = walker.CheckRoots({tmp.Join("pipe")});
  CHECK(fifo.code() == StatusCode::kInvalidArgument);
  CHECK(fifo.message() == "root is not a file or directory: " + tmp.Join("pipe"));

  CHECK(walker.CheckRoots({""}).code() == StatusCode::kNotFound);
}

TEST_CASE("Walker reports a root that vanished after CheckRoots as a gap") {
  TempDir tmp;
  Collector out;
  const WalkStats stats = Walk({tmp.Join("gone")}, 2, out);
  REQUIRE(out.items().size() == 1);
  CHECK(out.items()[0].kind == WalkItem::Kind::kGap);
  CHECK(out.items()[0].gap_status == AssetStatus::kVanished);
  CHECK(out.items()[0].path == tmp.Join("gone"));
  CHECK(stats.gaps == 1);
}

}  // namespace

TEST_CASE("Exclude and include rules prune the walk; excluded entries are counted") {
  TempDir dir;
  const std::string root = dir.Join("tree");
  WriteFile(root + "/keep/a.csv", "a");
  WriteFile(root + "/keep/b.txt", "b");
  WriteFile(root + "/node_modules/x.csv", "x");
  WriteFile(root + "/logs/app.log", "l");
  PathFilter filter;
  REQUIRE(filter.AddExclude("node_modules/").ok());
  REQUIRE(filter.AddExclude("*.log").ok());
  REQUIRE(filter.AddInclude("*.csv").ok());
  WalkOptions options;
  options.filter = &filter;
  Walker walker(options);
  Collector out;
  std::atomic<bool> cancel{false};
  WalkStats stats = walker.Run({root}, out.AsEmit(), cancel);
  CHECK(out.FilePaths() == std::vector<std::string>{root + "/keep/a.csv"});
  CHECK(stats.excluded == 3);  // node_modules/, app.log, b.txt (not included)
}

TEST_CASE("Per-root counts tell a root whose files the filters all left out from an empty one") {
  TempDir dir;
  WriteFile(dir.Join("sheets/a.xlsx"), "a");
  WriteFile(dir.Join("sheets/notes.txt"), "n");
  WriteFile(dir.Join("notes/deep/b.txt"), "b");
  WriteFile(dir.Join("notes/c.txt"), "c");
  WriteFile(dir.Join("notes/tmp/d.xlsx"), "d");
  WriteFile(dir.Join("single.txt"), "s");
  REQUIRE(mkdir(dir.Join("empty").c_str(), 0755) == 0);
  PathFilter filter;
  REQUIRE(filter.AddInclude("*.xlsx").ok());
  REQUIRE(filter.AddExclude("tmp/").ok());
  WalkOptions options;
  options.filter = &filter;
  options.threads = 2;
  Walker walker(options);
  Collector out;
  std::atomic<bool> cancel{false};
  // A root file is scanned whatever the filters say; the same directory
  // given twice is walked once, under its first name.
  const WalkStats stats =
      walker.Run({dir.Join("sheets"), dir.Join("notes"), dir.Join("empty"), dir.Join("single.txt"),
                  dir.Join("notes/")},
                 out.AsEmit(), cancel);
  REQUIRE(stats.roots.size() == 5);
  CHECK(stats.roots[0].files == 1);     // a.xlsx
  CHECK(stats.roots[0].filtered == 1);  // notes.txt
  CHECK(stats.roots[1].files == 0);
  CHECK(stats.roots[1].filtered == 3);  // b.txt, c.txt, tmp/ (d.xlsx is below it)
  CHECK(stats.roots[2].files == 0);
  CHECK(stats.roots[2].filtered == 0);
  CHECK(stats.roots[3].files == 1);
  CHECK(stats.roots[4].files == 0);
  CHECK(stats.roots[4].filtered == 0);
  CHECK(stats.excluded == 4);
}

TEST_CASE("--follow-symlinks follows links but never loops or walks a directory twice") {
  TempDir dir;
  const std::string root = dir.Join("tree");
  WriteFile(root + "/real/f.txt", "f");
  WriteFile(dir.Join("outside/o.txt"), "o");
  REQUIRE(symlink("..", (root + "/real/up").c_str()) == 0);           // a loop
  REQUIRE(symlink(dir.Join("outside").c_str(), (root + "/ext").c_str()) == 0);
  REQUIRE(symlink((root + "/real").c_str(), (root + "/alias").c_str()) == 0);  // same dir twice
  REQUIRE(symlink(dir.Join("outside/o.txt").c_str(), (root + "/link.txt").c_str()) == 0);
  WalkOptions options;
  options.follow_symlinks = true;
  Walker walker(options);
  Collector out;
  std::atomic<bool> cancel{false};
  auto fut = std::async(std::launch::async, [&] { return walker.Run({root}, out.AsEmit(), cancel); });
  REQUIRE(fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  fut.get();
  auto files = out.FilePaths();
  CHECK(std::count(files.begin(), files.end(), root + "/ext/o.txt") == 1);
  CHECK(std::count(files.begin(), files.end(), root + "/link.txt") == 1);
  // real/f.txt appears once: either as real/ or via alias/, never both.
  CHECK(std::count(files.begin(), files.end(), root + "/real/f.txt") +
            std::count(files.begin(), files.end(), root + "/alias/f.txt") ==
        1);
  // The followed file link is readable through what the walker handed out.
  const WalkItem* link = out.FindFile(root + "/link.txt");
  REQUIRE(link != nullptr);
  CHECK(ReadThroughHandle(*link) == "o");
  bool loop_gap = false;
  for (const WalkItem* g : out.Gaps()) loop_gap |= g->gap_status == AssetStatus::kLoop;
  CHECK(loop_gap);
}

TEST_CASE("--follow-symlinks records links that lead back to themselves, not a link to nothing") {
  TempDir dir;
  const std::string root = dir.Join("tree");
  WriteFile(root + "/f.txt", "f");
  REQUIRE(symlink((root + "/self").c_str(), (root + "/self").c_str()) == 0);  // ELOOP
  REQUIRE(symlink(dir.Join("nowhere").c_str(), (root + "/dangling").c_str()) == 0);
  WalkOptions options;
  options.follow_symlinks = true;
  Walker walker(options);
  Collector out;
  std::atomic<bool> cancel{false};
  walker.Run({root}, out.AsEmit(), cancel);
  CHECK(out.FilePaths() == std::vector<std::string>{root + "/f.txt"});
  std::vector<std::string> gaps;
  for (const WalkItem* g : out.Gaps()) {
    gaps.push_back(g->path + " " + std::string(AssetStatusName(g->gap_status)) + " " +
                   g->gap_reason);
  }
  CHECK(gaps == std::vector<std::string>{root + "/self loop loop"});
}


TEST_CASE("--one-file-system does not enter another filesystem") {
  TempDir dir;
  struct stat tmp_st, shm_st;
  if (stat("/dev/shm", &shm_st) != 0 || stat(dir.path().c_str(), &tmp_st) != 0 ||
      shm_st.st_dev == tmp_st.st_dev) {
    WARN("no second filesystem at /dev/shm; skipped");
    return;
  }
  char shm_template[] = "/dev/shm/phiscan-ofs-XXXXXX";
  REQUIRE(mkdtemp(shm_template) != nullptr);
  const std::string other = shm_template;
  WriteFile(other + "/elsewhere.txt", "e");
  const std::string root = dir.Join("tree");
  WriteFile(root + "/here.txt", "h");
  REQUIRE(symlink(other.c_str(), (root + "/mnt").c_str()) == 0);
  for (bool one_fs : {false, true}) {
    WalkOptions options;
    options.follow_symlinks = true;  // reach the other filesystem through the link
    options.one_file_system = one_fs;
    Walker walker(options);
    Collector out;
    std::atomic<bool> cancel{false};
    WalkStats stats = walker.Run({root}, out.AsEmit(), cancel);
    auto files = out.FilePaths();
    INFO("one_file_system " << one_fs);
    CHECK(std::count(files.begin(), files.end(), root + "/mnt/elsewhere.txt") == (one_fs ? 0 : 1));
    CHECK(stats.excluded == (one_fs ? 1u : 0u));
  }
  unlink((other + "/elsewhere.txt").c_str());
  rmdir(other.c_str());
}

}  // namespace phiscan::scanner
