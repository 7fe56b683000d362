#include "tools/key_file.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <vector>

#include "catalog/catalog.h"
#include "common/unique_fd.h"

namespace phiscan::tools {
namespace {

using classifiers::TokenKey;
using KeyBytes = std::array<uint8_t, TokenKey::kKeyBytes>;

std::string ErrnoText() { return std::strerror(errno); }

using Fd = UniqueFd;

}  // namespace

Result<TokenKey> LoadTokenKey(const std::string& path) {
  // O_NONBLOCK: a FIFO there must not stop the run waiting for a writer.
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound("token key not found: " + path);
    return Status::IoError("cannot open token key " + path + ": " + ErrnoText());
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Status::IoError("cannot stat token key " + path);
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("token key " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::PermissionDenied("token key " + path +
                                    " is readable by group or others; chmod 600 it");
  }
  KeyBytes bytes{};
  if (st.st_size != static_cast<off_t>(bytes.size()) ||
      read(fd.get(), bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
    return Status::Corrupt("token key " + path + " is not a 32-byte key file");
  }
  TokenKey key = TokenKey::FromBytes(bytes);
  std::memset(bytes.data(), 0, bytes.size());
  return key;
}

Result<TokenKey> LoadOrCreateTokenKey(const std::string& path) {
  auto loaded = LoadTokenKey(path);
  if (loaded.ok() || loaded.status().code() != StatusCode::kNotFound) return loaded;
  KeyBytes bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Status::IoError("cannot get random bytes for a new token key");
  }
  // Written whole under a temporary name, then linked to `path`: a process
  // killed half-way must not leave a short key file that every later run
  // refuses. link() never replaces a key another process made first.
  std::string tmp = path + ".tmp-XXXXXX";
  Fd fd(mkostemp(tmp.data(), O_CLOEXEC));
  if (fd.get() < 0) return Status::IoError("cannot create token key " + path + ": " + ErrnoText());
  const bool written =
      fchmod(fd.get(), 0600) == 0 &&
      write(fd.get(), bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
      fsync(fd.get()) == 0;
  if (!written) {
    Status err = Status::IoError("cannot write token key " + path + ": " + ErrnoText());
    unlink(tmp.c_str());
    return err;
  }
  int linked = link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  if (linked != 0 && (link_errno == EPERM || link_errno == ENOTSUP)) {
    // A file system without hard links: rename, which could replace a key
    // another process created in the same instant (only two first scans of
    // one new catalog started together could race so).
    linked = rename(tmp.c_str(), path.c_str());
    link_errno = errno;
  }
  unlink(tmp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return LoadTokenKey(path);  // another process created it first
    errno = link_errno;
    return Status::IoError("cannot create token key " + path + ": " + ErrnoText());
  }
  TokenKey key = TokenKey::FromBytes(bytes);
  std::memset(bytes.data(), 0, bytes.size());
  return key;
}

bool IsCatalogFile(const std::string& path, const std::string& catalog, const std::string& key) {
  namespace fs = std::filesystem;
  std::vector<std::string> own;
  for (const char* suffix : catalog::kCatalogFileSuffixes) own.push_back(catalog + suffix);
  own.push_back(key.empty() ? catalog + ".key" : key);
  std::error_code ec;
  const fs::path target = fs::weakly_canonical(fs::absolute(path, ec), ec);
  struct stat ts;
  const bool exists = stat(path.c_str(), &ts) == 0;
  for (const std::string& f : own) {
    struct stat fst;
    if (exists && stat(f.c_str(), &fst) == 0 && fst.st_dev == ts.st_dev && fst.st_ino == ts.st_ino) {
      return true;
    }
    std::error_code fec;
    if (!ec && fs::weakly_canonical(fs::absolute(f, fec), fec) == target && !fec) return true;
  }
  return false;
}

}  // namespace phiscan::tools
