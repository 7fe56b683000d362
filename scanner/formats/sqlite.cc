// SQLite database files: each table is a member; every value is classified
// with its column name as field evidence. A BLOB value is read as the text
// path reads a file of those bytes (apps store text as BLOBs: UTF-8, UTF-16);
// a binary one (an image, a serialized object) is left unread, as a binary
// file is skipped, unless --scan-binary. Opened read-only and immutable
// (no journal, no WAL, no locks: the file is never touched); a database
// inside a container is read from memory (sqlite3_deserialize), up to
// ScanLimits::max_buffered_member, and so is a database file with a
// write-ahead log beside it, with the log's committed transactions applied
// (sqlite_wal.h).
//
// The schema is the file's too, and SQL in it runs when a row is read: a
// VIRTUAL generated column is computed from its expression at every SELECT
// (printf('%.*c', 900000000, 'x') made a gigabyte per row from a page of
// file). Such columns are not read: they hold nothing the file stores, and
// the columns they are computed from are read. A value longer than
// max_buffered_member is refused by SQLite (SQLITE_LIMIT_LENGTH: the member
// partial(limit_size)), the connection is defensive with an untrusted
// schema, and the budget's clock is checked inside long statements too.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/decode.h"
#include "scanner/formats/extract_impl.h"
#include "scanner/formats/sqlite_wal.h"
#include "scanner/source.h"

namespace phiscan::scanner {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// The detail of a failed statement: SQLite's text for the error code, never
// sqlite3_errmsg, which quotes the scanned database's schema ("near
// '...': syntax error" shows a DEFAULT or CHECK literal, which can be an
// identifier).
std::string SqliteError(sqlite3* db) {
  return std::string("sqlite: ") + sqlite3_errstr(sqlite3_extended_errcode(db));
}

Stmt Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return Stmt(nullptr);
  return Stmt(s);
}

std::string QuoteIdentifier(const std::string& name) {
  std::string q = "\"";
  for (char c : name) {
    q += c;
    if (c == '"') q += '"';
  }
  return q + "\"";
}

// Rows between budget checks: a check reads the clock.
constexpr int kRowsPerCheck = 256;
// SQLite virtual machine steps between checks of the clock inside one
// statement (a slow expression, a huge sort).
constexpr int kStepsPerCheck = 100'000;

// The columns of `table` that `SELECT *` would return, less VIRTUAL
// generated ones (see above), each quoted: "a", "b". `listed` false when
// they cannot be listed (then `SELECT *` is run and reports the error).
std::string StoredColumns(sqlite3* db, const std::string& table, bool* listed) {
  *listed = false;
  std::string cols;
  Stmt info = Prepare(db, "SELECT hidden, name FROM pragma_table_xinfo(?1)");
  if (!info || sqlite3_bind_text(info.get(), 1, table.data(), static_cast<int>(table.size()),
                                 SQLITE_TRANSIENT) != SQLITE_OK) {
    return cols;
  }
  int rc;
  while ((rc = sqlite3_step(info.get())) == SQLITE_ROW) {
    // hidden: 0 a plain column, 1 hidden (of a virtual table; not in
    // SELECT *), 2 VIRTUAL generated, 3 STORED generated (in the record).
    const int hidden = sqlite3_column_int(info.get(), 0);
    const unsigned char* name = sqlite3_column_text(info.get(), 1);
    if (name == nullptr || (hidden != 0 && hidden != 3)) continue;
    if (!cols.empty()) cols += ", ";
    cols += QuoteIdentifier(reinterpret_cast<const char*>(name));
  }
  *listed = rc == SQLITE_DONE;
  return cols;
}

