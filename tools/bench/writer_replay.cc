// writer_replay: times the catalog writer alone. Reads every present asset
// of a catalog a scan wrote (SOURCE), with its per-type summaries and
// located findings (masks and tokens as stored; no value is involved), and
// writes them again through catalog::CatalogWriter into a fresh catalog
// (TARGET), in the source's asset order and in batches of 64. Prints the
// writer thread's CPU and busy time for the first write and, with
// --rewrite N, for N more runs that write every asset again (each
// replacing the asset's earlier types and findings, as a full rescan of
// changed files does).
//
//   writer_replay [--rewrite N] [--seconds S] SOURCE.db TARGET.db
//
// --seconds S spreads the hand-overs evenly over S seconds, as a scan that
// takes that long does (the writer then commits on its clock, not only
// every 2,000 assets); by default they come as fast as the writer takes
// them.
//
// Only for benchmarks. SOURCE may be any catalog of schema version 4 or
// later (assets.format, schema 6, is replayed when it is there); TARGET
// should not exist.
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "catalog/catalog.h"

namespace {

using phiscan::AssetKind;
using phiscan::AssetRecord;
using phiscan::AssetStatus;
using phiscan::FindingRecord;
using phiscan::TypeSummary;

std::string Bytes(sqlite3_stmt* st, int i) {
  const void* p = sqlite3_column_blob(st, i);
  int n = sqlite3_column_bytes(st, i);
  return p == nullptr || n <= 0 ? std::string() : std::string(static_cast<const char*>(p), n);
}

// Prepares `sql` on `db`, or says why not (a SOURCE that is no catalog).
sqlite3_stmt* Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "cannot read the catalog: %s\n", sqlite3_errmsg(db));
    return nullptr;
  }
  return st;
}

bool Load(const char* path, std::vector<AssetRecord>* out) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "cannot open %s\n", path);
    return false;
  }
  std::map<int64_t, size_t> index;  // asset id -> position in out
  sqlite3_stmt* st =
      Prepare(db, "SELECT count(*) FROM pragma_table_info('assets') WHERE name = 'format'");
  const bool has_format = st != nullptr && sqlite3_step(st) == SQLITE_ROW &&
                          sqlite3_column_int(st, 0) > 0;
  sqlite3_finalize(st);
  st = Prepare(db, std::string("SELECT id, path, member, kind, status, reason, detail, size,"
                               " mtime_ns, ctime_ns, dev, ino, mode, uid, gid, bytes_scanned,"
                               " label, label_rule, ") +
                       (has_format ? "format" : "NULL") +
                       " FROM assets WHERE removed_run IS NULL ORDER BY id");
  if (st == nullptr) {
    sqlite3_close(db);
    return false;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    AssetRecord r;
    r.path = Bytes(st, 1);
    std::string member = Bytes(st, 2);
    if (!member.empty()) r.member = member;
    r.kind = static_cast<AssetKind>(sqlite3_column_int(st, 3));
    r.status = static_cast<AssetStatus>(sqlite3_column_int(st, 4));
    r.reason = Bytes(st, 5);
    r.detail = Bytes(st, 6);
    r.size = static_cast<uint64_t>(sqlite3_column_int64(st, 7));
    r.mtime_ns = sqlite3_column_int64(st, 8);
    r.ctime_ns = sqlite3_column_int64(st, 9);
    r.dev = static_cast<uint64_t>(sqlite3_column_int64(st, 10));
    r.ino = static_cast<uint64_t>(sqlite3_column_int64(st, 11));
    r.mode = static_cast<uint32_t>(sqlite3_column_int64(st, 12));
    r.uid = static_cast<uint32_t>(sqlite3_column_int64(st, 13));
    r.gid = static_cast<uint32_t>(sqlite3_column_int64(st, 14));
    r.bytes_scanned = static_cast<uint64_t>(sqlite3_column_int64(st, 15));
    r.label = Bytes(st, 16);
    r.label_rule = Bytes(st, 17);
    r.format = Bytes(st, 18);
    index[sqlite3_column_int64(st, 0)] = out->size();
    out->push_back(std::move(r));
  }
  sqlite3_finalize(st);
  st = Prepare(db,
               "SELECT asset_id, type_id, count, unique_count, max_score FROM asset_types"
               " ORDER BY asset_id, type_id");
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    auto it = index.find(sqlite3_column_int64(st, 0));
    if (it == index.end()) continue;
    TypeSummary t;
    t.type_id = Bytes(st, 1);
    t.count = static_cast<uint64_t>(sqlite3_column_int64(st, 2));
    t.unique_count = static_cast<uint64_t>(sqlite3_column_int64(st, 3));
    t.max_score = sqlite3_column_int(st, 4);
    (*out)[it->second].types.push_back(std::move(t));
  }
  if (st == nullptr) {
    sqlite3_close(db);
    return false;
  }
  sqlite3_finalize(st);
  st = Prepare(db,
               "SELECT asset_id, type_id, score, start, \"end\", line, masked, token"
               " FROM findings ORDER BY asset_id, start, type_id");
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    auto it = index.find(sqlite3_column_int64(st, 0));
    if (it == index.end()) continue;
    FindingRecord f;
    f.type_id = Bytes(st, 1);
    f.score = sqlite3_column_int(st, 2);
    f.start = static_cast<uint64_t>(sqlite3_column_int64(st, 3));
    f.end = static_cast<uint64_t>(sqlite3_column_int64(st, 4));
    f.line = static_cast<uint64_t>(sqlite3_column_int64(st, 5));
    f.masked = Bytes(st, 6);
    std::string token = Bytes(st, 7);
    std::memcpy(f.token.data(), token.data(), std::min(token.size(), f.token.size()));
    (*out)[it->second].findings.push_back(std::move(f));
  }
  const bool read_all = st != nullptr;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return read_all;
}

