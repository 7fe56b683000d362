#include "catalog/reader.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "catalog/catalog.h"
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
    " SELECT type_id, category, hipaa_class FROM types AS t"
    " WHERE t.run_id = (SELECT max(u.run_id) FROM types AS u WHERE u.type_id = t.type_id)) ";

}  // namespace

// Thread safety: one thread at a time (the connection is opened NOMUTEX).
class CatalogReader::Impl {
 public:
  Impl(Db db, std::string display) : db_(std::move(db)), display_(std::move(display)) {}

  Result<Summary> GetSummary(const Filter& filter);
  Status ListAssets(const Filter& filter, const std::function<void(const AssetRow&)>& fn);
  Status ListFindings(const Filter& filter, const std::function<void(const FindingRow&)>& fn);

 private:
  std::string What() const { return "reading catalog " + display_; }
  // Prepares `sql`, binds min_score as ?1 if the statement has it, and calls
  // `row` for every result row.
  template <typename RowFn>
  Status Query(const std::string& sql, int min_score, RowFn&& row) {
    auto stmt = Statement::Prepare(db_.get(), sql);
    if (!stmt.ok()) return stmt.status();
    if (sqlite3_bind_parameter_count(stmt->get()) >= 1) stmt->BindInt(1, min_score);
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) row(*stmt);
    return rc == SQLITE_DONE ? Status::Ok() : SqliteStatus(db_.get(), rc, What());
  }

  Db db_;
  const std::string display_;
};

Result<Summary> CatalogReader::Impl::GetSummary(const Filter& filter) {
  Summary summary;
  Status s =
      Query("SELECT id, status FROM runs ORDER BY id DESC LIMIT 1", 0, [&](const Statement& st) {
        summary.run_id = st.ColumnInt(0);
        summary.run_status = st.ColumnBytes(1);
      });
  if (!s.ok()) return s;
  s = Query("SELECT count(*), coalesce(sum(bytes_scanned), 0) FROM assets", 0,
            [&](const Statement& st) {
              summary.assets = st.ColumnUint(0);
              summary.bytes_scanned = st.ColumnUint(1);
            });
  if (!s.ok()) return s;
  // Names come from this build (AssetStatusName), the authority the
  // status_names table was seeded from.
  s = Query("SELECT status, count(*) FROM assets GROUP BY status", 0, [&](const Statement& st) {
    summary.by_status[AssetStatusName(static_cast<AssetStatus>(st.ColumnInt(0)))] +=
        st.ColumnUint(1);
  });
  if (!s.ok()) return s;
  s = Query(
      "SELECT label, count(*) FROM assets WHERE label IS NOT NULL AND label <> ''"
      " GROUP BY label",
      0, [&](const Statement& st) { summary.by_label[st.ColumnBytes(0)] = st.ColumnUint(1); });
  if (!s.ok()) return s;
  s = Query(std::string(kTypeDefs) +
                "SELECT coalesce(d.category, 'unknown'), count(DISTINCT a.asset_id)"
                " FROM asset_types AS a LEFT JOIN defs AS d ON d.type_id = a.type_id"
                " WHERE a.max_score >= ?1 GROUP BY 1",
            filter.min_score, [&](const Statement& st) {
              summary.by_category[st.ColumnBytes(0)] = st.ColumnUint(1);
            });
  if (!s.ok()) return s;
  s = Query(std::string(kTypeDefs) +
                "SELECT a.type_id, coalesce(d.category, 'unknown'), coalesce(d.hipaa_class, 0),"
                " count(*), sum(a.count)"
                " FROM asset_types AS a LEFT JOIN defs AS d ON d.type_id = a.type_id"
                " WHERE a.max_score >= ?1 GROUP BY a.type_id ORDER BY count(*) DESC, a.type_id",
            filter.min_score, [&](const Statement& st) {
              TypeCount t;
              t.type_id = st.ColumnBytes(0);
              t.category = st.ColumnBytes(1);
              t.hipaa_class = static_cast<int>(st.ColumnInt(2));
              t.assets = st.ColumnUint(3);
              t.findings = st.ColumnUint(4);
              summary.by_type.push_back(std::move(t));
            });
  if (!s.ok()) return s;
  return summary;
}

Status CatalogReader::Impl::ListAssets(const Filter& filter,
                                       const std::function<void(const AssetRow&)>& fn) {
  // One pass: each asset's rows arrive together (ordered by the asset), one
  // per type that passes the filter, or one row of NULLs if none does.
  const std::string sql =
      "SELECT a.id, a.path, a.member, a.kind, a.status, a.reason, a.size, a.mtime_ns, a.label,"
      " t.type_id, t.count, t.max_score"
      " FROM assets AS a LEFT JOIN asset_types AS t"
      " ON t.asset_id = a.id AND t.max_score >= ?1"
      " ORDER BY a.path, a.member";  // unique, so an asset's rows stay together
  // Below the lowest score nothing is filtered out, so clean assets and
  // coverage gaps are listed too; a real threshold lists only assets that
  // reach it.
  const bool need_type = filter.min_score > kMinScore;
  AssetRow current;
  bool have = false;
  auto flush = [&] {
    if (have && (!need_type || !current.types.empty())) fn(current);
    have = false;
  };
  Status s = Query(sql, filter.min_score, [&](const Statement& st) {
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
      have = true;
    }
    if (!st.ColumnIsNull(9)) {
      current.types[st.ColumnBytes(9)] = st.ColumnUint(10);
      current.max_score = std::max(current.max_score, static_cast<int>(st.ColumnInt(11)));
    }
  });
  if (!s.ok()) return s;
  flush();
  return Status::Ok();
}

Status CatalogReader::Impl::ListFindings(const Filter& filter,
                                         const std::function<void(const FindingRow&)>& fn) {
  const std::string sql =
      "SELECT a.path, a.member, f.type_id, f.score, f.start, f.\"end\", f.line, f.masked"
      " FROM findings AS f JOIN assets AS a ON a.id = f.asset_id"
      " WHERE f.score >= ?1"
      " ORDER BY a.path, a.member, f.start, f.id";
  return Query(sql, filter.min_score, [&](const Statement& st) {
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
    fn(row);
  });
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

  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);  // owns the handle even when the open failed
  if (rc != SQLITE_OK) return SqliteStatus(db.get(), rc, "opening catalog " + display);
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
  if (*version == 0)
    return Status::InvalidArgument("catalog " + display + " is not a phiscan catalog");
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

}  // namespace phiscan::catalog
