// CatalogReader: read-only queries for the report tool.
//
// Opens the catalog with SQLITE_OPEN_READONLY and a busy timeout, so it can
// be used while a scan is writing (WAL). All SQL uses bound parameters.
//
// Thread safety: one reader per thread.
#ifndef PHISCAN_CATALOG_READER_H_
#define PHISCAN_CATALOG_READER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/model.h"
#include "common/status.h"

namespace phiscan::catalog {

struct AssetRow {
  int64_t id = 0;
  std::string path;                   // raw bytes
  std::optional<std::string> member;  // raw bytes, or none for a top-level asset
  AssetKind kind = AssetKind::kFile;
  AssetStatus status = AssetStatus::kComplete;
  std::string reason;                 // empty = none
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string label;
  std::map<std::string, uint64_t> types;  // type id -> count
  int max_score = 0;                      // over all types
};

struct FindingRow {
  std::string path;
  std::optional<std::string> member;
  std::string type_id;
  int score = 0;
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t line = 0;
  std::string masked;
};

struct TypeCount {
  std::string type_id;
  // From the latest run that defined the type; "unknown" (and hipaa_class
  // 0) if no run did.
  std::string category;
  int hipaa_class = 0;
  uint64_t assets = 0;     // assets with at least one occurrence
  uint64_t findings = 0;   // occurrences (sum of per-asset counts)
};

// Over every asset in the catalog (the inventory as last recorded), not
// only those the latest run touched. Only by_category and by_type depend on
// the filter.
struct Summary {
  int64_t run_id = 0;               // latest run, 0 if none
  std::string run_status;           // "running", "completed", "interrupted", "failed"
  uint64_t assets = 0;
  uint64_t bytes_scanned = 0;
  std::map<std::string, uint64_t> by_status;   // status name -> assets
  std::map<std::string, uint64_t> by_label;    // label -> assets (labelled assets only)
  std::map<std::string, uint64_t> by_category; // category -> assets with >= 1 type of it
  std::vector<TypeCount> by_type;              // most widespread first, then by type id
};

struct Filter {
  // A finding/type counts only at or above this score. At or below
  // kMinScore nothing is filtered out (scores are 1..100).
  int min_score = 0;
};

class CatalogReader {
 public:
  // Never writes the catalog file. (SQLite may create empty -wal and -shm
  // beside a WAL catalog to read it, with the catalog's mode.)
  // Errors: kNotFound if the file does not exist; kPermissionDenied if it
  // cannot be read; kInvalidArgument if it is not a phiscan catalog (not a
  // regular file, not SQLite, no phiscan tables) or its schema version is
  // not this build's ("catalog FILE has schema version N; ..."); kIoError.
  static Result<std::unique_ptr<CatalogReader>> Open(const std::string& path);
  ~CatalogReader();

  // Errors (all query methods): kTimeout if a writer holds a lock longer
  // than the busy timeout; kCorrupt; kIoError.
  Result<Summary> GetSummary(const Filter& filter);
  // Calls `fn` for each asset (ordered bytewise by path, then member; a
  // top-level asset before its members). `types` holds only the types whose
  // max score reaches filter.min_score; above kMinScore, assets with no
  // such type are skipped.
  Status ListAssets(const Filter& filter, const std::function<void(const AssetRow&)>& fn);
  // Calls `fn` for each located finding with score >= filter.min_score
  // (ordered by path, member, start).
  Status ListFindings(const Filter& filter, const std::function<void(const FindingRow&)>& fn);

  class Impl;

 private:
  explicit CatalogReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace phiscan::catalog

#endif  // PHISCAN_CATALOG_READER_H_
