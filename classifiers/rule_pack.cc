#include "classifiers/rule_pack.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>
#include <set>

#include "classifiers/validators.h"
#include "common/config_text.h"
#include "common/did_you_mean.h"
#include "common/escape.h"
#include "common/model.h"

namespace phiscan::classifiers {
namespace {

// Thrown by a check inside the parser; Errors::Run records it and the parse
// goes on with the next field or item.
struct ItemError {
  int line;
  std::string rule;  // what the error is in: "rule ID", "label LABEL", "keyword
                     // list NAME", or "" for pack-level errors
  std::string what;
  int null_pos = -1;  // an empty value's mark: its key's line is found from it
};

int LineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

// Where an empty value's line is found from (ContentLineBefore), or -1.
int NullPos(const YAML::Node& n) { return n.IsDefined() && n.IsNull() ? n.Mark().pos : -1; }

// A key or value an error names: quoted if it may be, else by its column,
// so that a data file given as a pack is not echoed.
std::string Named(const std::string& text, const YAML::Node& n) {
  return NameOrColumn(text, n.Mark().column);
}

[[noreturn]] void Fail(const YAML::Node& n, const std::string& rule, const std::string& what) {
  throw ItemError{LineOf(n), rule, what, NullPos(n)};
}

// Thrown where the errors it stands for were recorded already.
struct Recorded {};

// Every error of one pack, each made a one-line PackError.
class Errors {
 public:
  Errors(const std::string& source, std::string_view text, std::vector<PackError>* out)
      : source_(source), text_(text), out_(out) {}

  // The line an error about `n` names: an empty value's is its key's.
  int Line(const YAML::Node& n) const { return Line(LineOf(n), NullPos(n)); }

  void Add(int line, const std::string& rule, const std::string& what) {
    std::string msg = source_ + ":" + std::to_string(line) + ": ";
    if (!rule.empty()) msg += rule + ": ";
    // Keys and values echoed in the reason come from the file: escaped, so
    // the error stays one printable line.
    out_->push_back({source_, line, EscapeBytes(msg + what), rule});
  }

  // An error about the file as a whole: "FILE: what".
  void AddForFile(const std::string& what) {
    out_->push_back({source_, 0, EscapeBytes(source_ + ": " + what), {}});
  }

  // yaml-cpp's reason only: its message may quote a key or value.
  void AddYaml(const YAML::Exception& e) {
    Add(e.mark.line + 1, "", YamlErrorText(e.msg, e.mark.column));
  }

  // Runs `check`; records the error it throws, if any. True if none.
  template <typename F>
  bool Run(F&& check) {
    try {
      check();
      return true;
    } catch (const ItemError& e) {
      Add(Line(e.line, e.null_pos), e.rule, e.what);
    } catch (const Recorded&) {
    } catch (const YAML::Exception& e) {  // a conversion yaml-cpp refused
      AddYaml(e);
    }
    return false;
  }

 private:
  // `line`, or for an empty value (its mark at `null_pos`) its key's line.
  int Line(int line, int null_pos) const {
    return null_pos >= 0 ? ContentLineBefore(text_, static_cast<size_t>(null_pos)) : line;
  }

