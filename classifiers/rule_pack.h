// Rule packs: sensitive information types as data.
//
// A rule pack is a YAML document (format documented in README "Rule packs"):
//
//   pack: builtin            # name, used in error messages and `rules list`
//   version: 1
//   keywords:                # named keyword lists, referenced by patterns
//     ssn_terms: [ssn, "social security number", ...]
//     sin_acronym: {terms: [SIN], case_sensitive: true}   # as written only
//   types:
//     - id: US_SSN
//       name: U.S. Social Security number
//       category: PII        # PHI | PII | PCI | CREDENTIAL
//       hipaa: 7             # Safe Harbor identifier class 1..18, or omitted
//       normalize: digits    # how a value is normalised before tokenising
//       proximity: 300       # evidence window, bytes each side (default 300)
//       patterns:
//         - regex: '\b\d{3}-\d{2}-\d{4}\b'
//           validator: ssn
//           score: 85
//           proximity: 50     # optional: this pattern's own evidence window
//           evidence:
//             - any_of: [ssn_terms]
//             - none_of: [ssn_negative_terms]
//             - at_least: 2
//               of: [a, b, c]
//         - regex: '\bName:\s{0,3}({{given_names}} [A-Z][a-z]{1,20})'
//           dictionary: [given_names, family_names]
//           score: 75
//   labels:                  # first matching rule wins; NONE if none match
//     - label: PHI
//       any_category: [PII]
//       requires_type: [ICD10_CODE]        # health context: any of these
//       requires_keywords: [clinical_terms] #   (or requires_category) present
//       min_confidence: medium
//
// Regex extensions (both resolved in RuleSet::Compile, after merging packs):
//   {{list}}  expands to an alternation of the keyword list's terms, written
//             literally (case as written): a dictionary primary.
//   (group)   if the regex has a capturing group, the first group is the
//             value (span, mask, token, evidence window) and the rest of the
//             match is its anchor ("Patient: "), which is not reported.
// `dictionary: [lists]` requires at least one word of the value (a run of
// letters, apostrophes and hyphens) to be a term of one of the lists, compared
// ASCII case-insensitively.
//
// Loading checks structure only (unknown keys, keys given twice, wrong
// types, missing fields, unknown validators, duplicate ids) and reports the
// first error (ParseRulePackAll: every error) as "FILE:LINE: rule ID: what
// is wrong" ("label LABEL: ", "keyword list NAME: " for those, nothing for
// the pack's own keys). Regex compilation, cost checks and keyword list
// names happen in RuleSet::Compile.
//
// Errors never quote the file beyond names (IsQuotableName, common/
// escape.h; "a rule", "unknown key at column 5" for others) and regexes
// cut to 80 bytes: a user may name a file of records as a pack by mistake.
// Such a file (not text, or no YAML mapping with a key of a pack) is one
// error, "FILE: not a rule pack (...)".
//
// Thread safety: plain values.
#ifndef PHISCAN_CLASSIFIERS_RULE_PACK_H_
#define PHISCAN_CLASSIFIERS_RULE_PACK_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace phiscan::classifiers {

struct EvidenceGroup {
  enum class Kind { kAnyOf, kAtLeast, kNoneOf };
  Kind kind = Kind::kAnyOf;
  int min_lists = 1;                // for kAtLeast: how many of `lists` must hit
  std::vector<std::string> lists;   // keyword list names
  int line = 0;
};

struct PatternSpec {
  std::string regex;
  // Optional cheaper expression that matches inside every match of `regex`
  // (a literal such as "@", a name list): Hyperscan scans for it and RE2
  // confirms `regex` in a window of its width around each hit. "" = scan
  // for `regex` itself.
  std::string prefilter;
  // Optional Hyperscan expressions of fixed width (at most 64 bytes): a match
  // of `regex` that overlaps a match of one of them is no candidate, such as
  // a date that is part of a timestamp. Hyperscan finds them alongside the
  // patterns, so a hit inside one is dropped before RE2 confirms it.
  std::vector<std::string> exclude;
  std::string validator;  // "" = none; else a name from validators.h
  int score = 0;          // 1..100
  int proximity = -1;     // evidence window for this pattern; -1 = the type's
  std::vector<std::string> dictionary;  // keyword lists; a word of the value must be in one
  std::vector<EvidenceGroup> evidence;  // all groups must hold
  // Keyword lists naming other kinds of number: a match whose label (the
  // term just before it on its line, then at most a number word such as
  // "number", "no" or "id", and separators) is one of their terms is no
  // candidate: "Order number 536228726" is no SSN, whatever keyword is near.
  std::vector<std::string> unless_labelled;
  // If the validator (or dictionary) rejects a match, try the longest
  // shorter match from the same start, and so on: a grouped IBAN followed
  // by a four-character word ("BE68 5390 0754 7034 2024") matches with the
  // word first. Only for a regex without a capturing group.
  bool retry_shorter = false;
  int line = 0;
};

