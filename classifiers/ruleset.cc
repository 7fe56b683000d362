#include "classifiers/ruleset.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "classifiers/internal/compiled.h"
#include "classifiers/internal/digit_gate.h"
#include "classifiers/token.h"
#include "classifiers/validators.h"
#include "common/did_you_mean.h"
#include "common/escape.h"

namespace phiscan::classifiers {
namespace internal {

RE2::Options PatternOptions() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  o.set_max_mem(8 << 20);
  return o;
}

namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

std::string Normalize(std::string_view name, bool split_camel) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    bool sep = c == '_' || c == '-' || c == '.' || c == '/' || c == ' ' || c == '\t' ||
               c == '\n' || c == '\r';
    if (sep) {
      space = !out.empty();
      continue;
    }
    // A word starts at a capital after a small letter or a digit (birthDate,
    // Icd10Code), or at the last capital of a run followed by a small
    // letter (SSNNumber, MRNValue).
    if (split_camel && i > 0 && IsUpper(c)) {
      const char prev = name[i - 1];
      if (IsLower(prev) || IsAsciiDigit(prev) ||
          (IsUpper(prev) && i + 1 < name.size() && IsLower(name[i + 1]))) {
        space = !out.empty();
      }
    }
    if (space) out += ' ';
    space = false;
    out += IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

}  // namespace

std::string NormalizeFieldName(std::string_view name) { return Normalize(name, false); }

std::string FieldNameWords(std::string_view name) { return Normalize(name, true); }

std::string LabelTerm(std::string_view term) {
  std::string out;
  bool space = false;
  for (char c : term) {
    if (c == ' ' || c == '\t' || c == '_' || c == '-') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  while (!out.empty() && (out.back() == '#' || out.back() == '.' || out.back() == ':')) {
    out.pop_back();
  }
  return out;
}

std::string_view WithoutNumberWord(std::string_view words) {
  const size_t space = words.rfind(' ');
  if (space == std::string_view::npos) return {};
  const std::string_view last = words.substr(space + 1);
  for (std::string_view w : {"number", "no", "num", "nbr", "#"}) {
    if (last == w) return words.substr(0, space);
  }
  return {};
}

}  // namespace internal

namespace {

using internal::CompiledPattern;
using internal::CompiledRules;
using internal::IsWordByte;

// "FILE:LINE: rule ID: " for a type (TypeSpec or TypeInfo).
template <typename Type>
std::string Where(const Type& t, int line) {
  return t.source + ":" + std::to_string(line) + ": " + NameOrKind("rule", t.id) + ": ";
}

// A keyword term as a regex: literal bytes, runs of spaces match 1-3
// whitespace, '_' or '-' characters (so "date of birth" is also found as
// date_of_birth= in a log line and "remote addr" as remote_addr), and a word
// boundary at each end that is a word character (so "ssn#" still matches
// before a space).
std::string KeywordRegex(const std::string& term) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  if (IsWordByte(term.front())) out += "\\b";
  for (size_t i = 0; i < term.size(); ++i) {
    auto c = static_cast<unsigned char>(term[i]);
    if (c == ' ') {
      while (i + 1 < term.size() && term[i + 1] == ' ') ++i;
      out += "[\\s_-]{1,3}";
    } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  if (IsWordByte(term.back())) out += "\\b";
  return out;
}

// Names a compiled database: the Hyperscan version, this CPU's features
// (a database is built for the CPU it is compiled on) and every expression
// with its flags and id, hashed with SHA-256 in full (a database adopted for
// the wrong expressions would give wrong results).
std::string DatabaseKey(const internal::CompiledRules& c) {
  std::string text = "phiscan-hs-block-5\n";
  text += hs_version();
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) == HS_SUCCESS) {
    text += "\n" + std::to_string(platform.tune) + " " + std::to_string(platform.cpu_features);
  }
  for (size_t i = 0; i < c.hs_expressions.size(); ++i) {
    for (unsigned field :
         {c.hs_ids[i], unsigned{c.hs_tier[i]}, unsigned{c.hs_whole[i]}, c.hs_flags[i]}) {
      text += ' ';
      text += std::to_string(field);
    }
    text += ' ';
    text += c.hs_expressions[i];
    text += '\n';
  }
  return "hsdb-" + Sha256Hex(text, 32);
}

// Canonical text of everything that influences results, for the version hash.
std::string Canonical(const RulePack& pack) {
  std::ostringstream s;
  for (const auto& [name, terms] : pack.keywords) {
    s << "K" << name << (pack.case_sensitive_lists.count(name) ? "\x1f" "case" : "");
    for (const auto& t : terms) s << '\x1f' << t;
    s << '\n';
  }
  for (const auto& t : pack.types) {
    if (!t.enabled) continue;
    s << "T" << t.id << '\x1f' << t.category << '\x1f' << t.hipaa_class << '\x1f' << t.normalize
      << '\x1f' << t.proximity;
    for (const auto& y : t.yields_to) s << "\x1fY" << y;
    s << '\n';
    for (const auto& p : t.patterns) {
      s << "P" << p.regex << '\x1f' << p.prefilter << '\x1f' << p.validator << '\x1f' << p.score << '\x1f'
        << p.proximity << (p.retry_shorter ? "\x1fshorter" : "");
      for (const auto& x : p.exclude) s << "X" << x << '\x1f';
      for (const auto& d : p.dictionary) s << "D" << d;
      for (const auto& u : p.unless_labelled) s << "U" << u;
      for (const auto& e : p.evidence) {
        s << "E" << static_cast<int>(e.kind) << ':' << e.min_lists;
        for (const auto& l : e.lists) s << ',' << l;
      }
      s << '\n';
    }
  }
  for (const auto& l : pack.labels) {
    s << "L" << l.label << '\x1f' << l.min_score;
    if (l.min_unique > 0) s << "\x1fu" << l.min_unique;
    for (const auto& c : l.any_category) s << ",c" << c;
    for (const auto& c : l.any_type) s << ",t" << c;
    for (const auto& c : l.requires_category) s << ",r" << c;
    for (const auto& c : l.requires_type) s << ",y" << c;
    for (const auto& c : l.requires_keywords) s << ",k" << c;
    s << '\n';
  }
  return s.str();
}


// A name read from a pack, for an error: quoted if it may be (a pack may
// be a data file named by mistake; common/escape.h).
std::string Quoted(const std::string& name) { return QuoteName(name, "(name not shown)"); }

// A regex engine's error: what it quotes of the pattern after ": " is cut
// to 80 bytes.
std::string EngineError(const std::string& message) {
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) return Abbreviate(message, 200);
  return message.substr(0, colon + 2) + Abbreviate(message.substr(colon + 2));
}

// " (did you mean NAME?)" for the candidate closest to `name` if it looks
// like a typo of it (one edit; two in a name of 12 bytes or more:
// acme_terms is no typo of name_terms), else "".
std::string DidYouMean(const std::string& name, const std::vector<std::string>& candidates) {
  std::vector<std::string> quotable;  // an error quotes names only
  std::copy_if(candidates.begin(), candidates.end(), std::back_inserter(quotable),
               [](const std::string& c) { return IsQuotableName(c); });
  return phiscan::DidYouMean(NearestNamesWithin(name, quotable, name.size() >= 12 ? 2 : 1, 1));
}

std::vector<std::string> KeywordListNames(const RulePack& pack) {
  std::vector<std::string> names;
  for (const auto& kv : pack.keywords) names.push_back(kv.first);
  return names;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A term as literal regex bytes: letters, digits and spaces as themselves,
// everything else hex-escaped (so no term can inject regex syntax).
std::string LiteralRegex(const std::string& term) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : term) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' ') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// Replaces every {{list}} in a pattern's regex by an alternation of the
// list's terms.
// An unknown list's name goes to *missing.
Result<std::string> ExpandLists(const std::string& regex, const RulePack& pack,
                                std::string* missing) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t open = regex.find("{{", pos);
    if (open == std::string::npos) break;
    size_t close = regex.find("}}", open + 2);
    if (close == std::string::npos) return Status::InvalidArgument("unterminated {{ in regex");
    std::string name = regex.substr(open + 2, close - open - 2);
    auto it = pack.keywords.find(name);
    if (it == pack.keywords.end()) {
      *missing = name;
      return Status::InvalidArgument("unknown keyword list " + Quoted(name) + " in regex" +
                                     DidYouMean(name, KeywordListNames(pack)));
    }
    out += regex.substr(pos, open - pos);
    out += "(?:";
    for (size_t i = 0; i < it->second.size(); ++i) {
      if (i) out += '|';
      out += LiteralRegex(it->second[i]);
    }
    out += ")";
    pos = close + 2;
  }
  out += regex.substr(pos);
  return out;
}

