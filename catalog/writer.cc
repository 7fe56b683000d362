#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/internal/host.h"
#include "catalog/internal/schema.h"
#include "catalog/internal/sqlite.h"
#include "common/escape.h"
#include "common/unique_fd.h"

namespace phiscan::catalog {

using internal::Db;
using internal::DisplayPath;
using internal::Exec;
using internal::HostName;
using internal::RunProcessAlive;
using internal::SqliteStatus;
using internal::Statement;

const char* RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kCompleted:
      return "completed";
    case RunStatus::kInterrupted:
      return "interrupted";
    case RunStatus::kFailed:
      return "failed";
  }
  return "failed";
}

size_t RecordFootprint(const AssetRecord& r) {
  size_t n = sizeof(AssetRecord) + r.path.size() + r.reason.size() + r.detail.size() +
             r.format.size() + r.label.size() + r.label_rule.size();
  if (r.member) n += r.member->size();
  n += r.types.capacity() * sizeof(TypeSummary);
  for (const TypeSummary& t : r.types) n += t.type_id.size();
  n += r.findings.capacity() * sizeof(FindingRecord);
  for (const FindingRecord& f : r.findings) n += f.type_id.size() + f.masked.size();
  return n;
}

namespace {

// Every write goes through the busy handler first: another scan writing the
// same catalog gets this long before we report kTimeout.
constexpr int kBusyTimeoutMillis = 5000;

// Page size of a new catalog (SQLite's default is 4 KiB). A batch inserts
// its findings' keys all over the token index, so a commit writes most of
// that index's leaves; with 16 KiB pages there are a quarter as many, each
// with its WAL frame, checksum, cache entry and rebalancing. The writer's
// CPU on the benchmark tree fell by about a fifth (README "Performance").
constexpr int kPageSize = 16384;

// SQLite counts every allocation under a global mutex unless told not to,
// and the catalog never asks for the counts. Only possible before SQLite
// initialises; if something in the process already used SQLite, the call
// fails harmlessly and the counts stay on. sqlite3_config is not
// thread-safe: the first CatalogWriter::Open must come before any other
// thread uses SQLite (phiscan opens its catalog before the scan starts).
void DisableSqliteMemoryStatistics() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

// Upper bound on the WAL left on disk after a checkpoint, so a long scan
// cannot grow it without bound.
constexpr int64_t kJournalSizeLimit = 64 << 20;

using Fd = UniqueFd;

Status ErrnoStatus(int err, const std::string& what) {
  std::string message = what + ": " + std::strerror(err);
  if (err == EACCES || err == EPERM || err == EROFS) return Status::PermissionDenied(message);
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(message);
  return Status::IoError(message);
}

// A JSON string literal for text that is already valid UTF-8 without control
// characters (EscapeBytes output), so only quote and backslash need escaping.
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string RootsJson(const std::vector<std::string>& roots) {
  std::string out = "[";
  for (size_t i = 0; i < roots.size(); ++i) {
    if (i > 0) out += ',';
    out += JsonString(EscapeBytes(roots[i]));
  }
  return out + "]";
}

std::string UserName() {
  uid_t uid = geteuid();
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return EscapeBytes(found->pw_name);
  }
  return std::to_string(uid);
}

// Makes sure `path` names a regular file that is not a symlink, creating it
// with mode 0600 if absent. SQLite is then opened without SQLITE_OPEN_CREATE,
// so it can never create the file with a looser mode itself.
Status EnsureCatalogFile(const std::string& path, bool* created) {
  *created = false;
  const std::string display = DisplayPath(path);
  for (int attempt = 0; attempt < 2; ++attempt) {
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
      if (S_ISLNK(st.st_mode)) {
        return Status::PermissionDenied("catalog " + display +
                                        " is a symbolic link; refusing to open it");
      }
      if (!S_ISREG(st.st_mode)) {
        return Status::InvalidArgument("catalog " + display + " is not a regular file");
      }
      // Each name of a file with hard links gets its own write-ahead log,
      // index and run lock: two runs, one through each name, wrote the same
      // database at once and left it malformed.
      if (st.st_nlink > 1) {
        return Status::InvalidArgument(
            "catalog " + display + " has " + std::to_string(st.st_nlink) +
            " names (hard links); refusing to write it: each name would have its own "
            "write-ahead log and run lock. Keep one name (or copy the catalog)");
      }
      return Status::Ok();
    }
    if (errno != ENOENT) return ErrnoStatus(errno, "catalog " + display);
    Fd fd(open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() >= 0) {
      *created = true;
      return Status::Ok();
    }
    // Someone created it between lstat and open: check what it is now.
    if (errno != EEXIST) return ErrnoStatus(errno, "creating catalog " + display);
  }
  return Status::IoError("catalog " + display + " keeps changing while it is opened");
}

// A -wal or -shm that is a symlink or not a regular file was planted or
// damaged; SQLite would refuse it too, but with a vaguer message.
Status CheckSiblingsBeforeOpen(const std::string& path) {
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string sibling = path + suffix;
    struct stat st;
    if (lstat(sibling.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      return ErrnoStatus(errno, "catalog file " + DisplayPath(sibling));
    }
    if (S_ISLNK(st.st_mode)) {
      return Status::PermissionDenied("catalog file " + DisplayPath(sibling) +
                                      " is a symbolic link; refusing to open the catalog");
    }
    if (!S_ISREG(st.st_mode)) {
      return Status::PermissionDenied("catalog file " + DisplayPath(sibling) +
                                      " is not a regular file; refusing to open the catalog");
    }
  }
  return Status::Ok();
}

// SQLite creates -wal and -shm with the catalog's own mode, but files left
// from an earlier process keep theirs. Neither may be a symlink or more
// readable than the catalog, since the WAL holds the same content.
Status SecureSiblings(const std::string& path) {
  struct stat main_st;
  if (stat(path.c_str(), &main_st) != 0) {
    return ErrnoStatus(errno, "catalog " + DisplayPath(path));
  }
  const mode_t allowed = main_st.st_mode & 0666;
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string sibling = path + suffix;
    const std::string display = DisplayPath(sibling);
    // O_NONBLOCK: a FIFO planted under this name must not hang us.
    Fd fd(open(sibling.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) continue;
      if (errno == ELOOP) {
        return Status::PermissionDenied("catalog file " + display + " is a symbolic link");
      }
      return ErrnoStatus(errno, "catalog file " + display);
    }
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "catalog file " + display);
    if (!S_ISREG(st.st_mode)) {
      return Status::PermissionDenied("catalog file " + display + " is not a regular file");
    }
    const mode_t perms = st.st_mode & 07777;
    if ((perms & ~allowed) != 0 && fchmod(fd.get(), perms & allowed) != 0) {
      return ErrnoStatus(errno, "restricting the mode of " + display);
    }
  }
  return Status::Ok();
}

// Applies every migration step newer than the catalog's version, in one
// transaction so a crash leaves either the old or the new schema.
Status Migrate(sqlite3* db, const std::string& display) {
  const std::string what = "migrating catalog " + display;
  Status s = Exec(db, "BEGIN IMMEDIATE", what);
  if (!s.ok()) return s;
  // Re-read under the write lock: another process may have migrated since.
  Result<int> version = internal::CheckSchemaVersion(db, display);
  if (!version.ok()) {
    Exec(db, "ROLLBACK", what);
    return version.status();
  }
  for (const internal::MigrationStep& step : internal::MigrationSteps()) {
    if (step.version <= *version) continue;
    s = Exec(db, step.sql, what);
    // PRAGMA takes no bound parameters; the value is our own integer.
    if (s.ok()) s = Exec(db, "PRAGMA user_version = " + std::to_string(step.version), what);
    if (!s.ok()) {
      Exec(db, "ROLLBACK", what);
      return s;
    }
  }
  s = Exec(db, "COMMIT", what);
  if (!s.ok()) Exec(db, "ROLLBACK", what);
  return s;
}

