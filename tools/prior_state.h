// Incremental scanning: what earlier runs already know, as the scanner's
// PriorState.
//
// CatalogPriorState is loaded once, before a run starts, from the catalog
// writer (CatalogWriter::ForEachPriorAsset) into an in-memory hash map from
// path to identity, so the scan's worker threads answer Unchanged() without
// touching SQLite. A file is carried over unread only if all of these hold:
//   * the catalog has it as a top-level file, not marked removed;
//   * its identity (device, inode, size, mtime, ctime) is exactly the
//     current one (a chmod, chown, ACL change or rename over it changes
//     ctime), and whether everyone, or its group, may read it is as
//     recorded (a chmod of a directory above it changes that and not the
//     file's ctime), so exposure is never stale; for a file with named ACL
//     entries, whose group readers the mode does not show, only a recorded
//     group reader that can no longer get there is noticed; and a sensitive
//     file is exposed as recorded (a group- or world-writable one becomes
//     exposed when a directory above lets that class in);
//   * it was classified with the same rules version and token key;
//   * its last coverage status is final: complete, skipped or encrypted.
//     partial, unreadable, vanished and changed_during_scan are retried;
//   * it was not read as an SQLite database that now has a write-ahead log
//     beside it (DB-wal, not empty): a live database's newest rows sit in
//     the log until a checkpoint, while the database file keeps its size
//     and times. Such a database is read again, with its log, every run the
//     log is there (one stat of DB-wal per recorded database).
//
// Thread safety: immutable after Load(); Unchanged() may be called from any
// number of threads.
#ifndef PHISCAN_TOOLS_PRIOR_STATE_H_
#define PHISCAN_TOOLS_PRIOR_STATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "catalog/catalog.h"
#include "common/model.h"
#include "common/status.h"
#include "scanner/pipeline.h"

namespace phiscan::tools {

// True for the coverage statuses whose results may be carried over.
bool IsFinalStatus(AssetStatus status);

// Whether an SQLite database at `db_path` has a write-ahead log beside it
// that may hold rows its file does not: DB-wal, a regular file, not empty.
bool HasWriteAheadLog(std::string_view db_path);

class CatalogPriorState : public scanner::PriorState {
 public:
  // Reads every candidate from `writer` (before its BeginRun). Entries with
  // another rules version or key, or a status that must be retried, are
  // dropped here. Errors: as CatalogWriter::ForEachPriorAsset.
  static Result<std::unique_ptr<CatalogPriorState>> Load(catalog::CatalogWriter& writer,
                                                         const std::string& rules_version,
                                                         const std::string& key_id);

  bool Unchanged(std::string_view path, const scanner::FileIdentity& identity) const override;

  // Files that may be carried over if still identical.
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint64_t dev;
    uint64_t ino;
    uint64_t size;
    int64_t mtime_ns;
    int64_t ctime_ns;
    bool everyone;  // recorded readable_by "everyone"
    bool group;     // recorded readable_by "group"
    bool acl;       // it had named ACL entries
    bool sqlite;    // read as an SQLite database: look for its log
    bool sensitive;  // its label is sensitive
    bool exposed;    // recorded exposed
  };
  // Heterogeneous lookup, so Unchanged() does not copy the path.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_PRIOR_STATE_H_
