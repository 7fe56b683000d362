// The catalog: a local SQLite database of scan runs, assets, per-type
// summaries and located findings (schema: catalog/schema.sql).
//
// CatalogWriter owns the only read-write connection. Open() creates the file
// with mode 0600 (O_EXCL under umask 077, before SQLite touches it; SQLite
// gives -wal and -shm the same mode), refuses a path that is a symlink,
// enables WAL, and migrates the schema by PRAGMA user_version (a catalog
// newer than this build is refused). Submit() and SubmitBatch() may be
// called from any thread: records go through a bounded queue to one writer
// thread, which commits in batches bounded by count and time, so a crash
// loses at most one batch. Within a batch, assets are written without a
// savepoint each and carried-over assets are applied set-wise; only when a
// statement fails is the batch written again asset by asset, so that a
// record that cannot be written costs only itself.
//
// Incremental scans: before a run, ForEachPriorAsset() lists what earlier
// runs classified, so the front end can tell the scanner which files need
// not be read again (tools/prior_state.h). A record submitted with
// `unchanged = true` only marks the asset as seen by this run; its earlier
// results stay. FinishRun(kCompleted) marks every asset under the run's
// roots that the run did not see as removed by this run; interrupted and
// failed runs never mark removals.
//
// Runs left `running` by a process that died are marked `interrupted` when
// the next writer opens the catalog. The catalog does not assume writers
// are exclusive (a front end may lock, but any program linking this module
// may open a writer; SQLite serialises their transactions), so a run is
// only declared dead when it was recorded on this host and its process id
// no longer exists.
//
// The catalog never holds a raw matched value: findings carry locators,
// masked shapes and keyed tokens only (see common/model.h).
#ifndef PHISCAN_CATALOG_CATALOG_H_
#define PHISCAN_CATALOG_CATALOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/model.h"
#include "common/status.h"