Status EnableWal(sqlite3* db, const std::string& display) {
  const std::string what = "catalog " + display;
  auto stmt = Statement::Prepare(db, "PRAGMA journal_mode = WAL");
  if (!stmt.ok()) return stmt.status();
  int rc = stmt->Step();
  if (rc != SQLITE_ROW) return SqliteStatus(db, rc, what);
  // SQLite answers with the mode in effect; it keeps the old one when the
  // file system cannot provide WAL's shared memory (network mounts).
  if (stmt->ColumnBytes(0) != "wal") {
    return Status::IoError("catalog " + display +
                           ": cannot use write-ahead logging; keep the catalog on a local disk");
  }
  Status s = Exec(db,
                  "PRAGMA synchronous = NORMAL;"
                  "PRAGMA foreign_keys = ON;"
                  "PRAGMA temp_store = MEMORY;"
                  // 32 MiB of page cache (default 2 MiB): the token index of
                  // a large catalog is inserted at random places, and a
                  // small cache re-reads its pages for every batch.
                  "PRAGMA cache_size = -32768;"
                  // Checkpoint at 32 MiB of WAL (default 4 MiB). A batch
                  // rewrites most of the token index's pages, so with the
                  // default nearly every commit was followed by a checkpoint
                  // copying them into the file again: on the benchmark tree
                  // the scan used 1 s more CPU, 2 threads 0.6 s more wall.
                  // FinishRun checkpoints and truncates the WAL anyway.
                  "PRAGMA wal_autocheckpoint = 8192;"
                  "PRAGMA journal_size_limit = " +
                      std::to_string(kJournalSizeLimit),
                  what);
  return s;
}

// Carried-over paths per set-wise UPDATE: a statement's overhead spread
// over many rows, with a short enough IN list to stay one index probe per
// path.
constexpr int kCarryChunk = 64;

std::string CarryOverSqlText() {
  std::string sql =
      "UPDATE assets SET last_seen_run = ?1 WHERE removed_run IS NULL AND path IN (";
  for (int i = 0; i < kCarryChunk; ++i) {
    if (i > 0) sql += ", ";
    sql += "?" + std::to_string(i + 2);
  }
  // Per row: whether it is a top-level file, and the path of a top-level
  // file whose recorded status is a coverage gap (else NULL).
  return sql + ") RETURNING member = x'', CASE WHEN member = x'' AND status <> " +
         std::to_string(static_cast<int>(AssetStatus::kComplete)) + " THEN path END";
}
const std::string kCarryOverSql = CarryOverSqlText();

// CPU time of the calling thread, for the writer's statistics.
int64_t ThreadCpuNanos() {
  struct timespec ts {};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// What a scan found in an asset, in 64 bits, for `diff`'s findings_changed
// (asset_history.types_digest, catalog/migrations/v4.sql): FNV-1a over one
// line per type, sorted by id, "TYPE\tcount\tunique_count\tconfidence\n".
// The confidence of the best score, not the score itself, so a finer score
// that changes no report changes nothing here. The format is persisted:
// never change it (a new one needs a new column).
int64_t TypesDigest(const std::vector<TypeSummary>& types) {
  std::vector<const TypeSummary*> sorted;
  sorted.reserve(types.size());
  for (const TypeSummary& t : types) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(),
            [](const TypeSummary* a, const TypeSummary* b) { return a->type_id < b->type_id; });
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  auto add = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 0x100000001b3ULL;  // FNV-1a 64 prime
    }
  };
  for (const TypeSummary* t : sorted) {
    add(t->type_id);
    add("\t" + std::to_string(t->count) + "\t" + std::to_string(t->unique_count) + "\t");
    add(ConfidenceName(ConfidenceFromScore(t->max_score)));
    add("\n");
  }
  return static_cast<int64_t>(h);  // two's complement, as every unsigned 64-bit column
}

// Who could read or write an asset, in 64 bits, for `diff`'s access_changed
// (asset_history.access_digest, catalog/migrations/v8.sql): FNV-1a over
// "mode\tuid\tgid\treaders\tgroup_writable\tworld_writable\tacl\n", the
// permission bits in octal and the ACL as its named entries and readers
// ("-" without one). Persisted like TypesDigest: never change the format.
int64_t AccessDigest(const AssetRecord& r, const Exposure& e) {
  char mode[16];
  std::snprintf(mode, sizeof mode, "%o", static_cast<unsigned>(r.mode & 07777));
  const std::string acl =
      r.acl ? std::to_string(r.acl->named_entries) + "/" + std::to_string(r.acl->named_readers)
            : std::string("-");
  const std::string line = std::string(mode) + "\t" + std::to_string(r.uid) + "\t" +
                           std::to_string(r.gid) + "\t" + ReadersName(e.readable_by) + "\t" +
                           (e.group_writable ? "1" : "0") + "\t" + (e.world_writable ? "1" : "0") +
                           "\t" + acl + "\n";
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : line) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV-1a 64 prime
  }
  return static_cast<int64_t>(h);
}

struct BatchTotals {
  uint64_t assets = 0;
  uint64_t unchanged = 0;
  uint64_t bytes_scanned = 0;
  uint64_t findings = 0;
  uint64_t gaps = 0;
};

// Every path below `root` starts with this (the walker joins with exactly
// one '/', and keeps a root's trailing '/').
std::string RootPrefix(const std::string& root) {
  return !root.empty() && root.back() == '/' ? root : root + '/';
}

// True if `path` is `dir` or lies below it.
bool IsAtOrBelow(const std::string& path, const std::string& dir) {
  if (path == dir) return true;
  const std::string prefix = RootPrefix(dir);
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0;
}

// Runs left 'running' by a process that no longer exists on this host
// (or whose pid is now a later process's: RunProcessAlive) are marked
// 'interrupted'. Runs from version 1 carry no pid (0): no writer of
// that version can still be writing a version-2 catalog's run... except
// one that started before the upgrade, which the busy timeout would have
// made fail anyway; they are marked too. Runs recorded on another host are
// left alone: we cannot tell.
Result<int> MarkStaleRuns(sqlite3* db, const std::string& display, const std::string& host) {
  const std::string what = "checking unfinished runs in catalog " + display;
  auto select = Statement::Prepare(
      db, "SELECT id, pid, host, started_at FROM runs WHERE status = 'running'");
  if (!select.ok()) return select.status();
  std::vector<int64_t> stale;
  int rc;
  while ((rc = select->Step()) == SQLITE_ROW) {
    const int64_t pid = select->ColumnInt(1);
    if (pid == 0 ||
        (select->ColumnBytes(2) == host && !RunProcessAlive(pid, select->ColumnInt(3)))) {
      stale.push_back(select->ColumnInt(0));
    }
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db, rc, what);
  if (stale.empty()) return 0;
  auto update = Statement::Prepare(
      db, "UPDATE runs SET status = 'interrupted' WHERE id = ?1 AND status = 'running'");
  if (!update.ok()) return update.status();
  for (int64_t id : stale) {
    update->BindInt(1, id);
    if (Status s = update->Run(what); !s.ok()) return s;
  }
  return static_cast<int>(stale.size());
}

}  // namespace

// Owns the connection, the queue and the writer thread.
//
// Threading: Open, BeginRun and FinishRun run on the owner's thread while
// the writer thread is not running (thread start and join order the
// accesses); between them only the writer thread touches `db_` and the
// statements. The queue, `stopping_` and `first_error_` are guarded by `mu_`.
class CatalogWriter::Impl {
 public:
  Impl(Db db, std::string display, WriterOptions options)
      : db_(std::move(db)), display_(std::move(display)), options_(options) {
    if (options_.batch_assets == 0) options_.batch_assets = 1;
    if (options_.queue_capacity == 0) options_.queue_capacity = 1;
    if (options_.batch_millis < 0) options_.batch_millis = 0;
  }

  ~Impl() {
    if (run_active_) FinishRun(RunStatus::kInterrupted);
  }

  Status PrepareStatements();
  Status ForEachPriorAsset(const std::function<void(const PriorAsset&)>& fn);
  Result<int64_t> BeginRun(const RunInfo& info);
  void Submit(AssetRecord&& record);
  void SubmitBatch(std::vector<AssetRecord>&& records);
  void SetFilteredOutRoots(std::vector<std::string> roots) { filtered_out_ = std::move(roots); }
  Status FinishRun(RunStatus status);
  CatalogWriter::WriterStats stats() const {
    std::lock_guard lock(mu_);
    return {std::chrono::duration<double>(busy_).count(), busy_cpu_ns_ / 1e9, findings_written_,
            std::chrono::duration<double>(queue_wait_).count(), peak_queue_bytes_};
  }
  Result<CatalogWriter::PruneResult> Prune(int keep_runs, int older_than_days);
  uint64_t committed() const { return committed_.load(); }
  uint64_t gaps() const { return gaps_; }
  uint64_t removed() const { return removed_; }
  const std::vector<GuardedRoot>& guarded_roots() const { return guarded_; }
  int stale_runs_marked() const { return stale_runs_marked_; }
  void set_stale_runs_marked(int n) { stale_runs_marked_ = n; }
  Status write_error() const {
    std::lock_guard lock(mu_);
    return first_error_;
  }

