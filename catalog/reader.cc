#include "catalog/reader.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/internal/asset_buffer.h"
#include "catalog/internal/host.h"
#include "catalog/internal/schema.h"
#include "catalog/internal/sqlite.h"

namespace phiscan::catalog {

using internal::Db;
using internal::DisplayPath;
using internal::Exec;
using internal::SqliteStatus;
using internal::Statement;

namespace {

// Lets a report wait out a scan's commit instead of failing with "busy".
constexpr int kBusyTimeoutMillis = 5000;

// Each type's definition from the latest run that defined it; types no run
// defined (a catalog written without definitions) get "unknown".
constexpr const char* kTypeDefs =
    "WITH defs AS ("
    " SELECT type_id, name, category, hipaa_class, normalize FROM types AS t"
    " WHERE t.run_id = (SELECT max(u.run_id) FROM types AS u WHERE u.type_id = t.type_id)) ";

// SQL condition: the asset `a` is present (not marked removed).
constexpr const char* kPresent = " a.removed_run IS NULL ";

// Rank of a label for "most sensitive": PHI > PCI > PII > other sensitive > NONE/none.
int LabelRank(const std::string& label) {
  if (label == "PHI") return 4;
  if (label == "PCI") return 3;
  if (label == "PII") return 2;
  return IsSensitiveLabel(label) ? 1 : 0;
}

uint64_t LabelWeight(const std::string& label) {
  if (label == "PHI") return 10;
  if (label == "PCI") return 8;
  return IsSensitiveLabel(label) ? 5 : 0;
}

std::string RootPrefix(const std::string& root) {
  return !root.empty() && root.back() == '/' ? root : root + '/';
}

// The components of `rel` (split on '/', empty ones dropped).
std::vector<std::string_view> Components(std::string_view rel) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < rel.size()) {
    size_t j = rel.find('/', i);
    if (j == std::string_view::npos) j = rel.size();
    if (j > i) out.push_back(rel.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// `base` followed by up to `depth` of `parts`, joined with '/'.
std::string JoinUpTo(std::string base, const std::vector<std::string_view>& parts, int depth) {
  for (int i = 0; i < depth && i < static_cast<int>(parts.size()); ++i) {
    if (!base.empty() && base.back() != '/') base += '/';
    base += parts[i];
  }
  return base;
}

// Directory part of a path: everything before the last '/' ("/" for a
// file at the top, "." for a bare name).
std::string_view DirName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The bytes just past every string that starts with `prefix`, so that "starts
// with prefix" is the range [prefix, bound): the prefix with its trailing
// 0xFF bytes dropped and its last byte incremented. Empty if there is no
// such bound (the prefix is all 0xFF bytes).
std::string PrefixUpperBound(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty()) {
    prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  }
  return prefix;
}

// The condition on `a.path` of a path-prefix filter, as a range so the
// UNIQUE (path, member) index can serve it (substr() of the column cannot
// use an index). Binds :prefix and :prefix_end.
std::string PathPrefixCondition(const std::string& prefix) {
  if (prefix.empty()) return "";
  return PrefixUpperBound(prefix).empty() ? " AND a.path >= :prefix"
                                          : " AND a.path >= :prefix AND a.path < :prefix_end";
}

// Binds a named parameter if the statement uses it (the SQL is assembled
// from the filters that are set).
void BindIntIfUsed(Statement& st, const char* name, int64_t v) {
  if (int i = sqlite3_bind_parameter_index(st.get(), name); i > 0) st.BindInt(i, v);
}
void BindTextIfUsed(Statement& st, const char* name, std::string_view v) {
  if (int i = sqlite3_bind_parameter_index(st.get(), name); i > 0) st.BindText(i, v);
}
void BindBlobIfUsed(Statement& st, const char* name, std::string_view v) {
  if (int i = sqlite3_bind_parameter_index(st.get(), name); i > 0) st.BindBlob(i, v);
}

void BindPathPrefix(Statement& st, const std::string& prefix) {
  BindBlobIfUsed(st, ":prefix", prefix);
  BindBlobIfUsed(st, ":prefix_end", PrefixUpperBound(prefix));
}

}  // namespace

// Thread safety: one thread at a time (the connection is opened NOMUTEX).
class CatalogReader::Impl {
 public:
  Impl(Db db, std::string display) : db_(std::move(db)), display_(std::move(display)) {}

  Result<Summary> GetSummary(const Filter& filter);
  Status ListAssets(const Filter& filter, const std::function<void(const AssetRow&)>& fn) {
    return ReadAssets(filter, true, fn);
  }
  // The assets ListAssets lists, in path order if `ordered`, else in
  // whatever order reads them fastest (for roll-ups).
  // `every_asset`: a min_score above kMinScore filters the types listed,
  // not the assets (folders add up every asset, as the summary does).
  Status ReadAssets(const Filter& filter, bool ordered,
                    const std::function<void(const AssetRow&)>& fn, bool every_asset = false);
  Status ListFindings(const Filter& filter, const std::function<void(const FindingRow&)>& fn);
  Status ListRuns(const std::function<void(const RunRow&)>& fn);
  Result<std::pair<int64_t, int64_t>> DefaultDiffRuns();
  Status Diff(int64_t from, int64_t to, const std::function<void(const DiffRow&)>& fn);
  Result<std::vector<FolderRow>> Folders(int depth, const Filter& filter);
  Status FindByTokens(const std::vector<TokenQuery>& queries,
                      const std::function<void(const FindingRow&)>& fn);
  Status ListUnlocated(const std::vector<std::string>& type_ids,
                       const std::function<void(const UnlocatedRow&)>& fn);
  Result<std::map<std::string, TypeDefinition>> TypeDefinitions();
  Result<std::vector<std::string>> KeyIds();
  Result<bool> FindingsUnderOtherKeys(const std::string& key_id);
  Result<bool> HasLabel(const std::string& label);
  Result<std::vector<std::string>> Labels();
  Result<bool> HasPathPrefix(const std::string& prefix);
  Result<RootTally> TallyUnderRoots(const std::vector<std::string>& roots);
  Status BeginSnapshot();
  Status EndSnapshot();
  bool InSnapshot() const { return sqlite3_get_autocommit(db_.get()) == 0; }
  void SetAfterQueryHookForTesting(std::function<void()> hook) {
    after_query_hook_ = std::move(hook);
  }

