// phiscan: scan trees into the catalog, classify one file, inspect rule packs.
//
// Exit codes: 0 success (coverage gaps are recorded, not failures);
// 3 success with coverage gaps, only with --strict, or always when a root
// showed none of the files the catalog holds under it (an unmounted share;
// see catalog::GuardedRoot); 4 success with findings
// at or above --fail-on; 1 fatal error (catalog, key or job file unusable,
// packs `rules check` finds errors in, or standard output could not be
// written); 2 usage error (bad flag, missing root, unknown job, a --rules
// pack that cannot be read or has an error; after the run, a root whose
// every file --include/--exclude left out: wins over 3 and 4); 75 another
// run holds the catalog's lock; 130 interrupted by SIGINT/SIGTERM (the
// catalog keeps everything committed and the run is marked interrupted).
#include <fcntl.h>
#include <fmt/core.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "catalog/catalog.h"
#include "catalog/reader.h"
#include "classifiers/matcher.h"
#include "classifiers/ruleset.h"
#include "classifiers/token.h"
#include "common/escape.h"
#include "scanner/path_filter.h"
#include "scanner/pipeline.h"
#include "scanner/source.h"
#include "scanner/walker.h"
#include "tools/acl_probe.h"
#include "tools/jobs.h"
#include "tools/key_file.h"
#include "tools/key_fingerprint.h"
#include "tools/log.h"
#include "tools/output.h"
#include "tools/prior_state.h"
#include "tools/progress.h"
#include "tools/rule_cache.h"
#include "tools/rule_files.h"
#include "tools/run_lock.h"
#include "tools/subcommand.h"

namespace {

using namespace phiscan;

constexpr int kExitOk = 0;
constexpr int kExitFatal = 1;
constexpr int kExitUsage = 2;
constexpr int kExitGaps = 3;
constexpr int kExitFailOn = 4;
constexpr int kExitLocked = 75;  // EX_TEMPFAIL: try again when the other run ends
constexpr int kExitInterrupted = 130;

std::atomic<bool> g_cancel{false};

void OnSignal(int) { g_cancel.store(true); }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESETHAND;  // a second signal ends the process at once
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Scanner memory holds file content: never let it reach a core file, and
// create every file we write (catalog, WAL, key) private to the user.
void HardenProcess() {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct rlimit no_core {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  umask(077);
}

int Fail(int code, const std::string& message) {
  std::cerr << "phiscan: error: " << tools::TerminalSafe(message) << "\n";
  return code;
}

class CatalogSink : public scanner::AssetSink {
 public:
  // `progress` and `log` may be null.
  CatalogSink(catalog::CatalogWriter& writer, tools::ProgressCounters* progress,
              tools::Logger* log)
      : writer_(writer), progress_(progress), log_(log) {}
  void OnAsset(AssetRecord&& record) override {
    Note(record);
    if (progress_ != nullptr) progress_->SetCurrent(EscapeBytes(record.path));
    writer_.Submit(std::move(record));
  }
  // A batch from the pipeline reaches the writer in one hand-off; the
  // progress line shows its last path.
  void OnAssets(std::vector<AssetRecord>&& records) override {
    for (AssetRecord& r : records) Note(r);
    if (progress_ != nullptr && !records.empty()) {
      progress_->SetCurrent(EscapeBytes(records.back().path));
    }
    writer_.SubmitBatch(std::move(records));
  }

 private:
  // Progress, gap log and label counts; the ACL of every file that was read.
  void Note(AssetRecord& record) {
    if (progress_ != nullptr) {
      progress_->files_done.fetch_add(1, std::memory_order_relaxed);
      if (!record.unchanged) {
        progress_->bytes_done.fetch_add(record.bytes_scanned, std::memory_order_relaxed);
        uint64_t found = 0;
        for (const auto& t : record.types) found += t.count;
        progress_->findings.fetch_add(found, std::memory_order_relaxed);
      }
    }
    if (record.unchanged) return;
    if (log_ != nullptr && record.status != AssetStatus::kComplete) log_->Gap(record);
    // Exposure needs the ACL of every file that was read. A carried-over
    // file keeps what the catalog has: an ACL change would have changed
    // its ctime.
    if (record.kind == AssetKind::kFile && !record.member &&
        record.status != AssetStatus::kVanished) {
      record.acl = tools::ReadAccessAcl(record.path, record.mode);
      acl_path_ = record.path;
      acl_ = record.acl;
    } else if (record.kind == AssetKind::kMember) {
      // A member is read through its file: the file's ACL is its own. Its
      // file came just before it (pipeline order), else it is probed.
      if (record.path != acl_path_) {
        acl_path_ = record.path;
        acl_ = tools::ReadAccessAcl(record.path, record.mode);
      }
      record.acl = acl_;
    }
  }

  catalog::CatalogWriter& writer_;
  tools::ProgressCounters* progress_;
  tools::Logger* log_;
  std::string acl_path_;                    // the file whose ACL acl_ is
  std::optional<AclSummary> acl_;
};

std::optional<std::pair<uint64_t, uint64_t>> DevIno(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return std::make_pair(static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino));
}

struct CommonOptions {
  std::vector<std::string> rule_files;
};

// The rule set of `o`; a --rules pack that cannot be read or has an error
// is the user's to fix, a usage error (its first error, with its line: the
// full list is for `rules check`).
Result<std::shared_ptr<const classifiers::RuleSet>> LoadRules(const CommonOptions& o) {
  return tools::LoadRulePacks(o.rule_files);
}

// ---- scan -----------------------------------------------------------------

struct ScanArgs {
  CommonOptions common;
  // The rule set of common.rule_files if already loaded (a job's, by
  // CheckJob); null: RunScan loads it.
  std::shared_ptr<const classifiers::RuleSet> loaded_rules;
  std::vector<std::string> roots;
  std::string catalog = "phiscan.db";
  std::string key;
  int threads = 0;
  size_t chunk_size = 0;
  uint64_t max_file_size = 0;
  bool full = false;
  bool quiet = false;
  scanner::ScanLimits limits;
  // Filters (scanner/path_filter.h).
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::string exclude_from;
  bool one_file_system = false;
  bool follow_symlinks = false;
  // Operations.
  std::string log_format;  // "" = no log unless --log-file
  std::string log_file;
  bool progress = false;   // draw the progress line even when stderr is not a terminal
  std::string fail_on;     // a label or type id
  bool strict = false;     // exit 3 when there are coverage gaps
  bool allow_empty_root = false;  // trust a root that shows none of its files
};

// Whether `path` is `root` or lies under it: the catalog filter matches raw
// byte prefixes, so /a/share would also take in /a/share2.
bool UnderRoot(const std::string& path, const std::string& root) {
  if (path.size() < root.size() || path.compare(0, root.size(), root) != 0) return false;
  return path.size() == root.size() || (!root.empty() && root.back() == '/') ||
         path[root.size()] == '/';
}

// Whether `path` is a YAML file (by its name) whose first lines hold a
// rule pack's top-level `types:` or `pack:` key.
bool LooksLikeRulePack(const std::string& path) {
  const std::string_view name(path);
  if (!name.ends_with(".yaml") && !name.ends_with(".yml")) return false;
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(path);
  std::string line;
  for (int n = 0; n < 200 && std::getline(in, line); ++n) {
    if (line.starts_with("types:") || line.starts_with("pack:")) return true;
  }
  return false;
}

// Warns on stderr, --quiet or not, when `path`, a regular file phiscan
// writes (`what`: "catalog"), is open to its group or others, saying what
// it `holds`.
void WarnIfShared(const char* what, const std::string& path, const char* holds) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0) return;
  std::cerr << fmt::format(
      "phiscan: warning: {} {} is readable or writable by {} (mode {:04o}); it {}: chmod 600 "
      "it\n",
      what, EscapeBytes(path), (st.st_mode & 007) != 0 ? "others" : "its group", st.st_mode & 07777,
      holds);
}