 private:
  void RecordError(Status s) {
    std::lock_guard lock(mu_);
    if (first_error_.ok()) first_error_ = std::move(s);
  }
  // Blocks the submitting thread until the queue has room for a record,
  // timing the wait if there was one. `lock` holds mu_.
  void WaitForRoom(std::unique_lock<std::mutex>& lock) {
    auto room = [&] {
      return queue_.size() < options_.queue_capacity && queue_bytes_ < options_.queue_bytes;
    };
    if (room()) return;
    const auto started = std::chrono::steady_clock::now();
    not_full_.wait(lock, room);
    queue_wait_ += std::chrono::steady_clock::now() - started;
  }
  // Counts `bytes` more in the queue. Holds mu_.
  void Queued(size_t bytes) {
    queue_bytes_ += bytes;
    peak_queue_bytes_ = std::max<uint64_t>(peak_queue_bytes_, queue_bytes_);
  }
  void WriterLoop();
  // Adds `records` to the batch, writing and committing it whenever it
  // reaches batch_assets records.
  void Absorb(std::vector<AssetRecord>& records);
  // Writes the batch (txn_) in one transaction and commits it. The records
  // wait in memory until then, so that writing them is one burst per batch
  // instead of a little after every hand-over: the B-tree pages a batch
  // touches (the token index's all over) stay in the CPU's caches. Paced
  // as a scan hands them over, the writer's CPU on the benchmark tree fell
  // by about a tenth (tools/bench/writer_replay --seconds). The records are
  // no less durable: a batch was only ever committed whole.
  void Flush();
  // Commits the open transaction with the run's counters for its records.
  void Commit();
  // Carries over txn_[begin, end), all unchanged, with one set-wise
  // UPDATE; looks paths up one by one only if some are missing.
  void CarryOver(size_t begin, size_t end);
  // A statement of the open transaction failed: rolls it back and writes
  // txn_[0, written) again, each in its own savepoint, so a bad record
  // costs only itself. Records that failed before are not retried. False
  // if no transaction could be begun (the batch is lost and cleared).
  bool ReplayTransaction(size_t written);
  // Writes one asset inside its own savepoint.
  Status WriteOneIsolated(const AssetRecord& record);
  // Upserts one scanned asset with its types and findings. Not atomic by
  // itself: the caller rolls back (the transaction or a savepoint) on error.
  // Findings go in with their asset, so the table and findings_by_asset
  // are appended to in a first scan. (Inserting a batch's findings sorted
  // by token paid while the token index was keyed by the whole 32-byte
  // token; with its 8-byte integer key, schema version 5, it saves nothing.)
  Status WriteAsset(const AssetRecord& record);
  Status InsertFinding(int64_t asset_id, const FindingRecord& f);
  // An asset the scanner carried over unread: only its last_seen_run moves
  // (for its members too).
  Status TouchUnchanged(const AssetRecord& record);
  void RecordAssetError(const AssetRecord& record, const Status& s);
  // Marks what the finished run did not see (see CatalogWriter::FinishRun),
  // and records a root that showed none of its files as a gap instead
  // (guarded_). Inside the caller's transaction.
  Status MarkRemovals(uint64_t* removed);
  void RollbackIfOpen() {
    if (!sqlite3_get_autocommit(db_.get())) rollback_.Run("rolling back");
  }

  Db db_;
  const std::string display_;
  WriterOptions options_;

  const std::string what_ = "catalog " + display_;  // context for error messages
  Statement begin_, commit_, rollback_, savepoint_, release_, rollback_to_;
  Statement upsert_asset_, asset_id_, delete_types_, delete_findings_, insert_type_, insert_finding_;
  Statement add_counters_, touch_unchanged_, carry_over_, insert_history_, prior_label_;

  int64_t run_id_ = 0;
  std::string rules_version_;
  std::vector<std::string> roots_;  // raw roots of the current run
  // Directories this run could not enter: nothing below them is "removed".
  // Written by the writer thread, read by FinishRun after the join.
  std::vector<std::string> gap_dirs_;
  uint64_t removed_ = 0;
  bool allow_empty_roots_ = false;       // RunInfo::allow_empty_roots of the current run
  std::vector<GuardedRoot> guarded_;     // roots the last FinishRun recorded as gaps
  std::vector<std::string> filtered_out_;  // SetFilteredOutRoots of the current run
  int stale_runs_marked_ = 0;
  std::atomic<bool> run_active_{false};
  std::atomic<uint64_t> committed_{0};
  std::thread thread_;

  // Writer thread only: the records of the batch (written by Flush, and
  // kept until its commit so that its transaction can be replayed record by
  // record), whether each was written, and when the batch must be
  // committed at the latest.
  std::vector<AssetRecord> txn_;
  std::vector<uint8_t> txn_ok_;
  // Per record of txn_: carried over, and its recorded status is a gap.
  std::vector<uint8_t> txn_carried_gap_;
  std::chrono::steady_clock::time_point deadline_;
  std::vector<AssetRecord> incoming_;  // taken from queue_ in one swap
  // Statistics of the current run, read after the writer thread joined.
  std::chrono::steady_clock::duration busy_{};
  int64_t busy_cpu_ns_ = 0;
  uint64_t findings_written_ = 0;
  uint64_t gaps_ = 0;  // the run's coverage gaps committed (its runs row's gaps)

  mutable std::mutex mu_;
  std::condition_variable not_empty_;  // queue gained records or stopping_ was set
  std::condition_variable not_full_;   // the writer took the queue
  std::vector<AssetRecord> queue_;     // GUARDED_BY(mu_)
  size_t queue_bytes_ = 0;             // GUARDED_BY(mu_): RecordFootprint of queue_
  uint64_t peak_queue_bytes_ = 0;      // GUARDED_BY(mu_)
  std::chrono::steady_clock::duration queue_wait_{};  // GUARDED_BY(mu_)
  bool stopping_ = false;              // GUARDED_BY(mu_)
  Status first_error_;                 // GUARDED_BY(mu_)
};

