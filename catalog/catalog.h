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
  std::string options_json;         // flags that shaped the run: a JSON object, or empty
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

// Thread safety: Submit(), committed() and write_error() may be called from
// any thread. Open, BeginRun, FinishRun and the destructor belong to the
// owning thread.
class CatalogWriter {
 public:
  // Opens or creates the catalog. An existing file keeps its mode; its -wal
  // and -shm are made no more readable than it. Errors, each naming the path:
  //   kPermissionDenied  `path`, or its -wal or -shm, is a symbolic link (or
  //                      the sibling is not a regular file); access denied
  //   kInvalidArgument   `path` is not a regular file; the file is not a
  //                      phiscan catalog; its schema version is newer than
  //                      kSchemaVersion ("catalog FILE has schema version N;
  //                      this phiscan supports up to M"). Such files are left
  //                      byte-for-byte unchanged.
  //   kTimeout           another process holds the catalog's write lock
  //   kIoError           WAL is unavailable (e.g. a network file system),
  //                      or another I/O failure
  //   kCorrupt           SQLite found the file damaged
  // A file this call created is removed again if opening fails.
  static Result<std::unique_ptr<CatalogWriter>> Open(const std::string& path,
                                                      WriterOptions options = {});
  // If a run is in progress: commits what is queued and marks the run
  // `interrupted` (FinishRun(kInterrupted)); then closes the catalog.
  ~CatalogWriter();

  // Records a new run as `running`, with the type definitions in `info`, and
  // starts the writer thread. Returns the run id.
  // Errors: kInvalidArgument if a run is in progress on this writer, a type
  // id repeats in `info.types`, or `info.options_json` is neither empty
  // (stored as {}) nor a JSON object; kTimeout, kIoError from SQLite.
  Result<int64_t> BeginRun(const RunInfo& info);

  // Queues one asset of the current run. Blocks while the queue is full.
  // Thread-safe. A record submitted while no run is in progress is dropped
  // and recorded as a write error.
  void Submit(AssetRecord&& record);

  // Commits everything queued, stops the writer thread and marks the run
  // with `status`. If any write failed during the run, a requested
  // kCompleted is recorded as kFailed (the catalog lacks some assets) and the
  // first write error is returned. Errors: kInvalidArgument if no run is in
  // progress; the first write error; an SQLite error recording the status.
  Status FinishRun(RunStatus status);

  // Number of assets committed so far in this run.
  uint64_t committed() const;

  // Status of the first write error of this run, if any. The writer keeps
  // going: a record that cannot be written is rolled back alone (its own
  // savepoint); a batch whose commit fails is lost as a whole.
  Status write_error() const;

  class Impl;

 private:
  explicit CatalogWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace phiscan::catalog

#endif  // PHISCAN_CATALOG_CATALOG_H_
