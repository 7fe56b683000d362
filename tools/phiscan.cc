// phiscan: scan trees into the catalog, classify one file, inspect rule packs.
//
// Exit codes: 0 success (coverage gaps are recorded, not failures);
// 1 fatal error (catalog, key or rule pack unusable); 2 usage error (bad
// flag, missing root); 130 interrupted by SIGINT/SIGTERM (the catalog keeps
// everything committed and the run is marked interrupted).
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "classifiers/matcher.h"
#include "classifiers/ruleset.h"
#include "classifiers/token.h"
#include "common/escape.h"
#include "scanner/pipeline.h"
#include "scanner/source.h"
#include "tools/output.h"

namespace {

using namespace phiscan;

constexpr int kExitOk = 0;
constexpr int kExitFatal = 1;
constexpr int kExitUsage = 2;
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
  explicit CatalogSink(catalog::CatalogWriter& writer) : writer_(writer) {}
  void OnAsset(AssetRecord&& record) override { writer_.Submit(std::move(record)); }

 private:
  catalog::CatalogWriter& writer_;
};

std::optional<std::pair<uint64_t, uint64_t>> DevIno(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return std::make_pair(static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino));
}

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} {}", b, units[u]) : fmt::format("{:.1f} {}", b, units[u]);
}

struct CommonOptions {
  std::vector<std::string> rule_files;
};

Result<std::shared_ptr<const classifiers::RuleSet>> LoadRules(const CommonOptions& o) {
  return classifiers::RuleSet::LoadWithBuiltins(o.rule_files);
}

// ---- scan -----------------------------------------------------------------

struct ScanArgs {
  CommonOptions common;
  std::vector<std::string> roots;
  std::string catalog = "phiscan.db";
  std::string key;
  int threads = 0;
  size_t chunk_size = 0;
  uint64_t max_file_size = 0;
  bool quiet = false;
};

int RunScan(const ScanArgs& args) {
  auto rules = LoadRules(args.common);
  if (!rules.ok()) return Fail(kExitFatal, rules.status().message());
  std::string key_path = args.key.empty() ? args.catalog + ".key" : args.key;
  auto key = classifiers::TokenKey::LoadOrCreate(key_path);
  if (!key.ok()) return Fail(kExitFatal, key.status().message());

  scanner::ScanOptions options;
  options.threads = args.threads > 0 ? args.threads
                                     : std::max(1u, std::thread::hardware_concurrency());
  if (args.chunk_size > 0) options.limits.chunk_size = args.chunk_size;
  options.limits.max_file_size = args.max_file_size;
  {
    // Roots are checked before the catalog is touched: a typo must not leave a run behind.
    scanner::Walker probe({});
    Status s = probe.CheckRoots(args.roots);
    if (!s.ok()) return Fail(kExitUsage, s.message());
  }

  auto writer = catalog::CatalogWriter::Open(args.catalog);
  if (!writer.ok()) return Fail(kExitFatal, writer.status().message());

  catalog::RunInfo info;
  info.roots = args.roots;
  info.rules_version = rules.value()->version();
  nlohmann::json opts = {{"threads", options.threads},
                         {"chunk_size", options.limits.chunk_size},
                         {"max_file_size", options.limits.max_file_size},
                         {"rules", nlohmann::json::array()}};
  for (const auto& r : args.common.rule_files) opts["rules"].push_back(EscapeBytes(r));
  info.options_json = opts.dump();
  for (const auto& t : rules.value()->types()) {
    info.types.push_back({t.id, t.name, t.category, t.hipaa_class});
  }
  auto run = writer.value()->BeginRun(info);
  if (!run.ok()) return Fail(kExitFatal, run.status().message());

  // Never scan our own output, wherever the catalog sits relative to the roots.
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    if (auto id = DevIno(args.catalog + suffix)) options.skip.push_back(*id);
  }
  if (auto id = DevIno(key_path)) options.skip.push_back(*id);

  InstallSignalHandlers();
  auto started = std::chrono::steady_clock::now();
  CatalogSink sink(*writer.value());
  scanner::ScanPipeline pipeline(options, rules.value(), &key.value());
  auto stats = pipeline.Run(args.roots, sink, g_cancel);
  bool interrupted = g_cancel.load();
  Status finish = writer.value()->FinishRun(
      !stats.ok() ? catalog::RunStatus::kFailed
                  : (interrupted ? catalog::RunStatus::kInterrupted
                                 : catalog::RunStatus::kCompleted));
  if (!stats.ok()) return Fail(kExitUsage, stats.status().message());
  if (!finish.ok()) return Fail(kExitFatal, finish.message());
  if (Status w = writer.value()->write_error(); !w.ok()) return Fail(kExitFatal, w.message());

  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!args.quiet) {
    const auto& s = stats.value();
    std::cerr << fmt::format(
        "phiscan: {} {} assets, {} in {:.2f} s ({}/s); {} findings; {} coverage gaps; "
        "catalog {} (run {})\n",
        interrupted ? "interrupted after" : "scanned", s.assets, HumanBytes(s.bytes_scanned),
        secs, HumanBytes(secs > 0 ? s.bytes_scanned / secs : 0), s.findings, s.gaps,
        EscapeBytes(args.catalog), run.value());
  }
  return interrupted ? kExitInterrupted : kExitOk;
}

