// ScanPipeline's batching: unchanged files decided in the walk threads and
// handed on in batches, files to read grouped into small batches, and the
// records a sink receives exactly those an unbatched pipeline would give.
// Asserted through the run's counters and the records, never through time.
//
// All identifiers are synthetic (a valid-looking SSN structure); none is real.
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/model.h"
#include "scanner/pipeline.h"
#include "tests/scanner/extract_fixture.h"
#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

using scanner::FileIdentity;
using scanner::PriorState;
using scanner::ScanOptions;
using scanner::ScanPipeline;
using scanner::ScanStats;
using testing::TempDir;

// Collects what the pipeline hands on, and how: batches vs single records.
class Collector : public scanner::AssetSink {
 public:
  void OnAsset(AssetRecord&& record) override { records.push_back(std::move(record)); }
  void OnAssets(std::vector<AssetRecord>&& batch) override {
    ++batches;
    largest_batch = std::max(largest_batch, batch.size());
    for (AssetRecord& r : batch) records.push_back(std::move(r));
  }
  std::vector<AssetRecord> records;
  size_t batches = 0;
  size_t largest_batch = 0;
};

// Claims every path in `unchanged` is as the catalog recorded it, whatever
// its identity, and counts the questions (from several walk threads).
class FakePrior : public PriorState {
 public:
  explicit FakePrior(std::set<std::string> unchanged) : unchanged_(std::move(unchanged)) {}
  bool Unchanged(std::string_view path, const FileIdentity&) const override {
    asked_.fetch_add(1);
    return unchanged_.count(std::string(path)) > 0;
  }
  uint64_t asked() const { return asked_.load(); }

 private:
  std::set<std::string> unchanged_;
  mutable std::atomic<uint64_t> asked_{0};
};

const std::string kSensitive = "Patient SSN: 234-56-7891\n";

// `n` small files in `dirs` directories; every tenth one holds an SSN.
std::vector<std::string> MakeTree(const TempDir& dir, int n, int dirs) {
  std::vector<std::string> paths;
  for (int i = 0; i < n; ++i) {
    const std::string path =
        dir.Join("tree/d" + std::to_string(i % dirs) + "/f" + std::to_string(i) + ".txt");
    testing::WriteFile(path, i % 10 == 0 ? kSensitive : "plain text, nothing here\n");
    paths.push_back(path);
  }
  return paths;
}

ScanStats Scan(const std::string& root, scanner::AssetSink& sink, int threads,
               const PriorState* prior = nullptr) {
  ScanOptions options;
  options.threads = threads;
  options.prior = prior;
  ScanPipeline pipeline(options, testing::BuiltinRules(), testing::TestKey());
  std::atomic<bool> cancel{false};
  auto stats = pipeline.Run({root}, sink, cancel);
  REQUIRE(stats.ok());
  return stats.value();
}

// path → (unchanged, status, bytes scanned, findings) for top-level records.
std::map<std::string, std::string> Summary(const std::vector<AssetRecord>& records) {
  std::map<std::string, std::string> out;
  for (const AssetRecord& r : records) {
    uint64_t findings = 0;
    for (const auto& t : r.types) findings += t.count;
    const std::string key = r.path + (r.member ? "!" + *r.member : "");
    REQUIRE(out.count(key) == 0);  // every asset exactly once
    out[key] = std::string(r.unchanged ? "unchanged " : "read ") + AssetStatusName(r.status) +
               " " + std::to_string(r.bytes_scanned) + " " + std::to_string(findings);
  }
  return out;
}

TEST_CASE("An unchanged tree is carried over in batches without reading a byte") {
  TempDir dir;
  // More files than one batch of ready records, in several directories.
  const auto paths = MakeTree(dir, 1500, 7);
  FakePrior prior(std::set<std::string>(paths.begin(), paths.end()));
  Collector sink;
  const ScanStats stats = Scan(dir.Join("tree"), sink, 2, &prior);

  CHECK(stats.assets == 1500);
  CHECK(stats.unchanged == 1500);
  CHECK(stats.bytes_scanned == 0);
  CHECK(stats.findings == 0);
  CHECK(stats.gaps == 0);
  CHECK(prior.asked() == 1500);
  REQUIRE(sink.records.size() == 1500);
  std::set<std::string> seen;
  for (const AssetRecord& r : sink.records) {
    CHECK(r.unchanged);
    CHECK(r.kind == AssetKind::kFile);
    CHECK(r.size > 0);  // identity from the walk
    CHECK(r.ino != 0);
    seen.insert(r.path);
  }
  CHECK(seen == std::set<std::string>(paths.begin(), paths.end()));
  // Handed on in batches, not one call per file.
  CHECK(sink.batches < 1500 / 10);
  CHECK(sink.largest_batch > 1);
}

TEST_CASE("Changed and unchanged files mixed: each read or carried over exactly once") {
  TempDir dir;
  const auto paths = MakeTree(dir, 600, 5);
  std::set<std::string> unchanged;
  for (size_t i = 0; i < paths.size(); i += 3) unchanged.insert(paths[i]);
  FakePrior prior(unchanged);
  Collector sink;
  const ScanStats stats = Scan(dir.Join("tree"), sink, 2, &prior);

  uint64_t changed_bytes = 0;
  for (const auto& p : paths) {
    struct stat st;
    REQUIRE(stat(p.c_str(), &st) == 0);
    if (unchanged.count(p) == 0) changed_bytes += static_cast<uint64_t>(st.st_size);
  }
  CHECK(stats.assets == 600);
  CHECK(stats.unchanged == unchanged.size());
  CHECK(stats.bytes_scanned == changed_bytes);
  auto summary = Summary(sink.records);
  REQUIRE(summary.size() == 600);
  for (size_t i = 0; i < paths.size(); ++i) {
    INFO(paths[i]);
    const std::string& s = summary[paths[i]];
    if (unchanged.count(paths[i]) > 0) {
      CHECK(s == "unchanged complete 0 0");
    } else {
      CHECK(s.rfind("read complete ", 0) == 0);
    }
  }
}