 private:
  // One read transaction for the queries of one method (a summary's
  // totals must come from one commit), unless the caller holds a snapshot
  // already. A failure to begin shows in status().
  class ScopedRead {
   public:
    explicit ScopedRead(Impl& impl) : impl_(impl) {
      if (!impl_.InSnapshot()) {
        status_ = impl_.BeginSnapshot();
        owned_ = status_.ok();
      }
    }
    ~ScopedRead() {
      if (owned_) impl_.EndSnapshot();
    }
    ScopedRead(const ScopedRead&) = delete;
    ScopedRead& operator=(const ScopedRead&) = delete;
    const Status& status() const { return status_; }

   private:
    Impl& impl_;
    Status status_;
    bool owned_ = false;
  };

  std::string What() const { return "reading catalog " + display_; }
  // Prepares `sql`, lets `bind` bind its parameters, and calls `row` for
  // every result row.
  template <typename BindFn, typename RowFn>
  Status QueryWith(const std::string& sql, BindFn&& bind, RowFn&& row) {
    Status s;
    {
      auto stmt = Statement::Prepare(db_.get(), sql);
      if (!stmt.ok()) return stmt.status();
      bind(*stmt);
      int rc;
      while ((rc = stmt->Step()) == SQLITE_ROW) row(*stmt);
      s = rc == SQLITE_DONE ? Status::Ok() : SqliteStatus(db_.get(), rc, What());
    }
    if (after_query_hook_) after_query_hook_();
    return s;
  }
  // Binds min_score as ?1 if the statement has parameters.
  template <typename RowFn>
  Status Query(const std::string& sql, int min_score, RowFn&& row) {
    return QueryWith(
        sql,
        [&](Statement& st) {
          if (sqlite3_bind_parameter_count(st.get()) >= 1) st.BindInt(1, min_score);
        },
        row);
  }