namespace phiscan::catalog {

// Current schema version (PRAGMA user_version).
constexpr int kSchemaVersion = 8;

// The files a catalog at PATH keeps, by suffix: the database itself,
// SQLite's WAL, shared memory and rollback journal, and the run lock
// (tools/run_lock.h). Its token key (by default PATH.key) is the caller's.
inline constexpr const char* kCatalogFileSuffixes[] = {"", "-wal", "-shm", "-journal", ".lock"};

// A sensitive type as it was defined when a run started; lets reports show
// names, categories and HIPAA classes without the rule pack.
struct TypeDefinition {
  std::string id;
  std::string name;
  std::string category;
  int hipaa_class = 0;
  // How values of this type are normalised before tokenising ("digits",
  // "phone", "alnum_upper", "lower", "name", "none"); lets `phireport
  // locate` compute the same token. Empty = unknown.
  std::string normalize;
};

struct RunInfo {
  std::vector<std::string> roots;  // raw bytes
  std::string options_json;        // flags that shaped the run: a JSON object, or empty
  std::string rules_version;
  // Fingerprint of the token key the run used (never the key itself).
  // Results classified under another key are not carried over, since their
  // tokens would not match. Empty = unknown.
  std::string key_id;
  std::vector<TypeDefinition> types;
  // Accept a root that shows none of the files the catalog holds under it:
  // mark them removed as usual instead of guarding the root (GuardedRoot).
  // For a share that was really emptied; a scheduled job leaves it false.
  bool allow_empty_roots = false;
};

// A root a completed run did not trust: the catalog held present files
// under it, and the run saw none of them again (it listed nothing, or only
// files new to the catalog). That is what an empty mountpoint looks like
// when a share did not mount, or another file system mounted in its place;
// taken at its word it would mark the whole share removed. Instead the run
// records the root itself as a directory asset with status `unreadable`
// and `reason` below (a coverage gap, so nothing under it is removed), and
// FinishRun reports it in CatalogWriter::guarded_roots().
struct GuardedRoot {
  std::string root;    // raw bytes, as in RunInfo::roots
  // "root_empty": the run found nothing under the root; "root_replaced": it
  // found only files the catalog had never seen there.
  std::string reason;
  uint64_t held = 0;   // present files under the root the run did not see
};

// What an earlier run recorded about a top-level file that is not marked
// removed: enough to decide whether it may be carried over unread.
struct PriorAsset {
  std::string path;  // raw bytes
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  AssetStatus status = AssetStatus::kComplete;  // coverage of the scan that classified it
  std::string rules_version;                    // rules it was classified with
  std::string key_id;                           // key of the run that classified it ("" if unknown)
  bool readable_by_everyone = false;            // its recorded readable_by is "everyone"
  bool readable_by_group = false;               // ... is "group"
  bool acl_extended = false;                    // it had named ACL entries
  bool acl_known = false;                       // its ACL was read (acl_entries not NULL)
  bool sensitive = false;                       // its label is sensitive (IsSensitiveLabel)
  bool exposed = false;                         // it was recorded exposed
  bool sqlite = false;                          // it was read as an SQLite database (format)
};

// Who can read an asset, broadest class first. Persisted as text
// (assets.readable_by): "everyone", "group", "acl", "owner".
enum class Readers { kOwner, kAcl, kGroup, kEveryone };
const char* ReadersName(Readers r);

struct Exposure {
  Readers readable_by = Readers::kOwner;
  bool group_writable = false;  // S_IWGRP (with an ACL: the mask allows some group-class write)
  bool world_writable = false;  // S_IWOTH
  // A sensitive asset that everyone can read, or that others than its
  // owner can write: the flag reports and SIEM events single out.
  bool exposed = false;
};

// True for a label that marks sensitive content (anything but "" and "NONE").
bool IsSensitiveLabel(std::string_view label);

// Exposure from st_mode and, where known, the access ACL. Without an ACL
// summary the mode bits decide; with one, the owning group counts as a
// reader only if its entry (after the mask) grants read, and named users or
// groups that can read make the asset readable by "acl". When others cannot
// search the directories above the file (`others_can_reach` false, e.g. a
// 0644 file in a 0700 directory), its "others" bits grant nothing: it is
// not readable by everyone, and world_writable does not make it exposed.
// Likewise for its owning group (`group_can_reach` false, e.g. a 0640 file
// in a 0700 directory): the group bits then grant nothing.
Exposure ComputeExposure(uint32_t mode, const std::optional<AclSummary>& acl,
                         std::string_view label, bool others_can_reach = true,
                         bool group_can_reach = true);
// Whether a sensitive file of `mode` is exposed (ComputeExposure's rule; an
// ACL does not change it): everyone may read it, or a class that can reach
// it may write it.
bool ExposedMode(uint32_t mode, bool others_can_reach, bool group_can_reach);

enum class RunStatus { kRunning, kCompleted, kInterrupted, kFailed };
const char* RunStatusName(RunStatus s);

struct WriterOptions {
  // Commit after this many assets or this long, whichever comes first. A
  // commit writes every page its batch touched to the WAL, and the token
  // index is touched all over, so larger batches write far less: from 500
  // assets / 250 ms to these, the writer's CPU on the benchmark tree fell by
  // a fifth. A crash of the process loses at most one batch; an operating
  // system crash or power loss can also lose the batches committed since
  // the last checkpoint (synchronous = NORMAL; up to 32 MiB of WAL). Either
  // way the run is later marked interrupted and the next scan rescans what
  // is missing.
  size_t batch_assets = 2000;
  int batch_millis = 1000;
  // Records waiting for the writer thread: at most this many, and at most
  // this much memory by RecordFootprint (each bound may be passed by one
  // batch handed over when there was room). While the writer commits a
  // batch it takes nothing from the queue; with room for only 1,024
  // records the scanning threads then stopped for want of it, and on 2
  // cores a core stood idle for 0.3-0.4 s of a 5 s scan of the benchmark
  // tree (README "Performance").
  size_t queue_capacity = 16384;
  size_t queue_bytes = 32u << 20;
};

// The writer's estimate of the memory a queued record holds: the record,
// its strings and its summaries and findings. Counts against
// WriterOptions::queue_bytes.
size_t RecordFootprint(const AssetRecord& record);

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

  // Calls `fn` for every top-level file asset not marked removed, as the
  // catalog recorded it (any status; the caller decides what may be carried
  // over). Owner thread, not while a run is in progress (kInvalidArgument).
  // Errors from SQLite as for BeginRun.
  Status ForEachPriorAsset(const std::function<void(const PriorAsset&)>& fn);

  // Number of runs Open() found left `running` by a dead process on this
  // host and marked `interrupted`.
  int stale_runs_marked() const;

  // Records a new run as `running` (with this process's id and host), the
  // type definitions and raw roots in `info`, and starts the writer thread.
  // Returns the run id.
  // Errors: kInvalidArgument if a run is in progress on this writer, a type
  // id repeats in `info.types`, or `info.options_json` is neither empty
  // (stored as {}) nor a JSON object; kTimeout, kIoError from SQLite.
  Result<int64_t> BeginRun(const RunInfo& info);

