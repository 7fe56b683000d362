// Small RAII owners for SQLite handles and the Status mapping the catalog
// uses. Internal to catalog/.
//
// Header-only so the writer and the reader share one copy without another
// translation unit in the module's source list.
//
// Thread safety: a Db and its Statements belong to one thread at a time.
#ifndef PHISCAN_CATALOG_INTERNAL_SQLITE_H_
#define PHISCAN_CATALOG_INTERNAL_SQLITE_H_

#include <sqlite3.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/escape.h"
#include "common/status.h"

namespace phiscan::catalog::internal {

struct DbCloser {
  // close_v2 defers the close until every statement is finalized, so the
  // order in which owners are destroyed cannot leak the connection.
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};

// The catalog path as it may appear in a message.
inline std::string DisplayPath(std::string_view path) { return EscapeBytes(path); }

// Maps an SQLite result code on `db` to a Status whose message names `what`
// (e.g. "catalog /x/phiscan.db") and SQLite's explanation. SQLite messages
// name tables, columns and constraints, never bound values.
inline Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Status::Ok();
    case SQLITE_NOTADB:
      return Status::InvalidArgument(std::string(what) +
                                     " is not a phiscan catalog (not an SQLite database)");
    case SQLITE_CORRUPT:
      return Status::Corrupt(std::move(message));
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return Status::PermissionDenied(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(StatusCode::kTimeout, std::move(message));
    case SQLITE_CANTOPEN:
      if (db != nullptr && sqlite3_system_errno(db) == EACCES) {
        return Status::PermissionDenied(std::move(message));
      }
      if (db != nullptr && sqlite3_system_errno(db) == ENOENT) {
        return Status::NotFound(std::move(message));
      }
      return Status::IoError(std::move(message));
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return Status::InvalidArgument(std::move(message));
    default:
      return Status::IoError(std::move(message));
  }
}

// A prepared statement. Bind* use 1-based parameter indexes; every Bind
// copies its argument (SQLITE_TRANSIENT), so callers may pass temporaries,
// except the *Ref binds (below).
class Statement {
 public:
  Statement() = default;

  // REQUIRES: `db` outlives the statement.
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(db, rc, "preparing a catalog statement");
    Statement s;
    s.db_ = db;
    s.stmt_.reset(raw);
    return s;
  }

  sqlite3_stmt* get() const { return stmt_.get(); }

  // Resets the statement for another execution and clears its bindings.
  void Reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }

  void BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_.get(), i, v); }
  void BindUint(int i, uint64_t v) { BindInt(i, static_cast<int64_t>(v)); }
  void BindNull(int i) { sqlite3_bind_null(stmt_.get(), i); }
  void BindText(int i, std::string_view v) {
    sqlite3_bind_text64(stmt_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  // Empty text becomes NULL (the schema's "none").
  void BindTextOrNull(int i, std::string_view v) {
    if (v.empty()) {
      BindNull(i);
    } else {
      BindText(i, v);
    }
  }
  // Always a BLOB, even when empty: sqlite3_bind_blob with a null pointer
  // would bind NULL, and a TEXT binding would never compare equal to the
  // stored BLOB, breaking UNIQUE(path, member).
  void BindBlob(int i, std::string_view v) { BindBlobWith(i, v, SQLITE_TRANSIENT); }

  // Without the copy (SQLITE_STATIC): the bytes must stay valid and
  // unchanged until the statement is reset (Run resets it, and Reset clears
  // every binding). For the rows written once per finding, where a copy per
  // bound value was a malloc, a memcpy and a free.
  void BindTextRef(int i, std::string_view v) {
    sqlite3_bind_text64(stmt_.get(), i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
  // As BindBlob (empty: a zero-length BLOB), without the copy.
  void BindBlobRef(int i, std::string_view v) { BindBlobWith(i, v, SQLITE_STATIC); }

  // Returns SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_.get()); }

  // Runs the statement to completion (no rows expected) and resets it.
  Status Run(std::string_view what) {
    int rc = Step();
    Status s = rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::Ok() : SqliteStatus(db_, rc, what);
    Reset();
    return s;
  }

  int64_t ColumnInt(int i) const { return sqlite3_column_int64(stmt_.get(), i); }
  uint64_t ColumnUint(int i) const { return static_cast<uint64_t>(ColumnInt(i)); }
  bool ColumnIsNull(int i) const { return sqlite3_column_type(stmt_.get(), i) == SQLITE_NULL; }
  // Text or blob bytes; empty for NULL.
  std::string ColumnBytes(int i) const {
    // column_blob before column_bytes: the documented order that avoids a
    // second conversion.
    const void* p = sqlite3_column_blob(stmt_.get(), i);
    int n = sqlite3_column_bytes(stmt_.get(), i);
    return p == nullptr || n <= 0 ? std::string() : std::string(static_cast<const char*>(p), n);
  }

 private:
  void BindBlobWith(int i, std::string_view v, sqlite3_destructor_type copy) {
    if (v.empty()) {
      sqlite3_bind_zeroblob(stmt_.get(), i, 0);
    } else {
      sqlite3_bind_blob64(stmt_.get(), i, v.data(), v.size(), copy);
    }
  }

  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt_;
};

// Runs one or more SQL statements without parameters.
inline Status Exec(sqlite3* db, std::string_view sql, std::string_view what) {
  std::string text(sql);  // sqlite3_exec needs NUL termination
  char* err = nullptr;
  int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // the same text is available from sqlite3_errmsg
  return rc == SQLITE_OK ? Status::Ok() : SqliteStatus(db, rc, what);
}

// Value of a pragma or query returning one integer (0 if it returns no row).
inline Result<int64_t> QueryInt(sqlite3* db, std::string_view sql, std::string_view what) {
  auto stmt = Statement::Prepare(db, sql);
  if (!stmt.ok()) return SqliteStatus(db, sqlite3_errcode(db), what);
  int rc = stmt->Step();
  if (rc == SQLITE_ROW) return stmt->ColumnInt(0);
  if (rc == SQLITE_DONE) return int64_t{0};
  return SqliteStatus(db, rc, what);
}

}  // namespace phiscan::catalog::internal

#endif  // PHISCAN_CATALOG_INTERNAL_SQLITE_H_