  Db db_;
  const std::string display_;
  std::function<void()> after_query_hook_;  // test seam: runs after every query
};

Status CatalogReader::Impl::BeginSnapshot() {
  if (InSnapshot()) return Status::InvalidArgument("a snapshot of the catalog is already open");
  const std::string what = What();
  if (Status s = Exec(db_.get(), "BEGIN", what); !s.ok()) return s;
  // A deferred transaction starts reading at its first query: read now, so
  // the snapshot is the catalog as of this call.
  if (Status s = Exec(db_.get(), "SELECT 1 FROM runs LIMIT 1", what); !s.ok()) {
    Exec(db_.get(), "ROLLBACK", what);
    return s;
  }
  return Status::Ok();
}

Status CatalogReader::Impl::EndSnapshot() {
  if (!InSnapshot()) return Status::Ok();
  // Nothing was written: COMMIT only ends the read transaction.
  return Exec(db_.get(), "COMMIT", What());
}

Result<Summary> CatalogReader::Impl::GetSummary(const Filter& filter) {
  ScopedRead read(*this);
  if (!read.status().ok()) return read.status();
  Summary summary;
  Status s =
      Query("SELECT id, status, host, pid, started_at FROM runs ORDER BY id DESC LIMIT 1", 0,
            [&](const Statement& st) {
              summary.run_id = st.ColumnInt(0);
              summary.run_status = st.ColumnBytes(1);
              if (summary.run_status == "running" && st.ColumnBytes(2) == internal::HostName() &&
                  !internal::RunProcessAlive(st.ColumnInt(3), st.ColumnInt(4))) {
                summary.run_status = "interrupted";
              }
            });
  if (!s.ok()) return s;
  // One pass over the present assets for the totals and the counts by
  // status, label, readers and format (separate GROUP BYs read every asset
  // once each); the covering index assets_by_label (catalog/migrations/v7.sql)
  // serves it without reading the table. SQL decides what is labelled and
  // what is sensitive, as before.
  s = Query(std::string("SELECT status, label, label IS NOT NULL AND label <> '',"
                        " label IS NOT NULL AND label NOT IN ('', 'NONE'), readable_by, exposed,"
                        " count(*), sum(bytes_scanned), format FROM assets AS a WHERE") +
                kPresent + "GROUP BY label, status, readable_by, exposed, format",
            0, [&](const Statement& st) {
              const uint64_t n = st.ColumnUint(6);
              summary.assets += n;
              summary.bytes_scanned += st.ColumnUint(7);
              // Names come from this build (AssetStatusName), the authority
              // the status_names table was seeded from.
              summary.by_status[AssetStatusName(static_cast<AssetStatus>(st.ColumnInt(0)))] += n;
              if (st.ColumnInt(2) != 0) {
                summary.by_label[st.ColumnBytes(1)] += n;
              } else {
                summary.unlabelled += n;
              }
              if (!st.ColumnIsNull(8)) summary.by_format[st.ColumnBytes(8)] += n;
              if (st.ColumnInt(3) != 0) {
                summary.sensitive += n;
                summary.by_exposure[st.ColumnBytes(4)] += n;
              }
              summary.exposed += st.ColumnUint(5) * n;  // as sum(exposed)
            });
  if (!s.ok()) return s;
  // Files and members that went away; a folder's cleared gap record is not one.
  s = Query("SELECT count(*) FROM assets WHERE removed_run IS NOT NULL AND kind <> " +
                std::to_string(static_cast<int>(AssetKind::kDirectory)),
            0,
            [&](const Statement& st) { summary.removed = st.ColumnUint(0); });
  if (!s.ok()) return s;
  // Per category, HIPAA class and type in one pass over the typed present
  // assets; each asset's types arrive together (asset_types' primary key
  // order). Joining the type definitions in SQL (kTypeDefs) flattened them
  // into the join and re-ran their correlated subquery for every asset type
  // and definition: seconds per GROUP BY on a large catalog.
  Result<std::map<std::string, TypeDefinition>> defs = TypeDefinitions();
  if (!defs.ok()) return defs.status();
  std::map<std::string, TypeCount> types;
  std::set<std::string> asset_categories;
  std::set<int> asset_classes;
  auto count_asset = [&] {
    for (const std::string& c : asset_categories) summary.by_category[c] += 1;
    for (int h : asset_classes) summary.by_hipaa_class[h] += 1;
    asset_categories.clear();
    asset_classes.clear();
  };
  int64_t asset_id = 0;
  s = Query(std::string("SELECT t.asset_id, t.type_id, t.count FROM asset_types AS t"
                        " JOIN assets AS a ON a.id = t.asset_id WHERE t.max_score >= ?1 AND") +
                kPresent + "ORDER BY t.asset_id",
            filter.min_score, [&](const Statement& st) {
              if (st.ColumnInt(0) != asset_id) count_asset();
              asset_id = st.ColumnInt(0);
              const std::string type_id = st.ColumnBytes(1);
              TypeCount& t = types[type_id];
              if (t.assets == 0) {
                // No run defined the type: "unknown", no HIPAA class.
                auto def = defs->find(type_id);
                t.type_id = type_id;
                t.category = def != defs->end() ? def->second.category : "unknown";
                t.hipaa_class = def != defs->end() ? def->second.hipaa_class : 0;
              }
              t.assets += 1;
              t.findings += st.ColumnUint(2);
              asset_categories.insert(t.category);
              if (t.hipaa_class > 0) asset_classes.insert(t.hipaa_class);
            });
  if (!s.ok()) return s;
  count_asset();
  for (auto& [id, t] : types) {
    summary.findings += t.findings;
    summary.by_type.push_back(std::move(t));
  }
  // Most widespread first; ties by type id (the map's order, kept by the
  // stable sort).
  std::stable_sort(summary.by_type.begin(), summary.by_type.end(),
                   [](const TypeCount& a, const TypeCount& b) { return a.assets > b.assets; });
  return summary;
}

Status CatalogReader::Impl::ReadAssets(const Filter& filter, bool ordered,
                                       const std::function<void(const AssetRow&)>& fn,
                                       bool every_asset) {
  // Below the lowest score nothing is filtered out, so clean assets and
  // coverage gaps are listed too; a real threshold lists only assets that
  // reach it: with a type that does, or a container labelled by its members
  // with a member that does (kReachingIds).
  const bool need_type = filter.min_score > kMinScore && !every_asset;
  // Only the filters that are set, each a plain condition on its column: a
  // catch-all such as "(?3 = '' OR a.label = ?3)" cannot use an index, so
  // every listing read every asset. The indexes that serve these are in
  // catalog/migrations/v3.sql.
  std::string where = " WHERE 1";
  if (filter.removed_in_run) {
    where += " AND a.removed_run = :removed_run";  // the partial index assets_by_removed
  } else if (!filter.include_removed) {
    where += " AND a.removed_run IS NULL";
  }
  if (!filter.label.empty()) where += " AND a.label = :label";
  where += PathPrefixCondition(filter.path_prefix);
  if (filter.exposed_only) where += " AND a.exposed = 1";
  if (!filter.format.empty()) where += " AND a.format = :format";
  if (filter.sensitive_only) where += " AND coalesce(a.label, '') NOT IN ('', 'NONE')";
  if (filter.status) {
    where += " AND a.status = :status";
    // Implied by the line above, but SQLite can only use the partial index
    // of gaps (status <> 0) when the query says so literally.
    if (*filter.status != AssetStatus::kComplete) where += " AND a.status <> 0";
  }
  if (filter.gaps_only) where += " AND a.status <> 0";  // the partial index assets_gaps
  // An asset listed above kMinScore needs a type that reaches the score
  // (checked again below); saying so here lets SQLite start from the few
  // typed assets instead of all of them.
  if (!filter.type_id.empty()) {
    where +=
        " AND a.id IN (SELECT asset_id FROM asset_types"
        "  WHERE type_id = :type AND max_score >= :min_score)";
  }
  // Containers labelled by their members (label_rule 'members', no type of
  // their own) reach the score through a member that does. They are looked
  // up after the main pass by the keys its members give (path and each
  // containing member name, cut at a '!': scanner/extract.cc), each under
  // the same filters: starting from the containers would read every asset.
  const bool containers = need_type && filter.type_id.empty();
  const std::string container_where = where +
                                      " AND a.path = :cpath AND a.member = :cmember"
                                      " AND a.label_rule = 'members'";
  if (need_type) {
    where += " AND a.id IN (SELECT asset_id FROM asset_types WHERE max_score >= :min_score)";
  }
  // The type, confidence and label filters start from an index that is not
  // in path order (asset_types_by_type, assets_by_label): their assets are
  // sorted here rather than by SQLite (catalog/internal/asset_buffer.h says
  // why). The other listings walk an index in (path, member) order and are
  // passed on as they are read, in constant memory.
  const bool sort_here =
      ordered && (need_type || !filter.type_id.empty() || !filter.label.empty());
  // In no order and with no filter an index could serve, the table itself
  // is read from end to end: SQLite would otherwise walk assets_by_label
  // and look every asset up by rowid (1.1 s against 0.46 s for a million
  // assets in the sqlite3 shell).
  const bool whole_table = !ordered && !need_type && filter.type_id.empty() &&
                           filter.label.empty() && filter.path_prefix.empty() &&
                           !filter.exposed_only && filter.format.empty() && !filter.status &&
                           !filter.gaps_only && !filter.removed_in_run;
  // One pass: each asset's rows arrive together, one per type that passes
  // the filter, or one row of NULLs if none does.
  const std::string select =
      "SELECT a.id, a.path, a.member, a.kind, a.status, a.reason, a.size, a.mtime_ns, a.label,"
      " t.type_id, t.count, t.max_score, a.label_rule, a.mode, a.uid, a.gid, a.readable_by,"
      " a.group_writable, a.world_writable, a.exposed, a.acl_readers, a.last_scan_run,"
      " coalesce(a.last_seen_run, a.last_scan_run), a.removed_run, a.format, a.detail"
      " FROM assets AS a" +
      std::string(whole_table ? " NOT INDEXED" : "") +
      " LEFT JOIN asset_types AS t ON t.asset_id = a.id AND t.max_score >= :min_score";
  const std::string sql =
      select + where + (ordered && !sort_here ? " ORDER BY a.path, a.member" : "");
  // Without ORDER BY an asset's rows still arrive together: asset_types is
  // the right side of a LEFT JOIN, which SQLite never makes the outer loop.
  // Roll-ups rely on that; the sorting buffer would merge parts anyway.
  internal::AssetBuffer sorted;
  AssetRow current;
  bool have = false;
  std::set<std::pair<std::string, std::string>> container_keys;  // (path, member)
  bool in_containers = false;  // the rows are those of container_where
  auto flush = [&] {
    if (have && containers && current.member && !current.types.empty()) {
      container_keys.emplace(current.path, "");
      for (size_t bang = current.member->find('!'); bang != std::string::npos;
           bang = current.member->find('!', bang + 1)) {
        container_keys.emplace(current.path, current.member->substr(0, bang));
      }
    }
    if (have && (!need_type || !current.types.empty() || in_containers)) {
      if (sort_here) {
        sorted.Add(current);
      } else {
        fn(current);
      }
    }
    have = false;
  };
  auto bind = [&](Statement& st) {
    BindIntIfUsed(st, ":min_score", filter.min_score);
    BindTextIfUsed(st, ":label", filter.label);
    BindTextIfUsed(st, ":format", filter.format);
    BindPathPrefix(st, filter.path_prefix);
    if (filter.status) BindIntIfUsed(st, ":status", static_cast<int>(*filter.status));
    if (filter.removed_in_run) BindIntIfUsed(st, ":removed_run", *filter.removed_in_run);
    BindTextIfUsed(st, ":type", filter.type_id);
  };
  auto row = [&](const Statement& st) {
    const int64_t id = st.ColumnInt(0);
    if (!have || current.id != id) {
      flush();
      current = AssetRow();
      current.id = id;
      current.path = st.ColumnBytes(1);
      std::string member = st.ColumnBytes(2);
      if (!member.empty()) current.member = std::move(member);
      current.kind = static_cast<AssetKind>(st.ColumnInt(3));
      current.status = static_cast<AssetStatus>(st.ColumnInt(4));
      current.reason = st.ColumnBytes(5);
      current.size = st.ColumnUint(6);
      current.mtime_ns = st.ColumnInt(7);
      current.label = st.ColumnBytes(8);
      current.label_rule = st.ColumnBytes(12);
      current.mode = static_cast<uint32_t>(st.ColumnInt(13));
      current.uid = static_cast<uint32_t>(st.ColumnInt(14));
      current.gid = static_cast<uint32_t>(st.ColumnInt(15));
      current.readable_by = st.ColumnBytes(16);
      current.group_writable = st.ColumnInt(17) != 0;
      current.world_writable = st.ColumnInt(18) != 0;
      current.exposed = st.ColumnInt(19) != 0;
      if (!st.ColumnIsNull(20)) current.acl_readers = st.ColumnInt(20);
      current.last_scan_run = st.ColumnInt(21);
      current.last_seen_run = st.ColumnInt(22);
      if (!st.ColumnIsNull(23)) current.removed_run = st.ColumnInt(23);
      current.format = st.ColumnBytes(24);
      current.detail = st.ColumnBytes(25);
      have = true;
    }
    if (!st.ColumnIsNull(9)) {
      current.types[st.ColumnBytes(9)] = st.ColumnUint(10);
      current.max_score = std::max(current.max_score, static_cast<int>(st.ColumnInt(11)));
    }
  };
  Status s = QueryWith(sql, bind, row);
  if (!s.ok()) return s;
  flush();
  // A container with a reaching member of its own type is listed already.
  in_containers = true;
  for (const auto& key : container_keys) {
    s = QueryWith(
        select + container_where,
        [&](Statement& st) {
          bind(st);
          BindBlobIfUsed(st, ":cpath", key.first);
          BindBlobIfUsed(st, ":cmember", key.second);
        },
        [&](const Statement& st) {
          if (!st.ColumnIsNull(9)) return;  // typed: listed by the main pass
          row(st);
        });
    if (!s.ok()) return s;
    flush();
  }
  sorted.ForEachSorted(fn);
  return Status::Ok();
}

namespace {

FindingRow ReadFinding(const Statement& st) {
  FindingRow row;
  row.path = st.ColumnBytes(0);
  std::string member = st.ColumnBytes(1);
  if (!member.empty()) row.member = std::move(member);
  row.type_id = st.ColumnBytes(2);
  row.score = static_cast<int>(st.ColumnInt(3));
  row.start = st.ColumnUint(4);
  row.end = st.ColumnUint(5);
  row.line = st.ColumnUint(6);
  row.masked = st.ColumnBytes(7);
  return row;
}

// True if the catalog has no -wal beside it, or an empty one: nothing a
// writer committed lives outside the main file.
bool WalIsEmpty(const std::string& path) {
  struct stat st;
  if (stat((path + "-wal").c_str(), &st) != 0) return errno == ENOENT;
  return S_ISREG(st.st_mode) && st.st_size == 0;
}

// "file:" URI of `path` opened immutable, every byte outside [A-Za-z0-9/._-]
// percent-encoded so no path can add URI parameters.
std::string ImmutableUri(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  // An absolute path gets an empty authority: "file:" + "//x" would name host x.
  std::string uri = !path.empty() && path[0] == '/' ? "file://" : "file:";
  for (unsigned char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '/' || c == '.' || c == '_' || c == '-';
    if (plain) {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 0xF];
    }
  }
  return uri + "?mode=ro&immutable=1";
}

constexpr const char* kFindingColumns =
    "SELECT a.path, a.member, f.type_id, f.score, f.start, f.\"end\", f.line, f.masked, f.id"
    " FROM findings AS f JOIN assets AS a ON a.id = f.asset_id";

}  // namespace

