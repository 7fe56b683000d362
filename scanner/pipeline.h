// The scan pipeline: walk → read → extract → classify → aggregate → sink.
//
// Run() starts the walker threads (blocking I/O, plain threads) feeding a
// bounded queue, and a tbb::parallel_pipeline with `threads` workers. Work
// travels in batches, not file by file, so an asset costs no queue hand-off,
// heap allocation or thread wake-up of its own:
//   * each walker thread decides carry-over itself (PriorState::Unchanged, a
//     hash lookup) and collects unchanged files into a batch of ready
//     records that skips the reading stage's work entirely;
//   * files to read are grouped into small batches bounded by count and
//     bytes (a large file travels alone, so batching never serialises big
//     files behind each other); a walker thread hands a partial batch on at
//     once when the queue is empty, so a slow walk never starves the workers;
//   * the queue blocks (mutex and condition variables); nobody spins.
// A serial stage pops batches, a parallel stage opens each file of a batch
// and runs the worker's own Extractor over it (scanner/extract.h: the file's
// record plus one record per archive member, attachment or table,
// depth-first under one Budget), and a serial stage hands each batch of
// finished AssetRecords to the sink in one call, every file's own record
// before its members. At most threads × tokens_per_thread batches are in
// flight. A failure on one asset is a status in its record, never the end of
// the run.
//
// Thread safety: AssetSink::OnAssets (and OnAsset) is called from one thread
// at a time (the serial output stage). `cancel` may be set from any thread
// (signal handler via an atomic) to stop the walk and drain.
#ifndef PHISCAN_SCANNER_PIPELINE_H_
#define PHISCAN_SCANNER_PIPELINE_H_

#include <atomic>
#include <mutex>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "classifiers/matcher.h"
#include "classifiers/ruleset.h"
#include "classifiers/token.h"
#include "common/model.h"
#include "common/status.h"
#include "scanner/extract.h"
#include "scanner/limits.h"
#include "scanner/walker.h"

namespace phiscan::scanner {

class AssetSink {
 public:
  virtual ~AssetSink() = default;
  virtual void OnAsset(AssetRecord&& record) = 0;
  // A batch of records in pipeline order (a file's own record before its
  // members). The default hands them to OnAsset one by one; a sink that can
  // take a batch at once (the catalog writer) overrides it.
  virtual void OnAssets(std::vector<AssetRecord>&& records) {
    for (AssetRecord& r : records) OnAsset(std::move(r));
  }
};

// What the previous scans already know, for incremental scanning. Supplied
// by the front end (from the catalog); the scanner itself knows no SQL.
//
// Thread safety: Unchanged() is called concurrently from the walker threads.
class PriorState {
 public:
  virtual ~PriorState() = default;
  // True if the file at `path` was classified before, with this exact
  // identity (dev, ino, size, mtime, ctime) and the current rules, so its
  // previous results can be carried over without reading it.
  virtual bool Unchanged(std::string_view path, const FileIdentity& identity) const = 0;
};

// Live walk counters for a progress display; written by the walk, read by
// anyone (atomics).
struct WalkProgress {
  std::atomic<uint64_t> files{0};   // regular files found so far
  std::atomic<uint64_t> bytes{0};   // their total size
  std::atomic<bool> done{false};    // the walk has finished: the totals are final
  // Bytes read from the files so far, counted as they are read: a 4 GB file
  // moves it all the while its record is being made.
  std::atomic<uint64_t> bytes_read{0};

  // The file a scanning thread opened last (raw bytes; escape to show it).
  void SetReading(std::string_view path);
  std::string Reading() const;

 private:
  mutable std::mutex mu_;
  std::string reading_;  // GUARDED_BY(mu_)
};

// The most scanning threads a pipeline runs: the CPUs this process may run
// on, as libtbb counts them (its affinity mask). libtbb starts no more
// workers than that whatever an arena asks for, and prints a warning of its
// own on stderr when asked for more, so ScanOptions::threads is lowered to
// it.
int MaxScanThreads();

struct ScanOptions {
  // If set, unchanged files are not opened: the sink receives a record with
  // `unchanged = true` and only path and identity filled in. Not owned.
  const PriorState* prior = nullptr;
  int threads = 2;  // at most MaxScanThreads() run
  ScanLimits limits;
  std::vector<std::pair<uint64_t, uint64_t>> skip;  // (dev, ino) never scanned
  // Walker settings beyond threads and skip: filter, one_file_system,
  // follow_symlinks (see walker.h). `threads` and `skip` above win.
  WalkOptions walk;
  // If set, updated as the walk finds files. Not owned.
  WalkProgress* progress = nullptr;
};

struct ScanStats {
  uint64_t assets = 0;     // records: files, gaps and members
  uint64_t members = 0;    // of those, members inside containers
  uint64_t unchanged = 0;  // assets carried over without reading (incremental)
  uint64_t bytes_scanned = 0;
  uint64_t findings = 0;
  // Assets read whose status is not complete. A carried-over file's
  // recorded status is the catalog's (CatalogWriter::gaps counts both).
  uint64_t gaps = 0;
  // What the walk found under each root given to Run(), in order: a root
  // whose every file the filters left out is told from an empty one.
  std::vector<RootWalkStats> roots;
};

class ScanPipeline {
 public:
  // REQUIRES: `key` outlives the pipeline.
  ScanPipeline(ScanOptions options, std::shared_ptr<const classifiers::RuleSet> rules,
               const classifiers::TokenKey* key);

  // Scans `roots`. Errors only for problems with the roots themselves
  // (missing, not a file or directory); per-file problems are statuses.
  Result<ScanStats> Run(const std::vector<std::string>& roots, AssetSink& sink,
                        const std::atomic<bool>& cancel);

 private:
  ScanOptions options_;
  std::shared_ptr<const classifiers::RuleSet> rules_;
  const classifiers::TokenKey* key_;
};

// Classifies the content of one open file descriptor: a regular file (read
// with pread from offset 0) or a pipe (read to EOF). Appends `top` completed
// (status, reason, bytes_scanned, types, findings, label) and then one record
// per member found inside (see Extractor). Used by the pipeline for every
// file and by `phiscan classify` for a file or standard input.
void ClassifyDescriptor(int fd, Extractor& extractor, AssetRecord top,
                        std::vector<AssetRecord>& out,
                        const std::atomic<bool>* cancel = nullptr);

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_PIPELINE_H_
