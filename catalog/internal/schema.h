// The catalog's schema and its migrations. Internal to catalog/.
//
// The schema version lives in PRAGMA user_version. Version 0 with no tables
// is a fresh file; each migration step takes the catalog from the previous
// version to `version`. A later schema version appends a step here (and bumps
// kSchemaVersion in catalog/catalog.h); existing steps are never edited,
// because catalogs in the field were built by them.
#ifndef PHISCAN_CATALOG_INTERNAL_SCHEMA_H_
#define PHISCAN_CATALOG_INTERNAL_SCHEMA_H_

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "catalog/internal/sqlite.h"
#include "common/model.h"
#include "common/status.h"

namespace phiscan::catalog {

// The bytes of catalog/schema.sql (generated from it at build time).
std::string_view SchemaSql();
// The bytes of catalog/migrations/v2.sql.
std::string_view SchemaV2Sql();
// The bytes of catalog/migrations/v3.sql.
std::string_view SchemaV3Sql();
// The bytes of catalog/migrations/v4.sql.
std::string_view SchemaV4Sql();
// The bytes of catalog/migrations/v5.sql.
std::string_view SchemaV5Sql();
// The bytes of catalog/migrations/v6.sql.
std::string_view SchemaV6Sql();
// The bytes of catalog/migrations/v7.sql.
std::string_view SchemaV7Sql();
// The bytes of catalog/migrations/v8.sql.
std::string_view SchemaV8Sql();

namespace internal {

struct MigrationStep {
  int version;           // user_version after the step
  std::string_view sql;  // statements that take version - 1 to version
};

inline std::array<MigrationStep, 8> MigrationSteps() {
  return {{
      {1, SchemaSql()},
      {2, SchemaV2Sql()},
      {3, SchemaV3Sql()},
      {4, SchemaV4Sql()},
      {5, SchemaV5Sql()},
      {6, SchemaV6Sql()},
      {7, SchemaV7Sql()},
      {8, SchemaV8Sql()},
  }};
}

// findings.token_prefix (catalog/migrations/v5.sql): the token's first 8
// bytes as a big-endian two's-complement integer, the key findings are
// looked up by. Persisted: never change it (v5.sql computes the same value
// for findings written before version 5).
inline int64_t TokenPrefix(const Token& token) {
  uint64_t prefix = 0;
  for (int i = 0; i < 8; ++i) prefix = (prefix << 8) | token[i];
  return static_cast<int64_t>(prefix);
}

// Reads the schema version of an open catalog and checks it is one this
// build can use. `display` is the escaped catalog path for messages.
// Returns the version: 0 for a fresh, empty database. Errors:
//   kInvalidArgument  not an SQLite database; an SQLite database with tables
//                     that is not a phiscan catalog; a version newer than
//                     kSchemaVersion ("catalog FILE has schema version N;
//                     this phiscan supports up to M")
//   others            from SQLite (kTimeout if locked, kIoError, kCorrupt)
inline Result<int> CheckSchemaVersion(sqlite3* db, const std::string& display) {
  const std::string what = "catalog " + display;
  Result<int64_t> version = QueryInt(db, "PRAGMA user_version", what);
  if (!version.ok()) return version.status();
  if (*version > kSchemaVersion) {
    return Status::InvalidArgument("catalog " + display + " has schema version " +
                                   std::to_string(*version) + "; this phiscan supports up to " +
                                   std::to_string(kSchemaVersion));
  }
  Result<int64_t> tables =
      QueryInt(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'", what);
  if (!tables.ok()) return tables.status();
  Result<int64_t> ours = QueryInt(
      db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('runs', 'assets')",
      what);
  if (!ours.ok()) return ours.status();
  if (*version == 0 && *tables == 0) return 0;
  // A version-0 file with tables is someone else's database (we set the
  // version in the same transaction that creates ours); a versioned file
  // without our tables was versioned by someone else.
  if (*version == 0 || *ours != 2) {
    return Status::InvalidArgument("catalog " + display + " is not a phiscan catalog");
  }
  return static_cast<int>(*version);
}

}  // namespace internal
}  // namespace phiscan::catalog

#endif  // PHISCAN_CATALOG_INTERNAL_SCHEMA_H_