Status CatalogReader::Impl::ListFindings(const Filter& filter,
                                         const std::function<void(const FindingRow&)>& fn) {
  // The path prefix as a range on the UNIQUE (path, member) index, as in
  // ListAssets.
  const std::string sql = std::string(kFindingColumns) +
                          " WHERE f.score >= ?1 AND (?2 OR a.removed_run IS NULL)"
                          " AND (?3 = '' OR f.type_id = ?3)" +
                          PathPrefixCondition(filter.path_prefix) +
                          " ORDER BY a.path, a.member, f.start, f.type_id, f.id";
  return QueryWith(
      sql,
      [&](Statement& st) {
        st.BindInt(1, filter.min_score);
        st.BindInt(2, filter.include_removed ? 1 : 0);
        st.BindText(3, filter.type_id);
        BindPathPrefix(st, filter.path_prefix);
      },
      [&](const Statement& st) { fn(ReadFinding(st)); });
}

Status CatalogReader::Impl::ListRuns(const std::function<void(const RunRow&)>& fn) {
  const std::string host = internal::HostName();
  return Query(
      "SELECT id, started_at, finished_at, status, roots, options, rules_version, host, user, pid,"
      " assets, unchanged, bytes_scanned, findings, gaps, removed FROM runs ORDER BY id DESC",
      0, [&](const Statement& st) {
        RunRow r;
        r.id = st.ColumnInt(0);
        r.started_at = st.ColumnInt(1);
        if (!st.ColumnIsNull(2)) r.finished_at = st.ColumnInt(2);
        r.status = st.ColumnBytes(3);
        r.roots_json = st.ColumnBytes(4);
        r.options_json = st.ColumnBytes(5);
        r.rules_version = st.ColumnBytes(6);
        r.host = st.ColumnBytes(7);
        r.user = st.ColumnBytes(8);
        r.pid = st.ColumnInt(9);
        r.assets = st.ColumnUint(10);
        r.unchanged = st.ColumnUint(11);
        r.bytes_scanned = st.ColumnUint(12);
        r.findings = st.ColumnUint(13);
        r.gaps = st.ColumnUint(14);
        r.removed = st.ColumnUint(15);
        if (r.status == "running" && r.host == host &&
            !internal::RunProcessAlive(r.pid, r.started_at)) {
          r.status = "interrupted";
          r.stale = true;
        }
        fn(r);
      });
}

