// Random rule packs and texts for differential tests of the matcher with
// user regexes: the built-in pack's regexes cover only the shapes its types
// need, while a site's pack can be any bounded regex. The regexes mix what
// the optimised paths key on (fixed widths for exact ends, digits for the
// digit windows, keyword evidence for the keyword windows and the gate,
// exclude expressions, capturing groups, top-level alternatives) with
// syntax that keeps a regex off them (\w, \s, ., negated classes, case
// folding), over a small alphabet so that the texts match them often.
//
// Header-only, so the fuzz targets can use it: fuzz_user_rules draws from
// the fuzzer's bytes, the Catch2 test from a seeded generator.
#ifndef PHISCAN_TESTS_TESTUTIL_RANDOM_PACK_H_
#define PHISCAN_TESTS_TESTUTIL_RANDOM_PACK_H_

#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "classifiers/rule_pack.h"
#include "classifiers/ruleset.h"

namespace phiscan::testutil {

// `Pick(n)` returns a number in [0, n); any source of numbers will do.
template <typename Source>
class RandomPack {
 public:
  explicit RandomPack(Source& source) : src_(source) {}

  // A regex of one or two top-level alternatives, each optionally inside
  // \b, with at most one capturing group. Not every result compiles (one
  // can match the empty string); the caller drops those.
  std::string Regex() {
    std::string out = Alternative(true);
    if (Pick(3) == 0) {
      out += '|';
      out += Alternative(false);
    }
    return out;
  }

  // A fixed-width expression for `exclude:` (literals, classes and {n}).
  std::string Exclude() {
    static const char* const kParts[] = {"X",    "\\d", "[A-Z]", "-",   "Q", "[0-9]{2}",
                                         "7",    "\\w", "[^0-9]", "\\.", "[ _]", "\\D{2}"};
    std::string out;
    const uint32_t n = 1 + Pick(3);
    for (uint32_t i = 0; i < n; ++i) out += kParts[Pick(std::size(kParts))];
    return out;
  }

  // Text over the regexes' alphabet: digit runs, letter runs, separators,
  // the keyword "key", line breaks and a few non-ASCII bytes.
  std::string Text(size_t max_bytes) {
    static const char* const kPieces[] = {
        " ",  " ",  "-",    ".",   "/", "_", "\n", "key", "Key ", "X", "Q", "ab", "AZ", "b7",
        "x",  "Z9", "\xC2\xA0", "\xE9", ":", "#", "\t", "aB_", "0", "07", "1-2"};
    std::string out;
    const size_t target = Pick(static_cast<uint32_t>(max_bytes) + 1);
    while (out.size() < target) {
      switch (Pick(4)) {
        case 0:  // a run of digits
          for (uint32_t n = 1 + Pick(12); n > 0; --n) out += static_cast<char>('0' + Pick(10));
          break;
        case 1:  // a run of letters
          for (uint32_t n = 1 + Pick(6); n > 0; --n) {
            out += static_cast<char>((Pick(2) ? 'a' : 'A') + Pick(4));
          }
          break;
        default:
          out += kPieces[Pick(std::size(kPieces))];
      }
    }
    return out;
  }

  uint32_t Pick(uint32_t n) { return n <= 1 ? 0 : src_.Pick(n); }

 private:
  std::string Alternative(bool may_capture) {
    std::string out;
    if (Pick(2) == 0) out += "\\b";
    const uint32_t items = 1 + Pick(4);
    const uint32_t capture = may_capture && Pick(5) == 0 ? Pick(items) : items;
    for (uint32_t i = 0; i < items; ++i) {
      if (i == capture) out += '(';
      out += Item(0);
      if (i == capture) out += ')';
    }
    if (Pick(2) == 0) out += "\\b";
    return out;
  }

  std::string Item(int depth) {
    std::string out;
    if (depth < 2 && Pick(6) == 0) {
      out = "(?:";
      out += Sequence(depth + 1);
      for (uint32_t n = Pick(3); n > 0; --n) {
        out += '|';
        out += Sequence(depth + 1);
      }
      out += ')';
    } else {
      out = Atom();
    }
    out += Quantifier();
    return out;
  }

  std::string Sequence(int depth) {
    std::string out;
    for (uint32_t n = 1 + Pick(3); n > 0; --n) out += Item(depth);
    return out;
  }

