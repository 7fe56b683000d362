// The token key's file: 32 random bytes beside the catalog (CATALOG.key),
// mode 0600, never stored in the catalog. Reading and creating it is the
// front end's job; classifiers::TokenKey only computes with the bytes.
//
// Thread safety: stateless functions. LoadOrCreateTokenKey may race with
// other processes creating the same key: every one of them gets the key that
// was linked into place first.
#ifndef PHISCAN_TOOLS_KEY_FILE_H_
#define PHISCAN_TOOLS_KEY_FILE_H_

#include <string>

#include "classifiers/token.h"
#include "common/status.h"

namespace phiscan::tools {

// Reads the key at `path`. Refuses a key file that is readable by group or
// others (kPermissionDenied, "chmod 600 it") or of the wrong size
// (kCorrupt); kNotFound if it does not exist.
Result<classifiers::TokenKey> LoadTokenKey(const std::string& path);

// Reads the key at `path`, or creates it if it does not exist: 32 bytes
// from the OS CSPRNG, written under a temporary name (mode 0600, fsync'd)
// and linked into place, so it appears whole or not at all.
Result<classifiers::TokenKey> LoadOrCreateTokenKey(const std::string& path);

// Whether `path` names one of the catalog's own files (the database, its
// WAL, SHM, journal or lock: catalog::kCatalogFileSuffixes) or its key
// (`key`, or CATALOG.key if empty), by inode when both exist and by
// normalised absolute path otherwise. Writing a report or a log there would
// destroy the inventory or the key its tokens were made with.
bool IsCatalogFile(const std::string& path, const std::string& catalog, const std::string& key);

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_KEY_FILE_H_