Status CatalogWriter::Impl::PrepareStatements() {
  struct Entry {
    Statement* stmt;
    const char* sql;
  };
  const Entry entries[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&savepoint_, "SAVEPOINT asset"},
      {&release_, "RELEASE asset"},
      {&rollback_to_, "ROLLBACK TO asset"},
      // first_seen_run is kept on update: it answers "since when do we know this".
      // A scanned asset is present again: removed_run is cleared.
      {&upsert_asset_,
       "INSERT INTO assets (path, member, kind, status, reason, detail, size, mtime_ns, ctime_ns,"
       " dev, ino, mode, uid, gid, bytes_scanned, label, label_rule, rules_version,"
       " first_seen_run, last_scan_run, last_seen_run, removed_run, readable_by, group_writable,"
       " world_writable, acl_entries, acl_readers, exposed, format)"
       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
       " ?19, ?19, ?19, NULL, ?20, ?21, ?22, ?23, ?24, ?25, ?26)"
       " ON CONFLICT (path, member) DO UPDATE SET kind = excluded.kind,"
       " status = excluded.status, reason = excluded.reason, detail = excluded.detail,"
       " size = excluded.size, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns,"
       " dev = excluded.dev, ino = excluded.ino, mode = excluded.mode, uid = excluded.uid,"
       " gid = excluded.gid, bytes_scanned = excluded.bytes_scanned, label = excluded.label,"
       " label_rule = excluded.label_rule, rules_version = excluded.rules_version,"
       " last_scan_run = excluded.last_scan_run, last_seen_run = excluded.last_seen_run,"
       " removed_run = NULL, readable_by = excluded.readable_by,"
       " group_writable = excluded.group_writable, world_writable = excluded.world_writable,"
       " acl_entries = excluded.acl_entries, acl_readers = excluded.acl_readers,"
       " exposed = excluded.exposed, format = excluded.format"},
      // The id of an asset the upsert updated (an insert gives its rowid).
      {&asset_id_, "SELECT id FROM assets WHERE path = ?1 AND member = ?2"},
      // Members of a carried-over file are carried over with it (same path).
      {&touch_unchanged_,
       "UPDATE assets SET last_seen_run = ?2 WHERE path = ?1 AND removed_run IS NULL"},
      // What a file that can no longer be read was last classified as.
      {&prior_label_,
       "SELECT label, label_rule FROM assets"
       " WHERE path = ?1 AND member = x'' AND removed_run IS NULL AND label IS NOT NULL"},
      // The same for kCarryChunk paths at once (unused places bound to NULL,
      // which matches nothing); one row per top-level asset says which
      // paths the catalog holds.
      {&carry_over_, kCarryOverSql.c_str()},
      // A path given twice in one run (overlapping roots) keeps its last state.
      {&insert_history_,
       "INSERT OR REPLACE INTO asset_history"
       " (asset_id, run_id, event, status, label, exposed, size, mtime_ns, ino, types_digest,"
       " readable_by, access_digest)"
       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
      {&delete_types_, "DELETE FROM asset_types WHERE asset_id = ?1"},
      {&delete_findings_, "DELETE FROM findings WHERE asset_id = ?1"},
      {&insert_type_,
       "INSERT INTO asset_types (asset_id, type_id, count, unique_count, max_score)"
       " VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&insert_finding_,
       "INSERT INTO findings (asset_id, type_id, score, start, \"end\", line, masked, token,"
       " token_prefix) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
      {&add_counters_,
       "UPDATE runs SET assets = assets + ?1, bytes_scanned = bytes_scanned + ?2,"
       " findings = findings + ?3, gaps = gaps + ?4, unchanged = unchanged + ?6 WHERE id = ?5"},
  };
  for (const Entry& e : entries) {
    auto stmt = Statement::Prepare(db_.get(), e.sql);
    if (!stmt.ok()) return stmt.status();
    *e.stmt = std::move(stmt.value());
  }
  return Status::Ok();
}

Result<int64_t> CatalogWriter::Impl::BeginRun(const RunInfo& info) {
  if (run_active_) return Status::InvalidArgument("a run is already in progress on this catalog");
  const std::string what = "recording a run in catalog " + display_;
  const std::string options_json = info.options_json.empty() ? "{}" : info.options_json;
  {
    auto valid =
        Statement::Prepare(db_.get(), "SELECT json_valid(?1) AND json_type(?1) = 'object'");
    if (!valid.ok()) return valid.status();
    valid->BindText(1, options_json);
    if (valid->Step() != SQLITE_ROW || valid->ColumnInt(0) != 1) {
      return Status::InvalidArgument("run options are not a JSON object");
    }
  }
  Status s = begin_.Run(what);
  if (!s.ok()) return s;

  auto insert_run = Statement::Prepare(
      db_.get(),
      "INSERT INTO runs (started_at, status, roots, options, rules_version, host, user, pid,"
      " key_id) VALUES (?1, 'running', ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!insert_run.ok()) {
    RollbackIfOpen();
    return insert_run.status();
  }
  insert_run->BindInt(1, static_cast<int64_t>(std::time(nullptr)));
  insert_run->BindText(2, RootsJson(info.roots));
  insert_run->BindText(3, options_json);
  insert_run->BindText(4, info.rules_version);
  insert_run->BindText(5, HostName());
  insert_run->BindText(6, UserName());
  insert_run->BindInt(7, static_cast<int64_t>(getpid()));
  insert_run->BindText(8, info.key_id);
  s = insert_run->Run(what);
  const int64_t run_id = sqlite3_last_insert_rowid(db_.get());

  auto insert_root = Statement::Prepare(
      db_.get(), "INSERT OR IGNORE INTO run_roots (run_id, root) VALUES (?1, ?2)");
  if (s.ok() && !insert_root.ok()) s = insert_root.status();
  for (size_t i = 0; s.ok() && i < info.roots.size(); ++i) {
    insert_root->BindInt(1, run_id);
    insert_root->BindBlob(2, info.roots[i]);
    s = insert_root->Run(what);
  }

  auto insert_type =
      Statement::Prepare(db_.get(),
                         "INSERT INTO types (run_id, type_id, name, category, hipaa_class,"
                         " normalize) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (s.ok() && !insert_type.ok()) s = insert_type.status();
  for (size_t i = 0; s.ok() && i < info.types.size(); ++i) {
    const TypeDefinition& t = info.types[i];
    insert_type->BindInt(1, run_id);
    insert_type->BindText(2, t.id);
    insert_type->BindText(3, t.name);
    insert_type->BindText(4, t.category);
    insert_type->BindInt(5, t.hipaa_class);
    insert_type->BindText(6, t.normalize);
    s = insert_type->Run(what + " (type " + EscapeBytes(t.id) + ")");
  }
  if (s.ok()) s = commit_.Run(what);
  if (!s.ok()) {
    RollbackIfOpen();
    return s;
  }

  run_id_ = run_id;
  rules_version_ = info.rules_version;
  roots_ = info.roots;
  allow_empty_roots_ = info.allow_empty_roots;
  gap_dirs_.clear();
  guarded_.clear();
  filtered_out_.clear();
  removed_ = 0;
  committed_ = 0;
  busy_ = {};
  busy_cpu_ns_ = 0;
  findings_written_ = 0;
  gaps_ = 0;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
    first_error_ = Status::Ok();
    queue_wait_ = {};
    peak_queue_bytes_ = 0;
  }
  // A run that cannot start is recorded as failed, not left running.
  auto fail_run = [&](Status why) {
    Exec(db_.get(), "PRAGMA foreign_keys = ON", what);
    Exec(db_.get(),
         "UPDATE runs SET status = 'failed', finished_at = " + std::to_string(std::time(nullptr)) +
             " WHERE id = " + std::to_string(run_id),
         what);
    return why;
  };
  // The run's rows are written with foreign key enforcement off, and it is
  // back on once the run is finished (FinishRun). Every reference the writer
  // thread makes is valid by construction (an asset id it has just written
  // or looked up, this run's id), and a run deletes no asset, so no cascade
  // is skipped; Prune, which does delete, runs with enforcement on. Checking
  // each located finding's asset opened and sought a cursor on `assets` per
  // row: 14 % of the writer's instructions on the benchmark tree.
  // (Cannot change inside a transaction; none is open here.)
  if (Status fk = Exec(db_.get(), "PRAGMA foreign_keys = OFF", what); !fk.ok()) {
    return fail_run(fk);
  }
  try {
    thread_ = std::thread([this] { WriterLoop(); });
  } catch (const std::exception& e) {
    return fail_run(Status::IoError("starting the catalog writer thread: " + std::string(e.what())));
  }
  run_active_ = true;
  return run_id;
}

void CatalogWriter::Impl::Submit(AssetRecord&& record) {
  if (!run_active_) {
    RecordError(Status::InvalidArgument("asset submitted outside a run; dropped"));
    return;
  }
  const size_t bytes = RecordFootprint(record);
  std::unique_lock lock(mu_);
  WaitForRoom(lock);
  queue_.push_back(std::move(record));
  Queued(bytes);
  lock.unlock();
  not_empty_.notify_one();
}

void CatalogWriter::Impl::SubmitBatch(std::vector<AssetRecord>&& records) {
  if (records.empty()) return;
  if (!run_active_) {
    RecordError(Status::InvalidArgument("assets submitted outside a run; dropped"));
    return;
  }
  size_t bytes = 0;
  for (const AssetRecord& r : records) bytes += RecordFootprint(r);
  std::unique_lock lock(mu_);
  // The whole batch goes in once there is room for one record, so the queue
  // holds at most queue_capacity - 1 + one batch.
  WaitForRoom(lock);
  Queued(bytes);
  if (queue_.empty()) {
    queue_.swap(records);
  } else {
    queue_.insert(queue_.end(), std::make_move_iterator(records.begin()),
                  std::make_move_iterator(records.end()));
    records.clear();
  }
  lock.unlock();
  not_empty_.notify_one();
}

void CatalogWriter::Impl::WriterLoop() {
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(mu_);
      auto ready = [&] { return !queue_.empty() || stopping_; };
      if (txn_.empty()) {
        not_empty_.wait(lock, ready);
      } else {
        not_empty_.wait_until(lock, deadline_, ready);
      }
      stopping = stopping_;
      incoming_.swap(queue_);  // incoming_ is empty here; queue_ keeps its capacity
      queue_bytes_ = 0;
    }
    not_full_.notify_all();
    const auto started = std::chrono::steady_clock::now();
    const int64_t cpu_started = ThreadCpuNanos();
    try {
      Absorb(incoming_);
      if (!txn_.empty() && (stopping || std::chrono::steady_clock::now() >= deadline_)) Flush();
    } catch (const std::exception& e) {
      // Allocation failure and the like: the transaction is lost, the run goes on.
      RollbackIfOpen();
      txn_.clear();
      txn_ok_.clear();
      txn_carried_gap_.clear();
      RecordError(Status::IoError(what_ + ": " + e.what()));
    }
    incoming_.clear();
    busy_ += std::chrono::steady_clock::now() - started;
    busy_cpu_ns_ += ThreadCpuNanos() - cpu_started;
    if (stopping && txn_.empty()) {
      std::lock_guard lock(mu_);
      if (queue_.empty()) return;  // stopping, and everything is written
    }
  }
}

void CatalogWriter::Impl::Absorb(std::vector<AssetRecord>& records) {
  for (AssetRecord& r : records) {
    // A batch's clock starts with its first record, so a quiet period never
    // holds a record back longer than batch_millis.
    if (txn_.empty()) {
      deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.batch_millis);
    }
    txn_.push_back(std::move(r));
    if (txn_.size() >= options_.batch_assets) Flush();
  }
}