  const std::string& source_;
  std::string_view text_;
  std::vector<PackError>* out_;
};

// Records an error for every key of `map` not in `allowed` or given twice.
// True if there was none.
bool CheckKeys(const YAML::Node& map, const std::set<std::string>& allowed,
               const std::string& rule, const char* where, Errors& errors) {
  if (!map.IsMap()) {
    errors.Add(errors.Line(map), rule, std::string(where) + " must be a mapping");
    return false;
  }
  bool ok = true;
  std::set<std::string> seen;
  for (const auto& kv : map) {
    ok &= errors.Run([&] {
      auto key = kv.first.as<std::string>();
      if (!allowed.count(key)) {
        Fail(kv.first, rule,
             "unknown key " + Named(key, kv.first) + " in " + where +
                 DidYouMean(NearestNames(key, {allowed.begin(), allowed.end()}, 1)));
      }
      // YAML forbids a key twice in a mapping; yaml-cpp keeps both and a
      // lookup sees only one, so the other would be ignored unnoticed.
      if (!seen.insert(key).second) {
        Fail(kv.first, rule, "duplicate key " + Named(key, kv.first) + " in " + where);
      }
    });
  }
  return ok;
}

std::string Str(const YAML::Node& n, const std::string& rule, const char* what) {
  if (!n.IsScalar()) Fail(n, rule, std::string(what) + " must be a string");
  return n.as<std::string>();
}

int Int(const YAML::Node& n, const std::string& rule, const char* what, int lo, int hi) {
  const std::string range =
      std::string(what) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi);
  int v;
  if (!n.IsScalar() || !YAML::convert<int>::decode(n, v)) {
    // An integer too large for an int is out of range, not "no integer".
    const std::string& text = n.IsScalar() ? n.Scalar() : std::string();
    const size_t digits = text.starts_with('-') || text.starts_with('+') ? 1 : 0;
    if (text.size() > digits && text.find_first_not_of("0123456789", digits) == std::string::npos) {
      Fail(n, rule, range);
    }
    Fail(n, rule, std::string(what) + " must be an integer");
  }
  if (v < lo || v > hi) Fail(n, rule, range);
  return v;
}

std::vector<std::string> StrList(const YAML::Node& n, const std::string& rule, const char* what) {
  if (!n.IsSequence()) Fail(n, rule, std::string(what) + " must be a list");
  std::vector<std::string> out;
  for (const auto& item : n) {
    if (!item.IsScalar()) Fail(item, rule, std::string(what) + " must be a list of strings");
    out.push_back(item.Scalar());
  }
  return out;
}

bool Bool(const YAML::Node& n, const std::string& rule, const char* what) {
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
    Fail(n, rule, std::string(what) + " must be true or false");
  }
  return v;
}

// A confidence word, or a score as `score:` takes it.
int ParseConfidenceOrScore(const YAML::Node& n, const std::string& rule) {
  if (n.IsScalar()) {
    if (auto c = ParseConfidence(n.as<std::string>())) return ScoreFor(*c);
    int v;
    if (YAML::convert<int>::decode(n, v)) return Int(n, rule, "confidence as a score", 1, 100);
  }
  Fail(n, rule, "confidence must be low, medium or high (or a score 1-100)");
}

// Throws the group's first error.
EvidenceGroup ParseEvidence(const YAML::Node& n, const std::string& rule) {
  if (!n.IsMap()) Fail(n, rule, "evidence must be a mapping");
  EvidenceGroup g;
  g.line = LineOf(n);
  int forms = n["any_of"].IsDefined() + n["none_of"].IsDefined() + n["at_least"].IsDefined();
  if (forms != 1) Fail(n, rule, "evidence needs exactly one of any_of, none_of, at_least");
  if (n["of"] && !n["at_least"]) Fail(n["of"], rule, "'of' goes with at_least only");
  if (n["any_of"]) {
    g.kind = EvidenceGroup::Kind::kAnyOf;
    g.lists = StrList(n["any_of"], rule, "any_of");
  } else if (n["none_of"]) {
    g.kind = EvidenceGroup::Kind::kNoneOf;
    g.lists = StrList(n["none_of"], rule, "none_of");
  } else {
    g.kind = EvidenceGroup::Kind::kAtLeast;
    if (!n["of"]) Fail(n, rule, "at_least needs 'of: [keyword lists]'");
    g.lists = StrList(n["of"], rule, "of");
    g.min_lists = Int(n["at_least"], rule, "at_least", 1, static_cast<int>(g.lists.size()));
  }
  if (g.lists.empty()) Fail(n, rule, "evidence group names no keyword list");
  // Keyword list names are resolved after merging packs (RuleSet::Compile),
  // so a user pack may use the built-in lists.
  return g;
}

