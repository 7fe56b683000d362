// ReadAccessAcl: who an access ACL lets read a file, read without changing it.
#include "tools/acl_probe.h"

#include <sys/acl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>

#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

// Sets an access ACL from its text form; false if the file system refuses.
bool SetAcl(const std::string& path, const char* text) {
  acl_t acl = acl_from_text(text);
  if (acl == nullptr) return false;
  const bool ok = acl_set_file(path.c_str(), ACL_TYPE_ACCESS, acl) == 0;
  acl_free(acl);
  return ok;
}

uint32_t Mode(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode;
}

TEST_CASE("A file without an extended ACL is described by its mode") {
  testing::TempDir dir;
  const std::string f = dir.Join("plain.txt");
  testing::WriteFile(f, "x");
  REQUIRE(chmod(f.c_str(), 0640) == 0);
  auto acl = tools::ReadAccessAcl(f, Mode(f));
  REQUIRE(acl);
  CHECK(acl->named_entries == 0);
  CHECK(acl->named_readers == 0);
  CHECK(acl->group_readable);
  REQUIRE(chmod(f.c_str(), 0600) == 0);
  CHECK_FALSE(tools::ReadAccessAcl(f, Mode(f))->group_readable);
}

TEST_CASE("Named readers count only when the mask lets them read") {
  testing::TempDir dir;
  const std::string f = dir.Join("shared.txt");
  testing::WriteFile(f, "x");
  if (!SetAcl(f, "u::rw-,u:54321:r--,g::---,g:54322:rw-,m::r--,o::---")) {
    WARN("the temporary directory's file system does not support POSIX ACLs; skipped");
    return;
  }
  const uint32_t mode_before = Mode(f);
  auto acl = tools::ReadAccessAcl(f, mode_before);
  REQUIRE(acl);
  CHECK(acl->named_entries == 2);
  CHECK(acl->named_readers == 2);
  CHECK_FALSE(acl->group_readable);  // the owning group's own entry has no read
  CHECK(Mode(f) == mode_before);     // read-only: nothing changed

  REQUIRE(SetAcl(f, "u::rw-,u:54321:r--,g::r--,m::---,o::---"));
  acl = tools::ReadAccessAcl(f, Mode(f));
  REQUIRE(acl);
  CHECK(acl->named_entries == 1);
  CHECK(acl->named_readers == 0);    // masked out
  CHECK_FALSE(acl->group_readable);  // masked out too
}

TEST_CASE("A file that is gone has no ACL summary") {
  testing::TempDir dir;
  CHECK_FALSE(tools::ReadAccessAcl(dir.Join("missing.txt"), 0100644));
}

}  // namespace
}  // namespace phiscan