// Counts the files run `run` marked removed that are still on disk, each
// left out by `filter` under every root it lies under (the walk applies the
// filters relative to each root, and a nested root is walked on its own
// when there are filters).
Result<uint64_t> CountRemovedByFilter(const std::string& catalog_path,
                                      const std::vector<std::string>& roots, int64_t run,
                                      const scanner::PathFilter& filter) {
  auto reader = catalog::CatalogReader::Open(catalog_path);
  if (!reader.ok()) return reader.status();
  auto excluded_under = [&](const std::string& path, const std::string& root) {
    std::string_view rel(path);
    rel.remove_prefix(root.size());
    while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
    return filter.LeavesOut(rel);
  };
  uint64_t left_out = 0;
  catalog::Filter f;
  f.removed_in_run = run;
  Status s = reader.value()->ListAssets(f, [&](const catalog::AssetRow& a) {
    if (a.member || a.kind != AssetKind::kFile) return;
    bool under = false, excluded = true;
    for (const std::string& root : roots) {
      if (a.path.size() <= root.size() || !UnderRoot(a.path, root)) continue;
      under = true;
      excluded = excluded && excluded_under(a.path, root);
    }
    struct stat st;
    if (under && excluded && lstat(a.path.c_str(), &st) == 0) ++left_out;
  });
  if (!s.ok()) return s;
  return left_out;
}

// Counts present assets under `roots` that reach `fail_on`: a type id at
// `type_min_score` or more (tools::FailOnMinScore), or a label if
// `type_min_score` is 0. Reads the catalog after the run so files carried
// over unchanged count too.
struct FailOnCount {
  uint64_t assets = 0;    // all that reach it
  uint64_t labelled = 0;  // of them, those with the label (a label's count)
};
Result<FailOnCount> CountFailOn(const std::string& catalog_path,
                                const std::vector<std::string>& roots, const std::string& fail_on,
                                int type_min_score) {
  const bool is_type = type_min_score > 0;
  auto reader = catalog::CatalogReader::Open(catalog_path);
  if (!reader.ok()) return reader.status();
  // A label that is also a category (PHI, PII, PCI, CREDENTIALS) also
  // counts the assets holding a type of that category at medium confidence
  // or above whatever label won: a card number in a file labelled PHI must
  // still fail `--fail-on PCI`.
  std::vector<std::string> type_ids;
  if (is_type) {
    type_ids.push_back(fail_on);
  } else {
    const std::string category = fail_on == "CREDENTIALS" ? "CREDENTIAL" : fail_on;
    auto defs = reader.value()->TypeDefinitions();
    if (!defs.ok()) return defs.status();
    for (const auto& [id, def] : *defs) {
      if (def.category == category) type_ids.push_back(id);
    }
  }
  std::set<std::pair<std::string, std::string>> hit;  // (path, member)
  auto count = [&](const std::string& root, catalog::Filter f) -> Status {
    f.path_prefix = root;
    return reader.value()->ListAssets(f, [&](const catalog::AssetRow& a) {
      if (UnderRoot(a.path, root)) hit.insert({a.path, a.member.value_or(std::string("\0", 1))});
    });
  };
  FailOnCount result;
  if (!is_type) {
    for (const auto& root : roots) {
      catalog::Filter f;
      f.label = fail_on;
      if (Status s = count(root, f); !s.ok()) return s;
    }
    result.labelled = hit.size();
  }
  for (const auto& root : roots) {
    for (const auto& id : type_ids) {
      catalog::Filter f;
      f.type_id = id;
      f.min_score = is_type ? type_min_score : kMediumScore;
      if (Status s = count(root, f); !s.ok()) return s;
    }
  }
  result.assets = hit.size();
  return result;
}

// A scan root as the catalog stores it: absolute and lexically normal
// ("share", "./share/" and "/srv/x/../share" all become "/srv/share" when
// run from /srv), so one tree scanned from two working directories, or
// spelt two ways, is one inventory and not two. Symbolic links are kept as
// written, not resolved: a share mounted behind a link keeps its name.
std::string CanonicalRoot(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(root), ec);
  if (ec) return root;
  std::string out = p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// Whether walking `outer` reaches `inner` (strictly below it, both
