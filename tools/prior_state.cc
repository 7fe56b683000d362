#include "tools/prior_state.h"

#include <sys/stat.h>

#include <utility>

namespace phiscan::tools {

bool IsFinalStatus(AssetStatus status) {
  switch (status) {
    case AssetStatus::kComplete:
    case AssetStatus::kSkipped:
    case AssetStatus::kEncrypted:
      return true;
    // A retry may succeed (permissions fixed, file settled) or, for
    // partial, a different limit may apply.
    case AssetStatus::kPartial:
    case AssetStatus::kUnreadable:
    case AssetStatus::kVanished:
    case AssetStatus::kChangedDuringScan:
    case AssetStatus::kSpecial:
    case AssetStatus::kLoop:
      return false;
  }
  return false;
}

Result<std::unique_ptr<CatalogPriorState>> CatalogPriorState::Load(catalog::CatalogWriter& writer,
                                                                   const std::string& rules_version,
                                                                   const std::string& key_id) {
  auto state = std::unique_ptr<CatalogPriorState>(new CatalogPriorState());
  Status s = writer.ForEachPriorAsset([&](const catalog::PriorAsset& p) {
    // An unknown key (a run from before keys were fingerprinted) cannot be
    // shown to match, so its tokens are recomputed.
    // A file whose ACL could not be read after it was (renamed or replaced
    // meanwhile, by a catalog from before ACLs were recorded) has an
    // exposure guessed from its mode: read again, or the guess would stand
    // for as long as the file does not change.
    if (p.rules_version != rules_version || p.key_id.empty() || p.key_id != key_id ||
        !IsFinalStatus(p.status) || !p.acl_known) {
      return;
    }
    state->entries_.insert_or_assign(
        p.path, Entry{p.dev, p.ino, p.size, p.mtime_ns, p.ctime_ns, p.readable_by_everyone,
                      p.readable_by_group, p.acl_extended, p.sqlite, p.sensitive, p.exposed});
  });
  if (!s.ok()) return s;
  return state;
}

bool CatalogPriorState::Unchanged(std::string_view path, const scanner::FileIdentity& id) const {
  auto it = entries_.find(path);
  if (it == entries_.end()) return false;
  const Entry& e = it->second;
  // A directory above the file changed who may search it (its own ctime
  // does not move): whether everyone, or the group, reads it is not what
  // was recorded. With named ACL entries the group bits are the ACL's mask,
  // not the group's own permission: only a recorded group reader that the
  // directories now keep out can be told.
  const bool everyone = (id.mode & S_IROTH) != 0 && id.others_can_reach;
  const bool group = !everyone && (id.mode & S_IRGRP) != 0 && id.group_can_reach;
  const bool group_as_recorded = e.acl ? !(e.group && !id.group_can_reach) : e.group == group;
  if (!(e.dev == id.dev && e.ino == id.ino && e.size == id.size && e.mtime_ns == id.mtime_ns &&
        e.ctime_ns == id.ctime_ns && e.everyone == everyone && group_as_recorded)) {
    return false;
  }
  // A sensitive file's exposure hangs on who may reach it too: one its
  // group or others may write is exposed once a directory above lets them
  // in, and no longer when it keeps them out.
  if (e.sensitive &&
      catalog::ExposedMode(id.mode, id.others_can_reach, id.group_can_reach) != e.exposed) {
    return false;
  }
  return !(e.sqlite && HasWriteAheadLog(path));
}

bool HasWriteAheadLog(std::string_view db_path) {
  std::string wal(db_path);
  wal += "-wal";
  struct stat st;
  // lstat: the scanner reads the log only as a regular file beside the
  // database (scanner/formats/sqlite.cc), never through a link.
  return lstat(wal.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

}  // namespace phiscan::tools