// What hs_expression_info says of `expr`: its shortest and longest match
// (UINT_MAX: unbounded), or why it does not compile.
struct HsInfo {
  bool ok = false;
  unsigned min_width = 0, max_width = 0;
  std::string error;
};

HsInfo AskHyperscan(const std::string& expr) {
  HsInfo out;
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_expression_info(expr.c_str(), 0, &info, &err) != HS_SUCCESS) {
    out.error = err ? err->message : "unknown error";
    hs_free_compile_error(err);
    return out;
  }
  out.ok = true;
  out.min_width = info->min_width;
  out.max_width = info->max_width;
  free(info);
  return out;
}

// Hyperscan's error for an expression that compiles but cannot match (a
// word byte on both sides of \b, as in "_\d\bk").
constexpr std::string_view kNeverMatches = "Pattern can never match.";

// Every answer of AskHyperscan() in this process, and those adopted from
// an earlier one (RuleSet::AdoptExpressionWidths). hs_expression_info
// compiles the expression, and Compile() asks it of about 180 expressions
// for the built-in pack: 15 % of a one-file scan's time with the database
// from the cache, a third under AddressSanitizer.
struct WidthMemo {
  struct Entry {
    HsInfo info;
    bool used = false;  // asked in this process
  };
  std::mutex mu;
  std::unordered_map<std::string, Entry> entries;
  bool changed = false;  // an answer not in the adopted bytes
};

WidthMemo& Widths() {
  static WidthMemo* memo = new WidthMemo;  // never destroyed: used until exit
  return *memo;
}

HsInfo HsExpressionInfo(const std::string& expr) {
  WidthMemo& memo = Widths();
  {
    std::lock_guard<std::mutex> lock(memo.mu);
    if (auto it = memo.entries.find(expr); it != memo.entries.end()) {
      it->second.used = true;
      return it->second.info;
    }
  }
  HsInfo info = AskHyperscan(expr);
  // Not an error that says nothing of the expression (out of memory):
  // the next compile asks again.
  if (!info.ok && info.error != kNeverMatches) return info;
  std::lock_guard<std::mutex> lock(memo.mu);
  memo.entries[expr] = {info, true};
  memo.changed = true;
  return info;
}

// Hyperscan's shortest and longest match of `expr` (UINT_MAX: unbounded),
// or an error "WHAT does not compile in Hyperscan: ...".
Status HsWidths(const std::string& expr, const std::string& what, unsigned* min_width,
                unsigned* max_width) {
  const HsInfo info = HsExpressionInfo(expr);
  if (!info.ok) {
    return Status::InvalidArgument(what + " does not compile in Hyperscan: " +
                                   EngineError(info.error));
  }
  *min_width = info.min_width;
  *max_width = info.max_width;
  return Status::Ok();
}

// Compiles one distinct regex for RE2 and checks it against Hyperscan's view
// of it: compiles, cannot match empty, bounded width, affordable program.
Result<internal::CompiledRegex> CompileRegex(const std::string& regex) {
  internal::CompiledRegex cr;
  cr.re = std::make_unique<RE2>(regex, internal::PatternOptions());
  if (!cr.re->ok()) {
    // RE2 quotes the escape only up to where it failed (\x{263).
    const bool wide_hex =
        cr.re->error_code() == RE2::ErrorBadEscape && regex.find("\\x{") != std::string::npos;
    return Status::InvalidArgument(
        "regex does not compile in RE2: " + EngineError(cr.re->error()) +
        (wide_hex ? " (regexes match bytes: \\x{...} goes up to \\x{FF}; write a character "
                    "as its UTF-8 bytes, \\xE2\\x98\\xBA)"
                  : ""));
  }
  if (cr.re->ProgramSize() > kMaxProgramSize) {
    return Status::InvalidArgument("regex is too costly (RE2 program size " +
                                   std::to_string(cr.re->ProgramSize()) + " > " +
                                   std::to_string(kMaxProgramSize) + ")");
  }
  cr.has_group = cr.re->NumberOfCapturingGroups() > 0;
  unsigned min_width = 0, max_width = 0;
  if (Status s = HsWidths(regex, "regex", &min_width, &max_width); !s.ok()) return s;
  if (min_width == 0) return Status::InvalidArgument("regex can match the empty string");
  if (max_width == UINT_MAX || max_width > kMaxPatternWidth) {
    return Status::InvalidArgument("regex has no bounded match width <= " +
                                   std::to_string(kMaxPatternWidth) +
                                   " bytes; use {m,n} instead of + or *");
  }
  cr.max_width = max_width;
  if (min_width == max_width && !cr.has_group && internal::SameInHyperscanAndRe2(regex)) {
    cr.exact_width = max_width;
  }
  return cr;
}

// A prefilter stands in for its regex in the Hyperscan database: it must
// compile, match something, and be no wider than the regex it lies inside.
// The keyword evidence gate of `cr` (CompiledRegex::gate_lists): set only
// if every pattern on it has a group that needs at least one list to occur.
void SetEvidenceGate(const internal::CompiledRules& compiled, internal::CompiledRegex& cr) {
  std::vector<uint8_t> lists(compiled.keyword_lists.size(), 0);
  unsigned proximity = 0;
  for (int p : cr.patterns) {
    const auto& cp = compiled.patterns[p];
    auto required = std::find_if(cp.evidence.begin(), cp.evidence.end(), [](const auto& e) {
      return e.kind == EvidenceGroup::Kind::kAnyOf ||
             (e.kind == EvidenceGroup::Kind::kAtLeast && e.min_lists >= 1);
    });
    if (required == cp.evidence.end() || required->lists.empty()) return;
    for (int li : required->lists) lists[li] = 1;
    proximity = std::max(proximity, static_cast<unsigned>(cp.proximity));
  }
  cr.gate_lists = std::move(lists);
  cr.gate_proximity = proximity;
}

Status CheckPrefilter(const std::string& prefilter, unsigned regex_max_width) {
  unsigned min_width = 0, max_width = 0;
  if (Status s = HsWidths(prefilter, "prefilter", &min_width, &max_width); !s.ok()) return s;
  if (min_width == 0) return Status::InvalidArgument("prefilter can match the empty string");
  if (max_width == UINT_MAX || max_width > regex_max_width) {
    return Status::InvalidArgument("prefilter can match more bytes than its regex (" +
                                   std::to_string(regex_max_width) +
                                   "); it must match inside every match of the regex");
  }
  return Status::Ok();
}

// An exclude expression must compile in Hyperscan and match a fixed number
// of bytes, at least one and at most kMaxExcludeWidth (the Matcher holds
// that much more lookahead and overlap so a veto never depends on where a
// chunk ends). Sets *width.
constexpr unsigned kMaxExcludeWidth = 64;
Status CheckExclude(const std::string& expr, unsigned* width) {
  unsigned min_width = 0, max_width = 0;
  const std::string what = "exclude '" + Abbreviate(expr) + "'";
  if (Status s = HsWidths(expr, what, &min_width, &max_width); !s.ok()) return s;
  if (min_width == 0) return Status::InvalidArgument(what + " can match the empty string");
  if (max_width != min_width || max_width > kMaxExcludeWidth) {
    return Status::InvalidArgument(what + " must match a fixed number of bytes, " +
                                   "at most " + std::to_string(kMaxExcludeWidth));
  }
  *width = max_width;
  return Status::Ok();
}

}  // namespace

