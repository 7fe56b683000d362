// libFuzzer target: the rule loader (classifiers/rule_pack.h) and, for packs
// it accepts, the compiler. The loader must turn any YAML into a pack or a
// one-line FILE:LINE error; a pack it accepts must compile (its cost checks
// are what bound compilation: width, program size, empty matches). Inputs
// are capped at 4 KiB, as re2_fuzzer.cc bounds its patterns.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "classifiers/rule_pack.h"
#include "classifiers/ruleset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto pack = phiscan::classifiers::ParseRulePack(text, "fuzz.yaml");
  if (!pack.ok()) {
    const std::string& m = pack.status().message();
    if (m.empty() || m.find('\n') != std::string::npos) std::abort();
    return 0;
  }
  (void)phiscan::classifiers::RuleSet::Compile(pack.value());
  return 0;
}
