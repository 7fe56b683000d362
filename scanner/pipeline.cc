#include "scanner/pipeline.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define PHISCAN_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#include <sanitizer/tsan_interface.h>
#define PHISCAN_TSAN_BUILD 1
#endif
#endif

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
  rec.others_can_reach = id.others_can_reach;
  rec.group_can_reach = id.group_can_reach;
}

// Batches move between pipeline stages through libtbb's queues, and a serial
// stage's state passes from one worker thread to the next through libtbb too.
// Debian's libtbb is not built with ThreadSanitizer, so TSan cannot see that
// order; it would report every record written in one stage and read in the
// next (or by the catalog writer) as a race. HandOff/TakeOver mark the order
// TBB guarantees, keyed by the object handed over. No-ops outside TSan builds.
void HandOff(const void* what) {
#ifdef PHISCAN_TSAN_BUILD
  __tsan_release(const_cast<void*>(what));
#else
  (void)what;
#endif
}
void TakeOver(const void* what) {
#ifdef PHISCAN_TSAN_BUILD
  __tsan_acquire(const_cast<void*>(what));
#else
  (void)what;
#endif
}

// Batching (tuning only: results never depend on it).
// Files to read per batch: enough to amortise a queue hand-off and a
// pipeline token over many small files...
constexpr size_t kReadBatchFiles = 32;
// ...but no more bytes (by size at walk time) than this, so that large files
// are spread over the workers instead of being read one after another by one.
constexpr uint64_t kReadBatchBytes = 256 << 10;
// Ready records (carried-over files and gaps) cost nothing but their record;
// the catalog writer applies them set-wise, so their batches are larger.
constexpr size_t kReadyBatchRecords = 512;

// One unit of work through the queue and the pipeline: files to open, and
// the records of the batch (ready ones on entry; every file's records are
// appended as it is read).
struct WorkBatch {
  std::vector<WalkItem> items;
  std::vector<AssetRecord> records;
};

// A bounded blocking queue of batches (mutex and condition variables: a
// full or empty queue puts the caller to sleep instead of spinning).
// Thread-safe.
class BlockingQueue {
 public:
  explicit BlockingQueue(size_t capacity) : capacity_(capacity) {}

  void Push(std::unique_ptr<WorkBatch> batch) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return queue_.size() < capacity_; });
    queue_.push_back(std::move(batch));
    size_.store(queue_.size(), std::memory_order_relaxed);
    lock.unlock();
    not_empty_.notify_one();
  }
  std::unique_ptr<WorkBatch> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !queue_.empty(); });
    std::unique_ptr<WorkBatch> batch = std::move(queue_.front());
    queue_.pop_front();
    size_.store(queue_.size(), std::memory_order_relaxed);
    lock.unlock();
    not_full_.notify_one();
    return batch;
  }
  // A hint, without the lock: nothing is queued right now.
  bool Empty() const { return size_.load(std::memory_order_relaxed) == 0; }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<std::unique_ptr<WorkBatch>> queue_;  // GUARDED_BY(mu_)
  std::atomic<size_t> size_{0};                   // queue_.size(), for Empty()
};

// What one emitting thread has collected and not yet queued.
struct Pending {
  std::unique_ptr<WorkBatch> ready = std::make_unique<WorkBatch>();  // records only
  std::unique_ptr<WorkBatch> read = std::make_unique<WorkBatch>();   // files to read
  uint64_t read_bytes = 0;  // size of the files in `read`
  uint64_t files = 0;       // regular files found since the last AddProgress
  uint64_t bytes = 0;

  void AddProgress(WalkProgress* progress) {
    if (progress != nullptr && files > 0) {
      progress->files.fetch_add(files, std::memory_order_relaxed);
      progress->bytes.fetch_add(bytes, std::memory_order_relaxed);
    }
    files = 0;
    bytes = 0;
  }
};

// The Pending of each emitting thread. Local() gives the calling thread its
// own slot (claimed on its first call in this run), so emitting takes no lock.
// Thread safety: Local() and Add() on one's own slot from any thread; all()
// once the emitting threads have finished.
class PendingSlots {
 public:
  explicit PendingSlots(size_t n) : slots_(n), generation_(NextGeneration()) {}