void CatalogWriter::Impl::Flush() {
  Status s = begin_.Run(what_);
  if (!s.ok()) {
    // The records are lost, like a batch whose commit fails.
    RecordError(s);
    txn_.clear();
    return;
  }
  txn_ok_.assign(txn_.size(), 1);
  txn_carried_gap_.assign(txn_.size(), 0);
  size_t i = 0;
  while (i < txn_.size()) {
    if (txn_[i].unchanged) {
      size_t end = i;
      while (end < txn_.size() && end - i < kCarryChunk && txn_[end].unchanged) ++end;
      CarryOver(i, end);
      i = end;
    } else {
      // Optimistic: no savepoint per asset. A failure replays what the
      // transaction wrote so far with one savepoint per asset.
      s = WriteAsset(txn_[i]);
      ++i;
      if (!s.ok() && !ReplayTransaction(i)) return;
    }
  }
  Commit();
}

void CatalogWriter::Impl::CarryOver(size_t begin, size_t end) {
  // A path given twice (overlapping roots) counts once against the rows
  // found.
  std::vector<std::string_view> paths;
  paths.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) paths.push_back(txn_[i].path);
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());

  Statement& up = carry_over_;
  up.BindInt(1, run_id_);
  for (int i = 0; i < kCarryChunk; ++i) {
    if (static_cast<size_t>(i) < paths.size()) {
      // Static: the records outlive the statement's execution.
      sqlite3_bind_blob64(up.get(), i + 2, paths[i].data(), paths[i].size(), SQLITE_STATIC);
    } else {
      up.BindNull(i + 2);
    }
  }
  size_t found = 0;
  std::vector<std::string> gap_paths;  // few: a share's images, encrypted files
  int rc;
  while ((rc = up.Step()) == SQLITE_ROW) {
    found += up.ColumnInt(0) != 0 ? 1 : 0;
    if (!up.ColumnIsNull(1)) gap_paths.push_back(up.ColumnBytes(1));
  }
  up.Reset();
  // A file carried over keeps its coverage (skipped, encrypted): a gap it
  // was, a gap of this run it is, as it is one of the run's assets.
  for (size_t i = begin; i < end && !gap_paths.empty(); ++i) {
    txn_carried_gap_[i] =
        std::find(gap_paths.begin(), gap_paths.end(), txn_[i].path) != gap_paths.end();
  }
  const bool all_found = rc == SQLITE_DONE && found == paths.size();
  if (all_found) return;
  for (size_t i = begin; i < end; ++i) {
    // The front end claimed earlier results exist; where they do not
    // (another process removed them meanwhile), say which asset would
    // silently vanish. Touching again is harmless.
    Status s = TouchUnchanged(txn_[i]);
    if (!s.ok()) {
      RecordAssetError(txn_[i], s);
      txn_ok_[i] = 0;
    }
  }
}

bool CatalogWriter::Impl::ReplayTransaction(size_t written) {
  RollbackIfOpen();
  Status s = begin_.Run(what_);
  if (!s.ok()) {
    RecordError(s);
    txn_.clear();
    txn_ok_.clear();
    txn_carried_gap_.clear();
    return false;
  }
  for (size_t i = 0; i < written; ++i) {
    if (!txn_ok_[i]) continue;
    const AssetRecord& r = txn_[i];
    s = r.unchanged ? TouchUnchanged(r) : WriteOneIsolated(r);
    if (!s.ok()) {
      RecordAssetError(r, s);
      txn_ok_[i] = 0;
    }
  }
  return true;
}

Status CatalogWriter::Impl::WriteOneIsolated(const AssetRecord& record) {
  Status s = savepoint_.Run(what_);
  if (!s.ok()) return s;
  s = WriteAsset(record);
  if (s.ok()) return release_.Run(what_);
  rollback_to_.Run(what_);
  release_.Run(what_);
  return s;
}

void CatalogWriter::Impl::RecordAssetError(const AssetRecord& record, const Status& s) {
  std::string where = EscapeBytes(record.path);
  if (record.member) {
    where += '!';
    where += EscapeBytes(*record.member);
  }
  RecordError(Status(s.code(), "writing asset " + where + ": " + s.message()));
}

Status CatalogWriter::Impl::InsertFinding(int64_t asset_id, const FindingRecord& f) {
  insert_finding_.BindInt(1, asset_id);
  // `f` outlives the Run below, which resets the statement.
  insert_finding_.BindTextRef(2, f.type_id);
  insert_finding_.BindInt(3, f.score);
  insert_finding_.BindUint(4, f.start);
  insert_finding_.BindUint(5, f.end);
  insert_finding_.BindUint(6, f.line);
  insert_finding_.BindTextRef(7, f.masked);
  insert_finding_.BindBlobRef(
      8, std::string_view(reinterpret_cast<const char*>(f.token.data()), f.token.size()));
  insert_finding_.BindInt(9, internal::TokenPrefix(f.token));
  return insert_finding_.Run(what_);
}

void CatalogWriter::Impl::Commit() {
  BatchTotals totals;
  size_t findings_written = 0;
  std::vector<std::string> gap_dirs;
  for (size_t i = 0; i < txn_.size(); ++i) {
    if (!txn_ok_[i]) continue;
    const AssetRecord& r = txn_[i];
    totals.assets += 1;
    if (r.unchanged) {
      // Its findings were counted by the run that classified it; its
      // coverage stands (CarryOver).
      totals.unchanged += 1;
      totals.gaps += txn_carried_gap_[i];
      continue;
    }
    if (r.kind == AssetKind::kDirectory && r.status != AssetStatus::kComplete) {
      gap_dirs.push_back(r.path);
    }
    totals.bytes_scanned += r.bytes_scanned;
    for (const TypeSummary& t : r.types) totals.findings += t.count;
    if (r.status != AssetStatus::kComplete) totals.gaps += 1;
    findings_written += r.findings.size();
  }
  txn_.clear();
  txn_ok_.clear();
  txn_carried_gap_.clear();

  add_counters_.BindUint(1, totals.assets);
  add_counters_.BindUint(2, totals.bytes_scanned);
  add_counters_.BindUint(3, totals.findings);
  add_counters_.BindUint(4, totals.gaps);
  add_counters_.BindInt(5, run_id_);
  add_counters_.BindUint(6, totals.unchanged);
  Status s = add_counters_.Run(what_);
  if (s.ok()) s = commit_.Run(what_);
  if (!s.ok()) {
    RollbackIfOpen();
    RecordError(s);
    return;
  }
  committed_ += totals.assets;
  gaps_ += totals.gaps;
  findings_written_ += findings_written;
  for (std::string& d : gap_dirs) gap_dirs_.push_back(std::move(d));
}

