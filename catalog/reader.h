// CatalogReader: read-only queries for the report tool.
//
// Opens the catalog with SQLITE_OPEN_READONLY and a busy timeout, so it can
// be used while a scan is writing (WAL). All SQL uses bound parameters.
//
// The inventory is what the catalog currently believes present: assets a
// completed run marked removed are left out unless a filter asks for them.
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

#include "catalog/catalog.h"
#include "common/model.h"
#include "common/status.h"

namespace phiscan::catalog {

struct AssetRow {
  int64_t id = 0;
  std::string path;                   // raw bytes
  std::optional<std::string> member;  // raw bytes, or none for a top-level asset
  AssetKind kind = AssetKind::kFile;
  AssetStatus status = AssetStatus::kComplete;
  std::string reason;  // empty = none
  // Why, in words, for a reason ("PDF needs a password to open", an OS
  // error): never content. Empty = none.
  std::string detail;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string label;
  std::string label_rule;
  std::map<std::string, uint64_t> types;  // type id -> count
  int max_score = 0;                      // over all types
  uint32_t mode = 0;                      // st_mode
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string readable_by;  // ReadersName(): everyone, group, acl, owner
  bool group_writable = false;
  bool world_writable = false;
  bool exposed = false;                // sensitive and world-readable or group/world-writable
  std::optional<int64_t> acl_readers;  // named ACL entries that can read; none = not examined
  int64_t last_scan_run = 0;           // run that last classified it
  int64_t last_seen_run = 0;           // run that last saw it (scanned or carried over)
  std::optional<int64_t> removed_run;  // run that noticed it was gone
  std::string format;                  // what it was read as (assets.format); empty = unknown
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
  uint64_t assets = 0;    // assets with at least one occurrence
  uint64_t findings = 0;  // occurrences (sum of per-asset counts)
};

// Over every present asset in the catalog (the inventory as last recorded,
// without removed assets), not only those the latest run touched. Only
// by_category, by_hipaa_class and by_type depend on the filter's min_score.
struct Summary {
  int64_t run_id = 0;      // latest run, 0 if none
  std::string run_status;  // "running", "completed", "interrupted", "failed"
  uint64_t assets = 0;
  uint64_t bytes_scanned = 0;
  uint64_t findings = 0;   // occurrences over all types (sum of by_type findings)
  uint64_t sensitive = 0;  // assets with a sensitive label (IsSensitiveLabel)
  uint64_t exposed = 0;    // of those, flagged exposed
  uint64_t removed = 0;    // assets marked removed (not counted anywhere else)
  std::map<std::string, uint64_t> by_status;    // status name -> assets
  std::map<std::string, uint64_t> by_label;     // label -> assets (labelled assets only)
  // Assets without a label: none of their content was read (encrypted,
  // skipped, unreadable...; common/model.h ContentWasRead).
  uint64_t unlabelled = 0;
  // What the content was read as (assets.format: text, pdf, xls...) -> assets;
  // assets never read, or last read before schema version 6, are not counted.
  std::map<std::string, uint64_t> by_format;
  std::map<std::string, uint64_t> by_category;  // category -> assets with >= 1 type of it
  std::map<int, uint64_t> by_hipaa_class;       // class 1..18 -> assets with >= 1 type of it
  // Sensitive assets by their broadest readers: everyone, group, acl, owner.
  std::map<std::string, uint64_t> by_exposure;
  std::vector<TypeCount> by_type;  // most widespread first, then by type id
};

struct Filter {
  // A finding/type counts only at or above this score. At or below
  // kMinScore nothing is filtered out (scores are 1..100).
  int min_score = 0;
  // Only assets with this type (at min_score or above). Empty = any.
  std::string type_id;
  // Only assets with exactly this label. Empty = any.
  std::string label;
  // Only assets whose raw path starts with these bytes. Empty = any.
  std::string path_prefix;
  // Only assets flagged exposed.
  bool exposed_only = false;
  // Only assets with a sensitive label.
  bool sensitive_only = false;
  // Only assets with this coverage status.
  std::optional<AssetStatus> status;
  // Only coverage gaps: assets with any status but complete.
  bool gaps_only = false;
  // Only assets whose content was read as this format (assets.format:
  // "msg", "pdf", ...; see kAssetFormats). Empty = any.
  std::string format;
  // Also list assets marked removed (AssetRow::removed_run says which).
  bool include_removed = false;
  // Only the assets this run marked removed (include_removed implied;
  // asset listings only).
  std::optional<int64_t> removed_in_run;
};

struct RunRow {
  int64_t id = 0;
  int64_t started_at = 0;  // unix seconds
  std::optional<int64_t> finished_at;
  // As recorded; a run still `running` whose process is gone from this host
  // reads "interrupted" (with `stale` set) before any writer has fixed it.
  std::string status;
  bool stale = false;
  std::string roots_json;  // JSON array of escaped roots
  std::string options_json;
  std::string rules_version;
  std::string host;
  std::string user;
  int64_t pid = 0;
  uint64_t assets = 0;
  uint64_t unchanged = 0;
  uint64_t bytes_scanned = 0;
  uint64_t findings = 0;
  uint64_t gaps = 0;
  uint64_t removed = 0;
};

// One difference between two runs for one asset; an asset may have several
// (e.g. changed and became_sensitive).
struct DiffRow {
  // added, removed, changed (size, mtime or inode differ),
  // coverage_changed (its coverage status differs: a file that can no
  // longer be read, or is read in full again), became_sensitive,
  // no_longer_sensitive, newly_exposed, no_longer_exposed, findings_changed
  // (read again, its per-type counts, distinct counts or confidences differ,
  // and it did not become or stop being sensitive), access_changed (its
  // permission bits, owner, group, writability or ACL entries differ:
  // readable_by_before/after say who could read it). A folder's gap record
  // appearing or going is coverage_changed, complete on the other side.
  std::string change;
  std::string path;  // raw bytes
  std::optional<std::string> member;
  std::string label_before;  // empty = absent or none
  std::string label_after;
  bool exposed_before = false;
  bool exposed_after = false;
  // Coverage status on each side; meaningful only where the asset was
  // there (not before an added one, not after a removed one).
  AssetStatus status_before = AssetStatus::kComplete;
  AssetStatus status_after = AssetStatus::kComplete;
  // Who could read it on each side (everyone, group, acl, owner); empty
  // where unknown (recorded before schema version 8) or absent.
  std::string readable_by_before;
  std::string readable_by_after;
};

// Roll-up of present assets by folder (see Folders()).
struct FolderRow {
  std::string folder;  // raw bytes
  uint64_t assets = 0;
  uint64_t sensitive = 0;  // assets with a sensitive label
  uint64_t exposed = 0;    // assets flagged exposed
  uint64_t findings = 0;   // occurrences at or above the filter's min_score
  uint64_t gaps = 0;       // assets not completely scanned
  std::string
      top_label;  // most sensitive label below it: PHI > PCI > PII > others > NONE; "" = none
  // Sort key, highest first: per sensitive asset 10 (PHI), 8 (PCI), 5 (any
  // other sensitive label), tripled when it is exposed; plus 1 per gap
  // (content nobody has seen is unknown risk).
  uint64_t risk = 0;
};

// The present assets at or below a scan's roots, each counted once, as a
// run's end reports them: what was read and what was carried over unread.
struct RootTally {
  uint64_t assets = 0;
  std::map<std::string, uint64_t> sensitive_by_label;  // labels other than NONE
  uint64_t gaps = 0;                                   // status other than complete
  // The gaps by status and reason: "skipped(binary)", "unreadable", ...
  std::map<std::string, uint64_t> gaps_by_status;
};

// A keyed token to look up, optionally only for one type.
struct TokenQuery {
  Token token{};
  std::string type_id;  // empty = any type
};

// A present asset holding more distinct values of a type than its located
// findings do: the catalog locates the first few occurrences of each type
// (the scan's locator cap), so a value looked up by token may be among the
// rest.
struct UnlocatedRow {
  std::string path;  // raw bytes
  std::optional<std::string> member;
  std::string type_id;
  uint64_t unique_count = 0;  // distinct values of the type in the asset
  uint64_t located = 0;       // distinct tokens among its located findings
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
  // Calls `fn` for each located finding with score >= filter.min_score of a
  // present asset, honouring type_id and path_prefix (ordered by path,
  // member, start). The other filter fields select assets and are ignored.
  Status ListFindings(const Filter& filter, const std::function<void(const FindingRow&)>& fn);

