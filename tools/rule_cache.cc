#include "tools/rule_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>
#include <vector>

namespace phiscan::tools {
namespace {

// Databases of the built-in pack are about 3-4 MB; anything far larger is
// not one of ours.
constexpr off_t kMaxDatabaseBytes = 64 << 20;

// Owned by us and writable by no one else.
bool Trusted(const struct stat& st) {
  return st.st_uid == geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

// Creates `dir` and its missing parents with mode 0700.
bool MakeDirs(const std::string& dir) {
  struct stat st;
  if (lstat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0 && !MakeDirs(dir.substr(0, slash))) return false;
  return mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST;
}

// Removes all but the `keep` most recently used databases in `dir` (a
// database's mtime is refreshed whenever it is loaded). Only our own
// regular files named hsdb-*.hsdb are touched.
void Prune(const std::string& dir, size_t keep) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    close(fd);
    return;
  }
  std::vector<std::pair<struct timespec, std::string>> files;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.rfind("hsdb-", 0) != 0 || name.size() < 10 ||
        name.compare(name.size() - 5, 5, ".hsdb") != 0) {
      continue;
    }
    struct stat st;
    if (fstatat(dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid()) {
      continue;
    }
    files.emplace_back(st.st_mtim, std::move(name));
  }
  if (files.size() > keep) {
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
      if (a.first.tv_sec != b.first.tv_sec) return a.first.tv_sec > b.first.tv_sec;
      return a.first.tv_nsec > b.first.tv_nsec;
    });
    for (size_t i = keep; i < files.size(); ++i) unlinkat(dirfd(d), files[i].second.c_str(), 0);
  }
  closedir(d);
}

bool WriteAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// The bytes of `path` if it is a regular file of at most `max_bytes` owned
// by us and writable by no one else, in `dir`, which must be so too.
bool ReadTrusted(const std::string& dir, const std::string& path, off_t max_bytes,
                 std::string* bytes) {
  struct stat dir_st;
  if (lstat(dir.c_str(), &dir_st) != 0 || !S_ISDIR(dir_st.st_mode) || !Trusted(dir_st)) {
    return false;
  }
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && Trusted(st) && st.st_size > 0 &&
            st.st_size <= max_bytes;
  if (ok) {
    bytes->resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < bytes->size()) {
      ssize_t n = read(fd, bytes->data() + got, bytes->size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    ok = got == bytes->size();
  }
  close(fd);
  return ok;
}

// Writes `bytes` to `path` in `dir` (created 0700 if missing) through a
// temporary file of mode 0600 renamed over it.
bool WriteReplacing(const std::string& dir, const std::string& path, const std::string& bytes) {
  if (!MakeDirs(dir)) return false;
  struct stat dir_st;
  if (lstat(dir.c_str(), &dir_st) != 0 || !S_ISDIR(dir_st.st_mode) || !Trusted(dir_st)) {
    return false;
  }
  std::string tmp = dir + "/.tmp-XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) return false;
  bool ok = fchmod(fd, 0600) == 0 && WriteAll(fd, bytes);
  ok = close(fd) == 0 && ok;
  if (ok) ok = rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) unlink(tmp.c_str());
  return ok;
}

// Hyperscan's answers about expressions (RuleSet::SerializeExpressionWidths),
// one file for every rule set: 20 KB for the built-in pack.
constexpr char kWidthsFile[] = "/expression-widths";
constexpr off_t kMaxWidthsBytes = 32 << 20;

}  // namespace

RuleCache RuleCache::FromEnvironment() {
  if (const char* d = std::getenv("PHISCAN_CACHE_DIR"); d != nullptr && *d != '\0') {
    return RuleCache(std::string(d) == "off" ? "" : d);
  }
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x == '/') {
    return RuleCache(std::string(x) + "/phiscan");
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h == '/') {
    return RuleCache(std::string(h) + "/.cache/phiscan");
  }
  return RuleCache("");
}

std::string RuleCache::PathFor(const classifiers::RuleSet& rules) const {
  return dir_ + "/" + rules.database_key() + ".hsdb";
}

bool RuleCache::Load(const classifiers::RuleSet& rules) const {
  if (disabled()) return false;
  const std::string path = PathFor(rules);
  std::string bytes;
  if (!ReadTrusted(dir_, path, kMaxDatabaseBytes, &bytes) || !rules.AdoptDatabase(bytes)) {
    return false;
  }
  utimensat(AT_FDCWD, path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW);  // kept when pruning
  return true;
}

bool RuleCache::Store(const classifiers::RuleSet& rules) const {
  // Compiled in this run: any file under its name was unusable (damaged, an
  // older format, not trusted) and is replaced.
  if (disabled() || !rules.database_ready() || rules.database_adopted()) return false;
  auto bytes = rules.SerializeDatabase();
  if (!bytes.ok() || !WriteReplacing(dir_, PathFor(rules), bytes.value())) return false;
  Prune(dir_, kKeptDatabases);
  return true;
}

bool RuleCache::LoadWidths() const {
  std::string bytes;
  return !disabled() && ReadTrusted(dir_, dir_ + kWidthsFile, kMaxWidthsBytes, &bytes) &&
         classifiers::RuleSet::AdoptExpressionWidths(bytes);
}

bool RuleCache::StoreWidths() const {
  if (disabled() || !classifiers::RuleSet::ExpressionWidthsChanged()) return false;
  if (!WriteReplacing(dir_, dir_ + kWidthsFile,
                      classifiers::RuleSet::SerializeExpressionWidths())) {
    return false;  // tried again after the next compile
  }
  classifiers::RuleSet::ExpressionWidthsStored();
  return true;
}

Status RuleCache::LoadOrCompile(const classifiers::RuleSet& rules) const {
  if (Load(rules)) return Status::Ok();
  Status s = rules.EnsureCompiled();
  if (s.ok()) Store(rules);
  return s;
}

}  // namespace phiscan::tools