Status CatalogWriter::Impl::WriteAsset(const AssetRecord& record) {
  const std::string& what = what_;
  // A file that was classified before and now cannot be read (permissions
  // taken away, an I/O error) keeps its last label, types, findings and
  // members, under its new status: reading nothing is a coverage gap, not a
  // finding that the PHI has gone ("no longer sensitive" in diff, a lower
  // count in summary, an event feed that forgets it).
  std::optional<AssetRecord> kept;
  if (record.status == AssetStatus::kUnreadable && !record.member) {
    prior_label_.BindBlob(1, record.path);
    int rc = prior_label_.Step();
    if (rc == SQLITE_ROW) {
      kept = record;
      kept->label = prior_label_.ColumnBytes(0);
      kept->label_rule = prior_label_.ColumnBytes(1);
      while (rc == SQLITE_ROW) rc = prior_label_.Step();
    }
    Status ps = rc == SQLITE_DONE ? Status::Ok() : SqliteStatus(db_.get(), rc, what);
    prior_label_.Reset();
    if (!ps.ok()) return ps;
  }
  const AssetRecord& r = kept ? *kept : record;
  Statement& up = upsert_asset_;
  up.BindBlob(1, r.path);
  up.BindBlob(2, r.member ? std::string_view(*r.member) : std::string_view());
  up.BindInt(3, static_cast<int>(r.kind));
  up.BindInt(4, static_cast<int>(r.status));
  up.BindTextOrNull(5, r.reason);
  up.BindTextOrNull(6, r.detail);
  up.BindUint(7, r.size);
  up.BindInt(8, r.mtime_ns);
  up.BindInt(9, r.ctime_ns);
  up.BindUint(10, r.dev);
  up.BindUint(11, r.ino);
  up.BindInt(12, r.mode);
  up.BindInt(13, r.uid);
  up.BindInt(14, r.gid);
  up.BindUint(15, r.bytes_scanned);
  up.BindTextOrNull(16, r.label);
  up.BindTextOrNull(17, r.label_rule);
  up.BindText(18, rules_version_);
  up.BindInt(19, run_id_);
  const Exposure exposure =
      ComputeExposure(r.mode, r.acl, r.label, r.others_can_reach, r.group_can_reach);
  up.BindText(20, ReadersName(exposure.readable_by));
  up.BindInt(21, exposure.group_writable ? 1 : 0);
  up.BindInt(22, exposure.world_writable ? 1 : 0);
  if (r.acl) {
    up.BindInt(23, r.acl->named_entries);
    up.BindInt(24, r.acl->named_readers);
  } else {
    up.BindNull(23);
    up.BindNull(24);
  }
  up.BindInt(25, exposure.exposed ? 1 : 0);
  up.BindTextOrNull(26, r.format);
  // A new row sets the last insert rowid; an upsert that updates leaves it
  // alone, at the 0 set here, and the id is looked up (RETURNING would cost
  // every insert a result table).
  sqlite3_set_last_insert_rowid(db_.get(), 0);
  Status s = up.Run(what);
  if (!s.ok()) return s;
  int64_t asset_id = sqlite3_last_insert_rowid(db_.get());
  const bool inserted = asset_id != 0;
  if (!inserted) {
    asset_id_.BindBlob(1, r.path);
    asset_id_.BindBlob(2, r.member ? std::string_view(*r.member) : std::string_view());
    int rc = asset_id_.Step();
    if (rc == SQLITE_ROW) asset_id = asset_id_.ColumnInt(0);
    s = rc == SQLITE_ROW ? Status::Ok() : SqliteStatus(db_.get(), rc, what);
    asset_id_.Reset();
    if (!s.ok()) return s;
  }

  insert_history_.BindInt(1, asset_id);
  insert_history_.BindInt(2, run_id_);
  insert_history_.BindText(3, "scanned");
  insert_history_.BindInt(4, static_cast<int>(r.status));
  insert_history_.BindTextOrNull(5, r.label);
  insert_history_.BindInt(6, exposure.exposed ? 1 : 0);
  insert_history_.BindUint(7, r.size);
  insert_history_.BindInt(8, r.mtime_ns);
  insert_history_.BindUint(9, r.ino);
  // Nothing was read from a file that could not be read or was gone: what
  // it holds is not known (an unreadable one keeps its earlier results).
  if (r.status == AssetStatus::kUnreadable || r.status == AssetStatus::kVanished) {
    insert_history_.BindNull(10);
  } else {
    insert_history_.BindInt(10, TypesDigest(r.types));
  }
  insert_history_.BindText(11, ReadersName(exposure.readable_by));
  insert_history_.BindInt(12, AccessDigest(r, exposure));
  if (s = insert_history_.Run(what); !s.ok()) return s;

  if (kept) {
    // Its members were not read either: they stay present, as for a file
    // carried over unchanged.
    touch_unchanged_.BindBlob(1, r.path);
    touch_unchanged_.BindInt(2, run_id_);
    return touch_unchanged_.Run(what);
  }
  // The new scan replaces what an earlier run recorded for this asset; a
  // new asset has nothing to replace.
  if (!inserted) {
    delete_types_.BindInt(1, asset_id);
    if (s = delete_types_.Run(what); !s.ok()) return s;
    delete_findings_.BindInt(1, asset_id);
    if (s = delete_findings_.Run(what); !s.ok()) return s;
  }

  for (const TypeSummary& t : r.types) {
    insert_type_.BindInt(1, asset_id);
    insert_type_.BindTextRef(2, t.type_id);
    insert_type_.BindUint(3, t.count);
    insert_type_.BindUint(4, t.unique_count);
    insert_type_.BindInt(5, t.max_score);
    if (s = insert_type_.Run(what); !s.ok()) return s;
  }
  for (const FindingRecord& f : r.findings) {
    if (s = InsertFinding(asset_id, f); !s.ok()) return s;
  }
  return Status::Ok();
}

Status CatalogWriter::Impl::TouchUnchanged(const AssetRecord& r) {
  touch_unchanged_.BindBlob(1, r.path);
  touch_unchanged_.BindInt(2, run_id_);
  Status s = touch_unchanged_.Run(what_);
  if (!s.ok()) return s;
  // The front end claimed earlier results exist; if they do not (another
  // process removed them meanwhile), the asset would silently vanish.
  if (sqlite3_changes(db_.get()) == 0) {
    return Status::NotFound("carried over unread, but the catalog holds no earlier results");
  }
  return Status::Ok();
}

Status CatalogWriter::Impl::MarkRemovals(uint64_t* removed) {
  const std::string what = "marking removed assets in catalog " + display_;
  // Under a root: the root itself, or the bytewise range [prefix, prefix
  // with its final '/' raised to '0'), which the UNIQUE (path, member)
  // index serves.
  const char* const kUnderRoot = " AND (path = ?2 OR (path >= ?3 AND path < ?4))";
  auto select = Statement::Prepare(
      db_.get(), std::string("SELECT id, path, status, label, exposed, size, mtime_ns, ino, kind"
                             " FROM assets WHERE removed_run IS NULL"
                             " AND coalesce(last_seen_run, 0) <> ?1") +
                     kUnderRoot);
  if (!select.ok()) return select.status();
  // Whether this run saw, under the root, a file an earlier run had seen
  // too (?5 = 1) or one new to the catalog (?5 = 0). Directories are left
  // out: a root's own gap record is one.
  auto seen = Statement::Prepare(
      db_.get(), std::string("SELECT 1 FROM assets WHERE removed_run IS NULL AND last_seen_run = ?1"
                             " AND (first_seen_run <> ?1) = ?5 AND kind <> ?6") +
                     kUnderRoot + " LIMIT 1");
  if (!seen.ok()) return seen.status();
  auto mark = Statement::Prepare(db_.get(), "UPDATE assets SET removed_run = ?2 WHERE id = ?1");
  if (!mark.ok()) return mark.status();

  auto bind_root = [&](Statement& st, const std::string& root) {
    const std::string lo = RootPrefix(root);
    std::string hi = lo;
    hi.back() = static_cast<char>(hi.back() + 1);  // '/' + 1 == '0'
    st.BindInt(1, run_id_);
    st.BindBlob(2, root);
    st.BindBlob(3, lo);
    st.BindBlob(4, hi);
  };
  auto saw = [&](const std::string& root, bool known_before, bool* found) -> Status {
    bind_root(*seen, root);
    seen->BindInt(5, known_before ? 1 : 0);
    seen->BindInt(6, static_cast<int>(AssetKind::kDirectory));
    int rc = seen->Step();
    *found = rc == SQLITE_ROW;
    seen->Reset();
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? Status::Ok() : SqliteStatus(db_.get(), rc, what);
  };

  struct Gone {
    int64_t id;
    std::string path;
    int status;
    std::string label;
    int64_t exposed;
    uint64_t size;
    int64_t mtime_ns;
    uint64_t ino;
    bool directory;  // a folder's coverage-gap record, not an asset that went away
  };
  std::vector<Gone> gone;
  std::set<int64_t> listed;  // overlapping roots list an asset once
  guarded_.clear();
  // Roots whose every file the filters left out keep what lies under them,
  // as guarded roots do, but are no gap: nothing went unread that the run
  // meant to read.
  std::vector<std::string> kept;
  if (!allow_empty_roots_) kept = filtered_out_;
  for (const std::string& root : roots_) {
    if (std::find(kept.begin(), kept.end(), root) != kept.end()) continue;
    bind_root(*select, root);
    uint64_t held = 0;  // files (not directories) the run did not see
    int rc;
    while ((rc = select->Step()) == SQLITE_ROW) {
      const std::string path = select->ColumnBytes(1);
      // Below a directory the run could not read, or below a kept root:
      // neither removed nor held against a root around it.
      bool hidden = false;
      for (const std::vector<std::string>* dirs : {&gap_dirs_, &kept}) {
        for (const std::string& dir : *dirs) hidden = hidden || IsAtOrBelow(path, dir);
      }
      if (hidden) continue;
      const bool directory = select->ColumnInt(8) == static_cast<int>(AssetKind::kDirectory);
      if (!directory) ++held;
      const int64_t id = select->ColumnInt(0);
      if (!listed.insert(id).second) continue;
      gone.push_back({id, path, static_cast<int>(select->ColumnInt(2)), select->ColumnBytes(3),
                      select->ColumnInt(4), select->ColumnUint(5), select->ColumnInt(6),
                      select->ColumnUint(7), directory});
    }
    select->Reset();
    if (rc != SQLITE_DONE) return SqliteStatus(db_.get(), rc, what);
    if (allow_empty_roots_ || held == 0) continue;
    // The root held files and the run saw none of them again: an empty
    // mountpoint, or another file system in the share's place. Trust it
    // only when told to (RunInfo::allow_empty_roots).
    bool saw_known = false, saw_new = false;
    if (Status s = saw(root, true, &saw_known); !s.ok()) return s;
    if (saw_known) continue;
    if (Status s = saw(root, false, &saw_new); !s.ok()) return s;
    guarded_.push_back({root, saw_new ? "root_replaced" : "root_empty", held});
  }

  // A guarded root is a coverage gap: recorded as such, and nothing below
  // it (through any root) is removed.
  for (const GuardedRoot& g : guarded_) {
    AssetRecord gap;
    gap.path = g.root;
    gap.kind = AssetKind::kDirectory;
    gap.status = AssetStatus::kUnreadable;
    gap.reason = g.reason;
    gap.detail = "the root showed none of the " + std::to_string(g.held) +
                 " files the catalog holds under it (a share that did not mount?); nothing "
                 "under it was marked removed";
    struct stat st;
    if (stat(g.root.c_str(), &st) == 0) {
      gap.mode = st.st_mode;
      gap.uid = st.st_uid;
      gap.gid = st.st_gid;
      gap.dev = st.st_dev;
      gap.ino = st.st_ino;
      gap.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
      gap.ctime_ns = int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec;
    }
    if (Status s = WriteAsset(gap); !s.ok()) return s;
  }
  uint64_t marked = 0;
  for (const GuardedRoot& g : guarded_) kept.push_back(g.root);
  for (const Gone& g : gone) {
    bool below_kept = false;
    for (const std::string& root : kept) below_kept = below_kept || IsAtOrBelow(g.path, root);
    if (below_kept) continue;
    mark->BindInt(1, g.id);
    mark->BindInt(2, run_id_);
    if (Status s = mark->Run(what); !s.ok()) return s;
    insert_history_.BindInt(1, g.id);
    insert_history_.BindInt(2, run_id_);
    insert_history_.BindText(3, "removed");
    insert_history_.BindInt(4, g.status);
    insert_history_.BindTextOrNull(5, g.label);
    insert_history_.BindInt(6, g.exposed);
    insert_history_.BindUint(7, g.size);
    insert_history_.BindInt(8, g.mtime_ns);
    insert_history_.BindUint(9, g.ino);
    insert_history_.BindNull(10);
    insert_history_.BindNull(11);  // who could read it: as its last "scanned" row says
    insert_history_.BindNull(12);
    if (Status s = insert_history_.Run(what); !s.ok()) return s;
    // A cleared gap record is a folder read this time, not something
    // deleted: the run's count of removed assets leaves it out.
    if (!g.directory) ++marked;
  }
  *removed = marked;
  return Status::Ok();
}

