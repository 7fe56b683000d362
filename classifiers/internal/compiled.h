// Internal: the compiled tables behind a RuleSet, shared by ruleset.cc and
// matcher.cc. Not part of the module's contract.
#ifndef PHISCAN_CLASSIFIERS_INTERNAL_COMPILED_H_
#define PHISCAN_CLASSIFIERS_INTERNAL_COMPILED_H_

#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "classifiers/internal/backtrack.h"
#include "classifiers/internal/byte_classes.h"
#include "classifiers/rule_pack.h"
#include "common/status.h"
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

// Lower-case terms of one or more keyword lists, for `dictionary:` checks.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Dictionary = std::unordered_set<std::string, StringHash, std::equal_to<>>;

// One pattern of one type: what is checked and scored once its regex has
// confirmed a span.
struct CompiledPattern {
  int type_index = 0;
  int pattern_index = 0;
  int regex = 0;           // index into CompiledRules::regexes
  int score = 0;
  int proximity = 300;     // evidence window, bytes each side
  Validator validator = nullptr;
  const Dictionary* dictionary = nullptr;  // owned by CompiledRules; null = none
  std::vector<CompiledEvidence> evidence;
  // The terms of its unless_labelled lists (LabelTerm form; owned by
  // CompiledRules::dictionaries): a match labelled with one is no
  // candidate. Null: none.
  const Dictionary* labels = nullptr;
};

// One distinct primary regex. Patterns with the same (expanded) regex share
// it: Hyperscan scans for it once and RE2 confirms each span once, then every
// pattern in `patterns` is evaluated on that span.
struct CompiledRegex {
  std::unique_ptr<RE2> re;
  // The same regex for the Matcher's searches of small windows, which give
  // RE2's answers at a fraction of its cost per call; null if its syntax is
  // outside what that engine models (CompileOptions::use_backtracker).
  std::unique_ptr<const Backtracker> backtracker;
  unsigned max_width = 0;   // longest possible match, bytes
  bool has_group = false;   // group 1 is the value, the rest its anchor
  // Hyperscan scans for the pattern's prefilter, whose hits end anywhere
  // inside a match: up to max_width before the match's end.
  bool prefiltered = false;
  // Nonzero if every match of the regex is this many bytes wide and
  // Hyperscan scans the regex itself, read as RE2 reads it
  // (SameInHyperscanAndRe2), without a capturing group, a prefilter or an
  // exclude expression: a hit's end is then a match's end and the match is
  // the exact_width bytes before it, so the Matcher takes matches from the
  // hits instead of searching for them with RE2
  // (CompileOptions::use_exact_ends).
  unsigned exact_width = 0;
  std::vector<int> patterns;  // indices into CompiledRules::patterns
  // A match no pattern accepts is tried again shorter (PatternSpec); never
  // with a capturing group.
  bool retry_shorter = false;
  // Field-only: not in the Hyperscan database; run on the values of
  // structured fields whose name is a term of one of `field_lists`.
  bool field_only = false;
  std::vector<int> field_lists;
  // Every match has a run of this many consecutive digits (MinDigitRun):
  // a field value without one is not searched. 0: no such bound.
  unsigned field_digit_run = 0;
  // Indices into CompiledRules::excludes: a match overlapping one of their
  // matches is no candidate.
  std::vector<int> excludes;
  // Those of them checked by the Matcher instead of Hyperscan
  // (ExcludeExpr::classes), by width.
  std::vector<VetoBank> veto_banks;
  // Keyword evidence gate. Set when every pattern on the regex requires
  // keyword evidence (an any_of or at_least group): per keyword list, 1 if
  // it is in such a group of some pattern (the first required group of
  // each), so no match can pass without one of these lists within
  // gate_proximity of it, as a keyword or as a structured field's name.
  // Empty: not gated.
  std::vector<uint8_t> gate_lists;
  unsigned gate_proximity = 0;  // widest proximity of its patterns
};

// A pattern's `exclude` expression: fixed width, so Hyperscan's end of a
// match gives its start.
struct ExcludeExpr {
  std::string expr;
  unsigned width = 0;
  // Its byte classes if it is a plain sequence of them
  // (CompileOptions::check_excludes_in_code): then it is not in the
  // Hyperscan databases, and the Matcher looks for it around the hits of
  // the regexes it vetoes (CompiledRegex::veto_banks). Empty otherwise.
  std::vector<ByteClass> classes;
};

