// RuleSet: the compiled, immutable form of the merged rule packs.
//
// Compile() turns every enabled type's patterns into Hyperscan databases
// (the prefilter: primary regexes report match ends, keyword lists report
// keyword positions; what cannot match without a digit is also compiled
// apart, to be scanned only around digits) plus one RE2 per distinct regex
// (the confirmer: exact spans in a bounded window around each prefilter
// hit). Patterns of any types that share a regex (after {{list}} expansion)
// share one Hyperscan expression and one RE2; each keeps its own validator,
// dictionary, evidence and score. A regex whose patterns all need
// structured-field evidence (proximity 0) is left out of the prefilter and
// run only on field values (Matcher::AddFieldContext). Every regex is checked to compile in both
// engines with the same byte semantics, to have a bounded match width (at
// most kMaxPatternWidth bytes) and to stay under RE2's program-size cap;
// label rules are checked to name known types, categories and keyword
// lists. A failure names the pack, line and type id (or label).
//
// Thread safety: immutable after Compile(); share freely via shared_ptr.
// Per-thread scan state lives in Matcher (matcher.h).
#ifndef PHISCAN_CLASSIFIERS_RULESET_H_
#define PHISCAN_CLASSIFIERS_RULESET_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "classifiers/rule_pack.h"
#include "common/status.h"

namespace phiscan::classifiers {

// Longest match a primary pattern may have. Bounds the confirm window and
// the overlap kept between chunks.
constexpr unsigned kMaxPatternWidth = 512;
// Cap on an RE2 program's size; patterns beyond it are rejected as too costly.
constexpr int kMaxProgramSize = 4000;

// The keyword list whose terms also name a structured field as the last
// word or words of a longer name (patient_ssn, subscriberDOB,
// patient-date-of-birth), where the whole name is no term. Reserved: it is
// read by name, never scanned for.
inline constexpr const char* kFieldNameSuffixes = "field_name_suffixes";

struct TypeInfo {
  std::string id;
  std::string name;
  std::string description;
  std::string category;
  int hipaa_class = 0;
  std::string normalize;
  int proximity = 300;
  std::vector<PatternSpec> patterns;  // as written in the pack
  std::string source;
};

struct CompileOptions {
  // Scan for each pattern's `prefilter` instead of its regex. Off only in
  // the differential test that proves both find exactly the same matches.
  bool use_prefilters = true;
  // Scan the expressions that cannot match without a digit only in windows
  // around digits (classifiers/internal/digit_gate.h). Off only in the
  // differential test, which compares against a scan of every byte.
  bool use_digit_windows = true;
  // Take the matches of a fixed-width regex from Hyperscan's ends instead of
  // searching for them with RE2 (CompiledRegex::exact_width). Off only in
  // the differential test, which confirms every hit with RE2.
  bool use_exact_ends = true;
  // Look for an exclude expression that is a plain sequence of byte classes
  // (internal/byte_classes.h) around the hits it may veto instead of
  // scanning for it with Hyperscan. Off only in the differential test.
  bool check_excludes_in_code = true;
  // Find a hit's match with the backtracking search of
  // internal/backtrack.h where the regex's syntax allows, RE2 otherwise
  // (and whenever that search gives up). Off only in the differential test,
  // which confirms every hit with RE2.
  bool use_backtracker = true;
  // Skip confirming a window of hits of a regex whose every pattern needs a
  // keyword list, when no list occurs within reach of the window
  // (CompiledRegex::gate_lists). Off only in the differential test.
  bool use_evidence_gate = true;

  // Every optimisation above off: the straightforward matcher the
  // differential tests and fuzz targets compare the optimised one with.
  static CompileOptions Straightforward() {
    CompileOptions o;
    o.use_prefilters = o.use_digit_windows = o.use_exact_ends = false;
    o.check_excludes_in_code = o.use_backtracker = o.use_evidence_gate = false;
    return o;
  }
};

// Widest expression scanned only around digits; wider ones (an address
// that starts with a house number) are scanned over every byte, since
// windows that wide would cover most of any text.
constexpr unsigned kMaxGatedWidth = 64;

namespace internal {
struct CompiledRules;  // Hyperscan database, RE2 objects, evidence tables
}

// A rule pack's text and the name its errors give it (its file).
struct PackText {
  std::string source;
  std::string text;
};

class RuleSet {
 public:
  // Compiles the merged pack. Errors: kInvalidArgument with
  // "SOURCE:LINE: rule ID: reason" for the first bad pattern (or label
  // rule); every error found is also appended to *all_errors if given (each
  // bad pattern, label rule and disabled type, not only the first; a use of
  // a keyword list or type in pack.broken is not one).
  static Result<std::shared_ptr<const RuleSet>> Compile(
      const RulePack& pack, const CompileOptions& options = {},
      std::vector<PackError>* all_errors = nullptr);