// The pattern, or nullopt if it has an error (each of its fields' errors is
// recorded).
std::optional<PatternSpec> ParsePattern(const YAML::Node& n, const std::string& rule,
                                        Errors& errors) {
  if (!CheckKeys(n,
                 {"regex", "prefilter", "exclude", "validator", "score", "confidence",
                  "proximity", "dictionary", "evidence", "retry_shorter", "unless_labelled"},
                 rule, "pattern", errors) &&
      !n.IsMap()) {
    return std::nullopt;
  }
  PatternSpec p;
  p.line = LineOf(n);
  bool ok = true;
  auto field = [&](auto&& check) { ok &= errors.Run(check); };
  field([&] {
    if (!n["regex"]) Fail(n, rule, "pattern needs 'regex'");
    p.regex = Str(n["regex"], rule, "regex");
    if (p.regex.empty()) Fail(n["regex"], rule, "regex is empty");
  });
  field([&] {
    if (!n["prefilter"]) return;
    p.prefilter = Str(n["prefilter"], rule, "prefilter");
    if (p.prefilter.empty()) Fail(n["prefilter"], rule, "prefilter is empty");
  });
  field([&] {
    if (!n["exclude"]) return;
    p.exclude = StrList(n["exclude"], rule, "exclude");
    if (p.exclude.empty()) Fail(n["exclude"], rule, "exclude names no expression");
    for (const auto& x : p.exclude) {
      if (x.empty()) Fail(n["exclude"], rule, "exclude has an empty expression");
    }
  });
  field([&] {
    if (n["retry_shorter"]) p.retry_shorter = Bool(n["retry_shorter"], rule, "retry_shorter");
  });
  field([&] {
    if (!n["validator"]) return;
    p.validator = Str(n["validator"], rule, "validator");
    if (FindValidator(p.validator) == nullptr) {
      std::string known;
      for (auto names = ValidatorNames(); *names; ++names) {
        known += known.empty() ? "" : ", ";
        known += *names;
      }
      Fail(n["validator"], rule,
           "unknown validator " + Named(p.validator, n["validator"]) + " (known: " + known + ")");
    }
  });
  field([&] {
    if (n["score"] && n["confidence"]) Fail(n, rule, "give either score or confidence, not both");
    if (n["score"]) {
      p.score = Int(n["score"], rule, "score", 1, 100);
    } else if (n["confidence"]) {
      p.score = ParseConfidenceOrScore(n["confidence"], rule);
    } else {
      Fail(n, rule, "pattern needs 'score' (1-100) or 'confidence' (low|medium|high)");
    }
  });
  field([&] {
    if (n["proximity"]) p.proximity = Int(n["proximity"], rule, "proximity", 0, 4096);
  });
  field([&] {
    if (!n["dictionary"]) return;
    p.dictionary = StrList(n["dictionary"], rule, "dictionary");
    if (p.dictionary.empty()) Fail(n["dictionary"], rule, "dictionary names no keyword list");
  });
  field([&] {
    if (!n["unless_labelled"]) return;
    p.unless_labelled = StrList(n["unless_labelled"], rule, "unless_labelled");
    if (p.unless_labelled.empty()) {
      Fail(n["unless_labelled"], rule, "unless_labelled names no keyword list");
    }
  });
  if (n["evidence"]) {
    if (!n["evidence"].IsSequence()) {
      field([&] { Fail(n["evidence"], rule, "evidence must be a list"); });
    } else {
      for (const auto& e : n["evidence"]) {
        if (CheckKeys(e, {"any_of", "none_of", "at_least", "of"}, rule, "evidence", errors)) {
          field([&] { p.evidence.push_back(ParseEvidence(e, rule)); });
        } else {
          ok = false;
        }
      }
    }
  }
  if (!ok) return std::nullopt;
  return p;
}

