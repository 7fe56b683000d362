// CatalogPriorState: which files an incremental scan may carry over unread.
#include "tools/prior_state.h"

#include <catch2/catch.hpp>
#include <string>

#include "catalog/catalog.h"
#include "tests/catalog/fixtures.h"
#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

using catalog::CatalogWriter;
using catalog::RunStatus;
using testing::MakeAsset;
using testing::MakeRunInfo;
using tools::CatalogPriorState;

constexpr const char* kKey = "00112233aabbccdd";

scanner::FileIdentity IdentityOf(const AssetRecord& a) {
  scanner::FileIdentity id;
  id.dev = a.dev;
  id.ino = a.ino;
  id.size = a.size;
  id.mtime_ns = a.mtime_ns;
  id.ctime_ns = a.ctime_ns;
  id.mode = a.mode;
  return id;
}

// One run (rules "builtin-1", key kKey) recording a file per status.
std::unique_ptr<CatalogWriter> Build(const std::string& db) {
  auto writer = CatalogWriter::Open(db);
  REQUIRE(writer.ok());
  auto info = MakeRunInfo();
  info.key_id = kKey;
  REQUIRE((*writer)->BeginRun(info).ok());
  for (AssetStatus status : {AssetStatus::kComplete, AssetStatus::kSkipped, AssetStatus::kEncrypted,
                             AssetStatus::kPartial, AssetStatus::kUnreadable,
                             AssetStatus::kVanished, AssetStatus::kChangedDuringScan}) {
    AssetRecord a = MakeAsset(std::string("/srv/share/") + AssetStatusName(status));
    a.status = status;
    a.acl = AclSummary{};
    (*writer)->Submit(std::move(a));
  }
  // Read, but its ACL could not be read after (renamed meanwhile).
  AssetRecord no_acl = MakeAsset("/srv/share/no_acl");
  (*writer)->Submit(std::move(no_acl));
  REQUIRE((*writer)->FinishRun(RunStatus::kCompleted).ok());
  return std::move(writer.value());
}

TEST_CASE("Only files with a final status, the same rules and the same key are candidates") {
  testing::TempDir dir;
  auto writer = Build(dir.Join("c.db"));
  auto state = CatalogPriorState::Load(*writer, "builtin-1", kKey);
  REQUIRE(state.ok());
  CHECK((*state)->size() == 3);
  const auto id = IdentityOf(MakeAsset("x"));
  CHECK((*state)->Unchanged("/srv/share/complete", id));
  CHECK((*state)->Unchanged("/srv/share/skipped", id));
  CHECK((*state)->Unchanged("/srv/share/encrypted", id));
  // Its exposure is a guess from its mode: read again.
  CHECK_FALSE((*state)->Unchanged("/srv/share/no_acl", id));
  for (const char* retried : {"partial", "unreadable", "vanished", "changed_during_scan"}) {
    INFO(retried);
    CHECK_FALSE((*state)->Unchanged(std::string("/srv/share/") + retried, id));
  }
  CHECK_FALSE((*state)->Unchanged("/srv/share/never-seen", id));

  SECTION("a rule change rescans everything") {
    auto other = CatalogPriorState::Load(*writer, "builtin-2", kKey);
    REQUIRE(other.ok());
    CHECK((*other)->size() == 0);
  }
  SECTION("another key rescans everything: the old tokens would not match") {
    auto other = CatalogPriorState::Load(*writer, "builtin-1", "ffffffffffffffff");
    REQUIRE(other.ok());
    CHECK((*other)->size() == 0);
  }
}

TEST_CASE("Any change of identity means the file is read again") {
  testing::TempDir dir;
  auto writer = Build(dir.Join("c.db"));
  auto state = CatalogPriorState::Load(*writer, "builtin-1", kKey);
  REQUIRE(state.ok());
  const auto base = IdentityOf(MakeAsset("x"));
  REQUIRE((*state)->Unchanged("/srv/share/complete", base));
  auto changed = [&](auto mutate) {
    auto id = base;
    mutate(id);
    return !(*state)->Unchanged("/srv/share/complete", id);
  };
  CHECK(changed([](scanner::FileIdentity& i) { i.dev += 1; }));
  CHECK(changed([](scanner::FileIdentity& i) { i.ino += 1; }));  // replaced by rename
  CHECK(changed([](scanner::FileIdentity& i) { i.size += 1; }));
  CHECK(changed([](scanner::FileIdentity& i) { i.mtime_ns += 1; }));  // nanoseconds count
  CHECK(changed([](scanner::FileIdentity& i) { i.ctime_ns += 1; }));  // chmod, chown, setfacl
}

TEST_CASE("A file marked removed is read again when it reappears") {
  testing::TempDir dir;
  auto writer = Build(dir.Join("c.db"));
  // Sees nothing, and is told the root was emptied: everything removed.
  auto info = MakeRunInfo();
  info.allow_empty_roots = true;
  REQUIRE(writer->BeginRun(info).ok());
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  REQUIRE(writer->removed() == 8);
  auto state = CatalogPriorState::Load(*writer, "builtin-1", kKey);
  REQUIRE(state.ok());
  CHECK((*state)->size() == 0);
}

TEST_CASE("Final statuses are exactly those whose results cannot improve on a retry") {
  CHECK(tools::IsFinalStatus(AssetStatus::kComplete));
  CHECK(tools::IsFinalStatus(AssetStatus::kSkipped));
  CHECK(tools::IsFinalStatus(AssetStatus::kEncrypted));
  CHECK_FALSE(tools::IsFinalStatus(AssetStatus::kPartial));
  CHECK_FALSE(tools::IsFinalStatus(AssetStatus::kUnreadable));
  CHECK_FALSE(tools::IsFinalStatus(AssetStatus::kVanished));
  CHECK_FALSE(tools::IsFinalStatus(AssetStatus::kChangedDuringScan));
}

}  // namespace
}  // namespace phiscan