// ---- classify -------------------------------------------------------------

struct ClassifyArgs {
  CommonOptions common;
  std::string input;
  std::string format = "table";
  size_t chunk_size = 0;
};

int RunClassify(const ClassifyArgs& args) {
  auto format = tools::ParseFormat(args.format);
  if (!format) return Fail(kExitUsage, "unknown --format '" + args.format + "'");
  auto rules = LoadRules(args.common);
  if (!rules.ok()) return Fail(kExitFatal, rules.status().message());

  int fd = STDIN_FILENO;
  AssetRecord record;
  record.path = args.input;
  record.kind = AssetKind::kStream;
  if (args.input != "-") {
    auto file = scanner::ReadOnlyFile::Open(AT_FDCWD, args.input, nullptr);
    if (!file.ok()) return Fail(kExitFatal, file.status().message());
    record.kind = AssetKind::kFile;
    fd = dup(file.value().fd());
  }
  // Tokens are not printed here, so a key that is never stored is enough.
  classifiers::TokenKey key = classifiers::TokenKey::Ephemeral();
  classifiers::MatcherOptions mo;
  scanner::ScanLimits limits;
  limits.max_locators = 1 << 30;  // classify shows every occurrence
  if (args.chunk_size > 0) limits.chunk_size = args.chunk_size;
  mo.chunk_size = limits.chunk_size;
  classifiers::Matcher matcher(rules.value(), &key, mo);
  scanner::ClassifyDescriptor(fd, limits, matcher, record);
  if (fd != STDIN_FILENO) close(fd);

  tools::RowWriter out(*format, std::cout,
                       {"path", "member", "type", "confidence", "score", "start", "end", "line",
                        "masked"});
  for (const auto& f : record.findings) {
    out.Row({{"path", tools::PathValue(record.path)},
             {"member", nullptr},
             {"type", f.type_id},
             {"confidence", ConfidenceName(ConfidenceFromScore(f.score))},
             {"score", f.score},
             {"start", f.start},
             {"end", f.end},
             {"line", f.line},
             {"masked", f.masked}});
  }
  out.Finish();
  if (record.status != AssetStatus::kComplete) {
    std::cerr << "phiscan: " << EscapeBytes(record.path) << ": "
              << AssetStatusName(record.status)
              << (record.reason.empty() ? "" : "(" + record.reason + ")") << "\n";
  }
  return kExitOk;
}

// ---- rules ----------------------------------------------------------------

