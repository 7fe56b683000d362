#include "scanner/pipeline.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include <oneapi/tbb/concurrent_queue.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include "classifiers/aggregate.h"
#include "scanner/source.h"

namespace phiscan::scanner {
namespace {

using classifiers::Matcher;

// Stable reason ids for statuses that come from a Status code.
const char* ReasonForCode(StatusCode code) {
  switch (code) {
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kPermissionDenied: return "permission_denied";
    case StatusCode::kChangedDuringRead: return "replaced";
    case StatusCode::kUnsupported: return "not_regular_file";
    case StatusCode::kLimitExceeded: return "match_cap";
    default: return "io_error";
  }
}

void FillIdentity(const FileIdentity& id, AssetRecord& rec) {
  rec.size = id.size;
  rec.mtime_ns = id.mtime_ns;
  rec.ctime_ns = id.ctime_ns;
  rec.dev = id.dev;
  rec.ino = id.ino;
  rec.mode = id.mode;
  rec.uid = id.uid;
  rec.gid = id.gid;
}

// Reads into the matcher's chunk buffer until full or EOF. Returns the byte
// count, or -1 with errno set.
ssize_t ReadFull(int fd, std::span<char> buf) {
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = read(fd, buf.data() + got, buf.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {  // a non-blocking pipe with nothing yet: wait briefly
        usleep(1000);
        continue;
      }
      return -1;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

void ClassifyDescriptor(int fd, const ScanLimits& limits, Matcher& matcher,
                        AssetRecord& record) {
  classifiers::AssetAggregator aggregator(matcher.rules(), limits.max_locators);
  matcher.Begin(&aggregator);
  record.status = AssetStatus::kComplete;
  record.reason.clear();
  uint64_t total = 0;
  bool first = true;
  Status classify = Status::Ok();
  for (;;) {
    auto buf = matcher.WritableChunk();
    if (limits.max_file_size > 0) {
      uint64_t room = limits.max_file_size - total;
      if (room == 0) {
        char probe;
        if (ReadFull(fd, {&probe, 1}) != 0) {  // more content past the limit
          record.status = AssetStatus::kPartial;
          record.reason = "limit_size";
        }
        break;
      }
      if (room < buf.size()) buf = buf.first(room);
    }
    ssize_t n = ReadFull(fd, buf);
    if (n < 0) {
      int err = errno;
      record.status = total == 0 ? AssetStatus::kUnreadable : AssetStatus::kPartial;
      record.reason = total == 0 ? ReasonForErrno(err) : "read_error";
      record.detail = std::strerror(err);
      break;
    }
    if (first) {
      first = false;
      size_t sniff = std::min(static_cast<size_t>(n), limits.sniff_bytes);
      if (std::memchr(buf.data(), '\0', sniff) != nullptr) {
        // Binary content with no extractor: classifying raw bytes would give
        // noise, so it is skipped with a reason rather than called clean.
        record.status = AssetStatus::kSkipped;
        record.reason = "binary";
        break;
      }
    }
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    classify = matcher.Commit(static_cast<size_t>(n));
    if (!classify.ok()) break;
  }
  Status fin = matcher.Finish();
  if (!classify.ok() || !fin.ok()) {
    record.status = AssetStatus::kPartial;
    record.reason = ReasonForCode(StatusCode::kLimitExceeded);
    record.detail = (!classify.ok() ? classify : fin).message();
  }
  record.bytes_scanned = record.status == AssetStatus::kSkipped ? 0 : matcher.bytes_fed();
  aggregator.FillRecord(record);
}

ScanPipeline::ScanPipeline(ScanOptions options,
                           std::shared_ptr<const classifiers::RuleSet> rules,
                           const classifiers::TokenKey* key)
    : options_(std::move(options)), rules_(std::move(rules)), key_(key) {}

Result<ScanStats> ScanPipeline::Run(const std::vector<std::string>& roots, AssetSink& sink,
                                    const std::atomic<bool>& cancel) {
  const int threads = std::max(1, options_.threads);
  WalkOptions walk_options;
  walk_options.threads = std::min(threads, 4);
  walk_options.skip = options_.skip;
  Walker walker(walk_options);
  Status roots_ok = walker.CheckRoots(roots);
  if (!roots_ok.ok()) return roots_ok;

  // Walker threads block on directory I/O; they feed a bounded queue that the
  // pipeline drains. nullopt marks the end of the walk.
  tbb::concurrent_bounded_queue<std::optional<WalkItem>> queue;
  queue.set_capacity(static_cast<std::ptrdiff_t>(options_.limits.walk_queue_capacity));
  std::thread walk_thread([&] {
    walker.Run(roots, [&](WalkItem&& item) { queue.push(std::move(item)); }, cancel);
    queue.push(std::nullopt);
  });

  classifiers::MatcherOptions matcher_options;
  matcher_options.chunk_size = options_.limits.chunk_size;
  matcher_options.max_candidates = options_.limits.max_candidates_per_asset;
  tbb::enumerable_thread_specific<std::unique_ptr<Matcher>> matchers([&] {
    return std::make_unique<Matcher>(rules_, key_, matcher_options);
  });

  ScanStats stats;
  bool walk_done = false;
  auto input = [&](tbb::flow_control& fc) -> WalkItem* {
    while (!walk_done) {
      std::optional<WalkItem> item;
      queue.pop(item);
      if (!item) {
        walk_done = true;
        break;
      }
      // After cancellation keep draining so the walker never blocks on a full
      // queue, but start no new work.
      if (cancel.load(std::memory_order_relaxed)) continue;
      return new WalkItem(std::move(*item));
    }
    fc.stop();
    return nullptr;
  };
  auto process = [&](WalkItem* item) -> AssetRecord* {
    std::unique_ptr<WalkItem> owned(item);
    auto rec = std::make_unique<AssetRecord>();
    rec->path = item->path;
    FillIdentity(item->identity, *rec);
    if (item->kind == WalkItem::Kind::kGap) {
      rec->kind = item->gap_kind;
      rec->status = item->gap_status;
      rec->reason = item->gap_reason;
      rec->detail = item->gap_detail;
      rec->label = "NONE";
      return rec.release();
    }
    rec->kind = AssetKind::kFile;
    if (options_.prior != nullptr && options_.prior->Unchanged(item->path, item->identity)) {
      rec->unchanged = true;
      return rec.release();
    }
    int dirfd = item->dir ? item->dir->fd() : AT_FDCWD;
    auto file = ReadOnlyFile::Open(dirfd, item->name, &item->identity);
    if (!file.ok()) {
      switch (file.status().code()) {
        case StatusCode::kNotFound: rec->status = AssetStatus::kVanished; break;
        case StatusCode::kChangedDuringRead: rec->status = AssetStatus::kChangedDuringScan; break;
        case StatusCode::kUnsupported: rec->status = AssetStatus::kSpecial; break;
        default: rec->status = AssetStatus::kUnreadable; break;
      }
      rec->reason = ReasonForCode(file.status().code());
      rec->detail = file.status().message();
      rec->label = "NONE";
      return rec.release();
    }
    FillIdentity(file.value().identity(), *rec);
    auto& matcher = matchers.local();
    ClassifyDescriptor(file.value().fd(), options_.limits, *matcher, *rec);
    if (!file.value().StillUnchanged() && rec->status != AssetStatus::kSkipped) {
      rec->status = AssetStatus::kChangedDuringScan;
      rec->reason = "modified_during_read";
    }
    return rec.release();
  };
  auto output = [&](AssetRecord* raw) {
    std::unique_ptr<AssetRecord> rec(raw);
    ++stats.assets;
    if (rec->unchanged) ++stats.unchanged;
    stats.bytes_scanned += rec->bytes_scanned;
    for (const auto& t : rec->types) stats.findings += t.count;
    if (!rec->unchanged && rec->status != AssetStatus::kComplete) ++stats.gaps;
    sink.OnAsset(std::move(*rec));
  };

  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<size_t>(threads) * options_.limits.tokens_per_thread,
        tbb::make_filter<void, WalkItem*>(tbb::filter_mode::serial_in_order, input) &
            tbb::make_filter<WalkItem*, AssetRecord*>(tbb::filter_mode::parallel, process) &
            tbb::make_filter<AssetRecord*, void>(tbb::filter_mode::serial_out_of_order, output));
  });
  // If the pipeline stopped early (cancellation), let the walker finish.
  while (!walk_done) {
    std::optional<WalkItem> item;
    queue.pop(item);
    if (!item) walk_done = true;
  }
  walk_thread.join();
  return stats;
}

}  // namespace phiscan::scanner
