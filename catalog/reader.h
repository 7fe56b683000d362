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
  std::string category;
  int hipaa_class = 0;
  uint64_t assets = 0;     // assets with at least one occurrence
  uint64_t findings = 0;   // occurrences (sum of per-asset counts)
};

struct Summary {
  int64_t run_id = 0;               // latest run, 0 if none
  std::string run_status;
  uint64_t assets = 0;
  uint64_t bytes_scanned = 0;
  std::map<std::string, uint64_t> by_status;   // status name -> assets
  std::map<std::string, uint64_t> by_label;    // label -> assets
  std::map<std::string, uint64_t> by_category; // category -> assets
  std::vector<TypeCount> by_type;
};

struct Filter {
  int min_score = 0;  // a finding/type counts only at or above this score
};

class CatalogReader {
 public:
  // Errors: kNotFound if the file does not exist; kInvalidArgument if it is
  // not a phiscan catalog or its schema is newer than this build.
  static Result<std::unique_ptr<CatalogReader>> Open(const std::string& path);
  ~CatalogReader();

  Result<Summary> GetSummary(const Filter& filter);
  // Calls `fn` for each asset (ordered by path, member).
  Status ListAssets(const Filter& filter, const std::function<void(const AssetRow&)>& fn);
  // Calls `fn` for each located finding (ordered by path, member, start).
  Status ListFindings(const Filter& filter, const std::function<void(const FindingRow&)>& fn);

  class Impl;

 private:
  explicit CatalogReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace phiscan::catalog

#endif  // PHISCAN_CATALOG_READER_H_