double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  int rewrites = 0;
  double seconds = 0;
  int arg = 1;
  while (argc > arg + 1 && std::strncmp(argv[arg], "--", 2) == 0) {
    if (std::strcmp(argv[arg], "--rewrite") == 0) {
      rewrites = std::atoi(argv[arg + 1]);
    } else if (std::strcmp(argv[arg], "--seconds") == 0) {
      seconds = std::atof(argv[arg + 1]);
    } else {
      break;
    }
    arg += 2;
  }
  if (argc != arg + 2) {
    std::fprintf(stderr, "usage: writer_replay [--rewrite N] [--seconds S] SOURCE.db TARGET.db\n");
    return 2;
  }
  // Before anything initialises SQLite, as phiscan does (the writer's
  // Open would otherwise find it too late to turn the statistics off).
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  std::vector<AssetRecord> records;
  if (!Load(argv[arg], &records)) return 1;
  size_t findings = 0;
  for (const AssetRecord& r : records) findings += r.findings.size();
  std::fprintf(stderr, "loaded %zu assets, %zu findings\n", records.size(), findings);

  auto writer = phiscan::catalog::CatalogWriter::Open(argv[arg + 1]);
  if (!writer.ok()) {
    std::fprintf(stderr, "%s\n", writer.status().message().c_str());
    return 1;
  }
  for (int run = 0; run <= rewrites; ++run) {
    phiscan::catalog::RunInfo info;
    info.roots = {"/"};
    info.rules_version = "replay";
    auto id = (*writer)->BeginRun(info);
    if (!id.ok()) {
      std::fprintf(stderr, "%s\n", id.status().message().c_str());
      return 1;
    }
    const double cpu0 = ProcessCpuSeconds();
    std::vector<AssetRecord> batch;
    const auto started = std::chrono::steady_clock::now();
    for (size_t i = 0; i < records.size(); ++i) {
      batch.push_back(records[i]);
      if (batch.size() < 64) continue;
      if (seconds > 0) {
        std::this_thread::sleep_until(
            started + std::chrono::duration<double>(seconds * i / records.size()));
      }
      (*writer)->SubmitBatch(std::move(batch));
    }
    (*writer)->SubmitBatch(std::move(batch));
    phiscan::Status s = (*writer)->FinishRun(phiscan::catalog::RunStatus::kInterrupted);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
    const auto stats = (*writer)->writer_stats();
    std::printf("%s writer_cpu=%.3f busy=%.3f findings_written=%llu process_cpu=%.3f\n",
                run == 0 ? "first" : "rewrite", stats.busy_cpu_seconds, stats.busy_seconds,
                static_cast<unsigned long long>(stats.findings_written),
                ProcessCpuSeconds() - cpu0);
  }
  return 0;
}
