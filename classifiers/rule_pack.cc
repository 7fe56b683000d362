#include "classifiers/rule_pack.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "classifiers/validators.h"
#include "common/escape.h"
#include "common/model.h"

namespace phiscan::classifiers {
namespace {

// Thrown inside the parser only; ParseRulePack turns it into a Status.
struct PackError {
  int line;
  std::string rule;  // what the error is in: "rule ID", "label LABEL", "keyword
                     // list NAME", or "" for pack-level errors
  std::string what;
};

int LineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

[[noreturn]] void Fail(const YAML::Node& n, const std::string& rule, const std::string& what) {
  throw PackError{LineOf(n), rule, what};
}

void CheckKeys(const YAML::Node& map, const std::set<std::string>& allowed,
               const std::string& rule, const char* where) {
  if (!map.IsMap()) Fail(map, rule, std::string(where) + " must be a mapping");
  std::set<std::string> seen;
  for (const auto& kv : map) {
    auto key = kv.first.as<std::string>();
    if (!allowed.count(key)) Fail(kv.first, rule, "unknown key '" + key + "' in " + where);
    // YAML forbids a key twice in a mapping; yaml-cpp keeps both and a
    // lookup sees only one, so the other would be ignored unnoticed.
    if (!seen.insert(key).second) Fail(kv.first, rule, "duplicate key '" + key + "' in " + where);
  }
}

std::string Str(const YAML::Node& n, const std::string& rule, const char* what) {
  if (!n.IsScalar()) Fail(n, rule, std::string(what) + " must be a string");
  return n.as<std::string>();
}

int Int(const YAML::Node& n, const std::string& rule, const char* what, int lo, int hi) {
  int v;
  if (!n.IsScalar() || !YAML::convert<int>::decode(n, v)) {
    Fail(n, rule, std::string(what) + " must be an integer");
  }
  if (v < lo || v > hi) {
    Fail(n, rule, std::string(what) + " must be between " + std::to_string(lo) + " and " +
                      std::to_string(hi));
  }
  return v;
}

std::vector<std::string> StrList(const YAML::Node& n, const std::string& rule, const char* what) {
  if (!n.IsSequence()) Fail(n, rule, std::string(what) + " must be a list");
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(Str(item, rule, what));
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
    if (auto c = ParseConfidence(n.as<std::string>())) return MinScoreFor(*c);
    int v;
    if (YAML::convert<int>::decode(n, v)) return Int(n, rule, "confidence as a score", 1, 100);
  }
  Fail(n, rule, "confidence must be low, medium or high (or a score 1-100)");
}

EvidenceGroup ParseEvidence(const YAML::Node& n, const std::string& rule,
                            const RulePack& pack) {
  CheckKeys(n, {"any_of", "none_of", "at_least", "of"}, rule, "evidence");
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

PatternSpec ParsePattern(const YAML::Node& n, const std::string& rule, const RulePack& pack) {
  CheckKeys(n,
            {"regex", "prefilter", "exclude", "validator", "score", "confidence", "proximity",
             "dictionary", "evidence", "retry_shorter"},
            rule, "pattern");
  PatternSpec p;
  p.line = LineOf(n);
  if (!n["regex"]) Fail(n, rule, "pattern needs 'regex'");
  p.regex = Str(n["regex"], rule, "regex");
  if (p.regex.empty()) Fail(n["regex"], rule, "regex is empty");
  if (n["prefilter"]) {
    p.prefilter = Str(n["prefilter"], rule, "prefilter");
    if (p.prefilter.empty()) Fail(n["prefilter"], rule, "prefilter is empty");
  }
  if (n["exclude"]) {
    p.exclude = StrList(n["exclude"], rule, "exclude");
    if (p.exclude.empty()) Fail(n["exclude"], rule, "exclude names no expression");
    for (const auto& x : p.exclude) {
      if (x.empty()) Fail(n["exclude"], rule, "exclude has an empty expression");
    }
  }
  if (n["retry_shorter"]) p.retry_shorter = Bool(n["retry_shorter"], rule, "retry_shorter");
  if (n["validator"]) {
    p.validator = Str(n["validator"], rule, "validator");
    if (FindValidator(p.validator) == nullptr) {
      std::string known;
      for (auto names = ValidatorNames(); *names; ++names) {
        known += known.empty() ? "" : ", ";
        known += *names;
      }
      Fail(n["validator"], rule, "unknown validator '" + p.validator + "' (known: " + known + ")");
    }
  }
  if (n["score"] && n["confidence"]) Fail(n, rule, "give either score or confidence, not both");
  if (n["score"]) {
    p.score = Int(n["score"], rule, "score", 1, 100);
  } else if (n["confidence"]) {
    p.score = ParseConfidenceOrScore(n["confidence"], rule);
  } else {
    Fail(n, rule, "pattern needs 'score' (1-100) or 'confidence' (low|medium|high)");
  }
  if (n["proximity"]) p.proximity = Int(n["proximity"], rule, "proximity", 0, 4096);
  if (n["dictionary"]) {
    p.dictionary = StrList(n["dictionary"], rule, "dictionary");
    if (p.dictionary.empty()) Fail(n["dictionary"], rule, "dictionary names no keyword list");
  }
  if (n["evidence"]) {
    if (!n["evidence"].IsSequence()) Fail(n["evidence"], rule, "evidence must be a list");
    for (const auto& e : n["evidence"]) p.evidence.push_back(ParseEvidence(e, rule, pack));
  }
  return p;
}

bool ValidTypeId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

TypeSpec ParseType(const YAML::Node& n, const RulePack& pack) {
  if (!n.IsMap()) Fail(n, "", "a type must be a mapping");
  if (!n["id"]) Fail(n, "", "type needs 'id'");
  TypeSpec t;
  t.id = Str(n["id"], "", "id");
  const std::string rule = "rule " + t.id;
  CheckKeys(n, {"id", "name", "description", "category", "hipaa", "normalize", "proximity",
                "enabled", "patterns"},
            rule, "type");
  t.line = LineOf(n);
  t.source = pack.source;
  if (!ValidTypeId(t.id)) Fail(n["id"], rule, "id must be UPPER_SNAKE_CASE (A-Z, 0-9, _)");
  if (n["enabled"]) {
    t.enabled = Bool(n["enabled"], rule, "enabled");
    if (!t.enabled && !n["patterns"]) return t;  // a bare disable of an earlier type
  }
  t.name = n["name"] ? Str(n["name"], rule, "name") : t.id;
  if (n["description"]) t.description = Str(n["description"], rule, "description");
  if (!n["category"]) Fail(n, rule, "type needs 'category' (PHI, PII, PCI or CREDENTIAL)");
  t.category = Str(n["category"], rule, "category");
  static const std::set<std::string> kCategories = {"PHI", "PII", "PCI", "CREDENTIAL"};
  if (!kCategories.count(t.category)) {
    Fail(n["category"], rule, "category must be PHI, PII, PCI or CREDENTIAL");
  }
  if (n["hipaa"]) t.hipaa_class = Int(n["hipaa"], rule, "hipaa", 1, 18);
  if (n["normalize"]) {
    t.normalize = Str(n["normalize"], rule, "normalize");
    static const std::set<std::string> kModes = {"digits", "alnum_upper", "lower", "none"};
    if (!kModes.count(t.normalize)) {
      Fail(n["normalize"], rule, "normalize must be digits, alnum_upper, lower or none");
    }
  }
  if (n["proximity"]) t.proximity = Int(n["proximity"], rule, "proximity", 0, 4096);
  if (!n["patterns"] || !n["patterns"].IsSequence() || n["patterns"].size() == 0) {
    Fail(n, rule, "type needs a non-empty 'patterns' list");
  }
  for (const auto& p : n["patterns"]) t.patterns.push_back(ParsePattern(p, rule, pack));
  return t;
}

LabelRule ParseLabel(const YAML::Node& n, const std::string& source) {
  CheckKeys(n, {"label", "any_category", "any_type", "requires_category", "requires_type",
                "requires_keywords", "min_confidence", "min_score"},
            "", "label rule");
  LabelRule l;
  l.line = LineOf(n);
  l.source = source;
  if (!n["label"]) Fail(n, "", "label rule needs 'label'");
  l.label = Str(n["label"], "", "label");
  const std::string rule = "label " + l.label;
  if (n["any_category"]) l.any_category = StrList(n["any_category"], rule, "any_category");
  if (n["any_type"]) l.any_type = StrList(n["any_type"], rule, "any_type");
  if (n["requires_category"]) {
    l.requires_category = StrList(n["requires_category"], rule, "requires_category");
  }
  if (n["requires_type"]) l.requires_type = StrList(n["requires_type"], rule, "requires_type");
  if (n["requires_keywords"]) {
    l.requires_keywords = StrList(n["requires_keywords"], rule, "requires_keywords");
  }
  if (l.any_category.empty() && l.any_type.empty()) {
    Fail(n, rule, "label rule needs any_category or any_type");
  }
  if (n["min_confidence"] && n["min_score"]) {
    Fail(n, rule, "give either min_confidence or min_score, not both");
  }
  if (n["min_confidence"]) {
    auto c = ParseConfidence(Str(n["min_confidence"], rule, "min_confidence"));
    if (!c) Fail(n["min_confidence"], rule, "min_confidence must be low, medium or high");
    l.min_score = MinScoreFor(*c);
  }
  if (n["min_score"]) l.min_score = Int(n["min_score"], rule, "min_score", 1, 100);
  return l;
}

RulePack ParseRoot(const YAML::Node& root, const std::string& source) {
  RulePack pack;
  pack.source = source;
  if (!root.IsMap()) Fail(root, "", "a rule pack must be a YAML mapping");
  CheckKeys(root, {"pack", "version", "keywords", "types", "labels"}, "", "rule pack");
  pack.name = root["pack"] ? Str(root["pack"], "", "pack") : source;
  if (root["version"]) pack.version = Int(root["version"], "", "version", 0, 1 << 30);
  if (root["keywords"]) {
    const auto& kw = root["keywords"];
    if (!kw.IsMap()) Fail(kw, "", "keywords must map list names to lists of terms");
    std::set<std::string> names;
    for (const auto& kv : kw) {
      auto name = kv.first.as<std::string>();
      const std::string rule = "keyword list " + name;
      if (!names.insert(name).second) Fail(kv.first, rule, "defined twice in this pack");
      // A list is its terms, or {terms: [...], case_sensitive: true}.
      YAML::Node list = kv.second;
      if (list.IsMap()) {
        CheckKeys(list, {"terms", "case_sensitive"}, rule, "keyword list");
        if (!list["terms"]) Fail(list, rule, "keyword list needs terms");
        if (list["case_sensitive"] && Bool(list["case_sensitive"], rule, "case_sensitive")) {
          pack.case_sensitive_lists.insert(name);
        }
        list = list["terms"];
      }
      auto terms = StrList(list, rule, "keyword list");
      if (terms.empty()) Fail(kv.second, rule, "keyword list is empty");
      for (const auto& t : terms) {
        if (t.empty() || t.size() > 50) Fail(kv.second, rule, "keyword terms must be 1-50 bytes");
      }
      pack.keywords[name] = std::move(terms);
    }
  }
  std::set<std::string> ids;
  if (root["types"]) {
    if (!root["types"].IsSequence()) Fail(root["types"], "", "types must be a list");
    for (const auto& t : root["types"]) {
      TypeSpec type = ParseType(t, pack);
      if (!ids.insert(type.id).second) Fail(t, "rule " + type.id, "duplicate type id in this pack");
      pack.types.push_back(std::move(type));
    }
  }
  if (root["labels"]) {
    if (!root["labels"].IsSequence()) Fail(root["labels"], "", "labels must be a list");
    for (const auto& l : root["labels"]) pack.labels.push_back(ParseLabel(l, source));
  }
  return pack;
}

}  // namespace

Result<RulePack> ParseRulePack(std::string_view yaml_text, const std::string& source) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    return ParseRoot(root, source);
  } catch (const PackError& e) {
    std::string msg = source + ":" + std::to_string(e.line) + ": ";
    if (!e.rule.empty()) msg += e.rule + ": ";
    // Keys and values echoed in the reason come from the file: escaped, so
    // the error stays one printable line.
    return Status::InvalidArgument(EscapeBytes(msg + e.what));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(EscapeBytes(source + ":" + std::to_string(e.mark.line + 1) +
                                               ": YAML error: " + e.msg));
  }
}

Result<RulePack> LoadRulePackFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read rule pack " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return ParseRulePack(text.str(), path);
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
    // Later packs' label rules take precedence.
    labels.insert(labels.begin(), pack.labels.begin(), pack.labels.end());
  }
  merged.labels = std::move(labels);
  return merged;
}

}  // namespace phiscan::classifiers