// Appends the text of a BLOB value to `sink`, decoded as the text path
// decodes a file (SniffEncoding over its first `sniff_bytes`). Returns false,
// appending nothing, when it is binary and not `scan_binary`. A C string
// stored with its terminating NULs is text: the NULs alone do not make it
// binary.
bool AppendBlobText(formats::TextSink& sink, std::string_view blob, size_t sniff_bytes,
                    bool scan_binary) {
  EncodingGuess guess = SniffEncoding(blob.substr(0, sniff_bytes));
  if (guess.encoding == TextEncoding::kBinary) {
    std::string_view trimmed = blob;
    while (!trimmed.empty() && trimmed.back() == '\0') trimmed.remove_suffix(1);
    guess = SniffEncoding(trimmed.substr(0, sniff_bytes));
    if (guess.encoding != TextEncoding::kBinary) {
      blob = trimmed;
    } else if (scan_binary) {
      guess = {TextEncoding::kUtf8, 0};
    } else {
      return false;
    }
  }
  TextDecoder decoder(guess.encoding, guess.bom_bytes);
  decoder.Decode(blob.substr(std::min(guess.bom_bytes, blob.size())), sink);
  decoder.Finish(sink);
  return true;
}

// The write-ahead log beside a database file, `DB-wal`, read whole (it is
// opened as scanned files are, OpenAtNoAtime: read-only, without following
// a symlink, and without updating its access time where the kernel allows).
// `db_path` may name the database's open descriptor (/proc/self/fd/N): the
// log is then looked for beside the file that descriptor has open.
enum class WalFile { kNone, kRead, kTooLarge, kUnreadable };
// The path a file was opened by: `path` itself, or for a descriptor's
// name (/proc/self/fd/N) the file that descriptor has open; nullopt when
// that is no file in a directory (or its name is too long to follow).
std::optional<std::string> PathOnDisk(const std::string& path) {
  if (!path.starts_with("/proc/self/fd/")) return path;
  std::string target(4096, '\0');
  const ssize_t n = readlink(path.c_str(), target.data(), target.size());
  if (n <= 0 || static_cast<size_t>(n) == target.size() || target[0] != '/') return std::nullopt;
  target.resize(static_cast<size_t>(n));
  if (target.ends_with(" (deleted)")) return std::nullopt;
  return target;
}

WalFile ReadWalBeside(const std::string& os_path, uint64_t max_bytes, std::string& wal,
                      std::string& error) {
  const std::optional<std::string> db_path = PathOnDisk(os_path);
  if (!db_path) return WalFile::kNone;
  const std::string path = *db_path + "-wal";
  const int fd = OpenAtNoAtime(AT_FDCWD, path.c_str(),
                               O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) return WalFile::kNone;
    error = std::strerror(errno);
    return WalFile::kUnreadable;
  }
  struct stat st;
  WalFile result = WalFile::kRead;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
    result = WalFile::kNone;  // not a log a database could have written
  } else if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    result = WalFile::kTooLarge;
  } else {
    wal.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < wal.size()) {
      const ssize_t n = read(fd, wal.data() + got, wal.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = std::strerror(errno);
        result = WalFile::kUnreadable;
        break;
      }
      if (n == 0) break;  // shrank while read: the frames read are checked as they are
      got += static_cast<size_t>(n);
    }
    wal.resize(got);
  }
  close(fd);
  return result;
}

// Whether `path` is an SQLite database whose header says it is in WAL mode.
bool IsWalModeDatabase(const std::string& path) {
  const int fd =
      OpenAtNoAtime(AT_FDCWD, path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  char head[20];
  const bool read_head = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                         pread(fd, head, sizeof(head), 0) == static_cast<ssize_t>(sizeof(head));
  close(fd);
  const std::string_view h(head, read_head ? sizeof(head) : 0);
  return h.starts_with(std::string_view("SQLite format 3\0", 16)) &&
         formats::SqliteHeaderSaysWal(h);
}

}  // namespace