Status CatalogWriter::Impl::ForEachPriorAsset(const std::function<void(const PriorAsset&)>& fn) {
  if (run_active_) return Status::InvalidArgument("a run is in progress on this catalog");
  const std::string what = "reading earlier results from catalog " + display_;
  auto stmt = Statement::Prepare(
      db_.get(),
      "SELECT a.path, a.dev, a.ino, a.size, a.mtime_ns, a.ctime_ns, a.status, a.rules_version,"
      " coalesce(r.key_id, ''), a.readable_by = 'everyone', a.readable_by = 'group',"
      " coalesce(a.acl_entries, 0) > 0, a.format IS 'sqlite',"
      " coalesce(a.label, ''), a.exposed <> 0, a.acl_entries IS NOT NULL"
      " FROM assets AS a LEFT JOIN runs AS r ON r.id = a.last_scan_run"
      " WHERE a.member = x'' AND a.kind = ?1 AND a.removed_run IS NULL");
  if (!stmt.ok()) return stmt.status();
  stmt->BindInt(1, static_cast<int>(AssetKind::kFile));
  PriorAsset p;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    p.path = stmt->ColumnBytes(0);
    p.dev = stmt->ColumnUint(1);
    p.ino = stmt->ColumnUint(2);
    p.size = stmt->ColumnUint(3);
    p.mtime_ns = stmt->ColumnInt(4);
    p.ctime_ns = stmt->ColumnInt(5);
    p.status = static_cast<AssetStatus>(stmt->ColumnInt(6));
    p.rules_version = stmt->ColumnBytes(7);
    p.key_id = stmt->ColumnBytes(8);
    p.readable_by_everyone = stmt->ColumnInt(9) != 0;
    p.readable_by_group = stmt->ColumnInt(10) != 0;
    p.acl_extended = stmt->ColumnInt(11) != 0;
    p.sqlite = stmt->ColumnInt(12) != 0;
    p.sensitive = IsSensitiveLabel(stmt->ColumnBytes(13));
    p.exposed = stmt->ColumnInt(14) != 0;
    p.acl_known = stmt->ColumnInt(15) != 0;
    fn(p);
  }
  return rc == SQLITE_DONE ? Status::Ok() : SqliteStatus(db_.get(), rc, what);
}

Status CatalogWriter::Impl::FinishRun(RunStatus status) {
  if (!run_active_) return Status::InvalidArgument("no run in progress on this catalog");
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  not_empty_.notify_all();
  thread_.join();
  run_active_ = false;

  Status error = write_error();
  // A run that lost records is not complete, whatever the caller saw.
  if (!error.ok() && status == RunStatus::kCompleted) status = RunStatus::kFailed;
  const std::string what = "finishing the run in catalog " + display_;
  // Removals and the final status commit together: a crash in between
  // leaves a run that marked nothing.
  Status s = begin_.Run(what);
  uint64_t removed = 0;
  if (s.ok() && status == RunStatus::kCompleted) s = MarkRemovals(&removed);
  // A guarded root's gap record is one more asset and gap of the run.
  auto update = Statement::Prepare(
      db_.get(),
      "UPDATE runs SET finished_at = ?1, status = ?2, removed = ?4, assets = assets + ?5,"
      " gaps = gaps + ?5 WHERE id = ?3");
  if (s.ok() && !update.ok()) s = update.status();
  if (s.ok()) {
    update->BindInt(1, static_cast<int64_t>(std::time(nullptr)));
    update->BindText(2, RunStatusName(status));
    update->BindInt(3, run_id_);
    update->BindUint(4, removed);
    update->BindUint(5, status == RunStatus::kCompleted ? guarded_.size() : 0);
    s = update->Run(what);
  }
  if (s.ok()) s = commit_.Run(what);
  if (s.ok()) {
    removed_ = removed;
    if (status == RunStatus::kCompleted) gaps_ += guarded_.size();
  } else {
    RollbackIfOpen();
    guarded_.clear();
  }
  // Enforcement back on (BeginRun): outside any transaction, as above.
  if (Status fk = Exec(db_.get(), "PRAGMA foreign_keys = ON", what); !fk.ok() && s.ok()) s = fk;
  // Housekeeping only: move the WAL into the catalog and shrink it. A
  // report reading the catalog must not hold up the end of the scan: with
  // no busy handler the checkpoint copies what no reader still needs and
  // returns SQLITE_BUSY instead of waiting out the busy timeout for the
  // rest. What it leaves stays valid in the WAL for the next checkpoint.
  sqlite3_busy_timeout(db_.get(), 0);
  sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  sqlite3_busy_timeout(db_.get(), kBusyTimeoutMillis);
  return error.ok() ? s : error;
}

