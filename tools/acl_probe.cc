#include "tools/acl_probe.h"

#include <acl/libacl.h>
#include <sys/acl.h>
#include <sys/stat.h>

#include <cerrno>
#include <memory>

namespace phiscan::tools {
namespace {

struct AclFree {
  void operator()(void* p) const { acl_free(p); }
};
using Acl = std::unique_ptr<std::remove_pointer_t<acl_t>, AclFree>;

bool HasRead(acl_entry_t entry) {
  acl_permset_t perms;
  return acl_get_permset(entry, &perms) == 0 && acl_get_perm(perms, ACL_READ) == 1;
}

}  // namespace

std::optional<AclSummary> ReadAccessAcl(const std::string& path, uint32_t mode) {
  AclSummary summary;
  summary.group_readable = (mode & S_IRGRP) != 0;
  // Following a link, as acl_get_file does: `path` is a symbolic link only
  // when the scan followed it (a root, --follow-symlinks), and what it read,
  // and who may read that, is the target. A link has no ACL of its own.
  const int extended = acl_extended_file(path.c_str());
  if (extended == 0) return summary;
  if (extended < 0) {
    if (errno == ENOTSUP || errno == EOPNOTSUPP) return summary;  // no ACLs on this file system
    return std::nullopt;
  }
  Acl acl(acl_get_file(path.c_str(), ACL_TYPE_ACCESS));
  if (!acl) return std::nullopt;

  // The mask bounds every named entry and the owning group; without a mask
  // (not possible with named entries, but harmless) nothing is bounded.
  bool mask_read = true;
  bool group_read = false;
  uint32_t named = 0;
  uint32_t named_read = 0;
  acl_entry_t entry;
  for (int which = ACL_FIRST_ENTRY; acl_get_entry(acl.get(), which, &entry) == 1;
       which = ACL_NEXT_ENTRY) {
    acl_tag_t tag;
    if (acl_get_tag_type(entry, &tag) != 0) continue;
    switch (tag) {
      case ACL_MASK:
        mask_read = HasRead(entry);
        break;
      case ACL_GROUP_OBJ:
        group_read = HasRead(entry);
        break;
      case ACL_USER:
      case ACL_GROUP:
        ++named;
        if (HasRead(entry)) ++named_read;
        break;
      default:
        break;
    }
  }
  summary.named_entries = named;
  summary.named_readers = mask_read ? named_read : 0;
  summary.group_readable = group_read && mask_read;
  return summary;
}

}  // namespace phiscan::tools
