// Differential fuzz target for the matcher: as phiscan runs it (prefilters,
// digit windows, keyword windows, exact ends, chunked) it must report
// exactly what the straightforward one reports (every full regex over every
// byte in one Hyperscan database, every hit confirmed by RE2), on any
// input. The first byte picks the optimised
// side's chunk size (1 to 8,192 bytes); a difference aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "classifiers/matcher.h"
#include "classifiers/rule_pack.h"
#include "classifiers/ruleset.h"
#include "fuzz/differential.h"
#include "tools/rule_cache.h"

using namespace phiscan::classifiers;

namespace {

std::shared_ptr<const RuleSet> Compile(bool optimised) {
  auto pack = ParseRulePack(BuiltinRulePackText(), "<builtin>");
  if (!pack.ok()) std::abort();
  auto rules = RuleSet::Compile(pack.value(), phiscan::fuzz::Options(optimised));
  // From phiscan's rule cache when it has them (see fuzz_extract.cc).
  if (!rules.ok()) std::abort();
  const auto cache = phiscan::tools::RuleCache::FromEnvironment();
  if (!cache.LoadOrCompile(*rules.value()).ok()) std::abort();
  return rules.value();
}

// Both rule sets, compiled together on the first call.
const std::shared_ptr<const RuleSet>& Builtin(bool optimised) {
  static const auto with = Compile(true);
  static const auto without = Compile(false);
  return optimised ? with : without;
}

using phiscan::fuzz::Found;
using phiscan::fuzz::ScanAll;

}  // namespace

// The Hyperscan databases are compiled here, before the first input: that
// takes seconds (more on a loaded machine) and would otherwise count
// against libFuzzer's per-input -timeout.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Builtin(true);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + (size_t{data[0]} * 257 + size) % 8192;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto optimised = ScanAll(Builtin(true), text, chunk);
  const auto plain = ScanAll(Builtin(false), text, size_t{1} << 16);
  if (optimised != plain) {
    // What differs, masked as the catalog would hold it, then the crash
    // libFuzzer records.
    auto print = [](const char* only, const std::vector<Found>& a, const std::vector<Found>& b) {
      std::vector<Found> diff;
      std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(diff));
      for (const auto& [start, end, type, score, line, masked] : diff) {
        std::fprintf(stderr, "only %s: [%llu, %llu) %s score %d line %llu %s\n", only,
                     static_cast<unsigned long long>(start), static_cast<unsigned long long>(end),
                     Builtin(true)->types()[type].id.c_str(), score,
                     static_cast<unsigned long long>(line), masked.c_str());
      }
    };
    std::fprintf(stderr, "fuzz_matcher: chunk %zu, %zu bytes\n", chunk, text.size());
    print("optimised", optimised, plain);
    print("plain", plain, optimised);
    std::abort();
  }
  return 0;
}