  // The built-in pack followed by the given user packs, in order, merged
  // and compiled. Errors name the pack's `source` (tools/rule_files.h reads
  // the files; this module opens none).
  static Result<std::shared_ptr<const RuleSet>> LoadWithBuiltins(
      const std::vector<PackText>& user_packs = {});

  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  const std::vector<TypeInfo>& types() const { return types_; }
  const std::vector<LabelRule>& labels() const { return labels_; }
  // Index of a type id in types(), or -1.
  int FindType(const std::string& id) const;

  // Content hash of the merged pack (hex). Changes whenever any rule changes;
  // the catalog stores it to know which results a rule change invalidates.
  const std::string& version() const { return version_; }

  // Bytes a Matcher keeps from the previous chunk so that a match crossing a
  // chunk boundary is still found with its left context.
  size_t overlap_bytes() const { return overlap_bytes_; }

  // Compiles the Hyperscan database now instead of when the first Matcher
  // needs it (Compile() defers it: it is most of the start-up time, and an
  // unchanged incremental rescan never needs it). Every pattern was already
  // checked alone at Compile(); this reports the rare failure of the combined
  // database, naming the pack, line and rule. Thread-safe; compiles once.
  Status EnsureCompiled() const;

  // The compiled Hyperscan databases as bytes, so that a caller can keep
  // them between runs (classifiers/ does no file I/O; see
  // tools/rule_cache.h). The bytes are database_key() (a hash of every
  // expression, flag and database assignment, the Hyperscan version and this
  // CPU's features, so bytes made for other rules, another Hyperscan or
  // another machine are refused), the SHA-256 of the rest (damaged bytes are
  // refused), the databases' lengths, then the databases.
  const std::string& database_key() const { return database_key_; }
  // Compiles first if needed.
  Result<std::string> SerializeDatabase() const;
  // Uses bytes from SerializeDatabase() instead of compiling. False, and the
  // database is compiled on first use as usual, if it already was compiled
  // or adopted or the bytes are not this rule set's on this machine.
  // Thread-safe.
  bool AdoptDatabase(std::string_view bytes) const;
  // True once the database was compiled or adopted; adopted: it came from
  // AdoptDatabase().
  bool database_ready() const;
  bool database_adopted() const;

  // Hyperscan's shortest and longest match of each expression, which
  // Compile() asks of every pattern, prefilter, exclusion and alternative:
  // most of its time when the database comes from a cache. The answers
  // are remembered for the life of the process; these keep them between
  // runs, as bytes the caller stores (tools/rule_cache.h). Thread-safe.
  // Only answers about the expression are kept: its widths, or that it can
  // never match (not a failure such as running out of memory).
  // Changed: some answer was asked of Hyperscan since the caller last said
  // it stored them (Stored). Serialize: the answers with the Hyperscan
  // version, at most kMaxRememberedWidths of them unless this process
  // asked more. Adopt: remembers the answers in such bytes, keeping any
  // already known; false, and nothing adopted, if they are another
  // Hyperscan version's, damaged or malformed.
  static bool ExpressionWidthsChanged();
  static std::string SerializeExpressionWidths();
  static void ExpressionWidthsStored();
  static bool AdoptExpressionWidths(std::string_view bytes);

  const internal::CompiledRules& compiled() const { return *compiled_; }

 private:
  RuleSet() = default;
  std::vector<TypeInfo> types_;
  std::vector<LabelRule> labels_;
  std::string version_;
  std::string database_key_;
  size_t overlap_bytes_ = 0;
  std::unique_ptr<internal::CompiledRules> compiled_;
};

// Answers kept by RuleSet::SerializeExpressionWidths() beyond those asked
// in the process: the built-in pack asks about 180, a site pack adds its own.
constexpr size_t kMaxRememberedWidths = 20000;

// At most this many errors are listed per pack, then one line with how many
// more there were: a file that is no rule pack at all, or a list pasted in
// the wrong place, would otherwise bury the errors that matter.
constexpr size_t kMaxErrorsPerPack = 50;

struct PackCheck {
  std::shared_ptr<const RuleSet> rules;  // set when there is no error
  // One line each: "FILE:LINE: rule ID: what is wrong" (or "label LABEL",
  // "keyword list NAME"), pack by pack in the order given, by line within
  // a pack.
  std::vector<std::string> errors;
  // What loads but may surprise: "FILE:LINE: rule ID: replaces the built-in
  // type ID ..." for a type that takes an earlier pack's id whole.
  std::vector<std::string> notes;
};

// Checks user packs together, as LoadWithBuiltins loads them (the built-in
// pack first, then these in order, so a pack may use an earlier one's
// keyword lists), and reports every error of every pack, not only the
// first: structure, then regexes, validators, keyword lists and label rules
// of what parsed. With no error, the combined Hyperscan database is also
// made ready (its failure is the one error then): by `ready` when given (the
// front end loads it from its cache, or compiles and stores it), else
// compiled.
PackCheck CheckRulePacks(const std::vector<PackText>& packs,
                         const std::function<Status(const RuleSet&)>& ready = {});

}  // namespace phiscan::classifiers

#endif  // PHISCAN_CLASSIFIERS_RULESET_H_