void Extractor::Impl::SqliteCompanion(formats::PeekSource& in, std::string_view name, size_t idx,
                                      int depth, bool wal, Records& out) {
  // Only a file on disk has a database beside it; inside a container the
  // companion is read as its bytes are.
  const std::optional<std::string> path =
      in.seekable() && !in.os_path().empty() ? PathOnDisk(in.os_path()) : std::nullopt;
  if (path && IsWalModeDatabase(path->substr(0, path->size() - 4))) {
    out[idx].detail = wal ? "read with its database, which is in WAL mode"
                          : "the write-ahead log's index (page numbers, no rows) of a database "
                            "in WAL mode";
    return;
  }
  Text(in, name, idx, depth, out);
}

void Extractor::Impl::Sqlite(formats::PeekSource& in, size_t idx, int depth, Records& out) {
  if (!budget_->DepthAllowed(depth + 1)) {
    MarkPartial(out[idx], "limit_depth");
    return;
  }
  std::string buffer;  // must outlive the connection when deserialized
  sqlite3* raw = nullptr;
  int rc;
  bool from_memory = !in.seekable() || in.os_path().empty();
  if (!from_memory) {
    // A log beside the file may hold the newest rows: read the file and the
    // log into memory and apply it. Without the log (or when it is too
    // large), the file itself, immutable.
    std::string wal, error;
    const uint64_t cap = limits_.max_buffered_member;
    const std::string not_read = "its write-ahead log (-wal) was not read: ";
    switch (ReadWalBeside(in.os_path(), cap, wal, error)) {
      case WalFile::kNone:
        break;
      case WalFile::kUnreadable:
        MarkPartial(out[idx], "read_error", not_read + error);
        break;
      case WalFile::kTooLarge:
        MarkPartial(
            out[idx], "limit_size",
            not_read + "larger than the in-memory limit (" + std::to_string(cap) + " bytes)");
        break;
      case WalFile::kRead:
        // The database and its log together within the in-memory limit, as
        // any other member read with random access is.
        if (in.size() > cap - wal.size()) {
          MarkPartial(out[idx], "limit_size",
                      not_read + "the database with it is larger than the in-memory limit (" +
                          std::to_string(cap) + " bytes)");
          break;
        }
        if (!BufferAll(in, buffer, out[idx])) return;
        from_memory = true;
        // SQLite reads a log only for a database in WAL mode, or an empty file.
        if (buffer.empty() || formats::SqliteHeaderSaysWal(buffer)) {
          const formats::WalResult applied = formats::ApplyWal(buffer, wal, cap - wal.size());
          if (applied.outcome == formats::WalResult::Outcome::kTooLarge) {
            MarkPartial(out[idx], "limit_size",
                        not_read + "the database with it is larger than the in-memory limit (" +
                            std::to_string(cap) + " bytes)");
          }
        }
        break;
    }
  }
  if (!from_memory) {
    std::string uri = "file:" + in.os_path() + "?mode=ro&immutable=1";
    rc = sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  } else {
    if (buffer.empty() && !BufferAll(in, buffer, out[idx])) return;
    // A copy in WAL mode (most app databases) would have SQLite look for a
    // log a memory image cannot have, and fail to open.
    formats::MarkRollbackMode(buffer);
    rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_deserialize(raw, "main", reinterpret_cast<unsigned char*>(buffer.data()),
                               static_cast<sqlite3_int64>(buffer.size()),
                               static_cast<sqlite3_int64>(buffer.size()),
                               SQLITE_DESERIALIZE_READONLY);
    }
  }
  Db db(raw);
  if (rc != SQLITE_OK) {
    MarkPartial(out[idx], "corrupt", std::string("sqlite: ") + sqlite3_errstr(rc));
    return;
  }
  sqlite3_exec(db.get(), "PRAGMA query_only=1", nullptr, nullptr, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_limit(db.get(), SQLITE_LIMIT_LENGTH,
                static_cast<int>(std::clamp<uint64_t>(limits_.max_buffered_member, 1 << 20,
                                                      uint64_t{1'000'000'000})));
  sqlite3_progress_handler(
      db.get(), kStepsPerCheck,
      [](void* budget) { return static_cast<Budget*>(budget)->CheckTime() ? 0 : 1; }, &*budget_);
  Stmt tables = Prepare(db.get(),
                        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
                        "'sqlite_%' ORDER BY name");
  if (!tables) {
    MarkPartial(out[idx], "corrupt", SqliteError(db.get()));
    return;
  }
  std::vector<std::string> names;
  while ((rc = sqlite3_step(tables.get())) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(tables.get(), 0);
    if (t != nullptr) names.emplace_back(reinterpret_cast<const char*>(t));
  }
  if (rc != SQLITE_DONE) {
    MarkPartial(out[idx], "corrupt", SqliteError(db.get()));
    return;
  }
  MemberNames members;  // a '!' in a table name must not read as nesting
  for (const auto& table : names) {
    if (!budget_->TakeMember()) {
      MarkPartial(out[idx], budget_->reason());
      return;
    }
    size_t m = AddMember(members.Take(table), idx, 0, out[idx].mtime_ns, out);
    bool listed = false;
    const std::string columns = StoredColumns(db.get(), table, &listed);
    if (listed && columns.empty()) continue;  // nothing stored to read
    Stmt rows = Prepare(db.get(), "SELECT " + (listed ? columns : std::string("*")) + " FROM " +
                                      QuoteIdentifier(table));
    if (!rows) {
      MarkPartial(out[m], "corrupt", SqliteError(db.get()));
      continue;
    }
    formats::TextSink sink(MatcherAt(depth + 1), *budget_, limits_.max_locators);
    sink.ReportTextOffsets();
    const int cols = sqlite3_column_count(rows.get());
    std::vector<std::string> col_names;
    for (int c = 0; c < cols; ++c) {
      const char* n = sqlite3_column_name(rows.get(), c);
      col_names.emplace_back(n != nullptr ? n : "");
    }
    int n_rows = 0;
    uint64_t bytes = 0;
    while ((rc = sqlite3_step(rows.get())) == SQLITE_ROW) {
      for (int c = 0; c < cols; ++c) {
        const int type = sqlite3_column_type(rows.get(), c);
        if (type == SQLITE_NULL) continue;
        // The pointer first, then its length (SQLite's documented order).
        const void* v = type == SQLITE_BLOB ? sqlite3_column_blob(rows.get(), c)
                                            : sqlite3_column_text(rows.get(), c);
        int len = sqlite3_column_bytes(rows.get(), c);
        if (v == nullptr || len <= 0) continue;
        std::string_view value(static_cast<const char*>(v), static_cast<size_t>(len));
        uint64_t start = sink.position();
        if (type != SQLITE_BLOB) {
          sink.Identity(value, start);
        } else if (!AppendBlobText(sink, value, limits_.sniff_bytes, limits_.scan_binary)) {
          continue;
        }
        sink.Field(start, sink.position(), col_names[c]);
        sink.Synthetic(c + 1 < cols ? "\t" : "", sink.position());
        bytes += static_cast<uint64_t>(len);
      }
      sink.Synthetic("\n", sink.position());
      if (++n_rows % kRowsPerCheck == 0) {
        budget_->ChargeBytes(bytes);
        bytes = 0;
        if (!budget_->CheckTime() || sink.stopped()) break;
      }
    }
    budget_->ChargeBytes(bytes);
    if (rc == SQLITE_TOOBIG) {
      MarkPartial(out[m], "limit_size",
                  "a value is larger than the in-memory limit (" +
                      std::to_string(limits_.max_buffered_member) + " bytes)");
    } else if (rc == SQLITE_INTERRUPT && budget_->exhausted()) {
      MarkPartial(out[m], budget_->reason());
    } else if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
      MarkPartial(out[m], "corrupt", SqliteError(db.get()));
    }
    sink.Finish(out[m]);
    out[m].size = sink.position();
    if (budget_->exhausted()) {
      MarkPartial(out[idx], budget_->reason());
      return;
    }
  }
}

}  // namespace phiscan::scanner