TEST_CASE("Batching never changes the records: 1, 2 and 4 threads agree") {
  TempDir dir;
  MakeTree(dir, 400, 9);
  // A zip among the small files: its members follow its own record.
  const std::string zip = testing::WriteArchive(
      "zip", "", {{"inner/a.txt", kSensitive}, {"inner/b.txt", "nothing\n"}});
  testing::WriteFile(dir.Join("tree/d0/bundle.zip"), zip);
  // A large file travels in a batch of its own.
  testing::WriteFile(dir.Join("tree/d1/large.txt"), std::string(600 << 10, 'x') + kSensitive);

  std::map<std::string, std::string> reference;
  for (int threads : {1, 2, 4}) {
    INFO("threads " << threads);
    Collector sink;
    const ScanStats stats = Scan(dir.Join("tree"), sink, threads);
    CHECK(stats.assets == 402 + 2);
    CHECK(stats.members == 2);
    CHECK(stats.unchanged == 0);
    auto summary = Summary(sink.records);
    if (reference.empty()) {
      reference = summary;
    } else {
      CHECK(summary == reference);
    }
    // Every member comes after its container's own record.
    size_t container = sink.records.size(), first_member = sink.records.size();
    for (size_t i = 0; i < sink.records.size(); ++i) {
      const AssetRecord& r = sink.records[i];
      if (r.path != dir.Join("tree/d0/bundle.zip")) continue;
      if (!r.member) container = i;
      if (r.member && first_member == sink.records.size()) first_member = i;
    }
    CHECK(container < first_member);
  }
  CHECK(reference[dir.Join("tree/d0/bundle.zip") + "!inner/a.txt"] ==
        "read complete " + std::to_string(kSensitive.size()) + " 1");
  CHECK(reference[dir.Join("tree/d1/large.txt")].rfind("read complete ", 0) == 0);
}

TEST_CASE("Gaps travel with the ready records and count as gaps") {
  TempDir dir;
  MakeTree(dir, 50, 2);
  testing::WriteFile(dir.Join("tree/locked/secret.txt"), kSensitive);
  REQUIRE(chmod(dir.Join("tree/locked").c_str(), 0) == 0);
  testing::DropFileCapabilities drop;
  if (!drop.effective()) {
    SUCCEED("cannot drop the permission bypass here");
    return;
  }
  Collector sink;
  const ScanStats stats = Scan(dir.Join("tree"), sink, 2);
  CHECK(stats.assets == 51);
  CHECK(stats.gaps == 1);
  auto summary = Summary(sink.records);
  CHECK(summary[dir.Join("tree/locked")] == "read unreadable 0 0");
}

TEST_CASE("A sink without a batch method still receives every record") {
  struct Single : scanner::AssetSink {
    void OnAsset(AssetRecord&& r) override { paths.insert(r.path); }
    std::set<std::string> paths;
  };
  TempDir dir;
  const auto paths = MakeTree(dir, 700, 3);
  FakePrior prior(std::set<std::string>(paths.begin(), paths.begin() + 350));
  Single sink;
  const ScanStats stats = Scan(dir.Join("tree"), sink, 2, &prior);
  CHECK(stats.assets == 700);
  CHECK(stats.unchanged == 350);
  CHECK(sink.paths == std::set<std::string>(paths.begin(), paths.end()));
}

TEST_CASE("Cancelling mid-scan ends the run without hanging the walk") {
  TempDir dir;
  MakeTree(dir, 2000, 4);
  struct Cancelling : scanner::AssetSink {
    explicit Cancelling(std::atomic<bool>& c) : cancel(c) {}
    void OnAsset(AssetRecord&&) override {
      if (++seen == 5) cancel.store(true);
    }
    std::atomic<bool>& cancel;
    size_t seen = 0;
  };
  std::atomic<bool> cancel{false};
  Cancelling sink(cancel);
  ScanOptions options;
  options.threads = 2;
  ScanPipeline pipeline(options, testing::BuiltinRules(), testing::TestKey());
  auto stats = pipeline.Run({dir.Join("tree")}, sink, cancel);
  REQUIRE(stats.ok());
  CHECK(stats.value().assets < 2000);
}

TEST_CASE("The progress counters count bytes as files are read and name the file being read") {
  TempDir dir;
  // One file larger than any read, so its bytes are counted over many reads.
  const std::string big(3 << 20, 'x');
  testing::WriteFile(dir.Join("tree/big.txt"), big);
  testing::WriteFile(dir.Join("tree/small.txt"), kSensitive);
  scanner::WalkProgress progress;
  ScanOptions options;
  options.threads = 1;
  options.progress = &progress;
  ScanPipeline pipeline(options, testing::BuiltinRules(), testing::TestKey());
  Collector sink;
  std::atomic<bool> cancel{false};
  REQUIRE(pipeline.Run({dir.Join("tree")}, sink, cancel).ok());
  CHECK(progress.done.load());
  CHECK(progress.files.load() == 2);
  CHECK(progress.bytes_read.load() == big.size() + kSensitive.size());
  const std::string reading = progress.Reading();
  CHECK((reading == dir.Join("tree/big.txt") || reading == dir.Join("tree/small.txt")));
}

}  // namespace
}  // namespace phiscan