  // Every run, newest first.
  Status ListRuns(const std::function<void(const RunRow&)>& fn);

  // The two runs `diff` compares by default: the last two completed runs
  // (from = 0, i.e. an empty catalog, if only one completed). kNotFound if
  // no run completed.
  Result<std::pair<int64_t, int64_t>> DefaultDiffRuns();
  // Differences between the catalog's state as of run `from` and as of run
  // `to` (each asset as recorded by the latest run at or before it), ordered
  // by path, member. kInvalidArgument if from >= to or `to` is not a run.
  Status Diff(int64_t from, int64_t to, const std::function<void(const DiffRow&)>& fn);

  // Present assets matching `filter` rolled up by folder, riskiest first
  // (then by folder bytes). An asset's folder is its directory cut to
  // `depth` components below the outermost scan root containing it (depth
  // 0 = the root itself); an asset under no recorded root is cut to `depth`
  // components of its own path. kInvalidArgument if depth < 0.
  Result<std::vector<FolderRow>> Folders(int depth, const Filter& filter);

  // Located findings of present assets whose token matches one of
  // `queries` (ordered by path, member, start).
  Status FindByTokens(const std::vector<TokenQuery>& queries,
                      const std::function<void(const FindingRow&)>& fn);
  // Present assets with values of one of `type_ids` (empty: of any type)
  // that no located finding holds, by path, member, type. One index walk
  // per type.
  Status ListUnlocated(const std::vector<std::string>& type_ids,
                       const std::function<void(const UnlocatedRow&)>& fn);