Result<std::pair<int64_t, int64_t>> CatalogReader::Impl::DefaultDiffRuns() {
  std::vector<int64_t> ids;
  Status s = Query("SELECT id FROM runs WHERE status = 'completed' ORDER BY id DESC LIMIT 2", 0,
                   [&](const Statement& st) { ids.push_back(st.ColumnInt(0)); });
  if (!s.ok()) return s;
  if (ids.empty()) return Status::NotFound("catalog " + display_ + " has no completed run");
  if (ids.size() == 1) return std::make_pair(int64_t{0}, ids[0]);
  return std::make_pair(ids[1], ids[0]);
}

Status CatalogReader::Impl::Diff(int64_t from, int64_t to,
                                 const std::function<void(const DiffRow&)>& fn) {
  if (from >= to) {
    return Status::InvalidArgument("--from must be an earlier run than --to");
  }
  ScopedRead read(*this);
  if (!read.status().ok()) return read.status();
  bool exists = false;
  Status s = QueryWith(
      "SELECT 1 FROM runs WHERE id = ?1", [&](Statement& st) { st.BindInt(1, to); },
      [&](const Statement&) { exists = true; });
  if (!s.ok()) return s;
  if (!exists)
    return Status::InvalidArgument("run " + std::to_string(to) + " is not in the catalog");
  // Only assets with a history row in (from, to] can differ; each side is
  // the latest row at or before its run.
  const std::string query =
      "WITH c AS (SELECT DISTINCT asset_id FROM asset_history WHERE run_id > ?1 AND run_id <= ?2),"
      " before AS (SELECT h.* FROM c JOIN asset_history AS h ON h.asset_id = c.asset_id"
      "  AND h.run_id = (SELECT max(x.run_id) FROM asset_history AS x"
      "   WHERE x.asset_id = c.asset_id AND x.run_id <= ?1)),"
      " after AS (SELECT h.* FROM c JOIN asset_history AS h ON h.asset_id = c.asset_id"
      "  AND h.run_id = (SELECT max(x.run_id) FROM asset_history AS x"
      "   WHERE x.asset_id = c.asset_id AND x.run_id <= ?2))"
      " SELECT a.path, a.member,"
      " b.event, b.label, b.exposed, b.size, b.mtime_ns, b.ino,"
      " e.event, e.label, e.exposed, e.size, e.mtime_ns, e.ino,"
      " b.types_digest, e.types_digest, b.status, e.status, a.kind,"
      " b.readable_by, e.readable_by, b.access_digest, e.access_digest"
      " FROM c JOIN assets AS a ON a.id = c.asset_id"
      " JOIN after AS e ON e.asset_id = c.asset_id"
      " LEFT JOIN before AS b ON b.asset_id = c.asset_id"
      " ORDER BY a.path, a.member";
  return QueryWith(
      query,
      [&](Statement& st) {
        st.BindInt(1, from);
        st.BindInt(2, to);
      },
      [&](const Statement& st) {
        DiffRow row;
        row.path = st.ColumnBytes(0);
        std::string member = st.ColumnBytes(1);
        if (!member.empty()) row.member = std::move(member);
        const bool had = !st.ColumnIsNull(2) && st.ColumnBytes(2) == "scanned";
        const bool has = st.ColumnBytes(8) == "scanned";
        if (had) {
          row.label_before = st.ColumnBytes(3);
          row.exposed_before = st.ColumnInt(4) != 0;
          row.status_before = static_cast<AssetStatus>(st.ColumnInt(16));
          row.readable_by_before = st.ColumnBytes(19);
        }
        if (has) {
          row.label_after = st.ColumnBytes(9);
          row.exposed_after = st.ColumnInt(10) != 0;
          row.status_after = static_cast<AssetStatus>(st.ColumnInt(17));
          row.readable_by_after = st.ColumnBytes(20);
        }
        auto emit = [&](const char* change) {
          row.change = change;
          fn(row);
        };
        // A folder has a record only while it is a coverage gap (it could
        // not be listed): one appearing or going is its coverage changing,
        // not a folder added or deleted (its files say that).
        if (st.ColumnInt(18) == static_cast<int>(AssetKind::kDirectory) && had != has) {
          if (!had) row.status_before = AssetStatus::kComplete;
          if (!has) row.status_after = AssetStatus::kComplete;
          return emit("coverage_changed");
        }
        if (!had && has) return emit("added");
        if (had && !has) return emit("removed");
        if (!had && !has) return;
        if (st.ColumnInt(5) != st.ColumnInt(11) || st.ColumnInt(6) != st.ColumnInt(12) ||
            st.ColumnInt(7) != st.ColumnInt(13)) {
          emit("changed");
        }
        // A file the scan can no longer read keeps its last label and
        // findings, so nothing else here would say that it became a gap
        // (or that a gap was read in full again).
        if (row.status_before != row.status_after) emit("coverage_changed");
        const bool was = IsSensitiveLabel(row.label_before);
        const bool is = IsSensitiveLabel(row.label_after);
        if (!was && is) emit("became_sensitive");
        if (was && !is) emit("no_longer_sensitive");
        if (!row.exposed_before && row.exposed_after) emit("newly_exposed");
        if (row.exposed_before && !row.exposed_after) emit("no_longer_exposed");
        // Who can read or write it changed (mode, owner, group, ACL), which
        // exposure alone does not say of a file that was never exposed
        // (0600 to 0640, a named reader added). Unknown on either side
        // (rows before version 8): nothing.
        if (!st.ColumnIsNull(21) && !st.ColumnIsNull(22) && st.ColumnInt(21) != st.ColumnInt(22)) {
          emit("access_changed");
        }
        // Read again, and what it holds differs (counts, distinct values or
        // confidence of a type), whatever its size, mtime or label say;
        // unless that already made it (no longer) sensitive, which says
        // more. Unknown on either side (before version 4, not readable):
        // nothing.
        if (was == is && !st.ColumnIsNull(14) && !st.ColumnIsNull(15) &&
            st.ColumnInt(14) != st.ColumnInt(15)) {
          emit("findings_changed");
        }
      });
}

