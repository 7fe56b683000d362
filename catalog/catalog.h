// The catalog: a local SQLite database of scan runs, assets, per-type
// summaries and located findings (schema: catalog/schema.sql).
//
// CatalogWriter owns the only read-write connection. Open() creates the file
// with mode 0600 (O_EXCL under umask 077, before SQLite touches it; SQLite
// gives -wal and -shm the same mode), refuses a path that is a symlink,
// enables WAL, and migrates the schema by PRAGMA user_version (a catalog
// newer than this build is refused). Submit() may be called from any thread:
// records go through a bounded queue to one writer thread, which commits in
// batches bounded by count and time, so a crash loses at most one batch.
//
// The catalog never holds a raw matched value: findings carry locators,
// masked shapes and keyed tokens only (see common/model.h).
#ifndef PHISCAN_CATALOG_CATALOG_H_
#define PHISCAN_CATALOG_CATALOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/model.h"
#include "common/status.h"

namespace phiscan::catalog {

// Current schema version (PRAGMA user_version).
constexpr int kSchemaVersion = 1;

// A sensitive type as it was defined when a run started; lets reports show
// names, categories and HIPAA classes without the rule pack.
struct TypeDefinition {
  std::string id;
  std::string name;
  std::string category;
  int hipaa_class = 0;
};

struct RunInfo {
  std::vector<std::string> roots;   // raw bytes
  std::string options_json;         // flags that shaped the run
  std::string rules_version;
  std::vector<TypeDefinition> types;
};

enum class RunStatus { kRunning, kCompleted, kInterrupted, kFailed };
const char* RunStatusName(RunStatus s);

struct WriterOptions {
  size_t batch_assets = 500;        // commit after this many assets...
  int batch_millis = 250;           // ...or this long, whichever first
  size_t queue_capacity = 1024;     // records waiting for the writer thread
};

class CatalogWriter {
 public:
  // Opens or creates the catalog. Errors: kPermissionDenied / kIoError naming
  // the path; kInvalidArgument if the file is not a phiscan catalog or is
  // from a newer version.
  static Result<std::unique_ptr<CatalogWriter>> Open(const std::string& path,
                                                      WriterOptions options = {});
  ~CatalogWriter();  // stops the writer thread after committing what is queued

  // Records a new run as `running` and starts the writer thread. Returns the
  // run id. REQUIRES: no run in progress on this writer.
  Result<int64_t> BeginRun(const RunInfo& info);

  // Queues one asset of the current run. Blocks while the queue is full.
  // Thread-safe.
  void Submit(AssetRecord&& record);

  // Commits everything queued and marks the run with `status`.
  Status FinishRun(RunStatus status);

  // Number of assets committed so far in this run.
  uint64_t committed() const;

  // Status of the first write error, if any (the writer keeps going).
  Status write_error() const;

  class Impl;

 private:
  explicit CatalogWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace phiscan::catalog

#endif  // PHISCAN_CATALOG_CATALOG_H_