  // Each type's definition from the latest run that defined it.
  Result<std::map<std::string, TypeDefinition>> TypeDefinitions();
  // Distinct non-empty key fingerprints runs recorded (RunInfo::key_id).
  Result<std::vector<std::string>> KeyIds();
  // Whether some present asset holds located findings whose tokens were made
  // with a key other than `key_id`: that of the run that last classified it.
  // A lookup by tokens of `key_id` cannot find those. Cheap when every run
  // used one key; otherwise up to one pass over the assets.
  Result<bool> FindingsUnderOtherKeys(const std::string& key_id);
  // Present assets at or below any of `roots` (a root's path itself, or
  // paths below it; a root inside another is not counted twice).
  Result<RootTally> TallyUnderRoots(const std::vector<std::string>& roots);
  // Whether some present asset carries `label` (exact bytes).
  Result<bool> HasLabel(const std::string& label);
  // The distinct labels present assets carry, bytewise sorted (one seek per
  // label in the label index, however many assets carry each).
  Result<std::vector<std::string>> Labels();
  // Whether some asset, present or removed, has a path that starts with
  // `prefix` (raw bytes; one seek in the path index). A prefix nothing has
  // is a typo or a spelling the catalog does not use (relative, escaped).
  Result<bool> HasPathPrefix(const std::string& prefix);

  // One report, one moment. A scan commits while reports run, and a report
  // made of several queries could take its numbers from different commits
  // (a summary whose totals disagree with its per-type rows). Between
  // BeginSnapshot() and EndSnapshot() every query sees the catalog as of
  // BeginSnapshot(), whatever is committed meanwhile; GetSummary, Diff and
  // Folders each hold one for their own queries when none is open. A
  // snapshot does not block the writer, but its checkpoints cannot pass it:
  // end it when the report is done (destroying the reader ends it too).
  // Errors: kInvalidArgument if a snapshot is already open; kTimeout,
  // kIoError from SQLite. EndSnapshot() without a snapshot does nothing.
  Status BeginSnapshot();
  Status EndSnapshot();
  // Holds a snapshot for its lifetime (BeginSnapshot, then EndSnapshot), or
  // joins the one already open and ends nothing, so a function that needs
  // one moment can take one whether or not its caller did.
  class Snapshot {
   public:
    explicit Snapshot(CatalogReader& reader);
    ~Snapshot();
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;
    // Why the snapshot could not be taken; OK when it holds (or joined) one.
    const Status& status() const { return status_; }

   private:
    CatalogReader& reader_;
    Status status_;
    bool owned_ = false;
  };

  // Test seam: `hook` runs after each query the reader completes (so a test
  // can commit between two queries of one report). Empty = none.
  void SetAfterQueryHookForTesting(std::function<void()> hook);

  class Impl;

 private:
  explicit CatalogReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace phiscan::catalog

#endif  // PHISCAN_CATALOG_READER_H_