  // Queues one asset of the current run. Blocks while the queue is full.
  // Thread-safe. A record submitted while no run is in progress is dropped
  // and recorded as a write error.
  void Submit(AssetRecord&& record);
  // Queues a batch of assets of the current run at once (one lock, one
  // wake-up). Blocks while the queue is full; the batch then goes in whole,
  // so the queue may hold queue_capacity - 1 records plus one batch (and
  // as much over queue_bytes).
  // Thread-safe. `records` is left empty.
  void SubmitBatch(std::vector<AssetRecord>&& records);

  // Roots of the current run under which its filters (--include,
  // --exclude) left out every file the walk found: a glob that matches
  // nothing there, most likely a mistake, and no sign of a share that did
  // not mount. Unless RunInfo::allow_empty_roots, FinishRun marks nothing
  // under them removed (through any root) and does not guard them: they
  // get no gap record and are not in guarded_roots(); telling the user is
  // the caller's. Owner thread, while a run is in progress; replaces what
  // an earlier call set.
  void SetFilteredOutRoots(std::vector<std::string> roots);

  // Commits everything queued, stops the writer thread and marks the run
  // with `status`. If any write failed during the run, a requested
  // kCompleted is recorded as kFailed (the catalog lacks some assets) and the
  // first write error is returned. Only a run recorded as kCompleted marks
  // removals: assets under one of its roots (the root itself or below it,
  // bytewise) that it did not see, except below a directory it could not
  // read, under a root that showed none of its files (recorded as a gap
  // instead, unless RunInfo::allow_empty_roots: see GuardedRoot) or under a
  // root whose files the filters all left out (SetFilteredOutRoots), get
  // removed_run = this run (see removed()). Errors: kInvalidArgument if no
  // run is in progress; the first write error; an SQLite error recording
  // the status.
  Status FinishRun(RunStatus status);

  // Number of assets committed so far in this run.
  uint64_t committed() const;

  // What the writer thread did in the last run, for benchmarks: the time it
  // spent writing (from taking records off the queue to committing them),
  // as wall time and as its own CPU time, and the located findings (rows)
  // it committed. Owner thread, after FinishRun.
  struct WriterStats {
    double busy_seconds = 0;
    double busy_cpu_seconds = 0;
    uint64_t findings_written = 0;
    // Time the submitting threads spent waiting for room in the queue (the
    // sum over threads): how much the writer held the scan back.
    double queue_wait_seconds = 0;
    // The most the queue held at once, by RecordFootprint.
    uint64_t peak_queue_bytes = 0;
  };
  WriterStats writer_stats() const;
  // Number of the last run's assets that are coverage gaps (status other
  // than complete), as its runs row counts them: assets it wrote with such
  // a status, files it carried over unread whose recorded status is one
  // (skipped, encrypted: one each, as each is one of its assets, their
  // members not counted), and its guarded roots. Owner thread, after
  // FinishRun.
  uint64_t gaps() const;
  // Number of assets the last FinishRun marked removed.
  uint64_t removed() const;
  // Roots the last FinishRun(kCompleted) recorded as gaps instead of
  // marking what lies below them removed (see GuardedRoot); empty when the
  // run allowed empty roots or every root showed some of its files.
  const std::vector<GuardedRoot>& guarded_roots() const;

  // Retention: deletes run history older than what is kept, without losing
  // the current inventory. Keeps the newest `keep_runs` runs of each set of
  // roots (each job of a shared catalog; 0: no count limit) and every run
  // after the oldest of them, and every run started within
  // `older_than_days` days (0: no age limit); with both, a run is deleted
  // only if both allow it; the newest run is always kept. Runs are deleted
  // oldest first up to the oldest kept run (the "floor"): present assets
  // keep their findings, and references to deleted runs (first seen, last
  // scanned, history used by `diff`) move to the floor; assets removed
  // before the floor are deleted. Freed pages are overwritten
  // (secure_delete) and the file is vacuumed.
  // REQUIRES: no run in progress on this writer. Errors: SQLite errors
  // naming the catalog; kInvalidArgument if both limits are 0.
  struct PruneResult {
    uint64_t runs_deleted = 0;
    uint64_t assets_deleted = 0;
    int64_t floor_run = 0;
  };
  Result<PruneResult> Prune(int keep_runs, int older_than_days);

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
