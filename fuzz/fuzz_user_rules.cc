// Differential fuzz target for the matcher with user rule packs: the
// input's bytes draw a pack of random regexes (tests/testutil/random_pack.h:
// fixed and variable widths, \b, groups, a capturing group, keyword
// evidence, excludes) and a text over their alphabet, and the matcher as
// phiscan runs it (prefilters, digit windows, keyword windows, exact ends,
// chunked) must report exactly what the straightforward one reports (every
// regex over every byte in one database, every hit confirmed by RE2).
// fuzz_matcher does the same with the built-in pack and arbitrary text.
// Each input compiles its pack twice, so this target runs a few inputs a
// second.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "classifiers/rule_pack.h"
#include "classifiers/ruleset.h"
#include "fuzz/differential.h"
#include "tests/testutil/random_pack.h"

using namespace phiscan::classifiers;

namespace {

// Numbers from the input's bytes; zeros once they run out.
struct InputBytes {
  const uint8_t* data;
  size_t size;
  size_t at = 0;
  uint32_t Pick(uint32_t n) {
    uint32_t v = at < size ? data[at++] : 0;
    if (n > 256 && at < size) v = v << 8 | data[at++];
    return v % n;
  }
};

std::shared_ptr<const RuleSet> Compile(const std::string& yaml, bool optimised) {
  auto pack = ParseRulePack(yaml, "fuzz.yaml");
  if (!pack.ok()) std::abort();  // RandomPackYaml returns only packs that load
  auto rules = RuleSet::Compile(pack.value(), phiscan::fuzz::Options(optimised));
  if (!rules.ok()) std::abort();
  // Each regex compiled alone; together, split into the optimised
  // databases or not, they must compile too.
  if (!rules.value()->EnsureCompiled().ok()) std::abort();
  return rules.value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  InputBytes bytes{data + 1, size - 1};
  phiscan::testutil::RandomPack<InputBytes> gen(bytes);
  const std::string yaml = phiscan::testutil::RandomPackYaml(gen, 1 + data[0] % 6, 12);
  if (yaml.empty()) return 0;
  const std::string text = gen.Text(4096);
  const size_t chunk = 1 + (size_t{data[0]} * 257 + size) % 4096;
  const auto plain = Compile(yaml, false), optimised = Compile(yaml, true);
  const auto want = phiscan::fuzz::ScanAll(plain, text, size_t{1} << 16);
  const auto got = phiscan::fuzz::ScanAll(optimised, text, chunk);
  if (got != want) {
    std::fprintf(stderr, "fuzz_user_rules: chunk %zu, %zu bytes, %zu findings against %zu\n%s",
                 chunk, text.size(), got.size(), want.size(), yaml.c_str());
    std::abort();
  }
  return 0;
}
