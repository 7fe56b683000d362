// Exposure: who can read or write an asset, from its mode bits and ACL.
#include <catch2/catch.hpp>
#include <optional>

#include "catalog/catalog.h"
#include "common/model.h"

namespace phiscan {
namespace {

using catalog::ComputeExposure;
using catalog::Readers;

TEST_CASE("Mode bits decide who can read a file without an ACL") {
  struct Case {
    uint32_t mode;
    Readers readers;
    bool group_writable;
    bool world_writable;
  };
  const Case cases[] = {
      {0100600, Readers::kOwner, false, false},    {0100640, Readers::kGroup, false, false},
      {0100644, Readers::kEveryone, false, false}, {0100660, Readers::kGroup, true, false},
      {0100604, Readers::kEveryone, false, false}, {0100602, Readers::kOwner, false, true},
      {0100666, Readers::kEveryone, true, true},   {0100620, Readers::kOwner, true, false},
  };
  for (const Case& c : cases) {
    INFO("mode " << std::oct << c.mode);
    auto e = ComputeExposure(c.mode, std::nullopt, "PHI");
    CHECK(e.readable_by == c.readers);
    CHECK(e.group_writable == c.group_writable);
    CHECK(e.world_writable == c.world_writable);
  }
}

TEST_CASE("Only sensitive assets that everyone reads or others write are flagged exposed") {
  CHECK(ComputeExposure(0100644, std::nullopt, "PHI").exposed);
  CHECK(ComputeExposure(0100620, std::nullopt, "PII").exposed);        // group-writable
  CHECK(ComputeExposure(0100602, std::nullopt, "PCI").exposed);        // world-writable
  CHECK_FALSE(ComputeExposure(0100640, std::nullopt, "PHI").exposed);  // group may read: normal
  CHECK_FALSE(ComputeExposure(0100600, std::nullopt, "PHI").exposed);
  CHECK_FALSE(ComputeExposure(0100666, std::nullopt, "NONE").exposed);  // nothing sensitive
  CHECK_FALSE(ComputeExposure(0100666, std::nullopt, "").exposed);
}

TEST_CASE("A file others cannot reach is not readable by everyone, whatever its mode") {
  // A 0644 file in a 0700 directory: the group bits still count (the group
  // may be able to search), the others bits do not.
  auto e = ComputeExposure(0100644, std::nullopt, "PHI", /*others_can_reach=*/false);
  CHECK(e.readable_by == Readers::kGroup);
  CHECK_FALSE(e.exposed);
  e = ComputeExposure(0100606, std::nullopt, "PHI", false);
  CHECK(e.readable_by == Readers::kOwner);
  CHECK(e.world_writable);  // the mode bit, as stored
  CHECK_FALSE(e.exposed);   // but others cannot get there to write
  CHECK(ComputeExposure(0100664, std::nullopt, "PHI", false).exposed);  // group-writable
}

TEST_CASE("A file its group cannot reach is readable by its owner alone, whatever its mode") {
  // A 0640 file in a 0700 directory.
  auto e = ComputeExposure(0100640, std::nullopt, "PHI", false, /*group_can_reach=*/false);
  CHECK(e.readable_by == Readers::kOwner);
  CHECK_FALSE(e.exposed);
  e = ComputeExposure(0100664, std::nullopt, "PHI", false, false);
  CHECK(e.group_writable);  // the mode bit, as stored
  CHECK_FALSE(e.exposed);   // but the group cannot get there to write
  // Named ACL readers still count: their own groups may get through.
  AclSummary acl;
  acl.named_entries = 1;
  acl.named_readers = 1;
  acl.group_readable = true;
  e = ComputeExposure(0100640, acl, "PHI", false, false);
  CHECK(e.readable_by == Readers::kAcl);
}

TEST_CASE("An ACL grants readers the mode bits do not show") {
  AclSummary acl;
  acl.named_entries = 2;
  acl.named_readers = 1;
  acl.group_readable = false;
  // With an ACL the group bits are the mask (here r), but the owning group
  // itself has no read: only the named reader does.
  auto e = ComputeExposure(0100640, acl, "PHI");
  CHECK(e.readable_by == Readers::kAcl);
  CHECK_FALSE(e.exposed);

  acl.group_readable = true;
  CHECK(ComputeExposure(0100640, acl, "PHI").readable_by == Readers::kGroup);
  acl.named_readers = 0;
  acl.group_readable = false;
  CHECK(ComputeExposure(0100600, acl, "PHI").readable_by == Readers::kOwner);
  // Others still win over everything.
  acl.named_readers = 3;
  CHECK(ComputeExposure(0100604, acl, "PHI").readable_by == Readers::kEveryone);
}

TEST_CASE("Reader classes have stable names") {
  CHECK(std::string(catalog::ReadersName(Readers::kEveryone)) == "everyone");
  CHECK(std::string(catalog::ReadersName(Readers::kGroup)) == "group");
  CHECK(std::string(catalog::ReadersName(Readers::kAcl)) == "acl");
  CHECK(std::string(catalog::ReadersName(Readers::kOwner)) == "owner");
}

}  // namespace
}  // namespace phiscan
