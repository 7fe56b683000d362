// Builders shared by the catalog tests: synthetic records (no real PHI: the
// "values" exist only as masked shapes) and a raw SQLite peek for columns
// the reader API does not expose.
#ifndef PHISCAN_TESTS_CATALOG_FIXTURES_H_
#define PHISCAN_TESTS_CATALOG_FIXTURES_H_

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "common/model.h"

namespace phiscan::testing {

inline catalog::RunInfo MakeRunInfo(
    std::vector<catalog::TypeDefinition> types = {
        {"US_SSN", "U.S. Social Security Number", "PII", 7, "digits"},
        {"US_MBI", "Medicare Beneficiary Identifier", "PHI", 10, "alnum_upper"},
        {"EMAIL", "Email address", "PII", 6, "lower"},
    }) {
  catalog::RunInfo info;
  info.roots = {"/srv/share"};
  info.options_json = R"({"threads":4})";
  info.rules_version = "builtin-1";
  info.types = std::move(types);
  return info;
}

inline FindingRecord MakeFinding(std::string type, int score, uint64_t start, uint64_t line,
                                 std::string masked, uint8_t token_byte = 0x5a) {
  FindingRecord f;
  f.type_id = std::move(type);
  f.score = score;
  f.start = start;
  f.end = start + masked.size();
  f.line = line;
  f.masked = std::move(masked);
  f.token.fill(token_byte);
  return f;
}

inline AssetRecord MakeAsset(std::string path, std::optional<std::string> member = std::nullopt) {
  AssetRecord a;
  a.path = std::move(path);
  a.member = std::move(member);
  a.kind = a.member ? AssetKind::kMember : AssetKind::kFile;
  a.size = 1234;
  a.mtime_ns = 1'795'987'993'000'000'000;  // 2026-11-29T21:33:13Z
  a.ctime_ns = 1'795'987'994'500'000'000;
  a.dev = 2049;
  a.ino = 131'073;
  a.mode = 0100644;
  a.uid = 1000;
  a.gid = 1000;
  a.bytes_scanned = 1200;
  return a;
}

// What the scanner submits for a folder it could not list: its gap record.
inline AssetRecord MakeUnlistedFolder(std::string path) {
  AssetRecord a = MakeAsset(std::move(path));
  a.kind = AssetKind::kDirectory;
  a.status = AssetStatus::kUnreadable;
  a.reason = "permission_denied";
  return a;
}

// What the scanner submits for a file it carried over without reading.
inline AssetRecord MakeUnchanged(const std::string& path) {
  AssetRecord r = MakeAsset(path);
  r.unchanged = true;
  r.bytes_scanned = 0;
  return r;
}

// Opens a writer on `path`, failing the test (with SQLite's message) if it cannot.
inline std::unique_ptr<catalog::CatalogWriter> OpenWriter(const std::string& path,
                                                          catalog::WriterOptions options = {}) {
  auto writer = catalog::CatalogWriter::Open(path, options);
  INFO(writer.status().message());
  REQUIRE(writer.ok());
  return std::move(writer.value());
}

inline uint32_t FileMode(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return 0xFFFFFFFF;
  return st.st_mode & 07777;
}

// Runs `sql` on a read-only connection and returns the first column of each
// row as text (NULL as "<null>"), or {"<error: ...>"}.
inline std::vector<std::string> PeekColumn(const std::string& db_path, const std::string& sql) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return {"<error: open>"};
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    out.push_back(std::string("<error: ") + sqlite3_errmsg(db) + ">");
  } else {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out.push_back(
          text ? std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt, 0))
               : "<null>");
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

inline std::string PeekOne(const std::string& db_path, const std::string& sql) {
  auto rows = PeekColumn(db_path, sql);
  return rows.empty() ? "<no row>" : rows[0];
}

// Runs statements on a fresh read-write connection (to build foreign or
// tampered files); returns false on error.
inline bool ExecSql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open(db_path.c_str(), &db) == SQLITE_OK &&
            sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return ok;
}

}  // namespace phiscan::testing

#endif  // PHISCAN_TESTS_CATALOG_FIXTURES_H_
