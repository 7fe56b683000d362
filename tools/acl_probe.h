// Reads a file's POSIX access ACL (read-only) into an AclSummary, so the
// catalog can say who besides owner, group and others can read it.
//
// Uses libacl: acl_extended_file() first (one getxattr; most files have no
// extended ACL and stop there), then acl_get_file() for the few that do.
// Both follow a symbolic link: the ACL of a root or followed link is its
// target's, the file that was read. Nothing is ever modified. The path is
// resolved again here, after the scanner closed the file: if it was
// replaced meanwhile, the summary describes the replacement (a later scan
// sees the new ctime and rescans).
//
// Thread safety: stateless; safe from any thread.
#ifndef PHISCAN_TOOLS_ACL_PROBE_H_
#define PHISCAN_TOOLS_ACL_PROBE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "common/model.h"

namespace phiscan::tools {

// The access ACL of `path` (a regular file whose st_mode is `mode`). A file
// system without ACL support, or a file without an extended ACL, gives
// named_entries == 0 and group_readable from `mode`. None if the ACL could
// not be read (vanished, permission denied, path too long).
std::optional<AclSummary> ReadAccessAcl(const std::string& path, uint32_t mode);

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_ACL_PROBE_H_