Result<std::vector<FolderRow>> CatalogReader::Impl::Folders(int depth, const Filter& filter) {
  if (depth < 0) return Status::InvalidArgument("--depth must be 0 or more");
  ScopedRead read(*this);
  if (!read.status().ok()) return read.status();
  std::vector<std::string> roots;
  Status s = Query("SELECT DISTINCT root FROM run_roots", 0,
                   [&](const Statement& st) { roots.push_back(st.ColumnBytes(0)); });
  if (!s.ok()) return s;
  // Shortest first, so the outermost root containing a path wins: a folder
  // once scanned as a root of its own (hr of a share) is grouped at the
  // same levels as its neighbours, whichever runs the catalog holds.
  std::sort(roots.begin(), roots.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });

  std::map<std::string, FolderRow> folders;
  // In no particular order: what is added up here does not depend on it.
  // Every present asset, whatever min_score (which counts findings only),
  // so the folders add up to the summary's totals and gaps.
  s = ReadAssets(
      filter, false,
      [&](const AssetRow& a) {
        std::string folder;
        bool found = false;
        // A folder's own record (one it could not list) is that folder's.
        const bool is_dir = a.kind == AssetKind::kDirectory;
        for (const std::string& root : roots) {
          const std::string prefix = RootPrefix(root);
          if (a.path == root) {
            // A file given as a root; a root folder that could not be listed.
            folder = is_dir ? root : std::string(DirName(root));
          } else if (is_dir && a.path.size() > prefix.size() &&
                     a.path.compare(0, prefix.size(), prefix) == 0) {
            folder =
                JoinUpTo(root, Components(std::string_view(a.path).substr(prefix.size())), depth);
          } else if (a.path.size() > prefix.size() &&
                     a.path.compare(0, prefix.size(), prefix) == 0) {
            std::string_view rel = std::string_view(a.path).substr(prefix.size());
            folder = JoinUpTo(
                root, Components(DirName(rel) == "." ? std::string_view() : DirName(rel)), depth);
          } else {
            continue;
          }
          found = true;
          break;
        }
        if (!found) {
          std::string_view dir = is_dir ? std::string_view(a.path) : DirName(a.path);
          folder = JoinUpTo(dir.substr(0, 1) == "/" ? "/" : "", Components(dir), depth);
          if (folder.empty()) folder = ".";
        }
        FolderRow& f = folders[folder];
        f.folder = folder;
        f.assets += 1;
        // With --type, the occurrences of that type: the folders where it is.
        for (const auto& [type, count] : a.types) {
          if (filter.type_id.empty() || type == filter.type_id) f.findings += count;
        }
        if (a.status != AssetStatus::kComplete) {
          f.gaps += 1;
          f.risk += 1;
        }
        // The most sensitive label; between two of one rank (two labels of a
        // custom rule pack, or NONE and none), the bytewise smaller, so the
        // order the assets come in does not matter.
        const int rank = LabelRank(a.label);
        const int top_rank = LabelRank(f.top_label);
        if (rank > top_rank || (rank == top_rank && !a.label.empty() &&
                                (f.top_label.empty() || a.label < f.top_label))) {
          f.top_label = a.label;
        }
        if (IsSensitiveLabel(a.label)) {
          f.sensitive += 1;
          f.risk += LabelWeight(a.label) * (a.exposed ? 3 : 1);
        }
        if (a.exposed) f.exposed += 1;
      },
      true);
  if (!s.ok()) return s;
  std::vector<FolderRow> out;
  out.reserve(folders.size());
  for (auto& [name, row] : folders) out.push_back(std::move(row));
  std::stable_sort(out.begin(), out.end(),
                   [](const FolderRow& a, const FolderRow& b) { return a.risk > b.risk; });
  return out;
}

Status CatalogReader::Impl::FindByTokens(const std::vector<TokenQuery>& queries,
                                         const std::function<void(const FindingRow&)>& fn) {
  // findings_by_token_prefix finds the candidates; the whole token decides.
  const std::string sql = std::string(kFindingColumns) +
                          " WHERE f.token_prefix = ?3 AND f.token = ?1"
                          " AND (?2 = '' OR f.type_id = ?2) AND" + kPresent;
  std::map<int64_t, FindingRow> hits;  // by finding id: two queries may match one finding
  for (const TokenQuery& q : queries) {
    Status s = QueryWith(
        sql,
        [&](Statement& st) {
          st.BindBlob(
              1, std::string_view(reinterpret_cast<const char*>(q.token.data()), q.token.size()));
          st.BindText(2, q.type_id);
          st.BindInt(3, internal::TokenPrefix(q.token));
        },
        [&](const Statement& st) { hits.emplace(st.ColumnInt(8), ReadFinding(st)); });
    if (!s.ok()) return s;
  }
  std::vector<const FindingRow*> rows;
  for (const auto& [id, row] : hits) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [](const FindingRow* a, const FindingRow* b) {
    const std::string am = a->member.value_or(""), bm = b->member.value_or("");
    return std::tie(a->path, am, a->start) < std::tie(b->path, bm, b->start);
  });
  for (const FindingRow* r : rows) fn(*r);
  return Status::Ok();
}