// Where an expression is scanned besides the combined database (hs_tier).
constexpr uint8_t kSparseTier = 0;  // sparse_db: every byte
constexpr uint8_t kDigitTier = 1;   // digit_db: around digits
constexpr uint8_t kWholeOnly = 2;   // neither: a split regex, whole, for `db` only
// Only in its list's context database, not in `db`: a keyword list used as
// label context and never as evidence, which needs one hit per stream, not
// every position.
constexpr uint8_t kContextTier = 3;
// An evidence keyword expression, in `db` and in keyword_db: where digits
// are sparse it is scanned only where a keyword can count as evidence, near
// this pass's hits (see Matcher::Impl::ScanKeywordWindows). Keywords are
// three quarters of what the every-byte database costs on prose. A list that
// is also label context stays kSparseTier: its presence anywhere counts.
constexpr uint8_t kKeywordTier = 4;

struct CompiledRules {
  // The Hyperscan database is compiled on first use (EnsureDatabase): it is
  // most of the start-up cost (hs_compile_multi), and an incremental rescan
  // of an unchanged tree, `rules list` or a report never needs it.
  std::vector<std::string> hs_expressions;  // prefiltered regexes, then keyword lists
  std::vector<unsigned> hs_flags;
  std::vector<unsigned> hs_ids;     // per expression: regex (hs_regex index) or keyword id
  // Per expression: kDigitTier if every match has a digit and is at most
  // kMaxGatedWidth bytes wide (digit_gate.h), else kSparseTier. A regex may
  // have both: its top-level alternatives are placed one by one, and the
  // whole regex is then one more expression, kWholeOnly, for `db`. A label
  // context list (not evidence) is kContextTier, in context_dbs alone.
  std::vector<uint8_t> hs_tier;
  std::vector<uint8_t> hs_whole;  // per expression: 1 if `db` holds it
  std::vector<std::string> hs_error_prefix;  // per expression: "FILE:LINE: rule ID: ..."
  // Widest match of a digit-window expression: a window reaches this far
  // (plus one byte of context) on each side of a digit.
  unsigned digit_window = 0;
  // Widest match of a kKeywordTier expression: a keyword window starts this
  // far before the first keyword end it must see.
  unsigned keyword_width = 0;
  // Compiles the databases and the prototype scratch once; thread-safe.
  const Status& EnsureDatabase() const;
  mutable std::once_flag db_once;
  mutable Status db_status;
  // The Matcher scans a chunk with `db` (every expression but the context
  // lists) if digits are dense in it, else with `sparse_db` (tier 0) over
  // every byte and `digit_db` (tier 1) only around the digits. Two passes
  // over the same bytes cost more than one pass of the combined database,
  // so the split pays only where digits are sparse (prose: about 4 % of its
  // bytes lie near a digit; logs and exports: all of them).
  mutable HsDatabase db;                  // set by EnsureDatabase; hs_whole's expressions
  mutable HsDatabase sparse_db;           // null unless split_sparse()
  mutable HsDatabase digit_db;            // null unless split_tiers()
  mutable HsDatabase keyword_db;          // null unless split_keywords()
  // One database per kContextTier list (its keyword list index in
  // context_db_lists), SINGLEMATCH, scanned per chunk only until the list
  // has occurred in the stream; Hyperscan stops at the first hit. In the
  // combined database a word as common in clinical prose as "patient" cost
  // a literal confirmation at every occurrence after the first, a third of
  // the prose tier's time, and so it did in one database of all the context
  // lists until the last of them had occurred.
  mutable std::vector<HsDatabase> context_dbs;
  std::vector<int> context_db_lists;
  // The databases as one sequence, as compiled, serialized and adopted:
  // db, sparse_db, digit_db, keyword_db, then context_dbs.
  static constexpr size_t kFirstContextDb = 4;
  size_t database_count() const { return kFirstContextDb + context_db_lists.size(); }
  bool has_tier(uint8_t tier) const {
    return std::find(hs_tier.begin(), hs_tier.end(), tier) != hs_tier.end();
  }
  // Whether the split path exists: digit-bound expressions, and something
  // else to scan over every byte or near hits (evidence keywords).
  bool split_tiers() const {
    return has_tier(kDigitTier) && (has_tier(kSparseTier) || has_tier(kKeywordTier));
  }
  // Which of its other databases the split path has.
  bool split_sparse() const { return split_tiers() && has_tier(kSparseTier); }
  bool split_keywords() const { return split_tiers() && has_tier(kKeywordTier); }
  mutable HsScratch prototype_scratch;    // fits them all; cloned by each Matcher
  // Sets the databases (deserialized elsewhere; all but `db` may be null)
  // and the prototype scratch instead of compiling, unless EnsureDatabase
  // already ran. Takes ownership.
  bool AdoptDatabase(std::vector<HsDatabase>& dbs) const;
  // Sets the databases and a scratch that fits them; false (db_status set)
  // if the scratch cannot be allocated. Called once, under db_once.
  bool InstallDatabases(std::vector<HsDatabase>& dbs) const;
  mutable std::atomic<bool> db_ready{false};
  mutable std::atomic<bool> db_adopted{false};
  std::vector<CompiledRegex> regexes;
  std::vector<int> hs_regex;          // Hyperscan id i < keyword_base -> regexes index
  std::vector<int> field_regexes;     // regexes that run on field values only
  std::vector<CompiledPattern> patterns;  // every enabled type's patterns, in order
  // Per type index: the types (TypeSpec::yields_to) an overlapping reported
  // match of which drops this type's match; and whether any type yields to
  // this one (its reported spans are remembered for those).
  std::vector<std::vector<int>> yields_to;
  std::vector<uint8_t> dominant;
  std::vector<std::unique_ptr<Dictionary>> dictionaries;
  unsigned keyword_base = 0;          // ids >= keyword_base are keyword terms
  std::vector<std::string> keyword_lists;
  // Per Hyperscan id - keyword_base: the keyword list it belongs to. A
  // one-word term is scanned as a bare literal (Hyperscan's fast literal
  // matchers) and its word boundaries, `len` bytes apart, are checked on the
  // hit; other expressions carry their own \b (left = right = false).
  struct KeywordExpr {
    int list = 0;
    unsigned len = 0;
    bool left = false;
    bool right = false;
  };
  std::vector<KeywordExpr> keyword_exprs;
  // Per keyword list: a label rule names it as context (requires_keywords),
  // so the Matcher reports its presence to the sink.
  std::vector<bool> context_lists;
  // Normalised keyword term -> keyword lists containing it, for structured
  // evidence (Matcher::AddFieldContext).
  std::unordered_map<std::string, std::vector<int>> field_terms;
  // Normalised terms that also name a field as the last word(s) of a longer
  // name (patient_ssn, subscriberDOB): the pack's `field_name_suffixes`
  // list. Only unambiguous identifiers belong there: "plan id" would make
  // billing_plan_id a health plan field, "acct" gl_acct a bank account.
  std::unordered_set<std::string> field_suffixes;
  // Per type (CompiledPattern::type_index): the keyword lists of the any_of
  // and at_least groups of its patterns, sorted. A structured field named
  // for none of them holds another kind of value (Matcher's EvidenceHolds):
  // a medicare_number column holds a value of the AU_MEDICARE pattern that
  // needs an IRN keyword too.
  std::vector<std::vector<int>> required_lists;
  unsigned max_width = 0;             // over all regexes
  int max_proximity = 0;              // over all patterns
  // Ids >= exclude_base (after the keyword terms) are exclude expressions.
  unsigned exclude_base = 0;
  std::vector<ExcludeExpr> excludes;
  unsigned exclude_width = 0;         // widest exclude expression; 0 = none
};

// RE2 options for every pattern: bytes, not UTF-8, so offsets and \b agree
// with Hyperscan's non-UTF-8 mode on any input.
RE2::Options PatternOptions();

// Normalises a keyword term or field name for structured evidence: ASCII
// lower case, and runs of '_', '-', '.', '/' and whitespace become one space.
std::string NormalizeFieldName(std::string_view name);

// NormalizeFieldName that also starts a word where camelCase or PascalCase
// does: "SocialSecurityNumber" -> "social security number", "patientID" ->
// "patient id", "SSNNumber" -> "ssn number".
std::string FieldNameWords(std::string_view name);

// Normalised words without a last word that only says "number" ("ssn no",
// "credit card number", "social security #" -> "ssn", "credit card",
// "social security"); empty if there is no such word or nothing before it.
std::string_view WithoutNumberWord(std::string_view words);

// A label term as the Matcher compares it: ASCII lower case, runs of
// spaces, '_' and '-' as one space, trailing '#', '.' and ':' dropped
// ("Account#" is "account", "purchase_order" is "purchase order").
std::string LabelTerm(std::string_view term);

}  // namespace phiscan::classifiers::internal

#endif  // PHISCAN_CLASSIFIERS_INTERNAL_COMPILED_H_
