// What the matcher's differential fuzz targets share (fuzz_matcher with the
// built-in pack, fuzz_user_rules with random user packs): the two ways of
// compiling a pack and a scan that collects every finding, sorted.
#ifndef PHISCAN_FUZZ_DIFFERENTIAL_H_
#define PHISCAN_FUZZ_DIFFERENTIAL_H_

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "classifiers/matcher.h"
#include "classifiers/ruleset.h"

namespace phiscan::fuzz {

// The matcher as phiscan runs it (prefilters, digit and keyword windows,
// exact ends, excludes checked in code, the backtracking search), or the
// straightforward one (every regex and exclude over every byte in one
// database, every hit confirmed by RE2).
inline classifiers::CompileOptions Options(bool optimised) {
  return optimised ? classifiers::CompileOptions{}
                   : classifiers::CompileOptions::Straightforward();
}

// start, end, type, score, line, masked value.
using Found = std::tuple<uint64_t, uint64_t, int, int, uint64_t, std::string>;

// Every finding of `text` scanned in chunks of `chunk` bytes, sorted. A
// failed scan aborts: inputs are capped below the matcher's limits.
inline std::vector<Found> ScanAll(const std::shared_ptr<const classifiers::RuleSet>& rules,
                                  std::string_view text, size_t chunk) {
  struct Collector : classifiers::MatchSink {
    std::vector<Found> found;
    void OnMatch(const classifiers::Match& m) override {
      found.emplace_back(m.start, m.end, m.type_index, m.score, m.line, m.masked);
    }
  };
  classifiers::MatcherOptions options;
  options.chunk_size = chunk;
  classifiers::Matcher matcher(rules, nullptr, options);
  Collector c;
  matcher.Begin(&c);
  if (!matcher.Feed(text).ok() || !matcher.Finish().ok()) std::abort();
  std::sort(c.found.begin(), c.found.end());
  return c.found;
}

}  // namespace phiscan::fuzz

#endif  // PHISCAN_FUZZ_DIFFERENTIAL_H_