  std::string Atom() {
    // Mostly syntax both engines read alike; the last row keeps a regex off
    // the exact ends (and some off the digit windows).
    static const char* const kAtoms[] = {
        "a",    "b",      "Z",      "7",      "0",         "-",      "\\.",   "/",
        " ",    "_",      "X",      "Q",      "\\d",       "\\d",    "[0-9]", "[A-Z]",
        "[a-z0-9]", "[ -]", "[.-]", "[A-Za-z]", "[2-6]",   "\\bkey",
        "\\w",  "\\s",    ".",      "[^0-9]", "(?i:ab)",   "\\xE9",  "[^ ]"};
    constexpr uint32_t kPlain = std::size(kAtoms) - 7;
    const uint32_t i = Pick(8) == 0 ? kPlain + Pick(7) : Pick(kPlain);
    return kAtoms[i];
  }

  std::string Quantifier() {
    // Small counts only: one digit each, so no std::to_string (whose
    // concatenation gcc 12 warns about at -O3, wrongly).
    std::string out;
    switch (Pick(8)) {
      case 0:
        out = "?";
        break;
      case 1:
      case 2:
        out = {'{', static_cast<char>('1' + Pick(4)), '}'};
        break;
      case 3: {
        const uint32_t lo = Pick(3), hi = lo + 1 + Pick(4);
        out = {'{', static_cast<char>('0' + lo), ',', static_cast<char>('0' + hi), '}'};
        break;
      }
      default:
        break;
    }
    return out;
  }

  Source& src_;
};

// A rule pack's YAML with one type per regex (T0, T1, ...). Each pattern
// scores 65; `evidence[i]` gives it a required keyword ("key", proximity
// 12), `excludes[i]` an exclude expression (empty: none). A regex listed
// twice is one regex with two patterns, as a shared regex is in the
// built-in pack.
inline std::string PackYaml(const std::vector<std::string>& regexes,
                            const std::vector<bool>& evidence,
                            const std::vector<std::string>& excludes) {
  auto quote = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  };
  std::string y = "keywords:\n  t_key: [key]\ntypes:\n";
  for (size_t i = 0; i < regexes.size(); ++i) {
    y += "  - id: T" + std::to_string(i) + "\n    category: PII\n    patterns:\n";
    y += "      - regex: " + quote(regexes[i]) + "\n        score: 65\n";
    if (evidence[i]) y += "        proximity: 12\n        evidence:\n          - any_of: [t_key]\n";
    if (!excludes[i].empty()) y += "        exclude: [" + quote(excludes[i]) + "]\n";
  }
  return y;
}

// Whether a one-type pack of this regex (with its evidence and exclude)
// loads: a random regex may match the empty string, an exclude may not be
// fixed-width, and Hyperscan rejects a regex with a top-level alternative
// that can never match ("_\\d\\bk"). Its one database is compiled as the
// straightforward matcher's, which is cheaper than the optimised set.
inline bool PackLoads(const std::string& regex, bool evidence, const std::string& exclude) {
  auto pack = classifiers::ParseRulePack(PackYaml({regex}, {evidence}, {exclude}), "t.yaml");
  if (!pack.ok()) return false;
  auto rules = classifiers::RuleSet::Compile(pack.value(),
                                             classifiers::CompileOptions::Straightforward());
  return rules.ok() && rules.value()->EnsureCompiled().ok();
}

// A random pack of `types` types that loads, or "" if `attempts` regexes
// drawn in a row did not give that many (a fuzzer's input can run dry).
// Some evidence, some excludes, now and then one regex for two types.
template <typename Source>
std::string RandomPackYaml(RandomPack<Source>& gen, size_t types, int attempts) {
  std::vector<std::string> regexes, excludes;
  std::vector<bool> evidence;
  for (int tries = 0; regexes.size() < types && tries < attempts; ++tries) {
    const std::string regex = gen.Regex();
    const bool with_evidence = gen.Pick(4) == 0;
    const std::string exclude = gen.Pick(5) == 0 ? gen.Exclude() : std::string();
    if (!PackLoads(regex, with_evidence, exclude)) continue;
    regexes.push_back(regex);
    evidence.push_back(with_evidence);
    excludes.push_back(exclude);
    if (gen.Pick(6) == 0 && PackLoads(regex, !with_evidence, std::string())) {
      regexes.push_back(regex);  // the same regex, a second pattern
      evidence.push_back(!with_evidence);
      excludes.emplace_back();
    }
  }
  return regexes.size() < types ? std::string() : PackYaml(regexes, evidence, excludes);
}

}  // namespace phiscan::testutil

#endif  // PHISCAN_TESTS_TESTUTIL_RANDOM_PACK_H_