bool ValidTypeId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// The type, or nullopt if it has no usable id. A type with errors in its
// fields or patterns keeps its good patterns (so that RuleSet::Compile can
// check those too) and is added to pack->broken.
std::optional<TypeSpec> ParseType(const YAML::Node& n, RulePack* pack, Errors& errors) {
  TypeSpec t;
  if (!errors.Run([&] {
        if (!n.IsMap()) Fail(n, "", "a type must be a mapping");
        if (!n["id"]) Fail(n, "", "type needs 'id'");
        t.id = Str(n["id"], "", "id");
      })) {
    return std::nullopt;
  }
  const std::string rule = NameOrKind("rule", t.id);
  bool ok = CheckKeys(n,
                      {"id", "name", "description", "category", "hipaa", "normalize",
                       "proximity", "enabled", "yields_to", "patterns"},
                      rule, "type", errors);
  auto field = [&](auto&& check) { ok &= errors.Run(check); };
  t.line = LineOf(n);
  t.source = pack->source;
  field([&] {
    if (!ValidTypeId(t.id)) Fail(n["id"], rule, "id must be UPPER_SNAKE_CASE (A-Z, 0-9, _)");
  });
  if (n["enabled"]) {
    bool enabled_ok = errors.Run([&] { t.enabled = Bool(n["enabled"], rule, "enabled"); });
    ok &= enabled_ok;
    // A bare disable of an earlier type, or what was meant as one.
    if ((!t.enabled || !enabled_ok) && !n["patterns"]) {
      if (!ok) pack->broken.insert(t.id);
      return t;
    }
  }
  field([&] { t.name = n["name"] ? Str(n["name"], rule, "name") : t.id; });
  field([&] {
    if (n["description"]) t.description = Str(n["description"], rule, "description");
  });
  field([&] {
    if (!n["category"]) Fail(n, rule, "type needs 'category' (PHI, PII, PCI or CREDENTIAL)");
    t.category = Str(n["category"], rule, "category");
    if (!IsCategory(t.category)) {
      Fail(n["category"], rule, "category must be PHI, PII, PCI or CREDENTIAL");
    }
  });
  field([&] {
    if (n["hipaa"]) t.hipaa_class = Int(n["hipaa"], rule, "hipaa", 1, 18);
  });
  field([&] {
    if (!n["normalize"]) return;
    t.normalize = Str(n["normalize"], rule, "normalize");
    static const std::set<std::string> kModes = {"digits", "phone", "alnum_upper", "lower",
                                                 "name", "none"};
    if (!kModes.count(t.normalize)) {
      Fail(n["normalize"], rule,
           "normalize must be digits, phone, alnum_upper, lower, name or none");
    }
  });
  field([&] {
    if (n["proximity"]) t.proximity = Int(n["proximity"], rule, "proximity", 0, 4096);
  });
  field([&] {
    if (!n["yields_to"]) return;
    t.yields_to = StrList(n["yields_to"], rule, "yields_to");
    t.yields_to_line = errors.Line(n["yields_to"]);
  });
  if (!n["patterns"] || !n["patterns"].IsSequence() || n["patterns"].size() == 0) {
    field([&] { Fail(n, rule, "type needs a non-empty 'patterns' list"); });
  } else {
    for (const auto& p : n["patterns"]) {
      auto pattern = ParsePattern(p, rule, errors);
      if (pattern) {
        t.patterns.push_back(std::move(*pattern));
      } else {
        ok = false;
      }
    }
  }
  if (!ok) pack->broken.insert(t.id);
  return t;
}

// Throws the rule's first error after its keys.
LabelRule ParseLabel(const YAML::Node& n, const std::string& source, Errors& errors) {
  LabelRule l;
  l.line = LineOf(n);
  l.source = source;
  if (!n.IsMap()) Fail(n, "", "label rule must be a mapping");
  if (!n["label"]) Fail(n, "", "label rule needs 'label'");
  l.label = Str(n["label"], "", "label");
  // A label is a name reports, --label and --fail-on take: not blank, not
  // a sentence, and not NONE, what an asset with nothing found gets.
  if (!IsQuotableName(l.label)) {
    Fail(n["label"], "", "a label must be 1-64 letters, digits, '_', '-' or '.', starting with a "
                         "letter or '_'");
  }
  if (l.label == "NONE") {
    Fail(n["label"], "", "label NONE is reserved (what an asset with nothing sensitive gets)");
  }
  const std::string rule = NameOrKind("label", l.label);
  bool ok = CheckKeys(n,
                      {"label", "id", "any_category", "any_type", "requires_category",
                       "requires_type", "requires_keywords", "min_confidence", "min_score",
                       "min_unique"},
                      rule, "label rule", errors);
  auto field = [&](auto&& check) { ok &= errors.Run(check); };
  field([&] {
    if (!n["id"]) return;
    l.id = Str(n["id"], rule, "id");
    if (!IsQuotableName(l.id)) {
      Fail(n["id"], rule, "id must be 1-64 letters, digits, '_', '-' or '.', starting with a "
                          "letter or '_'");
    }
  });
  field([&] {
    if (n["any_category"]) l.any_category = StrList(n["any_category"], rule, "any_category");
  });
  field([&] {
    if (n["any_type"]) l.any_type = StrList(n["any_type"], rule, "any_type");
  });
  field([&] {
    if (n["requires_category"]) {
      l.requires_category = StrList(n["requires_category"], rule, "requires_category");
    }
  });
  field([&] {
    if (n["requires_type"]) l.requires_type = StrList(n["requires_type"], rule, "requires_type");
  });
  field([&] {
    if (n["requires_keywords"]) {
      l.requires_keywords = StrList(n["requires_keywords"], rule, "requires_keywords");
    }
  });
  field([&] {
    if (!n["any_category"] && !n["any_type"]) {
      Fail(n, rule, "label rule needs any_category or any_type");
    }
  });
  field([&] {
    if (n["min_confidence"] && n["min_score"]) {
      Fail(n, rule, "give either min_confidence or min_score, not both");
    }
    if (n["min_confidence"]) {
      auto c = ParseConfidence(Str(n["min_confidence"], rule, "min_confidence"));
      if (!c) Fail(n["min_confidence"], rule, "min_confidence must be low, medium or high");
      l.min_score = MinScoreFor(*c);
    }
    if (n["min_score"]) l.min_score = Int(n["min_score"], rule, "min_score", 1, 100);
  });
  field([&] {
    if (n["min_unique"]) {
      l.min_unique = static_cast<uint64_t>(Int(n["min_unique"], rule, "min_unique", 1, 1000000));
    }
  });
  if (!ok) throw Recorded{};
  return l;
}