struct TypeSpec {
  std::string id;
  std::string name;
  std::string description;
  std::string category;     // PHI, PII, PCI, CREDENTIAL
  int hipaa_class = 0;      // 1..18, 0 = none
  std::string normalize = "none";  // digits | phone | alnum_upper | lower | none
  int proximity = 300;
  bool enabled = true;      // `enabled: false` in a later pack disables a built-in
  // Types whose reported matches this type's overlapping matches give way
  // to: a generic password that is a GitHub token is that token, once.
  std::vector<std::string> yields_to;
  int yields_to_line = 0;
  std::vector<PatternSpec> patterns;
  std::string source;       // pack file the type came from
  int line = 0;
};

// A labelling rule fires when an identifier condition holds (a type of
// `any_category` or `any_type` found at `min_score` or more) and, if any
// requires_* list is given, at least one context condition holds too: a type
// of `requires_category` or `requires_type` found (at any score), or a term
// of a `requires_keywords` list anywhere in the asset.
struct LabelRule {
  std::string label;
  // What the catalog records as the asset's label_rule: the pack's `id`, or
  // "labels[N]" (N: its place among all packs' rules) when it gives none.
  std::string id;
  std::vector<std::string> any_category;  // fires if any type of these categories...
  std::vector<std::string> any_type;      // ...or any of these type ids is present
  std::vector<std::string> requires_category;  // context: a type of these categories,
  std::vector<std::string> requires_type;      // or one of these types,
  std::vector<std::string> requires_keywords;  // or a term of these keyword lists
  int min_score = 0;                      // only findings at or above this score count
  // An identifier type counts only with at least this many distinct values
  // in the asset (0: any): 200 formatted SSNs without a keyword are a list
  // of SSNs, where one alone may be any number of that shape.
  uint64_t min_unique = 0;
  std::string source;                     // pack file, for errors
  int line = 0;
};

struct RulePack {
  std::string name;
  std::string source;       // file path or "<builtin>"
  int version = 1;
  std::map<std::string, std::vector<std::string>> keywords;
  // Keyword lists whose terms match in text only as written (an acronym
  // that is also a word in some language: SIN, not Spanish "sin"). Field
  // names and dictionary checks stay case-insensitive.
  std::set<std::string> case_sensitive_lists;
  std::vector<TypeSpec> types;
  std::vector<LabelRule> labels;
  // Keyword lists and types this pack defines with errors (only in a pack
  // ParseRulePackAll reported errors for): RuleSet::Compile does not report
  // them unknown where they are used, which would repeat those errors.
  std::set<std::string> broken;
};

// One error of a rule pack: the pack and line it names, and the whole
// one-line message "FILE:LINE: rule ID: what is wrong".
struct PackError {
  std::string source;
  int line = 0;
  std::string message;
  // The item it is about ("rule ID", "label LABEL", "keyword list NAME";
  // empty for the pack's own keys and the file as a whole).
  std::string item;
};

// Parses a rule pack from YAML text. `source` names the file in errors.
// Errors: kInvalidArgument with the pack's first error by line, or, if
// the item it is about (a type, label or keyword list) has an unknown key,
// that key's: a misspelt key rather than what it leads to (a type "needs
// 'category'" at its first line when 'categry' is given).
Result<RulePack> ParseRulePack(std::string_view yaml_text, const std::string& source);

// Parses what is well-formed of a rule pack and appends every error to
// *errors, in line order, each field's and item's own (for `rules check`).
// A pattern, keyword list or label rule with an error is left out; a type
// with one keeps its good patterns, so that RuleSet::Compile can check them
// too. A YAML syntax error ends the parse: it is the only error; so is
// "FILE: not a rule pack (...)", at line 0.
RulePack ParseRulePackAll(std::string_view yaml_text, const std::string& source,
                          std::vector<PackError>* errors);

// Whether `category` is one a type may have: PHI, PII, PCI or CREDENTIAL.
inline bool IsCategory(std::string_view category) {
  return category == "PHI" || category == "PII" || category == "PCI" ||
         category == "CREDENTIAL";
}

// The name the built-in pack's errors and rules carry as their source.
inline constexpr char kBuiltinSource[] = "<builtin>";

// The pack compiled into the binary (classifiers/rules/builtin.yaml).
std::string_view BuiltinRulePackText();

// Merges packs in order: a later type with the same id replaces the earlier
// one (or disables it with `enabled: false`); keyword lists merge by name,
// later wins (case sensitivity included); label rules of later packs come first.
RulePack MergeRulePacks(const std::vector<RulePack>& packs);

}  // namespace phiscan::classifiers

#endif  // PHISCAN_CLASSIFIERS_RULE_PACK_H_
