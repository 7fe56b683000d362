// Internal: the compiled tables behind a RuleSet, shared by ruleset.cc and
// matcher.cc. Not part of the module's contract.
#ifndef PHISCAN_CLASSIFIERS_INTERNAL_COMPILED_H_
#define PHISCAN_CLASSIFIERS_INTERNAL_COMPILED_H_

#include <hs/hs.h>
#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "classifiers/rule_pack.h"
#include "classifiers/validators.h"

namespace phiscan::classifiers::internal {

struct HsDatabaseFree {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct HsScratchFree {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseFree>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchFree>;

struct CompiledEvidence {
  EvidenceGroup::Kind kind;
  int min_lists;
  std::vector<int> lists;  // keyword list indices
};

struct CompiledPattern {
  int type_index = 0;
  int pattern_index = 0;
  int score = 0;
  unsigned max_width = 0;  // longest possible match, bytes
  Validator validator = nullptr;
  std::unique_ptr<RE2> re;
  std::vector<CompiledEvidence> evidence;
};

struct CompiledRules {
  HsDatabase db;                      // primaries then keyword lists
  HsScratch prototype_scratch;        // cloned by each Matcher
  std::vector<CompiledPattern> patterns;  // Hyperscan id i < patterns.size()
  unsigned keyword_base = 0;          // ids >= keyword_base are keyword lists
  std::vector<std::string> keyword_lists;
  // Normalised keyword term -> keyword lists containing it, for structured
  // evidence (Matcher::AddFieldContext).
  std::unordered_map<std::string, std::vector<int>> field_terms;
  unsigned max_width = 0;             // over all patterns
  int max_proximity = 0;              // over all types
};

// RE2 options for every pattern: bytes, not UTF-8, so offsets and \b agree
// with Hyperscan's non-UTF-8 mode on any input.
RE2::Options PatternOptions();

// Normalises a keyword term or field name for structured evidence: ASCII
// lower case, and runs of '_', '-', '.', '/' and whitespace become one space.
std::string NormalizeFieldName(std::string_view name);

}  // namespace phiscan::classifiers::internal

#endif  // PHISCAN_CLASSIFIERS_INTERNAL_COMPILED_H_