// A keyword list's value: its terms, or {terms: [...], case_sensitive: true}.
void ReadKeywordList(const YAML::Node& value, const std::string& rule, Errors& errors,
                     bool* case_sensitive, std::vector<std::string>* out) {
  YAML::Node list = value;
  if (list.IsMap()) {
    if (!CheckKeys(list, {"terms", "case_sensitive"}, rule, "keyword list", errors)) {
      throw Recorded{};
    }
    if (!list["terms"]) Fail(list, rule, "keyword list needs terms");
    if (list["case_sensitive"]) {
      *case_sensitive = Bool(list["case_sensitive"], rule, "case_sensitive");
    }
    list = list["terms"];
  }
  std::vector<std::string> terms = StrList(list, rule, "keyword list");
  if (terms.empty()) Fail(value, rule, "keyword list is empty");
  for (const auto& t : terms) {
    if (t.empty() || t.size() > 50) Fail(value, rule, "keyword terms must be 1-50 bytes");
  }
  *out = std::move(terms);
}

void ParseKeywords(const YAML::Node& kw, RulePack* pack, Errors& errors) {
  if (!kw.IsMap()) {
    errors.Add(errors.Line(kw), "", "keywords must map list names to lists of terms");
    return;
  }
  std::set<std::string> names;
  for (const auto& kv : kw) {
    std::string name;
    if (!errors.Run([&] { name = kv.first.as<std::string>(); })) continue;
    const std::string rule = NameOrKind("keyword list", name);
    bool ok = errors.Run([&] {
      if (!names.insert(name).second) Fail(kv.first, rule, "defined twice in this pack");
    });
    if (!ok) continue;  // the first definition stands
    bool case_sensitive = false;
    std::vector<std::string> terms;
    ok = errors.Run([&] {
      // An alias (*A) carries the position of its anchor, which may be
      // another list's line: an error in it is this list's, at its name.
      try {
        ReadKeywordList(kv.second, rule, errors, &case_sensitive, &terms);
      } catch (ItemError& e) {
        e.line = std::max(e.line, LineOf(kv.first));
        throw;
      }
    });
    if (!ok) {
      pack->broken.insert(name);
      continue;
    }
    if (case_sensitive) pack->case_sensitive_lists.insert(name);
    pack->keywords[name] = std::move(terms);
  }
}

// The keys of a pack's top-level mapping.
const std::set<std::string> kPackKeys = {"pack", "version", "keywords", "types", "labels"};

// REQUIRES: `root` is a mapping with a key of kPackKeys.
void ParseRoot(const YAML::Node& root, RulePack* pack, Errors& errors) {
  CheckKeys(root, kPackKeys, "", "rule pack", errors);
  pack->name = pack->source;
  errors.Run([&] {
    if (root["pack"]) pack->name = Str(root["pack"], "", "pack");
  });
  errors.Run([&] {
    if (root["version"]) pack->version = Int(root["version"], "", "version", 0, 1 << 30);
  });
  if (root["keywords"]) ParseKeywords(root["keywords"], pack, errors);
  if (root["types"]) {
    if (!root["types"].IsSequence()) {
      errors.Add(errors.Line(root["types"]), "", "types must be a list");
    } else {
      std::set<std::string> ids;
      for (const auto& t : root["types"]) {
        auto type = ParseType(t, pack, errors);
        if (!type) continue;
        if (!ids.insert(type->id).second) {
          errors.Add(LineOf(t), NameOrKind("rule", type->id), "duplicate type id in this pack");
          continue;
        }
        pack->types.push_back(std::move(*type));
      }
    }
  }
  if (root["labels"]) {
    if (!root["labels"].IsSequence()) {
      errors.Add(errors.Line(root["labels"]), "", "labels must be a list");
    } else {
      for (const auto& l : root["labels"]) {
        errors.Run([&] { pack->labels.push_back(ParseLabel(l, pack->source, errors)); });
      }
    }
  }
}

}  // namespace