CatalogWriter::CatalogWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Result<CatalogWriter::PruneResult> CatalogWriter::Impl::Prune(int keep_runs,
                                                                 int older_than_days) {
  const std::string what = "pruning catalog " + display_;
  if (keep_runs <= 0 && older_than_days <= 0) {
    return Status::InvalidArgument("prune needs --keep-runs or --older-than");
  }
  if (run_active_) return Status::InvalidArgument("cannot prune while a run is in progress");
  sqlite3* db = db_.get();
  // The floor: the oldest run that is kept. Everything below it goes.
  int64_t floor = 0;
  {
    auto newest = internal::QueryInt(db, "SELECT coalesce(max(id), 0) FROM runs", what);
    if (!newest.ok()) return newest.status();
    if (newest.value() == 0) return PruneResult{};
    floor = newest.value();  // the newest run is always kept
    int64_t by_count = 0, by_age = 0;
    if (keep_runs > 0) {
      // Each set of roots (a job) keeps its newest N: a weekly job's last
      // run is not pushed out by a nightly one's in a shared catalog.
      auto st = Statement::Prepare(
          db,
          "SELECT min(id) FROM (SELECT id, row_number() OVER "
          "(PARTITION BY roots ORDER BY id DESC) AS newer FROM runs) WHERE newer <= ?1");
      if (!st.ok()) return st.status();
      st->BindInt(1, keep_runs);
      if (st->Step() == SQLITE_ROW) by_count = st->ColumnInt(0);
    }
    if (older_than_days > 0) {
      auto st = Statement::Prepare(db, "SELECT min(id) FROM runs WHERE started_at >= ?1");
      if (!st.ok()) return st.status();
      st->BindInt(1, static_cast<int64_t>(time(nullptr)) - int64_t{older_than_days} * 86400);
      if (st->Step() == SQLITE_ROW && !st->ColumnIsNull(0)) by_age = st->ColumnInt(0);
    }
    // A run is deleted only if every given limit allows it: below the floor
    // of each. No recent run at all means the age limit keeps only the newest.
    if (keep_runs > 0 && by_count > 0) floor = std::min(floor, by_count);
    if (older_than_days > 0 && by_age > 0) floor = std::min(floor, by_age);
  }
  PruneResult result;
  result.floor_run = floor;
  const char* kSteps[] = {
      // Each asset's state as of the floor survives as a history row at the floor.
      "INSERT OR IGNORE INTO asset_history "
      "  (asset_id, run_id, event, status, label, exposed, size, mtime_ns, ino, types_digest,"
      "   readable_by, access_digest) "
      "SELECT h.asset_id, ?1, h.event, h.status, h.label, h.exposed, h.size, h.mtime_ns, h.ino,"
      "  h.types_digest, h.readable_by, h.access_digest "
      "FROM asset_history h WHERE h.run_id = (SELECT max(h2.run_id) FROM asset_history h2 "
      "  WHERE h2.asset_id = h.asset_id AND h2.run_id < ?1)",
      "UPDATE assets SET first_seen_run = ?1 WHERE first_seen_run < ?1",
      "UPDATE assets SET last_scan_run = ?1 WHERE last_scan_run < ?1",
      "UPDATE assets SET last_seen_run = ?1 WHERE last_seen_run < ?1",
      "DELETE FROM runs WHERE id < ?1",
  };
  Status s = Exec(db, "PRAGMA secure_delete = ON", what);
  if (s.ok()) s = Exec(db, "BEGIN IMMEDIATE", what);
  if (!s.ok()) return s;
  // Assets that were already gone before the floor are history only.
  auto del = Statement::Prepare(db, "DELETE FROM assets WHERE removed_run IS NOT NULL AND removed_run < ?1");
  if (!del.ok()) s = del.status();
  if (s.ok()) {
    del->BindInt(1, floor);
    s = del->Run(what);
    result.assets_deleted = static_cast<uint64_t>(sqlite3_changes(db));
  }
  for (const char* sql : kSteps) {
    if (!s.ok()) break;
    auto st = Statement::Prepare(db, sql);
    if (!st.ok()) {
      s = st.status();
      break;
    }
    st->BindInt(1, floor);
    s = st->Run(what);
    if (s.ok() && std::string_view(sql).rfind("DELETE FROM runs", 0) == 0) {
      result.runs_deleted = static_cast<uint64_t>(sqlite3_changes(db));
    }
  }
  if (!s.ok()) {
    Exec(db, "ROLLBACK", what);
    return s;
  }
  s = Exec(db, "COMMIT", what);
  if (!s.ok()) {
    Exec(db, "ROLLBACK", what);
    return s;
  }
  // Give the freed space back and leave no deleted rows in the WAL.
  s = Exec(db, "VACUUM", what);
  if (s.ok()) s = Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", what);
  if (!s.ok()) return s;
  return result;
}

Result<CatalogWriter::PruneResult> CatalogWriter::Prune(int keep_runs, int older_than_days) {
  return impl_->Prune(keep_runs, older_than_days);
}

CatalogWriter::~CatalogWriter() = default;

Result<std::unique_ptr<CatalogWriter>> CatalogWriter::Open(const std::string& path,
                                                           WriterOptions options) {
  const std::string display = DisplayPath(path);
  bool created = false;
  Status s = CheckSiblingsBeforeOpen(path);
  if (!s.ok()) return s;
  s = EnsureCatalogFile(path, &created);
  if (!s.ok()) return s;
  // SQLite keeps the write-ahead log and its index beside the catalog: in a
  // folder this process cannot write, it failed with "attempt to write a
  // readonly database", naming neither the folder nor why.
  {
    const size_t slash = path.find_last_of('/');
    const std::string folder = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    if (access(folder.c_str(), W_OK | X_OK) != 0 && (errno == EACCES || errno == EROFS)) {
      const int err = errno;
      return Status::PermissionDenied(
          "catalog " + DisplayPath(path) + ": its folder " + DisplayPath(folder) +
          " cannot be written (" + std::strerror(err) +
          "), and SQLite keeps its write-ahead log (-wal) and index (-shm) there");
    }
  }

  Db db;
  // Closes the connection and removes a catalog file we created, so a
  // failed first open leaves nothing behind.
  auto fail = [&](Status status) -> Result<std::unique_ptr<CatalogWriter>> {
    db.reset();
    if (created) {
      unlink(path.c_str());
      unlink((path + "-wal").c_str());
      unlink((path + "-shm").c_str());
    }
    return status;
  };

  // Before SQLite opens the catalog: closing any descriptor of -shm after
  // sqlite3_open would drop this process's POSIX locks on it, and a reader
  // would then take itself for the only user and reset the WAL index under
  // the writer. SQLite creates missing siblings with the catalog's mode.
  if (s = SecureSiblings(path); !s.ok()) return fail(s);
  DisableSqliteMemoryStatistics();
  sqlite3* raw = nullptr;
  // No SQLITE_OPEN_CREATE: the file exists with our mode by now. No
  // connection mutex: one thread at a time uses the connection (the owner
  // before BeginRun and after FinishRun, the writer thread in between, with
  // the thread's start and join ordering them), and the writer thread would
  // otherwise lock and unlock it around every statement step.
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  db.reset(raw);  // owns the handle even when the open failed
  if (rc != SQLITE_OK) return fail(SqliteStatus(db.get(), rc, "opening catalog " + display));
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMillis);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_LOOKASIDE, nullptr, 1200, 2000);
  // A catalog file may have been tampered with: no schema-embedded functions
  // with side effects, no writes to internal structures by SQL.
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);

  // Check before anything writes: enabling WAL already changes the header of
  // a file that may not be ours.
  Result<int> version = internal::CheckSchemaVersion(db.get(), display);
  if (!version.ok()) return fail(version.status());
  // A new catalog gets pages of kPageSize bytes; an existing one keeps its
  // own (set only before the first table; WAL mode would also freeze it).
  if (*version == 0) {
    s = Exec(db.get(), "PRAGMA page_size = " + std::to_string(kPageSize), "catalog " + display);
    if (!s.ok()) return fail(s);
  }
  if (s = EnableWal(db.get(), display); !s.ok()) return fail(s);
  if (s = Migrate(db.get(), display); !s.ok()) return fail(s);

  Result<int> stale = MarkStaleRuns(db.get(), display, HostName());
  if (!stale.ok()) return fail(stale.status());

  auto impl = std::make_unique<Impl>(std::move(db), display, options);
  impl->set_stale_runs_marked(*stale);
  if (s = impl->PrepareStatements(); !s.ok()) {
    impl.reset();
    return fail(s);
  }
  return std::unique_ptr<CatalogWriter>(new CatalogWriter(std::move(impl)));
}

Result<int64_t> CatalogWriter::BeginRun(const RunInfo& info) { return impl_->BeginRun(info); }
void CatalogWriter::Submit(AssetRecord&& record) { impl_->Submit(std::move(record)); }
void CatalogWriter::SubmitBatch(std::vector<AssetRecord>&& records) {
  impl_->SubmitBatch(std::move(records));
}
CatalogWriter::WriterStats CatalogWriter::writer_stats() const { return impl_->stats(); }
void CatalogWriter::SetFilteredOutRoots(std::vector<std::string> roots) {
  impl_->SetFilteredOutRoots(std::move(roots));
}
Status CatalogWriter::FinishRun(RunStatus status) { return impl_->FinishRun(status); }
uint64_t CatalogWriter::committed() const { return impl_->committed(); }
uint64_t CatalogWriter::gaps() const { return impl_->gaps(); }
uint64_t CatalogWriter::removed() const { return impl_->removed(); }
const std::vector<GuardedRoot>& CatalogWriter::guarded_roots() const {
  return impl_->guarded_roots();
}
int CatalogWriter::stale_runs_marked() const { return impl_->stale_runs_marked(); }
Status CatalogWriter::ForEachPriorAsset(const std::function<void(const PriorAsset&)>& fn) {
  return impl_->ForEachPriorAsset(fn);
}
Status CatalogWriter::write_error() const { return impl_->write_error(); }

}  // namespace phiscan::catalog