  // Null when more threads emit than there are slots.
  Pending* Local() {
    // Which slot this thread claimed, in which run (generations are unique
    // per process, so a thread reused by a later run claims afresh).
    thread_local uint64_t generation = 0;
    thread_local Pending* mine = nullptr;
    if (generation != generation_) {
      const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= slots_.size()) return nullptr;
      generation = generation_;
      mine = &slots_[i];
    }
    return mine;
  }

  // Files found unchanged become carried-over records and gaps become
  // records, both ready for the sink; other files wait to be read.
  static void Add(Pending& p, WalkItem&& item, const PriorState* prior) {
    if (item.kind == WalkItem::Kind::kGap) {
      AssetRecord& rec = p.ready->records.emplace_back();
      rec.path = std::move(item.path);
      FillIdentity(item.identity, rec);
      rec.kind = item.gap_kind;
      rec.status = item.gap_status;
      rec.reason = std::move(item.gap_reason);
      rec.detail = std::move(item.gap_detail);
      return;
    }
    p.files += 1;
    p.bytes += item.identity.size;
    if (prior != nullptr && prior->Unchanged(item.path, item.identity)) {
      AssetRecord& rec = p.ready->records.emplace_back();
      rec.path = std::move(item.path);
      FillIdentity(item.identity, rec);
      rec.kind = AssetKind::kFile;
      rec.unchanged = true;
      return;  // the directory handle is dropped with `item`
    }
    p.read_bytes += item.identity.size;
    p.read->items.push_back(std::move(item));
  }

  std::vector<Pending>& all() { return slots_; }

 private:
  static uint64_t NextGeneration() {
    static std::atomic<uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
  }

  std::vector<Pending> slots_;
  const uint64_t generation_;
  std::atomic<size_t> next_{0};
};

// Opens and classifies one file found by the walker, appending its record
// and its members' records to `out`.
void ReadOne(WalkItem& item, Extractor& extractor, std::vector<AssetRecord>& out,
             const std::atomic<bool>& cancel, WalkProgress* progress) {
  AssetRecord rec;
  rec.path = std::move(item.path);
  FillIdentity(item.identity, rec);
  rec.kind = AssetKind::kFile;
  const int dirfd = item.dir ? item.dir->fd() : AT_FDCWD;
  auto file = ReadOnlyFile::Open(dirfd, item.name, &item.identity);
  if (!file.ok()) {
    switch (file.status().code()) {
      case StatusCode::kNotFound: rec.status = AssetStatus::kVanished; break;
      case StatusCode::kChangedDuringRead: rec.status = AssetStatus::kChangedDuringScan; break;
      case StatusCode::kUnsupported: rec.status = AssetStatus::kSpecial; break;
      default: rec.status = AssetStatus::kUnreadable; break;
    }
    rec.reason = ReasonForCode(file.status().code());
    rec.detail = file.status().message();
    out.push_back(std::move(rec));
    return;
  }
  FillIdentity(file.value().identity(), rec);
  if (progress != nullptr) progress->SetReading(rec.path);
  // The walker's: an fstat of the open file cannot tell.
  rec.others_can_reach = item.identity.others_can_reach;
  rec.group_can_reach = item.identity.group_can_reach;
  const size_t top = out.size();
  ClassifyDescriptor(file.value().fd(), extractor, std::move(rec), out, &cancel);
  if (!file.value().StillUnchanged() && out[top].status != AssetStatus::kSkipped) {
    out[top].status = AssetStatus::kChangedDuringScan;
    // Renamed over (an editor's or a sync tool's save): the name now holds
    // another file, which the next run reads. The descriptor's file only
    // lost its name, which changed its ctime.
    struct stat now;
    const bool replaced = fstatat(dirfd, item.name.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 &&
                          (static_cast<uint64_t>(now.st_dev) != file.value().identity().dev ||
                           static_cast<uint64_t>(now.st_ino) != file.value().identity().ino);
    out[top].reason = replaced ? "replaced" : "modified_during_read";
  }
}

}  // namespace

void WalkProgress::SetReading(std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  reading_.assign(path);
}

std::string WalkProgress::Reading() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reading_;
}

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

int MaxScanThreads() { return std::max(1, tbb::info::default_concurrency()); }

ScanPipeline::ScanPipeline(ScanOptions options,
                           std::shared_ptr<const classifiers::RuleSet> rules,
                           const classifiers::TokenKey* key)
    : options_(std::move(options)), rules_(std::move(rules)), key_(key) {}

