#include "scanner/source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "tests/testutil/testutil.h"

namespace phiscan::scanner {
namespace {

using phiscan::testing::ReadFile;
using phiscan::testing::TempDir;
using phiscan::testing::WriteFile;

FileIdentity StatIdentity(const std::string& path) {
  struct stat st;
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return IdentityFromStat(st);
}

// Reads the whole file through ReadAt in `chunk`-sized pieces.
std::string ReadAll(const ReadOnlyFile& file, size_t chunk) {
  std::string out;
  std::vector<char> buf(chunk);
  for (;;) {
    auto n = file.ReadAt(out.size(), std::span<char>(buf));
    REQUIRE(n.ok());
    if (*n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

std::string Pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

TEST_CASE("ReadOnlyFile reads a file fully in chunks") {
  TempDir tmp;
  const std::string path = tmp.Join("data.bin");
  const std::string content = Pattern(100'003);
  WriteFile(path, content);
  const FileIdentity listed = StatIdentity(path);

  auto file = ReadOnlyFile::Open(AT_FDCWD, path, &listed);
  REQUIRE(file.ok());
  CHECK(file->identity().size == content.size());
  CHECK(file->identity().ino == listed.ino);
  const size_t chunk = GENERATE(1, 4099, 1 << 20);
  if (chunk == 1) {
    // One-byte chunks over a prefix only: 100k syscalls would be slow for nothing.
    char c;
    for (uint64_t off : {0ul, 1ul, 99'999ul, 100'002ul}) {
      auto n = file->ReadAt(off, std::span<char>(&c, 1));
      REQUIRE(n.ok());
      CHECK(*n == 1);
      CHECK(c == content[off]);
    }
    return;
  }
  CHECK(ReadAll(*file, chunk) == content);

  // Past the end: 0 bytes, not an error.
  char buf[16];
  auto n = file->ReadAt(content.size() + 10, std::span<char>(buf));
  REQUIRE(n.ok());
  CHECK(*n == 0);
}

TEST_CASE("ReadOnlyFile reads relative to a directory descriptor") {
  TempDir tmp;
  WriteFile(tmp.Join("d/f.txt"), "hello");
  const int dirfd = open(tmp.Join("d").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(dirfd >= 0);
  auto file = ReadOnlyFile::Open(dirfd, "f.txt", nullptr);
  close(dirfd);
  REQUIRE(file.ok());
  CHECK(ReadAll(*file, 64) == "hello");
}

TEST_CASE("ReadOnlyFile refuses a file replaced since it was listed") {
  TempDir tmp;
  const std::string path = tmp.Join("report.csv");
  WriteFile(path, "old");
  const FileIdentity listed = StatIdentity(path);
  // Atomic replace (as editors and rsync do): same name, different inode.
  WriteFile(tmp.Join("report.csv.tmp"), "new");
  REQUIRE(rename(tmp.Join("report.csv.tmp").c_str(), path.c_str()) == 0);

  auto file = ReadOnlyFile::Open(AT_FDCWD, path, &listed);
  REQUIRE_FALSE(file.ok());
  CHECK(file.status().code() == StatusCode::kChangedDuringRead);

  // Replaced by a symlink: still "changed", and the link is not followed.
  REQUIRE(unlink(path.c_str()) == 0);
  REQUIRE(symlink(tmp.Join("elsewhere").c_str(), path.c_str()) == 0);
  auto link = ReadOnlyFile::Open(AT_FDCWD, path, &listed);
  REQUIRE_FALSE(link.ok());
  CHECK(link.status().code() == StatusCode::kChangedDuringRead);
  // Without an expectation a symlink is simply not something we read.
  auto unexpected = ReadOnlyFile::Open(AT_FDCWD, path, nullptr);
  REQUIRE_FALSE(unexpected.ok());
  CHECK(unexpected.status().code() == StatusCode::kUnsupported);
}

TEST_CASE("ReadOnlyFile refuses directories and FIFOs without blocking") {
  TempDir tmp;
  const std::string fifo = tmp.Join("pipe");
  REQUIRE(mkfifo(fifo.c_str(), 0644) == 0);

  auto dir = ReadOnlyFile::Open(AT_FDCWD, tmp.path(), nullptr);
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.status().code() == StatusCode::kUnsupported);
  CHECK(dir.status().message() == "not a regular file");

  // A FIFO with no writer: a blocking open would hang forever.
  auto opened = std::async(std::launch::async,
                           [&] { return ReadOnlyFile::Open(AT_FDCWD, fifo, nullptr).status(); });
  if (opened.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    const int unblock = open(fifo.c_str(), O_RDWR | O_CLOEXEC);
    opened.wait();
    close(unblock);
    FAIL("open of a FIFO blocked");
  }
  const Status status = opened.get();
  CHECK(status.code() == StatusCode::kUnsupported);
  CHECK(status.message() == "not a regular file");
}

TEST_CASE("ReadOnlyFile reports a vanished file as not found") {
  TempDir tmp;
  const std::string path = tmp.Join("gone.txt");
  WriteFile(path, "x");
  const FileIdentity listed = StatIdentity(path);
  REQUIRE(unlink(path.c_str()) == 0);

  auto file = ReadOnlyFile::Open(AT_FDCWD, path, &listed);
  REQUIRE_FALSE(file.ok());
  CHECK(file.status().code() == StatusCode::kNotFound);
  CHECK(file.status().message() == std::string("open: ") + std::strerror(ENOENT));
}

TEST_CASE("ReadOnlyFile notices a file that changed while it was read") {
  TempDir tmp;
  const std::string path = tmp.Join("growing.log");
  WriteFile(path, "first line\n");
  auto file = ReadOnlyFile::Open(AT_FDCWD, path, nullptr);
  REQUIRE(file.ok());
  CHECK(file->StillUnchanged());

  SECTION("appended") {
    std::ofstream(path, std::ios::app) << "second line\n";
    CHECK_FALSE(file->StillUnchanged());
  }
  SECTION("truncated: reads stop short instead of faulting") {
    REQUIRE(truncate(path.c_str(), 5) == 0);
    CHECK_FALSE(file->StillUnchanged());
    CHECK(ReadAll(*file, 4) == "first");
  }
  SECTION("touched with the same size") {
    const timespec times[2] = {{UTIME_OMIT, UTIME_OMIT}, {1'000'000'000, 0}};
    REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
    CHECK_FALSE(file->StillUnchanged());
  }
}

TEST_CASE("Reading a file changes none of its content, mtime, ctime or atime") {
  TempDir tmp;
  const std::string path = tmp.Join("patient.txt");
  const std::string content = Pattern(50'000);
  WriteFile(path, content);
  // atime older than mtime: with relatime, any ordinary read updates it.
  const timespec times[2] = {{1'000'000'000, 0}, {1'100'000'000, 0}};
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
  struct stat before;
  REQUIRE(stat(path.c_str(), &before) == 0);

  {
    auto file = ReadOnlyFile::Open(AT_FDCWD, path, nullptr);
    REQUIRE(file.ok());
    CHECK(ReadAll(*file, 4096) == content);
    CHECK(file->StillUnchanged());
  }

  struct stat after;
  REQUIRE(stat(path.c_str(), &after) == 0);
  CHECK(after.st_atim.tv_sec == before.st_atim.tv_sec);
  CHECK(after.st_atim.tv_nsec == before.st_atim.tv_nsec);
  CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
  CHECK(after.st_ctim.tv_sec == before.st_ctim.tv_sec);
  CHECK(after.st_ctim.tv_nsec == before.st_ctim.tv_nsec);
  CHECK(after.st_mode == before.st_mode);
  CHECK(ReadFile(path) == content);

  // Control: the ReadFile above is an ordinary read and should have moved
  // atime; if it did not, this filesystem cannot show the difference.
  struct stat control;
  REQUIRE(stat(path.c_str(), &control) == 0);
  if (control.st_atim.tv_sec == before.st_atim.tv_sec) {
    WARN("this filesystem does not update atime on read; atime check is vacuous");
  }
}

TEST_CASE("ReadOnlyFile moves own the descriptor exactly once") {
  TempDir tmp;
  WriteFile(tmp.Join("a"), "aaa");
  WriteFile(tmp.Join("b"), "bbbb");
  auto a = ReadOnlyFile::Open(AT_FDCWD, tmp.Join("a"), nullptr);
  auto b = ReadOnlyFile::Open(AT_FDCWD, tmp.Join("b"), nullptr);
  REQUIRE(a.ok());
  REQUIRE(b.ok());

  ReadOnlyFile moved(std::move(*a));
  CHECK(a->fd() == -1);
  CHECK(ReadAll(moved, 16) == "aaa");

  const int old_fd = moved.fd();
  moved = std::move(*b);
  CHECK(b->fd() == -1);
  CHECK(fcntl(old_fd, F_GETFD) == -1);  // the file it held was closed
  CHECK(ReadAll(moved, 16) == "bbbb");
  CHECK(moved.identity().size == 4);
}

TEST_CASE("Errno values map to stable reasons and status codes") {
  CHECK(std::string(ReasonForErrno(EACCES)) == "permission_denied");
  CHECK(std::string(ReasonForErrno(EPERM)) == "permission_denied");
  CHECK(std::string(ReasonForErrno(ENOENT)) == "not_found");
  CHECK(std::string(ReasonForErrno(ELOOP)) == "symlink");
  CHECK(std::string(ReasonForErrno(ENAMETOOLONG)) == "name_too_long");
  CHECK(std::string(ReasonForErrno(EIO)) == "io_error");
  CHECK(std::string(ReasonForErrno(ESTALE)) == "stale_handle");
  CHECK(std::string(ReasonForErrno(EMFILE)) == "fd_limit");
  CHECK(std::string(ReasonForErrno(EXDEV)) == "io_error");

  CHECK(StatusCodeForErrno(EACCES) == StatusCode::kPermissionDenied);
  CHECK(StatusCodeForErrno(ENOENT) == StatusCode::kNotFound);
  CHECK(StatusCodeForErrno(EIO) == StatusCode::kIoError);
  CHECK(StatusCodeForErrno(ESTALE) == StatusCode::kIoError);
  CHECK(StatusCodeForErrno(ELOOP) == StatusCode::kUnsupported);
  CHECK(StatusCodeForErrno(EMFILE) == StatusCode::kLimitExceeded);
}

}  // namespace
}  // namespace phiscan::scanner