RuleSet::~RuleSet() = default;

int RuleSet::FindType(const std::string& id) const {
  for (size_t i = 0; i < types_.size(); ++i) {
    if (types_[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

namespace {

// Why label rule `l` can never apply with the types `pack` enables, or "":
// every type it names (or, for the required context, every type and
// category unless it also takes keyword context) is disabled, or is of a
// category no enabled type has. Said when the pack is loaded rather than
// found out from reports that never show the label. A rule naming an
// unknown or broken type or an unknown category is left to those errors.
std::string WhyLabelNeverApplies(const LabelRule& l, const RulePack& pack) {
  auto type_is = [&](const std::string& id, bool need_enabled) {
    return !pack.broken.count(id) &&
           std::any_of(pack.types.begin(), pack.types.end(), [&](const TypeSpec& t) {
             return t.id == id && (t.enabled || !need_enabled);
           });
  };
  auto enabled_category = [&](const std::string& c) {
    return std::any_of(pack.types.begin(), pack.types.end(),
                       [&](const TypeSpec& t) { return t.category == c && t.enabled; });
  };
  for (const auto* ids : {&l.any_type, &l.requires_type}) {
    for (const auto& id : *ids) {
      if (!type_is(id, false)) return "";
    }
  }
  for (const auto* cats : {&l.any_category, &l.requires_category}) {
    if (!std::all_of(cats->begin(), cats->end(), [](const auto& c) { return IsCategory(c); })) {
      return "";
    }
  }
  // Whether some enabled type is among `ids` or of a category in `cats`;
  // their names for the message.
  auto any_enabled = [&](const std::vector<std::string>& ids,
                         const std::vector<std::string>& cats) {
    return std::any_of(ids.begin(), ids.end(), [&](const auto& id) { return type_is(id, true); }) ||
           std::any_of(cats.begin(), cats.end(), enabled_category);
  };
  auto names = [](const std::vector<std::string>& ids, const std::vector<std::string>& cats) {
    std::string out;
    for (const auto* v : {&ids, &cats}) {
      for (const auto& n : *v) out += (out.empty() ? "" : ", ") + n;
    }
    return out;
  };
  const std::string why = " (disabled, or a category no type has)";
  if ((!l.any_type.empty() || !l.any_category.empty()) &&
      !any_enabled(l.any_type, l.any_category)) {
    return "can never apply: no enabled type is among " + names(l.any_type, l.any_category) + why;
  }
  if ((!l.requires_type.empty() || !l.requires_category.empty()) &&
      l.requires_keywords.empty() && !any_enabled(l.requires_type, l.requires_category)) {
    return "can never apply: no enabled type is among the required " +
           names(l.requires_type, l.requires_category) + why;
  }
  return "";
}

}  // namespace

Result<std::shared_ptr<const RuleSet>> RuleSet::Compile(const RulePack& pack,
                                                        const CompileOptions& options,
                                                        std::vector<PackError>* all_errors) {
  std::shared_ptr<RuleSet> rs(new RuleSet());
  auto compiled = std::make_unique<CompiledRules>();

  // Keyword lists actually referenced get an index; unreferenced ones cost nothing.
  std::map<std::string, int> list_index;
  auto list_id = [&](const std::string& name) {
    auto [it, inserted] = list_index.emplace(name, static_cast<int>(list_index.size()));
    if (inserted) compiled->keyword_lists.push_back(name);
    return it->second;
  };
  std::map<std::string, int> regex_index;        // expanded regex -> CompiledRegex
  std::map<std::string, int> dictionary_index;   // use and list names -> dictionaries
  std::map<std::string, int> exclude_index;      // exclude expression -> excludes
  std::vector<std::string> exclude_where;        // per exclude: "FILE:LINE: rule ID: "

  // Every error is collected (RuleSet::Check reports them all); the first
  // is Compile's.
  std::vector<PackError> errors;
  auto fail = [&](const std::string& source, int line, const std::string& message) {
    errors.push_back({source, line, message, {}});
  };
  // Whether a type may be named (yields_to, label rules): defined, enabled
  // or not, or defined with an error already reported; and what is said of
  // one that may not.
  auto type_known = [&](const std::string& id) {
    return pack.broken.count(id) > 0 ||
           std::any_of(pack.types.begin(), pack.types.end(),
                       [&](const TypeSpec& t) { return t.id == id; });
  };
  auto unknown_type = [&](const std::string& id) {
    std::vector<std::string> ids;
    for (const auto& t : pack.types) ids.push_back(t.id);
    return "unknown type " + Quoted(id) + DidYouMean(id, ids);
  };
  // Whether a keyword list may be named: defined, or defined with an error
  // already reported (a second error for each use would only repeat it).
  auto list_known = [&](const std::string& name) {
    return pack.keywords.count(name) > 0 || pack.broken.count(name) > 0;
  };

  // The terms of `names`, each as `form` gives it, in one set shared by
  // the patterns that name the same lists for the same use.
  auto terms_of = [&](const std::vector<std::string>& names, const std::string& use,
                      auto&& form) {
    std::string key = use + '\n';
    for (const auto& name : names) key += name + '\n';
    auto [it, fresh] =
        dictionary_index.emplace(key, static_cast<int>(compiled->dictionaries.size()));
    if (fresh) {
      auto set = std::make_unique<internal::Dictionary>();
      for (const auto& name : names) {
        for (const auto& term : pack.keywords.at(name)) set->insert(form(term));
      }
      compiled->dictionaries.push_back(std::move(set));
    }
    return compiled->dictionaries[it->second].get();
  };
  std::vector<std::string> regex_text;  // per CompiledRegex, what Hyperscan scans for
  for (const auto& spec : pack.types) {
    if (!spec.enabled && spec.patterns.empty()) {
      // `enabled: false` alone switches off a type an earlier pack defined;
      // naming none (a typo) would leave the meant type on, unnoticed.
      std::vector<std::string> ids;
      for (const auto& t : pack.types) {
        if (!t.patterns.empty()) ids.push_back(t.id);
      }
      fail(spec.source, spec.line,
           Where(spec, spec.line) +
               "enabled: false names no type of the built-in pack or an earlier pack" +
               DidYouMean(spec.id, ids));
      continue;
    }
    if (!spec.enabled) continue;
    TypeInfo info{spec.id,         spec.name,      spec.description, spec.category,
                  spec.hipaa_class, spec.normalize, spec.proximity,   spec.patterns,
                  spec.source};
    int type_index = static_cast<int>(rs->types_.size());
    for (size_t pi = 0; pi < spec.patterns.size(); ++pi) {
      const PatternSpec& p = spec.patterns[pi];
      auto pattern_fail = [&](int line, const std::string& what) {
        fail(info.source, line, Where(info, line) + what);
      };
      CompiledPattern cp;
      cp.type_index = type_index;
      cp.pattern_index = static_cast<int>(pi);
      cp.score = p.score;
      cp.proximity = p.proximity >= 0 ? p.proximity : spec.proximity;
      cp.validator = FindValidator(p.validator);
      if (!p.validator.empty() && cp.validator == nullptr) {
        pattern_fail(p.line, "unknown validator " + Quoted(p.validator));
        continue;
      }
      std::string missing;
      auto regex = ExpandLists(p.regex, pack, &missing);
      if (!regex.ok()) {
        if (!pack.broken.count(missing)) pattern_fail(p.line, regex.status().message());
        continue;
      }
      std::string prefilter;
      if (!p.prefilter.empty()) {
        auto expanded = ExpandLists(p.prefilter, pack, &missing);
        if (!expanded.ok()) {
          if (!pack.broken.count(missing)) {
            pattern_fail(p.line, "prefilter: " + expanded.status().message());
          }
          continue;
        }
        prefilter = std::move(expanded).value();
      }
      std::string key = regex.value() + '\0' + prefilter;
      if (p.retry_shorter) key += std::string_view("\0shorter", 8);
      for (const auto& x : p.exclude) key += '\0' + x;
      auto rit = regex_index.find(key);
      if (rit == regex_index.end()) {
        // Checked whole before it is entered, so a regex with an error
        // leaves nothing behind (the next pattern using it reports it too).
        auto cr = CompileRegex(regex.value());
        if (!cr.ok()) {
          pattern_fail(p.line, cr.status().message());
          continue;
        }
        if (!prefilter.empty()) {
          Status ps = CheckPrefilter(prefilter, cr.value().max_width);
          if (!ps.ok()) {
            pattern_fail(p.line, ps.message());
            continue;
          }
        }
        if (p.retry_shorter && cr.value().has_group) {
          pattern_fail(p.line, "retry_shorter needs a regex without a capturing group");
          continue;
        }
        bool excludes_ok = true;
        std::vector<unsigned> widths(p.exclude.size(), 0);
        for (size_t x = 0; x < p.exclude.size(); ++x) {
          if (exclude_index.count(p.exclude[x])) continue;
          if (Status xs = CheckExclude(p.exclude[x], &widths[x]); !xs.ok()) {
            pattern_fail(p.line, xs.message());
            excludes_ok = false;
          }
        }
        if (!excludes_ok) continue;
        for (size_t x = 0; x < p.exclude.size(); ++x) {
          auto [xit, xfresh] =
              exclude_index.emplace(p.exclude[x], static_cast<int>(compiled->excludes.size()));
          if (xfresh) {
            const unsigned width = widths[x];
            compiled->excludes.push_back({p.exclude[x], width, {}});
            if (options.check_excludes_in_code) {
              auto classes = internal::ParseByteClasses(p.exclude[x]);
              // Hyperscan's width is the check that both read it alike.
              if (classes && classes->size() == width) {
                compiled->excludes.back().classes = std::move(*classes);
              }
            }
            compiled->exclude_width = std::max(compiled->exclude_width, width);
            exclude_where.push_back(Where(info, p.line));
          }
          cr.value().excludes.push_back(xit->second);
          const auto& ex = compiled->excludes[static_cast<size_t>(xit->second)];
          if (!ex.classes.empty()) {
            internal::AddToBanks(ex.classes, xit->second, &cr.value().veto_banks);
          }
        }
        cr.value().retry_shorter = p.retry_shorter;
        if (options.use_backtracker) {
          cr.value().backtracker = internal::Backtracker::Compile(regex.value());
        }
        compiled->max_width = std::max(compiled->max_width, cr.value().max_width);
        cr.value().prefiltered = !prefilter.empty() && options.use_prefilters;
        // A prefilter's hits are not the regex's ends; a match that no
        // pattern takes is searched again shorter, with RE2. With excludes,
        // RE2's search also finds vetoed matches whose hits were dropped
        // (DropExcludedHits) or accepted in an earlier pass, and each moves
        // where its next search starts: the hits left do not say where that
        // is.
        if (cr.value().prefiltered || p.retry_shorter || !cr.value().excludes.empty() ||
            !options.use_exact_ends) {
          cr.value().exact_width = 0;
        }
        regex_text.push_back(cr.value().prefiltered ? prefilter : regex.value());
        rit = regex_index.emplace(key, static_cast<int>(compiled->regexes.size())).first;
        compiled->regexes.push_back(std::move(cr).value());
      }
      cp.regex = rit->second;
      bool lists_ok = true;
      for (const auto* use : {&p.dictionary, &p.unless_labelled}) {
        const char* where = use == &p.dictionary ? " in dictionary" : " in unless_labelled";
        for (const auto& name : *use) {
          if (!list_known(name)) {
            pattern_fail(p.line, "unknown keyword list " + Quoted(name) + where +
                                     DidYouMean(name, KeywordListNames(pack)));
          }
          lists_ok &= pack.keywords.count(name) > 0;
        }
      }
      for (const auto& e : p.evidence) {
        for (const auto& name : e.lists) {
          if (!list_known(name)) {
            pattern_fail(e.line, "unknown keyword list " + Quoted(name) +
                                     DidYouMean(name, KeywordListNames(pack)));
          }
          lists_ok &= pack.keywords.count(name) > 0;
        }
      }
      if (!lists_ok) continue;
      compiled->regexes[cp.regex].patterns.push_back(static_cast<int>(compiled->patterns.size()));
      if (!p.dictionary.empty()) {
        // Compared as InDictionary reads a value: accents as their letters,
        // so a list may spell Núñez either way.
        cp.dictionary = terms_of(p.dictionary, "dictionary",
                                 [](const std::string& t) { return NormalizeValue(t, "name"); });
      }
      for (const auto& e : p.evidence) {
        internal::CompiledEvidence ce{e.kind, e.min_lists, {}};
        for (const auto& name : e.lists) ce.lists.push_back(list_id(name));
        cp.evidence.push_back(std::move(ce));
      }
      if (!p.unless_labelled.empty()) {
        // Its lists also name structured fields (an order_id column), so
        // they get an index; the Matcher reads a label's words itself, so
        // they are not scanned for (unless evidence or context too).
        for (const auto& name : p.unless_labelled) list_id(name);
        cp.labels = terms_of(p.unless_labelled, "unless_labelled",
                             [](const std::string& t) { return internal::LabelTerm(t); });
      }
      compiled->max_proximity = std::max(compiled->max_proximity, cp.proximity);
      compiled->patterns.push_back(std::move(cp));
    }
    compiled->max_proximity = std::max(compiled->max_proximity, spec.proximity);
    rs->types_.push_back(std::move(info));
  }
  // What each type gives way to, by type index: a type the packs define
  // but switched off is passed over (a site that disables GITHUB_TOKEN
  // keeps the generic password's findings); one no pack defines is a typo.
  compiled->yields_to.resize(rs->types_.size());
  compiled->dominant.assign(rs->types_.size(), 0);
  for (const auto& spec : pack.types) {
    if (!spec.enabled || spec.yields_to.empty()) continue;
    const int from = rs->FindType(spec.id);
    for (const auto& id : spec.yields_to) {
      const int to = rs->FindType(id);
      if (to >= 0 && to != from) {
        compiled->yields_to[from].push_back(to);
        compiled->dominant[to] = 1;
        continue;
      }
      if (to == from) {
        fail(spec.source, spec.yields_to_line,
             Where(spec, spec.yields_to_line) + "yields_to names the type itself");
      } else if (!type_known(id)) {
        fail(spec.source, spec.yields_to_line,
             Where(spec, spec.yields_to_line) + "yields_to names " + unknown_type(id));
      }
    }
  }
  // A cycle (A yields to B, B to A) would leave each waiting on the other.
  // Said at a type on it.
  {
    const size_t n = compiled->yields_to.size();
    std::vector<uint8_t> state(n, 0);  // 0 new, 1 on the path, 2 done
    std::function<int(int)> on_cycle = [&](int t) {  // a type on a cycle from t, or -1
      if (state[t] == 1) return t;
      if (state[t] == 2) return -1;
      state[t] = 1;
      for (int to : compiled->yields_to[t]) {
        if (int c = on_cycle(to); c >= 0) return c;
      }
      state[t] = 2;
      return -1;
    };
    for (size_t t = 0; t < n; ++t) {
      const int c = on_cycle(static_cast<int>(t));
      if (c < 0) continue;
      const std::string& id = rs->types_[c].id;
      auto spec = std::find_if(pack.types.begin(), pack.types.end(),
                               [&](const TypeSpec& ts) { return ts.enabled && ts.id == id; });
      fail(spec->source, spec->yields_to_line,
           Where(*spec, spec->yields_to_line) +
               "yields_to leads to a cycle (types that yield to each other)");
      break;
    }
  }
  compiled->required_lists.resize(rs->types_.size());
  for (const auto& cp : compiled->patterns) {
    auto& lists = compiled->required_lists[cp.type_index];
    for (const auto& e : cp.evidence) {
      if (e.kind == EvidenceGroup::Kind::kNoneOf) continue;
      lists.insert(lists.end(), e.lists.begin(), e.lists.end());
    }
  }
  for (auto& lists : compiled->required_lists) {
    std::sort(lists.begin(), lists.end());
    lists.erase(std::unique(lists.begin(), lists.end()), lists.end());
  }
  if (compiled->patterns.empty() && errors.empty()) {
    fail("", 0, "no enabled sensitive information types in the rule packs");
  }

  // Label rules: every type they name must exist (a typo would silently
  // never fire); keyword lists they use as context are scanned for.
  std::vector<int> context;
  // The catalog's label_rule names the rule that labelled an asset: an id
  // used twice is said at the later pack's rule (later packs' rules come
  // first here), or at the later line of one pack.
  std::map<std::string, size_t> label_ids;
  std::set<size_t> reused_id;
  for (size_t i = 0; i < pack.labels.size(); ++i) {
    const LabelRule& l = pack.labels[i];
    if (l.id.empty()) continue;
    auto [first, fresh] = label_ids.emplace(l.id, i);
    if (!fresh) reused_id.insert(pack.labels[first->second].source == l.source ? i : first->second);
  }
  for (size_t i = 0; i < pack.labels.size(); ++i) {
    const LabelRule& l = pack.labels[i];
    std::string where =
        l.source + ":" + std::to_string(l.line) + ": " + NameOrKind("label", l.label) + ": ";
    if (reused_id.count(i)) {
      fail(l.source, l.line, where + "id " + l.id + " is another label rule's too");
    }
    // Labels are compared exactly (reports, --label, --fail-on): a site's
    // "phi" would be a label of its own beside PHI, its assets missing from
    // every PHI count. Said once per pair: at a site pack's rule rather
    // than the built-in one it clashes with (which its author cannot edit),
    // else at the later of the two.
    const auto builtin = [&](size_t k) { return pack.labels[k].source == kBuiltinSource; };
    std::vector<std::string> others = {"NONE"};  // what an asset no rule labels gets
    for (size_t j = 0; j < pack.labels.size(); ++j) {
      if (builtin(j) != builtin(i) ? builtin(j) : j < i) others.push_back(pack.labels[j].label);
    }
    for (const auto& o : others) {
      if (o != l.label && AsciiLower(o) == AsciiLower(l.label)) {
        fail(l.source, l.line,
             where + "differs from " + (IsQuotableName(o) ? "the label " + o : "another label") +
                 " only in case (labels are case-sensitive)");
        break;
      }
    }
    for (const auto* ids : {&l.any_type, &l.requires_type}) {
      for (const auto& id : *ids) {
        if (!type_known(id)) fail(l.source, l.line, where + unknown_type(id));
      }
    }
    for (const auto* cats : {&l.any_category, &l.requires_category}) {
      for (const auto& c : *cats) {
        if (!IsCategory(c)) {
          fail(l.source, l.line, where + "unknown category " + Quoted(c));
        }
      }
    }
    // A site's rule that no enabled type can satisfy never applies. (A
    // built-in rule is left alone: disabling a type must not make the
    // built-in pack an error.)
    if (l.source != kBuiltinSource) {
      if (std::string why = WhyLabelNeverApplies(l, pack); !why.empty()) {
        fail(l.source, l.line, where + why);
      }
    }
    for (const auto& name : l.requires_keywords) {
      if (!list_known(name)) {
        fail(l.source, l.line,
             where + "unknown keyword list " + Quoted(name) +
                 DidYouMean(name, KeywordListNames(pack)));
      }
      if (pack.keywords.count(name)) context.push_back(list_id(name));
    }
  }
  if (!errors.empty()) {
    if (all_errors != nullptr) {
      all_errors->insert(all_errors->end(), errors.begin(), errors.end());
    }
    return Status::InvalidArgument(errors.front().message);
  }
  compiled->context_lists.assign(compiled->keyword_lists.size(), false);
  for (int li : context) compiled->context_lists[li] = true;

  // A regex whose every pattern has proximity 0 and keyword evidence can only
  // fire inside a structured field named by that evidence: it is not
  // prefiltered at all (a generic ID shape would cost Hyperscan throughput on
  // every byte) but run by the Matcher on the field values it is told about.
  std::vector<std::string> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  std::vector<uint8_t> tiers, whole;
  for (size_t r = 0; r < compiled->regexes.size(); ++r) {
    auto& cr = compiled->regexes[r];
    if (options.use_evidence_gate) SetEvidenceGate(*compiled, cr);
    cr.field_only = std::all_of(cr.patterns.begin(), cr.patterns.end(), [&](int p) {
      const auto& cp = compiled->patterns[p];
      return cp.proximity == 0 &&
             std::any_of(cp.evidence.begin(), cp.evidence.end(), [](const auto& e) {
               return e.kind != EvidenceGroup::Kind::kNoneOf;
             });
    });
    if (cr.field_only && !cr.excludes.empty()) {
      const auto& cp = compiled->patterns[cr.patterns.front()];
      const auto& t = rs->types_[cp.type_index];
      const int line = t.patterns[cp.pattern_index].line;
      fail(t.source, line,
           Where(t, line) +
               "exclude is not supported on a pattern that runs on field values only "
               "(proximity 0 with keyword evidence)");
      continue;
    }
    if (cr.field_only) {
      for (int p : cr.patterns) {
        for (const auto& e : compiled->patterns[p].evidence) {
          if (e.kind == EvidenceGroup::Kind::kNoneOf) continue;
          for (int li : e.lists) {
            if (std::find(cr.field_lists.begin(), cr.field_lists.end(), li) ==
                cr.field_lists.end()) {
              cr.field_lists.push_back(li);
            }
          }
        }
      }
      cr.field_digit_run = internal::MinDigitRun(cr.re->pattern());
      compiled->field_regexes.push_back(static_cast<int>(r));
      continue;
    }
    const auto id = static_cast<unsigned>(compiled->hs_regex.size());
    compiled->hs_regex.push_back(static_cast<int>(r));
    // Alternatives that cannot match without a digit, and are narrow, are
    // scanned only around digits; the rest of the regex over every byte.
    std::string gated, rest;
    const std::vector<std::string> alternatives =
        options.use_digit_windows ? internal::TopLevelAlternatives(regex_text[r])
                                  : std::vector<std::string>{regex_text[r]};
    const bool several = alternatives.size() > 1;
    for (const std::string& alt : alternatives) {
      const bool has_digit = options.use_digit_windows && internal::EveryMatchHasDigit(alt);
      const HsInfo info = several || has_digit ? HsExpressionInfo(alt) : HsInfo{};
      // One that can never match is left out of the tiers: Hyperscan would
      // reject it alone (the combined database keeps the whole regex of one
      // still split between them, and Hyperscan accepts it so).
      if (several && info.error == kNeverMatches) continue;
      const bool digit_bound =
          has_digit && info.ok && info.min_width > 0 && info.max_width <= kMaxGatedWidth;
      std::string& into = digit_bound ? gated : rest;
      if (!into.empty()) into += '|';
      into += alt;
      if (digit_bound) compiled->digit_window = std::max(compiled->digit_window, info.max_width);
    }
    // Hyperscan accepted the whole regex, so some alternative can match;
    // should it find none alone, the regex is scanned whole.
    if (rest.empty() && gated.empty()) rest = regex_text[r];
    // A regex split between the tiers is scanned whole by the combined
    // database: one expression there costs less than its two parts, which
    // Hyperscan cannot merge back (on logs and exports, where the combined
    // database runs, the parts of the VIN regex cost 10 % more).
    const bool split = !rest.empty() && !gated.empty();
    if (split) {
      expressions.push_back(regex_text[r]);
      flags.push_back(0);
      ids.push_back(id);
      tiers.push_back(internal::kWholeOnly);
      whole.push_back(1);
    }
    for (std::string* part : {&rest, &gated}) {
      if (part->empty()) continue;
      expressions.push_back(std::move(*part));
      flags.push_back(0);
      ids.push_back(id);
      tiers.push_back(part == &gated ? internal::kDigitTier : internal::kSparseTier);
      whole.push_back(split ? 0 : 1);
    }
  }
  if (!errors.empty()) {
    if (all_errors != nullptr) {
      all_errors->insert(all_errors->end(), errors.begin(), errors.end());
    }
    return Status::InvalidArgument(errors.front().message);
  }
  compiled->keyword_base = static_cast<unsigned>(compiled->hs_regex.size());
  auto add_keyword_expr = [&](std::string expr, unsigned flag, uint8_t tier) {
    ids.push_back(compiled->keyword_base + static_cast<unsigned>(compiled->keyword_exprs.size()));
    tiers.push_back(tier);
    whole.push_back(tier == internal::kContextTier ? 0 : 1);
    expressions.push_back(std::move(expr));
    flags.push_back(flag);
  };
  for (size_t li = 0; li < compiled->keyword_lists.size(); ++li) {
    for (const auto& term : pack.keywords.at(compiled->keyword_lists[li])) {
      auto& lists = compiled->field_terms[internal::NormalizeFieldName(term)];
      if (lists.empty() || lists.back() != static_cast<int>(li)) {
        lists.push_back(static_cast<int>(li));
      }
    }
  }
  if (auto it = pack.keywords.find(kFieldNameSuffixes); it != pack.keywords.end()) {
    for (const auto& term : it->second) {
      compiled->field_suffixes.insert(internal::NormalizeFieldName(term));
    }
  }
  // Lists used only as label context need one hit per stream, not every
  // position: each goes to a database of its own (kContextTier), which the
  // Matcher scans only until the list has occurred in the stream.
  std::vector<bool> evidence_list(compiled->keyword_lists.size(), false);
  for (const auto& cp : compiled->patterns) {
    for (const auto& e : cp.evidence) {
      for (int li : e.lists) evidence_list[li] = true;
    }
  }
  // Evidence lists need every position near a hit. Their one-word terms are
  // bare literals (word boundaries checked by the Matcher on each hit), which
  // Hyperscan matches several times faster than \bterm\b alternations. With
  // digit windows they are kKeywordTier (scanned near hits where digits are
  // sparse), unless the list is also label context.
  for (size_t li = 0; li < compiled->keyword_lists.size(); ++li) {
    // A list only unless_labelled names: field names and the Matcher's
    // label check, no scan.
    if (!evidence_list[li] && !compiled->context_lists[li]) continue;
    const auto& name = compiled->keyword_lists[li];
    const unsigned caseless = pack.case_sensitive_lists.count(name) ? 0u : HS_FLAG_CASELESS;
    const uint8_t evidence_tier = options.use_digit_windows && !compiled->context_lists[li]
                                      ? internal::kKeywordTier
                                      : internal::kSparseTier;
    std::string alt;
    for (const auto& term : pack.keywords.at(name)) {
      bool one_word = evidence_list[li] && term.find(' ') == std::string::npos;
      if (!one_word) {
        alt += alt.empty() ? "(?:" : "|";
        alt += KeywordRegex(term);
        // A run of spaces becomes up to 3 separators: at most 3 bytes a byte.
        if (evidence_list[li] && evidence_tier == internal::kKeywordTier) {
          compiled->keyword_width =
              std::max(compiled->keyword_width, 3 * static_cast<unsigned>(term.size()));
        }
        continue;
      }
      if (evidence_tier == internal::kKeywordTier) {
        compiled->keyword_width =
            std::max(compiled->keyword_width, static_cast<unsigned>(term.size()));
      }
      add_keyword_expr(LiteralRegex(term), caseless, evidence_tier);
      compiled->keyword_exprs.push_back({static_cast<int>(li), static_cast<unsigned>(term.size()),
                                         IsWordByte(term.front()), IsWordByte(term.back())});
    }
    if (alt.empty()) continue;
    if (evidence_list[li]) {
      add_keyword_expr(alt + ")", caseless, evidence_tier);
    } else {
      add_keyword_expr(alt + ")", caseless | HS_FLAG_SINGLEMATCH, internal::kContextTier);
      compiled->context_db_lists.push_back(static_cast<int>(li));
    }
    compiled->keyword_exprs.push_back({static_cast<int>(li), 0, false, false});
  }

  // Exclude expressions, after the keyword terms; placed like a regex's
  // alternatives (around digits if every match has one), and in `db`.
  compiled->exclude_base =
      compiled->keyword_base + static_cast<unsigned>(compiled->keyword_exprs.size());
  for (size_t x = 0; x < compiled->excludes.size(); ++x) {
    const auto& ex = compiled->excludes[x];
    const bool gated = options.use_digit_windows && internal::EveryMatchHasDigit(ex.expr) &&
                       ex.width <= kMaxGatedWidth;
    if (gated) compiled->digit_window = std::max(compiled->digit_window, ex.width);
    if (!ex.classes.empty()) continue;  // the Matcher's (veto_banks)
    ids.push_back(compiled->exclude_base + static_cast<unsigned>(x));
    tiers.push_back(gated ? internal::kDigitTier : internal::kSparseTier);
    whole.push_back(1);
    expressions.push_back(ex.expr);
    flags.push_back(0);
  }

  // Error prefixes per expression, so a failure of the deferred compile still
  // names the pack, line and rule.
  for (size_t i = 0; i < expressions.size(); ++i) {
    if (ids[i] >= compiled->exclude_base) {
      compiled->hs_error_prefix.push_back(exclude_where[ids[i] - compiled->exclude_base] +
                                          "Hyperscan rejected the exclude expression: ");
    } else if (ids[i] < compiled->keyword_base) {
      const auto& cp =
          compiled->patterns[compiled->regexes[compiled->hs_regex[ids[i]]].patterns.front()];
      const auto& t = rs->types_[cp.type_index];
      compiled->hs_error_prefix.push_back(Where(t, t.patterns[cp.pattern_index].line) +
                                          "Hyperscan rejected the pattern: ");
    } else {
      compiled->hs_error_prefix.push_back(
          "keyword list " +
          Quoted(compiled->keyword_lists[compiled->keyword_exprs[ids[i] - compiled->keyword_base]
                                             .list]) +
          " does not compile: ");
    }
  }
  compiled->hs_expressions = std::move(expressions);
  compiled->hs_flags = std::move(flags);
  compiled->hs_ids = std::move(ids);
  compiled->hs_tier = std::move(tiers);
  compiled->hs_whole = std::move(whole);

  rs->labels_ = pack.labels;
  rs->version_ = Sha256Hex(Canonical(pack), 8);  // 64 bits tell versions apart
  rs->database_key_ = DatabaseKey(*compiled);
  // Left context for a match ending just after the previous chunk's accepted
  // limit: its full width, one byte for \b, and the lookahead margin, which
  // holds the widest regex too (classifiers/matcher.cc kLookahead).
  // An exclude match overlapping a match must be whole in the buffer too:
  // up to its width before the match (and the Matcher's lookahead grows by
  // that width, which the overlap must also cover).
  rs->overlap_bytes_ = 2 * compiled->max_width + 128 + 2 * compiled->exclude_width;
  rs->compiled_ = std::move(compiled);
  return std::shared_ptr<const RuleSet>(std::move(rs));
}

const Status& internal::CompiledRules::EnsureDatabase() const {
  std::call_once(db_once, [this] {
    // 0: the combined database (hs_whole); 1: kSparseTier; 2: kDigitTier;
    // 3: kKeywordTier; kFirstContextDb on: one kContextTier list each.
    std::vector<HsDatabase> compiled(database_count());
    auto holds = [this](size_t which, size_t i) {
      switch (which) {
        case 0: return hs_whole[i] != 0;
        case 1: return hs_tier[i] == kSparseTier;
        case 2: return hs_tier[i] == kDigitTier;
        case 3: return hs_tier[i] == kKeywordTier;
        default:
          return hs_tier[i] == kContextTier &&
                 keyword_exprs[hs_ids[i] - keyword_base].list ==
                     context_db_lists[which - kFirstContextDb];
      }
    };
    for (size_t which = 0; which < compiled.size(); ++which) {
      if (which == 1 && !split_sparse()) continue;
      if (which == 2 && !split_tiers()) continue;
      if (which == 3 && !split_keywords()) continue;
      std::vector<const char*> exprs;
      std::vector<unsigned> flags, ids;
      std::vector<size_t> index;  // back to hs_expressions, for errors
      for (size_t i = 0; i < hs_expressions.size(); ++i) {
        if (!holds(which, i)) continue;
        exprs.push_back(hs_expressions[i].c_str());
        flags.push_back(hs_flags[i]);
        ids.push_back(hs_ids[i]);
        index.push_back(i);
      }
      hs_database_t* raw = nullptr;
      hs_compile_error_t* err = nullptr;
      if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &raw,
                           &err) != HS_SUCCESS) {
        std::string msg = err ? err->message : "unknown error";
        int bad = err ? err->expression : -1;
        hs_free_compile_error(err);
        db_status = Status::InvalidArgument(
            (bad >= 0 && static_cast<size_t>(bad) < index.size()
                 ? hs_error_prefix[index[bad]]
                 : std::string("Hyperscan compile failed: ")) +
            msg);
        return;
      }
      compiled[which].reset(raw);
    }
    InstallDatabases(compiled);
  });
  return db_status;
}

bool internal::CompiledRules::InstallDatabases(std::vector<HsDatabase>& dbs) const {
  hs_scratch_t* scratch = nullptr;
  for (const HsDatabase& d : dbs) {
    if (d && hs_alloc_scratch(d.get(), &scratch) != HS_SUCCESS) {
      hs_free_scratch(scratch);
      db_status = Status::InvalidArgument("cannot allocate Hyperscan scratch");
      return false;
    }
  }
  db = std::move(dbs[0]);
  sparse_db = std::move(dbs[1]);
  digit_db = std::move(dbs[2]);
  keyword_db = std::move(dbs[3]);
  context_dbs.clear();
  for (size_t i = kFirstContextDb; i < dbs.size(); ++i) context_dbs.push_back(std::move(dbs[i]));
  prototype_scratch.reset(scratch);
  db_ready = true;
  return true;
}

bool internal::CompiledRules::AdoptDatabase(std::vector<HsDatabase>& dbs) const {
  bool adopted = false;
  std::call_once(db_once, [&] {
    if (!InstallDatabases(dbs)) return;
    db_adopted = true;
    adopted = true;
  });
  return adopted;
}

Status RuleSet::EnsureCompiled() const { return compiled_->EnsureDatabase(); }

bool RuleSet::database_ready() const { return compiled_->db_ready.load(); }

bool RuleSet::database_adopted() const { return compiled_->db_adopted.load(); }

namespace {

// Bytes kept between runs (tools/rule_cache.h): "HEADER\n", the SHA-256 of
// the payload in hex and "\n", then the payload. The checksum is what
// tells damaged bytes apart: Hyperscan does not check the bytes it
// deserializes, and a damaged database or width would scan wrongly.
std::string Seal(std::string_view header, std::string_view payload) {
  std::string out(header);
  out += '\n';
  out += Sha256Hex(payload, 32);
  out += '\n';
  out += payload;
  return out;
}

// The payload of Seal(header, payload), or nullopt if `bytes` has another
// header or its checksum does not hold.
std::optional<std::string_view> Unseal(std::string_view bytes, std::string_view header) {
  constexpr size_t kSumLen = 64;
  if (bytes.size() < header.size() + 1 + kSumLen + 1 || bytes.substr(0, header.size()) != header ||
      bytes[header.size()] != '\n' || bytes[header.size() + 1 + kSumLen] != '\n') {
    return std::nullopt;
  }
  std::string_view sum = bytes.substr(header.size() + 1, kSumLen);
  bytes.remove_prefix(header.size() + 1 + kSumLen + 1);
  if (Sha256Hex(bytes, 32) != sum) return std::nullopt;
  return bytes;
}

// Reads a decimal of 1 to `max_digits` digits and the byte after it, which
// must be `end`; false otherwise, *in then unspecified.
bool ReadNumber(std::string_view* in, char end, size_t max_digits, uint64_t* out) {
  size_t i = 0;
  *out = 0;
  while (i < in->size() && i < max_digits && (*in)[i] >= '0' && (*in)[i] <= '9') {
    *out = *out * 10 + static_cast<uint64_t>((*in)[i] - '0');
    ++i;
  }
  if (i == 0 || i >= in->size() || (*in)[i] != end) return false;
  in->remove_prefix(i + 1);
  return true;
}

}  // namespace

Result<std::string> RuleSet::SerializeDatabase() const {
  if (Status s = compiled_->EnsureDatabase(); !s.ok()) return s;
  // Payload: "LEN0 LEN1 ...\n", one length per database (database_count();
  // an absent one has length 0), then the databases.
  std::vector<const hs_database_t*> dbs = {compiled_->db.get(), compiled_->sparse_db.get(),
                                           compiled_->digit_db.get(),
                                           compiled_->keyword_db.get()};
  for (const auto& d : compiled_->context_dbs) dbs.push_back(d.get());
  const size_t count = dbs.size();
  std::vector<std::string> parts(count);
  for (size_t i = 0; i < count; ++i) {
    if (dbs[i] == nullptr) continue;
    char* bytes = nullptr;
    size_t length = 0;
    if (hs_serialize_database(dbs[i], &bytes, &length) != HS_SUCCESS) {
      return Status::IoError("cannot serialize the Hyperscan database");
    }
    parts[i].assign(bytes, length);
    std::free(bytes);  // hs_serialize_database allocates with the misc allocator (malloc)
  }
  std::string payload;
  for (size_t i = 0; i < count; ++i) {
    payload += std::to_string(parts[i].size());
    payload += i + 1 < count ? ' ' : '\n';
  }
  for (const auto& part : parts) payload += part;
  return Seal(database_key_, payload);
}

// Sealed bytes (Seal above) whose header names the format and the
// Hyperscan version (another version may answer differently); the payload
// is per expression "OK MIN MAX EXPR_LEN ERROR_LEN\n" then the expression
// and Hyperscan's error ("" when OK is 1).
namespace {
std::string WidthsHeader() { return std::string("phiscan-widths-1 ") + hs_version(); }
}  // namespace

bool RuleSet::ExpressionWidthsChanged() {
  WidthMemo& memo = Widths();
  std::lock_guard<std::mutex> lock(memo.mu);
  return memo.changed;
}

std::string RuleSet::SerializeExpressionWidths() {
  WidthMemo& memo = Widths();
  std::lock_guard<std::mutex> lock(memo.mu);
  // Past the bound, only what this process asked: the answers for rules
  // no longer in use are dropped.
  const bool all = memo.entries.size() <= kMaxRememberedWidths;
  std::string payload;
  for (const auto& [expr, e] : memo.entries) {
    if (!all && !e.used) continue;
    payload += e.info.ok ? "1 " : "0 ";
    for (uint64_t n : {uint64_t{e.info.min_width}, uint64_t{e.info.max_width},
                       uint64_t{expr.size()}}) {
      payload += std::to_string(n);
      payload += ' ';
    }
    payload += std::to_string(e.info.error.size());
    payload += '\n';
    payload += expr;
    payload += e.info.error;
  }
  return Seal(WidthsHeader(), payload);
}

void RuleSet::ExpressionWidthsStored() {
  WidthMemo& memo = Widths();
  std::lock_guard<std::mutex> lock(memo.mu);
  memo.changed = false;
}

bool RuleSet::AdoptExpressionWidths(std::string_view sealed) {
  const std::optional<std::string_view> payload = Unseal(sealed, WidthsHeader());
  if (!payload) return false;
  std::string_view bytes = *payload;
  std::vector<std::pair<std::string, HsInfo>> read;
  while (!bytes.empty()) {
    uint64_t ok = 0, min_width = 0, max_width = 0, expr_len = 0, error_len = 0;
    if (!ReadNumber(&bytes, ' ', 1, &ok) || ok > 1 || !ReadNumber(&bytes, ' ', 10, &min_width) ||
        !ReadNumber(&bytes, ' ', 10, &max_width) || !ReadNumber(&bytes, ' ', 10, &expr_len) ||
        !ReadNumber(&bytes, '\n', 10, &error_len) || min_width > UINT_MAX ||
        max_width > UINT_MAX ||
        expr_len > bytes.size() || error_len > bytes.size() - expr_len ||
        (ok == 0) != (error_len > 0)) {
      return false;
    }
    HsInfo info;
    info.ok = ok == 1;
    info.min_width = static_cast<unsigned>(min_width);
    info.max_width = static_cast<unsigned>(max_width);
    info.error = std::string(bytes.substr(expr_len, error_len));
    read.emplace_back(std::string(bytes.substr(0, expr_len)), std::move(info));
    bytes.remove_prefix(expr_len + error_len);
  }
  WidthMemo& memo = Widths();
  std::lock_guard<std::mutex> lock(memo.mu);
  for (auto& [expr, info] : read) {
    memo.entries.try_emplace(std::move(expr), WidthMemo::Entry{std::move(info)});
  }
  return true;
}

bool RuleSet::AdoptDatabase(std::string_view sealed) const {
  const std::optional<std::string_view> payload = Unseal(sealed, database_key_);
  if (!payload) return false;
  std::string_view bytes = *payload;
  // "LEN0 LEN1 ...\n": database_count() runs of at most 12 digits, each
  // length within what remains of the bytes (so nothing can overflow or
  // read past them).
  const size_t count = compiled_->database_count();
  std::vector<size_t> len(count);
  for (size_t i = 0; i < count; ++i) {
    uint64_t n = 0;
    if (!ReadNumber(&bytes, i + 1 < count ? ' ' : '\n', 12, &n)) return false;
    len[i] = n;
  }
  size_t remaining = bytes.size();
  for (size_t n : len) {
    if (n > remaining) return false;
    remaining -= n;
  }
  if (remaining != 0 || len[0] == 0) return false;
  std::vector<internal::HsDatabase> dbs(count);
  for (size_t i = 0; i < count; ++i) {
    if (len[i] == 0) continue;
    hs_database_t* raw = nullptr;
    if (hs_deserialize_database(bytes.data(), len[i], &raw) != HS_SUCCESS) return false;
    dbs[i].reset(raw);
    bytes.remove_prefix(len[i]);
  }
  if ((dbs[1] != nullptr) != compiled_->split_sparse() ||
      (dbs[2] != nullptr) != compiled_->split_tiers() ||
      (dbs[3] != nullptr) != compiled_->split_keywords()) {
    return false;
  }
  for (size_t i = internal::CompiledRules::kFirstContextDb; i < count; ++i) {
    if (dbs[i] == nullptr) return false;
  }
  return compiled_->AdoptDatabase(dbs);
}

namespace {

// The error to report for user pack `failed`, whose parse failed with
// `parse_error`, when `packs` (the built-in pack and the user packs before
// it) parsed: what compiling would find in an earlier pack or on an earlier
// line of this one (an unbounded regex on line 7 before a bad category on
// line 11) comes first, as `rules check` lists them, so that fixing the
// reported error does not reveal an earlier one.
Status EarliestError(std::vector<RulePack> packs, const PackText& failed,
                     const Status& parse_error) {
  std::vector<PackError> parse_errors;
  packs.push_back(ParseRulePackAll(failed.text, failed.source, &parse_errors));
  int line = 0;
  for (const auto& e : parse_errors) {
    if (e.message == parse_error.message()) line = e.line;
  }
  if (line == 0) return parse_error;  // YAML syntax, not a pack: nothing else is known
  std::vector<PackError> compile_errors;
  (void)RuleSet::Compile(MergeRulePacks(packs), {}, &compile_errors);
  // Compile reports pack by pack, in order: an earlier pack's first error,
  // else this one's earliest before `line`.
  const PackError* earliest = nullptr;
  for (const auto& e : compile_errors) {
    if (e.source == kBuiltinSource || e.line <= 0) continue;
    if (e.source != failed.source) {
      if (earliest == nullptr) earliest = &e;
    } else if (e.line < line && (earliest == nullptr || (earliest->source == failed.source &&
                                                          e.line < earliest->line))) {
      earliest = &e;
    }
  }
  return earliest != nullptr ? Status::InvalidArgument(earliest->message) : parse_error;
}

}  // namespace

Result<std::shared_ptr<const RuleSet>> RuleSet::LoadWithBuiltins(
    const std::vector<PackText>& user_packs) {
  std::vector<RulePack> packs;
  auto builtin = ParseRulePack(BuiltinRulePackText(), kBuiltinSource);
  if (!builtin.ok()) return builtin.status();
  packs.push_back(std::move(builtin).value());
  for (const auto& user : user_packs) {
    auto pack = ParseRulePack(user.text, user.source);
    if (!pack.ok()) return EarliestError(std::move(packs), user, pack.status());
    packs.push_back(std::move(pack).value());
  }
  return Compile(MergeRulePacks(packs));
}

PackCheck CheckRulePacks(const std::vector<PackText>& texts,
                         const std::function<Status(const RuleSet&)>& ready) {
  PackCheck check;
  std::vector<PackError> errors;
  std::vector<RulePack> packs;
  auto builtin = ParseRulePack(BuiltinRulePackText(), kBuiltinSource);
  if (!builtin.ok()) {
    check.errors.push_back(builtin.status().message());
    return check;
  }
  packs.push_back(std::move(builtin).value());
  for (const auto& t : texts) packs.push_back(ParseRulePackAll(t.text, t.source, &errors));
  // A type with an earlier pack's id replaces it whole: said, since a site
  // type named EMAIL takes the built-in one's place, patterns and all.
  for (size_t k = 1; k < packs.size(); ++k) {
    for (const auto& type : packs[k].types) {
      if (type.patterns.empty()) continue;  // `enabled: false` alone
      for (size_t e = k; e-- > 0;) {
        const bool replaced = std::any_of(packs[e].types.begin(), packs[e].types.end(),
                                          [&](const TypeSpec& t) { return t.id == type.id; });
        if (!replaced) continue;
        check.notes.push_back(
            type.source + ":" + std::to_string(type.line) + ": " + NameOrKind("rule", type.id) +
            ": replaces the " +
            (e == 0 ? std::string("built-in type") : "type of " + packs[e].source) +
            " of that id whole (what it leaves out takes its default)");
        break;
      }
    }
  }
  auto rules = RuleSet::Compile(MergeRulePacks(packs), {}, &errors);
  if (rules.ok() && errors.empty()) {
    const RuleSet& r = *rules.value();
    if (Status s = ready ? ready(r) : r.EnsureCompiled(); !s.ok()) {
      check.errors.push_back(s.message());
      return check;
    }
    check.rules = std::move(rules).value();
    return check;
  }
  // Pack by pack, by line; what names no user pack (the built-in pack, none)
  // last.
  std::vector<bool> listed(errors.size(), false);
  for (const auto& t : texts) {
    std::vector<const PackError*> mine;
    for (size_t i = 0; i < errors.size(); ++i) {
      if (!listed[i] && errors[i].source == t.source) {
        mine.push_back(&errors[i]);
        listed[i] = true;
      }
    }
    std::stable_sort(mine.begin(), mine.end(),
                     [](const PackError* a, const PackError* b) { return a->line < b->line; });
    for (size_t i = 0; i < mine.size() && i < kMaxErrorsPerPack; ++i) {
      check.errors.push_back(mine[i]->message);
    }
    if (mine.size() > kMaxErrorsPerPack) {
      check.errors.push_back(t.source + ": " + std::to_string(mine.size() - kMaxErrorsPerPack) +
                             " more errors not shown");
    }
  }
  for (size_t i = 0; i < errors.size(); ++i) {
    if (!listed[i]) check.errors.push_back(errors[i].message);
  }
  if (check.errors.empty()) check.errors.push_back(rules.status().message());
  return check;
}

}  // namespace phiscan::classifiers
