// libFuzzer target: the Extractor on arbitrary bytes, with a file name that
// hints at the format (kFuzzName, from fuzz_name.cc built per target with
// PHISCAN_FUZZ_NAME:
// "x.zip" exercises the archive layer, "x.hl7", "x.json", "x.csv", "x.x12",
// "x.dcm", "x.eml", "x.pdf", "x.md" the parsers behind them; content still decides). The
// budget is small so every input ends quickly; a crash, a sanitizer report,
// or a record without a status is a failure.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "classifiers/rule_pack.h"
#include "classifiers/ruleset.h"
#include "scanner/extract.h"
#include "tools/rule_cache.h"

// The target's name hint (fuzz_name.cc).
extern const char kFuzzName[];

namespace {

phiscan::scanner::Extractor& TheExtractor() {
  static phiscan::scanner::ScanLimits limits = [] {
    phiscan::scanner::ScanLimits l;
    l.chunk_size = 4096;
    l.max_expanded_bytes = 8 << 20;
    l.max_members = 200;
    l.max_depth = 4;
    l.max_time_ms = 2000;
    l.max_buffered_member = 1 << 20;
    l.max_candidates_per_asset = 10000;
    return l;
  }();
  static auto rules = [] {
    auto pack = phiscan::classifiers::ParseRulePack(
        phiscan::classifiers::BuiltinRulePackText(), "builtin.yaml");
    if (!pack.ok()) std::abort();
    auto compiled = phiscan::classifiers::RuleSet::Compile(pack.value());
    if (!compiled.ok()) std::abort();
    // The databases from phiscan's rule cache when it has them: compiling
    // them took 6 s under ASan, in each of the nine targets the test suite
    // replays (tools/rule_cache.h; PHISCAN_CACHE_DIR=off compiles).
    const auto cache = phiscan::tools::RuleCache::FromEnvironment();
    if (!cache.LoadOrCompile(*compiled.value()).ok()) std::abort();
    return compiled.value();
  }();
  static phiscan::scanner::Extractor extractor(rules, nullptr, limits);
  return extractor;
}

}  // namespace

// The Hyperscan database is compiled here, before the first input: that
// takes seconds (more on a loaded machine) and would otherwise count
// against libFuzzer's per-input -timeout.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  TheExtractor();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<phiscan::AssetRecord> out;
  phiscan::AssetRecord top;
  top.path = kFuzzName;
  TheExtractor().ExtractBytes(std::string_view(reinterpret_cast<const char*>(data), size),
                              kFuzzName, top, out);
  if (out.empty() || out.size() > 10000) std::abort();
  return 0;
}