// canonical) under the same path: every directory from `outer` down to
// `inner`'s parent can be listed, and no step on the way is a symbolic link
// (the walk does not follow them) or, with --one-file-system, on another
// file system. Anything else, or any doubt, is false.
bool WalkReaches(const std::string& outer, const std::string& inner, bool one_file_system) {
  struct stat top;
  if (stat(outer.c_str(), &top) != 0 || !S_ISDIR(top.st_mode)) return false;
  std::string dir = outer;
  size_t pos = outer.size() + (outer.back() == '/' ? 0 : 1);
  while (pos < inner.size()) {
    // The walk lists `dir` only if it may read and search it.
    if (faccessat(AT_FDCWD, dir.c_str(), R_OK | X_OK, AT_EACCESS) != 0) return false;
    size_t end = inner.find('/', pos);
    if (end == std::string::npos) end = inner.size();
    const std::string next = inner.substr(0, end);
    struct stat st;
    if (lstat(next.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return false;
    if (one_file_system && st.st_dev != top.st_dev) return false;
    dir = next;
    pos = end + 1;
  }
  return true;
}

// The roots to walk: `roots` (canonical, each once) without a root that the
// walk of another one already covers, so that `scan /srv /srv/hr`
// reads and counts each file of /srv/hr once, not twice. A nested root is
// still walked whenever the outer walk might miss it (WalkReaches), and
// always under --include/--exclude, whose globs are relative to each root.
// The run records every root as given, once.
std::vector<std::string> WalkRoots(const std::vector<std::string>& roots, bool one_file_system,
                                   bool filtered) {
  std::vector<std::string> out;
  for (size_t i = 0; i < roots.size(); ++i) {
    bool covered = false;
    for (size_t j = 0; j < roots.size() && !covered; ++j) {
      if (j != i && !filtered && UnderRoot(roots[i], roots[j])) {
        covered = WalkReaches(roots[j], roots[i], one_file_system);
      }
    }
    if (!covered) out.push_back(roots[i]);
  }
  return out;
}

int RunScan(const ScanArgs& typed_args) {
  ScanArgs args = typed_args;
  // A root given twice (`share ./share/`) is one root: recorded, walked
  // and warned about once.
  std::vector<std::string> roots;
  for (const auto& root : args.roots) {
    std::string canonical = CanonicalRoot(root);
    if (std::find(roots.begin(), roots.end(), canonical) == roots.end()) {
      roots.push_back(std::move(canonical));
    }
  }
  args.roots = std::move(roots);
  // Installed first, so a Ctrl-C during start-up (rule compilation, catalog
  // open) still ends with a clean exit rather than a killed process.
  InstallSignalHandlers();
  auto rules = args.loaded_rules
                   ? Result<std::shared_ptr<const classifiers::RuleSet>>(args.loaded_rules)
                   : LoadRules(args.common);
  if (!rules.ok()) return Fail(kExitUsage, rules.status().message());
  const tools::RuleCache rule_cache = tools::RuleCache::FromEnvironment();
  const bool rules_cached = rule_cache.Load(*rules.value());

  scanner::ScanOptions options;
  // No more than the CPUs this process may run on, which is all libtbb
  // runs (and it would say so on stderr, --quiet or not); said below.
  options.threads = args.threads > 0 ? std::min(args.threads, scanner::MaxScanThreads())
                                     : scanner::MaxScanThreads();
  options.limits = args.limits;
  if (args.chunk_size > 0) options.limits.chunk_size = args.chunk_size;
  options.limits.max_file_size = args.max_file_size;
  {
    // Roots are checked before the catalog is touched: a typo must not leave a run behind.
    scanner::Walker probe({});
    Status s = probe.CheckRoots(args.roots);
    if (!s.ok()) return Fail(kExitUsage, s.message());
  }
  // `--rules a.yaml b.yaml` gives one pack and a root: a repeatable flag
  // takes one value. Said, since the pack the user meant is not loaded.
  if (!args.quiet) {
    for (const std::string& root : args.roots) {
      if (LooksLikeRulePack(root)) {
        std::cerr << "phiscan: note: root " << EscapeBytes(root)
                  << " looks like a rule pack; it is scanned as a file. To load it, give it "
                     "its own --rules\n";
      }
    }
  }
  scanner::PathFilter filter;
  for (const auto& g : args.include) {
    if (Status s = filter.AddInclude(g); !s.ok()) return Fail(kExitUsage, "--include: " + s.message());
  }
  for (const auto& g : args.exclude) {
    if (Status s = filter.AddExclude(g); !s.ok()) return Fail(kExitUsage, "--exclude: " + s.message());
  }
  if (!args.exclude_from.empty()) {
    if (Status s = filter.AddExcludesFromFile(args.exclude_from); !s.ok()) {
      // One that cannot be read through is no usage error.
      return Fail(s.code() == StatusCode::kIoError ? kExitFatal : kExitUsage, s.message());
    }
  }
  options.walk.filter = filter.empty() ? nullptr : &filter;
  options.walk.one_file_system = args.one_file_system;
  options.walk.follow_symlinks = args.follow_symlinks;
  int fail_on_type_score = 0;  // 0: --fail-on names a label
  if (!args.fail_on.empty()) {
    if (Status s = tools::CheckFailOn(args.fail_on, *rules.value()); !s.ok()) {
      return Fail(kExitUsage, "--fail-on: " + s.message());
    }
    if (rules.value()->FindType(args.fail_on) >= 0) {
      fail_on_type_score = tools::FailOnMinScore(args.fail_on, *rules.value());
    }
  }
  std::string key_path = args.key.empty() ? args.catalog + ".key" : args.key;
  // If the catalog then cannot be opened (not a catalog, a newer schema),
  // the key and lock files this run created go again: a failed run leaves
  // nothing behind.
  const bool had_key = access(key_path.c_str(), F_OK) == 0;
  // Whether earlier runs made tokens with a key: then a missing key is a
  // lost or mistyped one, not a first run's (an empty file made for the
  // catalog, or a catalog without runs, has none).
  bool had_runs = false;
  if (!had_key && access(args.catalog.c_str(), F_OK) == 0) {
    auto reader = catalog::CatalogReader::Open(args.catalog);
    if (reader.ok()) {
      auto ids = reader.value()->KeyIds();
      had_runs = ids.ok() && !ids.value().empty();
    } else {
      // An older catalog, which this run will upgrade, was scanned before
      // (not a newer one, which the writer refuses below).
      had_runs = reader.status().message().find(" to upgrade it to version ") != std::string::npos;
    }
  }
  // A key named on the command line that is not there is a typo or the
  // wrong mount far more often than a wish for new tokens: a new key would
  // make every earlier token unmatchable and every file be read again.
  if (had_runs && !args.key.empty()) {
    return Fail(kExitUsage,
                "--key " + EscapeBytes(args.key) +
                    ": not found, and the catalog's earlier runs "
                    "made their tokens with a key; give that key. To start new tokens on purpose, "
                    "create the file first: (umask 077; head -c 32 /dev/urandom > FILE)");
  }
  std::unique_ptr<tools::Logger> log;
  if (!args.log_format.empty() || !args.log_file.empty()) {
    // Checked by --log-format (scan and run, which set it).
    const tools::LogFormat format =
        *tools::ParseLogFormat(args.log_format.empty() ? "text" : args.log_format);
    if (args.log_file.empty()) {
      log = std::make_unique<tools::Logger>(format);
    } else if (tools::IsCatalogFile(args.log_file, args.catalog, args.key)) {
      return Fail(kExitUsage, "--log-file " + EscapeBytes(args.log_file) +
                                  " is one of the catalog's own files; choose another name");
    } else {
      auto opened = tools::Logger::OpenFile(format, args.log_file);
      if (!opened.ok()) return Fail(kExitFatal, opened.status().message());
      log = std::move(opened.value());
      // Made 0600 here; one made looser before (by hand, by a log rotator)
      // hands the paths of sensitive files to its other readers. Told, not
      // changed: its mode is its owner's choice.
      WarnIfShared("log file", args.log_file, "names the files that hold sensitive data");
    }
  }
  // From here an error ends the run, and a job's log says why too: an
  // alert may watch only the log (a failed run left it empty).
  auto fail = [&log](int code, const std::string& message) {
    if (log) log->Event("error", "scan_failed", message);
    return Fail(code, message);
  };
  // Every usage check is done: only now may files appear next to the catalog.
  // Its folder must exist (the key beside it would be the first to fail).
  if (struct stat st; stat(args.catalog.c_str(), &st) != 0) {
    const std::filesystem::path folder = std::filesystem::path(args.catalog).parent_path();
    if (!folder.empty() && !std::filesystem::is_directory(folder)) {
      return fail(kExitFatal, "cannot create catalog " + EscapeBytes(args.catalog) + ": folder " +
                                  EscapeBytes(folder.string()) + " does not exist");
    }
  }
  const std::string lock_path = args.catalog + ".lock";
  const bool had_lock = access(lock_path.c_str(), F_OK) == 0;
  // One writer per catalog; the lock outlives the run and dies with the
  // process. Taken before the key is made: a run turned away (75) leaves
  // no key of its own behind.
  auto lock = tools::RunLock::Acquire(args.catalog);
  if (!lock.ok()) {
    return fail(lock.status().code() == StatusCode::kLimitExceeded ? kExitLocked : kExitFatal,
                lock.status().message());
  }
  auto key = tools::LoadOrCreateTokenKey(key_path);
  if (!key.ok()) {
    if (!had_lock) unlink(lock_path.c_str());
    return fail(kExitFatal, key.status().message());
  }

  auto writer = catalog::CatalogWriter::Open(args.catalog);
  if (!writer.ok()) {
    if (!had_key) unlink(key_path.c_str());
    if (!had_lock) unlink(lock_path.c_str());
    return fail(kExitFatal, writer.status().message());
  }
  // A catalog created here is 0600; one made looser since (a copy, a chmod
  // to share reports) hands its paths, labels and masked values to more
  // readers. Said even with --quiet, as a share that did not mount is.
  WarnIfShared("catalog", args.catalog, "lists where sensitive data is");
  // A catalog whose key went missing (deleted, or the catalog moved
  // without it) gets a new one, and with it tokens that match nothing
  // recorded before: every file is read again and locate no longer finds
  // earlier values. Said even with --quiet: the old key may still be found.
  if (had_runs) {
    std::cerr << fmt::format(
        "phiscan: warning: key {} was not found, so a new one was created: tokens from earlier "
        "runs no longer match, and every file is read again. If the key was moved, put it "
        "back (or give --key) before the next run\n",
        EscapeBytes(key_path));
  }
  if (int stale = writer.value()->stale_runs_marked(); stale > 0 && !args.quiet) {
    std::cerr << fmt::format("phiscan: {} ended without finishing; marked interrupted\n",
                             tools::Counted(stale, "earlier run"));
  }
  if (args.threads > options.threads) {
    // --threads, or a job's threads:, written for a larger machine: the
    // results are the same, only the scan is no faster.
    const std::string note = fmt::format(
        "{} threads asked for, but this process may run on {} CPUs; scanning with {}",
        args.threads, options.threads, options.threads);
    if (!args.quiet) std::cerr << "phiscan: " << note << "\n";
    if (log) {
      log->Event("info", "threads_limited", note,
                 {{"requested", args.threads}, {"threads", options.threads}});
    }
  }

  const std::string key_id = tools::KeyFingerprint(key.value());
  // What a file's results depend on besides its bytes: the rules, and
  // whether binaries are classified (a file skipped as binary is final, so
  // turning --scan-binary on or off must read it again).
  const std::string classified_with =
      rules.value()->version() + (options.limits.scan_binary ? "+scan-binary" : "");
  // Incremental by default: files whose identity, rules and key are as the
  // catalog recorded them are carried over unread.
  std::unique_ptr<tools::CatalogPriorState> prior;
  if (!args.full) {
    auto loaded = tools::CatalogPriorState::Load(*writer.value(), classified_with, key_id);
    if (!loaded.ok()) return fail(kExitFatal, loaded.status().message());
    prior = std::move(loaded.value());
    options.prior = prior.get();
  }

  catalog::RunInfo info;
  info.roots = args.roots;
  info.rules_version = classified_with;
  info.key_id = key_id;
  info.allow_empty_roots = args.allow_empty_root;
  nlohmann::json opts = {{"threads", options.threads},
                         {"chunk_size", options.limits.chunk_size},
                         {"max_file_size", options.limits.max_file_size},
                         {"max_expanded_bytes", options.limits.max_expanded_bytes},
                         {"max_members", options.limits.max_members},
                         {"max_depth", options.limits.max_depth},
                         {"max_time_ms", options.limits.max_time_ms},
                         {"max_buffered_member", options.limits.max_buffered_member},
                         {"scan_binary", options.limits.scan_binary},
                         {"full", args.full},
                         {"allow_empty_root", args.allow_empty_root},
                         {"rules", nlohmann::json::array()}};
  for (const auto& r : args.common.rule_files) opts["rules"].push_back(EscapeBytes(r));
  // The filters decide what a run marks removed: an auditor reading the
  // run later must see them.
  if (!filter.empty()) {
    opts["include"] = nlohmann::json::array();
    opts["exclude"] = nlohmann::json::array();
    for (const auto& g : args.include) opts["include"].push_back(EscapeBytes(g));
    for (const auto& g : args.exclude) opts["exclude"].push_back(EscapeBytes(g));
    // The file may change between runs: its rules are recorded by count
    // and digest, never as lines (a data file given by mistake would put
    // its records in the catalog).
    if (!args.exclude_from.empty()) {
      std::error_code ec;
      const std::filesystem::path where = std::filesystem::absolute(args.exclude_from, ec);
      std::string rules_read;
      for (const auto& g : filter.file_excludes()) rules_read += g + "\n";
      opts["exclude_from"] = {{"path", EscapeBytes(ec ? args.exclude_from : where.string())},
                              {"rules", filter.file_excludes().size()},
                              {"sha256", classifiers::Sha256Hex(rules_read, 8)}};
    }
  }
  info.options_json = opts.dump();
  for (const auto& t : rules.value()->types()) {
    info.types.push_back({t.id, t.name, t.category, t.hipaa_class, t.normalize});
  }
  auto run = writer.value()->BeginRun(info);
  if (!run.ok()) return fail(kExitFatal, run.status().message());

  // Never scan our own output, wherever the catalog sits relative to the roots.
  for (const char* suffix : catalog::kCatalogFileSuffixes) {
    if (auto id = DevIno(args.catalog + suffix)) options.skip.push_back(*id);
  }
  if (auto id = DevIno(key_path)) options.skip.push_back(*id);
  // Nor the log this run appends to: it changes while the walk runs.
  if (!args.log_file.empty()) {
    if (auto id = DevIno(args.log_file)) options.skip.push_back(*id);
  }

  auto started = std::chrono::steady_clock::now();
  scanner::WalkProgress walk_progress;
  tools::ProgressCounters counters;
  counters.walk = &walk_progress;
  counters.compiling = [r = rules.value()] { return !r->database_ready(); };
  options.progress = &walk_progress;
  std::unique_ptr<tools::ProgressLine> progress_line;
  if (!args.quiet && (args.progress || isatty(STDERR_FILENO))) {
    progress_line = std::make_unique<tools::ProgressLine>(stderr, counters);
  }
  CatalogSink sink(*writer.value(), &counters, log.get());
  scanner::ScanPipeline pipeline(options, rules.value(), &key.value());
  const std::vector<std::string> walk_roots =
      WalkRoots(args.roots, args.one_file_system, !filter.empty());
  auto stats = pipeline.Run(walk_roots, sink, g_cancel);
  if (progress_line) progress_line->Stop();
  // Compiled in this run and not kept: every run will compile them again
  // (about a second for the built-in pack), which nothing else would show.
  if (!rule_cache.Store(*rules.value()) && !rule_cache.disabled() &&
      rules.value()->database_ready() && !rules.value()->database_adopted() && !args.quiet) {
    std::cerr << fmt::format(
        "phiscan: note: the compiled rules could not be kept in {}, so each run compiles them "
        "again; PHISCAN_CACHE_DIR names another folder (off: none)\n",
        EscapeBytes(rule_cache.dir()));
  }
  bool interrupted = g_cancel.load();
  // Roots under which the filters left out every file the walk found (with
  // the number of entries left out): a glob that matches nothing there, a
  // typo or the wrong root, not a share that did not mount. Nothing under
  // them is marked removed, and they are no coverage gap.
  std::vector<std::pair<std::string, uint64_t>> filtered_out;
  if (stats.ok() && !interrupted && !filter.empty()) {
    std::vector<std::string> names;
    for (size_t i = 0; i < walk_roots.size() && i < stats.value().roots.size(); ++i) {
      const scanner::RootWalkStats& walked = stats.value().roots[i];
      if (walked.files == 0 && walked.filtered > 0) {
        filtered_out.emplace_back(walk_roots[i], walked.filtered);
        names.push_back(walk_roots[i]);
      }
    }
    writer.value()->SetFilteredOutRoots(std::move(names));
  }
  Status finish = writer.value()->FinishRun(
      !stats.ok() ? catalog::RunStatus::kFailed
                  : (interrupted ? catalog::RunStatus::kInterrupted
                                 : catalog::RunStatus::kCompleted));
  if (!stats.ok()) return fail(kExitUsage, stats.status().message());
  if (!finish.ok()) return fail(kExitFatal, finish.message());
  if (Status w = writer.value()->write_error(); !w.ok()) return fail(kExitFatal, w.message());

  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // Roots that showed none of their files: recorded as gaps, nothing under
  // them removed. Always on stderr, --quiet or not: a scheduled job's
  // share did not mount.
  const std::vector<catalog::GuardedRoot>& guarded = writer.value()->guarded_roots();
  for (const catalog::GuardedRoot& g : guarded) {
    std::cerr << fmt::format(
        "phiscan: warning: root {} showed none of the {} the catalog holds under it "
        "({}: {}); recorded as a coverage gap, nothing under it marked removed. If it was "
        "emptied on purpose, scan it again with --allow-empty-root\n",
        EscapeBytes(g.root), tools::Counted(g.held, "file"), g.reason,
        g.reason == "root_empty" ? "it lists nothing: is the share mounted?"
                                 : "only files new to the catalog: another file system?");
    if (log) {
      log->Event("warn", "root_guarded", "root showed none of its files; nothing removed",
                 {{"root", EscapeBytes(g.root)}, {"reason", g.reason}, {"held", g.held}});
    }
  }
  // A usage error found only by walking: said even with --quiet, and it
  // exits 2 once the run is recorded.
  for (const auto& [root, left_out] : filtered_out) {
    std::cerr << fmt::format(
        "phiscan: error: root {}: the --include/--exclude filters left out every file under it "
        "({} entries); nothing under it was scanned, and {}. Globs match paths relative to "
        "the root\n",
        EscapeBytes(root), left_out,
        args.allow_empty_root
            ? "what the catalog held there was marked removed (--allow-empty-root)"
            : "nothing under it marked removed");
    if (log) {
      log->Event("error", "root_filtered_out",
                 "filters left out every file under the root; nothing under it scanned",
                 {{"root", EscapeBytes(root)}, {"left_out", left_out}});
    }
  }
  // A root folder that could not be opened (its permissions changed, the
  // service account lost access): its walk is a recorded gap and the files
  // under it keep their last results, as for a share that did not mount,
  // and it is told the same way, since its owner would otherwise never
  // know. A root that is a file was named as much as a folder is: one the
  // account cannot read is told too (its gap alone exits 3 only with
  // --strict). O_NONBLOCK: opening it never waits (CheckRoots took only
  // files and folders, but either may have been replaced since).
  size_t unreadable_roots = 0;
  for (const std::string& root : args.roots) {
    struct stat rst;
    if (stat(root.c_str(), &rst) != 0) continue;
    const bool folder = S_ISDIR(rst.st_mode);
    if (!folder && !S_ISREG(rst.st_mode)) continue;
    const int fd =
        open(root.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | (folder ? O_DIRECTORY : O_NONBLOCK));
    if (fd >= 0) {
      close(fd);
      continue;
    }
    const int err = errno;
    if (err != EACCES && err != EPERM) continue;
    ++unreadable_roots;
    std::cerr << fmt::format(
        "phiscan: warning: root {} could not be opened ({}); {}\n", EscapeBytes(root),
        std::strerror(err),
        folder ? "nothing under it was read: recorded as a coverage gap, nothing under it "
                 "marked removed"
               : "it was not read: recorded as a coverage gap (its results from an earlier "
                 "run, if any, kept)");
    if (log) {
      log->Event("warn", "root_unreadable", "root could not be opened; nothing under it read",
                 {{"root", EscapeBytes(root)}});
    }
  }
  // Files the catalog held that this run's filters left out are marked
  // removed like deleted ones (the catalog holds what the last run
  // covered), which `diff` and the event feed then report as removed:
  // said, so that a changed filter is not taken for deleted PHI.
  if (!filter.empty() && writer.value()->removed() > 0 && (!args.quiet || log)) {
    // A note: a catalog that cannot be read here is said, not fatal.
    auto left_out = CountRemovedByFilter(args.catalog, args.roots, run.value(), filter);
    if (!left_out.ok()) {
      const std::string why =
          "could not count the files the filters left out (the run is "
          "recorded): " +
          left_out.status().message();
      std::cerr << "phiscan: warning: " << tools::TerminalSafe(why) << "\n";
      if (log) log->Event("warn", "removed_by_filters_unknown", why);
    } else if (left_out.value() > 0) {
      if (!args.quiet) {
        std::cerr << fmt::format(
            "phiscan: {} marked removed {} still there, left out by --include/--exclude; "
            "phireport diff lists {} as removed (the run records its filters)\n",
            tools::Counted(left_out.value(), "file"), left_out.value() == 1 ? "is" : "are",
            left_out.value() == 1 ? "it" : "them");
      }
      if (log) {
        log->Event("warn", "removed_by_filters",
                   "files still on disk that the filters left out were marked removed",
                   {{"files", left_out.value()}});
      }
    }
  }
  // What the catalog now holds under the roots: the files read in this run
  // and those carried over unread, whose labels and gaps still stand. A
  // rescan of an unchanged share reads nothing, yet its PHI is still there.
  // Read only when something shows it: the summary, the log or --strict.
  catalog::RootTally tally;
  if (!args.quiet || log || args.strict) {
    auto reader = catalog::CatalogReader::Open(args.catalog);
    auto read = reader.ok() ? reader.value()->TallyUnderRoots(args.roots)
                            : Result<catalog::RootTally>(reader.status());
    if (!read.ok()) return fail(kExitFatal, read.status().message());
    tally = std::move(read.value());
  }
  std::string labels;
  nlohmann::json labels_json = nlohmann::json::object();
  for (const auto& [label, n] : tally.sensitive_by_label) {
    labels += (labels.empty() ? "" : ", ") + EscapeBytes(label) + " " + std::to_string(n);
    labels_json[EscapeBytes(label)] = n;
  }
  // No label is "nothing sensitive" only where everything was read: a file
  // that could not be read, or was skipped, is no clean file.
  if (labels.empty()) {
    // An interrupted run did not read everything either.
    labels = tally.gaps == 0 && !interrupted ? "nothing sensitive"
             : tally.gaps >= tally.assets    ? "none, as nothing was read in full"
                                             : "nothing sensitive in what was read";
  }
  if (!args.quiet) {
    const auto& s = stats.value();
    std::cerr << fmt::format(
        "phiscan: {} {} ({} unchanged), {} in {:.2f} s ({}/s); {}; "
        "under the roots: {}, labels: {}; {}; {} removed; catalog {} (run {})\n",
        interrupted ? "interrupted after" : "scanned", tools::Counted(s.assets, "asset"),
        s.unchanged, tools::HumanBytes(s.bytes_scanned), secs,
        tools::HumanBytes(secs > 0 ? s.bytes_scanned / secs : 0),
        tools::Counted(s.findings, "finding"), tools::Counted(tally.assets, "asset"), labels,
        tools::Counted(tally.gaps, "coverage gap"), writer.value()->removed(),
        EscapeBytes(args.catalog), run.value());
  }
  if (log) {
    const auto& s = stats.value();
    const catalog::CatalogWriter::WriterStats ws = writer.value()->writer_stats();
    log->Event(interrupted ? "warn" : "info", "scan_finished",
               interrupted ? "scan interrupted" : "scan completed",
               {{"run", run.value()}, {"assets", s.assets}, {"unchanged", s.unchanged},
                {"bytes_scanned", s.bytes_scanned}, {"findings", s.findings},
                // As the run's row counts them: files carried over unread
                // whose recorded status is a gap (skipped, encrypted) too.
                {"gaps", writer.value()->gaps()}, {"removed", writer.value()->removed()},
                {"seconds", secs},
                // The catalog under the roots, carried-over files included.
                {"assets_under_roots", tally.assets},
                {"gaps_under_roots", tally.gaps},
                {"labels_under_roots", labels_json},
                // The catalog writer's share: how long its thread was busy,
                // the located findings it wrote, and how long the scanning
                // threads waited for room in its queue (benchmarks).
                {"writer_busy_seconds", ws.busy_seconds},
                {"writer_cpu_seconds", ws.busy_cpu_seconds},
                {"findings_written", ws.findings_written},
                {"writer_queue_wait_seconds", ws.queue_wait_seconds},
                {"writer_peak_queue_bytes", ws.peak_queue_bytes},
                // Whether the compiled rules came from the cache (tools/rule_cache.h).
                {"rules_from_cache", rules_cached}});
  }
  if (interrupted) return kExitInterrupted;
  // The catalog is complete, but a job's audit trail is not: not exit 0
  // (the error was printed when the first write failed).
  if (log && !log->write_error().ok()) return kExitFatal;
  // Under --strict, gaps carried over from earlier runs (unchanged files)
  // count too. Said even when --fail-on decides the exit status.
  const bool strict_gaps = args.strict && tally.gaps > 0;
  if (strict_gaps && !args.quiet) {
    // Which gaps, so that a share's images (skipped(binary)) are not taken
    // for read errors, and what lists them.
    std::string kinds;
    for (const auto& [name, n] : tally.gaps_by_status) {
      kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", name, n);
    }
    std::cerr << fmt::format(
        "phiscan: {} under the roots {} coverage {} (--strict): {}; phireport "
        "assets --status STATUS lists them{}\n",
        tools::Counted(tally.gaps, "asset"), tally.gaps == 1 ? "is a" : "are",
        tally.gaps == 1 ? "gap" : "gaps", kinds,
        tally.gaps_by_status.count("skipped(binary)") != 0
            ? " (--scan-binary reads binary files, --exclude leaves them out)"
            : "");
  }
  if (!args.fail_on.empty()) {
    auto hits = CountFailOn(args.catalog, args.roots, args.fail_on, fail_on_type_score);
    if (!hits.ok()) return fail(kExitFatal, hits.status().message());
    const FailOnCount& reached = hits.value();
    if (reached.assets > 0) {
      if (!args.quiet) {
        // The label's count is the summary's; the rest hold one of its
        // category's types under another label (a card in a PHI file).
        const uint64_t more = reached.assets - reached.labelled;
        std::cerr << fmt::format(
            "phiscan: {} {} --fail-on {}{}\n", tools::Counted(reached.assets, "asset"),
            reached.assets == 1 ? "reaches" : "reach", args.fail_on,
            fail_on_type_score > 0 || more == 0
                ? ""
                : fmt::format(" ({} labelled {}, {} labelled otherwise holding a {} type at "
                              "medium confidence or above)",
                              reached.labelled, args.fail_on, more, args.fail_on));
      }
      // A scheduled job runs quiet, and its unit counts exit 4 as success:
      // the log is where an alert can look.
      if (log) {
        log->Event("warn", "fail_on_reached", "assets reach fail_on",
                   {{"fail_on", args.fail_on}, {"assets", reached.assets}});
      }
      // Filters that chose nothing are the job's to fix: a scheduled job
      // must fail, and its unit counts 4 as success.
      return filtered_out.empty() ? kExitFailOn : kExitUsage;
    }
  }
  if (!filtered_out.empty()) return kExitUsage;
  // Not only under --strict: a share that did not mount is no file-level gap
  // a job may accept, and nothing else would tell its owner.
  if (!guarded.empty() || unreadable_roots > 0) return kExitGaps;
  if (strict_gaps) return kExitGaps;
  return kExitOk;
}

// ---- prune ------------------------------------------------------------------

int RunPrune(const std::string& catalog_path, int keep_runs, int older_than_days, bool quiet) {
  if (keep_runs <= 0 && older_than_days <= 0) {
    return Fail(kExitUsage, "prune needs --keep-runs N or --older-than DAYS");
  }
  // Before the lock, which would create CATALOG.lock beside a catalog that
  // is not there.
  struct stat st;
  if (stat(catalog_path.c_str(), &st) != 0) {
    return Fail(kExitFatal, "catalog not found: " + EscapeBytes(catalog_path));
  }
  const std::string lock_path = catalog_path + ".lock";
  const bool had_lock = access(lock_path.c_str(), F_OK) == 0;
  auto lock = tools::RunLock::Acquire(catalog_path);
  if (!lock.ok()) {
    return Fail(lock.status().code() == StatusCode::kLimitExceeded ? kExitLocked : kExitFatal,
                lock.status().message());
  }
  auto writer = catalog::CatalogWriter::Open(catalog_path);
  if (!writer.ok()) {
    // Not a catalog this version can prune (another program's database, a
    // newer schema): nothing of this run is left beside it.
    if (!had_lock) unlink(lock_path.c_str());
    return Fail(kExitFatal, writer.status().message());
  }
  auto pruned = writer.value()->Prune(keep_runs, older_than_days);
  if (!pruned.ok()) return Fail(kExitFatal, pruned.status().message());
  if (!quiet) {
    std::cerr << fmt::format("phiscan: pruned {} and {}; oldest kept run {}\n",
                             tools::Counted(pruned.value().runs_deleted, "run"),
                             tools::Counted(pruned.value().assets_deleted, "removed asset"),
                             pruned.value().floor_run);
  }
  return kExitOk;
}

// ---- run / jobs -------------------------------------------------------------

// Flags `run` shares with `scan` that a job file does not set.
struct RunArgs {
  std::string job;
  std::string config;
  bool full = false;
  bool quiet = false;
  bool progress = false;
  bool strict = false;
  bool allow_empty_root = false;
  std::string log_format;
  std::string log_file;
};

int RunJob(const RunArgs& args) {
  const std::string config = args.config.empty() ? tools::DefaultJobsFile() : args.config;
  auto jobs = tools::LoadJobsFile(config);
  if (!jobs.ok()) return Fail(kExitFatal, jobs.status().message());
  auto job = tools::FindJob(jobs.value(), args.job);
  if (!job.ok()) return Fail(kExitUsage, job.status().message());
  const tools::JobSpec& j = job.value();
  ScanArgs scan;
  if (Status s = tools::CheckJob(j, config, &scan.loaded_rules); !s.ok()) {
    return Fail(kExitFatal, s.message());
  }
  scan.common.rule_files = j.rules;
  scan.roots = j.roots;
  scan.catalog = j.catalog;
  scan.threads = j.threads;
  scan.max_file_size = j.max_file_size;
  scan.include = j.include;
  scan.exclude = j.exclude;
  scan.exclude_from = j.exclude_from;
  scan.one_file_system = j.one_file_system;
  scan.follow_symlinks = j.follow_symlinks;
  scan.fail_on = j.fail_on;
  scan.full = args.full;
  scan.quiet = args.quiet;
  scan.progress = args.progress;
  scan.strict = args.strict;
  scan.allow_empty_root = args.allow_empty_root;
  scan.log_format = args.log_format;
  scan.log_file = args.log_file;
  return RunScan(scan);
}

int RunJobsList(const std::string& config_flag, const std::string& format_name) {
  const tools::Format format = *tools::ParseFormat(format_name);  // checked by --format
  const std::string config = config_flag.empty() ? tools::DefaultJobsFile() : config_flag;
  auto jobs = tools::LoadJobsFile(config);
  if (!jobs.ok()) return Fail(kExitFatal, jobs.status().message());
  // A job whose values name something wrong is said, and listed with the
  // rest: one typo hid every job.
  bool invalid = false;
  for (const auto& j : jobs.value()) {
    if (Status s = tools::CheckJob(j, config); !s.ok()) {
      Fail(kExitFatal, s.message());
      invalid = true;
    }
  }
  tools::RowWriter out(
      format, std::cout,
      {"name", "roots", "catalog", "schedule", "last_run", "last_status", "last_finished"});
  for (const auto& j : jobs.value()) {
    nlohmann::json roots = nlohmann::json::array();
    // As a run of the job stored them (RunScan).
    for (const auto& r : j.roots) roots.push_back(EscapeBytes(CanonicalRoot(r)));
    nlohmann::json last_run = nullptr, last_status = "never", last_finished = nullptr;
    // The last run whose roots are this job's, from the job's catalog.
    if (auto reader = catalog::CatalogReader::Open(j.catalog); reader.ok()) {
      bool found = false;
      (void)reader.value()->ListRuns([&](const catalog::RunRow& r) {
        if (found || nlohmann::json::parse(r.roots_json, nullptr, false) != roots) return;
        found = true;
        last_run = r.id;
        last_status = r.status;
        if (r.finished_at) last_finished = tools::IsoSeconds(*r.finished_at);
      });
    }
    out.Row({{"name", j.name},
             {"roots", roots},
             {"catalog", EscapeBytes(j.catalog)},
             {"schedule", j.schedule.empty() ? nlohmann::json(nullptr) : nlohmann::json(j.schedule)},
             {"last_run", last_run},
             {"last_status", last_status},
             {"last_finished", last_finished}});
  }
  out.Finish();
  return invalid ? kExitFatal : kExitOk;
}

// ---- classify -------------------------------------------------------------

struct ClassifyArgs {
  CommonOptions common;
  std::string input;
  std::string format = "table";
  size_t chunk_size = 0;
  // Findings printed per type and file (or member); 0: all. Every finding
  // is held until the file is read, about 250 bytes each: a file with an
  // identifier on every line would otherwise take gigabytes.
  uint64_t max_findings = 10'000;
  scanner::ScanLimits limits;
};

// Budget and extraction flags shared by scan and classify; defaults and
// their reasons live in scanner/limits.h.
void AddLimitFlags(CLI::App* cmd, scanner::ScanLimits& limits, uint64_t& max_time_s) {
  max_time_s = limits.max_time_ms / 1000;
  cmd->add_option("--max-expanded-bytes", limits.max_expanded_bytes,
                  "Bytes extracted from containers per top-level file, over all nesting "
                  "levels; beyond it partial(limit_bytes) (0: no limit; K, M, G, T suffixes)")
      ->capture_default_str()
      ->transform(tools::ByteCount(0, UINT64_MAX))
      ->type_name("BYTES");
  cmd->add_option("--max-members", limits.max_members,
                  "Members examined per top-level file; beyond it partial(limit_members) "
                  "(0: no limit)")
      ->capture_default_str()
      ->check(tools::WholeNumber(0, UINT64_MAX))
      ->type_name("N");
  cmd->add_option("--max-depth", limits.max_depth,
                  "Levels of containers opened (1: a top-level archive but none inside it; "
                  "0: none); deeper containers are partial(limit_depth)")
      ->capture_default_str()
      ->check(tools::WholeNumber(0, 1000))
      ->type_name("N");
  cmd->add_option("--max-time", max_time_s,
                  "Seconds per top-level file, members included; beyond it partial(limit_time) "
                  "(0: no limit)")
      ->capture_default_str()
      ->check(tools::WholeNumber(0, 1'000'000'000))
      ->type_name("SECONDS");
  cmd->add_option("--max-buffered-member", limits.max_buffered_member,
                  "Largest member needing random access (7z, SQLite, PDF inside a container) "
                  "read into memory; larger ones are partial(limit_size) (K, M, G, T suffixes)")
      ->capture_default_str()
      ->transform(tools::ByteCount(0, UINT64_MAX))
      ->type_name("BYTES");
  cmd->add_flag("--scan-binary", limits.scan_binary,
                "Classify the raw bytes of binary files no extractor understands (default: "
                "skipped(binary))");
}

int RunClassify(const ClassifyArgs& args) {
  const tools::Format format = *tools::ParseFormat(args.format);  // checked by --format
  auto rules = LoadRules(args.common);
  if (!rules.ok()) return Fail(kExitUsage, rules.status().message());
  const tools::RuleCache rule_cache = tools::RuleCache::FromEnvironment();
  rule_cache.Load(*rules.value());

  int fd = STDIN_FILENO;
  AssetRecord top;
  top.path = args.input;
  top.kind = AssetKind::kStream;
  if (args.input != "-") {
    // The file named is read, a symlink followed, as `scan` follows a root
    // given as one (the file opens without following links).
    std::string target = args.input;
    if (char* real = realpath(args.input.c_str(), nullptr)) {
      target = real;
      free(real);
    }
    // Kernel state is not stored data, as for `scan`: never read.
    if (const char* pseudo = scanner::PseudoFileSystemOf(target)) {
      return Fail(kExitUsage, EscapeBytes(args.input) + ": " + pseudo +
                                  ": kernel state, not stored data; never read");
    }
    auto file = scanner::ReadOnlyFile::Open(AT_FDCWD, target, nullptr);
    if (!file.ok()) {
      // A name that is no file to classify (a typo, a directory) is the
      // user's to fix, as a missing root of `scan` is; a file that cannot be
      // read is not.
      const StatusCode code = file.status().code();
      if (code == StatusCode::kNotFound || code == StatusCode::kUnsupported) {
        return Fail(kExitUsage, EscapeBytes(args.input) + ": " + file.status().message() +
                                    " (classify takes one file, or - for standard input)");
      }
      return Fail(kExitFatal, EscapeBytes(args.input) + ": " + file.status().message());
    }
    top.kind = AssetKind::kFile;
    fd = dup(file.value().fd());
  }
  // Tokens are not printed here, so a key that is never stored is enough.
  classifiers::TokenKey key = classifiers::TokenKey::Ephemeral();
  scanner::ScanLimits limits = args.limits;
  limits.max_locators = args.max_findings == 0 || args.max_findings > (1 << 30)
                           ? 1 << 30
                           : static_cast<int>(args.max_findings);
  if (args.chunk_size > 0) limits.chunk_size = args.chunk_size;
  scanner::Extractor extractor(rules.value(), &key, limits);
  std::vector<AssetRecord> records;
  scanner::ClassifyDescriptor(fd, extractor, std::move(top), records);
  if (fd != STDIN_FILENO) close(fd);
  rule_cache.Store(*rules.value());

  tools::RowWriter out(
      format, std::cout,
      {"path", "member", "type", "confidence", "score", "start", "end", "line", "masked"});
  for (const auto& record : records) {
    for (const auto& f : record.findings) {
      out.Row({{"path", tools::PathValue(record.path)},
               {"member", record.member ? tools::PathValue(*record.member) : nullptr},
               {"type", f.type_id},
               {"confidence", ConfidenceName(ConfidenceFromScore(f.score))},
               {"score", f.score},
               {"start", f.start},
               {"end", f.end},
               {"line", f.line},
               {"masked", f.masked}});
    }
  }
  out.Finish();
  for (const auto& record : records) {
    const std::string name =
        EscapeBytes(record.path) + (record.member ? "!" + EscapeBytes(*record.member) : "");
    for (const auto& t : record.types) {
      const auto shown = static_cast<uint64_t>(
          std::count_if(record.findings.begin(), record.findings.end(),
                        [&](const FindingRecord& f) { return f.type_id == t.type_id; }));
      if (t.count > shown) {
        std::cerr << fmt::format(
            "phiscan: {}: {} {} findings, the first {} shown (--max-findings)\n", name, t.count,
            t.type_id, shown);
      }
    }
    if (record.status != AssetStatus::kComplete) {
      std::cerr << "phiscan: " << name << ": " << AssetStatusName(record.status)
                << (record.reason.empty() ? "" : "(" + record.reason + ")") << "\n";
    }
  }
  return kExitOk;
}

// ---- rules ----------------------------------------------------------------

int RunRulesList(const CommonOptions& common, const std::string& format_name) {
  const tools::Format format = *tools::ParseFormat(format_name);  // checked by --format
  auto rules = LoadRules(common);
  if (!rules.ok()) return Fail(kExitUsage, rules.status().message());
  tools::RowWriter out(format, std::cout,
                       {"id", "name", "category", "hipaa", "patterns", "validators", "source"});
  for (const auto& t : rules.value()->types()) {
    std::vector<std::string> validators;
    for (const auto& p : t.patterns) {
      if (!p.validator.empty() &&
          std::find(validators.begin(), validators.end(), p.validator) == validators.end()) {
        validators.push_back(p.validator);
      }
    }
    std::string vlist;
    for (const auto& v : validators) vlist += (vlist.empty() ? "" : ",") + v;
    out.Row({{"id", t.id},
             {"name", t.name},
             {"category", t.category},
             {"hipaa", t.hipaa_class ? nlohmann::json(t.hipaa_class) : nlohmann::json(nullptr)},
             {"patterns", t.patterns.size()},
             {"validators", vlist},
             {"source", tools::PathValue(t.source)}});
  }
  out.Finish();
  // The version a scan records in its run (runs' rules_version), for people
  // only: the table's last line, never a row of csv or json.
  if (format == tools::Format::kTable) {
    std::cout << "\nrules version " << rules.value()->version() << " ("
              << rules.value()->types().size() << " types)\n";
  }
  return kExitOk;
}

// Checks the packs together, as `scan --rules A --rules B` loads them, and
// prints every error (one line each, at most kMaxErrorsPerPack per pack).
int RunRulesCheck(const std::vector<std::string>& files) {
  std::vector<classifiers::PackText> packs;
  bool unreadable = false;
  for (const auto& f : files) {
    auto pack = tools::ReadRulePackFile(f);
    if (!pack.ok()) {
      std::cerr << tools::TerminalSafe(pack.status().message()) << "\n";
      unreadable = true;
      continue;
    }
    packs.push_back(std::move(pack).value());
  }
  if (unreadable) return kExitFatal;
  // The compiled database goes to the rule cache, so the next scan with
  // these packs starts without compiling (and a check of packs compiled
  // before is quick: the cached database came from the same expressions).
  const tools::RuleCache rule_cache = tools::RuleCache::FromEnvironment();
  rule_cache.LoadWidths();
  classifiers::PackCheck check = classifiers::CheckRulePacks(
      packs, [&](const classifiers::RuleSet& r) { return rule_cache.LoadOrCompile(r); });
  rule_cache.StoreWidths();
  for (const auto& n : check.notes) std::cerr << tools::TerminalSafe(n) << "\n";
  if (!check.errors.empty()) {
    // As `scan` prints the same error (Fail): control bytes escaped, a
    // regex's backslashes as written.
    for (const auto& e : check.errors) std::cerr << tools::TerminalSafe(e) << "\n";
    return kExitFatal;
  }
  std::string names;
  for (const auto& f : files) names += (names.empty() ? "" : ", ") + EscapeBytes(f);
  std::cout << names << ": ok (" << check.rules->types().size()
            << " types with the built-in pack, rules version " << check.rules->version() << ")\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  HardenProcess();
  CLI::App app{
      "phiscan: find PHI, PII, payment data and credentials in files, and keep an "
      "inventory in a local catalog.",
      "phiscan"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "phiscan 0.1.0");

  ScanArgs scan;
  auto* scan_cmd = app.add_subcommand("scan", "Walk PATHs, classify every file, record the "
                                              "results in the catalog.");
  scan_cmd->add_option("PATH", scan.roots, "Files or directories to scan")->required();
  scan_cmd->add_option("--catalog", scan.catalog, "Catalog file (created 0600 if missing)")
      ->capture_default_str();
  scan_cmd->add_option("--key", scan.key,
                       "Token key file (default: CATALOG.key; created 0600 on first use)");
  scan_cmd
      ->add_option("--threads", scan.threads,
                   "Worker threads (default and most: the CPUs it may run on)")
      ->check(tools::WholeNumber(1, 1024))
      ->type_name("N");
  scan_cmd->add_option("--rules", scan.common.rule_files,
                       "Extra rule pack (YAML); repeatable; later packs override earlier ones");
  scan_cmd->add_option("--max-file-size", scan.max_file_size,
                       "Classify at most this many bytes per file; larger files are recorded "
                       "as partial(limit_size) (default: no limit); K, M, G, T suffixes: 100M")
      ->transform(tools::ByteCount(0, UINT64_MAX))
      ->type_name("BYTES");
  scan_cmd->add_option("--chunk-size", scan.chunk_size,
                       "Bytes read and classified at a time (default 1048576)")
      ->transform(tools::ByteCount(1, uint64_t{1} << 30))
      ->type_name("BYTES");
  scan_cmd->add_flag("--full", scan.full,
                     "Read and classify every file again, even those unchanged since the last "
                     "scan (default: carry over files whose identity, rules and key match)");
  scan_cmd->add_flag("--quiet,-q", scan.quiet, "Print nothing but errors");
  scan_cmd->add_option("--include", scan.include,
                       "Scan only files matching this glob (gitignore syntax; repeatable)");
  scan_cmd->add_option("--exclude", scan.exclude,
                       "Skip files and directories matching this glob (gitignore syntax; "
                       "repeatable)");
  scan_cmd->add_option("--exclude-from", scan.exclude_from,
                       "Read exclude globs from FILE, one per line ('#' comments)");
  scan_cmd->add_flag("--one-file-system", scan.one_file_system,
                     "Do not descend into other filesystems below a root");
  scan_cmd->add_flag("--follow-symlinks", scan.follow_symlinks,
                     "Follow symbolic links (directories are walked once; loops are recorded)");
  scan_cmd
      ->add_option("--log-format", scan.log_format,
                   "Log coverage gaps and a summary: text or json (to stderr unless --log-file)")
      ->check(tools::OneOf({"text", "json"}));
  scan_cmd->add_option("--log-file", scan.log_file, "Append the log to FILE (created 0600)");
  scan_cmd
      ->add_flag("--progress", scan.progress,
                 "Draw the progress line even when stderr is not a terminal")
      ->excludes("--quiet");
  scan_cmd->add_option("--fail-on", scan.fail_on,
                       "Exit 4 if any asset under the roots (read this run or carried over "
                       "unread) has this label (e.g. PHI) or this type (e.g. US_SSN) at medium "
                       "confidence or more (DATE, never more than low: at any); a label that is "
                       "also a category (PHI, PII, PCI, CREDENTIALS) also counts assets holding "
                       "it");
  scan_cmd->add_flag("--strict", scan.strict, "Exit 3 if any asset is a coverage gap");
  const char* const kAllowEmptyRootHelp =
      "Accept a root that shows none of the files the catalog holds under it (emptied on "
      "purpose) and mark them removed; without it such a root (an unmounted share) is "
      "recorded as a coverage gap, nothing under it is removed, and the exit code is 3";
  scan_cmd->add_flag("--allow-empty-root", scan.allow_empty_root, kAllowEmptyRootHelp);

  RunArgs run_args;
  auto* run_cmd = app.add_subcommand("run", "Run a named job from the job file.");
  run_cmd->add_option("JOB", run_args.job, "Job name")->required();
  run_cmd->add_option("--config", run_args.config,
                      "Job file (default: $PHISCAN_CONFIG or /etc/phiscan/jobs.yaml)");
  run_cmd->add_flag("--full", run_args.full, "Re-read every file, ignoring incremental state");
  run_cmd->add_flag("--quiet,-q", run_args.quiet, "Print nothing but errors");
  run_cmd
      ->add_flag("--progress", run_args.progress,
                 "Draw the progress line even when stderr is not a terminal")
      ->excludes("--quiet");
  run_cmd->add_flag("--strict", run_args.strict, "Exit 3 if any asset is a coverage gap");
  run_cmd->add_flag("--allow-empty-root", run_args.allow_empty_root, kAllowEmptyRootHelp);
  run_cmd->add_option("--log-format", run_args.log_format, "text or json")
      ->check(tools::OneOf({"text", "json"}));
  run_cmd->add_option("--log-file", run_args.log_file, "Append the log to FILE (created 0600)");

  std::string prune_catalog = "phiscan.db";
  int prune_keep = 0, prune_days = 0;
  bool prune_quiet = false;
  auto* prune_cmd = app.add_subcommand(
      "prune", "Delete old run history (and assets removed before it), keeping the current "
               "inventory; then vacuum.");
  prune_cmd->add_option("--catalog", prune_catalog, "Catalog file")->capture_default_str();
  prune_cmd
      ->add_option("--keep-runs", prune_keep,
                   "Keep the newest N runs of each set of roots (each job)")
      ->check(tools::WholeNumber(1, 1 << 30))
      ->type_name("N");
  prune_cmd->add_option("--older-than", prune_days, "Delete runs started more than DAYS days ago")
      ->check(tools::WholeNumber(1, 1 << 20))
      ->type_name("DAYS");
  prune_cmd->add_flag("--quiet,-q", prune_quiet, "Print nothing but errors");

  std::string jobs_config, jobs_format = "table";
  auto* jobs_cmd = app.add_subcommand("jobs", "Inspect the job file.");
  jobs_cmd->require_subcommand(1);
  auto* jobs_list_cmd =
      jobs_cmd->add_subcommand("list", "Show every job with its last run from its catalog.");
  jobs_list_cmd->add_option("--config", jobs_config,
                            "Job file (default: $PHISCAN_CONFIG or /etc/phiscan/jobs.yaml)");
  jobs_list_cmd->add_option("--format", jobs_format, "table, json, jsonl or csv")
      ->capture_default_str()
      ->check(tools::OneOf({"table", "json", "jsonl", "csv"}));
  uint64_t scan_max_time_s = 0;
  AddLimitFlags(scan_cmd, scan.limits, scan_max_time_s);

  ClassifyArgs classify;
  auto* classify_cmd = app.add_subcommand(
      "classify", "Classify one file or standard input and print its findings (no catalog).");
  classify_cmd->add_option("FILE", classify.input, "File to classify, or - for standard input")
      ->required();
  classify_cmd->add_option("--format", classify.format, "table, json, jsonl or csv")
      ->capture_default_str()
      ->check(tools::OneOf({"table", "json", "jsonl", "csv"}));
  classify_cmd->add_option("--rules", classify.common.rule_files,
                           "Extra rule pack (YAML); repeatable");
  classify_cmd->add_option("--chunk-size", classify.chunk_size,
                           "Bytes classified at a time (default 1048576)")
      ->transform(tools::ByteCount(1, uint64_t{1} << 30))
      ->type_name("BYTES");
  classify_cmd
      ->add_option("--max-findings", classify.max_findings,
                   "Findings printed per type and file, the first by offset; stderr "
                   "counts the rest (0: all, held in memory, about 250 bytes each)")
      ->capture_default_str()
      ->check(tools::WholeNumber(0, UINT64_MAX))
      ->type_name("N");

  uint64_t classify_max_time_s = 0;
  AddLimitFlags(classify_cmd, classify.limits, classify_max_time_s);

  auto* rules_cmd = app.add_subcommand("rules", "List or check sensitive information types.");
  rules_cmd->require_subcommand(1);
  CommonOptions list_common;
  std::string list_format = "table";
  auto* list_cmd = rules_cmd->add_subcommand("list", "Show every type: id, category, HIPAA "
                                                     "class, patterns, validators.");
  list_cmd->add_option("--rules", list_common.rule_files, "Extra rule pack (YAML); repeatable");
  list_cmd->add_option("--format", list_format, "table, json, jsonl or csv")
      ->capture_default_str()
      ->check(tools::OneOf({"table", "json", "jsonl", "csv"}));
  std::vector<std::string> check_files;
  auto* check_cmd = rules_cmd->add_subcommand(
      "check", "Validate rule pack files together with the built-in pack, as --rules loads "
               "them; every error as FILE:LINE.");
  check_cmd->add_option("PACK", check_files, "Rule pack files")->required();

  tools::NameValues(&app, {{"--catalog", "FILE"},
                           {"--key", "FILE"},
                           {"--rules", "PACK"},
                           {"--include", "GLOB"},
                           {"--exclude", "GLOB"},
                           {"--exclude-from", "FILE"},
                           {"--log-format", "FORMAT"},
                           {"--log-file", "FILE"},
                           {"--fail-on", "LABEL|TYPE"},
                           {"--config", "FILE"},
                           {"--format", "FORMAT"}});
  tools::OneValueEach(&app);
  tools::RejectEmptyValues(&app);

  if (std::string unknown = tools::UnknownSubcommand(app, argc, argv, "command");
      !unknown.empty()) {
    return Fail(kExitUsage, unknown);
  }
  // Help or the version, printed: exit 0 only if all of it was written.
  auto printed = [&](const CLI::Error& e) {
    const int rc = app.exit(e);
    if (Status s = tools::FlushStandardOutput(); !s.ok()) return Fail(kExitFatal, s.message());
    return rc;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return printed(e);
  } catch (const CLI::CallForAllHelp& e) {
    return printed(e);
  } catch (const CLI::CallForVersion& e) {
    return printed(e);
  } catch (const CLI::ParseError& e) {
    return Fail(kExitUsage, tools::UsageErrorText(e, app) + tools::SeeHelp(app));
  }

  scan.limits.max_time_ms = scan_max_time_s * 1000;
  classify.limits.max_time_ms = classify_max_time_s * 1000;
  int rc = kExitUsage;
  try {
    if (*scan_cmd) rc = RunScan(scan);
    else if (*run_cmd) rc = RunJob(run_args);
    else if (*prune_cmd) rc = RunPrune(prune_catalog, prune_keep, prune_days, prune_quiet);
    else if (*jobs_list_cmd) rc = RunJobsList(jobs_config, jobs_format);
    else if (*classify_cmd) rc = RunClassify(classify);
    else if (*list_cmd) rc = RunRulesList(list_common, list_format);
    else if (*check_cmd) rc = RunRulesCheck(check_files);
  } catch (const std::exception& e) {
    return Fail(kExitFatal, e.what());
  }
  // Output redirected to a full disk was cut short (classify, rules list,
  // jobs list): never exit 0 for it.
  if (Status s = tools::FlushStandardOutput(); !s.ok()) {
    Fail(kExitFatal, s.message());
    return rc != kExitOk ? rc : kExitFatal;
  }
  return rc;
}