Result<ScanStats> ScanPipeline::Run(const std::vector<std::string>& roots, AssetSink& sink,
                                    const std::atomic<bool>& cancel) {
  const int threads = std::clamp(options_.threads, 1, MaxScanThreads());
  WalkOptions walk_options = options_.walk;
  // Walker threads wait on directory I/O rather than compute: as many as
  // asked for, up to 4, whatever the CPUs.
  walk_options.threads = std::clamp(options_.threads, 1, 4);
  walk_options.skip = options_.skip;
  Walker walker(walk_options);
  Status roots_ok = walker.CheckRoots(roots);
  if (!roots_ok.ok()) return roots_ok;

  // Walker threads block on directory I/O; they feed a bounded queue of
  // batches that the pipeline drains. nullptr marks the end of the walk. The
  // capacity keeps the old bound on queued files to read (each pins its
  // parent directory's descriptor).
  BlockingQueue queue(
      std::max<size_t>(2, options_.limits.walk_queue_capacity / kReadBatchFiles));
  // One pending pair of batches per thread that emits: the walker threads,
  // and the thread that calls Walker::Run (it emits root files).
  PendingSlots slots(static_cast<size_t>(walk_options.threads) + 1);
  WalkProgress* progress = options_.progress;
  const PriorState* prior = options_.prior;

  auto flush_ready = [&](Pending& p) {
    if (p.ready->records.empty()) return;
    p.AddProgress(progress);
    queue.Push(std::exchange(p.ready, std::make_unique<WorkBatch>()));
  };
  auto flush_read = [&](Pending& p) {
    if (p.read->items.empty()) return;
    p.read_bytes = 0;
    p.AddProgress(progress);
    queue.Push(std::exchange(p.read, std::make_unique<WorkBatch>()));
  };
  auto emit = [&](WalkItem&& item) {
    Pending* p = slots.Local();
    if (p == nullptr) {  // an emitting thread beyond the expected ones: no batching
      Pending single;
      slots.Add(single, std::move(item), prior);
      flush_ready(single);
      flush_read(single);
      return;
    }
    slots.Add(*p, std::move(item), prior);
    if (p->ready->records.size() >= kReadyBatchRecords) flush_ready(*p);
    // A partial batch of files to read goes at once when the workers have
    // nothing queued: batching must never make them wait for the walk.
    if (p->read->items.size() >= kReadBatchFiles || p->read_bytes >= kReadBatchBytes ||
        (!p->read->items.empty() && queue.Empty())) {
      flush_read(*p);
    }
  };
  WalkStats walked;
  std::thread walk_thread([&] {
    walked = walker.Run(roots, emit, cancel);
    // Every walker thread has finished: the pending batches are ours now.
    for (Pending& p : slots.all()) {
      flush_ready(p);
      flush_read(p);
    }
    if (progress != nullptr) progress->done.store(true);
    queue.Push(nullptr);
  });

  tbb::enumerable_thread_specific<std::unique_ptr<Extractor>> extractors([&] {
    auto extractor = std::make_unique<Extractor>(rules_, key_, options_.limits);
    if (progress != nullptr) extractor->CountReads(&progress->bytes_read);
    return extractor;
  });

  ScanStats stats;
  bool walk_done = false;
  auto input = [&](tbb::flow_control& fc) -> WorkBatch* {
    TakeOver(&walk_done);
    while (!walk_done) {
      std::unique_ptr<WorkBatch> batch = queue.Pop();
      if (batch == nullptr) {
        walk_done = true;
        break;
      }
      // After cancellation keep draining so the walker never blocks on a full
      // queue, but start no new work.
      if (cancel.load(std::memory_order_relaxed)) continue;
      HandOff(batch.get());
      HandOff(&walk_done);
      return batch.release();
    }
    fc.stop();
    HandOff(&walk_done);
    return nullptr;
  };
  auto process = [&](WorkBatch* batch) -> WorkBatch* {
    TakeOver(batch);
    Extractor& extractor = *extractors.local();
    for (WalkItem& item : batch->items) {
      if (cancel.load(std::memory_order_relaxed)) break;
      ReadOne(item, extractor, batch->records, cancel, options_.progress);
    }
    batch->items.clear();  // releases the directory descriptors now
    HandOff(&extractor);
    HandOff(batch);
    return batch;
  };
  auto output = [&](WorkBatch* raw) {
    TakeOver(raw);
    TakeOver(&stats);
    std::unique_ptr<WorkBatch> batch(raw);
    for (const AssetRecord& rec : batch->records) {
      ++stats.assets;
      if (rec.kind == AssetKind::kMember) ++stats.members;
      if (rec.unchanged) ++stats.unchanged;
      stats.bytes_scanned += rec.bytes_scanned;
      for (const auto& t : rec.types) stats.findings += t.count;
      if (!rec.unchanged && rec.status != AssetStatus::kComplete) ++stats.gaps;
    }
    if (!batch->records.empty()) sink.OnAssets(std::move(batch->records));
    HandOff(&stats);
  };

  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<size_t>(threads) * options_.limits.tokens_per_thread,
        tbb::make_filter<void, WorkBatch*>(tbb::filter_mode::serial_in_order, input) &
            tbb::make_filter<WorkBatch*, WorkBatch*>(tbb::filter_mode::parallel, process) &
            tbb::make_filter<WorkBatch*, void>(tbb::filter_mode::serial_out_of_order, output));
  });
  TakeOver(&walk_done);
  TakeOver(&stats);
  for (const std::unique_ptr<Extractor>& extractor : extractors) TakeOver(extractor.get());
  // If the pipeline stopped early (cancellation), let the walker finish.
  while (!walk_done) {
    if (queue.Pop() == nullptr) walk_done = true;
  }
  walk_thread.join();
  stats.roots = std::move(walked.roots);
  return stats;
}

}  // namespace phiscan::scanner
