// The scan pipeline: walk → read → classify → aggregate → sink.
//
// Run() starts the walker threads (blocking I/O, plain threads) feeding a
// bounded queue, and a tbb::parallel_pipeline with `threads` workers and at
// most threads × tokens_per_thread assets in flight: a serial stage pops walk
// items, a parallel stage opens, reads and classifies one asset with the
// worker's own Matcher, and a serial stage hands each finished AssetRecord to
// the sink. A failure on one asset is a status in its record, never the end
// of the run.
//
// Thread safety: AssetSink::OnAsset is called from one thread at a time (the
// serial output stage). `cancel` may be set from any thread (signal handler
// via an atomic) to stop the walk and drain.
#ifndef PHISCAN_SCANNER_PIPELINE_H_
#define PHISCAN_SCANNER_PIPELINE_H_

#include <atomic>
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
#include "scanner/limits.h"
#include "scanner/walker.h"

namespace phiscan::scanner {

class AssetSink {
 public:
  virtual ~AssetSink() = default;
  virtual void OnAsset(AssetRecord&& record) = 0;
};

// What the previous scans already know, for incremental scanning. Supplied
// by the front end (from the catalog); the scanner itself knows no SQL.
//
// Thread safety: Unchanged() is called concurrently from worker threads.
class PriorState {
 public:
  virtual ~PriorState() = default;
  // True if the file at `path` was classified before, with this exact
  // identity (dev, ino, size, mtime, ctime) and the current rules, so its
  // previous results can be carried over without reading it.
  virtual bool Unchanged(std::string_view path, const FileIdentity& identity) const = 0;
};

struct ScanOptions {
  // If set, unchanged files are not opened: the sink receives a record with
  // `unchanged = true` and only path and identity filled in.
  const PriorState* prior = nullptr;
  int threads = 2;
  ScanLimits limits;
  std::vector<std::pair<uint64_t, uint64_t>> skip;  // (dev, ino) never scanned
};

struct ScanStats {
  uint64_t assets = 0;
  uint64_t unchanged = 0;  // assets carried over without reading (incremental)
  uint64_t bytes_scanned = 0;
  uint64_t findings = 0;
  uint64_t gaps = 0;  // assets whose status is not complete
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

// Classifies the content of one open file descriptor (a regular file or a
// pipe) from its current position to EOF: sniffs for binary content, streams
// it through `matcher` in chunks, aggregates into `record` (status, reason,
// bytes_scanned, types, findings, label). Used by the pipeline for every file
// and by `phiscan classify` for a file or standard input.
void ClassifyDescriptor(int fd, const ScanLimits& limits, classifiers::Matcher& matcher,
                        AssetRecord& record);

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_PIPELINE_H_
