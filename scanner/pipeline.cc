#include "scanner/pipeline.h"

#include <fcntl.h>
#include <sys/stat.h>
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

}  // namespace

void ClassifyDescriptor(int fd, Extractor& extractor, AssetRecord top,
                        std::vector<AssetRecord>& out, const std::atomic<bool>* cancel) {
  struct stat st;
  bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  uint64_t size = regular ? static_cast<uint64_t>(st.st_size) : 0;
  std::string_view name = top.path;
  size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string hint(name);
  extractor.ExtractDescriptor(fd, regular, size, hint, std::move(top), out, cancel);
}

ScanPipeline::ScanPipeline(ScanOptions options,
                           std::shared_ptr<const classifiers::RuleSet> rules,
                           const classifiers::TokenKey* key)
    : options_(std::move(options)), rules_(std::move(rules)), key_(key) {}

Result<ScanStats> ScanPipeline::Run(const std::vector<std::string>& roots, AssetSink& sink,
                                    const std::atomic<bool>& cancel) {
  const int threads = std::max(1, options_.threads);
  WalkOptions walk_options = options_.walk;
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
    WalkProgress* progress = options_.progress;
    walker.Run(
        roots,
        [&](WalkItem&& item) {
          if (progress != nullptr && item.kind == WalkItem::Kind::kFile) {
            progress->files.fetch_add(1, std::memory_order_relaxed);
            progress->bytes.fetch_add(item.identity.size, std::memory_order_relaxed);
          }
          queue.push(std::move(item));
        },
        cancel);
    if (progress != nullptr) progress->done.store(true);
    queue.push(std::nullopt);
  });

  tbb::enumerable_thread_specific<std::unique_ptr<Extractor>> extractors([&] {
    return std::make_unique<Extractor>(rules_, key_, options_.limits);
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
  using Batch = std::vector<AssetRecord>;
  auto process = [&](WalkItem* item) -> Batch* {
    std::unique_ptr<WalkItem> owned(item);
    auto batch = std::make_unique<Batch>();
    auto rec = std::make_unique<AssetRecord>();
    auto single = [&]() {
      batch->push_back(std::move(*rec));
      return batch.release();
    };
    rec->path = item->path;
    FillIdentity(item->identity, *rec);
    if (item->kind == WalkItem::Kind::kGap) {
      rec->kind = item->gap_kind;
      rec->status = item->gap_status;
      rec->reason = item->gap_reason;
      rec->detail = item->gap_detail;
      rec->label = "NONE";
      return single();
    }
    rec->kind = AssetKind::kFile;
    if (options_.prior != nullptr && options_.prior->Unchanged(item->path, item->identity)) {
      rec->unchanged = true;
      return single();
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
      return single();
    }
    FillIdentity(file.value().identity(), *rec);
    ClassifyDescriptor(file.value().fd(), *extractors.local(), std::move(*rec), *batch, &cancel);
    AssetRecord& top = batch->front();
    if (!file.value().StillUnchanged() && top.status != AssetStatus::kSkipped) {
      top.status = AssetStatus::kChangedDuringScan;
      top.reason = "modified_during_read";
    }
    return batch.release();
  };
  auto output = [&](Batch* raw) {
    std::unique_ptr<Batch> batch(raw);
    for (auto& rec : *batch) {
      ++stats.assets;
      if (rec.kind == AssetKind::kMember) ++stats.members;
      if (rec.unchanged) ++stats.unchanged;
      stats.bytes_scanned += rec.bytes_scanned;
      for (const auto& t : rec.types) stats.findings += t.count;
      if (!rec.unchanged && rec.status != AssetStatus::kComplete) ++stats.gaps;
      sink.OnAsset(std::move(rec));
    }
  };

  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<size_t>(threads) * options_.limits.tokens_per_thread,
        tbb::make_filter<void, WalkItem*>(tbb::filter_mode::serial_in_order, input) &
            tbb::make_filter<WalkItem*, Batch*>(tbb::filter_mode::parallel, process) &
            tbb::make_filter<Batch*, void>(tbb::filter_mode::serial_out_of_order, output));
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