int RunRulesList(const CommonOptions& common, const std::string& format_name) {
  auto format = tools::ParseFormat(format_name);
  if (!format) return Fail(kExitUsage, "unknown --format '" + format_name + "'");
  auto rules = LoadRules(common);
  if (!rules.ok()) return Fail(kExitFatal, rules.status().message());
  tools::RowWriter out(*format, std::cout,
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
  return kExitOk;
}

int RunRulesCheck(const std::vector<std::string>& files) {
  int rc = kExitOk;
  for (const auto& f : files) {
    auto rules = classifiers::RuleSet::LoadWithBuiltins({f});
    if (!rules.ok()) {
      std::cerr << EscapeBytes(rules.status().message()) << "\n";
      rc = kExitFatal;
    } else {
      std::cout << EscapeBytes(f) << ": ok (" << rules.value()->types().size()
                << " types with the built-in pack, rules version " << rules.value()->version()
                << ")\n";
    }
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  HardenProcess();
  CLI::App app{"phiscan: find PHI, PII, payment data and credentials in files, and keep an "
               "inventory in a local catalog."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "phiscan 0.1.0");

  ScanArgs scan;
  auto* scan_cmd = app.add_subcommand("scan", "Walk PATHs, classify every file, record the "
                                              "results in the catalog.");
  scan_cmd->add_option("paths", scan.roots, "Files or directories to scan")->required();
  scan_cmd->add_option("--catalog", scan.catalog, "Catalog file (created 0600 if missing)")
      ->capture_default_str();
  scan_cmd->add_option("--key", scan.key,
                       "Token key file (default: CATALOG.key; created 0600 on first use)");
  scan_cmd->add_option("--threads", scan.threads, "Worker threads (default: number of cores)")
      ->check(CLI::Range(1, 1024));
  scan_cmd->add_option("--rules", scan.common.rule_files,
                       "Extra rule pack (YAML); repeatable; later packs override earlier ones");
  scan_cmd->add_option("--max-file-size", scan.max_file_size,
                       "Classify at most this many bytes per file; larger files are recorded "
                       "as partial(limit_size) (default: no limit)");
  scan_cmd->add_option("--chunk-size", scan.chunk_size,
                       "Bytes read and classified at a time (default 1048576)")
      ->check(CLI::Range(static_cast<size_t>(1), static_cast<size_t>(1) << 30));
  scan_cmd->add_flag("--quiet,-q", scan.quiet, "Print nothing but errors");

  ClassifyArgs classify;
  auto* classify_cmd = app.add_subcommand(
      "classify", "Classify one file or standard input and print its findings (no catalog).");
  classify_cmd->add_option("input", classify.input, "File to classify, or - for standard input")
      ->required();
  classify_cmd->add_option("--format", classify.format, "table, json, jsonl or csv")
      ->capture_default_str();
  classify_cmd->add_option("--rules", classify.common.rule_files,
                           "Extra rule pack (YAML); repeatable");
  classify_cmd->add_option("--chunk-size", classify.chunk_size,
                           "Bytes classified at a time (default 1048576)")
      ->check(CLI::Range(static_cast<size_t>(1), static_cast<size_t>(1) << 30));

  auto* rules_cmd = app.add_subcommand("rules", "List or check sensitive information types.");
  rules_cmd->require_subcommand(1);
  CommonOptions list_common;
  std::string list_format = "table";
  auto* list_cmd = rules_cmd->add_subcommand("list", "Show every type: id, category, HIPAA "
                                                     "class, patterns, validators.");
  list_cmd->add_option("--rules", list_common.rule_files, "Extra rule pack (YAML); repeatable");
  list_cmd->add_option("--format", list_format, "table, json, jsonl or csv")
      ->capture_default_str();
  std::vector<std::string> check_files;
  auto* check_cmd = rules_cmd->add_subcommand(
      "check", "Validate rule pack files (with the built-in pack); errors as FILE:LINE.");
  check_cmd->add_option("files", check_files, "Rule pack files")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(kExitUsage, std::string(e.what()) + " (see --help)");
  }

  try {
    if (*scan_cmd) return RunScan(scan);
    if (*classify_cmd) return RunClassify(classify);
    if (*list_cmd) return RunRulesList(list_common, list_format);
    if (*check_cmd) return RunRulesCheck(check_files);
  } catch (const std::exception& e) {
    return Fail(kExitFatal, e.what());
  }
  return kExitUsage;
}