Status CatalogReader::Impl::ListUnlocated(const std::vector<std::string>& type_ids,
                                          const std::function<void(const UnlocatedRow&)>& fn) {
  ScopedRead read(*this);
  if (!read.status().ok()) return read.status();
  // More distinct values than distinct located tokens: 40 copies of one SSN
  // are all located by their first, and one value is always located (so
  // only rows of two values or more are looked at). By type, the index
  // asset_types_by_type serves it; CROSS JOIN keeps SQLite starting from the
  // typed rows, not from every asset (0.6 s against 0.03 s for a million).
  auto sql = [](bool typed) {
    return std::string(
               "SELECT path, member, type_id, unique_count, located FROM ("
               " SELECT a.path, a.member, t.type_id, t.unique_count,"
               "  (SELECT count(DISTINCT f.token) FROM findings AS f"
               "    WHERE f.asset_id = t.asset_id AND f.type_id = t.type_id) AS located"
               " FROM asset_types AS t CROSS JOIN assets AS a ON a.id = t.asset_id WHERE ") +
           (typed ? "t.type_id = ?1 AND " : "") + "t.unique_count > 1 AND" + kPresent +
           ") WHERE unique_count > located ORDER BY path, member, type_id";
  };
  std::vector<std::string> types = type_ids;
  if (types.empty()) types.push_back("");
  for (const std::string& type : types) {
    Status s = QueryWith(
        sql(!type.empty()), [&](Statement& st) { BindTextIfUsed(st, "?1", type); },
        [&](const Statement& st) {
          UnlocatedRow row;
          row.path = st.ColumnBytes(0);
          std::string member = st.ColumnBytes(1);
          if (!member.empty()) row.member = std::move(member);
          row.type_id = st.ColumnBytes(2);
          row.unique_count = st.ColumnUint(3);
          row.located = st.ColumnUint(4);
          fn(row);
        });
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::map<std::string, TypeDefinition>> CatalogReader::Impl::TypeDefinitions() {
  std::map<std::string, TypeDefinition> defs;
  Status s = Query(
      std::string(kTypeDefs) + "SELECT type_id, name, category, hipaa_class, normalize FROM defs",
      0, [&](const Statement& st) {
        TypeDefinition d;
        d.id = st.ColumnBytes(0);
        d.name = st.ColumnBytes(1);
        d.category = st.ColumnBytes(2);
        d.hipaa_class = static_cast<int>(st.ColumnInt(3));
        d.normalize = st.ColumnBytes(4);
        defs[d.id] = std::move(d);
      });
  if (!s.ok()) return s;
  return defs;
}

Result<std::vector<std::string>> CatalogReader::Impl::KeyIds() {
  std::vector<std::string> ids;
  Status s = Query("SELECT DISTINCT key_id FROM runs WHERE key_id <> '' ORDER BY key_id", 0,
                   [&](const Statement& st) { ids.push_back(st.ColumnBytes(0)); });
  if (!s.ok()) return s;
  return ids;
}

Result<bool> CatalogReader::Impl::FindingsUnderOtherKeys(const std::string& key_id) {
  bool found = false;
  Status s = QueryWith(
      "SELECT 1 FROM runs AS r WHERE r.key_id <> '' AND r.key_id <> ?1 AND EXISTS ("
      " SELECT 1 FROM assets AS a WHERE a.last_scan_run = r.id AND a.removed_run IS NULL"
      " AND EXISTS (SELECT 1 FROM findings AS f WHERE f.asset_id = a.id)) LIMIT 1",
      [&](Statement& st) { st.BindText(1, key_id); }, [&](const Statement&) { found = true; });
  if (!s.ok()) return s;
  return found;
}

Result<bool> CatalogReader::Impl::HasLabel(const std::string& label) {
  bool found = false;
  // One seek in assets_by_label.
  Status s = QueryWith(
      "SELECT 1 FROM assets WHERE label = ?1 AND removed_run IS NULL LIMIT 1",
      [&](Statement& st) { st.BindText(1, label); }, [&](const Statement&) { found = true; });
  if (!s.ok()) return s;
  return found;
}

Result<std::vector<std::string>> CatalogReader::Impl::Labels() {
  std::vector<std::string> labels;
  // A skip scan of assets_by_label (partial: removed_run IS NULL): each step
  // seeks the next label, so a million assets of four labels cost five
  // seeks, not a pass over the index as SELECT DISTINCT would.
  Status s = QueryWith(
      "WITH RECURSIVE l(label) AS ("
      " SELECT min(label) FROM assets WHERE removed_run IS NULL"
      " UNION ALL"
      " SELECT (SELECT min(label) FROM assets WHERE removed_run IS NULL AND label > l.label)"
      " FROM l WHERE l.label IS NOT NULL)"
      " SELECT label FROM l WHERE label IS NOT NULL AND label <> ''",
      [](Statement&) {}, [&](const Statement& st) { labels.push_back(st.ColumnBytes(0)); });
  if (!s.ok()) return s;
  return labels;
}

Result<bool> CatalogReader::Impl::HasPathPrefix(const std::string& prefix) {
  bool found = false;
  // Removed assets count: a feed asking what went away under a folder that
  // is gone is a real question.
  Status s = QueryWith(
      std::string("SELECT 1 FROM assets AS a WHERE 1") + PathPrefixCondition(prefix) + " LIMIT 1",
      [&](Statement& st) { BindPathPrefix(st, prefix); }, [&](const Statement&) { found = true; });
  if (!s.ok()) return s;
  return found;
}

Result<RootTally> CatalogReader::Impl::TallyUnderRoots(const std::vector<std::string>& roots) {
  // A root is a directory (its path is a gap record's, if any) or a file;
  // what lies below it starts with `prefix`.
  auto prefix_of = [](const std::string& root) {
    return !root.empty() && root.back() == '/' ? root : root + '/';
  };
  ScopedRead read(*this);
  if (!read.status().ok()) return read.status();
  RootTally tally;
  for (size_t i = 0; i < roots.size(); ++i) {
    const std::string& root = roots[i];
    bool nested = false;  // inside another root, or the same root given again
    for (size_t j = 0; j < roots.size() && !nested; ++j) {
      nested = root == roots[j] ? j < i : root.starts_with(prefix_of(roots[j]));
    }
    if (nested) continue;
    const std::string prefix = prefix_of(root);
    Status s = QueryWith(
        std::string("SELECT label, status, reason, count(*) FROM assets AS a WHERE") + kPresent +
            "AND (a.path = :root OR (1" + PathPrefixCondition(prefix) +
            ")) GROUP BY label, status, reason",
        [&](Statement& st) {
          BindBlobIfUsed(st, ":root", root);
          BindPathPrefix(st, prefix);
        },
        [&](const Statement& st) {
          const uint64_t n = st.ColumnUint(3);
          tally.assets += n;
          const std::string label = st.ColumnIsNull(0) ? "" : st.ColumnBytes(0);
          if (!label.empty() && label != "NONE") tally.sensitive_by_label[label] += n;
          const auto status = static_cast<AssetStatus>(st.ColumnInt(1));
          if (status != AssetStatus::kComplete) {
            tally.gaps += n;
            std::string name = AssetStatusName(status);
            if (!st.ColumnIsNull(2)) name += "(" + st.ColumnBytes(2) + ")";
            tally.gaps_by_status[name] += n;
          }
        });
    if (!s.ok()) return s;
  }
  return tally;
}

CatalogReader::CatalogReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CatalogReader::~CatalogReader() = default;

Result<std::unique_ptr<CatalogReader>> CatalogReader::Open(const std::string& path) {
  const std::string display = DisplayPath(path);
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return Status::NotFound("catalog " + display + " not found");
    if (err == EACCES) {
      return Status::PermissionDenied("catalog " + display + ": " + std::strerror(err));
    }
    return Status::IoError("catalog " + display + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("catalog " + display + " is not a phiscan catalog (not a file)");
  }
  // SQLite would say "unable to open database file", which names nothing
  // to fix.
  if (access(path.c_str(), R_OK) != 0 && errno == EACCES) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::PermissionDenied("catalog " + display + ": " + std::strerror(EACCES) +
                                    " (mode " + mode + ", owner uid " + std::to_string(st.st_uid) +
                                    ": read it as that account)");
  }

  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);  // owns the handle even when the open failed
  if (rc != SQLITE_OK) return SqliteStatus(db.get(), rc, "opening catalog " + display);
  // A WAL catalog needs a -shm beside it even to be read. In a directory we
  // cannot write, with no -wal (so no writer can be active, nor become one),
  // the file is read as immutable instead: no locks, no -shm.
  const int probe =
      sqlite3_exec(db.get(), "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  const bool no_index = (probe & 0xff) == SQLITE_READONLY || (probe & 0xff) == SQLITE_CANTOPEN;
  if (no_index && !WalIsEmpty(path)) {
    // SQLite's words ("unable to open database file") named nothing to fix.
    return Status::IoError("catalog " + display +
                           ": its write-ahead log (-wal) holds changes that SQLite can read only "
                           "with an index (-shm) it cannot create here (the directory cannot be "
                           "written); read it where it can, or after a scan has checkpointed it");
  }
  if (no_index) {
    raw = nullptr;
    rc = sqlite3_open_v2(ImmutableUri(path).c_str(), &raw,
                         SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
    db.reset(raw);
    if (rc != SQLITE_OK) return SqliteStatus(db.get(), rc, "opening catalog " + display);
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMillis);
  // The catalog may come from elsewhere: run nothing its schema smuggles in.
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  // Sorts spill to temp files otherwise, and those would hold catalog content.
  Status s = Exec(db.get(), "PRAGMA query_only = ON; PRAGMA temp_store = MEMORY",
                  "opening catalog " + display);
  if (!s.ok()) return s;

  Result<int> version = internal::CheckSchemaVersion(db.get(), display);
  if (!version.ok()) return version.status();
  if (*version == 0) {
    // An empty database is what a first scan's catalog is until its schema
    // is committed, a moment after the scan starts.
    Result<int64_t> tables =
        internal::QueryInt(db.get(), "SELECT count(*) FROM sqlite_master", "reading " + display);
    if (tables.ok() && *tables == 0) {
      return Status::InvalidArgument("catalog " + display +
                                     " is empty: no scan has written it yet (a first scan "
                                     "creates its tables when it starts)");
    }
    return Status::InvalidArgument("catalog " + display + " is not a phiscan catalog");
  }
  if (*version < kSchemaVersion) {
    return Status::InvalidArgument("catalog " + display + " has schema version " +
                                   std::to_string(*version) +
                                   "; run a phiscan scan on it once to upgrade it to version " +
                                   std::to_string(kSchemaVersion));
  }
  return std::unique_ptr<CatalogReader>(
      new CatalogReader(std::make_unique<Impl>(std::move(db), display)));
}

Result<Summary> CatalogReader::GetSummary(const Filter& filter) {
  return impl_->GetSummary(filter);
}

Status CatalogReader::ListAssets(const Filter& filter,
                                 const std::function<void(const AssetRow&)>& fn) {
  return impl_->ListAssets(filter, fn);
}

Status CatalogReader::ListFindings(const Filter& filter,
                                   const std::function<void(const FindingRow&)>& fn) {
  return impl_->ListFindings(filter, fn);
}

Status CatalogReader::ListRuns(const std::function<void(const RunRow&)>& fn) {
  return impl_->ListRuns(fn);
}

Result<std::pair<int64_t, int64_t>> CatalogReader::DefaultDiffRuns() {
  return impl_->DefaultDiffRuns();
}

Status CatalogReader::Diff(int64_t from, int64_t to,
                           const std::function<void(const DiffRow&)>& fn) {
  return impl_->Diff(from, to, fn);
}

Result<std::vector<FolderRow>> CatalogReader::Folders(int depth, const Filter& filter) {
  return impl_->Folders(depth, filter);
}

Status CatalogReader::FindByTokens(const std::vector<TokenQuery>& queries,
                                   const std::function<void(const FindingRow&)>& fn) {
  return impl_->FindByTokens(queries, fn);
}

Status CatalogReader::ListUnlocated(const std::vector<std::string>& type_ids,
                                    const std::function<void(const UnlocatedRow&)>& fn) {
  return impl_->ListUnlocated(type_ids, fn);
}

Result<std::map<std::string, TypeDefinition>> CatalogReader::TypeDefinitions() {
  return impl_->TypeDefinitions();
}

Result<std::vector<std::string>> CatalogReader::KeyIds() { return impl_->KeyIds(); }
Result<bool> CatalogReader::FindingsUnderOtherKeys(const std::string& key_id) {
  return impl_->FindingsUnderOtherKeys(key_id);
}
Result<bool> CatalogReader::HasLabel(const std::string& label) { return impl_->HasLabel(label); }
Result<std::vector<std::string>> CatalogReader::Labels() { return impl_->Labels(); }
Result<RootTally> CatalogReader::TallyUnderRoots(const std::vector<std::string>& roots) {
  return impl_->TallyUnderRoots(roots);
}
Result<bool> CatalogReader::HasPathPrefix(const std::string& prefix) {
  return impl_->HasPathPrefix(prefix);
}
Status CatalogReader::BeginSnapshot() { return impl_->BeginSnapshot(); }
CatalogReader::Snapshot::Snapshot(CatalogReader& reader) : reader_(reader) {
  if (!reader_.impl_->InSnapshot()) {
    status_ = reader_.BeginSnapshot();
    owned_ = status_.ok();
  }
}
CatalogReader::Snapshot::~Snapshot() {
  if (owned_) reader_.EndSnapshot();
}
Status CatalogReader::EndSnapshot() { return impl_->EndSnapshot(); }
void CatalogReader::SetAfterQueryHookForTesting(std::function<void()> hook) {
  impl_->SetAfterQueryHookForTesting(std::move(hook));
}

}  // namespace phiscan::catalog
