#include <sys/stat.h>

#include "catalog/catalog.h"

namespace phiscan::catalog {

const char* ReadersName(Readers r) {
  switch (r) {
    case Readers::kEveryone:
      return "everyone";
    case Readers::kGroup:
      return "group";
    case Readers::kAcl:
      return "acl";
    case Readers::kOwner:
      return "owner";
  }
  return "owner";
}

bool IsSensitiveLabel(std::string_view label) { return !label.empty() && label != "NONE"; }

Exposure ComputeExposure(uint32_t mode, const std::optional<AclSummary>& acl,
                         std::string_view label, bool others_can_reach,
                         bool group_can_reach) {
  Exposure e;
  // With an extended ACL the group bits of st_mode are the mask, an upper
  // bound for every group-class entry; the owning group's own entry decides
  // whether it reads.
  const bool group_reads = (acl ? acl->group_readable : (mode & S_IRGRP) != 0) && group_can_reach;
  if ((mode & S_IROTH) != 0 && others_can_reach) {
    e.readable_by = Readers::kEveryone;
  } else if (group_reads) {
    e.readable_by = Readers::kGroup;
  } else if (acl && acl->named_readers > 0) {
    e.readable_by = Readers::kAcl;
  }
  e.group_writable = (mode & S_IWGRP) != 0;
  e.world_writable = (mode & S_IWOTH) != 0;
  e.exposed = IsSensitiveLabel(label) && ExposedMode(mode, others_can_reach, group_can_reach);
  return e;
}

bool ExposedMode(uint32_t mode, bool others_can_reach, bool group_can_reach) {
  return ((mode & S_IROTH) != 0 && others_can_reach) ||
         ((mode & S_IWGRP) != 0 && group_can_reach) || ((mode & S_IWOTH) != 0 && others_can_reach);
}

}  // namespace phiscan::catalog