RulePack ParseRulePackAll(std::string_view yaml_text, const std::string& source,
                          std::vector<PackError>* errors) {
  RulePack pack;
  pack.source = source;
  std::vector<PackError> found;
  Errors errs(source, yaml_text, &found);
  // A file that is no rule pack at all (records, a binary, another
  // program's YAML) is one error that quotes nothing of it.
  std::optional<YAML::Node> root;
  bool yaml_error = false;
  // What YAML would report late or not at all (a quote left open, bytes
  // that are not UTF-8, a second document) is a pack's one error.
  const TextProblem problem = CheckConfigText(yaml_text);
  if (problem.line != 0 && HasTopLevelKey(yaml_text, kPackKeys)) {
    errs.Add(problem.line, "", problem.what);
    yaml_error = true;
  } else if (IsConfigText(yaml_text)) {
    try {
      root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::Exception& e) {
      // A broken pack gets its YAML error; a file with no line that starts
      // like one is something else.
      if (HasTopLevelKey(yaml_text, kPackKeys)) {
        errs.AddYaml(e);
        yaml_error = true;
      }
    }
  }
  const bool has_pack_key =
      root && root->IsMap() && std::any_of(root->begin(), root->end(), [](const auto& kv) {
        return kv.first.IsScalar() && kPackKeys.count(kv.first.Scalar()) > 0;
      });
  if (root && root->IsNull()) {
    errs.Add(1, "", "the rule pack is empty (it needs keywords, types or labels)");
  } else if (has_pack_key) {
    ParseRoot(*root, &pack, errs);
  } else if (!yaml_error) {
    errs.AddForFile("not a rule pack (expected a YAML mapping with keywords, types or labels)");
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const PackError& a, const PackError& b) { return a.line < b.line; });
  errors->insert(errors->end(), found.begin(), found.end());
  return pack;
}

Result<RulePack> ParseRulePack(std::string_view yaml_text, const std::string& source) {
  std::vector<PackError> errors;
  RulePack pack = ParseRulePackAll(yaml_text, source, &errors);
  if (errors.empty()) return pack;
  // One error is shown: the first by line, unless its item has a misspelt
  // key, which is what the first one leads to (a type "needs 'category'",
  // reported at the type's start, when 'categry' is given).
  auto first = std::min_element(errors.begin(), errors.end(),
                                [](const PackError& a, const PackError& b) {
                                  return a.line < b.line;
                                });
  auto misspelt = std::find_if(errors.begin(), errors.end(), [&](const PackError& e) {
    return e.item == first->item && e.message.find(": unknown key ") != std::string::npos;
  });
  return Status::InvalidArgument((misspelt != errors.end() ? *misspelt : *first).message);
}

RulePack MergeRulePacks(const std::vector<RulePack>& packs) {
  RulePack merged;
  merged.name = "merged";
  std::vector<LabelRule> labels;
  for (const auto& pack : packs) {
    for (const auto& [name, terms] : pack.keywords) {
      merged.keywords[name] = terms;
      if (pack.case_sensitive_lists.count(name)) {
        merged.case_sensitive_lists.insert(name);
      } else {
        merged.case_sensitive_lists.erase(name);
      }
    }
    for (const auto& type : pack.types) {
      auto it = std::find_if(merged.types.begin(), merged.types.end(),
                             [&](const TypeSpec& t) { return t.id == type.id; });
      if (it != merged.types.end()) {
        if (!type.enabled && type.patterns.empty()) {
          it->enabled = false;
        } else {
          *it = type;
        }
      } else {
        merged.types.push_back(type);
      }
    }
    merged.broken.insert(pack.broken.begin(), pack.broken.end());
    // Later packs' label rules take precedence.
    labels.insert(labels.begin(), pack.labels.begin(), pack.labels.end());
  }
  merged.labels = std::move(labels);
  return merged;
}

}  // namespace phiscan::classifiers
